// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Host unit tests of the device core: the admin protocol exercised through
 * the register file and a fake guest memory, the way a driver uses it.
 */
#include <endian.h>
#include <string.h>

#include "fake_host.h"
#include "object_tests.h"
#include "dp_tests.h"

static struct fake_host *ready_host(const struct efa_core_config *cfg)
{
	struct fake_host *h = fake_new(cfg);

	CHECK_EQ(drv_reset(h), 0);
	drv_admin_init(h, 32, 16, 0);
	return h;
}

static void test_readless_registers(void)
{
	struct fake_host *h = fake_new(NULL);
	uint32_t caps;

	efa_core_reg_write(h->core, EFA_REGS_MMIO_RESP_LO_OFF, (uint32_t)READLESS_ADDR);
	CHECK_EQ(drv_read_reg(h, EFA_REGS_VERSION_OFF), 0x0001);
	CHECK_EQ(drv_read_reg(h, EFA_REGS_CONTROLLER_VERSION_OFF), 0x000001);
	caps = drv_read_reg(h, EFA_REGS_CAPS_OFF);
	CHECK_EQ((caps & EFA_REGS_CAPS_DMA_ADDR_WIDTH_MASK) >> 8, 48);
	CHECK((caps & EFA_REGS_CAPS_RESET_TIMEOUT_MASK) != 0);
	CHECK_EQ(drv_read_reg(h, EFA_REGS_DEV_STS_OFF), EFA_REGS_DEV_STS_READY_MASK);
	/* a direct BAR read sees the same register file */
	CHECK_EQ(efa_core_reg_read(h->core, EFA_REGS_VERSION_OFF), 0x0001);

	/* without a response address the device has nowhere to answer */
	efa_core_reg_write(h->core, EFA_REGS_MMIO_RESP_LO_OFF, 0);
	h->errors = 0;
	CHECK_EQ(drv_read_reg(h, EFA_REGS_VERSION_OFF), 0xffffffff);
	CHECK_EQ(h->errors, 1);

	/* an unreachable response address is reported, nothing crashes */
	efa_core_reg_write(h->core, EFA_REGS_MMIO_RESP_LO_OFF, 0x10);
	efa_core_reg_write(h->core, EFA_REGS_MMIO_REG_READ_OFF, 1);
	CHECK_EQ(h->errors, 2);
	fake_free(h);
}

static void test_reset_handshake(void)
{
	struct fake_host *h = fake_new(NULL);

	CHECK_EQ(drv_reset(h), 0);
	CHECK(drv_read_reg(h, EFA_REGS_DEV_STS_OFF) & EFA_REGS_DEV_STS_READY_MASK);
	/* reset forgets the readless response address */
	efa_core_reg_write(h->core, EFA_REGS_DEV_CTL_OFF, EFA_REGS_DEV_CTL_DEV_RESET_MASK);
	h->errors = 0;
	CHECK_EQ(drv_read_reg(h, EFA_REGS_DEV_STS_OFF), 0xffffffff);
	CHECK_EQ(h->errors, 1);
	efa_core_reg_write(h->core, EFA_REGS_DEV_CTL_OFF, 0);
	fake_free(h);
}

