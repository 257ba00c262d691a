# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Interface constants and structure layouts, taken from the C headers.

Python tests keep no hand copies of register offsets, opcodes or struct
layouts: they ask this module, which takes them from the compiler and gdb,
out of these headers (headers()):

    abi/hw/*.h                         the device: registers, admin queues
    abi/efa-abi.h                      the uverbs ABI of efa.ko and libefa
    libefa/efadv.h                     the provider's public header
    /usr/include/rdma/ib_user_verbs.h  the kernel's core uverbs ABI
    /usr/include/infiniband/ib_user_ioctl_verbs.h  its ioctl half (QP types,
                                       access flags): rdma-core's copy, which
                                       efadv.h's <infiniband/verbs.h> includes
                                       first, so the kernel's adds nothing
    /usr/include/linux/pci_regs.h      PCI config space, capabilities, MSI-X

From the definitions in those files (not in what they include) it takes
every object-like #define whose value is an integer constant expression,
every enumerator (and, per named enum, its enumerators in order) and every
struct: its size and its top-level fields.

    abi.value("EFA_REGS_DEV_STS_OFF"), abi.C.EFA_REGS_DEV_STS_OFF
    abi.enum("efa_admin_aq_opcode")         {enumerator: value}
    abi.struct("efadv_device_attr")         a Struct: size, fields, pack...
    abi.field_get(MASK, reg)                a field of a register value, as
    abi.field_prep(MASK, value)             FIELD_GET and FIELD_PREP do

Extracting takes a fraction of a second (gcc -E, one compile and run, two
gdb runs); the result is cached as JSON in paths.cache_dir()/abi/<key>.json,
the key a hash of the headers, of this file and of the gcc version, and
kept in memory only when that folder is not writable.  Importing does
nothing: the first use loads the cache, or extracts.

Refused rather than guessed, with AbiError naming the definitions: a macro
defined twice with different text, a name that is both a macro and an
enumerator, a struct with a bitfield or a floating-point field.

Anonymous struct/union members are flattened as C does: their members are
fields of the containing struct (overlapping, for a union), so
struct("ib_uverbs_flow_spec_eth").offset("type") is what offsetof says.

python3 -m efastack.abi [NAME...]: the cache file and a summary, or each
constant, enum or struct named.
"""
import collections
import functools
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from efastack import paths

HW_DIR = os.path.join(paths.REPO, "abi", "hw")
_OTHER_HEADERS = (
    # included by path: <rdma/efa-abi.h> is the system's, different, copy
    os.path.join(paths.REPO, "abi", "efa-abi.h"),
    os.path.join(paths.REPO, "libefa", "efadv.h"),
    "/usr/include/rdma/ib_user_verbs.h",
    "/usr/include/infiniband/ib_user_ioctl_verbs.h",
    "/usr/include/linux/pci_regs.h",
)
_CFLAGS = ["-I", HW_DIR]
# Rounds of compiling the value printer, each dropping the candidates gcc
# rejected; one is normal, more only when a bad macro hides another error.
_ATTEMPTS = 5


class AbiError(Exception):
    """Extraction failed, or a name is refused (defined twice, or a layout
    this module cannot represent)."""


Field = collections.namedtuple("Field", "name offset size ctype count struct_name")
Field.__doc__ = """A top-level field: offset and size in bytes (size of the
whole array for an array), ctype the C type text (the element type of an
array; 'struct {...}' for an unnamed struct), count None for a scalar, the
element count for an array, 0 for a flexible array; struct_name the tag when
the field (or its element) is a named struct or union."""


def headers():
    """The input headers, in the order they are included."""
    return sorted(glob.glob(os.path.join(HW_DIR, "*.h"))) + list(_OTHER_HEADERS)


def _run(argv, cwd=None):
    """stdout of argv; AbiError with its stderr if it fails."""
    r = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, env=dict(os.environ, LC_ALL="C"))
    if r.returncode != 0:
        raise AbiError(f"{' '.join(argv[:3])}... failed (exit {r.returncode}):\n{r.stderr}")
    return r.stdout


# Once a process: every cache_path() needs it, and a cached load() must
# run no program at all.
@functools.lru_cache(maxsize=None)
def _gcc_version():
    return _run(["gcc", "--version"]).splitlines()[0]


def cache_path():
    """The cache file of the current inputs."""
    h = hashlib.sha256()
    for path in headers() + [os.path.abspath(__file__)]:
        with open(path, "rb") as f:
            h.update(os.path.basename(path).encode() + b"\0")
            h.update(hashlib.sha256(f.read()).digest())
    h.update(_gcc_version().encode())
    return os.path.join(paths.cache_dir(), "abi", h.hexdigest() + ".json")


# ---------------------------------------------------------------- loading

_data = None
_structs = {}
_not_written = None   # why the last extraction is in memory only


def load():
    """The whole extracted dict (the cache file's JSON): headers, gcc,
    seconds (extraction time), macros {name: [value, where]}, enumerators
    {name: [value, where, enum tag or None]}, enums {tag: {name: value}},
    structs {tag: {size, where, fields: [[name, offset, size, ctype,
    count, struct_name, kind]]}} (kind: signed, unsigned or aggregate),
    conflicts {name: [definition...]}, dropped {macro: [where, text]} (not
    integer constants), refused {tag: reason}."""
    global _data
    if _data is None:
        _data = _load_or_generate(cache_path())
        _structs.clear()
    return _data


def _load_or_generate(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):   # absent, unreadable or damaged
        pass
    data = generate()
    _save(path, data)
    return data


def _save(path, data):
    """Write path atomically; on failure only note why."""
    global _not_written
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        try:
            os.fchmod(fd, 0o644)   # mkstemp's 0600 would hide it from other users
            with os.fdopen(fd, "w") as f:
                json.dump(data, f)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        _not_written = None
    except OSError as e:
        _not_written = str(e)


# ---------------------------------------------------------------- extraction

def _where(path, line):
    if path.startswith(paths.REPO + os.sep):
        path = os.path.relpath(path, paths.REPO)
    return f"{path}:{line}"


_MARKER = re.compile(r'# (\d+) "([^"]*)"')
_DEFINE = re.compile(r"#define ([A-Za-z_]\w*)(\(?)\s*(.*)$")
_ENUM = re.compile(r"\benum\b\s*([A-Za-z_]\w*)?\s*\{([^}]*)\}")
_STRUCT = re.compile(r"\bstruct\s+([A-Za-z_]\w*)\s*\{")


def _scan(text, files):
    """What `gcc -E -dD` output says is defined in files: ([(name, value
    text, where)] of object-like defines, [(tag or None, [(enumerator,
    where)])], {struct tag: where}).  The line markers tell which file each
    line comes from."""
    ours = {os.path.realpath(f): f for f in files}
    resolved = {}
    defines = []
    # Per file its C text, as (line number, text): joined, a definition
    # reads whole even where markers cut it (a macro from a system header
    # expanded inside it is marked as coming from there).
    code = {f: [] for f in files}
    current, line = None, 0
    for raw in text.split("\n"):
        m = _MARKER.match(raw)
        if m:
            name = m.group(2)
            if name not in resolved:
                resolved[name] = ours.get(os.path.realpath(name))
            current, line = resolved[name], int(m.group(1))
            continue
        if current:
            d = _DEFINE.match(raw)
            if d and not d.group(2) and d.group(3):   # object-like, not empty
                defines.append((d.group(1), d.group(3), _where(current, line)))
            elif not raw.startswith("#"):
                code[current].append((line, raw))
        line += 1
    enums, structs = [], {}
    for path, lines in code.items():
        body = "\n".join(text for _, text in lines)

        def where(pos):
            return _where(path, lines[body.count("\n", 0, pos)][0])
        for m in _ENUM.finditer(body):
            names = _enumerator_names(m.group(2))
            enums.append((m.group(1), [(n, where(m.start())) for n in names]))
        for m in _STRUCT.finditer(body):
            structs[m.group(1)] = where(m.start())
    return defines, enums, structs


def _enumerator_names(body):
    """The names in an enum body: its items split at top-level commas (a
    value may be a call-like expression with commas of its own)."""
    names, depth, start = [], 0, 0
    for i, ch in enumerate(body + ","):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            item = body[start:i].strip()
            start = i + 1
            if item:
                names.append(re.match(r"[A-Za-z_]\w*", item).group())
    return names


_DIAG = re.compile(r"(.*?):(\d+):(?:\d+:)? (fatal error|error|warning|note): ")


def _error_lines(stderr, source):
    """The lines of source that gcc's errors are about: the error's own
    line, or for an error inside a macro's definition the line its 'in
    expansion of macro' note points at.  None if an error is about no line
    of source."""
    lines, pending = set(), False   # pending: an error whose line is not known yet
    for diag in stderr.splitlines():
        m = _DIAG.match(diag)
        if not m:
            continue
        if m.group(3) != "note":   # a new diagnostic; notes belong to the one before
            if pending:
                return None
            pending = m.group(3) != "warning"
        if pending and m.group(1) == source:
            lines.add(int(m.group(2)))
            pending = False
    return None if pending else lines


def _evaluate(tmp, includes, macros, enumerators, cflags):
    """Compile and run a program printing every candidate; drop (and
    return) the macros gcc rejects.  A switch case label accepts only an
    integer constant expression, so a macro that is a type, a string, a
    float or an attribute fails there.  Returns ({name: value}, {dropped
    macro: (where, text)}, path of the program, which has full debug info
    for gdb)."""
    candidates = dict(macros)
    candidates.update({name: None for name in enumerators})
    dropped = {}
    exe = os.path.join(tmp, "values")
    for _ in range(_ATTEMPTS):
        lines = includes.splitlines() + ["#include <stdio.h>", "int main(void)", "{"]
        at = {}
        for name in candidates:
            at[len(lines) + 1] = name
            lines.append(
                f'{{ switch (0) {{ case ({name}): break; }} '
                f'if (({name}) < 0) printf("{name} %lld\\n", (long long)({name})); '
                f'else printf("{name} %llu\\n", (unsigned long long)({name})); }}')
        lines += ["return 0;", "}", ""]
        with open(os.path.join(tmp, "values.c"), "w") as f:
            f.write("\n".join(lines))
        r = subprocess.run(
            ["gcc", "-g", "-fno-eliminate-unused-debug-types", "-w",
             "-fdiagnostics-plain-output"] + cflags + ["values.c", "-o", exe],
            cwd=tmp, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            env=dict(os.environ, LC_ALL="C"))
        if r.returncode == 0:
            break
        bad = _error_lines(r.stderr, "values.c")
        if not bad or not bad <= at.keys():
            raise AbiError(f"compiling the value printer failed:\n{r.stderr}")
        for line in bad:
            name = at[line]
            if candidates[name] is None:
                raise AbiError(f"enumerator {name} ({enumerators[name]}) is not an "
                               f"integer constant:\n{r.stderr}")
            dropped[name] = candidates.pop(name)
    else:
        raise AbiError(f"the value printer still fails after {_ATTEMPTS} attempts")
    values = {}
    for out in _run([exe], tmp).splitlines():
        name, value = out.split()
        values[name] = int(value)
    return values, dropped, exe


class _Block:
    """A struct or union gdb prints inline, while its members are read."""

    def __init__(self, head, offset, size):
        self.ctype = head if " " in head else head + " {...}"
        self.offset, self.size, self.members = offset, size, []


# /*  OFFSET[: BIT] | SIZE */ DECL, or /* SIZE */ DECL for a union member
_LAYOUT = re.compile(r"/\*\s*(?:(\d+)(?::\s*(\d+))?\s*\|)?\s*(\d+)\s*\*/\s*(.*)$")
_PRINTED = re.compile(r"\$\d+ = (\d+)$")   # gdb's answer to print
_FUNC_PTR = re.compile(r"(.*?)\(\s*\*\s*(\w+)((?:\[\d*\])*)\s*\)(.*)$")
_DECL = re.compile(r"(.*\W)?(\w+)((?:\[\d*\])*)$")


