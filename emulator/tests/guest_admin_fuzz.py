# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Drive the emulated EFA from guest user space, with no driver bound, the
way a broken or hostile driver could: random and malformed admin commands,
queues and buffers in memory that does not exist or in the device's own
BAR.  The device must answer every command with an admin status, flag what
it cannot reach as a fatal error, recover on reset, and QEMU must live.

Runs inside tools/efa-vm --driver none (BAR0 is mmap'ed through sysfs, DMA
buffers are locked pages whose physical address comes from pagemap).
"""
import ctypes
import mmap
import os
import random
import struct
import subprocess
import time

import pytest

from efastack import abi
from efastack.guest import efa_pci_devices, require_int

C = abi.C
AQ_ENTRY = abi.struct("efa_admin_aq_entry")
ACQ_ENTRY = abi.struct("efa_admin_acq_entry")
MMIO_RESP = abi.struct("efa_admin_mmio_req_read_less_resp")
HOST_INFO = abi.struct("efa_admin_host_info")
DEPTH = 16
# one page holds both queues: the AQ, then the ACQ
ACQ_OFFSET = DEPTH * AQ_ENTRY.size
QUEUES_SIZE = ACQ_OFFSET + DEPTH * ACQ_ENTRY.size
STATUSES = set(abi.enum("efa_admin_aq_completion_status").values())
OPCODE_AT = (AQ_ENTRY.offset("aq_common_descriptor") +
             abi.struct("efa_admin_aq_common_desc").offset("opcode"))
# Two random commands in three get an opcode below this: 0, those of enum
# efa_admin_aq_opcode and the later ones up to SERVICE, so that most reach a
# handler (or the not-implemented answer) rather than BAD_OPCODE.
OPCODES = C.EFA_ADMIN_SERVICE + 1
NOWHERE = 0xfffff0000000   # no RAM or MMIO there in a 1 GiB microvm

libc = ctypes.CDLL(None, use_errno=True)


def reg(name):
    """The offset of a BAR0 register: EFA_REGS_<name>_OFF."""
    return abi.value(f"EFA_REGS_{name}_OFF")


def efa_pci():
    devices = efa_pci_devices()
    if not devices:
        pytest.fail("no EFA PCI function")
    return devices[0]


class DmaPage:
    """One locked page of guest RAM and its physical address."""

    def __init__(self):
        self.buf = mmap.mmap(-1, mmap.PAGESIZE)
        addr = ctypes.addressof(ctypes.c_char.from_buffer(self.buf))
        assert libc.mlock(ctypes.c_void_p(addr), mmap.PAGESIZE) == 0
        self.buf[0:1] = b"\0"
        with open("/proc/self/pagemap", "rb") as f:
            f.seek(addr // mmap.PAGESIZE * 8)
            entry = struct.unpack("<Q", f.read(8))[0]
        assert entry >> 63, "page not present"
        self.phys = (entry & ((1 << 55) - 1)) * mmap.PAGESIZE


class Device:
    def __init__(self, pci):
        # memory space and bus mastering on, as a driver's probe would
        enable = C.PCI_COMMAND_MEMORY | C.PCI_COMMAND_MASTER
        subprocess.run(["setpci", "-s", pci, f"COMMAND={enable:#06x}"], check=True)
        fd = os.open(f"/sys/bus/pci/devices/{pci}/resource0", os.O_RDWR | os.O_SYNC)
        self.bar = mmap.mmap(fd, 0x1000)
        os.close(fd)
        with open(f"/sys/bus/pci/devices/{pci}/resource") as f:
            self.bar0_phys = int(f.readline().split()[0], 16)
        self.resp = DmaPage()
        self.queues = DmaPage()
        self.seq = 0

    def write(self, name, val):
        off = reg(name)
        self.bar[off:off + 4] = struct.pack("<I", val & 0xffffffff)

    def read(self, name):
        """A readless read: the device DMAs an
        efa_admin_mmio_req_read_less_resp to the response page."""
        # request ids wrap in their field, the register's low bits
        self.seq = (self.seq + 1) & C.EFA_REGS_MMIO_REG_READ_REQ_ID_MASK
        self.resp.buf[0:MMIO_RESP.size] = b"\xff" * MMIO_RESP.size
        self.write("MMIO_REG_READ",
                   abi.field_prep(C.EFA_REGS_MMIO_REG_READ_REG_OFF_MASK, reg(name)) |
                   abi.field_prep(C.EFA_REGS_MMIO_REG_READ_REQ_ID_MASK, self.seq))
        resp = MMIO_RESP.unpack(self.resp.buf)
        assert (resp["req_id"], resp["reg_off"]) == (self.seq, reg(name)), \
            "no readless response"
        return resp["reg_val"]

    def set_readless(self):
        self.write("MMIO_RESP_LO", self.resp.phys)
        self.write("MMIO_RESP_HI", self.resp.phys >> 32)

    def reset(self):
        self.set_readless()
        self.write("DEV_CTL", C.EFA_REGS_DEV_CTL_DEV_RESET_MASK)
        self.set_readless()
        assert self.read("DEV_STS") & C.EFA_REGS_DEV_STS_RESET_IN_PROGRESS_MASK
        self.write("DEV_CTL", 0)
        assert self.read("DEV_STS") & C.EFA_REGS_DEV_STS_READY_MASK
        self.pc = 0

    def setup_queues(self, aq=None, acq=None):
        aq = self.queues.phys if aq is None else aq
        acq = self.queues.phys + ACQ_OFFSET if acq is None else acq
        self.queues.buf[0:QUEUES_SIZE] = bytes(QUEUES_SIZE)
        self.write("AQ_BASE_LO", aq)
        self.write("AQ_BASE_HI", aq >> 32)
        self.write("AQ_CAPS", abi.field_prep(C.EFA_REGS_AQ_CAPS_AQ_DEPTH_MASK, DEPTH) |
                   abi.field_prep(C.EFA_REGS_AQ_CAPS_AQ_ENTRY_SIZE_MASK, AQ_ENTRY.size))
        self.write("ACQ_BASE_LO", acq)
        self.write("ACQ_BASE_HI", acq >> 32)
        self.write("ACQ_CAPS", abi.field_prep(C.EFA_REGS_ACQ_CAPS_ACQ_DEPTH_MASK, DEPTH) |
                   abi.field_prep(C.EFA_REGS_ACQ_CAPS_ACQ_ENTRY_SIZE_MASK, ACQ_ENTRY.size))
        self.pc = 0

    def submit(self, entry):
        """Submit one command (the bytes of an AQ entry); the status of its
        completion."""
        slot = self.pc % DEPTH
        phase = 1 - (self.pc // DEPTH) % 2
        # command ids wrap in their field, the low bits
        cmd_id = self.pc & C.EFA_ADMIN_AQ_COMMON_DESC_COMMAND_ID_MASK
        fields = AQ_ENTRY.unpack(entry)
        desc = fields["aq_common_descriptor"]
        desc["command_id"] = cmd_id
        desc["flags"] = (desc["flags"] & ~C.EFA_ADMIN_AQ_COMMON_DESC_PHASE_MASK |
                         abi.field_prep(C.EFA_ADMIN_AQ_COMMON_DESC_PHASE_MASK, phase))
        at = slot * AQ_ENTRY.size
        self.queues.buf[at:at + AQ_ENTRY.size] = AQ_ENTRY.pack(**fields)
        self.pc += 1
        self.write("AQ_PROD_DB", self.pc)
        cqe = ACQ_ENTRY.unpack(self.queues.buf, offset=ACQ_OFFSET + slot * ACQ_ENTRY.size)
        cqe = cqe["acq_common_descriptor"]
        assert abi.field_get(C.EFA_ADMIN_ACQ_COMMON_DESC_PHASE_MASK, cqe["flags"]) == phase, \
            f"no completion for command {cmd_id}"
        assert cqe["command"] == cmd_id
        at = ACQ_OFFSET + slot * ACQ_ENTRY.size
        self.last = bytes(self.queues.buf[at:at + ACQ_ENTRY.size])
        return cqe["status"]

    def create(self, entry, layout, field):
        """Submit a command that must succeed; field of its response."""
        assert self.submit(entry) == C.EFA_ADMIN_SUCCESS
        return abi.struct(layout).unpack(self.last)[field]


def command(opcode, layout="efa_admin_aq_entry", flags=0, **fields):
    """An AQ entry: struct layout with fields, its common descriptor naming
    opcode with flags (submit() sets the command id and the phase)."""
    desc = abi.struct(layout).fields[0].name
    entry = abi.struct(layout).pack(**{desc: {"opcode": opcode, "flags": flags}}, **fields)
    return entry.ljust(AQ_ENTRY.size, b"\0")


def address(addr):
    return {"mem_addr_low": addr & 0xffffffff, "mem_addr_high": addr >> 32}


def set_host_info(address):
    """SET_FEATURE(HOST_INFO) with its control buffer at address."""
    return command(C.EFA_ADMIN_SET_FEATURE, "efa_admin_set_feature_cmd",
                   flags=C.EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_MASK,
                   control_buffer={"length": HOST_INFO.size,
                                   "address": {"mem_addr_low": address & 0xffffffff,
                                               "mem_addr_high": address >> 32}},
                   feature_common={"feature_id": C.EFA_ADMIN_HOST_INFO})


@pytest.fixture
def dev():
    d = Device(efa_pci())
    d.reset()
    d.setup_queues()
    yield d
    d.reset()


def test_random_commands_all_get_a_status(dev):
    rng = random.Random(2026)
    seen = set()
    for i in range(3000):
        entry = bytearray(rng.getrandbits(8) for _ in range(AQ_ENTRY.size))
        if i % 3:
            entry[OPCODE_AT] %= OPCODES
        status = dev.submit(entry)
        assert status in STATUSES
        seen.add(status)
    assert {C.EFA_ADMIN_SUCCESS, C.EFA_ADMIN_BAD_OPCODE, C.EFA_ADMIN_UNSUPPORTED_OPCODE,
            C.EFA_ADMIN_MALFORMED_REQUEST, C.EFA_ADMIN_ILLEGAL_PARAMETER} <= seen
    assert not dev.read("DEV_STS") & C.EFA_REGS_DEV_STS_FATAL_ERROR_MASK


def test_control_buffer_outside_ram_is_refused(dev):
    # the host info buffer where nothing is
    assert dev.submit(set_host_info(NOWHERE)) == C.EFA_ADMIN_MALFORMED_REQUEST
    # and at the device's own registers
    assert dev.submit(set_host_info(dev.bar0_phys)) == C.EFA_ADMIN_MALFORMED_REQUEST
    assert not dev.read("DEV_STS") & C.EFA_REGS_DEV_STS_FATAL_ERROR_MASK
    # still serving
    assert dev.submit(command(C.EFA_ADMIN_ALLOC_PD)) == C.EFA_ADMIN_SUCCESS


@pytest.mark.parametrize("where", ["nowhere", "own_bar"])
def test_queue_it_cannot_reach_is_a_fatal_error_until_reset(dev, where):
    target = NOWHERE if where == "nowhere" else dev.bar0_phys
    dev.setup_queues(aq=target)
    dev.write("AQ_PROD_DB", 1)
    assert dev.read("DEV_STS") & C.EFA_REGS_DEV_STS_FATAL_ERROR_MASK
    dev.reset()
    assert not dev.read("DEV_STS") & C.EFA_REGS_DEV_STS_FATAL_ERROR_MASK
    dev.setup_queues()
    get_device_attr = command(C.EFA_ADMIN_GET_FEATURE, "efa_admin_get_feature_cmd",
                              feature_common={"feature_id": C.EFA_ADMIN_DEVICE_ATTR})
    assert dev.submit(get_device_attr) == C.EFA_ADMIN_SUCCESS


def test_completion_queue_in_own_bar_does_not_hang(dev):
    dev.setup_queues(acq=dev.bar0_phys + 0x1000)
    # the first entry, in the phase of the queue's first pass
    dev.queues.buf[0:AQ_ENTRY.size] = command(
        C.EFA_ADMIN_ALLOC_PD, flags=C.EFA_ADMIN_AQ_COMMON_DESC_PHASE_MASK)
    dev.write("AQ_PROD_DB", 1)
    dev.reset()
    dev.setup_queues()
    assert dev.submit(command(C.EFA_ADMIN_ALLOC_PD)) == C.EFA_ADMIN_SUCCESS


def test_doorbell_storms_are_bounded(dev):
    for value in (0xffff, 17, 0x8000, 0):
        dev.write("AQ_PROD_DB", value)
    spared = {reg(name) for name in ("DEV_CTL", "MMIO_RESP_LO", "MMIO_RESP_HI",
                                     "MMIO_REG_READ", "AQ_PROD_DB")}
    for off in range(0, 0x1000, 4):
        if off not in spared:
            dev.bar[off:off + 4] = b"\xff\xff\xff\xff"
    dev.reset()
    dev.setup_queues()
    assert dev.submit(command(C.EFA_ADMIN_ALLOC_PD)) == C.EFA_ADMIN_SUCCESS


# ---- objects: rings and page lists the device cannot reach ----------------

def far_places(dev):
    """Addresses with no RAM behind them: nothing at all, the device's BAR0."""
    return {"nowhere": NOWHERE, "own_bar": dev.bar0_phys}


