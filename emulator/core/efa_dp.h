/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The data path of the device model, shared by its files:
 *	efa_dp.c	entry points, frame queues, the bounded work loop,
 *			loopback, the data-path timer, statistics
 *	efa_dp_sq.c	send queue: WQEs from the LLQ, parsed and checked
 *	efa_dp_rq.c	receive queue: descriptors grouped into receives
 *	efa_dp_mem.c	lkey/rkey translation through MR page lists, DMA
 *	efa_dp_cq.c	CQEs, sub-CQs, phase, arm -> EQE + MSI-X
 *	efa_srd.c	transport: per-peer channels, SRD requests and
 *			answers, RNR retry, timeouts, RDMA segmentation; UD
 *	efa_wire.c	the frame format (efa_wire.h)
 * All state is allocated when the device or a QP is created; the hot path
 * allocates nothing.
 */
#ifndef EFA_DP_H
#define EFA_DP_H

#include <stdbool.h>
#include <stdint.h>

#include "efa_core.h"
#include "efa_hw_io.h"
#include "efa_wire.h"

struct efa_core;
struct efa_queue_ring;

/* Work units (WQEs fetched, packets built, frames handled) per process call. */
#define EFA_DP_BUDGET		64
/* Frames waiting for the wire, and received frames waiting to be handled. */
#define EFA_DP_TXQ_FRAMES	64
#define EFA_DP_RXQ_FRAMES	64
/* TX queue slots only answers (SRD_RESP) may take, so answers never wait
 * behind requests that wait for answers */
#define EFA_DP_TXQ_ANSWER_RESERVE 8
/* Peers (remote devices, and this one) with a channel at once. */
#define EFA_DP_MAX_PEERS	128
/* Multi-packet RDMA writes a responder tracks per peer at once. */
#define EFA_DP_INBOUND		32
/* RDMA reads a responder streams out at once (device-wide). */
#define EFA_DP_READ_STREAMS	64
/* Buffers of one receive (the device announces max_wr_recv_sges <= this). */
#define EFA_DP_MAX_RECV_SGE	8
/* Resends after a refusal wait rnr_retry_ms << min(attempt, this). */
#define EFA_DP_BACKOFF_MAX_SHIFT 6
/* The data-path timer's tick: timeouts and retry intervals count these. */
#define EFA_DP_TICK_NS		1000000ull
/* Payload bytes one frame carries. */
#define EFA_DP_MAX_PAYLOAD	(EFA_CORE_WIRE_MAX_FRAME - EFA_WIRE_HEADERS)

/* Counters of GET_STATS, for the device and each QP. */
struct efa_dp_stats {
	uint64_t tx_bytes, tx_pkts, rx_bytes, rx_pkts, rx_drops;
	uint64_t send_bytes, send_wrs, recv_bytes, recv_wrs;
	uint64_t read_wrs, read_bytes, read_wr_err, read_resp_bytes;
	uint64_t write_wrs, write_bytes, write_wr_err, write_recv_bytes;
	uint64_t retrans_bytes, retrans_pkts, retrans_timeout_events;
	uint64_t unresponsive_remote_events, impaired_remote_conn_events;
};

struct efa_frame {
	uint32_t len;
	uint8_t data[EFA_CORE_WIRE_MAX_FRAME];
};

/* A FIFO of frames, its storage allocated with the device. */
struct efa_frame_queue {
	struct efa_frame *frames;
	uint32_t size, head, count;
};

/* A local buffer: length bytes at addr (an IOVA of MR lkey). */
struct efa_sge {
	uint64_t addr;
	uint32_t length;
	uint32_t lkey;
};

/* One receive: the descriptors from first to last. */
struct efa_recv {
	uint16_t req_id;
	uint16_t ndesc;		/* ring entries it spans */
	uint8_t nsge;
	uint64_t capacity;	/* bytes of all its buffers */
	struct efa_sge sge[EFA_DP_MAX_RECV_SGE];
};

enum efa_msg_state {
	EFA_MSG_FREE,
	EFA_MSG_TX,		/* packets left to send */
	EFA_MSG_WAIT,		/* all sent: waiting for the answer */
	EFA_MSG_BACKOFF,	/* refused for now (RNR, busy): resend later */
};

/*
 * A work request the SQ handed to the transport: the WQE parsed and
 * checked, copied out of the LLQ (whose slot the provider may reuse as
 * soon as the count of outstanding WQEs allows).  SRD completes them in
 * any order, so they come from a free list, not from ring slots.
 */
