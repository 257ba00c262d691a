// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A pinned dma-buf umem (5.19 on): what a device without page faults
 * (like EFA) registers a dma-buf MR through.
 */
#include <rdma/ib_umem.h>

static __maybe_unused struct ib_umem_dmabuf *
efa_probe(struct ib_device *ibdev, int fd)
{
	return ib_umem_dmabuf_get_pinned(ibdev, 0, PAGE_SIZE, fd, 0);
}
