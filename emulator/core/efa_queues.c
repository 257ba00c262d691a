// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Ring mechanics of the admin queue (AQ, read by the device), the admin
 * completion queue (ACQ, written by it) and the asynchronous event
 * notification queue (AENQ).  Every ring starts at phase 1 and flips the
 * phase on each wrap; the device writes an entry's phase byte last.
 */
#include <string.h>

#include "efa_core_priv.h"

void efa_queues_reset(struct efa_core *core)
{
	core->aq_cc = 0;
	core->acq_pc = 0;
	core->aenq_pc = 0;
}

/* A ring the device reads or writes in guest memory. */
struct efa_ring {
	uint64_t base;
	uint32_t depth;		/* entries, a power of two; 0 = not set up */
	uint32_t entry_size;
	uint8_t msix_vector;
};

static bool efa_ring_from_regs(struct efa_ring *ring, uint32_t lo, uint32_t hi,
			uint32_t caps, uint32_t depth_mask,
			uint32_t entry_size_mask, uint32_t msix_mask)
{
	ring->base = ((uint64_t)hi << 32) | lo;
	ring->depth = EFA_HW_FIELD_GET(depth_mask, caps);
	ring->entry_size = EFA_HW_FIELD_GET(entry_size_mask, caps);
	ring->msix_vector = msix_mask ? EFA_HW_FIELD_GET(msix_mask, caps) : 0;
	return ring->base && ring->depth && !(ring->depth & (ring->depth - 1));
}

/* Phase of the lap a free-running counter is on: 1 on the first lap. */
static uint8_t lap_phase(uint32_t counter, uint32_t depth)
{
	return !((counter / depth) & 1);
}

static void notify(struct efa_core *core, uint8_t vector)
{
	if (vector >= core->cfg.msix_vectors) {
		efa_core_error(core, "interrupt on MSI-X vector %u beyond %u vectors",
			       vector, core->cfg.msix_vectors);
		return;
	}
	core->ops->msix_notify(core->opaque, vector);
}

/* A device that cannot reach its own queues stops and says so. */
static void fatal(struct efa_core *core, const char *what, uint64_t addr)
{
	efa_core_error(core, "%s at %#llx unreachable: device in fatal error",
		       what, (unsigned long long)addr);
	core->dev_sts |= EFA_REGS_DEV_STS_FATAL_ERROR_MASK;
}

/*
 * Write an entry to a ring slot in two steps, the first eight bytes last:
 * they hold the phase bit in both ACQ and AENQ entries, and a polling driver
 * must not see the new phase before the rest of the entry.
 */
static int write_entry(struct efa_core *core, uint64_t addr, const void *entry,
		       size_t size)
{
	if (core->ops->dma_write(core->opaque, addr + 8,
				 (const uint8_t *)entry + 8, size - 8))
		return -1;
	return core->ops->dma_write(core->opaque, addr, entry, 8);
}

static void complete(struct efa_core *core, const struct efa_ring *acq,
		     struct efa_admin_acq_entry *resp)
{
	uint64_t addr = acq->base + (uint64_t)(core->acq_pc & (acq->depth - 1)) *
					     sizeof(*resp);

	resp->acq_common_descriptor.flags =
		lap_phase(core->acq_pc, acq->depth) &
		EFA_ADMIN_ACQ_COMMON_DESC_PHASE_MASK;
	if (write_entry(core, addr, resp, sizeof(*resp))) {
		fatal(core, "admin completion queue entry", addr);
		return;
	}
	core->acq_pc++;
	if (!(core->intr_mask & EFA_REGS_INTR_MASK_EN_MASK))
		notify(core, acq->msix_vector);
}

