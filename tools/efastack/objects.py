# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The device model's objects file, and the one parser of it.

With the property objects-file=PATH, each emulated EFA keeps PATH up to date
with what it holds, one line per object class:

    CLASS LIVE DROPPED

CLASS is pd, uar, eq, cq, qp, mr or ah; LIVE the objects of that class alive
now; DROPPED those a device reset discarded while they were alive (the
driver leaked them).  The model rewrites the file whole (a rename, so a
reader sees the old or the new contents) coalesced: once after each burst of
admin commands, from a bottom half that runs as soon as the command that
changed the counts has returned; and at once at a device reset and when QEMU
exits.  tools/efa-vm gives device i of a VM the file efa<i>.objects in the
VM's results folder.

Reading it: after QEMU has exited it is exact.  A guest reading it through
the results share ($EFA_VM_RESULTS) while the VM runs sees it exact after
one round trip over the share that began after the change: the share's
server runs in QEMU's main loop, which runs the pending write before it
answers.  read_in_guest() makes that round trip.
"""


class MalformedObjectsFile(ValueError):
    pass


def parse(text, path="objects file"):
    """{class: (live, dropped)}"""
    objects = {}
    for n, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3 or not fields[1].isdigit() or not fields[2].isdigit():
            raise MalformedObjectsFile(f"{path}:{n}: not 'CLASS LIVE DROPPED': {line!r}")
        objects[fields[0]] = (int(fields[1]), int(fields[2]))
    return objects


def read(path):
    with open(path) as f:
        return parse(f.read(), path)


def read_in_guest(path):
    """read(), exact while the VM runs: the first read is the round trip
    over the results share that lets the model's pending write land."""
    with open(path) as f:
        f.read()
    return read(path)


def leaks(objects):
    """'CLASS live=N dropped=M' for every class not at zero."""
    return [f"{cls} live={live} dropped={dropped}"
            for cls, (live, dropped) in objects.items() if live or dropped]
