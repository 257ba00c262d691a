// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Address handles.  The kernel answers create_ah with the device's AH
 * number, which send WQEs name their destination by (efa_context.c refuses
 * kernels that do not).
 */
#include <errno.h>
#include <stdlib.h>

#include "efa.h"

struct ibv_ah *efa_create_ah(struct ibv_pd *ibpd, struct ibv_ah_attr *attr)
{
	struct efa_cmd_create_ah_resp resp = {};
	struct efa_ah *ah;
	int err;

	ah = calloc(1, sizeof(*ah));
	if (!ah) {
		errno = ENOMEM;
		return NULL;
	}
	err = ibv_cmd_create_ah(ibpd, &ah->ibvah, attr, &resp.ibv_resp,
				sizeof(resp));
	if (err) {
		verbs_debug(verbs_get_ctx(ibpd->context), "create_ah: %d\n", err);
		free(ah);
		errno = err;
		return NULL;
	}
	ah->ahn = resp.efa_address_handle;
	return &ah->ibvah;
}

int efa_destroy_ah(struct ibv_ah *ibah)
{
	int err;

	err = ibv_cmd_destroy_ah(ibah);
	if (err) {
		verbs_err(verbs_get_ctx(ibah->context), "destroy_ah: %d\n", err);
		return err;
	}
	free(to_efa_ah(ibah));
	return 0;
}

int efadv_query_ah(struct ibv_ah *ibah, struct efadv_ah_attr *attr,
		   uint32_t inlen)
{
	if (!ibah || !efa_is_efa_device(ibah->context->device))
		return EOPNOTSUPP;
	if (efa_zero_attr_out(attr, inlen,
			      EFA_FIELD_END(struct efadv_ah_attr, ahn)))
		return EINVAL;
	attr->ahn = to_efa_ah(ibah)->ahn;
	return 0;
}
