// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Memory regions over user memory (ib_umem) and over dma-bufs, and the MR
 * query ioctl.
 *
 * REG_MR gets the region's page list one of three ways:
 *   inline   up to four pages, in the command itself;
 *   direct   a physically contiguous list (one kmalloc'ed buffer, for
 *            lists up to EFA_PBL_DIRECT_MAX bytes);
 *   chained  a list too long for that lives in vmalloc memory; the
 *            device reaches it through a chain of 4 KiB chunks, each
 *            naming up to 510 of the list's 4 KiB pieces and the next
 *            chunk (EFA_ADMIN_PBL_CHUNK_SIZE, EFA_ADMIN_PBL_PIECE_SIZE).
 * The list exists only while REG_MR runs: the device keeps its own copy.
 */
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <rdma/ib_umem.h>
#include <rdma/iter.h>
#include <rdma/uverbs_ioctl.h>

#define UVERBS_MODULE_NAME efa_ib
#include <rdma/uverbs_named_ioctl.h>

#include "efa.h"

/* Larger lists are not asked of kmalloc: they go chained. */
#define EFA_PBL_DIRECT_MAX	(64 * 1024)
#define EFA_PBL_PIECE_ENTRIES	(EFA_ADMIN_PBL_PIECE_SIZE / EFA_ADMIN_PBL_ENTRY_SIZE)
#define EFA_PBL_CHUNK_NEXT_SIZE	sizeof(struct efa_admin_ctrl_buff_info)
#define EFA_PBL_CHUNK_PTRS \
	((EFA_ADMIN_PBL_CHUNK_SIZE - EFA_PBL_CHUNK_NEXT_SIZE) / EFA_ADMIN_PBL_ENTRY_SIZE)

struct efa_pbl_chunk {
	__le64 *buf;
	dma_addr_t dma_addr;
	u32 length;
};

/* A page list and whatever maps it for the device. */
struct efa_pbl {
	enum efa_com_pbl_form form;
	__le64 *list;
	size_t size;
	/* direct: the list itself */
	dma_addr_t dma_addr;
	/*
	 * chained: the list's pieces and the chunks naming them; the counts
	 * of those mapped so far are what an unwind undoes (DMA address 0
	 * is a valid IOVA, so it cannot mark "not mapped")
	 */
	unsigned int npieces;
	unsigned int pieces_mapped;
	dma_addr_t *piece_dma;
	unsigned int nchunks;
	unsigned int chunks_mapped;
	struct efa_pbl_chunk *chunks;
};

static const char *const efa_pbl_form_names[] = {
	[EFA_COM_PBL_INLINE] = "inline",
	[EFA_COM_PBL_DIRECT] = "direct",
	[EFA_COM_PBL_CHAINED] = "chained",
};

static void efa_pbl_unmap_chain(struct efa_dev *dev, struct efa_pbl *pbl)
{
	struct device *dmadev = &dev->pdev->dev;
	unsigned int i;

	for (i = 0; i < pbl->chunks_mapped; i++) {
		dma_unmap_single(dmadev, pbl->chunks[i].dma_addr,
				 EFA_ADMIN_PBL_CHUNK_SIZE, DMA_TO_DEVICE);
		kfree(pbl->chunks[i].buf);
	}
	for (i = 0; i < pbl->pieces_mapped; i++)
		dma_unmap_page(dmadev, pbl->piece_dma[i],
			       EFA_ADMIN_PBL_PIECE_SIZE, DMA_TO_DEVICE);
	kfree(pbl->chunks);
	kfree(pbl->piece_dma);
}

static void efa_pbl_destroy(struct efa_dev *dev, struct efa_pbl *pbl)
{
	switch (pbl->form) {
	case EFA_COM_PBL_INLINE:
		break;
	case EFA_COM_PBL_DIRECT:
		dma_unmap_single(&dev->pdev->dev, pbl->dma_addr, pbl->size,
				 DMA_TO_DEVICE);
		kfree(pbl->list);
		break;
	case EFA_COM_PBL_CHAINED:
		efa_pbl_unmap_chain(dev, pbl);
		vfree(pbl->list);
		break;
	}
}

