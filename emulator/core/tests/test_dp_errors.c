// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Host tests of the data path's failures: every error completion with the
 * status a driver maps, RNR retry and its exhaustion, the timeouts of a
 * peer that stops answering or never did, QPs moved to error or destroyed
 * with work outstanding, bad WQEs and descriptors, DMA failures, CQ
 * overflow, frames for other devices, a flood with bounded work, and the
 * statistics all of it leaves.
 */
#include <endian.h>
#include <string.h>

#include "dp_helpers.h"
#include "dp_tests.h"
#include "efa_dp.h"

static struct dp_wqe write_wqe(const struct pair *p, uint64_t local, uint32_t len,
			       uint64_t remote, uint64_t req_id)
{
	struct dp_wqe w = send_wqe(p, local, len, req_id);

	w.op = EFA_IO_RDMA_WRITE;
	w.rkey = p->b->key;
	w.raddr = remote;
	return w;
}

static void post(struct pair *p, const struct dp_wqe *w)
{
	dp_post_send(&p->aq, w);
	dp_ring_sq(&p->aq);
	fabric_run(p->f);
}

static void expect_tx(struct pair *p, uint64_t req_id, uint8_t status)
{
	check_tx_cqe(&p->acq, p->aq.qpn, req_id, status);
}

static void no_cqe(struct dp_cq *cq)
{
	uint8_t e[32];

	CHECK(!dp_poll(cq, e));
}

void test_dp_rnr(void)
{
	struct dp_qp_args qa = { .type = EFA_ADMIN_QP_TYPE_SRD, .rnr_retry = 3 };
	struct pair p;
	struct dp_wqe w;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, &qa, NULL);
	/* no receive: refused, resent after the retry interval, then taken */
	w = send_wqe(&p, SRC, 100, 1);
	dp_fill(p.a, SRC, 100, 4);
	post(&p, &w);
	no_cqe(&p.acq);
	CHECK(p.a->timer_armed);
	fabric_ticks(p.f, 2);
	no_cqe(&p.acq);
	recv_one(&p.bq, 6, DST, 128);
	fabric_ticks(p.f, 2);
	check_rx_cqe(&p.bcq, NULL, p.bq.qpn, 6, 100, p.aq.qpn, p.ah_ba);
	CHECK(dp_check(p.b, DST, 100, 4));
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_OK);
	pair_free(&p);
}

void test_dp_rnr_exhausted(void)
{
	struct dp_qp_args qa = { .type = EFA_ADMIN_QP_TYPE_SRD, .rnr_retry = 2 };
	struct pair p;
	struct dp_wqe w;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, &qa, NULL);
	w = send_wqe(&p, SRC, 10, 1);
	post(&p, &w);
	fabric_ticks(p.f, 20);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_REMOTE_ERROR_RNR);
	/* the first try and rnr_retry more */
	CHECK_EQ(p.a->traces[EFA_TRACE_FRAME_TX], 3);
	no_cqe(&p.bcq);
	pair_free(&p);

	/* rnr_retry 7 retries forever */
	qa.rnr_retry = 7;
	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, &qa, NULL);
	post(&p, &w);
	fabric_ticks(p.f, 1000);
	no_cqe(&p.acq);
	/* resent at 1, 2, 4 ... 64 ms intervals: 1 + 7 + (1000 - 127) / 64 */
	CHECK_EQ(p.a->traces[EFA_TRACE_FRAME_TX], 21);
	recv_one(&p.bq, 2, DST, 16);
	fabric_ticks(p.f, 64);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_OK);
	pair_free(&p);

	/* rnr_retry 0: the first refusal is final */
	qa.rnr_retry = 0;
	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, &qa, NULL);
	post(&p, &w);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_REMOTE_ERROR_RNR);
	pair_free(&p);
}

void test_dp_bad_lkey(void)
{
	struct pair p;
	struct dp_wqe w;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	recv_one(&p.bq, 1, DST, 128);
	/* a stale tag, an index past the table, a range past the MR's end */
	w = send_wqe(&p, SRC, 10, 1);
	w.sge[0].lkey = p.a->key + 1;
	post(&p, &w);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_LKEY);
	w.sge[0].lkey = 0x7fff00;
	w.req_id = 2;
	post(&p, &w);
	expect_tx(&p, 2, EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_LKEY);
	w = send_wqe(&p, DATA_IOVA + DATA_PAGES * 4096ull - 10, 20, 3);
	post(&p, &w);
	expect_tx(&p, 3, EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_LKEY);
	CHECK_EQ(p.a->traces[EFA_TRACE_BAD_WQE], 3);
	CHECK_EQ(p.a->traces[EFA_TRACE_FRAME_TX], 0);
	/* an RDMA read into memory the MR does not let the device write */
	{
		uint32_t ro;

		CHECK_EQ(dp_reg_mr(p.a, DATA_IOVA + 0x200000, 4, 0, &ro, 0), EFA_ADMIN_SUCCESS);
		w = write_wqe(&p, DATA_IOVA + 0x200000, 100, DST, 4);
		w.op = EFA_IO_RDMA_READ;
		w.sge[0].lkey = ro;
		post(&p, &w);
		expect_tx(&p, 4, EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_LKEY);
	}
	/* the receive is still there */
	w = send_wqe(&p, SRC, 10, 5);
	post(&p, &w);
	expect_tx(&p, 5, 0);
	check_rx_cqe(&p.bcq, NULL, p.bq.qpn, 1, 10, p.aq.qpn, p.ah_ba);
	pair_free(&p);
}

