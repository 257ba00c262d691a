# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Runs test classes of rdma-core's own tests with that rdma-core's pyverbs
(the prefix tools/build-rdma-core-prefix builds) and writes what happened
as JSON; test_rdma_core_efa.py starts it in a process of its own.

    rdma_core_unittest.py TESTS_DIR DEVICE OUT.json MODULE.CLASS...

TESTS_DIR is the prefix's copy of rdma-core's tests folder.  The JSON has
"tests" ({id: [outcome, detail]}, outcome one of ok, skipped, failed,
error), "pyverbs" (the file pyverbs was imported from) and "libraries"
(the paths of every libibverbs and libefa this process maps with the device
open), so the
caller can tell the tests ran on that rdma-core and on which provider.
"""
import importlib
import json
import os
import sys
import types
import unittest


def _test_id(test):
    """The id of a test, or of the test a subTest() belongs to."""
    return getattr(test, "test_case", test).id()


class Recorder(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.outcomes = {}

    def _record(self, test, outcome, detail):
        # a failed subtest is the test's outcome: later subtests that pass
        # (and a skip) do not hide it
        tid = _test_id(test)
        if self.outcomes.get(tid, ["ok"])[0] not in ("failed", "error"):
            self.outcomes[tid] = [outcome, detail]

    def addSuccess(self, test):
        self._record(test, "ok", "")

    def addSkip(self, test, reason):
        self._record(test, "skipped", reason)

    def addFailure(self, test, err):
        self._record(test, "failed", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        self._record(test, "error", self._exc_info_to_string(err, test))

    def addSubTest(self, test, subtest, err):
        # unittest reports a test with a failed subtest only here
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            self._record(test, "failed" if failed else "error",
                         self._exc_info_to_string(err, test))


def mapped_libraries():
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "/" in line}
    return sorted(p for p in paths
                  if os.path.basename(p).startswith(("libibverbs", "libefa")))


def main(tests_dir, device, out, names):
    # rdma-core's helpers import args_parser as a top-level module and the
    # tests as the package "tests"; a bare package object keeps the package's
    # __init__ (which imports every test module, mlx5's too) from running.
    sys.path.insert(0, tests_dir)
    package = types.ModuleType("tests")
    package.__path__ = [tests_dir]
    sys.modules["tests"] = package
    from args_parser import parser
    sys.argv = [sys.argv[0], "--dev", device]
    parser.parse_args()
    import pyverbs

    # tests.utils and tests.efa_base import each other: utils first, as the
    # package's own __init__ has it
    importlib.import_module("tests.utils")
    loader = unittest.TestLoader()
    suite = loader.loadTestsFromNames([f"tests.{n}" for n in names])
    if loader.errors:
        sys.exit("rdma_core_unittest: cannot load the tests:\n" + "\n".join(loader.errors))
    result = Recorder()
    suite.run(result)
    # with a device open, the provider is mapped too
    from pyverbs.device import Context
    with Context(name=device):
        libraries = mapped_libraries()
    with open(out, "w") as f:
        json.dump({"tests": result.outcomes, "pyverbs": pyverbs.__file__,
                   "libraries": libraries}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