/* Map the list's pieces, then the chunks naming them, linked in order. */
static int efa_pbl_map_chain(struct efa_dev *dev, struct efa_pbl *pbl)
{
	struct device *dmadev = &dev->pdev->dev;
	unsigned int i, piece = 0;

	pbl->npieces = DIV_ROUND_UP(pbl->size, EFA_ADMIN_PBL_PIECE_SIZE);
	pbl->nchunks = DIV_ROUND_UP(pbl->npieces, EFA_PBL_CHUNK_PTRS);
	pbl->piece_dma = kcalloc(pbl->npieces, sizeof(*pbl->piece_dma),
				 GFP_KERNEL);
	pbl->chunks = kcalloc(pbl->nchunks, sizeof(*pbl->chunks), GFP_KERNEL);
	if (!pbl->piece_dma || !pbl->chunks)
		return -ENOMEM;	/* kfree(NULL) on unwind is fine */

	for (i = 0; i < pbl->npieces; i++) {
		/* pieces are 4 KiB-aligned within the page-aligned vmalloc area */
		void *va = (u8 *)pbl->list + i * EFA_ADMIN_PBL_PIECE_SIZE;
		dma_addr_t addr;

		addr = dma_map_page(dmadev, vmalloc_to_page(va),
				    offset_in_page(va), EFA_ADMIN_PBL_PIECE_SIZE,
				    DMA_TO_DEVICE);
		if (dma_mapping_error(dmadev, addr))
			return -ENOMEM;
		pbl->piece_dma[i] = addr;
		pbl->pieces_mapped++;
	}

	for (i = 0; i < pbl->nchunks; i++) {
		struct efa_pbl_chunk *chunk = &pbl->chunks[i];
		unsigned int n = min_t(unsigned int, EFA_PBL_CHUNK_PTRS,
				       pbl->npieces - i * EFA_PBL_CHUNK_PTRS);
		dma_addr_t addr;

		chunk->buf = kzalloc(EFA_ADMIN_PBL_CHUNK_SIZE, GFP_KERNEL);
		if (!chunk->buf)
			return -ENOMEM;
		chunk->length = n * EFA_ADMIN_PBL_ENTRY_SIZE + EFA_PBL_CHUNK_NEXT_SIZE;
		addr = dma_map_single(dmadev, chunk->buf,
				      EFA_ADMIN_PBL_CHUNK_SIZE, DMA_TO_DEVICE);
		if (dma_mapping_error(dmadev, addr)) {
			kfree(chunk->buf);
			return -ENOMEM;
		}
		chunk->dma_addr = addr;
		pbl->chunks_mapped++;
	}

	for (i = 0; i < pbl->nchunks; i++) {
		struct efa_pbl_chunk *chunk = &pbl->chunks[i];
		unsigned int n = (chunk->length - EFA_PBL_CHUNK_NEXT_SIZE) /
				 EFA_ADMIN_PBL_ENTRY_SIZE;
		struct efa_admin_ctrl_buff_info *next;
		unsigned int j;

		for (j = 0; j < n; j++)
			chunk->buf[j] = cpu_to_le64(pbl->piece_dma[piece++]);
		/* the last chunk's next pointer stays zero */
		next = (struct efa_admin_ctrl_buff_info *)&chunk->buf[n];
		if (i + 1 < pbl->nchunks) {
			next->length = cpu_to_le32(pbl->chunks[i + 1].length);
			efa_com_set_dma_addr(pbl->chunks[i + 1].dma_addr,
					     &next->address);
		}
		dma_sync_single_for_device(dmadev, chunk->dma_addr,
					   EFA_ADMIN_PBL_CHUNK_SIZE,
					   DMA_TO_DEVICE);
	}
	return 0;
}

static void efa_pbl_fill(struct ib_umem *umem, unsigned long pg_sz,
			 __le64 *list)
{
	struct ib_block_iter biter;
	unsigned int i = 0;

	rdma_umem_for_each_dma_block(umem, &biter, pg_sz)
		list[i++] = cpu_to_le64(rdma_block_iter_dma_address(&biter));
}

/* Build the page list of umem in pages of pg_sz and make it reachable. */
static int efa_pbl_create(struct efa_dev *dev, struct ib_umem *umem,
			  unsigned long pg_sz,
			  struct efa_com_reg_mr_params *params,
			  struct efa_pbl *pbl)
{
	struct ib_block_iter biter;
	unsigned int i = 0;
	int err;

	memset(pbl, 0, sizeof(*pbl));
	if (params->page_num <= EFA_COM_INLINE_PBL_PAGES) {
		pbl->form = EFA_COM_PBL_INLINE;
		rdma_umem_for_each_dma_block(umem, &biter, pg_sz)
			params->pbl.inline_pages[i++] =
				rdma_block_iter_dma_address(&biter);
		params->pbl_form = pbl->form;
		return 0;
	}

