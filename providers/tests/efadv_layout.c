// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Prints the layout of the efadv.h structs and the values of its constants,
 * as one reference header defines them.  Built once against our efadv.h and
 * once against the reference (-DEFADV_REF=44: rdma-core 44's, the installed
 * one Debian's libfabric and pyverbs were built with; -DEFADV_REF=56:
 * rdma-core 56.1's); the outputs must be equal, so programs built with the
 * reference header work with libefa.so.1.  Only what the reference header
 * has is printed.
 */
#include <stddef.h>
#include <stdio.h>

#include <infiniband/efadv.h>

#ifndef EFADV_REF
#error "build with -DEFADV_REF=44 or 56"
#endif

#define SIZE(type) printf("sizeof(%s) = %zu\n", #type, sizeof(type))
#define MEMBER(type, m)                                                        \
	printf("%s.%s at %zu, %zu bytes\n", #type, #m, offsetof(type, m),      \
	       sizeof(((type *)0)->m))
#define VALUE(c) printf("%s = %lld\n", #c, (long long)(c))

int main(void)
{
	/* equal sizes: callers pass sizeof() as inlen, or embed them */
	SIZE(struct efadv_device_attr);
	SIZE(struct efadv_ah_attr);

	MEMBER(struct efadv_qp_init_attr, comp_mask);
	MEMBER(struct efadv_qp_init_attr, driver_qp_type);
	MEMBER(struct efadv_device_attr, comp_mask);
	MEMBER(struct efadv_device_attr, max_sq_wr);
	MEMBER(struct efadv_device_attr, max_rq_wr);
	MEMBER(struct efadv_device_attr, max_sq_sge);
	MEMBER(struct efadv_device_attr, max_rq_sge);
	MEMBER(struct efadv_device_attr, inline_buf_size);
	MEMBER(struct efadv_device_attr, device_caps);
	MEMBER(struct efadv_device_attr, max_rdma_size);
	MEMBER(struct efadv_ah_attr, comp_mask);
	MEMBER(struct efadv_ah_attr, ahn);
	MEMBER(struct efadv_cq, comp_mask);
	MEMBER(struct efadv_cq, wc_read_sgid);
	MEMBER(struct efadv_cq_init_attr, comp_mask);
	MEMBER(struct efadv_cq_init_attr, wc_flags);

	VALUE(EFADV_QP_DRIVER_TYPE_SRD);
	VALUE(EFADV_DEVICE_ATTR_CAPS_RDMA_READ);
	VALUE(EFADV_DEVICE_ATTR_CAPS_RNR_RETRY);
	VALUE(EFADV_DEVICE_ATTR_CAPS_CQ_WITH_SGID);
	VALUE(EFADV_WC_EX_WITH_SGID);

#if EFADV_REF >= 56
	MEMBER(struct efadv_qp_init_attr, flags);
	MEMBER(struct efadv_qp_init_attr, sl);
	MEMBER(struct efadv_cq, wc_is_unsolicited);
	SIZE(struct efadv_mr_attr);
	MEMBER(struct efadv_mr_attr, comp_mask);
	MEMBER(struct efadv_mr_attr, ic_id_validity);
	MEMBER(struct efadv_mr_attr, recv_ic_id);
	MEMBER(struct efadv_mr_attr, rdma_read_ic_id);
	MEMBER(struct efadv_mr_attr, rdma_recv_ic_id);
	VALUE(EFADV_QP_FLAGS_UNSOLICITED_WRITE_RECV);
	VALUE(EFADV_DEVICE_ATTR_CAPS_RDMA_WRITE);
	VALUE(EFADV_DEVICE_ATTR_CAPS_UNSOLICITED_WRITE_RECV);
	VALUE(EFADV_WC_EX_WITH_IS_UNSOLICITED);
	VALUE(EFADV_MR_ATTR_VALIDITY_RECV_IC_ID);
	VALUE(EFADV_MR_ATTR_VALIDITY_RDMA_READ_IC_ID);
	VALUE(EFADV_MR_ATTR_VALIDITY_RDMA_RECV_IC_ID);
#endif
	return 0;
}
