# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""efa.ko beyond what the fidelity suite (pyverbs-tests/test_discovery.py)
checks: its counters, HOST_INFO, the EQs and their interrupts, keep-alives
and their watchdog, the port rate, the ABI negotiation of user contexts and
how it refuses malformed driver data, errno mapping of device statuses, and
that device objects come and go with their owners.

Run inside a VM with our driver by the driver-full and driver-sparse rows of
tools/efastack/suites.py; the device properties come as EFA_PROP_*
variables, what else to expect as EFA_EXPECT_*.
"""
import contextlib
import ctypes
import errno
import mmap
import os
import re
import time

import pytest

from conftest import dmesg, kernel_release_at_least, live
from efastack import abi
from efastack.guest import (counter, device_objects, efa_device_names, expect,
                            expect_int, fresh_counter, pci_name, read, wait_for,
                            write)
import uverbs_raw as raw

DEVICE_COUNTERS = ["submitted_cmds", "completed_cmds", "cmds_err",
                   "no_completion_cmds", "keep_alive_rcvd", "alloc_pd_err",
                   "create_qp_err", "create_cq_err", "reg_mr_err",
                   "alloc_ucontext_err", "create_ah_err", "mmap_err"]
PORT_COUNTERS = ["tx_bytes", "tx_pkts", "rx_bytes", "rx_pkts", "rx_drops",
                 "send_bytes", "send_wrs", "recv_bytes", "recv_wrs",
                 "rdma_read_wrs", "rdma_read_bytes", "rdma_read_wr_err",
                 "rdma_read_resp_bytes", "rdma_write_wrs", "rdma_write_bytes",
                 "rdma_write_wr_err", "rdma_write_recv_bytes"]

# Device caps (EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_<NAME>_MASK) the driver
# passes on to user space as EFA_QUERY_DEVICE_CAPS_<NAME>.
PASSED_ON_CAPS = ("RDMA_READ", "RNR_RETRY", "DATA_POLLING_128", "RDMA_WRITE",
                  "UNSOLICITED_WRITE_RECV")


def expected_eqs():
    """One EQ per completion vector: a vector per online CPU."""
    if expect("eqs") == "0":
        return 0
    return min(expect_int("max_eq"), os.cpu_count())


def expected_device_caps():
    caps = abi.C.EFA_QUERY_DEVICE_CAPS_CQ_WITH_SGID
    model = expect_int("device_caps")
    for name in PASSED_ON_CAPS:
        if model & abi.value(f"EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_{name}_MASK"):
            caps |= abi.value(f"EFA_QUERY_DEVICE_CAPS_{name}")
    if expected_eqs():
        caps |= abi.C.EFA_QUERY_DEVICE_CAPS_CQ_NOTIFICATIONS
    return caps


# ---- the module -------------------------------------------------------------

def test_our_driver_is_the_one_loaded():
    # upstream's efa.ko has no version; ours says which one it is
    assert re.fullmatch(r"\d+\.\d+\.\d+", read("/sys/module/efa/version"))


def test_every_counter_is_exported(efa_devices):
    for dev in efa_devices:
        for name in DEVICE_COUNTERS:
            assert os.path.exists(f"/sys/class/infiniband/{dev}/hw_counters/{name}"), name
        for name in PORT_COUNTERS:
            assert os.path.exists(
                f"/sys/class/infiniband/{dev}/ports/1/hw_counters/{name}"), name


def test_admin_commands_all_completed(efa_devices):
    for dev in efa_devices:
        submitted = counter(dev, "submitted_cmds")
        # DEVICE_ATTR, QUEUE_ATTR_1, NETWORK_ATTR, HW_HINTS, AENQ get+set,
        # HOST_INFO at least
        assert submitted >= 7
        assert counter(dev, "completed_cmds") == submitted
        assert counter(dev, "cmds_err") == 0
        assert counter(dev, "no_completion_cmds") == 0


def test_port_counters_are_read_with_get_stats(efa0):
    rdma_write = abi.C.EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_WRITE_MASK
    kinds = 4 if expect_int("device_caps") & rdma_write else 3
    before = fresh_counter(efa0, "submitted_cmds")
    assert fresh_counter(efa0, "tx_bytes", port=1) == 0
    after = fresh_counter(efa0, "submitted_cmds")
    # BASIC, MESSAGES, RDMA_READ and (with RDMA write) RDMA_WRITE
    assert after - before == kinds
    for name in PORT_COUNTERS:
        assert counter(efa0, name, port=1) == 0, name
    assert counter(efa0, "cmds_err") == 0


def test_keep_alives_are_counted(efa_devices):
    period_s = expect_int("keep_alive_ms") / 1000
    first = {dev: counter(dev, "keep_alive_rcvd") for dev in efa_devices}
    wait_for(lambda: all(counter(d, "keep_alive_rcvd") >= first[d] + 2
                         for d in efa_devices),
             6 * period_s + 5, "two more keep-alives on every device",
             interval=period_s / 4)


def test_firmware_version_is_shown(efa0):
    fw = expect_int("fw_version")     # 0xMMmmss
    assert read(f"/sys/class/infiniband/{efa0}/fw_ver") == \
        f"{fw >> 16 & 0xff}.{fw >> 8 & 0xff}.{fw & 0xff}"


def test_pci_device_shows_gpu_memory_support(efa_devices):
    """The gdr attribute the EFA driver documents: 1 for a module built with
    GPU memory (dma-buf MR) support, the default (EFA_EXPECT_GDR otherwise)."""
    for dev in efa_devices:
        assert read(f"/sys/bus/pci/devices/{pci_name(dev)}/gdr") == expect("gdr", "1")


# ---- interrupts and EQs ---------------------------------------------------

def interrupt_lines():
    with open("/proc/interrupts") as f:
        return [line.split() for line in f if "efa-" in line]


def test_management_interrupt_per_device(efa_devices):
    lines = interrupt_lines()
    for dev in efa_devices:
        name = f"efa-mgmnt@pci:{pci_name(dev)}"
        mine = [fields for fields in lines if fields[-1] == name]
        assert len(mine) == 1, name
        assert sum(int(x) for x in mine[0][1:] if x.isdigit()) > 0, \
            f"{name}: no interrupt delivered"


def test_one_eq_per_completion_vector(efa_devices):
    lines = interrupt_lines()
    for dev in efa_devices:
        pci = pci_name(dev)
        names = sorted(fields[-1] for fields in lines
                       if fields[-1].startswith("efa-comp") and
                       fields[-1].endswith(f"@pci:{pci}"))
        want = sorted(f"efa-comp{i}@pci:{pci}" for i in range(expected_eqs()))
        assert names == want
        assert all("MSI" in " ".join(fields) for fields in lines)
        # and the device holds exactly those EQs
        assert live(pci, "eq") == expected_eqs()


# ---- port -------------------------------------------------------------------

# max_link_speed_gbps -> sysfs rate: width x lane speed
RATES = {
    100: "100 Gb/sec (4X EDR)",
    200: "200 Gb/sec (4X HDR)",
    400: "400 Gb/sec (8X HDR)",
    800: "800 Gb/sec (8X NDR)",
    1600: "1600 Gb/sec (8X XDR)",
}


def test_port_rate_follows_the_link_speed(efa_devices):
    gbps = expect_int("link_speed_gbps")
    want = RATES[gbps]
    if gbps == 1600 and not kernel_release_at_least(6, 9):
        # no XDR lanes before 6.9: the fastest the kernel can name
        want = RATES[800]
    for dev in efa_devices:
        assert read(f"/sys/class/infiniband/{dev}/ports/1/rate") == want


# ---- user contexts ------------------------------------------------------------

# the commands whose udata the driver understands
SUPP_UDATA = (abi.C.EFA_USER_CMDS_SUPP_UDATA_QUERY_DEVICE |
              abi.C.EFA_USER_CMDS_SUPP_UDATA_CREATE_AH)


def test_ucontext_reports_the_device_limits(efa0):
    pci = pci_name(efa0)
    uars = live(pci, "uar")
    with raw.Uverbs(efa0) as u:
        resp = u.get_context()
        assert live(pci, "uar") == uars + 1
    assert resp["comp_mask"] == 0
    assert resp["cmds_supp_udata_mask"] == SUPP_UDATA
    assert resp["sub_cqs_per_cq"] == expect_int("sub_cqs_per_cq")
    assert resp["inline_buf_size"] == expect_int("inline_buf_size")
    # from QUEUE_ATTR_2 when the device has it, else inline_buf_size
    assert resp["inline_buf_size_ex"] == expect_int("inline_buf_size_ex")
    assert resp["max_llq_size"] == expect_int("max_llq_size")
    assert resp["max_tx_batch"] == expect_int("max_tx_batch")
    assert resp["min_sq_wr"] == 0
    wait_for(lambda: live(pci, "uar") == uars, 5, "the context's UAR to be freed")


def test_ucontext_accepts_unknown_caps(efa0):
    with raw.Uverbs(efa0) as u:
        resp = u.get_context(supported_caps=0xffffffff)
    assert resp["cmds_supp_udata_mask"]


def test_ucontext_accepts_zero_trailing_request_data(efa0):
    with raw.Uverbs(efa0) as u:
        assert u.get_context(extra=b"\0" * 8)["cmds_supp_udata_mask"]


def test_ucontext_with_a_short_response_buffer(efa0):
    with raw.Uverbs(efa0) as u:
        resp = u.get_context(driver_out_len=raw.UCONTEXT_RESP.end("cmds_supp_udata_mask"))
    assert resp["cmds_supp_udata_mask"] == SUPP_UDATA
    assert resp["max_llq_size"] == 0        # not asked for


@pytest.mark.parametrize("kind, req, err", [
    ("non-zero reserved bytes", dict(reserved=b"\0\0\x01\0"), errno.EINVAL),
    ("non-zero reserved bytes", dict(reserved=b"\xff" * 4), errno.EINVAL),
    ("unknown non-zero trailing data", dict(extra=b"\0" * 7 + b"\x01"),
     errno.EINVAL),
    ("no TX batch support",
     dict(supported_caps=abi.C.EFA_ALLOC_UCONTEXT_CMD_SUPP_CAPS_MIN_SQ_WR),
     errno.EOPNOTSUPP),
    ("no request at all", dict(driver_in=b""), errno.EOPNOTSUPP),
])
def test_ucontext_refuses_malformed_requests(efa0, kind, req, err):
    pci = pci_name(efa0)
    uars = live(pci, "uar")
    errors = counter(efa0, "alloc_ucontext_err")
    with raw.Uverbs(efa0) as u:
        with pytest.raises(OSError) as e:
            u.get_context(**req)
        assert e.value.errno == err, kind
        # the file is still good for a proper request
        assert u.get_context()["cmds_supp_udata_mask"]
    assert fresh_counter(efa0, "alloc_ucontext_err") == errors + 1
    wait_for(lambda: live(pci, "uar") == uars, 5, "no UAR left behind")


# ---- query_device udata -------------------------------------------------------

def test_query_device_reports_caps_and_limits(efa0):
    with raw.Uverbs(efa0) as u:
        u.get_context()
        resp = u.query_device_ex()
    assert resp["device_caps"] == expected_device_caps()
    assert resp["max_sq_wr"] == expect_int("max_sq_depth")
    assert resp["max_rq_wr"] == expect_int("max_rq_depth")
    assert resp["max_sq_sge"] == expect_int("max_wr_send_sges")
    assert resp["max_rq_sge"] == expect_int("max_wr_recv_sges")
    assert resp["max_rdma_size"] == expect_int("max_rdma_size")


def test_query_device_refuses_request_data(efa0):
    with raw.Uverbs(efa0) as u:
        u.get_context()
        assert u.query_device_ex(driver_in=b"\0" * 8)["device_caps"]
        with pytest.raises(OSError) as e:
            u.query_device_ex(driver_in=b"\x01" + b"\0" * 7)
        assert e.value.errno == errno.EINVAL


# ---- PDs ------------------------------------------------------------------------

def test_pd_lives_on_the_device_while_allocated(efa0):
    pci = pci_name(efa0)
    pds = live(pci, "pd")
    with raw.Uverbs(efa0) as u:
        u.get_context()
        handle, pdn = u.alloc_pd()
        assert live(pci, "pd") == pds + 1
        other, other_pdn = u.alloc_pd()
        assert other_pdn != pdn
        u.dealloc_pd(handle)
        assert live(pci, "pd") == pds + 1
    # the context's teardown frees what the user left
    wait_for(lambda: live(pci, "pd") == pds, 5, "the PDs to be freed")


def test_pd_refuses_request_data(efa0):
    errors = counter(efa0, "alloc_pd_err")
    with raw.Uverbs(efa0) as u:
        u.get_context()
        with pytest.raises(OSError) as e:
            u.alloc_pd(driver_in=b"\0\0\0\x02")
        assert e.value.errno == errno.EINVAL
    assert fresh_counter(efa0, "alloc_pd_err") == errors + 1


def test_pd_exhaustion_is_enomem_and_logged_once(efa0):
    max_pd = expect_int("max_pd")
    if max_pd > 64:
        pytest.skip("needs a device with few PDs (--prop max-pd)")
    log_before = dmesg().count("ALLOC_PD failed")
    errors = counter(efa0, "alloc_pd_err")
    failed = counter(efa0, "cmds_err")
    with raw.Uverbs(efa0) as u:
        u.get_context()
        for _ in range(max_pd - live(pci_name(efa0), "pd")):
            u.alloc_pd()
        with pytest.raises(OSError) as e:
            u.alloc_pd()
        assert e.value.errno == errno.ENOMEM
    assert fresh_counter(efa0, "alloc_pd_err") == errors + 1
    assert counter(efa0, "cmds_err") == failed + 1
    lines = [line for line in dmesg().splitlines() if "ALLOC_PD failed" in line]
    assert len(lines) == log_before + 1
    assert "RESOURCE_ALLOCATION_FAILURE" in lines[-1]


# ---- mmap -------------------------------------------------------------------------

def test_mmap_of_an_unknown_offset_fails(efa0):
    errors = counter(efa0, "mmap_err")
    with raw.Uverbs(efa0) as u:
        u.get_context()
        for offset in (0, 4096 * 1000):
            with pytest.raises(OSError) as e:
                mmap.mmap(u.fd, 4096, offset=offset)
            assert e.value.errno == errno.EINVAL
    assert fresh_counter(efa0, "mmap_err") == errors + 2


# ---- lost interrupts -------------------------------------------------------------

def msix_table(pci):
    """(BAR, offset in it) of the MSI-X table, from the MSI-X capability in
    the function's config space."""
    with open(f"/sys/bus/pci/devices/{pci}/config", "rb") as f:
        config = f.read()
    # a list: PCI_CAPABILITY_LIST points at the first, each one at the next
    pos = config[abi.C.PCI_CAPABILITY_LIST]
    while pos:
        if config[pos + abi.C.PCI_CAP_LIST_ID] == abi.C.PCI_CAP_ID_MSIX:
            at = pos + abi.C.PCI_MSIX_TABLE
            table = int.from_bytes(config[at:at + 4], "little")
            return table & abi.C.PCI_MSIX_TABLE_BIR, table & abi.C.PCI_MSIX_TABLE_OFFSET
        pos = config[pos + abi.C.PCI_CAP_LIST_NEXT]
    pytest.fail(f"{pci} has no MSI-X capability")


