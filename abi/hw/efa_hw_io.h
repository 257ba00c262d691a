/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * EFA data-path formats: the send queue's work queue entries (TX WQEs),
 * which user space writes into the LLQ (the memory BAR, write-combined),
 * the receive queue's descriptors (RX descriptors, in host memory), the
 * completion queue entries the device writes to host memory (CQEs), and the
 * doorbells of the doorbell BAR.  Every multi-byte field is little-endian.
 *
 * A TX WQE is a 32-byte meta descriptor followed by its data: two buffer
 * descriptors, or inline bytes, or an RDMA request; 64 bytes in all, or 128
 * on devices with a larger inline buffer (inline_buf_size_ex), where the
 * data part holds 80 inline bytes.  A queue uses one size for all its WQEs.
 */
#ifndef EFA_HW_IO_H
#define EFA_HW_IO_H

#include "efa_hw_types.h"

#define EFA_IO_TX_DESC_NUM_BUFS			2
#define EFA_IO_TX_DESC_NUM_RDMA_BUFS		1
#define EFA_IO_TX_DESC_INLINE_MAX_SIZE		32
#define EFA_IO_TX_DESC_INLINE_MAX_SIZE_128	80
#define EFA_IO_TX_DESC_IMM_DATA_SIZE		4

/* The two sizes of a TX WQE. */
#define EFA_IO_TX_WQE_SIZE			64
#define EFA_IO_TX_WQE_128_SIZE			128

/* Which queue of a QP a completion is for. */
enum efa_io_queue_type {
	EFA_IO_SEND_QUEUE			= 1,
	EFA_IO_RECV_QUEUE			= 2,
};

enum efa_io_send_op_type {
	EFA_IO_SEND				= 0,
	EFA_IO_RDMA_READ			= 1,
	EFA_IO_RDMA_WRITE			= 2,
};

/* The status of a completion; 0 is success, the rest name who failed. */
enum efa_io_comp_status {
	EFA_IO_COMP_STATUS_OK					= 0,
	/* the QP was destroyed or moved to error with the WQE outstanding */
	EFA_IO_COMP_STATUS_FLUSHED				= 1,
	EFA_IO_COMP_STATUS_LOCAL_ERROR_QP_INTERNAL_ERROR	= 2,
	/* an operation the QP or device does not do */
	EFA_IO_COMP_STATUS_LOCAL_ERROR_UNSUPPORTED_OP		= 3,
	EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_AH		= 4,
	/* an lkey not registered, or a range outside its MR */
	EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_LKEY		= 5,
	/* message longer than the MTU or max_rdma_size */
	EFA_IO_COMP_STATUS_LOCAL_ERROR_BAD_LENGTH		= 6,
	/* the responder refused the rkey, range or access */
	EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_ADDRESS		= 7,
	EFA_IO_COMP_STATUS_REMOTE_ERROR_ABORT			= 8,
	/* no such QP at the responder, or it is in error */
	EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_DEST_QPN		= 9,
	/* no receive posted at the responder, retries exhausted */
	EFA_IO_COMP_STATUS_REMOTE_ERROR_RNR			= 10,
	/* the receive buffer is shorter than the message */
	EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_LENGTH		= 11,
	EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_STATUS		= 12,
	/* the peer stopped answering (detected here) */
	EFA_IO_COMP_STATUS_LOCAL_ERROR_UNRESP_REMOTE		= 13,
	/* the responder does not know this requester */
	EFA_IO_COMP_STATUS_REMOTE_ERROR_UNKNOWN_PEER		= 14,
	/* the peer never answered (detected here) */
	EFA_IO_COMP_STATUS_LOCAL_ERROR_UNREACH_REMOTE		= 15,
	EFA_IO_COMP_STATUS_REMOTE_ERROR_FEATURE_MISMATCH	= 18,
};

enum efa_io_processing_hint {
	/* the sender cares for packet rate over latency */
	EFA_IO_PROCESSING_HINT_BURST_PPS_SENSITIVE = 1 << 0,
};

/* Bits 16..63 of a 64-bit request id, in three 16-bit words. */
struct efa_io_req_id_ex {
	__le16 w[3];
};
EFA_HW_SIZE_CHECK(efa_io_req_id_ex, 6);

/* ---- send queue ------------------------------------------------------- */

