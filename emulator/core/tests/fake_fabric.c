// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <endian.h>
#include <string.h>

#include "fake_fabric.h"

/* ---- the devices' ops ---------------------------------------------------- */

static struct dp_dev *dev_of(void *opaque)
{
	return ((struct fake_host *)opaque)->user;
}

static void fab_schedule(void *opaque)
{
	dev_of(opaque)->scheduled = true;
}

static void fab_timer_arm(void *opaque, uint64_t delay_ns)
{
	(void)delay_ns;
	dev_of(opaque)->timer_armed = true;
}

/* A hub: to every port but the sender's; full if any of them is. */
static bool fab_wire_send(void *opaque, const void *frame, size_t len)
{
	struct dp_dev *d = dev_of(opaque);
	struct fabric *f = d->fab;
	int i;

	d->tx_in_call++;
	if (f->drop_all) {
		f->dropped++;
		return true;
	}
	for (i = 0; i < f->ndev; i++) {
		if (i != d->index && f->port[i].count == f->wire_capacity) {
			d->tx_in_call--;
			d->wire_full = true;
			return false;
		}
	}
	for (i = 0; i < f->ndev; i++) {
		struct fab_port *port = &f->port[i];
		unsigned int slot;

		if (i == d->index)
			continue;
		slot = (port->head + port->count++) % FAB_WIRE_SLOTS;
		port->frames[slot].len = (uint32_t)len;
		memcpy(port->frames[slot].data, frame, len);
	}
	return true;
}

static void fab_trace(void *opaque, unsigned int event, uint32_t qn, uint32_t a, uint64_t b)
{
	struct dp_dev *d = dev_of(opaque);

	if (event <= EFA_TRACE_FRAME_DROP)
		d->traces[event]++;
	if (event == EFA_TRACE_FRAME_DROP && b < 16)
		d->drops[b]++;
	if (getenv("EFA_TEST_TRACE"))
		fprintf(stderr, "  dev%d trace %u qn %u a %#x b %#llx\n", d->index, event, qn, a,
			(unsigned long long)b);
}

static struct efa_core_ops fab_ops;

void dp_config(struct efa_core_config *cfg)
{
	efa_core_config_init(cfg);
	cfg->max_qp = 16;
	cfg->max_cq = 8;
	cfg->max_pd = 16;
	cfg->max_uar = 16;
	cfg->max_ah = 32;
	cfg->max_mr = 64;
	cfg->sub_cqs_per_cq = 2;
	cfg->max_eq = 4;
	cfg->msix_vectors = 5;
}

/* ---- admin helpers ------------------------------------------------------- */

static uint16_t simple(struct fake_host *h, uint8_t opcode)
{
	uint16_t out = 0xffff;

	CHECK_EQ(drv_simple(h, opcode, 0, &out), EFA_ADMIN_SUCCESS);
	return out;
}

static uint16_t create_eq(struct dp_dev *d)
{
	struct efa_admin_aq_entry entry = { 0 };
	struct efa_admin_create_eq_cmd *cmd = (void *)&entry;
	struct efa_admin_acq_entry resp;
	uint16_t eqn;

	memset(guest_ptr(d->h, EQ_ADDR), 0, 64 * 16);
	cmd->aq_common_descriptor.opcode = EFA_ADMIN_CREATE_EQ;
	cmd->depth = htole16(64);
	cmd->msix_vec = 1;
	cmd->caps = 4;
	cmd->ba.mem_addr_low = htole32((uint32_t)EQ_ADDR);
	cmd->ba.mem_addr_high = htole32(EQ_ADDR >> 32);
	cmd->event_bitmask = htole32(1);
	CHECK_EQ(drv_exec(d->h, &entry, &resp), EFA_ADMIN_SUCCESS);
	eqn = le16toh(((struct efa_admin_create_eq_resp *)&resp)->eqn);
	/* the driver arms its EQs once created and after each interrupt */
	efa_core_reg_write(d->h->core, EFA_REGS_EQ_DB_OFF, eqn | EFA_REGS_EQ_DB_ARM_MASK);
	return eqn;
}

