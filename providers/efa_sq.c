// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The send queue: TX WQEs (abi/hw/efa_hw_io.h) built in host memory and
 * copied whole into the LLQ, the SQ ring in the device's write-combined
 * memory BAR, then a doorbell with the producer counter.  The device reads
 * entries up to the counter and knows a fresh WQE by its phase bit, which
 * starts at 0 and flips each time the producer wraps the ring.  It takes at
 * most max_batch WQEs per doorbell.
 *
 * ibv_post_send builds each WQE on the stack and copies it at once;
 * the ibv_wr_* API builds a session's WQEs in the QP's local queue and
 * copies them all in wr_complete, so wr_abort has nothing to take back
 * from the device.  Both hold the SQ's lock from the first WQE to the last
 * doorbell.
 *
 * What is fixed when a QP is created (the request id form) selects the
 * functions here, so the posting paths test nothing of it.
 */
#include <errno.h>
#include <string.h>

#include <ccan/minmax.h>
#include <util/compiler.h>
#include <util/mmio.h>
#include <util/udma_barrier.h>

#include "efa.h"

/*
 * The 64- and 128-byte WQEs lay out what a WQE is built from at the same
 * offsets, so one view, the longer, serves both; the WQE size only decides
 * how much is cleared and copied.
 */
#define EFA_SAME_OFFSET(member)						\
	static_assert(offsetof(struct efa_io_tx_wqe, member) ==		\
		      offsetof(struct efa_io_tx_wqe_128, member),	\
		      "64- and 128-byte WQEs differ at " #member)
EFA_SAME_OFFSET(meta);
EFA_SAME_OFFSET(data.sgl);
EFA_SAME_OFFSET(data.inline_data);
EFA_SAME_OFFSET(data.rdma_req.remote_mem);
EFA_SAME_OFFSET(data.rdma_req.local_mem);

/* ---------------------------------------- WQE fields */

static void efa_wqe_start(struct efa_io_tx_meta_desc *meta, uint8_t phase,
			  enum efa_io_send_op_type op)
{
	EFA_SET(&meta->ctrl1, EFA_IO_TX_META_DESC_META_DESC, 1);
	EFA_SET(&meta->ctrl1, EFA_IO_TX_META_DESC_OP_TYPE, op);
	EFA_SET(&meta->ctrl2, EFA_IO_TX_META_DESC_PHASE, phase);
	/* one descriptor per WQE: it is the first and the last */
	EFA_SET(&meta->ctrl2, EFA_IO_TX_META_DESC_FIRST, 1);
	EFA_SET(&meta->ctrl2, EFA_IO_TX_META_DESC_LAST, 1);
	/* every WR is signaled (unsignaled ones are refused) */
	EFA_SET(&meta->ctrl2, EFA_IO_TX_META_DESC_COMP_REQ, 1);
}

static inline ALWAYS_INLINE void efa_wqe_req_id(struct efa_wq *sq,
					 struct efa_io_tx_meta_desc *meta,
					 uint64_t wr_id, bool rid64)
{
	if (rid64) {
		efa_hw_store(&meta->req_id, (uint16_t)wr_id);
		efa_hw_store(&meta->req_id_ex.w[0], (uint16_t)(wr_id >> 16));
		efa_hw_store(&meta->req_id_ex.w[1], (uint16_t)(wr_id >> 32));
		efa_hw_store(&meta->req_id_ex.w[2], (uint16_t)(wr_id >> 48));
	} else {
		efa_hw_store(&meta->req_id, efa_wq_take_req_id(sq, wr_id));
	}
}

static void efa_wqe_buf(struct efa_io_tx_buf_desc *buf, uint32_t lkey,
			uint64_t addr, uint32_t length)
{
	efa_hw_store(&buf->length, length);
	EFA_SET(&buf->lkey, EFA_IO_TX_BUF_DESC_LKEY, lkey);
	efa_hw_store(&buf->buf_addr_lo, (uint32_t)addr);
	efa_hw_store(&buf->buf_addr_hi, (uint32_t)(addr >> 32));
}

static void efa_wqe_sgl(struct efa_io_tx_meta_desc *meta,
			struct efa_io_tx_buf_desc *bufs,
			const struct ibv_sge *sgl, size_t n)
{
	size_t i;

	efa_hw_store(&meta->length, n);
	for (i = 0; i < n; i++)
		efa_wqe_buf(&bufs[i], sgl[i].lkey, sgl[i].addr, sgl[i].length);
}

static void efa_wqe_imm(struct efa_io_tx_meta_desc *meta, __be32 imm)
{
	/* the device carries the number; the receiver gets it back big-endian */
	efa_hw_store(&meta->immediate_data, be32toh(imm));
	EFA_SET(&meta->ctrl1, EFA_IO_TX_META_DESC_HAS_IMM, 1);
}

static void efa_wqe_dest(struct efa_io_tx_meta_desc *meta, struct ibv_ah *ah,
			 uint32_t qpn, uint32_t qkey)
{
	efa_hw_store(&meta->dest_qp_num, (uint16_t)qpn);
	efa_hw_store(&meta->ah, to_efa_ah(ah)->ahn);
	efa_hw_store(&meta->qkey, qkey);
}

static void efa_wqe_remote(struct efa_io_remote_mem_addr *remote,
			   uint32_t rkey, uint64_t addr)
{
	efa_hw_store(&remote->rkey, rkey);
	efa_hw_store(&remote->buf_addr_lo, (uint32_t)addr);
	efa_hw_store(&remote->buf_addr_hi, (uint32_t)(addr >> 32));
}

static uint64_t efa_sge_bytes(const struct ibv_sge *sgl, size_t n)
{
	uint64_t bytes = 0;
	size_t i;

	for (i = 0; i < n; i++)
		bytes += sgl[i].length;
	return bytes;
}

static uint64_t efa_buf_bytes(const struct ibv_data_buf *bufs, size_t n)
{
	uint64_t bytes = 0;
	size_t i;

	for (i = 0; i < n; i++)
		bytes += bufs[i].length;
	return bytes;
}

/* ---------------------------------------- the ring */

static uint8_t *efa_sq_slot(const struct efa_wq *sq, uint16_t pc)
{
	return sq->ring + (size_t)(pc & (sq->entries - 1)) * sq->entry_size;
}

/* One more WQE in the ring: the phase flips as the producer wraps. */
static void efa_sq_advance(struct efa_wq *sq)
{
	sq->posted++;
	sq->pc++;
	if (!(sq->pc & (sq->entries - 1)))
		sq->phase ^= 1;
}

/* The WQEs written so far reach the device before the doorbell does. */
static void efa_sq_ring_doorbell(struct efa_wq *sq, uint16_t pc)
{
	mmio_flush_writes();
	mmio_write32(sq->db, pc);
}

/*
 * What every send WR must be: the QP ready to send, signaled (EFA
 * completes every WQE), no flags EFA lacks, and room in the queue.
 */
static int efa_sq_check(struct efa_qp *qp, unsigned int flags)
{
	struct efa_wq *sq = &qp->sq;
	enum ibv_qp_state state = qp->verbs_qp.qp.state;
	const char *why;
	int err = EINVAL;

	if (unlikely(state != IBV_QPS_RTS && state != IBV_QPS_SQD))
		why = "the QP is not ready to send";
	else if (unlikely(!((flags | qp->sq_sig_all_flag) & IBV_SEND_SIGNALED)))
		why = "unsignaled work requests are not supported";
	else if (unlikely(flags & ~(IBV_SEND_SIGNALED | IBV_SEND_INLINE)))
		why = "send flags not supported";
	else if (unlikely(sq->posted - sq->completed == sq->max_wrs)) {
		why = "the send queue is full";
		err = ENOMEM;
	} else
		return 0;
	verbs_debug(verbs_get_ctx(qp->verbs_qp.qp.context),
		    "SQ %u: %s (flags %#x, %u posted, %u completed)\n",
		    qp->verbs_qp.qp.qp_num, why, flags, sq->posted,
		    sq->completed);
	return err;
}

/* ---------------------------------------- ibv_post_send */

static int efa_post_send_check(struct efa_qp *qp, const struct ibv_send_wr *wr)
{
	struct ibv_context *ibctx = qp->verbs_qp.qp.context;
	int err;

	err = efa_sq_check(qp, wr->send_flags);
	if (err)
		return err;
	if (unlikely(wr->opcode != IBV_WR_SEND &&
		     wr->opcode != IBV_WR_SEND_WITH_IMM)) {
		/* RDMA needs an AH and an rkey, which ibv_send_wr holds in one union */
		verbs_debug(verbs_get_ctx(ibctx),
			    "SQ %u: opcode %d; ibv_post_send sends, RDMA goes through ibv_wr_*\n",
			    qp->verbs_qp.qp.qp_num, wr->opcode);
		return EINVAL;
	}
	if (unlikely(!wr->wr.ud.ah || wr->num_sge < 0))
		return EINVAL;
	if (wr->send_flags & IBV_SEND_INLINE) {
		if (unlikely(efa_sge_bytes(wr->sg_list, wr->num_sge) >
			     qp->max_inline_data)) {
			verbs_debug(verbs_get_ctx(ibctx),
				    "SQ %u: %llu inline bytes, at most %u\n",
				    qp->verbs_qp.qp.qp_num,
				    (unsigned long long)efa_sge_bytes(wr->sg_list, wr->num_sge),
				    qp->max_inline_data);
			return EINVAL;
		}
	} else if (unlikely((uint32_t)wr->num_sge > qp->sq.max_sge)) {
		verbs_debug(verbs_get_ctx(ibctx), "SQ %u: %d SGEs, at most %u\n",
			    qp->verbs_qp.qp.qp_num, wr->num_sge, qp->sq.max_sge);
		return EINVAL;
	}
	return 0;
}

static void efa_wqe_inline_sges(struct efa_io_tx_meta_desc *meta,
				uint8_t *data, const struct ibv_sge *sgl,
				size_t n)
{
	uint32_t off = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		memcpy(data + off, (void *)(uintptr_t)sgl[i].addr, sgl[i].length);
		off += sgl[i].length;
	}
	EFA_SET(&meta->ctrl1, EFA_IO_TX_META_DESC_INLINE_MSG, 1);
	efa_hw_store(&meta->length, off);
}

