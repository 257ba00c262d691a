# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The harness's own pieces, on the host and without a VM: the objects-file
parser, the suite table and how it groups runs into boots, the kernel
lookup, the initramfs, device-property expectations, the server and client
launcher (efastack.processes), and the guest's command runner
(tools/vm/run-command.c)."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import zlib

import pytest

from efastack import (build, initramfs, kernels, objects, paths, processes, props, runner,
                      suites, vm)


# ---- objects file --------------------------------------------------------------

def test_objects_file_parses_and_names_leaks():
    counts = objects.parse("pd 0 0\nqp 2 0\n\nmr 0 3\n")
    assert counts == {"pd": (0, 0), "qp": (2, 0), "mr": (0, 3)}
    assert objects.leaks(counts) == ["qp live=2 dropped=0", "mr live=0 dropped=3"]


@pytest.mark.parametrize("text", ["pd 1\n", "pd one 0\n", "pd 1 0 extra\n", "pd -1 0\n"])
def test_malformed_objects_file_is_refused(text):
    with pytest.raises(objects.MalformedObjectsFile):
        objects.parse(text)


# ---- the suite table -------------------------------------------------------------

def test_suite_table_is_consistent():
    names = [s.name for s in suites.SUITES]
    assert len(names) == len(set(names))
    for s in suites.SUITES:
        assert s.where in ("host", "vm"), s.name
        assert bool(s.tests) != bool(s.ctest), f"{s.name}: pytest paths or a ctest folder"
        for t in s.tests:
            assert os.path.exists(os.path.join(paths.REPO, t)), t
        if s.where == "vm":
            assert s.kernels and set(s.kernels) <= set(kernels.SUPPORTED), s.name
            for driver, provider in s.pairs:
                assert driver in vm.DRIVERS and provider in vm.PROVIDERS, s.name
        for cond, _ in s.expect_when:
            assert set(cond) <= {"kernel", "driver", "provider"}, s.name


def _suite(name, **kw):
    return suites.Suite(name, "a test suite", "vm", tests=("x.py",), kernels=("6.1",),
                        pairs=(("ours", "ours"),), **kw)


def test_runs_set_up_alike_share_a_boot():
    a = _suite("a", props=(("max-qp", "8"),), expect=(("DEVICES", 1),))
    b = _suite("b", props=(("max-qp", "8"),), expect=(("OTHER", 2),))
    c = _suite("c", props=(("max-qp", "9"),))
    d = _suite("d", props=(("max-qp", "8"),), expect=(("DEVICES", 2),))
    groups = runner.boots(suites.runs([a, b, c, d]))
    assert [[r.suite.name for r in runs] for runs, _ in groups] == [["a", "b"], ["c"], ["d"]]
    assert groups[0][1] == {"EFA_EXPECT_DEVICES": "1", "EFA_EXPECT_OTHER": "2"}


def test_expectations_follow_kernel_and_driver():
    s = suites.Suite("s", "a test suite", "vm", tests=("x.py",), kernels=("6.1", "6.12"),
                     pairs=(("upstream", "ours"), ("ours", "ours")),
                     expect=(("X", 1),), expect_when=(({"driver": "upstream"}, (("X", 2),)),
                                                      ({"kernel": "6.12"}, (("Y", 3),))))
    got = {r.name: r.expectations() for r in suites.runs([s])}
    assert got == {"s/6.1/upstream-ours": {"EFA_EXPECT_X": "2"},
                   "s/6.1/ours-ours": {"EFA_EXPECT_X": "1"},
                   "s/6.12/upstream-ours": {"EFA_EXPECT_X": "2", "EFA_EXPECT_Y": "3"},
                   "s/6.12/ours-ours": {"EFA_EXPECT_X": "1", "EFA_EXPECT_Y": "3"}}


