// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dma_set_max_seg_size() returns an error code (up to 6.11) rather than
 * nothing (6.12 on, where a missing dma_parms is a WARN instead).
 */
#include <linux/dma-mapping.h>

static int __maybe_unused efa_probe(struct device *dev)
{
	return dma_set_max_seg_size(dev, UINT_MAX);
}
