# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The guest half of tools/efa-demo: what a user of the stack sees on a VM
with two emulated EFA devices.

    python3 -m efastack.demo EFA_BENCH

Discovery (lspci, the driver's log, ibv_devices, ibv_devinfo, the GID),
then traffic between the two devices the way users make it (a verbs
ping-pong with its latency, a perftest bandwidth line, fi_pingpong over
libfabric's efa provider), then the hardware counters that the traffic
moved.  Every step is shown as the command a user would type; the first
that fails ends the demo with its exit status.
"""
import os
import shlex
import subprocess
import sys

from efastack import guest, processes

SYS_IB = guest.SYS_IB
# libfabric sends to a local peer over shared memory unless told not to,
# and the demo is about the device
LIBFABRIC_ENV = {"FI_EFA_ENABLE_SHM_TRANSFER": "0"}
# the TCP ports perftest and fi_pingpong servers listen on when not told
PERFTEST_PORT = 18515
FI_PINGPONG_PORT = 47592


class StepFailed(Exception):
    pass


def show(*cmd, env=None):
    """Run CMD as a user would, its output going straight to ours."""
    print(f"\n$ {' '.join(shlex.quote(c) for c in cmd)}", flush=True)
    proc = subprocess.run(cmd, env=dict(os.environ, **(env or {})))
    if proc.returncode:
        raise StepFailed(f"{cmd[0]} exited {proc.returncode}")


def pair(server, client, port, env=None):
    """A server and its client on 127.0.0.1 (perftest and fabtests exchange
    addresses over TCP, the server on PORT), both outputs shown, the
    server's first."""
    print(f"\n$ {' '.join(server)} &\n$ {' '.join(client)}", flush=True)
    run = processes.server_client(server, client, port, dict(os.environ, **(env or {})))
    for role, side in (("server", run.server), ("client", run.client)):
        cmd = side.cmd
        print(f"--- {role} ({cmd[0]} -d {cmd[cmd.index('-d') + 1]}):")
        print(side.output.rstrip(), flush=True)
    if not run.ok:
        raise StepFailed(f"{server[0]}: server exited {run.server.returncode}, "
                         f"client {run.client.returncode}")


def counters():
    """Every hw counter of every EFA device and its port: {(device, name): value}."""
    return {(dev, name): value for dev in guest.efa_device_names()
            for port in (None, 1) for name, value in guest.counters(dev, port).items()}


def discovery():
    show("lspci", "-nn", "-d", "1d0f:")
    print('\n$ dmesg | grep -E "efa[ :]"', flush=True)
    log = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    print("\n".join(line for line in log.splitlines()
                    if " efa " in line or "efa:" in line or " efa_" in line), flush=True)
    show("ibv_devices")
    show("ibv_devinfo", "-v", "-d", "efa_0")
    show("cat", f"{SYS_IB}/efa_0/ports/1/gids/0")


def traffic(bench):
    # a verbs ping-pong over SRD from efa_0 to efa_1: one-way latency
    show(bench, "-d", "efa_0", "-D", "efa_1", "-p", "srd", "-n", "300", "-m", "2000")
    # perftest's send bandwidth over SRD (-x 0: GID index 0)
    perftest = ["ib_send_bw", "-c", "SRD", "-x", "0", "-n", "300", "-s", "4096", "-F"]
    pair(perftest + ["-d", "efa_1"], perftest + ["-d", "efa_0", "127.0.0.1"], PERFTEST_PORT)
    # libfabric's reliable datagram endpoint, data verified
    fi = ["fi_pingpong", "-p", "efa", "-e", "rdm", "-I", "100", "-S", "1024", "-c"]
    pair(fi + ["-d", "efa_1-rdm"], fi + ["-d", "efa_0-rdm", "127.0.0.1"], FI_PINGPONG_PORT,
         env=LIBFABRIC_ENV)


def main(argv):
    bench = argv[0]
    try:
        discovery()
        before = counters()
        traffic(bench)
        after = counters()
    except StepFailed as err:
        print(f"\nefa-demo: {err}", flush=True)
        return 1
    print("\nThe hardware counters the traffic moved "
          f"({SYS_IB}/*/hw_counters, */ports/1/hw_counters):")
    for (dev, name), value in sorted(after.items()):
        moved = value - before.get((dev, name), 0)
        if moved:
            print(f"  {dev:8} {name:24} {value:>12}  (+{moved})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
