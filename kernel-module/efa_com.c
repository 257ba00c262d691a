// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * EFA management-plane queue mechanics.
 *
 * The driver never reads BAR0: it asks for a register through MMIO_REG_READ
 * and the device writes the value, tagged with the request's sequence
 * number, into a small coherent buffer ("readless" reads).
 *
 * Admin commands go into a 64-byte-entry submission ring (AQ) announced
 * with the AQ_PROD_DB doorbell; the device answers in a completion ring
 * (ACQ) whose entries carry the command id and a phase bit that flips on
 * every lap of the ring.  Until the management interrupt is hooked up the
 * driver polls the ACQ; afterwards MSI-X wakes the waiter, and a completion
 * that arrives without its interrupt puts the queue back to polling.
 *
 * The AENQ carries device events (keep-alives among them) the same way, and
 * each completion event queue (EQ) tells which CQ has new completions.
 */
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>

#include "efa_com.h"

#define EFA_COM_RESET_POLL_MS		100
#define EFA_COM_CMD_ID_MASK		EFA_ADMIN_AQ_COMMON_DESC_COMMAND_ID_MASK

/* Lowest VERSION (admin API) and CONTROLLER_VERSION this driver drives. */
#define EFA_COM_MIN_CTRL_MAJOR		0
#define EFA_COM_MIN_CTRL_MINOR		0
#define EFA_COM_MIN_CTRL_SUBMINOR	1

static const char *const efa_com_opcode_names[] = {
	[EFA_ADMIN_CREATE_QP] = "CREATE_QP",
	[EFA_ADMIN_MODIFY_QP] = "MODIFY_QP",
	[EFA_ADMIN_QUERY_QP] = "QUERY_QP",
	[EFA_ADMIN_DESTROY_QP] = "DESTROY_QP",
	[EFA_ADMIN_CREATE_AH] = "CREATE_AH",
	[EFA_ADMIN_DESTROY_AH] = "DESTROY_AH",
	[EFA_ADMIN_REG_MR] = "REG_MR",
	[EFA_ADMIN_DEREG_MR] = "DEREG_MR",
	[EFA_ADMIN_CREATE_CQ] = "CREATE_CQ",
	[EFA_ADMIN_DESTROY_CQ] = "DESTROY_CQ",
	[EFA_ADMIN_GET_FEATURE] = "GET_FEATURE",
	[EFA_ADMIN_SET_FEATURE] = "SET_FEATURE",
	[EFA_ADMIN_GET_STATS] = "GET_STATS",
	[EFA_ADMIN_ALLOC_PD] = "ALLOC_PD",
	[EFA_ADMIN_DEALLOC_PD] = "DEALLOC_PD",
	[EFA_ADMIN_ALLOC_UAR] = "ALLOC_UAR",
	[EFA_ADMIN_DEALLOC_UAR] = "DEALLOC_UAR",
	[EFA_ADMIN_CREATE_EQ] = "CREATE_EQ",
	[EFA_ADMIN_DESTROY_EQ] = "DESTROY_EQ",
};

static const char *const efa_com_feature_names[] = {
	[EFA_ADMIN_DEVICE_ATTR] = "DEVICE_ATTR",
	[EFA_ADMIN_AENQ_CONFIG] = "AENQ_CONFIG",
	[EFA_ADMIN_NETWORK_ATTR] = "NETWORK_ATTR",
	[EFA_ADMIN_QUEUE_ATTR_1] = "QUEUE_ATTR_1",
	[EFA_ADMIN_HW_HINTS] = "HW_HINTS",
	[EFA_ADMIN_HOST_INFO] = "HOST_INFO",
	[EFA_ADMIN_EVENT_QUEUE_ATTR] = "EVENT_QUEUE_ATTR",
	[EFA_ADMIN_QUEUE_ATTR_2] = "QUEUE_ATTR_2",
};

static const char *const efa_com_status_names[] = {
	[EFA_ADMIN_SUCCESS] = "SUCCESS",
	[EFA_ADMIN_RESOURCE_ALLOCATION_FAILURE] = "RESOURCE_ALLOCATION_FAILURE",
	[EFA_ADMIN_BAD_OPCODE] = "BAD_OPCODE",
	[EFA_ADMIN_UNSUPPORTED_OPCODE] = "UNSUPPORTED_OPCODE",
	[EFA_ADMIN_MALFORMED_REQUEST] = "MALFORMED_REQUEST",
	[EFA_ADMIN_ILLEGAL_PARAMETER] = "ILLEGAL_PARAMETER",
	[EFA_ADMIN_UNKNOWN_ERROR] = "UNKNOWN_ERROR",
	[EFA_ADMIN_RESOURCE_BUSY] = "RESOURCE_BUSY",
};

