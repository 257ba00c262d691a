# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""tools/run-tests: runs the rows of efastack.suites and counts test cases.

Each run's JUnit report (pytest's --junitxml, ctest's --output-junit) is
read back, so the last line, "N passed, N failed", counts test cases.  A VM
run adds one case of its own: the VM ended clean (the command's exit status
arrived, its output arrived whole, and with the leak check the device holds
no objects).  A build a run needs that fails is a failed case of that run.
Results (JUnit files, and for VM runs console log, dmesg, objects files) go
to build/test-results/<run>/.
"""
import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

from efastack import abi, build, kernels, paths, suites, vm

PYTHON = "/usr/bin/python3"      # Debian's: the one with pytest and pyverbs
# a file that fails to import fails alone, not the whole VM's session
PYTEST = [PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "-v", "--continue-on-collection-errors"]
RESULTS = os.path.join(paths.BUILD, "test-results")


def parse(argv):
    p = argparse.ArgumentParser(
        prog="run-tests",
        description="Runs every test suite (or those --suite selects) and ends with "
                    "the line 'N passed, N failed', counting test cases.  Installs what "
                    "is missing first (tools/setup; needs root only then).",
        epilog="Suites are the rows of tools/efastack/suites.py; --list shows them.  "
               "Example: run-tests --suite 'fidelity/6.12/*' -k guid")
    p.add_argument("--list", action="store_true", help="print the runs and exit")
    p.add_argument("--suite", action="append", default=[], metavar="GLOB",
                   help="only runs whose name (or suite name) matches GLOB (repeatable)")
    p.add_argument("-k", metavar="EXPR", help="passed to pytest (ctest suites ignore it)")
    p.add_argument("--kernels", metavar='"6.1 6.12"', help="only VM runs on these kernels")
    p.add_argument("--only", choices=("host", "vm"), help="only host or only VM runs")
    return p.parse_args(argv)


def select(args):
    selected = []
    kernel_filter = set(args.kernels.split()) if args.kernels else None
    for run in suites.runs():
        if args.only and run.suite.where != args.only:
            continue
        if kernel_filter is not None and run.suite.where == "vm" and run.kernel not in kernel_filter:
            continue
        if args.suite and not any(fnmatch.fnmatchcase(run.name, g) or
                                  fnmatch.fnmatchcase(run.suite.name, g) for g in args.suite):
            continue
        selected.append(run)
    return selected


def print_list(runs):
    """The table: each suite with what it runs, then its runs."""
    by_suite = {}
    for r in runs:
        by_suite.setdefault(r.suite.name, (r.suite, []))[1].append(r.name)
    for s, names in by_suite.values():
        print(f"{s.name:<16} {s.where:<4}  {s.what}")
        print(f"{'':<22}tests: {' '.join(s.tests) or 'ctest ' + s.ctest}")
        if s.where == "vm":
            setting = [f"{s.devices} device{'s' * (s.devices != 1)}", f"{s.smp} CPU{'s' * (s.smp != 1)}"]
            setting += [f"{k}={'(from the headers)' if callable(v) else v}" for k, v in s.props]
            setting += [f"kernel: {a}" for a in s.kernel_args]
            print(f"{'':<22}vm: {' '.join(setting)}")
        expect = [f"{k}={'(computed)' if callable(v) else v}" for k, v in s.expect]
        if expect or s.expect_when:
            print(f"{'':<22}expects: {' '.join(expect)}"
                  f"{' (and per kernel/driver)' if s.expect_when else ''}")
        if s.where == "vm":
            print(f"{'':<22}runs: {' '.join(names)}")


# ---- set-up and builds --------------------------------------------------------

def setup():
    """Packages: checked without root; installed (root) only if missing."""
    script = os.path.join(paths.TOOLS, "setup")
    check = subprocess.run([script, "--check"], capture_output=True, text=True)
    if check.returncode == 0:
        return True
    print(check.stdout + check.stderr, end="", file=sys.stderr)
    if os.geteuid() != 0:
        print("run-tests: run tools/setup as root to install what is missing", file=sys.stderr)
        return False
    return subprocess.run([script]).returncode == 0


class Builds:
    """Each build once; what failed, and why."""

    def __init__(self):
        self.done = {}

    def need(self, what, release=None):
        key = (what, release)
        if key not in self.done:
            t0 = time.monotonic()
            print(f"\n--- build: {what}{' for ' + release if release else ''}", flush=True)
            try:
                if what == "host":
                    build._run(["cmake", "-S", paths.REPO, "-B", paths.BUILD, "-G", "Ninja"],
                               "configuring the host build", quiet=True)
                    build._run(["ninja", "-C", paths.BUILD], "the host build", quiet=True)
                elif what == "provider":
                    build.provider()
                elif what == "pyverbs-programs":
                    build.guest_programs()
                elif what == "bench":
                    build.bench()
                elif what == "mpi-check":
                    build.mpi_check()
                elif what == "debs":
                    build.debs()
                elif what == "rdma-core-prefix":
                    build.rdma_core_prefix()
                elif what == "qemu":
                    build.qemu()
                elif what == "our-ko":
                    build.our_ko(release)
                elif what == "upstream-ko":
                    build.upstream_ko(release)
                elif what == "abi":
                    abi.load()
                self.done[key] = None
            except (build.BuildError, OSError, subprocess.SubprocessError, ValueError) as err:
                self.done[key] = f"{what}: {err}"
                print(f"run-tests: build failed: {self.done[key]}", file=sys.stderr)
            print(f"--- build: {what}: {'ok' if self.done[key] is None else 'FAILED'} "
                  f"({time.monotonic() - t0:.0f} s)", flush=True)
        return self.done[key]

    def for_run(self, run):
        """Why RUN cannot start (a failed build), or None."""
        s = run.suite
        needs = list(s.needs)
        if s.tests:
            needs.append("abi")
        release = kernels.release(run.kernel or "6.1")
        if s.where == "vm":
            needs.append("qemu")
            if run.driver == "ours":
                needs.append("our-ko")
            elif run.driver == "upstream":
                needs.append("upstream-ko")
            if run.provider == "ours":
                needs.append("provider")
            elif run.provider == "rdma-core":
                needs.append("rdma-core-prefix")
        for what in dict.fromkeys(needs):
            kernel_bound = what in ("our-ko", "upstream-ko")
            if kernel_bound and release is None:
                return f"kernel {run.kernel or '6.1'} is not installed"
            err = self.need(what, release if kernel_bound else None)
            if err:
                return err
        return None


# ---- results ------------------------------------------------------------------

class RunError(Exception):
    """A run that could not start."""


class Counts:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def add(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.failures += other.failures

    def case(self, name, ok):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(name)


def read_junit(path, owner):
    """Counts of a JUnit report (pytest's or ctest's), each case credited to
    the run OWNER(classname) names; None if the report is unreadable."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    counts = {}
    for case in root.iter("testcase"):
        classname = case.get("classname", "")
        run_name = owner(classname)
        c = counts.setdefault(run_name, Counts())
        name = f"{run_name}: {classname}::{case.get('name')}"
        if case.find("skipped") is not None or case.get("status") in ("disabled", "notrun"):
            c.skipped += 1
        else:
            c.case(name, case.find("failure") is None and case.find("error") is None
                   and case.get("status") != "fail")
    return counts


