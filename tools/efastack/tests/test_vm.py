# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""tools/efa-vm from the outside, as a user runs it: what the command prints
arrives complete and in order (megabytes of it, with the host busy), or the
run fails and says so; exit statuses and verdicts; what the guest gets to
know; no QEMU outlives the harness; several VMs at once.

Runs on the host and boots VMs (no EFA driver needed for most).
EFA_VM_STRESS_RUNS=N repeats the busy-host transfer N times (default 2).
"""
import hashlib
import io
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from efastack import build, paths, props, suites, vm

EFA_VM = os.path.join(paths.TOOLS, "efa-vm")
BLOB_BYTES = 4 << 20


def efa_vm(*args, timeout=300, **kw):
    """efa-vm ARGS: (exit status, stdout bytes, stderr text)."""
    proc = subprocess.run([EFA_VM, *args], capture_output=True, timeout=timeout, **kw)
    return proc.returncode, proc.stdout, proc.stderr.decode(errors="replace")


@pytest.fixture
def busy_host():
    """A second heavy process on the host for as long as the test runs."""
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    yield
    burner.kill()
    burner.wait()


@pytest.mark.parametrize("attempt", range(int(os.environ.get("EFA_VM_STRESS_RUNS", "2"))))
def test_megabytes_arrive_whole_on_a_busy_host(tmp_path, busy_host, attempt):
    results = tmp_path / "results"
    rc, out, err = efa_vm(
        "--devices", "0", "--driver", "none", "--results", str(results), "--",
        "sh", "-c", f"head -c {BLOB_BYTES} /dev/urandom >/tmp/blob && "
        "sha256sum </tmp/blob >$EFA_VM_RESULTS/blob.sha256 && cat /tmp/blob")
    assert rc == 0, err
    assert len(out) == BLOB_BYTES
    want = (results / "blob.sha256").read_text().split()[0]
    assert hashlib.sha256(out).hexdigest() == want


def test_stdout_and_stderr_in_order_leftovers_killed_status_kept():
    script = ('for i in $(seq 500); do echo "out $i"; echo "err $i" >&2; done; '
              # a process that ignores the hang-up and holds the terminal
              '(trap "" HUP; sleep 1000; echo never) & '
              'test -t 1 && test -t 2 && echo "tty: yes"; exit 7')
    t0 = time.monotonic()
    rc, out, err = efa_vm("--devices", "0", "--driver", "none", "--", "bash", "-c", script)
    assert rc == 7, err
    want = "".join(f"out {i}\nerr {i}\n" for i in range(1, 501)) + "tty: yes\n"
    assert out.decode() == want
    assert "never" not in out.decode()
    assert time.monotonic() - t0 < 60, "the leftover process held the VM"


def test_output_that_is_not_what_the_guest_wrote_fails_the_run():
    # bytes in the output file the guest's runner never wrote
    rc, out, err = efa_vm("--devices", "0", "--driver", "none", "--", "sh", "-c",
                          "echo extra >>$EFA_VM_RESULTS/output")
    assert rc == 1
    assert "output lost on its way out of the VM" in err
    assert out == b"extra\n"


def test_device_properties_reach_the_guest():
    rc, out, err = efa_vm("--devices", "2", "--driver", "none", "--prop", "max-qp=64",
                          "--prop", "guid=0x100", "-e", "EFA_PROP_MAX_CQ=7", "--", "sh", "-c",
                          "echo $EFA_PROP_MAX_QP $EFA_PROP_MAX_CQ $EFA_PROP_MAX_PD "
                          "$EFA_PROP_GUID; cat /sys/bus/pci/devices/*/vendor | sort | uniq -c")
    assert rc == 0, err
    defaults = props.defaults(build.qemu())
    words = out.decode().split()
    assert words[:4] == ["64", "7", defaults["max-pd"], "0x100"]
    assert "2 0x1d0f" in " ".join(words[4:])


def test_command_not_found_and_several_vms_at_once():
    outs = [io.BytesIO(), io.BytesIO()]
    machines = [vm.VM(["no-such-command"], driver="none", stdout=outs[0], name="vm0"),
                vm.VM(["sh", "-c", "echo $((6 * 7)); ls /sys/bus/pci/devices | wc -l"],
                      driver="none", devices=vm.devices_with(3, {}), stdout=outs[1],
                      name="vm1")]
    try:
        for m in machines:
            m.prepare()
        for m in machines:
            m.start()
        verdicts = [m.wait() for m in machines]
    finally:
        for m in machines:
            m.kill()
            m.close()
    assert verdicts[0].status == 127
    assert b"no-such-command: command not found" in outs[0].getvalue()
    assert verdicts[1].status == 0
    answer, functions = outs[1].getvalue().split()
    assert answer == b"42" and int(functions) >= 3


def test_a_guest_panic_is_reported():
    rc, _, err = efa_vm("--devices", "0", "--driver", "none", "--", "sh", "-c",
                        "echo c >/proc/sysrq-trigger")
    assert rc == 1
    assert "guest kernel panicked while the command ran" in err


def test_timeout_kills_the_vm(tmp_path):
    rc, _, err = efa_vm("--devices", "0", "--driver", "none", "--timeout", "8",
                        "--results", str(tmp_path), "--", "sleep", "600")
    assert rc == 1
    assert "timed out after 8 s while the command ran" in err


def test_no_qemu_outlives_a_killed_harness(tmp_path):
    harness = subprocess.Popen([EFA_VM, "--devices", "0", "--driver", "none",
                                "--results", str(tmp_path), "--", "sleep", "600"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (tmp_path / "ready").exists():
        assert time.monotonic() < deadline, "the VM never got ready"
        time.sleep(0.2)
    harness.send_signal(signal.SIGKILL)
    harness.wait()

    def qemus():
        out = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
        return out.stdout.split()
    deadline = time.monotonic() + 10
    while qemus():
        assert time.monotonic() < deadline, f"QEMU {qemus()} survived its harness"
        time.sleep(0.2)


def test_suite_properties_are_device_properties():
    known = props.defaults(build.qemu())
    for s in suites.SUITES:
        for key, _ in s.props:
            assert key in known or key in props.PER_DEVICE_PROPS, f"{s.name}: {key}"


def test_usage_errors_exit_2():
    for args in (["--devices", "x", "--", "true"], ["--driver", "other", "--", "true"],
                 ["--prop", "a,b=1", "--", "true"], ["--devices", "1"]):
        rc, _, err = efa_vm(*args)
        assert rc == 2, args
        assert re.search(r"Try 'efa-vm --help'", err), err