const char *efa_com_opcode_name(u8 opcode)
{
	if (opcode < ARRAY_SIZE(efa_com_opcode_names) &&
	    efa_com_opcode_names[opcode])
		return efa_com_opcode_names[opcode];
	return "UNKNOWN_OPCODE";
}

static const char *efa_com_feature_name(u8 id)
{
	if (id < ARRAY_SIZE(efa_com_feature_names) && efa_com_feature_names[id])
		return efa_com_feature_names[id];
	return "UNKNOWN_FEATURE";
}

static const char *efa_com_status_name(u8 status)
{
	if (status < ARRAY_SIZE(efa_com_status_names))
		return efa_com_status_names[status];
	return "UNDEFINED_STATUS";
}

/* What a user of the failed verb can act on. */
static int efa_com_status_to_errno(u8 status)
{
	switch (status) {
	case EFA_ADMIN_SUCCESS:
		return 0;
	case EFA_ADMIN_RESOURCE_ALLOCATION_FAILURE:
		return -ENOMEM;
	case EFA_ADMIN_UNSUPPORTED_OPCODE:
		return -EOPNOTSUPP;
	case EFA_ADMIN_BAD_OPCODE:
	case EFA_ADMIN_MALFORMED_REQUEST:
	case EFA_ADMIN_ILLEGAL_PARAMETER:
	case EFA_ADMIN_UNKNOWN_ERROR:
		return -EINVAL;
	case EFA_ADMIN_RESOURCE_BUSY:
		return -EBUSY;
	default:
		return -EIO;
	}
}

/* ---- readless register reads -------------------------------------------- */

static void efa_com_readless_set_addr(struct efa_com_dev *edev)
{
	dma_addr_t addr = edev->readless.resp_dma;

	writel(upper_32_bits(addr), edev->reg_bar + EFA_REGS_MMIO_RESP_HI_OFF);
	writel(lower_32_bits(addr), edev->reg_bar + EFA_REGS_MMIO_RESP_LO_OFF);
}

int efa_com_readless_init(struct efa_com_dev *edev)
{
	struct efa_com_readless *rl = &edev->readless;

	spin_lock_init(&rl->lock);
	rl->resp = dma_alloc_coherent(edev->dmadev, sizeof(*rl->resp),
				      &rl->resp_dma, GFP_KERNEL);
	if (!rl->resp)
		return -ENOMEM;
	rl->seq = 0;
	rl->timeout_us = EFA_COM_READLESS_TIMEOUT_US;
	efa_com_readless_set_addr(edev);
	return 0;
}

void efa_com_readless_destroy(struct efa_com_dev *edev)
{
	struct efa_com_readless *rl = &edev->readless;

	dma_free_coherent(edev->dmadev, sizeof(*rl->resp), rl->resp,
			  rl->resp_dma);
	rl->resp = NULL;
}

static int efa_com_reg_read(struct efa_com_dev *edev, u16 offset, u32 *val)
{
	struct efa_com_readless *rl = &edev->readless;
	struct efa_admin_mmio_req_read_less_resp *resp = rl->resp;
	ktime_t deadline;
	int err = 0;
	u16 seq;

	spin_lock(&rl->lock);
	seq = ++rl->seq;
	/* anything but seq: the device's answer is what makes them equal */
	WRITE_ONCE(resp->req_id, cpu_to_le16(~seq));
	writel(FIELD_PREP(EFA_REGS_MMIO_REG_READ_REQ_ID_MASK, seq) |
	       FIELD_PREP(EFA_REGS_MMIO_REG_READ_REG_OFF_MASK, offset),
	       edev->reg_bar + EFA_REGS_MMIO_REG_READ_OFF);

	deadline = ktime_add_us(ktime_get(), rl->timeout_us);
	while (le16_to_cpu(READ_ONCE(resp->req_id)) != seq) {
		if (ktime_after(ktime_get(), deadline)) {
			err = -ETIME;
			break;
		}
		udelay(1);
	}
	if (!err) {
		/* the value was written before req_id */
		dma_rmb();
		if (le16_to_cpu(resp->reg_off) == offset)
			*val = le32_to_cpu(resp->reg_val);
		else
			err = -EIO;
	}
	spin_unlock(&rl->lock);

	if (err == -ETIME)
		dev_err_ratelimited(edev->dmadev,
				    "register %#x: no readless response within %u us\n",
				    offset, rl->timeout_us);
	else if (err)
		dev_err_ratelimited(edev->dmadev,
				    "register %#x: readless response names register %#x\n",
				    offset, le16_to_cpu(resp->reg_off));
	return err;
}

