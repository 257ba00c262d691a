// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * efa-bench: latency, message rate and cost of small sends between two
 * EFA devices (or one device and itself), over SRD and UD, from one process.
 *
 *   efa-bench [-d DEV] [-D PEER] [-p srd|ud|all] [-T TESTS] [-n ITERS]
 *             [-m MSGS] [-s SIZE] [-w WINDOW] [-c CHAIN] [-r RATE]
 *             [-t SECONDS]
 *
 * TESTS, a comma-separated list (default latency,rate):
 * latency: a ping-pong of ITERS round trips between a QP on DEV and one on
 *          PEER; one-way latency is half a round trip.
 * rate:    DEV sends MSGS messages to PEER, at most WINDOW ahead of what
 *          PEER has received (so a receive is always posted and nothing
 *          meets RNR or a UD drop), posted in chains of up to CHAIN (16)
 *          per ibv_post_send; messages per second from the first post to
 *          the last receive.
 * cost:    MSGS sends through ibv_post_send, then MSGS through ibv_wr_*,
 *          one at a time, each send completion polled, then MSGS polls of
 *          the empty CQ: each operation alone in a function of its own
 *          (cost_*), whose instructions callgrind counts
 *          (bench/efa-cost runs it so and divides).
 * paced:   RATE messages a second, MSGS of them, each after a sleep to
 *          its time slot; first the same sleeps without traffic.  Lines
 *          "efa-bench-mark phase=idle|paced|end" mark the phases as they
 *          begin, for whoever measures the host's CPU time meanwhile
 *          (bench/efa-cost).
 *
 * Every message carries its sequence number and a pattern derived from
 * it; each receive is checked (length, pattern, seen once), and a run that
 * loses or garbles one fails.  Output: one line per test, words KEY=VALUE
 * after "efa-bench", for scripts:
 *
 *   efa-bench proto=srd test=latency size=8 iters=N intact=N one_way_us=..
 *   efa-bench proto=srd test=rate size=8 msgs=N intact=N lost=0 msgs_per_s=..
 *
 * Exit status 0: every message arrived intact; 1: some did not, or a
 * completion failed; 2: setup failed (devices, verbs objects) or usage.
 * Completions are polled (no completion channel), so what is measured is
 * the data path alone: WQE, doorbell, device, wire, CQE.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <infiniband/efadv.h>
#include <infiniband/verbs.h>

#define BENCH_QKEY	0x11111111u
/* UD receives start with a GRH, as on InfiniBand */
#define GRH_BYTES	40
#define POST_CHAIN	16
#define POLL_BATCH	16
#define WR_RECV		(1ull << 63)

enum test { TEST_LATENCY = 1, TEST_RATE = 2, TEST_COST = 4, TEST_PACED = 8 };

static const char *const test_names[] = { "latency", "rate", "cost", "paced" };

enum proto { PROTO_SRD, PROTO_UD };

static const char *const proto_names[] = { "srd", "ud" };

struct options {
	const char *dev, *peer;
	bool srd, ud;
	unsigned int tests;		/* enum test bits */
	unsigned int iters, msgs, size, window, chain, rate_per_s;
	double timeout_s;
};

