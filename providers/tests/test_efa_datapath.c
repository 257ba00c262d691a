// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The provider's data path on fake rings in host memory: WQEs posted by
 * ibv_post_send and the ibv_wr_* API, RX descriptors by ibv_post_recv, each
 * read back field by field with abi/hw's getters; hand-made CQEs polled by
 * ibv_poll_cq and the extended CQ.  The QP and CQ get their posting and
 * polling state from the provider's own init functions; only the rings and
 * doorbells, which the kernel would map, are plain memory here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "efa.h"

static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failures++;						\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	unsigned long long _a = (a), _b = (b);				\
	if (_a != _b) {							\
		fprintf(stderr, "%s:%d: %s == %#llx, expected %s == %#llx\n", \
			__FILE__, __LINE__, #a, _a, #b, _b);		\
		failures++;						\
	}								\
} while (0)

/* ---------------------------------------- a fake device */

struct fake {
	struct verbs_device vdev;
	struct efa_context *ctx;
	struct efa_cq *cq;
	struct efa_qp *qp;
	struct efa_ah ah;
	uint32_t sq_db, rq_db, cq_db;
	uint8_t *llq, *rq_ring, *cq_ring;
};

static struct efa_context *fake_context(struct fake *f, uint32_t device_caps,
					uint16_t sub_cqs)
{
	struct efa_context *ctx = calloc(1, sizeof(*ctx));

	snprintf(f->vdev.device.name, sizeof(f->vdev.device.name), "fake_efa");
	ctx->ibvctx.context.device = &f->vdev.device;
	ctx->ibvctx.context.abi_compat = __VERBS_ABI_IS_EXTENDED;
	ctx->caps.max_qp = 8;
	ctx->caps.sub_cqs_per_cq = sub_cqs;
	ctx->caps.device_caps = device_caps;
	ctx->caps.max_sge_rd = 1;
	if (efa_qp_table_init(ctx))
		abort();
	f->ctx = ctx;
	return ctx;
}

static struct efa_cq *fake_cq(struct fake *f, uint32_t entries,
			      uint64_t wc_flags, uint64_t efa_wc_flags)
{
	struct efa_context *ctx = f->ctx;
	uint16_t n = ctx->caps.sub_cqs_per_cq;
	struct efa_cq *cq = calloc(1, sizeof(*cq) + n * sizeof(cq->sub_cqs[0]));

	cq->verbs_cq.cq.context = &ctx->ibvctx.context;
	cq->num_sub_cqs = n;
	cq->entry_size = sizeof(struct efa_io_rx_cdesc_ex);
	cq->sub_cq_entries = entries;
	cq->verbs_cq.cq.cqe = entries;
	cq->ring_size = (size_t)n * entries * cq->entry_size;
	f->cq_ring = calloc(1, cq->ring_size);
	cq->ring = f->cq_ring;
	cq->db = &f->cq_db;
	efa_cq_init_data_path(ctx, cq, wc_flags, efa_wc_flags);
	f->cq = cq;
	return cq;
}

/*
 * A QP as efa_qp_create leaves it (sized and mapped, rings in plain
 * memory), in RTS; the send ops of the WR API when send_ops is non-zero.
 */
static struct efa_qp *fake_qp(struct fake *f, uint32_t qpn, uint32_t sq_entries,
			      uint32_t wqe_size, uint32_t max_batch,
			      uint32_t rq_descs, uint64_t send_ops,
			      uint32_t efa_flags)
{
	struct efa_context *ctx = f->ctx;
	struct efa_qp *qp = calloc(1, sizeof(*qp));
	struct ibv_qp_init_attr_ex attr = {
		.cap = { .max_send_wr = sq_entries, .max_recv_wr = rq_descs / 2,
			 .max_send_sge = 2, .max_recv_sge = 2,
			 .max_inline_data = wqe_size == 128 ? 80 : 32 },
		.comp_mask = IBV_QP_INIT_ATTR_PD |
			     (send_ops ? IBV_QP_INIT_ATTR_SEND_OPS_FLAGS : 0),
		.send_ops_flags = send_ops,
	};
	struct efadv_qp_init_attr efa = {
		.flags = efa_flags,
		.wr_flags = EFADV_WR_EX_WITH_PROCESSING_HINTS,
	};

	qp->verbs_qp.qp.context = &ctx->ibvctx.context;
	qp->verbs_qp.qp.qp_num = qpn;
	qp->verbs_qp.qp.state = IBV_QPS_RTS;
	qp->verbs_qp.qp.send_cq = &f->cq->verbs_cq.cq;
	qp->verbs_qp.qp.recv_cq = &f->cq->verbs_cq.cq;
	qp->sq.entries = sq_entries;
	qp->sq.entry_size = wqe_size;
	qp->sq.max_batch = max_batch;
	f->llq = calloc(sq_entries, wqe_size);
	qp->sq.ring = f->llq;
	qp->sq.db = &f->sq_db;
	qp->rq.entries = rq_descs;
	qp->rq.entry_size = sizeof(struct efa_io_rx_desc);
	f->rq_ring = calloc(rq_descs, sizeof(struct efa_io_rx_desc));
	qp->rq.ring = f->rq_ring;
	qp->rq.db = &f->rq_db;
	qp->max_send_sge = 2;
	qp->max_recv_sge = 2;
	qp->max_inline_data = attr.cap.max_inline_data;
	qp->sq_64_bit_req_id = ctx->caps.device_caps &
			       EFA_QUERY_DEVICE_CAPS_SQ_64_BIT_REQ_ID;
	if (efa_qp_init_data_path(ctx, qp, &attr, &efa))
		abort();
	/* the SQ completes to the first sub-CQ, the RQ to the last: both are polled */
	qp->rq.sub_cq_idx = ctx->caps.sub_cqs_per_cq - 1;
	efa_qp_table_set(ctx, qp, qp);
	f->qp = qp;
	f->ah.ahn = 0x1234;
	return qp;
}

