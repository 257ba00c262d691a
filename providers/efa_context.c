// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Contexts: alloc_ucontext tells what the kernel and device offer, a query
 * of the device fills in the limits, then the verbs are wired.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "efa.h"

static void efa_free_context(struct ibv_context *ibctx);

/*
 * The verbs this provider implements; libibverbs answers EOPNOTSUPP for the
 * others.
 */
static const struct verbs_context_ops efa_context_ops = {
	.alloc_pd = efa_alloc_pd,
	.create_ah = efa_create_ah,
	.create_cq = efa_create_cq,
	.create_cq_ex = efa_create_cq_ex,
	.create_qp = efa_create_qp,
	.create_qp_ex = efa_create_qp_ex,
	.cq_event = efa_cq_event,
	.dealloc_pd = efa_dealloc_pd,
	.dereg_mr = efa_dereg_mr,
	.destroy_ah = efa_destroy_ah,
	.destroy_cq = efa_destroy_cq,
	.destroy_qp = efa_destroy_qp,
	.free_context = efa_free_context,
	.modify_qp = efa_modify_qp,
	.poll_cq = efa_poll_cq,
	.post_recv = efa_post_recv,
	.post_send = efa_post_send,
	.query_device_ex = efa_query_device_ex,
	.query_port = efa_query_port,
	.query_qp = efa_query_qp,
	.query_qp_data_in_order = efa_query_qp_data_in_order,
	.reg_dmabuf_mr = efa_reg_dmabuf_mr,
	.reg_mr = efa_reg_mr,
	.req_notify_cq = efa_req_notify_cq,
};

/*
 * What alloc_ucontext answered, checked before any queue is sized from it:
 * a CQ has at least one sub-CQ, an LLQ holds at least one WQE, and the
 * inline sizes fit the WQEs that carry them.  EPROTO otherwise.
 */
static int efa_check_get_context(struct efa_context *ctx,
				 const struct efa_cmd_get_context_resp *resp)
{
	const char *bad = NULL;

	if (resp->sub_cqs_per_cq < 1)
		bad = "sub_cqs_per_cq";
	else if (resp->max_llq_size < EFA_IO_TX_WQE_SIZE)
		bad = "max_llq_size";
	else if (resp->inline_buf_size > EFA_IO_TX_DESC_INLINE_MAX_SIZE)
		bad = "inline_buf_size";
	else if (resp->inline_buf_size_ex > EFA_IO_TX_DESC_INLINE_MAX_SIZE_128)
		bad = "inline_buf_size_ex";
	if (!bad)
		return 0;
	verbs_debug(&ctx->ibvctx,
		    "alloc_ucontext: sub_cqs_per_cq %u max_llq_size %u inline_buf_size %u inline_buf_size_ex %u: %s out of range; refused\n",
		    resp->sub_cqs_per_cq, resp->max_llq_size,
		    resp->inline_buf_size, resp->inline_buf_size_ex, bad);
	fprintf(stderr, "libefa: %s: the efa kernel driver reported %s out of range\n",
		ctx->ibvctx.context.device->name, bad);
	return EPROTO;
}

static void efa_caps_from_get_context(struct efa_caps *caps,
				      const struct efa_cmd_get_context_resp *resp)
{
	caps->cmds_supp_udata_mask = resp->cmds_supp_udata_mask;
	caps->sub_cqs_per_cq = resp->sub_cqs_per_cq;
	caps->inline_buf_size = resp->inline_buf_size;
	/*
	 * Kernels before the 128-byte WQE leave inline_buf_size_ex out of the
	 * response (it reads 0): the 64-byte WQE's inline size is all there is.
	 */
	caps->inline_buf_size_ex = resp->inline_buf_size_ex ?
		resp->inline_buf_size_ex : resp->inline_buf_size;
	caps->max_llq_size = resp->max_llq_size;
	caps->max_tx_batch = resp->max_tx_batch;
	caps->min_sq_wr = resp->min_sq_wr;
}

struct verbs_context *efa_alloc_context(struct ibv_device *ibdev, int cmd_fd,
					void *private_data EFA_UNUSED)
{
	struct efa_cmd_get_context_resp resp = {};
	struct efa_cmd_get_context cmd = {};
	struct efa_context *ctx;
	int err;

	err = efa_compat_init();
	if (err) {
		fprintf(stderr, "libefa: %s: cannot find comp_mask in this libibverbs' struct verbs_qp\n",
			ibdev->name);
		errno = err;
		return NULL;
	}

	ctx = verbs_init_and_alloc_context(ibdev, cmd_fd, ctx, ibvctx,
					   RDMA_DRIVER_EFA);
	if (!ctx)
		return NULL;

	/* What we understand in the response. */
	cmd.supported_caps = EFA_ALLOC_UCONTEXT_CMD_SUPP_CAPS_TX_BATCH |
			     EFA_ALLOC_UCONTEXT_CMD_SUPP_CAPS_MIN_SQ_WR;
	err = ibv_cmd_get_context(&ctx->ibvctx, &cmd.ibv_cmd, sizeof(cmd),
				  &resp.ibv_resp, sizeof(resp));
	if (err) {
		verbs_err(&ctx->ibvctx, "alloc_ucontext failed: %d\n", err);
		goto err_free;
	}
	err = efa_check_get_context(ctx, &resp);
	if (err)
		goto err_free;
	efa_caps_from_get_context(&ctx->caps, &resp);

	/*
	 * Address handles are useless without the device's AH number, which
	 * only comes back in create_ah's udata.
	 */
	if (!(ctx->caps.cmds_supp_udata_mask &
	      EFA_USER_CMDS_SUPP_UDATA_CREATE_AH)) {
		fprintf(stderr,
			"libefa: %s: the efa kernel driver does not return address handle numbers (no CREATE_AH in its udata mask %#x); libefa needs a newer driver\n",
			ibdev->name, ctx->caps.cmds_supp_udata_mask);
		err = EOPNOTSUPP;
		goto err_free;
	}

	verbs_set_ops(&ctx->ibvctx, &efa_context_ops);

	err = efa_read_device_caps(ctx);
	if (!err)
		err = efa_qp_table_init(ctx);
	if (err)
		goto err_free;

	return &ctx->ibvctx;

err_free:
	verbs_uninit_context(&ctx->ibvctx);
	free(ctx);
	errno = err;
	return NULL;
}

static void efa_free_context(struct ibv_context *ibctx)
{
	struct efa_context *ctx = to_efa_context(ibctx);

	efa_qp_table_free(ctx);
	verbs_uninit_context(&ctx->ibvctx);
	free(ctx);
}
