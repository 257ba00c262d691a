// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The send queue.  The provider writes WQEs (64 or 128 bytes, whichever the
 * QP's ring was sized for) into the QP's window of the LLQ BAR and rings
 * the SQ doorbell with its 16-bit producer counter; the device fetches
 * WQEs from its consumer up to it in the bottom half, never in the
 * doorbell write.  A WQE is valid when its phase bit is the lap's (0 on
 * the first lap, flipping per wrap).  Each WQE is checked completely:
 * one that breaks the format or names what the QP cannot use completes at
 * once with the status saying why (EFA_TRACE_BAD_WQE).
 */
#include <string.h>

#include "efa_core_priv.h"

bool efa_sq_has_work(const struct efa_core *core, uint32_t qpn)
{
	const struct efa_qp *qp = &core->qps[qpn];

	if (qp->state != EFA_ADMIN_QP_STATE_RTS && qp->state != EFA_ADMIN_QP_STATE_ERR)
		return false;
	return (uint16_t)(qp->sq_db - qp->dp.sq_cons) && qp->dp.free;
}

void efa_sq_doorbell(struct efa_core *core, uint32_t qpn, uint32_t val)
{
	struct efa_qp *qp = &core->qps[qpn];
	uint16_t posted = (uint16_t)(val - qp->dp.sq_cons);
	uint32_t batch;

	efa_dp_trace(core, EFA_TRACE_SQ_DB, qpn, val, 0);
	if (posted > qp->sq.depth) {
		efa_core_error(core, "SQ doorbell of QP %u: producer %u is %u WQEs past the consumer, the SQ holds %u",
			       qpn, val & 0xffff, posted, qp->sq.depth);
		return;
	}
	batch = (uint16_t)(val - qp->sq_db);
	if (core->cfg.max_tx_batch && qp->dp.wqe_size &&
	    batch > (uint32_t)core->cfg.max_tx_batch * EFA_IO_TX_WQE_SIZE / qp->dp.wqe_size)
		efa_core_error(core, "SQ doorbell of QP %u: %u WQEs in one batch, max_tx_batch allows %u",
			       qpn, batch,
			       core->cfg.max_tx_batch * EFA_IO_TX_WQE_SIZE / qp->dp.wqe_size);
	qp->sq_db = val & 0xffff;
	efa_dp_qp_kick(core, qpn);
}

/* Read the WQE at ring slot into buf; false if the device cannot reach it. */
static bool read_wqe(struct efa_core *core, uint32_t qpn, uint32_t slot, uint8_t *buf)
{
	struct efa_qp *qp = &core->qps[qpn];
	uint64_t off = (uint64_t)slot * qp->dp.wqe_size;

	if (qp->sq.base)
		return !efa_ring_read(core, &qp->sq, off, buf, qp->dp.wqe_size);
	off += (uint64_t)qpn * core->cfg.max_llq_size;
	if (!core->llq || off + qp->dp.wqe_size > core->llq_size) {
		efa_core_error(core, "QP %u: LLQ memory not attached", qpn);
		return false;
	}
	memcpy(buf, core->llq + off, qp->dp.wqe_size);
	return true;
}

static uint8_t bad(struct efa_core *core, uint32_t qpn, uint8_t status, const char *why)
{
	efa_core_error(core, "QP %u bad WQE: %s", qpn, why);
	return status;
}

/* A local buffer of the WQE: its MR must be the QP's and hold it. */
static uint8_t take_buf(struct efa_core *core, const struct efa_qp *qp,
			const struct efa_io_tx_buf_desc *d, struct efa_sge *sge,
			uint8_t perms)
{
	sge->length = efa_hw_le32_to_cpu(d->length);
	sge->lkey = EFA_GET(&d->lkey, EFA_IO_TX_BUF_DESC_LKEY);
	sge->addr = (uint64_t)efa_hw_le32_to_cpu(d->buf_addr_hi) << 32 |
		    efa_hw_le32_to_cpu(d->buf_addr_lo);
	if (!efa_mr_lookup(core, sge->lkey, qp->pd, sge->addr, sge->length, perms))
		return EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_LKEY;
	return EFA_IO_COMP_STATUS_OK;
}