static void test_device_attributes(void)
{
	struct efa_core_config cfg;
	struct efa_admin_get_feature_resp resp;
	struct fake_host *h;

	efa_core_config_init(&cfg);
	cfg.guid = 0x1122334455667788ull;
	efa_core_config_addr_from_guid(&cfg);
	cfg.max_qp = 77;
	cfg.mtu = 4000;
	h = ready_host(&cfg);

	CHECK_EQ(drv_get_feature(h, EFA_ADMIN_DEVICE_ATTR, &resp), EFA_ADMIN_SUCCESS);
	CHECK_EQ(le64toh(resp.u.device_attr.guid), 0x1122334455667788ull);
	CHECK_EQ(le32toh(resp.u.device_attr.admin_api_version), 1);
	CHECK_EQ(le16toh(resp.u.device_attr.db_bar), EFA_CORE_DB_BAR);
	CHECK_EQ(le16toh(resp.u.device_attr.max_link_speed_gbps), 100);
	CHECK(le64toh(resp.u.device_attr.supported_features) & (1u << EFA_ADMIN_HOST_INFO));

	CHECK_EQ(drv_get_feature(h, EFA_ADMIN_QUEUE_ATTR, &resp), EFA_ADMIN_SUCCESS);
	CHECK_EQ(le32toh(resp.u.queue_attr.max_qp), 77);
	CHECK_EQ(le16toh(resp.u.queue_attr.sub_cqs_per_cq), cfg.sub_cqs_per_cq);
	CHECK_EQ(le32toh(resp.u.queue_attr.max_llq_size), cfg.max_llq_size);

	CHECK_EQ(drv_get_feature(h, EFA_ADMIN_NETWORK_ATTR, &resp), EFA_ADMIN_SUCCESS);
	CHECK_EQ(le32toh(resp.u.network_attr.mtu), 4000);
	CHECK_EQ(resp.u.network_attr.addr[0], 0xfe);
	CHECK_EQ(resp.u.network_attr.addr[8], 0x11);
	CHECK_EQ(resp.u.network_attr.addr[15], 0x88);

	CHECK_EQ(drv_get_feature(h, EFA_ADMIN_EVENT_QUEUE_ATTR, &resp), EFA_ADMIN_SUCCESS);
	CHECK_EQ(le32toh(resp.u.event_queue_attr.max_eq), cfg.max_eq);
	CHECK_EQ(le32toh(resp.u.event_queue_attr.max_eq_depth), cfg.max_eq_depth);

	CHECK_EQ(drv_get_feature(h, EFA_ADMIN_QUEUE_ATTR_2, &resp), EFA_ADMIN_SUCCESS);
	CHECK_EQ(le16toh(resp.u.queue_attr_2.inline_buf_size_ex), cfg.inline_buf_size_ex);

	CHECK_EQ(drv_get_feature(h, EFA_ADMIN_HW_HINTS, &resp), EFA_ADMIN_SUCCESS);
	CHECK_EQ(le16toh(resp.u.hw_hints.mmio_read_timeout), cfg.hw_hints.mmio_read_timeout);

	CHECK_EQ(drv_get_feature(h, EFA_ADMIN_AENQ_CONFIG, &resp), EFA_ADMIN_SUCCESS);
	CHECK_EQ(le32toh(resp.u.aenq.supported_groups), 0x1e);
	CHECK_EQ(le32toh(resp.u.aenq.enabled_groups), 0);
	fake_free(h);
}

static void test_feature_support_is_configurable(void)
{
	struct efa_admin_get_feature_resp resp;
	struct efa_core_config cfg;
	struct fake_host *h;

	efa_core_config_init(&cfg);
	cfg.supported_features &= ~(1ull << EFA_ADMIN_EVENT_QUEUE_ATTR);
	h = ready_host(&cfg);
	CHECK_EQ(drv_get_feature(h, EFA_ADMIN_EVENT_QUEUE_ATTR, &resp),
		 EFA_ADMIN_UNSUPPORTED_OPCODE);
	CHECK_EQ(drv_get_feature(h, 8, &resp), EFA_ADMIN_UNSUPPORTED_OPCODE);
	CHECK_EQ(drv_get_feature(h, 0, &resp), EFA_ADMIN_UNSUPPORTED_OPCODE);
	/* HOST_INFO is write-only */
	CHECK_EQ(drv_get_feature(h, EFA_ADMIN_HOST_INFO, &resp),
		 EFA_ADMIN_UNSUPPORTED_OPCODE);
	fake_free(h);
}

static int set_feature(struct fake_host *h, uint8_t id, uint32_t groups,
		       uint8_t flags, uint64_t ctrl_addr, uint32_t ctrl_len)
{
	struct efa_admin_aq_entry entry = { 0 };
	struct efa_admin_set_feature_cmd *cmd = (void *)&entry;

	cmd->aq_common_descriptor.opcode = EFA_ADMIN_SET_FEATURE;
	cmd->aq_common_descriptor.flags = flags;
	cmd->feature_common.feature_id = id;
	cmd->u.aenq.enabled_groups = htole32(groups);
	cmd->control_buffer.length = htole32(ctrl_len);
	cmd->control_buffer.address.mem_addr_low = htole32((uint32_t)ctrl_addr);
	cmd->control_buffer.address.mem_addr_high = htole32(ctrl_addr >> 32);
	return drv_exec(h, &entry, NULL);
}

