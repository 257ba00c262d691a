// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Queue pairs: UD, and SRD as the EFA driver QP type.  A user QP's SQ is
 * its window of the device's LLQ memory (mapped write-combined); its RQ is
 * a ring the driver allocates and user space maps cached; each queue has a
 * doorbell page mapped uncached.
 */
#include <linux/log2.h>
#include <linux/mm.h>

#include "efa.h"
#include "efa_hw_io.h"

#define EFA_CREATE_QP_KNOWN_FLAGS	EFA_CREATE_QP_WITH_UNSOLICITED_WRITE_RECV
/* An InfiniBand-style 4-bit service level. */

static void efa_qp_mmap_entries_remove(struct efa_qp *qp)
{
	rdma_user_mmap_entry_remove(qp->sq_db_mmap_entry);
	rdma_user_mmap_entry_remove(qp->llq_desc_mmap_entry);
	rdma_user_mmap_entry_remove(qp->rq_db_mmap_entry);
	rdma_user_mmap_entry_remove(qp->rq_mmap_entry);
	qp->sq_db_mmap_entry = NULL;
	qp->llq_desc_mmap_entry = NULL;
	qp->rq_db_mmap_entry = NULL;
	qp->rq_mmap_entry = NULL;
}

/* The device's offsets must lie inside the BARs user space will map. */
static bool efa_qp_offsets_ok(struct efa_dev *dev,
			      const struct efa_com_create_qp_result *res,
			      u32 sq_ring_size)
{
	return (u64)res->sq_db_offset + sizeof(u32) <= dev->db_bar_len &&
	       (u64)res->rq_db_offset + sizeof(u32) <= dev->db_bar_len &&
	       (u64)res->llq_descriptors_offset + sq_ring_size <=
	       dev->mem_bar_len;
}

static int efa_qp_mmap_entries_setup(struct efa_dev *dev, struct efa_qp *qp,
				     struct efa_ucontext *ucontext,
				     const struct efa_com_create_qp_result *res,
				     u32 sq_ring_size,
				     struct efa_ibv_create_qp_resp *resp)
{
	struct ib_ucontext *uctx = &ucontext->ibucontext;
	u32 llq_off = res->llq_descriptors_offset;

	qp->sq_db_mmap_entry =
		efa_user_mmap_entry_insert(uctx, dev->db_bar_addr +
					   (res->sq_db_offset & PAGE_MASK),
					   PAGE_SIZE, EFA_MMAP_IO_NC,
					   &resp->sq_db_mmap_key);
	if (!qp->sq_db_mmap_entry)
		goto err_remove;
	resp->sq_db_offset = res->sq_db_offset & ~PAGE_MASK;

	qp->llq_desc_mmap_entry =
		efa_user_mmap_entry_insert(uctx, dev->mem_bar_addr +
					   (llq_off & PAGE_MASK),
					   PAGE_ALIGN(sq_ring_size +
						      offset_in_page(llq_off)),
					   EFA_MMAP_IO_WC,
					   &resp->llq_desc_mmap_key);
	if (!qp->llq_desc_mmap_entry)
		goto err_remove;
	resp->llq_desc_offset = offset_in_page(llq_off);

	if (!qp->rq_ring.size)
		return 0;

	qp->rq_db_mmap_entry =
		efa_user_mmap_entry_insert(uctx, dev->db_bar_addr +
					   (res->rq_db_offset & PAGE_MASK),
					   PAGE_SIZE, EFA_MMAP_IO_NC,
					   &resp->rq_db_mmap_key);
	if (!qp->rq_db_mmap_entry)
		goto err_remove;
	resp->rq_db_offset = res->rq_db_offset & ~PAGE_MASK;

	qp->rq_mmap_entry =
		efa_user_mmap_entry_insert(uctx, virt_to_phys(qp->rq_ring.buf),
					   qp->rq_ring.size, EFA_MMAP_DMA_PAGE,
					   &resp->rq_mmap_key);
	if (!qp->rq_mmap_entry)
		goto err_remove;
	resp->rq_mmap_size = qp->rq_ring.size;
	return 0;

err_remove:
	efa_qp_mmap_entries_remove(qp);
	return -ENOMEM;
}

