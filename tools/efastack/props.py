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
_generations = {}


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
            generations = {}
            for m in re.finditer(r"^  ([\w-]+)=<\w+>(.*)\(default: ([^)]*)\)$", proc.stdout, re.M):
                if m.group(1) in PCI_DEVICE_PROPS:
                    continue
                found[m.group(1)] = m.group(3)
                per = re.search(r"\[per device-id:((?: efa\d=\S+?)+)\]", m.group(2))
                for gen, value in re.findall(r"efa(\d)=([^\s\]]+)", per.group(1) if per else ""):
                    generations.setdefault(0xefa0 + int(gen), {})[m.group(1)] = value
            _defaults[qemu] = found
            _generations[qemu] = generations
    return _defaults[qemu]


def generation_defaults(qemu):
    """{device id: {property: default}} for the properties whose default
    depends on the device id (the generation), as the help of QEMU's efa
    device lists them; {} if none does."""
    defaults(qemu)
    return _generations.get(qemu) or {}


def env_key(prop):
    """EFA_PROP_MAX_QP for max-qp."""
    return "EFA_PROP_" + prop.upper().replace("-", "_")


def guest_env(qemu_defaults, given, generations=None):
    """EFA_PROP_* for a test VM: every device property's value, GIVEN (a
    dict) over the defaults of the device id's generation (GENERATIONS, as
    generation_defaults() gives them) over the defaults; per-device ones
    only when given."""
    values = {k: v for k, v in qemu_defaults.items() if k not in PER_DEVICE_PROPS}
    device_id = given.get("device-id")
    if device_id is not None and generations:
        values.update(generations.get(int(device_id, 0), {}))
    values.update(given)
    return {env_key(k): v for k, v in values.items()}