/* Parse and check the WQE in buf into m; an efa_io_comp_status. */
static uint8_t parse_wqe(struct efa_core *core, uint32_t qpn, const uint8_t *buf,
			 uint32_t lap, struct efa_msg *m)
{
	const struct efa_qp *qp = &core->qps[qpn];
	const struct efa_core_config *cfg = &core->cfg;
	const struct efa_io_tx_meta_desc *md = (const void *)buf;
	const uint8_t *data = buf + sizeof(*md);
	bool big = qp->dp.wqe_size == EFA_IO_TX_WQE_128_SIZE;
	uint16_t length = efa_hw_le16_to_cpu(md->length);
	uint16_t ah = efa_hw_le16_to_cpu(md->ah);
	uint8_t status;
	unsigned int i;

	m->op = EFA_GET(&md->ctrl1, EFA_IO_TX_META_DESC_OP_TYPE);
	m->has_imm = EFA_GET(&md->ctrl1, EFA_IO_TX_META_DESC_HAS_IMM);
	m->is_inline = EFA_GET(&md->ctrl1, EFA_IO_TX_META_DESC_INLINE_MSG);
	m->comp_req = EFA_GET(&md->ctrl2, EFA_IO_TX_META_DESC_COMP_REQ);
	m->dest_qpn = efa_hw_le16_to_cpu(md->dest_qp_num);
	m->qkey = efa_hw_le32_to_cpu(md->qkey);
	m->imm = efa_hw_le32_to_cpu(md->immediate_data);
	m->nsge = 0;
	m->len = 0;

	if (!EFA_GET(&md->ctrl1, EFA_IO_TX_META_DESC_META_DESC) ||
	    EFA_GET(&md->ctrl1, EFA_IO_TX_META_DESC_META_EXTENSION) ||
	    (md->ctrl2 & ~(EFA_IO_TX_META_DESC_PHASE_MASK | EFA_IO_TX_META_DESC_FIRST_MASK |
			   EFA_IO_TX_META_DESC_LAST_MASK | EFA_IO_TX_META_DESC_COMP_REQ_MASK)) ||
	    !EFA_GET(&md->ctrl2, EFA_IO_TX_META_DESC_FIRST) ||
	    !EFA_GET(&md->ctrl2, EFA_IO_TX_META_DESC_LAST))
		return bad(core, qpn, EFA_IO_COMP_STATUS_LOCAL_ERROR_QP_INTERNAL_ERROR,
			   "meta descriptor bits (meta_desc, meta_extension, first/last, reserved)");
	if (EFA_GET(&md->ctrl2, EFA_IO_TX_META_DESC_PHASE) != (lap & 1))
		return bad(core, qpn, EFA_IO_COMP_STATUS_LOCAL_ERROR_QP_INTERNAL_ERROR,
			   "phase bit of another lap (WQE not written before the doorbell)");

	switch (m->op) {
	case EFA_IO_SEND:
		break;
	case EFA_IO_RDMA_READ:
		if (!(cfg->device_caps & EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_READ_MASK) ||
		    m->has_imm || m->is_inline)
			return bad(core, qpn, EFA_IO_COMP_STATUS_LOCAL_ERROR_UNSUPPORTED_OP,
				   "RDMA read unsupported, with immediate or inline");
		break;
	case EFA_IO_RDMA_WRITE:
		if (!(cfg->device_caps & EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_WRITE_MASK) ||
		    (m->is_inline && !big))
			return bad(core, qpn, EFA_IO_COMP_STATUS_LOCAL_ERROR_UNSUPPORTED_OP,
				   "RDMA write unsupported, or inline in a 64-byte WQE");
		break;
	default:
		return bad(core, qpn, EFA_IO_COMP_STATUS_LOCAL_ERROR_UNSUPPORTED_OP,
			   "unknown op_type");
	}
	if (qp->type == EFA_ADMIN_QP_TYPE_UD && m->op != EFA_IO_SEND)
		return bad(core, qpn, EFA_IO_COMP_STATUS_LOCAL_ERROR_UNSUPPORTED_OP,
			   "RDMA on a UD QP");
	if (!efa_id_valid(core, EFA_OBJ_AH, ah) || core->ahs[ah].pd != qp->pd)
		return bad(core, qpn, EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_AH,
			   "address handle not of the QP's PD");

	if (m->op == EFA_IO_SEND) {
		if (m->is_inline) {
			if (length > (big ? EFA_IO_TX_DESC_INLINE_MAX_SIZE_128 :
					    EFA_IO_TX_DESC_INLINE_MAX_SIZE))
				return bad(core, qpn, EFA_IO_COMP_STATUS_LOCAL_ERROR_BAD_LENGTH,
					   "inline data longer than the WQE holds");
			memcpy(m->inline_data, data, length);
			m->len = length;
		} else {
			const struct efa_io_tx_buf_desc *d = (const void *)data;

			if (length > EFA_IO_TX_DESC_NUM_BUFS || length > cfg->max_wr_send_sges)
				return bad(core, qpn, EFA_IO_COMP_STATUS_LOCAL_ERROR_BAD_LENGTH,
					   "more buffers than max_wr_send_sges");
			for (i = 0; i < length; i++) {
				status = take_buf(core, qp, &d[i], &m->sge[i], 0);
				if (status)
					return bad(core, qpn, status, "lkey, PD or range of a buffer");
				m->len += m->sge[i].length;
			}
			m->nsge = (uint8_t)length;
		}
		if (m->len > cfg->mtu)
			return bad(core, qpn, EFA_IO_COMP_STATUS_LOCAL_ERROR_BAD_LENGTH,
				   "send longer than the MTU");
	} else {
		const struct efa_io_rdma_req *rr = (const void *)data;
		const struct efa_io_tx_buf_desc *d = rr->local_mem;
		uint8_t perms = m->op == EFA_IO_RDMA_READ ?
			EFA_ADMIN_REG_MR_CMD_LOCAL_WRITE_ENABLE_MASK : 0;
		uint64_t local = 0;

		m->len = efa_hw_le32_to_cpu(rr->remote_mem.length);
		m->rkey = efa_hw_le32_to_cpu(rr->remote_mem.rkey);
		m->raddr = (uint64_t)efa_hw_le32_to_cpu(rr->remote_mem.buf_addr_hi) << 32 |
			   efa_hw_le32_to_cpu(rr->remote_mem.buf_addr_lo);
		if (m->is_inline) {
			const struct efa_io_rdma_req_128 *rr128 = (const void *)data;

			if (length > EFA_IO_TX_DESC_INLINE_MAX_SIZE_128)
				return bad(core, qpn, EFA_IO_COMP_STATUS_LOCAL_ERROR_BAD_LENGTH,
					   "inline write longer than the WQE holds");
			memcpy(m->inline_data, rr128->inline_data, length);
			local = length;
		} else {
			if (length > EFA_IO_TX_DESC_NUM_RDMA_BUFS || length > cfg->max_wr_rdma_sges)
				return bad(core, qpn, EFA_IO_COMP_STATUS_LOCAL_ERROR_BAD_LENGTH,
					   "more buffers than max_wr_rdma_sges");
			for (i = 0; i < length; i++) {
				status = take_buf(core, qp, &d[i], &m->sge[i], perms);
				if (status)
					return bad(core, qpn, status,
						   "lkey, PD, range or access of the local buffer");
				local += m->sge[i].length;
			}
			m->nsge = (uint8_t)length;
		}
		if (local != m->len || m->len > cfg->max_rdma_size)
			return bad(core, qpn, EFA_IO_COMP_STATUS_LOCAL_ERROR_BAD_LENGTH,
				   "RDMA length beyond max_rdma_size or not the local buffers'");
	}
	m->peer = 0;
	{
		int peer = efa_srd_peer_get(core, core->ahs[ah].dest_addr);

		if (peer < 0)
			return bad(core, qpn, EFA_IO_COMP_STATUS_LOCAL_ERROR_UNREACH_REMOTE,
				   "too many peers with traffic in flight");
		m->peer = (uint16_t)peer;
	}
	return EFA_IO_COMP_STATUS_OK;
}

