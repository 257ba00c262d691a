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
