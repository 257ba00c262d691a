// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * efa_compat.c against the installed libibverbs (no device needed): a QP
 * marked extended is one ibv_qp_to_qp_ex() answers for, although the
 * installed library reads verbs_qp.comp_mask elsewhere than our headers
 * put it (checked too, so the test shows the trap is real here).
 */
#include <stdio.h>
#include <string.h>

#include "efa.h"

int main(void)
{
	static struct efa_qp qp;
	int failures = 0;

	/* the field as 56.1's header places it: invisible to libibverbs 44 */
	qp.verbs_qp.comp_mask = VERBS_QP_EX;
	if (ibv_qp_to_qp_ex(&qp.verbs_qp.qp)) {
		fprintf(stderr, "note: this libibverbs reads comp_mask where our headers put it\n");
	} else {
		printf("libibverbs reads verbs_qp.comp_mask elsewhere than rdma-core 56.1's header\n");
	}

	memset(&qp, 0, sizeof(qp));
	if (efa_compat_init()) {
		fprintf(stderr, "efa_compat_init found no comp_mask\n");
		return 1;
	}
	if (ibv_qp_to_qp_ex(&qp.verbs_qp.qp)) {
		fprintf(stderr, "a zeroed QP reads as extended\n");
		failures++;
	}
	efa_qp_mark_extended(&qp);
	if (ibv_qp_to_qp_ex(&qp.verbs_qp.qp) != &qp.verbs_qp.qp_ex) {
		fprintf(stderr, "a QP marked extended is not one to ibv_qp_to_qp_ex\n");
		failures++;
	}
	if (!failures)
		printf("efa_compat: ibv_qp_to_qp_ex sees QPs marked extended\n");
	return failures ? 1 : 0;
}