static uint64_t wqe_req_id(const uint8_t *buf)
{
	const struct efa_io_tx_meta_desc *md = (const void *)buf;
	uint64_t id = efa_hw_le16_to_cpu(md->req_id);
	int i;

	/* zero unless the QP has 64-bit request ids: copied either way */
	for (i = 0; i < 3; i++)
		id |= (uint64_t)efa_hw_le16_to_cpu(md->req_id_ex.w[i]) << (16 * (i + 1));
	return id;
}

void efa_sq_complete(struct efa_core *core, uint32_t qpn, struct efa_msg *m, uint8_t status)
{
	struct efa_qp *qp = &core->qps[qpn];
	struct efa_cqe_info info = {
		.q_type = EFA_IO_SEND_QUEUE,
		.status = status,
		.op = m->op,
		.qpn = (uint16_t)qpn,
		.req_id = m->req_id,
	};

	if (status) {
		struct efa_dp_stats *q = &qp->dp.stats;

		if (m->op == EFA_IO_RDMA_READ) {
			core->dp->stats.read_wr_err++;
			q->read_wr_err++;
		} else if (m->op == EFA_IO_RDMA_WRITE) {
			core->dp->stats.write_wr_err++;
			q->write_wr_err++;
		}
	}
	if (status || m->comp_req)
		efa_cq_post(core, qp->send_cq, qp->send_sub_cq, &info);
	m->state = EFA_MSG_FREE;
	m->next = qp->dp.free;
	qp->dp.free = m;
	qp->dp.outstanding--;
	/* WQEs that waited for a free slot go on */
	if ((uint16_t)(qp->sq_db - qp->dp.sq_cons))
		efa_dp_qp_kick(core, qpn);
}