void test_dp_bad_rkey(void)
{
	struct pair p;
	struct dp_wqe w;
	uint32_t local_only;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	dp_fill(p.a, SRC, 20000, 1);
	memset(dp_data(p.b, DST), 0, 16);
	w = write_wqe(&p, SRC, 20000, DST, 1);
	w.rkey = p.b->key ^ 0x100;
	post(&p, &w);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_ADDRESS);
	/* past the end of the remote MR */
	w = write_wqe(&p, SRC, 20000, DATA_IOVA + DATA_PAGES * 4096ull - 100, 2);
	post(&p, &w);
	expect_tx(&p, 2, EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_ADDRESS);
	/* an MR without remote access, written and read */
	CHECK_EQ(dp_reg_mr(p.b, DATA_IOVA + 0x200000, 8,
			   EFA_ADMIN_REG_MR_CMD_LOCAL_WRITE_ENABLE_MASK, &local_only, 0),
		 EFA_ADMIN_SUCCESS);
	w = write_wqe(&p, SRC, 20000, DATA_IOVA + 0x200000, 3);
	w.rkey = local_only;
	post(&p, &w);
	expect_tx(&p, 3, EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_ADDRESS);
	w.op = EFA_IO_RDMA_READ;
	w.req_id = 4;
	post(&p, &w);
	expect_tx(&p, 4, EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_ADDRESS);
	CHECK_EQ(*dp_data(p.b, DST), 0);
	CHECK_EQ(*dp_data(p.b, DATA_IOVA + 0x200000), 0);
	pair_free(&p);
}

void test_dp_bad_dest(void)
{
	struct pair p;
	struct dp_wqe w;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	recv_one(&p.bq, 1, DST, 128);
	w = send_wqe(&p, SRC, 10, 1);
	w.dest_qpn = 13;
	post(&p, &w);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_DEST_QPN);
	/* a qkey that is not the destination's: not the QP the sender meant */
	w = send_wqe(&p, SRC, 10, 2);
	w.qkey = 0x22222222;
	post(&p, &w);
	expect_tx(&p, 2, EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_DEST_QPN);
	/* a destination in error */
	CHECK_EQ(dp_qp_modify(&p.bq, EFA_ADMIN_QP_STATE_ERR), EFA_ADMIN_SUCCESS);
	fabric_run(p.f);
	w = send_wqe(&p, SRC, 10, 3);
	post(&p, &w);
	expect_tx(&p, 3, EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_DEST_QPN);
	pair_free(&p);
}

void test_dp_recv_too_short(void)
{
	struct pair p;
	struct dp_wqe w;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	dp_fill(p.a, SRC, 100, 8);
	recv_one(&p.bq, 1, DST, 50);
	w = send_wqe(&p, SRC, 100, 1);
	post(&p, &w);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_LENGTH);
	no_cqe(&p.bcq);
	/* the receive stays for a message that fits */
	w = send_wqe(&p, SRC, 50, 2);
	post(&p, &w);
	expect_tx(&p, 2, 0);
	check_rx_cqe(&p.bcq, NULL, p.bq.qpn, 1, 50, p.aq.qpn, p.ah_ba);
	pair_free(&p);
}

void test_dp_unknown_peer(void)
{
	struct efa_admin_aq_entry entry = { 0 };
	struct pair p;
	struct dp_wqe w;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	entry.aq_common_descriptor.opcode = EFA_ADMIN_DESTROY_AH;
	entry.u.inline_data_w1[0] = htole32((uint32_t)p.b->pd << 16 | p.ah_ba);
	CHECK_EQ(drv_exec(p.b->h, &entry, NULL), EFA_ADMIN_SUCCESS);
	/* RDMA needs the requester to have an AH at the responder; a send does not */
	w = write_wqe(&p, SRC, 100, DST, 1);
	post(&p, &w);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_REMOTE_ERROR_UNKNOWN_PEER);
	w.op = EFA_IO_RDMA_READ;
	w.req_id = 2;
	post(&p, &w);
	expect_tx(&p, 2, EFA_IO_COMP_STATUS_REMOTE_ERROR_UNKNOWN_PEER);
	recv_one(&p.bq, 1, DST, 128);
	w = send_wqe(&p, SRC, 10, 3);
	post(&p, &w);
	expect_tx(&p, 3, 0);
	pair_free(&p);
}

void test_dp_unresponsive(void)
{
	struct pair p;
	struct dp_wqe w;
	unsigned int timeout = p.a ? 0 : 0;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	timeout = p.a->cfg.srd_timeout_ms;
	/* a peer never heard from: unreachable once the timeout runs out */
	p.f->drop_all = true;
	w = send_wqe(&p, SRC, 10, 1);
	post(&p, &w);
	fabric_ticks(p.f, timeout - 10);
	no_cqe(&p.acq);
	fabric_ticks(p.f, 20);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_LOCAL_ERROR_UNREACH_REMOTE);
	/* heard once, then silent: unresponsive */
	p.f->drop_all = false;
	recv_one(&p.bq, 1, DST, 128);
	w.req_id = 2;
	post(&p, &w);
	expect_tx(&p, 2, 0);
	p.f->drop_all = true;
	w.req_id = 3;
	w.op = EFA_IO_RDMA_READ;
	w.rkey = p.b->key;
	w.raddr = DST;
	post(&p, &w);
	fabric_ticks(p.f, timeout + 10);
	expect_tx(&p, 3, EFA_IO_COMP_STATUS_LOCAL_ERROR_UNRESP_REMOTE);
	/* nothing is waiting: the timer stops */
	CHECK(!p.a->timer_armed);
	pair_free(&p);
}