void efa_aq_doorbell(struct efa_core *core, uint16_t producer)
{
	struct efa_ring aq, acq;

	if (core->dev_sts & EFA_REGS_DEV_STS_FATAL_ERROR_MASK)
		return;
	if (!efa_ring_from_regs(&aq, core->aq_base_lo, core->aq_base_hi,
				core->aq_caps, EFA_REGS_AQ_CAPS_AQ_DEPTH_MASK,
				EFA_REGS_AQ_CAPS_AQ_ENTRY_SIZE_MASK, 0) ||
	    aq.entry_size != sizeof(struct efa_admin_aq_entry)) {
		efa_core_error(core, "AQ doorbell with no valid admin queue set up (base %#llx caps %#x)",
			       (unsigned long long)aq.base, core->aq_caps);
		return;
	}
	if (!efa_ring_from_regs(&acq, core->acq_base_lo, core->acq_base_hi,
				core->acq_caps, EFA_REGS_ACQ_CAPS_ACQ_DEPTH_MASK,
				EFA_REGS_ACQ_CAPS_ACQ_ENTRY_SIZE_MASK,
				EFA_REGS_ACQ_CAPS_ACQ_MSIX_VECTOR_MASK) ||
	    acq.entry_size != sizeof(struct efa_admin_acq_entry)) {
		efa_core_error(core, "AQ doorbell with no valid completion queue set up (base %#llx caps %#x)",
			       (unsigned long long)acq.base, core->acq_caps);
		return;
	}
	if ((uint16_t)(producer - core->aq_cc) > aq.depth) {
		efa_core_error(core, "AQ doorbell %u is more than %u entries ahead of %u",
			       producer, aq.depth, core->aq_cc);
		return;
	}

	while (core->aq_cc != producer) {
		uint64_t addr = aq.base + (uint64_t)(core->aq_cc & (aq.depth - 1)) *
						  sizeof(struct efa_admin_aq_entry);
		struct efa_admin_aq_entry cmd;
		struct efa_admin_acq_entry resp;
		uint8_t phase;

		if (core->ops->dma_read(core->opaque, addr, &cmd, sizeof(cmd))) {
			fatal(core, "admin queue entry", addr);
			return;
		}
		memset(&resp, 0, sizeof(resp));
		phase = cmd.aq_common_descriptor.flags &
			EFA_ADMIN_AQ_COMMON_DESC_PHASE_MASK;
		if (phase != lap_phase(core->aq_cc, aq.depth)) {
			efa_core_error(core, "AQ entry %u has phase %u, expected %u",
				       core->aq_cc, phase,
				       lap_phase(core->aq_cc, aq.depth));
			resp.acq_common_descriptor.status = EFA_ADMIN_MALFORMED_REQUEST;
		} else {
			resp.acq_common_descriptor.status =
				efa_admin_execute(core, &cmd, &resp);
		}
		core->aq_cc++;
		resp.acq_common_descriptor.command = efa_hw_cpu_to_le16(
			efa_hw_le16_to_cpu(cmd.aq_common_descriptor.command_id) &
			EFA_ADMIN_AQ_COMMON_DESC_COMMAND_ID_MASK);
		resp.acq_common_descriptor.sq_head_indx =
			efa_hw_cpu_to_le16(core->aq_cc & (aq.depth - 1));
		if (core->ops->admin_done)
			core->ops->admin_done(core->opaque, &cmd, &resp);
		complete(core, &acq, &resp);
		if (core->dev_sts & EFA_REGS_DEV_STS_FATAL_ERROR_MASK)
			return;
	}
}

void efa_aenq_post(struct efa_core *core, uint16_t group, uint16_t syndrome)
{
	struct efa_admin_aenq_entry entry;
	struct efa_ring aenq;
	uint64_t now, addr;

	if (!efa_ring_from_regs(&aenq, core->aenq_base_lo, core->aenq_base_hi,
				core->aenq_caps, EFA_REGS_AENQ_CAPS_AENQ_DEPTH_MASK,
				EFA_REGS_AENQ_CAPS_AENQ_ENTRY_SIZE_MASK,
				EFA_REGS_AENQ_CAPS_AENQ_MSIX_VECTOR_MASK) ||
	    aenq.entry_size != sizeof(entry))
		return;
	/* a full queue drops the event, as a device cannot wait */
	if (core->aenq_pc - core->aenq_cons_db >= aenq.depth)
		return;

	now = core->ops->now_ns ? core->ops->now_ns(core->opaque) : 0;
	memset(&entry, 0, sizeof(entry));
	entry.aenq_common_desc.group = efa_hw_cpu_to_le16(group);
	entry.aenq_common_desc.syndrom = efa_hw_cpu_to_le16(syndrome);
	entry.aenq_common_desc.timestamp_low = efa_hw_cpu_to_le32((uint32_t)now);
	entry.aenq_common_desc.timestamp_high = efa_hw_cpu_to_le32((uint32_t)(now >> 32));
	entry.aenq_common_desc.flags = lap_phase(core->aenq_pc, aenq.depth) &
				       EFA_ADMIN_AENQ_COMMON_DESC_PHASE_MASK;

	addr = aenq.base + (uint64_t)(core->aenq_pc & (aenq.depth - 1)) * sizeof(entry);
	if (write_entry(core, addr, &entry, sizeof(entry))) {
		fatal(core, "AENQ entry", addr);
		return;
	}
	core->aenq_pc++;
	notify(core, aenq.msix_vector);
}
