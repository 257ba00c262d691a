// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Queue pairs: UD through the standard verbs, SRD (the EFA driver QP type)
 * through efadv_create_driver_qp / efadv_create_qp_ex.  The provider sizes
 * both work queues, the kernel creates them and answers with where to map
 * the send queue's LLQ (device memory the provider writes WQEs into), the
 * receive ring (host memory) and the two doorbells.  Posting is in
 * efa_sq.c and efa_rq.c; completions find their QP through the context's
 * QP table, kept here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <ccan/minmax.h>
#include <util/util.h>

#include "efa.h"

/* ---------------------------------------- sizes */

/* A send WQE is 64 bytes unless its inline data needs the 128-byte form. */
static uint32_t efa_sq_wqe_size(uint32_t max_inline_data, bool inline_write)
{
	if (inline_write || max_inline_data > EFA_IO_TX_DESC_INLINE_MAX_SIZE)
		return EFA_IO_TX_WQE_128_SIZE;
	return EFA_IO_TX_WQE_SIZE;
}

static uint32_t efa_rounddown_pow_of_two(uint32_t n)
{
	return n ? 1u << (31 - __builtin_clz(n)) : 0;
}

/*
 * The deepest send queue: as many WQEs as the LLQ holds (a power of two,
 * since queues wrap by mask), and no more than the device's max_sq_wr.
 */
static uint32_t efa_sq_max_depth(const struct efa_caps *caps, uint32_t wqe_size)
{
	uint32_t depth = efa_rounddown_pow_of_two(caps->max_llq_size / wqe_size);

	if (caps->max_sq_wr && caps->max_sq_wr < depth)
		depth = caps->max_sq_wr;
	return depth;
}

/* Receive WRs take one descriptor per SGE out of max_rq_wr descriptors. */
static uint32_t efa_rq_max_depth(const struct efa_caps *caps, uint32_t max_sge)
{
	return caps->max_rq_wr / (max_sge ? max_sge : 1);
}

/* ---------------------------------------- the QP table */

/* What a context needs to find its QPs by number (completions name them). */
int efa_qp_table_init(struct efa_context *ctx)
{
	uint32_t slots = roundup_pow_of_two(ctx->caps.max_qp ? ctx->caps.max_qp : 1);

	ctx->qp_table = calloc(slots, sizeof(*ctx->qp_table));
	ctx->qp_gen = calloc(slots, sizeof(*ctx->qp_gen));
	if (!ctx->qp_table || !ctx->qp_gen) {
		efa_qp_table_free(ctx);
		return ENOMEM;
	}
	ctx->qp_table_mask = slots - 1;
	pthread_spin_init(&ctx->qp_table_lock, PTHREAD_PROCESS_PRIVATE);
	return 0;
}

void efa_qp_table_free(struct efa_context *ctx)
{
	if (ctx->qp_table)
		pthread_spin_destroy(&ctx->qp_table_lock);
	free(ctx->qp_table);
	free(ctx->qp_gen);
	ctx->qp_table = NULL;
	ctx->qp_gen = NULL;
}

/* The QP's CQs, locked in one order (receive first) by everyone. */
static void efa_qp_lock_cqs(struct ibv_qp *ibqp)
{
	struct efa_cq *rcq = to_efa_cq(ibqp->recv_cq);
	struct efa_cq *scq = to_efa_cq(ibqp->send_cq);

	pthread_spin_lock(&rcq->lock);
	if (scq != rcq)
		pthread_spin_lock(&scq->lock);
}

static void efa_qp_unlock_cqs(struct ibv_qp *ibqp)
{
	struct efa_cq *rcq = to_efa_cq(ibqp->recv_cq);
	struct efa_cq *scq = to_efa_cq(ibqp->send_cq);

	if (scq != rcq)
		pthread_spin_unlock(&scq->lock);
	pthread_spin_unlock(&rcq->lock);
}

/* A new generation for the QP number's slot: see efa_wq.c. */
static uint16_t efa_qp_table_next_gen(struct efa_context *ctx, uint32_t qpn)
{
	uint16_t gen;

	pthread_spin_lock(&ctx->qp_table_lock);
	gen = ++ctx->qp_gen[qpn & ctx->qp_table_mask];
	pthread_spin_unlock(&ctx->qp_table_lock);
	return gen;
}

