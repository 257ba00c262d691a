// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Verbs of the device, its port, user contexts and protection domains, the
 * mmap machinery user contexts map queues and doorbells through, and the
 * udata and ring helpers every object family (efa_cq.c, efa_qp.c, ...)
 * shares.
 *
 * Every udata field comes from user space: malformed input ends in an
 * errno (logged at debug level), never in a WARN.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <rdma/ib_user_verbs.h>

#include "efa.h"

#define EFA_DEFAULT_LINK_SPEED_GBPS	100

/*
 * A port's rate is announced as width x lane speed; the device gives one
 * number.  Each entry is the lowest rate it applies to, fastest first.
 */
static const struct {
	u16 min_gbps;
	enum ib_port_width width;
	enum ib_port_speed speed;
} efa_link_rates[] = {
	{ 1600,	IB_WIDTH_8X,	EFA_IB_SPEED_XDR },
	{ 800,	IB_WIDTH_8X,	IB_SPEED_NDR },
	{ 400,	IB_WIDTH_8X,	IB_SPEED_HDR },
	{ 200,	IB_WIDTH_4X,	IB_SPEED_HDR },
	{ 120,	IB_WIDTH_12X,	IB_SPEED_FDR10 },
	{ 100,	IB_WIDTH_4X,	IB_SPEED_EDR },
	{ 60,	IB_WIDTH_12X,	IB_SPEED_DDR },
	{ 50,	IB_WIDTH_1X,	IB_SPEED_HDR },
	{ 40,	IB_WIDTH_4X,	IB_SPEED_FDR10 },
	{ 30,	IB_WIDTH_12X,	IB_SPEED_SDR },
	{ 0,	IB_WIDTH_1X,	IB_SPEED_EDR },
};

/* ---- shared helpers --------------------------------------------------------- */

/*
 * Read a verb's request from udata into cmd (size bytes, zeroed first).
 * User space must send at least the first required bytes; it may send
 * more than this driver knows only if the excess is zero.
 */
int efa_copy_request(struct efa_dev *dev, struct ib_udata *udata, void *cmd,
		     size_t size, size_t required, const char *verb)
{
	int err;

	memset(cmd, 0, size);
	if (!udata || udata->inlen < required) {
		ibdev_dbg(&dev->ibdev, "%s: request of %zu bytes, at least %zu needed\n",
			  verb, udata ? udata->inlen : 0, required);
		return -EINVAL;
	}
	if (udata->inlen > size &&
	    !ib_is_udata_cleared(udata, size, udata->inlen - size)) {
		ibdev_dbg(&dev->ibdev, "%s: non-zero request data past the %zu bytes known\n",
			  verb, size);
		return -EINVAL;
	}
	err = ib_copy_from_udata(cmd, udata, min(size, udata->inlen));
	if (err)
		ibdev_dbg(&dev->ibdev, "%s: cannot read the request\n", verb);
	return err;
}

/* Copy as much of a response as user space has room for. */
int efa_copy_response(struct efa_dev *dev, struct ib_udata *udata,
		      void *resp, size_t size, const char *verb)
{
	int err;

	if (!udata || !udata->outlen)
		return 0;
	err = ib_copy_to_udata(udata, resp, min(size, udata->outlen));
	if (err)
		ibdev_dbg(&dev->ibdev, "%s: cannot copy the response to user space\n",
			  verb);
	return err;
}

/* A ring of at least bytes (0: none), zeroed and mapped for the device. */
int efa_user_ring_alloc(struct efa_dev *dev, struct efa_user_ring *ring,
			size_t bytes, enum dma_data_direction dir)
{
	struct device *dmadev = &dev->pdev->dev;

	memset(ring, 0, sizeof(*ring));
	if (!bytes)
		return 0;
	ring->size = PAGE_ALIGN(bytes);
	ring->dir = dir;
	ring->buf = alloc_pages_exact(ring->size, GFP_KERNEL | __GFP_ZERO);
	if (!ring->buf)
		goto err_none;
	ring->dma = dma_map_single(dmadev, ring->buf, ring->size, dir);
	if (!dma_mapping_error(dmadev, ring->dma))
		return 0;

	ibdev_dbg(&dev->ibdev, "no DMA mapping for a %zu-byte ring\n",
		  ring->size);
	free_pages_exact(ring->buf, ring->size);
err_none:
	memset(ring, 0, sizeof(*ring));
	return -ENOMEM;
}

