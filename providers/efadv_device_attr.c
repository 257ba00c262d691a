// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * efadv_device_attr from the kernel's answers, with the inlen/comp_mask
 * compatibility rules of efadv.h.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rdma/efa-abi.h>

#include "efa_caps.h"

/*
 * Kernel capabilities with an efadv counterpart.  CQ notifications, 128-byte
 * data polling and 64-bit send request ids have none: they show through
 * other calls (ibv_req_notify_cq, ibv_query_qp_data_in_order, efadv_wq_attr).
 */
static const struct {
	uint32_t kernel;
	uint32_t efadv;
} efa_caps_map[] = {
	{ EFA_QUERY_DEVICE_CAPS_RDMA_READ, EFADV_DEVICE_ATTR_CAPS_RDMA_READ },
	{ EFA_QUERY_DEVICE_CAPS_RNR_RETRY, EFADV_DEVICE_ATTR_CAPS_RNR_RETRY },
	{ EFA_QUERY_DEVICE_CAPS_CQ_WITH_SGID, EFADV_DEVICE_ATTR_CAPS_CQ_WITH_SGID },
	{ EFA_QUERY_DEVICE_CAPS_RDMA_WRITE, EFADV_DEVICE_ATTR_CAPS_RDMA_WRITE },
	{ EFA_QUERY_DEVICE_CAPS_UNSOLICITED_WRITE_RECV,
	  EFADV_DEVICE_ATTR_CAPS_UNSOLICITED_WRITE_RECV },
	{ EFA_QUERY_DEVICE_CAPS_CQ_WITH_EXT_MEM,
	  EFADV_DEVICE_ATTR_CAPS_CQ_WITH_EXT_MEM_DMABUF },
	{ EFA_QUERY_DEVICE_CAPS_COMP_CNTR, EFADV_DEVICE_ATTR_CAPS_COMP_CNTR },
};

/*
 * Completion counters are libibverbs objects (ibv_comp_cntr) that the
 * libibverbs this provider plugs into (private ABI 34) does not have: no
 * program can use them through it, so the capability is never announced.
 */
#define EFA_EFADV_CAPS_UNREACHABLE EFADV_DEVICE_ATTR_CAPS_COMP_CNTR

uint32_t efa_efadv_device_caps(uint32_t kernel_caps)
{
	uint32_t caps = 0;
	size_t i;

	for (i = 0; i < sizeof(efa_caps_map) / sizeof(efa_caps_map[0]); i++)
		if (kernel_caps & efa_caps_map[i].kernel)
			caps |= efa_caps_map[i].efadv;
	return caps & ~(uint32_t)EFA_EFADV_CAPS_UNREACHABLE;
}

int efa_check_attr_len(const void *attr, uint32_t inlen, size_t min_len,
		       size_t known_len)
{
	const uint8_t *bytes = attr;
	size_t i;

	if (inlen < min_len)
		return EINVAL;
	for (i = known_len; i < inlen; i++)
		if (bytes[i])
			return EINVAL;
	return 0;
}

int efa_zero_attr_out(void *attr, uint32_t inlen, size_t min_len)
{
	if (inlen < min_len)
		return EINVAL;
	memset(attr, 0, inlen);
	return 0;
}

/* Copy a member of src into dst if the caller's struct (inlen) has it. */
#define EFA_COPY_IF_COVERED(dst, src, member, inlen)                          \
	do {                                                                   \
		if (EFA_FIELD_END(__typeof__(*(dst)), member) <= (inlen))      \
			(dst)->member = (src)->member;                         \
	} while (0)

int efa_fill_efadv_device_attr(const struct efa_caps *caps,
			       struct efadv_device_attr *attr, uint32_t inlen)
{
	struct efadv_device_attr full = {
		.comp_mask = 0,
		.max_sq_wr = caps->max_sq_wr,
		.max_rq_wr = caps->max_rq_wr,
		.max_sq_sge = caps->max_sq_sge,
		.max_rq_sge = caps->max_rq_sge,
		.inline_buf_size = caps->inline_buf_size,
		.inline_buf_size_ex = caps->inline_buf_size_ex,
		.device_caps = efa_efadv_device_caps(caps->device_caps),
		.max_rdma_size = caps->max_rdma_size,
	};
	int err;

	/*
	 * A newer caller's fields past ours read 0, as with rdma-core's
	 * provider; whole members only, and nothing past the caller's struct.
	 */
	err = efa_zero_attr_out(attr, inlen,
				EFA_FIELD_END(struct efadv_device_attr,
					      inline_buf_size));
	if (err)
		return err;
	EFA_COPY_IF_COVERED(attr, &full, comp_mask, inlen);
	EFA_COPY_IF_COVERED(attr, &full, max_sq_wr, inlen);
	EFA_COPY_IF_COVERED(attr, &full, max_rq_wr, inlen);
	EFA_COPY_IF_COVERED(attr, &full, max_sq_sge, inlen);
	EFA_COPY_IF_COVERED(attr, &full, max_rq_sge, inlen);
	EFA_COPY_IF_COVERED(attr, &full, inline_buf_size, inlen);
	EFA_COPY_IF_COVERED(attr, &full, inline_buf_size_ex, inlen);
	EFA_COPY_IF_COVERED(attr, &full, device_caps, inlen);
	EFA_COPY_IF_COVERED(attr, &full, max_rdma_size, inlen);
	return 0;
}
