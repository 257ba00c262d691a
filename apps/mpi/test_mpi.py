# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""mpi: Debian's Open MPI 4.1 runs efa-mpi-check (apps/mpi/efa_mpi_check.c)
with two ranks in the VM over libfabric 1.17's efa provider, and every
ping-pong message (1 B to 4 MiB), allreduce and alltoall result arrives
intact; the EFA hw counters show the bytes went through the devices.

The command line selects the OFI MTL over efa, which Debian's
/etc/openmpi/openmpi-mca-params.conf excludes (mtl = ^ofi); command-line
values win over that file.  FI_EFA_ENABLE_SHM_TRANSFER=0, or libfabric
hands a peer in the same OS to its shm provider and no byte reaches a
device.  mpirun starts both ranks itself (one node, no ssh) and keeps its
session folder in /tmp, a tmpfs in the guest (the rest of / is the host's,
read-only).

On a device with RDMA read (the model's default generation, 0xefa2)
libfabric moves messages of 1 MiB and more with its long-read protocol (the
receiver reads the sender's buffer); without it (FI_EFA_USE_DEVICE_RDMA=0)
with its long-CTS protocol (sends the receiver asks for).  Both run.
"""
import os
import re
import subprocess

import pytest

from efastack import guest

ITERS = 2                   # timed round trips per size, after one warm-up
MAX_BYTES = 4 << 20
COUNTERS = ("send_wrs", "send_bytes", "recv_wrs", "recv_bytes", "rdma_read_wrs",
            "rdma_read_bytes", "rdma_read_resp_bytes", "tx_pkts", "rx_pkts")
MPIRUN = ("mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2",
          "--mca", "pml", "cm", "--mca", "mtl", "ofi",
          "--mca", "mtl_ofi_provider_include", "efa",
          "-x", "FI_EFA_ENABLE_SHM_TRANSFER=0")


def sizes(limit):
    """The ping-pong sizes efa-mpi-check runs: x4 steps, then the limit."""
    out, size = [], 1
    while size < limit:
        out.append(size)
        size *= 4
    return out + [limit]


def counters():
    """Every port counter the test looks at, of every EFA device."""
    return {(dev, name): guest.fresh_counter(dev, name, port=1)
            for dev in guest.efa_device_names() for name in COUNTERS}


def mpi_check(name, *args, env=()):
    """efa-mpi-check ARGS under mpirun: (exit status, output, the result
    lines as {test: [{key: value}]}, counter deltas {(device, name): n}).
    The output and the deltas are kept in the VM's results folder as
    mpi-NAME.txt (the figures of a run that passed)."""
    program = os.environ.get("EFA_MPI_CHECK")
    assert program and os.path.exists(program), "EFA_MPI_CHECK: run through tools/run-tests"
    extra = [w for key, value in env for w in ("-x", f"{key}={value}")]
    before = counters()
    proc = subprocess.run([*MPIRUN, *extra, program, *args], capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)
    after = counters()
    output = proc.stdout + proc.stderr
    results = {}
    for line in proc.stdout.splitlines():
        words = line.split()
        if words[:1] == ["efa-mpi-check"] and words[1].startswith("test="):
            fields = dict(w.split("=", 1) for w in words[1:])
            results.setdefault(fields["test"], []).append(fields)
    delta = {key: after[key] - before[key] for key in after}
    report = output + "".join(
        f"{dev} " + " ".join(f"{c}=+{delta[dev, c]}" for c in COUNTERS) + "\n"
        for dev in guest.efa_device_names())
    print(report)
    if os.environ.get("EFA_VM_RESULTS"):
        guest.write(os.path.join(os.environ["EFA_VM_RESULTS"], f"mpi-{name}.txt"), report)
    return proc.returncode, output, results, delta


def total(delta, *names):
    return sum(n for (_, name), n in delta.items() if name in names)


@pytest.mark.parametrize("protocol", ["long-read", "long-cts"])
def test_every_result_is_intact_over_the_devices(protocol):
    env = (("FI_EFA_USE_DEVICE_RDMA", "0"),) if protocol == "long-cts" else ()
    rc, output, results, delta = mpi_check(protocol, "-i", str(ITERS), "-m", str(MAX_BYTES),
                                            env=env)
    assert rc == 0, output
    assert "efa-mpi-check result=PASS" in output and "MISMATCH" not in output, output
    assert "library=\"Open MPI v4.1" in output, output
    assert [int(r["size"]) for r in results["pingpong"]] == sizes(MAX_BYTES), output
    assert [int(r["size"]) for r in results["allreduce"]] == [
        8 * n for n in sizes(MAX_BYTES // 8)], output
    assert [int(r["block"]) for r in results["alltoall"]] == [
        4 * n for n in sizes(MAX_BYTES // 4 // 2)], output
    assert all(int(r["iters"]) == ITERS for rs in results.values() for r in rs), output

    # Each ping-pong message, warm-up included, left one device as a send
    # or was read by the other, and arrived as a receive or by that read.
    moved = 2 * sum(sizes(MAX_BYTES)) * (ITERS + 1)
    assert total(delta, "send_bytes", "rdma_read_bytes") >= moved, delta
    assert total(delta, "recv_bytes", "rdma_read_bytes") >= moved, delta
    assert total(delta, "tx_pkts") == total(delta, "rx_pkts") > 0, delta
    if protocol == "long-read":
        assert total(delta, "rdma_read_wrs") > 0, delta
        assert total(delta, "rdma_read_bytes") == total(delta, "rdma_read_resp_bytes"), delta
    else:
        assert total(delta, "rdma_read_wrs") == 0, delta


def test_a_corrupted_message_fails_the_run():
    """Rank 1 flips a byte in the middle of its last reply of the largest
    size: rank 0 sees it at that offset, and the job's status says so."""
    rc, output, results, _ = mpi_check("corrupted", "-i", "1", "-m", "65536", "-c")
    assert rc == 1, output
    assert re.search(r"MISMATCH rank=0 test=pingpong-pong size=65536 offset=32768 "
                     r"want=0x[0-9a-f]{2} got=0x[0-9a-f]{2} bad_bytes=1\b", output), output
    assert "efa-mpi-check result=FAIL" in output and output.count("MISMATCH") == 1, output