struct efa_msg {
	struct efa_msg *next;		/* free list / QP's TX FIFO */
	struct efa_msg *t_prev, *t_next;	/* the device's timed list */
	uint8_t state;			/* enum efa_msg_state */
	uint8_t op;			/* enum efa_io_send_op_type */
	bool has_imm, is_inline, comp_req, timed;
	uint8_t attempt;
	/* RNR retries left; EFA_DP_RNR_FOREVER never runs out */
	uint8_t rnr_left;
	uint8_t nsge;
	uint16_t index;			/* in the QP's pool: the cookie */
	uint16_t qpn;
	uint16_t peer;
	uint16_t dest_qpn;
	uint32_t qkey;
	uint32_t imm;
	uint32_t msg_id;
	uint32_t len;			/* message bytes */
	uint32_t sent;			/* bytes sent in this attempt */
	uint32_t got;			/* RDMA read: bytes back */
	uint64_t req_id;
	uint64_t raddr;
	uint32_t rkey;
	uint64_t deadline;		/* tick */
	struct efa_sge sge[EFA_IO_TX_DESC_NUM_BUFS];
	uint8_t inline_data[EFA_IO_TX_DESC_INLINE_MAX_SIZE_128];
};

#define EFA_DP_RNR_FOREVER	0xff

/* Per-QP data-path state, allocated by CREATE_QP, freed by DESTROY_QP. */
struct efa_qp_dp {
	struct efa_msg *msgs;		/* sq depth of them */
	struct efa_msg *free;
	struct efa_msg *tx_head, *tx_tail;
	uint32_t sq_cons;		/* WQEs fetched so far */
	uint32_t rq_cons;		/* RX descriptors consumed so far */
	uint16_t wqe_size;		/* 64 or 128 */
	uint32_t rq_entries;		/* RX ring entries */
	uint32_t outstanding;		/* messages taken from the pool */
	bool active;			/* on the device's run list */
	struct efa_dp_stats stats;
};

/* A multi-packet RDMA write a responder is receiving. */
struct efa_inbound {
	bool used;
	bool has_recv;			/* write with imm: the receive it took */
	uint8_t attempt;
	uint8_t status;			/* refused with this, or OK */
	uint16_t qpn;
	uint32_t msg_id;
	uint32_t got, total;
	uint64_t tick;			/* last packet */
	struct efa_recv recv;
};

/* The channel to one peer device (possibly this one). */
struct efa_peer {
	bool used;
	bool heard;			/* a frame from it arrived */
	uint8_t addr[16];
	uint32_t epoch;			/* its incarnation, once heard */
	uint32_t next_msg_id;
	uint32_t next_pkt_id;
	uint32_t refs;			/* messages naming it */
	uint64_t last_tick;
	/* the AH of this address in one PD, cached until AHs change */
	uint32_t ah_gen;
	uint16_t ah_pd, ah;
	struct efa_inbound in[EFA_DP_INBOUND];
};

/* An RDMA read a responder answers, packet by packet. */
struct efa_read_stream {
	struct efa_read_stream *next;
	bool used;
	uint8_t attempt;
	uint16_t peer;
	uint16_t pd;
	uint16_t req_qpn, resp_qpn;
	uint32_t msg_id, cookie;
	uint32_t rkey;
	uint64_t raddr;
	uint32_t len, sent;
};

struct efa_dp {
	struct efa_frame_queue txq, rxq;
	bool wire_blocked;		/* wire_send said full */
	bool scheduled;
	/* QPs with work, round robin */
	uint16_t *run;
	uint32_t run_head, run_count;
	struct efa_peer *peers;
	struct efa_read_stream *streams;
	struct efa_read_stream *stream_head, *stream_tail;
	/* messages waiting for an answer or a resend, with a deadline */
	struct efa_msg *timed;
	uint64_t tick;
	uint64_t scanned_tick;
	bool timer_armed;
	uint32_t ah_gen;
	uint32_t epoch;			/* this device's incarnation */
	bool epoch_drawn;
	struct efa_dp_stats stats;
	/* the answer a received request asked for, sent once its slot is free */
	bool answer_pending;
	struct efa_wire_hdr answer;
	/* the last channel looked up */
	uint16_t last_peer;
	/* the QP being worked for, to name in DMA failure traces */
	uint16_t cur_qpn;
	/* scratch: one packet's payload being built */
	uint8_t payload[EFA_CORE_WIRE_MAX_FRAME];
};

/* efa_dp.c */
int efa_dp_init(struct efa_core *core);
void efa_dp_free(struct efa_core *core);
void efa_dp_reset(struct efa_core *core);
void efa_dp_schedule(struct efa_core *core);
void efa_dp_trace(struct efa_core *core, enum efa_core_trace ev, uint32_t qn,
		  uint32_t a, uint64_t b);
/* put QP qpn on the run list */
void efa_dp_qp_kick(struct efa_core *core, uint32_t qpn);
/* A frame to send: to the TX queue, or to the RX queue if it is ours. */
bool efa_dp_can_send(struct efa_core *core, const uint8_t dst[16], bool answer);
void efa_dp_send(struct efa_core *core, const struct efa_wire_hdr *hdr,
		 const void *payload, struct efa_dp_stats *qstats);
void efa_dp_timed_add(struct efa_core *core, struct efa_msg *m, uint64_t ticks);
void efa_dp_timed_del(struct efa_core *core, struct efa_msg *m);
void efa_dp_fill_stats(uint8_t type, const struct efa_dp_stats *s,
		       struct efa_admin_acq_get_stats_resp *r);
