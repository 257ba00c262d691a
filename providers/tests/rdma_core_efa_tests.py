#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Runs rdma-core 56.1's own EFA tests (tests/test_efadv.py,
tests/test_efa_srd.py in the source tarball) with Debian's pyverbs 44,
in a test VM.

    rdma_core_efa_tests.py RDMA_CORE_SOURCE_DIR DEVICE [TEST ...]

TESTs are unittest names relative to the tests package, e.g.
test_efadv.EfaQueryDeviceTest (the default).  The tests were written for
pyverbs 56.1; where they only import a name pyverbs 44 lacks, the name is
stubbed (and reported): a test that actually uses one fails.
"""
import importlib
import re
import sys
import types
import unittest


def import_with_stubs(modules):
    """Import the test modules, stubbing names pyverbs 44 does not have."""
    stubbed = []
    for _ in range(50):
        for name in [m for m in sys.modules if m.startswith("tests.")]:
            del sys.modules[name]
        try:
            # tests.utils and tests.efa_base import each other; utils first,
            # as the package's own loader does.
            importlib.import_module("tests.utils")
            return [importlib.import_module("tests." + m) for m in modules], stubbed
        except ImportError as err:
            m = re.match(r"cannot import name '(\w+)' from '(pyverbs[\w.]*)'", str(err))
            if not m:
                raise
            name, module = m.groups()
            stub = (type(name, (), {}) if name[:1].isupper()
                    else lambda *a, **k: None)
            setattr(importlib.import_module(module), name, stub)
            stubbed.append(f"{module}.{name}")
    raise RuntimeError("too many missing names")


def main(source, device, tests):
    tests = tests or ["test_efadv.EfaQueryDeviceTest"]
    # The tests import their package as "tests" and its helpers as
    # top-level modules; a bare package object avoids running the package's
    # __init__, which imports every test module (mlx5's too).
    sys.path.insert(0, f"{source}/tests")
    package = types.ModuleType("tests")
    package.__path__ = [f"{source}/tests"]
    sys.modules["tests"] = package

    from args_parser import parser
    sys.argv = [sys.argv[0], "--dev", device, "-v"]
    parser.parse_args()

    modules = sorted({t.split(".")[0] for t in tests})
    _, stubbed = import_with_stubs(modules)
    print("stubbed for pyverbs 44:", ", ".join(stubbed) or "nothing")
    suite = unittest.defaultTestLoader.loadTestsFromNames(
        ["tests." + t for t in tests])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
