// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Host tests of the data path: real WQEs and receive descriptors written
 * with EFA_SET into the fake LLQ and guest memory of two devices on a fake
 * hub (or one device talking to itself), CQEs and data checked byte by
 * byte.
 */
#include <endian.h>
#include <string.h>
#include <time.h>

#include "dp_tests.h"

#include "dp_helpers.h"

void test_dp_srd_send_recv(void)
{
	struct pair p;
	struct dp_wqe w;
	uint8_t e[32];

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	dp_fill(p.a, SRC, 300, 0x11);
	recv_one(&p.bq, 0x77, DST, 1000);
	w = send_wqe(&p, SRC, 300, 0x1234);
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	/* the doorbell only schedules: nothing moves before the bottom half */
	CHECK_EQ(p.f->port[1].count, 0);
	CHECK(p.a->scheduled);
	p.a->scheduled = false;
	efa_core_process(p.a->h->core);
	CHECK_EQ(p.f->port[1].count, 1);
	/* SRD: no TX completion before the responder has answered */
	CHECK(!dp_poll(&p.acq, e));
	fabric_run(p.f);
	check_rx_cqe(&p.bcq, NULL, p.bq.qpn, 0x77, 300, p.aq.qpn, p.ah_ba);
	CHECK(dp_check(p.b, DST, 300, 0x11));
	CHECK_EQ(*dp_data(p.b, DST + 300), 0);
	check_tx_cqe(&p.acq, p.aq.qpn, 0x1234, EFA_IO_COMP_STATUS_OK);
	CHECK(!dp_poll(&p.acq, e));
	CHECK(!dp_poll(&p.bcq, e));
	CHECK_EQ(p.a->traces[EFA_TRACE_SQ_DB], 1);
	CHECK_EQ(p.a->traces[EFA_TRACE_WQE], 1);
	CHECK_EQ(p.a->traces[EFA_TRACE_FRAME_TX], 1);
	CHECK_EQ(p.b->traces[EFA_TRACE_FRAME_RX], 1);
	CHECK_EQ(p.b->traces[EFA_TRACE_FRAME_TX], 1);	/* the answer */
	CHECK_EQ(p.a->traces[EFA_TRACE_CQE], 1);
	CHECK_EQ(p.b->traces[EFA_TRACE_CQE], 1);
	pair_free(&p);
}

void test_dp_srd_send_imm(void)
{
	struct pair p;
	struct dp_wqe w;
	uint8_t e[32];

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	dp_fill(p.a, SRC, 64, 0x5a);
	recv_one(&p.bq, 3, DST, 64);
	w = send_wqe(&p, SRC, 64, 9);
	w.imm = true;
	w.imm_data = 0xdeadbeef;
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	CHECK(dp_poll(&p.bcq, e));
	check_rx_cqe(&p.bcq, e, p.bq.qpn, 3, 64, p.aq.qpn, p.ah_ba);
	CHECK(EFA_GET(&((struct efa_io_cdesc_common *)e)->flags, EFA_IO_CDESC_COMMON_HAS_IMM));
	CHECK_EQ(le32toh(RX(e, base.imm)), 0xdeadbeef);
	CHECK_EQ(EFA_GET(&((struct efa_io_cdesc_common *)e)->flags, EFA_IO_CDESC_COMMON_OP_TYPE),
		 EFA_IO_SEND);
	CHECK(dp_check(p.b, DST, 64, 0x5a));
	check_tx_cqe(&p.acq, p.aq.qpn, 9, 0);
	pair_free(&p);
}

