// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Host tests of RDMA read and write (segmented into MTU-sized packets and
 * reassembled), write with immediate and its unsolicited receive, the
 * source address of an unknown sender, and 128-byte WQEs.
 */
#include <endian.h>
#include <string.h>

#include "dp_helpers.h"
#include "dp_tests.h"

static struct dp_wqe rdma_wqe(const struct pair *p, uint8_t op, uint64_t local, uint32_t len,
			      uint64_t remote, uint64_t req_id)
{
	struct dp_wqe w = send_wqe(p, local, len, req_id);

	w.op = op;
	w.rkey = p->b->key;
	w.raddr = remote;
	return w;
}

static void check_tx_op(struct dp_cq *cq, uint64_t req_id, uint8_t status, uint8_t op)
{
	uint8_t e[32];

	CHECK(dp_poll(cq, e));
	CHECK_EQ(cqe_status(e), status);
	CHECK_EQ(q_type(e), EFA_IO_SEND_QUEUE);
	CHECK_EQ(CQE_FLAG(e, EFA_IO_CDESC_COMMON_OP_TYPE), op);
	CHECK_EQ(le16(e), (uint16_t)req_id);
}

void test_dp_rdma_write(void)
{
	const uint32_t sizes[] = { 1, 8928, 20000, 100000 };
	struct pair p;
	uint8_t e[32];
	unsigned int i;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned int rx_before = p.b->traces[EFA_TRACE_FRAME_RX];
		struct dp_wqe w = rdma_wqe(&p, EFA_IO_RDMA_WRITE, SRC, sizes[i], DST, i);

		dp_fill(p.a, SRC, sizes[i], (uint8_t)(i + 3));
		dp_post_send(&p.aq, &w);
		dp_ring_sq(&p.aq);
		fabric_run(p.f);
		CHECK(dp_check(p.b, DST, sizes[i], (uint8_t)(i + 3)));
		check_tx_op(&p.acq, i, 0, EFA_IO_RDMA_WRITE);
		/* MTU-sized packets on the wire */
		CHECK_EQ(p.b->traces[EFA_TRACE_FRAME_RX] - rx_before, (sizes[i] + 8927) / 8928);
		/* a write without immediate completes nothing at the responder */
		CHECK(!dp_poll(&p.bcq, e));
	}
	pair_free(&p);
}

void test_dp_rdma_write_imm(void)
{
	const uint32_t sizes[] = { 100, 30000, 70000 };
	struct pair p;
	uint8_t e[32];
	unsigned int i;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct dp_wqe w = rdma_wqe(&p, EFA_IO_RDMA_WRITE, SRC, sizes[i], DST, 10 + i);

		w.imm = true;
		w.imm_data = 0xa0b0c0d0 + i;
		dp_fill(p.a, SRC, sizes[i], (uint8_t)(i + 9));
		/* the receive it consumes is not written to */
		recv_one(&p.bq, (uint16_t)(40 + i), DATA_IOVA + 0x300000, 64);
		*dp_data(p.b, DATA_IOVA + 0x300000) = 0x5c;
		dp_post_send(&p.aq, &w);
		dp_ring_sq(&p.aq);
		fabric_run(p.f);
		CHECK(dp_check(p.b, DST, sizes[i], (uint8_t)(i + 9)));
		CHECK(dp_poll(&p.bcq, e));
		CHECK_EQ(cqe_status(e), 0);
		CHECK_EQ(q_type(e), EFA_IO_RECV_QUEUE);
		CHECK_EQ(CQE_FLAG(e, EFA_IO_CDESC_COMMON_OP_TYPE), EFA_IO_RDMA_WRITE);
		CHECK(CQE_FLAG(e, EFA_IO_CDESC_COMMON_HAS_IMM));
		CHECK(!CQE_FLAG(e, EFA_IO_CDESC_COMMON_UNSOLICITED));
		CHECK_EQ(le16(e), 40 + i);
		CHECK_EQ(le32toh(RX(e, base.imm)), 0xa0b0c0d0 + i);
		/* the length of a write with immediate: 16 bits + length_hi */
		CHECK_EQ(le16toh(RX(e, base.length)) |
			 (uint32_t)le16toh(RX(e, u.rdma_write.length_hi)) << 16, sizes[i]);
		CHECK_EQ(*dp_data(p.b, DATA_IOVA + 0x300000), 0x5c);
		check_tx_op(&p.acq, 10 + i, 0, EFA_IO_RDMA_WRITE);
	}
	pair_free(&p);
}

void test_dp_unsolicited_write(void)
{
	struct dp_qp_args qa = { .type = EFA_ADMIN_QP_TYPE_SRD, .unsolicited = true };
	struct pair p;
	struct dp_wqe w;
	uint8_t e[32];

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, &qa, NULL);
	dp_fill(p.a, SRC, 20000, 0x77);
	w = rdma_wqe(&p, EFA_IO_RDMA_WRITE, SRC, 20000, DST, 1);
	w.imm = true;
	w.imm_data = 42;
	/* no receive posted: the write consumes none */
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	CHECK(dp_check(p.b, DST, 20000, 0x77));
	CHECK(dp_poll(&p.bcq, e));
	CHECK_EQ(cqe_status(e), 0);
	CHECK(CQE_FLAG(e, EFA_IO_CDESC_COMMON_UNSOLICITED));
	CHECK_EQ(le32toh(RX(e, base.imm)), 42);
	CHECK_EQ(le16(e + 4), p.bq.qpn);
	check_tx_op(&p.acq, 1, 0, EFA_IO_RDMA_WRITE);
	/* a receive posted afterwards is still there for a send */
	recv_one(&p.bq, 7, DATA_IOVA + 0x300000, 64);
	w = send_wqe(&p, SRC, 10, 2);
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	check_rx_cqe(&p.bcq, NULL, p.bq.qpn, 7, 10, p.aq.qpn, p.ah_ba);
	pair_free(&p);
}

