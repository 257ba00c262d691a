/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * EFA admin queue (AQ/ACQ), asynchronous event queue (AENQ) and completion
 * event queue (EQ) wire formats, admin commands and their responses.
 * Every multi-byte field is little-endian on the wire.
 */
#ifndef EFA_HW_ADMIN_H
#define EFA_HW_ADMIN_H

#include "efa_hw_types.h"

#define EFA_ADMIN_API_VERSION_MAJOR 0
#define EFA_ADMIN_API_VERSION_MINOR 1

enum efa_admin_aq_completion_status {
	EFA_ADMIN_SUCCESS			= 0,
	EFA_ADMIN_RESOURCE_ALLOCATION_FAILURE	= 1,
	EFA_ADMIN_BAD_OPCODE			= 2,
	EFA_ADMIN_UNSUPPORTED_OPCODE		= 3,
	EFA_ADMIN_MALFORMED_REQUEST		= 4,
	EFA_ADMIN_ILLEGAL_PARAMETER		= 5,
	EFA_ADMIN_UNKNOWN_ERROR			= 6,
	EFA_ADMIN_RESOURCE_BUSY			= 7,
};

enum efa_admin_aq_opcode {
	EFA_ADMIN_CREATE_QP		= 1,
	EFA_ADMIN_MODIFY_QP		= 2,
	EFA_ADMIN_QUERY_QP		= 3,
	EFA_ADMIN_DESTROY_QP		= 4,
	EFA_ADMIN_CREATE_AH		= 5,
	EFA_ADMIN_DESTROY_AH		= 6,
	EFA_ADMIN_REG_MR		= 7,
	EFA_ADMIN_DEREG_MR		= 8,
	EFA_ADMIN_CREATE_CQ		= 9,
	EFA_ADMIN_DESTROY_CQ		= 10,
	EFA_ADMIN_GET_FEATURE		= 11,
	EFA_ADMIN_SET_FEATURE		= 12,
	EFA_ADMIN_GET_STATS		= 13,
	EFA_ADMIN_ALLOC_PD		= 14,
	EFA_ADMIN_DEALLOC_PD		= 15,
	EFA_ADMIN_ALLOC_UAR		= 16,
	EFA_ADMIN_DEALLOC_UAR		= 17,
	EFA_ADMIN_CREATE_EQ		= 18,
	EFA_ADMIN_DESTROY_EQ		= 19,
	EFA_ADMIN_MAX_OPCODE		= 19,
};

/*
 * Opcodes later devices define (fast-registration MRs, the opaque service
 * command, event counters).  A device without them answers
 * UNSUPPORTED_OPCODE rather than BAD_OPCODE.
 */
#define EFA_ADMIN_ALLOC_MR			20
#define EFA_ADMIN_SERVICE			21
#define EFA_ADMIN_FIRST_EVENT_COUNTER_OPCODE	25
#define EFA_ADMIN_LAST_KNOWN_OPCODE		29

enum efa_admin_aq_feature_id {
	EFA_ADMIN_DEVICE_ATTR		= 1,
	EFA_ADMIN_AENQ_CONFIG		= 2,
	EFA_ADMIN_NETWORK_ATTR		= 3,
	EFA_ADMIN_QUEUE_ATTR		= 4,
	EFA_ADMIN_HW_HINTS		= 5,
	EFA_ADMIN_HOST_INFO		= 6,
	EFA_ADMIN_EVENT_QUEUE_ATTR	= 7,
	EFA_ADMIN_QUEUE_ATTR_2		= 9,
};

/* QUEUE_ATTR was renamed QUEUE_ATTR_1 when QUEUE_ATTR_2 appeared. */
#define EFA_ADMIN_QUEUE_ATTR_1 EFA_ADMIN_QUEUE_ATTR

enum efa_admin_qp_type {
	EFA_ADMIN_QP_TYPE_UD		= 1,
	EFA_ADMIN_QP_TYPE_SRD		= 2,
};