static void test_set_feature(void)
{
	struct fake_host *h = ready_host(NULL);
	struct efa_admin_host_info *info = guest_ptr(h, CTRL_ADDR);
	struct efa_admin_get_feature_resp resp;
	const uint8_t ctrl = EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_MASK;

	CHECK_EQ(set_feature(h, EFA_ADMIN_AENQ_CONFIG, 0x1e, 0, 0, 0), EFA_ADMIN_SUCCESS);
	CHECK_EQ(drv_get_feature(h, EFA_ADMIN_AENQ_CONFIG, &resp), EFA_ADMIN_SUCCESS);
	CHECK_EQ(le32toh(resp.u.aenq.enabled_groups), 0x1e);
	CHECK_EQ(set_feature(h, EFA_ADMIN_AENQ_CONFIG, 0x21, 0, 0, 0),
		 EFA_ADMIN_ILLEGAL_PARAMETER);

	memset(info, 0, sizeof(*info));
	strcpy((char *)info->os_dist_str, "test");
	CHECK_EQ(set_feature(h, EFA_ADMIN_HOST_INFO, 0, ctrl, CTRL_ADDR, sizeof(*info)),
		 EFA_ADMIN_SUCCESS);
	CHECK_EQ(set_feature(h, EFA_ADMIN_HOST_INFO, 0, 0, CTRL_ADDR, sizeof(*info)),
		 EFA_ADMIN_MALFORMED_REQUEST);
	CHECK_EQ(set_feature(h, EFA_ADMIN_HOST_INFO, 0, ctrl, CTRL_ADDR, 16),
		 EFA_ADMIN_ILLEGAL_PARAMETER);
	CHECK_EQ(set_feature(h, EFA_ADMIN_HOST_INFO, 0, ctrl, CTRL_ADDR, 1u << 20),
		 EFA_ADMIN_ILLEGAL_PARAMETER);
	/* a control buffer outside guest memory is refused, not followed */
	CHECK_EQ(set_feature(h, EFA_ADMIN_HOST_INFO, 0, ctrl, 0xdead0000000ull,
			     sizeof(*info)),
		 EFA_ADMIN_MALFORMED_REQUEST);
	CHECK_EQ(set_feature(h, EFA_ADMIN_DEVICE_ATTR, 0, 0, 0, 0),
		 EFA_ADMIN_UNSUPPORTED_OPCODE);
	fake_free(h);
}

static void test_opcode_status(void)
{
	struct fake_host *h = ready_host(NULL);

	CHECK_EQ(drv_simple(h, 0, 0, NULL), EFA_ADMIN_BAD_OPCODE);
	CHECK_EQ(drv_simple(h, 200, 0, NULL), EFA_ADMIN_BAD_OPCODE);
	CHECK_EQ(drv_simple(h, 30, 0, NULL), EFA_ADMIN_BAD_OPCODE);
	CHECK_EQ(drv_simple(h, EFA_ADMIN_ALLOC_MR, 0, NULL), EFA_ADMIN_UNSUPPORTED_OPCODE);
	CHECK_EQ(drv_simple(h, 27, 0, NULL), EFA_ADMIN_UNSUPPORTED_OPCODE);
	fake_free(h);
}

