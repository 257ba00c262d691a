// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The transport.  Each peer device (this one included) has a channel:
 * message ids and packet ids count up on it, and the responder side keeps
 * the state of multi-packet RDMA writes arriving on it.
 *
 * SRD, reliable and unordered: a request message (SEND, RDMA WRITE in
 * MTU-sized packets, RDMA READ request) waits for its answer before its
 * TX completion: SRD_RESP with a status (accept, or the reason of a
 * refusal), or for a read the READ_RESP packets carrying the data.  RNR
 * (no receive posted) and BUSY (responder out of state) make the requester
 * resend the whole message after rnr_retry_ms, doubling per resend up to
 * 64 times that, RNR at most rnr_retry times (7: forever), then
 * REMOTE_ERROR_RNR.  A message with no answer
 * within srd_timeout_ms completes with LOCAL_ERROR_UNRESP_REMOTE if the
 * peer was ever heard from, LOCAL_ERROR_UNREACH_REMOTE if never.
 *
 * UD, unreliable: one packet, TX completion when it is handed to the
 * wire; a receiver without a posted receive, or another qkey, drops it.
 */
#include <string.h>

#include "efa_core_priv.h"

/* receive buffers of UD messages start with this much room for a GRH */
#define EFA_GRH_LEN	40

static uint32_t pkt_max(const struct efa_core *core)
{
	return core->cfg.mtu < EFA_DP_MAX_PAYLOAD ? core->cfg.mtu : EFA_DP_MAX_PAYLOAD;
}

static uint64_t ms_ticks(uint32_t ms)
{
	uint64_t t = (uint64_t)ms * 1000000ull / EFA_DP_TICK_NS;

	return t ? t : 1;
}

static bool receives(const struct efa_qp *qp)
{
	return qp->state == EFA_ADMIN_QP_STATE_RTR || qp->state == EFA_ADMIN_QP_STATE_RTS ||
	       qp->state == EFA_ADMIN_QP_STATE_SQD || qp->state == EFA_ADMIN_QP_STATE_SQE;
}

static void both(struct efa_core *core, struct efa_dp_stats *q, size_t field, uint64_t n)
{
	*(uint64_t *)((uint8_t *)&core->dp->stats + field) += n;
	if (q)
		*(uint64_t *)((uint8_t *)q + field) += n;
}

#define COUNT(core, q, f, n) both(core, q, offsetof(struct efa_dp_stats, f), n)

/* ---- channels ------------------------------------------------------------ */

static void peer_init(struct efa_peer *p, const uint8_t addr[16])
{
	memset(p, 0, sizeof(*p));
	p->used = true;
	memcpy(p->addr, addr, 16);
}

static bool peer_idle(const struct efa_peer *p)
{
	unsigned int i;

	if (p->refs)
		return false;
	for (i = 0; i < EFA_DP_INBOUND; i++)
		if (p->in[i].used)
			return false;
	return true;
}

int efa_srd_peer_get(struct efa_core *core, const uint8_t addr[16])
{
	struct efa_dp *dp = core->dp;
	int i, free_slot = -1, lru = -1;

	if (dp->peers[dp->last_peer].used && !memcmp(dp->peers[dp->last_peer].addr, addr, 16))
		return dp->last_peer;
	for (i = 0; i < EFA_DP_MAX_PEERS; i++) {
		struct efa_peer *p = &dp->peers[i];

		if (!p->used) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (!memcmp(p->addr, addr, 16)) {
			dp->last_peer = (uint16_t)i;
			return i;
		}
		if (peer_idle(p) && (lru < 0 || p->last_tick < dp->peers[lru].last_tick))
			lru = i;
	}
	if (free_slot < 0)
		free_slot = lru;
	if (free_slot < 0)
		return -1;
	peer_init(&dp->peers[free_slot], addr);
	dp->peers[free_slot].last_tick = dp->tick;
	dp->last_peer = (uint16_t)free_slot;
	return free_slot;
}

/* The AH of PD pd naming addr (cached on the channel), or NO_AH. */
static uint16_t ah_lookup(struct efa_core *core, int peer, const uint8_t addr[16], uint16_t pd)
{
	struct efa_peer *p = peer >= 0 ? &core->dp->peers[peer] : NULL;
	uint32_t id;

	if (p && p->ah_gen == core->dp->ah_gen && p->ah_pd == pd)
		return p->ah;
	for (id = 0; id < core->tables[EFA_OBJ_AH].max; id++) {
		if (efa_id_valid(core, EFA_OBJ_AH, id) && core->ahs[id].pd == pd &&
		    !memcmp(core->ahs[id].dest_addr, addr, 16))
			break;
	}
	if (id == core->tables[EFA_OBJ_AH].max)
		id = EFA_IO_RX_CDESC_NO_AH;
	if (p) {
		p->ah_gen = core->dp->ah_gen;
		p->ah_pd = pd;
		p->ah = (uint16_t)id;
	}
	return (uint16_t)id;
}

/* ---- requester ----------------------------------------------------------- */