@contextlib.contextmanager
def msix_vector_masked(pci, vector):
    """Mask one MSI-X vector behind the kernel's back: the device then
    leaves its interrupts pending.  Needs iomem=relaxed to map the BAR of
    the MSI-X table (BAR0)."""
    bar_index, table = msix_table(pci)
    resource = f"/sys/bus/pci/devices/{pci}/resource{bar_index}"
    fd = os.open(resource, os.O_RDWR | os.O_SYNC)
    try:
        # a resource file is as large as its BAR
        bar = mmap.mmap(fd, os.path.getsize(resource))
        ctl = ctypes.c_uint32.from_buffer(bar, table + abi.C.PCI_MSIX_ENTRY_SIZE * vector +
                                          abi.C.PCI_MSIX_ENTRY_VECTOR_CTRL)
        saved = ctl.value
        ctl.value = saved | abi.C.PCI_MSIX_ENTRY_CTRL_MASKBIT
        try:
            yield
        finally:
            ctl.value = saved
            del ctl
            bar.close()
    finally:
        os.close(fd)


def test_admin_completion_without_interrupt_falls_back_to_polling(efa0):
    timeout_ms = expect_int("admin_timeout_ms")
    if not timeout_ms:
        pytest.skip("needs a short admin timeout and iomem=relaxed")
    pci = pci_name(efa0)
    lost = counter(efa0, "no_completion_cmds")
    failed = counter(efa0, "cmds_err")
    with msix_vector_masked(pci, 0):
        t0 = time.monotonic()
        assert fresh_counter(efa0, "tx_bytes", port=1) == 0
        waited = time.monotonic() - t0
    # the first command waited out its timeout, then found its completion
    assert waited >= timeout_ms / 1000 * 0.9
    assert counter(efa0, "no_completion_cmds") == lost + 1
    assert "completed without its interrupt" in dmesg()
    # from then on the queue polls, and every command completes at once
    t0 = time.monotonic()
    assert fresh_counter(efa0, "tx_bytes", port=1) == 0
    assert time.monotonic() - t0 < timeout_ms / 1000 / 2
    assert counter(efa0, "cmds_err") == failed
    assert counter(efa0, "completed_cmds") == counter(efa0, "submitted_cmds")


