// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Completion events through efa.ko, from a completion channel: a CQ armed
 * with ibv_req_notify_cq gets one event (EQE -> MSI-X -> efa_eq_event ->
 * the CQ's comp_handler -> the channel) per arming; a CQ not armed gets
 * none; CQs destroyed while their event may be on its way leave the kernel
 * sound.  The traffic is a UD send from a QP to itself.  Prints KEY=VALUE
 * words; the test (test_cq_events.py) judges.
 *
 *   cq-events events DEV N       N arm / send / event cycles, then one
 *                                send without arming
 *   cq-events race DEV N         N times: a CQ armed, a send, and the QP
 *                                and CQ destroyed at once
 *   cq-events no-channel DEV     creating a CQ with a channel: errno
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <infiniband/verbs.h>

#define QKEY		0x1234u
#define MSG		64
#define GRH		40
#define EVENT_WAIT_MS	10000
#define QUIET_MS	300

struct ctx {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	struct ibv_ah *ah;
	char buf[2 * (GRH + MSG)];
};

static void die(const char *what, int err)
{
	fprintf(stderr, "cq-events: %s: %s\n", what, strerror(err));
	exit(2);
}

static void *must(const char *what, void *obj)
{
	if (!obj)
		die(what, errno ? errno : EINVAL);
	return obj;
}

static void must_rc(const char *what, int rc)
{
	if (rc)
		die(what, rc < 0 ? -rc : rc);
}

static struct ibv_context *open_by_name(const char *name)
{
	struct ibv_device **list = must("ibv_get_device_list", ibv_get_device_list(NULL));
	struct ibv_context *ctx = NULL;
	int i;

	for (i = 0; list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	return must(name, ctx);
}

static void setup(struct ctx *c, const char *dev)
{
	struct ibv_ah_attr ah = { .is_global = 1, .port_num = 1 };

	c->ctx = open_by_name(dev);
	c->pd = must("ibv_alloc_pd", ibv_alloc_pd(c->ctx));
	c->mr = must("ibv_reg_mr", ibv_reg_mr(c->pd, c->buf, sizeof(c->buf),
					      IBV_ACCESS_LOCAL_WRITE));
	must_rc("ibv_query_gid", ibv_query_gid(c->ctx, 1, 0, &ah.grh.dgid));
	c->ah = must("ibv_create_ah", ibv_create_ah(c->pd, &ah));
}

static void teardown(struct ctx *c)
{
	ibv_destroy_ah(c->ah);
	ibv_dereg_mr(c->mr);
	ibv_dealloc_pd(c->pd);
	ibv_close_device(c->ctx);
}

/* A UD QP on CQ (send and receive), in RTS, with one receive posted. */
static struct ibv_qp *ud_qp(struct ctx *c, struct ibv_cq *cq)
{
	struct ibv_qp_init_attr init = {
		.send_cq = cq, .recv_cq = cq, .qp_type = IBV_QPT_UD, .sq_sig_all = 1,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4, .max_send_sge = 1,
			 .max_recv_sge = 1 },
	};
	struct ibv_qp_attr attr = { .qp_state = IBV_QPS_INIT, .port_num = 1, .qkey = QKEY };
	struct ibv_qp *qp = must("ibv_create_qp", ibv_create_qp(c->pd, &init));

	must_rc("modify QP to INIT", ibv_modify_qp(qp, &attr, IBV_QP_STATE |
		IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_QKEY));
	attr.qp_state = IBV_QPS_RTR;
	must_rc("modify QP to RTR", ibv_modify_qp(qp, &attr, IBV_QP_STATE));
	attr.qp_state = IBV_QPS_RTS;
	must_rc("modify QP to RTS", ibv_modify_qp(qp, &attr, IBV_QP_STATE | IBV_QP_SQ_PSN));
	return qp;
}

static void post_recv(struct ctx *c, struct ibv_qp *qp)
{
	struct ibv_sge sge = { (uintptr_t)c->buf, GRH + MSG, c->mr->lkey };
	struct ibv_recv_wr wr = { .wr_id = 2, .sg_list = &sge, .num_sge = 1 }, *bad;

	must_rc("ibv_post_recv", ibv_post_recv(qp, &wr, &bad));
}

static void post_send(struct ctx *c, struct ibv_qp *qp)
{
	struct ibv_sge sge = { (uintptr_t)c->buf + GRH + MSG, MSG, c->mr->lkey };
	struct ibv_send_wr wr = {
		.wr_id = 1, .sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;

	wr.wr.ud.ah = c->ah;
	wr.wr.ud.remote_qpn = qp->qp_num;
	wr.wr.ud.remote_qkey = QKEY;
	must_rc("ibv_post_send", ibv_post_send(qp, &wr, &bad));
}

/* Whether the channel has an event within MS milliseconds. */
static int event_within(struct ibv_comp_channel *ch, int ms)
{
	struct pollfd pfd = { .fd = ch->fd, .events = POLLIN };
	int n = poll(&pfd, 1, ms);

	if (n < 0)
		die("poll", errno);
	return n > 0;
}

/* Reap the send's and the receive's completions (both on CQ). */
static int reap_two(struct ibv_cq *cq)
{
	struct timespec t0, t;
	int got = 0, n;
	struct ibv_wc wc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (got < 2) {
		n = ibv_poll_cq(cq, 1, &wc);
		if (n < 0)
			die("ibv_poll_cq", EIO);
		if (n && wc.status != IBV_WC_SUCCESS) {
			fprintf(stderr, "cq-events: completion %s\n", ibv_wc_status_str(wc.status));
			return -1;
		}
		got += n;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >
		    EVENT_WAIT_MS)
			return -1;
	}
	return 0;
}

static int events(const char *dev, unsigned int n)
{
	unsigned int i, got = 0, wrong_cq = 0, missed = 0, bad = 0, unarmed_events;
	struct ibv_comp_channel *ch;
	struct ibv_cq *cq, *ev_cq;
	struct ibv_qp *qp;
	struct ctx c;
	void *ev_ctx;

	setup(&c, dev);
	ch = must("ibv_create_comp_channel", ibv_create_comp_channel(c.ctx));
	cq = must("ibv_create_cq", ibv_create_cq(c.ctx, 8, &c, ch, 0));
	qp = ud_qp(&c, cq);
	for (i = 0; i < n; i++) {
		post_recv(&c, qp);
		must_rc("ibv_req_notify_cq", ibv_req_notify_cq(cq, 0));
		post_send(&c, qp);
		if (!event_within(ch, EVENT_WAIT_MS)) {
			missed++;
			break;
		}
		must_rc("ibv_get_cq_event", ibv_get_cq_event(ch, &ev_cq, &ev_ctx));
		if (ev_cq != cq || ev_ctx != &c)
			wrong_cq++;
		ibv_ack_cq_events(ev_cq, 1);
		got++;
		if (reap_two(cq)) {
			bad++;
			break;
		}
	}
	/* not armed: completions, but no event */
	post_recv(&c, qp);
	post_send(&c, qp);
	if (reap_two(cq))
		bad++;
	unarmed_events = event_within(ch, QUIET_MS);
	printf("cycles=%u events=%u wrong_cq=%u missed=%u bad_completions=%u unarmed_events=%u\n",
	       n, got, wrong_cq, missed, bad, unarmed_events);
	ibv_destroy_qp(qp);
	ibv_destroy_cq(cq);
	ibv_destroy_comp_channel(ch);
	teardown(&c);
	return 0;
}

static int race(const char *dev, unsigned int n)
{
	unsigned int i, pending = 0;
	struct ctx c;

	setup(&c, dev);
	for (i = 0; i < n; i++) {
		struct ibv_comp_channel *ch =
			must("ibv_create_comp_channel", ibv_create_comp_channel(c.ctx));
		struct ibv_cq *cq = must("ibv_create_cq",
					 ibv_create_cq(c.ctx, 8, NULL, ch,
						       i % c.ctx->num_comp_vectors));
		struct ibv_qp *qp = ud_qp(&c, cq);

		post_recv(&c, qp);
		must_rc("ibv_req_notify_cq", ibv_req_notify_cq(cq, 0));
		post_send(&c, qp);
		/* every few rounds, give the event time to be on its way */
		if (i % 4 == 3)
			pending += event_within(ch, 50);
		must_rc("ibv_destroy_qp", ibv_destroy_qp(qp));
		must_rc("ibv_destroy_cq", ibv_destroy_cq(cq));
		must_rc("ibv_destroy_comp_channel", ibv_destroy_comp_channel(ch));
	}
	printf("rounds=%u pending_at_destroy=%u\n", n, pending);
	teardown(&c);
	return 0;
}

static int no_channel(const char *dev)
{
	struct ibv_context *ctx = open_by_name(dev);
	struct ibv_comp_channel *ch = must("ibv_create_comp_channel",
					   ibv_create_comp_channel(ctx));
	struct ibv_cq *cq = ibv_create_cq(ctx, 8, NULL, ch, 0);

	printf("errno=%d\n", cq ? 0 : errno);
	if (cq)
		ibv_destroy_cq(cq);
	ibv_destroy_comp_channel(ch);
	ibv_close_device(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "events"))
		return events(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "race"))
		return race(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "no-channel"))
		return no_channel(argv[2]);
	fprintf(stderr, "usage: cq-events events|race DEV N | no-channel DEV\n");
	return 2;
}