static void tx_append(struct efa_qp *qp, struct efa_msg *m)
{
	m->next = NULL;
	if (qp->dp.tx_tail)
		qp->dp.tx_tail->next = m;
	else
		qp->dp.tx_head = m;
	qp->dp.tx_tail = m;
}

static void tx_remove(struct efa_qp *qp, struct efa_msg *m)
{
	struct efa_msg **pp = &qp->dp.tx_head, *prev = NULL;

	while (*pp && *pp != m) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = m->next;
	if (qp->dp.tx_tail == m)
		qp->dp.tx_tail = prev;
}

static void msg_complete(struct efa_core *core, struct efa_msg *m, uint8_t status)
{
	struct efa_qp *qp = &core->qps[m->qpn];

	if (m->timed)
		efa_dp_timed_del(core, m);
	if (m->state == EFA_MSG_TX)
		tx_remove(qp, m);
	core->dp->peers[m->peer].refs--;
	efa_sq_complete(core, m->qpn, m, status);
}

void efa_srd_start(struct efa_core *core, uint32_t qpn, struct efa_msg *m)
{
	struct efa_qp *qp = &core->qps[qpn];
	struct efa_peer *p = &core->dp->peers[m->peer];
	struct efa_dp_stats *q = &qp->dp.stats;

	m->qpn = (uint16_t)qpn;
	m->sent = 0;
	m->got = 0;
	m->timed = false;
	m->state = EFA_MSG_TX;
	m->rnr_left = qp->rnr_retry >= 7 ? EFA_DP_RNR_FOREVER : qp->rnr_retry;
	p->refs++;
	p->last_tick = core->dp->tick;
	m->msg_id = qp->type == EFA_ADMIN_QP_TYPE_SRD ? p->next_msg_id++ : 0;
	switch (m->op) {
	case EFA_IO_RDMA_READ:
		COUNT(core, q, read_wrs, 1);
		COUNT(core, q, read_bytes, m->len);
		break;
	case EFA_IO_RDMA_WRITE:
		COUNT(core, q, write_wrs, 1);
		COUNT(core, q, write_bytes, m->len);
		break;
	default:
		COUNT(core, q, send_wrs, 1);
		COUNT(core, q, send_bytes, m->len);
		break;
	}
	tx_append(qp, m);
}

/* Copy len bytes of the message from offset into out; an efa_io_comp_status. */
static uint8_t gather(struct efa_core *core, const struct efa_qp *qp, const struct efa_msg *m,
		      uint32_t offset, uint8_t *out, uint32_t len)
{
	if (m->is_inline) {
		memcpy(out, m->inline_data + offset, len);
		return EFA_IO_COMP_STATUS_OK;
	}
	return efa_sgl_copy(core, qp->pd, m->sge, m->nsge, offset, out, len, false);
}

bool efa_srd_tx_one(struct efa_core *core, uint32_t qpn)
{
	struct efa_qp *qp = &core->qps[qpn];
	struct efa_msg *m = qp->dp.tx_head;
	struct efa_wire_hdr hdr;
	struct efa_peer *p;
	uint32_t chunk = 0;
	uint8_t status;

	if (!m)
		return false;
	p = &core->dp->peers[m->peer];
	if (!efa_dp_can_send(core, p->addr, false))
		return false;
	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.dst_addr, p->addr, 16);
	memcpy(hdr.src_addr, core->cfg.addr, 16);
	hdr.dst_qpn = m->dest_qpn;
	hdr.src_qpn = (uint16_t)qpn;
	hdr.qkey = m->qkey;
	hdr.msg_id = m->msg_id;
	hdr.cookie = m->index;
	hdr.attempt = m->attempt;
	hdr.imm = m->imm;
	hdr.msg_len = m->len;
	hdr.offset = m->sent;
	hdr.flags = m->has_imm ? EFA_WIRE_F_HAS_IMM : 0;
	switch (m->op) {
	case EFA_IO_RDMA_READ:
		hdr.op = EFA_WIRE_SRD_READ_REQ;
		hdr.rkey = m->rkey;
		hdr.remote_addr = m->raddr;
		break;
	case EFA_IO_RDMA_WRITE:
		hdr.op = EFA_WIRE_SRD_WRITE;
		hdr.rkey = m->rkey;
		hdr.remote_addr = m->raddr;
		chunk = m->len - m->sent;
		if (chunk > pkt_max(core))
			chunk = pkt_max(core);
		break;
	default:
		hdr.op = qp->type == EFA_ADMIN_QP_TYPE_UD ? EFA_WIRE_UD_SEND : EFA_WIRE_SRD_SEND;
		chunk = m->len;
		break;
	}
	status = gather(core, qp, m, m->sent, core->dp->payload, chunk);
	if (status) {
		msg_complete(core, m, status);
		return true;
	}
	/* a read request is one packet whatever the length it asks for */
	if (m->op == EFA_IO_RDMA_READ || m->sent + chunk == m->len)
		hdr.flags |= EFA_WIRE_F_LAST;
	hdr.payload_len = (uint16_t)chunk;
	hdr.pkt_id = p->next_pkt_id++;
	efa_dp_send(core, &hdr, core->dp->payload, &qp->dp.stats);
	if (m->attempt) {
		COUNT(core, &qp->dp.stats, retrans_pkts, 1);
		COUNT(core, &qp->dp.stats, retrans_bytes, chunk);
	}
	m->sent += chunk;
	if (!(hdr.flags & EFA_WIRE_F_LAST))
		return true;
	qp->dp.tx_head = m->next;
	if (!qp->dp.tx_head)
		qp->dp.tx_tail = NULL;
	if (qp->type == EFA_ADMIN_QP_TYPE_UD) {
		/* unreliable: complete on transmit */
		m->state = EFA_MSG_WAIT;
		msg_complete(core, m, EFA_IO_COMP_STATUS_OK);
		return true;
	}
	m->state = EFA_MSG_WAIT;
	efa_dp_timed_add(core, m, ms_ticks(core->cfg.srd_timeout_ms));
	return true;
}

