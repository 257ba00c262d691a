# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""README.md against the things it describes, so it cannot rot: its table of
the emulated device's properties names every property the QEMU in use lists
(`-device efa,help`), with the same type and default, and nothing more; the
commands it tells users to run exist.

Runs on the host; needs the QEMU with the EFA model (built or cached)."""
import os
import re
import subprocess

import pytest

from efastack import build, paths

README = os.path.join(paths.REPO, "README.md")
HELP_LINE = re.compile(r"^  ([\w-]+)=<(\w+)>\s*(?:-(.*?))?(?:\(default: ([^)]*)\))?$", re.M)
TABLE_ROW = re.compile(r"^\| `([\w-]+)` \| (\w+) \| (.*?) \| (.*) \|$", re.M)


@pytest.fixture(scope="module")
def device_props():
    """{property: (type, default or None, per device-id text)} as QEMU lists them."""
    out = subprocess.run([build.qemu(), "-M", "microvm", "-device", "efa,help"],
                         capture_output=True, text=True, check=True).stdout
    assert out.startswith("efa options:"), out[:200]
    found = {}
    for m in HELP_LINE.finditer(out):
        name, typ, desc, default = m.groups()
        per = re.search(r"\[per device-id: ([^\]]*)\]", desc or "")
        found[name] = (typ, default, per.group(1) if per else None)
    assert len(found) > 50, out
    return found


@pytest.fixture(scope="module")
def readme_props():
    with open(README) as f:
        text = f.read()
    section = text.split("## The emulated device on its own", 1)
    assert len(section) == 2, "README has no 'The emulated device on its own' section"
    rows = {m.group(1): m.groups()[1:] for m in TABLE_ROW.finditer(section[1])}
    assert rows, "no property table in the emulated-device section"
    return rows


def as_value(text):
    """A default as the README writes it (`0x1b`) or QEMU prints it (27)."""
    text = text.strip("`")
    try:
        return int(text, 0)
    except ValueError:
        return text


def test_every_property_is_in_the_readme(device_props, readme_props):
    missing = sorted(set(device_props) - set(readme_props))
    assert not missing, f"README lacks the properties {missing}"
    extra = sorted(set(readme_props) - set(device_props))
    assert not extra, f"README lists properties the device does not have: {extra}"


def test_types_and_defaults_agree(device_props, readme_props):
    wrong = []
    for name, (typ, default, per) in sorted(device_props.items()):
        if name not in readme_props:
            continue        # test_every_property_is_in_the_readme says so
        r_type, r_default, meaning = readme_props[name]
        assert meaning.strip(), f"{name}: no meaning in the README"
        if r_type != typ:
            wrong.append(f"{name}: type {r_type} in the README, {typ} in QEMU")
        first = r_default.split(" (")[0]
        if default is None:
            if first != "none":
                wrong.append(f"{name}: default {first} in the README, none in QEMU")
        elif as_value(first) != as_value(default):
            wrong.append(f"{name}: default {first} in the README, {default} in QEMU")
        if per:
            want = ", ".join(x.replace("=", " ") for x in per.split())
            if f"({want})" not in r_default:
                wrong.append(f"{name}: per device-id defaults ({want}) not in the README")
    assert not wrong, "\n".join(wrong)


def test_named_tools_exist():
    with open(README) as f:
        text = f.read()
    for path in sorted(set(re.findall(r"`((?:tools|emulator)/[\w./-]+)", text))):
        assert os.path.exists(os.path.join(paths.REPO, path.split()[0])), f"README names {path}"
