// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Traffic through libefa between two EFA devices (or one device and itself)
 * in one process, for the VM suite (test_provider_traffic.py).  Each
 * scenario checks what it sent against what arrived, byte for byte, and
 * prints key=value lines; the last is "result=ok" or the first failure.
 *
 *   efa-traffic DEV_A DEV_B srd      many sends over SRD: sizes 0 to the
 *                                    MTU, inline and SGL, immediate,
 *                                    ibv_post_send and ibv_wr_* chains
 *                                    across SQ wraps and doorbell batches,
 *                                    64-bit wr_ids
 *   efa-traffic DEV_A DEV_B ud       the same over UD (40-byte GRH room)
 *   efa-traffic DEV_A DEV_B rdma     RDMA write, read back, write with
 *                                    immediate (when the device has them)
 *   efa-traffic DEV_A DEV_B events|events-ud
 *                                    CQ events through completion channels,
 *                                    100 rounds (SRD or UD)
 *   efa-traffic DEV_A DEV_B events-pingpong
 *                                    rdma-core's UD ping-pong with events
 *   efa-traffic DEV_A DEV_B full     a full SQ and a full RQ: ENOMEM
 *   efa-traffic DEV_A DEV_B threads  4 threads post on one SQ at once (both
 *                                    APIs), a 5th polls its CQ meanwhile
 *   efa-traffic DEV_A DEV_B direct   sends written into the SQ ring and
 *                                    their CQEs read from the CQ rings
 *                                    efadv_query_qp_wqs and _cq describe
 *   efa-traffic DEV_A DEV_B srd-128|ud-128|rdma-128
 *                                    the same with inline data up to
 *                                    inline_buf_size_ex (128-byte WQEs;
 *                                    inline RDMA writes)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <infiniband/efadv.h>

#include <efa_hw_io.h>

#define QKEY 0x12345678
#define BUF_SIZE (4u << 20)
#define SLOT 16384		/* receive slot: room for an MTU and the GRH */
#define GRH 40
#define RECVS 128
#define WR_ID_HIGH 0xfeed000000000000ull	/* bits a 16-bit id cannot carry */

struct side {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_cq_ex *cqx;
	struct ibv_comp_channel *channel;
	struct ibv_qp *qp;
	struct ibv_qp_ex *qpx;
	struct ibv_mr *mr;
	uint8_t *buf;
	union ibv_gid gid;
	struct ibv_ah *ah;	/* to the other side */
	struct efadv_device_attr dev;
	uint32_t mtu;
	uint32_t sq_depth;	/* what create_qp made of the SQ */
	uint32_t max_inline;
};

static const char *scenario;
/* the "-128" scenarios: inline data to inline_buf_size_ex (128-byte WQEs) */
static bool wide;

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("result=FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static struct ibv_context *open_by_name(const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	int i;

	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	if (!ctx)
		fail("cannot open %s: %s", name, strerror(errno));
	return ctx;
}

static void to_rts(struct ibv_qp *qp)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = 1, .qkey = QKEY,
	};

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
				  IBV_QP_PORT | IBV_QP_QKEY))
		fail("to INIT: %s", strerror(errno));
	a.qp_state = IBV_QPS_RTR;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE))
		fail("to RTR: %s", strerror(errno));
	a.qp_state = IBV_QPS_RTS;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN))
		fail("to RTS: %s", strerror(errno));
}

static uint64_t send_ops(const struct side *s, bool srd)
{
	uint64_t ops = IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_SEND_WITH_IMM;

	if (!srd)
		return ops;
	if (s->dev.device_caps & EFADV_DEVICE_ATTR_CAPS_RDMA_READ)
		ops |= IBV_QP_EX_WITH_RDMA_READ;
	if (s->dev.device_caps & EFADV_DEVICE_ATTR_CAPS_RDMA_WRITE)
		ops |= IBV_QP_EX_WITH_RDMA_WRITE | IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM;
	return ops;
}