static inline ALWAYS_INLINE int efa_post_send_any(struct efa_qp *qp,
					   struct ibv_send_wr *wr,
					   struct ibv_send_wr **bad, bool rid64)
{
	uint8_t buf[EFA_IO_TX_WQE_128_SIZE] __attribute__((aligned(64)));
	struct efa_io_tx_wqe_128 *wqe = (struct efa_io_tx_wqe_128 *)buf;
	struct efa_wq *sq = &qp->sq;
	uint32_t batch = 0;
	int err = 0;

	pthread_spin_lock(&sq->lock);
	mmio_wc_start();
	for (; wr; wr = wr->next) {
		err = efa_post_send_check(qp, wr);
		if (unlikely(err)) {
			*bad = wr;
			break;
		}
		memset(buf, 0, sq->entry_size);
		efa_wqe_start(&wqe->meta, sq->phase, EFA_IO_SEND);
		efa_wqe_req_id(sq, &wqe->meta, wr->wr_id, rid64);
		if (wr->send_flags & IBV_SEND_INLINE)
			efa_wqe_inline_sges(&wqe->meta, wqe->data.inline_data,
					    wr->sg_list, wr->num_sge);
		else
			efa_wqe_sgl(&wqe->meta, wqe->data.sgl, wr->sg_list,
				    wr->num_sge);
		if (wr->opcode == IBV_WR_SEND_WITH_IMM)
			efa_wqe_imm(&wqe->meta, wr->imm_data);
		efa_wqe_dest(&wqe->meta, wr->wr.ud.ah, wr->wr.ud.remote_qpn,
			     wr->wr.ud.remote_qkey);

		mmio_memcpy_x64(efa_sq_slot(sq, sq->pc), buf, sq->entry_size);
		efa_sq_advance(sq);
		if (++batch == sq->max_batch) {
			efa_sq_ring_doorbell(sq, sq->pc);
			mmio_wc_start();
			batch = 0;
		}
	}
	if (batch)
		efa_sq_ring_doorbell(sq, sq->pc);
	pthread_spin_unlock(&sq->lock);
	return err;
}

