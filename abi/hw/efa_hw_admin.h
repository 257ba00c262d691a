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

/* What CREATE_QP asks the device to set aside for the QP's two rings. */
struct efa_admin_qp_alloc_size {
	/* bytes of SQ ring: in the LLQ (BAR2) unless sq_base_addr is given */
	__le32 send_queue_ring_size;
	/* WQEs that may be outstanding on the SQ at once */
	__le32 send_queue_depth;
	/* bytes of RQ ring at rq_base_addr; 0 for a QP without an RQ */
	__le32 recv_queue_ring_size;
	/* receive descriptors that may be outstanding at once */
	__le32 recv_queue_depth;
};
EFA_HW_SIZE_CHECK(efa_admin_qp_alloc_size, 16);

/*
 * CREATE_QP.  A new QP starts in RESET.  flags:
 *   sq_virt  sq_base_addr is an IOVA inside the MR sq_l_key names (a ring
 *            in user memory registered first), not a guest physical one;
 *   rq_virt  the same for rq_base_addr and rq_l_key;
 *   unsolicited_write_recv  an incoming RDMA write with immediate completes
 *            on the RQ without consuming a posted receive (needs the
 *            device cap of that name).
 */
struct efa_admin_create_qp_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	/* protection domain the QP belongs to */
	__le16 pd;
	/* enum efa_admin_qp_type */
	__u8 qp_type;
	/* [0] sq_virt [1] rq_virt [2] unsolicited_write_recv [7:3] MBZ */
	__u8 flags;
	/* SQ ring in host memory; 0: the SQ lives in the LLQ (BAR2) */
	__le64 sq_base_addr;
	/* RQ ring: guest physical, or an IOVA with rq_virt */
	__le64 rq_base_addr;
	/* CQ (cq_idx of CREATE_CQ) of send and of receive completions */
	__le32 send_cq_idx;
	__le32 recv_cq_idx;
	/* MR holding the SQ / RQ ring; read only with sq_virt / rq_virt */
	__le32 sq_l_key;
	__le32 rq_l_key;
	struct efa_admin_qp_alloc_size qp_alloc_size;
	/* UAR of the process the QP belongs to */
	__le16 uar;
	/*
	 * service level of the QP's traffic, 0 the default (was reserved);
	 * at most EFA_ADMIN_QP_MAX_SL
	 */
	__u8 sl;
	__u8 reserved;
	__le32 reserved2;
};
EFA_HW_SIZE_CHECK(efa_admin_create_qp_cmd, 64);

/* Service levels a QP may ask for: those of an InfiniBand-style 4-bit SL. */
#define EFA_ADMIN_QP_MAX_SL		15

struct efa_admin_create_qp_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	/* names the QP in MODIFY/QUERY/DESTROY_QP */
	__le32 qp_handle;
	/* the QP number peers address (low bits unique up to max_qp) */
	__le16 qp_num;
	__le16 reserved;
	/* sub-CQ of send_cq_idx / recv_cq_idx this QP's completions go to */
	__le16 send_sub_cq_idx;
	__le16 recv_sub_cq_idx;
	/* offsets in the doorbell BAR (db_bar of DEVICE_ATTR) */
	__le32 sq_db_offset;
	__le32 rq_db_offset;
	/* offset in the LLQ memory BAR of the SQ's first descriptor */
	__le32 llq_descriptors_offset;
};
EFA_HW_SIZE_CHECK(efa_admin_create_qp_resp, 32);

/*
 * MODIFY_QP: changes the attributes modify_mask selects, and with qp_state
 * moves the QP along RESET -> INIT -> RTR -> RTS <-> SQD, any state -> ERR
 * or RESET, SQE -> RTS.  RESET -> INIT needs qkey, RTR -> RTS needs sq_psn.
 */
struct efa_admin_modify_qp_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	/* EFA_ADMIN_MODIFY_QP_CMD_*_MASK: which of the fields below apply */
	__le32 modify_mask;
	__le32 qp_handle;
	/* enum efa_admin_qp_state to move to */
	__le32 qp_state;
	/* the state the driver believes the QP is in, moved from */
	__le32 cur_qp_state;
	/* UD/SRD queue key an incoming message must carry */
	__le32 qkey;
	/* first packet sequence number of the SQ (24 bits) */
	__le32 sq_psn;
	/* raise an event when the SQ has drained in SQD */
	__u8 sq_drained_async_notify;
	/* times an SRD send is retried when the receiver has no buffer (0..7, 7 forever) */
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
	/* enum efa_admin_qp_state */
	__le32 qp_state;
	__le32 qkey;
	__le32 sq_psn;
	/* 1 while an SQD QP still has sends in flight */
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

/* CREATE_AH: a handle for sending to one remote address from one PD. */
struct efa_admin_create_ah_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	/* the remote device's network address (its GID), network byte order */
	__u8 dest_addr[16];
	__le16 pd;
	__le16 reserved;
};
EFA_HW_SIZE_CHECK(efa_admin_create_ah_cmd, 24);

struct efa_admin_create_ah_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	/* what a TX WQE names the destination by */
	__le16 ah;
	__le16 reserved;
};
EFA_HW_SIZE_CHECK(efa_admin_create_ah_resp, 12);

/* DESTROY_AH names the PD too: the AH must belong to it. */
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

