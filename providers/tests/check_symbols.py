#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""libefa.so.1's exported symbols against libefa.map and efadv.h.

Every efadv_* function efadv.h declares (inline helpers aside) is in the map,
every symbol of the map is exported at its EFA_1.x version node and nothing
else is exported; the SONAME is libefa.so.1; the provider module name is the
same file; the libibverbs private symbols it needs exist in the installed
libibverbs under the same version.

    check_symbols.py LIB MAP HEADER PROVIDER_MODULE LIBIBVERBS
"""
import os
import re
import subprocess
import sys


def parse_map(path):
    """{symbol: version node} from a GNU ld version script."""
    text = re.sub(r"/\*.*?\*/", "", open(path).read(), flags=re.S)
    symbols = {}
    for node, body in re.findall(r"(EFA_[0-9.]+)\s*\{(.*?)\}", text, re.S):
        for name in re.findall(r"\b(efadv_\w+)\s*;", body):
            assert name not in symbols, f"{name} twice in {path}"
            symbols[name] = node
    return symbols


def header_functions(path):
    """Non-inline function names efadv.h declares."""
    text = re.sub(r"/\*.*?\*/", "", open(path).read(), flags=re.S)
    text = re.sub(r"static inline[^{]*\{[^}]*\}", "", text)
    return set(re.findall(r"\b(efadv_\w+)\s*\(", text))


def dynamic_symbols(path):
    """[(name, version, defined)] from objdump -T."""
    out = subprocess.run(["objdump", "-T", path], check=True,
                         capture_output=True, text=True).stdout
    syms = []
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ .{7} (\S+)\s+[0-9a-f]+\s+(?:\((\S+)\)|(\S+))\s+(\S+)$",
                     line)
        if not m:
            continue
        section, hidden_ver, ver, name = m.groups()
        syms.append((name, ver or hidden_ver, section != "*UND*", section))
    return syms


def soname(path):
    out = subprocess.run(["objdump", "-p", path], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"^\s*SONAME\s+(\S+)", out, re.M)
    return m.group(1) if m else None


def main(lib, mapfile, header, module, ibverbs):
    errors = []
    expected = parse_map(mapfile)
    declared = header_functions(header)
    syms = dynamic_symbols(lib)

    for name in sorted(declared - set(expected)):
        errors.append(f"{name} is declared in efadv.h but not in libefa.map")
    for name in sorted(set(expected) - declared):
        errors.append(f"{name} is in libefa.map but not declared in efadv.h")

    exported = {}
    for name, ver, defined, section in syms:
        if not defined or section == "*ABS*":
            continue
        exported[name] = ver
    for name, node in sorted(expected.items()):
        if name not in exported:
            errors.append(f"{name} ({node}) is not exported")
        elif exported[name] != node:
            errors.append(f"{name} is exported at {exported[name]}, expected {node}")
    for name in sorted(set(exported) - set(expected)):
        errors.append(f"{name} is exported but not in libefa.map")

    nodes = {name for name, ver, defined, section in syms if section == "*ABS*"}
    for node in sorted(set(expected.values()) - nodes):
        errors.append(f"version node {node} is missing")

    if soname(lib) != "libefa.so.1":
        errors.append(f"SONAME is {soname(lib)}, expected libefa.so.1")
    if os.path.realpath(module) != os.path.realpath(lib):
        errors.append(f"{module} is not {lib}")

    have = {(name, ver) for name, ver, defined, section in dynamic_symbols(ibverbs)
            if defined}
    for name, ver, defined, section in syms:
        if not defined and ver and ver.startswith("IBVERBS_"):
            if (name, ver) not in have:
                errors.append(f"needs {name}@{ver}, which {ibverbs} does not export")

    for e in errors:
        print("FAIL:", e)
    print(f"{len(expected)} efadv symbols in {len(set(expected.values()))} "
          f"version nodes checked, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
