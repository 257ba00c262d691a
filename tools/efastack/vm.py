# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""One throwaway test VM with emulated EFA devices: its QEMU command line,
its run and its verdict (tools/efa-vm is the command line around it).

The guest boots the host's own Debian kernel (uncompressed vmlinux, PVH
entry, -M microvm) with the host's / shared read-only over virtio-9p, so a
command runs on the same files at the same paths (cwd included), with
tmpfs-backed overlays on /tmp, /var and /root.  A second 9p share is the
VM's results folder: job.sh (what to run, written here) goes in; the guest
(tools/vm/guest-run) answers with these files:

    ready          just before the command starts
    rc             the command's exit status
    output         everything the command printed (stdout and stderr, in
                   order), written by tools/vm/run-command.c as it comes;
                   followed from here and copied to our stdout
    output.sum     "BYTES CRC32" of what the guest wrote into output
    guest.log      the guest harness's own messages (shown on our stderr)
    setup-error    why the command was not run
    rmmod-error    --check-leaks: rmmod efa failed
    dmesg          the guest's kernel log, written last
    console.log    the kernel console (ttyS0), written by QEMU
    efa<i>.objects each device's objects (efastack.objects)

Several VMs can run at once: VM.start() each, then VM.wait() each.  Each has
its own devices and results folder.  A VM's devices are wired to one QEMU
hub (Device.qemu_args(): a hub port netdev each), so they reach each other
as on one fabric; unwired devices reach only themselves.
"""
import ctypes
import dataclasses
import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zlib

from efastack import abi, build, initramfs, kernels, objects, paths, props

VMDIR = os.path.join(paths.TOOLS, "vm")
# Where the guest mounts the results folder.
GUEST_RESULTS = "/run/efa-vm/results"
GUEST_RUN = os.path.join(VMDIR, "guest-run")
EXTRACT_VMLINUX = os.path.join(VMDIR, "extract-vmlinux")
RESULT_FILES = ("job.sh", "console.log", "dmesg", "ready", "rc", "setup-error",
                "rmmod-error", "qemu.cmdline", "qemu.stderr", "output",
                "output.sum", "guest.log")
DRIVERS = ("upstream", "ours", "none")
# stock: Debian's libefa (rdma-core 44); ours; rdma-core: rdma-core 56.1's
# own libefa, from the prefix tools/build-rdma-core-prefix builds
PROVIDERS = ("stock", "ours", "rdma-core")
# How often the output file is looked at while the VM runs.
FOLLOW_INTERVAL_S = 0.02


class SetupError(Exception):
    """The VM could not be prepared; the message says why."""


# The hub a VM's wired devices share (QEMU's hubs are per process).
HUB_ID = 0
HUB_ALONE_WARNING = f"qemu-system-x86_64: warning: hub {HUB_ID} is not connected to host network"


@dataclasses.dataclass
class Device:
    """One emulated EFA: its -device efa properties (strings) and the id of
    its netdev, a port of hub HUB_ID (None: on no network)."""
    props: dict = dataclasses.field(default_factory=dict)
    netdev: str | None = None

    def qemu_args(self, objects_file):
        spec = "efa,bus=pcie.0,objects-file=" + _qemu_escape(objects_file)
        for key, value in self.props.items():
            spec += f",{key}={_qemu_escape(value)}"
        if self.netdev is None:
            return ["-device", spec]
        return ["-netdev", f"hubport,id={self.netdev},hubid={HUB_ID}",
                "-device", f"{spec},netdev={self.netdev}"]


def devices_with(count, given, wired=True):
    """COUNT devices with the properties GIVEN (a dict), wired to the VM's
    hub as netdevs efa0, efa1, ... (WIRED false: to nothing).  GUIDs (and
    with them the default network addresses) must differ between devices:
    with guid=BASE device i gets BASE+i, so device 0 carries exactly BASE.
    Left at its default, the model puts the PCI slot into each GUID itself."""
    devices = []
    for i in range(count):
        p = dict(given)
        if "guid" in p and i:
            p["guid"] = f"0x{int(p['guid'], 0) + i:016x}"
        devices.append(Device(p, f"efa{i}" if wired else None))
    return devices


@dataclasses.dataclass
class Verdict:
    status: int                 # what efa-vm exits with
    rc: int | None = None       # the command's exit status, if it got one
    ready_s: float | None = None
    command_s: float | None = None
    total_s: float | None = None
    harness_s: float | None = None  # our own time around QEMU's
    output_bytes: int = 0
    results: str | None = None


def _qemu_escape(value):
    """A literal comma in a QEMU option value is written as two."""
    return str(value).replace(",", ",,")


def _host_tsc_khz():
    """The guest's TSC rate under TCG is the host's: as the host kernel
    measured it if its log still says, else the "cpu MHz" of /proc/cpuinfo."""
    if os.environ.get("EFA_VM_TSC_KHZ"):
        return os.environ["EFA_VM_TSC_KHZ"]
    mhz = None
    try:
        log = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    except OSError:
        log = ""
    for line in log.splitlines():
        for marker in ("tsc: Refined TSC clocksource calibration: ", "tsc: Detected "):
            if marker in line:
                word = line.split(marker, 1)[1].split()[0]
                if word.replace(".", "", 1).isdigit():
                    mhz = float(word)
    if mhz is None:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    mhz = float(line.split(":")[1])
                    break
    if not mhz:
        raise SetupError("cannot determine the host TSC rate (set EFA_VM_TSC_KHZ)")
    return str(int(mhz * 1000))


def _set_pdeathsig():
    """In the child: SIGTERM when we die, even by SIGKILL, so no QEMU
    outlives the harness."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _firmware_args():
    """A QEMU run from its build tree finds no firmware of its own.  Order
    matters: /usr/share/seabios has a bios-microvm.bin too (a SeaBIOS build)
    with which the PVH boot often ends at once with no output; microvm wants
    qboot, named explicitly."""
    args = []
    for d in ("/usr/share/qemu", "/usr/share/seabios", "/usr/lib/ipxe/qemu"):
        if os.path.isdir(d):
            args += ["-L", d]
    if os.path.isfile("/usr/share/qemu/qboot.rom"):
        args += ["-bios", "/usr/share/qemu/qboot.rom"]
    return args