int dp_reg_mr(struct dp_dev *d, uint64_t iova, uint32_t pages, uint8_t perms, uint32_t *key,
	      uint64_t bad_page)
{
	struct efa_admin_aq_entry entry = { 0 };
	struct efa_admin_reg_mr_cmd *cmd = (void *)&entry;
	struct efa_admin_acq_entry resp;
	uint64_t *list = guest_ptr(d->h, DP_PBL_ADDR);
	uint64_t first = (iova - DATA_IOVA) >> 12;
	uint32_t i;
	int status;

	for (i = 0; i < pages; i++)
		list[i] = htole64(DATA_ADDR + ((first + i) ^ 1) * 4096ull);
	if (bad_page)
		list[bad_page - 1] = htole64(0x7000000000ull);
	cmd->aq_common_desc.opcode = EFA_ADMIN_REG_MR;
	cmd->aq_common_desc.flags = EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_MASK;
	cmd->pd = htole16(d->pd);
	cmd->pbl.pbl.length = htole32(pages * 8);
	cmd->pbl.pbl.address.mem_addr_low = htole32((uint32_t)DP_PBL_ADDR);
	cmd->pbl.pbl.address.mem_addr_high = htole32(DP_PBL_ADDR >> 32);
	cmd->mr_length = htole64(pages * 4096ull);
	cmd->flags = 12;
	cmd->permissions = perms;
	cmd->iova = htole64(iova);
	status = drv_exec(d->h, &entry, &resp);
	if (key)
		*key = le32toh(((struct efa_admin_reg_mr_resp *)&resp)->l_key);
	return status;
}

uint16_t dp_ah(struct dp_dev *d, const struct dp_dev *other)
{
	struct efa_admin_aq_entry entry = { 0 };
	struct efa_admin_create_ah_cmd *cmd = (void *)&entry;
	struct efa_admin_acq_entry resp;

	cmd->aq_common_desc.opcode = EFA_ADMIN_CREATE_AH;
	memcpy(cmd->dest_addr, other->cfg.addr, 16);
	cmd->pd = htole16(d->pd);
	CHECK_EQ(drv_exec(d->h, &entry, &resp), EFA_ADMIN_SUCCESS);
	return le16toh(((struct efa_admin_create_ah_resp *)&resp)->ah);
}

/* ---- the fabric ---------------------------------------------------------- */

struct fabric *fabric_new(int ndev, const struct efa_core_config *cfg)
{
	struct fabric *f = calloc(1, sizeof(*f));
	struct efa_core_config base;
	int i;

	fab_ops = fake_ops;
	fab_ops.schedule = fab_schedule;
	fab_ops.dp_timer_arm = fab_timer_arm;
	fab_ops.wire_send = fab_wire_send;
	fab_ops.trace = fab_trace;
	if (!cfg) {
		dp_config(&base);
		cfg = &base;
	}
	for (i = 0; i < FAB_MAX_DEVS; i++)
		f->port[i].frames = calloc(FAB_WIRE_SLOTS, sizeof(*f->port[i].frames));
	f->wire_capacity = FAB_WIRE_SLOTS;
	f->ndev = ndev;
	for (i = 0; i < ndev; i++) {
		struct dp_dev *d = &f->dev[i];

		d->fab = f;
		d->index = i;
		d->cfg = *cfg;
		d->cfg.guid = EFA_CORE_DEFAULT_GUID + 0x100 + i;
		efa_core_config_addr_from_guid(&d->cfg);
		d->h = fake_new_ops(&d->cfg, &fab_ops, d);
		d->llq_size = efa_core_mem_bar_size(&d->cfg);
		d->llq = calloc(1, d->llq_size);
		efa_core_attach_llq(d->h->core, d->llq, d->llq_size);
		dp_dev_reset(d);
	}
	return f;
}

void dp_dev_reset(struct dp_dev *d)
{
	CHECK_EQ(drv_reset(d->h), 0);
	drv_admin_init(d->h, 32, 16, 0);
	d->cqs = d->qps = 0;
	d->pd = simple(d->h, EFA_ADMIN_ALLOC_PD);
	d->uar = simple(d->h, EFA_ADMIN_ALLOC_UAR);
	d->eqn = create_eq(d);
	CHECK_EQ(dp_reg_mr(d, DATA_IOVA, DATA_PAGES,
			   EFA_ADMIN_REG_MR_CMD_LOCAL_WRITE_ENABLE_MASK |
			   EFA_ADMIN_REG_MR_CMD_REMOTE_WRITE_ENABLE_MASK |
			   EFA_ADMIN_REG_MR_CMD_REMOTE_READ_ENABLE_MASK, &d->key, 0),
		 EFA_ADMIN_SUCCESS);
}