void efa_qp_table_set(struct efa_context *ctx, struct efa_qp *qp,
		      struct efa_qp *to)
{
	struct ibv_qp *ibqp = &qp->verbs_qp.qp;

	pthread_spin_lock(&ctx->qp_table_lock);
	efa_qp_lock_cqs(ibqp);
	ctx->qp_table[ibqp->qp_num & ctx->qp_table_mask] = to;
	efa_cq_count_sub_cq_user(to_efa_cq(ibqp->send_cq), qp->sq.sub_cq_idx, to ? 1 : -1);
	efa_cq_count_sub_cq_user(to_efa_cq(ibqp->recv_cq), qp->rq.sub_cq_idx, to ? 1 : -1);
	efa_qp_unlock_cqs(ibqp);
	pthread_spin_unlock(&ctx->qp_table_lock);
}

/* ---------------------------------------- checks */

static int efa_qp_check_attr(struct efa_context *ctx,
			     const struct ibv_qp_init_attr_ex *attr,
			     const struct efadv_qp_init_attr *efa)
{
	uint64_t ud_ops = IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_SEND_WITH_IMM;
	uint64_t srd_ops = ud_ops, ops;
	uint32_t caps = ctx->caps.device_caps;
	uint16_t flags = 0;

	if (caps & EFA_QUERY_DEVICE_CAPS_RDMA_READ)
		srd_ops |= IBV_QP_EX_WITH_RDMA_READ;
	if (caps & EFA_QUERY_DEVICE_CAPS_RDMA_WRITE) {
		srd_ops |= IBV_QP_EX_WITH_RDMA_WRITE |
			   IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM;
		flags |= EFADV_QP_FLAGS_INLINE_WRITE;
	}
	if (caps & EFA_QUERY_DEVICE_CAPS_UNSOLICITED_WRITE_RECV)
		flags |= EFADV_QP_FLAGS_UNSOLICITED_WRITE_RECV;

	if (attr->qp_type == IBV_QPT_DRIVER &&
	    efa->driver_qp_type != EFADV_QP_DRIVER_TYPE_SRD) {
		verbs_err(&ctx->ibvctx, "create_qp: driver QP type %u is not SRD\n",
			  efa->driver_qp_type);
		return EOPNOTSUPP;
	}
	if (!check_comp_mask(efa->flags, flags)) {
		verbs_err(&ctx->ibvctx, "create_qp: EFA flags %#x, supported %#x\n",
			  efa->flags, flags);
		return EOPNOTSUPP;
	}
	if (!check_comp_mask(attr->comp_mask, IBV_QP_INIT_ATTR_PD |
					      IBV_QP_INIT_ATTR_SEND_OPS_FLAGS)) {
		verbs_err(&ctx->ibvctx, "create_qp: comp_mask %#x not supported\n",
			  attr->comp_mask);
		return EOPNOTSUPP;
	}
	if (!(attr->comp_mask & IBV_QP_INIT_ATTR_PD) || !attr->pd) {
		verbs_err(&ctx->ibvctx, "create_qp: no PD\n");
		return EINVAL;
	}
	if (attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS) {
		if (attr->qp_type == IBV_QPT_UD)
			ops = ud_ops;
		else if (attr->qp_type == IBV_QPT_DRIVER)
			ops = srd_ops;
		else
			return EOPNOTSUPP;
		if (!check_comp_mask(attr->send_ops_flags, ops)) {
			verbs_err(&ctx->ibvctx,
				  "create_qp: send_ops_flags %#" PRIx64 ", supported %#" PRIx64 "\n",
				  attr->send_ops_flags, ops);
			return EOPNOTSUPP;
		}
	}
	if (!check_comp_mask(efa->wr_flags, EFADV_WR_EX_WITH_PROCESSING_HINTS)) {
		verbs_err(&ctx->ibvctx, "create_qp: wr_flags %#" PRIx64 " not supported\n",
			  efa->wr_flags);
		return EOPNOTSUPP;
	}
	if (!attr->send_cq || !attr->recv_cq) {
		verbs_err(&ctx->ibvctx, "create_qp: a send and a receive CQ are needed\n");
		return EINVAL;
	}
	if (attr->srq) {
		verbs_err(&ctx->ibvctx, "create_qp: EFA has no SRQs\n");
		return EINVAL;
	}
	return 0;
}