static void backoff(struct efa_core *core, struct efa_msg *m)
{
	if (m->state == EFA_MSG_TX)
		tx_remove(&core->qps[m->qpn], m);
	if (m->timed)
		efa_dp_timed_del(core, m);
	m->state = EFA_MSG_BACKOFF;
	/*
	 * Doubling up to 64 times the interval, so a receiver slow to post
	 * (a TCG guest) is not flooded with resends while it catches up.
	 */
	efa_dp_timed_add(core, m, ms_ticks(core->cfg.rnr_retry_ms) <<
			 (m->attempt < EFA_DP_BACKOFF_MAX_SHIFT ? m->attempt :
							     EFA_DP_BACKOFF_MAX_SHIFT));
}

void efa_srd_expire(struct efa_core *core, struct efa_msg *m)
{
	struct efa_qp *qp = &core->qps[m->qpn];

	if (m->state == EFA_MSG_BACKOFF) {
		m->attempt++;
		m->sent = 0;
		m->got = 0;
		m->state = EFA_MSG_TX;
		tx_append(qp, m);
		efa_dp_qp_kick(core, m->qpn);
		return;
	}
	COUNT(core, &qp->dp.stats, unresponsive_remote_events, 1);
	msg_complete(core, m, core->dp->peers[m->peer].heard ?
		     EFA_IO_COMP_STATUS_LOCAL_ERROR_UNRESP_REMOTE :
		     EFA_IO_COMP_STATUS_LOCAL_ERROR_UNREACH_REMOTE);
}

/* The requester's message an answer is for, or NULL (a stale answer). */
static struct efa_msg *answered(struct efa_core *core, const struct efa_wire_hdr *hdr)
{
	struct efa_qp *qp;
	struct efa_msg *m;

	if (!efa_id_valid(core, EFA_OBJ_QP, hdr->dst_qpn))
		return NULL;
	qp = &core->qps[hdr->dst_qpn];
	if (qp->type != EFA_ADMIN_QP_TYPE_SRD || !qp->dp.msgs || hdr->cookie >= qp->sq.depth)
		return NULL;
	m = &qp->dp.msgs[hdr->cookie];
	if ((m->state != EFA_MSG_WAIT && m->state != EFA_MSG_TX) ||
	    m->msg_id != hdr->msg_id || m->attempt != hdr->attempt ||
	    memcmp(core->dp->peers[m->peer].addr, hdr->src_addr, 16))
		return NULL;
	return m;
}

/* What a responder may refuse with; anything else is a broken answer. */
static bool refusal(uint8_t status)
{
	switch (status) {
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_ADDRESS:
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_ABORT:
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_DEST_QPN:
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_RNR:
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_LENGTH:
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_UNKNOWN_PEER:
	case EFA_IO_COMP_STATUS_REMOTE_ERROR_FEATURE_MISMATCH:
	case EFA_WIRE_STATUS_BUSY:
		return true;
	default:
		return false;
	}
}

static void refused(struct efa_core *core, struct efa_msg *m, uint8_t status)
{
	if (!refusal(status))
		status = EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_STATUS;
	if (status == EFA_WIRE_STATUS_BUSY) {
		backoff(core, m);
	} else if (status == EFA_IO_COMP_STATUS_REMOTE_ERROR_RNR && m->rnr_left) {
		if (m->rnr_left != EFA_DP_RNR_FOREVER)
			m->rnr_left--;
		backoff(core, m);
	} else {
		msg_complete(core, m, status);
	}
}

static bool answer_in(struct efa_core *core, const struct efa_wire_hdr *hdr)
{
	struct efa_msg *m = answered(core, hdr);

	if (!m || (hdr->status == EFA_IO_COMP_STATUS_OK && m->op == EFA_IO_RDMA_READ))
		return false;
	if (hdr->status == EFA_IO_COMP_STATUS_OK)
		msg_complete(core, m, EFA_IO_COMP_STATUS_OK);
	else
		refused(core, m, hdr->status);
	return true;
}

