/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one place that knows kernel API differences.  config.h holds what
 * config/run-probes found by compiling against the target kernel; every
 * other file uses the helpers below and tests no kernel version.
 */
#ifndef _EFA_COMPAT_H_
#define _EFA_COMPAT_H_

#include <linux/dma-mapping.h>
#include <rdma/ib_umem.h>
#include <rdma/ib_verbs.h>
#include <rdma/uverbs_ioctl.h>

#include "config.h"

/* The largest DMA segment the device handles: any (it takes 64-bit lengths). */
static inline int efa_set_max_dma_segment(struct device *dev)
{
#ifdef HAVE_DMA_SET_MAX_SEG_SIZE_INT
	return dma_set_max_seg_size(dev, UINT_MAX);
#else
	dma_set_max_seg_size(dev, UINT_MAX);
	return 0;
#endif
}

/*
 * A 200 Gb/s lane; a kernel that cannot name one gets the fastest lane it
 * has, which under-reports a link that would need XDR.
 */
#ifdef HAVE_IB_SPEED_XDR
#define EFA_IB_SPEED_XDR	IB_SPEED_XDR
#else
#define EFA_IB_SPEED_XDR	IB_SPEED_NDR
#endif

/*
 * The verbs whose signatures differ.  Each kernel's form is a thin wrapper
 * over one implementation taking the driver udata; efa_main.c puts the
 * wrappers in its ops.
 */
int efa_create_user_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		       struct ib_udata *udata);
struct ib_mr *efa_reg_user_mr_umem(struct ib_pd *ibpd, u64 start, u64 length,
				   u64 virt_addr, int access_flags,
				   struct ib_udata *udata);
struct ib_mr *efa_reg_user_mr_dmabuf_fd(struct ib_pd *ibpd, u64 offset,
					u64 length, u64 virt_addr, int fd,
					int access_flags,
					struct ib_udata *udata);

#ifdef HAVE_CREATE_CQ_ATTR_BUNDLE
static inline int efa_compat_create_cq(struct ib_cq *ibcq,
				       const struct ib_cq_init_attr *attr,
				       struct uverbs_attr_bundle *attrs)
{
	return efa_create_user_cq(ibcq, attr, &attrs->driver_udata);
}
#else
static inline int efa_compat_create_cq(struct ib_cq *ibcq,
				       const struct ib_cq_init_attr *attr,
				       struct ib_udata *udata)
{
	return efa_create_user_cq(ibcq, attr, udata);
}
#endif

/* A DMA handle (TPH steering) is nothing this device can use. */
#ifdef HAVE_REG_USER_MR_DMAH
static inline struct ib_mr *
efa_compat_reg_user_mr(struct ib_pd *ibpd, u64 start, u64 length,
		       u64 virt_addr, int access_flags, struct ib_dmah *dmah,
		       struct ib_udata *udata)
{
	if (dmah)
		return ERR_PTR(-EOPNOTSUPP);
	return efa_reg_user_mr_umem(ibpd, start, length, virt_addr,
				    access_flags, udata);
}
#else
static inline struct ib_mr *
efa_compat_reg_user_mr(struct ib_pd *ibpd, u64 start, u64 length,
		       u64 virt_addr, int access_flags, struct ib_udata *udata)
{
	return efa_reg_user_mr_umem(ibpd, start, length, virt_addr,
				    access_flags, udata);
}
#endif

/*
 * GPU memory is registered as a pinned dma-buf; a build with ENABLE_GDR=0
 * (no EFA_GDR) leaves the verb out, and the core answers EOPNOTSUPP.
 */
#if defined(EFA_GDR) && defined(HAVE_IB_UMEM_DMABUF_GET_PINNED)
#define EFA_HAVE_DMABUF_MR	1
#ifdef HAVE_REG_USER_MR_DMAH
static inline struct ib_mr *
efa_compat_reg_user_mr_dmabuf(struct ib_pd *ibpd, u64 offset, u64 length,
			      u64 virt_addr, int fd, int access_flags,
			      struct ib_dmah *dmah,
			      struct uverbs_attr_bundle *attrs)
{
	if (dmah)
		return ERR_PTR(-EOPNOTSUPP);
	return efa_reg_user_mr_dmabuf_fd(ibpd, offset, length, virt_addr, fd,
					 access_flags, &attrs->driver_udata);
}
#elif defined(HAVE_REG_USER_MR_DMABUF_ATTR_BUNDLE)
static inline struct ib_mr *
efa_compat_reg_user_mr_dmabuf(struct ib_pd *ibpd, u64 offset, u64 length,
			      u64 virt_addr, int fd, int access_flags,
			      struct uverbs_attr_bundle *attrs)
{
	return efa_reg_user_mr_dmabuf_fd(ibpd, offset, length, virt_addr, fd,
					 access_flags, &attrs->driver_udata);
}
#else
static inline struct ib_mr *
efa_compat_reg_user_mr_dmabuf(struct ib_pd *ibpd, u64 offset, u64 length,
			      u64 virt_addr, int fd, int access_flags,
			      struct ib_udata *udata)
{
	return efa_reg_user_mr_dmabuf_fd(ibpd, offset, length, virt_addr, fd,
					 access_flags, udata);
}
#endif
#else
#define EFA_HAVE_DMABUF_MR	0
#endif

#endif /* _EFA_COMPAT_H_ */
