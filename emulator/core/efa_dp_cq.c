// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Completions.  A CQ is num_sub_cqs rings of depth entries, one after the
 * other; a QP's send and receive completions go to the sub-CQs CREATE_QP
 * gave it.  Every ring starts at phase 1 and flips it on each wrap; the
 * entry's first dword (request id, status, flags with the phase) is
 * written after the rest, so a consumer that sees the phase sees the
 * entry.
 *
 * Events: the CQ doorbell carries the consumer index (all sub-CQs
 * together) and, to ask for an event, arm with the command sequence
 * number.  The first CQE on an armed CQ writes one completion EQE (its
 * cqn) to the CQ's EQ and disarms the CQ; the EQ's MSI-X vector fires if
 * the EQ is armed (EQ_DB), which the driver does after each interrupt.
 *
 * Overflow: the device cannot wait for a consumer.  When the CQ has a
 * doorbell and its consumer index proves a sub-CQ full (cq_full), the CQE
 * is dropped (reported once per episode); without that knowledge the ring
 * is written round and round.
 */
#include <string.h>

#include "efa_core_priv.h"

static uint8_t lap_phase(uint32_t counter, uint32_t depth)
{
	return !((counter / depth) & 1);
}

static void post_eqe(struct efa_core *core, uint16_t cqn, struct efa_cq *cq)
{
	struct efa_eq *eq;
	struct efa_admin_eqe eqe;
	uint64_t addr;
	uint32_t common = 0;

	if (!efa_id_valid(core, EFA_OBJ_EQ, cq->eqn))
		return;
	eq = &core->eqs[cq->eqn];
	memset(&eqe, 0, sizeof(eqe));
	eqe.u.comp_event.cqn = efa_hw_cpu_to_le16(cqn);
	common = EFA_HW_FIELD_PREP(EFA_ADMIN_EQE_EVENT_TYPE_MASK,
				   EFA_ADMIN_EQE_EVENT_TYPE_COMPLETION) |
		 EFA_HW_FIELD_PREP(EFA_ADMIN_EQE_PHASE_MASK, lap_phase(eq->pc, eq->depth));
	eqe.common = efa_hw_cpu_to_le32(common);
	addr = eq->ba + (uint64_t)(eq->pc % eq->depth) * sizeof(eqe);
	if (efa_dma_write(core, addr + 4, (uint8_t *)&eqe + 4, sizeof(eqe) - 4) ||
	    efa_dma_write(core, addr, &eqe, 4)) {
		efa_core_error(core, "EQ %u ring at %#llx unreachable", cq->eqn,
			       (unsigned long long)addr);
		return;
	}
	eq->pc++;
	efa_dp_trace(core, EFA_TRACE_EQE, cq->eqn, cq->eqn, eq->msix_vec);
	if (eq->armed) {
		eq->armed = false;
		core->ops->msix_notify(core->opaque, eq->msix_vec);
	}
}

/*
 * Whether sub-CQ sub is certainly full.  The doorbell gives the consumer
 * index of all sub-CQs together, so the sub-CQ's own consumption is at
 * most that: its CQEs written minus all CQEs consumed is a lower bound of
 * what it holds unconsumed.  Never a false alarm; an overflow the bound
 * cannot see overwrites the oldest entries.
 */
static bool cq_full(struct efa_core *core, uint16_t cqn, struct efa_cq *cq, uint32_t sub_pc)
{
	uint16_t cc = (uint16_t)EFA_HW_FIELD_GET(EFA_IO_REGS_CQ_DB_CONSUMER_INDEX_MASK, cq->db);
	/* the consumer index, widened: never more than 2^16 behind */
	uint32_t consumed = cq->produced - (uint16_t)(cq->produced - cc);

	if (!cq->db_seen || (int32_t)(sub_pc - consumed) < (int32_t)cq->ring.depth) {
		cq->overflowed = false;
		return false;
	}
	if (!cq->overflowed)
		efa_core_error(core, "CQ %u overflows: a sub-CQ of %u entries is full; completions dropped",
			       cqn, cq->ring.depth);
	cq->overflowed = true;
	return true;
}