static bool read_data_in(struct efa_core *core, const struct efa_wire_hdr *hdr,
			 const uint8_t *payload)
{
	struct efa_msg *m = answered(core, hdr);
	uint32_t offset = hdr->offset, len = hdr->payload_len;
	uint8_t status;

	if (!m || m->op != EFA_IO_RDMA_READ || m->state != EFA_MSG_WAIT)
		return false;
	if (hdr->status) {
		refused(core, m, hdr->status);
		return true;
	}
	if (offset > m->len || len > m->len - offset)
		return false;
	status = efa_sgl_copy(core, core->qps[m->qpn].pd, m->sge, m->nsge, offset,
			      (void *)payload, len, true);
	if (status) {
		msg_complete(core, m, status);
		return true;
	}
	m->got += hdr->payload_len;
	if ((hdr->flags & EFA_WIRE_F_LAST) && m->got == m->len) {
		msg_complete(core, m, EFA_IO_COMP_STATUS_OK);
		return true;
	}
	/* data is flowing: the peer answers */
	efa_dp_timed_del(core, m);
	efa_dp_timed_add(core, m, ms_ticks(core->cfg.srd_timeout_ms));
	return true;
}

/* ---- responder ----------------------------------------------------------- */

static void answer(struct efa_core *core, const struct efa_wire_hdr *req, uint8_t status)
{
	struct efa_wire_hdr *a = &core->dp->answer;
	int peer = efa_srd_peer_get(core, req->src_addr);

	memset(a, 0, sizeof(*a));
	a->op = EFA_WIRE_SRD_RESP;
	a->status = status;
	a->flags = EFA_WIRE_F_LAST;
	memcpy(a->dst_addr, req->src_addr, 16);
	memcpy(a->src_addr, core->cfg.addr, 16);
	a->dst_qpn = req->src_qpn;
	a->src_qpn = req->dst_qpn;
	a->msg_id = req->msg_id;
	a->cookie = req->cookie;
	a->attempt = req->attempt;
	if (peer >= 0)
		a->pkt_id = core->dp->peers[peer].next_pkt_id++;
	core->dp->answer_pending = true;
}

/* The SRD QP a request is for, or the reason it cannot be served. */
static uint8_t target(struct efa_core *core, const struct efa_wire_hdr *hdr,
		      struct efa_qp **qpp)
{
	struct efa_qp *qp;

	if (!efa_id_valid(core, EFA_OBJ_QP, hdr->dst_qpn))
		return EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_DEST_QPN;
	qp = &core->qps[hdr->dst_qpn];
	/* a QP of another qkey is, to the requester, not the QP it meant */
	if (qp->type != EFA_ADMIN_QP_TYPE_SRD || !receives(qp) || qp->qkey != hdr->qkey)
		return EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_DEST_QPN;
	*qpp = qp;
	return EFA_IO_COMP_STATUS_OK;
}

static void rx_complete(struct efa_core *core, struct efa_qp *qp, const struct efa_wire_hdr *hdr,
			int peer, uint8_t op, uint16_t req_id, bool unsolicited, uint32_t length,
			uint8_t status)
{
	struct efa_cqe_info info = {
		.q_type = EFA_IO_RECV_QUEUE,
		.status = status,
		.op = op,
		.has_imm = !!(hdr->flags & EFA_WIRE_F_HAS_IMM),
		.unsolicited = unsolicited,
		.qpn = hdr->dst_qpn,
		.req_id = req_id,
		.length = length,
		.ah = ah_lookup(core, peer, hdr->src_addr, qp->pd),
		.src_qpn = hdr->src_qpn,
		.imm = hdr->imm,
		.src_addr = hdr->src_addr,
	};

	if (!info.has_imm)
		info.imm = 0;
	efa_cq_post(core, qp->recv_cq, qp->recv_sub_cq, &info);
}