enum efa_admin_qp_state {
	EFA_ADMIN_QP_STATE_RESET	= 0,
	EFA_ADMIN_QP_STATE_INIT		= 1,
	EFA_ADMIN_QP_STATE_RTR		= 2,
	EFA_ADMIN_QP_STATE_RTS		= 3,
	EFA_ADMIN_QP_STATE_SQD		= 4,
	EFA_ADMIN_QP_STATE_SQE		= 5,
	EFA_ADMIN_QP_STATE_ERR		= 6,
};

enum efa_admin_get_stats_type {
	EFA_ADMIN_GET_STATS_TYPE_BASIC		= 0,
	EFA_ADMIN_GET_STATS_TYPE_MESSAGES	= 1,
	EFA_ADMIN_GET_STATS_TYPE_RDMA_READ	= 2,
	EFA_ADMIN_GET_STATS_TYPE_RDMA_WRITE	= 3,
	EFA_ADMIN_GET_STATS_TYPE_NETWORK	= 4,
};

enum efa_admin_get_stats_scope {
	EFA_ADMIN_GET_STATS_SCOPE_ALL		= 0,
	EFA_ADMIN_GET_STATS_SCOPE_QUEUE		= 1,
};

enum efa_admin_aenq_group {
	EFA_ADMIN_FATAL_ERROR		= 1,
	EFA_ADMIN_WARNING		= 2,
	EFA_ADMIN_NOTIFICATION		= 3,
	EFA_ADMIN_KEEP_ALIVE		= 4,
	EFA_ADMIN_AENQ_GROUPS_NUM	= 5,
};

enum efa_admin_eqe_event_type {
	EFA_ADMIN_EQE_EVENT_TYPE_COMPLETION = 0,
};

enum efa_admin_os_type {
	EFA_ADMIN_OS_LINUX = 0,
};

/* ---- queue entries ---------------------------------------------------- */

struct efa_admin_aq_common_desc {
	/* [11:0] command id, echoed in the completion */
	__le16 command_id;
	__u8 opcode;
	/* [0] phase [1] ctrl_data [2] ctrl_data_indirect */
	__u8 flags;
};
EFA_HW_SIZE_CHECK(efa_admin_aq_common_desc, 4);

/* Where a command's data lives when it does not fit inline in the entry. */
struct efa_admin_ctrl_buff_info {
	__le32 length;
	struct efa_common_mem_addr address;
};
EFA_HW_SIZE_CHECK(efa_admin_ctrl_buff_info, 12);

struct efa_admin_aq_entry {
	struct efa_admin_aq_common_desc aq_common_descriptor;
	union {
		__le32 inline_data_w1[3];
		struct efa_admin_ctrl_buff_info control_buffer;
	} u;
	__le32 inline_data_w4[12];
};
EFA_HW_SIZE_CHECK(efa_admin_aq_entry, 64);

struct efa_admin_acq_common_desc {
	/* [11:0] command id of the completed command */
	__le16 command;
	__u8 status;
	/* [0] phase */
	__u8 flags;
	__le16 extended_status;
	/* AQ consumer index after this command */
	__le16 sq_head_indx;
};
EFA_HW_SIZE_CHECK(efa_admin_acq_common_desc, 8);

struct efa_admin_acq_entry {
	struct efa_admin_acq_common_desc acq_common_descriptor;
	__le32 response_specific_data[14];
};
EFA_HW_SIZE_CHECK(efa_admin_acq_entry, 64);

struct efa_admin_aenq_common_desc {
	__le16 group;
	__le16 syndrom;
	/* [0] phase */
	__u8 flags;
	__u8 reserved1[3];
	__le32 timestamp_low;
	__le32 timestamp_high;
};
EFA_HW_SIZE_CHECK(efa_admin_aenq_common_desc, 16);

