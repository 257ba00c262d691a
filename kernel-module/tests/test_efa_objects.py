# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""efa.ko's object verbs from the driver's side: every object created
through raw uverbs (uverbs_raw.py) reaches the device and goes when its
file closes; every malformed driver-data field is refused with its errno
and counted, never a WARN; the mmap keys map; MRs of all three page-list
forms, a dma-buf MR and the MR query ioctl from a C program (mr_check.c:
pyverbs 44 wraps none of them); rmmod while a process holds objects.

Runs in the driver-full and driver-sparse VMs after test_efa_driver.py;
the cross-pair pyverbs object tests are pyverbs-tests/'s.
"""
import ctypes
import errno
import mmap
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from conftest import dmesg, live
from efastack import abi, paths
from efastack.guest import (device_objects, efa_device_names, expect, fresh_counter,
                            pci_name, run, wait_for, write)
import uverbs_raw as raw

HERE = os.path.dirname(os.path.abspath(__file__))
DYNDBG = "/proc/dynamic_debug/control"
USER_CLASSES = ("cq", "qp", "ah", "mr")


def gid_of(ibdev):
    text = open(f"/sys/class/infiniband/{ibdev}/ports/1/gids/0").read().strip()
    return bytes.fromhex(text.replace(":", ""))


def user_objects(pci):
    objs = device_objects(pci)
    return {cls: objs[cls][0] for cls in USER_CLASSES if cls in objs}


@pytest.fixture
def ctx(efa0):
    """An open uverbs file with a context and a PD: (Uverbs, pd handle,
    ucontext response)."""
    with raw.Uverbs(efa0) as u:
        uctx = u.get_context()
        pd, _pdn = u.alloc_pd()
        yield u, pd, uctx


def cq_ok(uctx, **kw):
    return raw.cq_request(num_sub_cqs=uctx["sub_cqs_per_cq"], **kw)


# ---- objects come and go ----------------------------------------------------

def test_every_object_reaches_the_device_and_goes_with_its_file(efa0):
    pci = pci_name(efa0)
    before = user_objects(pci)
    assert all(v == 0 for v in before.values()), before
    buf = ctypes.create_string_buffer(3 * 4096)
    with raw.Uverbs(efa0) as u:
        uctx = u.get_context()
        pd, _ = u.alloc_pd()
        cq, cq_resp = u.create_cq(cq_ok(uctx))
        sgid_cq, _ = u.create_cq(cq_ok(uctx, entry_size=32,
                                       flags=abi.C.EFA_CREATE_CQ_WITH_SGID))
        u.create_qp(pd, cq, raw.qp_request())
        _, _, srd = u.create_qp(pd, sgid_cq, raw.qp_request(
            driver_qp_type=abi.C.EFA_QP_DRIVER_TYPE_SRD), qp_type=raw.QPT_DRIVER)
        u.create_ah(pd, gid_of(efa0))
        u.reg_mr(pd, buf, len(buf), abi.C.IB_UVERBS_ACCESS_LOCAL_WRITE)
        assert user_objects(pci) == {"cq": 2, "qp": 2, "ah": 1, "mr": 1}

        # every key the driver handed out maps, at the size it gave
        assert cq_resp["q_mmap_size"] >= 64 * 16
        llq_size = -(-(4096 + srd["llq_desc_offset"]) // mmap.PAGESIZE) * mmap.PAGESIZE
        for key, size in ((cq_resp["q_mmap_key"], cq_resp["q_mmap_size"]),
                          (srd["rq_mmap_key"], srd["rq_mmap_size"]),
                          (srd["sq_db_mmap_key"], mmap.PAGESIZE),
                          (srd["rq_db_mmap_key"], mmap.PAGESIZE),
                          (srd["llq_desc_mmap_key"], llq_size)):
            m = mmap.mmap(u.fd, size, offset=key)
            m.close()
        assert srd["sq_db_offset"] < mmap.PAGESIZE
        assert srd["llq_desc_offset"] < mmap.PAGESIZE
    assert all(v == 0 for v in user_objects(pci).values()), user_objects(pci)


def test_completion_channel_cq_needs_eqs(ctx):
    u, _pd, uctx = ctx
    request = cq_ok(uctx, flags=abi.C.EFA_CREATE_CQ_WITH_COMPLETION_CHANNEL)
    if expect("eqs") == "0":
        with pytest.raises(OSError) as e:
            u.create_cq(request)
        assert e.value.errno == errno.EOPNOTSUPP
    else:
        _, resp = u.create_cq(request)
        # the CQ of an EQ has a doorbell to arm it with
        assert resp["comp_mask"] & abi.C.EFA_CREATE_CQ_RESP_DB_OFF


# ---- malformed driver data ---------------------------------------------------

def _bad_cq(uctx):
    good = cq_ok(uctx)
    subs = uctx["sub_cqs_per_cq"]
    return {
        "comp_mask": (cq_ok(uctx, comp_mask=1), errno.EINVAL),
        "reserved": (cq_ok(uctx, reserved=b"\0\0\1"), errno.EINVAL),
        "entry size": (cq_ok(uctx, entry_size=24), errno.EINVAL),
        "SGID with small entries": (cq_ok(uctx, flags=abi.C.EFA_CREATE_CQ_WITH_SGID),
                                    errno.EINVAL),
        "sub-CQs": (raw.cq_request(num_sub_cqs=subs + 1), errno.EINVAL),
        "unknown flag": (cq_ok(uctx, flags=0x80), errno.EOPNOTSUPP),
        "64-bit req id": (cq_ok(uctx, flags=abi.C.EFA_CREATE_CQ_WITH_SQ_COMP_64_BIT_REQ_ID),
                          errno.EOPNOTSUPP),
        "short": (good[:8], errno.EINVAL),
        "trailing data": (good + b"\0\0\0\1", errno.EINVAL),
    }


@pytest.mark.parametrize("case", list(_bad_cq({"sub_cqs_per_cq": 1})))
def test_create_cq_refuses_malformed_requests(efa0, ctx, case):
    u, _pd, uctx = ctx
    request, err = _bad_cq(uctx)[case]
    before = fresh_counter(efa0, "create_cq_err")
    with pytest.raises(OSError) as e:
        u.create_cq(request)
    assert e.value.errno == err
    assert fresh_counter(efa0, "create_cq_err") == before + 1


def test_create_cq_accepts_zero_trailing_data_and_odd_depths(ctx):
    u, _pd, uctx = ctx
    _, resp = u.create_cq(cq_ok(uctx) + b"\0" * 8, cqe=100)
    # rounded up to a power of two, and the ring is whole pages
    assert resp["q_mmap_size"] % mmap.PAGESIZE == 0
    assert resp["q_mmap_size"] >= 128 * 16 * uctx["sub_cqs_per_cq"]
    with pytest.raises(OSError) as e:
        u.create_cq(cq_ok(uctx), cqe=0)
    assert e.value.errno == errno.EINVAL


BAD_QP = {
    "comp_mask": (dict(comp_mask=1), raw.QPT_UD, errno.EINVAL),
    "reserved": (dict(reserved=b"\0\0\0\0\1"), raw.QPT_UD, errno.EINVAL),
    "unknown flag": (dict(flags=0x8000), raw.QPT_UD, errno.EOPNOTSUPP),
    "64-bit req id": (dict(flags=abi.C.EFA_CREATE_QP_WITH_SQ_64_BIT_REQ_ID),
                      raw.QPT_UD, errno.EOPNOTSUPP),
    "driver QP type": (dict(driver_qp_type=7), raw.QPT_DRIVER, errno.EOPNOTSUPP),
    "service level": (dict(sl=16), raw.QPT_UD, errno.EINVAL),
    "no SQ ring": (dict(sq_ring_size=0), raw.QPT_UD, errno.EINVAL),
    "huge SQ ring": (dict(sq_ring_size=1 << 30), raw.QPT_UD, errno.EINVAL),
    "huge RQ ring": (dict(rq_ring_size=1 << 30), raw.QPT_UD, errno.EINVAL),
    "receives without an RQ": (dict(rq_ring_size=0), raw.QPT_UD, errno.EINVAL),
}


@pytest.mark.parametrize("case", list(BAD_QP) + ["short", "trailing data", "too many WRs"])
def test_create_qp_refuses_malformed_requests(efa0, ctx, case):
    u, pd, uctx = ctx
    cq, _ = u.create_cq(cq_ok(uctx))
    kwargs = {}
    if case in BAD_QP:
        fields, qp_type, err = BAD_QP[case]
        request = raw.qp_request(**fields)
    else:
        qp_type, err = raw.QPT_UD, errno.EINVAL
        request = raw.qp_request()
        if case == "short":
            request = request[:12]
        elif case == "trailing data":
            request += b"\0\0\0\0\0\0\0\1"
        else:
            kwargs["max_send_wr"] = 1 << 24
    before = fresh_counter(efa0, "create_qp_err")
    with pytest.raises(OSError) as e:
        u.create_qp(pd, cq, request, qp_type=qp_type, **kwargs)
    assert e.value.errno == err
    assert fresh_counter(efa0, "create_qp_err") == before + 1


def test_create_ah_refuses_request_data(efa0, ctx):
    u, pd, _ = ctx
    before = fresh_counter(efa0, "create_ah_err")
    with pytest.raises(OSError) as e:
        u.create_ah(pd, gid_of(efa0), driver_in=b"\0\0\0\1")
    assert e.value.errno == errno.EINVAL
    assert fresh_counter(efa0, "create_ah_err") == before + 1
    u.create_ah(pd, gid_of(efa0), driver_in=b"\0" * 8)


def test_reg_mr_refuses_request_data_and_unknown_access(efa0, ctx):
    u, pd, _ = ctx
    buf = ctypes.create_string_buffer(4096)
    before = fresh_counter(efa0, "reg_mr_err")
    with pytest.raises(OSError) as e:
        u.reg_mr(pd, buf, 4096, abi.C.IB_UVERBS_ACCESS_LOCAL_WRITE, driver_in=b"\0\0\0\1")
    assert e.value.errno == errno.EINVAL
    # IBV_ACCESS_MW_BIND: nothing this device does
    with pytest.raises(OSError) as e:
        u.reg_mr(pd, buf, 4096, abi.C.IB_UVERBS_ACCESS_LOCAL_WRITE | abi.C.IB_UVERBS_ACCESS_MW_BIND)
    assert e.value.errno == errno.EOPNOTSUPP
    assert fresh_counter(efa0, "reg_mr_err") == before + 2


# ---- MRs from C: page-list forms, dma-buf, MR query ---------------------------

@pytest.fixture(scope="module")
def mr_check(tmp_path_factory):
    exe = str(tmp_path_factory.mktemp("mr") / "mr_check")
    run("gcc", "-Wall", "-Wextra", "-Werror", "-I", os.path.join(paths.REPO, "abi"),
        "-o", exe, os.path.join(HERE, "mr_check.c"), "-libverbs")
    return exe


@pytest.fixture
def debug_lines():
    """A function giving the kernel log printed since the test started,
    with the driver's debug lines on meanwhile."""
    start = len(dmesg().splitlines())
    write(DYNDBG, "module efa +p")
    try:
        yield lambda: "\n".join(dmesg().splitlines()[start:])
    finally:
        write(DYNDBG, "module efa -p")