static void ud_in(struct efa_core *core, const struct efa_wire_hdr *hdr, const uint8_t *payload,
		  int peer)
{
	uint8_t grh[EFA_GRH_LEN] = { 0x60 };
	struct efa_qp *qp;
	struct efa_recv r;
	uint8_t status;

	if (!efa_id_valid(core, EFA_OBJ_QP, hdr->dst_qpn) ||
	    core->qps[hdr->dst_qpn].type != EFA_ADMIN_QP_TYPE_UD ||
	    !receives(&core->qps[hdr->dst_qpn])) {
		efa_dp_trace(core, EFA_TRACE_FRAME_DROP, hdr->dst_qpn, hdr->payload_len,
			     EFA_WIRE_DROP_NO_QP);
		COUNT(core, NULL, rx_drops, 1);
		return;
	}
	qp = &core->qps[hdr->dst_qpn];
	if (qp->qkey != hdr->qkey) {
		efa_dp_trace(core, EFA_TRACE_FRAME_DROP, hdr->dst_qpn, hdr->payload_len,
			     EFA_WIRE_DROP_QKEY);
		COUNT(core, &qp->dp.stats, rx_drops, 1);
		return;
	}
	if (efa_rq_peek(core, hdr->dst_qpn, &r) != 1) {
		efa_dp_trace(core, EFA_TRACE_FRAME_DROP, hdr->dst_qpn, hdr->payload_len,
			     EFA_WIRE_DROP_NO_RECV);
		COUNT(core, &qp->dp.stats, rx_drops, 1);
		return;
	}
	/* an InfiniBand GRH: version 6, payload length, next header, hops, GIDs */
	grh[4] = (uint8_t)(hdr->payload_len >> 8);
	grh[5] = (uint8_t)hdr->payload_len;
	grh[6] = 0x1b;
	grh[7] = 0x40;
	memcpy(grh + 8, hdr->src_addr, 16);
	memcpy(grh + 24, hdr->dst_addr, 16);
	if (r.capacity < EFA_GRH_LEN + (uint64_t)hdr->payload_len)
		status = EFA_IO_COMP_STATUS_LOCAL_ERROR_BAD_LENGTH;
	else
		status = efa_rq_scatter(core, hdr->dst_qpn, &r, 0, grh, EFA_GRH_LEN);
	if (!status)
		status = efa_rq_scatter(core, hdr->dst_qpn, &r, EFA_GRH_LEN, payload,
					hdr->payload_len);
	efa_rq_take(core, hdr->dst_qpn, &r);
	if (!status) {
		COUNT(core, &qp->dp.stats, recv_wrs, 1);
		COUNT(core, &qp->dp.stats, recv_bytes, hdr->payload_len);
	}
	rx_complete(core, qp, hdr, peer, EFA_IO_SEND, r.req_id, false,
		    status ? 0 : EFA_GRH_LEN + hdr->payload_len, status);
}

static void send_in(struct efa_core *core, const struct efa_wire_hdr *hdr,
		    const uint8_t *payload, int peer)
{
	struct efa_qp *qp = NULL;
	struct efa_recv r;
	uint8_t status = target(core, hdr, &qp);

	if (status) {
		answer(core, hdr, status);
		return;
	}
	if (efa_rq_peek(core, hdr->dst_qpn, &r) != 1) {
		answer(core, hdr, EFA_IO_COMP_STATUS_REMOTE_ERROR_RNR);
		return;
	}
	if (hdr->payload_len > r.capacity) {
		/* the receive stays for a message that fits */
		answer(core, hdr, EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_LENGTH);
		return;
	}
	status = efa_rq_scatter(core, hdr->dst_qpn, &r, 0, payload, hdr->payload_len);
	efa_rq_take(core, hdr->dst_qpn, &r);
	if (!status) {
		COUNT(core, &qp->dp.stats, recv_wrs, 1);
		COUNT(core, &qp->dp.stats, recv_bytes, hdr->payload_len);
	}
	rx_complete(core, qp, hdr, peer, EFA_IO_SEND, r.req_id, false,
		    status ? 0 : hdr->payload_len, status);
	answer(core, hdr, status ? EFA_IO_COMP_STATUS_REMOTE_ERROR_ABORT : EFA_IO_COMP_STATUS_OK);
}

/* Checks of every RDMA request: its QP, an AH for the requester, the rkey. */
static uint8_t rdma_target(struct efa_core *core, const struct efa_wire_hdr *hdr, int peer,
			   uint8_t perm, struct efa_qp **qpp, const struct efa_mr **mrp)
{
	uint8_t status = target(core, hdr, qpp);

	if (status)
		return status;
	if (ah_lookup(core, peer, hdr->src_addr, (*qpp)->pd) == EFA_IO_RX_CDESC_NO_AH)
		return EFA_IO_COMP_STATUS_REMOTE_ERROR_UNKNOWN_PEER;
	*mrp = efa_mr_lookup(core, hdr->rkey, (*qpp)->pd, hdr->remote_addr, hdr->msg_len, perm);
	if (!*mrp)
		return EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_ADDRESS;
	return EFA_IO_COMP_STATUS_OK;
}

/* The write in progress of msg_id; one silent for the timeout is gone. */
static struct efa_inbound *inbound_find(struct efa_core *core, struct efa_peer *p,
					uint32_t msg_id)
{
	uint64_t stale = ms_ticks(core->cfg.srd_timeout_ms);
	unsigned int i;

	for (i = 0; i < EFA_DP_INBOUND; i++)
		if (p->in[i].used && p->in[i].msg_id == msg_id &&
		    core->dp->tick - p->in[i].tick <= stale)
			return &p->in[i];
	return NULL;
}

/* Give up a write in progress; the receive it took completes in error. */
static void inbound_drop(struct efa_core *core, struct efa_inbound *in)
{
	if (in->has_recv && efa_id_valid(core, EFA_OBJ_QP, in->qpn)) {
		struct efa_qp *qp = &core->qps[in->qpn];
		struct efa_cqe_info info = {
			.q_type = EFA_IO_RECV_QUEUE,
			.status = EFA_IO_COMP_STATUS_LOCAL_ERROR_QP_INTERNAL_ERROR,
			.op = EFA_IO_RDMA_WRITE,
			.qpn = in->qpn,
			.req_id = in->recv.req_id,
			.ah = EFA_IO_RX_CDESC_NO_AH,
		};

		efa_cq_post(core, qp->recv_cq, qp->recv_sub_cq, &info);
	}
	in->used = false;
	in->has_recv = false;
}