void test_dp_qp_error_flush(void)
{
	struct pair p;
	struct dp_wqe w;
	uint8_t e[32];
	int i;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	p.f->drop_all = true;
	for (i = 0; i < 3; i++) {
		w = send_wqe(&p, SRC, 10, 10 + i);
		dp_post_send(&p.aq, &w);
	}
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	recv_one(&p.bq, 20, DST, 64);
	recv_one(&p.bq, 21, DST, 64);
	fabric_run(p.f);
	/* to error: outstanding sends and posted receives complete FLUSHED */
	CHECK_EQ(dp_qp_modify(&p.aq, EFA_ADMIN_QP_STATE_ERR), EFA_ADMIN_SUCCESS);
	CHECK_EQ(dp_qp_modify(&p.bq, EFA_ADMIN_QP_STATE_ERR), EFA_ADMIN_SUCCESS);
	fabric_run(p.f);
	for (i = 0; i < 3; i++)
		expect_tx(&p, 10 + i, EFA_IO_COMP_STATUS_FLUSHED);
	for (i = 0; i < 2; i++) {
		CHECK(dp_poll(&p.bcq, e));
		CHECK_EQ(cqe_status(e), EFA_IO_COMP_STATUS_FLUSHED);
		CHECK_EQ(q_type(e), EFA_IO_RECV_QUEUE);
		CHECK_EQ(le16(e), 20 + i);
	}
	/* work posted in error flushes too */
	w = send_wqe(&p, SRC, 10, 30);
	post(&p, &w);
	expect_tx(&p, 30, EFA_IO_COMP_STATUS_FLUSHED);
	recv_one(&p.bq, 31, DST, 64);
	fabric_run(p.f);
	CHECK(dp_poll(&p.bcq, e));
	CHECK_EQ(le16(e), 31);
	CHECK_EQ(cqe_status(e), EFA_IO_COMP_STATUS_FLUSHED);
	pair_free(&p);

	/* destroyed with sends in flight: no completion, a late answer is dropped */
	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	recv_one(&p.bq, 1, DST, 64);
	w = send_wqe(&p, SRC, 10, 1);
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	p.a->scheduled = false;
	efa_core_process(p.a->h->core);
	CHECK_EQ(dp_qp_destroy(&p.aq), EFA_ADMIN_SUCCESS);
	fabric_run(p.f);
	no_cqe(&p.acq);
	CHECK_EQ(p.a->drops[EFA_WIRE_DROP_STALE], 1);
	pair_free(&p);
}

void test_dp_bad_wqe(void)
{
	struct dp_qp_args ud = { .type = EFA_ADMIN_QP_TYPE_UD };
	struct pair p;
	struct dp_wqe w;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	w = send_wqe(&p, SRC, 10, 1);
	w.ctrl1_xor = EFA_IO_TX_META_DESC_META_DESC_MASK;
	post(&p, &w);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_LOCAL_ERROR_QP_INTERNAL_ERROR);
	w = send_wqe(&p, SRC, 10, 2);
	w.ctrl2_xor = EFA_IO_TX_META_DESC_LAST_MASK;
	post(&p, &w);
	expect_tx(&p, 2, EFA_IO_COMP_STATUS_LOCAL_ERROR_QP_INTERNAL_ERROR);
	w = send_wqe(&p, SRC, 10, 3);
	w.wrong_phase = true;
	post(&p, &w);
	expect_tx(&p, 3, EFA_IO_COMP_STATUS_LOCAL_ERROR_QP_INTERNAL_ERROR);
	w = send_wqe(&p, SRC, 10, 4);
	w.ctrl1_xor = 5;	/* op_type 5 */
	post(&p, &w);
	expect_tx(&p, 4, EFA_IO_COMP_STATUS_LOCAL_ERROR_UNSUPPORTED_OP);
	w = send_wqe(&p, SRC, 10, 5);
	w.ah = 31;
	post(&p, &w);
	expect_tx(&p, 5, EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_AH);
	w = send_wqe(&p, SRC, 10, 6);
	w.use_length_override = true;
	w.length_override = 3;
	post(&p, &w);
	expect_tx(&p, 6, EFA_IO_COMP_STATUS_LOCAL_ERROR_BAD_LENGTH);
	w = send_wqe(&p, SRC, p.a->cfg.mtu + 1, 7);
	post(&p, &w);
	expect_tx(&p, 7, EFA_IO_COMP_STATUS_LOCAL_ERROR_BAD_LENGTH);
	w = send_wqe(&p, SRC, 10, 8);
	w.inline_data = "x";
	w.inline_len = 33;
	w.nsge = 0;
	{
		static const char big[40] = "x";

		w.inline_data = big;
		post(&p, &w);
	}
	expect_tx(&p, 8, EFA_IO_COMP_STATUS_LOCAL_ERROR_BAD_LENGTH);
	CHECK_EQ(p.a->traces[EFA_TRACE_BAD_WQE], 8);
	CHECK_EQ(p.a->traces[EFA_TRACE_FRAME_TX], 0);
	pair_free(&p);

	/* UD carries sends only */
	pair_setup(&p, EFA_ADMIN_QP_TYPE_UD, &ud, NULL);
	w = write_wqe(&p, SRC, 10, DST, 1);
	post(&p, &w);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_LOCAL_ERROR_UNSUPPORTED_OP);
	pair_free(&p);
}