void test_dp_ud_grh(void)
{
	struct pair p;
	struct dp_wqe w;
	uint8_t e[32], *grh;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_UD, NULL, NULL);
	dp_fill(p.a, SRC, 200, 0x21);
	recv_one(&p.bq, 5, DST, 40 + 200);
	w = send_wqe(&p, SRC, 200, 17);
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	p.a->scheduled = false;
	efa_core_process(p.a->h->core);
	/* UD: complete on transmit, before the frame even left */
	check_tx_cqe(&p.acq, p.aq.qpn, 17, 0);
	fabric_run(p.f);
	check_rx_cqe(&p.bcq, NULL, p.bq.qpn, 5, 240, p.aq.qpn, p.ah_ba);
	grh = dp_data(p.b, DST);
	CHECK_EQ(grh[0] >> 4, 6);
	CHECK_EQ(grh[4] << 8 | grh[5], 200);
	CHECK(!memcmp(grh + 8, p.a->cfg.addr, 16));
	CHECK(!memcmp(grh + 24, p.b->cfg.addr, 16));
	CHECK(dp_check(p.b, DST + 40, 200, 0x21));
	/* UD answers nothing, and a frame for a QP without a receive is dropped */
	CHECK_EQ(p.b->traces[EFA_TRACE_FRAME_TX], 0);
	w.req_id = 18;
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	check_tx_cqe(&p.acq, p.aq.qpn, 18, 0);
	CHECK(!dp_poll(&p.bcq, e));
	CHECK_EQ(p.b->drops[EFA_WIRE_DROP_NO_RECV], 1);
	/* another qkey: dropped too */
	recv_one(&p.bq, 6, DST, 40 + 200);
	w.qkey = 0x1234;
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	CHECK(!dp_poll(&p.bcq, e));
	CHECK_EQ(p.b->drops[EFA_WIRE_DROP_QKEY], 1);
	pair_free(&p);
}

void test_dp_inline(void)
{
	static const char msg[] = "inline bytes in the WQE itself";
	struct pair p;
	struct dp_wqe w = { 0 };

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	recv_one(&p.bq, 1, DST, 100);
	w = send_wqe(&p, 0, 0, 2);
	w.nsge = 0;
	w.inline_data = msg;
	w.inline_len = sizeof(msg) - 1;
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	check_rx_cqe(&p.bcq, NULL, p.bq.qpn, 1, sizeof(msg) - 1, p.aq.qpn, p.ah_ba);
	CHECK(!memcmp(dp_data(p.b, DST), msg, sizeof(msg) - 1));
	check_tx_cqe(&p.acq, p.aq.qpn, 2, 0);
	pair_free(&p);
}

void test_dp_two_sges(void)
{
	struct dp_sge rs[2];
	struct pair p;
	struct dp_wqe w;
	uint8_t *got;
	int i;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	dp_fill(p.a, SRC, 100, 1);
	dp_fill(p.a, SRC + 0x3000, 150, 2);
	/* received into 70 + 500 bytes: the split differs from the sender's */
	rs[0] = (struct dp_sge){ DST, 70, p.b->key };
	rs[1] = (struct dp_sge){ DST + 0x2000, 500, p.b->key };
	dp_post_recv(&p.bq, 44, rs, 2);
	dp_ring_rq(&p.bq);
	w = send_wqe(&p, SRC, 100, 1);
	w.sge[1] = (struct dp_sge){ SRC + 0x3000, 150, p.a->key };
	w.nsge = 2;
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	check_rx_cqe(&p.bcq, NULL, p.bq.qpn, 44, 250, p.aq.qpn, p.ah_ba);
	CHECK(dp_check(p.b, DST, 70, 1));
	got = dp_data(p.b, DST + 0x2000);
	for (i = 0; i < 30; i++)
		CHECK_EQ(got[i], *dp_data(p.a, SRC + 70 + i));
	for (i = 0; i < 150; i++)
		CHECK_EQ(*dp_data(p.b, DST + 0x2000 + 30 + i), *dp_data(p.a, SRC + 0x3000 + i));
	check_tx_cqe(&p.acq, p.aq.qpn, 1, 0);
	pair_free(&p);
}

void test_dp_zero_length(void)
{
	struct pair p;
	struct dp_wqe w;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	*dp_data(p.b, DST) = 0xab;
	recv_one(&p.bq, 8, DST, 16);
	w = send_wqe(&p, SRC, 0, 4);
	dp_post_send(&p.aq, &w);
	w.nsge = 0;
	w.req_id = 5;
	recv_one(&p.bq, 9, DST, 16);
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	check_rx_cqe(&p.bcq, NULL, p.bq.qpn, 8, 0, p.aq.qpn, p.ah_ba);
	check_rx_cqe(&p.bcq, NULL, p.bq.qpn, 9, 0, p.aq.qpn, p.ah_ba);
	CHECK_EQ(*dp_data(p.b, DST), 0xab);
	check_tx_cqe(&p.acq, p.aq.qpn, 4, 0);
	check_tx_cqe(&p.acq, p.aq.qpn, 5, 0);
	pair_free(&p);
}