static int efa_post_send_rid16(struct efa_qp *qp, struct ibv_send_wr *wr,
			       struct ibv_send_wr **bad)
{
	return efa_post_send_any(qp, wr, bad, false);
}

static int efa_post_send_rid64(struct efa_qp *qp, struct ibv_send_wr *wr,
			       struct ibv_send_wr **bad)
{
	return efa_post_send_any(qp, wr, bad, true);
}

int efa_post_send(struct ibv_qp *ibqp, struct ibv_send_wr *wr,
		  struct ibv_send_wr **bad)
{
	struct efa_qp *qp = to_efa_qp(ibqp);

	return qp->post_send(qp, wr, bad);
}

/* ---------------------------------------- the ibv_wr_* session */

static void efa_wr_start(struct ibv_qp_ex *x)
{
	struct efa_qp *qp = to_efa_qp_ex(x);

	pthread_spin_lock(&qp->sq.lock);
	qp->wr_err = 0;
	qp->wr_pending = 0;
	qp->wr_start_pc = qp->sq.pc;
	qp->wr_start_phase = qp->sq.phase;
	qp->wr_start_free_next = qp->sq.free_next;
}

/* The session's WQEs never reached the device: forget them. */
static void efa_wr_rollback(struct efa_qp *qp)
{
	struct efa_wq *sq = &qp->sq;

	if (qp->wr_pending)
		verbs_debug(verbs_get_ctx(qp->verbs_qp.qp.context),
			    "SQ %u: %u work requests not posted\n",
			    qp->verbs_qp.qp.qp_num, qp->wr_pending);
	sq->posted -= qp->wr_pending;
	sq->pc = qp->wr_start_pc;
	sq->phase = qp->wr_start_phase;
	sq->free_next = qp->wr_start_free_next;
	qp->wr_pending = 0;
}

