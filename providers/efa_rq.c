// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The receive queue: RX descriptors (abi/hw/efa_hw_io.h) in a ring of host
 * memory the device reads, one per SGE of a receive work request, the first
 * and the last of each request marked; then the RQ doorbell with the number
 * of descriptors written so far.  A receive without SGEs still takes one
 * descriptor (of 0 bytes), so a message of 0 bytes has somewhere to land.
 */
#include <errno.h>
#include <string.h>

#include <ccan/minmax.h>
#include <util/mmio.h>
#include <util/udma_barrier.h>

#include "efa.h"

static int efa_post_recv_check(struct efa_qp *qp, const struct ibv_recv_wr *wr)
{
	enum ibv_qp_state state = qp->verbs_qp.qp.state;
	struct efa_wq *rq = &qp->rq;
	const char *why;
	int err = EINVAL;

	if (unlikely(state == IBV_QPS_RESET || state == IBV_QPS_ERR))
		why = "the QP takes no receives in this state";
	else if (unlikely(wr->num_sge < 0 || (uint32_t)wr->num_sge > rq->max_sge))
		why = "too many SGEs";
	else if (unlikely(rq->posted - rq->completed == rq->max_wrs)) {
		why = "the receive queue is full";
		err = ENOMEM;
	} else
		return 0;
	verbs_debug(verbs_get_ctx(qp->verbs_qp.qp.context),
		    "RQ %u: %s (%d SGEs of %u, %u posted, %u completed)\n",
		    qp->verbs_qp.qp.qp_num, why, wr->num_sge, rq->max_sge,
		    rq->posted, rq->completed);
	return err;
}

static void efa_rx_desc_write(struct efa_wq *rq, uint16_t req_id,
			      const struct ibv_sge *sge, bool first, bool last)
{
	struct efa_io_rx_desc desc = {};

	efa_hw_store(&desc.req_id, req_id);
	if (sge) {
		efa_hw_store(&desc.buf_addr_lo, (uint32_t)sge->addr);
		efa_hw_store(&desc.buf_addr_hi, (uint32_t)(sge->addr >> 32));
		/* a descriptor holds 16 bits; messages never come longer */
		efa_hw_store(&desc.length, min_t(uint32_t, sge->length, UINT16_MAX));
		EFA_SET(&desc.lkey_ctrl, EFA_IO_RX_DESC_LKEY, sge->lkey);
	}
	EFA_SET(&desc.lkey_ctrl, EFA_IO_RX_DESC_FIRST, first);
	EFA_SET(&desc.lkey_ctrl, EFA_IO_RX_DESC_LAST, last);
	memcpy(rq->ring + (size_t)(rq->pc & (rq->entries - 1)) * sizeof(desc),
	       &desc, sizeof(desc));
	rq->pc++;
}

int efa_post_recv(struct ibv_qp *ibqp, struct ibv_recv_wr *wr,
		  struct ibv_recv_wr **bad)
{
	struct efa_qp *qp = to_efa_qp(ibqp);
	struct efa_wq *rq = &qp->rq;
	uint16_t start_pc;
	int err = 0;

	pthread_spin_lock(&rq->lock);
	start_pc = rq->pc;
	for (; wr; wr = wr->next) {
		uint16_t req_id;
		int i, n;

		err = efa_post_recv_check(qp, wr);
		if (unlikely(err)) {
			*bad = wr;
			break;
		}
		req_id = efa_wq_take_req_id(rq, wr->wr_id);
		rq->posted++;
		n = wr->num_sge;
		if (!n)
			efa_rx_desc_write(rq, req_id, NULL, true, true);
		for (i = 0; i < n; i++)
			efa_rx_desc_write(rq, req_id, &wr->sg_list[i], i == 0,
					  i == n - 1);
	}
	if (rq->pc != start_pc) {
		/* the descriptors are in memory before the device is told */
		udma_to_device_barrier();
		mmio_write32(rq->db, rq->pc);
	}
	pthread_spin_unlock(&rq->lock);
	return err;
}
