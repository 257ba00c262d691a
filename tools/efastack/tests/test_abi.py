# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Host tests of efastack.abi: anchors, a compiler cross-check of every
extracted constant and layout, pack/unpack, the cache.

    PYTHONPATH=tools /usr/bin/python3 -m pytest tools/efastack/tests/test_abi.py
"""
import json
import os
import subprocess
import sys

import pytest

from efastack import abi, paths


@pytest.fixture(scope="module", autouse=True)
def private_cache(tmp_path_factory):
    """Every test extracts into, and loads from, a cache of its own."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EFA_CACHE", str(tmp_path_factory.mktemp("cache")))
        mp.setattr(abi, "_data", None)
        abi.load()
        yield
    abi._structs.clear()


def test_anchors():
    assert abi.value("EFA_PCI_VENDOR_ID_AMAZON") == 0x1d0f
    assert abi.C.EFA_PCI_VENDOR_ID_AMAZON == 0x1d0f
    assert abi.C.EFA_PCI_DEVICE_ID_EFA3 == 0xefa3
    assert abi.C.EFA_REGS_DEV_STS_OFF == 0x58
    assert abi.C.EFA_REGS_EQ_DB_ARM_MASK == 0x80000000
    # a macro whose value is an enumerator
    assert abi.C.EFA_ADMIN_QUEUE_ATTR_1 == abi.C.EFA_ADMIN_QUEUE_ATTR == 4
    opcodes = abi.enum("efa_admin_aq_opcode")
    assert list(opcodes)[:3] == ["EFA_ADMIN_CREATE_QP", "EFA_ADMIN_MODIFY_QP",
                                 "EFA_ADMIN_QUERY_QP"]
    assert opcodes["EFA_ADMIN_CREATE_EQ"] == 18
    assert abi.C.EFA_ADMIN_GET_FEATURE == 11
    # anonymous enums count too; a value computed from a system macro
    assert abi.C.EFA_CREATE_CQ_WITH_SGID == 2
    assert abi.C.EFA_IB_ATTR_QUERY_MR_HANDLE == 1 << 12
    assert abi.C.EFADV_DEVICE_ATTR_CAPS_COMP_CNTR == 1 << 6
    assert abi.C.IB_USER_VERBS_CMD_FLAG_EXTENDED == 0x80000000
    assert abi.enum("ib_uverbs_write_cmds")["IB_USER_VERBS_CMD_GET_CONTEXT"] == 0
    assert abi.struct("efa_admin_aq_entry").size == 64
    assert abi.struct("efa_admin_acq_entry").size == 64
    assert abi.struct("efa_common_mem_addr").size == 8
    # the kernel's PCI registers: the MSI-X capability and table entries
    assert abi.C.PCI_CAPABILITY_LIST == 0x34
    assert abi.C.PCI_CAP_ID_MSIX == 0x11
    assert abi.C.PCI_MSIX_TABLE == 4
    assert abi.C.PCI_MSIX_TABLE_BIR == 7
    assert abi.C.PCI_MSIX_TABLE_OFFSET == 0xfffffff8
    assert abi.C.PCI_MSIX_ENTRY_SIZE == 16
    assert abi.C.PCI_MSIX_ENTRY_VECTOR_CTRL == 12
    assert abi.C.PCI_MSIX_ENTRY_CTRL_MASKBIT == 1


def test_fields_of_a_register():
    caps = abi.C.EFA_REGS_AQ_CAPS_AQ_ENTRY_SIZE_MASK
    assert abi.field_prep(caps, 64) == 64 << 16
    assert abi.field_get(caps, 0x00400010) == 64
    assert abi.field_get(abi.C.EFA_REGS_AQ_CAPS_AQ_DEPTH_MASK, 0x00400010) == 16
    with pytest.raises(ValueError, match="0x10000"):
        abi.field_prep(caps, 0x10000)
    with pytest.raises(ValueError):
        abi.field_prep(caps, -1)
    with pytest.raises(ValueError, match="no bits"):
        abi.field_get(0, 1)


