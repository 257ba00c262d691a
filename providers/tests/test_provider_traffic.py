# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Traffic through our libefa.so.1 in a test VM: efa-traffic (efa_traffic.c)
sends between two devices and from one device to itself, over SRD and UD,
RDMA writes and reads, CQ events and full queues, and checks every byte and
every completion itself.  Run by the provider row of
tools/efastack/suites.py; efa-traffic sits beside efa-objects (EFA_OBJECTS).
"""
import os
import subprocess

import pytest

from efastack import abi
from efastack.guest import expect_int as optional_int


def traffic(dev_a, dev_b, scenario):
    prog = os.path.join(os.path.dirname(os.environ["EFA_OBJECTS"]), "efa-traffic")
    proc = subprocess.run([prog, dev_a, dev_b, scenario], capture_output=True,
                          text=True, timeout=600)
    out = dict(kv.split("=", 1) for line in proc.stdout.splitlines()
               for kv in line.split() if "=" in kv)
    assert proc.returncode == 0 and out.get("result") == "ok", proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="module")
def devices():
    root = "/sys/class/infiniband"
    return sorted(n for n in os.listdir(root) if n.startswith("efa_"))


def caps():
    return optional_int("efadv_device_caps", 0)


@pytest.mark.parametrize("pair", ["two", "self"])
@pytest.mark.parametrize("scenario", ["srd", "ud"])
def test_messages(devices, pair, scenario):
    """600 messages of 0 to MTU bytes in chains of 13 through a 32-WQE SQ:
    wraps, doorbell batches, inline and SGL, post_send and ibv_wr_*."""
    b = devices[1] if pair == "two" else devices[0]
    out = traffic(devices[0], b, scenario)
    assert int(out[f"{scenario}_messages"]) == 600


@pytest.mark.parametrize("scenario", ["srd-128", "ud-128"])
def test_messages_with_128_byte_wqes(devices, scenario):
    """Inline data up to inline_buf_size_ex takes 128-byte WQEs (when the
    kernel passes a size past 32 on), as do SRD QPs with inline RDMA writes
    (asked for when the device writes)."""
    out = traffic(devices[0], devices[1], scenario)
    wide = int(out["max_inline"]) > abi.value("EFA_IO_TX_DESC_INLINE_MAX_SIZE") or (
        scenario == "srd-128" and caps() & abi.value("EFADV_DEVICE_ATTR_CAPS_RDMA_WRITE"))
    assert int(out["wqe_size"]) == abi.value(
        "EFA_IO_TX_WQE_128_SIZE" if wide else "EFA_IO_TX_WQE_SIZE")
    assert int(out[f"{scenario[:-4]}_messages"]) == 600


@pytest.mark.parametrize("pair", ["two", "self"])
@pytest.mark.parametrize("scenario", ["rdma", "rdma-128"])
def test_rdma(devices, pair, scenario):
    b = devices[1] if pair == "two" else devices[0]
    out = traffic(devices[0], b, scenario)
    if caps() & abi.value("EFADV_DEVICE_ATTR_CAPS_RDMA_WRITE"):
        assert out["rdma_write"] == "ok" and out["rdma_write_imm"] == "ok"
        if scenario == "rdma-128" and int(out["max_inline"]) > abi.value(
                "EFA_IO_TX_DESC_INLINE_MAX_SIZE"):
            assert int(out["rdma_write_inline"]) == int(out["max_inline"])
    if caps() & abi.value("EFADV_DEVICE_ATTR_CAPS_RDMA_READ"):
        assert out["rdma_read"] == "ok"


@pytest.mark.parametrize("scenario", ["events", "events-ud"])
def test_cq_events(devices, scenario):
    """100 sends, each completion on both sides waited for through a
    completion channel (event, re-arm, poll), as rdma-core's tests do."""
    assert traffic(devices[0], devices[1], scenario)["events"] == "200"


def test_cq_events_pingpong(devices):
    """A ping-pong with events, where the answer often lands between an
    event and the re-arm: arming a CQ that holds unconsumed completions
    must still raise an event (rdma-core's test_cq_events_ud hung ~1 in 3
    runs before the model did so)."""
    assert traffic(devices[0], devices[1], "events-pingpong")["events"] == "400"


def test_full_queues(devices):
    out = traffic(devices[0], devices[1], "full")
    assert out["sq_full"] == "ENOMEM" and out["rq_full"] == "ENOMEM"


def test_rings_as_efadv_describes_them(devices):
    """Send WQEs written and CQEs read by the program itself through the
    rings efadv_query_qp_wqs and efadv_query_cq give (as libfabric 2.3
    does), across a wrap of the SQ."""
    out = traffic(devices[0], devices[1], "direct")
    assert int(out["direct_messages"]) == 3 * int(out["direct_sq_entries"]) // 2


def test_threads_share_a_queue_pair(devices):
    """Four threads post on one SQ at once, a fifth polls its CQ: every
    message arrives once and intact (the SQ, RQ and CQ locks)."""
    out = traffic(devices[0], devices[1], "threads")
    assert int(out["thread_messages"]) == 600