/*
 * REG_MR: makes [iova, iova + mr_length) of the PD's address space usable
 * by the device, backed by page_num pages of 2^phys_page_size_shift bytes
 * each (the first holds iova rounded down to a page).  The page list (PBL)
 * of their guest physical addresses comes one of three ways:
 *   inline     no control buffer flag: up to four addresses in
 *              pbl.inline_pbl_array;
 *   direct     ctrl_data: pbl names one contiguous buffer of page_num
 *              8-byte addresses;
 *   indirect   ctrl_data and ctrl_data_indirect: pbl names the first of
 *              a chain of chunks (EFA_ADMIN_PBL_CHUNK_SIZE below), each listing
 *              4 KiB pieces of the page list and the next chunk.
 */
#define EFA_ADMIN_REG_MR_INLINE_PAGES	4
/* bytes of one page-list entry: a guest physical address */
#define EFA_ADMIN_PBL_ENTRY_SIZE	8

struct efa_admin_reg_mr_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	__le16 pd;
	__le16 reserved16_w1;
	union {
		/* up to four page addresses fit in the command itself */
		__le64 inline_pbl_array[EFA_ADMIN_REG_MR_INLINE_PAGES];
		/* the page list, or its first chunk, in guest memory */
		struct efa_admin_ctrl_buff_info pbl;
	} pbl;
	/* bytes the region covers, from iova */
	__le64 mr_length;
	/*
	 * [4:0] phys_page_size_shift: log2 of the page size of the list
	 * (a size page_size_cap of DEVICE_ATTR offers);
	 * [7] mem_addr_phy_mode_en: no translation, iova is the physical
	 * address (privileged; this model refuses it)
	 */
	__u8 flags;
	/*
	 * [0] local_write: the device may write the region for local work
	 * (receive buffers, RDMA read targets); [1] remote_write: peers may
	 * RDMA-write it; [2] remote_read: peers may RDMA-read it
	 */
	__u8 permissions;
	__le16 reserved16_w5;
	/*
	 * entries of the page list: the pages [iova, iova + mr_length) spans;
	 * redundant, and 0 (let the device count) from Linux's driver
	 */
	__le32 page_num;
	/* the address work requests name the region's first byte by */
	__le64 iova;
};
EFA_HW_SIZE_CHECK(efa_admin_reg_mr_cmd, 64);

/*
 * One chunk of an indirect page list, at most 4 KiB: (length - 12) / 8
 * addresses of 4 KiB pieces of the page list (each holding 512 page
 * addresses, the last piece fewer), then where the next chunk is.  The chain
 * ends when page_num addresses have been found.
 */
#define EFA_ADMIN_PBL_CHUNK_SIZE	4096
#define EFA_ADMIN_PBL_PIECE_SIZE	4096

struct efa_admin_reg_mr_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	/* key local work requests name the region by */
	__le32 l_key;
	/* key peers name the region by in RDMA requests */
	__le32 r_key;
	/* [0] recv_ic_id [1] rdma_read_ic_id [2] rdma_recv_ic_id valid */
	__u8 validity;
	/* interconnect the device reaches the region over, per use */
	__u8 recv_ic_id;
	__u8 rdma_read_ic_id;
	__u8 rdma_recv_ic_id;
};
EFA_HW_SIZE_CHECK(efa_admin_reg_mr_resp, 20);

struct efa_admin_dereg_mr_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	/* l_key REG_MR returned */
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

/*
 * CREATE_CQ: num_sub_cqs rings of cq_depth entries each, back to back at
 * cq_ba.  cq_caps_1: interrupt_mode_enabled: completions raise an event
 * on EQ eqn when the CQ is armed (else the CQ is polled, eqn 0); virt:
 * cq_ba is an IOVA inside the MR l_key names.  cq_caps_2:
 * cq_entry_size_words: 4 (16-byte entries) or 8 (32-byte, room for a
 * source address); set_src_addr: receive completions from a sender with no
 * AH on this side carry its address (needs 8-word entries).
 */
struct efa_admin_create_cq_cmd {
	struct efa_admin_aq_common_desc aq_common_desc;
	/* [5] interrupt_mode_enabled [6] virt; others MBZ */
	__u8 cq_caps_1;
	/* [4:0] cq_entry_size_words [5] set_src_addr; others MBZ */
	__u8 cq_caps_2;
	/* entries per sub-CQ, a power of two up to max_cq_depth */
	__le16 cq_depth;
	/* EQ of the CQ's events, in interrupt mode */
	__le16 eqn;
	__le16 reserved;
	/* the rings: guest physical, or an IOVA with virt */
	struct efa_common_mem_addr cq_ba;
	/* MR holding the rings, read only with virt */
	__le32 l_key;
	/* sub_cqs_per_cq of QUEUE_ATTR_1, exactly */
	__le16 num_sub_cqs;
	/* UAR of the process the CQ belongs to */
	__le16 uar;
};
EFA_HW_SIZE_CHECK(efa_admin_create_cq_cmd, 28);

struct efa_admin_create_cq_resp {
	struct efa_admin_acq_common_desc acq_common_desc;
	/* names the CQ in CREATE_QP and DESTROY_CQ, and in EQ events */
	__le16 cq_idx;
	/* entries per sub-CQ the device gave */
	__le16 cq_actual_depth;
	/* offset in the doorbell BAR of the CQ doorbell, if db_valid */
	__le32 db_offset;
	/* [0] db_valid: the CQ has a doorbell (always with interrupts) */
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

/*
 * GET_STATS: one group of counters (type), of the whole device (scope ALL)
 * or of one QP (scope QUEUE, scope_modifier its qp_handle).
 */
struct efa_admin_aq_get_stats_cmd {
	struct efa_admin_aq_common_desc aq_common_descriptor;
	union {
		__le32 inline_data_w1[3];
		struct efa_admin_ctrl_buff_info control_buffer;
	} u;
	/* enum efa_admin_get_stats_type */
	__u8 type;
	/* enum efa_admin_get_stats_scope */
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