/*
 * Copy the session's WQEs into the LLQ in runs that neither wrap the ring
 * nor pass a doorbell batch, and ring after each batch.
 */
static int efa_wr_complete(struct ibv_qp_ex *x)
{
	struct efa_qp *qp = to_efa_qp_ex(x);
	struct efa_wq *sq = &qp->sq;
	uint16_t pc = qp->wr_start_pc;
	uint32_t done = 0, batch = 0;
	int err = qp->wr_err;

	if (unlikely(err)) {
		efa_wr_rollback(qp);
		goto out;
	}
	mmio_wc_start();
	while (done < qp->wr_pending) {
		uint32_t slot = pc & (sq->entries - 1);
		uint32_t n = min(qp->wr_pending - done,
				 min(sq->entries - slot, sq->max_batch - batch));

		mmio_memcpy_x64(efa_sq_slot(sq, pc),
				qp->local_queue + (size_t)done * sq->entry_size,
				(size_t)n * sq->entry_size);
		done += n;
		pc += n;
		batch += n;
		if (batch == sq->max_batch) {
			efa_sq_ring_doorbell(sq, pc);
			mmio_wc_start();
			batch = 0;
		}
	}
	if (batch)
		efa_sq_ring_doorbell(sq, pc);
	qp->wr_pending = 0;
out:
	pthread_spin_unlock(&sq->lock);
	return err;
}

static void efa_wr_abort(struct ibv_qp_ex *x)
{
	struct efa_qp *qp = to_efa_qp_ex(x);

	efa_wr_rollback(qp);
	pthread_spin_unlock(&qp->sq.lock);
}

/*
 * A new WQE of the session, its common fields set; NULL once the session
 * has failed (its first error is what wr_complete returns).
 */
static inline ALWAYS_INLINE struct efa_io_tx_wqe_128 *
efa_wr_new(struct efa_qp *qp, struct ibv_qp_ex *x,
	   enum efa_io_send_op_type op, bool rid64)
{
	struct efa_wq *sq = &qp->sq;
	struct efa_io_tx_wqe_128 *wqe;
	int err;

