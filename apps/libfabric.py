# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""What the libfabric suites (apps/test_libfabric.py, apps/test_fabtests.py)
share in the VM: libfabric's environment, `fi_info -v` parsed, a server and
client pair of processes, and the devices' hw counters."""
import os
import re
import subprocess
import time

from efastack import guest

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


def port_is_listening(port):
    """Whether a TCP socket listens on PORT (read from /proc: a probing
    connection would be the server's one accepted client)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    return True
    return False


class Pair:
    """A server process and a client one that reaches it on 127.0.0.1,
    both run to their end; their exit codes and output are kept."""

    def __init__(self, server, client, port, env=None, timeout=240):
        self.server_cmd, self.client_cmd = server, client
        self.port, self.env, self.timeout = port, environment(env), timeout

    def run(self):
        t0 = time.monotonic()
        server = subprocess.Popen(self.server_cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, env=self.env)
        try:
            deadline = time.monotonic() + 60
            while not port_is_listening(self.port):
                if server.poll() is not None or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            client = subprocess.run(self.client_cmd, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, env=self.env,
                                    timeout=self.timeout)
            self.client_rc, self.client_out = client.returncode, client.stdout
            self.server_out, _ = server.communicate(timeout=self.timeout)
            self.server_rc = server.returncode
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
        self.seconds = time.monotonic() - t0
        return self

    @property
    def ok(self):
        return self.server_rc == 0 and self.client_rc == 0

    def report(self):
        return (f"server {' '.join(self.server_cmd)}: exit {self.server_rc}\n{self.server_out}\n"
                f"client {' '.join(self.client_cmd)}: exit {self.client_rc}\n{self.client_out}")


def port_counters(name):
    """{device: port 1's hw counter NAME} for every EFA device."""
    return {d: guest.fresh_counter(d, name, port=1) for d in guest.efa_device_names()}


def moved(before, after):
    return sum(after[d] - before[d] for d in before)
