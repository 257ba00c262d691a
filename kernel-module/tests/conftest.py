# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Fixtures for the efa.ko suite, run inside a test VM by run-vm-tests.

The host boots the VM with known device properties and passes what the
driver must show as EFA_EXPECT_* variables (see run-vm-tests).
"""
import os
import re
import subprocess
import time

import pytest

SYS_IB = "/sys/class/infiniband"


def expect(name, default=None):
    return os.environ.get("EFA_EXPECT_" + name.upper().replace("-", "_"), default)


def expect_int(name, default=None):
    value = expect(name)
    return int(value, 0) if value is not None else default


def run(*cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
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
    return sorted(n for n in os.listdir(SYS_IB) if n.startswith("efa_"))


def pci_name(ibdev):
    """The PCI address (0000:00:01.0) of an RDMA device."""
    return os.path.basename(os.readlink(f"{SYS_IB}/{ibdev}/device"))


def counter(ibdev, name, port=None):
    path = (f"{SYS_IB}/{ibdev}/ports/{port}/hw_counters/{name}" if port
            else f"{SYS_IB}/{ibdev}/hw_counters/{name}")
    return int(read(path))


def fresh_counter(ibdev, name, port=None):
    """A counter read after the core's 10 ms cache of the last read."""
    time.sleep(0.05)
    return counter(ibdev, name, port)


def efa_pci_devices():
    """Every EFA PCI function, bound or not, in slot order."""
    root = "/sys/bus/pci/devices"
    return sorted(d for d in os.listdir(root)
                  if read(f"{root}/{d}/vendor") == "0x1d0f")


def device_objects(pci):
    """What the device model holds: {class: (live, dropped)}.

    tools/efa-vm gives device i (in slot order) the objects file efa<i>.objects
    in the results share the guest sees as $EFA_VM_RESULTS.
    """
    results = os.environ.get("EFA_VM_RESULTS")
    if not results:
        pytest.skip("not in an efa-vm guest: no device objects file")
    idx = efa_pci_devices().index(pci)
    objects = {}
    with open(f"{results}/efa{idx}.objects") as f:
        for line in f:
            cls, live, dropped = line.split()
            objects[cls] = (int(live), int(dropped))
    return objects


def live(pci, cls):
    return device_objects(pci)[cls][0]


def wait_for(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)


def dmesg():
    return run("dmesg")


def kernel_release_at_least(major, minor):
    m = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return (int(m.group(1)), int(m.group(2))) >= (major, minor)


@pytest.fixture
def efa_devices():
    names = efa_device_names()
    assert names, "no efa_* device registered in " + SYS_IB
    return names


@pytest.fixture
def efa0(efa_devices):
    return efa_devices[0]