static int efa_qp_check_limits(struct efa_context *ctx,
			       const struct ibv_qp_cap *cap, uint32_t wqe_size)
{
	const struct efa_caps *caps = &ctx->caps;
	uint32_t sq_depth = efa_sq_max_depth(caps, wqe_size);
	uint32_t rq_depth = efa_rq_max_depth(caps, cap->max_recv_sge);

	if (cap->max_send_sge > caps->max_sq_sge ||
	    cap->max_recv_sge > caps->max_rq_sge) {
		verbs_err(&ctx->ibvctx, "create_qp: SGEs %u/%u past the device's %u/%u\n",
			  cap->max_send_sge, cap->max_recv_sge,
			  caps->max_sq_sge, caps->max_rq_sge);
		return EINVAL;
	}
	if (cap->max_send_wr > sq_depth || cap->max_recv_wr > rq_depth) {
		verbs_err(&ctx->ibvctx, "create_qp: depths %u/%u past %u/%u\n",
			  cap->max_send_wr, cap->max_recv_wr, sq_depth, rq_depth);
		return EINVAL;
	}
	if (cap->max_inline_data > caps->inline_buf_size_ex) {
		verbs_err(&ctx->ibvctx, "create_qp: inline data %u past %u\n",
			  cap->max_inline_data, caps->inline_buf_size_ex);
		return EINVAL;
	}
	return 0;
}

/* What the kernel answered, checked before anything is mapped. */
static int efa_qp_check_resp(struct efa_context *ctx, struct efa_qp *qp,
			     const struct efa_cmd_create_qp_resp *resp)
{
	size_t page = efa_page_size(ctx);
	int err;

	if (resp->send_sub_cq_idx >= ctx->caps.sub_cqs_per_cq ||
	    resp->recv_sub_cq_idx >= ctx->caps.sub_cqs_per_cq) {
		verbs_debug(&ctx->ibvctx,
			    "create_qp: sub-CQs %u/%u of %u; refused\n",
			    resp->send_sub_cq_idx, resp->recv_sub_cq_idx,
			    ctx->caps.sub_cqs_per_cq);
		return EPROTO;
	}
	if (resp->llq_desc_offset >= page) {
		verbs_debug(&ctx->ibvctx,
			    "create_qp: LLQ offset %#x past a page; refused\n",
			    resp->llq_desc_offset);
		return EPROTO;
	}
	qp->sq.ring_map_size = align(resp->llq_desc_offset +
				     (size_t)qp->sq.entries * qp->sq.entry_size,
				     page);
	err = efa_check_mmap_key(ctx, "create_qp LLQ", resp->llq_desc_mmap_key,
				 qp->sq.ring_map_size);
	if (!err)
		err = efa_check_mmap_key(ctx, "create_qp SQ doorbell",
					 resp->sq_db_mmap_key, page);
	if (!err)
		err = efa_check_db_offset(ctx, "create_qp SQ doorbell",
					  resp->sq_db_offset);
	if (err || !qp->rq.entries)
		return err;

	err = efa_check_mmap_key(ctx, "create_qp RQ ring", resp->rq_mmap_key,
				 resp->rq_mmap_size);
	if (!err && resp->rq_mmap_size <
		    (uint64_t)qp->rq.entries * qp->rq.entry_size) {
		verbs_debug(&ctx->ibvctx,
			    "create_qp: RQ ring of %llu bytes for %u descriptors; refused\n",
			    (unsigned long long)resp->rq_mmap_size, qp->rq.entries);
		err = EPROTO;
	}
	if (!err)
		err = efa_check_mmap_key(ctx, "create_qp RQ doorbell",
					 resp->rq_db_mmap_key, page);
	if (!err)
		err = efa_check_db_offset(ctx, "create_qp RQ doorbell",
					  resp->rq_db_offset);
	return err;
}

/* ---------------------------------------- mappings */

static void efa_wq_unmap(struct efa_context *ctx, struct efa_wq *wq)
{
	efa_munmap(wq->db_page, efa_page_size(ctx));
	efa_munmap(wq->ring_map, wq->ring_map_size);
	wq->db_page = NULL;
	wq->ring_map = NULL;
}