	pbl->size = (size_t)params->page_num * EFA_ADMIN_PBL_ENTRY_SIZE;
	if (pbl->size <= EFA_PBL_DIRECT_MAX)
		pbl->list = kzalloc(pbl->size, GFP_KERNEL | __GFP_NOWARN);
	if (pbl->list) {
		pbl->form = EFA_COM_PBL_DIRECT;
		efa_pbl_fill(umem, pg_sz, pbl->list);
		pbl->dma_addr = dma_map_single(&dev->pdev->dev, pbl->list,
					       pbl->size, DMA_TO_DEVICE);
		if (dma_mapping_error(&dev->pdev->dev, pbl->dma_addr)) {
			kfree(pbl->list);
			return -ENOMEM;
		}
		params->pbl.buf.dma_addr = pbl->dma_addr;
		params->pbl.buf.length = pbl->size;
		params->pbl_form = pbl->form;
		return 0;
	}

	/* whole pieces, so the last one can be mapped in full */
	pbl->list = vzalloc(round_up(pbl->size, EFA_ADMIN_PBL_PIECE_SIZE));
	if (!pbl->list)
		return -ENOMEM;
	pbl->form = EFA_COM_PBL_CHAINED;
	efa_pbl_fill(umem, pg_sz, pbl->list);
	err = efa_pbl_map_chain(dev, pbl);
	if (err) {
		efa_pbl_destroy(dev, pbl);
		return err;
	}
	params->pbl.buf.dma_addr = pbl->chunks[0].dma_addr;
	params->pbl.buf.length = pbl->chunks[0].length;
	params->pbl_form = pbl->form;
	return 0;
}

/* IB access flags to REG_MR permissions; what the device cannot do fails. */
static int efa_mr_permissions(struct efa_dev *dev, int access_flags,
			      u8 *permissions)
{
	int supported = IB_ACCESS_LOCAL_WRITE;

	if (efa_dev_cap(dev, EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_READ_MASK))
		supported |= IB_ACCESS_REMOTE_READ;
	if (efa_dev_cap(dev, EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_WRITE_MASK))
		supported |= IB_ACCESS_REMOTE_WRITE;

	/* optional flags are hints a device may ignore */
	access_flags &= ~IB_ACCESS_OPTIONAL;
	if (access_flags & ~supported) {
		ibdev_dbg(&dev->ibdev, "reg_mr: access flags %#x, this device takes %#x\n",
			  access_flags, supported);
		return -EOPNOTSUPP;
	}
	*permissions = 0;
	if (access_flags & IB_ACCESS_LOCAL_WRITE)
		*permissions |= EFA_ADMIN_REG_MR_CMD_LOCAL_WRITE_ENABLE_MASK;
	if (access_flags & IB_ACCESS_REMOTE_WRITE)
		*permissions |= EFA_ADMIN_REG_MR_CMD_REMOTE_WRITE_ENABLE_MASK;
	if (access_flags & IB_ACCESS_REMOTE_READ)
		*permissions |= EFA_ADMIN_REG_MR_CMD_REMOTE_READ_ENABLE_MASK;
	return 0;
}

/* Register mr->umem (pinned and DMA-mapped) with the device. */
static int efa_mr_register(struct efa_dev *dev, struct ib_pd *ibpd,
			   struct efa_mr *mr, u64 length, u64 virt_addr,
			   u8 permissions)
{
	struct efa_com_reg_mr_params params = {};
	struct efa_com_reg_mr_result res;
	unsigned long pg_sz;
	struct efa_pbl pbl;
	size_t npages;
	int err;

	pg_sz = ib_umem_find_best_pgsz(mr->umem, dev->dev_attr.page_size_cap,
				       virt_addr);
	if (!pg_sz) {
		ibdev_dbg(&dev->ibdev, "reg_mr: no page size of %#llx fits the region\n",
			  dev->dev_attr.page_size_cap);
		return -EOPNOTSUPP;
	}
	npages = ib_umem_num_dma_blocks(mr->umem, pg_sz);
	if (npages > dev->dev_attr.max_mr_pages) {
		ibdev_dbg(&dev->ibdev, "reg_mr: %zu pages of %lu bytes, the device takes %u\n",
			  npages, pg_sz, dev->dev_attr.max_mr_pages);
		return -EINVAL;
	}

	params.pdn = to_epd(ibpd)->pdn;
	params.iova = virt_addr;
	params.length = length;
	params.page_shift = order_base_2(pg_sz);
	params.page_num = npages;
	params.permissions = permissions;
	err = efa_pbl_create(dev, mr->umem, pg_sz, &params, &pbl);
	if (err)
		return err;
	err = efa_com_reg_mr(&dev->edev, &params, &res);
	efa_pbl_destroy(dev, &pbl);
	if (err)
		return err;

	mr->ibmr.lkey = res.l_key;
	mr->ibmr.rkey = res.r_key;
	mr->ibmr.length = length;
	mr->ibmr.page_size = pg_sz;
	mr->ic_info = res.ic_info;
	ibdev_dbg(&dev->ibdev, "registered mr %#x: %#llx bytes at %#llx, %u pages of %lu bytes, page list %s\n",
		  res.l_key, length, virt_addr, params.page_num, pg_sz,
		  efa_pbl_form_names[params.pbl_form]);
	return 0;
}

