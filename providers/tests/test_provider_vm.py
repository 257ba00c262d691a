# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Our libefa.so.1 in a test VM, over an EFA kernel driver and the device
model: registration, contexts, PDs, efadv_query_device with every field and
its inlen rules, the not-yet-implemented efadv calls, and libfabric.

Run by the provider row of tools/efastack/suites.py, which boots the VM with
known device properties (efa-vm exports them as EFA_PROP_*) and passes what
else the tests must find as EFA_EXPECT_* variables, the probe program as
EFA_PROBE and our library as EFA_EXPECT_PROVIDER_LIB.
"""
import errno
import os
import re
import subprocess

import pytest

from efastack import abi
from efastack.guest import require_int as expect_int
from efastack.guest import run

ATTR = abi.struct("efadv_device_attr")
RAW_LEN = 64            # the probe's buffer
# the smallest inlen accepted (efadv.h; efa_fill_efadv_device_attr)
END_OF_INLINE_BUF_SIZE = ATTR.end("inline_buf_size")


def probe(*args):
    """efadv-probe's key=value output as a dict of strings."""
    out = run(os.environ["EFA_PROBE"], *args)
    return dict(line.split("=", 1) for line in out.split() if "=" in line)


def raw(device, inlen, head, tail):
    """efadv_query_device into a pre-filled 64-byte buffer: (rc, bytes)."""
    out = probe(device, "raw", str(inlen), hex(head), hex(tail))
    return int(out["rc"]), bytes.fromhex(out["bytes"])


def expected_attr():
    return {
        "comp_mask": 0,
        "max_sq_wr": expect_int("max_sq_depth"),
        "max_rq_wr": expect_int("max_rq_depth"),
        "max_sq_sge": expect_int("max_wr_send_sges"),
        "max_rq_sge": expect_int("max_wr_recv_sges"),
        "inline_buf_size": expect_int("inline_buf_size"),
        "inline_buf_size_ex": expect_int("efadv_inline_buf_size_ex"),
        "device_caps": expect_int("efadv_device_caps"),
        "max_rdma_size": expect_int("max_rdma_size"),
    }


@pytest.fixture(scope="module")
def devices():
    root = "/sys/class/infiniband"
    names = sorted(n for n in os.listdir(root) if n.startswith("efa_"))
    assert len(names) == expect_int("devices")
    return names


@pytest.fixture(scope="module")
def device(devices):
    return devices[0]


def test_libibverbs_loads_our_provider(device):
    from pyverbs.device import Context

    with Context(name=device):
        with open("/proc/self/maps") as f:
            mapped = {line.split()[-1] for line in f if "libefa" in line}
    assert mapped == {os.environ["EFA_EXPECT_PROVIDER_LIB"]}


def test_ibv_devices_lists_every_device(devices):
    listed = re.findall(r"^\s+(efa_\d+)\s+[0-9a-f]{16}\s*$", run("ibv_devices"), re.M)
    assert listed == devices