void test_dp_bad_recv(void)
{
	struct pair p;
	struct dp_sge s[3];
	struct dp_wqe w;
	uint8_t e[32];
	uint32_t ro;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	/* three buffers, max_wr_recv_sges is 2: skipped with an error */
	s[0] = s[1] = s[2] = (struct dp_sge){ DST, 16, p.b->key };
	dp_post_recv(&p.bq, 1, s, 3);
	/* then a receive into an MR the device may not write */
	CHECK_EQ(dp_reg_mr(p.b, DATA_IOVA + 0x200000, 4, 0, &ro, 0), EFA_ADMIN_SUCCESS);
	s[0].addr = DATA_IOVA + 0x200000;
	s[0].lkey = ro;
	dp_post_recv(&p.bq, 2, s, 1);
	dp_ring_rq(&p.bq);
	w = send_wqe(&p, SRC, 10, 1);
	post(&p, &w);
	CHECK(dp_poll(&p.bcq, e));
	CHECK_EQ(le16(e), 1);
	CHECK_EQ(cqe_status(e), EFA_IO_COMP_STATUS_LOCAL_ERROR_QP_INTERNAL_ERROR);
	CHECK(dp_poll(&p.bcq, e));
	CHECK_EQ(le16(e), 2);
	CHECK_EQ(cqe_status(e), EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_LKEY);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_REMOTE_ERROR_ABORT);
	pair_free(&p);
}

void test_dp_dma_fail(void)
{
	struct pair p;
	struct dp_wqe w;
	uint8_t e[32];
	uint32_t bad_a, bad_b;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	/* MRs whose second page the host cannot reach */
	CHECK_EQ(dp_reg_mr(p.a, DATA_IOVA + 0x200000, 4, EFA_ADMIN_REG_MR_CMD_LOCAL_WRITE_ENABLE_MASK,
			   &bad_a, 2), EFA_ADMIN_SUCCESS);
	CHECK_EQ(dp_reg_mr(p.b, DATA_IOVA + 0x200000, 4,
			   EFA_ADMIN_REG_MR_CMD_LOCAL_WRITE_ENABLE_MASK |
			   EFA_ADMIN_REG_MR_CMD_REMOTE_WRITE_ENABLE_MASK, &bad_b, 2),
		 EFA_ADMIN_SUCCESS);
	w = send_wqe(&p, DATA_IOVA + 0x200000 + 4000, 200, 1);
	w.sge[0].lkey = bad_a;
	post(&p, &w);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_LOCAL_ERROR_QP_INTERNAL_ERROR);
	CHECK(p.a->traces[EFA_TRACE_DMA_FAIL] >= 1);
	/* a receive buffer there */
	{
		struct dp_sge s = { DATA_IOVA + 0x200000 + 4000, 200, bad_b };

		dp_post_recv(&p.bq, 5, &s, 1);
		dp_ring_rq(&p.bq);
	}
	w = send_wqe(&p, SRC, 200, 2);
	post(&p, &w);
	CHECK(dp_poll(&p.bcq, e));
	CHECK_EQ(cqe_status(e), EFA_IO_COMP_STATUS_LOCAL_ERROR_QP_INTERNAL_ERROR);
	expect_tx(&p, 2, EFA_IO_COMP_STATUS_REMOTE_ERROR_ABORT);
	/* an RDMA write into it */
	w = write_wqe(&p, SRC, 20000, DATA_IOVA + 0x200000, 3);
	w.rkey = bad_b;
	w.rlen = 16384;
	w.sge[0].length = 16384;
	post(&p, &w);
	expect_tx(&p, 3, EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_ADDRESS);
	CHECK(p.b->traces[EFA_TRACE_DMA_FAIL] >= 2);
	pair_free(&p);
}

void test_dp_cq_overflow(void)
{
	struct dp_cq_args ca = { .depth = 4 };
	struct pair p;
	struct dp_wqe w;
	uint8_t e[32];
	unsigned int i, errors;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, &ca);
	/* A's sends complete to one sub-CQ of 4; its consumer is known from polls */
	recv_one(&p.bq, 0, DST, 64);
	w = send_wqe(&p, SRC, 8, 0);
	post(&p, &w);
	CHECK(dp_poll(&p.acq, e));
	CHECK(dp_poll(&p.bcq, e));
	errors = p.a->h->errors;
	for (i = 1; i <= 12; i++) {
		recv_one(&p.bq, (uint16_t)i, DST, 64);
		w.req_id = i;
		post(&p, &w);
		CHECK(dp_poll(&p.bcq, e));
	}
	/* 4 fit, the rest are dropped and said so once, nothing breaks */
	CHECK_EQ(p.a->h->errors - errors, 1);
	for (i = 1; i <= 4; i++)
		expect_tx(&p, i, 0);
	no_cqe(&p.acq);
	pair_free(&p);
}

void test_dp_not_ours(void)
{
	struct fabric *f = fabric_new(3, NULL);
	struct dp_dev *a = &f->dev[0], *b = &f->dev[1], *c = &f->dev[2];
	struct dp_cq acq, bcq;
	struct dp_qp aq, bq;
	struct dp_qp_args qa = { .type = EFA_ADMIN_QP_TYPE_SRD };
	struct dp_cq_args ca = { 0 };
	struct dp_wqe w = { 0 };
	struct dp_sge s = { DST, 64, b->key };
	uint8_t junk[60] = { 0 };
	uint8_t e[32];

	CHECK_EQ(dp_cq_create(a, &ca, &acq), EFA_ADMIN_SUCCESS);
	CHECK_EQ(dp_cq_create(b, &ca, &bcq), EFA_ADMIN_SUCCESS);
	CHECK_EQ(dp_qp_create(a, &qa, &acq, &acq, &aq), EFA_ADMIN_SUCCESS);
	CHECK_EQ(dp_qp_create(b, &qa, &bcq, &bcq, &bq), EFA_ADMIN_SUCCESS);
	dp_post_recv(&bq, 1, &s, 1);
	dp_ring_rq(&bq);
	w.op = EFA_IO_SEND;
	w.sge[0] = (struct dp_sge){ SRC, 10, a->key };
	w.nsge = 1;
	w.ah = dp_ah(a, b);
	w.dest_qpn = (uint16_t)bq.qpn;
	dp_post_send(&aq, &w);
	dp_ring_sq(&aq);
	fabric_run(f);
	CHECK(dp_poll(&acq, e));
	CHECK_EQ(cqe_status(e), 0);
	/* the hub flooded the request to C and the answer too: both ignored */
	CHECK_EQ(c->drops[EFA_WIRE_DROP_NOT_OURS], 2);
	CHECK_EQ(c->traces[EFA_TRACE_FRAME_RX], 0);
	/* something that is no EFA frame */
	efa_core_wire_receive(b->h->core, junk, sizeof(junk));
	fabric_run(f);
	CHECK_EQ(b->drops[EFA_WIRE_DROP_MALFORMED], 1);
	fabric_free(f);
}

