# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Shared fixtures for the suites that run inside a test VM.

The host side (tools/run-tests) boots the VM with known device properties
and passes what the tests must find as EFA_EXPECT_* environment variables;
a test compares what the driver and provider report against them.
"""
import os
import subprocess

import pytest


def expect(name, default=None):
    """One expected value from the host, as a string (None if unset)."""
    return os.environ.get("EFA_EXPECT_" + name.upper().replace("-", "_"), default)


def expect_int(name, default=None):
    value = expect(name)
    return int(value, 0) if value is not None else default


def run(*cmd):
    """Run a command, fail the test with its output if it fails."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, (
        f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


@pytest.fixture
def efa_devices():
    """The EFA ib devices the kernel registered, sorted by name."""
    root = "/sys/class/infiniband"
    names = sorted(n for n in os.listdir(root) if n.startswith("efa_"))
    assert names, "no efa_* device registered in " + root
    return names