def run_host(run, results, k_expr, env):
    junit = os.path.join(results, "junit.xml")
    s = run.suite
    if s.ctest:
        cmd = ["ctest", "--test-dir", os.path.join(paths.REPO, s.ctest), "--output-on-failure",
               "--output-junit", junit]
    else:
        cmd = PYTEST + [f"--junitxml={junit}"] + (["-k", k_expr] if k_expr else [])
        cmd += [os.path.join(paths.REPO, t) for t in s.tests]
    env = dict(env, **run.expectations(), **run.environment())
    rc = subprocess.run(cmd, cwd=paths.REPO, env=env, stdin=subprocess.DEVNULL).returncode
    found = read_junit(junit, lambda classname: run.name)
    counts = Counts()
    if found is None:
        counts.case(f"{run.name}: no test report ({' '.join(cmd[:3])} exited {rc})", False)
    else:
        for c in found.values():
            counts.add(c)
        if rc != 0 and not counts.failed:
            counts.case(f"{run.name}: exited {rc} with no failed test", False)
    return {run.name: counts}


def _pytest_prefix(test_path):
    """The JUnit classname prefix of a pytest path: pyverbs-tests/test_x.py
    -> pyverbs-tests.test_x"""
    return test_path.removesuffix(".py").replace("/", ".")


def boots(runs):
    """VM runs grouped into boots: runs whose VMs would be set up alike
    (kernel, driver, provider, devices, CPUs, properties, kernel arguments,
    leak check) and whose expectations agree share one VM and one pytest
    session, in table order.  Tests that disturb others (reload cycles)
    come last in the table."""
    groups = []
    for run in runs:
        s = run.suite
        key = (run.kernel, run.driver, run.provider, s.devices, s.smp, s.mem,
               tuple(sorted(run.properties().items())), s.kernel_args, s.check_leaks)
        env = dict(run.expectations(), **run.environment())
        for g in groups:
            if g["key"] == key and all(g["env"].get(k, v) == v for k, v in env.items()):
                g["runs"].append(run)
                g["env"].update(env)
                break
        else:
            groups.append({"key": key, "runs": [run], "env": env})
    return [(g["runs"], g["env"]) for g in groups]


