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

/* CREATE_CQ: one ring of num_sub_cqs * depth entries at dma_addr. */
struct efa_com_create_cq_params {
	dma_addr_t dma_addr;
	u16 depth;			/* entries per sub-CQ, a power of two */
	u16 num_sub_cqs;
	u16 uarn;
	u16 eqn;			/* with interrupts only */
	u8 entry_size;			/* bytes: 16 or 32 */
	bool interrupts;
	bool set_src_addr;
};

struct efa_com_create_cq_result {
	u32 db_offset;			/* in the doorbell BAR, if db_valid */
	u16 cq_idx;
	u16 actual_depth;
	bool db_valid;
};

/* CREATE_QP: the SQ in the LLQ, the RQ in a driver ring at rq_dma_addr. */
struct efa_com_create_qp_params {
	dma_addr_t rq_dma_addr;
	u32 send_cq_idx;
	u32 recv_cq_idx;
	u32 sq_ring_size;		/* bytes */
	u32 sq_depth;
	u32 rq_ring_size;		/* bytes; 0 for no RQ */
	u32 rq_depth;
	u16 pdn;
	u16 uarn;
	u8 qp_type;			/* enum efa_admin_qp_type */
	u8 sl;
	bool unsolicited_write_recv;
};

struct efa_com_create_qp_result {
	u32 qp_handle;
	u32 sq_db_offset;
	u32 rq_db_offset;
	u32 llq_descriptors_offset;
	u16 qp_num;
	u16 send_sub_cq_idx;
	u16 recv_sub_cq_idx;
};

/* MODIFY_QP: modify_mask (EFA_ADMIN_MODIFY_QP_CMD_*_MASK) says what applies. */
struct efa_com_modify_qp_params {
	u32 modify_mask;
	u32 qp_handle;
	u32 qp_state;
	u32 cur_qp_state;
	u32 qkey;
	u32 sq_psn;
	u8 sq_drained_async_notify;
	u8 rnr_retry;
};

struct efa_com_query_qp_result {
	u32 qp_state;
	u32 qkey;
	u32 sq_psn;
	u8 sq_draining;
	u8 rnr_retry;
};

/* How REG_MR finds the page list; see efa_mr.c. */
enum efa_com_pbl_form {
	EFA_COM_PBL_INLINE,
	EFA_COM_PBL_DIRECT,
	EFA_COM_PBL_CHAINED,
};

#define EFA_COM_INLINE_PBL_PAGES	EFA_ADMIN_REG_MR_INLINE_PAGES

struct efa_com_reg_mr_params {
	u64 iova;
	u64 length;
	enum efa_com_pbl_form pbl_form;
	union {
		u64 inline_pages[EFA_COM_INLINE_PBL_PAGES];
		/* the page list (direct) or its first chunk (chained) */
		struct {
			dma_addr_t dma_addr;
			u32 length;
		} buf;
	} pbl;
	u32 page_num;
	u16 pdn;
	u8 page_shift;
	u8 permissions;		/* EFA_ADMIN_REG_MR_CMD_*_ENABLE_MASK */
};

struct efa_com_mr_ic_info {
	u8 recv_ic_id;
	u8 rdma_read_ic_id;
	u8 rdma_recv_ic_id;
	bool recv_ic_id_valid;
	bool rdma_read_ic_id_valid;
	bool rdma_recv_ic_id_valid;
};

struct efa_com_reg_mr_result {
	u32 l_key;
	u32 r_key;
	struct efa_com_mr_ic_info ic_info;
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

int efa_com_create_cq(struct efa_com_dev *edev,
		      const struct efa_com_create_cq_params *params,
		      struct efa_com_create_cq_result *result);
int efa_com_destroy_cq(struct efa_com_dev *edev, u16 cq_idx);

int efa_com_create_qp(struct efa_com_dev *edev,
		      const struct efa_com_create_qp_params *params,
		      struct efa_com_create_qp_result *result);
int efa_com_modify_qp(struct efa_com_dev *edev,
		      const struct efa_com_modify_qp_params *params);
int efa_com_query_qp(struct efa_com_dev *edev, u32 qp_handle,
		     struct efa_com_query_qp_result *result);
int efa_com_destroy_qp(struct efa_com_dev *edev, u32 qp_handle);

int efa_com_create_ah(struct efa_com_dev *edev, u16 pdn,
		      const u8 dest_addr[EFA_GID_SIZE], u16 *ah);
int efa_com_destroy_ah(struct efa_com_dev *edev, u16 ah, u16 pdn);

int efa_com_reg_mr(struct efa_com_dev *edev,
		   const struct efa_com_reg_mr_params *params,
		   struct efa_com_reg_mr_result *result);
int efa_com_dereg_mr(struct efa_com_dev *edev, u32 l_key);

#endif /* _EFA_COM_CMD_H_ */