void test_dp_flood(void)
{
	struct dp_qp_args qa = { .type = EFA_ADMIN_QP_TYPE_SRD, .sq_depth = 1024,
				 .rq_entries = 2048 };
	struct dp_cq_args ca = { .depth = 1024 };
	struct efa_core_config cfg;
	struct pair p;
	struct dp_wqe w;
	uint8_t e[32];
	unsigned int i, rx = 0, tx = 0;

	dp_config(&cfg);
	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, &qa, &ca);
	(void)cfg;
	/* a narrow wire: backpressure all the way */
	p.f->wire_capacity = 4;
	for (i = 0; i < 1024; i++) {
		struct dp_sge s = { DST + (i % 64) * 64, 64, p.b->key };

		dp_post_recv(&p.bq, (uint16_t)i, &s, 1);
		w = send_wqe(&p, SRC, 64, i);
		dp_post_send(&p.aq, &w);
	}
	dp_ring_rq(&p.bq);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	while (dp_poll(&p.bcq, e)) {
		CHECK_EQ(cqe_status(e), 0);
		rx++;
	}
	while (dp_poll(&p.acq, e)) {
		CHECK_EQ(cqe_status(e), 0);
		tx++;
	}
	CHECK_EQ(rx, 1024);
	CHECK_EQ(tx, 1024);
	/* no bottom half did more than its budget */
	CHECK(p.a->max_tx_in_call <= EFA_DP_BUDGET);
	CHECK(p.a->process_calls >= 1024 / EFA_DP_BUDGET);
	pair_free(&p);
}

static void get_stats(struct dp_dev *d, uint8_t type, uint8_t scope, uint16_t qpn, uint64_t *v)
{
	struct efa_admin_aq_entry entry = { 0 };
	struct efa_admin_aq_get_stats_cmd *cmd = (void *)&entry;
	struct efa_admin_acq_entry resp;
	struct efa_admin_acq_get_stats_resp *r = (void *)&resp;
	int i;

	cmd->aq_common_descriptor.opcode = EFA_ADMIN_GET_STATS;
	cmd->type = type;
	cmd->scope = scope;
	cmd->scope_modifier = htole16(qpn);
	CHECK_EQ(drv_exec(d->h, &entry, &resp), EFA_ADMIN_SUCCESS);
	for (i = 0; i < 5; i++)
		v[i] = le64toh(((const __le64 *)(const void *)&r->u)[i]);
}

