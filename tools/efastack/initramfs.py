# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The initramfs of the test VMs, built once per kernel and cached.

Contents: static busybox with a link per applet, tools/vm/init as /init, and
the modules (with their dependencies, in load order, decompressed) that
mount a virtio-9p root and the overlays (/modules.list, always loaded) and
the RDMA core an efa.ko needs (/modules-ib.list, loaded when the kernel
command line says efa_vm.ib=1: from here they load in a fraction of the
time modprobe takes to start and decompress them under TCG).  The archive is
an uncompressed newc cpio, which the kernel unpacks without decompressing
(it matters under TCG).  It is cached as initramfs-<key>.cpio, <key> hashing
every input; archives of other inputs are removed once an hour old.
"""
import gzip
import hashlib
import lzma
import os
import subprocess
import tempfile
import time

from efastack import kernels, paths

INIT = os.path.join(paths.TOOLS, "vm", "init")
BUSYBOX = os.environ.get("EFA_VM_BUSYBOX", "/bin/busybox")
# 9p root over virtio-mmio (microvm), overlayfs for the writable folders.
ROOT_MODULES = ("virtio_mmio", "9pnet_virtio", "9p", "overlay")
IB_MODULES = ("ib_core", "ib_uverbs")


class InitramfsError(Exception):
    pass


def _module_name(path):
    name = os.path.basename(path)
    for ext in (".xz", ".zst", ".gz"):
        if name.endswith(ext):
            name = name[:-len(ext)]
    return name[:-len(".ko")].replace("-", "_")


def _load_order(release, wanted):
    """Module files (relative to /lib/modules/RELEASE) in load order, each
    once; built-in modules are skipped.  modules.dep lists a module's
    dependencies so that the last is loaded first, as modprobe does."""
    mdir = kernels.module_dir(release)
    deps = {}
    try:
        with open(os.path.join(mdir, "modules.dep")) as f:
            for line in f:
                mod, _, rest = line.partition(":")
                deps[_module_name(mod)] = (mod, rest.split())
        with open(os.path.join(mdir, "modules.builtin")) as f:
            builtin = {_module_name(line.strip()) for line in f}
    except OSError as err:
        raise InitramfsError(f"cannot read the module index of {release}: {err}") from err
    order = []
    for name in wanted:
        name = name.replace("-", "_")
        if name in builtin:
            continue
        if name not in deps:
            raise InitramfsError(f"{release} has no module {name}")
        mod, needs = deps[name]
        for path in list(reversed(needs)) + [mod]:
            if path not in order:
                order.append(path)
    return order


def _decompressed(path):
    if path.endswith(".xz"):
        with lzma.open(path) as f:
            return f.read()
    if path.endswith(".gz"):
        with gzip.open(path) as f:
            return f.read()
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-q", "-dc", path], check=True,
                              capture_output=True).stdout
    with open(path, "rb") as f:
        return f.read()


class _Cpio:
    """A newc archive, written in memory."""

    def __init__(self):
        self.data = bytearray()
        self.ino = 0

    def add(self, name, mode, body=b"", rdev=(0, 0)):
        self.ino += 1
        fields = (self.ino, mode, 0, 0, 1, 0, len(body), 0, 0, rdev[0], rdev[1],
                  len(name) + 1, 0)
        self.data += b"070701" + b"".join(b"%08x" % v for v in fields)
        self.data += name.encode() + b"\0"
        self.data += b"\0" * (-len(self.data) % 4)
        self.data += body
        self.data += b"\0" * (-len(self.data) % 4)

    def finish(self):
        self.add("TRAILER!!!", 0)
        return bytes(self.data)


def _is_static_elf(data):
    """A 64-bit little-endian ELF without a program interpreter."""
    if data[:6] != b"\x7fELF\x02\x01":
        return False
    phoff = int.from_bytes(data[0x20:0x28], "little")
    phentsize = int.from_bytes(data[0x36:0x38], "little")
    phnum = int.from_bytes(data[0x38:0x3a], "little")
    pt_interp = 3
    return all(int.from_bytes(data[phoff + i * phentsize:phoff + i * phentsize + 4], "little")
               != pt_interp for i in range(phnum))


def _busybox_applets():
    out = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True)
    return [a for a in out.stdout.split() if a != "busybox"]


def build(release, cache):
    """The path of the initramfs for RELEASE, built into CACHE if needed."""
    if not os.access(BUSYBOX, os.X_OK):
        raise InitramfsError(f"no static busybox at {BUSYBOX} (apt-get install busybox-static)")
    mdir = kernels.module_dir(release)
    root_mods = _load_order(release, ROOT_MODULES)
    ib_mods = [m for m in _load_order(release, IB_MODULES) if m not in root_mods]
    key = hashlib.sha256()
    for path in (__file__, INIT):
        with open(path, "rb") as f:
            key.update(f.read())
    for path in [BUSYBOX] + [os.path.join(mdir, m) for m in root_mods + ib_mods]:
        st = os.stat(path)
        key.update(f"{path} {st.st_size} {st.st_mtime_ns}\n".encode())
    key.update(release.encode())
    out = os.path.join(cache, f"initramfs-{key.hexdigest()[:16]}.cpio")
    if os.path.exists(out):
        os.utime(out)           # mtime = last use, for the clean-up below
        return out

    with open(BUSYBOX, "rb") as f:
        busybox = f.read()
    if not _is_static_elf(busybox):
        raise InitramfsError(f"{BUSYBOX} is not statically linked (need busybox-static)")
    cpio = _Cpio()
    for d in ("bin", "dev", "proc", "sys", "run", "modules", "newroot"):
        cpio.add(d, 0o040755)
    cpio.add("bin/busybox", 0o100755, busybox)
    for applet in _busybox_applets():
        cpio.add(f"bin/{applet}", 0o120777, b"busybox")
    with open(INIT, "rb") as f:
        cpio.add("init", 0o100755, f.read())
    # the kernel opens /dev/console for /init before anything is mounted
    cpio.add("dev/console", 0o020600, rdev=(5, 1))
    for listname, mods in (("modules.list", root_mods), ("modules-ib.list", ib_mods)):
        names = []
        for m in mods:
            name = os.path.basename(m).split(".ko")[0] + ".ko"
            cpio.add(f"modules/{name}", 0o100644, _decompressed(os.path.join(mdir, m)))
            names.append(name)
        cpio.add(listname, 0o100644, "".join(n + "\n" for n in names).encode())

    os.makedirs(cache, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache, prefix=".initramfs.")
    with os.fdopen(fd, "wb") as f:
        f.write(cpio.finish())
    os.chmod(tmp, 0o644)
    os.rename(tmp, out)
    # archives of other inputs, unless in use lately (another checkout)
    for name in os.listdir(cache):
        path = os.path.join(cache, name)
        if (name.startswith("initramfs-") and name.endswith(".cpio") and path != out
                and time.time() - os.path.getmtime(path) > 3600):
            os.unlink(path)
    return out