def test_junit_cases_are_counted_and_credited(tmp_path):
    report = tmp_path / "junit.xml"
    report.write_text("""<testsuites><testsuite>
        <testcase classname="pyverbs-tests.test_a" name="t1"/>
        <testcase classname="pyverbs-tests.test_a" name="t2"><failure/></testcase>
        <testcase classname="kernel-module.tests.test_b" name="t3"><skipped/></testcase>
        <testcase classname="kernel-module.tests.test_b" name="t4"><error/></testcase>
        </testsuite></testsuites>""")
    counts = runner.read_junit(str(report), lambda c: c.split(".")[0])
    assert (counts["pyverbs-tests"].passed, counts["pyverbs-tests"].failed) == (1, 1)
    assert (counts["kernel-module"].skipped, counts["kernel-module"].failed) == (1, 1)
    assert runner.read_junit(str(tmp_path / "missing.xml"), str) is None


# ---- kernels, initramfs, properties ----------------------------------------------

def test_kernel_short_names(monkeypatch):
    monkeypatch.setattr(kernels, "installed",
                        lambda: ["6.1.0-9-amd64", "6.1.0-28-amd64", "6.12.9+bpo-amd64"])
    assert kernels.release("6.1") == "6.1.0-28-amd64"
    assert kernels.release("6.12") == "6.12.9+bpo-amd64"
    assert kernels.release("6.1.0-9-amd64") == "6.1.0-9-amd64"
    assert kernels.release("6.2") is None


@pytest.mark.parametrize("short", kernels.SUPPORTED)
def test_initramfs_loads_modules_in_modprobes_order(short):
    release = kernels.release(short)
    if release is None:
        pytest.skip(f"kernel {short} not installed")
    for wanted in (initramfs.ROOT_MODULES, initramfs.IB_MODULES):
        want = []
        for m in wanted:
            out = subprocess.run(["modprobe", "-S", release, "--show-depends", m],
                                 capture_output=True, text=True, check=True).stdout
            for line in out.splitlines():
                path = line.split()[1]
                if line.startswith("insmod ") and path not in want:
                    want.append(path)
        got = [os.path.join(kernels.module_dir(release), p)
               for p in initramfs._load_order(release, wanted)]
        assert got == want


def test_initramfs_archive_lists_its_files(tmp_path):
    if not shutil.which("cpio"):
        pytest.skip("no cpio to read the archive back")
    cpio = initramfs._Cpio()
    cpio.add("bin", 0o040755)
    cpio.add("bin/busybox", 0o100755, b"\x7fELF...")
    cpio.add("bin/sh", 0o120777, b"busybox")
    (tmp_path / "a.cpio").write_bytes(cpio.finish())
    out = subprocess.run(["cpio", "-itv", "-F", str(tmp_path / "a.cpio")],
                         capture_output=True, text=True, check=True).stdout
    assert "bin/sh -> busybox" in out and "bin/busybox" in out


def test_guest_gets_every_property_but_per_device_ones_only_when_given():
    defaults = {"max-qp": "256", "guid": "0xe1f", "net-addr": "x", "mtu": "8928"}
    env = props.guest_env(defaults, {"max-qp": "8"})
    assert env == {"EFA_PROP_MAX_QP": "8", "EFA_PROP_MTU": "8928"}
    assert props.guest_env(defaults, {"guid": "0x1"})["EFA_PROP_GUID"] == "0x1"


def test_guest_expects_the_generation_of_the_device_id_it_was_given():
    defaults = {"device-caps": "27", "max-qp": "256", "device-id": "61346"}
    generations = {0xefa0: {"device-caps": "0"}, 0xefa3: {"device-caps": "31"}}
    env = props.guest_env(defaults, {"device-id": "0xefa0"}, generations)
    assert env["EFA_PROP_DEVICE_CAPS"] == "0" and env["EFA_PROP_MAX_QP"] == "256"
    # a property given explicitly wins over the generation
    env = props.guest_env(defaults, {"device-id": "0xefa3", "device-caps": "1"}, generations)
    assert env["EFA_PROP_DEVICE_CAPS"] == "1"
    assert props.guest_env(defaults, {}, generations)["EFA_PROP_DEVICE_CAPS"] == "27"