void test_dp_loopback(void)
{
	struct fabric *f = fabric_new(2, NULL);
	struct dp_dev *d = &f->dev[0];
	struct dp_cq cq;
	struct dp_qp q1, q2;
	struct dp_qp_args qa = { .type = EFA_ADMIN_QP_TYPE_SRD };
	struct dp_cq_args ca = { 0 };
	struct dp_wqe w = { 0 };
	struct dp_sge s = { DST, 4000, d->key };
	uint16_t self;
	uint8_t e[32];
	int i;

	CHECK_EQ(dp_cq_create(d, &ca, &cq), EFA_ADMIN_SUCCESS);
	CHECK_EQ(dp_qp_create(d, &qa, &cq, &cq, &q1), EFA_ADMIN_SUCCESS);
	CHECK_EQ(dp_qp_create(d, &qa, &cq, &cq, &q2), EFA_ADMIN_SUCCESS);
	self = dp_ah(d, d);
	dp_fill(d, SRC, 4000, 0x33);
	dp_post_recv(&q2, 12, &s, 1);
	dp_ring_rq(&q2);
	w.op = EFA_IO_SEND;
	w.sge[0] = (struct dp_sge){ SRC, 4000, d->key };
	w.nsge = 1;
	w.ah = self;
	w.dest_qpn = (uint16_t)q2.qpn;
	w.req_id = 99;
	dp_post_send(&q1, &w);
	dp_ring_sq(&q1);
	fabric_run(f);
	/* both completions, no frame on the wire */
	for (i = 0; i < 2; i++) {
		CHECK(dp_poll(&cq, e));
		if (q_type(e) == EFA_IO_RECV_QUEUE) {
			check_rx_cqe(&cq, e, q2.qpn, 12, 4000, q1.qpn, self);
		} else {
			CHECK_EQ(cqe_status(e), 0);
			CHECK_EQ(le16(e), 99);
		}
	}
	CHECK(dp_check(d, DST, 4000, 0x33));
	CHECK_EQ(f->delivered, 0);
	CHECK_EQ(d->traces[EFA_TRACE_FRAME_TX], 2);
	CHECK_EQ(d->traces[EFA_TRACE_FRAME_RX], 2);
	fabric_free(f);
}

void test_dp_ring_wrap(void)
{
	struct dp_qp_args qa = { .type = EFA_ADMIN_QP_TYPE_SRD, .sq_depth = 4, .rq_entries = 4 };
	struct dp_cq_args ca = { .depth = 4, .entry_size = 32 };
	struct pair p;
	uint8_t e[32];
	int i, r;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, &qa, &ca);
	/* 3 laps of every ring, 3 at a time; each phase must flip on wrap */
	for (r = 0; r < 4; r++) {
		for (i = 0; i < 3; i++) {
			uint32_t n = r * 3 + i;
			struct dp_wqe w = send_wqe(&p, SRC + n * 16, 16, 100 + n);

			dp_fill(p.a, SRC + n * 16, 16, (uint8_t)n);
			recv_one(&p.bq, (uint16_t)(200 + n), DST + n * 16, 16);
			dp_post_send(&p.aq, &w);
		}
		dp_ring_sq(&p.aq);
		fabric_run(p.f);
		for (i = 0; i < 3; i++) {
			uint32_t n = r * 3 + i;

			check_rx_cqe(&p.bcq, NULL, p.bq.qpn, (uint16_t)(200 + n), 16, p.aq.qpn,
				     p.ah_ba);
			CHECK(dp_check(p.b, DST + n * 16, 16, (uint8_t)n));
			check_tx_cqe(&p.acq, p.aq.qpn, 100 + n, 0);
		}
		CHECK(!dp_poll(&p.acq, e));
		CHECK(!dp_poll(&p.bcq, e));
	}
	pair_free(&p);
}

