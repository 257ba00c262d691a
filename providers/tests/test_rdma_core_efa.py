# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""rdma-core 56.1's own EFA tests (tests/test_efadv.py and
tests/test_efa_srd.py, in full) and its generic tests that run on EFA (UD
traffic, CQ events, CQs, QPs, AHs, PDs, devices), with that rdma-core's
own libibverbs and pyverbs, over an EFA provider (ours, or rdma-core
56.1's own from the same prefix: EFA_EXPECT_PROVIDER_LIB says which), in a
test VM: what a Debian 13 user runs.

tools/build-rdma-core-prefix builds the prefix ($EFA_RDMA_CORE_PREFIX); the
tests run in a process of their own (rdma_core_unittest.py) with the
prefix's python path and libraries, and each test there is one test here.
The prefix's libibverbs reads the guest's /etc/libibverbs.d, where
tools/efa-vm names our provider.

A skip there fails here unless it is one EFA always takes (ALWAYS_SKIPPED:
verbs no EFA has) or the run expects it (EFA_EXPECT_RDMA_CORE_SKIPS, test
ids as Class.method, space-separated): the skips rdma-core's tests allow
are for devices that lack a verb.

Of test_mr.py only the registration test runs: the others need RC QPs
(MRTest, MWTest), device memory (DM tests) or a DRM device for dma-bufs
(DmaBuf tests), none of which an EFA in a VM has; EFA's MR verbs are held
by test_efadv's EfaMRTest and by pyverbs-tests/ too.
"""
import ast
import json
import os
import subprocess
import sys

import pytest

from efastack.guest import efa_device_names, expect

PREFIX = os.environ.get("EFA_RDMA_CORE_PREFIX", "")
TESTS_DIR = os.path.join(PREFIX, "tests")
LIBDIR = "usr/lib/x86_64-linux-gnu"
PYTHON_DIR = "usr/lib/python3/dist-packages"
RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rdma_core_unittest.py")
# One class's tests under TCG take a minute or two (QPSRDTestCase: 100
# messages on each of 8 QPs per test)
CLASS_TIMEOUT_S = 400

# Per module: None for every test of it, else its classes or
# Class.method names (the generic modules: what of them applies to EFA, a
# UD and SRD device without RC, XRC, raw packets, atomics or memory windows).
RDMA_CORE_TESTS = {
    "test_efadv": None,
    "test_efa_srd": None,
    "test_cq_events": ["CqEventsTestCase.test_cq_events_ud"],
    "test_qpex": ["QpExTestCase.test_qp_ex_ud_send", "QpExTestCase.test_qp_ex_ud_zero_size",
                  "QpExTestCase.test_qp_ex_ud_send_imm",
                  "QpExTestCase.test_post_receive_qp_state_bad_flow",
                  "QpExTestCase.test_post_send_qp_state_bad_flow",
                  "QpExTestCase.test_full_rq_bad_flow",
                  "QpExTestCase.test_rq_with_larger_sgl_bad_flow"],
    "test_cqex": ["CqExTestCase.test_ud_traffic_cq_ex", "CQEXAPITest"],
    "test_cq": ["CQAPITest", "CQTest"],
    # (its UD tests of extended QPs create them without a PD, which EFA
    # refuses: they skip on EFA)
    "test_qp": ["QPTest.test_create_ud_qp_no_attr", "QPTest.test_create_ud_qp_with_attr",
                "QPTest.test_query_ud_qp", "QPTest.test_query_data_in_order"],
    # the rest of test_mr needs RC QPs, memory windows, device memory or
    # a DRM device for dma-bufs
    "test_mr": ["MRTest.test_reg_mr_bad_flags"],
    "test_addr": ["AHTest.test_create_ah", "AHTest.test_destroy_ah"],
    "test_pd": ["PDTest"],
    "test_device": ["DeviceTest"],
}

# Skips an EFA may take on any kernel and provider: verbs it does not have.
ALWAYS_SKIPPED = {
    "CQTest.test_resize_cq",                    # no CQ resize
    "DeviceTest.test_query_gid_ex_bad_flow",    # one GID: no index left to miss
    # its extended QP gets random attributes, at times without a PD, which
    # EFA refuses (EOPNOTSUPP): then it skips
    "QPTest.test_query_ud_qp",
}

def _methods(cls):
    return [fn.name for fn in cls.body
            if isinstance(fn, ast.FunctionDef) and fn.name.startswith("test")]


def rdma_core_test_ids():
    """tests.MODULE.CLASS.METHOD of every test RDMA_CORE_TESTS names, read
    from the source (without importing it: that needs the prefix's
    pyverbs)."""
    if not os.path.isdir(TESTS_DIR):
        return []
    ids = []
    for module, names in RDMA_CORE_TESTS.items():
        with open(os.path.join(TESTS_DIR, f"{module}.py")) as f:
            tree = ast.parse(f.read())
        found = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        if names is None:
            names = [c for c, node in found.items() if _methods(node)]
        for name in names:
            cls, _, method = name.partition(".")
            assert cls in found, f"rdma-core's {module} has no {cls}"
            methods = _methods(found[cls])
            if method:
                assert method in methods, f"rdma-core's {module}.{cls} has no {method}"
                methods = [method]
            ids += [f"tests.{module}.{cls}.{m}" for m in methods]
    return ids


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """What rdma_core_unittest.py reports, one process per test class: a
    class that hangs (a CQ event that never comes blocks in
    ibv_get_cq_event) costs its own tests, which then fail as timed out,
    and no other class's."""
    if not os.path.isdir(TESTS_DIR):
        pytest.fail(f"no rdma-core prefix at $EFA_RDMA_CORE_PREFIX ({PREFIX!r}): "
                    "run the suite through tools/run-tests")
    folder = tmp_path_factory.mktemp("rdma-core")
    env = dict(os.environ)
    # the provider's libefa.so.1 (tools/efa-vm's LD_LIBRARY_PATH) first,
    # then the prefix's
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        filter(None, [os.environ.get("LD_LIBRARY_PATH"), os.path.join(PREFIX, LIBDIR)]))
    env["PYTHONPATH"] = os.path.join(PREFIX, PYTHON_DIR)
    merged = {"tests": {}}
    by_class = {}
    for test_id in rdma_core_test_ids():
        by_class.setdefault(".".join(test_id.split(".")[1:3]), []).append(test_id)
    for cls, ids in by_class.items():
        out = folder / f"{cls}.json"
        cmd = [sys.executable, RUNNER, TESTS_DIR, efa_device_names()[0], str(out)]
        try:
            proc = subprocess.run(cmd + [i.removeprefix("tests.") for i in ids], env=env,
                                  capture_output=True, text=True, timeout=CLASS_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            merged["tests"].update({i: ["error", f"{cls} timed out after "
                                        f"{CLASS_TIMEOUT_S} s"] for i in ids})
            continue
        assert proc.returncode == 0 and out.exists(), (
            f"rdma-core's {cls} did not run (exit {proc.returncode}):\n"
            f"{proc.stdout}\n{proc.stderr}")
        got = json.loads(out.read_text())
        merged["tests"].update(got["tests"])
        merged.setdefault("pyverbs", got["pyverbs"])
        merged.setdefault("libraries", got["libraries"])
    return merged


def test_runs_on_rdma_core_56_and_the_provider_under_test(results):
    """The tests ran on the prefix's pyverbs and libibverbs, and the
    provider in that process is the one the run names (ours, or the
    prefix's own)."""
    assert results["pyverbs"].startswith(os.path.join(PREFIX, PYTHON_DIR))
    libs = results["libraries"]
    verbs = [p for p in libs if os.path.basename(p).startswith("libibverbs")]
    assert verbs and all(p.startswith(PREFIX) for p in verbs), libs
    # the provider (libefa-rdmav34.so) and libefa.so.1 are one library
    wanted = os.path.realpath(expect("provider_lib"))
    efa = {os.path.realpath(p) for p in libs if os.path.basename(p).startswith("libefa")}
    assert efa == {wanted}, libs


@pytest.mark.parametrize("test_id", rdma_core_test_ids())
def test_rdma_core(results, test_id):
    outcome, detail = results["tests"].get(test_id, ["missing", "not run"])
    short = test_id.split(".", 2)[2]
    if outcome == "skipped":
        allowed = (expect("rdma_core_skips") or "").split()
        assert short in allowed or short in ALWAYS_SKIPPED, f"{short} skipped: {detail}"
        pytest.skip(detail)
    assert outcome == "ok", f"{short}: {outcome}\n{detail}"
