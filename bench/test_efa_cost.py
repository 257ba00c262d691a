# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""bench-cost (host): bench/efa-cost's quick run, which boots a VM per
provider (ours, rdma-core 56.1's, Debian's) for the instructions per send
and completion under callgrind, and one for the host CPU time of the QEMU
process per message.  Its ratios are printed, never judged; the run fails
only when a VM, a build or the traffic does."""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EFA_COST = os.path.join(REPO, "bench", "efa-cost")


def test_quick_run_prints_every_ratio(capsys):
    proc = subprocess.run([sys.executable, EFA_COST, "all", "--quick"], capture_output=True,
                          text=True, timeout=900)
    with capsys.disabled():     # the ratios belong in the run's log
        print("\n" + proc.stdout + proc.stderr)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ratios = [line.split(" = ")[0] for line in proc.stdout.splitlines()
              if line.startswith("ratio ")]
    assert ratios == [f"ratio ours/{other} {proto} {op}"
                      for other in ("rdma-core-56", "stock-44") for proto in ("srd", "ud")
                      for op in ("post_send+poll_cq", "wr_send+poll_cq")] + \
        ["ratio srd/ud model cpu_per_msg"], proc.stdout
