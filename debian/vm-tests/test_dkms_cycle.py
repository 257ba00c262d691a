# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""deb-dkms: the Debian packages the way a user installs them, in a test VM
with no driver loaded (the RDMA core is, efa_vm.ib=1).  The guest's root is
the host's, read-only over 9p, so the cycle runs in a chroot over an
overlayfs with a tmpfs upper layer: dpkg -i of efa-dkms, libefa1 and
libefa-dev builds efa.ko through DKMS for the running kernel; modprobe
loads it; ibv_devinfo and efa-bench (SRD and UD through efadv) run on the
packaged provider; dpkg -r takes the module away and gives Debian's
ibverbs-providers its libefa back; purge leaves nothing.  The times of the
install and the removal are printed (never judged).

Only the running kernel's headers stay visible in the chroot: DKMS would
build for every kernel with headers, and each kernel has its own boot."""
import glob
import os
import re
import subprocess
import time

import pytest

from efastack import guest

ROOT = "/tmp/efa-pkg/root"
LIBDIR = "/usr/lib/x86_64-linux-gnu"
# what Debian's ibverbs-providers (and libibverbs-dev) ship that ours take over
DIVERTED = (f"{LIBDIR}/libefa.so.1", f"{LIBDIR}/libibverbs/libefa-rdmav34.so",
            f"{LIBDIR}/libefa.so", "/usr/include/infiniband/efadv.h",
            f"{LIBDIR}/pkgconfig/libefa.pc")
# ... and its driver file, a conffile, left alone: ours has a name of its own
STOCK_DRIVER = "/etc/libibverbs.d/efa.driver"
OUR_DRIVER = "/etc/libibverbs.d/efa-stack.driver"
STOCK_FILES = DIVERTED + (STOCK_DRIVER,)
OURS = f"{LIBDIR}/libefa.so.1.7.0"
PACKAGES = ("efa-dkms", "libefa1", "libefa-dev")
RELEASE = os.uname().release


def sh(script, check=True, timeout=1200):
    """SCRIPT in the chroot; (exit status, output)."""
    proc = subprocess.run(["chroot", ROOT, "sh", "-c", script], capture_output=True,
                          text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    if check:
        assert proc.returncode == 0, f"{script}: exit {proc.returncode}\n{out}"
    return proc.returncode, out


def stock_state():
    """Each stock file: where it points (links) or its content."""
    state = {}
    for path in STOCK_FILES:
        rc, out = sh(f"if [ -L {path} ]; then readlink {path}; else cat {path}; fi")
        state[path] = out
    return state


def provider_of_a_process():
    """The libefa file a process that opened an EFA device has mapped."""
    rc, out = sh("python3 -c \"import pyverbs.device as d; c = d.Context(name='efa_0'); "
                 "print(''.join(l for l in open('/proc/self/maps') if 'libefa' in l))\"")
    return {line.split()[-1] for line in out.splitlines() if "libefa" in line}


@pytest.fixture(scope="module")
def root():
    debs = os.environ.get("EFA_DEBS")
    assert debs and os.path.isdir(debs), "EFA_DEBS: run through tools/run-tests"
    top = os.path.dirname(ROOT)
    os.makedirs(top, exist_ok=True)
    guest.run("mount", "-t", "tmpfs", "-o", "size=1500m", "efa-pkg", top)
    for d in ("upper", "work", "root"):
        os.makedirs(os.path.join(top, d))
    guest.run("mount", "-t", "overlay", "overlay", "-o",
              f"lowerdir=/,upperdir={top}/upper,workdir={top}/work", ROOT)
    for d in ("proc", "sys", "dev"):
        guest.run("mount", "--rbind", f"/{d}", f"{ROOT}/{d}")
    guest.run("mount", "-t", "tmpfs", "tmpfs", f"{ROOT}/tmp")
    # the chroot's /tmp is its own, which would hide a checkout under /tmp:
    # the packages and the benchmark keep their paths inside
    for d in (debs, os.path.dirname(os.environ["EFA_BENCH"])):
        os.makedirs(f"{ROOT}{d}", exist_ok=True)
        guest.run("mount", "--bind", d, f"{ROOT}{d}")
    for build in glob.glob(f"{ROOT}/lib/modules/*/build"):
        if build.split("/")[-2] != RELEASE:
            os.unlink(build)
    assert not os.path.exists("/sys/module/efa"), "run with --driver none"
    yield debs


def test_install_builds_and_installs_the_module(root, capsys):
    global STOCK
    STOCK = stock_state()
    assert os.path.realpath(f"{ROOT}{LIBDIR}/libefa.so.1") != f"{ROOT}{OURS}"
    debs = " ".join(f"{root}/{p}_0.1.0_{'all' if p == 'efa-dkms' else 'amd64'}.deb"
                    for p in PACKAGES)
    t0 = time.monotonic()
    rc, out = sh(f"dpkg -i {debs}")
    with capsys.disabled():     # the cycle's times belong in the run's log
        print(f"\ndeb-dkms: dpkg -i of the three packages took {time.monotonic() - t0:.0f} s "
              f"on {RELEASE}")
    print(out)
    rc, status = sh("dkms status -m efa")
    log = f"{ROOT}/var/lib/dkms/efa/0.1.0/build/make.log"
    assert f"efa/0.1.0, {RELEASE}, x86_64: installed" in status, (
        status + (guest.read(log)[-3000:] if os.path.exists(log) else ""))
    rc, path = sh(f"modinfo -k {RELEASE} -F filename efa")
    # kernels that compress their modules (6.12: xz) have DKMS compress ours
    assert re.fullmatch(rf"/lib/modules/{re.escape(RELEASE)}/updates/dkms/efa\.ko(\.xz|\.zst|\.gz)?",
                        path.strip()), path
    for conf in ("/usr/lib/modules-load.d/efa.conf", "/usr/lib/modprobe.d/efa.conf"):
        assert os.path.exists(ROOT + conf), conf


def test_the_stock_files_are_diverted(root):
    rc, out = sh("dpkg-divert --list")
    for path in DIVERTED:
        assert f"diversion of {path} to /usr/lib/efa-stack/diverted{path} by " in out, (path, out)
    assert STOCK_DRIVER not in out, out
    assert guest.read(ROOT + OUR_DRIVER) == "driver efa"
    assert stock_state()[STOCK_DRIVER] == STOCK[STOCK_DRIVER]
    assert os.path.realpath(f"{ROOT}{LIBDIR}/libibverbs/libefa-rdmav34.so") == f"{ROOT}{OURS}"


def test_modprobe_loads_the_packaged_module(root):
    sh("modprobe efa")
    guest.wait_for(lambda: guest.efa_device_names(), 30, "an efa ib device")
    rc, srcver = sh(f"modinfo -k {RELEASE} -F srcversion efa")
    assert guest.read("/sys/module/efa/srcversion") == srcver.strip()


def test_ibv_devinfo_and_traffic_on_the_packaged_provider(root):
    rc, out = sh("ibv_devinfo -d efa_0", check=False)
    if rc != 0:
        rc2, why = sh("IBV_SHOW_WARNINGS=1 VERBS_LOG_LEVEL=7 ibv_devices; ls -l /dev/infiniband "
                      "/sys/class/infiniband_verbs /etc/libibverbs.d "
                      f"{LIBDIR}/libibverbs/libefa-rdmav34.so; cat /etc/libibverbs.d/*efa*.driver; "
                      f"ldd {OURS}", check=False)
        outside = subprocess.run("IBV_SHOW_WARNINGS=1 ibv_devices", shell=True,
                                 capture_output=True, text=True)
        pytest.fail(f"ibv_devinfo in the chroot: {out}\n{why}\noutside: "
                    f"{outside.stdout}{outside.stderr}")
    assert "PORT_ACTIVE" in out, out
    # two driver files say "driver efa" (Debian's and ours): one provider, one device each
    rc, out = sh("ibv_devices")
    assert [line.split()[0] for line in out.splitlines()[2:]] == guest.efa_device_names(), out
    assert provider_of_a_process() == {OURS}
    bench = os.environ["EFA_BENCH"]
    rc, out = sh(f"{bench} -d efa_0 -D efa_0 -n 5 -m 50 -s 64 -t 120")
    print(out)
    results = [dict(w.split("=", 1) for w in line.split()[1:])
               for line in out.splitlines() if line.startswith("efa-bench ")]
    assert sorted((r["proto"], r["test"]) for r in results) == [
        ("srd", "latency"), ("srd", "rate"), ("ud", "latency"), ("ud", "rate")], out
    for r in results:
        assert int(r["intact"]) == (5 if r["test"] == "latency" else 50), r


def test_removal_takes_the_module_and_gives_the_stock_provider_back(root, capsys):
    sh("rmmod efa")
    t0 = time.monotonic()
    rc, out = sh("dpkg -r " + " ".join(reversed(PACKAGES)))
    with capsys.disabled():
        print(f"\ndeb-dkms: dpkg -r took {time.monotonic() - t0:.0f} s")
    print(out)
    rc, status = sh("dkms status -m efa")
    assert status.strip() == "", status
    assert not glob.glob(f"{ROOT}/lib/modules/*/updates/dkms/efa.ko*")
    rc, out = sh(f"modinfo -k {RELEASE} efa", check=False)
    assert rc != 0, out
    assert stock_state() == STOCK
    rc, out = sh("dpkg-divert --list")
    assert not [line for line in out.splitlines() if line.endswith((" by libefa1", " by libefa-dev"))], out
    assert not os.path.exists(f"{ROOT}/usr/lib/efa-stack")
    sh("dpkg --purge " + " ".join(reversed(PACKAGES)))
    assert not os.path.exists(ROOT + OUR_DRIVER)
    rc, out = sh("dpkg -l " + " ".join(PACKAGES), check=False)
    assert not any(line.startswith(("ii", "rc")) for line in out.splitlines()), out