def _declarator(decl):
    """(ctype, name, count) of a declaration as gdb prints it."""
    decl = decl.rstrip(";").strip()
    m = _FUNC_PTR.match(decl)
    if m:
        ctype, name, dims = f"{m.group(1).strip()} (*){m.group(4)}", m.group(2), m.group(3)
    else:
        m = _DECL.match(decl)
        if not m:
            raise AbiError(f"cannot read the declaration {decl!r} gdb printed")
        ctype, name, dims = (m.group(1) or "").strip(), m.group(2), m.group(3)
    count = None
    if dims:
        count = 1
        for d in re.findall(r"\[(\d*)\]", dims):
            count *= int(d) if d else 0
    return ctype, name, count


def _parse_ptype(name, lines):
    """(members [[name, offset, size, ctype, count]], sizeof, refusal or
    None) from the output of `ptype /o struct NAME` and `print sizeof`.
    Nested structs and unions are printed inline, indented, up to
    '} name;'; their members' offsets are absolute (a union member has
    none: it is the union's)."""
    stack, size, refusal = [_Block("struct " + name, 0, 0)], None, None
    for line in lines:
        text = line.strip()
        m = _PRINTED.match(text)
        if m:
            size = int(m.group(1))
            continue
        if not text or text.startswith(("/* XXX", "/* total size", "/* offset")):
            continue   # holes, padding, totals, the header line
        if text.startswith("}"):
            if len(stack) == 1:
                continue   # the end of the struct itself
            block = stack.pop()
            rest = text[1:].strip().rstrip(";").strip()
            if rest:
                _, member, count = _declarator(rest)
                stack[-1].members.append([member, block.offset, block.size, block.ctype, count])
            else:   # an anonymous member: C makes its members the parent's
                stack[-1].members.extend(block.members)
            continue
        m = _LAYOUT.match(text)
        if not m:
            raise AbiError(f"struct {name}: unexpected gdb output {line!r}")
        off, bit, msize, decl = m.groups()
        offset = int(off) if off is not None else stack[-1].offset
        if decl.endswith("{"):
            stack.append(_Block(decl[:-1].strip(), offset, int(msize)))
            continue
        if bit is not None or re.search(r":\s*\d+;?$", decl):
            refusal = f"bitfield {decl.rstrip(';')} at byte {offset}: bitfields are not supported"
        ctype, member, count = _declarator(decl)
        stack[-1].members.append([member, offset, int(msize), ctype, count])
    if size is None:
        raise AbiError(f"gdb printed no layout of struct {name}:\n" + "\n".join(lines))
    return stack[0].members, size, refusal