/*
 * What both registration verbs check before pinning anything; a refusal
 * counts as a failed registration.
 */
static struct efa_mr *efa_mr_prepare(struct efa_dev *dev, struct ib_udata *udata,
				     int access_flags, u8 *permissions)
{
	struct efa_mr *mr;
	int err;

	if (!udata) {
		err = -EOPNOTSUPP;
		goto err_count;
	}
	if (udata->inlen && !ib_is_udata_cleared(udata, 0, udata->inlen)) {
		ibdev_dbg(&dev->ibdev, "reg_mr: unknown non-zero request data\n");
		err = -EINVAL;
		goto err_count;
	}
	err = efa_mr_permissions(dev, access_flags, permissions);
	if (err)
		goto err_count;
	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (mr)
		return mr;
	err = -ENOMEM;

err_count:
	atomic64_inc(&dev->stats.reg_mr_err);
	return ERR_PTR(err);
}

/*
 * The last step of both registration verbs: register the pinned umem, or
 * undo everything and count the failure.  A failure before pinning comes
 * here with an ERR_PTR umem.
 */
static struct ib_mr *efa_mr_finish(struct efa_dev *dev, struct ib_pd *ibpd,
				   struct efa_mr *mr, struct ib_umem *umem,
				   u64 length, u64 virt_addr, u8 permissions)
{
	int err;

	if (IS_ERR(umem)) {
		err = PTR_ERR(umem);
		goto err_free;
	}
	mr->umem = umem;
	err = efa_mr_register(dev, ibpd, mr, length, virt_addr, permissions);
	if (err)
		goto err_release;
	return &mr->ibmr;

err_release:
	ib_umem_release(umem);
err_free:
	kfree(mr);
	atomic64_inc(&dev->stats.reg_mr_err);
	return ERR_PTR(err);
}

struct ib_mr *efa_reg_user_mr_umem(struct ib_pd *ibpd, u64 start, u64 length,
				   u64 virt_addr, int access_flags,
				   struct ib_udata *udata)
{
	struct efa_dev *dev = to_edev(ibpd->device);
	struct ib_umem *umem;
	struct efa_mr *mr;
	u8 permissions;

	mr = efa_mr_prepare(dev, udata, access_flags, &permissions);
	if (IS_ERR(mr))
		return ERR_CAST(mr);
	umem = ib_umem_get(ibpd->device, start, length, access_flags);
	if (IS_ERR(umem))
		ibdev_dbg(&dev->ibdev, "reg_mr: cannot pin %#llx bytes at %#llx: %ld\n",
			  length, start, PTR_ERR(umem));
	return efa_mr_finish(dev, ibpd, mr, umem, length, virt_addr, permissions);
}

#if EFA_HAVE_DMABUF_MR
struct ib_mr *efa_reg_user_mr_dmabuf_fd(struct ib_pd *ibpd, u64 offset,
					u64 length, u64 virt_addr, int fd,
					int access_flags,
					struct ib_udata *udata)
{
	struct efa_dev *dev = to_edev(ibpd->device);
	struct ib_umem_dmabuf *umem_dmabuf;
	struct ib_umem *umem;
	struct efa_mr *mr;
	u8 permissions;

	mr = efa_mr_prepare(dev, udata, access_flags, &permissions);
	if (IS_ERR(mr))
		return ERR_CAST(mr);
	/* the device cannot fault: the buffer stays pinned while registered */
	umem_dmabuf = ib_umem_dmabuf_get_pinned(ibpd->device, offset, length,
						fd, access_flags);
	if (IS_ERR(umem_dmabuf)) {
		ibdev_dbg(&dev->ibdev, "reg_mr_dmabuf: cannot pin %#llx bytes at %#llx of fd %d: %ld\n",
			  length, offset, fd, PTR_ERR(umem_dmabuf));
		umem = ERR_CAST(umem_dmabuf);
	} else {
		umem = &umem_dmabuf->umem;
	}
	return efa_mr_finish(dev, ibpd, mr, umem, length, virt_addr, permissions);
}
#endif

