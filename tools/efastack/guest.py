# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""What every suite running inside a test VM (tools/efa-vm) needs: the
expectations the host passes, commands, sysfs and hw counters, and the
device model's object counts.

Expectations: tools/efa-vm exports the value of every device property as
EFA_PROP_<KEY> (--prop max-qp=64 is EFA_PROP_MAX_QP=64; properties left
alone carry the model's default), and the suite table (efastack.suites) adds
what else a suite must find as EFA_EXPECT_<KEY>.  expect() looks in that
order.
"""
import os
import subprocess
import time

import pytest

from efastack import abi
from efastack import objects as objects_file

SYS_IB = "/sys/class/infiniband"
PCI_DEVICES = "/sys/bus/pci/devices"


def expect(name, default=None):
    """One expected value, as a string (default if unset): what the host
    says to expect (EFA_EXPECT_*), else what it configured the devices with
    (EFA_PROP_*)."""
    key = name.upper().replace("-", "_")
    return os.environ.get("EFA_EXPECT_" + key,
                          os.environ.get("EFA_PROP_" + key, default))


def expect_int(name, default=None):
    value = expect(name)
    return int(value, 0) if value is not None else default


def require_int(name):
    """expect_int() for values the host must have given."""
    value = expect_int(name)
    assert value is not None, (f"no expectation for {name}: run the suite "
                               "through tools/run-tests (EFA_EXPECT_/EFA_PROP_)")
    return value


def run(*cmd, check=True):
    """Run a command; unless check=False, fail the test with its output if it fails."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if check:
        assert proc.returncode == 0, (
            f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def efa_device_names():
    """The EFA ib devices the kernel registered, sorted by name."""
    return sorted(n for n in os.listdir(SYS_IB) if n.startswith("efa_"))


def pci_name(ibdev):
    """The PCI address (0000:00:01.0) of an RDMA device."""
    return os.path.basename(os.readlink(f"{SYS_IB}/{ibdev}/device"))


def _hw_counters(ibdev, port):
    return (f"{SYS_IB}/{ibdev}/ports/{port}/hw_counters" if port
            else f"{SYS_IB}/{ibdev}/hw_counters")


def counter(ibdev, name, port=None):
    """A device (or, with port, a port) hw counter."""
    return int(read(f"{_hw_counters(ibdev, port)}/{name}"))


def counters(ibdev, port=None):
    """Every hw counter of a device (or, with port, a port): {name: value}.
    The folder's "lifespan" is the RDMA core's cache time, not a counter."""
    return {name: counter(ibdev, name, port)
            for name in sorted(os.listdir(_hw_counters(ibdev, port))) if name != "lifespan"}


def fresh_counter(ibdev, name, port=None):
    """A counter read after the RDMA core's 10 ms cache of the last read."""
    time.sleep(0.05)
    return counter(ibdev, name, port)


def efa_pci_devices():
    """Every EFA PCI function, bound or not, in slot order."""
    vendor = abi.value("EFA_PCI_VENDOR_ID_AMAZON")
    return sorted(d for d in os.listdir(PCI_DEVICES)
                  if int(read(f"{PCI_DEVICES}/{d}/vendor"), 16) == vendor)


def device_objects(pci):
    """What the device model at PCI holds: {class: (live, dropped)}, exact
    at the time of the call; skips the test outside an efa-vm guest.

    tools/efa-vm gives device i (in slot order) the objects file efa<i>.objects
    in the results share the guest sees as $EFA_VM_RESULTS.
    """
    results = os.environ.get("EFA_VM_RESULTS")
    if not results:
        pytest.skip("not in an efa-vm guest: no device objects file")
    idx = efa_pci_devices().index(pci)
    return objects_file.read_in_guest(f"{results}/efa{idx}.objects")


def live_objects(pci):
    """{class: live} of device_objects()."""
    return {cls: counts[0] for cls, counts in device_objects(pci).items()}


def wait_for(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)


@pytest.fixture
def efa_devices():
    """The EFA ib devices the kernel registered, sorted by name (a fixture:
    a conftest that imports it offers it to its tests)."""
    names = efa_device_names()
    assert names, "no efa_* device registered in " + SYS_IB
    return names
