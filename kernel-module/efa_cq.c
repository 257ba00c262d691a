// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Completion queues.  The driver allocates a user CQ's ring; user space
 * maps it (cached: the device writes it by DMA and the CPU only reads) and
 * the CQ doorbell page (uncached) when the device gives one.  A CQ with a
 * completion channel gets its events on one of the device's EQs.
 */
#include <linux/log2.h>
#include <linux/mm.h>

#include "efa.h"
#include "efa_hw_io.h"

/* Entry sizes of the two receive completion forms the device writes. */
#define EFA_CQE_SIZE		sizeof(struct efa_io_rx_cdesc)
#define EFA_CQE_EX_SIZE		sizeof(struct efa_io_rx_cdesc_ex)

#define EFA_CREATE_CQ_KNOWN_FLAGS \
	(EFA_CREATE_CQ_WITH_COMPLETION_CHANNEL | EFA_CREATE_CQ_WITH_SGID)

static void efa_cq_mmap_entries_remove(struct efa_cq *cq)
{
	rdma_user_mmap_entry_remove(cq->q_mmap_entry);
	rdma_user_mmap_entry_remove(cq->db_mmap_entry);
	cq->q_mmap_entry = NULL;
	cq->db_mmap_entry = NULL;
}

static int efa_cq_mmap_entries_setup(struct efa_dev *dev, struct efa_cq *cq,
				     const struct efa_com_create_cq_result *res,
				     struct efa_ibv_create_cq_resp *resp)
{
	struct ib_ucontext *uctx = &cq->ucontext->ibucontext;

	cq->q_mmap_entry = efa_user_mmap_entry_insert(uctx,
						      virt_to_phys(cq->ring.buf),
						      cq->ring.size, EFA_MMAP_DMA_PAGE,
						      &resp->q_mmap_key);
	if (!cq->q_mmap_entry)
		return -ENOMEM;
	resp->q_mmap_size = cq->ring.size;

	if (!res->db_valid)
		return 0;
	if ((u64)res->db_offset + sizeof(u32) > dev->db_bar_len) {
		ibdev_dbg(&dev->ibdev, "create_cq: doorbell offset %#x outside the doorbell BAR\n",
			  res->db_offset);
		goto err_remove;
	}
	cq->db_mmap_entry =
		efa_user_mmap_entry_insert(uctx,
					   dev->db_bar_addr +
					   (res->db_offset & PAGE_MASK),
					   PAGE_SIZE, EFA_MMAP_IO_NC,
					   &resp->db_mmap_key);
	if (!cq->db_mmap_entry)
		goto err_remove;
	resp->db_off = res->db_offset & ~PAGE_MASK;
	resp->comp_mask |= EFA_CREATE_CQ_RESP_DB_OFF;
	return 0;

err_remove:
	efa_cq_mmap_entries_remove(cq);
	return -ENOMEM;
}