static struct efa_inbound *inbound_alloc(struct efa_core *core, struct efa_peer *p)
{
	uint64_t stale = ms_ticks(core->cfg.srd_timeout_ms);
	struct efa_inbound *victim = NULL;
	unsigned int i;

	for (i = 0; i < EFA_DP_INBOUND; i++) {
		struct efa_inbound *in = &p->in[i];

		if (!in->used)
			return in;
		/* refused, or abandoned by its requester: reusable */
		if ((in->status || core->dp->tick - in->tick > stale) &&
		    (!victim || in->tick < victim->tick))
			victim = in;
	}
	if (victim)
		inbound_drop(core, victim);
	return victim;
}

static void streams_drop(struct efa_core *core, bool (*match)(const struct efa_read_stream *s,
								 uint32_t v), uint32_t v);

static bool stream_of_peer(const struct efa_read_stream *s, uint32_t peer)
{
	return s->peer == peer;
}

/* A peer reset: what it had in progress here will never finish. */
static void peer_restarted(struct efa_core *core, struct efa_peer *p)
{
	unsigned int i;

	for (i = 0; i < EFA_DP_INBOUND; i++)
		if (p->in[i].used)
			inbound_drop(core, &p->in[i]);
	streams_drop(core, stream_of_peer, (uint32_t)(p - core->dp->peers));
}

static void write_in(struct efa_core *core, const struct efa_wire_hdr *hdr,
		     const uint8_t *payload, int peer)
{
	bool imm = hdr->flags & EFA_WIRE_F_HAS_IMM;
	struct efa_qp *qp = NULL;
	const struct efa_mr *mr = NULL;
	struct efa_inbound *in = NULL, one;
	struct efa_peer *p;
	bool unsolicited;
	uint8_t status;

	if (hdr->offset > hdr->msg_len || hdr->payload_len > hdr->msg_len - hdr->offset) {
		efa_dp_trace(core, EFA_TRACE_FRAME_DROP, hdr->dst_qpn, hdr->payload_len,
			     EFA_WIRE_DROP_MALFORMED);
		COUNT(core, NULL, rx_drops, 1);
		return;
	}
	status = rdma_target(core, hdr, peer, EFA_ADMIN_REG_MR_CMD_REMOTE_WRITE_ENABLE_MASK,
			     &qp, &mr);
	if (status) {
		answer(core, hdr, status);
		return;
	}
	unsolicited = imm && qp->unsolicited_write_recv;
	p = &core->dp->peers[peer];
	if (hdr->offset == 0 && hdr->payload_len == hdr->msg_len) {
		/* the whole message in one packet: nothing to remember */
		in = &one;
		memset(in, 0, sizeof(*in));
		in->qpn = hdr->dst_qpn;
	} else {
		in = inbound_find(core, p, hdr->msg_id);
		if (in && in->attempt != hdr->attempt) {
			/* a resend: starts over, keeping the receive it took */
			in->attempt = hdr->attempt;
			in->status = EFA_IO_COMP_STATUS_OK;
			in->got = 0;
		}
		if (!in) {
			in = inbound_alloc(core, p);
			if (!in) {
				answer(core, hdr, EFA_WIRE_STATUS_BUSY);
				return;
			}
			memset(in, 0, sizeof(*in));
			in->used = true;
			in->msg_id = hdr->msg_id;
			in->attempt = hdr->attempt;
			in->qpn = hdr->dst_qpn;
			in->total = hdr->msg_len;
		}
		in->tick = core->dp->tick;
		if (in->status) {
			efa_dp_trace(core, EFA_TRACE_FRAME_DROP, hdr->dst_qpn, hdr->payload_len,
				     EFA_WIRE_DROP_REFUSED);
			return;
		}
	}
	if (imm && !unsolicited && !in->has_recv) {
		if (efa_rq_peek(core, hdr->dst_qpn, &in->recv) != 1) {
			in->status = EFA_IO_COMP_STATUS_REMOTE_ERROR_RNR;
			answer(core, hdr, in->status);
			return;
		}
		efa_rq_take(core, hdr->dst_qpn, &in->recv);
		in->has_recv = true;
	}
	if (efa_mr_write(core, mr, hdr->remote_addr + hdr->offset, payload, hdr->payload_len)) {
		bool keep = in != &one;

		inbound_drop(core, in);
		/* refused: the message's later packets are dropped */
		in->used = keep;
		in->status = EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_ADDRESS;
		answer(core, hdr, in->status);
		return;
	}
	in->got += hdr->payload_len;
	COUNT(core, &qp->dp.stats, write_recv_bytes, hdr->payload_len);
	if (in->got < hdr->msg_len)
		return;
	if (imm)
		rx_complete(core, qp, hdr, peer, EFA_IO_RDMA_WRITE,
			    unsolicited ? 0 : in->recv.req_id, unsolicited, hdr->msg_len,
			    EFA_IO_COMP_STATUS_OK);
	in->used = false;
	in->has_recv = false;
	answer(core, hdr, EFA_IO_COMP_STATUS_OK);
}