void fabric_free(struct fabric *f)
{
	int i;

	for (i = 0; i < f->ndev; i++) {
		fake_free(f->dev[i].h);
		free(f->dev[i].llq);
	}
	for (i = 0; i < FAB_MAX_DEVS; i++)
		free(f->port[i].frames);
	free(f);
}

void fabric_run(struct fabric *f)
{
	unsigned int iter;
	int i;

	for (iter = 0; iter < 1000000; iter++) {
		bool moved = false;

		for (i = 0; i < f->ndev; i++) {
			struct dp_dev *d = &f->dev[i];

			if (!d->scheduled)
				continue;
			d->scheduled = false;
			d->tx_in_call = 0;
			d->process_calls++;
			efa_core_process(d->h->core);
			if (d->tx_in_call > d->max_tx_in_call)
				d->max_tx_in_call = d->tx_in_call;
			moved = true;
		}
		for (i = 0; i < f->ndev; i++) {
			struct fab_port *port = &f->port[i];
			struct efa_core *core = f->dev[i].h->core;

			while (port->count && efa_core_wire_can_receive(core)) {
				efa_core_wire_receive(core, port->frames[port->head].data,
						      port->frames[port->head].len);
				port->head = (port->head + 1) % FAB_WIRE_SLOTS;
				port->count--;
				f->delivered++;
				moved = true;
			}
		}
		for (i = 0; i < f->ndev; i++) {
			if (f->dev[i].wire_full) {
				f->dev[i].wire_full = false;
				efa_core_wire_writable(f->dev[i].h->core);
				moved = true;
			}
		}
		if (!moved)
			return;
	}
	CHECK(!"fabric never settles");
}

void fabric_ticks(struct fabric *f, unsigned int n)
{
	int i;

	while (n--) {
		for (i = 0; i < f->ndev; i++) {
			if (f->dev[i].timer_armed) {
				f->dev[i].timer_armed = false;
				efa_core_dp_timer(f->dev[i].h->core);
			}
		}
		fabric_run(f);
	}
}

/* ---- data ---------------------------------------------------------------- */

uint8_t *dp_data(struct dp_dev *d, uint64_t iova)
{
	uint64_t page = (iova - DATA_IOVA) >> 12;

	return guest_ptr(d->h, DATA_ADDR + (page ^ 1) * 4096 + (iova & 0xfff));
}

void dp_fill(struct dp_dev *d, uint64_t iova, uint32_t len, uint8_t seed)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		*dp_data(d, iova + i) = (uint8_t)(seed + i * 7 + (i >> 8));
}

bool dp_check(struct dp_dev *d, uint64_t iova, uint32_t len, uint8_t seed)
{
	uint32_t i;

	for (i = 0; i < len; i++) {
		if (*dp_data(d, iova + i) != (uint8_t)(seed + i * 7 + (i >> 8))) {
			fprintf(stderr, "  data differs at byte %u of %u\n", i, len);
			return false;
		}
	}
	return true;
}

/* ---- CQ ------------------------------------------------------------------ */

int dp_cq_create(struct dp_dev *d, const struct dp_cq_args *a, struct dp_cq *cq)
{
	struct efa_admin_aq_entry entry = { 0 };
	struct efa_admin_create_cq_cmd *cmd = (void *)&entry;
	struct efa_admin_acq_entry resp;
	struct efa_admin_create_cq_resp *r = (void *)&resp;
	int status;

	memset(cq, 0, sizeof(*cq));
	cq->d = d;
	cq->depth = a->depth ? a->depth : 64;
	cq->entry_size = a->entry_size ? a->entry_size : 32;
	cq->subs = d->cfg.sub_cqs_per_cq;
	cq->ring = CQ_RINGS + (uint64_t)d->cqs++ * CQ_RING_SIZE;
	memset(guest_ptr(d->h, cq->ring), 0, CQ_RING_SIZE);
	cmd->aq_common_desc.opcode = EFA_ADMIN_CREATE_CQ;
	if (a->interrupts) {
		cmd->cq_caps_1 = EFA_ADMIN_CREATE_CQ_CMD_INTERRUPT_MODE_ENABLED_MASK;
		cmd->eqn = htole16(d->eqn);
	}
	cq->virt = a->virt;
	if (a->virt) {
		uint32_t i, size = (uint32_t)cq->depth * cq->entry_size * cq->subs;

		for (i = 0; i < size; i++)
			*dp_data(d, a->virt + i) = 0;
		cmd->cq_caps_1 |= EFA_ADMIN_CREATE_CQ_CMD_VIRT_MASK;
		cmd->l_key = htole32(d->key);
		cq->ring = a->virt;
	}
	cmd->cq_caps_2 = (cq->entry_size / 4) |
			 (a->src_addr ? EFA_ADMIN_CREATE_CQ_CMD_SET_SRC_ADDR_MASK : 0);
	cmd->cq_depth = htole16(cq->depth);
	cmd->cq_ba.mem_addr_low = htole32((uint32_t)cq->ring);
	cmd->cq_ba.mem_addr_high = htole32(cq->ring >> 32);
	cmd->num_sub_cqs = htole16(cq->subs);
	cmd->uar = htole16(d->uar);
	status = drv_exec(d->h, &entry, &resp);
	cq->cqn = le16toh(r->cq_idx);
	cq->db = le32toh(r->db_offset);
	return status;
}