def create_cq(ba, uar):
    """CREATE_CQ of 16-byte entries, 16 per sub-CQ (a page holds them all)."""
    return command(C.EFA_ADMIN_CREATE_CQ, "efa_admin_create_cq_cmd",
                   cq_caps_2=4, cq_depth=16, cq_ba=address(ba),
                   num_sub_cqs=require_int("sub_cqs_per_cq"), uar=uar)


NEXT = abi.struct("efa_admin_ctrl_buff_info")


@pytest.fixture
def objects(dev):
    """A device with a PD and a UAR."""
    dev.pd = dev.create(command(C.EFA_ADMIN_ALLOC_PD), "efa_admin_alloc_pd_resp", "pd")
    dev.uar = dev.create(command(C.EFA_ADMIN_ALLOC_UAR), "efa_admin_alloc_uar_resp", "uar")
    return dev


def test_rings_it_cannot_reach_are_refused(objects):
    dev = objects
    for where, addr in far_places(dev).items():
        assert dev.submit(create_cq(addr, dev.uar)) == C.EFA_ADMIN_ILLEGAL_PARAMETER, where
    ring = DmaPage()
    cq = dev.create(create_cq(ring.phys, dev.uar), "efa_admin_create_cq_resp", "cq_idx")
    for where, addr in far_places(dev).items():
        qp = command(C.EFA_ADMIN_CREATE_QP, "efa_admin_create_qp_cmd", pd=dev.pd,
                     qp_type=C.EFA_ADMIN_QP_TYPE_SRD, rq_base_addr=addr,
                     send_cq_idx=cq, recv_cq_idx=cq, uar=dev.uar,
                     qp_alloc_size={"send_queue_ring_size": 4096, "send_queue_depth": 64,
                                    "recv_queue_ring_size": 1024, "recv_queue_depth": 64})
        assert dev.submit(qp) == C.EFA_ADMIN_ILLEGAL_PARAMETER, where
    assert not dev.read("DEV_STS") & C.EFA_REGS_DEV_STS_FATAL_ERROR_MASK
    destroy = command(C.EFA_ADMIN_DESTROY_CQ, "efa_admin_destroy_cq_cmd", cq_idx=cq)
    assert dev.submit(destroy) == C.EFA_ADMIN_SUCCESS


