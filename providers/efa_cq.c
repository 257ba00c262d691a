// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Completion queues.  The provider asks for sub_cqs_per_cq sub-CQs of
 * 32-byte entries (room for the sender's GID), the kernel allocates the
 * rings and answers with where to map them and the doorbell.  Polling and
 * arming come with the data path; until then they fail with EOPNOTSUPP.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <util/util.h>

#include "efa.h"

/* Every CQ gets the extended entry: it has room for the source address. */
#define EFA_CQ_ENTRY_SIZE sizeof(struct efa_io_rx_cdesc_ex)

/* ---------------------------------------- data path: the next issue */

static int efa_cq_start_poll(struct ibv_cq_ex *ibcqx EFA_UNUSED,
			     struct ibv_poll_cq_attr *attr EFA_UNUSED)
{
	return EOPNOTSUPP;
}

static int efa_cq_next_poll(struct ibv_cq_ex *ibcqx EFA_UNUSED)
{
	return EOPNOTSUPP;
}

static void efa_cq_end_poll(struct ibv_cq_ex *ibcqx EFA_UNUSED)
{
}

static enum ibv_wc_opcode efa_cq_read_opcode(struct ibv_cq_ex *ibcqx EFA_UNUSED)
{
	return IBV_WC_SEND;
}

static uint32_t efa_cq_read_u32(struct ibv_cq_ex *ibcqx EFA_UNUSED)
{
	return 0;
}

static unsigned int efa_cq_read_wc_flags(struct ibv_cq_ex *ibcqx EFA_UNUSED)
{
	return 0;
}

static __be32 efa_cq_read_imm_data(struct ibv_cq_ex *ibcqx EFA_UNUSED)
{
	return 0;
}

static uint8_t efa_cq_read_u8(struct ibv_cq_ex *ibcqx EFA_UNUSED)
{
	return 0;
}

static int efa_cq_read_sgid(struct efadv_cq *dv EFA_UNUSED,
			    union ibv_gid *sgid EFA_UNUSED)
{
	return -EOPNOTSUPP;
}

static bool efa_cq_is_unsolicited(struct efadv_cq *dv EFA_UNUSED)
{
	return false;
}

int efa_poll_cq(struct ibv_cq *ibcq EFA_UNUSED, int nwc EFA_UNUSED,
		struct ibv_wc *wc EFA_UNUSED)
{
	return -EOPNOTSUPP;
}

int efa_req_notify_cq(struct ibv_cq *ibcq EFA_UNUSED,
		      int solicited_only EFA_UNUSED)
{
	return EOPNOTSUPP;
}

/*
 * The readers a CQ created with these wc_flags offers.  They exist so a
 * caller never jumps through NULL; what they read arrives with polling.
 */
static void efa_cq_set_readers(struct efa_cq *cq, uint64_t wc_flags,
			       uint64_t efa_wc_flags)
{
	struct ibv_cq_ex *x = &cq->verbs_cq.cq_ex;

	x->start_poll = efa_cq_start_poll;
	x->next_poll = efa_cq_next_poll;
	x->end_poll = efa_cq_end_poll;
	x->read_opcode = efa_cq_read_opcode;
	x->read_vendor_err = efa_cq_read_u32;
	x->read_wc_flags = efa_cq_read_wc_flags;
	if (wc_flags & IBV_WC_EX_WITH_BYTE_LEN)
		x->read_byte_len = efa_cq_read_u32;
	if (wc_flags & IBV_WC_EX_WITH_IMM)
		x->read_imm_data = efa_cq_read_imm_data;
	if (wc_flags & IBV_WC_EX_WITH_QP_NUM)
		x->read_qp_num = efa_cq_read_u32;
	if (wc_flags & IBV_WC_EX_WITH_SRC_QP)
		x->read_src_qp = efa_cq_read_u32;
	if (wc_flags & IBV_WC_EX_WITH_SLID)
		x->read_slid = efa_cq_read_u32;
	if (wc_flags & IBV_WC_EX_WITH_SL)
		x->read_sl = efa_cq_read_u8;
	if (wc_flags & IBV_WC_EX_WITH_DLID_PATH_BITS)
		x->read_dlid_path_bits = efa_cq_read_u8;
	cq->dv_cq.comp_mask = 0;
	if (efa_wc_flags & EFADV_WC_EX_WITH_SGID)
		cq->dv_cq.wc_read_sgid = efa_cq_read_sgid;
	if (efa_wc_flags & EFADV_WC_EX_WITH_IS_UNSOLICITED)
		cq->dv_cq.wc_is_unsolicited = efa_cq_is_unsolicited;
}

/* ---------------------------------------- control path */

/* What the kernel answered, checked before anything is mapped. */
static int efa_cq_check_resp(struct efa_context *ctx, struct efa_cq *cq,
			     const struct efa_cmd_create_cq_resp *resp,
			     uint32_t requested)
{
	uint32_t entries = cq->verbs_cq.cq.cqe;
	uint64_t ring = (uint64_t)entries * cq->entry_size * cq->num_sub_cqs;
	int err;

	if (entries < requested || entries & (entries - 1)) {
		verbs_debug(&ctx->ibvctx,
			    "create_cq: the kernel gave %u entries per sub-CQ for %u asked; refused\n",
			    entries, requested);
		return EPROTO;
	}
	err = efa_check_mmap_key(ctx, "create_cq ring", resp->q_mmap_key,
				 resp->q_mmap_size);
	if (err)
		return err;
	if (resp->q_mmap_size < ring) {
		verbs_debug(&ctx->ibvctx,
			    "create_cq: ring of %llu bytes is short of %u sub-CQs of %u %u-byte entries; refused\n",
			    (unsigned long long)resp->q_mmap_size,
			    cq->num_sub_cqs, entries, cq->entry_size);
		return EPROTO;
	}
	if (resp->comp_mask & EFA_CREATE_CQ_RESP_DB_OFF) {
		err = efa_check_mmap_key(ctx, "create_cq doorbell",
					 resp->db_mmap_key, efa_page_size(ctx));
		if (!err)
			err = efa_check_db_offset(ctx, "create_cq doorbell",
						  resp->db_off);
	}
	return err;
}

static struct ibv_cq_ex *efa_cq_create(struct ibv_context *ibctx,
				       struct ibv_cq_init_attr_ex *attr,
				       uint64_t efa_wc_flags)
{
	struct efa_context *ctx = to_efa_context(ibctx);
	struct efa_cmd_create_cq_resp resp = {};
	struct efa_cmd_create_cq cmd = {};
	uint32_t requested;
	struct efa_cq *cq;
	int err;

	if (!check_comp_mask(attr->comp_mask, 0) ||
	    !check_comp_mask(attr->wc_flags, IBV_WC_STANDARD_FLAGS)) {
		verbs_err(&ctx->ibvctx,
			  "create_cq: comp_mask %#x or wc_flags %#llx not supported\n",
			  attr->comp_mask, (unsigned long long)attr->wc_flags);
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->channel &&
	    !(ctx->caps.device_caps & EFA_QUERY_DEVICE_CAPS_CQ_NOTIFICATIONS)) {
		verbs_err(&ctx->ibvctx,
			  "create_cq: the device has no completion events\n");
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->cqe == 0 || attr->cqe > INT32_MAX / 2) {
		errno = EINVAL;
		return NULL;
	}

	cq = calloc(1, sizeof(*cq));
	if (!cq) {
		errno = ENOMEM;
		return NULL;
	}
	cq->num_sub_cqs = ctx->caps.sub_cqs_per_cq;
	cq->entry_size = EFA_CQ_ENTRY_SIZE;

	cmd.num_sub_cqs = cq->num_sub_cqs;
	cmd.cq_entry_size = cq->entry_size;
	if (attr->channel)
		cmd.flags |= EFA_CREATE_CQ_WITH_COMPLETION_CHANNEL;
	/* the send completions then carry all 64 bits of the request id */
	if (ctx->caps.device_caps & EFA_QUERY_DEVICE_CAPS_SQ_64_BIT_REQ_ID)
		cmd.flags |= EFA_CREATE_CQ_WITH_SQ_COMP_64_BIT_REQ_ID;
	if (efa_wc_flags & EFADV_WC_EX_WITH_SGID)
		cmd.flags |= EFA_CREATE_CQ_WITH_SGID;

	/* each sub-CQ a power of two, so its index wraps with a mask */
	requested = roundup_pow_of_two(attr->cqe);
	attr->cqe = requested;
	err = ibv_cmd_create_cq_ex(ibctx, attr, &cq->verbs_cq, &cmd.ibv_cmd,
				   sizeof(cmd), &resp.ibv_resp, sizeof(resp), 0);
	if (err) {
		verbs_err(&ctx->ibvctx, "create_cq: the kernel refused: %d\n", err);
		goto err_free;
	}

	err = efa_cq_check_resp(ctx, cq, &resp, requested);
	if (err)
		goto err_destroy;
	cq->cqn = resp.cq_idx;
	cq->sub_cq_entries = cq->verbs_cq.cq.cqe;
	cq->ring_size = resp.q_mmap_size;
	cq->ring = efa_mmap(ctx, "CQ ring", resp.q_mmap_key, cq->ring_size,
			    PROT_READ);
	if (!cq->ring) {
		err = errno;
		goto err_destroy;
	}
	if (resp.comp_mask & EFA_CREATE_CQ_RESP_DB_OFF) {
		cq->db_page = efa_mmap(ctx, "CQ doorbell", resp.db_mmap_key,
				       efa_page_size(ctx), PROT_WRITE);
		if (!cq->db_page) {
			err = errno;
			goto err_unmap;
		}
		cq->db = (uint32_t *)((uint8_t *)cq->db_page + resp.db_off);
	}

	efa_cq_set_readers(cq, attr->wc_flags, efa_wc_flags);
	return &cq->verbs_cq.cq_ex;

err_unmap:
	efa_munmap(cq->ring, cq->ring_size);
err_destroy:
	ibv_cmd_destroy_cq(&cq->verbs_cq.cq);
err_free:
	free(cq);
	errno = err;
	return NULL;
}

struct ibv_cq *efa_create_cq(struct ibv_context *ibctx, int cqe,
			     struct ibv_comp_channel *channel, int vec)
{
	struct ibv_cq_init_attr_ex attr = {
		.cqe = cqe < 0 ? 0 : (uint32_t)cqe,
		.channel = channel,
		.comp_vector = vec,
	};
	struct ibv_cq_ex *cqx;

	cqx = efa_cq_create(ibctx, &attr, 0);
	return cqx ? ibv_cq_ex_to_cq(cqx) : NULL;
}

struct ibv_cq_ex *efa_create_cq_ex(struct ibv_context *ibctx,
				   struct ibv_cq_init_attr_ex *attr)
{
	return efa_cq_create(ibctx, attr, 0);
}

int efa_destroy_cq(struct ibv_cq *ibcq)
{
	struct efa_context *ctx = to_efa_context(ibcq->context);
	struct efa_cq *cq = to_efa_cq(ibcq);
	int err;

	err = ibv_cmd_destroy_cq(ibcq);
	if (err) {
		verbs_err(&ctx->ibvctx, "destroy_cq %u: %d\n", cq->cqn, err);
		return err;
	}
	efa_munmap(cq->db_page, efa_page_size(ctx));
	efa_munmap(cq->ring, cq->ring_size);
	free(cq);
	return 0;
}

/* ---------------------------------------- efadv */

struct ibv_cq_ex *efadv_create_cq(struct ibv_context *ibctx,
				  struct ibv_cq_init_attr_ex *attr,
				  struct efadv_cq_init_attr *efa_attr,
				  uint32_t inlen)
{
	struct efadv_cq_init_attr in = {};
	struct efa_context *ctx;
	uint64_t supported = 0;

	if (!ibctx || !efa_is_efa_device(ibctx->device)) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	ctx = to_efa_context(ibctx);
	if (efa_check_attr_len(efa_attr, inlen,
			       EFA_FIELD_END(struct efadv_cq_init_attr, wc_flags),
			       sizeof(in)) ||
	    efa_attr->comp_mask) {
		verbs_err(&ctx->ibvctx, "efadv_create_cq: inlen %u or comp_mask not understood\n",
			  inlen);
		errno = EINVAL;
		return NULL;
	}
	memcpy(&in, efa_attr, inlen < sizeof(in) ? inlen : sizeof(in));

	if (ctx->caps.device_caps & EFA_QUERY_DEVICE_CAPS_CQ_WITH_SGID)
		supported |= EFADV_WC_EX_WITH_SGID;
	if (ctx->caps.device_caps & EFA_QUERY_DEVICE_CAPS_UNSOLICITED_WRITE_RECV)
		supported |= EFADV_WC_EX_WITH_IS_UNSOLICITED;
	if (!check_comp_mask(in.wc_flags, supported)) {
		verbs_err(&ctx->ibvctx, "efadv_create_cq: wc_flags %#llx, supported %#llx\n",
			  (unsigned long long)in.wc_flags,
			  (unsigned long long)supported);
		errno = EOPNOTSUPP;
		return NULL;
	}
	/* CQ rings in application memory need a newer libibverbs' command */
	if (in.flags) {
		verbs_err(&ctx->ibvctx, "efadv_create_cq: flags %#llx not supported\n",
			  (unsigned long long)in.flags);
		errno = EOPNOTSUPP;
		return NULL;
	}
	return efa_cq_create(ibctx, attr, in.wc_flags);
}

struct efadv_cq *efadv_cq_from_ibv_cq_ex(struct ibv_cq_ex *ibcqx)
{
	if (!ibcqx || !efa_is_efa_device(ibcqx->context->device)) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	return &to_efa_cq_ex(ibcqx)->dv_cq;
}

int efadv_query_cq(struct ibv_cq *ibcq, struct efadv_cq_attr *attr,
		   uint32_t inlen)
{
	struct efa_cq *cq;

	if (!ibcq || !efa_is_efa_device(ibcq->context->device))
		return EOPNOTSUPP;
	if (efa_zero_attr_out(attr, inlen,
			      EFA_FIELD_END(struct efadv_cq_attr, num_entries)))
		return EINVAL;
	cq = to_efa_cq(ibcq);
	attr->buffer = cq->ring;
	attr->entry_size = cq->entry_size;
	attr->num_entries = cq->sub_cq_entries;
	if (EFA_FIELD_END(struct efadv_cq_attr, doorbell) <= inlen)
		attr->doorbell = cq->db;
	return 0;
}