struct efa_io_tx_meta_desc {
	/* the request id the completion returns (bits 0..15 of it) */
	__le16 req_id;
	/*
	 * [3:0] op_type: enum efa_io_send_op_type
	 * [4] has_imm: immediate_data travels with the message
	 * [5] inline_msg: the data part holds the message itself (length
	 *     bytes), not buffer descriptors
	 * [6] meta_extension: must be zero
	 * [7] meta_desc: must be one (this is a meta descriptor)
	 */
	__u8 ctrl1;
	/*
	 * [0] phase: the WQE is valid when it equals the queue's current
	 *     phase, which starts at 0 and flips each time the producer wraps
	 * [1] reserved, must be zero
	 * [2] first, [3] last: both set (one descriptor per WQE)
	 * [4] comp_req: write a completion when the WQE is done
	 * [7:5] reserved, must be zero
	 */
	__u8 ctrl2;
	/* the destination QP number (SEND; UD and SRD) */
	__le16 dest_qp_num;
	/* inline_msg: message bytes; else the number of buffer descriptors */
	__le16 length;
	/* with has_imm: the 32-bit immediate the receiver's completion gets */
	__le32 immediate_data;
	/* the address handle of the destination, from CREATE_AH */
	__le16 ah;
	/* [1:0] processing_hints: enum efa_io_processing_hint */
	__u8 ctrl3;
	__u8 reserved;
	/* must match the destination QP's qkey */
	__le32 qkey;
	__u8 reserved2[6];
	/* bits 16..63 of the request id, on QPs with 64-bit request ids */
	struct efa_io_req_id_ex req_id_ex;
};
EFA_HW_SIZE_CHECK(efa_io_tx_meta_desc, 32);

/* A local buffer: length bytes at buf_addr, a virtual address in MR lkey. */
struct efa_io_tx_buf_desc {
	__le32 length;
	/* [23:0] lkey [31:24] reserved */
	__le32 lkey;
	__le32 buf_addr_lo;
	__le32 buf_addr_hi;
};
EFA_HW_SIZE_CHECK(efa_io_tx_buf_desc, 16);

/* A remote buffer of an RDMA read or write: rkey names the remote MR. */
struct efa_io_remote_mem_addr {
	__le32 length;
	__le32 rkey;
	__le32 buf_addr_lo;
	__le32 buf_addr_hi;
};
EFA_HW_SIZE_CHECK(efa_io_remote_mem_addr, 16);

struct efa_io_rdma_req {
	struct efa_io_remote_mem_addr remote_mem;
	struct efa_io_tx_buf_desc local_mem[EFA_IO_TX_DESC_NUM_RDMA_BUFS];
};
EFA_HW_SIZE_CHECK(efa_io_rdma_req, 32);

/* The RDMA request of a 128-byte WQE: an RDMA write may carry its data inline. */
struct efa_io_rdma_req_128 {
	struct efa_io_remote_mem_addr remote_mem;
	union {
		struct efa_io_tx_buf_desc local_mem[EFA_IO_TX_DESC_NUM_RDMA_BUFS];
		__u8 inline_data[EFA_IO_TX_DESC_INLINE_MAX_SIZE_128];
	};
};
EFA_HW_SIZE_CHECK(efa_io_rdma_req_128, 96);

struct efa_io_tx_wqe {
	struct efa_io_tx_meta_desc meta;
	union {
		struct efa_io_tx_buf_desc sgl[EFA_IO_TX_DESC_NUM_BUFS];
		__u8 inline_data[EFA_IO_TX_DESC_INLINE_MAX_SIZE];
		struct efa_io_rdma_req rdma_req;
	} data;
};
EFA_HW_SIZE_CHECK(efa_io_tx_wqe, EFA_IO_TX_WQE_SIZE);

struct efa_io_tx_wqe_128 {
	struct efa_io_tx_meta_desc meta;
	union {
		struct efa_io_tx_buf_desc sgl[EFA_IO_TX_DESC_NUM_BUFS];
		__u8 inline_data[EFA_IO_TX_DESC_INLINE_MAX_SIZE_128];
		struct efa_io_rdma_req_128 rdma_req;
	} data;
};
EFA_HW_SIZE_CHECK(efa_io_tx_wqe_128, EFA_IO_TX_WQE_128_SIZE);

#define EFA_IO_TX_META_DESC_OP_TYPE_MASK		0x0fu
#define EFA_IO_TX_META_DESC_HAS_IMM_MASK		0x10u
#define EFA_IO_TX_META_DESC_INLINE_MSG_MASK		0x20u
#define EFA_IO_TX_META_DESC_META_EXTENSION_MASK		0x40u
#define EFA_IO_TX_META_DESC_META_DESC_MASK		0x80u
#define EFA_IO_TX_META_DESC_PHASE_MASK			0x01u
#define EFA_IO_TX_META_DESC_FIRST_MASK			0x04u
#define EFA_IO_TX_META_DESC_LAST_MASK			0x08u
#define EFA_IO_TX_META_DESC_COMP_REQ_MASK		0x10u
#define EFA_IO_TX_META_DESC_PROCESSING_HINTS_MASK	0x03u
#define EFA_IO_TX_BUF_DESC_LKEY_MASK			0x00ffffffu

