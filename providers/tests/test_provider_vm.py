# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Our libefa.so.1 in a test VM, over an EFA kernel driver and the device
model: registration, contexts, PDs, efadv_query_device with every field and
its inlen rules, every control-path object (CQ, QP, AH, MR) created,
queried and destroyed, invalid arguments, kernel answers that make no
sense (a shim mangles them), and libfabric.

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
from efastack.guest import expect_int as optional_int
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
def test_newer_caller_unknown_bytes_are_zeroed(device, inlen):
    """A newer caller's fields past ours read 0, whatever they held (as
    rdma-core's provider does); bytes past inlen stay the caller's."""
    rc, buf = raw(device, inlen, 0x5a, 0x01)
    assert rc == 0
    assert ATTR.unpack(buf) == expected_attr()
    assert buf[ATTR.size:inlen] == bytes(inlen - ATTR.size)
    assert buf[inlen:] == b"\x01" * (RAW_LEN - inlen)


def test_efadv_calls_without_an_object_refuse(device):
    text = run(os.environ["EFA_PROBE"], device, "stubs")
    assert re.findall(r"(efadv_\w+)=NULL errno=(\d+)", text) == [
        (name, str(errno.EOPNOTSUPP)) for name in (
            "efadv_create_comp_cntr", "efadv_qp_from_ibv_qp_ex",
            "efadv_cq_from_ibv_cq_ex")]
    out = dict(line.split("=", 1) for line in text.split() if "=" in line)
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


def test_fi_info_is_the_same_as_with_debians_provider():
    """libfabric sees the same devices, attributes and limits through our
    libefa as through Debian's: the stock provider is what a private mount
    namespace without efa-vm's libibverbs.d (and without our libefa.so.1 on
    the library path) loads."""
    ours = run("fi_info", "-v", "-p", "efa")
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    script = ("umount /etc/libibverbs.d && cat /etc/libibverbs.d/efa.driver && "
              "echo --- && fi_info -v -p efa")
    out = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                         text=True, env=env, check=True).stdout
    driver, stock = out.split("---\n", 1)
    assert driver.split() == ["driver", "efa"]      # Debian's, by name
    assert ours.splitlines() == stock.splitlines()


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


# ---------------------------------------------------------------- objects

def objects(device, scenario, *args, env=None, check=True):
    """efa-objects' key=value output as a dict, and the process."""
    proc = subprocess.run([os.environ["EFA_OBJECTS"], device, scenario, *args],
                          capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})))
    if check:
        assert proc.returncode == 0, proc.stderr
    return dict(line.split("=", 1) for line in proc.stdout.split() if "=" in line), proc


USER_OBJECTS = ("pd", "cq", "qp", "ah", "mr")   # not the driver's own EQs


def no_objects_left(device):
    from efastack.guest import live_objects, pci_name

    live = live_objects(pci_name(device))
    left = {cls: n for cls, n in live.items() if cls in USER_OBJECTS and n}
    assert not left, left


def pow2_at_least(n):
    return 1 << (n - 1).bit_length()


@pytest.fixture(scope="module")
def all_objects(device):
    out, _ = objects(device, "all")
    return out


def test_every_object_is_created(all_objects):
    # srd_ex16: the 16-byte efadv_qp_init_attr Debian 12's libfabric passes
    for name in ("pd", "cq", "cq2", "cq_ex", "ud", "ud_ex", "srd", "srd_ex",
                 "srd_ex16", "ah", "mr"):
        assert all_objects[name] == "ok", (name, all_objects.get(f"{name}_errno"))


def test_every_object_is_destroyed(all_objects, device):
    destroyed = {k: v for k, v in all_objects.items()
                 if k.startswith(("destroy_", "dealloc_", "dereg_"))}
    assert len(destroyed) >= 10
    assert set(destroyed.values()) == {"0"}, destroyed
    no_objects_left(device)


def test_cqs_are_sized_and_mapped(all_objects):
    # ring entries per sub-CQ: a power of two, at least what was asked
    assert int(all_objects["cq_cqe"]) == pow2_at_least(50)
    assert int(all_objects["cq_ex_cqe"]) == pow2_at_least(100)
    assert all_objects["efadv_query_cq"] == "0"
    assert all_objects["cq_buffer"] == "mapped"
    assert int(all_objects["cq_entry_size"]) == abi.struct("efa_io_rx_cdesc_ex").size
    assert all_objects["cq_num_entries"] == all_objects["cq_cqe"]
    assert all_objects["cq_ex_efadv"] == "ok"


