// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* efadv.h on its own, as C99/C11 and as C++, with every warning. */
#include <infiniband/efadv.h>

int efadv_header_use(struct efadv_cq *cq, struct efadv_qp *qp);

int efadv_header_use(struct efadv_cq *cq, struct efadv_qp *qp)
{
	union ibv_gid gid;

	efadv_wr_set_processing_hints(qp,
				      EFADV_WR_PROCESSING_HINT_BURST_PPS_SENSITIVE);
	return efadv_wc_read_sgid(cq, &gid) + (int)efadv_wc_is_unsolicited(cq);
}