	if (unlikely(qp->wr_err))
		return NULL;
	err = efa_sq_check(qp, x->wr_flags);
	if (unlikely(err)) {
		qp->wr_err = err;
		return NULL;
	}
	wqe = (struct efa_io_tx_wqe_128 *)(qp->local_queue +
					   (size_t)qp->wr_pending * sq->entry_size);
	memset(wqe, 0, sq->entry_size);
	efa_wqe_start(&wqe->meta, sq->phase, op);
	efa_wqe_req_id(sq, &wqe->meta, x->wr_id, rid64);
	efa_sq_advance(sq);
	qp->wr_pending++;
	qp->cur.meta = &wqe->meta;
	return wqe;
}

static inline ALWAYS_INLINE void efa_wr_send_any(struct ibv_qp_ex *x, bool rid64)
{
	struct efa_qp *qp = to_efa_qp_ex(x);
	struct efa_io_tx_wqe_128 *wqe = efa_wr_new(qp, x, EFA_IO_SEND, rid64);

	if (unlikely(!wqe))
		return;
	qp->cur.local = wqe->data.sgl;
	qp->cur.remote = NULL;
	qp->cur.inline_data = wqe->data.inline_data;
	qp->cur.max_sge = qp->sq.max_sge;
	qp->cur.max_inline = qp->max_inline_data;
	qp->cur.inline_ok = true;
}

static inline ALWAYS_INLINE void efa_wr_send_imm_any(struct ibv_qp_ex *x, __be32 imm,
					      bool rid64)
{
	struct efa_qp *qp = to_efa_qp_ex(x);

	efa_wr_send_any(x, rid64);
	if (likely(!qp->wr_err))
		efa_wqe_imm(qp->cur.meta, imm);
}

static inline ALWAYS_INLINE void efa_wr_rdma_any(struct ibv_qp_ex *x, uint32_t rkey,
					  uint64_t addr,
					  enum efa_io_send_op_type op,
					  bool rid64)
{
	struct efa_qp *qp = to_efa_qp_ex(x);
	struct efa_io_tx_wqe_128 *wqe = efa_wr_new(qp, x, op, rid64);

	if (unlikely(!wqe))
		return;
	efa_wqe_remote(&wqe->data.rdma_req.remote_mem, rkey, addr);
	qp->cur.local = wqe->data.rdma_req.local_mem;
	qp->cur.remote = &wqe->data.rdma_req.remote_mem;
	qp->cur.max_sge = qp->max_rdma_sge;
	/* inline data only in RDMA writes of QPs created for it (128-byte WQEs) */
	qp->cur.inline_data = wqe->data.rdma_req.inline_data;
	qp->cur.max_inline = qp->max_inline_data;
	qp->cur.inline_ok = (op == EFA_IO_RDMA_WRITE) & qp->inline_write;
}

static inline ALWAYS_INLINE void efa_wr_rdma_write_imm_any(struct ibv_qp_ex *x,
						    uint32_t rkey,
						    uint64_t addr, __be32 imm,
						    bool rid64)
{
	struct efa_qp *qp = to_efa_qp_ex(x);

	efa_wr_rdma_any(x, rkey, addr, EFA_IO_RDMA_WRITE, rid64);
	if (likely(!qp->wr_err))
		efa_wqe_imm(qp->cur.meta, imm);
}

#define EFA_WR_OPS(rid, rid64)						\
static void efa_wr_send_##rid(struct ibv_qp_ex *x)			\
{									\
	efa_wr_send_any(x, rid64);					\
}									\
static void efa_wr_send_imm_##rid(struct ibv_qp_ex *x, __be32 imm)	\
{									\
	efa_wr_send_imm_any(x, imm, rid64);				\
}									\
static void efa_wr_rdma_read_##rid(struct ibv_qp_ex *x, uint32_t rkey,	\
				   uint64_t addr)			\
{									\
	efa_wr_rdma_any(x, rkey, addr, EFA_IO_RDMA_READ, rid64);	\
}									\
static void efa_wr_rdma_write_##rid(struct ibv_qp_ex *x, uint32_t rkey,	\
				    uint64_t addr)			\
{									\
	efa_wr_rdma_any(x, rkey, addr, EFA_IO_RDMA_WRITE, rid64);	\
}									\
static void efa_wr_rdma_write_imm_##rid(struct ibv_qp_ex *x,		\
					uint32_t rkey, uint64_t addr,	\
					__be32 imm)			\
{									\
	efa_wr_rdma_write_imm_any(x, rkey, addr, imm, rid64);		\
}

