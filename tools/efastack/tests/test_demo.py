# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""tools/efa-demo, the README's main job, as a user runs it: every step it
promises shows up in its output with real results, and it exits 0.

Runs on the host and boots one VM (kernel 6.1, our driver and provider).
"""
import os
import re
import subprocess

import pytest

from efastack import paths

EFA_DEMO = os.path.join(paths.TOOLS, "efa-demo")


@pytest.fixture(scope="module")
def demo():
    proc = subprocess.run([EFA_DEMO], capture_output=True, text=True, timeout=900)
    print(proc.stdout)
    print(proc.stderr)
    return proc


def test_exits_0(demo):
    assert demo.returncode == 0, demo.stderr[-3000:]


def test_discovery(demo):
    out = demo.stdout
    assert re.search(r"1d0f:efa[0-3]", out), out
    assert re.search(r"^\s+efa_0\s+[0-9a-f]{16}$", out, re.M), out
    assert re.search(r"^\s+efa_1\s+[0-9a-f]{16}$", out, re.M), out
    assert re.search(r"state:\s+PORT_ACTIVE", out), out


def test_ping_pong_latency(demo):
    m = re.search(r"^efa-bench proto=srd test=latency .* intact=(\d+) .*p50_us=([\d.]+)",
                  demo.stdout, re.M)
    assert m, demo.stdout
    assert int(m.group(1)) == 300 and float(m.group(2)) > 0


def test_perftest_bandwidth_line(demo):
    # ib_send_bw's result row: bytes, iterations, peak, average BW, msg rate
    m = re.search(r"^\s*4096\s+300\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s*$", demo.stdout, re.M)
    assert m, demo.stdout
    assert float(m.group(1)) > 0


def test_fi_pingpong(demo):
    # fi_pingpong's result row: bytes, iterations, total, time, MB/sec, usec/xfer
    rows = re.findall(r"^1k\s+100\s+=100\s+\S+\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)",
                      demo.stdout, re.M)
    assert len(rows) == 2, demo.stdout      # server and client
    assert all(float(usec) > 0 for _, usec in rows)


def test_counters_moved(demo):
    out = demo.stdout.split("The hardware counters the traffic moved", 1)
    assert len(out) == 2, demo.stdout
    moved = re.findall(r"^\s+(efa_\d)\s+(\w+)\s+\d+\s+\(\+(\d+)\)$", out[1], re.M)
    names = {(dev, name) for dev, name, _ in moved}
    for dev in ("efa_0", "efa_1"):
        assert (dev, "send_wrs") in names and (dev, "recv_wrs") in names, out[1]


def test_leak_check(demo):
    assert "both devices hold 0 objects" in demo.stdout + demo.stderr