def mr_command(pd, pages, indirect, pbl_len, pbl_addr):
    """REG_MR of pages 4 KiB pages at iova 0, its page list (or the first
    chunk of it) the pbl_len bytes at pbl_addr."""
    flags = C.EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_MASK
    if indirect:
        flags |= C.EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_INDIRECT_MASK
    # built directly: the command has a field "flags" of its own (the page shift)
    entry = abi.struct("efa_admin_reg_mr_cmd").pack(
        aq_common_desc={"opcode": C.EFA_ADMIN_REG_MR, "flags": flags}, pd=pd,
        pbl=NEXT.pack(length=pbl_len, address=address(pbl_addr)).ljust(32, b"\0"),
        mr_length=pages * 4096, flags=12, page_num=pages, iova=0)
    return entry.ljust(AQ_ENTRY.size, b"\0")


def chunk(pieces, next_len=0, next_addr=0):
    """A page-list chunk naming pieces and the next chunk."""
    body = struct.pack(f"<{len(pieces)}Q", *pieces)
    return body + NEXT.pack(length=next_len, address=address(next_addr))


def test_page_lists_it_cannot_reach_are_refused(objects):
    dev = objects
    pages = 1024                           # two 4 KiB pieces of page list
    piece = [DmaPage(), DmaPage()]
    for p in piece:
        p.buf[:] = struct.pack("<512Q", *(0x40000000 + i * 4096 for i in range(512)))
    first, second = DmaPage(), DmaPage()
    good = [p.phys for p in piece]
    cases = {}
    for where, addr in far_places(dev).items():
        cases[f"contiguous list {where}"] = (False, pages * 8, addr, None)
        cases[f"first chunk {where}"] = (True, 20, addr, None)
        cases[f"piece {where}"] = (True, 28, first.phys, chunk([good[0], addr]))
        cases[f"next chunk {where}"] = (True, 20, first.phys, chunk([good[0]], 20, addr))
    cases["chunk naming itself next"] = (True, 20, first.phys,
                                         chunk([good[0]], 20, first.phys))
    cases["chain ending early"] = (True, 20, first.phys, chunk([good[0]]))
    for name, (indirect, length, addr, content) in cases.items():
        if content is not None:
            first.buf[:len(content)] = content
        status = dev.submit(mr_command(dev.pd, pages, indirect, length, addr))
        assert status == C.EFA_ADMIN_MALFORMED_REQUEST, name
    # a loop through two chunks, then the same chain done right
    first.buf[:20] = chunk([good[0]], 20, second.phys)
    second.buf[:20] = chunk([good[1]], 20, first.phys)
    status = dev.submit(mr_command(dev.pd, pages + 512, True, 20, first.phys))
    assert status == C.EFA_ADMIN_MALFORMED_REQUEST, "loop through two chunks"
    assert dev.submit(mr_command(dev.pd, pages, True, 20, first.phys)) == C.EFA_ADMIN_SUCCESS
    assert not dev.read("DEV_STS") & C.EFA_REGS_DEV_STS_FATAL_ERROR_MASK
    l_key = abi.struct("efa_admin_reg_mr_resp").unpack(dev.last)["l_key"]
    dereg = command(C.EFA_ADMIN_DEREG_MR, "efa_admin_dereg_mr_cmd", l_key=l_key)
    assert dev.submit(dereg) == C.EFA_ADMIN_SUCCESS


