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
	.dealloc_pd = efa_dealloc_pd,
	.free_context = efa_free_context,
	.query_device_ex = efa_query_device_ex,
	.query_port = efa_query_port,
};

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

	verbs_uninit_context(&ctx->ibvctx);
	free(ctx);
}
