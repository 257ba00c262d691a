# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""What every suite running inside a test VM (tools/efa-vm) needs: the
expectations the host passes (EFA_EXPECT_*, EFA_PROP_*), commands, sysfs
and hw counters, and the device model's object counts.

pyverbs-tests/, kernel-module/tests/ and providers/tests/ all import it.
"""
import os
import subprocess
import time

import pytest

SYS_IB = "/sys/class/infiniband"


def expect(name, default=None):
    """One expected value, as a string (default if unset): what the host
    says to expect (EFA_EXPECT_*), else what it configured the devices with
    (tools/efa-vm exports each --prop as EFA_PROP_*)."""
    key = name.upper().replace("-", "_")
    return os.environ.get("EFA_EXPECT_" + key,
                          os.environ.get("EFA_PROP_" + key, default))


def expect_int(name, default=None):
    value = expect(name)
    return int(value, 0) if value is not None else default


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


def counter(ibdev, name, port=None):
    """A device (or, with port, a port) hw counter."""
    path = (f"{SYS_IB}/{ibdev}/ports/{port}/hw_counters/{name}" if port
            else f"{SYS_IB}/{ibdev}/hw_counters/{name}")
    return int(read(path))


def fresh_counter(ibdev, name, port=None):
    """A counter read after the RDMA core's 10 ms cache of the last read."""
    time.sleep(0.05)
    return counter(ibdev, name, port)


def efa_pci_devices():
    """Every EFA PCI function, bound or not, in slot order."""
    root = "/sys/bus/pci/devices"
    return sorted(d for d in os.listdir(root)
                  if read(f"{root}/{d}/vendor") == "0x1d0f")


def device_objects(pci):
    """What the device model holds: {class: (live, dropped)}, or None
    outside an efa-vm guest.

    tools/efa-vm gives device i (in slot order) the objects file efa<i>.objects
    in the results share the guest sees as $EFA_VM_RESULTS.
    """
    results = os.environ.get("EFA_VM_RESULTS")
    if not results:
        return None
    idx = efa_pci_devices().index(pci)
    objects = {}
    with open(f"{results}/efa{idx}.objects") as f:
        for line in f:
            cls, live, dropped = line.split()
            objects[cls] = (int(live), int(dropped))
    return objects


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