static void test_pd_uar_tables(void)
{
	struct efa_core_object_counts counts;
	struct efa_core_config cfg;
	struct fake_host *h;
	uint16_t pd[4], uar;
	int i;

	efa_core_config_init(&cfg);
	cfg.max_pd = 3;
	h = ready_host(&cfg);

	for (i = 0; i < 3; i++)
		CHECK_EQ(drv_simple(h, EFA_ADMIN_ALLOC_PD, 0, &pd[i]), EFA_ADMIN_SUCCESS);
	CHECK(pd[0] != pd[1] && pd[1] != pd[2] && pd[0] != pd[2]);
	CHECK_EQ(drv_simple(h, EFA_ADMIN_ALLOC_PD, 0, &pd[3]),
		 EFA_ADMIN_RESOURCE_ALLOCATION_FAILURE);
	CHECK_EQ(drv_simple(h, EFA_ADMIN_ALLOC_UAR, 0, &uar), EFA_ADMIN_SUCCESS);

	efa_core_object_counts(h->core, &counts);
	CHECK_EQ(counts.live[EFA_OBJ_PD], 3);
	CHECK_EQ(counts.live[EFA_OBJ_UAR], 1);

	CHECK_EQ(drv_simple(h, EFA_ADMIN_DEALLOC_PD, pd[1], NULL), EFA_ADMIN_SUCCESS);
	CHECK_EQ(drv_simple(h, EFA_ADMIN_DEALLOC_PD, pd[1], NULL), EFA_ADMIN_ILLEGAL_PARAMETER);
	CHECK_EQ(drv_simple(h, EFA_ADMIN_DEALLOC_PD, 999, NULL), EFA_ADMIN_ILLEGAL_PARAMETER);
	/* reserved half of the handle dword must be zero */
	CHECK_EQ(drv_simple(h, EFA_ADMIN_DEALLOC_PD, 0, NULL), EFA_ADMIN_SUCCESS);
	{
		struct efa_admin_aq_entry entry = { 0 };

		entry.aq_common_descriptor.opcode = EFA_ADMIN_DEALLOC_PD;
		entry.u.inline_data_w1[0] = htole32(0x10000u | pd[2]);
		CHECK_EQ(drv_exec(h, &entry, NULL), EFA_ADMIN_MALFORMED_REQUEST);
	}
	CHECK_EQ(drv_simple(h, EFA_ADMIN_DEALLOC_UAR, uar, NULL), EFA_ADMIN_SUCCESS);

	efa_core_object_counts(h->core, &counts);
	CHECK_EQ(counts.live[EFA_OBJ_PD], 1);
	CHECK_EQ(counts.live[EFA_OBJ_UAR], 0);

	/* a reset discards the leftover PD and counts it as leaked */
	CHECK_EQ(drv_reset(h), 0);
	efa_core_object_counts(h->core, &counts);
	CHECK_EQ(counts.live[EFA_OBJ_PD], 0);
	CHECK_EQ(counts.dropped[EFA_OBJ_PD], 1);
	fake_free(h);
}

/* The host hears of changes once until it reads the counts again. */
static void test_object_changes_are_coalesced(void)
{
	struct efa_core_object_counts counts;
	struct fake_host *h = ready_host(NULL);
	uint16_t pd;
	int i;

	efa_core_object_counts(h->core, &counts);
	h->objects_changed = 0;
	for (i = 0; i < 5; i++)
		CHECK_EQ(drv_simple(h, EFA_ADMIN_ALLOC_PD, 0, &pd), EFA_ADMIN_SUCCESS);
	CHECK_EQ(h->objects_changed, 1);
	efa_core_object_counts(h->core, &counts);
	CHECK_EQ(counts.live[EFA_OBJ_PD], 5);
	CHECK_EQ(drv_simple(h, EFA_ADMIN_DEALLOC_PD, pd, NULL), EFA_ADMIN_SUCCESS);
	CHECK_EQ(h->objects_changed, 2);
	/* a reset that drops objects is a change too */
	efa_core_object_counts(h->core, &counts);
	CHECK_EQ(drv_reset(h), 0);
	CHECK_EQ(h->objects_changed, 3);
	efa_core_object_counts(h->core, &counts);
	CHECK_EQ(counts.dropped[EFA_OBJ_PD], 4);
	fake_free(h);
}