static void setup(struct side *s, const char *name, bool srd, uint32_t sq_wr,
		  bool channel)
{
	struct ibv_cq_init_attr_ex cq_attr = {
		.cqe = 1024,
		.wc_flags = IBV_WC_EX_WITH_BYTE_LEN | IBV_WC_EX_WITH_IMM |
			    IBV_WC_EX_WITH_SRC_QP | IBV_WC_EX_WITH_SLID |
			    IBV_WC_EX_WITH_QP_NUM,
	};
	struct ibv_qp_init_attr_ex qp_attr = {};
	struct efadv_qp_init_attr efa = { .driver_qp_type = EFADV_QP_DRIVER_TYPE_SRD };
	struct ibv_port_attr port;

	s->ctx = open_by_name(name);
	if (efadv_query_device(s->ctx, &s->dev, sizeof(s->dev)))
		fail("efadv_query_device");
	if (ibv_query_port(s->ctx, 1, &port) || ibv_query_gid(s->ctx, 1, 0, &s->gid))
		fail("query port/gid");
	s->mtu = port.max_msg_sz;
	s->pd = ibv_alloc_pd(s->ctx);
	if (channel) {
		s->channel = ibv_create_comp_channel(s->ctx);
		if (!s->channel)
			fail("comp channel: %s", strerror(errno));
		cq_attr.channel = s->channel;
	}
	s->cqx = ibv_create_cq_ex(s->ctx, &cq_attr);
	if (!s->pd || !s->cqx)
		fail("pd/cq: %s", strerror(errno));
	s->cq = ibv_cq_ex_to_cq(s->cqx);
	s->buf = aligned_alloc(4096, BUF_SIZE);
	memset(s->buf, 0, BUF_SIZE);
	s->mr = ibv_reg_mr(s->pd, s->buf, BUF_SIZE, IBV_ACCESS_LOCAL_WRITE |
			   (srd && s->dev.device_caps & EFADV_DEVICE_ATTR_CAPS_RDMA_READ ?
			    IBV_ACCESS_REMOTE_READ : 0) |
			   (srd && s->dev.device_caps & EFADV_DEVICE_ATTR_CAPS_RDMA_WRITE ?
			    IBV_ACCESS_REMOTE_WRITE : 0));
	if (!s->mr)
		fail("reg_mr: %s", strerror(errno));

	qp_attr.qp_type = srd ? IBV_QPT_DRIVER : IBV_QPT_UD;
	qp_attr.send_cq = s->cq;
	qp_attr.recv_cq = s->cq;
	qp_attr.cap.max_send_wr = sq_wr;
	qp_attr.cap.max_recv_wr = RECVS;
	qp_attr.cap.max_send_sge = 2;
	qp_attr.cap.max_recv_sge = 1;
	qp_attr.cap.max_inline_data = wide ? s->dev.inline_buf_size_ex :
					     s->dev.inline_buf_size;
	/* RDMA writes may carry inline data then, where the device writes */
	if (wide && srd && s->dev.device_caps & EFADV_DEVICE_ATTR_CAPS_RDMA_WRITE)
		efa.flags = EFADV_QP_FLAGS_INLINE_WRITE;
	qp_attr.sq_sig_all = 1;
	qp_attr.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
	qp_attr.pd = s->pd;
	qp_attr.send_ops_flags = send_ops(s, srd);
	s->qp = srd ? efadv_create_qp_ex(s->ctx, &qp_attr, &efa, sizeof(efa)) :
		      ibv_create_qp_ex(s->ctx, &qp_attr);
	if (!s->qp)
		fail("create_qp: %s", strerror(errno));
	s->sq_depth = qp_attr.cap.max_send_wr;
	s->max_inline = qp_attr.cap.max_inline_data;
	s->qpx = ibv_qp_to_qp_ex(s->qp);
	if (!s->qpx)
		fail("no qp_ex");
	to_rts(s->qp);
}

static void connect_to(struct side *s, const struct side *peer)
{
	struct ibv_ah_attr a = {
		.is_global = 1, .port_num = 1,
		.grh = { .dgid = peer->gid },
	};

	s->ah = ibv_create_ah(s->pd, &a);
	if (!s->ah)
		fail("create_ah: %s", strerror(errno));
}

static uint8_t pattern(uint32_t msg, uint32_t byte)
{
	return (uint8_t)(msg * 31 + byte * 7 + 1);
}

/* Message m's length: the MTU, 0, some inline sizes, the rest spread. */
static uint32_t msg_len(uint32_t m, uint32_t max_len)
{
	if (m == 1)
		return max_len;
	if (m % 5 == 0)
		return m % (EFA_IO_TX_DESC_INLINE_MAX_SIZE_128 + 1);
	return (m * 977) % (max_len + 1);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* One completion; fails on timeout (the model runs under TCG: be patient). */
static void poll_one(struct side *s, struct ibv_wc *wc)
{
	double end = now() + 20;

	for (;;) {
		int n = ibv_poll_cq(s->cq, 1, wc);

		if (n < 0)
			fail("poll_cq: %d", n);
		if (n)
			return;
		if (now() > end)
			fail("no completion in 20 s");
	}
}

static void post_recv_slot(struct side *s, uint32_t slot)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)s->buf + (uint64_t)slot * SLOT,
		.length = SLOT, .lkey = s->mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = slot, .sg_list = &sge, .num_sge = 1 }, *bad;
	int err = ibv_post_recv(s->qp, &wr, &bad);

	if (err)
		fail("post_recv: %s", strerror(err));
}

/*
 * Messages 0..count-1 from a to b: message i is len(i) bytes of pattern(i)
 * with immediate i; every 5th goes inline if it fits; chains of `chain`
 * alternate between ibv_post_send and an ibv_wr_* session.  b's receives
 * are checked byte for byte (they may arrive in any order).
 */