/* ---- bring-up checks and reset -------------------------------------------- */

int efa_com_validate_version(struct efa_com_dev *edev)
{
	u32 ver, ctrl, have, need;
	int err;

	err = efa_com_reg_read(edev, EFA_REGS_VERSION_OFF, &ver);
	if (err)
		return err;
	err = efa_com_reg_read(edev, EFA_REGS_CONTROLLER_VERSION_OFF, &ctrl);
	if (err)
		return err;

	dev_dbg(edev->dmadev, "admin API %u.%u, controller %u.%u.%u (implementation %u)\n",
		FIELD_GET(EFA_REGS_VERSION_MAJOR_VERSION_MASK, ver),
		FIELD_GET(EFA_REGS_VERSION_MINOR_VERSION_MASK, ver),
		FIELD_GET(EFA_REGS_CONTROLLER_VERSION_MAJOR_VERSION_MASK, ctrl),
		FIELD_GET(EFA_REGS_CONTROLLER_VERSION_MINOR_VERSION_MASK, ctrl),
		FIELD_GET(EFA_REGS_CONTROLLER_VERSION_SUBMINOR_VERSION_MASK, ctrl),
		FIELD_GET(EFA_REGS_CONTROLLER_VERSION_IMPL_ID_MASK, ctrl));

	have = ver & (EFA_REGS_VERSION_MAJOR_VERSION_MASK |
		      EFA_REGS_VERSION_MINOR_VERSION_MASK);
	need = FIELD_PREP(EFA_REGS_VERSION_MAJOR_VERSION_MASK,
			  EFA_ADMIN_API_VERSION_MAJOR) |
	       FIELD_PREP(EFA_REGS_VERSION_MINOR_VERSION_MASK,
			  EFA_ADMIN_API_VERSION_MINOR);
	if (have < need) {
		dev_err(edev->dmadev, "device admin API version %#x is older than the %#x this driver needs\n",
			have, need);
		return -EOPNOTSUPP;
	}

	/* the implementation id says nothing about what the device can do */
	have = ctrl & ~EFA_REGS_CONTROLLER_VERSION_IMPL_ID_MASK;
	need = FIELD_PREP(EFA_REGS_CONTROLLER_VERSION_MAJOR_VERSION_MASK,
			  EFA_COM_MIN_CTRL_MAJOR) |
	       FIELD_PREP(EFA_REGS_CONTROLLER_VERSION_MINOR_VERSION_MASK,
			  EFA_COM_MIN_CTRL_MINOR) |
	       FIELD_PREP(EFA_REGS_CONTROLLER_VERSION_SUBMINOR_VERSION_MASK,
			  EFA_COM_MIN_CTRL_SUBMINOR);
	if (have < need) {
		dev_err(edev->dmadev, "device controller version %#x is older than the %#x this driver needs\n",
			have, need);
		return -EOPNOTSUPP;
	}
	return 0;
}

int efa_com_get_dma_width(struct efa_com_dev *edev)
{
	unsigned int width;
	u32 caps;
	int err;

	err = efa_com_reg_read(edev, EFA_REGS_CAPS_OFF, &caps);
	if (err)
		return err;
	width = FIELD_GET(EFA_REGS_CAPS_DMA_ADDR_WIDTH_MASK, caps);
	if (width < 32 || width > 64) {
		dev_err(edev->dmadev, "device announces a DMA address width of %u bits, not 32..64\n",
			width);
		return -EINVAL;
	}
	edev->dma_addr_bits = width;
	return width;
}

static int efa_com_wait_reset_state(struct efa_com_dev *edev, bool in_progress,
				    unsigned int polls)
{
	unsigned int i;
	u32 sts;
	int err;

	for (i = 0; i < polls; i++) {
		err = efa_com_reg_read(edev, EFA_REGS_DEV_STS_OFF, &sts);
		if (err)
			return err;
		if (!!(sts & EFA_REGS_DEV_STS_RESET_IN_PROGRESS_MASK) == in_progress)
			return 0;
		msleep(EFA_COM_RESET_POLL_MS);
	}
	return -ETIME;
}

/*
 * Reset the device and say why.  A reset drops every queue and object the
 * device holds, and the readless response address with them.
 */