static int create_eq(struct fake_host *h, uint16_t depth, uint8_t vec, uint8_t caps,
		     uint64_t ba, uint32_t events, uint16_t *eqn)
{
	struct efa_admin_aq_entry entry = { 0 };
	struct efa_admin_create_eq_cmd *cmd = (void *)&entry;
	struct efa_admin_acq_entry resp;
	int status;

	cmd->aq_common_descriptor.opcode = EFA_ADMIN_CREATE_EQ;
	cmd->depth = htole16(depth);
	cmd->msix_vec = vec;
	cmd->caps = caps;
	cmd->ba.mem_addr_low = htole32((uint32_t)ba);
	cmd->ba.mem_addr_high = htole32(ba >> 32);
	cmd->event_bitmask = htole32(events);
	status = drv_exec(h, &entry, &resp);
	if (eqn)
		*eqn = le16toh(((struct efa_admin_create_eq_resp *)&resp)->eqn);
	return status;
}

static void test_event_queues(void)
{
	struct efa_core_object_counts counts;
	struct fake_host *h = ready_host(NULL);
	uint16_t eqn, eqn2;

	CHECK_EQ(create_eq(h, 256, 1, 4, EQ_ADDR, 1, &eqn), EFA_ADMIN_SUCCESS);
	CHECK_EQ(create_eq(h, 256, 2, 4, EQ_ADDR + 0x1000, 1, &eqn2), EFA_ADMIN_SUCCESS);
	CHECK(eqn != eqn2);
	/* arming a live EQ is fine, an unknown one is reported */
	h->errors = 0;
	efa_core_reg_write(h->core, EFA_REGS_EQ_DB_OFF, EFA_REGS_EQ_DB_ARM_MASK | eqn);
	CHECK_EQ(h->errors, 0);
	efa_core_reg_write(h->core, EFA_REGS_EQ_DB_OFF, EFA_REGS_EQ_DB_ARM_MASK | 500);
	CHECK_EQ(h->errors, 1);

	CHECK_EQ(create_eq(h, 100, 1, 4, EQ_ADDR, 1, NULL), EFA_ADMIN_ILLEGAL_PARAMETER);
	CHECK_EQ(create_eq(h, 4096, 1, 4, EQ_ADDR, 1, NULL), EFA_ADMIN_ILLEGAL_PARAMETER);
	CHECK_EQ(create_eq(h, 256, 0, 4, EQ_ADDR, 1, NULL), EFA_ADMIN_ILLEGAL_PARAMETER);
	CHECK_EQ(create_eq(h, 256, 33, 4, EQ_ADDR, 1, NULL), EFA_ADMIN_ILLEGAL_PARAMETER);
	CHECK_EQ(create_eq(h, 256, 1, 8, EQ_ADDR, 1, NULL), EFA_ADMIN_ILLEGAL_PARAMETER);
	CHECK_EQ(create_eq(h, 256, 1, 4, 0, 1, NULL), EFA_ADMIN_ILLEGAL_PARAMETER);
	CHECK_EQ(create_eq(h, 256, 1, 4, EQ_ADDR, 2, NULL), EFA_ADMIN_ILLEGAL_PARAMETER);
	CHECK_EQ(create_eq(h, 256, 1, 4 | 0x80, EQ_ADDR, 1, NULL), EFA_ADMIN_MALFORMED_REQUEST);

	efa_core_object_counts(h->core, &counts);
	CHECK_EQ(counts.live[EFA_OBJ_EQ], 2);
	CHECK_EQ(drv_simple(h, EFA_ADMIN_DESTROY_EQ, eqn, NULL), EFA_ADMIN_SUCCESS);
	CHECK_EQ(drv_simple(h, EFA_ADMIN_DESTROY_EQ, eqn, NULL), EFA_ADMIN_ILLEGAL_PARAMETER);
	CHECK_EQ(drv_simple(h, EFA_ADMIN_DESTROY_EQ, eqn2, NULL), EFA_ADMIN_SUCCESS);
	efa_core_object_counts(h->core, &counts);
	CHECK_EQ(counts.live[EFA_OBJ_EQ], 0);
	CHECK_EQ(counts.dropped[EFA_OBJ_EQ], 0);
	fake_free(h);
}