static int efa_wq_map(struct efa_context *ctx, struct efa_wq *wq,
		      const char *what, uint64_t ring_key, uint32_t ring_off,
		      uint64_t db_key, uint32_t db_off)
{
	wq->ring_map = efa_mmap(ctx, what, ring_key, wq->ring_map_size,
				PROT_WRITE);
	if (!wq->ring_map)
		return errno;
	wq->ring = (uint8_t *)wq->ring_map + ring_off;
	wq->db_page = efa_mmap(ctx, what, db_key, efa_page_size(ctx), PROT_WRITE);
	if (!wq->db_page) {
		int err = errno;

		efa_wq_unmap(ctx, wq);
		return err;
	}
	wq->db = (uint32_t *)((uint8_t *)wq->db_page + db_off);
	return 0;
}

static int efa_qp_map(struct efa_context *ctx, struct efa_qp *qp,
		      const struct efa_cmd_create_qp_resp *resp)
{
	int err;

	qp->sq.sub_cq_idx = resp->send_sub_cq_idx;
	qp->rq.sub_cq_idx = resp->recv_sub_cq_idx;
	err = efa_wq_map(ctx, &qp->sq, "SQ", resp->llq_desc_mmap_key,
			 resp->llq_desc_offset, resp->sq_db_mmap_key,
			 resp->sq_db_offset);
	if (err || !qp->rq.entries)
		return err;
	qp->rq.ring_map_size = resp->rq_mmap_size;
	err = efa_wq_map(ctx, &qp->rq, "RQ", resp->rq_mmap_key, 0,
			 resp->rq_db_mmap_key, resp->rq_db_offset);
	if (err)
		efa_wq_unmap(ctx, &qp->sq);
	return err;
}

static void efa_qp_unmap(struct efa_context *ctx, struct efa_qp *qp)
{
	efa_wq_unmap(ctx, &qp->sq);
	efa_wq_unmap(ctx, &qp->rq);
}

/* ---------------------------------------- data path state */

void efa_qp_free_data_path(struct efa_qp *qp)
{
	efa_wq_free_wrids(&qp->sq);
	efa_wq_free_wrids(&qp->rq);
	free(qp->local_queue);
	qp->local_queue = NULL;
	pthread_spin_destroy(&qp->sq.lock);
	pthread_spin_destroy(&qp->rq.lock);
}

/*
 * What posting needs, all allocated now so posting allocates nothing: the
 * request id slots of each queue (none for an SQ with 64-bit request ids),
 * the local queue the ibv_wr_* API builds WQEs in, the functions for this
 * QP's request id form.
 */
int efa_qp_init_data_path(struct efa_context *ctx, struct efa_qp *qp,
			  const struct ibv_qp_init_attr_ex *attr,
			  const struct efadv_qp_init_attr *efa)
{
	uint16_t gen = efa_qp_table_next_gen(ctx, qp->verbs_qp.qp.qp_num);
	int err;

	pthread_spin_init(&qp->sq.lock, PTHREAD_PROCESS_PRIVATE);
	pthread_spin_init(&qp->rq.lock, PTHREAD_PROCESS_PRIVATE);
	qp->gen = gen;
	qp->sq.max_wrs = qp->sq.entries;
	qp->sq.max_sge = qp->max_send_sge;
	/* each receive takes at most max_sge descriptors, at least one */
	qp->rq.max_wrs = qp->rq.entries / max_t(uint32_t, qp->max_recv_sge, 1);
	qp->rq.max_sge = qp->max_recv_sge;
	qp->max_rdma_sge = min_t(uint32_t, ctx->caps.max_sge_rd,
				 EFA_IO_TX_DESC_NUM_RDMA_BUFS);
	qp->inline_write = efa->flags & EFADV_QP_FLAGS_INLINE_WRITE;
	qp->sq_sig_all_flag = attr->sq_sig_all ? IBV_SEND_SIGNALED : 0;

	err = qp->sq_64_bit_req_id ? 0 :
		efa_wq_init_wrids(&qp->sq, qp->sq.max_wrs, gen);
	if (!err && qp->rq.max_wrs)
		err = efa_wq_init_wrids(&qp->rq, qp->rq.max_wrs, gen);
	if (!err && attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS) {
		qp->local_queue = malloc((size_t)qp->sq.entries * qp->sq.entry_size);
		if (!qp->local_queue)
			err = ENOMEM;
	}
	if (err) {
		verbs_err(&ctx->ibvctx, "create_qp: no room for the queues' state: %d\n", err);
		efa_qp_free_data_path(qp);
		return err;
	}

	efa_sq_set_post_send(qp);
	qp->dv_qp.comp_mask = 0;
	if (attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS) {
		efa_sq_set_ops(qp, attr->send_ops_flags, efa->wr_flags);
		efa_qp_mark_extended(qp);
	}
	return 0;
}

