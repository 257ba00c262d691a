/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One typed function per admin command.  Parameters and results are in
 * host byte order; only efa_com_cmd.c touches the little-endian wire
 * structures of abi/hw/efa_hw_admin.h.
 */
#ifndef _EFA_COM_CMD_H_
#define _EFA_COM_CMD_H_

#include "efa_com.h"

#define EFA_GID_SIZE 16

/* DEVICE_ATTR, QUEUE_ATTR_1, QUEUE_ATTR_2, NETWORK_ATTR, EVENT_QUEUE_ATTR */
struct efa_com_dev_attr {
	/* DEVICE_ATTR */
	u64 supported_features;
	u64 page_size_cap;
	u64 guid;
	u32 fw_version;
	u32 admin_api_version;
	u32 device_version;
	u32 device_caps;
	u32 max_rdma_size;
	u16 db_bar;
	u16 max_link_speed_gbps;
	u8 phys_addr_width;
	u8 virt_addr_width;

	/* QUEUE_ATTR_1 */
	u32 max_qp;
	u32 max_sq_depth;
	u32 max_rq_depth;
	u32 max_cq;
	u32 max_cq_depth;
	u32 inline_buf_size;
	u32 max_mr;
	u32 max_mr_pages;
	u32 max_pd;
	u32 max_ah;
	u32 max_llq_size;
	u16 sub_cqs_per_cq;
	u16 min_sq_depth;
	u16 max_sq_sge;
	u16 max_rq_sge;
	u16 max_wr_rdma_sge;
	u16 max_tx_batch;

	/* QUEUE_ATTR_2, or inline_buf_size when the device lacks it */
	u16 inline_buf_size_ex;

	/* NETWORK_ATTR */
	u8 addr[EFA_GID_SIZE];
	u32 mtu;

	/* EVENT_QUEUE_ATTR; zero when the device has no EQs */
	u32 max_eq;
	u32 max_eq_depth;
	u32 eq_event_bitmask;
};

/* HW_HINTS; zero means "keep the driver's default". */
struct efa_com_hw_hints {
	u16 mmio_read_timeout;		/* ms */
	u16 driver_watchdog_timeout;	/* ms */
	u16 admin_completion_timeout;	/* us, as upstream drivers read it */
	u16 poll_interval;		/* ms */
};

struct efa_com_create_eq_params {
	dma_addr_t dma_addr;
	u32 event_bitmask;
	u16 depth;
	u8 entry_size;			/* bytes */
	u8 msix_vec;
};

struct efa_com_basic_stats {
	u64 tx_bytes;
	u64 tx_pkts;
	u64 rx_bytes;
	u64 rx_pkts;
	u64 rx_drops;
};

struct efa_com_messages_stats {
	u64 send_bytes;
	u64 send_wrs;
	u64 recv_bytes;
	u64 recv_wrs;
};

struct efa_com_rdma_read_stats {
	u64 read_wrs;
	u64 read_bytes;
	u64 read_wr_err;
	u64 read_resp_bytes;
};

struct efa_com_rdma_write_stats {
	u64 write_wrs;
	u64 write_bytes;
	u64 write_wr_err;
	u64 write_recv_bytes;
};

union efa_com_stats {
	struct efa_com_basic_stats basic;
	struct efa_com_messages_stats messages;
	struct efa_com_rdma_read_stats rdma_read;
	struct efa_com_rdma_write_stats rdma_write;
};

bool efa_com_feature_supported(struct efa_com_dev *edev,
			       enum efa_admin_aq_feature_id id);

int efa_com_get_device_attr(struct efa_com_dev *edev,
			    struct efa_com_dev_attr *attr);
int efa_com_get_queue_attr(struct efa_com_dev *edev,
			   struct efa_com_dev_attr *attr);
int efa_com_get_queue_attr_2(struct efa_com_dev *edev,
			     struct efa_com_dev_attr *attr);
int efa_com_get_network_attr(struct efa_com_dev *edev,
			     struct efa_com_dev_attr *attr);
int efa_com_get_event_queue_attr(struct efa_com_dev *edev,
				 struct efa_com_dev_attr *attr);
int efa_com_query_device(struct efa_com_dev *edev,
			 struct efa_com_dev_attr *attr);
int efa_com_get_hw_hints(struct efa_com_dev *edev,
			 struct efa_com_hw_hints *hints);
int efa_com_get_aenq_config(struct efa_com_dev *edev, u32 *supported,
			    u32 *enabled);
int efa_com_set_aenq_config(struct efa_com_dev *edev, u32 groups);
int efa_com_set_host_info(struct efa_com_dev *edev, dma_addr_t info,
			  u32 len);

int efa_com_get_stats(struct efa_com_dev *edev,
		      enum efa_admin_get_stats_type type,
		      union efa_com_stats *stats);

int efa_com_alloc_pd(struct efa_com_dev *edev, u16 *pdn);
int efa_com_dealloc_pd(struct efa_com_dev *edev, u16 pdn);
int efa_com_alloc_uar(struct efa_com_dev *edev, u16 *uarn);
int efa_com_dealloc_uar(struct efa_com_dev *edev, u16 uarn);

int efa_com_create_eq(struct efa_com_dev *edev,
		      const struct efa_com_create_eq_params *params,
		      u16 *eqn);
int efa_com_destroy_eq(struct efa_com_dev *edev, u16 eqn);

#endif /* _EFA_COM_CMD_H_ */