def test_64_bit_constant_exact():
    # 1ULL << 36: a double or a 32-bit print would lose it
    assert abi.C.IB_UVERBS_DEVICE_PCI_WRITE_END_PADDING == 1 << 36


def test_unknown_names():
    with pytest.raises(KeyError, match="EFA_NO_SUCH"):
        abi.value("EFA_NO_SUCH")
    with pytest.raises(AttributeError, match="EFA_NO_SUCH"):
        abi.C.EFA_NO_SUCH
    with pytest.raises(KeyError, match="efa_no_such"):
        abi.enum("efa_no_such")
    with pytest.raises(KeyError, match="efa_no_such"):
        abi.struct("efa_no_such")
    with pytest.raises(KeyError, match="no_such"):
        abi.struct("efadv_device_attr").offset("no_such")


def test_layout_fields():
    s = abi.struct("efa_ibv_alloc_ucontext_resp")
    assert [f.name for f in s.fields] == [
        "comp_mask", "cmds_supp_udata_mask", "sub_cqs_per_cq", "inline_buf_size",
        "max_llq_size", "max_tx_batch", "min_sq_wr", "inline_buf_size_ex", "reserved_b0"]
    assert s.field("reserved_b0") == abi.Field("reserved_b0", 22, 2, "__u8", 2, None)
    assert s.end("inline_buf_size_ex") == 22
    entry = abi.struct("efa_admin_aq_entry")
    assert entry.field("aq_common_descriptor").struct_name == "efa_admin_aq_common_desc"
    assert entry.field("u") == abi.Field("u", 4, 12, "union {...}", None, None)
    flex = abi.struct("ib_uverbs_poll_cq_resp").field("wc")
    assert (flex.offset, flex.size, flex.count, flex.struct_name) == (8, 0, 0, "ib_uverbs_wc")
    fn = abi.struct("efadv_qp").field("wr_set_processing_hints")
    assert (fn.size, fn.ctype) == (8, "void (*)(struct efadv_qp *, uint32_t)")
    # the members of an anonymous union are the struct's, as in C
    spec = abi.struct("ib_uverbs_flow_spec_eth")
    assert [(f.name, f.offset) for f in spec.fields] == [
        ("hdr", 0), ("type", 0), ("size", 4), ("reserved", 6), ("val", 8), ("mask", 24)]


def _cross_check_source(data):
    """C asserting every extracted value and layout; gcc must agree."""
    out = [f'#include "{h}"' for h in data["headers"]] + ["#include <stddef.h>"]
    for table in ("macros", "enumerators"):
        for name, (v, *_) in data[table].items():
            lit = f"{v}LL" if v < 0 else f"{v}ULL"
            out.append(f'_Static_assert(({name}) == {lit} && (({name}) < 0) == {int(v < 0)}, '
                       f'"{name}");')
    for tag, s in data["structs"].items():
        out.append(f'_Static_assert(sizeof(struct {tag}) == {s["size"]}, "{tag}");')
        for name, offset, size, ctype, count, _, kind in s["fields"]:
            member = f"((struct {tag} *)0)->{name}"
            what = f'"{tag}.{name}"'
            out.append(f"_Static_assert(offsetof(struct {tag}, {name}) == {offset}, {what});")
            if count != 0:   # sizeof a flexible array does not compile
                out.append(f"_Static_assert(sizeof({member}) == {size}, {what});")
            element = member if count is None else f"{member}[0]"
            if count:
                out.append(f"_Static_assert(sizeof({member}) / sizeof({element}) == {count}, "
                           f"{what});")
            if "{...}" not in ctype:
                out.append(f"_Static_assert(__builtin_types_compatible_p("
                           f"__typeof__({element}), {ctype}), {what});")
            if kind != "aggregate":
                out.append(f"_Static_assert(((__typeof__({element}))-1 < 0) == "
                           f"{int(kind == 'signed')}, {what});")
    return "\n".join(out) + "\n"