static void fake_free(struct fake *f)
{
	if (f->qp) {
		efa_qp_table_set(f->ctx, f->qp, NULL);
		efa_qp_free_data_path(f->qp);
		free(f->qp);
	}
	if (f->cq) {
		pthread_spin_destroy(&f->cq->lock);
		free(f->cq);
	}
	efa_qp_table_free(f->ctx);
	free(f->ctx);
	free(f->llq);
	free(f->rq_ring);
	free(f->cq_ring);
	memset(f, 0, sizeof(*f));
}

static struct efa_io_tx_wqe_128 *wqe_at(struct fake *f, uint32_t i)
{
	return (struct efa_io_tx_wqe_128 *)(f->llq + (size_t)i * f->qp->sq.entry_size);
}

/* ---------------------------------------- hand-made CQEs */

static struct efa_io_rx_cdesc_ex *cqe_slot(struct fake *f, uint16_t sub,
					   uint32_t i)
{
	struct efa_cq *cq = f->cq;

	return (struct efa_io_rx_cdesc_ex *)(f->cq_ring +
		((size_t)sub * cq->sub_cq_entries + (i & (cq->sub_cq_entries - 1))) *
		cq->entry_size);
}

static void write_cqe(struct efa_io_cdesc_common *c, uint16_t req_id,
		      uint8_t status, enum efa_io_queue_type q,
		      enum efa_io_send_op_type op, uint16_t qpn, uint8_t phase)
{
	efa_hw_store(&c->req_id, req_id);
	c->status = status;
	c->flags = 0;
	EFA_SET(&c->flags, EFA_IO_CDESC_COMMON_Q_TYPE, q);
	EFA_SET(&c->flags, EFA_IO_CDESC_COMMON_OP_TYPE, op);
	efa_hw_store(&c->qp_num, qpn);
	EFA_SET(&c->flags, EFA_IO_CDESC_COMMON_PHASE, phase);
}

static void send_cqe(struct fake *f, uint32_t slot, uint16_t req_id,
		     uint8_t status, uint8_t phase)
{
	struct efa_io_rx_cdesc_ex *c = cqe_slot(f, 0, slot);

	memset(c, 0, sizeof(*c));
	write_cqe(&c->base.common, req_id, status, EFA_IO_SEND_QUEUE, EFA_IO_SEND,
		  f->qp->verbs_qp.qp.qp_num, phase);
}

/* ---------------------------------------- tests */

static void check_meta(struct efa_io_tx_meta_desc *m, enum efa_io_send_op_type op,
		       uint8_t phase)
{
	CHECK_EQ(EFA_GET(&m->ctrl1, EFA_IO_TX_META_DESC_META_DESC), 1);
	CHECK_EQ(EFA_GET(&m->ctrl1, EFA_IO_TX_META_DESC_META_EXTENSION), 0);
	CHECK_EQ(EFA_GET(&m->ctrl1, EFA_IO_TX_META_DESC_OP_TYPE), op);
	CHECK_EQ(EFA_GET(&m->ctrl2, EFA_IO_TX_META_DESC_PHASE), phase);
	CHECK_EQ(EFA_GET(&m->ctrl2, EFA_IO_TX_META_DESC_FIRST), 1);
	CHECK_EQ(EFA_GET(&m->ctrl2, EFA_IO_TX_META_DESC_LAST), 1);
	CHECK_EQ(EFA_GET(&m->ctrl2, EFA_IO_TX_META_DESC_COMP_REQ), 1);
	CHECK_EQ(m->ctrl2 & 0xe2, 0);	/* reserved bits */
}

static void check_buf(struct efa_io_tx_buf_desc *b, uint32_t lkey,
		      uint64_t addr, uint32_t len)
{
	CHECK_EQ(efa_hw_load(&b->length), len);
	CHECK_EQ(EFA_GET(&b->lkey, EFA_IO_TX_BUF_DESC_LKEY), lkey);
	CHECK_EQ(efa_hw_load(&b->buf_addr_lo), (uint32_t)addr);
	CHECK_EQ(efa_hw_load(&b->buf_addr_hi), addr >> 32);
}