struct efa_admin_aenq_entry {
	struct efa_admin_aenq_common_desc aenq_common_desc;
	__le32 inline_data_w4[12];
};
EFA_HW_SIZE_CHECK(efa_admin_aenq_entry, 64);

struct efa_admin_comp_event {
	__le16 cqn;
	__le16 reserved;
	__le32 reserved2;
};
EFA_HW_SIZE_CHECK(efa_admin_comp_event, 8);

struct efa_admin_eqe {
	/* [0] phase [8:1] event_type */
	__le32 common;
	__le32 reserved;
	union {
		__le32 event_data[2];
		struct efa_admin_comp_event comp_event;
	} u;
};
EFA_HW_SIZE_CHECK(efa_admin_eqe, 16);

#define EFA_ADMIN_AQ_COMMON_DESC_COMMAND_ID_MASK	0x0fffu
#define EFA_ADMIN_AQ_COMMON_DESC_PHASE_MASK		0x01u
#define EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_MASK		0x02u
#define EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_INDIRECT_MASK 0x04u
#define EFA_ADMIN_ACQ_COMMON_DESC_COMMAND_ID_MASK	0x0fffu
#define EFA_ADMIN_ACQ_COMMON_DESC_PHASE_MASK		0x01u
#define EFA_ADMIN_AENQ_COMMON_DESC_PHASE_MASK		0x01u
#define EFA_ADMIN_EQE_PHASE_MASK			0x00000001u
#define EFA_ADMIN_EQE_EVENT_TYPE_MASK			0x000001feu

/* ---- QP ---------------------------------------------------------------- */

struct efa_admin_qp_alloc_size {
	/* bytes */
	__le32 send_queue_ring_size;
	/* WQEs */
	__le32 send_queue_depth;
	/* bytes */
	__le32 recv_queue_ring_size;
	/* descriptors */
	__le32 recv_queue_depth;
};
EFA_HW_SIZE_CHECK(efa_admin_qp_alloc_size, 16);

struct efa_admin_create_qp_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	__le16 pd;
	__u8 qp_type;
	/* [0] sq_virt [1] rq_virt [2] unsolicited_write_recv */
	__u8 flags;
	__le64 sq_base_addr;
	__le64 rq_base_addr;
	__le32 send_cq_idx;
	__le32 recv_cq_idx;
	__le32 sq_l_key;
	__le32 rq_l_key;
	struct efa_admin_qp_alloc_size qp_alloc_size;
	__le16 uar;
	__le16 reserved;
	__le32 reserved2;
};
EFA_HW_SIZE_CHECK(efa_admin_create_qp_cmd, 64);

struct efa_admin_create_qp_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	__le32 qp_handle;
	__le16 qp_num;
	__le16 reserved;
	__le16 send_sub_cq_idx;
	__le16 recv_sub_cq_idx;
	/* offsets in the doorbell BAR */
	__le32 sq_db_offset;
	__le32 rq_db_offset;
	/* offset in the LLQ memory BAR */
	__le32 llq_descriptors_offset;
};
EFA_HW_SIZE_CHECK(efa_admin_create_qp_resp, 32);

struct efa_admin_modify_qp_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	__le32 modify_mask;
	__le32 qp_handle;
	__le32 qp_state;
	__le32 cur_qp_state;
	__le32 qkey;
	__le32 sq_psn;
	__u8 sq_drained_async_notify;
	__u8 rnr_retry;
	__le16 reserved2;
};
EFA_HW_SIZE_CHECK(efa_admin_modify_qp_cmd, 32);

struct efa_admin_modify_qp_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
};
EFA_HW_SIZE_CHECK(efa_admin_modify_qp_resp, 8);

struct efa_admin_query_qp_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	__le32 qp_handle;
};
EFA_HW_SIZE_CHECK(efa_admin_query_qp_cmd, 8);