static void messages(struct side *a, struct side *b, uint32_t count,
		     uint32_t chain, uint32_t max_len, bool ud)
{
	uint32_t off = ud ? GRH : 0, sent = 0, acked = 0, got = 0, i;
	uint32_t src_base = RECVS * SLOT;	/* a's send data, after its slots */
	uint8_t *seen = calloc(count, 1);
	uint8_t *acks = calloc(count, 1);
	struct ibv_wc wc;

	for (i = 0; i < RECVS; i++)
		post_recv_slot(b, i);
	while (got < count || acked < count) {
		/* post a chain when the SQ has room and b has receives for it */
		if (sent < count && sent - acked + chain <= a->sq_depth &&
		    sent - got + chain <= RECVS) {
			struct ibv_send_wr wrs[64], *bad = NULL;
			struct ibv_sge sges[64][2];
			uint32_t n = count - sent < chain ? count - sent : chain, k;
			bool wr_api = (sent / chain) % 2;

			if (wr_api)
				ibv_wr_start(a->qpx);
			for (k = 0; k < n; k++) {
				uint32_t m = sent + k, j;
				uint32_t len = msg_len(m, max_len);
				uint8_t *src = a->buf + src_base + (uint64_t)(m % 64) * SLOT;
				bool inl = m % 5 == 0 && len <= a->max_inline;
				uint32_t half = len / 2;

				for (j = 0; j < len; j++)
					src[j] = pattern(m, j);
				/* two SGEs for odd messages */
				sges[k][0] = (struct ibv_sge){ (uintptr_t)src,
					m % 2 ? half : len, a->mr->lkey };
				sges[k][1] = (struct ibv_sge){ (uintptr_t)src + half,
					len - half, a->mr->lkey };
				if (wr_api) {
					a->qpx->wr_id = WR_ID_HIGH | m;
					a->qpx->wr_flags = IBV_SEND_SIGNALED;
					ibv_wr_send_imm(a->qpx, htobe32(m));
					ibv_wr_set_ud_addr(a->qpx, a->ah, b->qp->qp_num, QKEY);
					if (inl)
						ibv_wr_set_inline_data(a->qpx, src, len);
					else
						ibv_wr_set_sge_list(a->qpx, m % 2 ? 2 : 1, sges[k]);
					continue;
				}
				wrs[k] = (struct ibv_send_wr){
					.wr_id = WR_ID_HIGH | m,
					.next = k + 1 < n ? &wrs[k + 1] : NULL,
					.sg_list = sges[k], .num_sge = m % 2 ? 2 : 1,
					.opcode = IBV_WR_SEND_WITH_IMM,
					.send_flags = IBV_SEND_SIGNALED |
						      (inl ? IBV_SEND_INLINE : 0),
					.imm_data = htobe32(m),
				};
				wrs[k].wr.ud.ah = a->ah;
				wrs[k].wr.ud.remote_qpn = b->qp->qp_num;
				wrs[k].wr.ud.remote_qkey = QKEY;
			}
			if (wr_api) {
				int err = ibv_wr_complete(a->qpx);

				if (err)
					fail("wr_complete at %u: %s", sent, strerror(err));
			} else {
				int err = ibv_post_send(a->qp, wrs, &bad);

				if (err)
					fail("post_send at %u: %s", sent, strerror(err));
			}
			sent += n;
		}
		if (ibv_poll_cq(a->cq, 1, &wc) > 0) {
			uint64_t m = wc.wr_id & ~WR_ID_HIGH;

			if (wc.status != IBV_WC_SUCCESS)
				fail("send %llu: status %d vendor_err %u",
				     (unsigned long long)m, wc.status, wc.vendor_err);
			if ((wc.wr_id & WR_ID_HIGH) != WR_ID_HIGH || m >= count || acks[m]++)
				fail("send completion wr_id %#llx", (unsigned long long)wc.wr_id);
			if (wc.opcode != IBV_WC_SEND || wc.qp_num != a->qp->qp_num)
				fail("send completion opcode %d qp %u", wc.opcode, wc.qp_num);
			acked++;
		}
		if (ibv_poll_cq(b->cq, 1, &wc) > 0) {
			uint32_t m, len, j, slot = wc.wr_id;
			uint8_t *dst = b->buf + (uint64_t)slot * SLOT + off;

			if (wc.status != IBV_WC_SUCCESS)
				fail("recv: status %d vendor_err %u", wc.status, wc.vendor_err);
			if (!(wc.wc_flags & IBV_WC_WITH_IMM) || wc.opcode != IBV_WC_RECV)
				fail("recv: flags %#x opcode %d", wc.wc_flags, wc.opcode);
			m = be32toh(wc.imm_data);
			if (m >= count || seen[m]++)
				fail("recv: immediate %u", m);
			len = msg_len(m, max_len);
			if (wc.byte_len != len + off && wc.byte_len != len)
				fail("recv %u: byte_len %u for %u", m, wc.byte_len, len);
			if (m == 2 && ud)
				printf("ud_byte_len_includes_grh=%d\n", wc.byte_len == len + off);
			if (wc.src_qp != a->qp->qp_num || wc.qp_num != b->qp->qp_num)
				fail("recv %u: src_qp %u qp %u", m, wc.src_qp, wc.qp_num);
			for (j = 0; j < len; j++)
				if (dst[j] != pattern(m, j))
					fail("recv %u: byte %u is %#x, sent %#x", m, j,
					     dst[j], pattern(m, j));
			memset(dst, 0, len);
			got++;
			post_recv_slot(b, slot);
		}
	}
	printf("%s_messages=%u\n", scenario, got);
	free(seen);
	free(acks);
}