def _gdb_sections(exe, commands):
    """{key: output lines} of gdb running commands {key: [command...]}
    on exe, each key's output after an echoed marker."""
    argv = ["gdb", "-batch", "-nx", "-ex", "set width 0"]
    for key, cmds in commands.items():
        argv += ["-ex", f"echo @@ {key}\\n"]
        for cmd in cmds:
            argv += ["-ex", cmd]   # -ex: a failing command does not stop the rest
    sections, current = {}, None
    for line in _run(argv + [exe]).splitlines():
        if line.startswith("@@ "):
            current = sections.setdefault(line[3:], [])
        elif current is not None:
            current.append(line)
    return sections


def _kind(ctype, scalars):
    """How a field's bytes read: 'signed', 'unsigned', 'aggregate', or None
    for a type this module cannot represent."""
    if "*" in ctype:   # pointer, function pointer
        return "unsigned"
    if ctype.startswith(("struct ", "union ")):
        return "aggregate"
    # gdb printed ((T)-1 < 0) + 2 * ((T)1.5 != 1): 0 or 1, or 2/3 if floating
    return {"0": "unsigned", "1": "signed"}.get(scalars.get(ctype))


def _layouts(exe, where):
    """{tag: {size, where, fields}} and {tag: refusal} of the structs
    {tag: where}."""
    raw = _gdb_sections(exe, {n: [f"ptype /o struct {n}", f"print sizeof(struct {n})"]
                              for n in where})
    parsed, refused = {}, {}
    for n in where:
        members, size, refusal = _parse_ptype(n, raw.get(n, []))
        if refusal:
            refused[n] = refusal
        else:
            parsed[n] = (members, size)
    types = sorted({m[3] for members, _ in parsed.values() for m in members
                    if "*" not in m[3] and not m[3].startswith(("struct ", "union "))})
    out = _gdb_sections(exe, {t: [f"print (({t})-1 < 0) + 2 * (({t})1.5 != 1)"] for t in types})
    scalars = {}
    for t in types:
        m = out.get(t) and _PRINTED.match(out[t][0])
        if m:   # else gdb could not cast to it: the type stays unknown
            scalars[t] = m.group(1)
    structs = {}
    for n, (members, size) in parsed.items():
        fields = []
        for member, offset, msize, ctype, count in members:
            kind = _kind(ctype, scalars)
            if kind is None:
                refused[n] = f"field {member} has type {ctype}, not an integer, pointer or struct"
                break
            tag = re.fullmatch(r"(?:struct|union) (\w+)", ctype)
            fields.append([member, offset, msize, ctype, count, tag and tag.group(1), kind])
        else:
            structs[n] = {"size": size, "where": where[n], "fields": fields}
    return structs, refused


