# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""rpm-packages: make in redhat/ (through tools/build-packages rpm, from a
copy of the tree) builds the three RPMs, and rpm -qlp / --scripts show the
files and scriptlets each must carry."""
import glob
import os
import subprocess

import pytest

from efastack import build

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERSION = "0.1.0"
LIB = "/usr/lib64"


@pytest.fixture(scope="module")
def rpms():
    try:
        out = build.packages("rpm")
    except build.BuildError as err:
        pytest.fail(str(err))
    return {os.path.basename(p).rsplit("-", 2)[0]: p for p in glob.glob(f"{out}/*.rpm")}


def query(rpm, *what):
    return subprocess.run(["rpm", "-qp", *what, rpm], capture_output=True, text=True,
                          check=True).stdout


def test_the_three_packages(rpms):
    assert sorted(rpms) == ["efa-dkms", "libefa", "libefa-devel"], rpms
    assert rpms["efa-dkms"].endswith(f"-{VERSION}-1.noarch.rpm")


def test_efa_dkms_files_and_scriptlets(rpms):
    files = query(rpms["efa-dkms"], "-l").split()
    src = f"/usr/src/efa-{VERSION}"
    for path in ("dkms.conf", "Makefile", "efa_main.c", "efa.h", "abi/efa-abi.h",
                 "abi/hw/efa_hw_regs.h", "config/run-probes"):
        assert f"{src}/{path}" in files, path
    assert "/usr/lib/modules-load.d/efa.conf" in files
    assert "/usr/lib/modprobe.d/efa.conf" in files
    scripts = query(rpms["efa-dkms"], "--scripts")
    assert f"dkms add -m efa -v {VERSION}" in scripts
    assert f'dkms install -m efa -v {VERSION} -k "$kernel"' in scripts
    assert f"dkms remove -m efa -v {VERSION} --all" in scripts
    assert "dkms" in query(rpms["efa-dkms"], "-R").split()


def test_the_dkms_conf(rpms, tmp_path):
    subprocess.run(f"cd {tmp_path} && rpm2cpio {rpms['efa-dkms']} | cpio -id --quiet "
                   f"./usr/src/efa-{VERSION}/dkms.conf", shell=True, check=True)
    conf = (tmp_path / f"usr/src/efa-{VERSION}/dkms.conf").read_text()
    for line in (f'PACKAGE_VERSION="{VERSION}"', 'BUILT_MODULE_NAME[0]="efa"',
                 'DEST_MODULE_LOCATION[0]="/updates"', 'AUTOINSTALL="yes"',
                 'MAKE[0]="make KVER=${kernelver}"'):
        assert line in conf.splitlines(), line


def test_libefa_files(rpms):
    files = query(rpms["libefa"], "-l").split()
    for path in (f"{LIB}/libefa.so.1", f"{LIB}/libefa.so.1.7.0",
                 f"{LIB}/libibverbs/libefa-rdmav34.so", "/etc/libibverbs.d/efa.driver"):
        assert path in files, (path, files)
    assert "/sbin/ldconfig" in query(rpms["libefa"], "--scripts")


def test_libefa_devel_files(rpms):
    files = query(rpms["libefa-devel"], "-l").split()
    for path in ("/usr/include/infiniband/efadv.h", f"{LIB}/libefa.so",
                 f"{LIB}/pkgconfig/libefa.pc"):
        assert path in files, (path, files)
    assert any(f.startswith("/usr/share/man/man3/efadv_") for f in files), files
    assert any(f.startswith("/usr/share/man/man7/efadv.7") for f in files), files
