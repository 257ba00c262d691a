// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * efadv_query_device and the one efadv call this libibverbs cannot serve.
 * The others live with their objects: efa_cq.c, efa_qp.c, efa_ah.c,
 * efa_mr.c.
 */
#include <errno.h>

#include "efa.h"

int efadv_query_device(struct ibv_context *ibvctx,
		       struct efadv_device_attr *attr, uint32_t inlen)
{
	if (!ibvctx || !efa_is_efa_device(ibvctx->device))
		return EOPNOTSUPP;
	return efa_fill_efadv_device_attr(&to_efa_context(ibvctx)->caps, attr,
					  inlen);
}

/* ------------------------------------------------ not implemented */

static void *efa_no_object(void)
{
	errno = EOPNOTSUPP;
	return NULL;
}

/* Never with this libibverbs: it has no completion counter objects. */
struct ibv_comp_cntr *
efadv_create_comp_cntr(struct ibv_context *ibvctx EFA_UNUSED,
		       struct ibv_comp_cntr_init_attr *attr EFA_UNUSED,
		       struct efadv_comp_cntr_init_attr *efa_attr EFA_UNUSED,
		       uint32_t inlen EFA_UNUSED)
{
	return efa_no_object();
}