/* ibv_post_send: SGL, inline and immediate sends, a full queue, the wrap. */
static void test_post_send(void)
{
	struct fake f = {};
	struct ibv_sge sge[2] = {
		{ .addr = 0x1122334455660000ull, .length = 100, .lkey = 0xabcdef },
		{ .addr = 0x7000, .length = 28, .lkey = 0x42 },
	};
	char payload[24] = "inline payload, 24 bytes";
	struct ibv_sge in_sge = { .addr = (uintptr_t)payload, .length = sizeof(payload) };
	struct ibv_send_wr wr[10], *bad = NULL;
	struct ibv_wc wc[8];
	int i, n;

	fake_context(&f, 0, 1);
	fake_cq(&f, 16, 0, 0);
	fake_qp(&f, 5, 8, 64, 3, 16, 0, 0);

	memset(wr, 0, sizeof(wr));
	for (i = 0; i < 10; i++) {
		wr[i].wr_id = 1000 + i;
		wr[i].next = i < 9 ? &wr[i + 1] : NULL;
		wr[i].opcode = IBV_WR_SEND;
		wr[i].send_flags = IBV_SEND_SIGNALED;
		wr[i].sg_list = sge;
		wr[i].num_sge = 2;
		wr[i].wr.ud.ah = &f.ah.ibvah;
		wr[i].wr.ud.remote_qpn = 77;
		wr[i].wr.ud.remote_qkey = 0x11111111;
	}
	wr[1].opcode = IBV_WR_SEND_WITH_IMM;
	wr[1].imm_data = htobe32(0xdeadbeef);
	wr[2].send_flags |= IBV_SEND_INLINE;
	wr[2].sg_list = &in_sge;
	wr[2].num_sge = 1;
	wr[3].num_sge = 0;
	wr[5].num_sge = 1;

	/* 8 fit, the 9th finds the queue full */
	CHECK_EQ(efa_post_send(&f.qp->verbs_qp.qp, wr, &bad), ENOMEM);
	CHECK(bad == &wr[8]);
	CHECK_EQ(f.sq_db, 8);
	for (i = 0; i < 8; i++) {
		struct efa_io_tx_wqe_128 *w = wqe_at(&f, i);

		check_meta(&w->meta, EFA_IO_SEND, 0);
		/* slot i of the free list, generation 1 above 3 index bits */
		CHECK_EQ(efa_hw_load(&w->meta.req_id), i | 1 << 3);
		CHECK_EQ(efa_hw_load(&w->meta.dest_qp_num), 77);
		CHECK_EQ(efa_hw_load(&w->meta.ah), 0x1234);
		CHECK_EQ(efa_hw_load(&w->meta.qkey), 0x11111111);
		CHECK_EQ(w->meta.ctrl3, 0);
	}
	check_buf(&wqe_at(&f, 0)->data.sgl[0], 0xabcdef, 0x1122334455660000ull, 100);
	check_buf(&wqe_at(&f, 0)->data.sgl[1], 0x42, 0x7000, 28);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 0)->meta.length), 2);
	CHECK_EQ(EFA_GET(&wqe_at(&f, 0)->meta.ctrl1, EFA_IO_TX_META_DESC_HAS_IMM), 0);
	CHECK_EQ(EFA_GET(&wqe_at(&f, 1)->meta.ctrl1, EFA_IO_TX_META_DESC_HAS_IMM), 1);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 1)->meta.immediate_data), 0xdeadbeef);
	CHECK_EQ(EFA_GET(&wqe_at(&f, 2)->meta.ctrl1, EFA_IO_TX_META_DESC_INLINE_MSG), 1);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 2)->meta.length), sizeof(payload));
	CHECK(!memcmp(wqe_at(&f, 2)->data.inline_data, payload, sizeof(payload)));
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 3)->meta.length), 0);

	/* six complete (out of order), their slots come free */
	for (i = 0; i < 6; i++)
		send_cqe(&f, i, (5 - i) | 1 << 3, 0, 1);
	n = efa_poll_cq(&f.cq->verbs_cq.cq, 8, wc);
	CHECK_EQ(n, 6);
	for (i = 0; i < n; i++) {
		CHECK_EQ(wc[i].wr_id, 1000 + 5 - i);
		CHECK_EQ(wc[i].status, IBV_WC_SUCCESS);
		CHECK_EQ(wc[i].opcode, IBV_WC_SEND);
		CHECK_EQ(wc[i].qp_num, 5);
		CHECK_EQ(wc[i].byte_len, 0);
	}
	CHECK_EQ(EFA_HW_FIELD_GET(EFA_IO_REGS_CQ_DB_CONSUMER_INDEX_MASK, f.cq_db), 6);
	CHECK_EQ(EFA_HW_FIELD_GET(EFA_IO_REGS_CQ_DB_ARM_MASK, f.cq_db), 0);

	/* six more, the second pass of the ring (phase 1), slots reused */
	wr[8].next = NULL;
	bad = NULL;
	CHECK_EQ(efa_post_send(&f.qp->verbs_qp.qp, &wr[3], &bad), 0);
	CHECK(bad == NULL);
	CHECK_EQ(f.sq_db, 14);
	for (i = 0; i < 8; i++)
		CHECK_EQ(EFA_GET(&wqe_at(&f, i)->meta.ctrl2, EFA_IO_TX_META_DESC_PHASE),
			 i < 6);
	/* the last slot freed goes out first: slot 0 was completed last */
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 0)->meta.req_id), 0 | 1 << 3);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 5)->meta.req_id), 5 | 1 << 3);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 0)->meta.length), 0);	/* wr[3] */

	/* those six complete; four more wrap the ring within one call */
	for (i = 0; i < 6; i++)
		send_cqe(&f, 6 + i, i | 1 << 3, 0, 1);
	CHECK_EQ(efa_poll_cq(&f.cq->verbs_cq.cq, 8, wc), 6);
	CHECK_EQ(wc[0].wr_id, 1003);
	CHECK_EQ(wc[5].wr_id, 1008);
	wr[3].next = &wr[4];
	wr[6].next = NULL;
	CHECK_EQ(efa_post_send(&f.qp->verbs_qp.qp, &wr[3], &bad), 0);
	CHECK_EQ(f.sq_db, 18);
	CHECK_EQ(EFA_GET(&wqe_at(&f, 6)->meta.ctrl2, EFA_IO_TX_META_DESC_PHASE), 1);
	CHECK_EQ(EFA_GET(&wqe_at(&f, 7)->meta.ctrl2, EFA_IO_TX_META_DESC_PHASE), 1);
	CHECK_EQ(EFA_GET(&wqe_at(&f, 0)->meta.ctrl2, EFA_IO_TX_META_DESC_PHASE), 0);
	CHECK_EQ(EFA_GET(&wqe_at(&f, 1)->meta.ctrl2, EFA_IO_TX_META_DESC_PHASE), 0);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 7)->meta.length), 2);	/* wr[4] */
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 0)->meta.length), 1);	/* wr[5] */

	/* not signaled, not in RTS, a flag EFA lacks: EINVAL */
	wr[0].next = NULL;
	wr[0].send_flags = 0;
	CHECK_EQ(efa_post_send(&f.qp->verbs_qp.qp, &wr[0], &bad), EINVAL);
	wr[0].send_flags = IBV_SEND_SIGNALED | IBV_SEND_SOLICITED;
	CHECK_EQ(efa_post_send(&f.qp->verbs_qp.qp, &wr[0], &bad), EINVAL);
	wr[0].send_flags = IBV_SEND_SIGNALED;
	wr[0].num_sge = 3;
	CHECK_EQ(efa_post_send(&f.qp->verbs_qp.qp, &wr[0], &bad), EINVAL);
	wr[0].num_sge = 1;
	wr[0].opcode = IBV_WR_RDMA_WRITE;
	CHECK_EQ(efa_post_send(&f.qp->verbs_qp.qp, &wr[0], &bad), EINVAL);
	wr[0].opcode = IBV_WR_SEND;
	f.qp->verbs_qp.qp.state = IBV_QPS_RTR;
	CHECK_EQ(efa_post_send(&f.qp->verbs_qp.qp, &wr[0], &bad), EINVAL);
	CHECK_EQ(f.sq_db, 18);
	fake_free(&f);
}