/* The request's fields, each checked against what the device offers. */
static int efa_cq_check_request(struct efa_dev *dev,
				const struct efa_ibv_create_cq *cmd)
{
	struct ib_device *ibdev = &dev->ibdev;

	if (cmd->comp_mask || memchr_inv(cmd->reserved_58, 0,
					 sizeof(cmd->reserved_58))) {
		ibdev_dbg(ibdev, "create_cq: comp_mask %#x or reserved bytes not zero\n",
			  cmd->comp_mask);
		return -EINVAL;
	}
	if (cmd->flags & ~EFA_CREATE_CQ_KNOWN_FLAGS) {
		ibdev_dbg(ibdev, "create_cq: flags %#x, known %#x\n", cmd->flags,
			  EFA_CREATE_CQ_KNOWN_FLAGS);
		return -EOPNOTSUPP;
	}
	if (cmd->cq_entry_size != EFA_CQE_EX_SIZE &&
	    (cmd->cq_entry_size != EFA_CQE_SIZE ||
	     (cmd->flags & EFA_CREATE_CQ_WITH_SGID))) {
		ibdev_dbg(ibdev, "create_cq: entry size %u (%zu, or %zu with SGID)\n",
			  cmd->cq_entry_size, EFA_CQE_SIZE, EFA_CQE_EX_SIZE);
		return -EINVAL;
	}
	if (cmd->num_sub_cqs != dev->dev_attr.sub_cqs_per_cq) {
		ibdev_dbg(ibdev, "create_cq: %u sub-CQs, the device has %u\n",
			  cmd->num_sub_cqs, dev->dev_attr.sub_cqs_per_cq);
		return -EINVAL;
	}
	if ((cmd->flags & EFA_CREATE_CQ_WITH_COMPLETION_CHANNEL) && !dev->neqs) {
		ibdev_dbg(ibdev, "create_cq: a completion channel needs EQs, the device has none\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

int efa_create_user_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		       struct ib_udata *udata)
{
	struct efa_dev *dev = to_edev(ibcq->device);
	struct efa_com_create_cq_params params = {};
	struct efa_ibv_create_cq_resp resp = {};
	struct efa_com_create_cq_result res;
	struct efa_cq *cq = to_ecq(ibcq);
	struct efa_ibv_create_cq cmd;
	u32 depth, max_depth;
	int err;

	if (!udata) {
		err = -EOPNOTSUPP;
		goto err_out;
	}
	if (attr->flags) {
		ibdev_dbg(&dev->ibdev, "create_cq: flags %#x not supported\n",
			  attr->flags);
		err = -EOPNOTSUPP;
		goto err_out;
	}
	/* a CQ never gets fewer entries than asked */
	max_depth = efa_max_cq_depth(dev);
	if (attr->cqe < 1 || attr->cqe > max_depth) {
		ibdev_dbg(&dev->ibdev, "create_cq: %u entries, 1 to %u allowed\n",
			  attr->cqe, max_depth);
		err = -EINVAL;
		goto err_out;
	}
	depth = roundup_pow_of_two(attr->cqe);

	err = efa_copy_request(dev, udata, &cmd, sizeof(cmd),
			       offsetofend(typeof(cmd), num_sub_cqs), "create_cq");
	if (err)
		goto err_out;
	err = efa_cq_check_request(dev, &cmd);
	if (err)
		goto err_out;

	cq->ucontext = rdma_udata_to_drv_context(udata, struct efa_ucontext,
						 ibucontext);
	err = efa_user_ring_alloc(dev, &cq->ring, (size_t)cmd.cq_entry_size *
				  depth * cmd.num_sub_cqs, DMA_FROM_DEVICE);
	if (err)
		goto err_out;

	params.dma_addr = cq->ring.dma;
	params.depth = depth;
	params.num_sub_cqs = cmd.num_sub_cqs;
	params.uarn = cq->ucontext->uarn;
	params.entry_size = cmd.cq_entry_size;
	params.set_src_addr = !!(cmd.flags & EFA_CREATE_CQ_WITH_SGID);
	if (cmd.flags & EFA_CREATE_CQ_WITH_COMPLETION_CHANNEL) {
		cq->eq = &dev->eqs[attr->comp_vector % dev->neqs];
		params.interrupts = true;
		params.eqn = cq->eq->ceq.eqn;
	}
	err = efa_com_create_cq(&dev->edev, &params, &res);
	if (err)
		goto err_free_ring;
	cq->cq_idx = res.cq_idx;
	cq->ibcq.cqe = res.actual_depth;

	err = efa_cq_mmap_entries_setup(dev, cq, &res, &resp);
	if (err)
		goto err_destroy_cq;
	if (cq->eq) {
		err = xa_err(xa_store(&dev->cqs_xa, cq->cq_idx, cq, GFP_KERNEL));
		if (err)
			goto err_remove_mmap;
	}

	resp.cq_idx = cq->cq_idx;
	err = efa_copy_response(dev, udata, &resp, sizeof(resp), "create_cq");
	if (err)
		goto err_xa_erase;
	ibdev_dbg(&dev->ibdev, "created cq %u: %u entries x %u sub-CQs of %u bytes%s%s\n",
		  cq->cq_idx, res.actual_depth, cmd.num_sub_cqs,
		  cmd.cq_entry_size, params.set_src_addr ? ", SGID" : "",
		  cq->eq ? ", with a completion channel" : "");
	return 0;

err_xa_erase:
	if (cq->eq)
		xa_erase(&dev->cqs_xa, cq->cq_idx);
err_remove_mmap:
	efa_cq_mmap_entries_remove(cq);
err_destroy_cq:
	efa_com_destroy_cq(&dev->edev, cq->cq_idx);
err_free_ring:
	efa_user_ring_free(dev, &cq->ring);
err_out:
	atomic64_inc(&dev->stats.create_cq_err);
	return err;
}

int efa_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata)
{
	struct efa_dev *dev = to_edev(ibcq->device);
	struct efa_cq *cq = to_ecq(ibcq);
	int err;

	ibdev_dbg(&dev->ibdev, "destroying cq %u\n", cq->cq_idx);
	if (cq->eq) {
		/* no EQ handler may still be looking at it once it is freed */
		xa_erase(&dev->cqs_xa, cq->cq_idx);
		synchronize_irq(cq->eq->irq.irqn);
	}
	efa_cq_mmap_entries_remove(cq);
	err = efa_com_destroy_cq(&dev->edev, cq->cq_idx);
	if (err) {
		/* the device may still write the ring: leave it allocated */
		ibdev_err(&dev->ibdev, "cq %u not destroyed (%d): its ring stays allocated\n",
			  cq->cq_idx, err);
		return 0;
	}
	efa_user_ring_free(dev, &cq->ring);
	return 0;
}