struct efa_admin_query_qp_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	__le32 qp_state;
	__le32 qkey;
	__le32 sq_psn;
	__u8 sq_draining;
	__u8 rnr_retry;
	__le16 reserved2;
};
EFA_HW_SIZE_CHECK(efa_admin_query_qp_resp, 24);

struct efa_admin_destroy_qp_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	__le32 qp_handle;
};
EFA_HW_SIZE_CHECK(efa_admin_destroy_qp_cmd, 8);

struct efa_admin_destroy_qp_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
};
EFA_HW_SIZE_CHECK(efa_admin_destroy_qp_resp, 8);

#define EFA_ADMIN_CREATE_QP_CMD_SQ_VIRT_MASK			0x01u
#define EFA_ADMIN_CREATE_QP_CMD_RQ_VIRT_MASK			0x02u
#define EFA_ADMIN_CREATE_QP_CMD_UNSOLICITED_WRITE_RECV_MASK	0x04u

#define EFA_ADMIN_MODIFY_QP_CMD_QP_STATE_MASK			0x01u
#define EFA_ADMIN_MODIFY_QP_CMD_CUR_QP_STATE_MASK		0x02u
#define EFA_ADMIN_MODIFY_QP_CMD_QKEY_MASK			0x04u
#define EFA_ADMIN_MODIFY_QP_CMD_SQ_PSN_MASK			0x08u
#define EFA_ADMIN_MODIFY_QP_CMD_SQ_DRAINED_ASYNC_NOTIFY_MASK	0x10u
#define EFA_ADMIN_MODIFY_QP_CMD_RNR_RETRY_MASK			0x20u

/* ---- AH ---------------------------------------------------------------- */

struct efa_admin_create_ah_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	/* network byte order */
	__u8 dest_addr[16];
	__le16 pd;
	__le16 reserved;
};
EFA_HW_SIZE_CHECK(efa_admin_create_ah_cmd, 24);

struct efa_admin_create_ah_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	__le16 ah;
	__le16 reserved;
};
EFA_HW_SIZE_CHECK(efa_admin_create_ah_resp, 12);

struct efa_admin_destroy_ah_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	__le16 ah;
	__le16 pd;
};
EFA_HW_SIZE_CHECK(efa_admin_destroy_ah_cmd, 8);

struct efa_admin_destroy_ah_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
};
EFA_HW_SIZE_CHECK(efa_admin_destroy_ah_resp, 8);

/* ---- MR ---------------------------------------------------------------- */

struct efa_admin_reg_mr_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	__le16 pd;
	__le16 reserved16_w1;
	union {
		/* up to four page addresses fit in the command itself */
		__le64 inline_pbl_array[4];
		struct efa_admin_ctrl_buff_info pbl;
	} pbl;
	__le64 mr_length;
	/* [4:0] phys_page_size_shift [7] mem_addr_phy_mode_en */
	__u8 flags;
	/* [0] local_write [1] remote_write [2] remote_read */
	__u8 permissions;
	__le16 reserved16_w5;
	__le32 page_num;
	__le64 iova;
};
EFA_HW_SIZE_CHECK(efa_admin_reg_mr_cmd, 64);

struct efa_admin_reg_mr_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	__le32 l_key;
	__le32 r_key;
	/* [0] recv_ic_id [1] rdma_read_ic_id [2] rdma_recv_ic_id valid */
	__u8 validity;
	__u8 recv_ic_id;
	__u8 rdma_read_ic_id;
	__u8 rdma_recv_ic_id;
};
EFA_HW_SIZE_CHECK(efa_admin_reg_mr_resp, 20);

struct efa_admin_dereg_mr_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	__le32 l_key;
};
EFA_HW_SIZE_CHECK(efa_admin_dereg_mr_cmd, 8);

struct efa_admin_dereg_mr_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
};
EFA_HW_SIZE_CHECK(efa_admin_dereg_mr_resp, 8);