def generate(files=None, cflags=None, prelude=()):
    """Extract everything from the headers (no cache involved): ours, or
    FILES compiled with CFLAGS after the PRELUDE headers (which provide
    what FILES need but are not extracted; how a test reads upstream's
    headers for comparison)."""
    start = time.monotonic()
    files = headers() if files is None else list(files)
    cflags = _CFLAGS if cflags is None else list(cflags)
    includes = "".join(f'#include "{h}"\n' for h in list(prelude) + files)
    with tempfile.TemporaryDirectory(prefix="efa-abi-") as tmp:
        with open(os.path.join(tmp, "headers.c"), "w") as f:
            f.write(includes)
        defines, enum_list, struct_where = _scan(
            _run(["gcc", "-E", "-dD"] + cflags + ["headers.c"], tmp), files)

        # Candidates: macros defined once (or always with the same text)
        # and not also an enumerator; the others are conflicts.
        texts = collections.defaultdict(list)
        for name, text, where in defines:
            texts[name].append((where, " ".join(text.split())))
        enumerators = {n: where for _, items in enum_list for n, where in items}
        conflicts, macros = {}, {}
        for name, defs in texts.items():
            if len({text for _, text in defs}) > 1 or name in enumerators:
                conflicts[name] = [f"{where}: #define {name} {text}" for where, text in defs]
            else:
                macros[name] = defs[0]
        for name in conflicts:
            if name in enumerators:
                conflicts[name].append(f"{enumerators.pop(name)}: enumerator {name}")
        # A brace or semicolon cannot be in an integer constant expression,
        # and would unbalance the printer's blocks and misplace gcc's errors.
        dropped = {n: d for n, d in macros.items() if re.search(r"[{};]", d[1])}
        for name in dropped:
            del macros[name]

        values, rejected, exe = _evaluate(tmp, includes, macros, enumerators, cflags)
        dropped.update(rejected)
        structs, refused = _layouts(exe, struct_where)

    enums = {}
    for tag, items in enum_list:
        if tag:
            enums[tag] = {n: values[n] for n, _ in items if n in values}
    tags = {n: tag for tag, items in enum_list for n, _ in items}
    return {
        "headers": files,
        "gcc": _gcc_version(),
        "seconds": round(time.monotonic() - start, 3),
        "macros": {n: [values[n], macros[n][0]] for n in macros if n in values},
        "enumerators": {n: [values[n], where, tags[n]] for n, where in enumerators.items()},
        "enums": enums,
        "structs": structs,
        "conflicts": conflicts,
        "dropped": {n: list(d) for n, d in dropped.items()},
        "refused": refused,
    }


