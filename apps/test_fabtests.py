# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""fabtests 1.17.0 (libfabric's own tests, built from its source against
Debian's libfabric by tools/build-fabtests; $EFA_FABTESTS is the prefix)
over the efa provider: each test a server and a client process on one VM,
addresses exchanged out of band on 127.0.0.1 (-E, as runfabtests.sh does),
with shm transfer off so every byte crosses the devices.

The tests are runfabtests.sh's functional list, less what its
test_configs/efa/efa.exclude leaves out for efa (EXCLUDED, with its
reasons), and the rdm and dgram ones of its short list (small iteration
counts and sizes: TCG).  efa has no msg (connected) endpoint at all: the
msg variants must end as runfabtests.sh's Notrun (both sides exit ENODATA),
as must the dgram tests that do not take efa's message prefix (NOT_ON_EFA).

Each runs twice: with device RDMA off (FI_EFA_USE_DEVICE_RDMA=0: emulated
reads, long messages over sends; the default for 0xefa0/0xefa1) and on
(=1, 1.17's default for a device with RDMA read, as 0xefa2 has), where
libfabric's read-based protocols run: with thresholds lowered as fabtests'
own efa suite lowers them (pytest/efa/test_efa_protocol_selection.py) the
long-message and long-write protocols read through the device, which the
devices' rdma_read_wrs counters must show, and must not without.
Benchmarks with a size option run at one size (SIZED); those without one
allocate ~1.1 GiB a process for sizes up to 8 MiB, which the row's 3 GiB
VM holds for two.  Refused by libfabric 1.17's efa provider itself, with
-FI_ENOSYS (Notrun to runfabtests.sh, as ENODATA is):
fi_rdm_cntr_pingpong and fi_multi_ep -e rdm; with -FI_ENODATA, as the
msg tests are: fi_rdm_rma_event (no FI_RMA_EVENT) and fi_dgram_pingpong
without -k (no FI_MSG_PREFIX), which runs with -k as efa's own suite
runs it (WITH_PREFIX)."""
import errno
import os
import re

import pytest

from libfabric import moved, pair, port_counters

OOB_PORT = 3000         # fabtests' default out-of-band port

# runfabtests.sh's functional_tests that efa.exclude keeps, in its order
FUNCTIONAL = [
    "fi_av_xfer -e rdm",
    "fi_rdm",
    "fi_rdm -U",
    "fi_recv_cancel -e rdm -V",
    "fi_unexpected_msg -e rdm -I 10",
    "fi_bw -e rdm -v -T 1",
    "fi_bw -e rdm -v -T 1 -U",
    "fi_rdm_multi_client -C 10 -I 5",
    "fi_rdm_multi_client -C 10 -I 5 -U",
]
# ... and those efa's fi_getinfo refuses (ENODATA on both sides, which
# runfabtests.sh reports as Notrun), with why
NOT_ON_EFA = {
    "fi_msg": "msg endpoint: efa has none",
    "fi_msg_epoll": "msg endpoint: efa has none",
    "fi_multi_ep -e msg -v": "msg endpoint: efa has none",
    "fi_unexpected_msg -e msg -I 10": "msg endpoint: efa has none",
    "fi_bw -e msg -v -T 1": "msg endpoint: efa has none",
    "fi_dgram": "asks for no FI_MSG_PREFIX mode, which efa's dgram endpoint needs "
                "(its 40-byte GRH prefix)",
    "fi_av_xfer -e dgram": "asks for no FI_MSG_PREFIX mode, which efa's dgram endpoint needs "
                           "(its 40-byte GRH prefix)",
    # 1.17's rdm endpoint offers FI_RMA but not FI_RMA_EVENT: its caps are
    # efa_prov_info_alloc_for_rxr's (prov/efa/src/efa_prov_info.c:564-579),
    # and prov/efa/docs/efa_rdm_protocol_v4.md:859-862 says it has none
    "fi_rdm_rma_event": "asks for FI_RMA_EVENT, which libfabric 1.17's efa rdm endpoint "
                        "does not offer",
    # the test binds its extra endpoints to the one AV it opened; 1.17's
    # rxr_ep_bind refuses a second endpoint on an AV with -FI_ENOSYS
    # (prov/efa/src/rxr/rxr_ep.c:802-812, efa_ep.c:306-316 alike)
    "fi_multi_ep -e rdm -v": "fi_ep_bind of a second endpoint to its AV: -FI_ENOSYS from "
                             "libfabric 1.17's efa provider (one endpoint per AV)",
}
# runfabtests.sh's short_tests on rdm and dgram endpoints (its default
# sizes: 64 B to 1 MiB); SHORT_LEFT_OUT says why the others are not run
SHORT = [
    "fi_rdm_pingpong -I 5 -v",
    "fi_rdm_pingpong -I 5 -v -U",
    "fi_rdm_tagged_pingpong -I 5 -v",
    "fi_rdm_tagged_bw -I 5 -v",
    "fi_multi_recv -e rdm -I 5",
    "fi_rma_bw -e rdm -o write -I 5",
    "fi_rma_bw -e rdm -o read -I 5",
    "fi_rma_bw -e rdm -o writedata -I 5",
    "fi_rdm_atomic -I 5 -o all",
]
# fabtests' own efa suite runs fi_dgram_pingpong with -k (FI_MSG_PREFIX
# mode: "efa's dgram endpoint requires prefix", pytest/efa/test_dgram.py),
# in place of the short list's plain one, which efa refuses; so does this
WITH_PREFIX = [
    "fi_dgram_pingpong -I 5 -k",
]
# Read-based protocols (device RDMA only): libfabric's environment that
# makes them apply from 1000 bytes on, and the message size.
READ_PROTOCOLS = {
    "longread": ("fi_rdm_tagged_bw -I 5 -S 262144 -v",
                 {"FI_EFA_INTER_MIN_READ_MESSAGE_SIZE": "1000", "FI_EFA_RUNT_SIZE": "0"}),
    "runtread": ("fi_rdm_tagged_bw -I 5 -S 262144 -v",
                 {"FI_EFA_INTER_MIN_READ_MESSAGE_SIZE": "1000"}),
    "longread-write": ("fi_rma_bw -e rdm -o write -I 5 -S 262144",
                       {"FI_EFA_INTER_MIN_READ_WRITE_SIZE": "1000"}),
    "read": ("fi_rma_bw -e rdm -o read -I 5 -S 262144", {}),
}

# runfabtests.sh's functional_tests left out, each with efa.exclude's reason
EXCLUDED = {
    "fi_cm_data": "connection manager (msg endpoints) not supported",
    "fi_cq_data -e msg": "excluded until fi_pool/fi_wait are supported",
    "fi_cq_data -e rdm": "excluded until fi_pool/fi_wait are supported",
    "fi_cq_data -e dgram": "excluded until fi_pool/fi_wait are supported",
    "fi_dgram_waitset": "wait sets not supported",
    "fi_msg_sockets": "excluded for efa",
    "fi_poll -t queue": "poll sets not supported",
    "fi_poll -t counter": "poll sets not supported",
    "fi_rdm_rma_trigger": "triggered operations not supported",
    "fi_shared_ctx": "shared contexts not supported",
    "fi_shared_ctx --no-tx-shared-ctx": "shared contexts not supported",
    "fi_shared_ctx --no-rx-shared-ctx": "shared contexts not supported",
    "fi_shared_ctx -e msg": "shared contexts not supported",
    "fi_shared_ctx -e msg --no-tx-shared-ctx": "shared contexts not supported",
    "fi_shared_ctx -e msg --no-rx-shared-ctx": "shared contexts not supported",
    "fi_shared_ctx -e dgram": "shared contexts not supported",
    "fi_shared_ctx -e dgram --no-tx-shared-ctx": "shared contexts not supported",
    "fi_shared_ctx -e dgram --no-rx-shared-ctx": "shared contexts not supported",
    "fi_rdm_tagged_peek": "needs sread (blocking CQ reads), not supported",
    "fi_scalable_ep": "scalable endpoints not supported",
    "fi_rdm_shared_av": "shared address vectors not supported",
    "fi_multi_mr -e msg -V": "excluded for efa",
    "fi_multi_mr -e rdm -V": "excluded for efa",
    "fi_msg_inject -A inject -v": "excluded for efa (fails on some instance types)",
    "fi_msg_inject -N -A inject -v": "excluded for efa (fails on some instance types)",
    "fi_msg_inject -A inj_complete -v": "excluded for efa (fails on some instance types)",
    "fi_msg_inject -N -A inj_complete -v": "excluded for efa (fails on some instance types)",
}

# the short list's rdm tests not run (TCG time: each is another flavour of
# one that is), and its msg ones (no msg endpoint: NOT_ON_EFA shows it)
# The short list's tests libfabric 1.17's efa provider refuses (Notrun to
# runfabtests.sh), with why
SHORT_NOT_ON_EFA = {
    # -FI_ENOSYS: it opens no CQ of the kind this test asks for
    "fi_rdm_cntr_pingpong -I 5": "fi_cq_open: -FI_ENOSYS from libfabric 1.17's efa provider",
    # without -k it sets no FI_MSG_PREFIX in its hints' mode, which efa's
    # dgram info requires (efa_prov_info.c:202-204, efa_user_info.c:53-58);
    # fabtests' own efa suite runs it with -k only (pytest/efa/test_dgram.py)
    "fi_dgram_pingpong -I 5": "asks for no FI_MSG_PREFIX mode, which efa's dgram endpoint "
                              "needs (its 40-byte GRH prefix)",
}
# how each is refused where not with -FI_ENODATA (both sides exit with it)
REFUSAL = {"fi_rdm_cntr_pingpong -I 5": errno.ENOSYS,
           "fi_multi_ep -e rdm -v": errno.ENOSYS}

SHORT_LEFT_OUT = {
    "fi_rdm_pingpong -I 5": "fi_rdm_pingpong -I 5 -v without its data check",
    "fi_rdm_pingpong -I 5 -U": "fi_rdm_pingpong -I 5 -v -U without its data check",
    "fi_rdm_tagged_pingpong -I 5": "fi_rdm_tagged_pingpong -I 5 -v without its data check",
    "fi_rdm_tagged_pingpong -I 5 -U": "delivery-complete flavour; fi_rdm_pingpong -v -U runs it",
    "fi_rdm_tagged_pingpong -I 5 -v -U": "delivery-complete flavour; fi_rdm_pingpong -v -U runs it",
    "fi_rdm_tagged_bw -I 5": "fi_rdm_tagged_bw -I 5 -v without its data check",
    "fi_rdm_tagged_bw -I 5 -U": "delivery-complete flavour; fi_rdm_pingpong -v -U runs it",
    "fi_rdm_tagged_bw -I 5 -v -U": "delivery-complete flavour; fi_rdm_pingpong -v -U runs it",
    "fi_rma_bw -e rdm -o write -I 5 -U": "delivery-complete flavour of fi_rma_bw -o write",
    "fi_rma_bw -e rdm -o read -I 5 -U": "delivery-complete flavour of fi_rma_bw -o read",
    "fi_rma_bw -e rdm -o writedata -I 5 -U": "delivery-complete flavour of fi_rma_bw -o writedata",
    "fi_rdm_atomic -I 5 -o all -U": "delivery-complete flavour of fi_rdm_atomic -o all",
}

RDMA_MODES = {"no-rdma": {"FI_EFA_USE_DEVICE_RDMA": "0"},
              "device-rdma": {"FI_EFA_USE_DEVICE_RDMA": "1"}}


def prefix():
    path = os.environ.get("EFA_FABTESTS")
    if not path:
        pytest.skip("no EFA_FABTESTS (run through tools/run-tests: the fabtests build)")
    if path.startswith("unavailable:"):
        pytest.skip(f"fabtests could not be built here: {path}")
    return path


def fabtest(test, env):
    """TEST (runfabtests.sh's words) as server and client over efa."""
    program, *args = test.split()
    cmd = [os.path.join(prefix(), "bin", program), *args, "-p", "efa"]
    return pair(cmd + ["-E"], cmd + ["-E", "127.0.0.1"], port=OOB_PORT, env=env, timeout=180)


def runfabtests_list(name):
    with open(os.path.join(prefix(), "bin", "runfabtests.sh")) as f:
        text = f.read()
    body = re.search(rf"^{name}=\((.*?)^\)", text, re.M | re.S).group(1)
    return re.findall(r'"([^"]+)"', body)


def test_every_functional_fabtest_is_run_or_left_out_with_a_reason():
    listed = runfabtests_list("functional_tests")
    assert sorted(listed) == sorted(FUNCTIONAL + list(NOT_ON_EFA) + list(EXCLUDED))


def test_every_short_rdm_and_dgram_fabtest_is_run_or_left_out_with_a_reason():
    listed = [t for t in runfabtests_list("short_tests") if "msg" not in t.split()[0] and
              "-e msg" not in t]
    assert sorted(listed) == sorted(SHORT + list(SHORT_LEFT_OUT) + list(SHORT_NOT_ON_EFA))


# fabtests' default sizes go up to 8 MiB, and a pingpong or bw test
# allocates its largest size times its window: ~1 GB a process, more than
# the VM held for two when it had 2 GiB.  Those with a size option run at
# one size, 64 KiB (past the MTU: segmented by libfabric).
ONE_SIZE = " -S 65536"
SIZED = ("fi_rdm_pingpong", "fi_rdm_tagged_pingpong", "fi_rdm_tagged_bw",
         "fi_rdm_cntr_pingpong", "fi_rma_bw", "fi_rdm_atomic")


def command(test):
    """What runs for TEST: its words, sized where its default sizes do not fit."""
    return test + ONE_SIZE if test.split()[0] in SIZED and "-S" not in test.split() else test


@pytest.mark.parametrize("mode", list(RDMA_MODES))
@pytest.mark.parametrize("test", FUNCTIONAL + SHORT + WITH_PREFIX)
def test_fabtest_passes(test, mode):
    reads = port_counters("rdma_read_wrs")
    run = fabtest(command(test), RDMA_MODES[mode])
    print(f"{command(test)} [{mode}]: {run.seconds:.1f} s")
    assert run.ok, run.report()
    if mode == "no-rdma":
        assert moved(reads, port_counters("rdma_read_wrs")) == 0


@pytest.mark.parametrize("test", list(NOT_ON_EFA) + list(SHORT_NOT_ON_EFA))
def test_fabtest_is_refused_by_efa(test):
    run = fabtest(command(test), {})
    code = REFUSAL.get(test, errno.ENODATA)
    assert (run.server.returncode, run.client.returncode) == (code, code), run.report()


@pytest.mark.parametrize("protocol", list(READ_PROTOCOLS))
def test_read_protocol_reads_through_the_device(protocol):
    test, env = READ_PROTOCOLS[protocol]
    reads = port_counters("rdma_read_wrs")
    read_bytes = port_counters("rdma_read_bytes")
    run = fabtest(test, dict(RDMA_MODES["device-rdma"], **env))
    print(f"{test} [{protocol}]: {run.seconds:.1f} s")
    assert run.ok, run.report()
    assert moved(reads, port_counters("rdma_read_wrs")) > 0
    assert moved(read_bytes, port_counters("rdma_read_bytes")) >= 262144
