/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the kernel tells a context about its device, kept for the life of the
 * context.  Plain data, free of libibverbs internals, so the efadv attribute
 * logic that reads it is unit-tested on the host.
 */
#ifndef EFA_CAPS_H
#define EFA_CAPS_H

#include <stddef.h>
#include <stdint.h>

#include <infiniband/efadv.h>

struct efa_caps {
	/* from the alloc_ucontext response */
	uint32_t cmds_supp_udata_mask;	/* EFA_USER_CMDS_SUPP_UDATA_* */
	uint32_t max_llq_size;		/* bytes of LLQ per send queue */
	uint16_t sub_cqs_per_cq;
	uint16_t inline_buf_size;
	uint16_t inline_buf_size_ex;
	uint16_t max_tx_batch;		/* 64-byte units between doorbells, 0: any */
	uint16_t min_sq_wr;

	/* from query_device's EFA response (zero on kernels without it) */
	uint32_t device_caps;		/* EFA_QUERY_DEVICE_CAPS_* */
	uint32_t max_sq_wr;
	uint32_t max_rq_wr;
	uint16_t max_sq_sge;
	uint16_t max_rq_sge;
	uint32_t max_rdma_size;

	/* from the generic part of query_device */
	uint32_t max_qp;
	uint32_t max_sge_rd;		/* scatter/gather entries per RDMA read */
};

/* The efadv_device_attr.device_caps bits for the kernel's device caps. */
uint32_t efa_efadv_device_caps(uint32_t kernel_caps);

/*
 * efadv_query_device() on known caps: fills the first inlen bytes of attr
 * following efadv.h's compatibility rules, or returns EINVAL untouched.
 */
int efa_fill_efadv_device_attr(const struct efa_caps *caps,
			       struct efadv_device_attr *attr, uint32_t inlen);

/*
 * The compatibility check of every efadv call taking (attr, inlen): inlen must
 * reach past the first min_len bytes, and bytes past known_len (a newer
 * caller's fields) must be zero.  0 or EINVAL.
 */
int efa_check_attr_len(const void *attr, uint32_t inlen, size_t min_len,
		       size_t known_len);

/*
 * The compatibility rule of every efadv call filling an output struct
 * (attr, inlen): inlen must reach past the first min_len bytes; the library
 * zeroes all inlen bytes (so a newer caller's fields read 0) and fills what
 * it knows.  0 or EINVAL.
 */
int efa_zero_attr_out(void *attr, uint32_t inlen, size_t min_len);

/* The end of a struct member: the inlen that covers it. */
#define EFA_FIELD_END(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

#endif /* EFA_CAPS_H */