static void rdma(struct side *a, struct side *b)
{
	const uint32_t len = 256 * 1024;
	uint8_t *local = a->buf, *remote = b->buf, *back = a->buf + len;
	struct ibv_wc wc;
	uint32_t i;

	for (i = 0; i < len; i++)
		local[i] = pattern(7, i);
	if (a->dev.device_caps & EFADV_DEVICE_ATTR_CAPS_RDMA_WRITE) {
		ibv_wr_start(a->qpx);
		a->qpx->wr_id = 1;
		a->qpx->wr_flags = IBV_SEND_SIGNALED;
		ibv_wr_rdma_write(a->qpx, b->mr->rkey, (uintptr_t)remote);
		ibv_wr_set_ud_addr(a->qpx, a->ah, b->qp->qp_num, QKEY);
		ibv_wr_set_sge(a->qpx, a->mr->lkey, (uintptr_t)local, len);
		if (ibv_wr_complete(a->qpx))
			fail("rdma write post");
		poll_one(a, &wc);
		if (wc.status || wc.wr_id != 1 || wc.opcode != IBV_WC_RDMA_WRITE)
			fail("rdma write: status %d vendor_err %u opcode %d",
			     wc.status, wc.vendor_err, wc.opcode);
		if (memcmp(local, remote, len))
			fail("rdma write: data differ");
		printf("rdma_write=ok\n");

		post_recv_slot(b, 0);
		ibv_wr_start(a->qpx);
		a->qpx->wr_id = 2;
		ibv_wr_rdma_write_imm(a->qpx, b->mr->rkey, (uintptr_t)remote + len,
				      htobe32(0xabcd));
		ibv_wr_set_ud_addr(a->qpx, a->ah, b->qp->qp_num, QKEY);
		ibv_wr_set_sge(a->qpx, a->mr->lkey, (uintptr_t)local, len);
		if (ibv_wr_complete(a->qpx))
			fail("rdma write imm post");
		poll_one(a, &wc);
		if (wc.status || wc.wr_id != 2)
			fail("rdma write imm: status %d vendor_err %u", wc.status, wc.vendor_err);
		poll_one(b, &wc);
		if (wc.status || wc.opcode != IBV_WC_RECV_RDMA_WITH_IMM ||
		    be32toh(wc.imm_data) != 0xabcd || wc.byte_len != len)
			fail("rdma write imm recv: status %d opcode %d imm %#x len %u",
			     wc.status, wc.opcode, be32toh(wc.imm_data), wc.byte_len);
		if (memcmp(local, remote + len, len))
			fail("rdma write imm: data differ");
		printf("rdma_write_imm=ok\n");
		if (wide && a->max_inline > EFA_IO_TX_DESC_INLINE_MAX_SIZE) {
			ibv_wr_start(a->qpx);
			a->qpx->wr_id = 4;
			ibv_wr_rdma_write(a->qpx, b->mr->rkey, (uintptr_t)remote + 2 * len);
			ibv_wr_set_ud_addr(a->qpx, a->ah, b->qp->qp_num, QKEY);
			ibv_wr_set_inline_data(a->qpx, local + 5, a->max_inline);
			if (ibv_wr_complete(a->qpx))
				fail("inline rdma write post");
			poll_one(a, &wc);
			if (wc.status || wc.wr_id != 4)
				fail("inline rdma write: status %d vendor_err %u",
				     wc.status, wc.vendor_err);
			if (memcmp(local + 5, remote + 2 * len, a->max_inline))
				fail("inline rdma write: data differ");
			printf("rdma_write_inline=%u\n", a->max_inline);
		}
	}
	if (a->dev.device_caps & EFADV_DEVICE_ATTR_CAPS_RDMA_READ) {
		for (i = 0; i < len; i++)
			remote[i] = pattern(9, i);
		ibv_wr_start(a->qpx);
		a->qpx->wr_id = 3;
		a->qpx->wr_flags = IBV_SEND_SIGNALED;
		ibv_wr_rdma_read(a->qpx, b->mr->rkey, (uintptr_t)remote);
		ibv_wr_set_ud_addr(a->qpx, a->ah, b->qp->qp_num, QKEY);
		ibv_wr_set_sge(a->qpx, a->mr->lkey, (uintptr_t)back, len);
		if (ibv_wr_complete(a->qpx))
			fail("rdma read post");
		poll_one(a, &wc);
		if (wc.status || wc.wr_id != 3)
			fail("rdma read: status %d vendor_err %u", wc.status, wc.vendor_err);
		printf("rdma_read_opcode=%d\n", wc.opcode);
		if (memcmp(back, remote, len))
			fail("rdma read: data differ");
		printf("rdma_read=ok\n");
	}
}

/*
 * One completion of s through its channel, as rdma-core's tests wait: the
 * event, re-arm, then poll (again after the next event if the poll comes
 * back empty).
 */
