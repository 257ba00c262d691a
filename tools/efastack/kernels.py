# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Kernels the test VMs boot: a short name (6.1, 6.12) or a full release
(6.1.0-28-amd64) to the newest installed release it names.  Debian moves
the exact release with its updates, so nothing else names one."""
import os
import re

MODULES = "/lib/modules"
BOOT = "/boot"
# What tools/run-tests covers.
SUPPORTED = ("6.1", "6.12")


def _version_key(release):
    return [int(p) if p.isdigit() else p for p in re.split(r"([0-9]+)", release)]


def installed():
    """Releases with both a kernel image and modules, oldest first."""
    try:
        images = {n[len("vmlinuz-"):] for n in os.listdir(BOOT) if n.startswith("vmlinuz-")}
    except OSError:
        images = set()
    try:
        modules = set(os.listdir(MODULES))
    except OSError:
        modules = set()
    return sorted(images & modules, key=_version_key)


def release(name):
    """The newest installed release for NAME, or None.  NAME is a release
    itself, or its major.minor (6.1 matches 6.1.0-28-amd64, not 6.12)."""
    releases = installed()
    if name in releases:
        return name
    matches = [r for r in releases if re.match(re.escape(name) + r"[.-]", r)]
    return matches[-1] if matches else None


def short_name(release_name):
    """6.1 for 6.1.0-28-amd64."""
    m = re.match(r"(\d+\.\d+)", release_name)
    return m.group(1) if m else release_name


def vmlinuz(release_name):
    return os.path.join(BOOT, "vmlinuz-" + release_name)


def module_dir(release_name):
    return os.path.join(MODULES, release_name)