def test_cq_with_sgid(all_objects):
    if not expect_int("efadv_device_caps") & abi.value("EFADV_DEVICE_ATTR_CAPS_CQ_WITH_SGID"):
        pytest.skip("the device has no CQ_WITH_SGID")
    assert all_objects["cq_sgid"] == "ok"
    assert all_objects["cq_sgid_reader"] == "set"


def test_ud_qp_queues(all_objects):
    """60 sends and 30 receives of 2 SGEs: a 64-entry SQ of 64-byte WQEs in
    the LLQ, a 64-descriptor RQ ring (32 receives), both with doorbells."""
    assert int(all_objects["ud_qpn"]) < 1 << 24
    assert all_objects["ud_cap_send_wr"] == "64"
    assert all_objects["ud_cap_recv_wr"] == "32"
    assert all_objects["ud_query_wqs"] == "0"
    assert all_objects["ud_sq_entry_size"] == str(abi.value("EFA_IO_TX_WQE_SIZE"))
    assert all_objects["ud_sq_num_entries"] == "64"
    assert all_objects["ud_rq_entry_size"] == str(abi.struct("efa_io_rx_desc").size)
    assert all_objects["ud_rq_num_entries"] == "64"
    assert all_objects["ud_rq_max_batch"] == "64"
    for q in ("ud_sq", "ud_rq"):
        assert all_objects[f"{q}_buffer"] == "mapped"
        assert all_objects[f"{q}_doorbell"] == "mapped"
    assert 0 < int(all_objects["ud_sq_max_batch"]) < 64


@pytest.mark.parametrize("qp", ["ud", "srd"])
def test_qp_state_machine(all_objects, qp):
    for step in ("to_init", "to_rtr", "to_rts"):
        assert all_objects[f"{qp}_{step}"] == "0", step
    assert all_objects[f"{qp}_query"] == "0"
    assert int(all_objects[f"{qp}_state"]) == 3     # IBV_QPS_RTS
    assert int(all_objects[f"{qp}_qkey"], 0) == 0x11111111
    assert int(all_objects[f"{qp}_sq_psn"], 0) == 0x123


def test_extended_qps_reach_ibv_qp_to_qp_ex(all_objects):
    """libibverbs 44 reads verbs_qp.comp_mask 8 bytes before where rdma-core
    56.1's headers put it: ibv_qp_to_qp_ex() must still see VERBS_QP_EX."""
    assert all_objects["ud_qp_ex"] == "none"
    assert all_objects["ud_ex_qp_ex"] == "ext"
    assert all_objects["srd_ex_qp_ex"] == "ext"
    assert all_objects["srd_ex_hints"] == "set"
    assert int(all_objects["srd_ex_wr_complete"]) == 0


def test_srd_qp_ex_with_inline_takes_the_wqe_it_needs(all_objects):
    inline = expect_int("efadv_inline_buf_size_ex")
    want = abi.value("EFA_IO_TX_WQE_128_SIZE") if inline > abi.value(
        "EFA_IO_TX_DESC_INLINE_MAX_SIZE") else abi.value("EFA_IO_TX_WQE_SIZE")
    assert all_objects["srd_ex_query_wqs"] == "0"
    assert int(all_objects["srd_ex_sq_entry_size"]) == want