void efa_user_ring_free(struct efa_dev *dev, struct efa_user_ring *ring)
{
	if (!ring->size)
		return;
	dma_unmap_single(&dev->pdev->dev, ring->dma, ring->size, ring->dir);
	free_pages_exact(ring->buf, ring->size);
	memset(ring, 0, sizeof(*ring));
}

/* ---- device and port ------------------------------------------------------ */

int efa_query_device(struct ib_device *ibdev, struct ib_device_attr *props,
		     struct ib_udata *udata)
{
	struct efa_ibv_ex_query_device_resp resp = {};
	struct efa_dev *dev = to_edev(ibdev);
	const struct efa_com_dev_attr *attr = &dev->dev_attr;
	int err;

	/* no request fields are defined: anything sent must be zero */
	if (udata && udata->inlen &&
	    !ib_is_udata_cleared(udata, 0, udata->inlen)) {
		ibdev_dbg(ibdev, "query_device: unknown non-zero request data\n");
		return -EINVAL;
	}

	memset(props, 0, sizeof(*props));
	/* libefa shows fw_ver's low bytes as "b0.b1.b2.b3": major first */
	props->fw_ver = ((attr->fw_version >> 16) & 0xff) |
			(attr->fw_version & 0xff00) |
			((attr->fw_version & 0xff) << 16);
	props->max_mr_size = (u64)attr->max_mr_pages * PAGE_SIZE;
	props->page_size_cap = attr->page_size_cap;
	props->vendor_id = dev->pdev->vendor;
	props->vendor_part_id = dev->pdev->device;
	props->hw_ver = dev->pdev->subsystem_device;
	props->max_qp = attr->max_qp;
	props->max_cq = attr->max_cq;
	props->max_pd = attr->max_pd;
	props->max_mr = attr->max_mr;
	props->max_ah = attr->max_ah;
	props->max_cqe = efa_max_cq_depth(dev);
	props->max_qp_wr = min(attr->max_sq_depth, attr->max_rq_depth);
	props->max_send_sge = attr->max_sq_sge;
	props->max_recv_sge = attr->max_rq_sge;
	props->max_sge_rd = attr->max_wr_rdma_sge;
	props->max_pkeys = 1;

	if (!udata || !udata->outlen)
		return 0;

	resp.max_sq_wr = attr->max_sq_depth;
	resp.max_rq_wr = attr->max_rq_depth;
	resp.max_sq_sge = attr->max_sq_sge;
	resp.max_rq_sge = attr->max_rq_sge;
	resp.max_rdma_size = attr->max_rdma_size;
	resp.device_caps = EFA_QUERY_DEVICE_CAPS_CQ_WITH_SGID;
	if (efa_dev_cap(dev, EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_READ_MASK))
		resp.device_caps |= EFA_QUERY_DEVICE_CAPS_RDMA_READ;
	if (efa_dev_cap(dev, EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RNR_RETRY_MASK))
		resp.device_caps |= EFA_QUERY_DEVICE_CAPS_RNR_RETRY;
	if (efa_dev_cap(dev, EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_DATA_POLLING_128_MASK))
		resp.device_caps |= EFA_QUERY_DEVICE_CAPS_DATA_POLLING_128;
	if (efa_dev_cap(dev, EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_WRITE_MASK))
		resp.device_caps |= EFA_QUERY_DEVICE_CAPS_RDMA_WRITE;
	if (efa_dev_cap(dev, EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_UNSOLICITED_WRITE_RECV_MASK))
		resp.device_caps |= EFA_QUERY_DEVICE_CAPS_UNSOLICITED_WRITE_RECV;
	/* completion notifications need an EQ to arrive on */
	if (dev->neqs)
		resp.device_caps |= EFA_QUERY_DEVICE_CAPS_CQ_NOTIFICATIONS;

	err = ib_copy_to_udata(udata, &resp, min(sizeof(resp), udata->outlen));
	if (err)
		ibdev_dbg(ibdev, "query_device: cannot copy the response to user space\n");
	return err;
}

static void efa_link_rate(u16 gbps, enum ib_port_width *width,
			  enum ib_port_speed *speed)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(efa_link_rates) - 1; i++)
		if (gbps >= efa_link_rates[i].min_gbps)
			break;
	*width = efa_link_rates[i].width;
	*speed = efa_link_rates[i].speed;
}