static void wait_event(struct side *s, struct ibv_wc *wc, int round)
{
	struct pollfd pfd = { .fd = s->channel->fd, .events = POLLIN };
	struct ibv_cq *ev_cq;
	void *ev_ctx;
	int n = 0;

	while (!n) {
		if (poll(&pfd, 1, 20000) != 1)
			fail("no completion event in round %d", round);
		if (ibv_get_cq_event(s->channel, &ev_cq, &ev_ctx) || ev_cq != s->cq)
			fail("get_cq_event");
		ibv_ack_cq_events(s->cq, 1);
		if (ibv_req_notify_cq(s->cq, 0))
			fail("req_notify_cq");
		n = ibv_poll_cq(s->cq, 1, wc);
		if (n < 0)
			fail("poll_cq: %d", n);
	}
}

static void events(struct side *a, struct side *b)
{
	const int rounds = 100;
	struct ibv_wc wc;
	int round;

	if (ibv_req_notify_cq(a->cq, 0) || ibv_req_notify_cq(b->cq, 0))
		fail("req_notify_cq");
	for (round = 0; round < rounds; round++) {
		struct ibv_sge sge = { (uintptr_t)a->buf, 64, a->mr->lkey };
		struct ibv_send_wr wr = {
			.wr_id = round, .sg_list = &sge, .num_sge = 1,
			.opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
		}, *bad;

		post_recv_slot(b, round % RECVS);
		wr.wr.ud.ah = a->ah;
		wr.wr.ud.remote_qpn = b->qp->qp_num;
		wr.wr.ud.remote_qkey = QKEY;
		if (ibv_post_send(a->qp, &wr, &bad))
			fail("post_send");
		wait_event(a, &wc, round);
		if (wc.status || wc.wr_id != (uint64_t)round)
			fail("send event without its completion");
		wait_event(b, &wc, round);
		if (wc.status || wc.wr_id != (uint64_t)(round % RECVS))
			fail("receive event without its completion");
	}
	if (ibv_req_notify_cq(b->cq, 1) != EOPNOTSUPP)
		fail("solicited-only events");
	printf("events=%d\n", 2 * rounds);
}

/*
 * rdma-core's ping-pong with events: b answers each message at once, so
 * a's send completion and the answer land in a's CQ close together, and
 * the second may come between a's event and its re-arm.  The arm doorbell
 * carries the consumer index: a CQ armed with completions not yet
 * consumed must still raise an event, or a waits forever.
 */
static void events_pingpong(struct side *a, struct side *b)
{
	const int rounds = 100;
	struct ibv_sge sa = { (uintptr_t)a->buf + RECVS * SLOT, 64, a->mr->lkey };
	struct ibv_sge sb = { (uintptr_t)b->buf + RECVS * SLOT, 64, b->mr->lkey };
	struct ibv_wc wc;
	int round, i;

	if (ibv_req_notify_cq(a->cq, 0) || ibv_req_notify_cq(b->cq, 0))
		fail("req_notify_cq");
	for (round = 0; round < rounds; round++) {
		struct ibv_send_wr wa = {
			.wr_id = 1000 + round, .sg_list = &sa, .num_sge = 1,
			.opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
		}, wb = wa, *bad;

		wb.sg_list = &sb;
		post_recv_slot(a, round % RECVS);
		post_recv_slot(b, round % RECVS);
		wa.wr.ud.ah = a->ah;
		wa.wr.ud.remote_qpn = b->qp->qp_num;
		wa.wr.ud.remote_qkey = QKEY;
		wb.wr.ud.ah = b->ah;
		wb.wr.ud.remote_qpn = a->qp->qp_num;
		wb.wr.ud.remote_qkey = QKEY;
		if (ibv_post_send(a->qp, &wa, &bad))
			fail("post_send");
		wait_event(b, &wc, round);		/* the ping */
		if (ibv_post_send(b->qp, &wb, &bad))
			fail("post_send");
		for (i = 0; i < 2; i++) {		/* a's send and the pong */
			wait_event(a, &wc, round);
			if (wc.status)
				fail("round %d: status %d", round, wc.status);
		}
		wait_event(b, &wc, round);		/* b's send */
	}
	printf("events=%d\n", 4 * rounds);
}

static void full(struct side *a, struct side *b)
{
	uint32_t depth = a->sq_depth, i;
	struct ibv_send_wr *wrs = calloc(depth + 1, sizeof(*wrs)), *bad = NULL;
	struct ibv_recv_wr *rwrs = calloc(RECVS + 1, sizeof(*rwrs)), *rbad = NULL;
	struct ibv_sge sge = { (uintptr_t)a->buf, 8, a->mr->lkey };
	struct ibv_wc wc;
	int err;

	for (i = 0; i <= depth; i++) {
		wrs[i] = (struct ibv_send_wr){
			.wr_id = i, .next = i < depth ? &wrs[i + 1] : NULL,
			.sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_SEND,
			.send_flags = IBV_SEND_SIGNALED,
		};
		wrs[i].wr.ud.ah = a->ah;
		wrs[i].wr.ud.remote_qpn = b->qp->qp_num;
		wrs[i].wr.ud.remote_qkey = QKEY;
	}
	for (i = 0; i < RECVS; i++)
		post_recv_slot(b, i);
	err = ibv_post_send(a->qp, wrs, &bad);
	if (err != ENOMEM || bad != &wrs[depth])
		fail("full SQ: %d, bad at %ld", err, bad ? (long)(bad - wrs) : -1L);
	for (i = 0; i < depth; i++)
		poll_one(a, &wc);
	/* room again */
	wrs[0].next = NULL;
	if (ibv_post_send(a->qp, wrs, &bad))
		fail("SQ after completions");
	poll_one(a, &wc);
	printf("sq_full=ENOMEM\n");

	/* b's RQ is full with RECVS posted (less what arrived) */
	for (i = 0; i <= RECVS; i++) {
		rwrs[i].wr_id = i;
		rwrs[i].next = i < RECVS ? &rwrs[i + 1] : NULL;
	}
	err = ibv_post_recv(b->qp, rwrs, &rbad);
	if (err != ENOMEM)
		fail("full RQ: %d", err);
	printf("rq_full=ENOMEM\n");
}

