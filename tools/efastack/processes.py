# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A server process and its client on this machine, as perftest, fabtests,
fi_pingpong and ibv_rc_pingpong run (they exchange addresses over TCP on
127.0.0.1): the server started, the client once the server listens on its
TCP port, both run to their end or killed at one deadline.  Used in test
VMs by the app suites, bench/rxe_compare.py and efastack.demo; standard
library only."""
import dataclasses
import subprocess
import time


@dataclasses.dataclass
class Side:
    """One process of a pair: its command, exit status and output (stdout
    and stderr together).  Exit None: never started; -9: killed at the
    deadline (its output says so)."""
    cmd: list
    returncode: "int | None"
    output: str

    def describe(self):
        return f"$ {' '.join(self.cmd)}\n(exit {self.returncode})\n{self.output}"


@dataclasses.dataclass
class Pair:
    """A server and its client, run; ok when both exited 0."""
    server: Side
    client: Side
    seconds: float      # from the server's start to the end of both

    @property
    def ok(self):
        return self.server.returncode == 0 and self.client.returncode == 0

    def report(self):
        return f"{self.server.describe()}\n{self.client.describe()}"


def listening(port):
    """Whether a TCP socket of this machine listens on PORT.  Read from
    /proc/net/tcp{,6}: a probing connection would be the server's one
    accepted client."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:         # no IPv6 in this kernel
            pass
    return False


def _finish(proc, deadline):
    """PROC's (exit status, output), killing it past DEADLINE."""
    try:
        out, _ = proc.communicate(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        out += "\n(killed: past the deadline)"
    return proc.returncode, out


def server_client(server, client, port, env=None, timeout=300):
    """Run SERVER, then, once it listens on TCP PORT, CLIENT, both with
    environment ENV (None: ours), until both end or TIMEOUT seconds from
    the start pass, when those still running are killed.  A server that
    exits or is killed before it listens leaves the client not started."""
    start = time.monotonic()
    deadline = start + timeout
    popen = dict(stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    server_proc = subprocess.Popen(server, **popen)
    try:
        while (not listening(port) and server_proc.poll() is None
               and time.monotonic() < deadline):
            time.sleep(0.05)
        if server_proc.poll() is None and listening(port):
            client_side = Side(client, *_finish(subprocess.Popen(client, **popen), deadline))
        else:
            client_side = Side(client, None,
                               f"(not started: the server did not listen on port {port})")
        server_side = Side(server, *_finish(server_proc, deadline))
    finally:
        if server_proc.poll() is None:      # an exception: the client's program missing, say
            server_proc.kill()
            server_proc.wait()
    return Pair(server_side, client_side, time.monotonic() - start)