/* The ibv_wr_* API on 128-byte WQEs with 64-bit request ids. */
static void test_wr_api(void)
{
	struct fake f = {};
	struct ibv_qp_ex *x;
	struct efadv_qp *dv;
	char data[80];
	struct ibv_data_buf bufs[2] = { { data, 50 }, { data + 50, 30 } };
	struct ibv_sge sgl[2] = { { 0x1000, 10, 7 }, { 0x2000, 20, 8 } };
	uint32_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)i;
	fake_context(&f, EFA_QUERY_DEVICE_CAPS_SQ_64_BIT_REQ_ID, 1);
	fake_cq(&f, 16, 0, 0);
	fake_qp(&f, 6, 4, 128, 2, 16,
		IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_SEND_WITH_IMM |
		IBV_QP_EX_WITH_RDMA_READ | IBV_QP_EX_WITH_RDMA_WRITE |
		IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM, EFADV_QP_FLAGS_INLINE_WRITE);
	x = &f.qp->verbs_qp.qp_ex;
	dv = &f.qp->dv_qp;

	ibv_wr_start(x);
	x->wr_flags = IBV_SEND_SIGNALED;
	x->wr_id = 0x1122334455667788ull;
	ibv_wr_send(x);
	ibv_wr_set_sge_list(x, 2, sgl);
	ibv_wr_set_ud_addr(x, &f.ah.ibvah, 9, 0x99);
	efadv_wr_set_processing_hints(dv, EFADV_WR_PROCESSING_HINT_BURST_PPS_SENSITIVE);
	x->wr_id = 2;
	ibv_wr_send_imm(x, htobe32(0xcafe));
	ibv_wr_set_inline_data_list(x, 2, bufs);
	ibv_wr_set_ud_addr(x, &f.ah.ibvah, 9, 0x99);
	x->wr_id = 3;
	ibv_wr_rdma_read(x, 0x5555, 0xaaaabbbbccccdddd);
	ibv_wr_set_sge(x, 0x77, 0x3000, 4096);
	ibv_wr_set_ud_addr(x, &f.ah.ibvah, 9, 0x99);
	CHECK_EQ(f.sq_db, 0);		/* nothing reaches the device before complete */
	CHECK_EQ(ibv_wr_complete(x), 0);
	CHECK_EQ(f.sq_db, 3);

	check_meta(&wqe_at(&f, 0)->meta, EFA_IO_SEND, 0);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 0)->meta.req_id), 0x7788);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 0)->meta.req_id_ex.w[0]), 0x5566);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 0)->meta.req_id_ex.w[1]), 0x3344);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 0)->meta.req_id_ex.w[2]), 0x1122);
	CHECK_EQ(EFA_GET(&wqe_at(&f, 0)->meta.ctrl3, EFA_IO_TX_META_DESC_PROCESSING_HINTS),
		 EFA_IO_PROCESSING_HINT_BURST_PPS_SENSITIVE);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 0)->meta.length), 2);
	check_buf(&wqe_at(&f, 0)->data.sgl[1], 8, 0x2000, 20);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 0)->meta.dest_qp_num), 9);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 0)->meta.qkey), 0x99);

	check_meta(&wqe_at(&f, 1)->meta, EFA_IO_SEND, 0);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 1)->meta.req_id), 2);
	CHECK_EQ(EFA_GET(&wqe_at(&f, 1)->meta.ctrl1, EFA_IO_TX_META_DESC_INLINE_MSG), 1);
	CHECK_EQ(EFA_GET(&wqe_at(&f, 1)->meta.ctrl1, EFA_IO_TX_META_DESC_HAS_IMM), 1);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 1)->meta.immediate_data), 0xcafe);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 1)->meta.length), 80);
	CHECK(!memcmp(wqe_at(&f, 1)->data.inline_data, data, 80));

	check_meta(&wqe_at(&f, 2)->meta, EFA_IO_RDMA_READ, 0);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 2)->meta.length), 1);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 2)->data.rdma_req.remote_mem.rkey), 0x5555);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 2)->data.rdma_req.remote_mem.buf_addr_lo), 0xccccdddd);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 2)->data.rdma_req.remote_mem.buf_addr_hi), 0xaaaabbbb);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 2)->data.rdma_req.remote_mem.length), 4096);
	check_buf(&wqe_at(&f, 2)->data.rdma_req.local_mem[0], 0x77, 0x3000, 4096);

	/* a session that fails leaves the queue as it was */
	ibv_wr_start(x);
	x->wr_id = 4;
	ibv_wr_rdma_write(x, 1, 2);
	ibv_wr_set_sge_list(x, 2, sgl);		/* RDMA takes one buffer */
	ibv_wr_set_ud_addr(x, &f.ah.ibvah, 9, 0x99);
	CHECK_EQ(ibv_wr_complete(x), EINVAL);
	CHECK_EQ(f.sq_db, 3);
	CHECK_EQ(f.qp->sq.pc, 3);
	CHECK_EQ(f.qp->sq.posted, 3);

	/* an aborted one too; then an inline RDMA write with immediate wraps */
	ibv_wr_start(x);
	ibv_wr_send(x);
	ibv_wr_abort(x);
	CHECK_EQ(f.qp->sq.pc, 3);
	/* the three complete (64-bit ids come back whole) */
	for (i = 0; i < 3; i++) {
		struct efa_io_tx_cdesc *t = (struct efa_io_tx_cdesc *)cqe_slot(&f, 0, i);

		send_cqe(&f, i, (uint16_t)(i ? i + 1 : 0x7788), 0, 1);
		if (i == 2)
			EFA_SET(&t->common.flags, EFA_IO_CDESC_COMMON_OP_TYPE, EFA_IO_RDMA_READ);
		if (!i) {
			efa_hw_store(&t->req_id_ex.w[0], 0x5566);
			efa_hw_store(&t->req_id_ex.w[1], 0x3344);
			efa_hw_store(&t->req_id_ex.w[2], 0x1122);
		}
	}
	{
		struct ibv_wc wc[4];

		CHECK_EQ(efa_poll_cq(&f.cq->verbs_cq.cq, 4, wc), 3);
		CHECK_EQ(wc[0].wr_id, 0x1122334455667788ull);
		CHECK_EQ(wc[2].wr_id, 3);
		/* the read: IBV_WC_SEND, as rdma-core's provider says */
		CHECK_EQ(wc[2].opcode, IBV_WC_SEND);
	}
	ibv_wr_start(x);
	for (i = 0; i < 3; i++) {
		x->wr_id = 10 + i;
		ibv_wr_rdma_write_imm(x, 0x66, 0x8000, htobe32(i));
		ibv_wr_set_inline_data(x, data, 80);
		ibv_wr_set_ud_addr(x, &f.ah.ibvah, 9, 0x99);
	}
	CHECK_EQ(ibv_wr_complete(x), 0);
	CHECK_EQ(f.sq_db, 6);
	check_meta(&wqe_at(&f, 3)->meta, EFA_IO_RDMA_WRITE, 0);
	check_meta(&wqe_at(&f, 0)->meta, EFA_IO_RDMA_WRITE, 1);
	check_meta(&wqe_at(&f, 1)->meta, EFA_IO_RDMA_WRITE, 1);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 1)->meta.immediate_data), 2);
	CHECK_EQ(efa_hw_load(&wqe_at(&f, 1)->data.rdma_req.remote_mem.length), 80);
	CHECK(!memcmp(wqe_at(&f, 1)->data.rdma_req.inline_data, data, 80));

	/* inline data in an RDMA read is refused */
	ibv_wr_start(x);
	ibv_wr_rdma_read(x, 1, 2);
	ibv_wr_set_inline_data(x, data, 4);
	CHECK_EQ(ibv_wr_complete(x), EINVAL);
	fake_free(&f);
}

