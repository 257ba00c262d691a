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
from efastack.guest import efa_pci_devices

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
        return cqe["status"]


def command(opcode, layout="efa_admin_aq_entry", flags=0, **fields):
    """An AQ entry: struct layout with fields, its common descriptor naming
    opcode with flags (submit() sets the command id and the phase)."""
    entry = abi.struct(layout).pack(
        aq_common_descriptor={"opcode": opcode, "flags": flags}, **fields)
    return entry.ljust(AQ_ENTRY.size, b"\0")


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
