# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Completion events through efa.ko, from user space (cq_events.c, a UD
send from a QP to itself): an armed CQ gets exactly one event per arming on
its completion channel, more of them than the EQ holds (so the EQ wraps and
is re-armed); a CQ not armed gets none; CQs destroyed while their event is
on its way leave the kernel sound (efa_destroy_cq takes the CQ out of the
table and waits for the EQ's interrupt handler, as upstream 6.12 does); the
port counters GET_STATS returns count the traffic.  Without EQs a CQ with
a completion channel is refused.

Runs in the driver-full and driver-sparse VMs (our efa.ko, the stock
provider).
"""
import errno
import os

import pytest

from conftest import dmesg
from efastack.guest import expect, expect_int, fresh_counter, run

HERE = os.path.dirname(os.path.abspath(__file__))
MSG_BYTES = 64          # cq_events.c's message
COUNTERS = ("send_wrs", "recv_wrs", "send_bytes", "recv_bytes")


@pytest.fixture(scope="module")
def cq_events(tmp_path_factory):
    exe = str(tmp_path_factory.mktemp("cq") / "cq_events")
    run("gcc", "-Wall", "-Wextra", "-Werror", "-o", exe,
        os.path.join(HERE, "cq_events.c"), "-libverbs")
    return exe


def words(text):
    return {k: int(v) for k, v in (w.split("=", 1) for w in text.split())}


def has_eqs():
    return expect("eqs") != "0"


def eq_depth():
    """The depth efa.ko gives its EQs: max_eq_depth within 16 bits, a power of two."""
    depth = min(expect_int("max_eq_depth"), 1 << 15)
    return 1 << (depth.bit_length() - 1)


def test_one_event_per_arming_and_none_unarmed(efa0, cq_events):
    if not has_eqs():
        pytest.skip("the device has no EQs (test_a_channel_needs_eqs)")
    cycles = eq_depth() + 50
    before = {c: fresh_counter(efa0, c, port=1) for c in COUNTERS}
    out = words(run(cq_events, "events", efa0, str(cycles)))
    assert out == {"cycles": cycles, "events": cycles, "wrong_cq": 0, "missed": 0,
                   "bad_completions": 0, "unarmed_events": 0}, out
    # each cycle and the unarmed send: one message each way, from GET_STATS
    moved = {c: fresh_counter(efa0, c, port=1) - before[c] for c in COUNTERS}
    assert moved == {"send_wrs": cycles + 1, "recv_wrs": cycles + 1,
                     "send_bytes": MSG_BYTES * (cycles + 1),
                     "recv_bytes": MSG_BYTES * (cycles + 1)}, moved


def test_cqs_destroyed_with_events_on_their_way(efa0, cq_events):
    if not has_eqs():
        pytest.skip("the device has no EQs (test_a_channel_needs_eqs)")
    start = len(dmesg().splitlines())
    out = words(run(cq_events, "race", efa0, "200"))
    assert out["rounds"] == 200
    # the rounds that waited 1 ms saw their event come: events were flowing
    assert out["pending_at_destroy"] > 0, out
    new = "\n".join(dmesg().splitlines()[start:])
    assert "BUG" not in new and "WARNING" not in new, new


def test_a_channel_needs_eqs(efa0, cq_events):
    out = words(run(cq_events, "no-channel", efa0))
    assert out["errno"] == (0 if has_eqs() else errno.EOPNOTSUPP), out