/* ibv_post_recv: a descriptor per SGE, first and last, one for no SGE. */
static void test_post_recv(void)
{
	struct fake f = {};
	struct ibv_sge sge[2] = { { 0x10000, 2000, 0x11 }, { 0x20000, 70000, 0x22 } };
	struct ibv_recv_wr wr[2] = {
		{ .wr_id = 1, .next = &wr[1], .sg_list = sge, .num_sge = 2 },
		{ .wr_id = 2, .sg_list = NULL, .num_sge = 0 },
	}, *bad = NULL;
	struct efa_io_rx_desc *d;

	fake_context(&f, 0, 1);
	fake_cq(&f, 16, 0, 0);
	fake_qp(&f, 3, 4, 64, 4, 4, 0, 0);
	CHECK_EQ(efa_post_recv(&f.qp->verbs_qp.qp, wr, &bad), 0);
	CHECK_EQ(f.rq_db, 3);
	d = (struct efa_io_rx_desc *)f.rq_ring;
	CHECK_EQ(efa_hw_load(&d[0].buf_addr_lo), 0x10000);
	CHECK_EQ(efa_hw_load(&d[0].length), 2000);
	CHECK_EQ(EFA_GET(&d[0].lkey_ctrl, EFA_IO_RX_DESC_LKEY), 0x11);
	CHECK_EQ(EFA_GET(&d[0].lkey_ctrl, EFA_IO_RX_DESC_FIRST), 1);
	CHECK_EQ(EFA_GET(&d[0].lkey_ctrl, EFA_IO_RX_DESC_LAST), 0);
	CHECK_EQ(efa_hw_load(&d[1].length), 0xffff);
	CHECK_EQ(EFA_GET(&d[1].lkey_ctrl, EFA_IO_RX_DESC_FIRST), 0);
	CHECK_EQ(EFA_GET(&d[1].lkey_ctrl, EFA_IO_RX_DESC_LAST), 1);
	CHECK_EQ(efa_hw_load(&d[0].req_id), efa_hw_load(&d[1].req_id));
	CHECK_EQ(EFA_GET(&d[2].lkey_ctrl, EFA_IO_RX_DESC_FIRST), 1);
	CHECK_EQ(EFA_GET(&d[2].lkey_ctrl, EFA_IO_RX_DESC_LAST), 1);
	CHECK_EQ(efa_hw_load(&d[2].length), 0);
	CHECK(efa_hw_load(&d[2].req_id) != efa_hw_load(&d[0].req_id));

	/* the queue holds 4 descriptors / 2 SGEs = 2 receives */
	wr[1].next = NULL;
	CHECK_EQ(efa_post_recv(&f.qp->verbs_qp.qp, &wr[1], &bad), ENOMEM);
	CHECK(bad == &wr[1]);
	CHECK_EQ(f.rq_db, 3);
	wr[1].num_sge = 3;
	fake_free(&f);
}

