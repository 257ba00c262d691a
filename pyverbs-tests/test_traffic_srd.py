# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""SRD traffic through the whole stack (pyverbs 44, the provider's
post_send/poll_cq, the device's LLQ, wire and CQEs): every operation the
device and provider offer, between two devices and from a device to
itself, with the data compared byte for byte; inline data and SGE lists,
zero length, full queues and ring wraps, many QPs at once; and every error
completion SRD has, each with its EFA status as vendor_err.

Operations the device or provider lacks (RDMA write with rdma-core 44's
provider, RDMA read on efa0) are refused when the QP is created: that is
what those tests check there."""
import contextlib
import errno

import pytest
from pyverbs.mr import MR
from pyverbs.pd import PD
from pyverbs.pyverbs_error import PyverbsRDMAError
from pyverbs.qp import QPAttr
import pyverbs.enums as ibv

from pyverbs.addr import AHAttr, GID, GlobalRoute
from pyverbs.providers.efa import efadv

from efastack import abi
from traffic import (ACCESS_LOCAL, PORT, QKEY, TIMER_S, Counters, by_wr_id, check_error,
                     check_ok, create_qp, describe, devices, efadv_cap, endpoint,
                     make_pair, nothing_more, send_sges, poll, post_recv, post_send, qp_cap,
                     wr_post)

pytestmark = pytest.mark.usefixtures("objects_everywhere_return")

SRD = ibv.IBV_QPT_DRIVER


def mtu(ep):
    return ep.ctx.query_port(PORT).max_msg_sz


def exchange(pair, sizes, api="post_send", imm=None, qp_index=0):
    """Send one message of each size from req to resp (each in a slot of
    its own, receives posted first); check every completion and every
    byte.  Returns the receive completions by wr_id."""
    req, resp = pair.req, pair.resp
    slot = max(max(sizes), 1)
    sqp, rqp = req.qps[qp_index], resp.qps[qp_index]
    for i, n in enumerate(sizes):
        post_recv(resp, 0x100 + i, [(i * slot, slot)], qp=rqp)
    sent = []
    for i, n in enumerate(sizes):
        sent.append(req.fill(i * slot, n, pair.rng))
        if api == "post_send":
            post_send(req, pair.ah, rqp.qp_num, 0x200 + i, [(i * slot, n)], qp=sqp,
                      opcode=ibv.IBV_WR_SEND_WITH_IMM if imm is not None else ibv.IBV_WR_SEND,
                      imm=(imm or 0) + i)
        else:
            wr_post(sqp, 0x200 + i, pair.ah, rqp.qp_num,
                    "send_imm" if imm is not None else "send",
                    sges=[req.sge(i * slot, n)], imm=(imm or 0) + i)
    sends = by_wr_id(poll(req.cq, len(sizes)))
    recvs = by_wr_id(poll(resp.cq, len(sizes)))
    for i, n in enumerate(sizes):
        check_ok(sends[0x200 + i])
        assert sends[0x200 + i].opcode == ibv.IBV_WC_SEND
        wc = recvs[0x100 + i]
        check_ok(wc)
        assert wc.opcode == ibv.IBV_WC_RECV
        assert (wc.qp_num, wc.src_qp, wc.byte_len) == (rqp.qp_num, sqp.qp_num, n)
        if imm is not None:
            assert wc.wc_flags & ibv.IBV_WC_WITH_IMM and wc.imm_data == imm + i
        else:
            assert not wc.wc_flags & ibv.IBV_WC_WITH_IMM
        assert resp.read(i * slot, n) == sent[i], f"message {i} ({n} bytes) differs"
    return recvs


# ---- every operation ----------------------------------------------------------

@pytest.mark.parametrize("api", ["post_send", "wr"])
def test_send(stack, placement, api):
    pair = make_pair(stack, placement, SRD, buf=256 * 1024)
    exchange(pair, [1, 17, 64, 1000, 4096, mtu(pair.req)], api)


@pytest.mark.parametrize("api", ["post_send", "wr"])
def test_send_with_immediate(stack, placement, api):
    pair = make_pair(stack, placement, SRD)
    exchange(pair, [8, 512, 0], api, imm=0x5a5a0000)


def test_zero_length_send(stack, placement):
    pair = make_pair(stack, placement, SRD)
    exchange(pair, [0, 0, 0])


def test_sender_ah_is_reported_to_the_receiver(stack, placement):
    """The receiver's PD has an AH for the sender: the completion names it
    (slid).  Without one the completion says "no AH", also on one device
    where another PD holds an AH for the same address: AHs belong to PDs
    (rdma-core's EfaCqTest reads the source GID in just that case)."""
    pair = make_pair(stack, placement, SRD)
    recvs = exchange(pair, [32])
    assert recvs[0x100].slid == pair.back.query_efa_ah().ahn
    pair.back.close()
    recvs = exchange(pair, [32])
    assert recvs[0x100].slid == abi.value("EFA_IO_RX_CDESC_NO_AH")


def test_send_beyond_the_mtu_is_a_local_length_error(stack, placement):
    pair = make_pair(stack, placement, SRD, buf=64 * 1024)
    n = mtu(pair.req) + 1
    post_recv(pair.resp, 1, [(0, 2 * n)])
    post_send(pair.req, pair.ah, pair.resp.qp.qp_num, 2, [(0, n)])
    check_error(poll(pair.req.cq, 1)[0], "LOCAL_ERROR_BAD_LENGTH", 2)
    nothing_more(pair.resp.cq)


def rdma_pair(stack, placement, cap, **kw):
    """A pair whose responder registers its buffer for remote access; or,
    without CAP on the device, the check that the QP is refused."""
    a, _ = devices(placement)
    with contextlib.ExitStack() as probe:
        ep = endpoint(probe, a, SRD)
        supported = efadv_cap(ep.attr, cap)
        if not supported:
            op = {"RDMA_READ": ibv.IBV_QP_EX_WITH_RDMA_READ,
                  "RDMA_WRITE": ibv.IBV_QP_EX_WITH_RDMA_WRITE}[cap]
            with pytest.raises(PyverbsRDMAError) as err:
                create_qp(ep.ctx, ep.pd, ep.cq, SRD, qp_cap(8), op | ibv.IBV_QP_EX_WITH_SEND)
            assert err.value.error_code == errno.EOPNOTSUPP
            return None
    access = ACCESS_LOCAL | (ibv.IBV_ACCESS_REMOTE_READ if cap == "RDMA_READ"
                             else ibv.IBV_ACCESS_REMOTE_WRITE)
    return make_pair(stack, placement, SRD, resp_kw=dict(access=access), **kw)


def test_rdma_read(stack, placement):
    """Small reads, a read past the MTU (segmented on the wire) and one of
    256 KiB, each landing where the SGE says."""
    pair = rdma_pair(stack, placement, "RDMA_READ", buf=1024 * 1024)
    if pair is None:
        return
    req, resp = pair.req, pair.resp
    sizes = [1, 100, mtu(req) + 1, 3 * mtu(req) + 7, 256 * 1024]
    at = 0
    expected = []
    for i, n in enumerate(sizes):
        expected.append((at, resp.fill(at, n, pair.rng)))
        wr_post(req.qp, 0x300 + i, pair.ah, resp.qp.qp_num, "rdma_read",
                sges=[req.sge(at, n)], rkey=resp.mr.rkey, raddr=resp.mr.buf + at)
        at += n + 13
    done = by_wr_id(poll(req.cq, len(sizes)))
    for i, (off, data) in enumerate(expected):
        check_ok(done[0x300 + i])
        # rdma-core's provider reports a read as a send (libfabric 1.17
        # knows no other opcode from the send queue)
        assert done[0x300 + i].opcode == ibv.IBV_WC_SEND, describe(done[0x300 + i])
        assert req.read(off, len(data)) == data, f"read {i} ({len(data)} bytes) differs"
    nothing_more(resp.cq)


@pytest.mark.parametrize("imm", [False, True])
def test_rdma_write(stack, placement, imm):
    """Writes up to 256 KiB; with immediate data the responder consumes a
    receive and learns the length and the immediate."""
    pair = rdma_pair(stack, placement, "RDMA_WRITE", buf=1024 * 1024)
    if pair is None:
        return
    req, resp = pair.req, pair.resp
    sizes = [1, mtu(req) + 1, 256 * 1024]
    if imm:
        for i in range(len(sizes)):
            post_recv(resp, 0x100 + i, [(0, 16)])
    at = 0
    expected = []
    for i, n in enumerate(sizes):
        expected.append((at, req.fill(at, n, pair.rng)))
        wr_post(req.qp, 0x400 + i, pair.ah, resp.qp.qp_num,
                "rdma_write_imm" if imm else "rdma_write", sges=[req.sge(at, n)],
                rkey=resp.mr.rkey, raddr=resp.mr.buf + at, imm=0x1000 + i)
        at += n + 5
    done = by_wr_id(poll(req.cq, len(sizes)))
    for i, (off, data) in enumerate(expected):
        check_ok(done[0x400 + i])
        assert done[0x400 + i].opcode == ibv.IBV_WC_RDMA_WRITE
        assert resp.read(off, len(data)) == data, f"write {i} ({len(data)} bytes) differs"
    if imm:
        recvs = poll(resp.cq, len(sizes))
        for wc in recvs:
            check_ok(wc)
            assert wc.opcode == ibv.IBV_WC_RECV_RDMA_WITH_IMM
            assert wc.wc_flags & ibv.IBV_WC_WITH_IMM
        assert sorted((wc.imm_data, wc.byte_len) for wc in recvs) == \
            [(0x1000 + i, n) for i, n in enumerate(sizes)]
    nothing_more(resp.cq)


# ---- inline data, SGE lists, queues -------------------------------------------

def test_inline_sends(stack, placement):
    """Inline data up to what the QP holds, through post_send's
    IBV_SEND_INLINE, ibv_wr_set_inline_data and _list."""
    pair = make_pair(stack, placement, SRD, req_kw=dict(inline="max"))
    req, resp = pair.req, pair.resp
    limit = req.qp.query(ibv.IBV_QP_CAP)[1].cap.max_inline_data
    assert limit >= 1, "the QP holds no inline data"
    sizes = sorted({1, limit // 2, limit})
    n_msgs = 3 * len(sizes)
    for i in range(n_msgs):
        post_recv(resp, 0x100 + i, [(i * 128, 128)])
    sent = {}
    for k, n in enumerate(sizes):
        base = 3 * k
        sent[base] = req.fill(base * 128, n, pair.rng)
        post_send(req, pair.ah, resp.qp.qp_num, base, [(base * 128, n)], inline=True)
        sent[base + 1] = req.fill((base + 1) * 128, n, pair.rng)
        wr_post(req.qp, base + 1, pair.ah, resp.qp.qp_num, "send",
                inline=[(req.mr.buf + (base + 1) * 128, n)])
        # the list form, from two places
        first = n // 2
        a = req.fill((base + 2) * 128, first, pair.rng)
        b = req.fill((base + 2) * 128 + 64, n - first, pair.rng)
        sent[base + 2] = a + b
        wr_post(req.qp, base + 2, pair.ah, resp.qp.qp_num, "send",
                inline=[(req.mr.buf + (base + 2) * 128, first),
                        (req.mr.buf + (base + 2) * 128 + 64, n - first)])
        # the sender's buffer may change at once: the data went with the WQE
        for j in range(3):
            req.fill((base + j) * 128, 128, pair.rng)
    for wc in poll(req.cq, n_msgs):
        check_ok(wc)
    recvs = poll(resp.cq, n_msgs)
    got = {}
    for wc in recvs:
        check_ok(wc)
        slot = wc.wr_id - 0x100
        got[slot] = resp.read(slot * 128, wc.byte_len)
    # receives complete in any order (SRD is unordered): match by content
    assert sorted(got.values()) == sorted(sent.values())


def test_sge_lists(stack, placement):
    """A send gathered from as many SGEs as the QP takes, into a receive
    scattered over as many as it takes."""
    a, b = devices(placement)
    with contextlib.ExitStack() as probe:
        attr = endpoint(probe, a, SRD).attr
    send_sge, recv_sge = send_sges(attr), attr.max_rq_sge
    pair = make_pair(stack, placement, SRD, send_sge=send_sge, recv_sge=recv_sge)
    req, resp = pair.req, pair.resp
    pieces = [(i * 1024 + i, 100 + 37 * i) for i in range(send_sge)]
    data = b"".join(req.fill(o, n, pair.rng) for o, n in pieces)
    total = len(data)
    # the receive: equal parts, the last takes the rest and room to spare
    part = total // recv_sge
    rpieces = [(16384 + i * 2048, part) for i in range(recv_sge - 1)]
    rpieces.append((16384 + (recv_sge - 1) * 2048, total - part * (recv_sge - 1) + 50))
    post_recv(resp, 7, rpieces)
    post_send(req, pair.ah, resp.qp.qp_num, 8, pieces)
    check_ok(poll(req.cq, 1)[0], 8)
    wc = poll(resp.cq, 1)[0]
    check_ok(wc, 7)
    assert wc.byte_len == total
    got = b""
    for o, n in rpieces:
        take = min(n, total - len(got))
        got += resp.read(o, take)
    assert got == data
    # and again through ibv_wr_set_sge_list
    data = b"".join(req.fill(o, n, pair.rng) for o, n in pieces)
    post_recv(resp, 9, rpieces)
    wr_post(req.qp, 10, pair.ah, resp.qp.qp_num, "send",
            sges=[req.sge(o, n) for o, n in pieces])
    check_ok(poll(req.cq, 1)[0], 10)
    check_ok(poll(resp.cq, 1)[0], 9)
    got = b"".join(resp.read(o, min(n, total - i * part))
                   for i, (o, n) in enumerate(rpieces))
    assert got[:total] == data


def test_full_send_queue(stack, placement):
    """The send queue takes max_send_wr WRs, the next is ENOMEM; all of
    them complete, and then the queue takes more."""
    pair = make_pair(stack, placement, SRD, depth=16, resp_kw=dict(depth=64))
    req, resp = pair.req, pair.resp
    depth = req.qp.query(ibv.IBV_QP_CAP)[1].cap.max_send_wr
    assert depth <= 64, depth
    for i in range(depth + 1):
        post_recv(resp, i, [(i * 64, 64)])
    for i in range(depth):
        post_send(req, pair.ah, resp.qp.qp_num, i, [(i * 64, 64)])
    with pytest.raises(PyverbsRDMAError) as err:
        post_send(req, pair.ah, resp.qp.qp_num, depth, [(0, 64)])
    assert err.value.error_code == errno.ENOMEM
    assert sorted(w.wr_id for w in poll(req.cq, depth)) == list(range(depth))
    post_send(req, pair.ah, resp.qp.qp_num, depth, [(0, 64)])
    check_ok(poll(req.cq, 1)[0], depth)
    for wc in poll(resp.cq, depth + 1):
        check_ok(wc)


def test_full_receive_queue(stack, placement):
    """The receive queue takes max_recv_wr WRs, the next is ENOMEM; a
    message for each lands."""
    pair = make_pair(stack, placement, SRD, depth=16, buf=256 * 1024)
    req, resp = pair.req, pair.resp
    depth = resp.qp.query(ibv.IBV_QP_CAP)[1].cap.max_recv_wr
    for i in range(depth):
        post_recv(resp, i, [(i * 64, 64)])
    with pytest.raises(PyverbsRDMAError) as err:
        post_recv(resp, depth, [(0, 64)])
    assert err.value.error_code == errno.ENOMEM
    sq_depth = req.qp.query(ibv.IBV_QP_CAP)[1].cap.max_send_wr
    sent = set()
    for i in range(depth):
        sent.add(req.fill(128 * 1024 + i * 64, 64, pair.rng))
        post_send(req, pair.ah, resp.qp.qp_num, i, [(128 * 1024 + i * 64, 64)])
        if (i + 1) % sq_depth == 0:
            for wc in poll(req.cq, sq_depth):
                check_ok(wc)
    for wc in poll(req.cq, depth % sq_depth):
        check_ok(wc)
    recvs = poll(resp.cq, depth)
    assert sorted(w.wr_id for w in recvs) == list(range(depth))
    assert {resp.read(w.wr_id * 64, 64) for w in recvs} == sent


@pytest.mark.parametrize("api", ["post_send", "wr"])
def test_rings_wrap_without_loss(stack, placement, api):
    """Ten times round a small send queue, receive queue and CQ, in
    batches of three quarters of the queue: nothing lost, duplicated or
    corrupted across the wraps (phase bits, LLQ wrap, doorbell batching)."""
    pair = make_pair(stack, placement, SRD, depth=8, cq_depth=8)
    req, resp = pair.req, pair.resp
    depth = req.qp.query(ibv.IBV_QP_CAP)[1].cap.max_send_wr
    rq_depth = resp.qp.query(ibv.IBV_QP_CAP)[1].cap.max_recv_wr
    batch = max(1, min(depth, rq_depth) * 3 // 4)
    total = 10 * max(depth, rq_depth)
    n = 0
    while n < total:
        k = min(batch, total - n)
        sent = {}
        for i in range(k):
            post_recv(resp, n + i, [(i * 256, 256)])
        for i in range(k):
            sent[n + i] = req.fill(32768 + i * 256, 100 + (n + i) % 150, pair.rng)
            sge = [(32768 + i * 256, len(sent[n + i]))]
            if api == "post_send":
                post_send(req, pair.ah, resp.qp.qp_num, n + i, sge)
            else:
                wr_post(req.qp, n + i, pair.ah, resp.qp.qp_num, "send",
                        sges=[req.sge(*sge[0])])
        assert sorted(w.wr_id for w in poll(req.cq, k)) == list(range(n, n + k))
        recvs = poll(resp.cq, k)
        assert sorted(w.wr_id for w in recvs) == list(range(n, n + k))
        for wc in recvs:
            check_ok(wc)
            assert resp.read((wc.wr_id - n) * 256, wc.byte_len) == sent[wc.wr_id]
        n += k


def test_many_qps_at_once(stack, placement):
    """Eight QPs a side on one CQ each, every QP sending to its partner at
    the same time: every message reaches the right QP with its data."""
    qps = 8
    pair = make_pair(stack, placement, SRD, qps=qps, depth=8, buf=128 * 1024)
    req, resp = pair.req, pair.resp
    per = 4
    for q in range(qps):
        for i in range(per):
            post_recv(resp, q * 100 + i, [((q * per + i) * 256, 256)], qp=resp.qps[q])
    sent = {}
    for i in range(per):
        for q in range(qps):
            wr = q * 100 + i
            sent[wr] = req.fill(65536 + (q * per + i) * 256, 32 + q * 8 + i, pair.rng)
            post_send(req, pair.ah, resp.qps[q].qp_num, wr,
                      [(65536 + (q * per + i) * 256, len(sent[wr]))], qp=req.qps[q])
    sends = by_wr_id(poll(req.cq, qps * per))
    recvs = by_wr_id(poll(resp.cq, qps * per))
    for wr, data in sent.items():
        q, i = divmod(wr, 100)
        check_ok(sends[wr])
        assert sends[wr].qp_num == req.qps[q].qp_num
        wc = recvs[wr]
        check_ok(wc)
        assert (wc.qp_num, wc.src_qp) == (resp.qps[q].qp_num, req.qps[q].qp_num)
        assert resp.read((q * per + i) * 256, wc.byte_len) == data


def test_counters_count_the_traffic(stack, placement):
    """GET_STATS counts what crossed: the port hw counters of both devices
    move by the messages and bytes sent and received."""
    pair = make_pair(stack, placement, SRD)
    counters = Counters(pair.req, pair.resp)
    n, size = 6, 300
    exchange(pair, [size] * n)
    d = counters.delta()
    a, b = pair.req.dev, pair.resp.dev
    sends = {k: v for k, v in d.items() if k[1] == "send_wrs"}
    assert sum(sends.values()) == n, d
    assert d[(a, "send_wrs")] == n and d[(a, "send_bytes")] == n * size, d
    assert d[(b, "recv_wrs")] == n and d[(b, "recv_bytes")] == n * size, d
    assert d[(a, "tx_pkts")] >= n and d[(b, "rx_pkts")] >= n, d
    assert d[(a, "tx_bytes")] >= n * size and d[(b, "rx_bytes")] >= n * size, d


def test_rdma_read_counters(stack, placement):
    pair = rdma_pair(stack, placement, "RDMA_READ")
    if pair is None:
        return
    counters = Counters(pair.req, pair.resp)
    wr_post(pair.req.qp, 1, pair.ah, pair.resp.qp.qp_num, "rdma_read",
            sges=[pair.req.sge(0, 5000)], rkey=pair.resp.mr.rkey, raddr=pair.resp.mr.buf)
    check_ok(poll(pair.req.cq, 1)[0], 1)
    d = counters.delta()
    assert d[(pair.req.dev, "rdma_read_wrs")] == 1, d
    assert d[(pair.req.dev, "rdma_read_bytes")] == 5000, d
    assert d[(pair.resp.dev, "rdma_read_resp_bytes")] == 5000, d


# ---- error completions ---------------------------------------------------------

def test_bad_lkey_is_a_local_protection_error(stack, placement):
    pair = make_pair(stack, placement, SRD)
    post_recv(pair.resp, 1, [(0, 64)])
    post_send(pair.req, pair.ah, pair.resp.qp.qp_num, 2, [(0, 64)],
              lkey=pair.req.mr.lkey ^ 0x5a5a00)
    check_error(poll(pair.req.cq, 1)[0], "LOCAL_ERROR_INVALID_LKEY", 2)
    nothing_more(pair.resp.cq)


def test_lkey_of_another_pd_is_refused(stack, placement):
    pair = make_pair(stack, placement, SRD)
    other_pd = stack.enter_context(PD(pair.req.ctx))
    foreign = stack.enter_context(MR(other_pd, 4096, ACCESS_LOCAL))
    post_recv(pair.resp, 1, [(0, 64)])
    sge = [(foreign.buf - pair.req.mr.buf, 64)]
    post_send(pair.req, pair.ah, pair.resp.qp.qp_num, 2, sge, lkey=foreign.lkey)
    check_error(poll(pair.req.cq, 1)[0], "LOCAL_ERROR_INVALID_LKEY", 2)
    nothing_more(pair.resp.cq)


def test_sge_beyond_its_mr_is_a_local_protection_error(stack, placement):
    pair = make_pair(stack, placement, SRD, buf=8192)
    post_recv(pair.resp, 1, [(0, 256)])
    post_send(pair.req, pair.ah, pair.resp.qp.qp_num, 2, [(8192 - 64, 128)])
    check_error(poll(pair.req.cq, 1)[0], "LOCAL_ERROR_INVALID_LKEY", 2)
    nothing_more(pair.resp.cq)


@pytest.mark.parametrize("what", ["bad_rkey", "no_remote_access", "beyond_the_mr"])
def test_remote_bad_address(stack, placement, what):
    """RDMA read with an rkey that names nothing, of an MR registered
    without remote read, or past the end of the MR: REMOTE_BAD_ADDRESS."""
    pair = rdma_pair(stack, placement, "RDMA_READ", buf=16384)
    if pair is None:
        return
    req, resp = pair.req, pair.resp
    rkey, raddr, n = resp.mr.rkey, resp.mr.buf, 64
    if what == "bad_rkey":
        rkey ^= 0x5a5a00
    elif what == "no_remote_access":
        local_only = stack.enter_context(MR(resp.pd, 4096, ACCESS_LOCAL))
        rkey, raddr = local_only.rkey, local_only.buf
    else:
        raddr, n = resp.mr.buf + 16384 - 32, 64
    wr_post(req.qp, 5, pair.ah, resp.qp.qp_num, "rdma_read", sges=[req.sge(0, n)],
            rkey=rkey, raddr=raddr)
    check_error(poll(req.cq, 1)[0], "REMOTE_ERROR_BAD_ADDRESS", 5)
    # the QP still works
    post_recv(resp, 6, [(0, 64)])
    post_send(req, pair.ah, resp.qp.qp_num, 7, [(0, 64)])
    check_ok(poll(req.cq, 1)[0], 7)
    check_ok(poll(resp.cq, 1)[0], 6)


def test_rdma_write_without_remote_write_access(stack, placement):
    pair = rdma_pair(stack, placement, "RDMA_WRITE")
    if pair is None:
        return
    read_only = stack.enter_context(MR(pair.resp.pd, 4096, ibv.IBV_ACCESS_REMOTE_READ))
    before = read_only.read(64, 0)
    pair.req.fill(0, 64, pair.rng)
    wr_post(pair.req.qp, 5, pair.ah, pair.resp.qp.qp_num, "rdma_write",
            sges=[pair.req.sge(0, 64)], rkey=read_only.rkey, raddr=read_only.buf)
    check_error(poll(pair.req.cq, 1)[0], "REMOTE_ERROR_BAD_ADDRESS", 5)
    assert read_only.read(64, 0) == before


def test_no_such_destination_qp(stack, placement):
    pair = make_pair(stack, placement, SRD)
    taken = {q.qp_num for q in pair.resp.qps + pair.req.qps}
    dest = next(n for n in range(pair.resp.qp.qp_num + 1, 1 << 16) if n not in taken)
    post_send(pair.req, pair.ah, dest, 3, [(0, 64)])
    check_error(poll(pair.req.cq, 1)[0], "REMOTE_ERROR_BAD_DEST_QPN", 3)


def test_destination_qp_in_error(stack, placement):
    pair = make_pair(stack, placement, SRD)
    pair.resp.qp.modify(QPAttr(qp_state=ibv.IBV_QPS_ERR), ibv.IBV_QP_STATE)
    post_send(pair.req, pair.ah, pair.resp.qp.qp_num, 3, [(0, 64)])
    check_error(poll(pair.req.cq, 1)[0], "REMOTE_ERROR_BAD_DEST_QPN", 3)


def test_receive_too_short(stack, placement):
    """A message longer than the receive's buffers: the sender gets
    REMOTE_BAD_LENGTH, and nothing is written past the buffer."""
    pair = make_pair(stack, placement, SRD)
    req, resp = pair.req, pair.resp
    guard = resp.fill(0, 256, pair.rng)
    post_recv(resp, 1, [(0, 16)])
    req.fill(0, 200, pair.rng)
    post_send(req, pair.ah, resp.qp.qp_num, 2, [(0, 200)])
    check_error(poll(req.cq, 1)[0], "REMOTE_ERROR_BAD_LENGTH", 2)
    assert resp.read(16, 240) == guard[16:]
    n, wcs = resp.cq.poll(1)
    assert n == 0 or wcs[0].status != ibv.IBV_WC_SUCCESS, \
        "the refused message completed a receive"


def needs_rnr_retry(ep):
    if not efadv_cap(ep.attr, "RNR_RETRY"):
        pytest.skip("the device announces no RNR retry (efa0): rnr_retry cannot be set")


def test_rnr_retries_run_out(stack, placement):
    """No receive posted and rnr_retry 1: REMOTE_RNR once the retries are
    spent; the message is not delivered later."""
    pair = make_pair(stack, placement, SRD, rnr_retry=1)
    needs_rnr_retry(pair.req)
    post_send(pair.req, pair.ah, pair.resp.qp.qp_num, 4, [(0, 64)])
    check_error(poll(pair.req.cq, 1, TIMER_S)[0], "REMOTE_ERROR_RNR", 4)
    post_recv(pair.resp, 5, [(0, 64)])
    nothing_more(pair.resp.cq, 1)


def test_rnr_then_a_late_receive_succeeds(stack, placement):
    """rnr_retry 7 retries for ever: a receive posted a second later
    takes the message, and the send completes then, not before."""
    pair = make_pair(stack, placement, SRD, rnr_retry=7)
    needs_rnr_retry(pair.req)
    data = pair.req.fill(0, 64, pair.rng)
    post_send(pair.req, pair.ah, pair.resp.qp.qp_num, 4, [(0, 64)])
    nothing_more(pair.req.cq, 1)
    post_recv(pair.resp, 5, [(0, 64)])
    check_ok(poll(pair.req.cq, 1, TIMER_S)[0], 4)
    check_ok(poll(pair.resp.cq, 1)[0], 5)
    assert pair.resp.read(0, 64) == data


def test_qkey_mismatch_is_refused(stack, placement):
    """A request whose qkey is not the destination QP's is not delivered;
    the sender learns so from its completion."""
    pair = make_pair(stack, placement, SRD)
    post_recv(pair.resp, 1, [(0, 64)])
    post_send(pair.req, pair.ah, pair.resp.qp.qp_num, 2, [(0, 64)], qkey=QKEY ^ 1)
    check_error(poll(pair.req.cq, 1)[0], "REMOTE_ERROR_BAD_DEST_QPN", 2)
    nothing_more(pair.resp.cq)
    # the right qkey still works
    post_send(pair.req, pair.ah, pair.resp.qp.qp_num, 3, [(0, 64)])
    check_ok(poll(pair.req.cq, 1)[0], 3)
    check_ok(poll(pair.resp.cq, 1)[0], 1)


def test_rdma_from_an_unknown_peer(stack, placement):
    """RDMA needs the responder to know the requester (an AH for it in the
    PD of the responder's QP): without one, REMOTE_UNKNOWN_PEER, on one
    device too (the requester's AH is in another PD)."""
    pair = rdma_pair(stack, placement, "RDMA_READ")
    if pair is None:
        return
    pair.back.close()
    wr_post(pair.req.qp, 5, pair.ah, pair.resp.qp.qp_num, "rdma_read",
            sges=[pair.req.sge(0, 64)], rkey=pair.resp.mr.rkey, raddr=pair.resp.mr.buf)
    check_error(poll(pair.req.cq, 1)[0], "REMOTE_ERROR_UNKNOWN_PEER", 5)


def test_peer_that_never_answers_is_unreachable(stack):
    """An AH for an address no device has: the request is never answered,
    and the send completes with UNREACH_REMOTE once the device gives up."""
    a, _ = devices("self")
    ep = endpoint(stack, a, SRD)
    gid = GID("fe80:0000:0000:0000:dead:beef:0bad:f00d")
    ah = stack.enter_context(efadv.EfaAH(ep.pd, attr=AHAttr(
        gr=GlobalRoute(dgid=gid, sgid_index=0), is_global=1, port_num=PORT)))
    post_send(ep, ah, 1, 9, [(0, 64)])
    check_error(poll(ep.cq, 1, TIMER_S)[0], "LOCAL_ERROR_UNREACH_REMOTE", 9)


def test_send_only_the_announced_operations(stack, placement):
    """An SRD QP asking for every operation the provider names is refused
    exactly when the device lacks one of them."""
    a, _ = devices(placement)
    ep = endpoint(stack, a, SRD, ops=ibv.IBV_QP_EX_WITH_SEND)
    every = (ibv.IBV_QP_EX_WITH_SEND | ibv.IBV_QP_EX_WITH_SEND_WITH_IMM |
             ibv.IBV_QP_EX_WITH_RDMA_READ | ibv.IBV_QP_EX_WITH_RDMA_WRITE |
             ibv.IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM)
    if efadv_cap(ep.attr, "RDMA_READ") and efadv_cap(ep.attr, "RDMA_WRITE"):
        create_qp(ep.ctx, ep.pd, ep.cq, SRD, qp_cap(8), every).close()
    else:
        with pytest.raises(PyverbsRDMAError) as err:
            create_qp(ep.ctx, ep.pd, ep.cq, SRD, qp_cap(8), every)
        assert err.value.error_code == errno.EOPNOTSUPP