# ---- the data path: queues a hostile driver rings ---------------------------
#
# A CQ, a PD, a UAR and a QP made by admin commands, their rings in locked
# pages, the QP's send queue in the LLQ BAR (BAR2) and its doorbells in the
# doorbell BAR: WQEs and doorbells as a broken or hostile driver (or a user
# who owns the mappings) could write them.  The device must answer what it
# can parse with a completion carrying a completion status, drop what it
# cannot, write nothing outside the rings and buffers it was given, and
# keep serving admin commands; QEMU must live.

TX_WQE = abi.struct("efa_io_tx_wqe")
TX_META = abi.struct("efa_io_tx_meta_desc")
TX_BUF = abi.struct("efa_io_tx_buf_desc")
RX_DESC = abi.struct("efa_io_rx_desc")
CQE = abi.struct("efa_io_cdesc_common")
IO_STATUSES = set(abi.enum("efa_io_comp_status").values())
CQ_DEPTH = 16            # entries per sub-CQ
CQE_WORDS = 4            # 16-byte entries
GUARD = 0xa5             # what fills a ring page beyond its ring
SQ_DEPTH = 64
RQ_DEPTH = 64
QKEY = 0x1234


def bar(pci, index, offset, length):
    """LENGTH bytes of BAR INDEX from OFFSET (page aligned), mapped."""
    fd = os.open(f"/sys/bus/pci/devices/{pci}/resource{index}", os.O_RDWR | os.O_SYNC)
    try:
        return mmap.mmap(fd, length, offset=offset)
    finally:
        os.close(fd)