EFA_WR_OPS(rid16, false)
EFA_WR_OPS(rid64, true)

/* ---------------------------------------- setters of the current WQE */

static void efa_wr_fail(struct efa_qp *qp, const char *why, size_t n, size_t max)
{
	verbs_debug(verbs_get_ctx(qp->verbs_qp.qp.context),
		    "SQ %u: %s: %zu, at most %zu\n", qp->verbs_qp.qp.qp_num,
		    why, n, max);
	qp->wr_err = EINVAL;
}

static void efa_wr_set_sge(struct ibv_qp_ex *x, uint32_t lkey, uint64_t addr,
			   uint32_t length)
{
	struct efa_qp *qp = to_efa_qp_ex(x);
	struct efa_wr_cursor *cur = &qp->cur;

	if (unlikely(qp->wr_err))
		return;
	efa_hw_store(&cur->meta->length, 1);
	if (cur->remote)
		efa_hw_store(&cur->remote->length, length);
	efa_wqe_buf(cur->local, lkey, addr, length);
}

static void efa_wr_set_sge_list(struct ibv_qp_ex *x, size_t n,
				const struct ibv_sge *sgl)
{
	struct efa_qp *qp = to_efa_qp_ex(x);
	struct efa_wr_cursor *cur = &qp->cur;

	if (unlikely(qp->wr_err))
		return;
	if (unlikely(n > cur->max_sge)) {
		efa_wr_fail(qp, "SGEs", n, cur->max_sge);
		return;
	}
	if (cur->remote)
		efa_hw_store(&cur->remote->length, efa_sge_bytes(sgl, n));
	efa_wqe_sgl(cur->meta, cur->local, sgl, n);
}

/* Inline bytes replace the buffer descriptors; the length is in the meta. */
static bool efa_wr_inline_fits(struct efa_qp *qp, uint64_t bytes)
{
	struct efa_wr_cursor *cur = &qp->cur;

	if (unlikely(!cur->inline_ok)) {
		efa_wr_fail(qp, "inline data in this operation", bytes, 0);
		return false;
	}
	if (unlikely(bytes > cur->max_inline)) {
		efa_wr_fail(qp, "inline bytes", bytes, cur->max_inline);
		return false;
	}
	EFA_SET(&cur->meta->ctrl1, EFA_IO_TX_META_DESC_INLINE_MSG, 1);
	efa_hw_store(&cur->meta->length, bytes);
	if (cur->remote)
		efa_hw_store(&cur->remote->length, bytes);
	return true;
}

static void efa_wr_set_inline_data(struct ibv_qp_ex *x, void *addr,
				   size_t length)
{
	struct efa_qp *qp = to_efa_qp_ex(x);

	if (unlikely(qp->wr_err) || !efa_wr_inline_fits(qp, length))
		return;
	memcpy(qp->cur.inline_data, addr, length);
}

static void efa_wr_set_inline_data_list(struct ibv_qp_ex *x, size_t n,
					const struct ibv_data_buf *bufs)
{
	struct efa_qp *qp = to_efa_qp_ex(x);
	size_t i, off = 0;

	if (unlikely(qp->wr_err) || !efa_wr_inline_fits(qp, efa_buf_bytes(bufs, n)))
		return;
	for (i = 0; i < n; i++) {
		memcpy(qp->cur.inline_data + off, bufs[i].addr, bufs[i].length);
		off += bufs[i].length;
	}
}

