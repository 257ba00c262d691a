// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Protection domains: the kernel answers with the device's PD number. */
#include <errno.h>
#include <stdlib.h>

#include "efa.h"

struct ibv_pd *efa_alloc_pd(struct ibv_context *ibctx)
{
	struct efa_cmd_alloc_pd_resp resp = {};
	struct ibv_alloc_pd cmd;
	struct efa_pd *pd;
	int err;

	pd = calloc(1, sizeof(*pd));
	if (!pd)
		return NULL;

	err = ibv_cmd_alloc_pd(ibctx, &pd->ibvpd, &cmd, sizeof(cmd),
			       &resp.ibv_resp, sizeof(resp));
	if (err) {
		free(pd);
		errno = err;
		return NULL;
	}
	pd->pdn = resp.pdn;
	return &pd->ibvpd;
}

int efa_dealloc_pd(struct ibv_pd *ibpd)
{
	int err;

	err = ibv_cmd_dealloc_pd(ibpd);
	if (err)
		return err;
	free(to_efa_pd(ibpd));
	return 0;
}
