// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Memory the data path touches: every buffer a WQE, a receive descriptor or
 * a remote request names is an IOVA range in an MR, found by key, checked
 * against the MR's PD, bounds and permissions, and reached page by page
 * through the MR's page list.  The device never DMAs anywhere else; a page
 * the host cannot reach fails the access (traced), it never crashes.
 */
#include <string.h>

#include "efa_core_priv.h"

int efa_dma_read(struct efa_core *core, uint64_t addr, void *buf, size_t len)
{
	if (!len)
		return 0;
	if (core->ops->dma_read(core->opaque, addr, buf, len)) {
		efa_dp_trace(core, EFA_TRACE_DMA_FAIL, core->dp->cur_qpn, (uint32_t)len, addr);
		return -1;
	}
	return 0;
}

int efa_dma_write(struct efa_core *core, uint64_t addr, const void *buf, size_t len)
{
	if (!len)
		return 0;
	if (core->ops->dma_write(core->opaque, addr, buf, len)) {
		efa_dp_trace(core, EFA_TRACE_DMA_FAIL, core->dp->cur_qpn, (uint32_t)len, addr);
		return -1;
	}
	return 0;
}

const struct efa_mr *efa_mr_lookup(struct efa_core *core, uint32_t key, int32_t pd,
				   uint64_t iova, uint64_t len, uint8_t perms)
{
	uint32_t index = key >> 8;
	const struct efa_mr *mr;

	if (!efa_id_valid(core, EFA_OBJ_MR, index))
		return NULL;
	mr = &core->mrs[index];
	if (mr->key != key || (pd >= 0 && mr->pd != pd) ||
	    (mr->permissions & perms) != perms)
		return NULL;
	/* an empty buffer still has to name a live MR of the PD */
	if (!len)
		return mr;
	if (iova < mr->iova || iova - mr->iova > mr->length ||
	    len > mr->length - (iova - mr->iova))
		return NULL;
	return mr;
}

/* Walk [iova, +len) of mr page by page; write or read each piece. */
static int mr_access(struct efa_core *core, const struct efa_mr *mr, uint64_t iova,
		     uint8_t *buf, size_t len, bool write)
{
	uint64_t page_size = 1ull << mr->page_shift;
	uint64_t first_page = mr->iova >> mr->page_shift;

	while (len) {
		uint64_t page = (iova >> mr->page_shift) - first_page;
		uint64_t in_page = iova & (page_size - 1);
		size_t piece = page_size - in_page;
		int rc;

		if (piece > len)
			piece = len;
		if (page >= mr->page_num)
			return -1;	/* callers checked the bounds: cannot happen */
		if (write)
			rc = efa_dma_write(core, mr->pages[page] + in_page, buf, piece);
		else
			rc = efa_dma_read(core, mr->pages[page] + in_page, buf, piece);
		if (rc)
			return -1;
		iova += piece;
		buf += piece;
		len -= piece;
	}
	return 0;
}

int efa_mr_read(struct efa_core *core, const struct efa_mr *mr, uint64_t iova,
		void *buf, size_t len)
{
	return mr_access(core, mr, iova, buf, len, false);
}

int efa_mr_write(struct efa_core *core, const struct efa_mr *mr, uint64_t iova,
		 const void *buf, size_t len)
{
	return mr_access(core, mr, iova, (uint8_t *)(uintptr_t)buf, len, true);
}

/* The MR behind a virtual ring: CREATE_* checked it and holds it alive. */
static const struct efa_mr *ring_mr(struct efa_core *core, const struct efa_queue_ring *ring,
				    uint64_t off, size_t len)
{
	return efa_mr_lookup(core, ring->l_key, -1, ring->base + off, len, 0);
}

int efa_ring_write(struct efa_core *core, const struct efa_queue_ring *ring,
		   uint64_t off, const void *buf, size_t len)
{
	const struct efa_mr *mr;

	if (off > ring->size || len > ring->size - off)
		return -1;
	if (!ring->virt)
		return efa_dma_write(core, ring->base + off, buf, len);
	mr = ring_mr(core, ring, off, len);
	return mr ? efa_mr_write(core, mr, ring->base + off, buf, len) : -1;
}

int efa_ring_read(struct efa_core *core, const struct efa_queue_ring *ring,
		  uint64_t off, void *buf, size_t len)
{
	const struct efa_mr *mr;

	if (off > ring->size || len > ring->size - off)
		return -1;
	if (!ring->virt)
		return efa_dma_read(core, ring->base + off, buf, len);
	mr = ring_mr(core, ring, off, len);
	return mr ? efa_mr_read(core, mr, ring->base + off, buf, len) : -1;
}

uint8_t efa_sgl_copy(struct efa_core *core, int32_t pd, const struct efa_sge *sge,
		     unsigned int nsge, uint64_t offset, void *buf, size_t len,
		     bool to_guest)
{
	uint8_t perms = to_guest ? EFA_ADMIN_REG_MR_CMD_LOCAL_WRITE_ENABLE_MASK : 0;
	uint8_t *p = buf;
	unsigned int i;

	for (i = 0; i < nsge && len; i++) {
		const struct efa_sge *s = &sge[i];
		const struct efa_mr *mr;
		size_t piece;
		int err;

		if (offset >= s->length) {
			offset -= s->length;
			continue;
		}
		piece = s->length - offset;
		if (piece > len)
			piece = len;
		/* the MR may have gone since the work request was checked */
		mr = efa_mr_lookup(core, s->lkey, pd, s->addr + offset, piece, perms);
		if (!mr)
			return EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_LKEY;
		err = to_guest ? efa_mr_write(core, mr, s->addr + offset, p, piece) :
				 efa_mr_read(core, mr, s->addr + offset, p, piece);
		if (err)
			return EFA_IO_COMP_STATUS_LOCAL_ERROR_QP_INTERNAL_ERROR;
		p += piece;
		len -= piece;
		offset = 0;
	}
	return len ? EFA_IO_COMP_STATUS_LOCAL_ERROR_BAD_LENGTH : EFA_IO_COMP_STATUS_OK;
}