int efa_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata)
{
	struct efa_dev *dev = to_edev(ibmr->device);
	struct efa_mr *mr = to_emr(ibmr);
	int err;

	ibdev_dbg(&dev->ibdev, "deregistering mr %#x\n", ibmr->lkey);
	err = efa_com_dereg_mr(&dev->edev, ibmr->lkey);
	if (err) {
		/* the device may still reach the pages: keep them pinned */
		ibdev_err(&dev->ibdev, "mr %#x not deregistered (%d): its pages stay pinned\n",
			  ibmr->lkey, err);
		return 0;
	}
	ib_umem_release(mr->umem);
	kfree(mr);
	return 0;
}

/* ---- EFA_IB_METHOD_MR_QUERY ------------------------------------------------ */

static int UVERBS_HANDLER(EFA_IB_METHOD_MR_QUERY)(struct uverbs_attr_bundle *attrs)
{
	struct ib_mr *ibmr = uverbs_attr_get_obj(attrs,
						 EFA_IB_ATTR_QUERY_MR_HANDLE);
	const struct efa_com_mr_ic_info *ic = &to_emr(ibmr)->ic_info;
	u16 recv = ic->recv_ic_id;
	u16 rdma_read = ic->rdma_read_ic_id;
	u16 rdma_recv = ic->rdma_recv_ic_id;
	u16 validity = 0;
	int err;

	if (ic->recv_ic_id_valid)
		validity |= EFA_QUERY_MR_VALIDITY_RECV_IC_ID;
	if (ic->rdma_read_ic_id_valid)
		validity |= EFA_QUERY_MR_VALIDITY_RDMA_READ_IC_ID;
	if (ic->rdma_recv_ic_id_valid)
		validity |= EFA_QUERY_MR_VALIDITY_RDMA_RECV_IC_ID;

	err = uverbs_copy_to(attrs, EFA_IB_ATTR_QUERY_MR_RESP_RECV_IC_ID,
			     &recv, sizeof(recv));
	if (err)
		return err;
	err = uverbs_copy_to(attrs, EFA_IB_ATTR_QUERY_MR_RESP_RDMA_READ_IC_ID,
			     &rdma_read, sizeof(rdma_read));
	if (err)
		return err;
	err = uverbs_copy_to(attrs, EFA_IB_ATTR_QUERY_MR_RESP_RDMA_RECV_IC_ID,
			     &rdma_recv, sizeof(rdma_recv));
	if (err)
		return err;
	return uverbs_copy_to(attrs, EFA_IB_ATTR_QUERY_MR_RESP_IC_ID_VALIDITY,
			      &validity, sizeof(validity));
}

DECLARE_UVERBS_NAMED_METHOD(EFA_IB_METHOD_MR_QUERY,
			    UVERBS_ATTR_IDR(EFA_IB_ATTR_QUERY_MR_HANDLE,
					    UVERBS_OBJECT_MR,
					    UVERBS_ACCESS_READ,
					    UA_MANDATORY),
			    UVERBS_ATTR_PTR_OUT(EFA_IB_ATTR_QUERY_MR_RESP_IC_ID_VALIDITY,
						UVERBS_ATTR_TYPE(u16),
						UA_MANDATORY),
			    UVERBS_ATTR_PTR_OUT(EFA_IB_ATTR_QUERY_MR_RESP_RECV_IC_ID,
						UVERBS_ATTR_TYPE(u16),
						UA_MANDATORY),
			    UVERBS_ATTR_PTR_OUT(EFA_IB_ATTR_QUERY_MR_RESP_RDMA_READ_IC_ID,
						UVERBS_ATTR_TYPE(u16),
						UA_MANDATORY),
			    UVERBS_ATTR_PTR_OUT(EFA_IB_ATTR_QUERY_MR_RESP_RDMA_RECV_IC_ID,
						UVERBS_ATTR_TYPE(u16),
						UA_MANDATORY));

ADD_UVERBS_METHODS(efa_mr,
		   UVERBS_OBJECT_MR,
		   &UVERBS_METHOD(EFA_IB_METHOD_MR_QUERY));

const struct uapi_definition efa_uapi_defs[] = {
	UAPI_DEF_CHAIN_OBJ_TREE(UVERBS_OBJECT_MR, &efa_mr),
	{},
};