int efa_com_dev_reset(struct efa_com_dev *edev,
		      enum efa_regs_reset_reason_types reason)
{
	unsigned int polls;
	u32 sts, caps;
	int err;

	err = efa_com_reg_read(edev, EFA_REGS_DEV_STS_OFF, &sts);
	if (err)
		return err;
	err = efa_com_reg_read(edev, EFA_REGS_CAPS_OFF, &caps);
	if (err)
		return err;
	if (!(sts & EFA_REGS_DEV_STS_READY_MASK)) {
		dev_err(edev->dmadev, "device is not ready (status %#x); cannot reset it\n",
			sts);
		return -EINVAL;
	}
	/* the reset timeout is in units of the 100 ms we poll at */
	polls = FIELD_GET(EFA_REGS_CAPS_RESET_TIMEOUT_MASK, caps);
	if (!polls) {
		dev_err(edev->dmadev, "device announces no reset timeout\n");
		return -EINVAL;
	}

	writel(EFA_REGS_DEV_CTL_DEV_RESET_MASK |
	       FIELD_PREP(EFA_REGS_DEV_CTL_RESET_REASON_MASK, reason),
	       edev->reg_bar + EFA_REGS_DEV_CTL_OFF);
	efa_com_readless_set_addr(edev);

	err = efa_com_wait_reset_state(edev, true, polls);
	if (err) {
		dev_err(edev->dmadev, "device did not start its reset\n");
		return err;
	}
	writel(0, edev->reg_bar + EFA_REGS_DEV_CTL_OFF);
	err = efa_com_wait_reset_state(edev, false, polls);
	if (err) {
		dev_err(edev->dmadev, "device did not finish its reset\n");
		return err;
	}
	return 0;
}

/* ---- admin queue ---------------------------------------------------------- */

void efa_com_set_admin_polling(struct efa_com_dev *edev, bool polling)
{
	writel(polling ? EFA_REGS_INTR_MASK_EN_MASK : 0,
	       edev->reg_bar + EFA_REGS_INTR_MASK_OFF);
	assign_bit(EFA_COM_AQ_POLLING, &edev->aq.state, polling);
}

/* Zero leaves a value as it is. */
void efa_com_set_timeouts(struct efa_com_dev *edev, u32 admin_timeout_us,
			  u32 readless_timeout_us, u32 poll_interval_ms)
{
	if (admin_timeout_us)
		edev->aq.timeout_us = admin_timeout_us;
	if (readless_timeout_us)
		edev->readless.timeout_us = readless_timeout_us;
	if (poll_interval_ms)
		edev->aq.poll_interval_ms = poll_interval_ms;
}

static void efa_com_free_rings(struct efa_com_dev *edev)
{
	struct efa_com_admin_queue *aq = &edev->aq;
	struct efa_com_aenq *aenq = &edev->aenq;

	if (aenq->entries)
		dma_free_coherent(edev->dmadev,
				  aenq->depth * sizeof(*aenq->entries),
				  aenq->entries, aenq->dma);
	if (aq->cq)
		dma_free_coherent(edev->dmadev, aq->depth * sizeof(*aq->cq),
				  aq->cq, aq->cq_dma);
	if (aq->sq)
		dma_free_coherent(edev->dmadev, aq->depth * sizeof(*aq->sq),
				  aq->sq, aq->sq_dma);
	aenq->entries = NULL;
	aq->cq = NULL;
	aq->sq = NULL;
}

static void efa_com_write_ring_base(struct efa_com_dev *edev, dma_addr_t addr,
				    u32 lo_off, u32 hi_off)
{
	writel(lower_32_bits(addr), edev->reg_bar + lo_off);
	writel(upper_32_bits(addr), edev->reg_bar + hi_off);
}

/*
 * Set up the AQ, ACQ and AENQ and start the admin queue in polling mode:
 * the caller switches to interrupts once the management IRQ is requested.
 */
