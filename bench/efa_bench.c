// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * efa-bench: latency and message rate of small sends between two EFA
 * devices (or one device and itself), over SRD and UD, from one process.
 *
 *   efa-bench [-d DEV] [-D PEER] [-p srd|ud|all] [-n ITERS] [-m MSGS]
 *             [-s SIZE] [-w WINDOW] [-t SECONDS]
 *
 * latency: a ping-pong of ITERS round trips between a QP on DEV and one on
 *          PEER; one-way latency is half a round trip.
 * rate:    DEV sends MSGS messages to PEER, at most WINDOW ahead of what
 *          PEER has received (so a receive is always posted and nothing
 *          meets RNR or a UD drop), posted in chains of up to 16 per
 *          doorbell; messages per second from the first post to the last
 *          receive.
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

enum proto { PROTO_SRD, PROTO_UD };

static const char *const proto_names[] = { "srd", "ud" };

struct options {
	const char *dev, *peer;
	bool srd, ud;
	unsigned int iters, msgs, size, window;
	double timeout_s;
};

/* One QP on one device, with its CQ and buffers, and an AH to its peer. */
struct endpoint {
	const char *name;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
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
		.comp_mask = IBV_QP_INIT_ATTR_PD,
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
		if (room > POST_CHAIN)
			room = POST_CHAIN;
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
	printf("efa-bench proto=%s test=rate size=%u dev=%s peer=%s msgs=%u window=%u"
	       " intact=%u lost=%u seconds=%.3f msgs_per_s=%.0f\n",
	       proto_names[a->proto], o->size, a->name, b->name, o->msgs, window,
	       b->intact, sent - b->received, secs, secs > 0 ? b->intact / secs : 0);
	return b->intact == o->msgs && !a->failed && !b->failed && !a->sends_out;
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
	ok = latency(a, b, o);
	ok = rate(a, b, o) && ok;
	fflush(stdout);
	endpoint_close(a);
	if (b != a)
		endpoint_close(b);
	return ok;
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
	fprintf(f, "usage: efa-bench [-d DEV] [-D PEER] [-p srd|ud|all] [-n ITERS] [-m MSGS]\n"
		   "                 [-s SIZE] [-w WINDOW] [-t SECONDS]\n"
		   "  DEV, PEER: RDMA devices (default: the first two by name; PEER = DEV\n"
		   "  when there is one); ITERS round trips (1000), MSGS for the rate (20000),\n"
		   "  SIZE bytes per message (8, at least 8), WINDOW queue depth and messages\n"
		   "  in flight (128), SECONDS per test at most (60).\n");
}

int main(int argc, char **argv)
{
	struct options o = { .srd = true, .ud = true, .iters = 1000, .msgs = 20000,
			     .size = 8, .window = 128, .timeout_s = 60 };
	bool ok = true;
	int c;

	while ((c = getopt(argc, argv, "d:D:p:n:m:s:w:t:h")) != -1) {
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
		ok = run(PROTO_SRD, &o) && ok;
	if (o.ud)
		ok = run(PROTO_UD, &o) && ok;
	return ok ? 0 : 1;
}
