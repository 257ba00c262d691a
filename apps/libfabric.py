# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""What the libfabric suites (apps/test_libfabric.py, apps/test_fabtests.py)
share in the VM: libfabric's environment, `fi_info -v` parsed, a server and
client pair of processes, and the devices' hw counters."""
import os
import re
import subprocess

from efastack import guest, processes

# libfabric 1.17 sends a peer whose GID is any local device's over the shm
# provider, which never touches the device: every process here is local.
FABRIC_ENV = {"FI_EFA_ENABLE_SHM_TRANSFER": "0"}


def environment(extra=None):
    return dict(os.environ, **FABRIC_ENV, **(extra or {}))


def fi_info_entries(*args, env=None):
    """`fi_info -v ARGS` as one nested dict per entry: {"fi_info": {...,
    "fi_tx_attr": {...}, "nic": {"fi_device_attr": {...}, ...}}}."""
    proc = subprocess.run(["fi_info", "-v", *args], capture_output=True, text=True,
                          env=environment(env))
    assert proc.returncode == 0, proc.stderr
    entries = []
    for text in re.split(r"^---$", proc.stdout, flags=re.M):
        root, stack = {}, []        # stack: (indent, dict) of open sections
        for line in text.splitlines():
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip())
            key, _, value = line.strip().partition(":")
            while stack and stack[-1][0] >= indent:
                stack.pop()
            parent = stack[-1][1] if stack else root
            if value.strip():
                parent[key] = value.strip()
            else:
                parent[key] = {}
                stack.append((indent, parent[key]))
        if root:
            entries.append(root["fi_info"])
    return entries


def pair(server, client, port, env=None, timeout=240):
    """SERVER and CLIENT (which reaches it on 127.0.0.1) run to their end in
    libfabric's environment plus ENV: an efastack.processes.Pair."""
    return processes.server_client(server, client, port, environment(env), timeout)


def port_counters(name):
    """{device: port 1's hw counter NAME} for every EFA device."""
    return {d: guest.fresh_counter(d, name, port=1) for d in guest.efa_device_names()}


def moved(before, after):
    return sum(after[d] - before[d] for d in before)