void test_dp_rdma_read(void)
{
	const uint32_t sizes[] = { 0, 4, 8928, 25000, 200000 };
	struct pair p;
	unsigned int i;

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, NULL);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct dp_wqe w = rdma_wqe(&p, EFA_IO_RDMA_READ, SRC, sizes[i], DST, 20 + i);
		uint64_t resp_bytes = p.b->traces[EFA_TRACE_FRAME_TX];

		dp_fill(p.b, DST, sizes[i], (uint8_t)(i + 50));
		*dp_data(p.a, SRC + sizes[i]) = 0xee;
		dp_post_send(&p.aq, &w);
		dp_ring_sq(&p.aq);
		fabric_run(p.f);
		check_tx_op(&p.acq, 20 + i, 0, EFA_IO_RDMA_READ);
		CHECK(dp_check(p.a, SRC, sizes[i], (uint8_t)(i + 50)));
		CHECK_EQ(*dp_data(p.a, SRC + sizes[i]), 0xee);
		/* the data comes back in MTU-sized packets, at least one */
		CHECK_EQ(p.b->traces[EFA_TRACE_FRAME_TX] - resp_bytes,
			 sizes[i] ? (sizes[i] + 8927) / 8928 : 1);
	}
	pair_free(&p);
}

void test_dp_src_addr(void)
{
	struct dp_cq_args ca = { .src_addr = true };
	struct pair p;
	struct dp_wqe w;
	uint8_t e[32];
	struct efa_admin_aq_entry entry = { 0 };

	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, NULL, &ca);
	/* B forgets its AH to A: A is an unknown sender there */
	entry.aq_common_descriptor.opcode = EFA_ADMIN_DESTROY_AH;
	entry.u.inline_data_w1[0] = htole32((uint32_t)p.b->pd << 16 | p.ah_ba);
	CHECK_EQ(drv_exec(p.b->h, &entry, NULL), EFA_ADMIN_SUCCESS);
	recv_one(&p.bq, 1, DST, 64);
	w = send_wqe(&p, SRC, 10, 1);
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	CHECK(dp_poll(&p.bcq, e));
	check_rx_cqe(&p.bcq, e, p.bq.qpn, 1, 10, p.aq.qpn, EFA_IO_RX_CDESC_NO_AH);
	CHECK(!memcmp(RX(e, u.src_addr), p.a->cfg.addr, 16));
	/* with an AH there, the AH and no address */
	p.ah_ba = dp_ah(p.b, p.a);
	recv_one(&p.bq, 2, DST, 64);
	w.req_id = 2;
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	CHECK(dp_poll(&p.bcq, e));
	check_rx_cqe(&p.bcq, e, p.bq.qpn, 2, 10, p.aq.qpn, p.ah_ba);
	CHECK_EQ(e[16], 0);
	pair_free(&p);
}

void test_dp_wqe_128(void)
{
	struct dp_qp_args qa = { .type = EFA_ADMIN_QP_TYPE_SRD, .wqe_size = 128, .sq_depth = 8 };
	uint8_t msg[80];
	struct pair p;
	struct dp_wqe w;
	unsigned int i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 3 + 1);
	pair_setup(&p, EFA_ADMIN_QP_TYPE_SRD, &qa, NULL);
	/* 80 inline bytes fit a 128-byte WQE; two laps of the 8-entry ring */
	for (i = 0; i < 10; i++) {
		recv_one(&p.bq, (uint16_t)i, DST, 128);
		w = send_wqe(&p, 0, 0, i);
		w.nsge = 0;
		w.inline_data = msg;
		w.inline_len = sizeof(msg);
		dp_post_send(&p.aq, &w);
		dp_ring_sq(&p.aq);
		fabric_run(p.f);
		check_rx_cqe(&p.bcq, NULL, p.bq.qpn, (uint16_t)i, sizeof(msg), p.aq.qpn, p.ah_ba);
		CHECK(!memcmp(dp_data(p.b, DST), msg, sizeof(msg)));
		check_tx_cqe(&p.acq, p.aq.qpn, i, 0);
	}
	/* an RDMA write whose data is inline in the WQE */
	w = rdma_wqe(&p, EFA_IO_RDMA_WRITE, 0, 0, DST + 0x1000, 77);
	w.nsge = 0;
	w.inline_data = msg;
	w.inline_len = 48;
	dp_post_send(&p.aq, &w);
	dp_ring_sq(&p.aq);
	fabric_run(p.f);
	check_tx_op(&p.acq, 77, 0, EFA_IO_RDMA_WRITE);
	CHECK(!memcmp(dp_data(p.b, DST + 0x1000), msg, 48));
	pair_free(&p);
}
