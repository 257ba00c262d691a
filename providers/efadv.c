// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The efadv_* entry points.  Every symbol of the EFA_1.0 .. EFA_1.7 versions
 * exists so that programs linked against libefa.so.1 (libfabric, pyverbs)
 * load; those whose verbs arrive with the data path answer EOPNOTSUPP until
 * then.
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

/* ------------------------------------------------ not implemented yet */

static void *efa_no_object(void)
{
	errno = EOPNOTSUPP;
	return NULL;
}

struct ibv_qp *efadv_create_driver_qp(struct ibv_pd *ibvpd EFA_UNUSED,
				      struct ibv_qp_init_attr *attr EFA_UNUSED,
				      uint32_t driver_qp_type EFA_UNUSED)
{
	return efa_no_object();
}

struct ibv_qp *efadv_create_qp_ex(struct ibv_context *ibvctx EFA_UNUSED,
				  struct ibv_qp_init_attr_ex *attr_ex EFA_UNUSED,
				  struct efadv_qp_init_attr *efa_attr EFA_UNUSED,
				  uint32_t inlen EFA_UNUSED)
{
	return efa_no_object();
}

struct efadv_qp *efadv_qp_from_ibv_qp_ex(struct ibv_qp_ex *ibvqpx EFA_UNUSED)
{
	return efa_no_object();
}

int efadv_query_qp_wqs(struct ibv_qp *ibvqp EFA_UNUSED,
		       struct efadv_wq_attr *sq_attr EFA_UNUSED,
		       struct efadv_wq_attr *rq_attr EFA_UNUSED,
		       uint32_t inlen EFA_UNUSED)
{
	return EOPNOTSUPP;
}

int efadv_get_max_sq_depth(struct ibv_context *ibvctx EFA_UNUSED,
			   struct efadv_sq_depth_attr *attr EFA_UNUSED,
			   uint32_t inlen EFA_UNUSED)
{
	return -EOPNOTSUPP;
}

int efadv_get_max_rq_depth(struct ibv_context *ibvctx EFA_UNUSED,
			   struct efadv_rq_depth_attr *attr EFA_UNUSED,
			   uint32_t inlen EFA_UNUSED)
{
	return -EOPNOTSUPP;
}

int efadv_query_ah(struct ibv_ah *ibvah EFA_UNUSED,
		   struct efadv_ah_attr *attr EFA_UNUSED,
		   uint32_t inlen EFA_UNUSED)
{
	return EOPNOTSUPP;
}

struct ibv_cq_ex *efadv_create_cq(struct ibv_context *ibvctx EFA_UNUSED,
				  struct ibv_cq_init_attr_ex *attr_ex EFA_UNUSED,
				  struct efadv_cq_init_attr *efa_attr EFA_UNUSED,
				  uint32_t inlen EFA_UNUSED)
{
	return efa_no_object();
}

struct efadv_cq *efadv_cq_from_ibv_cq_ex(struct ibv_cq_ex *ibvcqx EFA_UNUSED)
{
	return efa_no_object();
}

int efadv_query_cq(struct ibv_cq *ibvcq EFA_UNUSED,
		   struct efadv_cq_attr *attr EFA_UNUSED,
		   uint32_t inlen EFA_UNUSED)
{
	return EOPNOTSUPP;
}

int efadv_query_mr(struct ibv_mr *ibvmr EFA_UNUSED,
		   struct efadv_mr_attr *attr EFA_UNUSED,
		   uint32_t inlen EFA_UNUSED)
{
	return EOPNOTSUPP;
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
