#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""efadv.h and libefa.map against rdma-core master's (the newest upstream).

Programs are built against upstream's efadv.h; ours must lay out every
struct upstream has the same way (size of each struct, offset and size of
each field, nested ones too), give every constant the same value, and export
every symbol under the version node upstream gives it.  The field and
constant lists come from upstream's header itself, so a field upstream adds
is checked the day the mirror has it.  Both headers are compiled by the same
generated program, once each; the outputs must be equal.

    check_against_master.py CC OUR_INCLUDE_DIR OUR_MAP OUR_ABI_HEADER RDMA_CORE_GIT_DIR

The uverbs ABI header is held to the names only (its layouts are the
abi-upstream suite's): every enum, struct and constant name upstream's
rdma/efa-abi.h has, ours has too.
Exit 77 (skipped) without the mirror.
"""
import os
import re
import subprocess
import sys
import tempfile

UPSTREAM_HEADER = "providers/efa/efadv.h"
UPSTREAM_MAP = "providers/efa/libefa.map"
UPSTREAM_ABI = "kernel-headers/rdma/efa-abi.h"


def strip_comments(text):
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", text, flags=re.S))


def split_fields(body):
    """Declarations of a struct body, nested struct/union bodies kept whole."""
    decls, depth, cur = [], 0, ""
    for ch in body:
        cur += ch
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == ";" and depth == 0:
            decls.append(cur.strip())
            cur = ""
    return decls


def declared_type(decl, name):
    """A declaration with its member name taken out, spacing normalised:
    equal for equal types (uint8_t x[1] and uint8_t x are not)."""
    decl = re.sub(r"\b%s\b" % name, "@", decl, count=1)
    decl = re.sub(r"\b\w+(?=\s*[,)])", "", decl)     # parameter names
    return re.sub(r"\s+", " ", decl).replace(" ;", ";").strip()


def fields(body, prefix=""):
    """[(member path (a.b when nested), declared type)] of a struct body."""
    out = []
    for decl in split_fields(body):
        nested = re.match(r"(?:struct|union)\s*\{(.*)\}\s*(\w*)\s*;$", decl, re.S)
        if nested:
            inner, name = nested.groups()
            out += fields(inner, f"{prefix}{name}." if name else prefix)
            if name:
                out.append((prefix + name, "nested"))
            continue
        fnptr = re.search(r"\(\s*\*\s*(\w+)\s*\)", decl)
        plain = re.search(r"(\w+)\s*(?:\[[^\]]*\])?\s*;$", decl)
        name = (fnptr or plain).group(1)
        out.append((prefix + name, declared_type(decl, name)))
    return out


def structs(text):
    """{struct name: [(member path, declared type)]} of the structs in text."""
    found = {}
    for m in re.finditer(r"\bstruct\s+(\w+)\s*\{", text):
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        found[m.group(1)] = fields(text[m.end():i - 1])
    return found


def constants(text):
    names = []
    for body in re.findall(r"\benum\b[^{;]*\{(.*?)\}", text, re.S):
        names += re.findall(r"\b(EFADV_\w+)\b\s*(?:=|,|$)", body.strip() + ",")
    return names


def program(layout, names):
    lines = ["#include <stddef.h>", "#include <stdio.h>",
             "#include <infiniband/efadv.h>", "int main(void)", "{"]
    for struct, members in layout.items():
        t = f"struct {struct}"
        lines.append(f'printf("sizeof({t}) = %zu\\n", sizeof({t}));')
        for m, _ in members:
            lines.append(f'printf("{t}.{m} at %zu, %zu bytes\\n", '
                         f'offsetof({t}, {m}), sizeof((({t} *)0)->{m}));')
    for n in names:
        lines.append(f'printf("{n} = %lld\\n", (long long){n});')
    lines += ["return 0;", "}"]
    return "\n".join(lines) + "\n"


def run_with(cc, include_dir, source, tmp, tag):
    exe = os.path.join(tmp, tag)
    build = subprocess.run([cc, "-std=gnu11", "-I", include_dir, "-x", "c", "-",
                            "-o", exe], input=source, text=True,
                           capture_output=True)
    if build.returncode:
        sys.exit(f"{tag}: does not compile with upstream's field list:\n{build.stderr}")
    return subprocess.run([exe], check=True, capture_output=True, text=True).stdout


def parse_map(text):
    text = strip_comments(text)
    return {name: node
            for node, body in re.findall(r"(EFA_[0-9.]+)\s*\{(.*?)\}", text, re.S)
            for name in re.findall(r"\b(efadv_\w+)\s*;", body)}


def main():
    cc, our_include, our_map, our_abi, git_dir = sys.argv[1:6]
    if not os.path.isdir(git_dir):
        print(f"no rdma-core mirror at {git_dir}: skipped")
        return 77

    def upstream(path):
        return subprocess.run(["git", f"--git-dir={git_dir}", "show", f"HEAD:{path}"],
                              check=True, capture_output=True, text=True).stdout

    commit = subprocess.run(["git", f"--git-dir={git_dir}", "log", "-1",
                             "--format=%h %cs"], check=True, capture_output=True,
                            text=True).stdout.strip()
    header = upstream(UPSTREAM_HEADER)
    text = strip_comments(header)
    layout, names = structs(text), constants(text)

    # Same members, same declared types, same order: then the layouts agree
    # on every ABI (i386 too, where this host cannot compile), and code
    # written against either header compiles against the other.
    our_layout = structs(strip_comments(
        open(os.path.join(our_include, "infiniband", "efadv.h")).read()))
    bad = []
    for struct, members in layout.items():
        if our_layout.get(struct) != members:
            bad.append(f"struct {struct}:\n    upstream {members}\n    ours     "
                       f"{our_layout.get(struct)}")
    source = program(layout, names)
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "ref", "infiniband"))
        with open(os.path.join(tmp, "ref", "infiniband", "efadv.h"), "w") as f:
            f.write(header)
        ref = run_with(cc, os.path.join(tmp, "ref"), source, tmp, "upstream")
        ours = run_with(cc, our_include, source, tmp, "ours")
    bad += [f"upstream: {a}\n    ours: {b}"
            for a, b in zip(ref.splitlines(), ours.splitlines()) if a != b]

    want, have = parse_map(upstream(UPSTREAM_MAP)), parse_map(open(our_map).read())
    bad += [f"{s}: upstream {want.get(s)}, ours {have.get(s)}"
            for s in sorted(set(want) | set(have)) if want.get(s) != have.get(s)]
    def abi_names(text):
        text = strip_comments(text)
        return (set(re.findall(r"\b(?:enum|struct)\s+\w+(?=\s*\{)", text)) |
                set(re.findall(r"\b(EFA_\w+)\s*=", text)))

    missing = abi_names(upstream(UPSTREAM_ABI)) - abi_names(open(our_abi).read())
    bad += [f"abi/efa-abi.h lacks upstream's {n}" for n in sorted(missing)]
    if bad:
        print(f"against rdma-core {commit}:")
        print("\n".join(bad))
        return 1
    print(f"rdma-core {commit}: {len(layout)} structs, "
          f"{sum(map(len, layout.values()))} fields, {len(names)} constants, "
          f"{len(want)} symbols identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