/* Receive completions through ibv_poll_cq and the extended CQ. */
static void test_poll(void)
{
	struct fake f = {};
	struct ibv_sge sge = { 0x10000, 4096, 0x11 };
	struct ibv_recv_wr rwr = { .sg_list = &sge, .num_sge = 1 }, *bad;
	struct ibv_cq_ex *x;
	struct efadv_cq *dv;
	struct ibv_poll_cq_attr pattr = {};
	struct efa_io_rx_cdesc_ex *c;
	union ibv_gid gid;
	struct ibv_wc wc[4];
	uint16_t rid[4];
	int i;

	fake_context(&f, EFA_QUERY_DEVICE_CAPS_SQ_64_BIT_REQ_ID, 2);
	fake_cq(&f, 4, IBV_WC_STANDARD_FLAGS,
		EFADV_WC_EX_WITH_SGID | EFADV_WC_EX_WITH_IS_UNSOLICITED);
	fake_qp(&f, 7, 4, 64, 4, 8, 0, 0);
	x = &f.cq->verbs_cq.cq_ex;
	dv = &f.cq->dv_cq;
	for (i = 0; i < 4; i++) {
		rwr.wr_id = 500 + i;
		CHECK_EQ(efa_post_recv(&f.qp->verbs_qp.qp, &rwr, &bad), 0);
		rid[i] = efa_hw_load(&((struct efa_io_rx_desc *)f.rq_ring)[i].req_id);
	}

	/* sub-CQ 1: a send with immediate from a known sender */
	c = cqe_slot(&f, 1, 0);
	write_cqe(&c->base.common, rid[0], 0, EFA_IO_RECV_QUEUE, EFA_IO_SEND, 7, 1);
	EFA_SET(&c->base.common.flags, EFA_IO_CDESC_COMMON_HAS_IMM, 1);
	efa_hw_store(&c->base.length, 1234);
	efa_hw_store(&c->base.ah, 3);
	efa_hw_store(&c->base.src_qp_num, 0x55);
	efa_hw_store(&c->base.imm, 0x01020304);
	/* sub-CQ 0: an RNR error, then an RDMA write with immediate of 3 MiB */
	c = cqe_slot(&f, 0, 0);
	write_cqe(&c->base.common, rid[1], EFA_IO_COMP_STATUS_REMOTE_ERROR_RNR,
		  EFA_IO_RECV_QUEUE, EFA_IO_SEND, 7, 1);
	efa_hw_store(&c->base.ah, EFA_IO_RX_CDESC_NO_AH);
	memset(c->u.src_addr, 0xfe, sizeof(c->u.src_addr));
	c = cqe_slot(&f, 0, 1);
	write_cqe(&c->base.common, 0, 0, EFA_IO_RECV_QUEUE, EFA_IO_RDMA_WRITE, 7, 1);
	EFA_SET(&c->base.common.flags, EFA_IO_CDESC_COMMON_UNSOLICITED, 1);
	EFA_SET(&c->base.common.flags, EFA_IO_CDESC_COMMON_HAS_IMM, 1);
	efa_hw_store(&c->base.length, 0);
	efa_hw_store(&c->u.rdma_write.length_hi, 0x30);

	CHECK_EQ(ibv_start_poll(x, &pattr), 0);
	/* round robin: sub-CQ 0 first, then 1, then 0 again */
	CHECK_EQ(x->wr_id, 501);
	CHECK_EQ(x->status, IBV_WC_RNR_RETRY_EXC_ERR);
	CHECK_EQ(ibv_wc_read_vendor_err(x), EFA_IO_COMP_STATUS_REMOTE_ERROR_RNR);
	CHECK_EQ(ibv_wc_read_opcode(x), IBV_WC_RECV);
	CHECK_EQ(efadv_wc_read_sgid(dv, &gid), 0);
	CHECK_EQ(gid.raw[15], 0xfe);
	CHECK_EQ(efadv_wc_is_unsolicited(dv), 0);
	CHECK_EQ(ibv_next_poll(x), 0);
	CHECK_EQ(x->wr_id, 500);
	CHECK_EQ(x->status, IBV_WC_SUCCESS);
	CHECK_EQ(ibv_wc_read_byte_len(x), 1234);
	CHECK_EQ(ibv_wc_read_wc_flags(x), IBV_WC_WITH_IMM);
	CHECK_EQ(be32toh(ibv_wc_read_imm_data(x)), 0x01020304);
	CHECK_EQ(ibv_wc_read_src_qp(x), 0x55);
	CHECK_EQ(ibv_wc_read_slid(x), 3);
	CHECK_EQ(ibv_wc_read_qp_num(x), 7);
	CHECK_EQ(ibv_wc_read_sl(x), 0);
	CHECK_EQ(efadv_wc_read_sgid(dv, &gid), -ENOENT);
	CHECK_EQ(ibv_next_poll(x), 0);
	CHECK_EQ(x->wr_id, 0);
	CHECK_EQ(efadv_wc_is_unsolicited(dv), 1);
	CHECK_EQ(ibv_wc_read_opcode(x), IBV_WC_RECV_RDMA_WITH_IMM);
	CHECK_EQ(ibv_wc_read_byte_len(x), 0x300000);
	CHECK_EQ(ibv_next_poll(x), ENOENT);
	ibv_end_poll(x);
	CHECK_EQ(EFA_HW_FIELD_GET(EFA_IO_REGS_CQ_DB_CONSUMER_INDEX_MASK, f.cq_db), 3);
	/* the two solicited receives completed, the unsolicited one took none */
	CHECK_EQ(f.qp->rq.completed, 2);

	/* a CQE of an earlier QP with this number (other generation): EINVAL */
	c = cqe_slot(&f, 1, 1);
	write_cqe(&c->base.common, (rid[2] & 7) | 2 << 3, 0, EFA_IO_RECV_QUEUE,
		  EFA_IO_SEND, 7, 1);
	CHECK_EQ(efa_poll_cq(&f.cq->verbs_cq.cq, 4, wc), -EINVAL);
	/* and of a QP we do not have */
	c = cqe_slot(&f, 0, 2);
	write_cqe(&c->base.common, rid[2], 0, EFA_IO_RECV_QUEUE, EFA_IO_SEND, 6, 1);
	CHECK_EQ(efa_poll_cq(&f.cq->verbs_cq.cq, 4, wc), -EINVAL);
	CHECK_EQ(efa_poll_cq(&f.cq->verbs_cq.cq, 4, wc), 0);

	/* sub-CQ 0 wraps after 4: its next CQE has phase 0 */
	c = cqe_slot(&f, 0, 3);
	write_cqe(&c->base.common, rid[2], 0, EFA_IO_RECV_QUEUE, EFA_IO_SEND, 7, 1);
	c = cqe_slot(&f, 0, 4);
	write_cqe(&c->base.common, rid[3], EFA_IO_COMP_STATUS_FLUSHED,
		  EFA_IO_RECV_QUEUE, EFA_IO_SEND, 7, 1);
	CHECK_EQ(efa_poll_cq(&f.cq->verbs_cq.cq, 4, wc), 1);
	CHECK_EQ(wc[0].wr_id, 502);
	CHECK_EQ(efa_poll_cq(&f.cq->verbs_cq.cq, 4, wc), 0);	/* stale phase */
	EFA_SET(&c->base.common.flags, EFA_IO_CDESC_COMMON_PHASE, 0);
	CHECK_EQ(efa_poll_cq(&f.cq->verbs_cq.cq, 4, wc), 1);
	CHECK_EQ(wc[0].wr_id, 503);
	CHECK_EQ(wc[0].status, IBV_WC_WR_FLUSH_ERR);
	CHECK_EQ(wc[0].vendor_err, EFA_IO_COMP_STATUS_FLUSHED);

	/* arming: the arm bit and the events seen so far */
	CHECK_EQ(efa_req_notify_cq(&f.cq->verbs_cq.cq, 1), EOPNOTSUPP);
	CHECK_EQ(efa_req_notify_cq(&f.cq->verbs_cq.cq, 0), 0);
	CHECK_EQ(EFA_HW_FIELD_GET(EFA_IO_REGS_CQ_DB_ARM_MASK, f.cq_db), 1);
	CHECK_EQ(EFA_HW_FIELD_GET(EFA_IO_REGS_CQ_DB_CMD_SN_MASK, f.cq_db), 0);
	CHECK_EQ(EFA_HW_FIELD_GET(EFA_IO_REGS_CQ_DB_CONSUMER_INDEX_MASK, f.cq_db), 7);
	efa_cq_event(&f.cq->verbs_cq.cq);
	CHECK_EQ(efa_req_notify_cq(&f.cq->verbs_cq.cq, 0), 0);
	CHECK_EQ(EFA_HW_FIELD_GET(EFA_IO_REGS_CQ_DB_CMD_SN_MASK, f.cq_db), 1);
	fake_free(&f);
}