struct efa_dp_stats *efa_dp_qp_stats(struct efa_core *core, uint32_t qpn);

/* efa_dp_mem.c: statuses are enum efa_io_comp_status */
struct efa_mr;
/* The live MR of key in PD pd (pd < 0: any) covering [iova, +len) with perms. */
const struct efa_mr *efa_mr_lookup(struct efa_core *core, uint32_t key, int32_t pd,
				   uint64_t iova, uint64_t len, uint8_t perms);
/* DMA between buf and an MR's range; -1 (traced) if a page is unreachable */
int efa_mr_read(struct efa_core *core, const struct efa_mr *mr, uint64_t iova,
		void *buf, size_t len);
int efa_mr_write(struct efa_core *core, const struct efa_mr *mr, uint64_t iova,
		 const void *buf, size_t len);
/*
 * Copy len bytes between buf and a scatter list, from offset bytes into the
 * list, each piece through its MR in PD pd (to_guest: with local write).
 * LOCAL_ERROR_BAD_LENGTH if the list ends first.
 */
uint8_t efa_sgl_copy(struct efa_core *core, int32_t pd, const struct efa_sge *sge,
		     unsigned int nsge, uint64_t offset, void *buf, size_t len,
		     bool to_guest);
int efa_dma_read(struct efa_core *core, uint64_t addr, void *buf, size_t len);
int efa_dma_write(struct efa_core *core, uint64_t addr, const void *buf, size_t len);
/* Guest access to a device ring (guest physical or by IOVA in its MR). */
int efa_ring_write(struct efa_core *core, const struct efa_queue_ring *ring,
		   uint64_t off, const void *buf, size_t len);
int efa_ring_read(struct efa_core *core, const struct efa_queue_ring *ring,
		  uint64_t off, void *buf, size_t len);

/* efa_dp_cq.c */
struct efa_cqe_info {
	uint8_t q_type;			/* enum efa_io_queue_type */
	uint8_t status;
	uint8_t op;			/* enum efa_io_send_op_type */
	bool has_imm, unsolicited;
	uint16_t qpn;
	uint64_t req_id;
	uint32_t length;
	uint16_t ah, src_qpn;
	uint32_t imm;
	const uint8_t *src_addr;	/* sender's address (RX only) */
};
void efa_cq_post(struct efa_core *core, uint16_t cqn, uint16_t sub_cq,
		 const struct efa_cqe_info *info);
void efa_cq_doorbell(struct efa_core *core, uint32_t cqn, uint32_t val);

/* efa_dp_sq.c */
void efa_sq_doorbell(struct efa_core *core, uint32_t qpn, uint32_t val);
/* fetch and hand to the transport one WQE; false if there is none */
bool efa_sq_fetch_one(struct efa_core *core, uint32_t qpn);
bool efa_sq_has_work(const struct efa_core *core, uint32_t qpn);
void efa_sq_complete(struct efa_core *core, uint32_t qpn, struct efa_msg *m,
		     uint8_t status);

/* efa_dp_rq.c */
void efa_rq_doorbell(struct efa_core *core, uint32_t qpn, uint32_t val);
/*
 * The next receive of QP qpn, not yet taken: 1 one is there, 0 none, or
 * the receive was malformed (completed with an error and skipped; tried
 * again).
 */
int efa_rq_peek(struct efa_core *core, uint32_t qpn, struct efa_recv *r);
void efa_rq_take(struct efa_core *core, uint32_t qpn, const struct efa_recv *r);
/* Scatter len bytes into a receive at offset; an efa_io_comp_status. */
uint8_t efa_rq_scatter(struct efa_core *core, uint32_t qpn, const struct efa_recv *r,
		       uint64_t offset, const void *buf, size_t len);

/* efa_srd.c */
void efa_srd_reset(struct efa_core *core);
/* the channel to addr, made if need be; -1 if every channel is busy */
int efa_srd_peer_get(struct efa_core *core, const uint8_t addr[16]);
/* a message the SQ parsed: start it (or complete it, UD) */
void efa_srd_start(struct efa_core *core, uint32_t qpn, struct efa_msg *m);
/* build and send the next packet of the QP's first message; false if none */
bool efa_srd_tx_one(struct efa_core *core, uint32_t qpn);
bool efa_srd_streams_tx(struct efa_core *core, unsigned int *budget);
void efa_srd_receive(struct efa_core *core, const struct efa_wire_hdr *hdr,
		     const uint8_t *payload);
void efa_srd_expire(struct efa_core *core, struct efa_msg *m);
/* the QP is going away or to error: its messages end (flushed or silently) */
void efa_srd_qp_stop(struct efa_core *core, uint32_t qpn, bool flush);

/* QP lifecycle hooks of the admin commands */
int efa_dp_qp_create(struct efa_core *core, uint32_t qpn);
void efa_dp_qp_destroy(struct efa_core *core, uint32_t qpn);
void efa_dp_qp_state(struct efa_core *core, uint32_t qpn, uint8_t old_state);
void efa_dp_ah_changed(struct efa_core *core);

#endif /* EFA_DP_H */