class _OutputFollower(threading.Thread):
    """Copies the results folder's output file to a binary stream as it
    grows, counting bytes and their CRC-32."""

    def __init__(self, path, sink):
        super().__init__(daemon=True)
        self.path = path
        self.sink = sink
        self.bytes = 0
        self.crc = 0
        self.sink_error = None
        self._done = threading.Event()

    def _copy(self, f):
        while True:
            chunk = f.read(1 << 16)
            if not chunk:
                return
            self.bytes += len(chunk)
            self.crc = zlib.crc32(chunk, self.crc)
            if self.sink is not None and self.sink_error is None:
                try:
                    self.sink.write(chunk)
                    self.sink.flush()
                except (BrokenPipeError, OSError) as err:
                    self.sink_error = err

    def run(self):
        f = None
        while True:
            stopping = self._done.is_set()
            if f is None:
                try:
                    f = open(self.path, "rb")
                except FileNotFoundError:
                    pass
            if f is not None:
                self._copy(f)
            if stopping:
                break
            self._done.wait(FOLLOW_INTERVAL_S)
        if f is not None:
            f.close()

    def finish(self):
        """After QEMU has exited: copy the rest, then stop."""
        self._done.set()
        self.join()


class VM:
    """One test VM.  prepare() resolves and builds what it needs, start()
    boots it, wait() returns its Verdict; run() does all three."""

    def __init__(self, command, *, kernel="6.1", devices=(), driver="upstream",
                 provider="stock", check_leaks=False, qemu=None, timeout=600,
                 mem="1G", smp=1, results=None, env=None, kernel_args=(),
                 qemu_args=(), verbose=False, stdout=None, name="efa-vm"):
        self.command = list(command)
        self.kernel = kernel
        self.devices = list(devices)
        self.driver = driver
        self.provider = provider
        self.check_leaks = check_leaks
        self.qemu = qemu
        self.timeout = timeout
        self.mem = mem
        self.smp = smp
        self.results = results
        self.keep_results = results is not None
        self.env = dict(env or {})
        self.kernel_args = list(kernel_args)
        self.qemu_args = list(qemu_args)
        self.verbose = verbose
        self.stdout = stdout if stdout is not None else sys.stdout.buffer
        self.name = name
        self.argv = None
        self.proc = None
        self._follower = None
        self._console_tail = None
        self._t_created = time.monotonic()
        self._t_start = None

    # ---------------------------------------------------------- messages
    def msg(self, text):
        print(f"{self.name}: {text}", file=sys.stderr, flush=True)

    def _result(self, name):
        return os.path.join(self.results, name)

    def _read_result(self, name):
        try:
            with open(self._result(name), errors="replace") as f:
                return f.read().strip()
        except FileNotFoundError:
            return None

    # ---------------------------------------------------------- prepare
    def prepare(self):
        release = kernels.release(self.kernel)
        if release is None:
            raise SetupError(f"no kernel /boot/vmlinuz-{self.kernel}.* (installed: "
                             f"{' '.join(kernels.installed()) or 'none'})")
        self.release = release
        kcache = os.path.join(paths.cache_dir(), "vm", release)
        try:
            os.makedirs(kcache, exist_ok=True)
        except OSError as err:
            raise SetupError(f"cannot create cache dir {kcache} (set EFA_CACHE?): {err}")
        vmlinux = self._vmlinux(release, kcache)
        try:
            initrd = initramfs.build(release, kcache)
        except (initramfs.InitramfsError, OSError, subprocess.CalledProcessError) as err:
            raise SetupError(f"building the initramfs failed: {err}")
        ko = self._driver(release)
        provider_so, provider_lib = self._provider()
        qemu = self._qemu()
        try:
            runner = build.runner()
        except build.BuildError as err:
            raise SetupError(str(err))

        if self.results is None:
            self.results = tempfile.mkdtemp(prefix="efa-vm.", dir=os.environ.get("TMPDIR", "/tmp"))
        else:
            os.makedirs(self.results, exist_ok=True)
            self.results = os.path.abspath(self.results)
            for name in RESULT_FILES:
                if os.path.exists(self._result(name)):
                    os.unlink(self._result(name))
            for name in os.listdir(self.results):
                if name.startswith("efa") and name.endswith(".objects"):
                    os.unlink(self._result(name))

        # the guest's tests read constants from the host's ABI cache
        try:
            abi.load()
        except abi.AbiError as err:
            raise SetupError(f"reading the C headers for efastack.abi failed: {err}")
        env = {"PYTHONPATH": paths.python_path(), "PYTHONDONTWRITEBYTECODE": "1",
               "EFA_CACHE": paths.cache_dir(),
               "EFA_VM_DRIVER": self.driver, "EFA_VM_KO": ko or ""}
        if self.devices:
            env.update(props.guest_env(self.qemu_defaults, self.devices[0].props,
                                       props.generation_defaults(qemu)))
        env.update(self.env)
        self._write_job(env, ko, provider_so, provider_lib, runner)
        self.argv = [qemu] + self._qemu_args(vmlinux, initrd)
        with open(self._result("qemu.cmdline"), "w") as f:
            f.write(shlex.join(self.argv) + "\n")

    def _vmlinux(self, release, kcache):
        """The uncompressed kernel, re-extracted when the bzImage changes."""
        vmlinuz = kernels.vmlinuz(release)
        if not os.access(vmlinuz, os.R_OK):
            raise SetupError(f"cannot read {vmlinuz}")
        vmlinux = os.path.join(kcache, "vmlinux")
        st = os.stat(vmlinuz)
        with open(EXTRACT_VMLINUX, "rb") as f:
            script = hashlib.sha256(f.read()).hexdigest()[:16]
        stamp = f"{st.st_size} {int(st.st_mtime)} {script}"
        stamp_file = vmlinux + ".stamp"
        try:
            with open(stamp_file) as f:
                current = f.read().strip()
        except FileNotFoundError:
            current = None
        if not os.path.exists(vmlinux) or current != stamp:
            self.msg(f"extracting {vmlinux} from {vmlinuz}")
            if subprocess.run([EXTRACT_VMLINUX, vmlinuz, vmlinux]).returncode != 0:
                raise SetupError("extracting vmlinux failed")
            with open(stamp_file, "w") as f:
                f.write(stamp + "\n")
        return vmlinux

    def _driver(self, release):
        if self.driver == "none":
            return None
        if self.driver == "upstream":
            try:
                ko = build.upstream_ko(release)
            except build.BuildError as err:
                raise SetupError(f"building the upstream efa driver for {release} failed: {err}")
        else:
            ko = os.environ.get("EFA_OUR_KO") or build.our_ko_path(release)
            if not os.path.isfile(ko):
                raise SetupError(
                    f"--driver ours: no {ko}; build our kernel module (kernel-module/) for "
                    f"{release} into build/kernel-module/{release}/ first, or set EFA_OUR_KO")
        ko = os.path.realpath(ko)
        proc = subprocess.run(["modinfo", "-F", "vermagic", ko], capture_output=True, text=True)
        vermagic = proc.stdout.strip() if proc.returncode == 0 else "unreadable"
        if not vermagic.startswith(release + " "):
            raise SetupError(f"{ko} was not built for {release} (vermagic: {vermagic})")
        return ko

    def _provider(self):
        if self.provider == "stock":
            return "", ""
        if self.provider == "rdma-core":
            try:
                prefix = build.rdma_core_prefix()
            except build.BuildError as err:
                raise SetupError(f"--provider rdma-core: no rdma-core 56.1 prefix: {err}")
            so, lib = build.rdma_core_provider(prefix)
            if not os.path.exists(so):
                raise SetupError(f"--provider rdma-core: the prefix {prefix} has no {so}")
            return so, os.path.realpath(lib)
        pdir = os.environ.get("EFA_OUR_PROVIDER_DIR") or build.provider_dir()
        if not os.path.isdir(pdir):
            raise SetupError(f"--provider ours: no {pdir}; build our provider (providers/, "
                             "libefa/) into build/providers first, or set EFA_OUR_PROVIDER_DIR")
        pdir = os.path.realpath(pdir)
        found = []
        for root, dirs, files in os.walk(pdir):
            if root[len(pdir):].count(os.sep) >= 3:
                dirs[:] = []
            if "libefa-rdmav34.so" in files:
                found.append(os.path.join(root, "libefa-rdmav34.so"))
        if not found:
            raise SetupError(f"--provider ours: no libefa-rdmav34.so under {pdir}; build our "
                             "provider (providers/, libefa/) first")
        so = sorted(found)[0]
        lib = os.path.join(os.path.dirname(so), "libefa.so.1")
        return so, os.path.realpath(lib) if os.path.exists(lib) else ""

    def _qemu(self):
        qemu = self.qemu
        if not qemu:
            try:
                qemu = build.qemu()
            except build.BuildError as err:
                raise SetupError(f"no QEMU: {err}")
        if not os.access(qemu, os.X_OK):
            raise SetupError(f"QEMU '{qemu}' is not executable")
        self.qemu_defaults = props.defaults(qemu) if self.devices else {}
        if self.devices and self.qemu_defaults is None:
            raise SetupError(f"{qemu} has no 'efa' device (use our QEMU, or --devices 0)")
        return qemu

    def _write_job(self, env, ko, provider_so, provider_lib, runner):
        def array(values):
            return "(" + "".join(" " + shlex.quote(v) for v in values) + " )"
        lines = [
            "# generated by tools/efa-vm for one run; sourced by bash as PID 1 in the guest",
            f"EFA_VM_CWD={shlex.quote(os.getcwd())}",
            f"EFA_VM_CMD={array(self.command)}",
            f"EFA_VM_ENV={array(f'{k}={v}' for k, v in env.items())}",
            f"EFA_VM_DRIVER={shlex.quote(self.driver)}",
            f"EFA_VM_KO={shlex.quote(ko or '')}",
            f"EFA_VM_DEVICES={len(self.devices)}",
            f"EFA_VM_DEVICE_WAIT={shlex.quote(os.environ.get('EFA_VM_DEVICE_WAIT', '30'))}",
            f"EFA_VM_PROVIDER_SO={shlex.quote(provider_so)}",
            f"EFA_VM_PROVIDER_LIB={shlex.quote(provider_lib)}",
            f"EFA_VM_CHECK_LEAKS={int(self.check_leaks)}",
            f"EFA_VM_RUNNER={shlex.quote(runner)}",
            f"source {shlex.quote(GUEST_RUN)}",
        ]
        with open(self._result("job.sh"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def _qemu_args(self, vmlinux, initrd):
        # tsc_early_khz/tsc=reliable: microvm has no HPET or PM timer, and
        # TSC calibration under TCG fails or hangs.  oops=panic
        # panic_on_warn=1 panic=-1: any kernel bug ends the VM at once (no
        # rc file: a failed run).  cryptomgr.notests: the crypto self-tests
        # cost 0.2-0.4 s of boot under TCG.
        append = [f"console=ttyS0 tsc_early_khz={_host_tsc_khz()} tsc=reliable oops=panic",
                  "panic_on_warn=1 panic=-1 cryptomgr.notests",
                  "loglevel=7" if self.verbose else "quiet"]
        # the initramfs loads ib_core and ib_uverbs for the efa.ko
        if self.driver != "none":
            append.append("efa_vm.ib=1")
        append += self.kernel_args
        results = _qemu_escape(self.results)
        # +rdrand: the kernel seeds its CRNG from RDRAND (TCG emulates it) at
        # once; without it the CRNG is ready only ~2.5 s into the boot, and
        # the first python in the VM blocks ~1 s reading /dev/urandom.
        args = [
            "-M", "microvm,pcie=on", "-accel", "tcg", "-cpu", "qemu64,+rdrand",
            "-smp", str(self.smp), "-m", self.mem,
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            *_firmware_args(),
            "-kernel", vmlinux, "-initrd", initrd, "-append", " ".join(append),
            "-chardev", f"file,id=con,path={results}/console.log", "-serial", "chardev:con",
            "-fsdev", "local,id=efa_root,path=/,security_model=none,readonly=on,multidevs=remap",
            "-device", "virtio-9p-device,fsdev=efa_root,mount_tag=efa_root",
            "-fsdev", f"local,id=efa_results,path={results},security_model=none,multidevs=remap",
            "-device", "virtio-9p-device,fsdev=efa_results,mount_tag=efa_results",
        ]
        for i, dev in enumerate(self.devices):
            args += dev.qemu_args(self._result(f"efa{i}.objects"))
        return args + self.qemu_args

    # ---------------------------------------------------------- run
    def start(self):
        if self.argv is None:
            self.prepare()
        open(self._result("console.log"), "w").close()
        self._follower = _OutputFollower(self._result("output"), self.stdout)
        self._qemu_stderr = open(self._result("qemu.stderr"), "wb")
        self._t_start = time.monotonic()
        self._t_start_wall = time.time()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self._qemu_stderr,
                                     preexec_fn=_set_pdeathsig, process_group=0)
        self._follower.start()
        if self.verbose:
            self._console_tail = subprocess.Popen(
                ["tail", "-n", "+1", "-f", f"--pid={self.proc.pid}", self._result("console.log")],
                stdout=sys.stderr)

    def kill(self):
        """End QEMU: SIGTERM, then SIGKILL if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def wait(self):
        timed_out = False
        try:
            self.proc.wait(self.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            self.kill()
        except BaseException:
            self.kill()
            self._finish_streams()
            raise
        t_end = time.monotonic()
        self._finish_streams()
        return self._verdict(self.proc.returncode, timed_out, t_end)

    def _finish_streams(self):
        self._follower.finish()
        self._qemu_stderr.close()
        if self._console_tail is not None:
            self._console_tail.wait()
        # QEMU warns about a hub of NICs alone, which ours is by design
        # (the file keeps the line)
        qemu_stderr = "\n".join(
            line for line in (self._read_result("qemu.stderr") or "").splitlines()
            if line != HUB_ALONE_WARNING)
        if qemu_stderr:
            sys.stderr.write(qemu_stderr + "\n")
        guest_log = self._read_result("guest.log")
        if guest_log:
            for line in guest_log.splitlines():
                print(f"{self.name} (guest): {line}", file=sys.stderr)

    def run(self):
        self.prepare()
        self.start()
        return self.wait()

    def close(self, verdict=None):
        """Remove the results folder, unless asked to keep it or the run
        failed (then say where it is)."""
        if self.results is None or self.keep_results:
            return
        if verdict is not None and verdict.status == 0:
            shutil.rmtree(self.results, ignore_errors=True)
        else:
            self.msg(f"results kept in {self.results}")

    # ---------------------------------------------------------- verdict
    def _since_start(self, name):
        try:
            return os.path.getmtime(self._result(name)) - self._t_start_wall
        except FileNotFoundError:
            return None

    def _console_tail_text(self):
        text = self._read_result("console.log")
        if not text:
            return "(the console log is empty)"
        lines = text.replace("\r", "").splitlines()[-40:]
        return (f"--- last lines of the console log ({self._result('console.log')}):\n"
                + "\n".join(lines) + "\n---")

    def _verdict(self, qemu_status, timed_out, t_end):
        v = Verdict(status=1, results=self.results, total_s=t_end - self._t_start,
                    output_bytes=self._follower.bytes)
        v.ready_s = self._since_start("ready")
        ready_txt = f"guest ready after {v.ready_s:.1f} s" if v.ready_s is not None else None
        rc_text = self._read_result("rc")
        if rc_text is not None:
            if not rc_text.isdigit():
                self.msg(f"garbled exit status '{rc_text}' from the guest")
                return v
            v.rc = int(rc_text)
            v.command_s = self._since_start("rc")
        when = (f" after the command (exited {v.rc})" if v.rc is not None
                else " while the command ran" if ready_txt else "")
        cmdline = f"command line in {self._result('qemu.cmdline')}"

        trouble = False
        if timed_out:
            self.msg(f"timed out after {self.timeout} s{when}"
                     f"{f' ({ready_txt})' if ready_txt else ''}; killed QEMU "
                     "(guest panicked or timed out)")
            print(self._console_tail_text(), file=sys.stderr)
            trouble = True
        elif qemu_status != 0:
            # QEMU exits 0 when the guest powers off, and also when it
            # reboots (-no-reboot), which is what a panic does with panic=-1.
            if not ready_txt and not self._read_result("console.log"):
                self.msg(f"QEMU failed (exit status {qemu_status}, see above); {cmdline}")
                return v
            if qemu_status < 0:
                self.msg(f"QEMU died of signal {-qemu_status}{when}: a crash in QEMU "
                         f"or the device model; {cmdline}")
            else:
                self.msg(f"QEMU exited with status {qemu_status}{when}; {cmdline}")
            if v.rc is None:
                print(self._console_tail_text(), file=sys.stderr)
            trouble = True

        setup_error = self._read_result("setup-error")
        if setup_error:
            self.msg(f"guest setup failed: {setup_error} (kernel log: {self._result('dmesg')})")
            return v
        if v.rc is None:
            if not trouble:
                console = self._read_result("console.log") or ""
                panic = next((line for line in console.splitlines()
                              if "Kernel panic - not syncing" in line), None)
                if panic:
                    self.msg(f"guest kernel panicked{when}: {panic.split('] ', 1)[-1].strip()}")
                else:
                    self.msg("no exit status from the guest: guest panicked or timed out "
                             f"(it powered off{when} without writing one)")
                print(self._console_tail_text(), file=sys.stderr)
            return v
        v.harness_s = (time.monotonic() - self._t_created) - v.total_s
        self.msg(f"{ready_txt or 'guest ready after ? s'}, command exited {v.rc} after "
                 f"{v.command_s:.1f} s (VM gone after {v.total_s:.1f} s; "
                 f"harness {v.harness_s * 1000:.0f} ms)")

        if not self._output_complete():
            trouble = True
        if self.check_leaks and not self._no_leaks():
            trouble = True
        v.status = 1 if trouble and v.rc == 0 else v.rc
        return v

    def _output_complete(self):
        """What the guest says it wrote is what we received and passed on."""
        f = self._follower
        if f.sink_error is not None:
            self.msg(f"could not pass the command's output on ({f.sink_error}); "
                     f"it is in {self._result('output')}")
            return False
        summary = self._read_result("output.sum")
        if summary is None:
            self.msg("the guest recorded no output checksum (output.sum): the "
                     "command's output may be incomplete")
            return False
        got = f"{f.bytes} {f.crc:08x}"
        if summary != got:
            self.msg(f"output lost on its way out of the VM: the guest wrote "
                     f"{summary!r} (bytes crc32), we received {got!r}")
            return False
        return True

    def _no_leaks(self):
        ok = True
        rmmod_error = self._read_result("rmmod-error")
        if rmmod_error:
            self.msg(f"leak check: {rmmod_error}")
            ok = False
        for i in range(len(self.devices)):
            path = self._result(f"efa{i}.objects")
            try:
                leaked = objects.leaks(objects.read(path))
            except FileNotFoundError:
                self.msg(f"leak check: efa{i}: the device wrote no objects file ({path})")
                ok = False
                continue
            except objects.MalformedObjectsFile as err:
                self.msg(f"leak check: efa{i}: {err}")
                ok = False
                continue
            if leaked:
                self.msg(f"leak check: efa{i} leaked objects: {', '.join(leaked)}")
                ok = False
        return ok
