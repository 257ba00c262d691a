// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Register file, reset handshake, readless register reads and the keep-alive
 * timer of the EFA device model.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efa_core_priv.h"

static const char *const object_class_names[EFA_OBJ_CLASSES] = {
	[EFA_OBJ_PD] = "pd", [EFA_OBJ_UAR] = "uar", [EFA_OBJ_EQ] = "eq",
	[EFA_OBJ_CQ] = "cq", [EFA_OBJ_QP] = "qp",   [EFA_OBJ_MR] = "mr",
	[EFA_OBJ_AH] = "ah",
};

const char *efa_core_object_class_name(enum efa_core_object_class cls)
{
	return cls < EFA_OBJ_CLASSES ? object_class_names[cls] : "?";
}

static void config_init_efa2(struct efa_core_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));

	cfg->dma_addr_width = 48;
	cfg->reset_timeout_100ms = 10;
	cfg->admin_cmd_timeout_100ms = 0;
	cfg->version = EFA_HW_FIELD_PREP(EFA_REGS_VERSION_MAJOR_VERSION_MASK,
				      EFA_ADMIN_API_VERSION_MAJOR) |
		       EFA_HW_FIELD_PREP(EFA_REGS_VERSION_MINOR_VERSION_MASK,
				      EFA_ADMIN_API_VERSION_MINOR);
	cfg->controller_version =
		EFA_HW_FIELD_PREP(EFA_REGS_CONTROLLER_VERSION_SUBMINOR_VERSION_MASK, 1);
	cfg->msix_vectors = 33;

	cfg->supported_features = (1u << EFA_ADMIN_DEVICE_ATTR) |
				  (1u << EFA_ADMIN_AENQ_CONFIG) |
				  (1u << EFA_ADMIN_NETWORK_ATTR) |
				  (1u << EFA_ADMIN_QUEUE_ATTR) |
				  (1u << EFA_ADMIN_HW_HINTS) |
				  (1u << EFA_ADMIN_HOST_INFO) |
				  (1u << EFA_ADMIN_EVENT_QUEUE_ATTR) |
				  (1u << EFA_ADMIN_QUEUE_ATTR_2);
	/* any power of two from 4 KiB to 2 GiB */
	cfg->page_size_cap = 0xfffff000ull;
	cfg->fw_version = 0x00010203;
	cfg->admin_api_version = 1;
	cfg->device_version = 0;
	cfg->db_bar = EFA_CORE_DB_BAR;
	cfg->phys_addr_width = 48;
	cfg->virt_addr_width = 48;
	cfg->device_caps =
		EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_READ_MASK |
		EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RNR_RETRY_MASK |
		EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_WRITE_MASK |
		EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_UNSOLICITED_WRITE_RECV_MASK;
	cfg->max_rdma_size = 1u << 30;
	cfg->guid = EFA_CORE_DEFAULT_GUID;
	cfg->max_link_speed_gbps = 100;

	efa_core_config_addr_from_guid(cfg);
	cfg->mtu = 8928;

	cfg->max_qp = 256;
	cfg->max_sq_depth = 1024;
	cfg->inline_buf_size = 32;
	cfg->max_rq_depth = 4096;
	cfg->max_cq = 512;
	cfg->max_cq_depth = 8192;
	cfg->sub_cqs_per_cq = 4;
	cfg->min_sq_depth = 0;
	cfg->max_wr_send_sges = 2;
	cfg->max_wr_recv_sges = 2;
	cfg->max_mr = 65536;
	cfg->max_mr_pages = 1u << 20;
	cfg->max_pd = 1024;
	cfg->max_ah = 1024;
	cfg->max_llq_size = 1024 * 64;
	cfg->max_wr_rdma_sges = 1;
	cfg->max_tx_batch = 16;

	cfg->inline_buf_size_ex = 32;

	cfg->max_eq = 32;
	cfg->max_eq_depth = 1024;
	cfg->eq_event_bitmask = EFA_ADMIN_CREATE_EQ_CMD_COMPLETION_EVENTS_MASK;

	cfg->hw_hints.mmio_read_timeout = 50;
	cfg->hw_hints.driver_watchdog_timeout = 0;
	/*
	 * Upstream drivers take this hint as microseconds although the
	 * interface calls it milliseconds; 0 keeps every driver's default.
	 */
	cfg->hw_hints.admin_completion_timeout = 0;
	cfg->hw_hints.poll_interval = 0;

	cfg->aenq_supported_groups = (1u << EFA_ADMIN_FATAL_ERROR) |
				     (1u << EFA_ADMIN_WARNING) |
				     (1u << EFA_ADMIN_NOTIFICATION) |
				     (1u << EFA_ADMIN_KEEP_ALIVE);
	cfg->keep_alive_ms = 1000;
	cfg->max_uar = 1024;
	/* 32 MiB of host tables: 16 GiB of guest memory in 4 KiB pages */
	cfg->mr_page_budget = 1u << 22;
	cfg->cq_doorbell = 1;
	/* generous: a TCG guest can stall for long; see docs/architecture.md */
	cfg->srd_timeout_ms = 5000;
	cfg->rnr_retry_ms = 1;
}