/* ---------------------------------------- create */

static struct ibv_qp *efa_qp_create(struct ibv_context *ibctx,
				    struct ibv_qp_init_attr_ex *attr,
				    const struct efadv_qp_init_attr *efa)
{
	struct efa_context *ctx = to_efa_context(ibctx);
	const struct efa_caps *caps = &ctx->caps;
	struct efa_cmd_create_qp_resp resp = {};
	struct efa_cmd_create_qp cmd = {};
	struct ibv_qp_cap *cap = &attr->cap;
	uint32_t wqe_size, rq_descs, recv_sge;
	struct efa_qp *qp;
	int err;

	err = efa_qp_check_attr(ctx, attr, efa);
	if (err)
		goto err_out;
	wqe_size = efa_sq_wqe_size(cap->max_inline_data,
				   efa->flags & EFADV_QP_FLAGS_INLINE_WRITE);
	err = efa_qp_check_limits(ctx, cap, wqe_size);
	if (err)
		goto err_out;

	qp = calloc(1, sizeof(*qp));
	if (!qp) {
		err = ENOMEM;
		goto err_out;
	}
	qp->sq.entry_size = wqe_size;
	qp->sq.entries = roundup_pow_of_two(max_t(uint32_t, cap->max_send_wr,
						  max_t(uint32_t, caps->min_sq_wr, 1)));
	qp->sq.max_batch = caps->max_tx_batch ?
		caps->max_tx_batch * EFA_IO_TX_WQE_SIZE / wqe_size : UINT16_MAX;
	if (!qp->sq.max_batch) {
		verbs_err(&ctx->ibvctx,
			  "create_qp: a TX batch of %u x 64 bytes holds no %u-byte WQE\n",
			  caps->max_tx_batch, wqe_size);
		err = EINVAL;
		goto err_free;
	}
	if (caps->min_sq_wr && qp->sq.entries > 1)
		/* the device takes no doorbell for the whole queue at once */
		qp->sq.max_batch = min_t(uint32_t, qp->sq.max_batch,
					 qp->sq.entries - 1);

	/* One descriptor per receive SGE; a receive takes at least one. */
	recv_sge = max_t(uint32_t, cap->max_recv_sge, 1);
	rq_descs = cap->max_recv_wr ?
		roundup_pow_of_two(cap->max_recv_wr * recv_sge) : 0;
	qp->rq.entry_size = sizeof(struct efa_io_rx_desc);
	qp->rq.entries = rq_descs;
	qp->rq.max_batch = rq_descs;

	cmd.sq_ring_size = qp->sq.entries * wqe_size;
	cmd.rq_ring_size = rq_descs * qp->rq.entry_size;
	if (attr->qp_type == IBV_QPT_DRIVER)
		cmd.driver_qp_type = efa->driver_qp_type;
	if (efa->flags & EFADV_QP_FLAGS_UNSOLICITED_WRITE_RECV)
		cmd.flags |= EFA_CREATE_QP_WITH_UNSOLICITED_WRITE_RECV;
	if (caps->device_caps & EFA_QUERY_DEVICE_CAPS_SQ_64_BIT_REQ_ID) {
		cmd.flags |= EFA_CREATE_QP_WITH_SQ_64_BIT_REQ_ID;
		qp->sq_64_bit_req_id = true;
	}
	cmd.sl = efa->sl;

	/* what the caller gets back: the queues as sized */
	cap->max_send_wr = qp->sq.entries;
	cap->max_recv_wr = rq_descs / recv_sge;
	qp->max_send_sge = cap->max_send_sge;
	qp->max_recv_sge = cap->max_recv_sge;
	qp->max_inline_data = cap->max_inline_data;

	err = ibv_cmd_create_qp_ex(ibctx, &qp->verbs_qp, attr, &cmd.ibv_cmd,
				   sizeof(cmd), &resp.ibv_resp, sizeof(resp));
	if (err) {
		verbs_err(&ctx->ibvctx, "create_qp: the kernel refused: %d\n", err);
		goto err_free;
	}
	qp->verbs_qp.qp.state = IBV_QPS_RESET;

	err = efa_qp_check_resp(ctx, qp, &resp);
	if (err)
		goto err_destroy;
	err = efa_qp_map(ctx, qp, &resp);
	if (err)
		goto err_destroy;

	err = efa_qp_init_data_path(ctx, qp, attr, efa);
	if (err)
		goto err_unmap;
	efa_qp_table_set(ctx, qp, qp);
	return &qp->verbs_qp.qp;

err_unmap:
	efa_qp_unmap(ctx, qp);
err_destroy:
	ibv_cmd_destroy_qp(&qp->verbs_qp.qp);
err_free:
	free(qp);
err_out:
	errno = err;
	return NULL;
}