/* Bytes from p to the end of the mapping p lies in (/proc/self/maps). */
static size_t mapped_after(const void *p)
{
	unsigned long lo, hi, at = (unsigned long)p;
	char line[512];
	size_t n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= at && at < hi)
			n = hi - at;
	if (f)
		fclose(f);
	return n;
}

/*
 * What libfabric 2.3 does on its own: write send WQEs into the SQ ring
 * efadv_query_qp_wqs describes and ring its doorbell, and read the send
 * CQEs from the rings efadv_query_cq describes (every sub-CQ of the
 * mapping), with no libefa call on the way.  The receiver posts and polls
 * through libefa and checks the bytes.
 */
static void direct(struct side *a, struct side *b)
{
	struct efadv_wq_attr sq, rq;
	struct efadv_cq_attr cq = {};
	const uint32_t count = 3 * a->sq_depth / 2, len = 100;
	uint8_t *src = a->buf + RECVS * SLOT;
	struct efadv_ah_attr ah_attr = {};
	uint32_t cons[64] = {}, consumed = 0, sub_cqs, i, j, k;
	uint16_t spc = 0;
	struct ibv_wc wc;
	bool rid64;

	if (efadv_query_qp_wqs(a->qp, &sq, &rq, sizeof(sq)) ||
	    efadv_query_cq(a->cq, &cq, sizeof(cq)) ||
	    efadv_query_ah(a->ah, &ah_attr, sizeof(ah_attr)))
		fail("efadv_query_qp_wqs/cq/ah");
	rid64 = sq.caps & EFADV_WQ_CAPS_64_BIT_REQ_ID;
	sub_cqs = mapped_after(cq.buffer) / ((size_t)cq.num_entries * cq.entry_size);
	printf("direct_sq_entries=%u direct_sq_entry_size=%u direct_max_batch=%u direct_rid64=%d direct_sub_cqs=%u\n",
	       sq.num_entries, sq.entry_size, sq.max_batch, rid64, sub_cqs);
	if (sq.num_entries != a->sq_depth || !sq.doorbell || !cq.doorbell ||
	    cq.entry_size != sizeof(struct efa_io_rx_cdesc_ex) || !sub_cqs || sub_cqs > 64)
		fail("rings: SQ %u entries for %u, CQ entries of %u bytes, %u sub-CQs",
		     sq.num_entries, a->sq_depth, cq.entry_size, sub_cqs);
	for (i = 0; i < RECVS; i++)
		post_recv_slot(b, i);
	for (i = 0; i < count; i++) {
		struct efa_io_tx_wqe wqe = {};
		uint64_t id = WR_ID_HIGH | i;
		uint8_t *slot = sq.buffer + (size_t)(spc % sq.num_entries) * sq.entry_size;
		const struct efa_io_cdesc_common *c = NULL;
		double end = now() + 20;

		for (j = 0; j < len; j++)
			src[j] = pattern(i, j);
		EFA_SET(&wqe.meta.ctrl1, EFA_IO_TX_META_DESC_META_DESC, 1);
		EFA_SET(&wqe.meta.ctrl1, EFA_IO_TX_META_DESC_OP_TYPE, EFA_IO_SEND);
		EFA_SET(&wqe.meta.ctrl2, EFA_IO_TX_META_DESC_PHASE,
			(spc / sq.num_entries) & 1);
		EFA_SET(&wqe.meta.ctrl2, EFA_IO_TX_META_DESC_FIRST, 1);
		EFA_SET(&wqe.meta.ctrl2, EFA_IO_TX_META_DESC_LAST, 1);
		EFA_SET(&wqe.meta.ctrl2, EFA_IO_TX_META_DESC_COMP_REQ, 1);
		efa_hw_store(&wqe.meta.req_id, (uint16_t)id);
		if (rid64)
			for (j = 0; j < 3; j++)
				efa_hw_store(&wqe.meta.req_id_ex.w[j],
					     (uint16_t)(id >> (16 * (j + 1))));
		efa_hw_store(&wqe.meta.dest_qp_num, b->qp->qp_num);
		efa_hw_store(&wqe.meta.ah, ah_attr.ahn);
		efa_hw_store(&wqe.meta.qkey, QKEY);
		efa_hw_store(&wqe.meta.length, 1);
		efa_hw_store(&wqe.data.sgl[0].length, len);
		EFA_SET(&wqe.data.sgl[0].lkey, EFA_IO_TX_BUF_DESC_LKEY, a->mr->lkey);
		efa_hw_store(&wqe.data.sgl[0].buf_addr_lo, (uint32_t)(uintptr_t)src);
		efa_hw_store(&wqe.data.sgl[0].buf_addr_hi, (uint32_t)((uintptr_t)src >> 32));
		memset(slot, 0, sq.entry_size);
		memcpy(slot, &wqe, sizeof(wqe));
		spc++;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		*(volatile uint32_t *)sq.doorbell = spc;

		/* the send CQE, in whichever sub-CQ the QP's sends go to */
		while (!c) {
			for (k = 0; k < sub_cqs && !c; k++) {
				const struct efa_io_cdesc_common *e = (const void *)
					(cq.buffer + ((size_t)k * cq.num_entries +
						      cons[k] % cq.num_entries) * cq.entry_size);

				/* the device writes the ring behind the compiler's back */
				__atomic_signal_fence(__ATOMIC_SEQ_CST);
				if (EFA_GET(&e->flags, EFA_IO_CDESC_COMMON_PHASE) ==
				    ((cons[k] / cq.num_entries) & 1 ? 0 : 1)) {
					__atomic_thread_fence(__ATOMIC_SEQ_CST);
					c = e;
					cons[k]++;
				}
			}
			if (!c && now() > end)
				fail("direct send %u: no CQE in 20 s", i);
		}
		consumed++;
		*(volatile uint32_t *)cq.doorbell = (uint32_t)EFA_HW_FIELD_PREP(
			EFA_IO_REGS_CQ_DB_CONSUMER_INDEX_MASK, consumed);
		if (c->status || EFA_GET(&c->flags, EFA_IO_CDESC_COMMON_Q_TYPE) != EFA_IO_SEND_QUEUE ||
		    efa_hw_load(&c->req_id) != (uint16_t)id ||
		    efa_hw_load(&c->qp_num) != a->qp->qp_num)
			fail("direct send %u: CQE status %u req_id %#x qp %u", i, c->status,
			     efa_hw_load(&c->req_id), efa_hw_load(&c->qp_num));
		if (rid64) {
			const struct efa_io_tx_cdesc *t = (const void *)c;

			for (j = 0; j < 3; j++)
				if (efa_hw_load(&t->req_id_ex.w[j]) != (uint16_t)(id >> (16 * (j + 1))))
					fail("direct send %u: req_id_ex", i);
		}

		poll_one(b, &wc);
		if (wc.status || wc.byte_len != len)
			fail("direct recv %u: status %d len %u", i, wc.status, wc.byte_len);
		for (j = 0; j < len; j++)
			if (b->buf[(uint64_t)wc.wr_id * SLOT + j] != pattern(i, j))
				fail("direct recv %u: byte %u", i, j);
		post_recv_slot(b, wc.wr_id);
	}
	printf("direct_messages=%u\n", count);
}

