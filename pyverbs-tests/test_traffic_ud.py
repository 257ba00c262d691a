# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""UD traffic through the whole stack: send and send with immediate,
through both posting APIs, between two devices and from a device to
itself.  Every receive starts with the 40 bytes of a GRH, as on
InfiniBand, and byte_len counts them; the payload follows, byte for byte.
UD is unreliable: a message nobody can take (no receive posted, no such
QP, a wrong qkey) is dropped, counted in rx_drops, and the sender's
completion is a success all the same."""
import contextlib
import errno

import pytest
from pyverbs.pyverbs_error import PyverbsRDMAError
import pyverbs.enums as ibv

from traffic import (GRH, PORT, QKEY, Counters, by_wr_id, check_error, check_ok, create_qp,
                     devices, endpoint, make_pair, nothing_more, send_sges, poll, post_recv,
                     post_send, qp_cap, wr_post)

pytestmark = pytest.mark.usefixtures("objects_everywhere_return")

UD = ibv.IBV_QPT_UD


def exchange(pair, sizes, api="post_send", imm=None, inline=False):
    """One message per size, each received into a slot of its own that
    starts with room for the GRH."""
    req, resp = pair.req, pair.resp
    slot = GRH + max(sizes)
    for i in range(len(sizes)):
        post_recv(resp, 0x100 + i, [(i * slot, slot)])
    sent = []
    for i, n in enumerate(sizes):
        sent.append(req.fill(i * slot, n, pair.rng))
        opcode = ibv.IBV_WR_SEND_WITH_IMM if imm is not None else ibv.IBV_WR_SEND
        if api == "post_send":
            post_send(req, pair.ah, resp.qp.qp_num, 0x200 + i, [(i * slot, n)],
                      opcode=opcode, imm=(imm or 0) + i, inline=inline)
        else:
            wr_post(req.qp, 0x200 + i, pair.ah, resp.qp.qp_num,
                    "send_imm" if imm is not None else "send",
                    sges=[req.sge(i * slot, n)], imm=(imm or 0) + i,
                    inline=[(req.mr.buf + i * slot, n)] if inline else None)
    sends = by_wr_id(poll(req.cq, len(sizes)))
    recvs = by_wr_id(poll(resp.cq, len(sizes)))
    for i, n in enumerate(sizes):
        check_ok(sends[0x200 + i])
        assert sends[0x200 + i].opcode == ibv.IBV_WC_SEND
        wc = recvs[0x100 + i]
        check_ok(wc)
        assert wc.opcode == ibv.IBV_WC_RECV
        assert (wc.qp_num, wc.src_qp) == (resp.qp.qp_num, req.qp.qp_num)
        assert wc.byte_len == GRH + n, f"byte_len {wc.byte_len} for {n} bytes + the GRH"
        if imm is not None:
            assert wc.wc_flags & ibv.IBV_WC_WITH_IMM and wc.imm_data == imm + i
        assert resp.read(i * slot + GRH, n) == sent[i], f"message {i} ({n} bytes) differs"
    return recvs


@pytest.mark.parametrize("api", ["post_send", "wr"])
def test_send(stack, placement, api):
    pair = make_pair(stack, placement, UD, buf=128 * 1024)
    exchange(pair, [1, 64, 1500, pair.req.ctx.query_port(PORT).max_msg_sz], api)


@pytest.mark.parametrize("api", ["post_send", "wr"])
def test_send_with_immediate(stack, placement, api):
    pair = make_pair(stack, placement, UD)
    exchange(pair, [4, 100], api, imm=0x01020300)


def test_zero_length(stack, placement):
    pair = make_pair(stack, placement, UD)
    exchange(pair, [0, 0])


@pytest.mark.parametrize("api", ["post_send", "wr"])
def test_inline(stack, placement, api):
    pair = make_pair(stack, placement, UD, req_kw=dict(inline="max"))
    limit = pair.req.qp.query(ibv.IBV_QP_CAP)[1].cap.max_inline_data
    exchange(pair, sorted({1, limit}), api, inline=True)


def test_the_grh_names_the_sender(stack, placement):
    """The GRH's source GID (bytes 8..23) is the sender's GID."""
    pair = make_pair(stack, placement, UD)
    exchange(pair, [16])
    sgid = bytes(pair.resp.read(8, 16))
    assert sgid == bytes.fromhex(str(pair.req.gid).replace(":", ""))


def test_sge_lists(stack, placement):
    a, _ = devices(placement)
    with contextlib.ExitStack() as probe:
        attr = endpoint(probe, a, UD).attr
    pair = make_pair(stack, placement, UD, send_sge=send_sges(attr),
                     recv_sge=attr.max_rq_sge)
    req, resp = pair.req, pair.resp
    pieces = [(i * 1000 + 3, 50 + 20 * i) for i in range(send_sges(attr))]
    data = b"".join(req.fill(o, n, pair.rng) for o, n in pieces)
    # the GRH alone in the first receive SGE, the payload over the others
    rest = attr.max_rq_sge - 1
    if rest == 0:
        rpieces = [(16384, GRH + len(data))]
    else:
        part = -(-len(data) // rest)
        rpieces = [(16384, GRH)] + [(20000 + i * 512, part) for i in range(rest)]
    post_recv(resp, 1, rpieces)
    post_send(req, pair.ah, resp.qp.qp_num, 2, pieces)
    check_ok(poll(req.cq, 1)[0], 2)
    wc = poll(resp.cq, 1)[0]
    check_ok(wc, 1)
    assert wc.byte_len == GRH + len(data)
    got = b"".join(resp.read(o, n) for o, n in rpieces)
    assert got[GRH:GRH + len(data)] == data


def test_full_queues(stack, placement):
    pair = make_pair(stack, placement, UD, depth=16, buf=64 * 1024)
    req, resp = pair.req, pair.resp
    rq = resp.qp.query(ibv.IBV_QP_CAP)[1].cap.max_recv_wr
    sq = req.qp.query(ibv.IBV_QP_CAP)[1].cap.max_send_wr
    for i in range(rq):
        post_recv(resp, i, [(i * 128, 128)])
    with pytest.raises(PyverbsRDMAError) as err:
        post_recv(resp, rq, [(0, 128)])
    assert err.value.error_code == errno.ENOMEM
    n = min(sq, rq)
    for i in range(n):
        post_send(req, pair.ah, resp.qp.qp_num, i, [(32768 + i * 64, 64)])
    if sq <= rq:
        with pytest.raises(PyverbsRDMAError) as err:
            post_send(req, pair.ah, resp.qp.qp_num, n, [(0, 64)])
        assert err.value.error_code == errno.ENOMEM
    for wc in poll(req.cq, n):
        check_ok(wc)
    for wc in poll(resp.cq, n):
        check_ok(wc)


def test_many_qps_at_once(stack, placement):
    qps = 6
    pair = make_pair(stack, placement, UD, qps=qps, depth=8)
    req, resp = pair.req, pair.resp
    for q in range(qps):
        post_recv(resp, q, [(q * 256, 256)], qp=resp.qps[q])
    sent = {}
    for q in range(qps):
        sent[q] = req.fill(32768 + q * 256, 10 + q, pair.rng)
        post_send(req, pair.ah, resp.qps[q].qp_num, q, [(32768 + q * 256, 10 + q)],
                  qp=req.qps[q])
    for wc in poll(req.cq, qps):
        check_ok(wc)
    for wc in poll(resp.cq, qps):
        check_ok(wc)
        q = wc.wr_id
        assert (wc.qp_num, wc.src_qp) == (resp.qps[q].qp_num, req.qps[q].qp_num)
        assert resp.read(q * 256 + GRH, 10 + q) == sent[q]


@pytest.mark.parametrize("why", ["no_receive", "no_such_qp", "wrong_qkey"])
def test_undeliverable_is_dropped_and_counted(stack, placement, why):
    """The sender's completion is a success (UD does not know better), the
    receiver gets nothing and counts a drop; a later message with a
    receive posted arrives."""
    pair = make_pair(stack, placement, UD)
    req, resp = pair.req, pair.resp
    counters = Counters(req, resp)
    dest, qkey = resp.qp.qp_num, QKEY
    if why == "no_such_qp":
        taken = {q.qp_num for q in req.qps + resp.qps}
        dest = next(n for n in range(dest + 1, 1 << 16) if n not in taken)
    elif why == "wrong_qkey":
        qkey ^= 0x10
    if why != "no_receive":
        post_recv(resp, 1, [(0, 256)])
    post_send(req, pair.ah, dest, 2, [(0, 64)], qkey=qkey)
    check_ok(poll(req.cq, 1)[0], 2)
    nothing_more(resp.cq)
    drops = counters.delta()[(resp.dev, "rx_drops")]
    assert drops == 1, f"rx_drops moved by {drops}"
    if why == "no_receive":
        post_recv(resp, 1, [(0, 256)])
    exchange_one = req.fill(512, 32, pair.rng)
    post_send(req, pair.ah, resp.qp.qp_num, 3, [(512, 32)])
    check_ok(poll(req.cq, 1)[0], 3)
    check_ok(poll(resp.cq, 1)[0], 1)
    assert resp.read(GRH, 32) == exchange_one


def test_receive_too_short_is_a_length_error_at_the_receiver(stack, placement):
    """A UD message longer than the receive (GRH included): the receive
    completes with LOCAL_ERROR_BAD_LENGTH, as on InfiniBand; the sender,
    which gets no answer on UD, succeeds; nothing lands past the buffer."""
    pair = make_pair(stack, placement, UD)
    req, resp = pair.req, pair.resp
    guard = resp.fill(0, 512, pair.rng)
    post_recv(resp, 1, [(0, GRH + 16)])
    post_send(req, pair.ah, resp.qp.qp_num, 2, [(0, 100)])
    check_ok(poll(req.cq, 1)[0], 2)
    check_error(poll(resp.cq, 1)[0], "LOCAL_ERROR_BAD_LENGTH", 1)
    assert resp.read(GRH + 16, 512 - GRH - 16) == guard[GRH + 16:]


def test_bad_lkey_is_a_local_protection_error(stack, placement):
    pair = make_pair(stack, placement, UD)
    post_recv(pair.resp, 1, [(0, 256)])
    post_send(pair.req, pair.ah, pair.resp.qp.qp_num, 2, [(0, 64)],
              lkey=pair.req.mr.lkey ^ 0x5a5a00)
    check_error(poll(pair.req.cq, 1)[0], "LOCAL_ERROR_INVALID_LKEY", 2)
    nothing_more(pair.resp.cq)


def test_counters_count_the_traffic(stack, placement):
    pair = make_pair(stack, placement, UD)
    counters = Counters(pair.req, pair.resp)
    exchange(pair, [200] * 5)
    d = counters.delta()
    a, b = pair.req.dev, pair.resp.dev
    assert d[(a, "send_wrs")] == 5 and d[(a, "send_bytes")] == 1000, d
    assert d[(b, "recv_wrs")] == 5 and d[(b, "recv_bytes")] == 1000, d
    assert d[(a, "tx_pkts")] >= 5 and d[(b, "rx_pkts")] >= 5, d


def test_rdma_is_not_offered_on_ud(stack, placement):
    a, _ = devices(placement)
    ep = endpoint(stack, a, UD)
    with pytest.raises(PyverbsRDMAError) as err:
        create_qp(ep.ctx, ep.pd, ep.cq, UD, qp_cap(8),
                  ibv.IBV_QP_EX_WITH_SEND | ibv.IBV_QP_EX_WITH_RDMA_READ)
    assert err.value.error_code == errno.EOPNOTSUPP
