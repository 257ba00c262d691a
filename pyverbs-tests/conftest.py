# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Fixtures for the suites that run inside a test VM.

The host side (tools/run-tests) boots the VM with known device properties
(tools/efa-vm exports them as EFA_PROP_*) and passes any other expectation
as EFA_EXPECT_*; a test compares what the driver and provider report
against them (efastack.guest.expect).
"""
import contextlib

import pytest

from efastack.guest import efa_devices  # noqa: F401  (a fixture)
from efastack.guest import efa_pci_devices, live_objects, wait_for
from traffic import peers


@pytest.fixture
def stack():
    """An ExitStack the test's objects live in, closed after it."""
    with contextlib.ExitStack() as s:
        yield s


@pytest.fixture
def objects_everywhere_return():
    """Every device holds after the test what it held before it (the
    traffic tests use it on all their tests)."""
    before = {pci: live_objects(pci) for pci in efa_pci_devices()}
    yield
    for pci, held in before.items():
        wait_for(lambda: live_objects(pci) == held, 10,
                 f"the objects of {pci} to return to {held}")


@pytest.fixture(params=peers())
def placement(request):
    """Where the two ends of traffic are: "self" (one device), "other"
    (two devices, when the VM has them)."""
    return request.param