static void test_ring_wrap_and_interrupts(void)
{
	struct fake_host *h = fake_new(NULL);
	struct efa_admin_get_feature_resp resp;
	int i, ok = 0;

	CHECK_EQ(drv_reset(h), 0);
	drv_admin_init(h, 8, 4, 0);
	/* masked after reset: the driver polls */
	CHECK_EQ(drv_get_feature(h, EFA_ADMIN_DEVICE_ATTR, &resp), EFA_ADMIN_SUCCESS);
	CHECK_EQ(h->irqs[0], 0);
	efa_core_reg_write(h->core, EFA_REGS_INTR_MASK_OFF, 0);
	for (i = 0; i < 100; i++)
		ok += drv_get_feature(h, EFA_ADMIN_QUEUE_ATTR, &resp) == EFA_ADMIN_SUCCESS;
	CHECK_EQ(ok, 100);
	CHECK_EQ(h->irqs[0], 100);
	CHECK_EQ(le16toh(resp.acq_common_desc.sq_head_indx), 101 % 8);

	/* completions follow the ACQ's MSI-X vector */
	drv_admin_init(h, 8, 4, 5);
	CHECK_EQ(drv_get_feature(h, EFA_ADMIN_QUEUE_ATTR, &resp), EFA_ADMIN_SUCCESS);
	CHECK_EQ(h->irqs[5], 1);
	fake_free(h);
}

static void test_bad_queue_setup(void)
{
	struct fake_host *h = fake_new(NULL);
	struct efa_admin_aq_entry *aq;

	CHECK_EQ(drv_reset(h), 0);
	/* doorbell before any queue exists */
	h->errors = 0;
	efa_core_reg_write(h->core, EFA_REGS_AQ_PROD_DB_OFF, 1);
	CHECK_EQ(h->errors, 1);

	/* doorbell far beyond the ring is refused */
	drv_admin_init(h, 8, 4, 0);
	efa_core_reg_write(h->core, EFA_REGS_AQ_PROD_DB_OFF, 9);
	CHECK_EQ(h->errors, 2);

	/* an entry with the wrong phase is answered MALFORMED */
	aq = guest_ptr(h, AQ_ADDR);
	memset(aq, 0, sizeof(*aq));
	aq->aq_common_descriptor.opcode = EFA_ADMIN_ALLOC_PD;
	efa_core_reg_write(h->core, EFA_REGS_AQ_PROD_DB_OFF, 1);
	CHECK_EQ(((struct efa_admin_acq_entry *)guest_ptr(h, ACQ_ADDR))
			 ->acq_common_descriptor.status,
		 EFA_ADMIN_MALFORMED_REQUEST);

	/* a queue outside guest memory puts the device in fatal error */
	efa_core_reg_write(h->core, EFA_REGS_AQ_BASE_LO_OFF, 0x1000);
	efa_core_reg_write(h->core, EFA_REGS_AQ_BASE_HI_OFF, 0);
	efa_core_reg_write(h->core, EFA_REGS_AQ_CAPS_OFF, 8 | (64u << 16));
	efa_core_reg_write(h->core, EFA_REGS_AQ_PROD_DB_OFF, 1);
	CHECK(drv_read_reg(h, EFA_REGS_DEV_STS_OFF) & EFA_REGS_DEV_STS_FATAL_ERROR_MASK);
	/* and a reset brings it back */
	CHECK_EQ(drv_reset(h), 0);
	CHECK(!(drv_read_reg(h, EFA_REGS_DEV_STS_OFF) & EFA_REGS_DEV_STS_FATAL_ERROR_MASK));
	fake_free(h);
}