def _panicked_before_efa(verdict, results):
    """Whether a VM's kernel panicked during boot with no EFA module in it:
    seen once in a while on 6.12 with two vCPUs under TCG (an int3 oops
    in sched_clock_cpu about a second in, while the kernel patches its own
    text), which says nothing about the stack.  A panic with efa.ko loaded
    is never this."""
    if verdict is None or verdict.rc is not None or verdict.ready_s is not None:
        return False
    try:
        with open(os.path.join(results, "console.log"), errors="replace") as f:
            console = f.read()
    except OSError:
        return False
    modules = [line.split("Modules linked in:", 1)[1] for line in console.splitlines()
               if "Modules linked in:" in line]
    return ("Kernel panic - not syncing" in console and bool(modules)
            and not any(tok.split("(")[0] == "efa" for m in modules for tok in m.split()))


def run_boot(runs, env, results, k_expr):
    first = runs[0]
    s = first.suite
    tests = [t for r in runs for t in r.suite.tests]
    junit = vm.GUEST_RESULTS + "/junit.xml"
    cmd = PYTEST + [f"--junitxml={junit}"] + (["-k", k_expr] if k_expr else [])
    cmd += [os.path.join(paths.REPO, t) for t in tests]
    label = " + ".join(r.name for r in runs)
    for attempt in (1, 2):
        machine = vm.VM(cmd, kernel=first.kernel,
                        devices=vm.devices_with(s.devices, first.properties()),
                        driver=first.driver, provider=first.provider, check_leaks=s.check_leaks,
                        timeout=sum(r.suite.timeout for r in runs), smp=s.smp, mem=s.mem,
                        results=results,
                        env=env, kernel_args=s.kernel_args, name=f"efa-vm[{label}]")
        try:
            verdict = machine.run()
        except vm.SetupError as err:
            machine.msg(str(err))
            verdict = None
        if attempt == 1 and _panicked_before_efa(verdict, results):
            machine.msg("the guest kernel panicked while booting, before efa.ko was loaded "
                        "(nothing of the stack ran yet: see the console above); booting again, once")
            continue
        break

    def owner(classname):
        for r in runs:
            if any(classname.startswith(_pytest_prefix(t)) for t in r.suite.tests):
                return r.name
        return first.name
    counts = {r.name: Counts() for r in runs}
    for name, c in (read_junit(os.path.join(results, "junit.xml"), owner) or {}).items():
        counts[name].add(c)
    clean = verdict is not None and verdict.rc is not None and verdict.status == verdict.rc
    counts[first.name].case(f"{label}: the VM ended clean (exit status, whole output"
                            f"{', no objects left' if s.check_leaks else ''})", clean)
    if (verdict is not None and verdict.rc not in (None, 0)
            and not any(c.failed for c in counts.values())):
        counts[first.name].case(f"{label}: pytest exited {verdict.rc} with no failed test", False)
    return counts


def main(argv):
    args = parse(argv)
    selected = select(args)
    if not selected:
        print("run-tests: no suite matches", file=sys.stderr)
        return 2
    if args.list:
        print_list(selected)
        return 0
    start = time.monotonic()
    if not setup():
        return 1
    env = dict(os.environ, PYTHONPATH=paths.python_path(os.environ.get("PYTHONPATH")),
               EFA_CACHE=paths.cache_dir(), PYTHONDONTWRITEBYTECODE="1")
    os.environ.update(EFA_CACHE=env["EFA_CACHE"])
    # Builds first: what a run expects may name a build's output.
    builds = Builds()
    cannot = {r.name: builds.for_run(r) for r in selected}
    total = Counts()
    work = [([r], None) for r in selected if r.suite.where == "host"]
    work += boots([r for r in selected if r.suite.where == "vm"])
    for runs, boot_env in work:
        label = " + ".join(r.name for r in runs)
        results = os.path.join(RESULTS, label.replace("/", "_").replace(" + ", "+"))
        shutil.rmtree(results, ignore_errors=True)
        os.makedirs(results)
        print(f"\n=== {label}: " + "; ".join(r.suite.what for r in runs), flush=True)
        t0 = time.monotonic()
        why = next(filter(None, (cannot[r.name] for r in runs)), None)
        try:
            if why:
                raise RunError(f"cannot run: {why}")
            if runs[0].suite.where == "host":
                counts = run_host(runs[0], results, args.k, env)
            else:
                counts = run_boot(runs, boot_env, results, args.k)
        except (RunError, OSError, subprocess.SubprocessError) as err:
            print(f"run-tests: {label}: {err}", file=sys.stderr)
            counts = {r.name: Counts() for r in runs}
            for r in runs:
                counts[r.name].case(f"{r.name}: {err}", False)
        for name, c in counts.items():
            total.add(c)
            print(f"=== {name}: {'ok' if not c.failed else 'FAILED'} ({c.passed} passed, "
                  f"{c.failed} failed, {c.skipped} skipped)", flush=True)
        print(f"=== {time.monotonic() - t0:.0f} s", flush=True)
    print(f"\nrun-tests: {len(selected)} runs in {len(work)} steps, {total.skipped} cases skipped, "
          f"{time.monotonic() - start:.0f} s")
    for name in total.failures:
        print(f"run-tests: FAILED: {name}")
    print(f"{total.passed} passed, {total.failed} failed")
    return 0 if total.failed == 0 else 1
