# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""What the traffic tests (test_traffic_*.py) share:
endpoints (a context, PD, CQ, QPs in RTS and a registered buffer on one
EFA device), posting through both the classic verbs (post_send/post_recv)
and the extended work-request API (ibv_wr_*), polling with a deadline,
and what a completion must say.

Messages cross the wire the way a user's do: from a QP on one device to a
QP on the other (two devices in one VM share a hub), or to another QP of
the same device.  Every payload is random and compared byte for byte.

Which ibv_wc_status an EFA completion status becomes is the provider's
mapping: rdma-core 44 (Debian 12's, EFA_EXPECT_WC_STATUS_MAP=rdma-core-44)
maps three statuses that later providers name to IBV_WC_GENERAL_ERR.
"""
import dataclasses
import os
import random
import select
import socket
import time

import pytest
from pyverbs.addr import AH, AHAttr, GlobalRoute
from pyverbs.cq import CQ, CompChannel
from pyverbs.mr import MR
from pyverbs.pd import PD
from pyverbs.providers.efa import efadv
from pyverbs.qp import DataBuffer, QPAttr, QPCap, QPEx, QPInitAttrEx
from pyverbs.wr import RecvWR, SendWR, SGE
import pyverbs.enums as ibv

from efastack import abi
from efastack.guest import counter, efa_device_names, expect

PORT = 1
QKEY = 0x11111111
SQ_PSN = 0x1234
# InfiniBand's global route header: the first bytes of every UD receive
GRH = 40
# How long a completion the device owes may take under TCG
COMPLETION_S = 20
# A deadline for what the model reports only after its own timers (RNR
# retries, a peer that never answers): generous, TCG is slow
TIMER_S = 90

STATUS = abi.enum("efa_io_comp_status")
ACCESS_LOCAL = ibv.IBV_ACCESS_LOCAL_WRITE

# EFA completion status -> ibv_wc_status, as rdma-core 56.1 (and our
# provider) map it; rdma-core 44 knew fewer.
WC_STATUS = {
    "OK": ibv.IBV_WC_SUCCESS,
    "FLUSHED": ibv.IBV_WC_WR_FLUSH_ERR,
    "LOCAL_ERROR_QP_INTERNAL_ERROR": ibv.IBV_WC_LOC_QP_OP_ERR,
    "LOCAL_ERROR_UNSUPPORTED_OP": ibv.IBV_WC_LOC_QP_OP_ERR,
    "LOCAL_ERROR_INVALID_AH": ibv.IBV_WC_LOC_QP_OP_ERR,
    "LOCAL_ERROR_INVALID_LKEY": ibv.IBV_WC_LOC_PROT_ERR,
    "LOCAL_ERROR_BAD_LENGTH": ibv.IBV_WC_LOC_LEN_ERR,
    "REMOTE_ERROR_BAD_ADDRESS": ibv.IBV_WC_REM_ACCESS_ERR,
    "REMOTE_ERROR_ABORT": ibv.IBV_WC_REM_ABORT_ERR,
    "REMOTE_ERROR_BAD_DEST_QPN": ibv.IBV_WC_REM_INV_RD_REQ_ERR,
    "REMOTE_ERROR_RNR": ibv.IBV_WC_RNR_RETRY_EXC_ERR,
    "REMOTE_ERROR_BAD_LENGTH": ibv.IBV_WC_REM_INV_REQ_ERR,
    "REMOTE_ERROR_BAD_STATUS": ibv.IBV_WC_BAD_RESP_ERR,
    "LOCAL_ERROR_UNRESP_REMOTE": ibv.IBV_WC_RESP_TIMEOUT_ERR,
    "REMOTE_ERROR_UNKNOWN_PEER": ibv.IBV_WC_REM_OP_ERR,
    "LOCAL_ERROR_UNREACH_REMOTE": ibv.IBV_WC_RESP_TIMEOUT_ERR,
}
WC_STATUS_44 = dict(WC_STATUS, REMOTE_ERROR_BAD_ADDRESS=ibv.IBV_WC_GENERAL_ERR,
                    REMOTE_ERROR_UNKNOWN_PEER=ibv.IBV_WC_GENERAL_ERR,
                    LOCAL_ERROR_UNREACH_REMOTE=ibv.IBV_WC_GENERAL_ERR)


def efa_status(name):
    """The value of EFA_IO_COMP_STATUS_<name> (abi/hw/efa_hw_io.h)."""
    return STATUS[f"EFA_IO_COMP_STATUS_{name}"]


def wc_status(name):
    """The ibv_wc_status the provider under test reports for EFA status NAME."""
    table = WC_STATUS_44 if expect("wc_status_map") == "rdma-core-44" else WC_STATUS
    return table[name]


def send_sges(attr):
    """The SGEs a send may gather: what the device announces, at most what
    a WQE holds (EFA_IO_TX_DESC_NUM_BUFS in either WQE size)."""
    return min(attr.max_sq_sge, abi.value("EFA_IO_TX_DESC_NUM_BUFS"))


def efadv_cap(attr, name):
    return bool(attr.device_caps & abi.value(f"EFADV_DEVICE_ATTR_CAPS_{name}"))


def peers():
    """The ways two endpoints can be placed: on one device ("self"), and,
    when the VM has two, on two ("other")."""
    try:
        two = len(efa_device_names()) >= 2
    except FileNotFoundError:       # no RDMA core loaded: the tests fail later
        two = False
    return ["self", "other"] if two else ["self"]


# ---- endpoints ----------------------------------------------------------------

@dataclasses.dataclass
class Endpoint:
    """QPs in RTS on one device with their CQ and a buffer registered for
    the requested access."""
    dev: str
    ctx: efadv.EfaContext
    pd: PD
    cq: CQ
    qps: list
    mr: MR
    attr: efadv.EfaDVDeviceAttr
    channel: CompChannel | None = None
    channel_fd: int | None = None

    @property
    def qp(self):
        return self.qps[0]

    @property
    def gid(self):
        return self.ctx.query_gid(PORT, 0)

    def ah_to(self, other):
        """An AH in this endpoint's PD for the other endpoint's device."""
        return efadv.EfaAH(self.pd, attr=AHAttr(gr=GlobalRoute(dgid=other.gid, sgid_index=0),
                                                is_global=1, port_num=PORT))

    def sge(self, offset, length, lkey=None):
        return SGE(self.mr.buf + offset, length, self.mr.lkey if lkey is None else lkey)

    def fill(self, offset, length, rng):
        data = rng.randbytes(length)
        if length:
            self.mr.write(data, length, offset)
        return data

    def read(self, offset, length):
        return bytes(self.mr.read(length, offset)) if length else b""


def qp_cap(depth, send_sge=1, recv_sge=1, inline=0):
    return QPCap(max_send_wr=depth, max_recv_wr=depth, max_send_sge=send_sge,
                 max_recv_sge=recv_sge, max_inline_data=inline)


def send_ops(attr, qp_type):
    """Every send operation the provider offers on QP_TYPE (ibv_wr_*)."""
    ops = ibv.IBV_QP_EX_WITH_SEND | ibv.IBV_QP_EX_WITH_SEND_WITH_IMM
    if qp_type == ibv.IBV_QPT_DRIVER:
        if efadv_cap(attr, "RDMA_READ"):
            ops |= ibv.IBV_QP_EX_WITH_RDMA_READ
        if efadv_cap(attr, "RDMA_WRITE"):
            ops |= ibv.IBV_QP_EX_WITH_RDMA_WRITE | ibv.IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM
    return ops


def create_qp(ctx, pd, cq, qp_type, cap, ops):
    """An extended QP (so both posting APIs work) of QP_TYPE: UD, or
    IBV_QPT_DRIVER for SRD."""
    init = QPInitAttrEx(qp_type=qp_type, cap=cap, pd=pd, scq=cq, rcq=cq,
                        comp_mask=ibv.IBV_QP_INIT_ATTR_PD | ibv.IBV_QP_INIT_ATTR_SEND_OPS_FLAGS,
                        send_ops_flags=ops)
    if qp_type == ibv.IBV_QPT_UD:
        return QPEx(ctx, init)
    dv = efadv.EfaQPInitAttr()
    dv.driver_qp_type = abi.value("EFADV_QP_DRIVER_TYPE_SRD")
    return efadv.SRDQPEx(ctx, init, dv)


def to_rts(qp, rnr_retry=None, qkey=QKEY, check=False):
    """RESET -> INIT -> RTR -> RTS with the attributes each step needs;
    with check, query_qp after each step must give them back."""
    steps = [(ibv.IBV_QPS_INIT, ibv.IBV_QP_STATE | ibv.IBV_QP_PKEY_INDEX |
              ibv.IBV_QP_PORT | ibv.IBV_QP_QKEY),
             (ibv.IBV_QPS_RTR, ibv.IBV_QP_STATE),
             (ibv.IBV_QPS_RTS, ibv.IBV_QP_STATE | ibv.IBV_QP_SQ_PSN |
              (ibv.IBV_QP_RNR_RETRY if rnr_retry is not None else 0))]
    for state, mask in steps:
        a = QPAttr(qp_state=state, port_num=PORT)
        a.pkey_index = 0
        a.qkey = qkey
        a.sq_psn = SQ_PSN
        if rnr_retry is not None:
            a.rnr_retry = rnr_retry
        qp.modify(a, mask)
        if check:
            got, _ = qp.query(ibv.IBV_QP_STATE | ibv.IBV_QP_QKEY | ibv.IBV_QP_SQ_PSN)
            assert got.qp_state == state
            assert got.qkey == qkey
            if state == ibv.IBV_QPS_RTS:
                assert got.sq_psn == SQ_PSN


def endpoint(stack, dev, qp_type, *, qps=1, depth=32, send_sge=1, recv_sge=1,
             inline=0, ops=None, buf=64 * 1024, access=ACCESS_LOCAL, cq_depth=None,
             channel=False, rnr_retry=None, qkey=QKEY):
    """An Endpoint on device DEV (a context of its own, as a process would
    have), its objects closed by STACK (an ExitStack).  inline="max" asks
    for the provider's inline_buf_size.  rnr_retry is set on
    SRD QPs only, and only where the device has RNR retry."""
    ctx = stack.enter_context(efadv.EfaContext(name=dev))
    attr = ctx.query_efa_device()
    if inline == "max":
        inline = attr.inline_buf_size
    pd = stack.enter_context(PD(ctx))
    comp, fd = (channel_fd(lambda: stack.enter_context(CompChannel(ctx))) if channel
                else (None, None))
    cq = stack.enter_context(CQ(ctx, cq_depth or 2 * depth * qps, None, comp, 0))
    if ops is None:
        ops = send_ops(attr, qp_type)
    if qp_type != ibv.IBV_QPT_DRIVER or not efadv_cap(attr, "RNR_RETRY"):
        rnr_retry = None
    made = []
    for _ in range(qps):
        qp = stack.enter_context(create_qp(ctx, pd, cq, qp_type,
                                           qp_cap(depth, send_sge, recv_sge, inline), ops))
        to_rts(qp, rnr_retry, qkey)
        made.append(qp)
    mr = stack.enter_context(MR(pd, buf, access))
    return Endpoint(dev, ctx, pd, cq, made, mr, attr, comp, fd)


def devices(placement):
    """The devices of two endpoints: one device twice, or the first two."""
    names = efa_device_names()
    return names[0], names[0] if placement == "self" else names[1]


# ---- posting ------------------------------------------------------------------

def post_recv(ep, wr_id, sges, qp=None):
    """One receive of the (offset, length) pieces SGES of ep's buffer."""
    sg = [ep.sge(o, n) for o, n in sges]
    (qp or ep.qp).post_recv(RecvWR(wr_id=wr_id, num_sge=len(sg), sg=sg))


def post_send(ep, ah, dest, wr_id, sges, *, opcode=ibv.IBV_WR_SEND, imm=0, inline=False,
              qkey=QKEY, qp=None, lkey=None):
    """A send through ibv_post_send to QP number DEST behind AH."""
    sg = [ep.sge(o, n, lkey) for o, n in sges]
    flags = ibv.IBV_SEND_SIGNALED | (ibv.IBV_SEND_INLINE if inline else 0)
    wr = SendWR(wr_id=wr_id, opcode=opcode, num_sge=len(sg), sg=sg, imm_data=imm,
                send_flags=flags)
    wr.set_wr_ud(ah, dest, qkey)
    (qp or ep.qp).post_send(wr)


def wr_post(qp, wr_id, ah, dest, op, *, sges=(), inline=None, imm=0, rkey=0, raddr=0,
            qkey=QKEY):
    """One work request through ibv_wr_*: OP is send, send_imm, rdma_read,
    rdma_write or rdma_write_imm; data from SGES (SGE objects) or INLINE
    ((address, length) pieces).  IMM is taken as post_send() takes it,
    the raw big-endian word of ibv_send_wr.imm_data."""
    # pyverbs' wr_send_imm/wr_rdma_write_imm convert a host-order value
    # to big endian: give them the host-order value of that word
    host_imm = socket.ntohl(imm)
    qp.wr_start()
    qp.wr_id = wr_id
    qp.wr_flags = ibv.IBV_SEND_SIGNALED | (ibv.IBV_SEND_INLINE if inline else 0)
    if op == "send":
        qp.wr_send()
    elif op == "send_imm":
        qp.wr_send_imm(host_imm)
    elif op == "rdma_read":
        qp.wr_rdma_read(rkey, raddr)
    elif op == "rdma_write":
        qp.wr_rdma_write(rkey, raddr)
    elif op == "rdma_write_imm":
        qp.wr_rdma_write_imm(rkey, raddr, host_imm)
    else:
        raise ValueError(op)
    qp.wr_set_ud_addr(ah, dest, qkey)
    if inline is not None:
        if len(inline) == 1:
            qp.wr_set_inline_data(*inline[0])
        else:
            qp.wr_set_inline_data_list(len(inline), [DataBuffer(a, n) for a, n in inline])
    elif len(sges) == 1:
        qp.wr_set_sge(sges[0])
    else:
        qp.wr_set_sge_list(len(sges), list(sges))
    qp.wr_complete()


# ---- completions --------------------------------------------------------------

def poll(cq, count, timeout=COMPLETION_S):
    """COUNT completions of CQ, polled until they are there or the
    deadline passes (the test fails, naming what did arrive)."""
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < count:
        n, wcs = cq.poll(count - len(got))
        got += wcs
        if n == 0:
            if time.monotonic() > deadline:
                pytest.fail(f"{len(got)} of {count} completions within {timeout} s: "
                            + ", ".join(describe(w) for w in got))
            time.sleep(0.002)
    return got


def nothing_more(cq, wait=0.3):
    """CQ holds no completion, now or after WAIT seconds."""
    time.sleep(wait)
    n, wcs = cq.poll(1)
    assert n == 0, f"unexpected completion {describe(wcs[0])}"


def describe(wc):
    return (f"[wr_id {wc.wr_id:#x} status {wc.status} vendor_err {wc.vendor_err} "
            f"opcode {wc.opcode} len {wc.byte_len} qp {wc.qp_num} src {wc.src_qp}]")


def check_ok(wc, wr_id=None):
    assert wc.status == ibv.IBV_WC_SUCCESS and wc.vendor_err == efa_status("OK"), describe(wc)
    if wr_id is not None:
        assert wc.wr_id == wr_id, describe(wc)


def check_error(wc, name, wr_id=None):
    """WC is an error completion carrying EFA status NAME as vendor_err and
    the provider's ibv_wc_status for it."""
    assert (wc.vendor_err, wc.status) == (efa_status(name), wc_status(name)), \
        f"expected {name} ({efa_status(name)}, ibv status {wc_status(name)}): {describe(wc)}"
    if wr_id is not None:
        assert wc.wr_id == wr_id, describe(wc)


def by_wr_id(wcs):
    out = {}
    for wc in wcs:
        assert wc.wr_id not in out, f"two completions for wr_id {wc.wr_id:#x}"
        out[wc.wr_id] = wc
    return out


# ---- a pair of endpoints ------------------------------------------------------

@dataclasses.dataclass
class Pair:
    """A requester and a responder, each with an AH for the other."""
    req: Endpoint
    resp: Endpoint
    ah: AH          # in req's PD, to resp
    back: AH        # in resp's PD, to req
    rng: random.Random


def make_pair(stack, placement, qp_type, seed=0, req_kw=None, resp_kw=None, **kw):
    """A Pair on PLACEMENT ("self": one device, "other": two), both sides
    made with endpoint(**kw), then REQ_KW/RESP_KW for one side only."""
    a, b = devices(placement)
    req = endpoint(stack, a, qp_type, **dict(kw, **(req_kw or {})))
    resp = endpoint(stack, b, qp_type, **dict(kw, **(resp_kw or {})))
    ah = stack.enter_context(req.ah_to(resp))
    back = stack.enter_context(resp.ah_to(req))
    return Pair(req, resp, ah, back, random.Random(seed))


class Counters:
    """The port hw counters of the devices of a pair, before and after."""
    NAMES = ("tx_pkts", "rx_pkts", "tx_bytes", "rx_bytes", "send_wrs", "send_bytes",
             "recv_wrs", "recv_bytes", "rx_drops", "rdma_read_wrs", "rdma_read_bytes",
             "rdma_read_resp_bytes", "rdma_write_wrs", "rdma_write_bytes",
             "rdma_write_recv_bytes")

    def __init__(self, *endpoints):
        self.devs = sorted({e.dev for e in endpoints})
        self.before = self.read()

    def read(self):
        # past the RDMA core's cache of the last read, then all at once
        time.sleep(0.05)
        out = {}
        for dev in self.devs:
            folder = f"/sys/class/infiniband/{dev}/ports/{PORT}/hw_counters"
            for name in self.NAMES:
                if os.path.exists(f"{folder}/{name}"):
                    out[(dev, name)] = counter(dev, name, PORT)
        return out

    def delta(self):
        now = self.read()
        return {k: now[k] - self.before[k] for k in now}


def wait_readable(fd, timeout):
    readable, _, _ = select.select([fd], [], [], timeout)
    return bool(readable)


def channel_fd(make):
    """The file descriptor of the completion channel MAKE() creates (pyverbs
    does not expose it): the one new infinibandevent descriptor."""
    def events():
        out = set()
        for fd in os.listdir("/proc/self/fd"):
            try:
                if "infinibandevent" in os.readlink(f"/proc/self/fd/{fd}"):
                    out.add(int(fd))
            except OSError:
                pass
        return out
    before = events()
    obj = make()
    new = events() - before
    assert len(new) == 1, f"cannot tell the completion channel's descriptor: {new}"
    return obj, new.pop()
