#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Check that our abi/efa-abi.h is layout-compatible with another copy of
the EFA uverbs ABI (by default the system's /usr/include/rdma/efa-abi.h).

For every struct the other header has: every named (non-reserved) field of
theirs sits at the same offset with the same size in ours, whatever we call
it, and ours is as large or larger.  Their reserved bytes may hold newer
fields of ours, and ours may end in fields appended after their end (the
uverbs ABI grows udata structs only at the end; the other side copies
min(sizes)).  Offsets come from the C compiler, not from parsing.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

STRUCT_RE = re.compile(r"struct\s+(\w+)\s*\{(.*?)\};", re.S)
FIELD_RE = re.compile(r"^\s*[\w\s]+?\b(\w+)\s*(\[[^\]]*\])?\s*;", re.M)


def structs(path):
    text = re.sub(r"/\*.*?\*/", "", open(path).read(), flags=re.S)
    return {name: [m.group(1) for m in FIELD_RE.finditer(body)]
            for name, body in STRUCT_RE.findall(text)}


def layout(header_dir, wanted, cc):
    """{struct: (size, {field: (offset, size)})} measured by compiling."""
    lines = ['#include <stddef.h>', '#include <stdio.h>',
             '#include <rdma/efa-abi.h>', 'int main(void) {']
    for name, fields in wanted.items():
        lines.append(f'printf("S {name} %zu\\n", sizeof(struct {name}));')
        for f in fields:
            lines.append(f'printf("F {name} {f} %zu %zu\\n", '
                         f'offsetof(struct {name}, {f}), '
                         f'sizeof(((struct {name} *)0)->{f}));')
    lines += ['return 0;', '}']
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, "l.c"), os.path.join(tmp, "l")
        with open(src, "w") as f:
            f.write("\n".join(lines))
        inc = ["-I", header_dir] if header_dir else []
        subprocess.run([cc, "-Wall", "-Werror", *inc, src, "-o", exe], check=True)
        out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    result = {}
    for line in out.splitlines():
        kind, name, *rest = line.split()
        if kind == "S":
            result[name] = (int(rest[0]), {})
        else:
            result[name][1][rest[0]] = (int(rest[1]), int(rest[2]))
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("ours", help="our efa-abi.h")
    ap.add_argument("--theirs", default="/usr/include/rdma/efa-abi.h")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    args = ap.parse_args()

    theirs = structs(args.theirs)
    ours = structs(args.ours)
    missing = sorted(set(theirs) - set(ours))
    if missing:
        print("structs missing from ours:", ", ".join(missing))
        return 1

    with tempfile.TemporaryDirectory() as stage:
        # ours must be found as <rdma/efa-abi.h>, like the builds stage it
        os.makedirs(os.path.join(stage, "rdma"))
        os.symlink(os.path.abspath(args.ours), os.path.join(stage, "rdma", "efa-abi.h"))
        our_layout = layout(stage, {n: ours[n] for n in theirs}, args.cc)
    their_dir = os.path.dirname(os.path.dirname(os.path.abspath(args.theirs)))
    their_layout = layout(their_dir, theirs, args.cc)

    errors = []
    for name in sorted(theirs):
        tsize, tfields = their_layout[name]
        osize, ofields = our_layout[name]
        if osize < tsize:
            errors.append(f"{name}: size {osize}, theirs {tsize}")
        elif osize > tsize:
            print(f"{name}: extended from {tsize} to {osize} bytes")
        spots = {v: f for f, v in ofields.items()}
        for field, spot in tfields.items():
            if field.startswith("reserved"):
                continue
            if spot not in spots:
                errors.append(f"{name}.{field}: theirs at offset {spot[0]} "
                              f"size {spot[1]}, ours has no field there")
    for e in errors:
        print("layout mismatch:", e)
    print(f"{len(theirs)} structs checked against {args.theirs}: "
          f"{'ok' if not errors else str(len(errors)) + ' mismatches'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