static void test_keep_alive(void)
{
	struct fake_host *h = ready_host(NULL);
	uint16_t groups[32];
	unsigned int n, i, arms;

	/* no timer and no event until the driver enables the group */
	CHECK_EQ(h->timer_arms, 0);
	efa_core_timer(h->core);
	CHECK_EQ(drv_aenq_poll(h, groups, 32), 0);
	CHECK_EQ(h->timer_arms, 0);
	CHECK_EQ(set_feature(h, EFA_ADMIN_AENQ_CONFIG, 0x1e, 0, 0, 0), EFA_ADMIN_SUCCESS);
	CHECK_EQ(h->timer_arms, 1);
	CHECK_EQ(h->timer_ms, 1000);

	h->now = 123456789;
	efa_core_timer(h->core);
	n = drv_aenq_poll(h, groups, 32);
	CHECK_EQ(n, 1);
	CHECK_EQ(groups[0], EFA_ADMIN_KEEP_ALIVE);
	CHECK_EQ(h->irqs[0], 1);

	/* a full queue drops events until the driver consumes */
	for (i = 0; i < 40; i++)
		efa_core_timer(h->core);
	n = drv_aenq_poll(h, groups, 32);
	CHECK_EQ(n, 16);
	for (i = 0; i < 20; i++)
		efa_core_timer(h->core);
	CHECK_EQ(drv_aenq_poll(h, groups, 32), 16);

	/* a reset disables keep-alive: the pending timer fires idle, once */
	arms = h->timer_arms;
	CHECK_EQ(drv_reset(h), 0);
	drv_admin_init(h, 32, 16, 0);
	efa_core_timer(h->core);
	CHECK_EQ(drv_aenq_poll(h, groups, 32), 0);
	CHECK_EQ(h->timer_arms, arms);
	fake_free(h);
}

static void test_config_validation(void)
{
	struct efa_core_config cfg;
	const char *why = NULL;

	efa_core_config_init(&cfg);
	cfg.max_eq = cfg.msix_vectors;
	CHECK(efa_core_new(&cfg, &fake_ops, NULL, &why) == NULL);
	CHECK(why != NULL);

	efa_core_config_init(&cfg);
	cfg.msix_vectors = EFA_CORE_MAX_MSIX_VECTORS + 1;
	CHECK(efa_core_new(&cfg, &fake_ops, NULL, &why) == NULL);

	efa_core_config_init(&cfg);
	cfg.max_llq_size = 100;
	CHECK(efa_core_new(&cfg, &fake_ops, NULL, &why) == NULL);

	efa_core_config_init(&cfg);
	CHECK_EQ(efa_core_mem_bar_size(&cfg), 16u << 20);
	CHECK_EQ(efa_core_db_bar_size(&cfg), 4u << 20);
}

/* Random admin entries must never crash or leave the counts inconsistent. */
static void test_random_commands(void)
{
	struct fake_host *h = ready_host(NULL);
	struct efa_core_object_counts counts;
	uint32_t seed = 12345;
	int i, j, answered = 0;

	for (i = 0; i < 20000; i++) {
		struct efa_admin_aq_entry entry;
		uint8_t *raw = (uint8_t *)&entry;
		int status;

		for (j = 0; j < (int)sizeof(entry); j++) {
			seed = seed * 1103515245 + 12345;
			raw[j] = seed >> 16;
		}
		/* mostly valid opcodes, so the handlers see the garbage */
		if (i % 4)
			entry.aq_common_descriptor.opcode %= 22;
		status = drv_exec(h, &entry, NULL);
		answered += status >= 0 && status <= EFA_ADMIN_RESOURCE_BUSY;
	}
	CHECK_EQ(answered, 20000);
	efa_core_object_counts(h->core, &counts);
	for (j = 0; j < EFA_OBJ_CLASSES; j++)
		CHECK(counts.live[j] <= 0x10000);
	fake_free(h);
}

