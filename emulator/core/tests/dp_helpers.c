// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the data-path tests share: a pair of connected QPs, CQE checks. */
#include <endian.h>
#include <string.h>

#include "dp_helpers.h"

void pair_setup(struct pair *p, uint8_t type, const struct dp_qp_args *qa,
		       const struct dp_cq_args *ca)
{
	struct dp_qp_args q = { .type = type };
	struct dp_cq_args c = { 0 };

	if (qa)
		q = *qa;
	if (!q.type)
		q.type = type;
	if (ca)
		c = *ca;
	p->f = fabric_new(2, NULL);
	p->a = &p->f->dev[0];
	p->b = &p->f->dev[1];
	CHECK_EQ(dp_cq_create(p->a, &c, &p->acq), EFA_ADMIN_SUCCESS);
	CHECK_EQ(dp_cq_create(p->b, &c, &p->bcq), EFA_ADMIN_SUCCESS);
	CHECK_EQ(dp_qp_create(p->a, &q, &p->acq, &p->acq, &p->aq), EFA_ADMIN_SUCCESS);
	CHECK_EQ(dp_qp_create(p->b, &q, &p->bcq, &p->bcq, &p->bq), EFA_ADMIN_SUCCESS);
	p->ah_ab = dp_ah(p->a, p->b);
	p->ah_ba = dp_ah(p->b, p->a);
}

void pair_free(struct pair *p)
{
	fabric_free(p->f);
}

struct dp_wqe send_wqe(const struct pair *p, uint64_t addr, uint32_t len, uint64_t req_id)
{
	struct dp_wqe w = {
		.op = EFA_IO_SEND,
		.sge = { { addr, len, p->a->key } },
		.nsge = 1,
		.ah = p->ah_ab,
		.dest_qpn = (uint16_t)p->bq.qpn,
		.req_id = req_id,
	};

	return w;
}

void recv_one(struct dp_qp *qp, uint16_t req_id, uint64_t addr, uint32_t len)
{
	struct dp_sge s = { addr, len, qp->d->key };

	dp_post_recv(qp, req_id, &s, 1);
	dp_ring_rq(qp);
}

uint8_t q_type(const uint8_t *e)
{
	return EFA_GET(&((const struct efa_io_cdesc_common *)e)->flags,
		       EFA_IO_CDESC_COMMON_Q_TYPE);
}

uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}


void check_tx_cqe(struct dp_cq *cq, uint32_t qpn, uint64_t req_id, uint8_t status)
{
	uint8_t e[32];

	CHECK(dp_poll(cq, e));
	CHECK_EQ(cqe_status(e), status);
	CHECK_EQ(q_type(e), EFA_IO_SEND_QUEUE);
	CHECK_EQ(le16(e + 4), qpn);
	CHECK_EQ(le16(e), (uint16_t)req_id);
}

void check_rx_cqe(struct dp_cq *cq, const uint8_t *e_in, uint32_t qpn, uint16_t req_id,
			 uint32_t len, uint32_t src_qp, uint16_t ah)
{
	uint8_t e[32];

	if (e_in)
		memcpy(e, e_in, sizeof(e));
	else
		CHECK(dp_poll(cq, e));
	CHECK_EQ(cqe_status(e), EFA_IO_COMP_STATUS_OK);
	CHECK_EQ(q_type(e), EFA_IO_RECV_QUEUE);
	CHECK_EQ(le16(e + 4), qpn);
	CHECK_EQ(le16(e), req_id);
	CHECK_EQ(le16toh(RX(e, base.length)), len & 0xffff);
	CHECK_EQ(le16toh(RX(e, base.src_qp_num)), src_qp);
	CHECK_EQ(le16toh(RX(e, base.ah)), ah);
}