int efa_query_port(struct ib_device *ibdev, u32 port,
		   struct ib_port_attr *props)
{
	struct efa_dev *dev = to_edev(ibdev);
	u16 gbps = dev->dev_attr.max_link_speed_gbps ?:
		   EFA_DEFAULT_LINK_SPEED_GBPS;
	enum ib_port_width width;
	enum ib_port_speed speed;

	efa_link_rate(gbps, &width, &speed);

	props->lmc = 1;
	props->state = IB_PORT_ACTIVE;
	props->phys_state = IB_PORT_PHYS_STATE_LINK_UP;
	props->gid_tbl_len = 1;
	props->pkey_tbl_len = 1;
	props->active_width = width;
	props->active_speed = speed;
	props->max_mtu = ib_mtu_int_to_enum(dev->dev_attr.mtu);
	props->active_mtu = props->max_mtu;
	props->max_msg_sz = dev->dev_attr.mtu;
	props->max_vl_num = 1;
	return 0;
}

/* The one GID is the device's 16-byte network address. */
int efa_query_gid(struct ib_device *ibdev, u32 port, int index,
		  union ib_gid *gid)
{
	struct efa_dev *dev = to_edev(ibdev);

	BUILD_BUG_ON(sizeof(gid->raw) != sizeof(dev->dev_attr.addr));
	if (index)
		return -EINVAL;
	memcpy(gid->raw, dev->dev_attr.addr, sizeof(gid->raw));
	return 0;
}

/* The one P_Key is the default, full-membership one. */
int efa_query_pkey(struct ib_device *ibdev, u32 port, u16 index, u16 *pkey)
{
	if (index)
		return -EINVAL;
	*pkey = 0xffff;
	return 0;
}

int efa_get_port_immutable(struct ib_device *ibdev, u32 port_num,
			   struct ib_port_immutable *immutable)
{
	struct ib_port_attr attr;
	int err;

	err = ib_query_port(ibdev, port_num, &attr);
	if (err)
		return err;
	immutable->pkey_tbl_len = attr.pkey_tbl_len;
	immutable->gid_tbl_len = attr.gid_tbl_len;
	return 0;
}

enum rdma_link_layer efa_port_link_layer(struct ib_device *ibdev,
					 u32 port_num)
{
	return IB_LINK_LAYER_UNSPECIFIED;
}

/* DEVICE_ATTR.fw_version is 0xMMmmss. */
void efa_get_dev_fw_str(struct ib_device *ibdev, char *str)
{
	u32 fw = to_edev(ibdev)->dev_attr.fw_version;

	snprintf(str, IB_FW_VERSION_NAME_MAX, "%u.%u.%u",
		 (fw >> 16) & 0xff, (fw >> 8) & 0xff, fw & 0xff);
}

/* ---- user contexts ---------------------------------------------------------- */

/*
 * The request of alloc_ucontext.  User space newer than this driver may
 * send a longer one; what we do not know must then be zero.  Unknown
 * supported_caps bits are fine: they say what user space could do.
 */
static int efa_ucontext_cmd_from_udata(struct efa_dev *dev,
				       struct ib_udata *udata,
				       struct efa_ibv_alloc_ucontext_cmd *cmd)
{
	int err;

	if (udata->inlen > sizeof(*cmd) &&
	    !ib_is_udata_cleared(udata, sizeof(*cmd),
				 udata->inlen - sizeof(*cmd))) {
		ibdev_dbg(&dev->ibdev,
			  "alloc_ucontext: non-zero request data past the %zu bytes known\n",
			  sizeof(*cmd));
		return -EINVAL;
	}
	err = ib_copy_from_udata(cmd, udata, min(sizeof(*cmd), udata->inlen));
	if (err) {
		ibdev_dbg(&dev->ibdev, "alloc_ucontext: cannot read the request\n");
		return err;
	}
	if (memchr_inv(cmd->reserved_20, 0, sizeof(cmd->reserved_20))) {
		ibdev_dbg(&dev->ibdev, "alloc_ucontext: reserved request bytes are not zero\n");
		return -EINVAL;
	}
	return 0;
}

/*
 * Device limits user space must honour to drive the queues correctly: a
 * provider that does not declare it knows them cannot have a context.
 */