/*
 * Generations differ from efa2 (the model's base) in what they can do.
 * The first (efa0) has no RDMA, no RNR retry, no 64-byte-unit TX batching
 * limit, no QUEUE_ATTR_2 and no polling-mode CQ doorbells; efa1 adds RDMA
 * read and RNR retry; efa2 RDMA write and unsolicited write receive; efa3
 * 128-byte data polling and 200 Gb/s links.
 */
bool efa_core_config_init_device(struct efa_core_config *cfg, uint16_t device_id)
{
	const uint32_t read_rnr = EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_READ_MASK |
				  EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RNR_RETRY_MASK;

	if (device_id < EFA_PCI_DEVICE_ID_EFA0 || device_id > EFA_PCI_DEVICE_ID_EFA3)
		return false;
	config_init_efa2(cfg);
	switch (device_id) {
	case EFA_PCI_DEVICE_ID_EFA0:
		cfg->device_caps = 0;
		cfg->max_rdma_size = 0;
		cfg->max_wr_rdma_sges = 0;
		cfg->max_tx_batch = 0;
		cfg->supported_features &= ~(1ull << EFA_ADMIN_QUEUE_ATTR_2);
		cfg->cq_doorbell = 0;
		break;
	case EFA_PCI_DEVICE_ID_EFA1:
		cfg->device_caps = read_rnr;
		cfg->max_tx_batch = 0;
		cfg->supported_features &= ~(1ull << EFA_ADMIN_QUEUE_ATTR_2);
		cfg->cq_doorbell = 0;
		break;
	case EFA_PCI_DEVICE_ID_EFA3:
		cfg->device_caps |= EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_DATA_POLLING_128_MASK;
		cfg->max_link_speed_gbps = 200;
		break;
	default:
		break;
	}
	return true;
}

void efa_core_config_init(struct efa_core_config *cfg)
{
	efa_core_config_init_device(cfg, EFA_CORE_DEFAULT_DEVICE_ID);
}

