# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Running Debian's perftest (4.5) in a test VM: a server and a client
process, each on its own RDMA device (or both on one), which exchange their
addresses over TCP on 127.0.0.1, and the figures each prints, parsed.

Used by apps/test_perftest.py (over EFA) and bench/rxe_compare.py (EFA
against soft-RoCE).  Imports nothing from the harness, so the benchmark runs
without it."""
import dataclasses
import itertools
import subprocess
import time

# perftest prints one table row per message size under a header line that
# starts with "#bytes"; the columns are fixed per kind of test (4.5's
# print_report_lat / print_full_bw_report), and the header's names have
# spaces in them, so the names come from here.
LAT_COLUMNS = ("bytes", "iterations", "t_min", "t_max", "t_typical", "t_avg",
               "t_stdev", "p99", "p99_9")
BW_COLUMNS = ("bytes", "iterations", "bw_peak", "bw_avg", "msg_rate_mpps")

# perftest's default TCP port is 18515; each pair takes the next one, so a
# socket still in TIME_WAIT from the last pair is never in the way.
_ports = itertools.count(18515)


@dataclasses.dataclass
class Side:
    """One perftest process: its exit status, output and result rows."""
    cmd: list
    returncode: int
    output: str
    rows: list          # [{column: float}], one per message size

    def describe(self):
        return f"$ {' '.join(self.cmd)}\n(exit {self.returncode})\n{self.output}"


def parse_rows(output):
    """The result rows of a perftest run's output."""
    rows, columns = [], None
    for line in output.splitlines():
        words = line.split()
        if words and words[0] == "#bytes":
            columns = LAT_COLUMNS if "t_min[usec]" in words else BW_COLUMNS
            continue
        if columns and len(words) == len(columns):
            try:
                rows.append(dict(zip(columns, map(float, words))))
            except ValueError:
                columns = None
        elif columns and words and not set(line.strip()) <= {"-"}:
            columns = None
    return rows


def _listening(port):
    """A TCP socket of this machine listens on PORT (/proc/net/tcp{,6})."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                        return True
        except OSError:
            pass
    return False


def _finish(proc, deadline):
    """PROC's (exit status, output), killing it (exit -9) past DEADLINE."""
    try:
        out, _ = proc.communicate(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        out += "\n(killed: timeout)"
    return proc.returncode, out


def run_server_client(server_cmd, client_cmd, port, timeout=300):
    """Run SERVER_CMD, then, once it listens on TCP PORT, CLIENT_CMD:
    (server Side, client Side), their rows parsed.  A side that outlives
    TIMEOUT is killed (exit -9); a client never started has exit None."""
    deadline = time.monotonic() + timeout
    popen = dict(stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    server = subprocess.Popen(server_cmd, **popen)
    while (not _listening(port) and server.poll() is None
           and time.monotonic() < deadline):
        time.sleep(0.05)
    if server.poll() is None and _listening(port):
        client = Side(client_cmd, *_finish(subprocess.Popen(client_cmd, **popen), deadline), [])
    else:
        client = Side(client_cmd, None, "(not started: the server did not listen)", [])
    server = Side(server_cmd, *_finish(server, deadline), [])
    for side in (server, client):
        side.rows = parse_rows(side.output)
    return server, client


def next_port():
    return next(_ports)


def run_pair(program, server_dev, client_dev, args, timeout=300):
    """PROGRAM (ib_send_lat, ...) with ARGS as a server on SERVER_DEV and a
    client on CLIENT_DEV, the client connecting to 127.0.0.1."""
    port = next_port()
    return run_server_client([program, "-d", server_dev, "-p", str(port), *args],
                             [program, "-d", client_dev, "-p", str(port), *args, "127.0.0.1"],
                             port, timeout)
