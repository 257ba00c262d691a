// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hw_counters: the device-wide ones count what the driver saw (admin
 * commands, keep-alives, failed verbs); the port ones are the device's own,
 * read with GET_STATS.
 */
#include "efa.h"

/* Names are ABI (sysfs hw_counters, rdma statistic); keep them. */
enum efa_device_counter {
	EFA_SUBMITTED_CMDS,
	EFA_COMPLETED_CMDS,
	EFA_CMDS_ERR,
	EFA_NO_COMPLETION_CMDS,
	EFA_KEEP_ALIVE_RCVD,
	EFA_ALLOC_PD_ERR,
	EFA_CREATE_QP_ERR,
	EFA_CREATE_CQ_ERR,
	EFA_REG_MR_ERR,
	EFA_ALLOC_UCONTEXT_ERR,
	EFA_CREATE_AH_ERR,
	EFA_MMAP_ERR,
	EFA_NUM_DEVICE_COUNTERS
};

static const struct rdma_stat_desc efa_device_counters[] = {
	[EFA_SUBMITTED_CMDS].name = "submitted_cmds",
	[EFA_COMPLETED_CMDS].name = "completed_cmds",
	[EFA_CMDS_ERR].name = "cmds_err",
	[EFA_NO_COMPLETION_CMDS].name = "no_completion_cmds",
	[EFA_KEEP_ALIVE_RCVD].name = "keep_alive_rcvd",
	[EFA_ALLOC_PD_ERR].name = "alloc_pd_err",
	[EFA_CREATE_QP_ERR].name = "create_qp_err",
	[EFA_CREATE_CQ_ERR].name = "create_cq_err",
	[EFA_REG_MR_ERR].name = "reg_mr_err",
	[EFA_ALLOC_UCONTEXT_ERR].name = "alloc_ucontext_err",
	[EFA_CREATE_AH_ERR].name = "create_ah_err",
	[EFA_MMAP_ERR].name = "mmap_err",
};

enum efa_port_counter {
	EFA_TX_BYTES,
	EFA_TX_PKTS,
	EFA_RX_BYTES,
	EFA_RX_PKTS,
	EFA_RX_DROPS,
	EFA_SEND_BYTES,
	EFA_SEND_WRS,
	EFA_RECV_BYTES,
	EFA_RECV_WRS,
	EFA_RDMA_READ_WRS,
	EFA_RDMA_READ_BYTES,
	EFA_RDMA_READ_WR_ERR,
	EFA_RDMA_READ_RESP_BYTES,
	EFA_RDMA_WRITE_WRS,
	EFA_RDMA_WRITE_BYTES,
	EFA_RDMA_WRITE_WR_ERR,
	EFA_RDMA_WRITE_RECV_BYTES,
	EFA_NUM_PORT_COUNTERS
};

static const struct rdma_stat_desc efa_port_counters[] = {
	[EFA_TX_BYTES].name = "tx_bytes",
	[EFA_TX_PKTS].name = "tx_pkts",
	[EFA_RX_BYTES].name = "rx_bytes",
	[EFA_RX_PKTS].name = "rx_pkts",
	[EFA_RX_DROPS].name = "rx_drops",
	[EFA_SEND_BYTES].name = "send_bytes",
	[EFA_SEND_WRS].name = "send_wrs",
	[EFA_RECV_BYTES].name = "recv_bytes",
	[EFA_RECV_WRS].name = "recv_wrs",
	[EFA_RDMA_READ_WRS].name = "rdma_read_wrs",
	[EFA_RDMA_READ_BYTES].name = "rdma_read_bytes",
	[EFA_RDMA_READ_WR_ERR].name = "rdma_read_wr_err",
	[EFA_RDMA_READ_RESP_BYTES].name = "rdma_read_resp_bytes",
	[EFA_RDMA_WRITE_WRS].name = "rdma_write_wrs",
	[EFA_RDMA_WRITE_BYTES].name = "rdma_write_bytes",
	[EFA_RDMA_WRITE_WR_ERR].name = "rdma_write_wr_err",
	[EFA_RDMA_WRITE_RECV_BYTES].name = "rdma_write_recv_bytes",
};

static_assert(ARRAY_SIZE(efa_device_counters) == EFA_NUM_DEVICE_COUNTERS);
static_assert(ARRAY_SIZE(efa_port_counters) == EFA_NUM_PORT_COUNTERS);

struct rdma_hw_stats *efa_alloc_hw_port_stats(struct ib_device *ibdev,
					      u32 port_num)
{
	return rdma_alloc_hw_stats_struct(efa_port_counters,
					  EFA_NUM_PORT_COUNTERS,
					  RDMA_HW_STATS_DEFAULT_LIFESPAN);
}

