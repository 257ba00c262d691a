// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Completion queues.  The provider asks for sub_cqs_per_cq sub-CQs of
 * 32-byte entries (room for the sender's GID), the kernel allocates the
 * rings and answers with where to map them and the doorbell.  Polling
 * reads CQEs (abi/hw/efa_hw_io.h) straight from the rings: the device
 * writes them with a phase bit that starts at 1 and flips per wrap; the
 * doorbell tells it what was consumed, and arms the CQ for an event.
 * Each CQ has one lock, held by a poll (start_poll to end_poll).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <util/compiler.h>
#include <util/mmio.h>
#include <util/udma_barrier.h>
#include <util/util.h>

#include "efa.h"

/* Every CQ gets the extended entry: it has room for the source address. */
#define EFA_CQ_ENTRY_SIZE sizeof(struct efa_io_rx_cdesc_ex)

/* ---------------------------------------- CQEs */

/*
 * The next new CQE of a sub-CQ, or NULL.  The device writes a CQE whole
 * and its phase last in effect: nothing else of it is read before the
 * phase says it is new.
 */
static const struct efa_io_cdesc_common *efa_sub_cq_next(struct efa_sub_cq *sub)
{
	const struct efa_io_cdesc_common *cqe = (const void *)
		(sub->ring + (size_t)(sub->consumed & sub->mask) * sub->entry_size);

	if (EFA_GET(&cqe->flags, EFA_IO_CDESC_COMMON_PHASE) != sub->phase)
		return NULL;
	udma_from_device_barrier();
	sub->consumed++;
	if (!(sub->consumed & sub->mask))
		sub->phase ^= 1;
	return cqe;
}

static bool efa_cqe_is_send(const struct efa_io_cdesc_common *cqe)
{
	return EFA_GET(&cqe->flags, EFA_IO_CDESC_COMMON_Q_TYPE) == EFA_IO_SEND_QUEUE;
}

static bool efa_cqe_is_unsolicited(const struct efa_io_cdesc_common *cqe)
{
	return EFA_GET(&cqe->flags, EFA_IO_CDESC_COMMON_UNSOLICITED);
}

static const struct efa_io_rx_cdesc_ex *efa_rx_cqe(const struct efa_io_cdesc_common *cqe)
{
	return container_of(cqe, const struct efa_io_rx_cdesc_ex, base.common);
}

/*
 * The device's completion status as a verbs one; the device's own is the
 * vendor error.  Same classes as rdma-core's provider.
 */
static enum ibv_wc_status efa_wc_status(uint8_t status)
{
	switch (status) {
	case EFA_IO_COMP_STATUS_OK:
		return IBV_WC_SUCCESS;
	case EFA_IO_COMP_STATUS_FLUSHED:
		return IBV_WC_WR_FLUSH_ERR;
	case EFA_IO_COMP_STATUS_LOCAL_ERROR_QP_INTERNAL_ERROR:
	case EFA_IO_COMP_STATUS_LOCAL_ERROR_UNSUPPORTED_OP:
	case EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_AH:
		return IBV_WC_LOC_QP_OP_ERR;
	case EFA_IO_COMP_STATUS_LOCAL_ERROR_INVALID_LKEY:
		return IBV_WC_LOC_PROT_ERR;
	case EFA_IO_COMP_STATUS_LOCAL_ERROR_BAD_LENGTH:
		return IBV_WC_LOC_LEN_ERR;
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_ADDRESS:
		return IBV_WC_REM_ACCESS_ERR;
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_ABORT:
		return IBV_WC_REM_ABORT_ERR;
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_DEST_QPN:
		return IBV_WC_REM_INV_RD_REQ_ERR;
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_RNR:
		return IBV_WC_RNR_RETRY_EXC_ERR;
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_LENGTH:
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_FEATURE_MISMATCH:
		return IBV_WC_REM_INV_REQ_ERR;
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_STATUS:
		return IBV_WC_BAD_RESP_ERR;
	case EFA_IO_COMP_STATUS_LOCAL_ERROR_UNRESP_REMOTE:
	case EFA_IO_COMP_STATUS_LOCAL_ERROR_UNREACH_REMOTE:
		return IBV_WC_RESP_TIMEOUT_ERR;
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_UNKNOWN_PEER:
		return IBV_WC_REM_OP_ERR;
	default:
		return IBV_WC_GENERAL_ERR;
	}
}

/*
 * An RDMA read completes as IBV_WC_SEND, as with rdma-core's efa provider
 * (44 and 56.1 alike): libfabric 1.17 takes any other opcode from the send
 * queue for an unknown completion, drops it and never finishes the read
 * behind its long-message protocol.
 */
static enum ibv_wc_opcode efa_wc_opcode(const struct efa_io_cdesc_common *cqe)
{
	uint8_t op = EFA_GET(&cqe->flags, EFA_IO_CDESC_COMMON_OP_TYPE);

	if (efa_cqe_is_send(cqe))
		return op == EFA_IO_RDMA_WRITE ? IBV_WC_RDMA_WRITE : IBV_WC_SEND;
	return op == EFA_IO_RDMA_WRITE ? IBV_WC_RECV_RDMA_WITH_IMM : IBV_WC_RECV;
}

/* Bytes received; an RDMA write's length has 16 more bits in length_hi. */
static uint32_t efa_wc_byte_len(const struct efa_io_cdesc_common *cqe)
{
	const struct efa_io_rx_cdesc_ex *rx = efa_rx_cqe(cqe);
	uint32_t len;

	if (efa_cqe_is_send(cqe))
		return 0;
	len = efa_hw_load(&rx->base.length);
	if (EFA_GET(&cqe->flags, EFA_IO_CDESC_COMMON_OP_TYPE) == EFA_IO_RDMA_WRITE)
		len |= (uint32_t)efa_hw_load(&rx->u.rdma_write.length_hi) << 16;
	return len;
}

static unsigned int efa_wc_flags(const struct efa_io_cdesc_common *cqe)
{
	return EFA_GET(&cqe->flags, EFA_IO_CDESC_COMMON_HAS_IMM) ? IBV_WC_WITH_IMM : 0;
}

static __be32 efa_wc_imm(const struct efa_io_cdesc_common *cqe)
{
	return htobe32(efa_hw_load(&efa_rx_cqe(cqe)->base.imm));
}

static uint64_t efa_cqe_req_id_64(const struct efa_io_cdesc_common *cqe)
{
	const struct efa_io_tx_cdesc *tx =
		container_of(cqe, const struct efa_io_tx_cdesc, common);

	return (uint64_t)efa_hw_load(&cqe->req_id) |
	       (uint64_t)efa_hw_load(&tx->req_id_ex.w[0]) << 16 |
	       (uint64_t)efa_hw_load(&tx->req_id_ex.w[1]) << 32 |
	       (uint64_t)efa_hw_load(&tx->req_id_ex.w[2]) << 48;
}

/*
 * Take the next CQE of the CQ, the sub-CQs in turn so none starves, and
 * find its work request: cur_cqe, cur_wq (NULL for an unsolicited write,
 * which consumed no receive) and *wr_id.  0, ENOENT when there is none, or
 * EINVAL for a CQE naming no QP of ours or an earlier QP of its number
 * (consumed all the same).  The work request is completed at once: the
 * wr_id is read, and the CQE stays in the ring until the doorbell says
 * it was consumed.
 */
static inline ALWAYS_INLINE int efa_cq_take(struct efa_cq *cq, uint64_t *wr_id,
				     bool rid64)
{
	struct efa_context *ctx = to_efa_context(cq->verbs_cq.cq.context);
	const struct efa_io_cdesc_common *cqe = NULL;
	uint16_t i, req_id;
	struct efa_qp *qp;
	uint32_t qpn;

	for (i = 0; i < cq->num_polled && !cqe; i++) {
		cqe = efa_sub_cq_next(&cq->sub_cqs[cq->sub_cqs[cq->next_sub_cq].polled]);
		if (++cq->next_sub_cq == cq->num_polled)
			cq->next_sub_cq = 0;
	}
	cq->cur_cqe = cqe;
	cq->cur_wq = NULL;
	if (!cqe)
		return ENOENT;
	cq->cc++;

	qpn = efa_hw_load(&cqe->qp_num);
	req_id = efa_hw_load(&cqe->req_id);
	/* QPs leave the table only under this CQ's lock, which we hold */
	qp = ctx->qp_table[qpn & ctx->qp_table_mask];
	if (unlikely(!qp || qp->verbs_qp.qp.qp_num != qpn))
		goto bad;
	if (efa_cqe_is_send(cqe)) {
		if (rid64) {
			*wr_id = efa_cqe_req_id_64(cqe);
			efa_wq_complete_unslotted(&qp->sq);
			cq->cur_wq = &qp->sq;
			return 0;
		}
		cq->cur_wq = &qp->sq;
	} else if (efa_cqe_is_unsolicited(cqe)) {
		*wr_id = 0;
		return 0;
	} else {
		cq->cur_wq = &qp->rq;
	}
	if (unlikely(!efa_wq_req_id_is_current(cq->cur_wq, req_id)))
		goto bad;
	*wr_id = efa_wq_wr_id(cq->cur_wq, req_id);
	efa_wq_complete(cq->cur_wq, req_id);
	return 0;

bad:
	verbs_err(&ctx->ibvctx,
		  "CQ %u: a completion for QP %u request %#x, which is not ours\n",
		  cq->cqn, qpn, req_id);
	cq->cur_wq = NULL;
	return EINVAL;
}

/* The consumer index (and the arm sequence) to the device. */
static void efa_cq_doorbell(struct efa_cq *cq, uint32_t *db, bool arm)
{
	uint32_t val = (uint32_t)
		(EFA_HW_FIELD_PREP(EFA_IO_REGS_CQ_DB_CONSUMER_INDEX_MASK, cq->cc) |
		 EFA_HW_FIELD_PREP(EFA_IO_REGS_CQ_DB_CMD_SN_MASK, cq->cmd_sn) |
		 EFA_HW_FIELD_PREP(EFA_IO_REGS_CQ_DB_ARM_MASK, arm));

	mmio_write32(db, val);
}

/* ---------------------------------------- ibv_poll_cq */

static void efa_wc_fill(struct ibv_wc *wc, const struct efa_io_cdesc_common *cqe,
			uint64_t wr_id)
{
	const struct efa_io_rx_cdesc_ex *rx = efa_rx_cqe(cqe);
	uint8_t status = cqe->status;

	memset(wc, 0, sizeof(*wc));
	wc->wr_id = wr_id;
	wc->status = efa_wc_status(status);
	wc->vendor_err = status;
	wc->opcode = efa_wc_opcode(cqe);
	wc->qp_num = efa_hw_load(&cqe->qp_num);
	if (efa_cqe_is_send(cqe))
		return;
	wc->byte_len = efa_wc_byte_len(cqe);
	wc->wc_flags = efa_wc_flags(cqe);
	if (wc->wc_flags & IBV_WC_WITH_IMM)
		wc->imm_data = efa_wc_imm(cqe);
	wc->src_qp = efa_hw_load(&rx->base.src_qp_num);
	/* EFA has no LIDs: the sender's address handle stands in */
	wc->slid = efa_hw_load(&rx->base.ah);
}

static inline ALWAYS_INLINE int efa_poll_any(struct efa_cq *cq, int nwc,
				      struct ibv_wc *wc, bool rid64)
{
	int n, err = 0;

	pthread_spin_lock(&cq->lock);
	for (n = 0; n < nwc; n++) {
		uint64_t wr_id = 0;

		err = efa_cq_take(cq, &wr_id, rid64);
		if (err)
			break;
		efa_wc_fill(&wc[n], cq->cur_cqe, wr_id);
	}
	if (n || err == EINVAL)
		efa_cq_doorbell(cq, cq->poll_db, false);
	pthread_spin_unlock(&cq->lock);
	if (n || err == ENOENT)
		return n;
	return -err;
}

static int efa_poll_rid16(struct efa_cq *cq, int nwc, struct ibv_wc *wc)
{
	return efa_poll_any(cq, nwc, wc, false);
}

static int efa_poll_rid64(struct efa_cq *cq, int nwc, struct ibv_wc *wc)
{
	return efa_poll_any(cq, nwc, wc, true);
}

int efa_poll_cq(struct ibv_cq *ibcq, int nwc, struct ibv_wc *wc)
{
	struct efa_cq *cq = to_efa_cq(ibcq);

	return cq->poll(cq, nwc, wc);
}

/* ---------------------------------------- the extended CQ */

static inline ALWAYS_INLINE int efa_cq_ex_next(struct efa_cq *cq, bool rid64)
{
	struct ibv_cq_ex *x = &cq->verbs_cq.cq_ex;
	uint64_t wr_id = 0;
	int err;

	err = efa_cq_take(cq, &wr_id, rid64);
	if (err)
		return err;
	x->wr_id = wr_id;
	x->status = efa_wc_status(cq->cur_cqe->status);
	return 0;
}

/* start_poll keeps the CQ locked until end_poll, unless nothing is there. */
static inline ALWAYS_INLINE int efa_start_poll_any(struct ibv_cq_ex *x,
					    struct ibv_poll_cq_attr *attr,
					    bool rid64)
{
	struct efa_cq *cq = to_efa_cq_ex(x);
	int err;

	if (unlikely(attr->comp_mask)) {
		verbs_err(verbs_get_ctx(x->context),
			  "start_poll: comp_mask %#x not supported\n",
			  attr->comp_mask);
		return EINVAL;
	}
	pthread_spin_lock(&cq->lock);
	err = efa_cq_ex_next(cq, rid64);
	if (err) {
		if (err == EINVAL)
			efa_cq_doorbell(cq, cq->poll_db, false);
		pthread_spin_unlock(&cq->lock);
	}
	return err;
}

static int efa_start_poll_rid16(struct ibv_cq_ex *x, struct ibv_poll_cq_attr *attr)
{
	return efa_start_poll_any(x, attr, false);
}

static int efa_start_poll_rid64(struct ibv_cq_ex *x, struct ibv_poll_cq_attr *attr)
{
	return efa_start_poll_any(x, attr, true);
}

static int efa_next_poll_rid16(struct ibv_cq_ex *x)
{
	return efa_cq_ex_next(to_efa_cq_ex(x), false);
}

static int efa_next_poll_rid64(struct ibv_cq_ex *x)
{
	return efa_cq_ex_next(to_efa_cq_ex(x), true);
}

/* Everything taken since start_poll is consumed: one doorbell for all. */
static void efa_end_poll(struct ibv_cq_ex *x)
{
	struct efa_cq *cq = to_efa_cq_ex(x);

	efa_cq_doorbell(cq, cq->poll_db, false);
	cq->cur_cqe = NULL;
	pthread_spin_unlock(&cq->lock);
}

/* The readers of the CQE start_poll/next_poll stopped at. */
static enum ibv_wc_opcode efa_read_opcode(struct ibv_cq_ex *x)
{
	return efa_wc_opcode(to_efa_cq_ex(x)->cur_cqe);
}

static uint32_t efa_read_vendor_err(struct ibv_cq_ex *x)
{
	return to_efa_cq_ex(x)->cur_cqe->status;
}

static unsigned int efa_read_wc_flags(struct ibv_cq_ex *x)
{
	return efa_wc_flags(to_efa_cq_ex(x)->cur_cqe);
}

static uint32_t efa_read_byte_len(struct ibv_cq_ex *x)
{
	return efa_wc_byte_len(to_efa_cq_ex(x)->cur_cqe);
}

static __be32 efa_read_imm_data(struct ibv_cq_ex *x)
{
	return efa_wc_imm(to_efa_cq_ex(x)->cur_cqe);
}

static uint32_t efa_read_qp_num(struct ibv_cq_ex *x)
{
	return efa_hw_load(&to_efa_cq_ex(x)->cur_cqe->qp_num);
}

static uint32_t efa_read_src_qp(struct ibv_cq_ex *x)
{
	return efa_hw_load(&efa_rx_cqe(to_efa_cq_ex(x)->cur_cqe)->base.src_qp_num);
}

static uint32_t efa_read_slid(struct ibv_cq_ex *x)
{
	return efa_hw_load(&efa_rx_cqe(to_efa_cq_ex(x)->cur_cqe)->base.ah);
}

/* EFA has neither service levels in completions nor path bits */
static uint8_t efa_read_zero_u8(struct ibv_cq_ex *x EFA_UNUSED)
{
	return 0;
}

/* The sender's GID, when the CQE carries it: the sender had no AH here. */
static int efa_read_sgid(struct efadv_cq *dv, union ibv_gid *sgid)
{
	struct efa_cq *cq = container_of(dv, struct efa_cq, dv_cq);
	const struct efa_io_rx_cdesc_ex *rx = efa_rx_cqe(cq->cur_cqe);

	if (efa_cqe_is_send(cq->cur_cqe) ||
	    efa_hw_load(&rx->base.ah) != EFA_IO_RX_CDESC_NO_AH)
		return -ENOENT;
	memcpy(sgid->raw, rx->u.src_addr, sizeof(sgid->raw));
	return 0;
}

static bool efa_read_is_unsolicited(struct efadv_cq *dv)
{
	struct efa_cq *cq = container_of(dv, struct efa_cq, dv_cq);

	return !efa_cqe_is_send(cq->cur_cqe) && efa_cqe_is_unsolicited(cq->cur_cqe);
}

/* ---------------------------------------- events */

/*
 * Ask for an event on the next completion: the doorbell with arm and the
 * sequence number of events seen, so the device tells a new request from
 * one it has answered.  EFA has no solicited-only events.
 */
int efa_req_notify_cq(struct ibv_cq *ibcq, int solicited_only)
{
	struct efa_cq *cq = to_efa_cq(ibcq);

	if (solicited_only || !cq->db)
		return EOPNOTSUPP;
	pthread_spin_lock(&cq->lock);
	efa_cq_doorbell(cq, cq->db, true);
	pthread_spin_unlock(&cq->lock);
	return 0;
}

/* ibv_get_cq_event handed out an event of this CQ. */
void efa_cq_event(struct ibv_cq *ibcq)
{
	struct efa_cq *cq = to_efa_cq(ibcq);

	pthread_spin_lock(&cq->lock);
	cq->cmd_sn++;
	pthread_spin_unlock(&cq->lock);
}

/* The polling functions and readers a CQ created with these flags offers. */
static void efa_cq_set_readers(struct efa_cq *cq, uint64_t wc_flags,
			       uint64_t efa_wc_flags, bool rid64)
{
	struct ibv_cq_ex *x = &cq->verbs_cq.cq_ex;

	cq->poll = rid64 ? efa_poll_rid64 : efa_poll_rid16;
	x->start_poll = rid64 ? efa_start_poll_rid64 : efa_start_poll_rid16;
	x->next_poll = rid64 ? efa_next_poll_rid64 : efa_next_poll_rid16;
	x->end_poll = efa_end_poll;
	x->read_opcode = efa_read_opcode;
	x->read_vendor_err = efa_read_vendor_err;
	x->read_wc_flags = efa_read_wc_flags;
	if (wc_flags & IBV_WC_EX_WITH_BYTE_LEN)
		x->read_byte_len = efa_read_byte_len;
	if (wc_flags & IBV_WC_EX_WITH_IMM)
		x->read_imm_data = efa_read_imm_data;
	if (wc_flags & IBV_WC_EX_WITH_QP_NUM)
		x->read_qp_num = efa_read_qp_num;
	if (wc_flags & IBV_WC_EX_WITH_SRC_QP)
		x->read_src_qp = efa_read_src_qp;
	if (wc_flags & IBV_WC_EX_WITH_SLID)
		x->read_slid = efa_read_slid;
	if (wc_flags & IBV_WC_EX_WITH_SL)
		x->read_sl = efa_read_zero_u8;
	if (wc_flags & IBV_WC_EX_WITH_DLID_PATH_BITS)
		x->read_dlid_path_bits = efa_read_zero_u8;
	cq->dv_cq.comp_mask = 0;
	if (efa_wc_flags & EFADV_WC_EX_WITH_SGID)
		cq->dv_cq.wc_read_sgid = efa_read_sgid;
	if (efa_wc_flags & EFADV_WC_EX_WITH_IS_UNSOLICITED)
		cq->dv_cq.wc_is_unsolicited = efa_read_is_unsolicited;
}

/*
 * The polling state of a CQ whose rings (ring, num_sub_cqs, sub_cq_entries,
 * entry_size) and doorbell are known.
 */
void efa_cq_init_data_path(struct efa_context *ctx, struct efa_cq *cq,
			   uint64_t wc_flags, uint64_t efa_wc_flags)
{
	uint16_t i;

	cq->poll_db = cq->db ? cq->db : &cq->db_sink;
	for (i = 0; i < cq->num_sub_cqs; i++) {
		struct efa_sub_cq *sub = &cq->sub_cqs[i];

		sub->ring = cq->ring + (size_t)i * cq->sub_cq_entries * cq->entry_size;
		sub->mask = cq->sub_cq_entries - 1;
		sub->entry_size = cq->entry_size;
		sub->phase = 1;
	}
	pthread_spin_init(&cq->lock, PTHREAD_PROCESS_PRIVATE);
	efa_cq_set_readers(cq, wc_flags, efa_wc_flags,
			   ctx->caps.device_caps & EFA_QUERY_DEVICE_CAPS_SQ_64_BIT_REQ_ID);
}

/*
 * A work queue of a QP starts (USERS 1) or stops (-1) completing to sub-CQ
 * IDX, under the CQ's lock: polls look only at sub-CQs that have users, as
 * rdma-core's provider does, so a QP's CQ costs one ring's read per empty
 * poll rather than one per sub-CQ.
 */
void efa_cq_count_sub_cq_user(struct efa_cq *cq, uint16_t idx, int users)
{
	/* the round robin goes on from the sub-CQ it was to look at next */
	uint16_t i, n = 0, next = cq->num_polled ?
		cq->sub_cqs[cq->next_sub_cq].polled : 0;

	cq->sub_cqs[idx].users += users;
	cq->next_sub_cq = 0;
	for (i = 0; i < cq->num_sub_cqs; i++) {
		if (!cq->sub_cqs[i].users)
			continue;
		if (i < next)
			cq->next_sub_cq = n + 1;
		cq->sub_cqs[n++].polled = i;
	}
	cq->num_polled = n;
	if (cq->next_sub_cq >= n)
		cq->next_sub_cq = 0;
}

/* ---------------------------------------- control path */

/* What the kernel answered, checked before anything is mapped. */
static int efa_cq_check_resp(struct efa_context *ctx, struct efa_cq *cq,
			     const struct efa_cmd_create_cq_resp *resp,
			     uint32_t requested)
{
	uint32_t entries = cq->verbs_cq.cq.cqe;
	uint64_t ring = (uint64_t)entries * cq->entry_size * cq->num_sub_cqs;
	int err;

	if (entries < requested || entries & (entries - 1)) {
		verbs_debug(&ctx->ibvctx,
			    "create_cq: the kernel gave %u entries per sub-CQ for %u asked; refused\n",
			    entries, requested);
		return EPROTO;
	}
	err = efa_check_mmap_key(ctx, "create_cq ring", resp->q_mmap_key,
				 resp->q_mmap_size);
	if (err)
		return err;
	if (resp->q_mmap_size < ring) {
		verbs_debug(&ctx->ibvctx,
			    "create_cq: ring of %llu bytes is short of %u sub-CQs of %u %u-byte entries; refused\n",
			    (unsigned long long)resp->q_mmap_size,
			    cq->num_sub_cqs, entries, cq->entry_size);
		return EPROTO;
	}
	if (resp->comp_mask & EFA_CREATE_CQ_RESP_DB_OFF) {
		err = efa_check_mmap_key(ctx, "create_cq doorbell",
					 resp->db_mmap_key, efa_page_size(ctx));
		if (!err)
			err = efa_check_db_offset(ctx, "create_cq doorbell",
						  resp->db_off);
	}
	return err;
}

static struct ibv_cq_ex *efa_cq_create(struct ibv_context *ibctx,
				       struct ibv_cq_init_attr_ex *attr,
				       uint64_t efa_wc_flags)
{
	struct efa_context *ctx = to_efa_context(ibctx);
	struct efa_cmd_create_cq_resp resp = {};
	struct efa_cmd_create_cq cmd = {};
	uint32_t requested;
	struct efa_cq *cq;
	int err;

	/*
	 * No CQ flags (single-threaded CQs): Debian's provider, the reference
	 * here, refuses them too.
	 */
	if (!check_comp_mask(attr->comp_mask, 0) ||
	    !check_comp_mask(attr->wc_flags, IBV_WC_STANDARD_FLAGS)) {
		verbs_err(&ctx->ibvctx,
			  "create_cq: comp_mask %#x or wc_flags %#llx not supported\n",
			  attr->comp_mask, (unsigned long long)attr->wc_flags);
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->channel &&
	    !(ctx->caps.device_caps & EFA_QUERY_DEVICE_CAPS_CQ_NOTIFICATIONS)) {
		verbs_err(&ctx->ibvctx,
			  "create_cq: the device has no completion events\n");
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->cqe == 0 || attr->cqe > INT32_MAX / 2) {
		errno = EINVAL;
		return NULL;
	}

	cq = calloc(1, sizeof(*cq) +
		    ctx->caps.sub_cqs_per_cq * sizeof(cq->sub_cqs[0]));
	if (!cq) {
		errno = ENOMEM;
		return NULL;
	}
	cq->num_sub_cqs = ctx->caps.sub_cqs_per_cq;
	cq->entry_size = EFA_CQ_ENTRY_SIZE;

	cmd.num_sub_cqs = cq->num_sub_cqs;
	cmd.cq_entry_size = cq->entry_size;
	if (attr->channel)
		cmd.flags |= EFA_CREATE_CQ_WITH_COMPLETION_CHANNEL;
	/* the send completions then carry all 64 bits of the request id */
	if (ctx->caps.device_caps & EFA_QUERY_DEVICE_CAPS_SQ_64_BIT_REQ_ID)
		cmd.flags |= EFA_CREATE_CQ_WITH_SQ_COMP_64_BIT_REQ_ID;
	if (efa_wc_flags & EFADV_WC_EX_WITH_SGID)
		cmd.flags |= EFA_CREATE_CQ_WITH_SGID;

	/* each sub-CQ a power of two, so its index wraps with a mask */
	requested = roundup_pow_of_two(attr->cqe);
	attr->cqe = requested;
	err = ibv_cmd_create_cq_ex(ibctx, attr, &cq->verbs_cq, &cmd.ibv_cmd,
				   sizeof(cmd), &resp.ibv_resp, sizeof(resp), 0);
	if (err) {
		verbs_err(&ctx->ibvctx, "create_cq: the kernel refused: %d\n", err);
		goto err_free;
	}

	err = efa_cq_check_resp(ctx, cq, &resp, requested);
	if (err)
		goto err_destroy;
	cq->cqn = resp.cq_idx;
	cq->sub_cq_entries = cq->verbs_cq.cq.cqe;
	cq->ring_size = resp.q_mmap_size;
	cq->ring = efa_mmap(ctx, "CQ ring", resp.q_mmap_key, cq->ring_size,
			    PROT_READ);
	if (!cq->ring) {
		err = errno;
		goto err_destroy;
	}
	if (resp.comp_mask & EFA_CREATE_CQ_RESP_DB_OFF) {
		cq->db_page = efa_mmap(ctx, "CQ doorbell", resp.db_mmap_key,
				       efa_page_size(ctx), PROT_WRITE);
		if (!cq->db_page) {
			err = errno;
			goto err_unmap;
		}
		cq->db = (uint32_t *)((uint8_t *)cq->db_page + resp.db_off);
	}
	efa_cq_init_data_path(ctx, cq, attr->wc_flags, efa_wc_flags);
	return &cq->verbs_cq.cq_ex;

err_unmap:
	efa_munmap(cq->ring, cq->ring_size);
err_destroy:
	ibv_cmd_destroy_cq(&cq->verbs_cq.cq);
err_free:
	free(cq);
	errno = err;
	return NULL;
}

struct ibv_cq *efa_create_cq(struct ibv_context *ibctx, int cqe,
			     struct ibv_comp_channel *channel, int vec)
{
	struct ibv_cq_init_attr_ex attr = {
		.cqe = cqe < 0 ? 0 : (uint32_t)cqe,
		.channel = channel,
		.comp_vector = vec,
	};
	struct ibv_cq_ex *cqx;

	cqx = efa_cq_create(ibctx, &attr, 0);
	return cqx ? ibv_cq_ex_to_cq(cqx) : NULL;
}

struct ibv_cq_ex *efa_create_cq_ex(struct ibv_context *ibctx,
				   struct ibv_cq_init_attr_ex *attr)
{
	return efa_cq_create(ibctx, attr, 0);
}

int efa_destroy_cq(struct ibv_cq *ibcq)
{
	struct efa_context *ctx = to_efa_context(ibcq->context);
	struct efa_cq *cq = to_efa_cq(ibcq);
	int err;

	err = ibv_cmd_destroy_cq(ibcq);
	if (err) {
		verbs_err(&ctx->ibvctx, "destroy_cq %u: %d\n", cq->cqn, err);
		return err;
	}
	efa_munmap(cq->db_page, efa_page_size(ctx));
	efa_munmap(cq->ring, cq->ring_size);
	pthread_spin_destroy(&cq->lock);
	free(cq);
	return 0;
}

/* ---------------------------------------- efadv */

struct ibv_cq_ex *efadv_create_cq(struct ibv_context *ibctx,
				  struct ibv_cq_init_attr_ex *attr,
				  struct efadv_cq_init_attr *efa_attr,
				  uint32_t inlen)
{
	struct efadv_cq_init_attr in = {};
	struct efa_context *ctx;
	uint64_t supported = 0;

	if (!ibctx || !efa_is_efa_device(ibctx->device)) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	ctx = to_efa_context(ibctx);
	if (efa_check_attr_len(efa_attr, inlen,
			       EFA_FIELD_END(struct efadv_cq_init_attr, wc_flags),
			       sizeof(in)) ||
	    efa_attr->comp_mask) {
		verbs_err(&ctx->ibvctx, "efadv_create_cq: inlen %u or comp_mask not understood\n",
			  inlen);
		errno = EINVAL;
		return NULL;
	}
	memcpy(&in, efa_attr, inlen < sizeof(in) ? inlen : sizeof(in));

	if (ctx->caps.device_caps & EFA_QUERY_DEVICE_CAPS_CQ_WITH_SGID)
		supported |= EFADV_WC_EX_WITH_SGID;
	if (ctx->caps.device_caps & EFA_QUERY_DEVICE_CAPS_UNSOLICITED_WRITE_RECV)
		supported |= EFADV_WC_EX_WITH_IS_UNSOLICITED;
	if (!check_comp_mask(in.wc_flags, supported)) {
		verbs_err(&ctx->ibvctx, "efadv_create_cq: wc_flags %#llx, supported %#llx\n",
			  (unsigned long long)in.wc_flags,
			  (unsigned long long)supported);
		errno = EOPNOTSUPP;
		return NULL;
	}
	/* CQ rings in application memory need a newer libibverbs' command */
	if (in.flags) {
		verbs_err(&ctx->ibvctx, "efadv_create_cq: flags %#llx not supported\n",
			  (unsigned long long)in.flags);
		errno = EOPNOTSUPP;
		return NULL;
	}
	return efa_cq_create(ibctx, attr, in.wc_flags);
}

struct efadv_cq *efadv_cq_from_ibv_cq_ex(struct ibv_cq_ex *ibcqx)
{
	if (!ibcqx || !efa_is_efa_device(ibcqx->context->device)) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	return &to_efa_cq_ex(ibcqx)->dv_cq;
}

int efadv_query_cq(struct ibv_cq *ibcq, struct efadv_cq_attr *attr,
		   uint32_t inlen)
{
	struct efa_cq *cq;

	if (!ibcq || !efa_is_efa_device(ibcq->context->device))
		return EOPNOTSUPP;
	if (efa_zero_attr_out(attr, inlen,
			      EFA_FIELD_END(struct efadv_cq_attr, num_entries)))
		return EINVAL;
	cq = to_efa_cq(ibcq);
	attr->buffer = cq->ring;
	attr->entry_size = cq->entry_size;
	attr->num_entries = cq->sub_cq_entries;
	if (EFA_FIELD_END(struct efadv_cq_attr, doorbell) <= inlen)
		attr->doorbell = cq->db;
	return 0;
}