int efa_com_admin_init(struct efa_com_dev *edev,
		       const efa_com_aenq_handler *handlers,
		       efa_com_aenq_handler unhandled, void *data)
{
	struct efa_com_admin_queue *aq = &edev->aq;
	struct efa_com_aenq *aenq = &edev->aenq;
	unsigned int i, cmd_to;
	u32 sts, caps;
	int err;

	err = efa_com_reg_read(edev, EFA_REGS_DEV_STS_OFF, &sts);
	if (err)
		return err;
	if (!(sts & EFA_REGS_DEV_STS_READY_MASK)) {
		dev_err(edev->dmadev, "device is not ready (status %#x)\n", sts);
		return -ENODEV;
	}
	err = efa_com_reg_read(edev, EFA_REGS_CAPS_OFF, &caps);
	if (err)
		return err;

	memset(aq, 0, sizeof(*aq));
	memset(aenq, 0, sizeof(*aenq));
	aq->depth = EFA_COM_AQ_DEPTH;
	spin_lock_init(&aq->sq_lock);
	spin_lock_init(&aq->cq_lock);
	sema_init(&aq->slots, aq->depth);
	for (i = 0; i < aq->depth; i++)
		init_completion(&aq->ctx[i].done);
	/* every ring starts on phase 1 */
	aq->sq_phase = 1;
	aq->cq_phase = 1;
	aenq->phase = 1;
	aenq->depth = EFA_COM_AENQ_DEPTH;
	aenq->handlers = handlers;
	aenq->unhandled = unhandled;
	aenq->data = data;

	cmd_to = FIELD_GET(EFA_REGS_CAPS_ADMIN_CMD_TO_MASK, caps);
	aq->timeout_us = cmd_to ? cmd_to * 100 * USEC_PER_MSEC :
				  EFA_COM_ADMIN_TIMEOUT_US;
	aq->poll_interval_ms = EFA_COM_POLL_INTERVAL_MS;

	aq->sq = dma_alloc_coherent(edev->dmadev, aq->depth * sizeof(*aq->sq),
				    &aq->sq_dma, GFP_KERNEL);
	aq->cq = dma_alloc_coherent(edev->dmadev, aq->depth * sizeof(*aq->cq),
				    &aq->cq_dma, GFP_KERNEL);
	aenq->entries = dma_alloc_coherent(edev->dmadev,
					   aenq->depth * sizeof(*aenq->entries),
					   &aenq->dma, GFP_KERNEL);
	if (!aq->sq || !aq->cq || !aenq->entries) {
		efa_com_free_rings(edev);
		return -ENOMEM;
	}

	efa_com_set_admin_polling(edev, true);

	efa_com_write_ring_base(edev, aq->sq_dma, EFA_REGS_AQ_BASE_LO_OFF,
				EFA_REGS_AQ_BASE_HI_OFF);
	writel(FIELD_PREP(EFA_REGS_AQ_CAPS_AQ_DEPTH_MASK, aq->depth) |
	       FIELD_PREP(EFA_REGS_AQ_CAPS_AQ_ENTRY_SIZE_MASK,
			  sizeof(*aq->sq)),
	       edev->reg_bar + EFA_REGS_AQ_CAPS_OFF);

	efa_com_write_ring_base(edev, aq->cq_dma, EFA_REGS_ACQ_BASE_LO_OFF,
				EFA_REGS_ACQ_BASE_HI_OFF);
	writel(FIELD_PREP(EFA_REGS_ACQ_CAPS_ACQ_DEPTH_MASK, aq->depth) |
	       FIELD_PREP(EFA_REGS_ACQ_CAPS_ACQ_ENTRY_SIZE_MASK,
			  sizeof(*aq->cq)) |
	       FIELD_PREP(EFA_REGS_ACQ_CAPS_ACQ_MSIX_VECTOR_MASK,
			  edev->mgmt_msix_vec),
	       edev->reg_bar + EFA_REGS_ACQ_CAPS_OFF);

	efa_com_write_ring_base(edev, aenq->dma, EFA_REGS_AENQ_BASE_LO_OFF,
				EFA_REGS_AENQ_BASE_HI_OFF);
	writel(FIELD_PREP(EFA_REGS_AENQ_CAPS_AENQ_DEPTH_MASK, aenq->depth) |
	       FIELD_PREP(EFA_REGS_AENQ_CAPS_AENQ_ENTRY_SIZE_MASK,
			  sizeof(*aenq->entries)) |
	       FIELD_PREP(EFA_REGS_AENQ_CAPS_AENQ_MSIX_VECTOR_MASK,
			  edev->mgmt_msix_vec),
	       edev->reg_bar + EFA_REGS_AENQ_CAPS_OFF);
	/* nothing consumed yet: the whole AENQ is the device's to fill */
	writel(aenq->cc, edev->reg_bar + EFA_REGS_AENQ_CONS_DB_OFF);

	set_bit(EFA_COM_AQ_RUNNING, &aq->state);
	return 0;
}

/* Refuse further commands; those in flight still complete or time out. */
void efa_com_admin_stop(struct efa_com_dev *edev)
{
	clear_bit(EFA_COM_AQ_RUNNING, &edev->aq.state);
}