struct rdma_hw_stats *efa_alloc_hw_device_stats(struct ib_device *ibdev)
{
	return rdma_alloc_hw_stats_struct(efa_device_counters,
					  EFA_NUM_DEVICE_COUNTERS,
					  RDMA_HW_STATS_DEFAULT_LIFESPAN);
}

static int efa_fill_device_counters(struct efa_dev *dev, u64 *v)
{
	struct efa_com_admin_stats *as = &dev->edev.aq.stats;
	struct efa_sw_stats *s = &dev->stats;

	v[EFA_SUBMITTED_CMDS] = atomic64_read(&as->submitted);
	v[EFA_COMPLETED_CMDS] = atomic64_read(&as->completed);
	v[EFA_CMDS_ERR] = atomic64_read(&as->failed);
	v[EFA_NO_COMPLETION_CMDS] = atomic64_read(&as->no_completion);
	v[EFA_KEEP_ALIVE_RCVD] = atomic64_read(&s->keep_alive_rcvd);
	v[EFA_ALLOC_PD_ERR] = atomic64_read(&s->alloc_pd_err);
	v[EFA_CREATE_QP_ERR] = atomic64_read(&s->create_qp_err);
	v[EFA_CREATE_CQ_ERR] = atomic64_read(&s->create_cq_err);
	v[EFA_REG_MR_ERR] = atomic64_read(&s->reg_mr_err);
	v[EFA_ALLOC_UCONTEXT_ERR] = atomic64_read(&s->alloc_ucontext_err);
	v[EFA_CREATE_AH_ERR] = atomic64_read(&s->create_ah_err);
	v[EFA_MMAP_ERR] = atomic64_read(&s->mmap_err);
	return EFA_NUM_DEVICE_COUNTERS;
}

static int efa_fill_port_counters(struct efa_dev *dev, u64 *v)
{
	union efa_com_stats st;
	int err;

	err = efa_com_get_stats(&dev->edev, EFA_ADMIN_GET_STATS_TYPE_BASIC, &st);
	if (err)
		return err;
	v[EFA_TX_BYTES] = st.basic.tx_bytes;
	v[EFA_TX_PKTS] = st.basic.tx_pkts;
	v[EFA_RX_BYTES] = st.basic.rx_bytes;
	v[EFA_RX_PKTS] = st.basic.rx_pkts;
	v[EFA_RX_DROPS] = st.basic.rx_drops;

	err = efa_com_get_stats(&dev->edev, EFA_ADMIN_GET_STATS_TYPE_MESSAGES,
				&st);
	if (err)
		return err;
	v[EFA_SEND_BYTES] = st.messages.send_bytes;
	v[EFA_SEND_WRS] = st.messages.send_wrs;
	v[EFA_RECV_BYTES] = st.messages.recv_bytes;
	v[EFA_RECV_WRS] = st.messages.recv_wrs;

	err = efa_com_get_stats(&dev->edev, EFA_ADMIN_GET_STATS_TYPE_RDMA_READ,
				&st);
	if (err)
		return err;
	v[EFA_RDMA_READ_WRS] = st.rdma_read.read_wrs;
	v[EFA_RDMA_READ_BYTES] = st.rdma_read.read_bytes;
	v[EFA_RDMA_READ_WR_ERR] = st.rdma_read.read_wr_err;
	v[EFA_RDMA_READ_RESP_BYTES] = st.rdma_read.read_resp_bytes;

	/* a device without RDMA write keeps no such counters */
	if (efa_dev_cap(dev, EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_WRITE_MASK)) {
		err = efa_com_get_stats(&dev->edev,
					EFA_ADMIN_GET_STATS_TYPE_RDMA_WRITE, &st);
		if (err)
			return err;
		v[EFA_RDMA_WRITE_WRS] = st.rdma_write.write_wrs;
		v[EFA_RDMA_WRITE_BYTES] = st.rdma_write.write_bytes;
		v[EFA_RDMA_WRITE_WR_ERR] = st.rdma_write.write_wr_err;
		v[EFA_RDMA_WRITE_RECV_BYTES] = st.rdma_write.write_recv_bytes;
	}
	return EFA_NUM_PORT_COUNTERS;
}

int efa_get_hw_stats(struct ib_device *ibdev, struct rdma_hw_stats *stats,
		     u32 port_num, int index)
{
	struct efa_dev *dev = to_edev(ibdev);

	if (!port_num)
		return efa_fill_device_counters(dev, stats->value);
	return efa_fill_port_counters(dev, stats->value);
}