static void efa_wr_set_ud_addr(struct ibv_qp_ex *x, struct ibv_ah *ah,
			       uint32_t remote_qpn, uint32_t remote_qkey)
{
	struct efa_qp *qp = to_efa_qp_ex(x);

	if (unlikely(qp->wr_err))
		return;
	efa_wqe_dest(qp->cur.meta, ah, remote_qpn, remote_qkey);
}

static void efa_wr_set_processing_hints(struct efadv_qp *dv, uint32_t hints)
{
	struct efa_qp *qp = container_of(dv, struct efa_qp, dv_qp);
	uint8_t wqe_hints = 0;

	if (unlikely(qp->wr_err))
		return;
	if (hints & EFADV_WR_PROCESSING_HINT_BURST_PPS_SENSITIVE)
		wqe_hints |= EFA_IO_PROCESSING_HINT_BURST_PPS_SENSITIVE;
	EFA_SET(&qp->cur.meta->ctrl3, EFA_IO_TX_META_DESC_PROCESSING_HINTS,
		wqe_hints);
}

/* ---------------------------------------- selection at creation */

struct efa_sq_ops {
	int (*post_send)(struct efa_qp *qp, struct ibv_send_wr *wr,
			 struct ibv_send_wr **bad);
	void (*send)(struct ibv_qp_ex *x);
	void (*send_imm)(struct ibv_qp_ex *x, __be32 imm);
	void (*rdma_read)(struct ibv_qp_ex *x, uint32_t rkey, uint64_t addr);
	void (*rdma_write)(struct ibv_qp_ex *x, uint32_t rkey, uint64_t addr);
	void (*rdma_write_imm)(struct ibv_qp_ex *x, uint32_t rkey,
			       uint64_t addr, __be32 imm);
};

#define EFA_SQ_OPS(rid) {						\
	.post_send = efa_post_send_##rid,				\
	.send = efa_wr_send_##rid,					\
	.send_imm = efa_wr_send_imm_##rid,				\
	.rdma_read = efa_wr_rdma_read_##rid,				\
	.rdma_write = efa_wr_rdma_write_##rid,				\
	.rdma_write_imm = efa_wr_rdma_write_imm_##rid,			\
}

/* by whether the SQ gives the device 64-bit request ids */
static const struct efa_sq_ops efa_sq_ops[2] = {
	EFA_SQ_OPS(rid16),
	EFA_SQ_OPS(rid64),
};

void efa_sq_set_post_send(struct efa_qp *qp)
{
	qp->post_send = efa_sq_ops[qp->sq_64_bit_req_id].post_send;
}

void efa_sq_set_ops(struct efa_qp *qp, uint64_t send_ops, uint64_t wr_flags)
{
	const struct efa_sq_ops *ops = &efa_sq_ops[qp->sq_64_bit_req_id];
	struct ibv_qp_ex *x = &qp->verbs_qp.qp_ex;

	x->wr_start = efa_wr_start;
	x->wr_complete = efa_wr_complete;
	x->wr_abort = efa_wr_abort;
	if (send_ops & IBV_QP_EX_WITH_SEND)
		x->wr_send = ops->send;
	if (send_ops & IBV_QP_EX_WITH_SEND_WITH_IMM)
		x->wr_send_imm = ops->send_imm;
	if (send_ops & IBV_QP_EX_WITH_RDMA_READ)
		x->wr_rdma_read = ops->rdma_read;
	if (send_ops & IBV_QP_EX_WITH_RDMA_WRITE)
		x->wr_rdma_write = ops->rdma_write;
	if (send_ops & IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM)
		x->wr_rdma_write_imm = ops->rdma_write_imm;
	x->wr_set_ud_addr = efa_wr_set_ud_addr;
	x->wr_set_sge = efa_wr_set_sge;
	x->wr_set_sge_list = efa_wr_set_sge_list;
	x->wr_set_inline_data = efa_wr_set_inline_data;
	x->wr_set_inline_data_list = efa_wr_set_inline_data_list;
	if (wr_flags & EFADV_WR_EX_WITH_PROCESSING_HINTS)
		qp->dv_qp.wr_set_processing_hints = efa_wr_set_processing_hints;
}