# ---------------------------------------------------------------- the API

def value(name):
    """The value of a macro or enumerator."""
    data = load()
    for table in ("macros", "enumerators"):
        if name in data[table]:
            return data[table][name][0]
    if name in data["conflicts"]:
        raise AbiError(f"{name} is defined more than once, differently:\n  "
                       + "\n  ".join(data["conflicts"][name]))
    if name in data["dropped"]:
        where, text = data["dropped"][name]
        raise KeyError(f"{name} ({where}: {text}) is not an integer constant")
    raise KeyError(f"no constant {name} in the headers")


class _Constants:
    """abi.C.NAME is abi.value("NAME")."""

    def __getattr__(self, name):
        # Probes for special names (copy, pickle, pytest) must not extract.
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        try:
            return value(name)
        except KeyError as e:
            raise AttributeError(e.args[0]) from None

    def __dir__(self):
        return sorted(list(load()["macros"]) + list(load()["enumerators"]))


C = _Constants()


def enum(name):
    """{enumerator: value} of a named enum, in declaration order."""
    try:
        return dict(load()["enums"][name])
    except KeyError:
        raise KeyError(f"no enum {name} in the headers") from None


def _shift(mask):
    if mask <= 0:
        raise ValueError(f"field mask {mask:#x} selects no bits")
    return (mask & -mask).bit_length() - 1