/* After a device reset and with no interrupt left that could touch them. */
void efa_com_admin_destroy(struct efa_com_dev *edev)
{
	efa_com_admin_stop(edev);
	efa_com_free_rings(edev);
}

/* Hand every new ACQ entry to its waiter.  Called with cq_lock held. */
static void efa_com_process_acq(struct efa_com_dev *edev)
{
	struct efa_com_admin_queue *aq = &edev->aq;
	u16 mask = aq->depth - 1;

	for (;;) {
		struct efa_admin_acq_entry *e = &aq->cq[aq->cq_cc & mask];
		struct efa_com_cmd_ctx *ctx;
		u16 cmd_id;

		if ((READ_ONCE(e->acq_common_descriptor.flags) &
		     EFA_ADMIN_ACQ_COMMON_DESC_PHASE_MASK) != aq->cq_phase)
			break;
		/* the rest of the entry was written before its phase */
		dma_rmb();

		cmd_id = le16_to_cpu(e->acq_common_descriptor.command) &
			 EFA_ADMIN_ACQ_COMMON_DESC_COMMAND_ID_MASK;
		ctx = &aq->ctx[cmd_id & mask];
		if (ctx->in_use && !ctx->completed && ctx->cmd_id == cmd_id) {
			memcpy(ctx->comp, e, ctx->comp_size);
			ctx->completed = true;
			complete(&ctx->done);
			atomic64_inc(&aq->stats.completed);
		} else {
			dev_err_ratelimited(edev->dmadev,
					    "admin completion for command id %#x, which nobody waits for\n",
					    cmd_id);
		}

		aq->cq_cc++;
		if (!(aq->cq_cc & mask))
			aq->cq_phase ^= 1;
	}
}

void efa_com_admin_intr(struct efa_com_dev *edev)
{
	unsigned long flags;

	spin_lock_irqsave(&edev->aq.cq_lock, flags);
	efa_com_process_acq(edev);
	spin_unlock_irqrestore(&edev->aq.cq_lock, flags);
}

static struct efa_com_cmd_ctx *efa_com_submit(struct efa_com_dev *edev,
					      const void *cmd, size_t cmd_size,
					      void *comp, size_t comp_size)
{
	const struct efa_admin_aq_common_desc *desc = cmd;
	struct efa_com_admin_queue *aq = &edev->aq;
	struct efa_admin_aq_entry *entry;
	struct efa_com_cmd_ctx *ctx;
	u16 mask = aq->depth - 1;
	unsigned long flags;
	unsigned int idx;
	u16 cmd_id;

	spin_lock(&aq->sq_lock);
	if (!test_bit(EFA_COM_AQ_RUNNING, &aq->state)) {
		spin_unlock(&aq->sq_lock);
		return ERR_PTR(-ENODEV);
	}
	/* the slots semaphore guarantees a free context */
	idx = find_first_zero_bit(aq->ctx_busy, aq->depth);
	if (idx >= aq->depth) {
		spin_unlock(&aq->sq_lock);
		return ERR_PTR(-ENOSPC);
	}
	set_bit(idx, aq->ctx_busy);

	/*
	 * The low bits of a command id name its context; the high bits come
	 * from the producer counter, so a stale completion for a context's
	 * previous command does not match the current one.
	 */
	cmd_id = (idx | (aq->sq_pc & ~mask)) & EFA_COM_CMD_ID_MASK;
	ctx = &aq->ctx[idx];
	spin_lock_irqsave(&aq->cq_lock, flags);
	ctx->comp = comp;
	ctx->comp_size = comp_size;
	ctx->cmd_id = cmd_id;
	ctx->opcode = desc->opcode;
	ctx->completed = false;
	ctx->in_use = true;
	reinit_completion(&ctx->done);
	spin_unlock_irqrestore(&aq->cq_lock, flags);

	entry = &aq->sq[aq->sq_pc & mask];
	memset(entry, 0, sizeof(*entry));
	memcpy(entry, cmd, cmd_size);
	entry->aq_common_descriptor.command_id = cpu_to_le16(cmd_id);
	entry->aq_common_descriptor.flags &= ~EFA_ADMIN_AQ_COMMON_DESC_PHASE_MASK;
	entry->aq_common_descriptor.flags |= aq->sq_phase &
					     EFA_ADMIN_AQ_COMMON_DESC_PHASE_MASK;

	aq->sq_pc++;
	if (!(aq->sq_pc & mask))
		aq->sq_phase ^= 1;
	atomic64_inc(&aq->stats.submitted);

	/* writel orders the entry before the doorbell */
	writel(aq->sq_pc, edev->reg_bar + EFA_REGS_AQ_PROD_DB_OFF);
	spin_unlock(&aq->sq_lock);

	return ctx;
}

