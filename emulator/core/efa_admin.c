// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Admin command handlers.  Each one validates its command completely before
 * it changes any state, and answers with the admin status a real device
 * gives: BAD_OPCODE for an opcode the interface does not define,
 * UNSUPPORTED_OPCODE for one (or a feature) this device does not implement,
 * MALFORMED_REQUEST for a command that breaks the format (reserved bits,
 * control buffers), ILLEGAL_PARAMETER for a well-formed command naming a bad
 * value or handle, RESOURCE_ALLOCATION_FAILURE when a table is full.
 */
#include <string.h>

#include "efa_core_priv.h"

/* Largest control buffer a command may point at. */
#define EFA_MAX_CTRL_BUFF_LEN 4096

#define CMD(type, entry) ((const struct type *)(const void *)(entry))
#define RESP(type, entry) ((struct type *)(void *)(entry))

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static uint8_t illegal(struct efa_core *core, const char *fmt, unsigned int v)
{
	efa_core_error(core, fmt, v);
	return EFA_ADMIN_ILLEGAL_PARAMETER;
}

static uint8_t malformed(struct efa_core *core, const char *what)
{
	efa_core_error(core, "malformed admin command: %s", what);
	return EFA_ADMIN_MALFORMED_REQUEST;
}

static bool has_ctrl_buff(const struct efa_admin_aq_entry *cmd)
{
	return cmd->aq_common_descriptor.flags &
	       (EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_MASK |
		EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_INDIRECT_MASK);
}

/* Copy a command's direct control buffer into buf (exactly len bytes). */
static uint8_t read_ctrl_buff(struct efa_core *core,
			      const struct efa_admin_ctrl_buff_info *info,
			      void *buf, size_t len)
{
	uint32_t length = efa_hw_le32_to_cpu(info->length);
	uint64_t addr = ((uint64_t)efa_hw_le32_to_cpu(info->address.mem_addr_high) << 32) |
			efa_hw_le32_to_cpu(info->address.mem_addr_low);

	if (length < len || length > EFA_MAX_CTRL_BUFF_LEN)
		return illegal(core, "control buffer length %u out of range", length);
	if (!addr || core->ops->dma_read(core->opaque, addr, buf, len)) {
		efa_core_error(core, "control buffer at %#llx unreachable",
			       (unsigned long long)addr);
		return EFA_ADMIN_MALFORMED_REQUEST;
	}
	return EFA_ADMIN_SUCCESS;
}

/* ---- features ---------------------------------------------------------- */

static void fill_device_attr(const struct efa_core_config *cfg,
			     struct efa_admin_feature_device_attr_desc *d)
{
	d->supported_features = efa_hw_cpu_to_le64(cfg->supported_features);
	d->page_size_cap = efa_hw_cpu_to_le64(cfg->page_size_cap);
	d->fw_version = efa_hw_cpu_to_le32(cfg->fw_version);
	d->admin_api_version = efa_hw_cpu_to_le32(cfg->admin_api_version);
	d->device_version = efa_hw_cpu_to_le32(cfg->device_version);
	d->db_bar = efa_hw_cpu_to_le16(cfg->db_bar);
	d->phys_addr_width = cfg->phys_addr_width;
	d->virt_addr_width = cfg->virt_addr_width;
	d->device_caps = efa_hw_cpu_to_le32(cfg->device_caps);
	d->max_rdma_size = efa_hw_cpu_to_le32(cfg->max_rdma_size);
	d->guid = efa_hw_cpu_to_le64(cfg->guid);
	d->max_link_speed_gbps = efa_hw_cpu_to_le16(cfg->max_link_speed_gbps);
}