static int efa_ucontext_handshake(struct efa_dev *dev, u32 supported_caps)
{
	const struct efa_com_dev_attr *attr = &dev->dev_attr;

	if (attr->max_tx_batch &&
	    !(supported_caps & EFA_ALLOC_UCONTEXT_CMD_SUPP_CAPS_TX_BATCH)) {
		ibdev_dbg(&dev->ibdev, "alloc_ucontext: user space does not handle max_tx_batch\n");
		return -EOPNOTSUPP;
	}
	if (attr->min_sq_depth &&
	    !(supported_caps & EFA_ALLOC_UCONTEXT_CMD_SUPP_CAPS_MIN_SQ_WR)) {
		ibdev_dbg(&dev->ibdev, "alloc_ucontext: user space does not handle min_sq_wr\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

int efa_alloc_ucontext(struct ib_ucontext *ibucontext, struct ib_udata *udata)
{
	struct efa_ucontext *ucontext = to_eucontext(ibucontext);
	struct efa_dev *dev = to_edev(ibucontext->device);
	const struct efa_com_dev_attr *attr = &dev->dev_attr;
	struct efa_ibv_alloc_ucontext_resp resp = {};
	struct efa_ibv_alloc_ucontext_cmd cmd = {};
	int err;

	err = efa_ucontext_cmd_from_udata(dev, udata, &cmd);
	if (err)
		goto err_out;
	err = efa_ucontext_handshake(dev, cmd.supported_caps);
	if (err)
		goto err_out;

	err = efa_com_alloc_uar(&dev->edev, &ucontext->uarn);
	if (err)
		goto err_out;

	resp.cmds_supp_udata_mask = EFA_USER_CMDS_SUPP_UDATA_QUERY_DEVICE |
				    EFA_USER_CMDS_SUPP_UDATA_CREATE_AH;
	resp.sub_cqs_per_cq = attr->sub_cqs_per_cq;
	resp.inline_buf_size = attr->inline_buf_size;
	resp.max_llq_size = attr->max_llq_size;
	resp.max_tx_batch = attr->max_tx_batch;
	resp.min_sq_wr = attr->min_sq_depth;
	resp.inline_buf_size_ex = attr->inline_buf_size_ex;

	err = ib_copy_to_udata(udata, &resp, min(sizeof(resp), udata->outlen));
	if (err) {
		ibdev_dbg(&dev->ibdev, "alloc_ucontext: cannot copy the response to user space\n");
		goto err_dealloc_uar;
	}
	return 0;

err_dealloc_uar:
	efa_com_dealloc_uar(&dev->edev, ucontext->uarn);
err_out:
	atomic64_inc(&dev->stats.alloc_ucontext_err);
	return err;
}

/*
 * The device goes away (rmmod, unbind) while this context is open.  The
 * RDMA core then destroys every object of the context through the usual
 * destroy verbs, which still reach the device, and zaps the doorbell and
 * LLQ mappings; ring pages stay with the process until it unmaps them.
 * Nothing is left for the driver itself to do.
 */
void efa_disassociate_ucontext(struct ib_ucontext *ibucontext)
{
}

void efa_dealloc_ucontext(struct ib_ucontext *ibucontext)
{
	struct efa_ucontext *ucontext = to_eucontext(ibucontext);
	struct efa_dev *dev = to_edev(ibucontext->device);

	efa_com_dealloc_uar(&dev->edev, ucontext->uarn);
}

/* ---- protection domains ---------------------------------------------------- */

int efa_alloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	struct efa_dev *dev = to_edev(ibpd->device);
	struct efa_ibv_alloc_pd_resp resp = {};
	struct efa_pd *pd = to_epd(ibpd);
	int err;

	if (udata && udata->inlen &&
	    !ib_is_udata_cleared(udata, 0, udata->inlen)) {
		ibdev_dbg(&dev->ibdev, "alloc_pd: unknown non-zero request data\n");
		err = -EINVAL;
		goto err_out;
	}

	err = efa_com_alloc_pd(&dev->edev, &pd->pdn);
	if (err)
		goto err_out;

	if (udata && udata->outlen) {
		resp.pdn = pd->pdn;
		err = ib_copy_to_udata(udata, &resp,
				       min(sizeof(resp), udata->outlen));
		if (err) {
			ibdev_dbg(&dev->ibdev, "alloc_pd: cannot copy the response to user space\n");
			goto err_dealloc_pd;
		}
	}
	ibdev_dbg(&dev->ibdev, "allocated pd %u\n", pd->pdn);
	return 0;

err_dealloc_pd:
	efa_com_dealloc_pd(&dev->edev, pd->pdn);
err_out:
	atomic64_inc(&dev->stats.alloc_pd_err);
	return err;
}

int efa_dealloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	struct efa_dev *dev = to_edev(ibpd->device);
	struct efa_pd *pd = to_epd(ibpd);

	ibdev_dbg(&dev->ibdev, "deallocating pd %u\n", pd->pdn);
	/* a device that cannot free it has logged why; the PD is gone for us */
	efa_com_dealloc_pd(&dev->edev, pd->pdn);
	return 0;
}

/* ---- mmap ----------------------------------------------------------------- */

/*
 * Make length bytes at address (a physical address: BAR memory, or kernel
 * pages for DMA_PAGE) mappable through the context's file.  The entry lives
 * in the context's mmap xarray; *offset is the mmap offset user space
 * passes.  The caller drops the entry with rdma_user_mmap_entry_remove(),
 * and efa_mmap_free() frees it once no mapping uses it.
 */
struct rdma_user_mmap_entry *
efa_user_mmap_entry_insert(struct ib_ucontext *ucontext, u64 address,
			   size_t length, enum efa_mmap_flag mmap_flag,
			   u64 *offset)
{
	struct efa_user_mmap_entry *entry;
	int err;

	entry = kzalloc(sizeof(*entry), GFP_KERNEL);
	if (!entry)
		return NULL;
	entry->address = address;
	entry->mmap_flag = mmap_flag;

	err = rdma_user_mmap_entry_insert(ucontext, &entry->rdma_entry, length);
	if (err) {
		kfree(entry);
		return NULL;
	}
	*offset = rdma_user_mmap_get_offset(&entry->rdma_entry);
	return &entry->rdma_entry;
}

void efa_mmap_free(struct rdma_user_mmap_entry *rdma_entry)
{
	kfree(to_emmap(rdma_entry));
}

static int efa_mmap_pages(struct vm_area_struct *vma, u64 address)
{
	unsigned long pfn = PHYS_PFN(address);
	unsigned long va;
	int err;

	for (va = vma->vm_start; va < vma->vm_end; va += PAGE_SIZE, pfn++) {
		err = vm_insert_page(vma, va, pfn_to_page(pfn));
		if (err)
			return err;
	}
	return 0;
}

int efa_mmap(struct ib_ucontext *ibucontext, struct vm_area_struct *vma)
{
	struct efa_dev *dev = to_edev(ibucontext->device);
	struct rdma_user_mmap_entry *rdma_entry;
	struct efa_user_mmap_entry *entry;
	size_t length;
	int err;

	/* the offset must name an entry of exactly the vma's size */
	rdma_entry = rdma_user_mmap_entry_get(ibucontext, vma);
	if (!rdma_entry) {
		ibdev_dbg(&dev->ibdev, "mmap: no entry at offset %#lx of length %#lx\n",
			  vma->vm_pgoff, vma->vm_end - vma->vm_start);
		atomic64_inc(&dev->stats.mmap_err);
		return -EINVAL;
	}
	entry = to_emmap(rdma_entry);
	length = rdma_entry->npages * PAGE_SIZE;

	switch (entry->mmap_flag) {
	case EFA_MMAP_IO_NC:
		err = rdma_user_mmap_io(ibucontext, vma, PHYS_PFN(entry->address),
					length, pgprot_noncached(vma->vm_page_prot),
					rdma_entry);
		break;
	case EFA_MMAP_IO_WC:
		err = rdma_user_mmap_io(ibucontext, vma, PHYS_PFN(entry->address),
					length,
					pgprot_writecombine(vma->vm_page_prot),
					rdma_entry);
		break;
	case EFA_MMAP_DMA_PAGE:
		err = efa_mmap_pages(vma, entry->address);
		break;
	default:
		err = -EINVAL;
		break;
	}
	if (err) {
		ibdev_dbg(&dev->ibdev, "mmap of %#llx (%zu bytes, kind %u): %d\n",
			  entry->address, length, entry->mmap_flag, err);
		atomic64_inc(&dev->stats.mmap_err);
	}
	rdma_user_mmap_entry_put(rdma_entry);
	return err;
}