/* The classic create_qp attributes as extended ones, and the answer back. */
static struct ibv_qp *efa_qp_create_classic(struct ibv_pd *ibpd,
					    struct ibv_qp_init_attr *attr,
					    const struct efadv_qp_init_attr *efa)
{
	struct ibv_qp_init_attr_ex ex = {};
	struct ibv_qp *qp;

	memcpy(&ex, attr, sizeof(*attr));
	ex.comp_mask = IBV_QP_INIT_ATTR_PD;
	ex.pd = ibpd;
	qp = efa_qp_create(ibpd->context, &ex, efa);
	if (qp)
		memcpy(attr, &ex, sizeof(*attr));
	return qp;
}

struct ibv_qp *efa_create_qp(struct ibv_pd *ibpd, struct ibv_qp_init_attr *attr)
{
	struct efadv_qp_init_attr efa = {};

	if (attr->qp_type != IBV_QPT_UD) {
		verbs_err(verbs_get_ctx(ibpd->context),
			  "create_qp: QP type %d; EFA has UD here, SRD through efadv\n",
			  attr->qp_type);
		errno = EOPNOTSUPP;
		return NULL;
	}
	return efa_qp_create_classic(ibpd, attr, &efa);
}

struct ibv_qp *efa_create_qp_ex(struct ibv_context *ibctx,
				struct ibv_qp_init_attr_ex *attr)
{
	struct efadv_qp_init_attr efa = {};

	if (attr->qp_type != IBV_QPT_UD) {
		verbs_err(verbs_get_ctx(ibctx),
			  "create_qp_ex: QP type %d; EFA has UD here, SRD through efadv\n",
			  attr->qp_type);
		errno = EOPNOTSUPP;
		return NULL;
	}
	return efa_qp_create(ibctx, attr, &efa);
}

struct ibv_qp *efadv_create_driver_qp(struct ibv_pd *ibpd,
				      struct ibv_qp_init_attr *attr,
				      uint32_t driver_qp_type)
{
	struct efadv_qp_init_attr efa = { .driver_qp_type = driver_qp_type };

	if (!ibpd || !efa_is_efa_device(ibpd->context->device)) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->qp_type != IBV_QPT_DRIVER) {
		verbs_err(verbs_get_ctx(ibpd->context),
			  "efadv_create_driver_qp: qp_type is not IBV_QPT_DRIVER\n");
		errno = EINVAL;
		return NULL;
	}
	return efa_qp_create_classic(ibpd, attr, &efa);
}

