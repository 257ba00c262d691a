# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Fixtures for the suites that run inside a test VM.

The host side (tools/run-tests) boots the VM with known device properties
(tools/efa-vm exports them as EFA_PROP_*) and passes any other expectation
as EFA_EXPECT_*; a test compares what the driver and provider report
against them (efastack.guest.expect).
"""
from efastack.guest import efa_devices  # noqa: F401  (a fixture)