/* Like rdma-core's poll: sub-CQs round robin, phase per lap, doorbell after. */
bool dp_poll(struct dp_cq *cq, uint8_t *out)
{
	uint16_t i;

	for (i = 0; i < cq->subs; i++) {
		uint16_t s = (uint16_t)((cq->next + i) % cq->subs);
		uint32_t idx = cq->cc[s] % cq->depth;
		uint64_t off = ((uint64_t)s * cq->depth + idx) * cq->entry_size;
		/* an entry never crosses a page: one translation is enough */
		uint8_t *e = cq->virt ? dp_data(cq->d, cq->virt + off) :
					guest_ptr(cq->d->h, cq->ring + off);
		uint8_t phase = !((cq->cc[s] / cq->depth) & 1);

		if ((e[3] & EFA_IO_CDESC_COMMON_PHASE_MASK) != phase)
			continue;
		memcpy(out, e, cq->entry_size);
		cq->cc[s]++;
		cq->total++;
		cq->next = (uint16_t)((s + 1) % cq->subs);
		efa_core_db_write(cq->d->h->core, cq->db, cq->total & 0xffff);
		return true;
	}
	return false;
}

void dp_cq_arm(struct dp_cq *cq, uint8_t cmd_sn)
{
	uint32_t db = 0;

	EFA_SET(&db, EFA_IO_REGS_CQ_DB_CONSUMER_INDEX, cq->total);
	EFA_SET(&db, EFA_IO_REGS_CQ_DB_CMD_SN, cmd_sn & 3);
	EFA_SET(&db, EFA_IO_REGS_CQ_DB_ARM, 1);
	efa_core_db_write(cq->d->h->core, cq->db, db);
}

/* ---- QP ------------------------------------------------------------------ */

static int modify(struct dp_qp *qp, uint32_t mask, uint32_t state, uint32_t qkey, uint8_t rnr)
{
	struct efa_admin_aq_entry entry = { 0 };
	struct efa_admin_modify_qp_cmd *cmd = (void *)&entry;

	cmd->aq_common_desc.opcode = EFA_ADMIN_MODIFY_QP;
	cmd->modify_mask = htole32(mask | EFA_ADMIN_MODIFY_QP_CMD_QP_STATE_MASK);
	cmd->qp_handle = htole32(qp->qpn);
	cmd->qp_state = htole32(state);
	cmd->qkey = htole32(qkey);
	cmd->rnr_retry = rnr;
	return drv_exec(qp->d->h, &entry, NULL);
}

int dp_qp_modify(struct dp_qp *qp, uint32_t state)
{
	return modify(qp, 0, state, 0, 0);
}

int dp_qp_create(struct dp_dev *d, const struct dp_qp_args *a, struct dp_cq *scq,
		 struct dp_cq *rcq, struct dp_qp *qp)
{
	struct efa_admin_aq_entry entry = { 0 };
	struct efa_admin_create_qp_cmd *cmd = (void *)&entry;
	struct efa_admin_acq_entry resp;
	struct efa_admin_create_qp_resp *r = (void *)&resp;
	int status;

