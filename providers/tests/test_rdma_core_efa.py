# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""rdma-core 56.1's own EFA object tests (tests/test_efadv.py) with that
rdma-core's own libibverbs and pyverbs, over our libefa, in a test VM: what
a Debian 13 user runs.

tools/build-rdma-core-prefix builds the prefix ($EFA_RDMA_CORE_PREFIX); the
tests run in a process of their own (rdma_core_unittest.py) with the
prefix's python path and libraries, and each test there is one test here.
The prefix's libibverbs reads the guest's /etc/libibverbs.d, where
tools/efa-vm names our provider.

A skip there fails here unless the run expects it
(EFA_EXPECT_RDMA_CORE_SKIPS, test ids as Class.method, space-separated):
the skips rdma-core's tests allow are for devices that lack a verb.
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

# The object tests.  Not run: EfaCqTest (it posts a send and polls both
# CQs: traffic, which the data-path issue brings).
RDMA_CORE_TESTS = {"test_efadv": ["EfaQueryDeviceTest", "EfaAHTest", "EfaQPTest",
                                  "EfaQPExTest", "EfaMRTest"]}


def rdma_core_test_ids():
    """tests.MODULE.CLASS.METHOD of every test method of RDMA_CORE_TESTS,
    read from the source (without importing it: that needs the prefix's
    pyverbs)."""
    if not os.path.isdir(TESTS_DIR):
        return []
    ids = []
    for module, classes in RDMA_CORE_TESTS.items():
        with open(os.path.join(TESTS_DIR, f"{module}.py")) as f:
            tree = ast.parse(f.read())
        found = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        for cls in classes:
            assert cls in found, f"rdma-core's {module} has no {cls}"
            ids += [f"tests.{module}.{cls}.{fn.name}" for fn in found[cls].body
                    if isinstance(fn, ast.FunctionDef) and fn.name.startswith("test")]
    return ids


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    if not os.path.isdir(TESTS_DIR):
        pytest.fail(f"no rdma-core prefix at $EFA_RDMA_CORE_PREFIX ({PREFIX!r}): "
                    "run the suite through tools/run-tests")
    out = tmp_path_factory.mktemp("rdma-core") / "results.json"
    env = dict(os.environ)
    # our libefa.so.1 (tools/efa-vm's LD_LIBRARY_PATH) first, then the prefix's
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        filter(None, [os.environ.get("LD_LIBRARY_PATH"), os.path.join(PREFIX, LIBDIR)]))
    env["PYTHONPATH"] = os.path.join(PREFIX, PYTHON_DIR)
    names = [f"{m}.{c}" for m, classes in RDMA_CORE_TESTS.items() for c in classes]
    proc = subprocess.run([sys.executable, RUNNER, TESTS_DIR, efa_device_names()[0],
                           str(out)] + names, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0 and out.exists(), (
        f"rdma-core's tests did not run (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return json.loads(out.read_text())


def test_runs_on_rdma_core_56_and_our_provider(results):
    """The tests ran on the prefix's pyverbs and libibverbs, and the
    provider in that process is ours."""
    assert results["pyverbs"].startswith(os.path.join(PREFIX, PYTHON_DIR))
    libs = results["libraries"]
    verbs = [p for p in libs if os.path.basename(p).startswith("libibverbs")]
    assert verbs and all(p.startswith(PREFIX) for p in verbs), libs
    # the provider (libefa-rdmav34.so) and libefa.so.1 are one library
    ours = os.path.realpath(expect("provider_lib"))
    efa = {os.path.realpath(p) for p in libs if os.path.basename(p).startswith("libefa")}
    assert efa == {ours}, libs


@pytest.mark.parametrize("test_id", rdma_core_test_ids())
def test_rdma_core(results, test_id):
    outcome, detail = results["tests"].get(test_id, ["missing", "not run"])
    short = test_id.split(".", 2)[2]
    if outcome == "skipped":
        allowed = (expect("rdma_core_skips") or "").split()
        assert short in allowed, f"{short} skipped: {detail}"
        pytest.skip(detail)
    assert outcome == "ok", f"{short}: {outcome}\n{detail}"
