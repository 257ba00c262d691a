// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Device and port queries.  The EFA part of query_device (max queue depths
 * and SGEs, RDMA size, device caps) is read once per context and kept in
 * efa_caps for efadv_query_device and the verbs that size queues.
 */
#include <errno.h>
#include <stdio.h>

#include "efa.h"

static bool efa_kernel_answers_query_device(const struct efa_context *ctx)
{
	return ctx->caps.cmds_supp_udata_mask &
	       EFA_USER_CMDS_SUPP_UDATA_QUERY_DEVICE;
}

int efa_read_device_caps(struct efa_context *ctx)
{
	struct efa_cmd_query_device_resp resp = {};
	struct ibv_device_attr_ex attr;
	size_t resp_size = sizeof(resp);
	struct efa_caps *caps = &ctx->caps;
	int err;

	if (efa_kernel_answers_query_device(ctx))
		err = ibv_cmd_query_device_any(&ctx->ibvctx.context, NULL,
					       &attr, sizeof(attr),
					       &resp.ibv_resp, &resp_size);
	else
		/* the classic command: no driver part to ask for */
		err = ibv_cmd_query_device_any(&ctx->ibvctx.context, NULL,
					       &attr, sizeof(attr.orig_attr),
					       NULL, NULL);
	if (err) {
		verbs_err(&ctx->ibvctx, "query_device failed: %d\n", err);
		return err;
	}

	caps->device_caps = resp.device_caps;
	caps->max_sq_wr = resp.max_sq_wr;
	caps->max_rq_wr = resp.max_rq_wr;
	caps->max_sq_sge = resp.max_sq_sge;
	caps->max_rq_sge = resp.max_rq_sge;
	caps->max_rdma_size = resp.max_rdma_size;
	caps->max_qp = attr.orig_attr.max_qp;
	caps->max_sge_rd = attr.orig_attr.max_sge_rd;
	return 0;
}

int efa_query_device_ex(struct ibv_context *ibctx,
			const struct ibv_query_device_ex_input *input,
			struct ibv_device_attr_ex *attr, size_t attr_size)
{
	struct efa_context *ctx = to_efa_context(ibctx);
	struct efa_cmd_query_device_resp resp = {};
	size_t resp_size = efa_kernel_answers_query_device(ctx) ?
		sizeof(resp) : sizeof(resp.ibv_resp);
	struct ibv_device_attr *dev = &attr->orig_attr;
	uint64_t fw;
	int err;

	err = ibv_cmd_query_device_any(ibctx, input, attr, attr_size,
				       &resp.ibv_resp, &resp_size);
	if (err)
		return err;

	/* A send queue cannot be deeper than its LLQ holds WQEs. */
	if (ctx->caps.max_llq_size &&
	    (uint32_t)dev->max_qp_wr > ctx->caps.max_llq_size / EFA_IO_TX_WQE_SIZE)
		dev->max_qp_wr = ctx->caps.max_llq_size / EFA_IO_TX_WQE_SIZE;

	/* The firmware version travels as bytes, least significant first. */
	fw = resp.ibv_resp.base.fw_ver;
	snprintf(dev->fw_ver, sizeof(dev->fw_ver), "%u.%u.%u.%u",
		 (unsigned int)(fw & 0xff), (unsigned int)((fw >> 8) & 0xff),
		 (unsigned int)((fw >> 16) & 0xff),
		 (unsigned int)((fw >> 24) & 0xff));
	return 0;
}

int efa_query_port(struct ibv_context *ibctx, uint8_t port,
		   struct ibv_port_attr *attr)
{
	struct ibv_query_port cmd;

	/*
	 * attr is the caller's struct, laid out by the installed libibverbs:
	 * it may end before fields the headers we build with have
	 * (active_speed_ex).  Only libibverbs writes it.
	 */
	return ibv_cmd_query_port(ibctx, port, attr, &cmd, sizeof(cmd));
}