/* Every device status as the verbs status rdma-core's provider gives. */
static void test_status_map(void)
{
	static const struct { uint8_t efa; enum ibv_wc_status wc; } map[] = {
		{ 0, IBV_WC_SUCCESS }, { 1, IBV_WC_WR_FLUSH_ERR },
		{ 2, IBV_WC_LOC_QP_OP_ERR }, { 3, IBV_WC_LOC_QP_OP_ERR },
		{ 4, IBV_WC_LOC_QP_OP_ERR }, { 5, IBV_WC_LOC_PROT_ERR },
		{ 6, IBV_WC_LOC_LEN_ERR }, { 7, IBV_WC_REM_ACCESS_ERR },
		{ 8, IBV_WC_REM_ABORT_ERR }, { 9, IBV_WC_REM_INV_RD_REQ_ERR },
		{ 10, IBV_WC_RNR_RETRY_EXC_ERR }, { 11, IBV_WC_REM_INV_REQ_ERR },
		{ 12, IBV_WC_BAD_RESP_ERR }, { 13, IBV_WC_RESP_TIMEOUT_ERR },
		{ 14, IBV_WC_REM_OP_ERR }, { 15, IBV_WC_RESP_TIMEOUT_ERR },
		{ 16, IBV_WC_GENERAL_ERR }, { 18, IBV_WC_REM_INV_REQ_ERR },
		{ 200, IBV_WC_GENERAL_ERR },
	};
	struct fake f = {};
	struct ibv_wc wc;
	size_t i;

	fake_context(&f, 0, 1);
	fake_cq(&f, 32, 0, 0);
	fake_qp(&f, 1, 32, 64, 32, 4, 0, 0);
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		struct ibv_send_wr wr = {
			.wr_id = i, .opcode = IBV_WR_SEND,
			.send_flags = IBV_SEND_SIGNALED,
			.wr.ud.ah = &f.ah.ibvah,
		}, *bad;

		CHECK_EQ(efa_post_send(&f.qp->verbs_qp.qp, &wr, &bad), 0);
		send_cqe(&f, i, efa_hw_load(&wqe_at(&f, i)->meta.req_id), map[i].efa, 1);
		CHECK_EQ(efa_poll_cq(&f.cq->verbs_cq.cq, 1, &wc), 1);
		CHECK_EQ(wc.wr_id, i);
		CHECK_EQ(wc.status, map[i].wc);
		CHECK_EQ(wc.vendor_err, map[i].efa);
	}
	fake_free(&f);
}

