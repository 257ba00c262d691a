#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""SRD between the two emulated EFAs of a VM against soft-RoCE (rxe) RC in
the same VM, measured in one run, printed as ratios.

Run inside a test VM with two EFA devices (bench/README.md, "EFA against
soft-RoCE", has the command line).  The script adds an rxe device on the
loopback netdev (rdma_rxe sends a packet for its own MAC address straight
back to itself, so both QPs live on the one rxe device, as two processes),
and removes it whatever happens: libfabric 1.17 gives up when any verbs
device is not an EFA.

Measured, each the same way on both sides (8-byte messages, every work
request signaled, as EFA requires):
  perftest ib_send_lat    EFA -c SRD -x 0       rxe -c RC   (median latency)
  perftest ib_send_bw     EFA -c SRD -x 0       rxe -c RC   (message rate)
  round trip              efa-bench SRD         ibv_rc_pingpong over rxe
  message rate            efa-bench SRD         perftest ib_send_bw over rxe
Each figure is the median of --repeat runs.  A ratio above 1 means EFA
takes longer (latency) or moves more messages (rate).

Timings are reported, never judged.  Exit status: 0 when every run moved its
traffic, 1 when one did not, 2 when setting up (devices, rxe) failed."""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

from efastack import processes  # on PYTHONPATH in a test VM (tools/efa-vm)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "apps"))
import perftest  # noqa: E402  (apps/perftest.py)

SYS_IB = "/sys/class/infiniband"
RXE = "rxe_bench"
SIZE = 8
# perftest's bandwidth test has no flow control: the server posts RX_DEPTH
# receives, then reposts as it polls.  perftest 4.5 leaves an SRD QP's RNR
# retry at the device's default (0, no retry), so a server that falls
# behind (a descheduled vCPU under TCG) fails the sender with an RNR
# completion.  Asking for no more messages than receives posted up front
# keeps the result a measure of the path, not of the guest's scheduler.
RX_DEPTH = 4096
MODES = {
    # latency round trips, messages for the rates (at most RX_DEPTH for
    # perftest; efa-bench keeps its own window), repeats of each
    "quick": dict(lat_iters=100, msgs=300, bench_msgs=300, repeat=1),
    "full": dict(lat_iters=5000, msgs=RX_DEPTH, bench_msgs=50000, repeat=5),
}


class Failed(Exception):
    """A run that did not move its traffic (exit 1)."""


class SetupFailed(Exception):
    """No devices to measure (exit 2)."""


def sh(*cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SetupFailed(f"{' '.join(cmd)}: exit {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def roce_v2_ipv4_gid_index(ibdev, timeout=10):
    """The GID index of IPv4 127.0.0.1 as RoCE v2 on IBDEV, once the RDMA
    core has filled the GID table from the netdev's addresses."""
    port = f"{SYS_IB}/{ibdev}/ports/1"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name in sorted(os.listdir(f"{port}/gids"), key=int):
            try:
                with open(f"{port}/gids/{name}") as f:
                    gid = f.read().strip()
                with open(f"{port}/gid_attrs/types/{name}") as f:
                    kind = f.read().strip()
            except OSError:         # an empty entry has no type
                continue
            if gid == "0000:0000:0000:0000:0000:ffff:7f00:0001" and kind == "RoCE v2":
                return int(name)
        time.sleep(0.1)
    raise SetupFailed(f"{ibdev} has no RoCE v2 GID for 127.0.0.1")


class Rxe:
    """An rxe device on lo for the duration of a with block."""

    def __enter__(self):
        sh("modprobe", "rdma_rxe")
        sh("rdma", "link", "add", RXE, "type", "rxe", "netdev", "lo")
        try:
            self.gid_index = roce_v2_ipv4_gid_index(RXE)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        subprocess.run(["rdma", "link", "delete", RXE], capture_output=True)
        if os.path.exists(f"{SYS_IB}/{RXE}"):
            raise SetupFailed(f"rdma link delete {RXE} left the device behind")


def checked_pair(what, run, iters):
    """The client's one result row, once both sides ran ITERS clean."""
    report = f"{what}:\n{run.report()}"
    rows = perftest.parse_rows(run.client.output)
    if not run.ok or len(rows) != 1:
        raise Failed(report)
    row = rows[0]
    if (row["iterations"], row["bytes"]) != (iters, SIZE):
        raise Failed(report)
    return row


def perftest_lat(dev_server, dev_client, args, iters):
    run = perftest.run_pair("ib_send_lat", dev_server, dev_client,
                            [*args, "-s", str(SIZE), "-n", str(iters)])
    return checked_pair(f"ib_send_lat {args}", run, iters)["t_typical"]


def perftest_rate(dev_server, dev_client, args, msgs):
    run = perftest.run_pair("ib_send_bw", dev_server, dev_client,
                            [*args, "-s", str(SIZE), "-n", str(msgs), "-Q", "1",
                             "-r", str(RX_DEPTH)])
    return checked_pair(f"ib_send_bw {args}", run, msgs)["msg_rate_mpps"] * 1e6


def rc_pingpong_round_trip_us(ibdev, gid_index, iters):
    """ibv_rc_pingpong's usec/iter (one iteration is a message each way),
    the received data checked (--chk)."""
    port = perftest.next_port()
    args = ["-d", ibdev, "-g", str(gid_index), "-s", str(SIZE), "-n", str(iters),
            "-p", str(port), "--chk"]
    run = processes.server_client(["ibv_rc_pingpong", *args],
                                  ["ibv_rc_pingpong", *args, "127.0.0.1"], port)
    found = re.search(rf"^{iters} iters in [0-9.]+ seconds = ([0-9.]+) usec/iter$",
                      run.client.output, re.M)
    if not run.ok or not found:
        raise Failed(f"ibv_rc_pingpong:\n{run.report()}")
    return float(found.group(1))


def efa_bench(program, dev, peer, iters, msgs):
    """efa-bench over SRD: (round trip in us, messages per second)."""
    cmd = [program, "-p", "srd", "-d", dev, "-D", peer, "-s", str(SIZE),
           "-n", str(iters), "-m", str(msgs), "-t", "300"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    results = {}
    for line in proc.stdout.splitlines():
        words = line.split()
        if words and words[0] == "efa-bench":
            fields = dict(w.split("=", 1) for w in words[1:])
            results[fields["test"]] = fields
    report = f"$ {' '.join(cmd)}\n(exit {proc.returncode})\n{proc.stdout}{proc.stderr}"
    if (proc.returncode != 0 or set(results) != {"latency", "rate"}
            or int(results["latency"]["intact"]) != iters
            or int(results["rate"]["intact"]) != msgs):
        raise Failed(report)
    return 2 * float(results["latency"]["one_way_us"]), float(results["rate"]["msgs_per_s"])


def median_of(repeat, measure):
    return statistics.median(measure() for _ in range(repeat))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=sorted(MODES), default="full",
                   help="quick: a few hundred messages each (the smoke test); full (default)")
    p.add_argument("--efa-bench", default=os.environ.get("EFA_BENCH", "build/bench/efa-bench"),
                   help="efa-bench program (default $EFA_BENCH, else build/bench/efa-bench)")
    opts = p.parse_args()
    m = MODES[opts.mode]
    lat_iters, msgs, bench_msgs, repeat = (m["lat_iters"], m["msgs"], m["bench_msgs"],
                                           m["repeat"])

    try:
        efa = sorted(n for n in (os.listdir(SYS_IB) if os.path.isdir(SYS_IB) else ())
                     if n.startswith("efa_"))
        if len(efa) != 2:
            raise SetupFailed(f"need two EFA devices, found {efa}")
        if not os.access(opts.efa_bench, os.X_OK):
            raise SetupFailed(f"no efa-bench at {opts.efa_bench} (tools/run-tests builds it)")
        srd = ["-c", "SRD", "-x", "0"]
        with Rxe() as rxe:
            rc = ["-c", "RC", "-x", str(rxe.gid_index)]
            fig = {
                "efa_srd send_lat_us": median_of(repeat, lambda: perftest_lat(*efa, srd, lat_iters)),
                "rxe_rc send_lat_us": median_of(repeat, lambda: perftest_lat(RXE, RXE, rc, lat_iters)),
                "efa_srd send_msg_rate": median_of(repeat, lambda: perftest_rate(*efa, srd, msgs)),
                "rxe_rc send_msg_rate": median_of(repeat, lambda: perftest_rate(RXE, RXE, rc, msgs)),
                "rxe_rc rc_pingpong_round_trip_us": median_of(
                    repeat, lambda: rc_pingpong_round_trip_us(RXE, rxe.gid_index, lat_iters)),
            }
            benched = [efa_bench(opts.efa_bench, efa[0], efa[1], lat_iters, bench_msgs)
                       for _ in range(repeat)]
        fig["efa_srd efa_bench_round_trip_us"] = statistics.median(b[0] for b in benched)
        fig["efa_srd efa_bench_msg_rate"] = statistics.median(b[1] for b in benched)
    except SetupFailed as err:
        print(f"rxe_compare: setup failed: {err}", file=sys.stderr)
        return 2
    except Failed as err:
        print(f"rxe_compare: a run failed: {err}", file=sys.stderr)
        return 1

    print(f"rxe_compare mode={opts.mode} size={SIZE} lat_iters={lat_iters} msgs={msgs} "
          f"efa_bench_msgs={bench_msgs} repeat={repeat} efa={efa[1]}->{efa[0]} rxe={RXE}(lo)")
    for name, value in fig.items():
        print(f"figure {name} = {value:.6g}")
    ratios = (
        ("efa_srd/rxe_rc send_lat (perftest)", "efa_srd send_lat_us", "rxe_rc send_lat_us"),
        ("efa_srd/rxe_rc send_msg_rate (perftest)", "efa_srd send_msg_rate",
         "rxe_rc send_msg_rate"),
        ("efa_srd/rxe_rc round_trip (efa-bench/ibv_rc_pingpong)",
         "efa_srd efa_bench_round_trip_us", "rxe_rc rc_pingpong_round_trip_us"),
        ("efa_srd/rxe_rc msg_rate (efa-bench/perftest)", "efa_srd efa_bench_msg_rate",
         "rxe_rc send_msg_rate"),
    )
    for name, a, b in ratios:
        print(f"ratio {name} = {fig[a] / fig[b]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