# ---- watchdog ---------------------------------------------------------------------

def test_watchdog_says_when_keep_alives_stop(efa0):
    if not expect("watchdog_ms"):
        pytest.skip("needs keep-alives sparser than driver-watchdog-timeout")
    period_s = expect_int("keep_alive_ms") / 1000
    wait_for(lambda: "no keep-alive from the device" in dmesg(),
             3 * period_s + 5, "the watchdog to notice the silence", 0.2)
    wait_for(lambda: "keep-alives from the device resumed" in dmesg(),
             3 * period_s + 5, "the watchdog to see keep-alives again", 0.2)


# ---- HOST_INFO and removal ---------------------------------------------------------

def test_host_info_reaches_the_device_and_removal_leaves_nothing(efa_devices):
    """Rebind the last device with debug messages on: its probe reports the
    HOST_INFO the device accepted; while unbound it holds no objects."""
    dev = efa_devices[-1]
    pci = pci_name(dev)
    bus, slot, fn = (int(x, 16) for x in re.split(r"[:.]", pci)[1:])
    bdf = (abi.field_prep(abi.C.EFA_ADMIN_HOST_INFO_BUS_MASK, bus) |
           abi.field_prep(abi.C.EFA_ADMIN_HOST_INFO_DEVICE_MASK, slot) |
           abi.field_prep(abi.C.EFA_ADMIN_HOST_INFO_FUNCTION_MASK, fn))

    control = "/proc/dynamic_debug/control"
    write(control, "module efa +p")
    try:
        write("/sys/bus/pci/drivers/efa/unbind", pci)
        assert dev not in efa_device_names()
        assert all(v == (0, 0) for v in device_objects(pci).values()), \
            device_objects(pci)
        write("/sys/bus/pci/drivers/efa/bind", pci)
        wait_for(lambda: len(efa_device_names()) == len(efa_devices), 10,
                 f"{pci} to register again")
    finally:
        write(control, "module efa -p")

    sent = [line for line in dmesg().splitlines()
            if f"{pci}: host info sent" in line]
    assert sent, "no HOST_INFO accepted by the device"
    assert f"kernel {os.uname().release} " in sent[-1]
    assert (f"spec {abi.C.EFA_COMMON_SPEC_VERSION_MAJOR}."
            f"{abi.C.EFA_COMMON_SPEC_VERSION_MINOR}") in sent[-1]
    assert f"bdf {bdf:#x}" in sent[-1]
    assert live(pci, "eq") == expected_eqs()


def test_kernel_log_is_clean():
    log = dmesg()
    for bad in ("WARNING:", "BUG:", "Oops", "Call Trace", "refcount_t"):
        assert bad not in log
    expected = ("ALLOC_PD failed: device status RESOURCE_ALLOCATION_FAILURE",)
    efa_lines = [line for line in log.splitlines()
                 if re.search(r"\befa[ _]\S*[0-9]", line)]
    assert any("IB device registered" in line for line in efa_lines)
    bad = [line for line in efa_lines
           if re.search(r"fail|error|timed out|unimplemented", line, re.I) and
           not any(e in line for e in expected)]
    assert not bad, "\n".join(bad)