/* ---- receive queue ---------------------------------------------------- */

/*
 * One receive buffer: length bytes at buf_addr in MR lkey.  A receive work
 * request of n buffers is n descriptors, the first with first set, the last
 * with last set; req_id is the request id its completion returns.
 */
struct efa_io_rx_desc {
	__le32 buf_addr_lo;
	__le32 buf_addr_hi;
	__le16 req_id;
	__le16 length;
	/* [23:0] lkey [29:24] reserved [30] first [31] last */
	__le32 lkey_ctrl;
};
EFA_HW_SIZE_CHECK(efa_io_rx_desc, 16);

#define EFA_IO_RX_DESC_LKEY_MASK			0x00ffffffu
#define EFA_IO_RX_DESC_FIRST_MASK			0x40000000u
#define EFA_IO_RX_DESC_LAST_MASK			0x80000000u

/* ---- completion queue ------------------------------------------------- */

struct efa_io_cdesc_common {
	/* the request id of the completed WQE or receive (bits 0..15) */
	__le16 req_id;
	/* enum efa_io_comp_status */
	__u8 status;
	/*
	 * [0] phase: the entry is new when it equals the CQ's current phase,
	 *     which starts at 1 and flips each time the device wraps
	 * [2:1] q_type: enum efa_io_queue_type
	 * [3] has_imm: the sender's immediate is in imm (receive only)
	 * [6:4] op_type: enum efa_io_send_op_type
	 * [7] unsolicited: an RDMA write with immediate that consumed no
	 *     posted receive (receive only)
	 */
	__u8 flags;
	/* the local QP number */
	__le16 qp_num;
};
EFA_HW_SIZE_CHECK(efa_io_cdesc_common, 6);

struct efa_io_tx_cdesc {
	struct efa_io_cdesc_common common;
	/* bits 16..63 of the request id, on QPs with 64-bit request ids */
	struct efa_io_req_id_ex req_id_ex;
	__u8 reserved[4];
};
EFA_HW_SIZE_CHECK(efa_io_tx_cdesc, 16);

struct efa_io_rx_cdesc {
	struct efa_io_cdesc_common common;
	/* bytes received (bits 0..15; see length_hi) */
	__le16 length;
	/* the sender's address handle here, 0xffff if there is none */
	__le16 ah;
	__le16 src_qp_num;
	__le32 imm;
};
EFA_HW_SIZE_CHECK(efa_io_rx_cdesc, 16);

struct efa_io_rx_cdesc_rdma_write {
	/* bits 16..31 of the length of an RDMA write with immediate */
	__le16 length_hi;
};
EFA_HW_SIZE_CHECK(efa_io_rx_cdesc_rdma_write, 2);

/* The 32-byte receive completion of CQs with 8-word entries. */
struct efa_io_rx_cdesc_ex {
	struct efa_io_rx_cdesc base;
	union {
		struct efa_io_rx_cdesc_rdma_write rdma_write;
		/*
		 * the sender's network address, when it has no address handle
		 * here (ah 0xffff) and the CQ was created with set_src_addr
		 */
		__u8 src_addr[16];
	} u;
};
EFA_HW_SIZE_CHECK(efa_io_rx_cdesc_ex, 32);

/* The address handle of a receive completion from an unknown sender. */
#define EFA_IO_RX_CDESC_NO_AH				0xffff

#define EFA_IO_CDESC_COMMON_PHASE_MASK			0x01u
#define EFA_IO_CDESC_COMMON_Q_TYPE_MASK			0x06u
#define EFA_IO_CDESC_COMMON_HAS_IMM_MASK		0x08u
#define EFA_IO_CDESC_COMMON_OP_TYPE_MASK		0x70u
#define EFA_IO_CDESC_COMMON_UNSOLICITED_MASK		0x80u

/* ---- doorbells (in the doorbell BAR) ---------------------------------- */

/*
 * The SQ and RQ doorbells take the queue's 16-bit producer counter (WQEs or
 * descriptors posted so far); the device reads entries up to it.  The CQ
 * doorbell takes the consumer index and, to ask for an event, arm with the
 * CQ's command sequence number (which the host increments per arm).
 */
#define EFA_IO_REGS_CQ_DB_CONSUMER_INDEX_MASK		0x0000ffffu
#define EFA_IO_REGS_CQ_DB_CMD_SN_MASK			0x60000000u
#define EFA_IO_REGS_CQ_DB_ARM_MASK			0x80000000u

#endif /* EFA_HW_IO_H */