/*
 * Every SQ doorbell write, seen as it happens: the doorbell lives in a
 * read-only page; a write faults, the handler opens the page and lets the
 * one store run under the trap flag, the trap records the value and closes
 * the page again.  x86-64 only.
 */
#if defined(__x86_64__)
#define EFLAGS_TF 0x100

static uint32_t *db_page;
static uint32_t db_log[64];
static unsigned int db_writes;

static void db_on_write(int sig EFA_UNUSED, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	if ((uint8_t *)si->si_addr < (uint8_t *)db_page ||
	    (uint8_t *)si->si_addr >= (uint8_t *)db_page + 4096)
		abort();
	mprotect(db_page, 4096, PROT_READ | PROT_WRITE);
	uc->uc_mcontext.gregs[REG_EFL] |= EFLAGS_TF;
}

static void db_after_write(int sig EFA_UNUSED, siginfo_t *si EFA_UNUSED, void *ucv)
{
	ucontext_t *uc = ucv;

	if (db_writes < sizeof(db_log) / sizeof(db_log[0]))
		db_log[db_writes] = *(volatile uint32_t *)db_page;
	db_writes++;
	mprotect(db_page, 4096, PROT_READ);
	uc->uc_mcontext.gregs[REG_EFL] &= ~EFLAGS_TF;
}

static void check_doorbells(const uint32_t *want, unsigned int n)
{
	unsigned int i;

	CHECK_EQ(db_writes, n);
	for (i = 0; i < n && i < db_writes; i++)
		CHECK_EQ(db_log[i], want[i]);
	db_writes = 0;
}

/* At most max_batch WQEs between doorbells, one at the end, across a wrap. */
static void test_doorbell_batches(void)
{
	struct sigaction segv = { .sa_sigaction = db_on_write, .sa_flags = SA_SIGINFO };
	struct sigaction trap = { .sa_sigaction = db_after_write, .sa_flags = SA_SIGINFO };
	struct sigaction old_segv, old_trap;
	static const uint32_t chain1[] = { 5, 10, 15, 20, 23 };
	static const uint32_t chain2[] = { 28, 33, 38, 43, 48, 53, 58, 60 };
	static const uint32_t session[] = { 65, 70, 75, 80, 83 };
	struct ibv_send_wr wr[30], *bad;
	struct fake f = {};
	struct ibv_qp_ex *x;
	uint32_t i;

	fake_context(&f, 0, 1);
	fake_cq(&f, 128, 0, 0);
	fake_qp(&f, 2, 64, 64, 5, 4, IBV_QP_EX_WITH_SEND, 0);
	x = &f.qp->verbs_qp.qp_ex;
	db_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (db_page == MAP_FAILED)
		abort();
	f.qp->sq.db = db_page;
	sigaction(SIGSEGV, &segv, &old_segv);
	sigaction(SIGTRAP, &trap, &old_trap);

	memset(wr, 0, sizeof(wr));
	for (i = 0; i < 30; i++) {
		wr[i].wr_id = i;
		wr[i].next = &wr[i + 1];
		wr[i].opcode = IBV_WR_SEND;
		wr[i].send_flags = IBV_SEND_SIGNALED;
		wr[i].wr.ud.ah = &f.ah.ibvah;
	}
	wr[22].next = NULL;
	CHECK_EQ(efa_post_send(&f.qp->verbs_qp.qp, wr, &bad), 0);
	check_doorbells(chain1, 5);
	/* free the slots; then 37 more, to just before the wrap */
	f.qp->sq.completed = f.qp->sq.posted;
	f.qp->sq.free_next = 0;
	wr[22].next = &wr[23];
	wr[29].next = NULL;
	CHECK_EQ(efa_post_send(&f.qp->verbs_qp.qp, &wr[0], &bad), 0);	/* 30 */
	CHECK_EQ(efa_post_send(&f.qp->verbs_qp.qp, &wr[23], &bad), 0);	/* 7 */
	check_doorbells(chain2, 8);
	f.qp->sq.completed = f.qp->sq.posted;
	f.qp->sq.free_next = 0;

	/* a session of 23 from pc 60: the run stops at the wrap, not the batch */
	ibv_wr_start(x);
	x->wr_flags = IBV_SEND_SIGNALED;
	for (i = 0; i < 23; i++) {
		x->wr_id = i;
		ibv_wr_send(x);
		ibv_wr_set_ud_addr(x, &f.ah.ibvah, 1, 2);
	}
	CHECK_EQ(ibv_wr_complete(x), 0);
	check_doorbells(session, 5);
	for (i = 0; i < 23; i++)
		CHECK_EQ(EFA_GET(&wqe_at(&f, (60 + i) % 64)->meta.ctrl2,
				 EFA_IO_TX_META_DESC_PHASE), i >= 4);

	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGTRAP, &old_trap, NULL);
	munmap(db_page, 4096);
	f.qp->sq.db = &f.sq_db;
	fake_free(&f);
}
#endif

int main(void)
{
	if (efa_compat_init()) {
		fprintf(stderr, "efa_compat_init failed\n");
		return 1;
	}
	test_post_send();
	test_wr_api();
	test_post_recv();
	test_poll();
	test_status_map();
#if defined(__x86_64__)
	test_doorbell_batches();
#endif
	if (failures) {
		fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}
	printf("data path: all checks passed\n");
	return 0;
}