static void efa_com_release(struct efa_com_admin_queue *aq,
			    struct efa_com_cmd_ctx *ctx)
{
	unsigned long flags;

	spin_lock_irqsave(&aq->cq_lock, flags);
	ctx->in_use = false;
	spin_unlock_irqrestore(&aq->cq_lock, flags);
	clear_bit(ctx - aq->ctx, aq->ctx_busy);
}

static bool efa_com_poll_ctx(struct efa_com_dev *edev,
			     struct efa_com_cmd_ctx *ctx)
{
	unsigned long flags;
	bool done;

	spin_lock_irqsave(&edev->aq.cq_lock, flags);
	efa_com_process_acq(edev);
	done = ctx->completed;
	spin_unlock_irqrestore(&edev->aq.cq_lock, flags);
	return done;
}

static int efa_com_wait(struct efa_com_dev *edev, struct efa_com_cmd_ctx *ctx)
{
	struct efa_com_admin_queue *aq = &edev->aq;
	unsigned long timeout = usecs_to_jiffies(aq->timeout_us);
	unsigned long deadline = jiffies + timeout;

	if (!test_bit(EFA_COM_AQ_POLLING, &aq->state)) {
		if (wait_for_completion_timeout(&ctx->done, timeout))
			return 0;
		if (!efa_com_poll_ctx(edev, ctx))
			goto no_completion;
		/* the device answered, the interrupt got lost: poll from now on */
		atomic64_inc(&aq->stats.no_completion);
		efa_com_set_admin_polling(edev, true);
		dev_err_ratelimited(edev->dmadev,
				    "admin command %s completed without its interrupt; polling for admin completions from now on\n",
				    efa_com_opcode_name(ctx->opcode));
		return 0;
	}

	for (;;) {
		if (efa_com_poll_ctx(edev, ctx))
			return 0;
		if (time_after(jiffies, deadline))
			break;
		msleep(aq->poll_interval_ms);
	}

no_completion:
	atomic64_inc(&aq->stats.no_completion);
	efa_com_admin_stop(edev);
	dev_err_ratelimited(edev->dmadev,
			    "admin command %s got no completion within %u ms; admin queue stopped\n",
			    efa_com_opcode_name(ctx->opcode),
			    aq->timeout_us / 1000);
	return -ETIME;
}

/* "GET_FEATURE(QUEUE_ATTR_2)" for feature commands, the opcode otherwise. */
static void efa_com_describe_cmd(const void *cmd, char *buf, size_t len)
{
	const struct efa_admin_get_feature_cmd *feat = cmd;
	u8 opcode = feat->aq_common_descriptor.opcode;

	BUILD_BUG_ON(offsetof(struct efa_admin_get_feature_cmd, feature_common) !=
		     offsetof(struct efa_admin_set_feature_cmd, feature_common));
	if (opcode == EFA_ADMIN_GET_FEATURE || opcode == EFA_ADMIN_SET_FEATURE)
		snprintf(buf, len, "%s(%s)", efa_com_opcode_name(opcode),
			 efa_com_feature_name(feat->feature_common.feature_id));
	else
		snprintf(buf, len, "%s", efa_com_opcode_name(opcode));
}

/*
 * Submit one admin command and wait for its completion, which is copied to
 * comp (comp_size bytes, at least the common descriptor).  Returns 0 or
 * the errno the device's status maps to; every failure is logged here,
 * once, so callers only pass the errno on.
 */