def test_max_depths(all_objects):
    llq, sq_wr = expect_int("max_llq_size"), expect_int("max_sq_depth")

    def depth(wqe):
        return min(1 << ((llq // wqe).bit_length() - 1), sq_wr)

    inline = expect_int("efadv_inline_buf_size_ex")
    assert int(all_objects["max_sq_depth"]) == depth(64)
    assert int(all_objects["max_sq_depth_inline"]) == depth(128 if inline > 32 else 64)
    assert int(all_objects["max_rq_depth"]) == expect_int("max_rq_depth")


def test_data_in_order(all_objects):
    """Never a whole message in order; at most 128-byte blocks."""
    assert all_objects["ud_in_order"] == "0"
    assert int(all_objects["ud_in_order_caps"]) & ~2 == 0


def test_ah_and_mr(all_objects):
    assert all_objects["efadv_query_ah"] == "0"
    assert 0 <= int(all_objects["ahn"]) < 0x10000
    assert all_objects["mr_lkey_nonzero"] == "1"
    assert int(all_objects["mr_length"]) == 1 << 20
    assert int(all_objects["efadv_query_mr"]) == optional_int("query_mr_rc", 0)


EINVAL, EOPNOTSUPP = errno.EINVAL, errno.EOPNOTSUPP
# the errno rdma-core's provider (56.1, master) gives each case
UPSTREAM_ERRNOS = {
    "create_qp_rc": EOPNOTSUPP, "create_qp_send_sge": EINVAL,
    "create_qp_recv_sge": EINVAL, "create_qp_send_wr": EINVAL,
    "create_qp_recv_wr": EINVAL, "create_qp_inline": EINVAL,
    "create_qp_no_cq": EINVAL, "driver_qp_not_driver_type": EINVAL,
    "driver_qp_type_7": EOPNOTSUPP, "qp_ex_inlen_8": EINVAL,
    "qp_ex_comp_mask": EINVAL, "qp_ex_reserved": EINVAL,
    "qp_ex_unknown_tail": EINVAL, "qp_ex_not_driver": EINVAL,
    "qp_ex_flags": EOPNOTSUPP, "qp_ex_wr_flags": EOPNOTSUPP,
    "qp_ex_no_pd": EINVAL, "qp_ex_atomic": EOPNOTSUPP,
    "cq_ex_comp_mask": EOPNOTSUPP, "cq_ex_timestamp": EOPNOTSUPP,
    "efadv_cq_comp_mask": EINVAL, "efadv_cq_inlen_8": EINVAL,
    "efadv_cq_wc_flags": EOPNOTSUPP,
    "sq_depth_comp_mask": -EINVAL, "sq_depth_sge": -EINVAL,
    "sq_depth_inline": -EINVAL, "sq_depth_inlen_8": -EINVAL,
    "rq_depth_sge": -EINVAL, "rq_depth_comp_mask": -EINVAL,
}


def test_invalid_arguments_get_upstreams_errno(device):
    out, _ = objects(device, "errors")
    assert {k: int(v) for k, v in out.items()} == UPSTREAM_ERRNOS
    no_objects_left(device)


EPROTO = errno.EPROTO


@pytest.mark.parametrize("mangle,scenario,key", [
    ("context.sub_cqs_per_cq=0", "cq", None),
    ("context.max_llq_size=32", "cq", None),
    ("context.inline_buf_size=33", "cq", None),
    ("context.inline_buf_size_ex=81", "cq", None),
    ("cq.q_mmap_size=16", "cq", "cq"),
    ("cq.q_mmap_key=0x123", "cq", "cq"),
    ("qp.send_sub_cq_idx=0xffff", "qp", "qp"),
    ("qp.llq_desc_offset=0x10000", "qp", "qp"),
    ("qp.sq_db_offset=4094", "qp", "qp"),
    ("qp.llq_desc_mmap_key=0x10", "qp", "qp"),
    ("qp.rq_mmap_size=8", "qp", "qp"),
])
def test_bad_kernel_answers_are_refused(device, mangle, scenario, key):
    """A kernel answer libefa cannot use gets EPROTO and a debug line, and
    what the kernel created for it is destroyed again."""
    out, proc = objects(device, scenario, check=False,
                        env={"LD_PRELOAD": os.environ["EFA_MANGLE_UDATA"],
                             "EFA_MANGLE_UDATA": mangle, "VERBS_LOG_LEVEL": "4",
                             "VERBS_LOG_FILE": "/dev/stderr"})
    assert f"mangle_udata: {mangle.split('=')[0]} = " in proc.stderr
    assert "refused" in proc.stderr
    if key is None:     # the context itself
        assert proc.returncode == 2
        assert f"cannot open {device}: {os.strerror(EPROTO)}" in proc.stderr
    else:
        assert out[key] == "NULL" and int(out[f"{key}_errno"]) == EPROTO, out
    no_objects_left(device)


def test_dmabuf_mr(device):
    if not os.path.exists("/dev/udmabuf"):
        subprocess.run(["modprobe", "udmabuf"], capture_output=True)
    if not os.path.exists("/dev/udmabuf"):
        pytest.skip("no udmabuf in this kernel")
    out, _ = objects(device, "dmabuf", "/dev/udmabuf")
    assert out["dmabuf_mr"] == "ok", out.get("dmabuf_mr_errno")
    assert int(out["dmabuf_mr_length"]) == 16 * 4096
    assert int(out["dmabuf_query_mr"]) == optional_int("query_mr_rc", 0)
    assert out["dmabuf_dereg"] == "0"
    no_objects_left(device)