/* Whether entry 0 of sub-CQ sub of cq holds a CQE (phase 1). */
static bool sub_cq_written(struct dp_cq *cq, uint16_t sub)
{
	uint8_t *e = guest_ptr(cq->d->h, cq->ring + (uint64_t)sub * cq->depth * cq->entry_size);

	return e[3] & EFA_IO_CDESC_COMMON_PHASE_MASK;
}

void test_dp_sub_cqs(void)
{
	struct pair p;
	struct dp_qp q2;
	struct dp_qp_args qa = { .type = EFA_ADMIN_QP_TYPE_SRD };
	struct dp_wqe w;
	uint16_t s;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	CHECK_EQ(dp_qp_create(p.b, &qa, &p.bcq, &p.bcq, &q2), EFA_ADMIN_SUCCESS);
	/* send and receive completions of a QP on one CQ go to two sub-CQs */
	CHECK(p.aq.send_sub != p.aq.recv_sub);
	recv_one(&q2, 31, DST, 64);
	w = send_wqe(&p, SRC, 10, 1);
	w.dest_qpn = (uint16_t)q2.qpn;
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	/* each CQE is the first entry of the sub-CQ CREATE_QP named, phase 1 */
	for (s = 0; s < p.bcq.subs; s++)
		CHECK_EQ(sub_cq_written(&p.bcq, s), s == q2.recv_sub);
	for (s = 0; s < p.acq.subs; s++)
		CHECK_EQ(sub_cq_written(&p.acq, s), s == p.aq.send_sub);
	check_rx_cqe(&p.bcq, NULL, q2.qpn, 31, 10, p.aq.qpn, p.ah_ba);
	check_tx_cqe(&p.acq, p.aq.qpn, 1, 0);
	pair_free(&p);
}

void test_dp_req_id_64(void)
{
	struct pair p;
	struct dp_wqe w;
	uint8_t e[32];
	const struct efa_io_tx_cdesc *tx = (const void *)e;
	uint64_t id = 0xfedcba9876543210ull, got;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	recv_one(&p.bq, 1, DST, 64);
	w = send_wqe(&p, SRC, 8, id);
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	CHECK(dp_poll(&p.acq, e));
	got = le16toh(tx->common.req_id) | (uint64_t)le16toh(tx->req_id_ex.w[0]) << 16 |
	      (uint64_t)le16toh(tx->req_id_ex.w[1]) << 32 |
	      (uint64_t)le16toh(tx->req_id_ex.w[2]) << 48;
	CHECK_EQ(got, id);
	pair_free(&p);
}