/*
 * Several threads post on one QP at once (ibv_post_send and ibv_wr_*
 * sessions in turn), another polls its CQ meanwhile; what arrives is
 * checked as ever.  A full SQ is ENOMEM: the thread tries again.
 */
#define THREADS 4
#define PER_THREAD 150
#define MSG 64

struct sender {
	pthread_t tid;
	struct side *a, *b;
	unsigned int id;
	unsigned int acked;		/* by the poller */
};

static unsigned int sent_total, received_total;

static void *sender_main(void *arg)
{
	struct sender *t = arg;
	struct side *a = t->a;
	uint32_t i, j;

	for (i = 0; i < PER_THREAD; i++) {
		uint32_t m = t->id << 16 | i;
		uint8_t *src = a->buf + RECVS * SLOT + (t->id * 64 + i % 64) * MSG;
		struct ibv_sge sge = { (uintptr_t)src, MSG, a->mr->lkey };
		int err;

		/* the slot's last message has left, and b has room */
		while (i >= 64 + __atomic_load_n(&t->acked, __ATOMIC_ACQUIRE) ||
		       __atomic_load_n(&sent_total, __ATOMIC_ACQUIRE) -
		       __atomic_load_n(&received_total, __ATOMIC_ACQUIRE) >= RECVS / 2)
			sched_yield();	/* one vCPU is all a test VM may have */
		for (j = 0; j < MSG; j++)
			src[j] = pattern(m, j);
		__atomic_fetch_add(&sent_total, 1, __ATOMIC_ACQ_REL);
		do {
			if (i % 2) {
				ibv_wr_start(a->qpx);
				a->qpx->wr_id = m;
				a->qpx->wr_flags = IBV_SEND_SIGNALED;
				ibv_wr_send_imm(a->qpx, htobe32(m));
				ibv_wr_set_ud_addr(a->qpx, a->ah, t->b->qp->qp_num, QKEY);
				ibv_wr_set_sge(a->qpx, sge.lkey, sge.addr, sge.length);
				err = ibv_wr_complete(a->qpx);
			} else {
				struct ibv_send_wr wr = {
					.wr_id = m, .sg_list = &sge, .num_sge = 1,
					.opcode = IBV_WR_SEND_WITH_IMM,
					.send_flags = IBV_SEND_SIGNALED,
					.imm_data = htobe32(m),
				}, *bad;

				wr.wr.ud.ah = a->ah;
				wr.wr.ud.remote_qpn = t->b->qp->qp_num;
				wr.wr.ud.remote_qkey = QKEY;
				err = ibv_post_send(a->qp, &wr, &bad);
			}
		} while (err == ENOMEM && !sched_yield());
		if (err)
			fail("thread %u message %u: %s", t->id, i, strerror(err));
	}
	return NULL;
}

