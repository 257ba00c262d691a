# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Fixtures for the suites that run inside a test VM.

The host side (tools/run-tests) boots the VM with known device properties
and passes what the tests must find as EFA_EXPECT_* environment variables
(efa_vm_lib.expect); a test compares what the driver and provider report
against them.
"""
import pytest

from efa_vm_lib import SYS_IB, efa_device_names


@pytest.fixture
def efa_devices():
    """The EFA ib devices the kernel registered, sorted by name."""
    names = efa_device_names()
    assert names, "no efa_* device registered in " + SYS_IB
    return names
