# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Fixtures for the efa.ko suite, run inside a test VM by run-vm-tests.

The host boots the VM with known device properties and passes what the
driver must show as EFA_EXPECT_* variables (see run-vm-tests).
"""
import os
import re
import sys

import pytest

# the helpers every VM suite shares live with the pyverbs suites
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "pyverbs-tests"))
from efa_vm_lib import SYS_IB, efa_devices, run  # noqa: E402,F401  (a fixture)
from efa_vm_lib import device_objects as model_objects  # noqa: E402


def pci_name(ibdev):
    """The PCI address (0000:00:01.0) of an RDMA device."""
    return os.path.basename(os.readlink(f"{SYS_IB}/{ibdev}/device"))


def device_objects(pci):
    """What the device model holds: {class: (live, dropped)}."""
    objects = model_objects(pci)
    if objects is None:
        pytest.skip("not in an efa-vm guest: no device objects file")
    return objects


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