def field_get(mask, reg):
    """The field of reg that mask (a *_MASK constant) selects, shifted down:
    the kernel's FIELD_GET."""
    return (reg & mask) >> _shift(mask)


def field_prep(mask, value):
    """value shifted into the field mask selects: the kernel's FIELD_PREP;
    ValueError if it does not fit."""
    shifted = value << _shift(mask)
    if value < 0 or shifted & ~mask:
        raise ValueError(f"{value:#x} does not fit in the field {mask:#x}")
    return shifted


def struct(name):
    """The Struct of a struct tag."""
    data = load()
    if name not in _structs:
        if name in data["refused"]:
            raise AbiError(f"struct {name}: {data['refused'][name]}")
        if name not in data["structs"]:
            raise KeyError(f"no struct {name} in the headers")
        s = data["structs"][name]
        _structs[name] = Struct(name, s["size"], s["fields"])
    return _structs[name]


def _nested(field):
    """The Struct of a field's named struct type, None if it has none in
    the table (unnamed, or defined outside the headers)."""
    if field.struct_name and field.struct_name in load()["structs"]:
        return struct(field.struct_name)
    return None


class Struct:
    """A struct's layout, and its little-endian bytes.

    unpack: scalars as ints, u8 arrays as bytes, other arrays as lists,
    nested named structs as dicts, other nested structs and unions as bytes;
    flexible arrays are left out.  pack takes the same (and bytes for any
    array or nested struct; shorter values are zero-padded)."""

    def __init__(self, name, size, fields):
        self.name, self.size = name, size
        self.fields = [Field(*f[:6]) for f in fields]
        self._kinds = {f[0]: f[6] for f in fields}
        self._by_name = {f.name: f for f in self.fields}

    def __repr__(self):
        return f"<Struct {self.name}: {self.size} bytes, {len(self.fields)} fields>"

    def field(self, name):
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"struct {self.name} has no field {name}") from None

    def offset(self, name):
        return self.field(name).offset

    def end(self, name):
        """Where a field ends: the smallest length that covers it."""
        f = self.field(name)
        return f.offset + f.size

    def unpack(self, buf, offset=0):
        data = memoryview(buf).cast("B")
        if offset < 0 or len(data) - offset < self.size:
            raise ValueError(f"struct {self.name} needs {self.size} bytes at offset "
                             f"{offset}, the buffer has {len(data)}")
        data = data[offset:offset + self.size].tobytes()
        return {f.name: self._decode(f, data[f.offset:f.offset + f.size])
                for f in self.fields if f.count != 0}

    def _decode(self, f, raw):
        kind = self._kinds[f.name]
        if f.count is None:
            return self._decode_one(f, kind, raw)
        step = f.size // f.count
        if kind == "unsigned" and step == 1:
            return raw
        return [self._decode_one(f, kind, raw[i:i + step]) for i in range(0, f.size, step)]

    @staticmethod
    def _decode_one(f, kind, raw):
        if kind == "aggregate":
            nested = _nested(f)
            return nested.unpack(raw) if nested else raw
        return int.from_bytes(raw, "little", signed=kind == "signed")

    def pack(self, **values):
        out = bytearray(self.size)
        given = []
        for name, v in values.items():
            if name not in self._by_name:
                raise TypeError(f"struct {self.name} has no field {name}")
            f = self._by_name[name]
            for g in given:   # union members, anonymous or not, share bytes
                if f.offset < g.offset + g.size and g.offset < f.offset + f.size:
                    raise ValueError(f"struct {self.name}: fields {g.name} and {name} overlap")
            out[f.offset:f.offset + f.size] = self._encode(f, v)
            given.append(f)
        return bytes(out)

    def _encode(self, f, v):
        what = f"{self.name}.{f.name}"
        if f.count == 0:
            raise ValueError(f"{what} is a flexible array: it has no room in the struct")
        kind = self._kinds[f.name]
        if isinstance(v, (bytes, bytearray, memoryview)) and (f.count or kind == "aggregate"):
            return _padded(v, f.size, what)
        if f.count is None:
            return self._encode_one(f, kind, f.size, v, what)
        if not isinstance(v, (list, tuple)):
            raise TypeError(f"{what}: expected a list or bytes, got {type(v).__name__}")
        if len(v) > f.count:
            raise ValueError(f"{what}: {len(v)} elements, it has {f.count}")
        step = f.size // f.count
        return _padded(b"".join(self._encode_one(f, kind, step, e, f"{what}[{i}]")
                                for i, e in enumerate(v)), f.size, what)

    @staticmethod
    def _encode_one(f, kind, size, v, what):
        if kind == "aggregate":
            nested = _nested(f)
            if nested and isinstance(v, dict):
                return nested.pack(**v)
            return _padded(v, size, what)
        if not isinstance(v, int):
            raise TypeError(f"{what}: expected an int, got {type(v).__name__}")
        try:
            return v.to_bytes(size, "little", signed=kind == "signed")
        except OverflowError:
            raise ValueError(f"{what}: {v} does not fit in {size} {kind} bytes") from None