static void read_req_in(struct efa_core *core, const struct efa_wire_hdr *hdr, int peer)
{
	struct efa_dp *dp = core->dp;
	struct efa_qp *qp = NULL;
	const struct efa_mr *mr = NULL;
	struct efa_read_stream *s = NULL;
	unsigned int i;
	uint8_t status;

	status = rdma_target(core, hdr, peer, EFA_ADMIN_REG_MR_CMD_REMOTE_READ_ENABLE_MASK,
			     &qp, &mr);
	if (!status && hdr->msg_len > core->cfg.max_rdma_size)
		status = EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_LENGTH;
	if (status) {
		answer(core, hdr, status);
		return;
	}
	for (i = 0; i < EFA_DP_READ_STREAMS && !s; i++)
		if (!dp->streams[i].used)
			s = &dp->streams[i];
	if (!s) {
		answer(core, hdr, EFA_WIRE_STATUS_BUSY);
		return;
	}
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->attempt = hdr->attempt;
	s->peer = (uint16_t)peer;
	s->pd = qp->pd;
	s->req_qpn = hdr->src_qpn;
	s->resp_qpn = hdr->dst_qpn;
	s->msg_id = hdr->msg_id;
	s->cookie = hdr->cookie;
	s->rkey = hdr->rkey;
	s->raddr = hdr->remote_addr;
	s->len = hdr->msg_len;
	dp->peers[peer].refs++;
	if (dp->stream_tail)
		dp->stream_tail->next = s;
	else
		dp->stream_head = s;
	dp->stream_tail = s;
}

static void stream_pop(struct efa_dp *dp)
{
	struct efa_read_stream *s = dp->stream_head;

	dp->stream_head = s->next;
	if (!dp->stream_head)
		dp->stream_tail = NULL;
	s->next = NULL;
}

bool efa_srd_streams_tx(struct efa_core *core, unsigned int *budget)
{
	struct efa_dp *dp = core->dp;
	bool progress = false;

	while (*budget && dp->stream_head) {
		struct efa_read_stream *s = dp->stream_head;
		struct efa_peer *p = &dp->peers[s->peer];
		struct efa_dp_stats *q = efa_dp_qp_stats(core, s->resp_qpn);
		struct efa_wire_hdr hdr;
		const struct efa_mr *mr;
		uint32_t chunk = s->len - s->sent;

		if (!efa_dp_can_send(core, p->addr, false))
			break;
		dp->cur_qpn = s->resp_qpn;
		if (chunk > pkt_max(core))
			chunk = pkt_max(core);
		memset(&hdr, 0, sizeof(hdr));
		hdr.op = EFA_WIRE_SRD_READ_RESP;
		memcpy(hdr.dst_addr, p->addr, 16);
		memcpy(hdr.src_addr, core->cfg.addr, 16);
		hdr.dst_qpn = s->req_qpn;
		hdr.src_qpn = s->resp_qpn;
		hdr.msg_id = s->msg_id;
		hdr.cookie = s->cookie;
		hdr.attempt = s->attempt;
		hdr.msg_len = s->len;
		hdr.offset = s->sent;
		hdr.payload_len = (uint16_t)chunk;
		/* the MR may have gone while the read was being answered */
		mr = efa_mr_lookup(core, s->rkey, s->pd, s->raddr + s->sent, chunk,
				   EFA_ADMIN_REG_MR_CMD_REMOTE_READ_ENABLE_MASK);
		if (!mr || efa_mr_read(core, mr, s->raddr + s->sent, dp->payload, chunk)) {
			hdr.status = EFA_IO_COMP_STATUS_REMOTE_ERROR_BAD_ADDRESS;
			hdr.payload_len = 0;
			chunk = 0;
			s->sent = s->len;
		}
		s->sent += chunk;
		if (s->sent == s->len)
			hdr.flags = EFA_WIRE_F_LAST;
		hdr.pkt_id = p->next_pkt_id++;
		efa_dp_send(core, &hdr, dp->payload, q);
		COUNT(core, q, read_resp_bytes, chunk);
		stream_pop(dp);
		if (hdr.flags & EFA_WIRE_F_LAST) {
			s->used = false;
			p->refs--;
		} else {
			if (dp->stream_tail)
				dp->stream_tail->next = s;
			else
				dp->stream_head = s;
			dp->stream_tail = s;
		}
		(*budget)--;
		progress = true;
	}
	return progress;
}

