# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""What the test VMs and suites need built, each cached and found the same
way everywhere: our QEMU, our efa.ko and the upstream one for a kernel, our
provider, rdma-core 56.1's pyverbs prefix, fabtests, the guest's command runner.  Each function returns a path or
raises BuildError with the tail of what went wrong; progress goes to
stderr."""
import hashlib
import os
import subprocess

from efastack import paths


class BuildError(Exception):
    pass


def _run(cmd, what, quiet=False):
    """Run CMD; its stdout is returned, its stderr shown (or, quiet, kept
    for the error)."""
    proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE if quiet else None, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or "").splitlines()[-30:]) if quiet else ""
        raise BuildError(f"{what} failed (exit {proc.returncode})" + (f":\n{tail}" if tail else ""))
    return proc.stdout


def qemu():
    """qemu-system-x86_64 with the EFA model: $EFA_QEMU, else built (or
    found in the cache) by emulator/build-qemu."""
    if os.environ.get("EFA_QEMU"):
        return os.environ["EFA_QEMU"]
    out = _run([os.path.join(paths.REPO, "emulator", "build-qemu"), "--print-path"],
               "emulator/build-qemu")
    return out.strip().splitlines()[-1]


def upstream_ko(release):
    """The upstream Linux efa.ko for RELEASE, built from Debian's linux-source."""
    out = _run([os.path.join(paths.TOOLS, "build-upstream-efa"), release],
               f"building the upstream efa driver for {release}")
    return out.strip().splitlines()[-1]


def our_ko_path(release):
    return os.path.join(paths.BUILD, "kernel-module", release, "efa.ko")


def our_ko_make(release, *args):
    """kernel-module/Makefile's command for RELEASE in our_ko_path's folder,
    with W=1 and warnings as errors; ARGS (a target, ENABLE_GDR=0) follow."""
    return ["make", "-C", os.path.join(paths.REPO, "kernel-module"), f"KVER={release}",
            f"BUILD_DIR={os.path.dirname(our_ko_path(release))}", "W=1", "EFA_WERROR=1",
            f"-j{os.cpu_count() or 1}", *args]


def our_ko(release):
    """Our efa.ko for RELEASE, built (as needed) by kernel-module/Makefile."""
    _run(our_ko_make(release), f"building our efa.ko for {release}", quiet=True)
    return our_ko_path(release)


def provider_dir():
    return os.path.join(paths.BUILD, "providers")


def provider():
    """Our libefa (build/providers), configured once, rebuilt as needed."""
    build = provider_dir()
    if not os.path.exists(os.path.join(build, "build.ninja")):
        _run(["cmake", "-S", os.path.join(paths.REPO, "providers"), "-B", build,
              "-G", "Ninja"], "configuring the provider", quiet=True)
    _run(["ninja", "-C", build], "building the provider", quiet=True)
    return build


def rdma_core_prefix():
    """rdma-core 56.1's libibverbs, pyverbs and tests in a cached prefix
    (tools/build-rdma-core-prefix; a cold build takes minutes)."""
    out = _run([os.path.join(paths.TOOLS, "build-rdma-core-prefix")],
               "building rdma-core 56.1's libibverbs and pyverbs")
    return out.strip().splitlines()[-1]


def rdma_core_provider(prefix):
    """rdma-core 56.1's own efa provider in PREFIX: the provider module
    libibverbs loads and libefa.so.1 (the efadv library)."""
    libdir = os.path.join(prefix, "usr/lib/x86_64-linux-gnu")
    return (os.path.join(libdir, "libibverbs", "libefa-rdmav34.so"),
            os.path.join(libdir, "libefa.so.1"))


class SourceUnavailable(BuildError):
    """A build whose source this machine cannot get."""


def fabtests():
    """fabtests 1.17.0 built against Debian's libfabric in a cached prefix
    (tools/build-fabtests; a cold build takes a minute)."""
    cmd = [os.path.join(paths.TOOLS, "build-fabtests")]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # build-fabtests says "no source:" when it has neither Debian's tarball
    # nor a libfabric repository (its text is matched, not an exit status:
    # the cached prefix's key hashes the script)
    if proc.returncode and "build-fabtests: no source:" in proc.stderr:
        raise SourceUnavailable(proc.stderr.strip().splitlines()[-1])
    if proc.returncode != 0:
        raise BuildError(f"building fabtests failed (exit {proc.returncode}):\n"
                         + "\n".join(proc.stderr.splitlines()[-30:]))
    return proc.stdout.strip().splitlines()[-1]