static void fill_queue_attr(const struct efa_core_config *cfg,
			    struct efa_admin_feature_queue_attr_desc *q)
{
	q->max_qp = efa_hw_cpu_to_le32(cfg->max_qp);
	q->max_sq_depth = efa_hw_cpu_to_le32(cfg->max_sq_depth);
	q->inline_buf_size = efa_hw_cpu_to_le32(cfg->inline_buf_size);
	q->max_rq_depth = efa_hw_cpu_to_le32(cfg->max_rq_depth);
	q->max_cq = efa_hw_cpu_to_le32(cfg->max_cq);
	q->max_cq_depth = efa_hw_cpu_to_le32(cfg->max_cq_depth);
	q->sub_cqs_per_cq = efa_hw_cpu_to_le16(cfg->sub_cqs_per_cq);
	q->min_sq_depth = efa_hw_cpu_to_le16(cfg->min_sq_depth);
	q->max_wr_send_sges = efa_hw_cpu_to_le16(cfg->max_wr_send_sges);
	q->max_wr_recv_sges = efa_hw_cpu_to_le16(cfg->max_wr_recv_sges);
	q->max_mr = efa_hw_cpu_to_le32(cfg->max_mr);
	q->max_mr_pages = efa_hw_cpu_to_le32(cfg->max_mr_pages);
	q->max_pd = efa_hw_cpu_to_le32(cfg->max_pd);
	q->max_ah = efa_hw_cpu_to_le32(cfg->max_ah);
	q->max_llq_size = efa_hw_cpu_to_le32(cfg->max_llq_size);
	q->max_wr_rdma_sges = efa_hw_cpu_to_le16(cfg->max_wr_rdma_sges);
	q->max_tx_batch = efa_hw_cpu_to_le16(cfg->max_tx_batch);
}

static bool feature_supported(const struct efa_core *core, uint8_t id)
{
	return id == EFA_ADMIN_DEVICE_ATTR ||
	       (id < 64 && (core->cfg.supported_features & (1ull << id)));
}

static uint8_t get_feature(struct efa_core *core,
			   const struct efa_admin_aq_entry *entry,
			   struct efa_admin_acq_entry *resp_entry)
{
	const struct efa_admin_get_feature_cmd *cmd =
		CMD(efa_admin_get_feature_cmd, entry);
	struct efa_admin_get_feature_resp *resp =
		RESP(efa_admin_get_feature_resp, resp_entry);
	const struct efa_core_config *cfg = &core->cfg;
	uint8_t id = cmd->feature_common.feature_id;

	if (cmd->feature_common.reserved0 || cmd->feature_common.reserved16)
		return malformed(core, "GET_FEATURE reserved fields set");
	if (has_ctrl_buff(entry))
		return malformed(core, "GET_FEATURE with a control buffer");
	if (!feature_supported(core, id)) {
		efa_core_error(core, "GET_FEATURE of unsupported feature %u", id);
		return EFA_ADMIN_UNSUPPORTED_OPCODE;
	}

	switch (id) {
	case EFA_ADMIN_DEVICE_ATTR:
		fill_device_attr(cfg, &resp->u.device_attr);
		break;
	case EFA_ADMIN_AENQ_CONFIG:
		resp->u.aenq.supported_groups = efa_hw_cpu_to_le32(cfg->aenq_supported_groups);
		resp->u.aenq.enabled_groups = efa_hw_cpu_to_le32(core->aenq_enabled_groups);
		break;
	case EFA_ADMIN_NETWORK_ATTR:
		memcpy(resp->u.network_attr.addr, cfg->addr, sizeof(cfg->addr));
		resp->u.network_attr.mtu = efa_hw_cpu_to_le32(cfg->mtu);
		break;
	case EFA_ADMIN_QUEUE_ATTR:
		fill_queue_attr(cfg, &resp->u.queue_attr);
		break;
	case EFA_ADMIN_QUEUE_ATTR_2:
		resp->u.queue_attr_2.inline_buf_size_ex =
			efa_hw_cpu_to_le16(cfg->inline_buf_size_ex);
		break;
	case EFA_ADMIN_EVENT_QUEUE_ATTR:
		resp->u.event_queue_attr.max_eq = efa_hw_cpu_to_le32(cfg->max_eq);
		resp->u.event_queue_attr.max_eq_depth = efa_hw_cpu_to_le32(cfg->max_eq_depth);
		resp->u.event_queue_attr.event_bitmask =
			efa_hw_cpu_to_le32(cfg->eq_event_bitmask);
		break;
	case EFA_ADMIN_HW_HINTS:
		resp->u.hw_hints.mmio_read_timeout =
			efa_hw_cpu_to_le16(cfg->hw_hints.mmio_read_timeout);
		resp->u.hw_hints.driver_watchdog_timeout =
			efa_hw_cpu_to_le16(cfg->hw_hints.driver_watchdog_timeout);
		resp->u.hw_hints.admin_completion_timeout =
			efa_hw_cpu_to_le16(cfg->hw_hints.admin_completion_timeout);
		resp->u.hw_hints.poll_interval =
			efa_hw_cpu_to_le16(cfg->hw_hints.poll_interval);
		break;
	default:
		/* HOST_INFO and the like can be set, not read */
		efa_core_error(core, "GET_FEATURE of write-only feature %u", id);
		return EFA_ADMIN_UNSUPPORTED_OPCODE;
	}
	return EFA_ADMIN_SUCCESS;
}