	memset(qp, 0, sizeof(*qp));
	qp->d = d;
	qp->type = a->type ? a->type : EFA_ADMIN_QP_TYPE_SRD;
	qp->scq = scq;
	qp->rcq = rcq;
	qp->depth = a->sq_depth ? a->sq_depth : 64;
	qp->wqe_size = a->wqe_size ? a->wqe_size : 64;
	qp->rq_entries = a->rq_entries ? a->rq_entries : 256;
	qp->rq_ring = RQ_RINGS + (uint64_t)d->qps++ * RQ_RING_SIZE;
	qp->qkey = a->qkey ? a->qkey : 0x11111111;
	cmd->aq_common_desc.opcode = EFA_ADMIN_CREATE_QP;
	cmd->pd = htole16(d->pd);
	cmd->qp_type = qp->type;
	cmd->flags = a->unsolicited ? EFA_ADMIN_CREATE_QP_CMD_UNSOLICITED_WRITE_RECV_MASK : 0;
	cmd->rq_base_addr = htole64(qp->rq_ring);
	cmd->send_cq_idx = htole32(scq->cqn);
	cmd->recv_cq_idx = htole32(rcq->cqn);
	cmd->qp_alloc_size.send_queue_ring_size = htole32(qp->depth * qp->wqe_size);
	cmd->qp_alloc_size.send_queue_depth = htole32(qp->depth);
	cmd->qp_alloc_size.recv_queue_ring_size = htole32(qp->rq_entries * 16);
	cmd->qp_alloc_size.recv_queue_depth = htole32(qp->rq_entries);
	cmd->uar = htole16(d->uar);
	status = drv_exec(d->h, &entry, &resp);
	if (status)
		return status;
	qp->qpn = le16toh(r->qp_num);
	qp->send_sub = le16toh(r->send_sub_cq_idx);
	qp->recv_sub = le16toh(r->recv_sub_cq_idx);
	CHECK_EQ(le32toh(r->llq_descriptors_offset), qp->qpn * d->cfg.max_llq_size);
	return dp_qp_to_rts(qp, a->rnr_retry);
}

int dp_qp_to_rts(struct dp_qp *qp, uint8_t rnr_retry)
{
	int status = modify(qp, 0, EFA_ADMIN_QP_STATE_RESET, 0, 0);

	qp->sq_pc = qp->rq_pc = 0;
	if (!status)
		status = modify(qp, EFA_ADMIN_MODIFY_QP_CMD_QKEY_MASK, EFA_ADMIN_QP_STATE_INIT,
				qp->qkey, 0);
	if (!status)
		status = modify(qp, 0, EFA_ADMIN_QP_STATE_RTR, 0, 0);
	if (!status)
		status = modify(qp, EFA_ADMIN_MODIFY_QP_CMD_SQ_PSN_MASK |
				(qp->type == EFA_ADMIN_QP_TYPE_SRD ?
				 EFA_ADMIN_MODIFY_QP_CMD_RNR_RETRY_MASK : 0),
				EFA_ADMIN_QP_STATE_RTS, 0, rnr_retry);
	return status;
}

int dp_qp_destroy(struct dp_qp *qp)
{
	struct efa_admin_aq_entry entry = { 0 };

	entry.aq_common_descriptor.opcode = EFA_ADMIN_DESTROY_QP;
	entry.u.inline_data_w1[0] = htole32(qp->qpn);
	return drv_exec(qp->d->h, &entry, NULL);
}

static void set_buf(struct efa_io_tx_buf_desc *b, const struct dp_sge *s)
{
	b->length = htole32(s->length);
	EFA_SET(&b->lkey, EFA_IO_TX_BUF_DESC_LKEY, s->lkey);
	b->buf_addr_lo = htole32((uint32_t)s->addr);
	b->buf_addr_hi = htole32((uint32_t)(s->addr >> 32));
}

