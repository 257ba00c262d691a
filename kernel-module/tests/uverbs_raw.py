# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Raw uverbs commands, written straight to /dev/infiniband/uverbsN.

libibverbs and its provider only ever send well-formed driver data; these
helpers send whatever a test wants (non-zero reserved bytes, unknown
trailing fields, odd lengths) so the driver's checks can be exercised.
Layouts and command numbers come from the headers through efastack.abi:
<rdma/ib_user_verbs.h> for the core part, abi/efa-abi.h for the EFA part.
Errors come back as OSError with the errno the kernel returned.
"""
import ctypes
import os

from efastack import abi

CMD_HDR = abi.struct("ib_uverbs_cmd_hdr")
EX_CMD_HDR = abi.struct("ib_uverbs_ex_cmd_hdr")
GET_CONTEXT = abi.struct("ib_uverbs_get_context")
GET_CONTEXT_RESP = abi.struct("ib_uverbs_get_context_resp")
EX_QUERY_DEVICE = abi.struct("ib_uverbs_ex_query_device")
EX_QUERY_DEVICE_RESP = abi.struct("ib_uverbs_ex_query_device_resp")
ALLOC_PD = abi.struct("ib_uverbs_alloc_pd")
ALLOC_PD_RESP = abi.struct("ib_uverbs_alloc_pd_resp")
DEALLOC_PD = abi.struct("ib_uverbs_dealloc_pd")

CREATE_CQ = abi.struct("ib_uverbs_create_cq")
CREATE_CQ_RESP = abi.struct("ib_uverbs_create_cq_resp")
CREATE_QP = abi.struct("ib_uverbs_create_qp")
CREATE_QP_RESP = abi.struct("ib_uverbs_create_qp_resp")
CREATE_AH = abi.struct("ib_uverbs_create_ah")
CREATE_AH_RESP = abi.struct("ib_uverbs_create_ah_resp")
AH_ATTR = abi.struct("ib_uverbs_ah_attr")
GLOBAL_ROUTE = abi.struct("ib_uverbs_global_route")
REG_MR = abi.struct("ib_uverbs_reg_mr")
REG_MR_RESP = abi.struct("ib_uverbs_reg_mr_resp")

UCONTEXT_CMD = abi.struct("efa_ibv_alloc_ucontext_cmd")
UCONTEXT_RESP = abi.struct("efa_ibv_alloc_ucontext_resp")
QUERY_DEVICE_RESP = abi.struct("efa_ibv_ex_query_device_resp")
PD_RESP = abi.struct("efa_ibv_alloc_pd_resp")
CQ_CMD = abi.struct("efa_ibv_create_cq")
CQ_RESP = abi.struct("efa_ibv_create_cq_resp")
QP_CMD = abi.struct("efa_ibv_create_qp")
QP_RESP = abi.struct("efa_ibv_create_qp_resp")
AH_RESP = abi.struct("efa_ibv_create_ah_resp")

# enum ib_uverbs_qp_type
QPT_UD = abi.C.IB_UVERBS_QPT_UD
QPT_DRIVER = abi.C.IB_UVERBS_QPT_DRIVER

# what libefa says it supports
SUPPORTED_CAPS = (abi.C.EFA_ALLOC_UCONTEXT_CMD_SUPP_CAPS_TX_BATCH |
                  abi.C.EFA_ALLOC_UCONTEXT_CMD_SUPP_CAPS_MIN_SQ_WR)


def uverbs_path(ibdev):
    """/dev/infiniband/uverbsN of an RDMA device such as efa_0."""
    names = os.listdir(f"/sys/class/infiniband/{ibdev}/device/infiniband_verbs")
    assert len(names) == 1, names
    return "/dev/infiniband/" + names[0]


def _padded_unpack(s, raw):
    """s.unpack of raw, zero-extended when the kernel was given less room."""
    return s.unpack(raw.ljust(s.size, b"\0"))


class Uverbs:
    """One open uverbs file: at most one user context, like a process."""

    def __init__(self, ibdev):
        self.fd = os.open(uverbs_path(ibdev), os.O_RDWR | os.O_CLOEXEC)
        self.async_fd = None

    def close(self):
        if self.async_fd is not None:
            os.close(self.async_fd)
            self.async_fd = None
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _write(self, data):
        n = os.write(self.fd, data)
        assert n == len(data), (n, len(data))

    def legacy(self, command, cmd, resp, driver_in, driver_out_len, **fields):
        """A write-ABI command: cmd and resp the Structs of its core request
        (which starts with 'u64 response') and core response, fields the
        request's others.  Returns (core response as a dict, driver
        response as bytes)."""
        out_len = resp.size + driver_out_len
        out = ctypes.create_string_buffer(out_len)
        body = cmd.pack(response=ctypes.addressof(out), **fields) + driver_in
        # lengths in 4-byte words, the header's own included
        assert len(body) % 4 == 0 and out_len % 4 == 0
        hdr = CMD_HDR.pack(command=command, in_words=(CMD_HDR.size + len(body)) // 4,
                           out_words=out_len // 4)
        self._write(hdr + body)
        raw = out.raw
        return resp.unpack(raw), raw[resp.size:]

    def extended(self, command, cmd, resp, driver_in, driver_out_len, **fields):
        """An extended write-ABI command (cmd, resp and fields as for
        legacy(); the response address travels in the extended header)."""
        out = ctypes.create_string_buffer(resp.size + driver_out_len)
        core_in = cmd.pack(**fields)
        # lengths in 8-byte words, without the headers
        assert len(core_in) % 8 == 0 and len(driver_in) % 8 == 0
        assert resp.size % 8 == 0 and driver_out_len % 8 == 0
        hdr = CMD_HDR.pack(command=abi.C.IB_USER_VERBS_CMD_FLAG_EXTENDED | command,
                           in_words=len(core_in) // 8, out_words=resp.size // 8)
        ex_hdr = EX_CMD_HDR.pack(response=ctypes.addressof(out),
                                 provider_in_words=len(driver_in) // 8,
                                 provider_out_words=driver_out_len // 8)
        self._write(hdr + ex_hdr + core_in + driver_in)
        raw = out.raw
        return resp.unpack(raw), raw[resp.size:]

    def get_context(self, supported_caps=SUPPORTED_CAPS, reserved=b"\0" * 4, extra=b"",
                    driver_in=None, driver_out_len=UCONTEXT_RESP.size):
        """alloc_ucontext; returns the EFA response as a dict."""
        if driver_in is None:
            driver_in = UCONTEXT_CMD.pack(supported_caps=supported_caps,
                                          reserved_20=reserved) + extra
        core, drv = self.legacy(abi.C.IB_USER_VERBS_CMD_GET_CONTEXT, GET_CONTEXT,
                                GET_CONTEXT_RESP, driver_in, driver_out_len)
        self.async_fd = core["async_fd"]
        return _padded_unpack(UCONTEXT_RESP, drv)

    def query_device_ex(self, driver_in=b"", driver_out_len=QUERY_DEVICE_RESP.size):
        """Extended query_device; returns the EFA response as a dict."""
        _core, drv = self.extended(abi.C.IB_USER_VERBS_EX_CMD_QUERY_DEVICE,
                                   EX_QUERY_DEVICE, EX_QUERY_DEVICE_RESP,
                                   driver_in, driver_out_len)
        return _padded_unpack(QUERY_DEVICE_RESP, drv)

    def alloc_pd(self, driver_in=b"", driver_out_len=PD_RESP.size):
        """Returns (pd handle, pdn)."""
        core, drv = self.legacy(abi.C.IB_USER_VERBS_CMD_ALLOC_PD, ALLOC_PD,
                                ALLOC_PD_RESP, driver_in, driver_out_len)
        return core["pd_handle"], _padded_unpack(PD_RESP, drv)["pdn"]

    def dealloc_pd(self, handle):
        body = DEALLOC_PD.pack(pd_handle=handle)
        self._write(CMD_HDR.pack(command=abi.C.IB_USER_VERBS_CMD_DEALLOC_PD,
                                 in_words=(CMD_HDR.size + len(body)) // 4, out_words=0)
                    + body)

    # ---- objects beyond the PD: driver data as the caller builds it ----------

    def create_cq(self, driver_in, cqe=64, comp_channel=-1,
                  driver_out_len=CQ_RESP.size):
        """Returns (cq handle, EFA response as a dict)."""
        core, drv = self.legacy(abi.C.IB_USER_VERBS_CMD_CREATE_CQ, CREATE_CQ,
                                CREATE_CQ_RESP, driver_in, driver_out_len,
                                cqe=cqe, comp_channel=comp_channel)
        return core["cq_handle"], _padded_unpack(CQ_RESP, drv)

    def create_qp(self, pd, cq, driver_in, qp_type=QPT_UD, max_send_wr=16,
                  max_recv_wr=16, driver_out_len=QP_RESP.size):
        """Returns (qp handle, qpn, EFA response as a dict)."""
        core, drv = self.legacy(abi.C.IB_USER_VERBS_CMD_CREATE_QP, CREATE_QP,
                                CREATE_QP_RESP, driver_in, driver_out_len,
                                pd_handle=pd, send_cq_handle=cq, recv_cq_handle=cq,
                                max_send_wr=max_send_wr, max_recv_wr=max_recv_wr,
                                max_send_sge=1, max_recv_sge=1, qp_type=qp_type)
        return core["qp_handle"], core["qpn"], _padded_unpack(QP_RESP, drv)

    def create_ah(self, pd, dgid, driver_in=b"", driver_out_len=AH_RESP.size):
        """Returns (ah handle, EFA response as a dict)."""
        attr = AH_ATTR.pack(grh=GLOBAL_ROUTE.pack(dgid=dgid), is_global=1,
                            port_num=1)
        core, drv = self.legacy(abi.C.IB_USER_VERBS_CMD_CREATE_AH, CREATE_AH,
                                CREATE_AH_RESP, driver_in, driver_out_len,
                                pd_handle=pd, attr=attr)
        return core["ah_handle"], _padded_unpack(AH_RESP, drv)

    def reg_mr(self, pd, buf, length, access, driver_in=b""):
        """buf: a ctypes buffer.  Returns (mr handle, lkey)."""
        addr = ctypes.addressof(buf)
        core, _drv = self.legacy(abi.C.IB_USER_VERBS_CMD_REG_MR, REG_MR,
                                 REG_MR_RESP, driver_in, 0, start=addr,
                                 length=length, hca_va=addr, pd_handle=pd,
                                 access_flags=access)
        return core["mr_handle"], core["lkey"]


def cq_request(entry_size=16, num_sub_cqs=1, flags=0, comp_mask=0,
               reserved=b""):
    return CQ_CMD.pack(comp_mask=comp_mask, cq_entry_size=entry_size,
                       num_sub_cqs=num_sub_cqs, flags=flags, reserved_58=reserved)


def qp_request(sq_ring_size=4096, rq_ring_size=4096, driver_qp_type=0, flags=0,
               sl=0, comp_mask=0, reserved=b""):
    return QP_CMD.pack(comp_mask=comp_mask, sq_ring_size=sq_ring_size,
                       rq_ring_size=rq_ring_size, driver_qp_type=driver_qp_type,
                       flags=flags, sl=sl, reserved_98=reserved)