static uint8_t set_host_info(struct efa_core *core,
			     const struct efa_admin_set_feature_cmd *cmd,
			     const struct efa_admin_aq_entry *entry)
{
	struct efa_admin_host_info info;
	uint8_t status;

	if (!(entry->aq_common_descriptor.flags &
	      EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_MASK))
		return malformed(core, "HOST_INFO without its control buffer");
	if (entry->aq_common_descriptor.flags &
	    EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_INDIRECT_MASK)
		return malformed(core, "HOST_INFO with an indirect control buffer");
	status = read_ctrl_buff(core, &cmd->control_buffer, &info, sizeof(info));
	if (status)
		return status;
	if (efa_hw_le32_to_cpu(info.os_type) != EFA_ADMIN_OS_LINUX)
		return illegal(core, "HOST_INFO os type %u unknown",
			       efa_hw_le32_to_cpu(info.os_type));
	core->host_info = info;
	core->host_info_valid = true;
	return EFA_ADMIN_SUCCESS;
}

static uint8_t set_feature(struct efa_core *core,
			   const struct efa_admin_aq_entry *entry,
			   struct efa_admin_acq_entry *resp_entry)
{
	const struct efa_admin_set_feature_cmd *cmd =
		CMD(efa_admin_set_feature_cmd, entry);
	uint8_t id = cmd->feature_common.feature_id;
	uint32_t groups;

	(void)resp_entry;
	if (cmd->feature_common.reserved0 || cmd->feature_common.reserved16)
		return malformed(core, "SET_FEATURE reserved fields set");
	if (!feature_supported(core, id)) {
		efa_core_error(core, "SET_FEATURE of unsupported feature %u", id);
		return EFA_ADMIN_UNSUPPORTED_OPCODE;
	}

	switch (id) {
	case EFA_ADMIN_AENQ_CONFIG:
		if (has_ctrl_buff(entry))
			return malformed(core, "AENQ_CONFIG with a control buffer");
		groups = efa_hw_le32_to_cpu(cmd->u.aenq.enabled_groups);
		if (groups & ~core->cfg.aenq_supported_groups)
			return illegal(core, "AENQ groups %#x not supported", groups);
		if ((groups & ~core->aenq_enabled_groups) & (1u << EFA_ADMIN_KEEP_ALIVE))
			efa_core_keep_alive_enabled(core);
		core->aenq_enabled_groups = groups;
		return EFA_ADMIN_SUCCESS;
	case EFA_ADMIN_HOST_INFO:
		return set_host_info(core, cmd, entry);
	default:
		efa_core_error(core, "SET_FEATURE of read-only feature %u", id);
		return EFA_ADMIN_UNSUPPORTED_OPCODE;
	}
}

/* ---- statistics -------------------------------------------------------- */

static uint8_t get_stats(struct efa_core *core,
			 const struct efa_admin_aq_entry *entry,
			 struct efa_admin_acq_entry *resp_entry)
{
	const struct efa_admin_aq_get_stats_cmd *cmd =
		CMD(efa_admin_aq_get_stats_cmd, entry);
	struct efa_admin_acq_get_stats_resp *resp =
		RESP(efa_admin_acq_get_stats_resp, resp_entry);

