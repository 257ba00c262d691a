# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Properties of the emulated EFA (-device efa,KEY=VALUE) and what tests
expect from them.

The device model is the one place its defaults live; they are read from
what the QEMU binary in use says (-device efa,help), so a suite compares the
stack against the device it really runs, never against a copy.
"""
import re
import subprocess

# Properties every QEMU PCI device has; not the EFA's own.
PCI_DEVICE_PROPS = {"acpi-index", "addr", "failover_pair_id", "multifunction",
                    "rombar", "romfile", "romsize", "x-pcie-extcap-init",
                    "x-pcie-lnksta-dllla"}
# Properties that differ per device or name host files: exported to the
# guest only when given (guid: the first device's).
PER_DEVICE_PROPS = {"guid", "net-addr", "objects-file"}

_defaults = {}


def defaults(qemu):
    """{property: default as a string} of the efa device of QEMU (the
    EFA's own properties with a default), or None if it has no efa device."""
    if qemu not in _defaults:
        proc = subprocess.run([qemu, "-M", "microvm", "-device", "efa,help"],
                              capture_output=True, text=True)
        if proc.returncode != 0 or not proc.stdout.startswith("efa options:"):
            _defaults[qemu] = None
        else:
            found = {}
            for m in re.finditer(r"^  ([\w-]+)=<\w+>.*\(default: ([^)]*)\)$", proc.stdout, re.M):
                if m.group(1) not in PCI_DEVICE_PROPS:
                    found[m.group(1)] = m.group(2)
            _defaults[qemu] = found
    return _defaults[qemu]


def env_key(prop):
    """EFA_PROP_MAX_QP for max-qp."""
    return "EFA_PROP_" + prop.upper().replace("-", "_")


def guest_env(qemu_defaults, given):
    """EFA_PROP_* for a test VM: every device property's value, GIVEN (a
    dict) over the defaults; per-device ones only when given."""
    values = {k: v for k, v in qemu_defaults.items() if k not in PER_DEVICE_PROPS}
    values.update(given)
    return {env_key(k): v for k, v in values.items()}