bool efa_sq_fetch_one(struct efa_core *core, uint32_t qpn)
{
	struct efa_qp *qp = &core->qps[qpn];
	uint8_t buf[EFA_IO_TX_WQE_128_SIZE];
	uint32_t cons = qp->dp.sq_cons;
	struct efa_msg *m;
	uint8_t status;

	if (!efa_sq_has_work(core, qpn))
		return false;
	m = qp->dp.free;
	qp->dp.free = m->next;
	qp->dp.outstanding++;
	qp->dp.sq_cons++;
	m->attempt = 0;
	m->comp_req = true;
	m->op = EFA_IO_SEND;
	if (!read_wqe(core, qpn, cons % qp->sq.depth, buf)) {
		m->req_id = 0;
		status = EFA_IO_COMP_STATUS_LOCAL_ERROR_QP_INTERNAL_ERROR;
	} else {
		m->req_id = wqe_req_id(buf);
		if (qp->state == EFA_ADMIN_QP_STATE_ERR) {
			m->op = EFA_GET(&((struct efa_io_tx_meta_desc *)buf)->ctrl1,
					EFA_IO_TX_META_DESC_OP_TYPE);
			efa_sq_complete(core, qpn, m, EFA_IO_COMP_STATUS_FLUSHED);
			return true;
		}
		status = parse_wqe(core, qpn, buf, cons / qp->sq.depth, m);
	}
	if (status) {
		efa_dp_trace(core, EFA_TRACE_BAD_WQE, qpn, status, m->req_id);
		efa_sq_complete(core, qpn, m, status);
		return true;
	}
	efa_dp_trace(core, EFA_TRACE_WQE, qpn,
		     (uint32_t)m->op | (uint32_t)m->has_imm << 4 | (uint32_t)m->is_inline << 5,
		     m->req_id);
	efa_srd_start(core, qpn, m);
	return true;
}