struct ibv_qp *efadv_create_qp_ex(struct ibv_context *ibctx,
				  struct ibv_qp_init_attr_ex *attr,
				  struct efadv_qp_init_attr *efa_attr,
				  uint32_t inlen)
{
	struct efadv_qp_init_attr in = {};

	if (!ibctx || !efa_is_efa_device(ibctx->device)) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	/*
	 * inlen 16 is the struct before wr_flags (rdma-core up to 48, what
	 * Debian 12's libfabric passes): wr_flags then reads 0.
	 */
	if (attr->qp_type != IBV_QPT_DRIVER ||
	    efa_check_attr_len(efa_attr, inlen,
			       EFA_FIELD_END(struct efadv_qp_init_attr,
					     driver_qp_type),
			       sizeof(in))) {
		verbs_err(verbs_get_ctx(ibctx),
			  "efadv_create_qp_ex: qp_type %d or inlen %u not understood\n",
			  attr->qp_type, inlen);
		errno = EINVAL;
		return NULL;
	}
	memcpy(&in, efa_attr, inlen < sizeof(in) ? inlen : sizeof(in));
	if (in.comp_mask || in.reserved) {
		verbs_err(verbs_get_ctx(ibctx),
			  "efadv_create_qp_ex: comp_mask or reserved set\n");
		errno = EINVAL;
		return NULL;
	}
	return efa_qp_create(ibctx, attr, &in);
}

/* ---------------------------------------- the rest */

int efa_modify_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr, int attr_mask)
{
	struct ibv_modify_qp cmd = {};
	int err;

	err = ibv_cmd_modify_qp(ibqp, attr, attr_mask, &cmd, sizeof(cmd));
	if (err) {
		verbs_debug(verbs_get_ctx(ibqp->context),
			    "modify_qp %u mask %#x: %d\n", ibqp->qp_num,
			    attr_mask, err);
		return err;
	}
	if (attr_mask & IBV_QP_STATE) {
		struct efa_qp *qp = to_efa_qp(ibqp);

		ibqp->state = attr->qp_state;
		/* the device forgets the queues' contents: start over */
		if (attr->qp_state == IBV_QPS_RESET) {
			efa_wq_reset(&qp->sq);
			efa_wq_reset(&qp->rq);
		}
	}
	return 0;
}

int efa_query_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr, int attr_mask,
		 struct ibv_qp_init_attr *init_attr)
{
	struct ibv_query_qp cmd;

	return ibv_cmd_query_qp(ibqp, attr, attr_mask, init_attr, &cmd,
				sizeof(cmd));
}

/*
 * EFA writes a message's data in order in 128-byte blocks on devices with
 * 128-byte data polling, never a whole message.  flags 0 asks whether
 * whole messages land in order (no); with RETURN_CAPS the answer is the
 * caps.  libibverbs 56 also masks the answer by flags, libibverbs 44 hands
 * it back as is, so the answer is right for either.
 */
int efa_query_qp_data_in_order(struct ibv_qp *ibqp, enum ibv_wr_opcode op EFA_UNUSED,
			       uint32_t flags)
{
	struct efa_context *ctx = to_efa_context(ibqp->context);
	int caps = 0;

	if (ctx->caps.device_caps & EFA_QUERY_DEVICE_CAPS_DATA_POLLING_128)
		caps |= IBV_QUERY_QP_DATA_IN_ORDER_ALIGNED_128_BYTES;
	if (!(flags & IBV_QUERY_QP_DATA_IN_ORDER_RETURN_CAPS))
		return !!(caps & IBV_QUERY_QP_DATA_IN_ORDER_WHOLE_MSG);
	return caps;
}

int efa_destroy_qp(struct ibv_qp *ibqp)
{
	struct efa_context *ctx = to_efa_context(ibqp->context);
	struct efa_qp *qp = to_efa_qp(ibqp);
	int err;

	err = ibv_cmd_destroy_qp(ibqp);
	if (err) {
		verbs_err(&ctx->ibvctx, "destroy_qp %u: %d\n", ibqp->qp_num, err);
		return err;
	}
	/* no poller of its CQs finds it any more */
	efa_qp_table_set(ctx, qp, NULL);
	efa_qp_unmap(ctx, qp);
	efa_qp_free_data_path(qp);
	free(qp);
	return 0;
}

/* ---------------------------------------- efadv queries */

struct efadv_qp *efadv_qp_from_ibv_qp_ex(struct ibv_qp_ex *ibqpx)
{
	if (!ibqpx || !efa_is_efa_device(ibqpx->qp_base.context->device)) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	return &to_efa_qp_ex(ibqpx)->dv_qp;
}

