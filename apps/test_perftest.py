# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""perftest 4.5 (Debian's, unchanged) over the stack in a VM: the server on
one emulated EFA, the client on the other, addresses exchanged over TCP on
127.0.0.1.  Each run must complete on both sides with the iterations and
size asked for and figures that make sense, and the devices' counters must
show the work requests went through them; the figures are printed.

What perftest 4.5 needs on EFA, as on EC2: -x 0 (EFA's link layer is not
Ethernet, so perftest leaves the AH without the GID unless told the GID
index), -c SRD or -c UD, and for UD bandwidth -Q 1 (EFA completes every work
request: 4.5 forces CQ moderation 1 for SRD only).  4.5 knows the device
ids 0xefa0 and 0xefa1 only: on others it posts with ibv_post_send, which
carries no RDMA read in any EFA provider, so the read tests need 0xefa1 (the
perftest-efa1 row)."""
import os

import perftest
import pytest

from efastack import guest

LAT_ITERS = 100
# Fewer than the 512 receives a bandwidth server posts up front: perftest
# 4.5 has no flow control and leaves SRD's RNR retry at the device's
# default (none), so a server lagging under TCG would fail the sender.
BW_ITERS = 200
# vendor part ids perftest 4.5 takes for EFA (its device table)
PERFTEST_KNOWN_EFA = (0xefa0, 0xefa1)

# (program, connection, extra arguments): the runs the issue names, at the
# default message sizes (2 B latency; bandwidth at the largest message a
# connection takes, 8928 B SRD, the 4096 B MTU for UD) and small SRD sends
# for the message rate.
RUNS = (
    ("ib_send_lat", "SRD", ()),
    ("ib_send_bw", "SRD", ()),
    ("ib_send_bw", "SRD", ("-s", "8")),
    ("ib_read_lat", "SRD", ()),
    ("ib_read_bw", "SRD", ()),
    ("ib_send_lat", "UD", ()),
    ("ib_send_bw", "UD", ("-Q", "1")),
)


def device_id(ibdev):
    return int(guest.read(f"{guest.SYS_IB}/{ibdev}/device/device"), 16)


def port_counters(ibdev):
    return {name: guest.fresh_counter(ibdev, name, port=1)
            for name in ("send_wrs", "recv_wrs", "rdma_read_wrs")}


def moved(before, after):
    return {k: after[k] - before[k] for k in before}


@pytest.fixture(scope="module")
def devices():
    names = guest.efa_device_names()
    assert len(names) == 2, names
    return names


def check_row(row, kind, iters, size):
    """A result row of the iterations and size asked for, with sane figures."""
    assert row["iterations"] == iters and row["bytes"] == size, row
    if kind == "lat":
        assert 0 < row["t_min"] <= row["t_typical"] <= row["t_max"], row
        assert row["t_min"] <= row["t_avg"] <= row["t_max"], row
    else:
        assert row["bw_avg"] > 0 and row["msg_rate_mpps"] > 0, row


@pytest.mark.parametrize("program,connection,extra", RUNS,
                         ids=[" ".join((p, c) + e) for p, c, e in RUNS])
def test_perftest(devices, program, connection, extra, capsys):
    server_dev, client_dev = devices
    kind = "lat" if program.endswith("_lat") else "bw"
    verb = program.split("_")[1]
    if verb == "read":
        if device_id(client_dev) not in PERFTEST_KNOWN_EFA:
            pytest.skip(f"perftest 4.5 does not know device id {device_id(client_dev):#x}: "
                        "it would post the "
                        "RDMA read with ibv_post_send, which no EFA provider takes")
    iters = LAT_ITERS if kind == "lat" else BW_ITERS
    args = ["-c", connection, "-x", "0", "-n", str(iters), *extra]

    before = {d: port_counters(d) for d in devices}
    run = perftest.run_pair(program, server_dev, client_dev, args, timeout=240)
    after = {d: port_counters(d) for d in devices}
    report = run.report()
    assert run.ok, report

    # The size perftest settled on is in its table; the default for
    # bandwidth is clamped to what the connection takes (it says so).
    client_rows = perftest.parse_rows(run.client.output)
    assert len(client_rows) == 1, report
    row = client_rows[0]
    size = int(extra[extra.index("-s") + 1]) if "-s" in extra else int(row["bytes"])
    check_row(row, kind, iters, size)
    # Every test but read latency prints the server's view as well.
    server_rows = perftest.parse_rows(run.server.output)
    assert len(server_rows) == (0 if program == "ib_read_lat" else 1), report
    for r in server_rows:
        check_row(r, kind, iters, size)

    sent, received = moved(before[client_dev], after[client_dev]), \
        moved(before[server_dev], after[server_dev])
    if verb == "read":
        assert sent["rdma_read_wrs"] >= iters, (sent, report)
    else:
        assert sent["send_wrs"] >= iters and received["recv_wrs"] >= iters, \
            (sent, received, report)
        if kind == "lat":       # a ping-pong: the server sends as many back
            assert received["send_wrs"] >= iters and sent["recv_wrs"] >= iters, \
                (sent, received, report)

    line = (f"perftest {program} {connection} dev={client_dev}->{server_dev} "
            f"device_id={device_id(client_dev):#x} driver={os.environ.get('EFA_VM_DRIVER')} "
            f"bytes={size} iters={iters} ")
    if kind == "lat":
        line += " ".join(f"{k}_us={row[k]}" for k in ("t_min", "t_typical", "t_avg", "t_max"))
    else:
        line += f"bw_avg_MBps={row['bw_avg']} bw_peak_MBps={row['bw_peak']} " \
                f"msg_rate_Mpps={row['msg_rate_mpps']}"
    with capsys.disabled():     # the figures belong in the run's log, passed or not
        print(f"\n{line}")