/* One QP on one device, with its CQ and buffers, and an AH to its peer. */
struct endpoint {
	const char *name;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	struct ibv_qp_ex *qpx;		/* the same QP, for ibv_wr_* */
	struct ibv_mr *mr;
	struct ibv_ah *ah;
	uint32_t peer_qpn;
	union ibv_gid gid;
	enum proto proto;
	unsigned int depth;		/* SQ and RQ depth */
	size_t slot;			/* bytes per buffer slot */
	uint8_t *buf;			/* depth recv slots, then depth send slots */
	unsigned int send_next;		/* send slot to use next */
	unsigned int sends_out;		/* posted, not completed */
	/* receive side */
	uint8_t *seen;			/* per sequence number: received */
	unsigned int nseen;
	unsigned int received, intact;
	bool failed;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void setup_fail(const char *who, const char *what, int err)
{
	fprintf(stderr, "efa-bench: %s: %s: %s\n", who, what, strerror(err));
	exit(2);
}

static void *must(const struct endpoint *ep, const char *what, void *obj)
{
	if (!obj)
		setup_fail(ep->name, what, errno ? errno : EINVAL);
	return obj;
}

static void must_rc(const struct endpoint *ep, const char *what, int rc)
{
	if (rc)
		setup_fail(ep->name, what, rc < 0 ? -rc : rc);
}

static uint8_t pattern(uint64_t seq, size_t i)
{
	return (uint8_t)(seq * 131 + i * 7 + 1);
}

static void fill(uint8_t *p, size_t size, uint64_t seq)
{
	size_t i;

	memcpy(p, &seq, sizeof(seq));
	for (i = sizeof(seq); i < size; i++)
		p[i] = pattern(seq, i);
}

static uint8_t *recv_slot(struct endpoint *ep, unsigned int i)
{
	return ep->buf + (size_t)i * ep->slot;
}

static uint8_t *send_slot(struct endpoint *ep, unsigned int i)
{
	return ep->buf + (size_t)(ep->depth + i) * ep->slot;
}

static struct ibv_context *open_device(const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	int i;

	if (!list)
		setup_fail(name, "ibv_get_device_list", errno);
	for (i = 0; list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	if (!ctx)
		setup_fail(name, "no such device (or it cannot be opened)", ENODEV);
	return ctx;
}

/* The first two devices by name (one if there is only one). */
static void default_devices(struct options *o)
{
	static char names[2][IBV_SYSFS_NAME_MAX];
	struct ibv_device **list = ibv_get_device_list(NULL);
	int i, n = 0;

	if (!list)
		setup_fail("efa-bench", "ibv_get_device_list", errno);
	for (i = 0; list[i]; i++) {
		const char *name = ibv_get_device_name(list[i]);

		if (n < 2) {
			snprintf(names[n++], sizeof(names[0]), "%s", name);
		} else if (strcmp(name, names[1]) < 0) {
			snprintf(names[1], sizeof(names[1]), "%s", name);
		}
		if (n == 2 && strcmp(names[0], names[1]) > 0) {
			char tmp[IBV_SYSFS_NAME_MAX];

			memcpy(tmp, names[0], sizeof(tmp));
			memcpy(names[0], names[1], sizeof(tmp));
			memcpy(names[1], tmp, sizeof(tmp));
		}
	}
	ibv_free_device_list(list);
	if (!n)
		setup_fail("efa-bench", "no RDMA devices", ENODEV);
	if (!o->dev)
		o->dev = names[0];
	if (!o->peer)
		o->peer = n > 1 && strcmp(names[1], o->dev) ? names[1] : o->dev;
}

static void modify_to_rts(struct endpoint *ep)
{
	struct ibv_qp_attr attr = {
		.qp_state = IBV_QPS_INIT,
		.pkey_index = 0,
		.port_num = 1,
		.qkey = BENCH_QKEY,
	};

	must_rc(ep, "modify QP to INIT", ibv_modify_qp(ep->qp, &attr,
		IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_QKEY));
	attr.qp_state = IBV_QPS_RTR;
	must_rc(ep, "modify QP to RTR", ibv_modify_qp(ep->qp, &attr, IBV_QP_STATE));
	attr.qp_state = IBV_QPS_RTS;
	attr.sq_psn = 0;
	must_rc(ep, "modify QP to RTS",
		ibv_modify_qp(ep->qp, &attr, IBV_QP_STATE | IBV_QP_SQ_PSN));
}

static void post_recv(struct endpoint *ep, unsigned int i)
{
	size_t grh = ep->proto == PROTO_UD ? 0 : GRH_BYTES;
	struct ibv_sge sge = {
		/* UD: the GRH lands in the first 40 bytes; SRD has none */
		.addr = (uintptr_t)recv_slot(ep, i) + grh,
		.length = (uint32_t)(ep->slot - grh),
		.lkey = ep->mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = WR_RECV | i, .sg_list = &sge, .num_sge = 1 };
	struct ibv_recv_wr *bad;

	must_rc(ep, "ibv_post_recv", ibv_post_recv(ep->qp, &wr, &bad));
}

static void endpoint_open(struct endpoint *ep, const char *name, enum proto proto,
			  const struct options *o)
{
	struct ibv_qp_init_attr_ex init = {
		.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_SEND_OPS_FLAGS,
		.send_ops_flags = IBV_QP_EX_WITH_SEND,
		.sq_sig_all = 1,
	};
	struct ibv_device_attr dattr;
	unsigned int i;

	memset(ep, 0, sizeof(*ep));
	ep->name = name;
	ep->proto = proto;
	ep->ctx = open_device(name);
	must_rc(ep, "ibv_query_device", ibv_query_device(ep->ctx, &dattr));
	ep->depth = o->window;
	if ((int)ep->depth > dattr.max_qp_wr)
		ep->depth = dattr.max_qp_wr;
	ep->slot = GRH_BYTES + o->size;
	ep->pd = must(ep, "ibv_alloc_pd", ibv_alloc_pd(ep->ctx));
	ep->cq = must(ep, "ibv_create_cq",
		      ibv_create_cq(ep->ctx, 2 * ep->depth, NULL, NULL, 0));
	ep->buf = must(ep, "buffers", calloc(2 * ep->depth, ep->slot));
	ep->mr = must(ep, "ibv_reg_mr", ibv_reg_mr(ep->pd, ep->buf, 2 * ep->depth * ep->slot,
						   IBV_ACCESS_LOCAL_WRITE));

	init.pd = ep->pd;
	init.send_cq = ep->cq;
	init.recv_cq = ep->cq;
	init.cap.max_send_wr = ep->depth;
	init.cap.max_recv_wr = ep->depth;
	init.cap.max_send_sge = 1;
	init.cap.max_recv_sge = 1;
	if (proto == PROTO_SRD) {
		struct efadv_qp_init_attr efa = { .driver_qp_type = EFADV_QP_DRIVER_TYPE_SRD };

		init.qp_type = IBV_QPT_DRIVER;
		ep->qp = must(ep, "efadv_create_qp_ex (SRD)",
			      efadv_create_qp_ex(ep->ctx, &init, &efa, sizeof(efa)));
	} else {
		init.qp_type = IBV_QPT_UD;
		ep->qp = must(ep, "ibv_create_qp_ex (UD)", ibv_create_qp_ex(ep->ctx, &init));
	}
	ep->qpx = must(ep, "ibv_qp_to_qp_ex", ibv_qp_to_qp_ex(ep->qp));
	modify_to_rts(ep);
	must_rc(ep, "ibv_query_gid", ibv_query_gid(ep->ctx, 1, 0, &ep->gid));
	for (i = 0; i < ep->depth; i++)
		post_recv(ep, i);
}

static void endpoint_connect(struct endpoint *ep, const struct endpoint *peer)
{
	struct ibv_ah_attr attr = { .is_global = 1, .port_num = 1 };

	attr.grh.dgid = peer->gid;
	ep->ah = must(ep, "ibv_create_ah", ibv_create_ah(ep->pd, &attr));
	ep->peer_qpn = peer->qp->qp_num;
}

static void endpoint_close(struct endpoint *ep)
{
	ibv_destroy_ah(ep->ah);
	ibv_destroy_qp(ep->qp);
	ibv_dereg_mr(ep->mr);
	ibv_destroy_cq(ep->cq);
	ibv_dealloc_pd(ep->pd);
	ibv_close_device(ep->ctx);
	free(ep->buf);
	free(ep->seen);
}

/* Expect sequence numbers 0..n-1 (each once) from now on. */
static void expect_messages(struct endpoint *ep, unsigned int n)
{
	free(ep->seen);
	ep->seen = must(ep, "sequence map", calloc(n ? n : 1, 1));
	ep->nseen = n;
	ep->received = 0;
	ep->intact = 0;
}

static void check_message(struct endpoint *ep, const struct ibv_wc *wc, size_t size)
{
	/* the data follows the GRH (UD) or was received there (SRD) */
	const uint8_t *p = recv_slot(ep, wc->wr_id & ~WR_RECV) + GRH_BYTES;
	size_t want = ep->proto == PROTO_UD ? size + GRH_BYTES : size;
	uint64_t seq;
	size_t i;

	ep->received++;
	if (wc->byte_len != want) {
		fprintf(stderr, "efa-bench: %s: received %u bytes, want %zu\n",
			ep->name, wc->byte_len, want);
		goto bad;
	}
	memcpy(&seq, p, sizeof(seq));
	if (seq >= ep->nseen || ep->seen[seq]) {
		fprintf(stderr, "efa-bench: %s: sequence number %" PRIu64 " %s\n",
			ep->name, seq, seq >= ep->nseen ? "out of range" : "twice");
		goto bad;
	}
	for (i = sizeof(seq); i < size; i++) {
		if (p[i] != pattern(seq, i)) {
			fprintf(stderr, "efa-bench: %s: message %" PRIu64 " byte %zu is %#x, want %#x\n",
				ep->name, seq, i, p[i], pattern(seq, i));
			goto bad;
		}
	}
	ep->seen[seq] = 1;
	ep->intact++;
	return;
bad:
	/* a bad message ends the test: intact stays behind received */
	ep->failed = true;
}

/* Reap completions: sends free their slot, receives are checked and reposted. */
static void progress(struct endpoint *ep, size_t size)
{
	struct ibv_wc wc[POLL_BATCH];
	int n, i;

	n = ibv_poll_cq(ep->cq, POLL_BATCH, wc);
	if (n < 0) {
		fprintf(stderr, "efa-bench: %s: ibv_poll_cq: %d\n", ep->name, n);
		ep->failed = true;
		return;
	}
	for (i = 0; i < n; i++) {
		if (wc[i].status != IBV_WC_SUCCESS) {
			fprintf(stderr, "efa-bench: %s: %s completion: %s (vendor error %u)\n",
				ep->name, wc[i].wr_id & WR_RECV ? "receive" : "send",
				ibv_wc_status_str(wc[i].status), wc[i].vendor_err);
			ep->failed = true;
			if (!(wc[i].wr_id & WR_RECV))
				ep->sends_out--;
			continue;
		}
		if (wc[i].wr_id & WR_RECV) {
			check_message(ep, &wc[i], size);
			post_recv(ep, wc[i].wr_id & ~WR_RECV);
		} else {
			ep->sends_out--;
		}
	}
}

/* Post COUNT sends of sequence numbers SEQ.. as one chain: one doorbell. */
static bool post_sends(struct endpoint *ep, uint64_t seq, unsigned int count, size_t size)
{
	struct ibv_send_wr wr[POST_CHAIN], *bad;
	struct ibv_sge sge[POST_CHAIN];
	unsigned int i;
	int rc;

	for (i = 0; i < count; i++) {
		uint8_t *p = send_slot(ep, ep->send_next);

		ep->send_next = (ep->send_next + 1) % ep->depth;
		fill(p, size, seq + i);
		sge[i] = (struct ibv_sge){ .addr = (uintptr_t)p, .length = (uint32_t)size,
					   .lkey = ep->mr->lkey };
		wr[i] = (struct ibv_send_wr){
			.wr_id = seq + i, .sg_list = &sge[i], .num_sge = 1,
			.opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
			.next = i + 1 < count ? &wr[i + 1] : NULL,
		};
		wr[i].wr.ud.ah = ep->ah;
		wr[i].wr.ud.remote_qpn = ep->peer_qpn;
		wr[i].wr.ud.remote_qkey = BENCH_QKEY;
	}
	rc = ibv_post_send(ep->qp, wr, &bad);
	if (rc) {
		fprintf(stderr, "efa-bench: %s: ibv_post_send: %s\n", ep->name, strerror(rc));
		ep->failed = true;
		return false;
	}
	ep->sends_out += count;
	return true;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Wait until EP has received WANT messages in all (and both sides' sends
 * completed), polling both; false on a failure or the deadline.
 */
static bool wait_received(struct endpoint *ep, struct endpoint *other, unsigned int want,
			  size_t size, double deadline)
{
	while (ep->received < want) {
		progress(ep, size);
		if (other != ep)
			progress(other, size);
		if (ep->failed || other->failed || now_s() > deadline)
			return false;
	}
	return true;
}

/*
 * Ping-pong: A sends, B receives and answers, A receives.  A device talking
 * to itself (A == B) answers itself: ping 2i, pong 2i + 1.
 */
static bool latency(struct endpoint *a, struct endpoint *b, const struct options *o)
{
	double *rtt = must(a, "samples", calloc(o->iters, sizeof(*rtt)));
	double deadline = now_s() + o->timeout_s, t0, total = 0;
	bool self = a == b, ok = true;
	unsigned int i, done = 0;

	expect_messages(b, self ? 2 * o->iters : o->iters);
	if (!self)
		expect_messages(a, o->iters);
	for (i = 0; i < o->iters && ok; i++) {
		uint64_t ping = self ? 2 * i : i, pong = self ? 2 * i + 1 : i;

		t0 = now_s();
		ok = post_sends(a, ping, 1, o->size) &&
		     wait_received(b, a, ping + 1, o->size, deadline) &&
		     post_sends(b, pong, 1, o->size) &&
		     wait_received(a, b, pong + 1, o->size, deadline);
		if (ok) {
			rtt[done] = now_s() - t0;
			total += rtt[done++];
		}
	}
	/* the last send completions */
	while (ok && (a->sends_out || b->sends_out) && now_s() < deadline) {
		progress(a, o->size);
		if (!self)
			progress(b, o->size);
	}
	qsort(rtt, done, sizeof(*rtt), cmp_double);
	printf("efa-bench proto=%s test=latency size=%u dev=%s peer=%s iters=%u intact=%u"
	       " one_way_us=%.2f p50_us=%.2f min_us=%.2f max_us=%.2f\n",
	       proto_names[a->proto], o->size, a->name, b->name, o->iters,
	       self ? a->intact / 2 : (a->intact < b->intact ? a->intact : b->intact),
	       done ? total / done / 2 * 1e6 : 0, done ? rtt[done / 2] / 2 * 1e6 : 0,
	       done ? rtt[0] / 2 * 1e6 : 0, done ? rtt[done - 1] / 2 * 1e6 : 0);
	free(rtt);
	return ok && done == o->iters && !a->failed && !b->failed &&
	       !a->sends_out && !b->sends_out;
}

static bool rate(struct endpoint *a, struct endpoint *b, const struct options *o)
{
	unsigned int window = a->depth < b->depth ? a->depth : b->depth;
	double deadline = now_s() + o->timeout_s, t0, secs;
	unsigned int sent = 0;

	expect_messages(b, o->msgs);
	t0 = now_s();
	while (b->received < o->msgs && !a->failed && !b->failed && now_s() < deadline) {
		unsigned int room = window - (sent - b->received);

		if (a->depth - a->sends_out < room)
			room = a->depth - a->sends_out;
		if (room > o->msgs - sent)
			room = o->msgs - sent;
		if (room > o->chain)
			room = o->chain;
		if (room && post_sends(a, sent, room, o->size))
			sent += room;
		progress(b, o->size);
		if (a != b)
			progress(a, o->size);
	}
	secs = now_s() - t0;
	while ((a->sends_out || b->sends_out) && !a->failed && now_s() < deadline) {
		progress(a, o->size);
		if (a != b)
			progress(b, o->size);
	}
	printf("efa-bench proto=%s test=rate size=%u dev=%s peer=%s msgs=%u window=%u chain=%u"
	       " intact=%u lost=%u seconds=%.3f msgs_per_s=%.0f\n",
	       proto_names[a->proto], o->size, a->name, b->name, o->msgs, window, o->chain,
	       b->intact, sent - b->received, secs, secs > 0 ? b->intact / secs : 0);
	return b->intact == o->msgs && !a->failed && !b->failed && !a->sends_out;
}

/*
 * The operations the cost test measures, each alone in a function of its
 * own, not inlined nor cloned, so their names stay: callgrind counts what
 * runs inside them (--toggle-collect=cost_*) and nothing else.
 */
__attribute__((noipa)) int cost_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr)
{
	struct ibv_send_wr *bad;

	return ibv_post_send(qp, wr, &bad);
}

__attribute__((noipa)) int cost_wr_send(struct ibv_qp_ex *qpx, uint64_t wr_id,
					const struct ibv_sge *sge, struct ibv_ah *ah,
					uint32_t remote_qpn)
{
	ibv_wr_start(qpx);
	qpx->wr_id = wr_id;
	qpx->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_send(qpx);
	ibv_wr_set_ud_addr(qpx, ah, remote_qpn, BENCH_QKEY);
	ibv_wr_set_sge(qpx, sge->lkey, sge->addr, sge->length);
	return ibv_wr_complete(qpx);
}

/* A poll for a send completion: it may find none yet (cost_poll_empty's count). */
__attribute__((noipa)) int cost_poll_cq(struct ibv_cq *cq, struct ibv_wc *wc)
{
	return ibv_poll_cq(cq, 1, wc);
}

/* A poll of a CQ known to be empty. */
__attribute__((noipa)) int cost_poll_empty(struct ibv_cq *cq, struct ibv_wc *wc)
{
	return ibv_poll_cq(cq, 1, wc);
}

/*
 * One send of sequence number SEQ from A to B through ibv_post_send or
 * ibv_wr_*, B's receive, then A's send completion, each poll for it through
 * cost_poll_cq (*EMPTY counts those that found nothing).
 */
static bool cost_send(struct endpoint *a, struct endpoint *b, uint64_t seq, bool wr_api,
		      const struct options *o, double deadline, unsigned int *empty)
{
	uint8_t *p = send_slot(a, 0);
	struct ibv_sge sge = { .addr = (uintptr_t)p, .length = o->size, .lkey = a->mr->lkey };
	struct ibv_send_wr wr = {
		.wr_id = seq, .sg_list = &sge, .num_sge = 1,
		.opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
	};
	struct ibv_wc wc;
	int rc, n;

	fill(p, o->size, seq);
	wr.wr.ud.ah = a->ah;
	wr.wr.ud.remote_qpn = a->peer_qpn;
	wr.wr.ud.remote_qkey = BENCH_QKEY;
	rc = wr_api ? cost_wr_send(a->qpx, seq, &sge, a->ah, a->peer_qpn)
		    : cost_post_send(a->qp, &wr);
	if (rc) {
		fprintf(stderr, "efa-bench: %s: %s: %s\n", a->name,
			wr_api ? "ibv_wr_complete" : "ibv_post_send", strerror(rc));
		return false;
	}
	if (!wait_received(b, b, seq + 1, o->size, deadline))
		return false;
	while ((n = cost_poll_cq(a->cq, &wc)) == 0) {
		++*empty;
		if (now_s() > deadline)
			return false;
	}
	if (n < 0 || wc.status != IBV_WC_SUCCESS || wc.wr_id != seq) {
		fprintf(stderr, "efa-bench: %s: send %" PRIu64 ": poll %d, status %s, wr_id %" PRIu64 "\n",
			a->name, seq, n, n > 0 ? ibv_wc_status_str(wc.status) : "-",
			n > 0 ? wc.wr_id : 0);
		return false;
	}
	return true;
}

/*
 * A's CQ gets only its send completions and B's only its receives, so A
 * and B are always two QPs, on two devices or on one.
 */
static bool cost(struct endpoint *a, struct endpoint *b, const struct options *o)
{
	double deadline = now_s() + o->timeout_s;
	unsigned int i, empty = 0, nonempty = 0;
	struct ibv_wc wc;
	bool ok = true;

	expect_messages(b, 2 * o->msgs);
	for (i = 0; i < 2 * o->msgs && ok; i++)
		ok = cost_send(a, b, i, i >= o->msgs, o, deadline, &empty);
	for (i = 0; i < o->msgs && ok; i++)
		if (cost_poll_empty(a->cq, &wc))
			nonempty++;
	printf("efa-bench proto=%s test=cost size=%u dev=%s peer=%s msgs=%u intact=%u"
	       " post_send=%u wr_send=%u poll_hits=%u poll_misses=%u poll_empty=%u\n",
	       proto_names[a->proto], o->size, a->name, b->name, o->msgs, b->intact,
	       o->msgs, o->msgs, 2 * o->msgs, empty, o->msgs);
	if (nonempty)
		fprintf(stderr, "efa-bench: %s: %u completions nobody asked for\n", a->name, nonempty);
	return ok && !nonempty && b->intact == 2 * o->msgs && !b->failed;
}

static void timespec_add_ns(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

/*
 * MSGS time slots of 1/RATE s: in each, sleep to its start, then reap what
 * has completed and (TRAFFIC) post the slot's message.  The guest's timer
 * may be coarser than a slot: then the rate is lower, and the host divides
 * by messages, not time.
 */
static bool paced_slots(struct endpoint *a, struct endpoint *b, const struct options *o,
			bool traffic)
{
	long period_ns = 1000000000L / o->rate_per_s;
	unsigned int window = a->depth < b->depth ? a->depth : b->depth;
	double deadline = now_s() + o->timeout_s + (double)o->msgs / o->rate_per_s;
	struct timespec slot;
	unsigned int i;

	clock_gettime(CLOCK_MONOTONIC, &slot);
	for (i = 0; i < o->msgs; i++) {
		timespec_add_ns(&slot, period_ns);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &slot, NULL);
		if (!traffic)
			continue;
		progress(b, o->size);
		if (a != b)
			progress(a, o->size);
		if (i - b->received >= window &&
		    !wait_received(b, a, i - window + 1, o->size, deadline))
			return false;
		if (!post_sends(a, i, 1, o->size))
			return false;
	}
	return !traffic || wait_received(b, a, o->msgs, o->size, deadline);
}

static bool paced(struct endpoint *a, struct endpoint *b, const struct options *o)
{
	double t0, idle_secs, secs;
	bool ok;

	expect_messages(b, o->msgs);
	printf("efa-bench-mark phase=idle\n");
	fflush(stdout);
	t0 = now_s();
	paced_slots(a, b, o, false);
	idle_secs = now_s() - t0;
	printf("efa-bench-mark phase=paced\n");
	fflush(stdout);
	t0 = now_s();
	ok = paced_slots(a, b, o, true);
	secs = now_s() - t0;
	printf("efa-bench-mark phase=end\n");
	fflush(stdout);
	while (ok && (a->sends_out || b->sends_out) && now_s() < t0 + secs + o->timeout_s) {
		progress(a, o->size);
		if (a != b)
			progress(b, o->size);
	}
	printf("efa-bench proto=%s test=paced size=%u dev=%s peer=%s msgs=%u rate_per_s=%u"
	       " intact=%u idle_seconds=%.3f seconds=%.3f msgs_per_s=%.0f\n",
	       proto_names[a->proto], o->size, a->name, b->name, o->msgs, o->rate_per_s,
	       b->intact, idle_secs, secs, secs > 0 ? b->intact / secs : 0);
	return ok && b->intact == o->msgs && !a->failed && !b->failed && !a->sends_out;
}

static bool run(enum proto proto, const struct options *o)
{
	struct endpoint ea, eb, *a = &ea, *b = &eb;
	bool ok;

	endpoint_open(a, o->dev, proto, o);
	if (strcmp(o->dev, o->peer)) {
		endpoint_open(b, o->peer, proto, o);
	} else {
		b = a;
	}
	endpoint_connect(a, b);
	if (b != a)
		endpoint_connect(b, a);
	ok = true;
	if (o->tests & TEST_LATENCY)
		ok = latency(a, b, o) && ok;
	if (o->tests & TEST_RATE)
		ok = rate(a, b, o) && ok;
	if (o->tests & TEST_PACED)
		ok = paced(a, b, o) && ok;
	fflush(stdout);
	endpoint_close(a);
	if (b != a)
		endpoint_close(b);
	return ok;
}

/* The cost test: always two QPs, even on one device. */
static bool run_cost(enum proto proto, const struct options *o)
{
	struct endpoint a, b;
	bool ok;

	endpoint_open(&a, o->dev, proto, o);
	endpoint_open(&b, o->peer, proto, o);
	endpoint_connect(&a, &b);
	endpoint_connect(&b, &a);
	ok = cost(&a, &b, o);
	fflush(stdout);
	endpoint_close(&a);
	endpoint_close(&b);
	return ok;
}

static bool run_all(enum proto proto, const struct options *o)
{
	bool ok = true;

	if (o->tests & ~TEST_COST)
		ok = run(proto, o);
	if (o->tests & TEST_COST)
		ok = run_cost(proto, o) && ok;
	return ok;
}

/* A comma-separated list of test names as enum test bits; 0 if one is unknown. */
static unsigned int parse_tests(const char *text)
{
	char *copy = strdup(text), *save = NULL, *word;
	unsigned int tests = 0, i;

	for (word = strtok_r(copy, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(test_names) / sizeof(test_names[0]); i++)
			if (!strcmp(word, test_names[i]))
				break;
		if (i == sizeof(test_names) / sizeof(test_names[0])) {
			tests = 0;
			break;
		}
		tests |= 1u << i;
	}
	free(copy);
	return tests;
}

static unsigned int number(const char *opt, const char *text, unsigned int min)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 0);
	if (errno || *end || !*text || v < min || v > 1u << 30) {
		fprintf(stderr, "efa-bench: -%s wants a number >= %u, got '%s'\n", opt, min, text);
		exit(2);
	}
	return (unsigned int)v;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: efa-bench [-d DEV] [-D PEER] [-p srd|ud|all] [-T TESTS] [-n ITERS]\n"
		   "                 [-m MSGS] [-s SIZE] [-w WINDOW] [-c CHAIN] [-r RATE] [-t SECONDS]\n"
		   "  DEV, PEER: RDMA devices (default: the first two by name; PEER = DEV\n"
		   "  when there is one); TESTS: some of latency,rate,cost,paced (latency,rate);\n"
		   "  ITERS round trips (1000), MSGS for the other tests (20000), SIZE bytes\n"
		   "  per message (8, at least 8), WINDOW queue depth and messages in flight\n"
		   "  (128), CHAIN sends per ibv_post_send at most (16), RATE paced messages\n"
		   "  a second (1000), SECONDS per test at most (60).\n");
}