static void efa_fill_wq_attr(struct efadv_wq_attr *out, const struct efa_wq *wq,
			     uint16_t caps, uint32_t inlen)
{
	out->buffer = wq->ring;
	out->entry_size = wq->entry_size;
	out->num_entries = wq->entries;
	out->doorbell = wq->db;
	out->max_batch = wq->max_batch;
	if (EFA_FIELD_END(struct efadv_wq_attr, caps) <= inlen)
		out->caps = caps;
}

int efadv_query_qp_wqs(struct ibv_qp *ibqp, struct efadv_wq_attr *sq_attr,
		       struct efadv_wq_attr *rq_attr, uint32_t inlen)
{
	struct efa_qp *qp;

	if (!ibqp || !efa_is_efa_device(ibqp->context->device))
		return EOPNOTSUPP;
	if (efa_zero_attr_out(sq_attr, inlen,
			      EFA_FIELD_END(struct efadv_wq_attr, max_batch)) ||
	    efa_zero_attr_out(rq_attr, inlen,
			      EFA_FIELD_END(struct efadv_wq_attr, max_batch)))
		return EINVAL;
	qp = to_efa_qp(ibqp);
	efa_fill_wq_attr(sq_attr, &qp->sq,
			 qp->sq_64_bit_req_id ? EFADV_WQ_CAPS_64_BIT_REQ_ID : 0,
			 inlen);
	efa_fill_wq_attr(rq_attr, &qp->rq, 0, inlen);
	return 0;
}

int efadv_get_max_sq_depth(struct ibv_context *ibctx,
			   struct efadv_sq_depth_attr *attr, uint32_t inlen)
{
	struct efa_context *ctx;
	const struct efa_caps *caps;

	if (!ibctx || !efa_is_efa_device(ibctx->device))
		return -EOPNOTSUPP;
	ctx = to_efa_context(ibctx);
	caps = &ctx->caps;
	/* as rdma-core's provider, bytes past the struct are not looked at */
	if (inlen < EFA_FIELD_END(struct efadv_sq_depth_attr, max_inline_data) ||
	    attr->comp_mask ||
	    !check_comp_mask(attr->flags, EFADV_SQ_DEPTH_ATTR_INLINE_WRITE)) {
		verbs_err(&ctx->ibvctx, "efadv_get_max_sq_depth: inlen %u, comp_mask or flags not understood\n",
			  inlen);
		return -EINVAL;
	}
	if (attr->max_send_sge > caps->max_sq_sge ||
	    attr->max_rdma_sge > min_t(uint32_t, caps->max_sge_rd,
				       EFA_IO_TX_DESC_NUM_RDMA_BUFS) ||
	    attr->max_inline_data > caps->inline_buf_size_ex) {
		verbs_err(&ctx->ibvctx, "efadv_get_max_sq_depth: SGEs %u, RDMA SGEs %u or inline %u past the device's\n",
			  attr->max_send_sge, attr->max_rdma_sge,
			  attr->max_inline_data);
		return -EINVAL;
	}
	return efa_sq_max_depth(caps, efa_sq_wqe_size(attr->max_inline_data,
			attr->flags & EFADV_SQ_DEPTH_ATTR_INLINE_WRITE));
}

int efadv_get_max_rq_depth(struct ibv_context *ibctx,
			   struct efadv_rq_depth_attr *attr, uint32_t inlen)
{
	struct efa_context *ctx;

	if (!ibctx || !efa_is_efa_device(ibctx->device))
		return -EOPNOTSUPP;
	ctx = to_efa_context(ibctx);
	/*
	 * The struct ends in padding on 64-bit callers, which they need not
	 * zero; as with rdma-core's provider, nothing past max_recv_sge is
	 * looked at.
	 */
	if (inlen < EFA_FIELD_END(struct efadv_rq_depth_attr, max_recv_sge) ||
	    attr->comp_mask) {
		verbs_err(&ctx->ibvctx, "efadv_get_max_rq_depth: inlen %u or comp_mask not understood\n",
			  inlen);
		return -EINVAL;
	}
	if (attr->max_recv_sge > ctx->caps.max_rq_sge) {
		verbs_err(&ctx->ibvctx, "efadv_get_max_rq_depth: %u SGEs past the device's %u\n",
			  attr->max_recv_sge, ctx->caps.max_rq_sge);
		return -EINVAL;
	}
	return efa_rq_max_depth(&ctx->caps, attr->max_recv_sge);
}