void test_dp_stats(void)
{
	struct dp_qp_args qa = { .type = EFA_ADMIN_QP_TYPE_SRD, .rnr_retry = 3 };
	struct pair p;
	struct dp_wqe w;
	uint64_t va[5], vb[5], vq[5];
	uint8_t e[32];

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, &qa, NULL);
	/* one send (refused once for want of a receive), one write, one read */
	w = send_wqe(&p, SRC, 100, 1);
	post(&p, &w);
	recv_one(&p.bq, 1, DST, 128);
	fabric_ticks(p.f, 3);
	w = send_wqe(&p, SRC, 20000, 2);
	w.op = EFA_IO_RDMA_WRITE;
	w.rkey = p.b->key;
	w.raddr = DST;
	post(&p, &w);
	w.op = EFA_IO_RDMA_READ;
	w.req_id = 3;
	w.sge[0].length = 5000;
	post(&p, &w);
	while (dp_poll(&p.acq, e))
		CHECK_EQ(cqe_status(e), 0);

	get_stats(p.a, EFA_ADMIN_GET_STATS_TYPE_BASIC, EFA_ADMIN_GET_STATS_SCOPE_ALL, 0, va);
	get_stats(p.b, EFA_ADMIN_GET_STATS_TYPE_BASIC, EFA_ADMIN_GET_STATS_SCOPE_ALL, 0, vb);
	/* every frame one sent the other received: tx of A is rx of B */
	CHECK_EQ(va[1], vb[3]);
	CHECK_EQ(va[0], vb[2]);
	CHECK_EQ(vb[1], va[3]);
	/* A: 2 sends, 3 write packets, 1 read request; B: 3 answers, 1 read packet */
	CHECK_EQ(va[1], 6);
	CHECK_EQ(vb[1], 4);
	get_stats(p.a, EFA_ADMIN_GET_STATS_TYPE_BASIC, EFA_ADMIN_GET_STATS_SCOPE_QUEUE,
		  (uint16_t)p.aq.qpn, vq);
	CHECK_EQ(vq[1], 6);
	get_stats(p.a, EFA_ADMIN_GET_STATS_TYPE_MESSAGES, EFA_ADMIN_GET_STATS_SCOPE_ALL, 0, va);
	CHECK_EQ(va[0], 100);	/* send_bytes */
	CHECK_EQ(va[1], 1);	/* send_wrs */
	get_stats(p.b, EFA_ADMIN_GET_STATS_TYPE_MESSAGES, EFA_ADMIN_GET_STATS_SCOPE_QUEUE,
		  (uint16_t)p.bq.qpn, vb);
	CHECK_EQ(vb[2], 100);	/* recv_bytes */
	CHECK_EQ(vb[3], 1);	/* recv_wrs */
	get_stats(p.a, EFA_ADMIN_GET_STATS_TYPE_RDMA_WRITE, EFA_ADMIN_GET_STATS_SCOPE_ALL, 0, va);
	CHECK_EQ(va[0], 1);
	CHECK_EQ(va[1], 20000);
	get_stats(p.b, EFA_ADMIN_GET_STATS_TYPE_RDMA_WRITE, EFA_ADMIN_GET_STATS_SCOPE_ALL, 0, vb);
	CHECK_EQ(vb[3], 20000);	/* write_recv_bytes */
	get_stats(p.a, EFA_ADMIN_GET_STATS_TYPE_RDMA_READ, EFA_ADMIN_GET_STATS_SCOPE_ALL, 0, va);
	CHECK_EQ(va[0], 1);
	CHECK_EQ(va[1], 5000);
	get_stats(p.b, EFA_ADMIN_GET_STATS_TYPE_RDMA_READ, EFA_ADMIN_GET_STATS_SCOPE_ALL, 0, vb);
	CHECK_EQ(vb[3], 5000);	/* read_resp_bytes */
	get_stats(p.a, EFA_ADMIN_GET_STATS_TYPE_NETWORK, EFA_ADMIN_GET_STATS_SCOPE_ALL, 0, va);
	CHECK_EQ(va[1], 1);	/* the send, resent once */
	CHECK_EQ(va[0], 100);
	/* a UD frame nobody has a receive for is a drop */
	pair_free(&p);
	{
		struct dp_qp_args ud = { .type = EFA_ADMIN_QP_TYPE_UD };

		pair_setup(&p, EFA_ADMIN_QP_TYPE_UD, &ud, NULL);
		w = send_wqe(&p, SRC, 10, 1);
		post(&p, &w);
		get_stats(p.b, EFA_ADMIN_GET_STATS_TYPE_BASIC, EFA_ADMIN_GET_STATS_SCOPE_ALL, 0, vb);
		CHECK_EQ(vb[4], 1);
		get_stats(p.b, EFA_ADMIN_GET_STATS_TYPE_BASIC, EFA_ADMIN_GET_STATS_SCOPE_QUEUE,
			  (uint16_t)p.bq.qpn, vb);
		CHECK_EQ(vb[4], 1);
		pair_free(&p);
	}
}

static uint8_t sq_draining(struct dp_qp *qp)
{
	struct efa_admin_aq_entry entry = { 0 };
	struct efa_admin_acq_entry resp;

	entry.aq_common_descriptor.opcode = EFA_ADMIN_QUERY_QP;
	entry.u.inline_data_w1[0] = htole32(qp->qpn);
	CHECK_EQ(drv_exec(qp->d->h, &entry, &resp), EFA_ADMIN_SUCCESS);
	return ((struct efa_admin_query_qp_resp *)&resp)->sq_draining;
}

void test_dp_sqd(void)
{
	struct pair p;
	struct dp_wqe w;
	unsigned int tx;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	p.f->drop_all = true;
	w = send_wqe(&p, SRC, 10, 1);
	post(&p, &w);
	CHECK_EQ(dp_qp_modify(&p.aq, EFA_ADMIN_QP_STATE_SQD), EFA_ADMIN_SUCCESS);
	/* a send in flight: draining; a new WQE is not fetched in SQD */
	CHECK_EQ(sq_draining(&p.aq), 1);
	tx = p.a->traces[EFA_TRACE_FRAME_TX];
	w.req_id = 2;
	post(&p, &w);
	CHECK_EQ(p.a->traces[EFA_TRACE_FRAME_TX], tx);
	fabric_ticks(p.f, p.a->cfg.srd_timeout_ms + 10);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_LOCAL_ERROR_UNREACH_REMOTE);
	CHECK_EQ(sq_draining(&p.aq), 0);
	/* back to RTS: the waiting WQE goes */
	p.f->drop_all = false;
	recv_one(&p.bq, 1, DST, 64);
	CHECK_EQ(dp_qp_modify(&p.aq, EFA_ADMIN_QP_STATE_RTS), EFA_ADMIN_SUCCESS);
	fabric_run(p.f);
	expect_tx(&p, 2, 0);
	pair_free(&p);
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)*s;
}

/*
 * A hostile guest and a hostile peer: random WQEs (half of them nearly
 * valid), random receive descriptors, doorbells and state changes, and
 * random frames with a valid header around random fields.  The device must
 * neither crash (ASan watches) nor stop answering well-formed work.
 */
