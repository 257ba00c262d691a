// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <endian.h>
#include <string.h>

#include "fake_host.h"

unsigned int tests_failed, checks_run;

static int in_window(uint64_t addr, size_t len)
{
	return addr >= GUEST_BASE && len <= GUEST_SIZE &&
	       addr - GUEST_BASE <= GUEST_SIZE - len;
}

static int fake_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
	struct fake_host *h = opaque;

	if (!in_window(addr, len))
		return -1;
	memcpy(buf, h->mem + (addr - GUEST_BASE), len);
	return 0;
}

static int fake_dma_write(void *opaque, uint64_t addr, const void *buf, size_t len)
{
	struct fake_host *h = opaque;

	if (!in_window(addr, len))
		return -1;
	memcpy(h->mem + (addr - GUEST_BASE), buf, len);
	return 0;
}

static void fake_msix(void *opaque, unsigned int vector)
{
	struct fake_host *h = opaque;

	if (vector < 64)
		h->irqs[vector]++;
}

static void fake_timer_arm(void *opaque, uint64_t delay_ms)
{
	struct fake_host *h = opaque;

	h->timer_ms = delay_ms;
	h->timer_arms++;
}

static uint64_t fake_now(void *opaque)
{
	return ((struct fake_host *)opaque)->now;
}

static void fake_error(void *opaque, const char *msg)
{
	struct fake_host *h = opaque;

	h->errors++;
	snprintf(h->last_error, sizeof(h->last_error), "%s", msg);
	if (getenv("EFA_TEST_VERBOSE"))
		fprintf(stderr, "  device: %s\n", msg);
}

static void fake_objects_changed(void *opaque)
{
	((struct fake_host *)opaque)->objects_changed++;
}

const struct efa_core_ops fake_ops = {
	.dma_read = fake_dma_read,
	.dma_write = fake_dma_write,
	.msix_notify = fake_msix,
	.timer_arm = fake_timer_arm,
	.now_ns = fake_now,
	.guest_error = fake_error,
	.objects_changed = fake_objects_changed,
};

struct fake_host *fake_new(const struct efa_core_config *cfg)
{
	return fake_new_ops(cfg, &fake_ops, NULL);
}

struct fake_host *fake_new_ops(const struct efa_core_config *cfg,
			       const struct efa_core_ops *ops, void *user)
{
	struct fake_host *h = calloc(1, sizeof(*h));
	struct efa_core_config defaults;
	const char *why = NULL;

	if (!cfg) {
		efa_core_config_init(&defaults);
		cfg = &defaults;
	}
	h->user = user;
	h->core = efa_core_new(cfg, ops, h, &why);
	if (!h->core) {
		fprintf(stderr, "efa_core_new: %s\n", why);
		abort();
	}
	return h;
}

void fake_free(struct fake_host *h)
{
	efa_core_free(h->core);
	free(h);
}

void *guest_ptr(struct fake_host *h, uint64_t addr)
{
	return h->mem + (addr - GUEST_BASE);
}

uint32_t drv_read_reg(struct fake_host *h, uint16_t off)
{
	struct efa_admin_mmio_req_read_less_resp *resp = guest_ptr(h, READLESS_ADDR);

	h->readless_seq++;
	resp->req_id = htole16(h->readless_seq + 0x9a);
	efa_core_reg_write(h->core, EFA_REGS_MMIO_REG_READ_OFF,
			   ((uint32_t)off << 16) | h->readless_seq);
	if (le16toh(resp->req_id) != h->readless_seq || le16toh(resp->reg_off) != off)
		return 0xffffffff;
	return le32toh(resp->reg_val);
}

static void set_readless_addr(struct fake_host *h)
{
	efa_core_reg_write(h->core, EFA_REGS_MMIO_RESP_LO_OFF, (uint32_t)READLESS_ADDR);
	efa_core_reg_write(h->core, EFA_REGS_MMIO_RESP_HI_OFF, READLESS_ADDR >> 32);
}

int drv_reset(struct fake_host *h)
{
	uint32_t sts;

	set_readless_addr(h);
	sts = drv_read_reg(h, EFA_REGS_DEV_STS_OFF);
	if (!(sts & EFA_REGS_DEV_STS_READY_MASK))
		return -1;
	efa_core_reg_write(h->core, EFA_REGS_DEV_CTL_OFF, EFA_REGS_DEV_CTL_DEV_RESET_MASK);
	set_readless_addr(h);
	sts = drv_read_reg(h, EFA_REGS_DEV_STS_OFF);
	if (!(sts & EFA_REGS_DEV_STS_RESET_IN_PROGRESS_MASK))
		return -2;
	efa_core_reg_write(h->core, EFA_REGS_DEV_CTL_OFF, 0);
	sts = drv_read_reg(h, EFA_REGS_DEV_STS_OFF);
	if (sts & EFA_REGS_DEV_STS_RESET_IN_PROGRESS_MASK)
		return -3;
	return 0;
}