def put32(m, off, val):
    m[off:off + 4] = struct.pack("<I", val & 0xffffffff)


class Queues:
    """A CQ and a QP of one type in RTS on a fresh device, with what it
    takes to post to them."""

    def __init__(self, dev, pci, qp_type):
        self.dev = dev
        self.pd = dev.create(command(C.EFA_ADMIN_ALLOC_PD), "efa_admin_alloc_pd_resp", "pd")
        self.uar = dev.create(command(C.EFA_ADMIN_ALLOC_UAR), "efa_admin_alloc_uar_resp", "uar")
        self.sub_cqs = require_int("sub_cqs_per_cq")
        self.cq_page = DmaPage()
        self.cq_page.buf[:] = bytes([GUARD]) * mmap.PAGESIZE
        self.ring_bytes = self.sub_cqs * CQ_DEPTH * CQE_WORDS * 4
        self.cq_page.buf[:self.ring_bytes] = bytes(self.ring_bytes)
        assert dev.submit(command(C.EFA_ADMIN_CREATE_CQ, "efa_admin_create_cq_cmd",
                                  cq_caps_2=CQE_WORDS, cq_depth=CQ_DEPTH,
                                  cq_ba=address(self.cq_page.phys),
                                  num_sub_cqs=self.sub_cqs, uar=self.uar)) == C.EFA_ADMIN_SUCCESS
        self.cq = abi.struct("efa_admin_create_cq_resp").unpack(dev.last)["cq_idx"]
        self.rq_page = DmaPage()
        qp = command(C.EFA_ADMIN_CREATE_QP, "efa_admin_create_qp_cmd", pd=self.pd,
                     qp_type=qp_type, rq_base_addr=self.rq_page.phys,
                     send_cq_idx=self.cq, recv_cq_idx=self.cq, uar=self.uar,
                     qp_alloc_size={"send_queue_ring_size": SQ_DEPTH * TX_WQE.size,
                                    "send_queue_depth": SQ_DEPTH,
                                    "recv_queue_ring_size": RQ_DEPTH * RX_DESC.size,
                                    "recv_queue_depth": RQ_DEPTH})
        assert dev.submit(qp) == C.EFA_ADMIN_SUCCESS
        resp = abi.struct("efa_admin_create_qp_resp").unpack(dev.last)
        self.qp_handle, self.qp_num = resp["qp_handle"], resp["qp_num"]
        self.send_sub_cq, self.recv_sub_cq = resp["send_sub_cq_idx"], resp["recv_sub_cq_idx"]
        llq = resp["llq_descriptors_offset"]
        self.llq = bar(pci, 2, llq & ~0xfff, SQ_DEPTH * TX_WQE.size + (llq & 0xfff))
        self.llq_at = llq & 0xfff
        self.sq_db_page = bar(pci, 4, resp["sq_db_offset"] & ~0xfff, mmap.PAGESIZE)
        self.sq_db = resp["sq_db_offset"] & 0xfff
        self.rq_db_page = bar(pci, 4, resp["rq_db_offset"] & ~0xfff, mmap.PAGESIZE)
        self.rq_db = resp["rq_db_offset"] & 0xfff
        for state, extra in ((C.EFA_ADMIN_QP_STATE_INIT, C.EFA_ADMIN_MODIFY_QP_CMD_QKEY_MASK),
                             (C.EFA_ADMIN_QP_STATE_RTR, 0),
                             (C.EFA_ADMIN_QP_STATE_RTS, C.EFA_ADMIN_MODIFY_QP_CMD_SQ_PSN_MASK)):
            assert dev.submit(command(
                C.EFA_ADMIN_MODIFY_QP, "efa_admin_modify_qp_cmd",
                modify_mask=C.EFA_ADMIN_MODIFY_QP_CMD_QP_STATE_MASK | extra,
                qp_handle=self.qp_handle, qp_state=state, qkey=QKEY,
                sq_psn=1)) == C.EFA_ADMIN_SUCCESS, state
        self.ah = self.create_ah(self.pd)
        self.sq_pc = self.rq_pc = 0
        self.seen = 0

    def own_address(self):
        get = command(C.EFA_ADMIN_GET_FEATURE, "efa_admin_get_feature_cmd",
                      feature_common={"feature_id": C.EFA_ADMIN_NETWORK_ATTR})
        assert self.dev.submit(get) == C.EFA_ADMIN_SUCCESS
        at = abi.struct("efa_admin_get_feature_resp").offset("u")
        return bytes(self.dev.last[at:at + 16])

    def create_ah(self, pd):
        return self.dev.create(command(C.EFA_ADMIN_CREATE_AH, "efa_admin_create_ah_cmd",
                                       dest_addr=self.own_address(), pd=pd),
                               "efa_admin_create_ah_resp", "ah")

    def reg_mr(self, pd, page):
        """An MR of one locked page, local write, at iova = its address."""
        entry = abi.struct("efa_admin_reg_mr_cmd").pack(
            aq_common_desc={"opcode": C.EFA_ADMIN_REG_MR}, pd=pd,
            pbl=struct.pack("<Q", page.phys).ljust(32, b"\0"), mr_length=mmap.PAGESIZE,
            flags=12, permissions=1, page_num=1, iova=page.phys)
        assert self.dev.submit(entry.ljust(AQ_ENTRY.size, b"\0")) == C.EFA_ADMIN_SUCCESS
        return abi.struct("efa_admin_reg_mr_resp").unpack(self.dev.last)["l_key"]

    # -- the send queue
    def write_wqe(self, raw):
        """RAW (64 bytes) into the next LLQ slot, the doorbell not rung."""
        slot = self.llq_at + (self.sq_pc % SQ_DEPTH) * TX_WQE.size
        self.llq[slot:slot + TX_WQE.size] = raw
        self.sq_pc += 1

    def phase(self):
        """The phase of the WQE in the next slot: 0 on the first pass."""
        return (self.sq_pc // SQ_DEPTH) & 1

    def wqe(self, req_id, lkey=0, addr=0, length=0, inline=None):
        """A SEND to this QP itself: from one SGE, or INLINE bytes."""
        ctrl1 = C.EFA_IO_SEND | C.EFA_IO_TX_META_DESC_META_DESC_MASK
        ctrl2 = (abi.field_prep(C.EFA_IO_TX_META_DESC_PHASE_MASK, self.phase()) |
                 C.EFA_IO_TX_META_DESC_FIRST_MASK | C.EFA_IO_TX_META_DESC_LAST_MASK |
                 C.EFA_IO_TX_META_DESC_COMP_REQ_MASK)
        if inline is not None:
            ctrl1 |= C.EFA_IO_TX_META_DESC_INLINE_MSG_MASK
            data = inline.ljust(32, b"\0")
        else:
            data = TX_BUF.pack(length=length, lkey=lkey, buf_addr_lo=addr & 0xffffffff,
                               buf_addr_hi=addr >> 32).ljust(32, b"\0")
        meta = TX_META.pack(req_id=req_id, ctrl1=ctrl1, ctrl2=ctrl2,
                            dest_qp_num=self.qp_num,
                            length=len(inline) if inline is not None else 1,
                            ah=self.ah, qkey=QKEY)
        return meta + data

    def ring_sq(self):
        put32(self.sq_db_page, self.sq_db, self.sq_pc)

    # -- the receive queue
    def post_rx(self, addr, length, lkey):
        slot = (self.rq_pc % RQ_DEPTH) * RX_DESC.size
        self.rq_page.buf[slot:slot + RX_DESC.size] = RX_DESC.pack(
            buf_addr_lo=addr & 0xffffffff, buf_addr_hi=addr >> 32, req_id=self.rq_pc,
            length=length, lkey_ctrl=(lkey & C.EFA_IO_RX_DESC_LKEY_MASK) |
            C.EFA_IO_RX_DESC_FIRST_MASK | C.EFA_IO_RX_DESC_LAST_MASK)
        self.rq_pc += 1
        put32(self.rq_db_page, self.rq_db, self.rq_pc)

    # -- completions
    def cqes(self, queue):
        """The CQEs of QUEUE ("send" or "recv") written in the first pass
        of its sub-CQ (phase 1); send and receive may share a sub-CQ."""
        sub_cq = self.send_sub_cq if queue == "send" else self.recv_sub_cq
        q_type = C.EFA_IO_SEND_QUEUE if queue == "send" else C.EFA_IO_RECV_QUEUE
        return [e for e in self._sub_cq_cqes(sub_cq)
                if abi.field_get(C.EFA_IO_CDESC_COMMON_Q_TYPE_MASK, e["flags"]) == q_type]

    def all_cqes(self):
        return [e for sub in range(self.sub_cqs) for e in self._sub_cq_cqes(sub)]

    def _sub_cq_cqes(self, sub_cq):
        base = sub_cq * CQ_DEPTH * CQE_WORDS * 4
        entries = (CQE.unpack(self.cq_page.buf, offset=base + i * CQE_WORDS * 4)
                   for i in range(CQ_DEPTH))
        return [e for e in entries if e["flags"] & C.EFA_IO_CDESC_COMMON_PHASE_MASK]

    def wait_cqes(self, queue, count, timeout=10):
        deadline = time.monotonic() + timeout
        while len(self.cqes(queue)) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.cqes(queue)

    def guard_intact(self):
        return bytes(self.cq_page.buf[self.ring_bytes:]) == \
            bytes([GUARD]) * (mmap.PAGESIZE - self.ring_bytes)

    def serving(self):
        """The device still answers admin commands and is not in error."""
        assert self.dev.submit(command(C.EFA_ADMIN_ALLOC_PD)) == C.EFA_ADMIN_SUCCESS
        assert not self.dev.read("DEV_STS") & C.EFA_REGS_DEV_STS_FATAL_ERROR_MASK


@pytest.fixture(params=["ud", "srd"])
def queues(dev, request):
    qp_type = {"ud": C.EFA_ADMIN_QP_TYPE_UD, "srd": C.EFA_ADMIN_QP_TYPE_SRD}[request.param]
    return Queues(dev, efa_pci(), qp_type)


def test_doorbells_of_absent_queues_are_ignored(dev):
    """Every doorbell page of the BAR, with no queue behind it, rung with
    any value: nothing happens, nothing breaks."""
    pages = (require_int("max_qp") + require_int("max_cq")) * mmap.PAGESIZE
    rng = random.Random(8)
    for page in range(0, pages, mmap.PAGESIZE * 7):
        m = bar(efa_pci(), 4, page, mmap.PAGESIZE)
        for off in (0, 4, 8, 0xffc):
            put32(m, off, rng.getrandbits(32))
        m.close()
    assert dev.submit(command(C.EFA_ADMIN_ALLOC_PD)) == C.EFA_ADMIN_SUCCESS
    assert not dev.read("DEV_STS") & C.EFA_REGS_DEV_STS_FATAL_ERROR_MASK


def test_garbage_wqes_complete_with_a_status_or_not_at_all(queues):
    """Random WQEs, half with the right phase: each answered by a CQE with
    a completion status of the interface, or dropped; nothing beyond the
    CQ ring is written; the device still serves."""
    rng = random.Random(2027)
    for _ in range(SQ_DEPTH - 1):
        raw = bytearray(rng.getrandbits(8) for _ in range(TX_WQE.size))
        if rng.random() < 0.5:
            at = TX_META.offset("ctrl2")
            raw[at] = (raw[at] & ~C.EFA_IO_TX_META_DESC_PHASE_MASK) | queues.phase()
        queues.write_wqe(bytes(raw))
    queues.ring_sq()
    time.sleep(1)
    for e in queues.all_cqes():
        assert e["status"] in IO_STATUSES, e
    assert queues.guard_intact()
    queues.serving()


def test_lkey_of_a_foreign_pd_is_an_invalid_lkey_completion(queues):
    other_pd = queues.dev.create(command(C.EFA_ADMIN_ALLOC_PD), "efa_admin_alloc_pd_resp", "pd")
    page = DmaPage()
    foreign = queues.reg_mr(other_pd, page)
    queues.write_wqe(queues.wqe(1, lkey=foreign, addr=page.phys, length=64))
    queues.ring_sq()
    cqes = queues.wait_cqes("send", 1)
    assert [(e["req_id"], e["status"]) for e in cqes] == \
        [(1, C.EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_LKEY)], cqes
    queues.serving()


def test_rx_descriptors_pointing_nowhere(queues):
    """Receive buffers outside guest memory, in the device's own BAR, or
    with an lkey naming nothing: a message for them completes the
    receive with an error, or is dropped; no DMA goes there."""
    page = DmaPage()
    lkey = queues.reg_mr(queues.pd, page)
    queues.post_rx(NOWHERE, 64, lkey)
    queues.post_rx(queues.dev.bar0_phys, 64, lkey)
    queues.post_rx(page.phys, 64, lkey ^ 0x5a5a00)
    for i in range(3):
        queues.write_wqe(queues.wqe(10 + i, inline=b"hostile!" * 2))
    queues.ring_sq()
    sends = queues.wait_cqes("send", 3)
    assert len(sends) == 3, sends
    time.sleep(0.5)
    for e in queues.cqes("recv"):
        assert e["status"] != C.EFA_IO_COMP_STATUS_OK, e
    assert not queues.dev.read("DEV_STS") & C.EFA_REGS_DEV_STS_FATAL_ERROR_MASK
    queues.serving()


def test_a_cq_too_small_is_overrun_in_its_ring(queues):
    """Three times as many completions as the send sub-CQ holds, none
    consumed: the device writes only inside the ring."""
    for i in range(3 * CQ_DEPTH):
        if queues.sq_pc - queues.seen >= SQ_DEPTH - 1:
            queues.ring_sq()
            time.sleep(0.3)
            queues.seen = queues.sq_pc
        queues.write_wqe(queues.wqe(i, inline=b"x" * 8))
    queues.ring_sq()
    time.sleep(1)
    assert queues.all_cqes(), "no completion written at all"
    assert queues.guard_intact()
    queues.serving()


def test_doorbell_floods_are_bounded(queues):
    """Thousands of SQ and RQ doorbells with any producer value, over a
    ring of zeros: the device stays responsive."""
    rng = random.Random(99)
    t0 = time.monotonic()
    for _ in range(4000):
        put32(queues.sq_db_page, queues.sq_db, rng.getrandbits(16))
        put32(queues.rq_db_page, queues.rq_db, rng.getrandbits(16))
    queues.serving()
    assert time.monotonic() - t0 < 120
    assert queues.guard_intact()