void test_dp_fuzz(void)
{
	struct pair p;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	struct dp_wqe w;
	uint8_t e[32];
	unsigned int i, j;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	for (i = 0; i < 3000; i++) {
		uint32_t r = rnd(&seed);

		switch (r % 6) {
		case 0: {
			/* random bytes in the next LLQ slot, sometimes with a good meta */
			uint8_t *slot = p.a->llq + (uint64_t)p.aq.qpn * p.a->cfg.max_llq_size +
					(uint64_t)(p.aq.sq_pc % p.aq.depth) * p.aq.wqe_size;

			for (j = 0; j < p.aq.wqe_size; j++)
				slot[j] = (uint8_t)rnd(&seed);
			if (r & 0x100) {
				slot[2] = (uint8_t)((slot[2] & 0x3f) | 0x80);
				slot[3] = (uint8_t)(0x1c | ((p.aq.sq_pc / p.aq.depth) & 1));
			}
			p.aq.sq_pc++;
			dp_ring_sq(&p.aq);
			break;
		}
		case 1: {
			/* a nearly valid request with random lengths, keys, addresses */
			w = send_wqe(&p, DATA_IOVA + (rnd(&seed) % (DATA_PAGES * 4096u)),
				     rnd(&seed) % 30000, i);
			w.op = (uint8_t)(rnd(&seed) % 3);
			w.rkey = (rnd(&seed) & 1) ? p.b->key : rnd(&seed);
			w.raddr = DATA_IOVA + (rnd(&seed) % (DATA_PAGES * 4096u));
			w.imm = rnd(&seed) & 1;
			if (rnd(&seed) % 8 == 0)
				w.dest_qpn = (uint16_t)rnd(&seed);
			dp_post_send(&p.aq, &w);
			dp_ring_sq(&p.aq);
			break;
		}
		case 2: {
			struct efa_io_rx_desc *d = guest_ptr(p.b->h, p.bq.rq_ring +
							     (p.bq.rq_pc % p.bq.rq_entries) * 16ull);
			uint8_t *raw = (uint8_t *)d;

			for (j = 0; j < 16; j++)
				raw[j] = (uint8_t)rnd(&seed);
			if (r & 0x100) {
				d->lkey_ctrl = htole32(EFA_IO_RX_DESC_FIRST_MASK | EFA_IO_RX_DESC_LAST_MASK |
						       p.b->key);
				d->buf_addr_lo = htole32((uint32_t)(DATA_IOVA + (rnd(&seed) % 0x100000)));
				d->buf_addr_hi = htole32((uint32_t)(DATA_IOVA >> 32));
			}
			p.bq.rq_pc++;
			dp_ring_rq(&p.bq);
			break;
		}
		case 3: {
			/* a frame from "somewhere" to B: a real header, random fields */
			struct efa_wire_hdr h;
			uint8_t frame[EFA_WIRE_HEADERS + 512];
			uint8_t payload[512];
			size_t len;

			memset(&h, 0, sizeof(h));
			for (j = 0; j < sizeof(payload); j++)
				payload[j] = (uint8_t)rnd(&seed);
			h.op = (uint8_t)(1 + rnd(&seed) % 6);
			h.status = (uint8_t)rnd(&seed);
			h.flags = (uint16_t)rnd(&seed);
			memcpy(h.dst_addr, p.b->cfg.addr, 16);
			memcpy(h.src_addr, (r & 0x200) ? p.a->cfg.addr : payload, 16);
			h.dst_qpn = (uint16_t)(rnd(&seed) % 4);
			h.src_qpn = (uint16_t)(rnd(&seed) % 4);
			h.qkey = (r & 0x400) ? 0x11111111 : rnd(&seed);
			h.msg_id = rnd(&seed) % 8;
			h.cookie = rnd(&seed) % 80;
			h.attempt = (uint8_t)(rnd(&seed) % 2);
			h.payload_len = (uint16_t)(rnd(&seed) % sizeof(payload));
			h.msg_len = rnd(&seed) % 40000;
			h.offset = rnd(&seed) % 40000;
			h.rkey = (r & 0x800) ? p.b->key : rnd(&seed);
			h.remote_addr = DATA_IOVA + (rnd(&seed) % (DATA_PAGES * 4096u));
			len = efa_wire_encode(frame, &h, payload);
			if (r & 0x1000)
				len = rnd(&seed) % len;
			efa_core_wire_receive(p.b->h->core, frame, len);
			break;
		}
		case 4:
			if (r % 97 == 0) {
				CHECK_EQ(dp_qp_modify(&p.bq, EFA_ADMIN_QP_STATE_ERR), 0);
				fabric_run(p.f);
				CHECK_EQ(dp_qp_to_rts(&p.bq, 7), 0);
			}
			efa_core_db_write(p.b->h->core, p.bcq.db, rnd(&seed));
			break;
		default:
			fabric_ticks(p.f, 1 + rnd(&seed) % 50);
			break;
		}
		fabric_run(p.f);
		while (dp_poll(&p.acq, e) || dp_poll(&p.bcq, e))
			;
	}
	if (getenv("EFA_TEST_VERBOSE"))
		for (j = 0; j <= EFA_TRACE_FRAME_DROP; j++)
			fprintf(stderr, "  trace %u: a %u b %u\n", j, p.a->traces[j], p.b->traces[j]);
	/* after all that, once what was in flight has timed out, it still works */
	fabric_ticks(p.f, p.a->cfg.srd_timeout_ms + 100);
	while (dp_poll(&p.acq, e) || dp_poll(&p.bcq, e))
		;
	CHECK_EQ(dp_qp_to_rts(&p.aq, 0), 0);
	CHECK_EQ(dp_qp_to_rts(&p.bq, 0), 0);
	efa_core_db_write(p.b->h->core, p.bcq.db, p.bcq.total & 0xffff);
	dp_fill(p.a, SRC, 100, 9);
	recv_one(&p.bq, 1, DST, 128);
	w = send_wqe(&p, SRC, 100, 5);
	post(&p, &w);
	check_rx_cqe(&p.bcq, NULL, p.bq.qpn, 1, 100, p.aq.qpn, p.ah_ba);
	CHECK(dp_check(p.b, DST, 100, 9));
	expect_tx(&p, 5, 0);
	pair_free(&p);
}