void dp_post_send(struct dp_qp *qp, const struct dp_wqe *w)
{
	uint8_t buf[EFA_IO_TX_WQE_128_SIZE];
	struct efa_io_tx_meta_desc *md = (void *)buf;
	uint8_t *data = buf + sizeof(*md);
	uint32_t phase = (qp->sq_pc / qp->depth) & 1;
	int i;

	memset(buf, 0, sizeof(buf));
	EFA_SET(&md->ctrl1, EFA_IO_TX_META_DESC_META_DESC, 1);
	EFA_SET(&md->ctrl1, EFA_IO_TX_META_DESC_OP_TYPE, w->op);
	EFA_SET(&md->ctrl2, EFA_IO_TX_META_DESC_PHASE, w->wrong_phase ? !phase : phase);
	EFA_SET(&md->ctrl2, EFA_IO_TX_META_DESC_FIRST, 1);
	EFA_SET(&md->ctrl2, EFA_IO_TX_META_DESC_LAST, 1);
	EFA_SET(&md->ctrl2, EFA_IO_TX_META_DESC_COMP_REQ, 1);
	md->req_id = htole16((uint16_t)w->req_id);
	for (i = 0; i < 3; i++)
		md->req_id_ex.w[i] = htole16((uint16_t)(w->req_id >> (16 * (i + 1))));
	md->dest_qp_num = htole16(w->dest_qpn);
	md->ah = htole16(w->ah);
	md->qkey = htole32(w->qkey ? w->qkey : 0x11111111);
	if (w->imm) {
		EFA_SET(&md->ctrl1, EFA_IO_TX_META_DESC_HAS_IMM, 1);
		md->immediate_data = htole32(w->imm_data);
	}
	if (w->op == EFA_IO_SEND) {
		if (w->inline_data) {
			EFA_SET(&md->ctrl1, EFA_IO_TX_META_DESC_INLINE_MSG, 1);
			memcpy(data, w->inline_data, w->inline_len);
			md->length = htole16(w->inline_len);
		} else {
			struct efa_io_tx_buf_desc *sgl = (void *)data;

			for (i = 0; i < w->nsge; i++)
				set_buf(&sgl[i], &w->sge[i]);
			md->length = htole16((uint16_t)w->nsge);
		}
	} else {
		struct efa_io_rdma_req *rr = (void *)data;
		uint32_t len = 0;

		rr->remote_mem.rkey = htole32(w->rkey);
		rr->remote_mem.buf_addr_lo = htole32((uint32_t)w->raddr);
		rr->remote_mem.buf_addr_hi = htole32((uint32_t)(w->raddr >> 32));
		if (w->inline_data) {
			struct efa_io_rdma_req_128 *r128 = (void *)data;

			EFA_SET(&md->ctrl1, EFA_IO_TX_META_DESC_INLINE_MSG, 1);
			memcpy(r128->inline_data, w->inline_data, w->inline_len);
			md->length = htole16(w->inline_len);
			len = w->inline_len;
		} else {
			for (i = 0; i < w->nsge; i++) {
				set_buf(&rr->local_mem[i], &w->sge[i]);
				len += w->sge[i].length;
			}
			md->length = htole16((uint16_t)w->nsge);
		}
		rr->remote_mem.length = htole32(w->rlen ? w->rlen : len);
	}
	if (w->use_length_override)
		md->length = htole16(w->length_override);
	md->ctrl1 ^= w->ctrl1_xor;
	md->ctrl2 ^= w->ctrl2_xor;
	memcpy(qp->d->llq + (uint64_t)qp->qpn * qp->d->cfg.max_llq_size +
	       (uint64_t)(qp->sq_pc % qp->depth) * qp->wqe_size, buf, qp->wqe_size);
	qp->sq_pc++;
}

void dp_ring_sq(struct dp_qp *qp)
{
	efa_core_db_write(qp->d->h->core, qp->qpn * EFA_CORE_DB_PAGE_SIZE + EFA_CORE_SQ_DB_IN_PAGE,
			  qp->sq_pc & 0xffff);
}

void dp_post_recv(struct dp_qp *qp, uint16_t req_id, const struct dp_sge *sge, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct efa_io_rx_desc *d = guest_ptr(qp->d->h, qp->rq_ring +
						     (qp->rq_pc % qp->rq_entries) * 16ull);

		memset(d, 0, sizeof(*d));
		d->req_id = htole16(i ? 0 : req_id);
		d->length = htole16((uint16_t)sge[i].length);
		d->buf_addr_lo = htole32((uint32_t)sge[i].addr);
		d->buf_addr_hi = htole32((uint32_t)(sge[i].addr >> 32));
		EFA_SET(&d->lkey_ctrl, EFA_IO_RX_DESC_LKEY, sge[i].lkey);
		EFA_SET(&d->lkey_ctrl, EFA_IO_RX_DESC_FIRST, i == 0);
		EFA_SET(&d->lkey_ctrl, EFA_IO_RX_DESC_LAST, i == n - 1);
		qp->rq_pc++;
	}
}

void dp_ring_rq(struct dp_qp *qp)
{
	efa_core_db_write(qp->d->h->core, qp->qpn * EFA_CORE_DB_PAGE_SIZE + EFA_CORE_RQ_DB_IN_PAGE,
			  qp->rq_pc & 0xffff);
}