def test_compiler_agrees(tmp_path):
    data = abi.load()
    # every header group is there, with the structs named in the brief
    wheres = {s["where"].rsplit(":", 1)[0] for s in data["structs"].values()}
    assert {"abi/hw/efa_hw_admin.h", "abi/hw/efa_hw_regs.h", "abi/hw/efa_hw_types.h",
            "abi/efa-abi.h", "libefa/efadv.h", "/usr/include/rdma/ib_user_verbs.h"} <= wheres
    # pci_regs.h has macros only, and no name collides with another header's
    wheres = {m[1].rsplit(":", 1)[0] for m in data["macros"].values()}
    assert "/usr/include/linux/pci_regs.h" in wheres
    assert data["conflicts"] == {}
    for tag in ("efa_admin_aq_entry", "efa_ibv_alloc_ucontext_resp", "efadv_device_attr",
                "efadv_cq_init_attr", "ib_uverbs_create_cq", "ib_uverbs_send_wr"):
        assert tag in data["structs"]
    assert len(data["macros"]) > 100 and len(data["enumerators"]) > 200
    src = tmp_path / "check.c"
    src.write_text(_cross_check_source(data))
    r = subprocess.run(["gcc", "-fsyntax-only", "-w", "-I", abi.HW_DIR, str(src)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[:4000]


def test_cross_check_can_fail(tmp_path):
    """The cross-check catches a wrong offset (it is not vacuous)."""
    data = json.loads(json.dumps(abi.load()))
    fields = data["structs"]["efadv_device_attr"]["fields"]
    fields[1][1] += 4
    src = tmp_path / "check.c"
    src.write_text(_cross_check_source(data))
    r = subprocess.run(["gcc", "-fsyntax-only", "-w", "-I", abi.HW_DIR, str(src)],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "efadv_device_attr.max_sq_wr" in r.stderr


def test_pack_unpack_round_trip():
    s = abi.struct("efadv_device_attr")
    values = {"comp_mask": 2**64 - 1, "max_sq_wr": 0x12345678, "max_rq_wr": 7,
              "max_sq_sge": 2, "max_rq_sge": 3, "inline_buf_size": 32,
              "inline_buf_size_ex": 96, "device_caps": abi.C.EFADV_DEVICE_ATTR_CAPS_RDMA_READ,
              "max_rdma_size": 1 << 30}
    raw = s.pack(**values)
    assert len(raw) == s.size
    off = s.offset("max_sq_wr")
    assert raw[off:off + 4] == bytes.fromhex("78563412")
    assert s.unpack(raw) == values
    # at an offset, from a memoryview or a bytearray
    assert s.unpack(memoryview(b"\xee" * 5 + raw), offset=5) == values
    assert s.unpack(bytearray(raw))["max_rdma_size"] == 1 << 30
    # zero where not given
    assert s.unpack(s.pack(max_rq_wr=1)) == dict.fromkeys(values, 0) | {"max_rq_wr": 1}


def test_unpack_kinds():
    entry = abi.struct("efa_admin_aq_entry")
    raw = entry.pack(aq_common_descriptor={"command_id": 0x0abc, "opcode": 9, "flags": 1},
                     u=b"\x01\x02", inline_data_w4=[5, 6])
    got = entry.unpack(raw)
    assert got["aq_common_descriptor"] == {"command_id": 0x0abc, "opcode": 9, "flags": 1}
    assert got["u"] == b"\x01\x02" + bytes(10)       # an unnamed union: bytes
    assert got["inline_data_w4"] == [5, 6] + [0] * 10
    ah = abi.struct("efa_admin_create_ah_cmd")
    assert ah.unpack(ah.pack(dest_addr=b"\xfe\x80"))["dest_addr"] == b"\xfe\x80" + bytes(14)
    cq = abi.struct("ib_uverbs_create_cq")
    got = cq.unpack(cq.pack(comp_channel=-1, cqe=16))
    assert got["comp_channel"] == -1 and got["cqe"] == 16   # __s32 reads signed
    assert "driver_data" not in got                         # flexible arrays left out


def test_pack_errors():
    s = abi.struct("efadv_device_attr")
    with pytest.raises(TypeError, match="no_such"):
        s.pack(no_such=1)
    with pytest.raises(ValueError, match="max_sq_sge"):
        s.pack(max_sq_sge=0x10000)
    with pytest.raises(ValueError, match="max_sq_wr"):
        s.pack(max_sq_wr=-1)
    with pytest.raises(TypeError, match="max_sq_wr"):
        s.pack(max_sq_wr="1")
    cq = abi.struct("ib_uverbs_create_cq")
    with pytest.raises(ValueError, match="comp_channel"):
        cq.pack(comp_channel=2**31)
    with pytest.raises(ValueError, match="flexible"):
        cq.pack(driver_data=[1])
    ah = abi.struct("efa_admin_create_ah_cmd")
    with pytest.raises(ValueError, match="dest_addr"):
        ah.pack(dest_addr=bytes(17))
    entry = abi.struct("efa_admin_aq_entry")
    with pytest.raises(ValueError, match="inline_data_w4"):
        entry.pack(inline_data_w4=[0] * 13)
    with pytest.raises(TypeError, match="efa_admin_aq_common_desc"):
        entry.pack(aq_common_descriptor={"no_such": 1})
    with pytest.raises(ValueError, match="overlap"):
        abi.struct("ib_uverbs_flow_spec_eth").pack(hdr=bytes(8), type=1)


def test_unpack_short_buffer():
    s = abi.struct("efadv_device_attr")
    with pytest.raises(ValueError, match="efadv_device_attr"):
        s.unpack(bytes(s.size - 1))
    with pytest.raises(ValueError):
        s.unpack(bytes(s.size), offset=1)


def test_cached_load_runs_nothing(monkeypatch):
    path = abi.cache_path()
    assert os.path.isfile(path)
    assert [n for n in os.listdir(os.path.dirname(path)) if not n.endswith(".json")] == []
    expected = abi.load()

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"ran {args[0]!r}")
    monkeypatch.setattr(subprocess, "run", no_subprocess)
    monkeypatch.setattr(abi, "_data", None)
    assert abi.load() == expected
    assert abi.C.EFA_REGS_DEV_STS_OFF == 0x58
    # and the patch does catch an extraction: without the file, load() fails
    monkeypatch.setenv("EFA_CACHE", os.path.join(os.path.dirname(os.path.dirname(path)), "x"))
    monkeypatch.setattr(abi, "_data", None)
    with pytest.raises(AssertionError, match="ran"):
        abi.load()


def test_unwritable_cache(monkeypatch):
    # a path under a file: not creatable even by root
    monkeypatch.setenv("EFA_CACHE", "/dev/null/x")
    monkeypatch.setattr(abi, "_data", None)
    assert abi.C.EFA_PCI_VENDOR_ID_AMAZON == 0x1d0f
    assert abi._not_written
    assert not os.path.exists(abi.cache_path())


def test_import_extracts_nothing(tmp_path):
    env = dict(os.environ, EFA_CACHE=str(tmp_path / "cache"),
               PYTHONPATH=paths.python_path(os.environ.get("PYTHONPATH")))
    subprocess.run([sys.executable, "-c", "from efastack import abi; abi.C; abi.struct"],
                   env=env, check=True)
    assert not (tmp_path / "cache").exists()


def test_command_line():
    env = dict(os.environ, PYTHONPATH=paths.python_path(os.environ.get("PYTHONPATH")))
    r = subprocess.run([sys.executable, "-m", "efastack.abi", "EFA_PCI_VENDOR_ID_AMAZON",
                        "efa_admin_aq_opcode", "efa_admin_aq_entry"],
                       env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "EFA_PCI_VENDOR_ID_AMAZON = 7439 (0x1d0f)" in r.stdout
    assert "EFA_ADMIN_CREATE_QP = 1" in r.stdout
    assert "16    48  __le32 inline_data_w4[12]" in r.stdout
    r = subprocess.run([sys.executable, "-m", "efastack.abi"], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0 and abi.cache_path() in r.stdout and "structs" in r.stdout
    r = subprocess.run([sys.executable, "-m", "efastack.abi", "EFA_NO_SUCH"], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 1 and "EFA_NO_SUCH" in r.stderr


TEST_HEADER = """\
#ifndef ABI_TEST_H
#define ABI_TEST_H
#include <linux/types.h>
#define T_ALL_ONES 0xffffffffffffffffull
#define T_TOP_BIT (1ull << 63)
#define T_NEG (-5)
#define T_SAME 3
#define T_SAME 3
#define T_STRING "efa"
#define T_TYPE unsigned int
#define T_ATTR __attribute__((packed))
#define T_FLOAT 1.5
#define T_BRACE { 1 }
#define T_FUNC(x) (x)
#define T_TWICE 1
#undef T_TWICE
#define T_TWICE 2
enum t_enum { T_A = -2, T_B, T_C = 7 };
enum { T_BOTH = 1 };
#define T_BOTH 1
struct t_bits { __u32 a : 3; __u32 b : 29; };
struct t_float { double d; };
struct t_anon {
	__u32 x;
	union { __u16 y; __u8 z[2]; };
	struct t_inner { __s8 q; } in;
};
#endif
"""


def test_odd_definitions(tmp_path, monkeypatch):
    """What is dropped, refused or kept, from a header of odd cases."""
    header = tmp_path / "abi_test.h"
    header.write_text(TEST_HEADER)
    headers = abi.headers() + [str(header)]
    monkeypatch.setattr(abi, "headers", lambda: headers)
    data = abi.generate()
    assert data["macros"]["T_ALL_ONES"][0] == 2**64 - 1
    assert data["macros"]["T_TOP_BIT"][0] == 1 << 63
    assert data["macros"]["T_NEG"][0] == -5
    assert data["macros"]["T_SAME"][0] == 3
    assert set(data["dropped"]) == {"T_STRING", "T_TYPE", "T_ATTR", "T_FLOAT", "T_BRACE"}
    assert "T_FUNC" not in data["macros"]
    assert data["enums"]["t_enum"] == {"T_A": -2, "T_B": -1, "T_C": 7}
    assert set(data["conflicts"]) == {"T_TWICE", "T_BOTH"}
    assert "bitfield" in data["refused"]["t_bits"]
    assert "double" in data["refused"]["t_float"]
    anon = data["structs"]["t_anon"]
    assert [f[:2] for f in anon["fields"]] == [["x", 0], ["y", 4], ["z", 4], ["in", 6]]
    assert "t_inner" in data["structs"]

    monkeypatch.setattr(abi, "_data", data)
    monkeypatch.setattr(abi, "_structs", {})
    with pytest.raises(abi.AbiError, match="abi_test.h:.*T_TWICE 1(.|\n)*T_TWICE 2"):
        abi.value("T_TWICE")
    with pytest.raises(abi.AbiError, match="enumerator T_BOTH"):
        abi.value("T_BOTH")
    with pytest.raises(KeyError, match="T_STRING.*not an integer constant"):
        abi.value("T_STRING")
    with pytest.raises(abi.AbiError, match="t_bits.*bitfield"):
        abi.struct("t_bits")
    s = abi.struct("t_anon")
    got = s.unpack(s.pack(x=1, z=b"\x02\x03", **{"in": {"q": -3}}))
    assert got == {"x": 1, "y": 0x0302, "z": b"\x02\x03", "in": {"q": -3}}
