/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A fake fabric for the data path: devices (fake hosts with an LLQ, a
 * bottom half, a data-path timer and a trace log) joined by a wire that
 * floods each frame to every other device, like a QEMU hub, through a
 * bounded queue that is delivered from the test's "main loop"
 * (fabric_run).  And a small driver + provider that sets up PDs, CQs, QPs,
 * MRs and AHs and writes WQEs, receive descriptors and polls CQEs the way
 * rdma-core's provider does, field by field with EFA_SET.
 */
#ifndef FAKE_FABRIC_H
#define FAKE_FABRIC_H

#include <stdbool.h>
#include <stdint.h>

#include "efa_hw_io.h"
#include "efa_wire.h"
#include "fake_host.h"

#define FAB_MAX_DEVS	3
#define FAB_WIRE_SLOTS	256

/* guest memory of the fake driver beyond fake_host.h's */
#define CQ_RINGS	(GUEST_BASE + 0x10000)	/* 64 KiB each, 8 of them */
#define CQ_RING_SIZE	0x10000
#define RQ_RINGS	(GUEST_BASE + 0xa0000)	/* 32 KiB each, 8 of them */
#define RQ_RING_SIZE	0x8000
#define DP_PBL_ADDR	(GUEST_BASE + 0xf0000)
#define DATA_ADDR	(GUEST_BASE + 0x100000)	/* the data MR's pages */
#define DATA_PAGES	1536			/* 6 MiB */
#define DATA_IOVA	0x7f0000000000ull

struct fabric;

struct dp_dev {
	struct fake_host *h;
	struct fabric *fab;
	int index;
	struct efa_core_config cfg;
	uint8_t *llq;
	uint64_t llq_size;
	bool scheduled;
	bool timer_armed;
	bool wire_full;		/* our wire_send said no */
	unsigned int process_calls;
	unsigned int traces[EFA_TRACE_FRAME_DROP + 1];
	unsigned int drops[16];	/* by enum efa_wire_drop */
	/* frames handed to the wire during the last efa_core_process */
	unsigned int tx_in_call, max_tx_in_call;
	uint16_t pd, uar, eqn;
	uint32_t key;		/* the data MR's l_key = r_key */
	unsigned int cqs, qps;	/* rings handed out */
};

/* the frames on their way to one device (a hub port's queue) */
struct fab_port {
	struct {
		uint32_t len;
		uint8_t data[EFA_CORE_WIRE_MAX_FRAME];
	} *frames;
	unsigned int head, count;
};

struct fabric {
	struct dp_dev dev[FAB_MAX_DEVS];
	int ndev;
	struct fab_port port[FAB_MAX_DEVS];
	unsigned int wire_capacity;	/* frames each port holds */
	bool drop_all;
	unsigned int dropped, delivered;
};

/* ndev devices of cfg (NULL: defaults, small), each ready with a PD, UAR,
 * EQ and the data MR */
struct fabric *fabric_new(int ndev, const struct efa_core_config *cfg);
void fabric_free(struct fabric *f);
/* device reset, then the PD, UAR, EQ and data MR again (objects are gone) */
void dp_dev_reset(struct dp_dev *d);
/* Run bottom halves and deliver frames until nothing moves. */
void fabric_run(struct fabric *f);
/* n ticks of the data-path timer on every device that armed it, running
 * the fabric after each */
void fabric_ticks(struct fabric *f, unsigned int n);
/* the default test configuration: small tables, 2 sub-CQs */
void dp_config(struct efa_core_config *cfg);

/* where an IOVA of the data MR lives in the fake memory (pages swapped in pairs) */
uint8_t *dp_data(struct dp_dev *d, uint64_t iova);
void dp_fill(struct dp_dev *d, uint64_t iova, uint32_t len, uint8_t seed);
bool dp_check(struct dp_dev *d, uint64_t iova, uint32_t len, uint8_t seed);

struct dp_cq {
	struct dp_dev *d;
	uint16_t cqn;
	uint64_t ring;
	uint16_t depth;		/* per sub-CQ */
	uint8_t entry_size;
	uint16_t subs;
	uint32_t cc[8];
	uint32_t total;
	uint16_t next;
	uint32_t db;		/* doorbell offset in BAR4 */
	uint64_t virt;		/* the ring's IOVA in the data MR, if virtual */
};

struct dp_cq_args {
	uint16_t depth;
	uint8_t entry_size;
	bool interrupts;
	bool src_addr;
	uint64_t virt;		/* nonzero: the ring at this IOVA of the data MR */
};
int dp_cq_create(struct dp_dev *d, const struct dp_cq_args *a, struct dp_cq *cq);
/* the next CQE (entry_size bytes into out); false if none */
bool dp_poll(struct dp_cq *cq, uint8_t *out);
void dp_cq_arm(struct dp_cq *cq, uint8_t cmd_sn);

struct dp_qp {
	struct dp_dev *d;
	uint32_t qpn;
	uint8_t type;
	struct dp_cq *scq, *rcq;
	uint16_t send_sub, recv_sub;
	uint32_t depth;		/* SQ */
	uint16_t wqe_size;
	uint32_t sq_pc;
	uint32_t rq_entries;
	uint32_t rq_pc;
	uint64_t rq_ring;
	uint32_t qkey;
};

struct dp_qp_args {
	uint8_t type;		/* EFA_ADMIN_QP_TYPE_* */
	uint32_t sq_depth, rq_entries;
	uint16_t wqe_size;
	uint32_t qkey;
	uint8_t rnr_retry;
	bool unsolicited;
};
/* create and move to RTS */
int dp_qp_create(struct dp_dev *d, const struct dp_qp_args *a, struct dp_cq *scq,
		 struct dp_cq *rcq, struct dp_qp *qp);
int dp_qp_modify(struct dp_qp *qp, uint32_t state);
/* through RESET, INIT, RTR to RTS, its rings from the start */
int dp_qp_to_rts(struct dp_qp *qp, uint8_t rnr_retry);
int dp_qp_destroy(struct dp_qp *qp);
/* an AH on d for other's address */
uint16_t dp_ah(struct dp_dev *d, const struct dp_dev *other);
int dp_reg_mr(struct dp_dev *d, uint64_t iova, uint32_t pages, uint8_t perms, uint32_t *key,
	      uint64_t bad_page);

struct dp_sge {
	uint64_t addr;
	uint32_t length;
	uint32_t lkey;
};

struct dp_wqe {
	uint8_t op;		/* enum efa_io_send_op_type */
	bool imm;
	uint32_t imm_data;
	const void *inline_data;
	uint16_t inline_len;
	struct dp_sge sge[2];
	int nsge;
	uint16_t ah;
	uint16_t dest_qpn;
	uint32_t qkey;
	uint64_t req_id;
	uint32_t rkey;
	uint64_t raddr;
	uint32_t rlen;
	/* raw overrides, for bad WQEs */
	bool wrong_phase;
	uint8_t ctrl1_xor, ctrl2_xor;
	uint16_t length_override;
	bool use_length_override;
};
/* write one WQE at the SQ's producer (not rung) */
void dp_post_send(struct dp_qp *qp, const struct dp_wqe *w);
void dp_ring_sq(struct dp_qp *qp);
/* one receive of n buffers (not rung) */
void dp_post_recv(struct dp_qp *qp, uint16_t req_id, const struct dp_sge *sge, int n);
void dp_ring_rq(struct dp_qp *qp);

/* CQE fields */
static inline uint8_t cqe_status(const uint8_t *e) { return e[2]; }
static inline uint8_t cqe_flags(const uint8_t *e) { return e[3]; }

#endif /* FAKE_FABRIC_H */
