# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Running Debian's perftest (4.5) in a test VM: a server and a client
process, each on its own RDMA device (or both on one), which exchange their
addresses over TCP on 127.0.0.1, and the figures each prints, parsed.

Used by apps/test_perftest.py (over EFA) and bench/rxe_compare.py (EFA
against soft-RoCE)."""
import itertools

from efastack import processes

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


def next_port():
    return next(_ports)


def run_pair(program, server_dev, client_dev, args, timeout=300):
    """PROGRAM (ib_send_lat, ...) with ARGS as a server on SERVER_DEV and a
    client on CLIENT_DEV, the client connecting to 127.0.0.1: an
    efastack.processes.Pair (parse_rows() reads each side's output)."""
    port = next_port()
    return processes.server_client(
        [program, "-d", server_dev, "-p", str(port), *args],
        [program, "-d", client_dev, "-p", str(port), *args, "127.0.0.1"], port, timeout=timeout)
