// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Where the libibverbs we run on lays out a shared struct differently from
 * the rdma-core headers we build with.
 *
 * struct verbs_qp is { union { ibv_qp; ibv_qp_ex; }; comp_mask; xrcd; }, and
 * ibv_qp_ex grows with rdma-core (56 added wr_flush), so comp_mask moves:
 * libibverbs 44 reads it 8 bytes before where 56.1's header puts it.  The
 * provider sets VERBS_QP_EX in it to tell ibv_qp_to_qp_ex() that a QP has
 * the extended send interface, so it must write where the running library
 * reads.  Rather than trusting a version number, efa_compat_init() asks the
 * library: it marks one candidate offset at a time in a zeroed verbs_qp and
 * sees which one makes ibv_qp_to_qp_ex() answer.  Under libibverbs 44 that
 * word is what 56.1's header calls wr_flush: EFA has no flush, and no
 * program built against 44's headers knows the member.
 */
#include <errno.h>
#include <string.h>

#include "efa.h"

/* Offset of comp_mask in the running libibverbs' struct verbs_qp. */
static size_t efa_verbs_qp_comp_mask_offset;

int efa_compat_init(void)
{
	/* as much room as struct efa_qp leaves for the library's verbs_qp */
	union {
		struct verbs_qp vqp;
		uint8_t bytes[sizeof(struct verbs_qp) + EFA_VERBS_QP_SLACK];
	} probe;
	size_t off;

	if (efa_verbs_qp_comp_mask_offset)
		return 0;
	for (off = sizeof(struct ibv_qp); off + sizeof(uint32_t) <= sizeof(probe);
	     off += sizeof(uint32_t)) {
		uint32_t mark = VERBS_QP_EX;

		memset(&probe, 0, sizeof(probe));
		memcpy(probe.bytes + off, &mark, sizeof(mark));
		if (ibv_qp_to_qp_ex(&probe.vqp.qp)) {
			efa_verbs_qp_comp_mask_offset = off;
			return 0;
		}
	}
	return ENOTSUP;
}

void efa_qp_mark_extended(struct efa_qp *qp)
{
	uint8_t *base = (uint8_t *)&qp->verbs_qp;
	uint32_t mask;

	/* the field as our headers see it, for our own readers ... */
	qp->verbs_qp.comp_mask |= VERBS_QP_EX;
	/* ... and as the running libibverbs sees it */
	memcpy(&mask, base + efa_verbs_qp_comp_mask_offset, sizeof(mask));
	mask |= VERBS_QP_EX;
	memcpy(base + efa_verbs_qp_comp_mask_offset, &mask, sizeof(mask));
}