void test_dp_cq_event(void)
{
	struct dp_cq_args ca = { .interrupts = true };
	struct pair p;
	struct dp_wqe w;
	struct efa_admin_eqe *eq;
	uint8_t e[32];

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, &ca);
	eq = guest_ptr(p.b->h, EQ_ADDR);
	/* not armed: completions, no event */
	recv_one(&p.bq, 1, DST, 64);
	w = send_wqe(&p, SRC, 8, 1);
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	CHECK(dp_poll(&p.bcq, e));
	CHECK_EQ(p.b->h->irqs[1], 0);
	CHECK_EQ(le32toh(eq[0].common), 0);
	/* armed: the next CQE writes one EQE and fires the EQ's vector once */
	dp_cq_arm(&p.bcq, 1);
	recv_one(&p.bq, 2, DST, 64);
	recv_one(&p.bq, 3, DST, 64);
	w.req_id = 2;
	dp_post_send(&p.aq, &w);
	w.req_id = 3;
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	CHECK_EQ(p.b->h->irqs[1], 1);
	CHECK_EQ(EFA_GET(&eq[0].common, EFA_ADMIN_EQE_PHASE), 1);
	CHECK_EQ(EFA_GET(&eq[0].common, EFA_ADMIN_EQE_EVENT_TYPE),
		 EFA_ADMIN_EQE_EVENT_TYPE_COMPLETION);
	CHECK_EQ(le16toh(eq[0].u.comp_event.cqn), p.bcq.cqn);
	CHECK_EQ(le32toh(eq[1].common), 0);
	CHECK_EQ(p.b->traces[EFA_TRACE_EQE], 1);
	CHECK(dp_poll(&p.bcq, e));
	CHECK(dp_poll(&p.bcq, e));
	/* re-armed, but the EQ itself not: the EQE is written, no interrupt */
	dp_cq_arm(&p.bcq, 2);
	recv_one(&p.bq, 4, DST, 64);
	w.req_id = 4;
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	CHECK_EQ(le16toh(eq[1].u.comp_event.cqn), p.bcq.cqn);
	CHECK_EQ(p.b->h->irqs[1], 1);
	/* the driver re-arms the EQ after its interrupt handler */
	efa_core_reg_write(p.b->h->core, EFA_REGS_EQ_DB_OFF, p.b->eqn | EFA_REGS_EQ_DB_ARM_MASK);
	dp_cq_arm(&p.bcq, 3);
	recv_one(&p.bq, 5, DST, 64);
	w.req_id = 5;
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	CHECK_EQ(p.b->h->irqs[1], 2);
	/*
	 * Completions 4 and 5 are still unpolled: an arm whose consumer index
	 * is behind the CQ's producer announces them at once, or a consumer
	 * that re-arms after a completion slipped in waits forever.
	 */
	efa_core_reg_write(p.b->h->core, EFA_REGS_EQ_DB_OFF, p.b->eqn | EFA_REGS_EQ_DB_ARM_MASK);
	dp_cq_arm(&p.bcq, 0);
	CHECK_EQ(p.b->h->irqs[1], 3);
	CHECK_EQ(le16toh(eq[3].u.comp_event.cqn), p.bcq.cqn);
	/* once they are consumed, an arm waits for the next completion */
	CHECK(dp_poll(&p.bcq, e));
	CHECK(dp_poll(&p.bcq, e));
	efa_core_reg_write(p.b->h->core, EFA_REGS_EQ_DB_OFF, p.b->eqn | EFA_REGS_EQ_DB_ARM_MASK);
	dp_cq_arm(&p.bcq, 1);
	fabric_run(p.f);
	CHECK_EQ(p.b->h->irqs[1], 3);
	CHECK_EQ(le32toh(eq[4].common), 0);
	pair_free(&p);
}

/* Messages per second of the core itself: small SRD sends between two devices. */
void test_dp_send_rate(void)
{
	struct dp_qp_args qa = { .type = EFA_ADMIN_QP_TYPE_SRD, .sq_depth = 64, .rq_entries = 64 };
	struct dp_cq_args ca = { .depth = 256 };
	const unsigned int rounds = 500, batch = 32;
	struct timespec t0, t1;
	unsigned int r, i, done = 0;
	struct pair p;
	uint8_t e[32];
	double s;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, &qa, &ca);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < batch; i++) {
			struct dp_sge sg = { DST, 64, p.b->key };
			struct dp_wqe w = send_wqe(&p, SRC, 64, i);

			dp_post_recv(&p.bq, (uint16_t)i, &sg, 1);
			dp_post_send(&p.aq, &w);
		}
		dp_ring_rq(&p.bq);
		dp_ring_sq(&p.aq);
		fabric_run(p.f);
		while (dp_poll(&p.bcq, e))
			;
		while (dp_poll(&p.acq, e))
			done += cqe_status(e) == 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_EQ(done, rounds * batch);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%u 64-byte SRD sends between two cores: %.3f s, %.0f messages/s\n", done, s,
	       done / s);
	pair_free(&p);
}

/* A CQ ring by IOVA in an MR (virt): every entry through the page list. */
void test_dp_virtual_cq(void)
{
	struct dp_cq_args ca = { .depth = 256, .virt = DATA_IOVA + 0x500000 };
	struct pair p;
	unsigned int i;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, &ca);
	/* 300 receives: past a wrap of the 256-entry sub-CQ, over 4 pages */
	for (i = 0; i < 300; i++) {
		struct dp_wqe w = send_wqe(&p, SRC, 4, i);

		recv_one(&p.bq, (uint16_t)i, DST, 16);
		dp_post_send(&p.aq, &w);
		dp_ring_sq(&p.aq);
		fabric_run(p.f);
		check_rx_cqe(&p.bcq, NULL, p.bq.qpn, (uint16_t)i, 4, p.aq.qpn, p.ah_ba);
		check_tx_cqe(&p.acq, p.aq.qpn, i, 0);
	}
	pair_free(&p);
}