	if (has_ctrl_buff(entry))
		return malformed(core, "GET_STATS with a control buffer");
	if (cmd->type > EFA_ADMIN_GET_STATS_TYPE_NETWORK)
		return illegal(core, "GET_STATS type %u unknown", cmd->type);
	if (cmd->scope != EFA_ADMIN_GET_STATS_SCOPE_ALL)
		return illegal(core, "GET_STATS scope %u not supported", cmd->scope);
	/* no traffic without a data path: every counter is zero */
	memset(&resp->u, 0, sizeof(resp->u));
	return EFA_ADMIN_SUCCESS;
}

/* ---- PD and UAR ---------------------------------------------------------- */

static uint8_t alloc_handle(struct efa_core *core, enum efa_core_object_class cls,
			    __le16 *handle)
{
	int64_t id = efa_id_alloc(core, cls);

	if (id < 0) {
		efa_core_error(core, "no free %s (all %u in use)",
			       efa_core_object_class_name(cls),
			       core->tables[cls].max);
		return EFA_ADMIN_RESOURCE_ALLOCATION_FAILURE;
	}
	*handle = efa_hw_cpu_to_le16((uint16_t)id);
	return EFA_ADMIN_SUCCESS;
}

static uint8_t free_handle(struct efa_core *core, enum efa_core_object_class cls,
			   __le16 handle, __le16 reserved)
{
	uint16_t id = efa_hw_le16_to_cpu(handle);

	if (reserved)
		return malformed(core, "reserved field set");
	if (!efa_id_valid(core, cls, id)) {
		efa_core_error(core, "%s %u is not allocated",
			       efa_core_object_class_name(cls), id);
		return EFA_ADMIN_ILLEGAL_PARAMETER;
	}
	efa_id_free(core, cls, id);
	return EFA_ADMIN_SUCCESS;
}

static uint8_t alloc_pd(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			struct efa_admin_acq_entry *resp)
{
	(void)entry;
	return alloc_handle(core, EFA_OBJ_PD, &RESP(efa_admin_alloc_pd_resp, resp)->pd);
}

static uint8_t dealloc_pd(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			  struct efa_admin_acq_entry *resp)
{
	const struct efa_admin_dealloc_pd_cmd *cmd = CMD(efa_admin_dealloc_pd_cmd, entry);

	(void)resp;
	return free_handle(core, EFA_OBJ_PD, cmd->pd, cmd->reserved);
}

static uint8_t alloc_uar(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			 struct efa_admin_acq_entry *resp)
{
	(void)entry;
	return alloc_handle(core, EFA_OBJ_UAR, &RESP(efa_admin_alloc_uar_resp, resp)->uar);
}

static uint8_t dealloc_uar(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			   struct efa_admin_acq_entry *resp)
{
	const struct efa_admin_dealloc_uar_cmd *cmd = CMD(efa_admin_dealloc_uar_cmd, entry);

	(void)resp;
	return free_handle(core, EFA_OBJ_UAR, cmd->uar, cmd->reserved);
}

/* ---- EQ ------------------------------------------------------------------ */