def test_qemu_help_lists_each_generations_defaults():
    qemu = build.qemu()
    generations = props.generation_defaults(qemu)
    assert sorted(generations) == [0xefa0, 0xefa1, 0xefa2, 0xefa3]
    default_id = int(props.defaults(qemu)["device-id"], 0)
    for prop, value in generations[default_id].items():
        assert props.defaults(qemu)[prop] == value, prop


def test_devices_get_consecutive_guids():
    devs = vm.devices_with(3, {"guid": "0x10", "max-qp": "4"})
    assert [d.props["guid"] for d in devs] == ["0x10", "0x0000000000000011", "0x0000000000000012"]
    assert all(d.props["max-qp"] == "4" for d in devs)


def test_devices_are_wired_to_one_hub_unless_asked_not_to():
    wired = [d.qemu_args(f"/r/efa{i}.objects") for i, d in enumerate(vm.devices_with(2, {}))]
    assert wired[1] == ["-netdev", f"hubport,id=efa1,hubid={vm.HUB_ID}", "-device",
                        "efa,bus=pcie.0,objects-file=/r/efa1.objects,netdev=efa1"]
    assert wired[0][1] == f"hubport,id=efa0,hubid={vm.HUB_ID}"
    unwired = vm.devices_with(2, {}, wired=False)[1].qemu_args("/r/x")
    assert unwired == ["-device", "efa,bus=pcie.0,objects-file=/r/x"]


# ---- server and client processes -------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _python(code):
    return [sys.executable, "-c", code]


# listens after a while (a client started at once would be refused), answers
# one client with what it sent and the value of $TAG, then exits
ECHO_SERVER = """
import os, socket, sys, time
time.sleep(0.5)
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
c, _ = s.accept(); got = c.recv(100)
c.sendall(got + os.environ["TAG"].encode()); print("served", got.decode())
"""
ECHO_CLIENT = """
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"ping "); print("got", c.recv(100).decode())
"""


def test_client_runs_once_its_server_listens():
    port = _free_port()
    run = processes.server_client(_python(ECHO_SERVER) + [str(port)],
                                  _python(ECHO_CLIENT) + [str(port)], port,
                                  env=dict(os.environ, TAG="tagged"), timeout=30)
    assert run.ok, run.report()
    assert run.server.output == "served ping \n"
    assert run.client.output == "got ping tagged\n"
    assert 0.5 <= run.seconds < 30
    assert not processes.listening(port)


def test_listening_is_a_listening_socket_on_the_port():
    port = _free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
        assert not processes.listening(port)     # bound only
        s.listen(1)
        assert processes.listening(port)
    assert not processes.listening(port)


def test_a_server_that_exits_without_listening_leaves_the_client_unstarted(tmp_path):
    port, started = _free_port(), tmp_path / "client-started"
    run = processes.server_client(_python("print('no device'); raise SystemExit(3)"),
                                  ["touch", str(started)], port, timeout=30)
    assert not run.ok
    assert (run.server.returncode, run.server.output) == (3, "no device\n")
    assert run.client.returncode is None and "not started" in run.client.output
    assert not started.exists()
    assert run.seconds < 10
    assert "$ touch" in run.report() and "(exit 3)" in run.report()


def test_a_server_that_never_listens_is_killed_at_the_deadline():
    port = _free_port()
    run = processes.server_client(_python("import time; print('up', flush=True); time.sleep(60)"),
                                  ["true"], port, timeout=1)
    assert run.server.returncode == -signal.SIGKILL
    assert run.server.output.startswith("up\n") and "killed" in run.server.output
    assert run.client.returncode is None
    assert 1 <= run.seconds < 10


def test_a_client_past_the_deadline_is_killed_and_so_is_its_server():
    port = _free_port()
    server = ("import socket, sys, time; s = socket.socket(); "
              "s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(1); s.accept(); time.sleep(60)")
    run = processes.server_client(_python(server) + [str(port)],
                                  _python("import socket, sys, time; "
                                          "socket.create_connection(('127.0.0.1', "
                                          "int(sys.argv[1]))); time.sleep(60)") + [str(port)],
                                  port, timeout=2)
    assert (run.server.returncode, run.client.returncode) == (-signal.SIGKILL,) * 2, run.report()
    assert "killed" in run.client.output and "killed" in run.server.output
    assert 2 <= run.seconds < 10


