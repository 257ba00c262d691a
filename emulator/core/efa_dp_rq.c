// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The receive queue: a ring of 16-byte descriptors in guest memory, one per
 * buffer; a receive is the descriptors from one with first set to one with
 * last set (the provider gives the request id in the first).  The RQ
 * doorbell is the producer counter in descriptors.  Receives are taken in
 * order.  A malformed run of descriptors (no first, a first inside a
 * receive, more buffers than max_wr_recv_sges) is skipped and completed
 * with LOCAL_ERROR_QP_INTERNAL_ERROR, so a broken guest cannot wedge the
 * queue.  Buffers are checked (lkey, PD, bounds, local write) when data
 * lands in them.
 */
#include <string.h>

#include "efa_core_priv.h"

void efa_rq_doorbell(struct efa_core *core, uint32_t qpn, uint32_t val)
{
	struct efa_qp *qp = &core->qps[qpn];
	uint16_t posted = (uint16_t)(val - qp->dp.rq_cons);

	efa_dp_trace(core, EFA_TRACE_RQ_DB, qpn, val, 0);
	if (posted > qp->dp.rq_entries) {
		efa_core_error(core, "RQ doorbell of QP %u: producer %u is %u descriptors past the consumer, the RQ holds %u",
			       qpn, val & 0xffff, posted, qp->dp.rq_entries);
		return;
	}
	qp->rq_db = val & 0xffff;
	/* a QP in error flushes what is posted, in the bottom half */
	if (qp->state == EFA_ADMIN_QP_STATE_ERR)
		efa_dp_qp_kick(core, qpn);
}

static void complete_bad(struct efa_core *core, uint32_t qpn, uint16_t req_id,
			 uint16_t ndesc, const char *why)
{
	struct efa_qp *qp = &core->qps[qpn];
	struct efa_cqe_info info = {
		.q_type = EFA_IO_RECV_QUEUE,
		.status = EFA_IO_COMP_STATUS_LOCAL_ERROR_QP_INTERNAL_ERROR,
		.qpn = (uint16_t)qpn,
		.req_id = req_id,
		.ah = EFA_IO_RX_CDESC_NO_AH,
	};

	efa_core_error(core, "QP %u bad receive descriptors: %s", qpn, why);
	efa_dp_trace(core, EFA_TRACE_BAD_WQE, qpn, info.status, req_id);
	qp->dp.rq_cons += ndesc;
	efa_cq_post(core, qp->recv_cq, qp->recv_sub_cq, &info);
}

int efa_rq_peek(struct efa_core *core, uint32_t qpn, struct efa_recv *r)
{
	struct efa_qp *qp = &core->qps[qpn];
	uint16_t max = core->cfg.max_wr_recv_sges;

	if (max > EFA_DP_MAX_RECV_SGE)
		max = EFA_DP_MAX_RECV_SGE;
	for (;;) {
		uint16_t avail = (uint16_t)(qp->rq_db - qp->dp.rq_cons);
		uint16_t n;

		if (!avail || !qp->dp.rq_entries)
			return 0;
		r->capacity = 0;
		for (n = 0; n < avail; n++) {
			uint32_t slot = (qp->dp.rq_cons + n) % qp->dp.rq_entries;
			struct efa_io_rx_desc d;
			uint32_t ctrl;
			struct efa_sge *s;

			if (efa_ring_read(core, &qp->rq, (uint64_t)slot * sizeof(d), &d, sizeof(d))) {
				complete_bad(core, qpn, n ? r->req_id : 0, n + 1,
					     "descriptor unreachable");
				break;
			}
			ctrl = efa_hw_le32_to_cpu(d.lkey_ctrl);
			if (!n) {
				r->req_id = efa_hw_le16_to_cpu(d.req_id);
				if (!(ctrl & EFA_IO_RX_DESC_FIRST_MASK)) {
					complete_bad(core, qpn, r->req_id, 1,
						     "receive does not start with first");
					break;
				}
			} else if (ctrl & EFA_IO_RX_DESC_FIRST_MASK) {
				complete_bad(core, qpn, r->req_id, n,
					     "first inside a receive that did not end");
				break;
			}
			if (n >= max) {
				complete_bad(core, qpn, r->req_id, n + 1,
					     "more buffers than max_wr_recv_sges");
				break;
			}
			s = &r->sge[n];
			s->addr = (uint64_t)efa_hw_le32_to_cpu(d.buf_addr_hi) << 32 |
				  efa_hw_le32_to_cpu(d.buf_addr_lo);
			s->length = efa_hw_le16_to_cpu(d.length);
			s->lkey = EFA_HW_FIELD_GET(EFA_IO_RX_DESC_LKEY_MASK, ctrl);
			r->capacity += s->length;
			if (ctrl & EFA_IO_RX_DESC_LAST_MASK) {
				r->nsge = (uint8_t)(n + 1);
				r->ndesc = n + 1;
				return 1;
			}
		}
		if (n == avail)
			return 0;	/* the rest of the receive is not posted yet */
	}
}

void efa_rq_take(struct efa_core *core, uint32_t qpn, const struct efa_recv *r)
{
	core->qps[qpn].dp.rq_cons += r->ndesc;
}

uint8_t efa_rq_scatter(struct efa_core *core, uint32_t qpn, const struct efa_recv *r,
		       uint64_t offset, const void *buf, size_t len)
{
	uint8_t status = efa_sgl_copy(core, core->qps[qpn].pd, r->sge, r->nsge, offset,
				      (void *)buf, len, true);

	/* a receive shorter than the message is the sender's error */
	return status == EFA_IO_COMP_STATUS_LOCAL_ERROR_BAD_LENGTH ?
	       EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_LENGTH : status;
}