void efa_cq_post(struct efa_core *core, uint16_t cqn, uint16_t sub_cq,
		 const struct efa_cqe_info *info)
{
	struct efa_cq *cq = &core->cqs[cqn];
	uint8_t entry[sizeof(struct efa_io_rx_cdesc_ex)];
	struct efa_io_cdesc_common *common = (void *)entry;
	uint32_t *pc;
	uint64_t off;
	uint8_t flags = 0;

	if (!efa_id_valid(core, EFA_OBJ_CQ, cqn) || sub_cq >= cq->num_sub_cqs)
		return;
	pc = &core->cq_sub_pc[(uint32_t)cqn * core->cfg.sub_cqs_per_cq + sub_cq];
	if (cq_full(core, cqn, cq, *pc))
		return;
	memset(entry, 0, sizeof(entry));
	common->req_id = efa_hw_cpu_to_le16((uint16_t)info->req_id);
	common->status = info->status;
	common->qp_num = efa_hw_cpu_to_le16(info->qpn);
	flags = EFA_HW_FIELD_PREP(EFA_IO_CDESC_COMMON_PHASE_MASK,
				  lap_phase(*pc, cq->ring.depth)) |
		EFA_HW_FIELD_PREP(EFA_IO_CDESC_COMMON_Q_TYPE_MASK, info->q_type) |
		EFA_HW_FIELD_PREP(EFA_IO_CDESC_COMMON_HAS_IMM_MASK, info->has_imm) |
		EFA_HW_FIELD_PREP(EFA_IO_CDESC_COMMON_OP_TYPE_MASK, info->op) |
		EFA_HW_FIELD_PREP(EFA_IO_CDESC_COMMON_UNSOLICITED_MASK, info->unsolicited);
	common->flags = flags;
	if (info->q_type == EFA_IO_SEND_QUEUE) {
		struct efa_io_tx_cdesc *tx = (void *)entry;
		int i;

		for (i = 0; i < 3; i++)
			tx->req_id_ex.w[i] = efa_hw_cpu_to_le16((uint16_t)(info->req_id >> (16 * (i + 1))));
	} else {
		struct efa_io_rx_cdesc_ex *rx = (void *)entry;

		rx->base.length = efa_hw_cpu_to_le16((uint16_t)info->length);
		rx->base.ah = efa_hw_cpu_to_le16(info->ah);
		rx->base.src_qp_num = efa_hw_cpu_to_le16(info->src_qpn);
		rx->base.imm = efa_hw_cpu_to_le32(info->imm);
		/* length_hi and src_addr share the extension: RDMA write first */
		if (info->op == EFA_IO_RDMA_WRITE)
			rx->u.rdma_write.length_hi =
				efa_hw_cpu_to_le16((uint16_t)(info->length >> 16));
		else if (info->ah == EFA_IO_RX_CDESC_NO_AH && cq->set_src_addr &&
			 info->src_addr)
			memcpy(rx->u.src_addr, info->src_addr, sizeof(rx->u.src_addr));
	}
	off = ((uint64_t)sub_cq * cq->ring.depth + (*pc % cq->ring.depth)) * cq->entry_size;
	if (efa_ring_write(core, &cq->ring, off + 4, entry + 4, cq->entry_size - 4) ||
	    efa_ring_write(core, &cq->ring, off, entry, 4)) {
		efa_core_error(core, "CQ %u entry at offset %#llx unreachable", cqn,
			       (unsigned long long)off);
		return;
	}
	(*pc)++;
	cq->produced++;
	efa_dp_trace(core, EFA_TRACE_CQE, cqn, (uint32_t)info->status << 8 | info->q_type,
		     info->req_id);
	if (cq->armed) {
		cq->armed = false;
		post_eqe(core, cqn, cq);
	}
}

void efa_cq_doorbell(struct efa_core *core, uint32_t cqn, uint32_t val)
{
	struct efa_cq *cq = &core->cqs[cqn];

	efa_dp_trace(core, EFA_TRACE_CQ_DB, cqn, val, 0);
	cq->db = val;
	cq->db_seen = true;
	/* arm=0 only moves the consumer index; it never disarms */
	if (!(val & EFA_IO_REGS_CQ_DB_ARM_MASK) || !cq->interrupts)
		return;
	/*
	 * Arming with CQEs the host has not consumed yet (they landed after
	 * its last poll) announces them at once: waiting for the next CQE
	 * would leave a waiter asleep on completions already there.
	 */
	if ((uint16_t)cq->produced !=
	    EFA_HW_FIELD_GET(EFA_IO_REGS_CQ_DB_CONSUMER_INDEX_MASK, val))
		post_eqe(core, cqn, cq);
	else
		cq->armed = true;
}