def test_a_client_that_cannot_start_takes_its_server_down():
    port = _free_port()
    server = ("import socket, sys, time; s = socket.socket(); "
              "s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(1); time.sleep(60)")
    with pytest.raises(FileNotFoundError):
        processes.server_client(_python(server) + [str(port)], ["/no/such/client"], port,
                                timeout=30)
    assert not processes.listening(port)


# ---- the guest's command runner -------------------------------------------------

@pytest.fixture(scope="module")
def runner_binary():
    return build.runner()


def _run(runner_binary, tmp_path, *command):
    out, summary = tmp_path / "output", tmp_path / "output.sum"
    proc = subprocess.run([runner_binary, str(out), str(summary), "--", *command],
                          capture_output=True, text=True, timeout=60)
    return proc.returncode, out.read_bytes(), summary.read_text().strip(), proc.stderr


def test_runner_copies_output_and_counts_it(runner_binary, tmp_path):
    data = os.urandom(300000)
    (tmp_path / "blob").write_bytes(data)
    rc, out, summary, _ = _run(runner_binary, tmp_path, "sh", "-c",
                               f"cat {tmp_path}/blob; echo err >&2; test -t 1 && exit 3")
    assert rc == 3
    assert out == data + b"err\n"      # raw terminal: no \r added
    assert summary == f"{len(out)} {zlib.crc32(out):08x}"


def test_runner_reports_signals_and_missing_commands(runner_binary, tmp_path):
    rc, _, _, _ = _run(runner_binary, tmp_path, "sh", "-c", "kill -TERM $$")
    assert rc == 128 + 15
    rc, out, summary, _ = _run(runner_binary, tmp_path, "no-such-command")
    assert rc == 127
    assert b"no-such-command: command not found" in out
    assert summary.split()[0] == str(len(out))


def test_runner_kills_leftovers_only_under_pid_1(runner_binary, tmp_path):
    # a process that ignores the hang-up and keeps the terminal open
    script = '(trap "" HUP; sleep 30; echo late) & echo early'
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root for a PID namespace")
    # in a PID namespace of its own, with a shell as its PID 1: as in the guest
    proc = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "sh", "-c",
                           f"{runner_binary} {tmp_path}/output {tmp_path}/output.sum -- "
                           f"sh -c '{script}'; echo rc=$?"],
                          capture_output=True, text=True, timeout=20)
    assert "rc=0" in proc.stdout
    assert (tmp_path / "output").read_bytes() == b"early\n"


@pytest.mark.parametrize("console, rc, ready, again", [
    # TCG's boot-time oops: no module loaded, the command never started
    ("Oops: int3\nModules linked in:\nKernel panic - not syncing: Fatal exception\n",
     None, None, True),
    # a panic with our driver loaded is the stack's, never booted again
    ("BUG: kernel NULL pointer\nModules linked in: efa(OE) ib_uverbs ib_core\n"
     "Kernel panic - not syncing: Fatal exception\n", None, None, False),
    # after the command started, or once it exited, nothing is retried
    ("Modules linked in:\nKernel panic - not syncing: x\n", None, 1.5, False),
    ("Modules linked in:\nKernel panic - not syncing: x\n", 0, 1.5, False),
    # no panic at all (a timeout, a QEMU failure)
    ("booting\n", None, None, False),
])
def test_only_a_boot_panic_without_efa_is_booted_again(tmp_path, console, rc, ready, again):
    (tmp_path / "console.log").write_text(console)
    verdict = vm.Verdict(status=1, results=str(tmp_path))
    verdict.rc, verdict.ready_s = rc, ready
    assert runner._panicked_before_efa(verdict, str(tmp_path)) is again
