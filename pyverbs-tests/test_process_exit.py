# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A process that dies, even by SIGKILL, leaves nothing on the device: the
kernel tears its context down and the driver frees every object through
admin commands.  Checked against the device model's own object counts."""
import os
import signal
import subprocess
import sys

import pytest

from efastack.guest import efa_pci_devices, live_objects, wait_for

HOLDER = """
import sys, time
from pyverbs.device import Context
from pyverbs.pd import PD
ctx = Context(name=sys.argv[1])
pds = [PD(ctx) for _ in range(int(sys.argv[2]))]
print("ready", flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_process_leaves_no_objects(efa_devices, sig):
    pci = efa_pci_devices()[0]
    before = live_objects(pci)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, efa_devices[0], "8"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        held = live_objects(pci)
        assert held["pd"] == before["pd"] + 8
        assert held["uar"] == before["uar"] + 1
    finally:
        os.kill(holder.pid, sig)
        holder.wait()
    wait_for(lambda: live_objects(pci) == before, 10,
             "the killed process's PDs and UAR to leave the device")