def _padded(v, size, what):
    if not isinstance(v, (bytes, bytearray, memoryview)):
        raise TypeError(f"{what}: expected bytes, got {type(v).__name__}")
    v = bytes(v)
    if len(v) > size:
        raise ValueError(f"{what}: {len(v)} bytes, it has {size}")
    return v.ljust(size, b"\0")


# ---------------------------------------------------------------- command line

def _show(name, data):
    """Print what name is; False if it is nothing."""
    found = False
    for table in ("macros", "enumerators"):
        if name in data[table]:
            v, where = data[table][name][:2]
            print(f"{name} = {v}" + (f" ({v:#x})" if v >= 0 else "") + f"  [{where}]")
            found = True
    if name in data["enums"]:
        print(f"enum {name}:")
        for n, v in data["enums"][name].items():
            print(f"    {n} = {v}")
        found = True
    if name in data["structs"]:
        s = struct(name)
        print(f"struct {name}: {s.size} bytes  [{data['structs'][name]['where']}]")
        print(f"    {'offset':>6} {'size':>5}  field")
        for f in s.fields:
            dims = "" if f.count is None else f"[{f.count or ''}]"
            print(f"    {f.offset:6} {f.size:5}  {f.ctype} {f.name}{dims}")
        found = True
    for table, label in (("conflicts", "defined twice"), ("dropped", "not an integer constant"),
                         ("refused", "refused")):
        if name in data[table]:
            print(f"{name}: {label}: {data[table][name]}")
            found = True
    return found


def main(argv):
    data = load()
    if argv:
        missing = [name for name in argv if not _show(name, data)]
        for name in missing:
            print(f"{name}: not in the headers", file=sys.stderr)
        return 1 if missing else 0
    path = cache_path()
    print(f"cache: {path}" + (f" (not written: {_not_written})" if _not_written else ""))
    print(f"extracted in {data['seconds']} s with {data['gcc']} from:")
    for h in data["headers"]:
        print(f"    {h}")
    print(f"{len(data['macros'])} macros, {len(data['enumerators'])} enumerators, "
          f"{len(data['enums'])} named enums, {len(data['structs'])} structs")
    for name, defs in data["conflicts"].items():
        print(f"defined twice, refused: {name}:\n    " + "\n    ".join(defs))
    for name, (where, text) in data["dropped"].items():
        print(f"not an integer constant: {name} ({where}: {text})")
    for name, reason in data["refused"].items():
        print(f"refused: struct {name}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
