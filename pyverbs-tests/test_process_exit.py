# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A process that dies, even by SIGKILL, leaves nothing on the device: the
kernel tears its context down (QPs, AHs, MRs, CQs, PDs) and the driver
frees every object through admin commands.  Checked against the device
model's own object counts."""
import signal
import subprocess
import sys

import pytest

from efastack.guest import efa_pci_devices, live_objects, wait_for

HOLDER = """
import sys, time
from pyverbs.addr import AH, AHAttr, GlobalRoute
from pyverbs.cq import CQ
from pyverbs.device import Context
import pyverbs.enums as ibv
from pyverbs.mr import MR
from pyverbs.pd import PD
from pyverbs.providers.efa.efadv import SRDQP
from pyverbs.qp import QP, QPCap, QPInitAttr
ctx = Context(name=sys.argv[1])
n = int(sys.argv[2])
pds = [PD(ctx) for _ in range(n)]
cqs = [CQ(ctx, 16) for _ in range(n)]
cap = QPCap(max_send_wr=16, max_recv_wr=16, max_send_sge=1, max_recv_sge=1)
qps = [QP(pds[0], QPInitAttr(qp_type=ibv.IBV_QPT_UD, scq=cq, rcq=cq, cap=cap)) for cq in cqs]
qps += [SRDQP(pds[0], QPInitAttr(qp_type=ibv.IBV_QPT_DRIVER, scq=cq, rcq=cq, cap=cap))
        for cq in cqs]
mrs = [MR(pd, 4096, ibv.IBV_ACCESS_LOCAL_WRITE) for pd in pds]
attr = AHAttr(gr=GlobalRoute(dgid=ctx.query_gid(1, 0)), is_global=1, port_num=1)
ahs = [AH(pd, attr=attr) for pd in pds]
print("ready", flush=True)
time.sleep(600)
"""
# what the holder makes of each class, for N
HELD = {"pd": 1, "cq": 1, "qp": 2, "mr": 1, "ah": 1}


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_process_leaves_no_objects(efa_devices, sig):
    """A process holding PDs, CQs, UD and SRD QPs, MRs and AHs dies: every
    one of them leaves the device."""
    pci = efa_pci_devices()[0]
    n = 4
    before = live_objects(pci)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, efa_devices[0], str(n)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if holder.stdout.readline().strip() != "ready":
            holder.wait()
            pytest.fail(f"the holder could not make its objects:\n{holder.stderr.read()}")
        held = live_objects(pci)
        for cls, per_n in HELD.items():
            assert held[cls] == before[cls] + per_n * n, f"{cls}: {held} after {before}"
        assert held["uar"] == before["uar"] + 1
    finally:
        holder.send_signal(sig)
        holder.wait()
    wait_for(lambda: live_objects(pci) == before, 10,
             "the killed process's objects and UAR to leave the device")
