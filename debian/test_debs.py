# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""deb-packages: dpkg-buildpackage -us -uc -b (through tools/build-packages
deb, from a copy of the tree) builds efa-dkms, libefa1 and libefa-dev; each
carries what it must, the maintainer scripts divert and give back Debian's
libefa, the symbols file names every efadv symbol, and lintian finds no
error.  The install cycle in a VM is the deb-dkms suite."""
import glob
import os
import re
import subprocess

import pytest

from efastack import build

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERSION = "0.1.0"
LIB = "/usr/lib/x86_64-linux-gnu"


@pytest.fixture(scope="module")
def debs():
    try:
        out = build.packages("deb")
    except build.BuildError as err:
        pytest.fail(str(err))
    return out, {os.path.basename(p).split("_")[0]: p for p in glob.glob(f"{out}/*.deb")}


def contents(deb):
    out = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[5].lstrip(".") for line in out.splitlines()}


def control_file(deb, name):
    proc = subprocess.run(["dpkg-deb", "--ctrl-tarfile", deb], capture_output=True, check=True)
    return subprocess.run(["tar", "-xO", f"./{name}"], input=proc.stdout,
                          capture_output=True, check=True).stdout.decode()


def test_the_three_packages(debs):
    _, pkgs = debs
    assert sorted(pkgs) == ["efa-dkms", "libefa-dev", "libefa1", "libefa1-dbgsym"], pkgs


def test_efa_dkms_carries_the_module_source_and_its_dkms_conf(debs):
    _, pkgs = debs
    files = contents(pkgs["efa-dkms"])
    src = f"/usr/src/efa-{VERSION}"
    for path in ("dkms.conf", "Makefile", "Kbuild", "efa_main.c", "abi/efa-abi.h",
                 "abi/hw/efa_hw_regs.h", "config/run-probes"):
        assert f"{src}/{path}" in files, path
    for path in ("/usr/lib/modules-load.d/efa.conf", "/usr/lib/modprobe.d/efa.conf",
                 "/usr/share/man/man4/efa.4.gz"):
        assert path in files, path
    postinst = control_file(pkgs["efa-dkms"], "postinst")
    prerm = control_file(pkgs["efa-dkms"], "prerm")
    assert "dkms add" in postinst and "dkms install" in postinst, postinst
    assert "dkms remove" in prerm, prerm


def test_libefa1_takes_over_debians_libefa_and_gives_it_back(debs):
    _, pkgs = debs
    files = contents(pkgs["libefa1"])
    for path in (f"{LIB}/libefa.so.1", f"{LIB}/libibverbs/libefa-rdmav34.so",
                 "/etc/libibverbs.d/efa-stack.driver"):
        assert path in files, path
    # ibverbs-providers' efa.driver is a conffile, which dpkg cannot divert
    assert "/etc/libibverbs.d/efa.driver" not in files
    preinst = control_file(pkgs["libefa1"], "preinst")
    diverted = re.search(r"for path in (.*?) ?; do", preinst).group(1).split()
    assert f"{LIB}/libefa.so.1" in diverted, preinst
    assert not [p for p in diverted if p.startswith("/etc/")], preinst
    assert "dpkg-divert" in control_file(pkgs["libefa1"], "postrm")


def test_libefa_dev_has_the_header_and_a_page_for_every_efadv_function(debs):
    _, pkgs = debs
    files = contents(pkgs["libefa-dev"])
    for path in ("/usr/include/infiniband/efadv.h", f"{LIB}/libefa.so",
                 f"{LIB}/pkgconfig/libefa.pc", "/usr/share/man/man7/efadv.7.gz"):
        assert path in files, path
    with open(os.path.join(REPO, "libefa", "efadv.h")) as f:
        functions = set(re.findall(r"\b(efadv_\w+)\s*\(", f.read()))
    pages = {os.path.basename(p)[:-len(".3.gz")] for p in files if p.endswith(".3.gz")}
    assert functions <= pages, functions - pages


def test_the_symbols_file_names_every_exported_efadv_symbol(debs):
    with open(os.path.join(REPO, "debian", "libefa1.symbols")) as f:
        listed = set(re.findall(r"^ (efadv_\w+)@(EFA_1\.\d+)", f.read(), re.M))
    with open(os.path.join(REPO, "libefa", "libefa.map")) as f:
        exported = set()
        for version, body in re.findall(r"(EFA_1\.\d+)\s*\{(.*?)\}", f.read(), re.S):
            exported |= {(name, version) for name in re.findall(r"(efadv_\w+);", body)}
    assert listed == exported, listed ^ exported


def test_lintian_finds_no_error(debs):
    out, _ = debs
    changes = glob.glob(f"{out}/*.changes")
    assert len(changes) == 1, changes
    proc = subprocess.run(["lintian", changes[0]], capture_output=True, text=True)
    print(proc.stdout)
    errors = [line for line in proc.stdout.splitlines() if line.startswith("E:")]
    assert not errors and proc.returncode in (0, 2), proc.stdout + proc.stderr