def test_devinfo_of_every_device(devices):
    # a send queue holds no more 64-byte WQEs than its LLQ has room for
    max_qp_wr = min(expect_int("max_sq_depth"), expect_int("max_rq_depth"),
                    expect_int("max_llq_size") // 64)
    for name in devices:
        out = run("ibv_devinfo", "-v", "-d", name)
        fields = dict(re.findall(r"^\s*(\w+):\s+(\S+)", out, re.M))
        assert int(fields["vendor_id"], 0) == abi.C.EFA_PCI_VENDOR_ID_AMAZON
        assert int(fields["max_qp_wr"]) == max_qp_wr
        assert int(fields["max_pd"]) == expect_int("max_pd")
        assert fields["state"] == "PORT_ACTIVE"


def test_refuses_a_kernel_without_ah_numbers(device):
    """A kernel whose create_ah udata has no AH number (shim: the
    alloc_ucontext response without CREATE_AH) gets a clear refusal."""
    proc = subprocess.run([os.environ["EFA_PROBE"], device, "query"],
                          capture_output=True, text=True,
                          env=dict(os.environ,
                                   LD_PRELOAD=os.environ["EFA_HIDE_CREATE_AH"]))
    assert "hide_create_ah_udata: cleared CREATE_AH" in proc.stderr
    assert proc.returncode == 2
    assert (f"libefa: {device}: the efa kernel driver does not return address "
            "handle numbers") in proc.stderr
    assert f"cannot open {device}: {os.strerror(errno.EOPNOTSUPP)}" in proc.stderr


def test_efadv_query_device_every_field(devices):
    for name in devices:
        out = probe(name, "query")
        assert int(out.pop("rc")) == 0
        got = {k: int(v, 0) for k, v in out.items()}
        assert got == expected_attr(), name


def test_pyverbs_efa_context(device):
    from pyverbs.providers.efa.efadv import EfaContext

    with EfaContext(name=device) as ctx:
        attr = ctx.query_efa_device()
        want = expected_attr()
        assert attr.max_sq_wr == want["max_sq_wr"]
        assert attr.max_rq_wr == want["max_rq_wr"]
        assert attr.max_sq_sge == want["max_sq_sge"]
        assert attr.max_rq_sge == want["max_rq_sge"]
        assert attr.inline_buf_size == want["inline_buf_size"]
        assert attr.device_caps == want["device_caps"]
        assert attr.max_rdma_size == want["max_rdma_size"]


def test_old_caller_full_struct_of_rdma_core_44(device):
    """rdma-core 44's struct has the same 32 bytes, with reserved[2] where
    inline_buf_size_ex is now: it gets every field it knows."""
    rc, buf = raw(device, ATTR.size, 0x5a, 0x5a)
    assert rc == 0
    assert ATTR.unpack(buf) == expected_attr()
    assert buf[ATTR.size:] == b"\x5a" * (RAW_LEN - ATTR.size)


@pytest.mark.parametrize("inlen", [END_OF_INLINE_BUF_SIZE, ATTR.end("inline_buf_size_ex"),
                                   ATTR.end("device_caps")])
def test_old_caller_shorter_struct(device, inlen):
    """A caller whose struct ends early gets the fields it has, whole, and
    not a byte beyond its struct."""
    rc, buf = raw(device, inlen, 0x5a, 0x5a)
    assert rc == 0
    got = ATTR.unpack(buf[:inlen] + bytes(ATTR.size - inlen))
    want = expected_attr()
    for field in ATTR.fields:
        whole = ATTR.end(field.name) <= inlen
        assert got[field.name] == (want[field.name] if whole else 0), field.name
    assert buf[inlen:] == b"\x5a" * (RAW_LEN - inlen)


@pytest.mark.parametrize("inlen", [0, 8, END_OF_INLINE_BUF_SIZE - 1])
def test_too_short_is_einval(device, inlen):
    rc, buf = raw(device, inlen, 0x5a, 0x5a)
    assert rc == errno.EINVAL
    assert buf == b"\x5a" * RAW_LEN


def test_newer_caller_with_zeroed_tail(device):
    rc, buf = raw(device, RAW_LEN, 0x5a, 0)
    assert rc == 0
    assert ATTR.unpack(buf) == expected_attr()
    assert buf[ATTR.size:] == bytes(RAW_LEN - ATTR.size)


@pytest.mark.parametrize("inlen", [ATTR.size + 1, 40, RAW_LEN])
def test_newer_caller_with_unknown_bytes_is_einval(device, inlen):
    rc, buf = raw(device, inlen, 0x5a, 0x01)
    assert rc == errno.EINVAL
    assert buf == b"\x5a" * ATTR.size + b"\x01" * (RAW_LEN - ATTR.size)


def test_calls_of_later_issues_are_eopnotsupp(device):
    out = probe(device, "stubs")
    for name in ("efadv_create_driver_qp", "efadv_create_qp_ex",
                 "efadv_create_cq", "efadv_create_comp_cntr",
                 "efadv_qp_from_ibv_qp_ex", "efadv_cq_from_ibv_cq_ex"):
        assert out[name] == "NULL", name
    assert re.findall(r"(efadv_\w+)=NULL errno=(\d+)",
                      run(os.environ["EFA_PROBE"], device, "stubs")) == [
        (name, str(errno.EOPNOTSUPP)) for name in (
            "efadv_create_driver_qp", "efadv_create_qp_ex", "efadv_create_cq",
            "efadv_create_comp_cntr", "efadv_qp_from_ibv_qp_ex",
            "efadv_cq_from_ibv_cq_ex")]
    for name in ("efadv_query_qp_wqs", "efadv_query_cq", "efadv_query_ah",
                 "efadv_query_mr"):
        assert int(out[name]) == errno.EOPNOTSUPP, name
    for name in ("efadv_get_max_sq_depth", "efadv_get_max_rq_depth"):
        assert int(out[name]) == -errno.EOPNOTSUPP, name


def test_pds_reach_the_device(device):
    out = probe(device, "pds", "64")
    assert out == {"allocated": "64", "freed": "64"}


def test_contexts_open_and_close(device):
    assert probe(device, "contexts", "50") == {"opened_and_closed": "50"}


def test_fi_info_lists_efa_through_our_libefa(devices):
    out = run("fi_info", "-p", "efa")
    results = os.environ.get("EFA_VM_RESULTS")
    if results:
        with open(os.path.join(results, "fi_info-p-efa.txt"), "w") as f:
            f.write(out)
    domains = re.findall(r"^\s+domain: (\S+)$", out, re.M)
    assert sorted(domains) == sorted(
        [f"{d}-rdm" for d in devices] + [f"{d}-dgrm" for d in devices])
    assert set(re.findall(r"^provider: (\S+)$", out, re.M)) == {"efa"}


def test_efadv_refuses_a_context_of_another_provider():
    """efadv on a soft-RoCE context: EOPNOTSUPP, not a crash."""
    if subprocess.run(["modprobe", "rdma_rxe"], capture_output=True).returncode:
        pytest.skip("no rdma_rxe module")
    run("ip", "link", "add", "efatest0", "type", "dummy")
    try:
        run("ip", "link", "set", "efatest0", "up")
        run("rdma", "link", "add", "rxe_efatest", "type", "rxe", "netdev", "efatest0")
        try:
            out = probe("rxe_efatest", "query")
            assert int(out["rc"]) == errno.EOPNOTSUPP
        finally:
            run("rdma", "link", "delete", "rxe_efatest", check=False)
    finally:
        run("ip", "link", "delete", "efatest0", check=False)