void drv_admin_init(struct fake_host *h, uint16_t aq_depth, uint16_t aenq_depth,
		    uint8_t msix_vector)
{
	memset(guest_ptr(h, AQ_ADDR), 0, 0x6000);
	h->aq_depth = aq_depth;
	h->aq_pc = 0;
	h->acq_cc = 0;
	h->aenq_depth = aenq_depth;
	h->aenq_cc = 0;
	efa_core_reg_write(h->core, EFA_REGS_AQ_BASE_LO_OFF, (uint32_t)AQ_ADDR);
	efa_core_reg_write(h->core, EFA_REGS_AQ_BASE_HI_OFF, AQ_ADDR >> 32);
	efa_core_reg_write(h->core, EFA_REGS_AQ_CAPS_OFF, aq_depth | (64u << 16));
	efa_core_reg_write(h->core, EFA_REGS_ACQ_BASE_LO_OFF, (uint32_t)ACQ_ADDR);
	efa_core_reg_write(h->core, EFA_REGS_ACQ_BASE_HI_OFF, ACQ_ADDR >> 32);
	efa_core_reg_write(h->core, EFA_REGS_ACQ_CAPS_OFF,
			   aq_depth | (64u << 16) | ((uint32_t)msix_vector << 24));
	efa_core_reg_write(h->core, EFA_REGS_AENQ_BASE_LO_OFF, (uint32_t)AENQ_ADDR);
	efa_core_reg_write(h->core, EFA_REGS_AENQ_BASE_HI_OFF, AENQ_ADDR >> 32);
	efa_core_reg_write(h->core, EFA_REGS_AENQ_CAPS_OFF,
			   aenq_depth | (64u << 16) | ((uint32_t)msix_vector << 24));
	efa_core_reg_write(h->core, EFA_REGS_AENQ_CONS_DB_OFF, 0);
}

int drv_exec(struct fake_host *h, struct efa_admin_aq_entry *cmd,
	     struct efa_admin_acq_entry *resp)
{
	struct efa_admin_aq_entry *aq = guest_ptr(h, AQ_ADDR);
	struct efa_admin_acq_entry *acq = guest_ptr(h, ACQ_ADDR);
	uint16_t mask = h->aq_depth - 1;
	uint8_t phase = !((h->aq_pc / h->aq_depth) & 1);
	uint8_t cq_phase = !((h->acq_cc / h->aq_depth) & 1);
	struct efa_admin_acq_entry *cqe;

	cmd->aq_common_descriptor.command_id = htole16(h->aq_pc & 0xfff);
	cmd->aq_common_descriptor.flags =
		(cmd->aq_common_descriptor.flags & ~EFA_ADMIN_AQ_COMMON_DESC_PHASE_MASK) |
		phase;
	aq[h->aq_pc & mask] = *cmd;
	h->aq_pc++;
	efa_core_reg_write(h->core, EFA_REGS_AQ_PROD_DB_OFF, h->aq_pc);

	cqe = &acq[h->acq_cc & mask];
	if ((cqe->acq_common_descriptor.flags & 1) != cq_phase)
		return -1;
	h->acq_cc++;
	if (resp)
		*resp = *cqe;
	if (le16toh(cqe->acq_common_descriptor.command) != (uint16_t)((h->aq_pc - 1) & 0xfff))
		return -2;
	return cqe->acq_common_descriptor.status;
}

int drv_get_feature(struct fake_host *h, uint8_t id,
		    struct efa_admin_get_feature_resp *resp)
{
	struct efa_admin_aq_entry entry = { 0 };
	struct efa_admin_get_feature_cmd *cmd = (void *)&entry;

	cmd->aq_common_descriptor.opcode = EFA_ADMIN_GET_FEATURE;
	cmd->feature_common.feature_id = id;
	return drv_exec(h, &entry, (struct efa_admin_acq_entry *)resp);
}

int drv_simple(struct fake_host *h, uint8_t opcode, uint16_t handle,
	       uint16_t *out_handle)
{
	struct efa_admin_aq_entry entry = { 0 };
	struct efa_admin_acq_entry resp = { 0 };
	uint16_t out;
	int status;

	entry.aq_common_descriptor.opcode = opcode;
	/* every dealloc/destroy of PD, UAR, EQ has its u16 handle here */
	entry.u.inline_data_w1[0] = htole32(handle);
	status = drv_exec(h, &entry, &resp);
	memcpy(&out, resp.response_specific_data, sizeof(out));
	if (out_handle)
		*out_handle = le16toh(out);
	return status;
}

unsigned int drv_aenq_poll(struct fake_host *h, uint16_t *groups, unsigned int max)
{
	struct efa_admin_aenq_entry *aenq = guest_ptr(h, AENQ_ADDR);
	unsigned int n = 0;

	for (;;) {
		struct efa_admin_aenq_entry *e = &aenq[h->aenq_cc & (h->aenq_depth - 1)];
		uint8_t phase = !((h->aenq_cc / h->aenq_depth) & 1);

		if ((e->aenq_common_desc.flags & 1) != phase)
			break;
		if (n < max)
			groups[n] = le16toh(e->aenq_common_desc.group);
		n++;
		h->aenq_cc++;
	}
	if (n)
		efa_core_reg_write(h->core, EFA_REGS_AENQ_CONS_DB_OFF, h->aenq_cc);
	return n;
}
