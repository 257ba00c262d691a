# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""rdma-core 56.1's own EFA tests (tests/test_efadv.py in its source, at
$EFA_RDMA_CORE_SOURCE), collected by pytest and run with Debian's pyverbs 44
over our libefa, in a test VM.

The tests were written for pyverbs 56.1.  Where they only import a name
pyverbs 44 lacks, the name is stubbed (and said on stderr); a test that
actually uses one fails.  The
test classes run are those of RDMA_CORE_TESTS: the ones whose verbs the
stack implements.
"""
import importlib
import os
import re
import sys
import types

import pytest

from efastack.guest import efa_device_names

RDMA_CORE_TESTS = {"test_efadv": ["EfaQueryDeviceTest"]}
STUBBED = []


def _import_with_stubs(source, modules):
    """Import rdma-core's test modules as the package "tests", stubbing
    names pyverbs 44 does not have."""
    for _ in range(50):
        for name in [m for m in sys.modules if m.startswith("tests.")]:
            del sys.modules[name]
        try:
            # tests.utils and tests.efa_base import each other; utils first,
            # as the package's own loader does.
            importlib.import_module("tests.utils")
            return [importlib.import_module("tests." + m) for m in modules]
        except ImportError as err:
            m = re.match(r"cannot import name '(\w+)' from '(pyverbs[\w.]*)'", str(err))
            if not m:
                raise
            name, module = m.groups()
            stub = type(name, (), {}) if name[:1].isupper() else (lambda *a, **k: None)
            setattr(importlib.import_module(module), name, stub)
            STUBBED.append(f"{module}.{name}")
    raise RuntimeError("too many names missing from pyverbs")


def _load():
    source = os.environ.get("EFA_RDMA_CORE_SOURCE")
    if not source or not os.path.isdir(f"{source}/tests"):
        pytest.skip("no rdma-core source tree ($EFA_RDMA_CORE_SOURCE)", allow_module_level=True)
    # The tests import their package as "tests" and its helpers as top-level
    # modules; a bare package object avoids running the package's
    # __init__, which imports every test module (mlx5's too).
    sys.path.insert(0, f"{source}/tests")
    package = types.ModuleType("tests")
    package.__path__ = [f"{source}/tests"]
    sys.modules["tests"] = package
    devices = efa_device_names()
    argv = sys.argv
    sys.argv = [argv[0], "--dev", devices[0]]
    try:
        from args_parser import parser  # rdma-core's, from its tests folder
        parser.parse_args()
    finally:
        sys.argv = argv
    modules = _import_with_stubs(source, list(RDMA_CORE_TESTS))
    # past pytest's capture: the stubs are worth knowing about
    print("rdma-core tests: stubbed for pyverbs 44: " + (", ".join(STUBBED) or "nothing"),
          file=sys.__stderr__)
    for module, names in zip(modules, RDMA_CORE_TESTS.values()):
        for name in names:
            globals()[name] = getattr(module, name)


_load()