static int efa_qp_check_init_attr(struct efa_dev *dev,
				  const struct ib_qp_init_attr *init_attr)
{
	const struct efa_com_dev_attr *attr = &dev->dev_attr;
	const struct ib_qp_cap *cap = &init_attr->cap;
	struct ib_device *ibdev = &dev->ibdev;

	if (init_attr->qp_type != IB_QPT_UD &&
	    init_attr->qp_type != IB_QPT_DRIVER) {
		ibdev_dbg(ibdev, "create_qp: QP type %d not supported\n",
			  init_attr->qp_type);
		return -EOPNOTSUPP;
	}
	if (init_attr->srq || init_attr->create_flags) {
		ibdev_dbg(ibdev, "create_qp: SRQs and create flags (%#x) not supported\n",
			  init_attr->create_flags);
		return -EOPNOTSUPP;
	}
	if (cap->max_send_wr > attr->max_sq_depth ||
	    cap->max_recv_wr > attr->max_rq_depth ||
	    cap->max_send_sge > attr->max_sq_sge ||
	    cap->max_recv_sge > attr->max_rq_sge ||
	    cap->max_inline_data > attr->inline_buf_size_ex) {
		ibdev_dbg(ibdev, "create_qp: caps wr %u/%u sge %u/%u inline %u beyond the device's %u/%u %u/%u %u\n",
			  cap->max_send_wr, cap->max_recv_wr,
			  cap->max_send_sge, cap->max_recv_sge,
			  cap->max_inline_data, attr->max_sq_depth,
			  attr->max_rq_depth, attr->max_sq_sge,
			  attr->max_rq_sge, attr->inline_buf_size_ex);
		return -EINVAL;
	}
	return 0;
}

static int efa_qp_check_request(struct efa_dev *dev,
				const struct ib_qp_init_attr *init_attr,
				const struct efa_ibv_create_qp *cmd)
{
	const struct efa_com_dev_attr *attr = &dev->dev_attr;
	struct ib_device *ibdev = &dev->ibdev;
	u16 supported = 0;
	u64 rq_max;

	if (cmd->comp_mask || memchr_inv(cmd->reserved_98, 0,
					 sizeof(cmd->reserved_98))) {
		ibdev_dbg(ibdev, "create_qp: comp_mask %#x or reserved bytes not zero\n",
			  cmd->comp_mask);
		return -EINVAL;
	}
	if (efa_dev_cap(dev, EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_UNSOLICITED_WRITE_RECV_MASK))
		supported |= EFA_CREATE_QP_WITH_UNSOLICITED_WRITE_RECV;
	if (cmd->flags & ~supported) {
		ibdev_dbg(ibdev, "create_qp: flags %#x, this device takes %#x\n",
			  cmd->flags, supported);
		return -EOPNOTSUPP;
	}
	if (init_attr->qp_type == IB_QPT_DRIVER &&
	    cmd->driver_qp_type != EFA_QP_DRIVER_TYPE_SRD) {
		ibdev_dbg(ibdev, "create_qp: driver QP type %u unknown\n",
			  cmd->driver_qp_type);
		return -EOPNOTSUPP;
	}
	if (cmd->sl > EFA_ADMIN_QP_MAX_SL) {
		ibdev_dbg(ibdev, "create_qp: service level %u beyond %u\n",
			  cmd->sl, EFA_ADMIN_QP_MAX_SL);
		return -EINVAL;
	}
	if (!cmd->sq_ring_size || cmd->sq_ring_size > attr->max_llq_size) {
		ibdev_dbg(ibdev, "create_qp: SQ ring of %u bytes, 1 to %u allowed\n",
			  cmd->sq_ring_size, attr->max_llq_size);
		return -EINVAL;
	}
	/* the largest RQ user space can use: every descriptor with every SGE */
	rq_max = (u64)roundup_pow_of_two(max(attr->max_rq_depth, 1U)) *
		 max_t(u16, attr->max_rq_sge, 1) * sizeof(struct efa_io_rx_desc);
	if (cmd->rq_ring_size > rq_max ||
	    (!cmd->rq_ring_size && init_attr->cap.max_recv_wr)) {
		ibdev_dbg(ibdev, "create_qp: RQ ring of %u bytes for %u receives, at most %llu\n",
			  cmd->rq_ring_size, init_attr->cap.max_recv_wr, rq_max);
		return -EINVAL;
	}
	return 0;
}

