# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The test harness of the EFA stack, as one Python package.

Host side: ``vm`` (one test VM: its QEMU command line, run and verdict),
``suites`` (the table of every test suite) and ``runner`` (tools/run-tests),
``kernels`` (short names such as 6.1 to installed releases), ``build``
(what the suites need built), ``props`` (device properties and their
defaults), ``initramfs``.  Both sides: ``objects`` (the device model's
objects file), ``abi`` (constants and layouts from the C headers).  Guest
side: ``guest`` (what a suite running inside a test VM needs),
``processes`` (a server and its client run to their end, the apps' way).

tools/efa-vm and tools/run-tests import it from the folder they live in;
commands in a test VM and the suites run by tools/run-tests find it through
PYTHONPATH, which both set.  It uses only Python's standard library (and
pytest, for the fixtures in ``guest``).
"""
