// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The data path's entry points and its work loop.  Doorbells, frames from
 * the network and timer ticks only record or queue work and ask the glue
 * for a bottom half (ops->schedule); efa_core_process() then runs a bounded
 * amount of it (EFA_DP_BUDGET units: frames handled, WQEs fetched, packets
 * built) and asks again while work remains, so no guest can keep the
 * device busy for long and nothing recurses.
 *
 * Frames go to a bounded TX queue and from there to ops->wire_send; when
 * the network is full the queue waits for efa_core_wire_writable(), and
 * work that needs the queue waits with it.  A frame to this device's own
 * address is encoded and decoded the same way but goes straight into the
 * RX queue (QEMU hubs do not echo a sender's frames).  Received frames
 * wait in a bounded RX queue; wire_can_receive() says no while it is full
 * (the glue asks again after each efa_core_process, the only place it
 * drains).
 */
#include <stdlib.h>
#include <string.h>

#include "efa_core_priv.h"

void efa_dp_trace(struct efa_core *core, enum efa_core_trace ev, uint32_t qn,
		  uint32_t a, uint64_t b)
{
	if (core->ops->trace)
		core->ops->trace(core->opaque, ev, qn, a, b);
}

void efa_dp_schedule(struct efa_core *core)
{
	if (core->dp->scheduled || !core->ops->schedule)
		return;
	core->dp->scheduled = true;
	core->ops->schedule(core->opaque);
}

static int queue_init(struct efa_frame_queue *q, uint32_t size)
{
	q->frames = calloc(size, sizeof(*q->frames));
	q->size = size;
	q->head = q->count = 0;
	return q->frames ? 0 : -1;
}

int efa_dp_init(struct efa_core *core)
{
	struct efa_dp *dp = calloc(1, sizeof(*dp));
	uint32_t cqs = core->cfg.max_cq ? core->cfg.max_cq : 1;

	core->dp = dp;
	if (!dp)
		return -1;
	dp->run = calloc(core->cfg.max_qp ? core->cfg.max_qp : 1, sizeof(*dp->run));
	dp->peers = calloc(EFA_DP_MAX_PEERS, sizeof(*dp->peers));
	dp->streams = calloc(EFA_DP_READ_STREAMS, sizeof(*dp->streams));
	core->cq_sub_pc = calloc((size_t)cqs * core->cfg.sub_cqs_per_cq, sizeof(uint32_t));
	if (!dp->run || !dp->peers || !dp->streams || !core->cq_sub_pc ||
	    queue_init(&dp->txq, EFA_DP_TXQ_FRAMES) || queue_init(&dp->rxq, EFA_DP_RXQ_FRAMES))
		return -1;
	dp->ah_gen = 1;
	return 0;
}

static void qp_dp_release(struct efa_core *core, uint32_t qpn)
{
	free(core->qps[qpn].dp.msgs);
	memset(&core->qps[qpn].dp, 0, sizeof(core->qps[qpn].dp));
}

void efa_dp_free(struct efa_core *core)
{
	struct efa_dp *dp = core->dp;
	uint32_t qpn;

	if (core->qps) {
		for (qpn = 0; qpn < core->cfg.max_qp; qpn++)
			free(core->qps[qpn].dp.msgs);
	}
	free(core->cq_sub_pc);
	if (!dp)
		return;
	free(dp->txq.frames);
	free(dp->rxq.frames);
	free(dp->run);
	free(dp->peers);
	free(dp->streams);
	free(dp);
}

/* Before the object tables forget their QPs: everything in flight goes. */
void efa_dp_reset(struct efa_core *core)
{
	struct efa_dp *dp = core->dp;
	uint32_t qpn;

	for (qpn = 0; qpn < core->cfg.max_qp; qpn++)
		if (efa_id_valid(core, EFA_OBJ_QP, qpn))
			qp_dp_release(core, qpn);
	dp->txq.head = dp->txq.count = 0;
	dp->rxq.head = dp->rxq.count = 0;
	/* the network says again if it is still full */
	dp->wire_blocked = false;
	dp->run_head = dp->run_count = 0;
	dp->timed = NULL;
	dp->answer_pending = false;
	memset(&dp->stats, 0, sizeof(dp->stats));
	/* a new incarnation, drawn when the first frame goes (no op runs here) */
	dp->epoch_drawn = false;
	memset(core->cq_sub_pc, 0,
	       (size_t)(core->cfg.max_cq ? core->cfg.max_cq : 1) * core->cfg.sub_cqs_per_cq *
	       sizeof(uint32_t));
	efa_srd_reset(core);
}

/* ---- run list ------------------------------------------------------------ */

void efa_dp_qp_kick(struct efa_core *core, uint32_t qpn)
{
	struct efa_dp *dp = core->dp;
	struct efa_qp *qp = &core->qps[qpn];

	if (!qp->dp.active) {
		qp->dp.active = true;
		dp->run[(dp->run_head + dp->run_count) % core->cfg.max_qp] = (uint16_t)qpn;
		dp->run_count++;
	}
	efa_dp_schedule(core);
}

static void run_remove(struct efa_core *core, uint32_t qpn)
{
	struct efa_dp *dp = core->dp;
	uint32_t i, kept = 0, n = dp->run_count;

	for (i = 0; i < n; i++) {
		uint16_t q = dp->run[(dp->run_head + i) % core->cfg.max_qp];

		if (q != qpn)
			dp->run[(dp->run_head + kept++) % core->cfg.max_qp] = q;
	}
	dp->run_count = kept;
	core->qps[qpn].dp.active = false;
}

static bool qp_more(struct efa_core *core, uint32_t qpn)
{
	struct efa_qp *qp = &core->qps[qpn];

	return efa_sq_has_work(core, qpn) || qp->dp.tx_head ||
	       (qp->state == EFA_ADMIN_QP_STATE_ERR && (uint16_t)(qp->rq_db - qp->dp.rq_cons));
}

static bool qp_work(struct efa_core *core, uint32_t qpn, unsigned int *budget)
{
	struct efa_qp *qp = &core->qps[qpn];
	bool worked = false;
	struct efa_recv r;

	core->dp->cur_qpn = (uint16_t)qpn;
	if (qp->state == EFA_ADMIN_QP_STATE_ERR) {
		while (*budget && efa_rq_peek(core, qpn, &r) == 1) {
			struct efa_cqe_info info = {
				.q_type = EFA_IO_RECV_QUEUE,
				.status = EFA_IO_COMP_STATUS_FLUSHED,
				.qpn = (uint16_t)qpn,
				.req_id = r.req_id,
				.ah = EFA_IO_RX_CDESC_NO_AH,
			};

			efa_rq_take(core, qpn, &r);
			efa_cq_post(core, qp->recv_cq, qp->recv_sub_cq, &info);
			(*budget)--;
			worked = true;
		}
	}
	if (*budget && efa_sq_fetch_one(core, qpn)) {
		(*budget)--;
		worked = true;
	}
	if (*budget && efa_srd_tx_one(core, qpn)) {
		(*budget)--;
		worked = true;
	}
	return worked;
}

static bool run_qps(struct efa_core *core, unsigned int *budget)
{
	struct efa_dp *dp = core->dp;
	bool progress = false, pass;

	do {
		uint32_t n = dp->run_count;

		pass = false;
		while (n-- && *budget) {
			uint16_t qpn = dp->run[dp->run_head];

			dp->run_head = (dp->run_head + 1) % core->cfg.max_qp;
			dp->run_count--;
			pass |= qp_work(core, qpn, budget);
			if (qp_more(core, qpn))
				dp->run[(dp->run_head + dp->run_count++) % core->cfg.max_qp] = qpn;
			else
				core->qps[qpn].dp.active = false;
		}
		progress |= pass;
	} while (pass && *budget && dp->run_count);
	return progress;
}

/* ---- frames -------------------------------------------------------------- */

static bool is_self(const struct efa_core *core, const uint8_t addr[16])
{
	return !memcmp(addr, core->cfg.addr, 16);
}

bool efa_dp_can_send(struct efa_core *core, const uint8_t dst[16], bool answer)
{
	struct efa_dp *dp = core->dp;

	if (is_self(core, dst))
		return dp->rxq.count < dp->rxq.size;
	return dp->txq.count + (answer ? 0 : EFA_DP_TXQ_ANSWER_RESERVE) < dp->txq.size;
}

void efa_dp_send(struct efa_core *core, const struct efa_wire_hdr *hdr,
		 const void *payload, struct efa_dp_stats *qstats)
{
	struct efa_dp *dp = core->dp;
	struct efa_frame_queue *q = is_self(core, hdr->dst_addr) ? &dp->rxq : &dp->txq;
	struct efa_frame *f;

	if (q->count == q->size) {
		/* callers check first: a frame never waits inside the core */
		efa_dp_trace(core, EFA_TRACE_FRAME_DROP, hdr->src_qpn, hdr->payload_len,
			     EFA_WIRE_DROP_RX_FULL);
		return;
	}
	if (!dp->epoch_drawn) {
		/* peers forget what they kept of the last one */
		dp->epoch = dp->epoch * 2654435761u + 1 +
			    (core->ops->now_ns ? (uint32_t)(core->ops->now_ns(core->opaque) >> 10) : 0);
		dp->epoch_drawn = true;
	}
	f = &q->frames[(q->head + q->count) % q->size];
	f->len = (uint32_t)efa_wire_encode(f->data, hdr, payload);
	/* every frame says which incarnation of this device sent it */
	efa_wire_set_epoch(f->data, dp->epoch);
	q->count++;
	dp->stats.tx_pkts++;
	dp->stats.tx_bytes += f->len;
	if (qstats) {
		qstats->tx_pkts++;
		qstats->tx_bytes += f->len;
	}
	efa_dp_trace(core, EFA_TRACE_FRAME_TX, hdr->src_qpn, f->len,
		     (uint64_t)hdr->op << 32 | hdr->pkt_id);
}

static bool wire_flush(struct efa_core *core)
{
	struct efa_dp *dp = core->dp;
	bool progress = false;

	while (dp->txq.count && !dp->wire_blocked) {
		struct efa_frame *f = &dp->txq.frames[dp->txq.head];

		/* without a network the device reaches only itself */
		if (core->ops->wire_send && !core->ops->wire_send(core->opaque, f->data, f->len)) {
			dp->wire_blocked = true;
			break;
		}
		dp->txq.head = (dp->txq.head + 1) % dp->txq.size;
		dp->txq.count--;
		progress = true;
	}
	return progress;
}

static bool is_request(uint8_t op)
{
	return op == EFA_WIRE_SRD_SEND || op == EFA_WIRE_SRD_WRITE || op == EFA_WIRE_SRD_READ_REQ;
}

static void rx_pop(struct efa_dp *dp)
{
	dp->rxq.head = (dp->rxq.head + 1) % dp->rxq.size;
	dp->rxq.count--;
}

/* Handle the first received frame; false if it must wait for the TX queue. */
static bool rx_one(struct efa_core *core)
{
	struct efa_dp *dp = core->dp;
	struct efa_frame *f = &dp->rxq.frames[dp->rxq.head];
	const uint8_t *payload;
	struct efa_wire_hdr hdr;

	if (!efa_wire_decode(f->data, f->len, &hdr, &payload)) {
		efa_dp_trace(core, EFA_TRACE_FRAME_DROP, 0, f->len, EFA_WIRE_DROP_MALFORMED);
		dp->stats.rx_drops++;
		rx_pop(dp);
		return true;
	}
	if (!is_self(core, hdr.dst_addr)) {
		/* hubs flood: another device's frame, not a drop of ours */
		efa_dp_trace(core, EFA_TRACE_FRAME_DROP, hdr.dst_qpn, f->len,
			     EFA_WIRE_DROP_NOT_OURS);
		rx_pop(dp);
		return true;
	}
	/* an answer to a remote requester needs a TX slot */
	if (is_request(hdr.op) && !is_self(core, hdr.src_addr) &&
	    dp->txq.count == dp->txq.size)
		return false;
	dp->stats.rx_pkts++;
	dp->stats.rx_bytes += f->len;
	efa_dp_trace(core, EFA_TRACE_FRAME_RX, hdr.dst_qpn, f->len,
		     (uint64_t)hdr.op << 32 | hdr.pkt_id);
	dp->answer_pending = false;
	dp->cur_qpn = hdr.dst_qpn;
	efa_srd_receive(core, &hdr, payload);
	rx_pop(dp);
	if (dp->answer_pending) {
		dp->answer_pending = false;
		efa_dp_send(core, &dp->answer, NULL, efa_dp_qp_stats(core, dp->answer.src_qpn));
	}
	return true;
}

void efa_core_attach_llq(struct efa_core *core, void *mem, uint64_t size)
{
	core->llq = mem;
	core->llq_size = size;
}

bool efa_core_wire_can_receive(struct efa_core *core)
{
	return core->dp->rxq.count < core->dp->rxq.size;
}

void efa_core_wire_receive(struct efa_core *core, const void *frame, size_t len)
{
	struct efa_dp *dp = core->dp;
	struct efa_frame *f;

	if (len > EFA_CORE_WIRE_MAX_FRAME || dp->rxq.count == dp->rxq.size) {
		efa_dp_trace(core, EFA_TRACE_FRAME_DROP, 0, (uint32_t)len,
			     len > EFA_CORE_WIRE_MAX_FRAME ? EFA_WIRE_DROP_MALFORMED :
							     EFA_WIRE_DROP_RX_FULL);
		dp->stats.rx_drops++;
		return;
	}
	f = &dp->rxq.frames[(dp->rxq.head + dp->rxq.count) % dp->rxq.size];
	memcpy(f->data, frame, len);
	f->len = (uint32_t)len;
	dp->rxq.count++;
	efa_dp_schedule(core);
}

void efa_core_wire_writable(struct efa_core *core)
{
	core->dp->wire_blocked = false;
	efa_dp_schedule(core);
}

/* ---- timer --------------------------------------------------------------- */

static void timer_arm(struct efa_core *core)
{
	struct efa_dp *dp = core->dp;

	if (dp->timer_armed || !core->ops->dp_timer_arm)
		return;
	dp->timer_armed = true;
	core->ops->dp_timer_arm(core->opaque, EFA_DP_TICK_NS);
}

void efa_dp_timed_add(struct efa_core *core, struct efa_msg *m, uint64_t ticks)
{
	struct efa_dp *dp = core->dp;

	m->deadline = dp->tick + ticks;
	m->timed = true;
	m->t_prev = NULL;
	m->t_next = dp->timed;
	if (dp->timed)
		dp->timed->t_prev = m;
	dp->timed = m;
	timer_arm(core);
}

void efa_dp_timed_del(struct efa_core *core, struct efa_msg *m)
{
	struct efa_dp *dp = core->dp;

	if (!m->timed)
		return;
	if (m->t_prev)
		m->t_prev->t_next = m->t_next;
	else
		dp->timed = m->t_next;
	if (m->t_next)
		m->t_next->t_prev = m->t_prev;
	m->t_prev = m->t_next = NULL;
	m->timed = false;
}

/* The timer only counts ticks; expiries run in the bottom half. */
void efa_core_dp_timer(struct efa_core *core)
{
	struct efa_dp *dp = core->dp;

	dp->timer_armed = false;
	dp->tick++;
	if (dp->timed) {
		timer_arm(core);
		efa_dp_schedule(core);
	}
}

static bool expire(struct efa_core *core)
{
	struct efa_dp *dp = core->dp;
	struct efa_msg *m, *next;
	bool any = false;

	if (dp->scanned_tick == dp->tick)
		return false;
	dp->scanned_tick = dp->tick;
	for (m = dp->timed; m; m = next) {
		next = m->t_next;
		if (m->deadline > dp->tick)
			continue;
		efa_dp_timed_del(core, m);
		efa_srd_expire(core, m);
		any = true;
	}
	return any;
}

/* ---- the bottom half ----------------------------------------------------- */

void efa_core_process(struct efa_core *core)
{
	struct efa_dp *dp = core->dp;
	unsigned int budget = EFA_DP_BUDGET;
	bool progress, rx_freed = false;

	dp->scheduled = false;
	progress = expire(core);
	while (budget && dp->rxq.count) {
		if (!rx_one(core))
			break;
		budget--;
		rx_freed = true;
	}
	progress |= rx_freed;
	progress |= run_qps(core, &budget);
	progress |= efa_srd_streams_tx(core, &budget);
	progress |= wire_flush(core);
	/* what is left waits for the wire, a doorbell or the timer otherwise */
	if (progress && (dp->rxq.count || dp->run_count || dp->stream_head ||
			 (dp->txq.count && !dp->wire_blocked)))
		efa_dp_schedule(core);
}

/* ---- QP lifecycle -------------------------------------------------------- */

int efa_dp_qp_create(struct efa_core *core, uint32_t qpn)
{
	struct efa_qp *qp = &core->qps[qpn];
	uint32_t depth = qp->sq.depth, i;

	memset(&qp->dp, 0, sizeof(qp->dp));
	qp->dp.wqe_size = depth && qp->sq.size >= (uint64_t)depth * EFA_IO_TX_WQE_128_SIZE ?
			  EFA_IO_TX_WQE_128_SIZE : EFA_IO_TX_WQE_SIZE;
	qp->dp.rq_entries = (uint32_t)(qp->rq.size / sizeof(struct efa_io_rx_desc));
	qp->dp.msgs = calloc(depth ? depth : 1, sizeof(*qp->dp.msgs));
	if (!qp->dp.msgs)
		return -1;
	for (i = 0; i < depth; i++) {
		qp->dp.msgs[i].index = (uint16_t)i;
		qp->dp.msgs[i].next = i + 1 < depth ? &qp->dp.msgs[i + 1] : NULL;
	}
	qp->dp.free = depth ? qp->dp.msgs : NULL;
	return 0;
}

/* Destroyed with work outstanding: it ends silently (no QP to complete to). */
void efa_dp_qp_destroy(struct efa_core *core, uint32_t qpn)
{
	efa_srd_qp_stop(core, qpn, false);
	run_remove(core, qpn);
	qp_dp_release(core, qpn);
}

void efa_dp_qp_state(struct efa_core *core, uint32_t qpn, uint8_t old_state)
{
	struct efa_qp *qp = &core->qps[qpn];

	switch (qp->state) {
	case EFA_ADMIN_QP_STATE_ERR:
		/* outstanding and posted work completes as FLUSHED */
		if (old_state != EFA_ADMIN_QP_STATE_ERR)
			efa_srd_qp_stop(core, qpn, true);
		efa_dp_qp_kick(core, qpn);
		break;
	case EFA_ADMIN_QP_STATE_RESET:
		efa_srd_qp_stop(core, qpn, false);
		qp->dp.sq_cons = qp->dp.rq_cons = 0;
		qp->sq_db = qp->rq_db = 0;
		break;
	case EFA_ADMIN_QP_STATE_RTS:
		efa_dp_qp_kick(core, qpn);
		break;
	default:
		break;
	}
}

void efa_dp_ah_changed(struct efa_core *core)
{
	core->dp->ah_gen++;
}

/* ---- statistics ---------------------------------------------------------- */

struct efa_dp_stats *efa_dp_qp_stats(struct efa_core *core, uint32_t qpn)
{
	return efa_id_valid(core, EFA_OBJ_QP, qpn) ? &core->qps[qpn].dp.stats : NULL;
}

void efa_dp_fill_stats(uint8_t type, const struct efa_dp_stats *s,
		       struct efa_admin_acq_get_stats_resp *r)
{
	memset(&r->u, 0, sizeof(r->u));
	switch (type) {
	case EFA_ADMIN_GET_STATS_TYPE_BASIC:
		r->u.basic_stats.tx_bytes = efa_hw_cpu_to_le64(s->tx_bytes);
		r->u.basic_stats.tx_pkts = efa_hw_cpu_to_le64(s->tx_pkts);
		r->u.basic_stats.rx_bytes = efa_hw_cpu_to_le64(s->rx_bytes);
		r->u.basic_stats.rx_pkts = efa_hw_cpu_to_le64(s->rx_pkts);
		r->u.basic_stats.rx_drops = efa_hw_cpu_to_le64(s->rx_drops);
		break;
	case EFA_ADMIN_GET_STATS_TYPE_MESSAGES:
		r->u.messages_stats.send_bytes = efa_hw_cpu_to_le64(s->send_bytes);
		r->u.messages_stats.send_wrs = efa_hw_cpu_to_le64(s->send_wrs);
		r->u.messages_stats.recv_bytes = efa_hw_cpu_to_le64(s->recv_bytes);
		r->u.messages_stats.recv_wrs = efa_hw_cpu_to_le64(s->recv_wrs);
		break;
	case EFA_ADMIN_GET_STATS_TYPE_RDMA_READ:
		r->u.rdma_read_stats.read_wrs = efa_hw_cpu_to_le64(s->read_wrs);
		r->u.rdma_read_stats.read_bytes = efa_hw_cpu_to_le64(s->read_bytes);
		r->u.rdma_read_stats.read_wr_err = efa_hw_cpu_to_le64(s->read_wr_err);
		r->u.rdma_read_stats.read_resp_bytes = efa_hw_cpu_to_le64(s->read_resp_bytes);
		break;
	case EFA_ADMIN_GET_STATS_TYPE_RDMA_WRITE:
		r->u.rdma_write_stats.write_wrs = efa_hw_cpu_to_le64(s->write_wrs);
		r->u.rdma_write_stats.write_bytes = efa_hw_cpu_to_le64(s->write_bytes);
		r->u.rdma_write_stats.write_wr_err = efa_hw_cpu_to_le64(s->write_wr_err);
		r->u.rdma_write_stats.write_recv_bytes = efa_hw_cpu_to_le64(s->write_recv_bytes);
		break;
	default:
		r->u.network_stats.retrans_bytes = efa_hw_cpu_to_le64(s->retrans_bytes);
		r->u.network_stats.retrans_pkts = efa_hw_cpu_to_le64(s->retrans_pkts);
		r->u.network_stats.retrans_timeout_events =
			efa_hw_cpu_to_le64(s->retrans_timeout_events);
		r->u.network_stats.unresponsive_remote_events =
			efa_hw_cpu_to_le64(s->unresponsive_remote_events);
		r->u.network_stats.impaired_remote_conn_events =
			efa_hw_cpu_to_le64(s->impaired_remote_conn_events);
		break;
	}
}