#define EFA_ADMIN_REG_MR_CMD_PHYS_PAGE_SIZE_SHIFT_MASK	0x1fu
#define EFA_ADMIN_REG_MR_CMD_MEM_ADDR_PHY_MODE_EN_MASK	0x80u
#define EFA_ADMIN_REG_MR_CMD_LOCAL_WRITE_ENABLE_MASK	0x01u
#define EFA_ADMIN_REG_MR_CMD_REMOTE_WRITE_ENABLE_MASK	0x02u
#define EFA_ADMIN_REG_MR_CMD_REMOTE_READ_ENABLE_MASK	0x04u
#define EFA_ADMIN_REG_MR_RESP_RECV_IC_ID_MASK		0x01u
#define EFA_ADMIN_REG_MR_RESP_RDMA_READ_IC_ID_MASK	0x02u
#define EFA_ADMIN_REG_MR_RESP_RDMA_RECV_IC_ID_MASK	0x04u

/* ---- CQ ---------------------------------------------------------------- */

struct efa_admin_create_cq_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	/* [5] interrupt_mode_enabled [6] virt */
	__u8 cq_caps_1;
	/* [4:0] cq_entry_size_words [5] set_src_addr */
	__u8 cq_caps_2;
	/* entries per sub-CQ, a power of two */
	__le16 cq_depth;
	__le16 eqn;
	__le16 reserved;
	struct efa_common_mem_addr cq_ba;
	__le32 l_key;
	__le16 num_sub_cqs;
	__le16 uar;
};
EFA_HW_SIZE_CHECK(efa_admin_create_cq_cmd, 28);

struct efa_admin_create_cq_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	__le16 cq_idx;
	__le16 cq_actual_depth;
	/* offset in the doorbell BAR */
	__le32 db_offset;
	/* [0] db_valid */
	__le32 flags;
};
EFA_HW_SIZE_CHECK(efa_admin_create_cq_resp, 20);

struct efa_admin_destroy_cq_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	__le16 cq_idx;
	__le16 reserved1;
};
EFA_HW_SIZE_CHECK(efa_admin_destroy_cq_cmd, 8);

struct efa_admin_destroy_cq_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
};
EFA_HW_SIZE_CHECK(efa_admin_destroy_cq_resp, 8);

#define EFA_ADMIN_CREATE_CQ_CMD_INTERRUPT_MODE_ENABLED_MASK	0x20u
#define EFA_ADMIN_CREATE_CQ_CMD_VIRT_MASK			0x40u
#define EFA_ADMIN_CREATE_CQ_CMD_CQ_ENTRY_SIZE_WORDS_MASK	0x1fu
#define EFA_ADMIN_CREATE_CQ_CMD_SET_SRC_ADDR_MASK		0x20u
#define EFA_ADMIN_CREATE_CQ_RESP_DB_VALID_MASK			0x01u

/* ---- statistics -------------------------------------------------------- */

struct efa_admin_aq_get_stats_cmd {
	struct efa_admin_aq_common_desc aq_common_descriptor;
	union {
		__le32 inline_data_w1[3];
		struct efa_admin_ctrl_buff_info control_buffer;
	} u;
	__u8 type;
	__u8 scope;
	__le16 scope_modifier;
};
EFA_HW_SIZE_CHECK(efa_admin_aq_get_stats_cmd, 20);

struct efa_admin_basic_stats {
	__le64 tx_bytes;
	__le64 tx_pkts;
	__le64 rx_bytes;
	__le64 rx_pkts;
	__le64 rx_drops;
};
EFA_HW_SIZE_CHECK(efa_admin_basic_stats, 40);

struct efa_admin_messages_stats {
	__le64 send_bytes;
	__le64 send_wrs;
	__le64 recv_bytes;
	__le64 recv_wrs;
};
EFA_HW_SIZE_CHECK(efa_admin_messages_stats, 32);

