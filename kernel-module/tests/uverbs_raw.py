# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Raw uverbs commands, written straight to /dev/infiniband/uverbsN.

libibverbs and its provider only ever send well-formed driver data; these
helpers send whatever a test wants (non-zero reserved bytes, unknown
trailing fields, odd lengths) so the driver's checks can be exercised.
Layouts: <rdma/ib_user_verbs.h> for the core part, abi/efa-abi.h for the
EFA part.  Errors come back as OSError with the errno the kernel returned.
"""
import ctypes
import os
import struct

CMD_GET_CONTEXT = 0
CMD_QUERY_DEVICE = 1
CMD_ALLOC_PD = 3
CMD_DEALLOC_PD = 4
CMD_FLAG_EXTENDED = 0x80000000

# struct efa_ibv_alloc_ucontext_cmd
SUPP_CAPS_TX_BATCH = 1 << 0
SUPP_CAPS_MIN_SQ_WR = 1 << 1

# enum efa_ibv_user_cmds_supp_udata
SUPP_UDATA_QUERY_DEVICE = 1 << 0
SUPP_UDATA_CREATE_AH = 1 << 1

# EFA_QUERY_DEVICE_CAPS_*
CAPS_RDMA_READ = 1 << 0
CAPS_RNR_RETRY = 1 << 1
CAPS_CQ_NOTIFICATIONS = 1 << 2
CAPS_CQ_WITH_SGID = 1 << 3
CAPS_DATA_POLLING_128 = 1 << 4
CAPS_RDMA_WRITE = 1 << 5
CAPS_UNSOLICITED_WRITE_RECV = 1 << 6

UCONTEXT_RESP = struct.Struct("<IIHHIHHH2x")
UCONTEXT_RESP_FIELDS = ("comp_mask", "cmds_supp_udata_mask", "sub_cqs_per_cq",
                        "inline_buf_size", "max_llq_size", "max_tx_batch",
                        "min_sq_wr", "inline_buf_size_ex")
QUERY_DEVICE_RESP = struct.Struct("<IIIHHII")
QUERY_DEVICE_RESP_FIELDS = ("comp_mask", "max_sq_wr", "max_rq_wr", "max_sq_sge",
                            "max_rq_sge", "max_rdma_size", "device_caps")
PD_RESP = struct.Struct("<IH2x")


def uverbs_path(ibdev):
    """/dev/infiniband/uverbsN of an RDMA device such as efa_0."""
    names = os.listdir(f"/sys/class/infiniband/{ibdev}/device/infiniband_verbs")
    assert len(names) == 1, names
    return "/dev/infiniband/" + names[0]


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

    def legacy(self, command, core_in, core_out_len, driver_in, driver_out_len):
        """A write-ABI command whose request starts with 'u64 response'.

        core_in is the core request after that u64; returns (core response,
        driver response) as bytes.
        """
        out = ctypes.create_string_buffer(core_out_len + driver_out_len)
        body = struct.pack("<Q", ctypes.addressof(out)) + core_in + driver_in
        assert len(body) % 4 == 0 and (core_out_len + driver_out_len) % 4 == 0
        hdr = struct.pack("<IHH", command, (8 + len(body)) // 4,
                          (core_out_len + driver_out_len) // 4)
        self._write(hdr + body)
        raw = out.raw
        return raw[:core_out_len], raw[core_out_len:]

    def extended(self, command, core_in, core_out_len, driver_in, driver_out_len):
        """An extended write-ABI command; lengths in units of 8 bytes."""
        out = ctypes.create_string_buffer(core_out_len + driver_out_len)
        assert len(core_in) % 8 == 0 and len(driver_in) % 8 == 0
        assert core_out_len % 8 == 0 and driver_out_len % 8 == 0
        hdr = struct.pack("<IHH", CMD_FLAG_EXTENDED | command,
                          len(core_in) // 8, core_out_len // 8)
        ex_hdr = struct.pack("<QHHI", ctypes.addressof(out), len(driver_in) // 8,
                             driver_out_len // 8, 0)
        self._write(hdr + ex_hdr + core_in + driver_in)
        raw = out.raw
        return raw[:core_out_len], raw[core_out_len:]

    def get_context(self, supported_caps=SUPP_CAPS_TX_BATCH | SUPP_CAPS_MIN_SQ_WR,
                    reserved=b"\0" * 4, extra=b"", driver_in=None,
                    driver_out_len=UCONTEXT_RESP.size):
        """alloc_ucontext; returns the EFA response as a dict."""
        if driver_in is None:
            driver_in = struct.pack("<I", supported_caps) + reserved + extra
        core, drv = self.legacy(CMD_GET_CONTEXT, b"", 8, driver_in,
                                driver_out_len)
        self.async_fd, _num_comp_vectors = struct.unpack("<II", core)
        drv = drv.ljust(UCONTEXT_RESP.size, b"\0")
        return dict(zip(UCONTEXT_RESP_FIELDS, UCONTEXT_RESP.unpack(drv)))

    def query_device_ex(self, driver_in=b"", driver_out_len=QUERY_DEVICE_RESP.size):
        """Extended query_device; returns the EFA response as a dict."""
        # struct ib_uverbs_ex_query_device {comp_mask, reserved}; the core
        # response is given more room than any kernel's struct needs
        _core, drv = self.extended(CMD_QUERY_DEVICE, struct.pack("<II", 0, 0),
                                   512, driver_in, driver_out_len)
        drv = drv.ljust(QUERY_DEVICE_RESP.size, b"\0")
        return dict(zip(QUERY_DEVICE_RESP_FIELDS,
                        QUERY_DEVICE_RESP.unpack(drv[:QUERY_DEVICE_RESP.size])))

    def alloc_pd(self, driver_in=b"", driver_out_len=PD_RESP.size):
        """Returns (pd handle, pdn)."""
        core, drv = self.legacy(CMD_ALLOC_PD, b"", 4, driver_in, driver_out_len)
        (handle,) = struct.unpack("<I", core)
        _comp_mask, pdn = PD_RESP.unpack(drv.ljust(PD_RESP.size, b"\0"))
        return handle, pdn

    def dealloc_pd(self, handle):
        body = struct.pack("<I", handle)
        self._write(struct.pack("<IHH", CMD_DEALLOC_PD, (8 + len(body)) // 4, 0)
                    + body)
