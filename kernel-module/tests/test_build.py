# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""efa.ko on the host: for every supported kernel a clean build through
kernel-module/Makefile with W=1 and -Werror whose objects really include our
<rdma/efa-abi.h>, the DKMS source layout built with ENABLE_GDR=0 and cleaned,
and sparse (C=2, Kbuild run directly: make -C <kernel> M=<dir>) over it,
which checks the __le annotations of every wire field; checkpatch.pl
--strict (from Debian's newest linux-source, cached) on every source file."""
import glob
import os
import shutil
import subprocess
import tarfile

import pytest

from efastack import build, kernels, paths

KM = os.path.join(paths.REPO, "kernel-module")
SOURCES = sorted(glob.glob(f"{KM}/*.[ch]") + glob.glob(f"{KM}/config/probes/*.c"))


def _release(short):
    release = kernels.release(short)
    if release is None:
        pytest.fail(f"kernel {short} is not installed (tools/setup installs it)")
    return release


@pytest.fixture(scope="module", params=kernels.SUPPORTED)
def clean_build(request):
    """Build output of a build from clean through kernel-module/Makefile in
    the folder the VMs load efa.ko from: (release, build folder, output)."""
    release = _release(request.param)
    folder = os.path.dirname(build.our_ko_path(release))
    if os.path.exists(f"{folder}/Kbuild"):
        subprocess.run(build.our_ko_make(release, "clean"), capture_output=True)
    proc = subprocess.run(build.our_ko_make(release), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "probes: have:" in proc.stdout, "the compile probes did not run as part of the build"
    return release, folder, proc.stdout + proc.stderr


def test_builds_without_warnings(clean_build):
    _, _, out = clean_build
    warnings = [line for line in out.splitlines() if "warning:" in line]
    assert not warnings, "\n".join(warnings)


def test_objects_use_our_abi_header(clean_build):
    _, folder, _ = clean_build
    with open(f"{folder}/.efa_verbs.o.cmd") as f:
        assert f"{folder}/config/generated/include/rdma/efa-abi.h" in f.read()


def _undefined_symbols(ko):
    proc = subprocess.run(["nm", "-u", ko], capture_output=True, text=True, check=True)
    return {line.split()[-1] for line in proc.stdout.splitlines() if line.strip()}


def _files(top):
    return sorted(os.path.relpath(os.path.join(d, n), top)
                  for d, _, names in os.walk(top) for n in names)


def test_dkms_tree_builds_without_gdr_and_cleans(clean_build, tmp_path):
    """The layout the DKMS package installs (the module's sources, abi/ copied
    inside): `make KVER= ENABLE_GDR=0` there builds an efa.ko that does not
    reach for dma-buf, and `make clean` leaves the tree as it was."""
    release, folder, _ = clean_build
    tree = tmp_path / "efa"
    shutil.copytree(KM, tree, ignore=shutil.ignore_patterns(
        "tests", "CMakeLists.txt", "README.md", "conf", "generated", "*.o", "*.ko",
        "*.mod*", ".*.cmd", "Module.symvers", "modules.order", ".gitignore"))
    (tree / "abi").mkdir()
    shutil.copy(os.path.join(paths.REPO, "abi", "efa-abi.h"), tree / "abi")
    shutil.copytree(os.path.join(paths.REPO, "abi", "hw"), tree / "abi" / "hw")
    before = _files(tree)
    make = ["make", "-C", str(tree), f"KVER={release}"]
    proc = subprocess.run(make + ["ENABLE_GDR=0", "W=1", "EFA_WERROR=1", "-j2"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "warning:" not in proc.stdout + proc.stderr
    assert "ib_umem_dmabuf_get_pinned" in _undefined_symbols(f"{folder}/efa.ko")
    assert "ib_umem_dmabuf_get_pinned" not in _undefined_symbols(tree / "efa.ko")
    proc = subprocess.run(make + ["clean"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert _files(tree) == before


def test_sparse_is_clean(clean_build):
    release, folder, _ = clean_build
    proc = subprocess.run(["make", "-C", f"/lib/modules/{release}/build", f"M={folder}",
                           "C=2", "W=1", "EFA_WERROR=1", "modules"],
                          capture_output=True, text=True)
    complaints = [line for line in (proc.stdout + proc.stderr).splitlines()
                  if "warning:" in line or "error:" in line]
    assert proc.returncode == 0 and not complaints, "\n".join(complaints) or proc.stderr


@pytest.fixture(scope="module")
def checkpatch():
    tarballs = sorted(glob.glob("/usr/src/linux-source-*.tar.xz"),
                      key=lambda p: [int(x) for x in p.split("-")[-1][:-7].split(".")])
    assert tarballs, "no /usr/src/linux-source-*.tar.xz for checkpatch.pl"
    name = os.path.basename(tarballs[-1])[:-len(".tar.xz")]
    cache = os.path.join(paths.cache_dir(), "checkpatch", name)
    script = os.path.join(cache, "scripts", "checkpatch.pl")
    if not os.path.exists(script):
        wanted = ("scripts/checkpatch.pl", "scripts/spelling.txt",
                  "scripts/const_structs.checkpatch")
        with tarfile.open(tarballs[-1]) as tar:
            for member in tar:
                rel = member.name.split("/", 1)[-1]
                if rel in wanted:
                    member.name = rel
                    tar.extract(member, cache)
    return script


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: os.path.relpath(p, KM))
def test_checkpatch_is_clean(checkpatch, source):
    proc = subprocess.run([checkpatch, "--no-tree", "-f", "--quiet", "--strict", source],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