void efa_srd_receive(struct efa_core *core, const struct efa_wire_hdr *hdr,
		     const uint8_t *payload)
{
	int peer = efa_srd_peer_get(core, hdr->src_addr);
	bool taken = true;

	if (peer >= 0) {
		struct efa_peer *p = &core->dp->peers[peer];

		if (p->heard && p->epoch != hdr->epoch)
			peer_restarted(core, p);
		p->heard = true;
		p->epoch = hdr->epoch;
		p->last_tick = core->dp->tick;
	}
	if (efa_id_valid(core, EFA_OBJ_QP, hdr->dst_qpn)) {
		struct efa_dp_stats *q = &core->qps[hdr->dst_qpn].dp.stats;

		q->rx_pkts++;
		q->rx_bytes += EFA_WIRE_HEADERS + hdr->payload_len;
	}
	if (hdr->op == EFA_WIRE_UD_SEND) {
		ud_in(core, hdr, payload, peer);
		return;
	}
	if (peer < 0) {
		/* every channel busy: a requester resends, an answer is lost */
		if (hdr->op == EFA_WIRE_SRD_SEND || hdr->op == EFA_WIRE_SRD_WRITE ||
		    hdr->op == EFA_WIRE_SRD_READ_REQ)
			answer(core, hdr, EFA_WIRE_STATUS_BUSY);
		return;
	}
	switch (hdr->op) {
	case EFA_WIRE_SRD_SEND:
		send_in(core, hdr, payload, peer);
		break;
	case EFA_WIRE_SRD_WRITE:
		write_in(core, hdr, payload, peer);
		break;
	case EFA_WIRE_SRD_READ_REQ:
		read_req_in(core, hdr, peer);
		break;
	case EFA_WIRE_SRD_READ_RESP:
		taken = read_data_in(core, hdr, payload);
		break;
	default:
		taken = answer_in(core, hdr);
		break;
	}
	if (!taken)
		efa_dp_trace(core, EFA_TRACE_FRAME_DROP, hdr->dst_qpn, hdr->payload_len,
			     EFA_WIRE_DROP_STALE);
}

/* ---- QPs going away ------------------------------------------------------ */

/* End the read streams match() picks, unanswered. */
static void streams_drop(struct efa_core *core, bool (*match)(const struct efa_read_stream *s,
								 uint32_t v), uint32_t v)
{
	struct efa_dp *dp = core->dp;
	struct efa_read_stream **pp = &dp->stream_head, *prev = NULL;

	while (*pp) {
		struct efa_read_stream *s = *pp;

		if (!match(s, v)) {
			prev = s;
			pp = &s->next;
			continue;
		}
		*pp = s->next;
		if (dp->stream_tail == s)
			dp->stream_tail = prev;
		s->used = false;
		s->next = NULL;
		dp->peers[s->peer].refs--;
	}
}

static bool stream_of_qp(const struct efa_read_stream *s, uint32_t qpn)
{
	return s->resp_qpn == qpn;
}

void efa_srd_qp_stop(struct efa_core *core, uint32_t qpn, bool flush)
{
	struct efa_qp *qp = &core->qps[qpn];
	struct efa_dp *dp = core->dp;
	uint32_t i;

	for (i = 0; qp->dp.msgs && i < qp->sq.depth; i++) {
		struct efa_msg *m = &qp->dp.msgs[i];

		if (m->state == EFA_MSG_FREE)
			continue;
		if (flush) {
			msg_complete(core, m, EFA_IO_COMP_STATUS_FLUSHED);
			continue;
		}
		if (m->timed)
			efa_dp_timed_del(core, m);
		dp->peers[m->peer].refs--;
		m->state = EFA_MSG_FREE;
		m->next = qp->dp.free;
		qp->dp.free = m;
		qp->dp.outstanding--;
	}
	qp->dp.tx_head = qp->dp.tx_tail = NULL;
	/* responder state naming the QP goes too; a receive it took is flushed */
	for (i = 0; i < EFA_DP_MAX_PEERS; i++) {
		unsigned int j;

		for (j = 0; j < EFA_DP_INBOUND; j++) {
			struct efa_inbound *in = &dp->peers[i].in[j];

			if (!in->used || in->qpn != qpn)
				continue;
			if (flush && in->has_recv) {
				struct efa_cqe_info info = {
					.q_type = EFA_IO_RECV_QUEUE,
					.status = EFA_IO_COMP_STATUS_FLUSHED,
					.op = EFA_IO_RDMA_WRITE,
					.qpn = (uint16_t)qpn,
					.req_id = in->recv.req_id,
					.ah = EFA_IO_RX_CDESC_NO_AH,
				};

				efa_cq_post(core, qp->recv_cq, qp->recv_sub_cq, &info);
			}
			in->used = false;
			in->has_recv = false;
		}
	}
	if (flush)
		return;
	streams_drop(core, stream_of_qp, qpn);
}

void efa_srd_reset(struct efa_core *core)
{
	struct efa_dp *dp = core->dp;

	memset(dp->peers, 0, EFA_DP_MAX_PEERS * sizeof(*dp->peers));
	memset(dp->streams, 0, EFA_DP_READ_STREAMS * sizeof(*dp->streams));
	dp->stream_head = dp->stream_tail = NULL;
	dp->last_peer = 0;
}