def fabtests_or_why_not():
    """fabtests()'s prefix, or, where the source cannot be had, "unavailable:
    " and why: the fabtests row then skips, saying so, rather than fail on a
    machine the mirror left without libfabric 1.17's source."""
    try:
        return fabtests()
    except SourceUnavailable as err:
        return f"unavailable: {err}"


GUEST_PROGRAMS = os.path.join(paths.REPO, "pyverbs-tests")


def guest_program_path(name):
    """Where guest_programs() puts pyverbs-tests/NAME.c's program."""
    return os.path.join(paths.BUILD, "pyverbs-tests", name.replace("_", "-"))


def _guest_program(src, out, libs, cc="gcc"):
    """Compile SRC (a C program run in the VM) to OUT with CC against the
    installed LIBS, warnings as errors, again when the source is newer."""
    if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(src):
        return
    os.makedirs(os.path.dirname(out), exist_ok=True)
    _run([cc, "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-o", out, src, *libs],
         f"compiling {os.path.relpath(src, paths.REPO)}", quiet=True)


def guest_programs():
    """The C programs of pyverbs-tests/ (what pyverbs cannot ask), run in
    the VM, built against the installed libibverbs."""
    for source in sorted(os.listdir(GUEST_PROGRAMS)):
        if source.endswith(".c"):
            _guest_program(os.path.join(GUEST_PROGRAMS, source),
                           guest_program_path(source[:-2]), ["-libverbs"])


def bench_path():
    return os.path.join(paths.BUILD, "bench", "efa-bench")


def bench():
    """bench/efa_bench.c, the latency and message-rate program, run in the
    VM: built against the installed libibverbs and libefa (efadv)."""
    _guest_program(os.path.join(paths.REPO, "bench", "efa_bench.c"), bench_path(),
                   ["-lefa", "-libverbs"])
    return bench_path()


def mpi_check_path():
    return os.path.join(paths.BUILD, "apps", "mpi", "efa-mpi-check")


def mpi_check():
    """apps/mpi/efa_mpi_check.c, the checked ping-pong, allreduce and
    alltoall run under mpirun in the VM: built with Open MPI's mpicc."""
    _guest_program(os.path.join(paths.REPO, "apps", "mpi", "efa_mpi_check.c"),
                   mpi_check_path(), [], cc="mpicc")
    return mpi_check_path()


def cmake_cache_value(build, name):
    """A value from BUILD/CMakeCache.txt, or None."""
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            for line in f:
                key, _, value = line.rstrip("\n").partition("=")
                if key.split(":")[0] == name:
                    return value
    except OSError:
        pass
    return None


RUNNER_SOURCE = os.path.join(paths.TOOLS, "vm", "run-command.c")


def runner():
    """The guest's command runner (tools/vm/run-command.c), static so the
    guest loads no libraries for it; cached by a hash of its source."""
    with open(RUNNER_SOURCE, "rb") as f:
        key = hashlib.sha256(f.read()).hexdigest()[:16]
    out = os.path.join(paths.cache_dir(), "vm", f"efa-vm-run-{key}")
    if os.path.exists(out):
        return out
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = f"{out}.{os.getpid()}"
    cmd = ["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", tmp, RUNNER_SOURCE]
    try:
        # static where glibc's static libraries are installed
        if subprocess.run(cmd + ["-static"], capture_output=True).returncode != 0:
            _run(cmd, "compiling tools/vm/run-command.c", quiet=True)
        os.rename(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


PACKAGING = os.path.join(paths.REPO, "tools", "build-packages")


def packages(kind):
    """The Debian packages (KIND deb: debian/) or the RPMs (rpm: redhat/),
    built from a copy of the tree by tools/build-packages; the folder that
    holds them."""
    out = _run([PACKAGING, kind], f"building the {kind} packages", quiet=True)
    return out.strip().splitlines()[-1]


def debs():
    return packages("deb")