static uint8_t create_eq(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			 struct efa_admin_acq_entry *resp_entry)
{
	const struct efa_admin_create_eq_cmd *cmd = CMD(efa_admin_create_eq_cmd, entry);
	struct efa_admin_create_eq_resp *resp = RESP(efa_admin_create_eq_resp, resp_entry);
	uint32_t words = EFA_GET(&cmd->caps, EFA_ADMIN_CREATE_EQ_CMD_ENTRY_SIZE_WORDS);
	uint16_t depth = efa_hw_le16_to_cpu(cmd->depth);
	uint32_t events = efa_hw_le32_to_cpu(cmd->event_bitmask);
	uint64_t ba = ((uint64_t)efa_hw_le32_to_cpu(cmd->ba.mem_addr_high) << 32) |
		      efa_hw_le32_to_cpu(cmd->ba.mem_addr_low);
	struct efa_eq *eq;
	uint8_t status;

	if (has_ctrl_buff(entry))
		return malformed(core, "CREATE_EQ with a control buffer");
	if (cmd->reserved || (cmd->caps & ~(EFA_ADMIN_CREATE_EQ_CMD_ENTRY_SIZE_WORDS_MASK |
					     EFA_ADMIN_CREATE_EQ_CMD_VIRT_MASK)))
		return malformed(core, "CREATE_EQ reserved bits set");
	if (cmd->caps & EFA_ADMIN_CREATE_EQ_CMD_VIRT_MASK)
		return illegal(core, "CREATE_EQ: virtually addressed EQs (caps %#x) not supported",
			       cmd->caps);
	if (words * 4 != sizeof(struct efa_admin_eqe))
		return illegal(core, "CREATE_EQ entry size %u words, the device writes 4", words);
	if (!is_pow2(depth) || depth > core->cfg.max_eq_depth)
		return illegal(core, "CREATE_EQ depth %u not a power of two within max_eq_depth",
			       depth);
	if (!cmd->msix_vec || cmd->msix_vec >= core->cfg.msix_vectors)
		return illegal(core, "CREATE_EQ MSI-X vector %u is not a completion vector",
			       cmd->msix_vec);
	if (!ba || (ba & 7))
		return illegal(core, "CREATE_EQ ring address low bits %#x invalid",
			       (unsigned int)ba);
	if (events & ~core->cfg.eq_event_bitmask)
		return illegal(core, "CREATE_EQ events %#x not supported", events);

	status = alloc_handle(core, EFA_OBJ_EQ, &resp->eqn);
	if (status)
		return status;
	eq = &core->eqs[efa_hw_le16_to_cpu(resp->eqn)];
	eq->ba = ba;
	eq->depth = depth;
	eq->msix_vec = cmd->msix_vec;
	eq->event_bitmask = events;
	eq->armed = false;
	return EFA_ADMIN_SUCCESS;
}

static uint8_t destroy_eq(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			  struct efa_admin_acq_entry *resp)
{
	const struct efa_admin_destroy_eq_cmd *cmd = CMD(efa_admin_destroy_eq_cmd, entry);

	(void)resp;
	return free_handle(core, EFA_OBJ_EQ, cmd->eqn, cmd->reserved);
}

/* ---- dispatch ------------------------------------------------------------ */

typedef uint8_t (*efa_admin_handler)(struct efa_core *core,
				     const struct efa_admin_aq_entry *cmd,
				     struct efa_admin_acq_entry *resp);

static const efa_admin_handler handlers[EFA_ADMIN_MAX_OPCODE + 1] = {
	[EFA_ADMIN_GET_FEATURE] = get_feature,
	[EFA_ADMIN_SET_FEATURE] = set_feature,
	[EFA_ADMIN_GET_STATS] = get_stats,
	[EFA_ADMIN_ALLOC_PD] = alloc_pd,
	[EFA_ADMIN_DEALLOC_PD] = dealloc_pd,
	[EFA_ADMIN_ALLOC_UAR] = alloc_uar,
	[EFA_ADMIN_DEALLOC_UAR] = dealloc_uar,
	[EFA_ADMIN_CREATE_EQ] = create_eq,
	[EFA_ADMIN_DESTROY_EQ] = destroy_eq,
};

uint8_t efa_admin_execute(struct efa_core *core,
			  const struct efa_admin_aq_entry *cmd,
			  struct efa_admin_acq_entry *resp)
{
	uint8_t opcode = cmd->aq_common_descriptor.opcode;

	if (!opcode || opcode > EFA_ADMIN_LAST_KNOWN_OPCODE) {
		efa_core_error(core, "admin opcode %u is not defined", opcode);
		return EFA_ADMIN_BAD_OPCODE;
	}
	if (opcode > EFA_ADMIN_MAX_OPCODE || !handlers[opcode]) {
		efa_core_error(core, "admin opcode %u is not implemented by this device",
			       opcode);
		return EFA_ADMIN_UNSUPPORTED_OPCODE;
	}
	return handlers[opcode](core, cmd, resp);
}
