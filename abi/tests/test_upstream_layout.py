# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Our hardware definitions (abi/hw/) against upstream's, field by field:
every structure of Linux 6.12's EFA driver headers (efa_common_defs.h, efa_admin_defs.h,
efa_admin_cmds_defs.h, efa_io_defs.h, efa_regs_defs.h, from Debian's
linux-source-6.12) and of rdma-core 56.1's provider (efa_io_defs.h,
efa_io_regs_defs.h) must exist here with each named field at the same offset
and size, and every mask, enumerator and constant with the same value.
Where ours follows a newer interface than both, the difference is listed
below with its source, and the newer layout is checked against that source.

Both sides are read by efastack.abi (gcc and gdb), so nothing is copied by
hand but the few facts newer than the sources Debian ships.
"""
import os

import pytest

from efastack import abi, build, kernels


# Upstream's headers use the kernel's u8..u64, BIT() and GENMASK(); rdma-core's
# include nothing.  The prelude gives both what they need.
PRELUDE = """#include <linux/types.h>
#include <stdint.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
#define BIT(n) (1ULL << (n))
#define GENMASK(h, l) (((~0ULL) << (l)) & (~0ULL >> (63 - (h))))
"""

# Ours is larger because it carries fields newer than the upstream source:
# (structure, upstream size, ours, why).
NEWER_LAYOUTS = {
    ("efa_admin_feature_device_attr_desc", 48, 56):
        "the node GUID and max_link_speed_gbps (amzn-drivers r2.12.0, r2.13.0)",
    ("efa_io_tx_cdesc", 8, 16):
        "bits 16..63 of 64-bit request ids (rdma-core 691953d8 efa_io_defs.h)",
}
# Upstream names ours spells as the newer interface does: {theirs: ours}.
RENAMED = {
    # rdma-core 56.1 already calls it UNSUPPORTED_OP; Linux 6.12 does not
    "EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_OP_TYPE": "EFA_IO_COMP_STATUS_LOCAL_ERROR_UNSUPPORTED_OP",
}

# The 128-byte WQE, 64-bit request ids and processing hints, newer than
# rdma-core 56.1 and Linux 6.12: from rdma-core 691953d8 (2026-08-20)
# providers/efa/efa_io_defs.h.  (structure, field): (offset, size)
NEWEST_FIELDS = {
    ("efa_io_tx_meta_desc", "ctrl3"): (14, 1),
    ("efa_io_tx_meta_desc", "req_id_ex"): (26, 6),
    ("efa_io_tx_cdesc", "req_id_ex"): (6, 6),
    ("efa_io_rdma_req_128", "remote_mem"): (0, 16),
    ("efa_io_rdma_req_128", "local_mem"): (16, 16),
    ("efa_io_rdma_req_128", "inline_data"): (16, 80),
    ("efa_io_tx_wqe_128", "meta"): (0, 32),
    ("efa_io_tx_wqe_128", "data"): (32, 96),
}
NEWEST_SIZES = {"efa_io_req_id_ex": 6, "efa_io_rdma_req_128": 96, "efa_io_tx_wqe_128": 128}
NEWEST_VALUES = {
    "EFA_IO_TX_DESC_INLINE_MAX_SIZE_128": 80,
    "EFA_IO_TX_META_DESC_PROCESSING_HINTS_MASK": 0x3,
    "EFA_IO_PROCESSING_HINT_BURST_PPS_SENSITIVE": 1,
    "EFA_IO_COMP_STATUS_REMOTE_ERROR_UNKNOWN_PEER": 14,
    "EFA_IO_COMP_STATUS_LOCAL_ERROR_UNREACH_REMOTE": 15,
    "EFA_IO_COMP_STATUS_REMOTE_ERROR_FEATURE_MISMATCH": 18,
}


def _kernel_dir():
    release = kernels.release("6.12")
    if release is None:
        pytest.fail("kernel 6.12 is not installed (tools/setup installs it)")
    # tools/build-upstream-efa extracts (and builds) the driver, cached
    return os.path.dirname(build.upstream_ko(release))


def _rdma_core_dir():
    # the tree the provider builds against (providers/cmake/RdmaCoreTree.cmake)
    tree = build.cmake_cache_value(build.provider_dir(), "RDMA_CORE_SOURCE_DIR")
    if not tree:
        pytest.fail("the provider is not configured (cmake -S providers -B build/providers)")
    return os.path.join(tree, "providers", "efa")


SOURCES = {
    "linux-6.12": lambda: [os.path.join(_kernel_dir(), h) for h in (
        "efa_common_defs.h", "efa_admin_defs.h", "efa_admin_cmds_defs.h", "efa_io_defs.h",
        "efa_regs_defs.h")],
    "rdma-core-56.1": lambda: [os.path.join(_rdma_core_dir(), h) for h in (
        "efa_io_defs.h", "efa_io_regs_defs.h")],
}


@pytest.fixture(scope="module", params=sorted(SOURCES))
def upstream(request, tmp_path_factory):
    files = SOURCES[request.param]()
    for f in files:
        if not os.path.exists(f):
            pytest.fail(f"no {f} (tools/setup fetches rdma-core; build-upstream-efa extracts Linux)")
    tmp = tmp_path_factory.mktemp("prelude")
    (tmp / "linux").mkdir()
    (tmp / "linux" / "bitfield.h").write_text("")     # included by efa_common_defs.h
    (tmp / "prelude.h").write_text(PRELUDE)
    return abi.generate(files, cflags=["-I", str(tmp), "-I", os.path.dirname(files[0])],
                        prelude=[str(tmp / "prelude.h")])


def test_every_upstream_structure_is_ours_field_by_field(upstream):
    ours = abi.load()["structs"]
    problems = []
    for name, theirs in upstream["structs"].items():
        mine = ours.get(name)
        if mine is None:
            problems.append(f"struct {name}: missing")
            continue
        if mine["size"] != theirs["size"] and \
                (name, theirs["size"], mine["size"]) not in NEWER_LAYOUTS:
            problems.append(f"struct {name}: {mine['size']} bytes, upstream {theirs['size']}")
        fields = {f[0]: f for f in mine["fields"]}
        for f in theirs["fields"]:
            if f[0].startswith("reserved"):
                continue                     # names differ; the size covers them
            g = fields.get(f[0])
            if g is None:
                problems.append(f"struct {name}: no field {f[0]} (upstream at {f[1]})")
            elif (g[1], g[2]) != (f[1], f[2]):
                problems.append(f"struct {name}.{f[0]}: at {g[1]} size {g[2]}, "
                                f"upstream at {f[1]} size {f[2]}")
    assert not problems, "\n".join(problems)


def test_every_upstream_constant_has_our_value(upstream):
    mine = {n: v[0] for n, v in abi.load()["macros"].items()}
    mine.update({n: v[0] for n, v in abi.load()["enumerators"].items()})
    theirs = {n: v[0] for n, v in upstream["macros"].items()}
    theirs.update({n: v[0] for n, v in upstream["enumerators"].items()})
    problems = []
    for name, value in theirs.items():
        ours = RENAMED.get(name, name)
        if ours not in mine:
            problems.append(f"{name} = {value:#x}: missing")
        elif mine[ours] != value:
            problems.append(f"{ours} = {mine[ours]:#x}, upstream {name} = {value:#x}")
    assert not problems, "\n".join(problems)


def test_newer_layouts_are_what_their_source_says():
    for name, size in NEWEST_SIZES.items():
        assert abi.struct(name).size == size, name
    for (name, field), (offset, size) in NEWEST_FIELDS.items():
        f = abi.struct(name).field(field)
        assert (f.offset, f.size) == (offset, size), f"{name}.{field}"
    for name, value in NEWEST_VALUES.items():
        assert abi.value(name) == value, name
    for (name, _, size), _ in NEWER_LAYOUTS.items():
        assert abi.struct(name).size == size, name
