# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""bench-smoke: efa-bench (bench/efa_bench.c) runs briefly in a VM, between
its two devices and from one device to itself, over SRD and UD, and every
message arrives intact.  Its timings are printed, never judged: under TCG
they say little about anything but the model."""
import os
import subprocess

import pytest

from efastack import guest

ITERS = 20
MSGS = 300


def bench(*args):
    """efa-bench ARGS: (exit status, {(proto, test): {key: value}}, output)."""
    program = os.environ.get("EFA_BENCH")
    assert program and os.path.exists(program), "EFA_BENCH: run through tools/run-tests"
    proc = subprocess.run([program, *args], capture_output=True, text=True, timeout=300)
    results = {}
    for line in proc.stdout.splitlines():
        words = line.split()
        if words and words[0] == "efa-bench":
            fields = dict(w.split("=", 1) for w in words[1:])
            results[fields["proto"], fields["test"]] = fields
    return proc.returncode, results, proc.stdout + proc.stderr


@pytest.mark.parametrize("size", [8, 1000])
@pytest.mark.parametrize("to", ["other device", "itself"])
def test_every_message_arrives_intact(to, size):
    devices = guest.efa_device_names()
    assert len(devices) == 2, devices
    peer = devices[1] if to == "other device" else devices[0]
    rc, results, output = bench("-d", devices[0], "-D", peer, "-n", str(ITERS),
                                "-m", str(MSGS), "-s", str(size), "-w", "32", "-t", "120")
    print(output)
    assert rc == 0, output
    assert sorted(results) == [("srd", "latency"), ("srd", "rate"),
                               ("ud", "latency"), ("ud", "rate")], output
    for (proto, test), r in results.items():
        assert (r["dev"], r["peer"], r["size"]) == (devices[0], peer, str(size))
        if test == "latency":
            assert int(r["intact"]) == ITERS, (proto, r)
        else:
            assert (int(r["intact"]), int(r["lost"])) == (MSGS, 0), (proto, r)


def test_a_missing_device_is_a_setup_failure():
    rc, results, output = bench("-d", "efa_nonexistent", "-n", "1", "-m", "1")
    assert rc == 2 and not results, output
    assert "efa_nonexistent" in output


@pytest.mark.parametrize("proto", ["srd", "ud"])
def test_cost_and_paced_traffic_arrives_intact(proto):
    """efa-bench's cost test (what bench/efa-cost runs under callgrind) and
    paced test (what it measures QEMU's CPU time over), briefly: every
    message arrives, every poll finds what it should."""
    rc, results, output = bench("-p", proto, "-T", "cost,paced", "-m", "40", "-r", "400",
                                "-t", "120")
    print(output)
    assert rc == 0, output
    assert sorted(results) == [(proto, "cost"), (proto, "paced")], output
    cost, paced = results[proto, "cost"], results[proto, "paced"]
    assert (cost["intact"], cost["post_send"], cost["wr_send"], cost["poll_hits"]) == \
        ("80", "40", "40", "80"), cost
    assert paced["intact"] == "40", paced
    assert [line.split()[1] for line in output.splitlines()
            if line.startswith("efa-bench-mark")] == \
        ["phase=idle", "phase=paced", "phase=end"], output