int efa_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *init_attr,
		  struct ib_udata *udata)
{
	struct efa_com_create_qp_params params = {};
	struct efa_dev *dev = to_edev(ibqp->device);
	struct efa_ibv_create_qp_resp resp = {};
	struct efa_com_create_qp_result res;
	struct efa_qp *qp = to_eqp(ibqp);
	struct efa_ucontext *ucontext;
	struct efa_ibv_create_qp cmd;
	int err;

	if (!udata) {
		err = -EOPNOTSUPP;
		goto err_out;
	}
	err = efa_qp_check_init_attr(dev, init_attr);
	if (err)
		goto err_out;
	err = efa_copy_request(dev, udata, &cmd, sizeof(cmd),
			       offsetofend(typeof(cmd), driver_qp_type),
			       "create_qp");
	if (err)
		goto err_out;
	err = efa_qp_check_request(dev, init_attr, &cmd);
	if (err)
		goto err_out;

	ucontext = rdma_udata_to_drv_context(udata, struct efa_ucontext,
					     ibucontext);
	params.pdn = to_epd(ibqp->pd)->pdn;
	params.uarn = ucontext->uarn;
	params.qp_type = init_attr->qp_type == IB_QPT_UD ?
			 EFA_ADMIN_QP_TYPE_UD : EFA_ADMIN_QP_TYPE_SRD;
	params.sl = cmd.sl;
	params.unsolicited_write_recv =
		!!(cmd.flags & EFA_CREATE_QP_WITH_UNSOLICITED_WRITE_RECV);
	params.send_cq_idx = to_ecq(init_attr->send_cq)->cq_idx;
	params.recv_cq_idx = to_ecq(init_attr->recv_cq)->cq_idx;
	params.sq_depth = init_attr->cap.max_send_wr;
	params.sq_ring_size = cmd.sq_ring_size;
	params.rq_depth = init_attr->cap.max_recv_wr;
	params.rq_ring_size = cmd.rq_ring_size;

	/* user space writes the RQ descriptors, the device reads them */
	err = efa_user_ring_alloc(dev, &qp->rq_ring, cmd.rq_ring_size,
				  DMA_TO_DEVICE);
	if (err)
		goto err_out;
	params.rq_dma_addr = qp->rq_ring.dma;

	err = efa_com_create_qp(&dev->edev, &params, &res);
	if (err)
		goto err_free_rq;
	qp->qp_handle = res.qp_handle;
	if (!efa_qp_offsets_ok(dev, &res, cmd.sq_ring_size)) {
		ibdev_err(&dev->ibdev, "create_qp: device offsets outside its BARs (db %#x/%#x, llq %#x)\n",
			  res.sq_db_offset, res.rq_db_offset,
			  res.llq_descriptors_offset);
		err = -EIO;
		goto err_destroy_qp;
	}

	err = efa_qp_mmap_entries_setup(dev, qp, ucontext, &res,
					cmd.sq_ring_size, &resp);
	if (err)
		goto err_destroy_qp;
	resp.send_sub_cq_idx = res.send_sub_cq_idx;
	resp.recv_sub_cq_idx = res.recv_sub_cq_idx;

	qp->ibqp.qp_num = res.qp_num;
	qp->state = IB_QPS_RESET;
	qp->max_send_wr = init_attr->cap.max_send_wr;
	qp->max_recv_wr = init_attr->cap.max_recv_wr;
	qp->max_send_sge = init_attr->cap.max_send_sge;
	qp->max_recv_sge = init_attr->cap.max_recv_sge;
	qp->max_inline_data = init_attr->cap.max_inline_data;

