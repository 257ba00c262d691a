# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""bench-rxe: bench/rxe_compare.py in its quick mode (EFA SRD against rxe
RC in the same VM, perftest, efa-bench and ibv_rc_pingpong): every run moves
its traffic, every ratio is printed, and no rxe device is left behind (other
suites of the boot run libfabric 1.17, which an rxe device stops).  The
ratios are printed, never judged."""
import math
import os
import re
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rxe_compare.py")
SYS_IB = "/sys/class/infiniband"


def non_efa_devices():
    return sorted(n for n in os.listdir(SYS_IB) if not n.startswith("efa_"))


@pytest.fixture
def no_rxe_after():
    """Whatever the script does, the boot goes on without an rxe device."""
    assert non_efa_devices() == []
    try:
        yield
    finally:
        for dev in non_efa_devices():
            subprocess.run(["rdma", "link", "delete", dev], capture_output=True)
    assert non_efa_devices() == [], "the script left an rxe device behind"


def test_quick_run_moves_its_traffic_and_prints_every_ratio(no_rxe_after, capsys):
    assert os.environ.get("EFA_BENCH"), "EFA_BENCH: run through tools/run-tests"
    proc = subprocess.run([sys.executable, SCRIPT, "--mode", "quick"], capture_output=True,
                          text=True, timeout=600)
    with capsys.disabled():     # the ratios belong in the run's log
        print("\n" + proc.stdout + proc.stderr)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ratios = dict(re.findall(r"^ratio (.+?) = (\S+)$", proc.stdout, re.M))
    assert sorted(ratios) == sorted([
        "efa_srd/rxe_rc send_lat (perftest)", "efa_srd/rxe_rc send_msg_rate (perftest)",
        "efa_srd/rxe_rc round_trip (efa-bench/ibv_rc_pingpong)",
        "efa_srd/rxe_rc msg_rate (efa-bench/perftest)"]), proc.stdout
    for name, value in ratios.items():
        assert math.isfinite(float(value)) and float(value) > 0, (name, value)
