/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one place that knows kernel API differences.  config.h holds what
 * config/run-probes found by compiling against the target kernel; every
 * other file uses the helpers below and tests no kernel version.
 */
#ifndef _EFA_COMPAT_H_
#define _EFA_COMPAT_H_

#include <linux/dma-mapping.h>
#include <rdma/ib_verbs.h>

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

#endif /* _EFA_COMPAT_H_ */