struct efa_admin_rdma_read_stats {
	__le64 read_wrs;
	__le64 read_bytes;
	__le64 read_wr_err;
	__le64 read_resp_bytes;
};
EFA_HW_SIZE_CHECK(efa_admin_rdma_read_stats, 32);

struct efa_admin_rdma_write_stats {
	__le64 write_wrs;
	__le64 write_bytes;
	__le64 write_wr_err;
	__le64 write_recv_bytes;
};
EFA_HW_SIZE_CHECK(efa_admin_rdma_write_stats, 32);

struct efa_admin_network_stats {
	__le64 retrans_bytes;
	__le64 retrans_pkts;
	__le64 retrans_timeout_events;
	__le64 unresponsive_remote_events;
	__le64 impaired_remote_conn_events;
};
EFA_HW_SIZE_CHECK(efa_admin_network_stats, 40);

struct efa_admin_acq_get_stats_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	union {
		struct efa_admin_basic_stats basic_stats;
		struct efa_admin_messages_stats messages_stats;
		struct efa_admin_rdma_read_stats rdma_read_stats;
		struct efa_admin_rdma_write_stats rdma_write_stats;
		struct efa_admin_network_stats network_stats;
	} u;
};
EFA_HW_SIZE_CHECK(efa_admin_acq_get_stats_resp, 48);

/* ---- features ---------------------------------------------------------- */

struct efa_admin_get_set_feature_common_desc {
	__u8 reserved0;
	/* enum efa_admin_aq_feature_id */
	__u8 feature_id;
	__le16 reserved16;
};
EFA_HW_SIZE_CHECK(efa_admin_get_set_feature_common_desc, 4);

struct efa_admin_feature_device_attr_desc {
	/* bit N set: feature id N is supported */
	__le64 supported_features;
	/* bit N set: 2^N byte pages can back an MR */
	__le64 page_size_cap;
	__le32 fw_version;
	__le32 admin_api_version;
	__le32 device_version;
	/* BAR holding the SQ/RQ/CQ doorbells */
	__le16 db_bar;
	__u8 phys_addr_width;
	__u8 virt_addr_width;
	/* EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_*_MASK */
	__le32 device_caps;
	__le32 max_rdma_size;
	__le64 guid;
	__le16 max_link_speed_gbps;
	__le16 reserved0;
	__le32 reserved1;
};
EFA_HW_SIZE_CHECK(efa_admin_feature_device_attr_desc, 56);

#define EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_READ_MASK		0x01u
#define EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RNR_RETRY_MASK		0x02u
#define EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_DATA_POLLING_128_MASK	0x04u
#define EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_WRITE_MASK		0x08u
#define EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_UNSOLICITED_WRITE_RECV_MASK	0x10u
#define EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_EVENT_COUNTERS_MASK		0x20u

struct efa_admin_feature_queue_attr_desc {
	__le32 max_qp;
	__le32 max_sq_depth;
	/* deprecated by queue_attr_2.inline_buf_size_ex */
	__le32 inline_buf_size;
	__le32 max_rq_depth;
	__le32 max_cq;
	__le32 max_cq_depth;
	__le16 sub_cqs_per_cq;
	__le16 min_sq_depth;
	__le16 max_wr_send_sges;
	__le16 max_wr_recv_sges;
	__le32 max_mr;
	__le32 max_mr_pages;
	__le32 max_pd;
	__le32 max_ah;
	/* bytes of LLQ per SQ */
	__le32 max_llq_size;
	__le16 max_wr_rdma_sges;
	/* 64-byte units between two SQ doorbells; 0 is unlimited */
	__le16 max_tx_batch;
};
EFA_HW_SIZE_CHECK(efa_admin_feature_queue_attr_desc, 56);

struct efa_admin_feature_queue_attr_desc_2 {
	__le16 inline_buf_size_ex;
	__u8 reserved[6];
	__le32 supported_event_counter_qp_events;
	__le32 max_event_counters;
	__le64 event_counter_max_val;
};
EFA_HW_SIZE_CHECK(efa_admin_feature_queue_attr_desc_2, 24);

