# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Fixtures for the efa.ko suites, run inside a test VM (the driver-* and
reload rows of tools/efastack/suites.py).

The host boots the VM with known device properties (EFA_PROP_*) and passes
what else the driver must show as EFA_EXPECT_* variables.
"""
import os
import re

import pytest

from efastack.guest import device_objects, efa_devices, run  # noqa: F401  (a fixture)


def live(pci, cls):
    return device_objects(pci)[cls][0]


def dmesg():
    return run("dmesg")


def kernel_release_at_least(major, minor):
    m = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return (int(m.group(1)), int(m.group(2))) >= (major, minor)


@pytest.fixture
def efa0(efa_devices):
    return efa_devices[0]
