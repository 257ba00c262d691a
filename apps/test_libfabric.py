# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""libfabric 1.17 (Debian's libfabric1, libfabric-bin) over the stack: the
efa provider's rdm and dgram endpoints carry what each device announces
(verbs and efadv attributes, read here through pyverbs), and fi_pingpong
moves checked data through the device on both.

Which fi_info field comes from which device attribute is libfabric 1.17's
prov/efa/src/efa_prov_info.c: a dgram endpoint is the device's SRD-less UD
queue pair as is (max_msg_size = the port's max_msg_sz, a 40-byte message
prefix for the GRH, no inject), an rdm endpoint is libfabric's own protocol
over SRD (any message size, inject up to one packet's payload: the port's
max_msg_sz less libfabric's largest packet header, which is also the
link MTU it shows)."""
import ipaddress

import pytest

from efastack import guest
from pyverbs.providers.efa.efadv import EfaContext

from libfabric import fi_info_entries, moved, pair, port_counters

UINT64_MAX = (1 << 64) - 1
AMAZON_VENDOR_ID = 0x1d0f


def rounddown_pow2(n):
    return 1 << (n.bit_length() - 1)


@pytest.fixture(scope="module")
def announced():
    """{device: (device attr, port 1 attr, efadv attr, GID 0)}."""
    out = {}
    for name in guest.efa_device_names():
        ctx = EfaContext(name=name)
        out[name] = (ctx.query_device(), ctx.query_port(1), ctx.query_efa_device(),
                     ipaddress.IPv6Address(str(ctx.query_gid(1, 0))).compressed)
        ctx.close()
    return out


@pytest.fixture(scope="module")
def entries():
    """{domain name: fi_info entry} of `fi_info -p efa`."""
    out = {}
    for e in fi_info_entries("-p", "efa"):
        name = e["fi_domain_attr"]["name"]
        assert name not in out, f"{name} listed twice"
        out[name] = e
    return out


def test_one_rdm_and_one_dgram_endpoint_per_device(entries, announced):
    assert sorted(entries) == sorted([f"{d}-rdm" for d in announced] +
                                     [f"{d}-dgrm" for d in announced])
    for name, e in entries.items():
        assert e["fi_fabric_attr"]["prov_name"] == "efa"
        assert e["fi_ep_attr"]["type"] == ("FI_EP_RDM" if name.endswith("-rdm") else "FI_EP_DGRAM")
        assert e["fi_ep_attr"]["protocol"] == "FI_PROTO_EFA"


@pytest.mark.parametrize("suffix", ["rdm", "dgrm"])
def test_domain_and_nic_carry_the_device(entries, announced, suffix):
    for dev, (attr, port, efa, gid) in announced.items():
        e = entries[f"{dev}-{suffix}"]
        dom = e["fi_domain_attr"]
        assert int(dom["cq_cnt"]) == attr.max_cq
        assert int(dom["ep_cnt"]) == attr.max_qp
        assert int(dom["mr_cnt"]) == attr.max_mr
        nic = e["nic"]
        assert nic["fi_device_attr"]["name"] == dev
        assert int(nic["fi_device_attr"]["device_id"], 16) == attr.vendor_part_id
        assert int(nic["fi_device_attr"]["vendor_id"], 16) == AMAZON_VENDOR_ID
        assert nic["fi_device_attr"]["driver"] == "efa"
        assert nic["fi_device_attr"]["firmware"] == attr.fw_version
        pci = nic["fi_bus_attr"]["fi_pci_attr"]
        slot = f"{int(pci['domain_id']):04x}:{int(pci['bus_id']):02x}:" \
               f"{int(pci['device_id']):02x}.{pci['function_id']}"
        assert slot == guest.pci_name(dev)
        link = nic["fi_link_attr"]
        assert link["address"] == f"EFA-{gid}"
        assert link["state"] == "FI_LINK_UP"
        # queue sizes: the SQ's depth, the RQ's in receives of max_rq_sge
        assert int(e["fi_tx_attr"]["size"]) == rounddown_pow2(efa.max_sq_wr)
        assert int(e["fi_rx_attr"]["size"]) == rounddown_pow2(efa.max_rq_wr // efa.max_rq_sge)


def test_dgram_endpoint_is_the_device_as_is(entries, announced):
    for dev, (attr, port, efa, gid) in announced.items():
        e = entries[f"{dev}-dgrm"]
        assert int(e["fi_ep_attr"]["max_msg_size"]) == port.max_msg_sz
        assert int(e["fi_ep_attr"]["msg_prefix_size"]) == 40
        assert int(e["fi_tx_attr"]["inject_size"]) == 0
        assert int(e["fi_tx_attr"]["iov_limit"]) == efa.max_sq_sge
        assert int(e["fi_rx_attr"]["iov_limit"]) == efa.max_rq_sge


def test_rdm_endpoint_segments_into_the_devices_packets(entries, announced):
    headers = set()
    for dev, (attr, port, efa, gid) in announced.items():
        e = entries[f"{dev}-rdm"]
        assert int(e["fi_ep_attr"]["max_msg_size"]) == UINT64_MAX
        inject = int(e["fi_tx_attr"]["inject_size"])
        assert inject == int(e["nic"]["fi_link_attr"]["mtu"])
        assert 0 < inject < port.max_msg_sz
        headers.add(port.max_msg_sz - inject)
    assert len(headers) == 1, headers     # one header size, whatever the device


# (endpoint, message size): rdm above one packet is segmented by libfabric
PINGPONGS = [("rdm", 64), ("rdm", 65536), ("dgram", 64), ("dgram", 4096)]


@pytest.mark.parametrize("ep,size", PINGPONGS, ids=[f"{e}-{s}" for e, s in PINGPONGS])
def test_fi_pingpong_checks_its_data(ep, size):
    iterations = 20
    cmd = ["fi_pingpong", "-p", "efa", "-e", ep, "-c", "-I", str(iterations), "-S", str(size)]
    tx_before, rx_before = port_counters("tx_pkts"), port_counters("rx_pkts")
    run = pair(cmd, cmd + ["127.0.0.1"], port=47592)
    assert run.ok, run.report()
    # both sides print the result line: size, sent, =acked
    for side in (run.server, run.client):
        assert f"={iterations}" in side.output, run.report()
    # through the device, not shared memory: each round trip is a packet
    # out of and into a device, and the sizes' bytes crossed
    assert moved(tx_before, port_counters("tx_pkts")) >= 2 * iterations
    assert moved(rx_before, port_counters("rx_pkts")) >= 2 * iterations
