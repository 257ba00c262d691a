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

REGS = {"VERSION": 0x0, "CAPS": 0x8, "AQ_BASE_LO": 0x10, "AQ_BASE_HI": 0x14,
        "AQ_CAPS": 0x18, "ACQ_BASE_LO": 0x20, "ACQ_BASE_HI": 0x24,
        "ACQ_CAPS": 0x28, "AQ_PROD_DB": 0x2c, "AENQ_CAPS": 0x34,
        "AENQ_BASE_LO": 0x38, "AENQ_BASE_HI": 0x3c, "AENQ_CONS_DB": 0x40,
        "INTR_MASK": 0x4c, "DEV_CTL": 0x54, "DEV_STS": 0x58,
        "MMIO_REG_READ": 0x5c, "MMIO_RESP_LO": 0x60, "MMIO_RESP_HI": 0x64}
STS_READY, STS_RESET_IN_PROGRESS, STS_FATAL = 0x1, 0x8, 0x20
DEPTH = 16
STATUSES = range(0, 8)
NOWHERE = 0xfffff0000000   # no RAM or MMIO there in a 1 GiB microvm

libc = ctypes.CDLL(None, use_errno=True)


def efa_pci():
    root = "/sys/bus/pci/devices"
    for d in sorted(os.listdir(root)):
        with open(f"{root}/{d}/vendor") as f:
            if f.read().strip() == "0x1d0f":
                return d
    pytest.fail("no EFA PCI function")


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
        subprocess.run(["setpci", "-s", pci, "COMMAND=0x0006"], check=True)
        fd = os.open(f"/sys/bus/pci/devices/{pci}/resource0", os.O_RDWR | os.O_SYNC)
        self.bar = mmap.mmap(fd, 0x1000)
        os.close(fd)
        with open(f"/sys/bus/pci/devices/{pci}/resource") as f:
            self.bar0_phys = int(f.readline().split()[0], 16)
        self.resp = DmaPage()
        self.queues = DmaPage()
        self.seq = 0

    def write(self, reg, val):
        self.bar[REGS[reg]:REGS[reg] + 4] = struct.pack("<I", val & 0xffffffff)

    def read(self, reg):
        """A readless read: the device DMAs {req_id, off, value}."""
        self.seq = (self.seq + 1) & 0xffff
        self.resp.buf[0:8] = b"\xff" * 8
        self.write("MMIO_REG_READ", REGS[reg] << 16 | self.seq)
        req_id, off, val = struct.unpack("<HHI", self.resp.buf[0:8])
        assert (req_id, off) == (self.seq, REGS[reg]), "no readless response"
        return val

    def set_readless(self):
        self.write("MMIO_RESP_LO", self.resp.phys)
        self.write("MMIO_RESP_HI", self.resp.phys >> 32)

    def reset(self):
        self.set_readless()
        self.write("DEV_CTL", 1)
        self.set_readless()
        assert self.read("DEV_STS") & STS_RESET_IN_PROGRESS
        self.write("DEV_CTL", 0)
        assert self.read("DEV_STS") & STS_READY
        self.pc = 0

    def setup_queues(self, aq=None, acq=None):
        aq = self.queues.phys if aq is None else aq
        acq = self.queues.phys + 1024 if acq is None else acq
        self.queues.buf[0:2048] = bytes(2048)
        self.write("AQ_BASE_LO", aq)
        self.write("AQ_BASE_HI", aq >> 32)
        self.write("AQ_CAPS", DEPTH | 64 << 16)
        self.write("ACQ_BASE_LO", acq)
        self.write("ACQ_BASE_HI", acq >> 32)
        self.write("ACQ_CAPS", DEPTH | 64 << 16)
        self.pc = 0

    def submit(self, entry):
        """Submit one 64-byte command; the completion's (command id, status)."""
        slot = self.pc % DEPTH
        phase = 1 - (self.pc // DEPTH) % 2
        cmd_id = self.pc & 0xfff
        entry = bytearray(entry)
        entry[0:2] = struct.pack("<H", cmd_id)
        entry[3] = (entry[3] & ~1) | phase
        self.queues.buf[slot * 64:slot * 64 + 64] = bytes(entry)
        self.pc += 1
        self.write("AQ_PROD_DB", self.pc)
        cqe = self.queues.buf[1024 + slot * 64:1024 + slot * 64 + 8]
        cid, status, flags = struct.unpack("<HBB", cqe[0:4])
        assert flags & 1 == phase, f"no completion for command {cmd_id}"
        assert cid == cmd_id
        return status


def command(opcode, body=b"", flags=0):
    entry = bytearray(64)
    entry[2] = opcode
    entry[3] = flags
    entry[4:4 + len(body)] = body
    return bytes(entry)


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
        entry = bytearray(rng.getrandbits(8) for _ in range(64))
        if i % 3:
            entry[2] %= 22
        status = dev.submit(entry)
        assert status in STATUSES
        seen.add(status)
    assert {0, 2, 3, 4, 5} <= seen
    assert not dev.read("DEV_STS") & STS_FATAL


def test_control_buffer_outside_ram_is_refused(dev):
    # SET_FEATURE(HOST_INFO) with its 180-byte buffer where nothing is
    body = struct.pack("<IQ", 180, NOWHERE) + bytes([0, 6, 0, 0])
    assert dev.submit(command(12, body, flags=0x2)) == 4      # MALFORMED_REQUEST
    # and at the device's own registers
    body = struct.pack("<IQ", 180, dev.bar0_phys) + bytes([0, 6, 0, 0])
    assert dev.submit(command(12, body, flags=0x2)) == 4
    assert not dev.read("DEV_STS") & STS_FATAL
    assert dev.submit(command(14)) == 0                        # still serving


@pytest.mark.parametrize("where", ["nowhere", "own_bar"])
def test_queue_it_cannot_reach_is_a_fatal_error_until_reset(dev, where):
    target = NOWHERE if where == "nowhere" else dev.bar0_phys
    dev.setup_queues(aq=target)
    dev.write("AQ_PROD_DB", 1)
    assert dev.read("DEV_STS") & STS_FATAL
    dev.reset()
    assert not dev.read("DEV_STS") & STS_FATAL
    dev.setup_queues()
    assert dev.submit(command(11, struct.pack("<IQ", 0, 0) + bytes([0, 1]))) == 0


def test_completion_queue_in_own_bar_does_not_hang(dev):
    dev.setup_queues(acq=dev.bar0_phys + 0x1000)
    dev.queues.buf[0:64] = command(14, flags=1)
    dev.write("AQ_PROD_DB", 1)
    dev.reset()
    dev.setup_queues()
    assert dev.submit(command(14)) == 0


def test_doorbell_storms_are_bounded(dev):
    for value in (0xffff, 17, 0x8000, 0):
        dev.write("AQ_PROD_DB", value)
    for off in range(0, 0x1000, 4):
        if off not in (REGS["DEV_CTL"], REGS["MMIO_RESP_LO"], REGS["MMIO_RESP_HI"],
                       REGS["MMIO_REG_READ"], REGS["AQ_PROD_DB"]):
            dev.bar[off:off + 4] = b"\xff\xff\xff\xff"
    dev.reset()
    dev.setup_queues()
    assert dev.submit(command(14)) == 0