	err = efa_copy_response(dev, udata, &resp, sizeof(resp), "create_qp");
	if (err)
		goto err_remove_mmap;
	ibdev_dbg(&dev->ibdev, "created %s qp %u (handle %#x), sl %u\n",
		  params.qp_type == EFA_ADMIN_QP_TYPE_UD ? "UD" : "SRD",
		  res.qp_num, res.qp_handle, cmd.sl);
	return 0;

err_remove_mmap:
	efa_qp_mmap_entries_remove(qp);
err_destroy_qp:
	efa_com_destroy_qp(&dev->edev, res.qp_handle);
err_free_rq:
	efa_user_ring_free(dev, &qp->rq_ring);
err_out:
	atomic64_inc(&dev->stats.create_qp_err);
	return err;
}

int efa_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata)
{
	struct efa_dev *dev = to_edev(ibqp->device);
	struct efa_qp *qp = to_eqp(ibqp);
	int err;

	ibdev_dbg(&dev->ibdev, "destroying qp %u\n", ibqp->qp_num);
	efa_qp_mmap_entries_remove(qp);
	err = efa_com_destroy_qp(&dev->edev, qp->qp_handle);
	if (err) {
		/* the device may still read the RQ: leave it allocated */
		ibdev_err(&dev->ibdev, "qp %u not destroyed (%d): its RQ stays allocated\n",
			  ibqp->qp_num, err);
		return 0;
	}
	efa_user_ring_free(dev, &qp->rq_ring);
	return 0;
}

/* ---- state machine ------------------------------------------------------- */

#define EFA_MODIFY_QP_SUPPORTED_MASK \
	(IB_QP_STATE | IB_QP_CUR_STATE | IB_QP_EN_SQD_ASYNC_NOTIFY | \
	 IB_QP_PKEY_INDEX | IB_QP_PORT | IB_QP_QKEY | IB_QP_SQ_PSN | \
	 IB_QP_RNR_RETRY)

/*
 * The SRD transitions the device allows and the attributes each needs
 * (required) or takes (optional), besides IB_QP_STATE.  UD follows the
 * RDMA core's table for IB_QPT_UD.
 */
struct efa_srd_transition {
	bool valid;
	enum ib_qp_attr_mask required;
	enum ib_qp_attr_mask optional;
};

#define EFA_SRD_TO_RESET_OR_ERR \
	[IB_QPS_RESET] = { .valid = true }, \
	[IB_QPS_ERR] = { .valid = true }

static const struct efa_srd_transition
efa_srd_transitions[IB_QPS_ERR + 1][IB_QPS_ERR + 1] = {
	[IB_QPS_RESET] = {
		[IB_QPS_RESET] = { .valid = true },
		[IB_QPS_INIT] = { .valid = true,
				  .required = IB_QP_PKEY_INDEX | IB_QP_PORT |
					      IB_QP_QKEY },
	},
	[IB_QPS_INIT] = {
		EFA_SRD_TO_RESET_OR_ERR,
		[IB_QPS_INIT] = { .valid = true,
				  .optional = IB_QP_PKEY_INDEX | IB_QP_PORT |
					      IB_QP_QKEY },
		[IB_QPS_RTR] = { .valid = true,
				 .optional = IB_QP_PKEY_INDEX | IB_QP_QKEY },
	},
	[IB_QPS_RTR] = {
		EFA_SRD_TO_RESET_OR_ERR,
		[IB_QPS_RTS] = { .valid = true, .required = IB_QP_SQ_PSN,
				 .optional = IB_QP_CUR_STATE | IB_QP_QKEY |
					     IB_QP_RNR_RETRY },
	},
	[IB_QPS_RTS] = {
		EFA_SRD_TO_RESET_OR_ERR,
		[IB_QPS_RTS] = { .valid = true,
				 .optional = IB_QP_CUR_STATE | IB_QP_QKEY },
		[IB_QPS_SQD] = { .valid = true,
				 .optional = IB_QP_EN_SQD_ASYNC_NOTIFY },
	},
	[IB_QPS_SQD] = {
		EFA_SRD_TO_RESET_OR_ERR,
		[IB_QPS_RTS] = { .valid = true,
				 .optional = IB_QP_CUR_STATE | IB_QP_QKEY },
		[IB_QPS_SQD] = { .valid = true,
				 .optional = IB_QP_PKEY_INDEX | IB_QP_QKEY },
	},
	[IB_QPS_SQE] = {
		EFA_SRD_TO_RESET_OR_ERR,
		[IB_QPS_RTS] = { .valid = true,
				 .optional = IB_QP_CUR_STATE | IB_QP_QKEY },
	},
	[IB_QPS_ERR] = {
		EFA_SRD_TO_RESET_OR_ERR,
	},
};