/* A write with immediate half received when its QP goes to error. */
void test_dp_flush_taken_receive(void)
{
	struct pair p;
	struct dp_wqe w;
	struct fab_port *port;
	uint8_t e[32];

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	recv_one(&p.bq, 77, DST, 64);
	fabric_run(p.f);
	w = write_wqe(&p, SRC, 20000, DST, 1);
	w.imm = true;
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	p.a->scheduled = false;
	efa_core_process(p.a->h->core);
	/* only the first of its three packets reaches B */
	port = &p.f->port[1];
	CHECK_EQ(port->count, 3);
	efa_core_wire_receive(p.b->h->core, port->frames[port->head].data,
			      port->frames[port->head].len);
	port->count = 0;
	p.b->scheduled = false;
	efa_core_process(p.b->h->core);
	CHECK(!dp_poll(&p.bcq, e));
	CHECK_EQ(dp_qp_modify(&p.bq, EFA_ADMIN_QP_STATE_ERR), EFA_ADMIN_SUCCESS);
	fabric_run(p.f);
	CHECK(dp_poll(&p.bcq, e));
	CHECK_EQ(le16(e), 77);
	CHECK_EQ(cqe_status(e), EFA_IO_COMP_STATUS_FLUSHED);
	CHECK(!dp_poll(&p.bcq, e));
	pair_free(&p);
}

/* An answer with a status no responder gives fails the request as BAD_STATUS. */
void test_dp_bad_answer(void)
{
	struct efa_wire_hdr h;
	uint8_t frame[EFA_WIRE_HEADERS];
	struct pair p;
	struct dp_wqe w;
	size_t len;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	p.f->drop_all = true;
	w = send_wqe(&p, SRC, 10, 1);
	post(&p, &w);
	memset(&h, 0, sizeof(h));
	h.op = EFA_WIRE_SRD_RESP;
	h.flags = EFA_WIRE_F_LAST;
	memcpy(h.dst_addr, p.a->cfg.addr, 16);
	memcpy(h.src_addr, p.b->cfg.addr, 16);
	h.dst_qpn = (uint16_t)p.aq.qpn;
	h.src_qpn = (uint16_t)p.bq.qpn;
	/* the first message on the channel, the QP's first slot */
	h.status = 200;
	h.cookie = 1;
	len = efa_wire_encode(frame, &h, NULL);
	efa_core_wire_receive(p.a->h->core, frame, len);
	fabric_run(p.f);
	/* another slot: stale */
	CHECK_EQ(p.a->drops[EFA_WIRE_DROP_STALE], 1);
	h.cookie = 0;
	len = efa_wire_encode(frame, &h, NULL);
	efa_core_wire_receive(p.a->h->core, frame, len);
	fabric_run(p.f);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_STATUS);
	pair_free(&p);
}

/*
 * A requester that restarts counts its message ids from 0 again: what the
 * responder kept of the old incarnation's messages must not catch the new
 * ones.
 */
void test_dp_peer_restart(void)
{
	struct dp_cq_args ca = { 0 };
	struct dp_qp_args qa = { .type = EFA_ADMIN_QP_TYPE_SRD };
	struct pair p;
	struct dp_wqe w;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	/* a two-packet write with immediate refused for want of a receive */
	w = write_wqe(&p, SRC, 10000, DST, 1);
	w.imm = true;
	post(&p, &w);
	expect_tx(&p, 1, EFA_IO_COMP_STATUS_REMOTE_ERROR_RNR);
	/* A resets and comes back; the same message id, now with a receive */
	dp_dev_reset(p.a);
	CHECK_EQ(dp_cq_create(p.a, &ca, &p.acq), EFA_ADMIN_SUCCESS);
	CHECK_EQ(dp_qp_create(p.a, &qa, &p.acq, &p.acq, &p.aq), EFA_ADMIN_SUCCESS);
	p.ah_ab = dp_ah(p.a, p.b);
	recv_one(&p.bq, 9, DATA_IOVA + 0x300000, 16);
	dp_fill(p.a, SRC, 10000, 3);
	w = write_wqe(&p, SRC, 10000, DST, 2);
	w.imm = true;
	w.sge[0].lkey = p.a->key;
	post(&p, &w);
	expect_tx(&p, 2, 0);
	CHECK(dp_check(p.b, DST, 10000, 3));

	/* a 2 MiB read being answered when its requester restarts: B stops */
	w = write_wqe(&p, SRC, 2u << 20, DST, 3);
	w.op = EFA_IO_RDMA_READ;
	w.sge[0].lkey = p.a->key;
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	p.a->scheduled = false;
	efa_core_process(p.a->h->core);
	efa_core_wire_receive(p.b->h->core, p.f->port[1].frames[p.f->port[1].head].data,
			      p.f->port[1].frames[p.f->port[1].head].len);
	p.f->port[1].count = 0;
	p.b->scheduled = false;
	efa_core_process(p.b->h->core);
	CHECK(p.b->scheduled);		/* more of the read to send */
	dp_dev_reset(p.a);
	CHECK_EQ(dp_cq_create(p.a, &ca, &p.acq), EFA_ADMIN_SUCCESS);
	CHECK_EQ(dp_qp_create(p.a, &qa, &p.acq, &p.acq, &p.aq), EFA_ADMIN_SUCCESS);
	p.ah_ab = dp_ah(p.a, p.b);
	p.f->port[0].count = 0;
	recv_one(&p.bq, 10, DATA_IOVA + 0x300000, 16);
	w = send_wqe(&p, SRC, 8, 4);
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	expect_tx(&p, 4, 0);
	/* B stopped the read (235 packets) once it heard A's new incarnation */
	CHECK(p.b->traces[EFA_TRACE_FRAME_TX] < 200);
	pair_free(&p);
}