def _forms(log):
    return re.findall(r"registered mr \S+: (0x[0-9a-f]+) bytes .* (\d+) pages of (\d+) bytes, "
                      r"page list (\w+)", log)


def test_page_list_forms_and_a_1gib_mr(efa0, mr_check, debug_lines):
    out = run(mr_check, "big", efa0, "1024", "3")
    for mib in ("1", "64"):
        out += run(mr_check, "big", efa0, mib, "1")
    buf = ctypes.create_string_buffer(8192)
    with raw.Uverbs(efa0) as u:
        u.get_context()
        pd, _ = u.alloc_pd()
        u.reg_mr(pd, buf, 8192, abi.C.IB_UVERBS_ACCESS_LOCAL_WRITE)
    times = [float(t) for t in re.findall(r"reg_ms=([\d.]+)", out)]
    print("1 GiB registrations (ms):", times[:3])
    assert len(re.findall(r"^query validity=\d+", out, re.M)) == 5
    forms = _forms(debug_lines())
    by_form = {f[3] for f in forms}
    assert by_form == {"inline", "direct", "chained"}, forms
    gib = [f for f in forms if int(f[0], 16) == 1 << 30]
    assert len(gib) == 3 and all(f[3] == "chained" for f in gib), gib
    # mr_check's IOVA keeps the pages at 4 KiB, so the 1 GiB list is longer
    # than one chunk can name (510 pieces of 512 entries)
    assert all((int(f[1]), int(f[2])) == ((1 << 30) // 4096, 4096) for f in gib), gib


def test_mr_query_of_a_handle_that_is_no_mr(efa0, mr_check):
    out = run(mr_check, "query-bad", efa0)
    assert int(re.search(r"errno=(\d+)", out).group(1)) != 0


def test_dmabuf_mr_registers_and_queries(efa0, mr_check, debug_lines):
    if not os.path.exists("/dev/udmabuf"):
        pytest.skip("this kernel has no udmabuf (6.1 lacks CONFIG_UDMABUF)")
    out = run(mr_check, "dmabuf", efa0, "64")
    assert re.search(r"^dmabuf lkey=0x[0-9a-f]+ length=67108864$", out, re.M)
    assert re.search(r"^query validity=\d+", out, re.M)
    assert any(int(f[0], 16) == 64 << 20 for f in _forms(debug_lines()))


# ---- the kernel log, then removal with live objects -----------------------------

def test_kernel_log_has_no_warning():
    log = dmesg()
    for bad in ("WARNING:", "BUG:", "Oops", "Call Trace", "refcount_t"):
        assert bad not in log


HOLDER = r"""
import sys, time
from pyverbs.device import Context
from pyverbs.pd import PD
from pyverbs.cq import CQ
from pyverbs.mr import MR
from pyverbs.qp import QPInitAttr, QPCap, QP
from pyverbs.addr import AHAttr, GlobalRoute, AH
import pyverbs.enums as e
ctx = Context(name=sys.argv[1])
pd = PD(ctx)
cq = CQ(ctx, 32)
qp = QP(pd, QPInitAttr(qp_type=e.IBV_QPT_UD, scq=cq, rcq=cq,
                       cap=QPCap(max_send_wr=16, max_recv_wr=16)))
mr = MR(pd, 1 << 20, e.IBV_ACCESS_LOCAL_WRITE)
ah = AH(pd, attr=AHAttr(gr=GlobalRoute(dgid=ctx.query_gid(1, 0)), is_global=1, port_num=1))
print("ready", flush=True)
sys.stdin.readline()
try:
    ctx.query_device()
    print("still works")
except Exception as err:
    print("gone:", err)
"""


def test_rmmod_with_live_objects_destroys_them(efa_devices):
    """The RDMA core disassociates the process's context: its objects are
    destroyed through the driver, rmmod does not wait for it, and the
    process sees its device gone.  The driver comes back afterwards."""
    ko = os.environ["EFA_VM_KO"]
    dev = efa_devices[0]
    pci = pci_name(dev)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, dev], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert user_objects(pci) == {"cq": 1, "qp": 1, "ah": 1, "mr": 1}
        t0 = time.monotonic()
        run("rmmod", "efa")
        took = time.monotonic() - t0
        assert efa_device_names() == []
        assert all(v == (0, 0) for v in device_objects(pci).values()), device_objects(pci)
        assert holder.poll() is None, "the holder died with the driver"
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().startswith("gone:")
        print(f"rmmod with live objects took {took:.2f} s")
    finally:
        if holder.poll() is None:
            holder.send_signal(signal.SIGKILL)
        holder.wait()
        if not efa_device_names():
            run("insmod", ko)
            wait_for(lambda: efa_device_names() == efa_devices, 10,
                     "every device to register again")
    log = dmesg()
    for bad in ("WARNING:", "BUG:", "Oops", "Call Trace"):
        assert bad not in log
    assert live(pci, "pd") == 0
