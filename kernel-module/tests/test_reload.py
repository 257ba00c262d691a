# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Unloading and reloading efa.ko, many times: every device comes back each
time, the kernel log stays clean, and (the VM's leak check, after the last
unload) the devices hold nothing; a reset that finds objects alive counts
them as dropped, so a leak in any cycle shows.  Runs in a test VM with the
driver efa-vm loaded ($EFA_VM_KO)."""
import os
import re
import time

from efastack.guest import efa_device_names, run, wait_for

CYCLES = 20


def test_reload_cycles_bring_every_device_back():
    ko = os.environ["EFA_VM_KO"]
    want = efa_device_names()
    assert want, "no efa device registered to start with"
    run("dmesg", "-C")
    t0 = time.monotonic()
    for cycle in range(1, CYCLES + 1):
        run("rmmod", "efa")
        assert efa_device_names() == [], f"cycle {cycle}: devices left after rmmod"
        run("insmod", ko)
        wait_for(lambda: efa_device_names() == want, 10,
                 f"cycle {cycle}: every device to register again")
        run("ibv_devices")
    print(f"{CYCLES} cycles in {time.monotonic() - t0:.1f} s")

    log = run("dmesg")
    bad = [line for line in log.splitlines()
           if re.search(r"efa.*(fail|error|timed out|unimplemented)|WARNING|BUG|Oops",
                        line, re.I)]
    assert not bad, "\n".join(bad)
    assert log.count("IB device registered") >= CYCLES * len(want)