/* efa_core_tests [NAME...]: the tests named, or all of them. */
int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "readless_registers", test_readless_registers },
		{ "reset_handshake", test_reset_handshake },
		{ "device_attributes", test_device_attributes },
		{ "feature_support_is_configurable", test_feature_support_is_configurable },
		{ "set_feature", test_set_feature },
		{ "opcode_status", test_opcode_status },
		{ "pd_uar_tables", test_pd_uar_tables },
		{ "object_changes_are_coalesced", test_object_changes_are_coalesced },
		{ "event_queues", test_event_queues },
		{ "ring_wrap_and_interrupts", test_ring_wrap_and_interrupts },
		{ "bad_queue_setup", test_bad_queue_setup },
		{ "keep_alive", test_keep_alive },
		{ "config_validation", test_config_validation },
		{ "random_commands", test_random_commands },
		{ "cq_commands", test_cq_commands },
		{ "cq_doorbells", test_cq_doorbells },
		{ "qp_create", test_qp_create },
		{ "qp_state_machine", test_qp_state_machine },
		{ "ah_commands", test_ah_commands },
		{ "ah_is_one_per_address_and_pd", test_ah_is_one_per_address_and_pd },
		{ "mr_inline_and_direct", test_mr_inline_and_direct },
		{ "mr_chained_page_list", test_mr_chained_page_list },
		{ "mr_hostile_page_lists", test_mr_hostile_page_lists },
		{ "mr_limits_and_keys", test_mr_limits_and_keys },
		{ "mr_page_budget", test_mr_page_budget },
		{ "virtual_rings", test_virtual_rings },
		{ "get_stats", test_get_stats },
		{ "object_limits", test_object_limits },
		{ "dependents_keep_objects_alive", test_dependents_keep_objects_alive },
		{ "reset_drops_every_class", test_reset_drops_every_class },
		{ "alloc_pd_timing", test_alloc_pd_timing },
		{ "dp_srd_send_recv", test_dp_srd_send_recv },
		{ "dp_srd_send_imm", test_dp_srd_send_imm },
		{ "dp_ud_grh", test_dp_ud_grh },
		{ "dp_inline", test_dp_inline },
		{ "dp_two_sges", test_dp_two_sges },
		{ "dp_zero_length", test_dp_zero_length },
		{ "dp_loopback", test_dp_loopback },
		{ "dp_ring_wrap", test_dp_ring_wrap },
		{ "dp_sub_cqs", test_dp_sub_cqs },
		{ "dp_req_id_64", test_dp_req_id_64 },
		{ "dp_cq_event", test_dp_cq_event },
		{ "dp_virtual_cq", test_dp_virtual_cq },
		{ "dp_rdma_write", test_dp_rdma_write },
		{ "dp_rdma_write_imm", test_dp_rdma_write_imm },
		{ "dp_unsolicited_write", test_dp_unsolicited_write },
		{ "dp_rdma_read", test_dp_rdma_read },
		{ "dp_src_addr", test_dp_src_addr },
		{ "dp_wqe_128", test_dp_wqe_128 },
		{ "dp_rnr", test_dp_rnr },
		{ "dp_rnr_exhausted", test_dp_rnr_exhausted },
		{ "dp_bad_lkey", test_dp_bad_lkey },
		{ "dp_bad_rkey", test_dp_bad_rkey },
		{ "dp_bad_dest", test_dp_bad_dest },
		{ "dp_recv_too_short", test_dp_recv_too_short },
		{ "dp_unknown_peer", test_dp_unknown_peer },
		{ "dp_unresponsive", test_dp_unresponsive },
		{ "dp_qp_error_flush", test_dp_qp_error_flush },
		{ "dp_bad_wqe", test_dp_bad_wqe },
		{ "dp_bad_recv", test_dp_bad_recv },
		{ "dp_dma_fail", test_dp_dma_fail },
		{ "dp_cq_overflow", test_dp_cq_overflow },
		{ "dp_not_ours", test_dp_not_ours },
		{ "dp_flood", test_dp_flood },
		{ "dp_stats", test_dp_stats },
		{ "dp_sqd", test_dp_sqd },
		{ "dp_fuzz", test_dp_fuzz },
		{ "dp_flush_taken_receive", test_dp_flush_taken_receive },
		{ "dp_bad_answer", test_dp_bad_answer },
		{ "dp_peer_restart", test_dp_peer_restart },
		{ "dp_send_rate", test_dp_send_rate },
	};
	unsigned int i, ran = 0, failed_tests = 0;
	int a;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		unsigned int before = tests_failed;
		bool wanted = argc == 1;

		for (a = 1; a < argc; a++)
			wanted |= !strcmp(argv[a], tests[i].name);
		if (!wanted)
			continue;
		tests[i].fn();
		printf("%s %s\n", tests_failed == before ? "PASS" : "FAIL", tests[i].name);
		failed_tests += tests_failed != before;
		ran++;
	}
	if (ran < (unsigned int)(argc > 1 ? argc - 1 : 1)) {
		fprintf(stderr, "efa_core_tests: no such test among those asked for\n");
		return 2;
	}
	printf("%u passed, %u failed (%u checks)\n", ran - failed_tests,
	       failed_tests, checks_run);
	return failed_tests ? 1 : 0;
}