int efa_com_cmd_exec(struct efa_com_dev *edev, const void *cmd,
		     size_t cmd_size, void *comp, size_t comp_size)
{
	struct efa_com_admin_queue *aq = &edev->aq;
	struct efa_admin_acq_common_desc *status_desc = comp;
	struct efa_com_cmd_ctx *ctx;
	char what[40];
	int err;

	might_sleep();
	down(&aq->slots);
	ctx = efa_com_submit(edev, cmd, cmd_size, comp, comp_size);
	if (IS_ERR(ctx)) {
		up(&aq->slots);
		atomic64_inc(&aq->stats.failed);
		efa_com_describe_cmd(cmd, what, sizeof(what));
		dev_err_ratelimited(edev->dmadev,
				    "admin command %s not submitted: admin queue stopped\n",
				    what);
		return PTR_ERR(ctx);
	}

	err = efa_com_wait(edev, ctx);
	efa_com_release(aq, ctx);
	up(&aq->slots);
	if (err) {
		atomic64_inc(&aq->stats.failed);
		return err;
	}

	err = efa_com_status_to_errno(status_desc->status);
	if (err) {
		atomic64_inc(&aq->stats.failed);
		efa_com_describe_cmd(cmd, what, sizeof(what));
		dev_err_ratelimited(edev->dmadev,
				    "admin command %s failed: device status %s (%u), errno %d\n",
				    what, efa_com_status_name(status_desc->status),
				    status_desc->status, err);
	}
	return err;
}

/* ---- asynchronous event notification queue ----------------------------- */

/* From the management interrupt only, which serialises it. */
void efa_com_aenq_intr(struct efa_com_dev *edev)
{
	struct efa_com_aenq *aenq = &edev->aenq;
	u16 mask = aenq->depth - 1;
	unsigned int processed = 0;

	for (;;) {
		struct efa_admin_aenq_entry *e = &aenq->entries[aenq->cc & mask];
		efa_com_aenq_handler handler = aenq->unhandled;
		u16 group;

		if ((READ_ONCE(e->aenq_common_desc.flags) &
		     EFA_ADMIN_AENQ_COMMON_DESC_PHASE_MASK) != aenq->phase)
			break;
		dma_rmb();

		group = le16_to_cpu(e->aenq_common_desc.group);
		if (group < EFA_ADMIN_AENQ_GROUPS_NUM && aenq->handlers[group])
			handler = aenq->handlers[group];
		handler(aenq->data, e);

		aenq->cc++;
		processed++;
		if (!(aenq->cc & mask))
			aenq->phase ^= 1;
	}

	/* give the consumed entries back to the device */
	if (processed)
		writel(aenq->cc, edev->reg_bar + EFA_REGS_AENQ_CONS_DB_OFF);
}

/* ---- completion event queues --------------------------------------------- */

/*
 * An EQ is composed above this file: the caller allocates the ring here,
 * has the device create the queue over it (CREATE_EQ of efa_com_cmd.c) and
 * then starts consuming it.  Nothing here issues admin commands of its own.
 */
int efa_com_eq_ring_alloc(struct efa_com_dev *edev, struct efa_com_eq *eq,
			  u16 depth)
{
	eq->eqes = dma_alloc_coherent(edev->dmadev, depth * sizeof(*eq->eqes),
				      &eq->dma, GFP_KERNEL);
	if (!eq->eqes)
		return -ENOMEM;
	eq->edev = edev;
	eq->depth = depth;
	return 0;
}

void efa_com_eq_ring_free(struct efa_com_eq *eq)
{
	dma_free_coherent(eq->edev->dmadev, eq->depth * sizeof(*eq->eqes),
			  eq->eqes, eq->dma);
	eq->eqes = NULL;
}

/* The device has accepted the ring as EQ eqn, interrupting on msix_vec. */
void efa_com_eq_start(struct efa_com_eq *eq, u16 eqn, u8 msix_vec,
		      efa_com_eqe_handler handler)
{
	eq->eqn = eqn;
	eq->msix_vec = msix_vec;
	eq->cc = 0;
	eq->phase = 1;
	eq->handler = handler;
}

/* Ask for one interrupt on the EQ's vector when an event arrives. */
void efa_com_eq_arm(struct efa_com_dev *edev, struct efa_com_eq *eq)
{
	writel(FIELD_PREP(EFA_REGS_EQ_DB_EQN_MASK, eq->eqn) |
	       EFA_REGS_EQ_DB_ARM_MASK,
	       edev->reg_bar + EFA_REGS_EQ_DB_OFF);
}

/* From the EQ's interrupt: hand over every new event, then re-arm. */
void efa_com_eq_intr(struct efa_com_eq *eq)
{
	u16 mask = eq->depth - 1;

	for (;;) {
		struct efa_admin_eqe *eqe = &eq->eqes[eq->cc & mask];

		if ((le32_to_cpu(READ_ONCE(eqe->common)) &
		     EFA_ADMIN_EQE_PHASE_MASK) != eq->phase)
			break;
		dma_rmb();

		eq->handler(eq, eqe);

		eq->cc++;
		if (!(eq->cc & mask))
			eq->phase ^= 1;
	}
	efa_com_eq_arm(eq->edev, eq);
}