struct efa_admin_event_queue_attr_desc {
	__le32 max_eq;
	__le32 max_eq_depth;
	/* bit 0: completion events */
	__le32 event_bitmask;
};
EFA_HW_SIZE_CHECK(efa_admin_event_queue_attr_desc, 12);

struct efa_admin_feature_aenq_desc {
	/* bit N: AENQ group N */
	__le32 supported_groups;
	__le32 enabled_groups;
};
EFA_HW_SIZE_CHECK(efa_admin_feature_aenq_desc, 8);

struct efa_admin_feature_network_attr_desc {
	/* network byte order */
	__u8 addr[16];
	__le32 mtu;
};
EFA_HW_SIZE_CHECK(efa_admin_feature_network_attr_desc, 20);

/* Milliseconds; 0 means the driver keeps its own default. */
struct efa_admin_hw_hints {
	__le16 mmio_read_timeout;
	__le16 driver_watchdog_timeout;
	__le16 admin_completion_timeout;
	__le16 poll_interval;
};
EFA_HW_SIZE_CHECK(efa_admin_hw_hints, 8);

struct efa_admin_get_feature_cmd {
	struct efa_admin_aq_common_desc aq_common_descriptor;
	struct efa_admin_ctrl_buff_info control_buffer;
	struct efa_admin_get_set_feature_common_desc feature_common;
	__le32 raw[11];
};
EFA_HW_SIZE_CHECK(efa_admin_get_feature_cmd, 64);

struct efa_admin_get_feature_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	union {
		__le32 raw[14];
		struct efa_admin_feature_device_attr_desc device_attr;
		struct efa_admin_feature_aenq_desc aenq;
		struct efa_admin_feature_network_attr_desc network_attr;
		struct efa_admin_feature_queue_attr_desc queue_attr;
		struct efa_admin_feature_queue_attr_desc_2 queue_attr_2;
		struct efa_admin_event_queue_attr_desc event_queue_attr;
		struct efa_admin_hw_hints hw_hints;
	} u;
};
EFA_HW_SIZE_CHECK(efa_admin_get_feature_resp, 64);

struct efa_admin_set_feature_cmd {
	struct efa_admin_aq_common_desc aq_common_descriptor;
	struct efa_admin_ctrl_buff_info control_buffer;
	struct efa_admin_get_set_feature_common_desc feature_common;
	union {
		__le32 raw[11];
		struct efa_admin_feature_aenq_desc aenq;
	} u;
};
EFA_HW_SIZE_CHECK(efa_admin_set_feature_cmd, 64);

struct efa_admin_set_feature_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	union {
		__le32 raw[14];
	} u;
};
EFA_HW_SIZE_CHECK(efa_admin_set_feature_resp, 64);

/* Sent through the control buffer of SET_FEATURE(HOST_INFO). */
struct efa_admin_host_info {
	__u8 os_dist_str[128];
	__le32 os_type;
	__u8 kernel_ver_str[32];
	__le32 kernel_ver;
	/* [7:0] module_type [15:8] sub_minor [23:16] minor [31:24] major */
	__le32 driver_ver;
	/* [2:0] function [7:3] device [15:8] bus */
	__le16 bdf;
	/* [7:0] minor [15:8] major */
	__le16 spec_ver;
	/* [0] intree [1] gdr */
	__le32 flags;
};
EFA_HW_SIZE_CHECK(efa_admin_host_info, 180);