static bool efa_srd_modify_ok(enum ib_qp_state cur, enum ib_qp_state next,
			      int mask)
{
	const struct efa_srd_transition *t = &efa_srd_transitions[cur][next];

	/* a current state is only asserted from a state that sends */
	if ((mask & IB_QP_CUR_STATE) && cur != IB_QPS_RTR &&
	    cur != IB_QPS_RTS && cur != IB_QPS_SQD && cur != IB_QPS_SQE)
		return false;
	if (!t->valid || (mask & t->required) != t->required)
		return false;
	return !(mask & ~(t->required | t->optional | IB_QP_STATE));
}

static int efa_modify_qp_check(struct efa_dev *dev, struct efa_qp *qp,
			       const struct ib_qp_attr *qp_attr, int mask,
			       enum ib_qp_state cur, enum ib_qp_state next)
{
	struct ib_device *ibdev = &dev->ibdev;
	bool ok;

	if (mask & ~EFA_MODIFY_QP_SUPPORTED_MASK) {
		ibdev_dbg(ibdev, "modify_qp: attribute mask %#x, supported %#x\n",
			  mask, EFA_MODIFY_QP_SUPPORTED_MASK);
		return -EOPNOTSUPP;
	}
	if (cur > IB_QPS_ERR || next > IB_QPS_ERR) {
		ibdev_dbg(ibdev, "modify_qp: state %u -> %u unknown\n", cur, next);
		return -EINVAL;
	}
	if (qp->ibqp.qp_type == IB_QPT_DRIVER)
		ok = efa_srd_modify_ok(cur, next, mask);
	else
		ok = ib_modify_qp_is_ok(cur, next, IB_QPT_UD, mask);
	if (!ok) {
		ibdev_dbg(ibdev, "modify_qp: qp %u %u -> %u with mask %#x not allowed\n",
			  qp->ibqp.qp_num, cur, next, mask);
		return -EINVAL;
	}
	if ((mask & IB_QP_PORT) && qp_attr->port_num != 1) {
		ibdev_dbg(ibdev, "modify_qp: port %u, the device has port 1\n",
			  qp_attr->port_num);
		return -EINVAL;
	}
	if ((mask & IB_QP_PKEY_INDEX) && qp_attr->pkey_index) {
		ibdev_dbg(ibdev, "modify_qp: P_Key index %u, the device has 0\n",
			  qp_attr->pkey_index);
		return -EINVAL;
	}
	if ((mask & IB_QP_RNR_RETRY) &&
	    !efa_dev_cap(dev, EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RNR_RETRY_MASK)) {
		ibdev_dbg(ibdev, "modify_qp: the device cannot set rnr_retry\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

int efa_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *qp_attr,
		  int qp_attr_mask, struct ib_udata *udata)
{
	struct efa_dev *dev = to_edev(ibqp->device);
	struct efa_com_modify_qp_params params = {};
	struct efa_qp *qp = to_eqp(ibqp);
	enum ib_qp_state cur, next;
	int err;

	if (udata && udata->inlen &&
	    !ib_is_udata_cleared(udata, 0, udata->inlen)) {
		ibdev_dbg(&dev->ibdev, "modify_qp: unknown non-zero request data\n");
		return -EINVAL;
	}

	cur = qp_attr_mask & IB_QP_CUR_STATE ? qp_attr->cur_qp_state : qp->state;
	next = qp_attr_mask & IB_QP_STATE ? qp_attr->qp_state : cur;
	err = efa_modify_qp_check(dev, qp, qp_attr, qp_attr_mask, cur, next);
	if (err)
		return err;

	params.qp_handle = qp->qp_handle;
	if (qp_attr_mask & IB_QP_STATE) {
		params.modify_mask |= EFA_ADMIN_MODIFY_QP_CMD_QP_STATE_MASK |
				      EFA_ADMIN_MODIFY_QP_CMD_CUR_QP_STATE_MASK;
		params.cur_qp_state = cur;
		params.qp_state = next;
	}
	if (qp_attr_mask & IB_QP_EN_SQD_ASYNC_NOTIFY) {
		params.modify_mask |= EFA_ADMIN_MODIFY_QP_CMD_SQ_DRAINED_ASYNC_NOTIFY_MASK;
		params.sq_drained_async_notify = !!qp_attr->en_sqd_async_notify;
	}
	if (qp_attr_mask & IB_QP_QKEY) {
		params.modify_mask |= EFA_ADMIN_MODIFY_QP_CMD_QKEY_MASK;
		params.qkey = qp_attr->qkey;
	}
	if (qp_attr_mask & IB_QP_SQ_PSN) {
		params.modify_mask |= EFA_ADMIN_MODIFY_QP_CMD_SQ_PSN_MASK;
		params.sq_psn = qp_attr->sq_psn;
	}
	if (qp_attr_mask & IB_QP_RNR_RETRY) {
		params.modify_mask |= EFA_ADMIN_MODIFY_QP_CMD_RNR_RETRY_MASK;
		params.rnr_retry = qp_attr->rnr_retry;
	}

	err = efa_com_modify_qp(&dev->edev, &params);
	if (err)
		return err;
	qp->state = next;
	return 0;
}

#define EFA_QUERY_QP_SUPPORTED_MASK \
	(IB_QP_STATE | IB_QP_PKEY_INDEX | IB_QP_PORT | IB_QP_QKEY | \
	 IB_QP_SQ_PSN | IB_QP_CAP | IB_QP_RNR_RETRY)

int efa_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *qp_attr,
		 int qp_attr_mask, struct ib_qp_init_attr *qp_init_attr)
{
	struct efa_dev *dev = to_edev(ibqp->device);
	struct efa_com_query_qp_result res;
	struct efa_qp *qp = to_eqp(ibqp);
	int err;

	if (qp_attr_mask & ~EFA_QUERY_QP_SUPPORTED_MASK) {
		ibdev_dbg(&dev->ibdev, "query_qp: attribute mask %#x, supported %#x\n",
			  qp_attr_mask, EFA_QUERY_QP_SUPPORTED_MASK);
		return -EOPNOTSUPP;
	}

	err = efa_com_query_qp(&dev->edev, qp->qp_handle, &res);
	if (err)
		return err;
	if (res.qp_state > IB_QPS_ERR) {
		ibdev_err(&dev->ibdev, "query_qp: device reports unknown state %u\n",
			  res.qp_state);
		return -EIO;
	}

	memset(qp_attr, 0, sizeof(*qp_attr));
	memset(qp_init_attr, 0, sizeof(*qp_init_attr));
	qp_attr->qp_state = res.qp_state;
	qp_attr->cur_qp_state = res.qp_state;
	qp_attr->qkey = res.qkey;
	qp_attr->sq_psn = res.sq_psn;
	qp_attr->sq_draining = res.sq_draining;
	qp_attr->rnr_retry = res.rnr_retry;
	qp_attr->port_num = 1;
	qp_attr->cap.max_send_wr = qp->max_send_wr;
	qp_attr->cap.max_recv_wr = qp->max_recv_wr;
	qp_attr->cap.max_send_sge = qp->max_send_sge;
	qp_attr->cap.max_recv_sge = qp->max_recv_sge;
	qp_attr->cap.max_inline_data = qp->max_inline_data;

	qp_init_attr->qp_type = ibqp->qp_type;
	qp_init_attr->send_cq = ibqp->send_cq;
	qp_init_attr->recv_cq = ibqp->recv_cq;
	qp_init_attr->qp_context = ibqp->qp_context;
	qp_init_attr->cap = qp_attr->cap;
	return 0;
}
