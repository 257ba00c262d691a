# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Discovery of the emulated EFA: what ibv_devices, ibv_devinfo, pyverbs and
sysfs report must be what the device model was configured with."""
import re
import time

from pyverbs.device import Context
import pyverbs.enums as ibv
from pyverbs.pd import PD

from efastack import abi
from efastack.guest import counter, expect, expect_int, fresh_counter, run


def max_qp_wr():
    """Both providers hold a send queue to the WQEs its LLQ has room for."""
    return min(expect_int("max_sq_depth"), expect_int("max_rq_depth"),
               expect_int("max_llq_size") // abi.value("EFA_IO_TX_WQE_SIZE"))


def test_ibv_devices_lists_every_device(efa_devices):
    listed = re.findall(r"^\s+(efa_\d+)\s+([0-9a-f]{16})\s*$", run("ibv_devices"),
                        re.M)
    names = [name for name, _ in listed]
    assert names == efa_devices
    assert len(names) == expect_int("devices")


def test_devinfo_shows_vendor_part_and_limits(efa_devices):
    out = run("ibv_devinfo", "-v", "-d", efa_devices[0])
    fields = dict(re.findall(r"^\s*(\w+):\s+(\S+)", out, re.M))
    assert int(fields["vendor_id"], 0) == abi.value("EFA_PCI_VENDOR_ID_AMAZON")
    assert int(fields["vendor_part_id"]) == expect_int("device_id")
    assert fields["transport"] == "unspecified"
    assert int(fields["max_qp"]) == expect_int("max_qp")
    assert int(fields["max_cq"]) == expect_int("max_cq")
    assert int(fields["max_pd"]) == expect_int("max_pd")
    assert fields["state"] == "PORT_ACTIVE"


def test_pyverbs_query_device_matches_model(efa_devices):
    with Context(name=efa_devices[0]) as ctx:
        attr = ctx.query_device()
        assert attr.vendor_id == abi.value("EFA_PCI_VENDOR_ID_AMAZON")
        assert attr.vendor_part_id == expect_int("device_id")
        assert attr.max_qp == expect_int("max_qp")
        assert attr.max_cq == expect_int("max_cq")
        assert attr.max_mr == expect_int("max_mr")
        assert attr.max_pd == expect_int("max_pd")
        assert attr.max_ah == expect_int("max_ah")
        assert attr.max_cqe == expect_int("max_cq_depth")
        assert attr.max_qp_wr == max_qp_wr()
        port = ctx.query_port(1)
        # the device reports an MTU of 8928 bytes or more: IB_MTU_4096
        assert port.active_mtu == ibv.IBV_MTU_4096


def test_efadv_query_device_matches_model(efa_devices):
    from pyverbs.providers.efa.efadv import EfaContext

    with EfaContext(name=efa_devices[0]) as ctx:
        attr = ctx.query_efa_device()
        assert attr.max_sq_wr == expect_int("max_sq_depth")
        assert attr.max_rq_wr == expect_int("max_rq_depth")
        assert attr.max_sq_sge == expect_int("max_wr_send_sges")
        assert attr.max_rq_sge == expect_int("max_wr_recv_sges")
        assert attr.inline_buf_size == expect_int("inline_buf_size")
        assert attr.max_rdma_size == expect_int("max_rdma_size")


def test_node_guid_is_the_device_guid(efa_devices):
    guid = expect_int("guid")
    # The driver stores the device's GUID in the (big-endian) node GUID
    # without conversion, so sysfs shows it byte-reversed; 6.1's driver does
    # not read the GUID at all.
    expected = {
        "swapped": int.from_bytes(guid.to_bytes(8, "little"), "big"),
        "none": 0,
    }[expect("node_guid_order", "swapped")]
    with open(f"/sys/class/infiniband/{efa_devices[0]}/node_guid") as f:
        shown = int(f.read().strip().replace(":", ""), 16)
    assert shown == expected, f"node_guid {shown:#x}, expected {expected:#x}"


def test_gid_is_the_network_address(efa_devices):
    with open(f"/sys/class/infiniband/{efa_devices[0]}/ports/1/gids/0") as f:
        gid = f.read().strip()
    guid = expect_int("guid")
    assert gid == "fe80:0000:0000:0000:" + ":".join(
        f"{(guid >> s) & 0xffff:04x}" for s in (48, 32, 16, 0))


def test_pd_allocation_reaches_the_device(efa_devices):
    with Context(name=efa_devices[0]) as ctx:
        pds = [PD(ctx) for _ in range(8)]
        for pd in pds:
            pd.close()


def test_keep_alive_events_arrive(efa_devices):
    dev = efa_devices[0]
    first = counter(dev, "keep_alive_rcvd")
    period_s = expect_int("keep_alive_ms") / 1000
    deadline = time.monotonic() + 10 * period_s + 5
    while counter(dev, "keep_alive_rcvd") < first + 2:
        assert time.monotonic() < deadline, "keep-alive AENQ events stopped"
        time.sleep(period_s / 2)


def test_admin_commands_all_complete_without_error(efa_devices):
    dev = efa_devices[0]
    submitted = counter(dev, "submitted_cmds")
    assert submitted >= 8, "probe issues at least 8 admin commands"
    assert counter(dev, "completed_cmds") == submitted
    assert counter(dev, "cmds_err") == 0
    assert counter(dev, "no_completion_cmds") == 0


def test_port_counters_read_through_get_stats(efa_devices):
    dev = efa_devices[0]
    before = counter(dev, "submitted_cmds")
    assert counter(dev, "tx_bytes", port=1) == 0
    assert counter(dev, "rx_drops", port=1) == 0
    assert fresh_counter(dev, "submitted_cmds") > before
    assert counter(dev, "cmds_err") == 0


def test_interrupts_use_msix(efa_devices):
    with open("/proc/interrupts") as f:
        lines = [line for line in f if "efa-mgmnt" in line]
    assert len(lines) == len(efa_devices)
    assert all("MSI" in line for line in lines)
    counts = [sum(int(x) for x in line.split()[1:] if x.isdigit())
              for line in lines]
    assert all(c > 0 for c in counts), "no management interrupt delivered"


def test_kernel_log_is_clean():
    out = run("dmesg")
    # what the driver says about its devices ("efa 0000:00:01.0 efa_0: ..."),
    # not the module loader's taint note or the kernel command line
    efa_lines = [line for line in out.splitlines()
                 if re.search(r"\befa [0-9a-f]{4}:[0-9a-f]{2}:", line)]
    assert any("IB device registered" in line for line in efa_lines)
    bad = [line for line in efa_lines
           if re.search(r"fail|error|timed out|unimplemented|warn", line, re.I)]
    assert not bad, "\n".join(bad)