#define EFA_ADMIN_HOST_INFO_DRIVER_MODULE_TYPE_MASK	0x000000ffu
#define EFA_ADMIN_HOST_INFO_DRIVER_SUB_MINOR_MASK	0x0000ff00u
#define EFA_ADMIN_HOST_INFO_DRIVER_MINOR_MASK		0x00ff0000u
#define EFA_ADMIN_HOST_INFO_DRIVER_MAJOR_MASK		0xff000000u
#define EFA_ADMIN_HOST_INFO_FUNCTION_MASK		0x0007u
#define EFA_ADMIN_HOST_INFO_DEVICE_MASK			0x00f8u
#define EFA_ADMIN_HOST_INFO_BUS_MASK			0xff00u
#define EFA_ADMIN_HOST_INFO_SPEC_MINOR_MASK		0x00ffu
#define EFA_ADMIN_HOST_INFO_SPEC_MAJOR_MASK		0xff00u
#define EFA_ADMIN_HOST_INFO_INTREE_MASK			0x01u
#define EFA_ADMIN_HOST_INFO_GDR_MASK			0x02u

/* ---- PD, UAR, EQ ------------------------------------------------------- */

struct efa_admin_alloc_pd_cmd {
	struct efa_admin_aq_common_desc aq_common_descriptor;
};
EFA_HW_SIZE_CHECK(efa_admin_alloc_pd_cmd, 4);

struct efa_admin_alloc_pd_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	__le16 pd;
	__le16 reserved;
};
EFA_HW_SIZE_CHECK(efa_admin_alloc_pd_resp, 12);

struct efa_admin_dealloc_pd_cmd {
	struct efa_admin_aq_common_desc aq_common_descriptor;
	__le16 pd;
	__le16 reserved;
};
EFA_HW_SIZE_CHECK(efa_admin_dealloc_pd_cmd, 8);

struct efa_admin_dealloc_pd_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
};
EFA_HW_SIZE_CHECK(efa_admin_dealloc_pd_resp, 8);

struct efa_admin_alloc_uar_cmd {
	struct efa_admin_aq_common_desc aq_common_descriptor;
};
EFA_HW_SIZE_CHECK(efa_admin_alloc_uar_cmd, 4);

struct efa_admin_alloc_uar_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	__le16 uar;
	__le16 reserved;
};
EFA_HW_SIZE_CHECK(efa_admin_alloc_uar_resp, 12);

struct efa_admin_dealloc_uar_cmd {
	struct efa_admin_aq_common_desc aq_common_descriptor;
	__le16 uar;
	__le16 reserved;
};
EFA_HW_SIZE_CHECK(efa_admin_dealloc_uar_cmd, 8);

struct efa_admin_dealloc_uar_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
};
EFA_HW_SIZE_CHECK(efa_admin_dealloc_uar_resp, 8);

struct efa_admin_create_eq_cmd {
	struct efa_admin_aq_common_desc aq_common_descriptor;
	/* entries, a power of two */
	__le16 depth;
	__u8 msix_vec;
	/* [4:0] entry_size_words [6] virt */
	__u8 caps;
	struct efa_common_mem_addr ba;
	/* [0] completion events */
	__le32 event_bitmask;
	__le32 reserved;
};
EFA_HW_SIZE_CHECK(efa_admin_create_eq_cmd, 24);

struct efa_admin_create_eq_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	__le16 eqn;
	__le16 reserved;
};
EFA_HW_SIZE_CHECK(efa_admin_create_eq_resp, 12);

struct efa_admin_destroy_eq_cmd {
	struct efa_admin_aq_common_desc aq_common_descriptor;
	__le16 eqn;
	__le16 reserved;
};
EFA_HW_SIZE_CHECK(efa_admin_destroy_eq_cmd, 8);

struct efa_admin_destroy_eq_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
};
EFA_HW_SIZE_CHECK(efa_admin_destroy_eq_resp, 8);

#define EFA_ADMIN_CREATE_EQ_CMD_ENTRY_SIZE_WORDS_MASK	0x1fu
#define EFA_ADMIN_CREATE_EQ_CMD_VIRT_MASK		0x40u
#define EFA_ADMIN_CREATE_EQ_CMD_COMPLETION_EVENTS_MASK	0x01u

#endif /* EFA_HW_ADMIN_H */