int main(int argc, char **argv)
{
	struct options o = { .srd = true, .ud = true, .tests = TEST_LATENCY | TEST_RATE,
			     .iters = 1000, .msgs = 20000, .size = 8, .window = 128,
			     .chain = POST_CHAIN, .rate_per_s = 1000, .timeout_s = 60 };
	bool ok = true;
	int c;

	while ((c = getopt(argc, argv, "d:D:p:T:n:m:s:w:c:r:t:h")) != -1) {
		switch (c) {
		case 'd': o.dev = optarg; break;
		case 'D': o.peer = optarg; break;
		case 'p':
			o.srd = !strcmp(optarg, "srd") || !strcmp(optarg, "all");
			o.ud = !strcmp(optarg, "ud") || !strcmp(optarg, "all");
			if (!o.srd && !o.ud) {
				fprintf(stderr, "efa-bench: -p wants srd, ud or all\n");
				return 2;
			}
			break;
		case 'T':
			o.tests = parse_tests(optarg);
			if (!o.tests) {
				fprintf(stderr, "efa-bench: -T wants some of latency,rate,cost,paced\n");
				return 2;
			}
			break;
		case 'c':
			o.chain = number("c", optarg, 1);
			if (o.chain > POST_CHAIN) {
				fprintf(stderr, "efa-bench: -c wants at most %d\n", POST_CHAIN);
				return 2;
			}
			break;
		case 'r': o.rate_per_s = number("r", optarg, 1); break;
		case 'n': o.iters = number("n", optarg, 1); break;
		case 'm': o.msgs = number("m", optarg, 1); break;
		case 's': o.size = number("s", optarg, 8); break;
		case 'w': o.window = number("w", optarg, 1); break;
		case 't': o.timeout_s = number("t", optarg, 1); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	default_devices(&o);
	if (o.srd)
		ok = run_all(PROTO_SRD, &o) && ok;
	if (o.ud)
		ok = run_all(PROTO_UD, &o) && ok;
	return ok ? 0 : 1;
}