void efa_core_config_addr_from_guid(struct efa_core_config *cfg)
{
	int i;

	/* an IPv6 link-local address whose interface id is the GUID */
	memset(cfg->addr, 0, sizeof(cfg->addr));
	cfg->addr[0] = 0xfe;
	cfg->addr[1] = 0x80;
	for (i = 0; i < 8; i++)
		cfg->addr[8 + i] = (uint8_t)(cfg->guid >> (56 - 8 * i));
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static uint64_t roundup_pow2(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

uint64_t efa_core_mem_bar_size(const struct efa_core_config *cfg)
{
	uint64_t size = (uint64_t)cfg->max_qp * cfg->max_llq_size;

	return roundup_pow2(size < 4096 ? 4096 : size);
}

uint64_t efa_core_db_bar_size(const struct efa_core_config *cfg)
{
	uint64_t pages = (uint64_t)cfg->max_qp + cfg->max_cq;

	return roundup_pow2((pages ? pages : 1) * EFA_CORE_DB_PAGE_SIZE);
}

static const char *config_problem(const struct efa_core_config *cfg)
{
	if (cfg->dma_addr_width < 32 || cfg->dma_addr_width > 64)
		return "dma address width must be 32..64";
	if (!cfg->reset_timeout_100ms || cfg->reset_timeout_100ms > 31)
		return "reset timeout must be 1..31 (x100 ms)";
	if (cfg->admin_cmd_timeout_100ms > 15)
		return "admin command timeout must be 0..15 (x100 ms)";
	if (!cfg->msix_vectors || cfg->msix_vectors > EFA_CORE_MAX_MSIX_VECTORS)
		return "msix-vectors must be 1..256 (the MSI-X table sits in BAR0 below the PBA)";
	if (cfg->max_eq > (uint32_t)cfg->msix_vectors - 1)
		return "max-eq must leave MSI-X vector 0 to management (max-eq < msix-vectors)";
	if (cfg->max_eq > 0xffff || (cfg->max_eq && !is_pow2(cfg->max_eq_depth)) ||
	    cfg->max_eq_depth > 0x8000)
		return "max-eq-depth must be a power of two up to 32768";
	if (cfg->db_bar != EFA_CORE_DB_BAR)
		return "the doorbell BAR of this model is BAR 4";
	if (!cfg->admin_api_version)
		return "admin API version must be at least 1";
	if (!cfg->mtu)
		return "mtu must not be 0";
	/*
	 * A driver maps a QP's LLQ to its process by whole pages: a window
	 * sharing a page with its neighbour's would let one process write
	 * another's WQEs.
	 */
	if (!cfg->max_llq_size || cfg->max_llq_size % 4096)
		return "max-llq-size must be a non-zero multiple of 4096 (LLQs are mapped by page)";
	if ((uint64_t)cfg->max_qp * cfg->max_llq_size > (1ull << 30))
		return "max-qp * max-llq-size must not exceed 1 GiB (LLQ BAR)";
	if (!cfg->max_uar || cfg->max_uar > 0x10000)
		return "max-uar must be 1..65536";
	if (cfg->max_pd > 0x10000 || cfg->max_ah > 0x10000)
		return "max-pd and max-ah must fit 16-bit handles";
	if (cfg->max_cq > 0x10000)
		return "max-cq must fit 16-bit handles";
	if (cfg->max_qp > EFA_CORE_MAX_QP)
		return "max-qp must be at most 65536 (QP numbers are 16 bits)";
	if ((uint64_t)cfg->max_qp + cfg->max_cq > 0x10000)
		return "max-qp + max-cq must not exceed 65536 (a doorbell page each in BAR4)";
	if (cfg->max_mr > EFA_CORE_MAX_MR)
		return "max-mr must be at most 65536 (MR keys are 24 bits in work requests)";
	if (!cfg->mr_page_budget || cfg->mr_page_budget > EFA_CORE_MAX_MR_PAGE_BUDGET)
		return "mr-page-budget must be 1..2^28";
	if (cfg->sub_cqs_per_cq < 1)
		return "sub-cqs-per-cq must be at least 1";
	if (cfg->aenq_supported_groups & ~((1u << EFA_ADMIN_AENQ_GROUPS_NUM) - 2))
		return "unknown AENQ group in the supported set";
	if (cfg->mtu > EFA_DP_MAX_PAYLOAD)
		return "mtu must fit one frame (at most 16282 bytes)";
	if (cfg->max_sq_depth > 0x8000 || cfg->max_rq_depth > 0x8000)
		return "max-sq-depth and max-rq-depth must be at most 32768 (16-bit doorbells)";
	if (cfg->max_wr_recv_sges > EFA_DP_MAX_RECV_SGE)
		return "max-wr-recv-sges must be at most 8";
	if (cfg->max_wr_send_sges > EFA_IO_TX_DESC_NUM_BUFS)
		return "max-wr-send-sges must be at most 2 (a WQE holds two buffers)";
	if (!cfg->srd_timeout_ms || !cfg->rnr_retry_ms)
		return "srd-timeout-ms and rnr-retry-ms must not be 0";
	return NULL;
}

static void core_error_va(struct efa_core *core, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (core->ops->guest_error)
		core->ops->guest_error(core->opaque, msg);
}

void efa_core_error(struct efa_core *core, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	core_error_va(core, fmt, ap);
	va_end(ap);
}

void efa_core_keep_alive_enabled(struct efa_core *core)
{
	if (core->cfg.keep_alive_ms && core->ops->timer_arm)
		core->ops->timer_arm(core->opaque, core->cfg.keep_alive_ms);
}

struct efa_core *efa_core_new(const struct efa_core_config *cfg,
			      const struct efa_core_ops *ops, void *opaque,
			      const char **why)
{
	static const char *const no_memory = "out of memory";
	uint32_t max[EFA_OBJ_CLASSES] = {
		[EFA_OBJ_PD] = cfg->max_pd,  [EFA_OBJ_UAR] = cfg->max_uar,
		[EFA_OBJ_EQ] = cfg->max_eq,  [EFA_OBJ_CQ] = cfg->max_cq,
		[EFA_OBJ_QP] = cfg->max_qp,  [EFA_OBJ_MR] = cfg->max_mr,
		[EFA_OBJ_AH] = cfg->max_ah,
	};
	struct efa_core *core;
	int cls;

	*why = config_problem(cfg);
	if (*why)
		return NULL;

	core = calloc(1, sizeof(*core));
	if (!core) {
		*why = no_memory;
		return NULL;
	}
	core->cfg = *cfg;
	core->ops = ops;
	core->opaque = opaque;

	for (cls = 0; cls < EFA_OBJ_CLASSES; cls++) {
		if (efa_id_table_init(&core->tables[cls], max[cls]))
			goto err;
	}
	core->eqs = calloc(cfg->max_eq ? cfg->max_eq : 1, sizeof(*core->eqs));
	core->cqs = calloc(cfg->max_cq ? cfg->max_cq : 1, sizeof(*core->cqs));
	core->qps = calloc(cfg->max_qp ? cfg->max_qp : 1, sizeof(*core->qps));
	core->mrs = calloc(cfg->max_mr ? cfg->max_mr : 1, sizeof(*core->mrs));
	core->ahs = calloc(cfg->max_ah ? cfg->max_ah : 1, sizeof(*core->ahs));
	core->mr_key_tag = calloc(cfg->max_mr ? cfg->max_mr : 1, 1);
	if (!core->eqs || !core->cqs || !core->qps || !core->mrs || !core->ahs ||
	    !core->mr_key_tag || efa_dp_init(core))
		goto err;

	efa_core_hard_reset(core);
	return core;

err:
	efa_core_free(core);
	*why = no_memory;
	return NULL;
}

void efa_core_free(struct efa_core *core)
{
	int cls;

	if (!core)
		return;
	if (core->mrs) {
		uint32_t id;

		for (id = 0; id < core->tables[EFA_OBJ_MR].max; id++)
			free(core->mrs[id].pages);
	}
	efa_dp_free(core);
	for (cls = 0; cls < EFA_OBJ_CLASSES; cls++)
		efa_id_table_destroy(&core->tables[cls]);
	free(core->eqs);
	free(core->cqs);
	free(core->qps);
	free(core->mrs);
	free(core->ahs);
	free(core->mr_key_tag);
	free(core);
}

const struct efa_core_config *efa_core_get_config(const struct efa_core *core)
{
	return &core->cfg;
}

/*
 * Everything a device reset clears: queues, objects, the readless response
 * address and the interrupt mask.  What the driver leaked is counted.
 */
static void reset_state(struct efa_core *core)
{
	core->aq_base_lo = core->aq_base_hi = core->aq_caps = 0;
	core->acq_base_lo = core->acq_base_hi = core->acq_caps = 0;
	core->aenq_base_lo = core->aenq_base_hi = core->aenq_caps = 0;
	core->aenq_cons_db = 0;
	core->intr_mask = EFA_REGS_INTR_MASK_EN_MASK;
	core->mmio_resp_lo = core->mmio_resp_hi = 0;
	core->aenq_enabled_groups = 0;
	core->host_info_valid = false;
	memset(&core->host_info, 0, sizeof(core->host_info));
	efa_queues_reset(core);
	efa_dp_reset(core);
	efa_objects_drop_all(core);
}

void efa_core_hard_reset(struct efa_core *core)
{
	reset_state(core);
	core->dev_ctl = 0;
	core->dev_sts = EFA_REGS_DEV_STS_READY_MASK;
}

static uint32_t caps_reg(const struct efa_core *core)
{
	const struct efa_core_config *cfg = &core->cfg;

	return EFA_HW_FIELD_PREP(EFA_REGS_CAPS_RESET_TIMEOUT_MASK,
			      cfg->reset_timeout_100ms) |
	       EFA_HW_FIELD_PREP(EFA_REGS_CAPS_DMA_ADDR_WIDTH_MASK,
			      cfg->dma_addr_width) |
	       EFA_HW_FIELD_PREP(EFA_REGS_CAPS_ADMIN_CMD_TO_MASK,
			      cfg->admin_cmd_timeout_100ms);
}

/* The value a read of BAR0 at offset would return; false if unmapped. */
static bool reg_value(const struct efa_core *core, uint32_t offset,
		      uint32_t *val)
{
	switch (offset) {
	case EFA_REGS_VERSION_OFF:
		*val = core->cfg.version;
		return true;
	case EFA_REGS_CONTROLLER_VERSION_OFF:
		*val = core->cfg.controller_version;
		return true;
	case EFA_REGS_CAPS_OFF:
		*val = caps_reg(core);
		return true;
	case EFA_REGS_AQ_BASE_LO_OFF:
		*val = core->aq_base_lo;
		return true;
	case EFA_REGS_AQ_BASE_HI_OFF:
		*val = core->aq_base_hi;
		return true;
	case EFA_REGS_AQ_CAPS_OFF:
		*val = core->aq_caps;
		return true;
	case EFA_REGS_ACQ_BASE_LO_OFF:
		*val = core->acq_base_lo;
		return true;
	case EFA_REGS_ACQ_BASE_HI_OFF:
		*val = core->acq_base_hi;
		return true;
	case EFA_REGS_ACQ_CAPS_OFF:
		*val = core->acq_caps;
		return true;
	case EFA_REGS_AQ_PROD_DB_OFF:
		*val = core->aq_cc;
		return true;
	case EFA_REGS_AENQ_CAPS_OFF:
		*val = core->aenq_caps;
		return true;
	case EFA_REGS_AENQ_BASE_LO_OFF:
		*val = core->aenq_base_lo;
		return true;
	case EFA_REGS_AENQ_BASE_HI_OFF:
		*val = core->aenq_base_hi;
		return true;
	case EFA_REGS_AENQ_CONS_DB_OFF:
		*val = core->aenq_cons_db;
		return true;
	case EFA_REGS_INTR_MASK_OFF:
		*val = core->intr_mask;
		return true;
	case EFA_REGS_DEV_CTL_OFF:
		*val = core->dev_ctl;
		return true;
	case EFA_REGS_DEV_STS_OFF:
		*val = core->dev_sts;
		return true;
	case EFA_REGS_MMIO_REG_READ_OFF:
		*val = 0;
		return true;
	case EFA_REGS_MMIO_RESP_LO_OFF:
		*val = core->mmio_resp_lo;
		return true;
	case EFA_REGS_MMIO_RESP_HI_OFF:
		*val = core->mmio_resp_hi;
		return true;
	case EFA_REGS_EQ_DB_OFF:
		*val = 0;
		return true;
	default:
		*val = 0;
		return false;
	}
}

uint32_t efa_core_reg_read(struct efa_core *core, uint32_t offset)
{
	uint32_t val;

	if (!reg_value(core, offset, &val))
		efa_core_error(core, "read of unmapped register %#x", offset);
	return val;
}

/*
 * The driver never reads BAR0: it asks for a register through MMIO_REG_READ
 * and polls req_id in the response the device writes to memory.  req_id goes
 * last so a polling CPU never sees it before the value.
 */
static void readless_read(struct efa_core *core, uint32_t request)
{
	uint16_t req_id = EFA_HW_FIELD_GET(EFA_REGS_MMIO_REG_READ_REQ_ID_MASK, request);
	uint16_t off = EFA_HW_FIELD_GET(EFA_REGS_MMIO_REG_READ_REG_OFF_MASK, request);
	uint64_t addr = ((uint64_t)core->mmio_resp_hi << 32) | core->mmio_resp_lo;
	struct efa_admin_mmio_req_read_less_resp resp;
	uint32_t val;

	if (!addr) {
		efa_core_error(core, "readless read of %#x with no response address set",
			       off);
		return;
	}
	if (!reg_value(core, off, &val))
		efa_core_error(core, "readless read of unmapped register %#x", off);

	resp.req_id = efa_hw_cpu_to_le16(req_id);
	resp.reg_off = efa_hw_cpu_to_le16(off);
	resp.reg_val = efa_hw_cpu_to_le32(val);
	if (core->ops->dma_write(core->opaque, addr + 2, (uint8_t *)&resp + 2,
				 sizeof(resp) - 2) ||
	    core->ops->dma_write(core->opaque, addr, &resp, 2))
		efa_core_error(core, "readless response address %#llx unreachable",
			       (unsigned long long)addr);
}

static void dev_ctl_write(struct efa_core *core, uint32_t val)
{
	bool was_reset = core->dev_ctl & EFA_REGS_DEV_CTL_DEV_RESET_MASK;
	bool reset = val & EFA_REGS_DEV_CTL_DEV_RESET_MASK;

	if (val & EFA_REGS_DEV_CTL_AQ_RESTART_MASK)
		efa_core_error(core, "admin queue restart is not supported");
	core->dev_ctl = val & (EFA_REGS_DEV_CTL_DEV_RESET_MASK |
			       EFA_REGS_DEV_CTL_RESET_REASON_MASK);

	if (reset && !was_reset) {
		reset_state(core);
		core->dev_sts = EFA_REGS_DEV_STS_RESET_IN_PROGRESS_MASK;
	} else if (!reset && was_reset) {
		core->dev_sts = EFA_REGS_DEV_STS_READY_MASK |
				EFA_REGS_DEV_STS_RESET_FINISHED_MASK;
	}
}

static void eq_doorbell(struct efa_core *core, uint32_t val)
{
	uint16_t eqn = EFA_HW_FIELD_GET(EFA_REGS_EQ_DB_EQN_MASK, val);

	if (!efa_id_valid(core, EFA_OBJ_EQ, eqn)) {
		efa_core_error(core, "EQ doorbell for unknown EQ %u", eqn);
		return;
	}
	if (val & EFA_REGS_EQ_DB_ARM_MASK)
		core->eqs[eqn].armed = true;
}

void efa_core_reg_write(struct efa_core *core, uint32_t offset, uint32_t val)
{
	bool in_reset = core->dev_sts & EFA_REGS_DEV_STS_RESET_IN_PROGRESS_MASK;

	if (in_reset && offset != EFA_REGS_DEV_CTL_OFF &&
	    offset != EFA_REGS_MMIO_RESP_LO_OFF &&
	    offset != EFA_REGS_MMIO_RESP_HI_OFF &&
	    offset != EFA_REGS_MMIO_REG_READ_OFF) {
		efa_core_error(core, "write of %#x to register %#x during reset ignored",
			       val, offset);
		return;
	}

	switch (offset) {
	case EFA_REGS_AQ_BASE_LO_OFF:
		core->aq_base_lo = val;
		break;
	case EFA_REGS_AQ_BASE_HI_OFF:
		core->aq_base_hi = val;
		break;
	case EFA_REGS_AQ_CAPS_OFF:
		core->aq_caps = val;
		core->aq_cc = 0;
		break;
	case EFA_REGS_ACQ_BASE_LO_OFF:
		core->acq_base_lo = val;
		break;
	case EFA_REGS_ACQ_BASE_HI_OFF:
		core->acq_base_hi = val;
		break;
	case EFA_REGS_ACQ_CAPS_OFF:
		core->acq_caps = val;
		core->acq_pc = 0;
		break;
	case EFA_REGS_AQ_PROD_DB_OFF:
		efa_aq_doorbell(core, (uint16_t)val);
		break;
	case EFA_REGS_AENQ_CAPS_OFF:
		core->aenq_caps = val;
		core->aenq_pc = 0;
		break;
	case EFA_REGS_AENQ_BASE_LO_OFF:
		core->aenq_base_lo = val;
		break;
	case EFA_REGS_AENQ_BASE_HI_OFF:
		core->aenq_base_hi = val;
		break;
	case EFA_REGS_AENQ_CONS_DB_OFF:
		if (val - core->aenq_cons_db > core->aenq_pc - core->aenq_cons_db)
			efa_core_error(core, "AENQ consumer %u passes producer %u",
				       val, core->aenq_pc);
		else
			core->aenq_cons_db = val;
		break;
	case EFA_REGS_INTR_MASK_OFF:
		core->intr_mask = val & EFA_REGS_INTR_MASK_EN_MASK;
		break;
	case EFA_REGS_DEV_CTL_OFF:
		dev_ctl_write(core, val);
		break;
	case EFA_REGS_MMIO_REG_READ_OFF:
		readless_read(core, val);
		break;
	case EFA_REGS_MMIO_RESP_LO_OFF:
		core->mmio_resp_lo = val;
		break;
	case EFA_REGS_MMIO_RESP_HI_OFF:
		core->mmio_resp_hi = val;
		break;
	case EFA_REGS_EQ_DB_OFF:
		eq_doorbell(core, val);
		break;
	default:
		efa_core_error(core, "write of %#x to read-only or unmapped register %#x",
			       val, offset);
		break;
	}
}

/*
 * The doorbells start data-path work (run later, in the bottom half); a
 * write to a page whose queue does not exist, or to no doorbell in it, is
 * the guest's error.
 */
void efa_core_db_write(struct efa_core *core, uint32_t offset, uint32_t val)
{
	uint32_t page = offset / EFA_CORE_DB_PAGE_SIZE;
	uint32_t in_page = offset % EFA_CORE_DB_PAGE_SIZE;

	if (page < core->cfg.max_qp) {
		if (efa_id_valid(core, EFA_OBJ_QP, page) &&
		    in_page == EFA_CORE_SQ_DB_IN_PAGE) {
			efa_sq_doorbell(core, page, val);
			return;
		}
		if (efa_id_valid(core, EFA_OBJ_QP, page) &&
		    in_page == EFA_CORE_RQ_DB_IN_PAGE) {
			efa_rq_doorbell(core, page, val);
			return;
		}
	} else if (page - core->cfg.max_qp < core->cfg.max_cq) {
		uint32_t cqn = page - core->cfg.max_qp;

		if (efa_id_valid(core, EFA_OBJ_CQ, cqn) && core->cqs[cqn].db_valid &&
		    in_page == EFA_CORE_CQ_DB_IN_PAGE) {
			efa_cq_doorbell(core, cqn, val);
			return;
		}
	}
	efa_core_error(core, "doorbell BAR write %#x at %#x: no queue behind it",
		       val, offset);
}

/*
 * The timer runs only while the driver has keep-alive events enabled; a
 * reset disables them, so a timer still pending then fires once, idle.
 */
void efa_core_timer(struct efa_core *core)
{
	if (!(core->aenq_enabled_groups & (1u << EFA_ADMIN_KEEP_ALIVE)))
		return;
	efa_aenq_post(core, EFA_ADMIN_KEEP_ALIVE, 0);
	efa_core_keep_alive_enabled(core);
}

void efa_core_object_counts(struct efa_core *core,
			    struct efa_core_object_counts *counts)
{
	int cls;

	core->objects_unread = false;
	for (cls = 0; cls < EFA_OBJ_CLASSES; cls++) {
		counts->live[cls] = core->tables[cls].live;
		counts->dropped[cls] = core->dropped[cls];
	}
}