static void *poller_main(void *arg)
{
	struct sender *ts = arg;
	struct side *a = ts[0].a;
	struct ibv_wc wc[8];
	unsigned int done = 0;

	while (done < THREADS * PER_THREAD) {
		int n = ibv_poll_cq(a->cq, 8, wc), k;

		if (n < 0)
			fail("poll_cq: %d", n);
		for (k = 0; k < n; k++) {
			if (wc[k].status || (wc[k].wr_id >> 16) >= THREADS)
				fail("send %#llx: status %d", (unsigned long long)wc[k].wr_id,
				     wc[k].status);
			__atomic_fetch_add(&ts[wc[k].wr_id >> 16].acked, 1, __ATOMIC_ACQ_REL);
		}
		done += n;
		if (!n)
			sched_yield();
	}
	return NULL;
}

static void threads(struct side *a, struct side *b)
{
	struct sender ts[THREADS] = {};
	uint8_t seen[THREADS][PER_THREAD] = {};
	pthread_t poller;
	struct ibv_wc wc;
	unsigned int i, j;

	for (i = 0; i < RECVS; i++)
		post_recv_slot(b, i);
	for (i = 0; i < THREADS; i++) {
		ts[i] = (struct sender){ .a = a, .b = b, .id = i };
		pthread_create(&ts[i].tid, NULL, sender_main, &ts[i]);
	}
	pthread_create(&poller, NULL, poller_main, ts);
	for (i = 0; i < THREADS * PER_THREAD; i++) {
		uint32_t m, t, n;
		uint8_t *dst;

		poll_one(b, &wc);
		m = be32toh(wc.imm_data);
		t = m >> 16;
		n = m & 0xffff;
		if (wc.status || t >= THREADS || n >= PER_THREAD || seen[t][n]++ ||
		    wc.byte_len != MSG)
			fail("recv: status %d immediate %#x len %u", wc.status, m, wc.byte_len);
		dst = b->buf + wc.wr_id * SLOT;
		for (j = 0; j < MSG; j++)
			if (dst[j] != pattern(m, j))
				fail("recv %#x: byte %u", m, j);
		post_recv_slot(b, wc.wr_id);
		__atomic_fetch_add(&received_total, 1, __ATOMIC_ACQ_REL);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(ts[i].tid, NULL);
	pthread_join(poller, NULL);
	printf("threads=%u thread_messages=%u\n", THREADS, THREADS * PER_THREAD);
}

int main(int argc, char **argv)
{
	struct side a = {}, b = {};
	bool srd, self, events_on;

	if (argc != 4) {
		fprintf(stderr, "usage: efa-traffic DEV_A DEV_B srd|ud|rdma|events|full|direct|threads\n");
		return 2;
	}
	scenario = argv[3];
	{
		size_t n = strlen(scenario);

		/* srd-128, ud-128, rdma-128: the wide variants */
		if (n > 4 && !strcmp(scenario + n - 4, "-128")) {
			wide = true;
			scenario = strndup(scenario, n - 4);
		}
	}
	srd = strcmp(scenario, "ud") && strcmp(scenario, "events-ud") &&
	      strcmp(scenario, "events-pingpong");
	self = !strcmp(argv[1], argv[2]);
	events_on = !strncmp(scenario, "events", 6);
	setup(&a, argv[1], srd, strcmp(scenario, "full") ? 32 : 16, events_on);
	setup(&b, argv[2], srd, 32, events_on);
	connect_to(&a, &b);
	connect_to(&b, &a);
	{
		struct efadv_wq_attr sq, rq;

		if (efadv_query_qp_wqs(a.qp, &sq, &rq, sizeof(sq)))
			fail("efadv_query_qp_wqs");
		printf("self=%d sq_depth=%u mtu=%u wqe_size=%u max_inline=%u\n", self,
		       a.sq_depth, a.mtu, sq.entry_size, a.max_inline);
	}

	if (!strcmp(scenario, "srd") || !strcmp(scenario, "ud"))
		messages(&a, &b, 600, 13, a.mtu < SLOT - GRH ? a.mtu : SLOT - GRH,
			 !srd);
	else if (!strcmp(scenario, "rdma"))
		rdma(&a, &b);
	else if (!strcmp(scenario, "events-pingpong"))
		events_pingpong(&a, &b);
	else if (events_on)
		events(&a, &b);
	else if (!strcmp(scenario, "full"))
		full(&a, &b);
	else if (!strcmp(scenario, "direct"))
		direct(&a, &b);
	else if (!strcmp(scenario, "threads"))
		threads(&a, &b);
	else
		fail("unknown scenario %s", scenario);
	printf("result=ok\n");
	return 0;
}
