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
#include <stdlib.h>
#include <string.h>

#include "efa_core_priv.h"
#include "efa_hw_io.h"

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
	uint16_t modifier = efa_hw_le16_to_cpu(cmd->scope_modifier);

	if (has_ctrl_buff(entry))
		return malformed(core, "GET_STATS with a control buffer");
	if (cmd->u.inline_data_w1[0] || cmd->u.inline_data_w1[1] ||
	    cmd->u.inline_data_w1[2])
		return malformed(core, "GET_STATS reserved words set");
	if (cmd->type > EFA_ADMIN_GET_STATS_TYPE_NETWORK)
		return illegal(core, "GET_STATS type %u unknown", cmd->type);
	switch (cmd->scope) {
	case EFA_ADMIN_GET_STATS_SCOPE_ALL:
		if (modifier)
			return illegal(core, "GET_STATS scope ALL with modifier %u", modifier);
		break;
	case EFA_ADMIN_GET_STATS_SCOPE_QUEUE:
		if (!efa_id_valid(core, EFA_OBJ_QP, modifier))
			return illegal(core, "GET_STATS of QP %u, which does not exist",
				       modifier);
		break;
	default:
		return illegal(core, "GET_STATS scope %u unknown", cmd->scope);
	}
	efa_dp_fill_stats(cmd->type, cmd->scope == EFA_ADMIN_GET_STATS_SCOPE_ALL ?
			  &core->dp->stats : &core->qps[modifier].dp.stats, resp);
	return EFA_ADMIN_SUCCESS;
}

/* ---- handles ------------------------------------------------------------- */

static uint8_t alloc_id(struct efa_core *core, enum efa_core_object_class cls,
			uint32_t *id)
{
	int64_t got = efa_id_alloc(core, cls);

	if (got < 0) {
		efa_core_error(core, "no free %s (all %u in use)",
			       efa_core_object_class_name(cls),
			       core->tables[cls].max);
		return EFA_ADMIN_RESOURCE_ALLOCATION_FAILURE;
	}
	*id = (uint32_t)got;
	return EFA_ADMIN_SUCCESS;
}

static uint8_t alloc_handle(struct efa_core *core, enum efa_core_object_class cls,
			    __le16 *handle)
{
	uint32_t id;
	uint8_t status = alloc_id(core, cls, &id);

	if (!status)
		*handle = efa_hw_cpu_to_le16((uint16_t)id);
	return status;
}

/* A live object of cls named id, or ILLEGAL_PARAMETER. */
static uint8_t need(struct efa_core *core, enum efa_core_object_class cls,
		    uint64_t id, const char *cmd)
{
	if (efa_id_valid(core, cls, id))
		return EFA_ADMIN_SUCCESS;
	efa_core_error(core, "%s names %s %llu, which does not exist", cmd,
		       efa_core_object_class_name(cls), (unsigned long long)id);
	return EFA_ADMIN_ILLEGAL_PARAMETER;
}

/* Objects still naming it keep an object alive: RESOURCE_BUSY. */
static uint8_t unused(struct efa_core *core, enum efa_core_object_class cls,
		      uint32_t id)
{
	uint32_t refs = efa_id_refs(core, cls, id);

	if (!refs)
		return EFA_ADMIN_SUCCESS;
	efa_core_error(core, "%s %u still has %u objects using it",
		       efa_core_object_class_name(cls), id, refs);
	return EFA_ADMIN_RESOURCE_BUSY;
}

static uint8_t free_handle(struct efa_core *core, enum efa_core_object_class cls,
			   __le16 handle, __le16 reserved)
{
	uint16_t id = efa_hw_le16_to_cpu(handle);
	uint8_t status;

	if (reserved)
		return malformed(core, "reserved field set");
	status = need(core, cls, id, "destroy");
	if (!status)
		status = unused(core, cls, id);
	if (!status)
		efa_id_free(core, cls, id);
	return status;
}

/* ---- PD and UAR ---------------------------------------------------------- */

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
	eq->pc = 0;
	return EFA_ADMIN_SUCCESS;
}

static uint8_t destroy_eq(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			  struct efa_admin_acq_entry *resp)
{
	const struct efa_admin_destroy_eq_cmd *cmd = CMD(efa_admin_destroy_eq_cmd, entry);

	(void)resp;
	return free_handle(core, EFA_OBJ_EQ, cmd->eqn, cmd->reserved);
}

/* ---- rings --------------------------------------------------------------- */

static uint64_t addr64(__le32 lo, __le32 hi)
{
	return ((uint64_t)efa_hw_le32_to_cpu(hi) << 32) | efa_hw_le32_to_cpu(lo);
}

/* The live MR with this key, or NULL. */
static struct efa_mr *mr_by_key(struct efa_core *core, uint32_t key, uint32_t *index)
{
	uint32_t i = key >> 8;

	if (!efa_id_valid(core, EFA_OBJ_MR, i) || core->mrs[i].key != key)
		return NULL;
	if (index)
		*index = i;
	return &core->mrs[i];
}

/*
 * A ring the device will use: by IOVA inside a live MR of the right PD
 * (any PD for a CQ, which has none) with the access the device needs, or
 * in guest memory, checked at both ends (the data path checks every access
 * anyway).  pd < 0: no PD to match.
 */
static uint8_t check_ring(struct efa_core *core, const char *what,
			  const struct efa_queue_ring *ring, int32_t pd,
			  bool device_writes)
{
	uint8_t byte;

	if (!ring->size)
		return EFA_ADMIN_SUCCESS;
	if (ring->base + ring->size - 1 < ring->base) {
		efa_core_error(core, "%s ring at %#llx wraps the address space", what,
			       (unsigned long long)ring->base);
		return EFA_ADMIN_ILLEGAL_PARAMETER;
	}
	if (ring->virt) {
		const struct efa_mr *mr = mr_by_key(core, ring->l_key, NULL);

		if (!mr) {
			efa_core_error(core, "%s ring names l_key %#x, no such MR", what,
				       ring->l_key);
			return EFA_ADMIN_ILLEGAL_PARAMETER;
		}
		if ((pd >= 0 && mr->pd != pd) || ring->base < mr->iova ||
		    ring->base + ring->size - mr->iova > mr->length ||
		    (device_writes &&
		     !(mr->permissions & EFA_ADMIN_REG_MR_CMD_LOCAL_WRITE_ENABLE_MASK))) {
			efa_core_error(core, "%s ring [%#llx +%#llx] not inside MR %#x of its PD with the access it needs",
				       what, (unsigned long long)ring->base,
				       (unsigned long long)ring->size, ring->l_key);
			return EFA_ADMIN_ILLEGAL_PARAMETER;
		}
		return EFA_ADMIN_SUCCESS;
	}
	if (!ring->base || (ring->base & 7) ||
	    core->ops->dma_read(core->opaque, ring->base, &byte, 1) ||
	    core->ops->dma_read(core->opaque, ring->base + ring->size - 1, &byte, 1)) {
		efa_core_error(core, "%s ring [%#llx +%#llx] not in guest memory", what,
			       (unsigned long long)ring->base,
			       (unsigned long long)ring->size);
		return EFA_ADMIN_ILLEGAL_PARAMETER;
	}
	return EFA_ADMIN_SUCCESS;
}

static void ring_get(struct efa_core *core, const struct efa_queue_ring *ring)
{
	uint32_t index;

	if (ring->size && ring->virt && mr_by_key(core, ring->l_key, &index))
		efa_id_get(core, EFA_OBJ_MR, index);
}

static void ring_put(struct efa_core *core, const struct efa_queue_ring *ring)
{
	uint32_t index;

	if (ring->size && ring->virt && mr_by_key(core, ring->l_key, &index))
		efa_id_put(core, EFA_OBJ_MR, index);
}

/* ---- CQ ------------------------------------------------------------------ */

static uint32_t cq_db_offset(const struct efa_core *core, uint32_t cqn)
{
	return (core->cfg.max_qp + cqn) * EFA_CORE_DB_PAGE_SIZE + EFA_CORE_CQ_DB_IN_PAGE;
}

static uint8_t create_cq(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			 struct efa_admin_acq_entry *resp_entry)
{
	const struct efa_admin_create_cq_cmd *cmd = CMD(efa_admin_create_cq_cmd, entry);
	struct efa_admin_create_cq_resp *resp = RESP(efa_admin_create_cq_resp, resp_entry);
	const struct efa_core_config *cfg = &core->cfg;
	bool interrupts = EFA_GET(&cmd->cq_caps_1,
				  EFA_ADMIN_CREATE_CQ_CMD_INTERRUPT_MODE_ENABLED);
	bool src_addr = EFA_GET(&cmd->cq_caps_2, EFA_ADMIN_CREATE_CQ_CMD_SET_SRC_ADDR);
	uint32_t words = EFA_GET(&cmd->cq_caps_2, EFA_ADMIN_CREATE_CQ_CMD_CQ_ENTRY_SIZE_WORDS);
	uint16_t depth = efa_hw_le16_to_cpu(cmd->cq_depth);
	uint16_t eqn = efa_hw_le16_to_cpu(cmd->eqn);
	uint16_t uar = efa_hw_le16_to_cpu(cmd->uar);
	uint16_t subs = efa_hw_le16_to_cpu(cmd->num_sub_cqs);
	struct efa_queue_ring ring = {
		.base = addr64(cmd->cq_ba.mem_addr_low, cmd->cq_ba.mem_addr_high),
		.depth = depth,
		.virt = EFA_GET(&cmd->cq_caps_1, EFA_ADMIN_CREATE_CQ_CMD_VIRT),
		.l_key = efa_hw_le32_to_cpu(cmd->l_key),
	};
	struct efa_cq *cq;
	uint8_t status;
	uint32_t cqn;

	if (has_ctrl_buff(entry))
		return malformed(core, "CREATE_CQ with a control buffer");
	if (cmd->reserved ||
	    (cmd->cq_caps_1 & ~(EFA_ADMIN_CREATE_CQ_CMD_INTERRUPT_MODE_ENABLED_MASK |
				EFA_ADMIN_CREATE_CQ_CMD_VIRT_MASK)) ||
	    (cmd->cq_caps_2 & ~(EFA_ADMIN_CREATE_CQ_CMD_CQ_ENTRY_SIZE_WORDS_MASK |
				EFA_ADMIN_CREATE_CQ_CMD_SET_SRC_ADDR_MASK)))
		return malformed(core, "CREATE_CQ reserved bits set");
	if (words != 4 && words != 8)
		return illegal(core, "CREATE_CQ entry size %u words, not 4 or 8", words);
	if (src_addr && words != 8)
		return illegal(core, "CREATE_CQ set_src_addr needs 8-word entries, not %u",
			       words);
	if (!is_pow2(depth) || depth > cfg->max_cq_depth)
		return illegal(core, "CREATE_CQ depth %u not a power of two within max_cq_depth",
			       depth);
	if (subs != cfg->sub_cqs_per_cq)
		return illegal(core, "CREATE_CQ with %u sub-CQs, the device has sub_cqs_per_cq",
			       subs);
	status = need(core, EFA_OBJ_UAR, uar, "CREATE_CQ");
	if (status)
		return status;
	if (interrupts) {
		status = need(core, EFA_OBJ_EQ, eqn, "CREATE_CQ");
		if (status)
			return status;
	} else if (eqn) {
		return illegal(core, "CREATE_CQ in polling mode names EQ %u", eqn);
	}
	ring.size = (uint64_t)words * 4 * depth * subs;
	status = check_ring(core, "CREATE_CQ", &ring, -1, true);
	if (status)
		return status;

	status = alloc_id(core, EFA_OBJ_CQ, &cqn);
	if (status)
		return status;
	cq = &core->cqs[cqn];
	memset(cq, 0, sizeof(*cq));
	cq->ring = ring;
	cq->num_sub_cqs = subs;
	cq->entry_size = words * 4;
	cq->interrupts = interrupts;
	cq->set_src_addr = src_addr;
	cq->db_valid = interrupts || cfg->cq_doorbell;
	cq->eqn = eqn;
	cq->uar = uar;
	memset(&core->cq_sub_pc[cqn * cfg->sub_cqs_per_cq], 0,
	       cfg->sub_cqs_per_cq * sizeof(*core->cq_sub_pc));
	efa_id_get(core, EFA_OBJ_UAR, uar);
	if (interrupts)
		efa_id_get(core, EFA_OBJ_EQ, eqn);
	ring_get(core, &ring);

	resp->cq_idx = efa_hw_cpu_to_le16((uint16_t)cqn);
	resp->cq_actual_depth = efa_hw_cpu_to_le16(depth);
	if (cq->db_valid) {
		resp->db_offset = efa_hw_cpu_to_le32(cq_db_offset(core, cqn));
		EFA_SET(&resp->flags, EFA_ADMIN_CREATE_CQ_RESP_DB_VALID, 1);
	}
	return EFA_ADMIN_SUCCESS;
}

static uint8_t destroy_cq(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			  struct efa_admin_acq_entry *resp)
{
	const struct efa_admin_destroy_cq_cmd *cmd = CMD(efa_admin_destroy_cq_cmd, entry);
	uint16_t cqn = efa_hw_le16_to_cpu(cmd->cq_idx);
	struct efa_cq *cq;
	uint8_t status;

	(void)resp;
	if (has_ctrl_buff(entry) || cmd->reserved1)
		return malformed(core, "DESTROY_CQ reserved field set");
	status = need(core, EFA_OBJ_CQ, cqn, "DESTROY_CQ");
	if (!status)
		status = unused(core, EFA_OBJ_CQ, cqn);
	if (status)
		return status;
	cq = &core->cqs[cqn];
	efa_id_put(core, EFA_OBJ_UAR, cq->uar);
	if (cq->interrupts)
		efa_id_put(core, EFA_OBJ_EQ, cq->eqn);
	ring_put(core, &cq->ring);
	efa_id_free(core, EFA_OBJ_CQ, cqn);
	return EFA_ADMIN_SUCCESS;
}

/* ---- QP ------------------------------------------------------------------ */

#define EFA_MAX_RNR_RETRY	7
#define EFA_SQ_PSN_MASK		0xffffffu

static uint8_t create_qp(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			 struct efa_admin_acq_entry *resp_entry)
{
	const struct efa_admin_create_qp_cmd *cmd = CMD(efa_admin_create_qp_cmd, entry);
	struct efa_admin_create_qp_resp *resp = RESP(efa_admin_create_qp_resp, resp_entry);
	const struct efa_core_config *cfg = &core->cfg;
	const struct efa_admin_qp_alloc_size *sz = &cmd->qp_alloc_size;
	uint16_t pd = efa_hw_le16_to_cpu(cmd->pd);
	uint16_t uar = efa_hw_le16_to_cpu(cmd->uar);
	uint32_t send_cq = efa_hw_le32_to_cpu(cmd->send_cq_idx);
	uint32_t recv_cq = efa_hw_le32_to_cpu(cmd->recv_cq_idx);
	bool unsolicited = EFA_GET(&cmd->flags,
				   EFA_ADMIN_CREATE_QP_CMD_UNSOLICITED_WRITE_RECV);
	struct efa_queue_ring sq = {
		.base = efa_hw_le64_to_cpu(cmd->sq_base_addr),
		.size = efa_hw_le32_to_cpu(sz->send_queue_ring_size),
		.depth = efa_hw_le32_to_cpu(sz->send_queue_depth),
		.virt = EFA_GET(&cmd->flags, EFA_ADMIN_CREATE_QP_CMD_SQ_VIRT),
		.l_key = efa_hw_le32_to_cpu(cmd->sq_l_key),
	};
	struct efa_queue_ring rq = {
		.base = efa_hw_le64_to_cpu(cmd->rq_base_addr),
		.size = efa_hw_le32_to_cpu(sz->recv_queue_ring_size),
		.depth = efa_hw_le32_to_cpu(sz->recv_queue_depth),
		.virt = EFA_GET(&cmd->flags, EFA_ADMIN_CREATE_QP_CMD_RQ_VIRT),
		.l_key = efa_hw_le32_to_cpu(cmd->rq_l_key),
	};
	struct efa_cq *scq, *rcq;
	struct efa_qp *qp;
	uint8_t status;
	uint32_t qpn;

	if (has_ctrl_buff(entry))
		return malformed(core, "CREATE_QP with a control buffer");
	if (cmd->reserved || cmd->reserved2 ||
	    (cmd->flags & ~(EFA_ADMIN_CREATE_QP_CMD_SQ_VIRT_MASK |
			    EFA_ADMIN_CREATE_QP_CMD_RQ_VIRT_MASK |
			    EFA_ADMIN_CREATE_QP_CMD_UNSOLICITED_WRITE_RECV_MASK)))
		return malformed(core, "CREATE_QP reserved bits set");
	if (cmd->qp_type != EFA_ADMIN_QP_TYPE_UD && cmd->qp_type != EFA_ADMIN_QP_TYPE_SRD)
		return illegal(core, "CREATE_QP type %u unknown", cmd->qp_type);
	if (unsolicited &&
	    !(cfg->device_caps & EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_UNSOLICITED_WRITE_RECV_MASK)) {
		efa_core_error(core, "CREATE_QP unsolicited_write_recv without the device cap");
		return EFA_ADMIN_UNSUPPORTED_OPCODE;
	}
	if (cmd->sl > EFA_ADMIN_QP_MAX_SL)
		return illegal(core, "CREATE_QP service level %u beyond 15", cmd->sl);
	status = need(core, EFA_OBJ_PD, pd, "CREATE_QP");
	if (!status)
		status = need(core, EFA_OBJ_UAR, uar, "CREATE_QP");
	if (!status)
		status = need(core, EFA_OBJ_CQ, send_cq, "CREATE_QP send");
	if (!status)
		status = need(core, EFA_OBJ_CQ, recv_cq, "CREATE_QP recv");
	if (status)
		return status;
	/* a QP completes on CQs of its own process (UAR), never another's */
	if (core->cqs[send_cq].uar != uar || core->cqs[recv_cq].uar != uar)
		return illegal(core, "CREATE_QP on UAR %u names a CQ of another UAR", uar);
	if (sq.depth > cfg->max_sq_depth || sq.depth < cfg->min_sq_depth)
		return illegal(core, "CREATE_QP SQ depth %u outside min/max_sq_depth", sq.depth);
	if (rq.depth > cfg->max_rq_depth)
		return illegal(core, "CREATE_QP RQ depth %u beyond max_rq_depth", rq.depth);
	if (sq.size < (uint64_t)sq.depth * EFA_IO_TX_WQE_SIZE)
		return illegal(core, "CREATE_QP SQ ring of %u bytes too small for its depth",
			       (unsigned int)sq.size);
	if (rq.size < (uint64_t)rq.depth * sizeof(struct efa_io_rx_desc))
		return illegal(core, "CREATE_QP RQ ring of %u bytes too small for its depth",
			       (unsigned int)rq.size);
	if (!sq.base) {
		/* the LLQ: the QP's window of BAR2 */
		if (sq.virt || sq.size > cfg->max_llq_size)
			return illegal(core, "CREATE_QP LLQ of %u bytes beyond max_llq_size",
				       (unsigned int)sq.size);
	} else {
		status = check_ring(core, "CREATE_QP SQ", &sq, pd, false);
		if (status)
			return status;
	}
	if (rq.size && !rq.base)
		return illegal(core, "CREATE_QP RQ of %u bytes at address 0",
			       (unsigned int)rq.size);
	status = check_ring(core, "CREATE_QP RQ", &rq, pd, false);
	if (status)
		return status;

	status = alloc_id(core, EFA_OBJ_QP, &qpn);
	if (status)
		return status;
	qp = &core->qps[qpn];
	memset(qp, 0, sizeof(*qp));
	qp->type = cmd->qp_type;
	qp->state = EFA_ADMIN_QP_STATE_RESET;
	qp->sl = cmd->sl;
	qp->unsolicited_write_recv = unsolicited;
	qp->pd = pd;
	qp->uar = uar;
	qp->send_cq = (uint16_t)send_cq;
	qp->recv_cq = (uint16_t)recv_cq;
	qp->sq = sq;
	qp->rq = rq;
	if (efa_dp_qp_create(core, qpn)) {
		efa_id_free(core, EFA_OBJ_QP, qpn);
		efa_core_error(core, "CREATE_QP: host out of memory for %u WQEs", sq.depth);
		return EFA_ADMIN_RESOURCE_ALLOCATION_FAILURE;
	}
	scq = &core->cqs[send_cq];
	rcq = &core->cqs[recv_cq];
	/* spread QPs over a CQ's sub-CQs, round robin */
	qp->send_sub_cq = scq->next_sub_cq++ % scq->num_sub_cqs;
	qp->recv_sub_cq = rcq->next_sub_cq++ % rcq->num_sub_cqs;
	efa_id_get(core, EFA_OBJ_PD, pd);
	efa_id_get(core, EFA_OBJ_UAR, uar);
	efa_id_get(core, EFA_OBJ_CQ, send_cq);
	efa_id_get(core, EFA_OBJ_CQ, recv_cq);
	ring_get(core, &sq);
	ring_get(core, &rq);

	resp->qp_handle = efa_hw_cpu_to_le32(qpn);
	resp->qp_num = efa_hw_cpu_to_le16((uint16_t)qpn);
	resp->send_sub_cq_idx = efa_hw_cpu_to_le16(qp->send_sub_cq);
	resp->recv_sub_cq_idx = efa_hw_cpu_to_le16(qp->recv_sub_cq);
	resp->sq_db_offset = efa_hw_cpu_to_le32(qpn * EFA_CORE_DB_PAGE_SIZE +
						EFA_CORE_SQ_DB_IN_PAGE);
	resp->rq_db_offset = efa_hw_cpu_to_le32(qpn * EFA_CORE_DB_PAGE_SIZE +
						EFA_CORE_RQ_DB_IN_PAGE);
	resp->llq_descriptors_offset = efa_hw_cpu_to_le32(qpn * cfg->max_llq_size);
	return EFA_ADMIN_SUCCESS;
}

/* Attributes (modify_mask bits) a transition requires and allows. */
struct qp_transition {
	bool valid;
	uint32_t required;
	uint32_t optional;
};

#define QKEY	EFA_ADMIN_MODIFY_QP_CMD_QKEY_MASK
#define SQ_PSN	EFA_ADMIN_MODIFY_QP_CMD_SQ_PSN_MASK
#define RNR	EFA_ADMIN_MODIFY_QP_CMD_RNR_RETRY_MASK
#define DRAIN	EFA_ADMIN_MODIFY_QP_CMD_SQ_DRAINED_ASYNC_NOTIFY_MASK

/*
 * The transitions UD and SRD QPs share, in the attributes the device sees
 * (pkey and port stay with the driver).  RNR retry exists for SRD only.
 */
static const struct qp_transition qp_transitions[EFA_ADMIN_QP_STATE_ERR + 1]
						 [EFA_ADMIN_QP_STATE_ERR + 1] = {
	[EFA_ADMIN_QP_STATE_RESET] = {
		[EFA_ADMIN_QP_STATE_INIT] = { true, QKEY, 0 },
	},
	[EFA_ADMIN_QP_STATE_INIT] = {
		[EFA_ADMIN_QP_STATE_INIT] = { true, 0, QKEY },
		[EFA_ADMIN_QP_STATE_RTR] = { true, 0, QKEY },
	},
	[EFA_ADMIN_QP_STATE_RTR] = {
		[EFA_ADMIN_QP_STATE_RTS] = { true, SQ_PSN, QKEY | RNR },
	},
	[EFA_ADMIN_QP_STATE_RTS] = {
		[EFA_ADMIN_QP_STATE_RTS] = { true, 0, QKEY },
		[EFA_ADMIN_QP_STATE_SQD] = { true, 0, DRAIN },
	},
	[EFA_ADMIN_QP_STATE_SQD] = {
		[EFA_ADMIN_QP_STATE_RTS] = { true, 0, QKEY },
		[EFA_ADMIN_QP_STATE_SQD] = { true, 0, QKEY },
	},
	[EFA_ADMIN_QP_STATE_SQE] = {
		[EFA_ADMIN_QP_STATE_RTS] = { true, 0, QKEY },
	},
};

static struct qp_transition transition(uint32_t from, uint32_t to)
{
	static const struct qp_transition always = { true, 0, 0 };

	/* RESET and ERR are reachable from everywhere, with no attributes */
	if (to == EFA_ADMIN_QP_STATE_RESET || to == EFA_ADMIN_QP_STATE_ERR)
		return always;
	return qp_transitions[from][to];
}

/*
 * The states a device may move a QP between on its own (a send error,
 * drain completion), so a driver's belief may lag behind: the one place
 * cur_qp_state may differ from the device's state.
 */
static bool may_lag(uint32_t state)
{
	return state == EFA_ADMIN_QP_STATE_RTS || state == EFA_ADMIN_QP_STATE_SQD ||
	       state == EFA_ADMIN_QP_STATE_SQE;
}

static uint8_t modify_qp(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			 struct efa_admin_acq_entry *resp)
{
	const struct efa_admin_modify_qp_cmd *cmd = CMD(efa_admin_modify_qp_cmd, entry);
	uint32_t mask = efa_hw_le32_to_cpu(cmd->modify_mask);
	uint32_t handle = efa_hw_le32_to_cpu(cmd->qp_handle);
	uint32_t to = efa_hw_le32_to_cpu(cmd->qp_state);
	uint32_t cur = efa_hw_le32_to_cpu(cmd->cur_qp_state);
	uint32_t sq_psn = efa_hw_le32_to_cpu(cmd->sq_psn);
	const uint32_t attrs = QKEY | SQ_PSN | RNR | DRAIN;
	const uint32_t known = attrs | EFA_ADMIN_MODIFY_QP_CMD_QP_STATE_MASK |
			       EFA_ADMIN_MODIFY_QP_CMD_CUR_QP_STATE_MASK;
	struct qp_transition t;
	struct efa_qp *qp;
	uint32_t from;
	uint8_t status;

	(void)resp;
	if (has_ctrl_buff(entry) || cmd->reserved2 || (mask & ~known))
		return malformed(core, "MODIFY_QP reserved bits set");
	status = need(core, EFA_OBJ_QP, handle, "MODIFY_QP");
	if (status)
		return status;
	qp = &core->qps[handle];

	from = qp->state;
	if (mask & EFA_ADMIN_MODIFY_QP_CMD_CUR_QP_STATE_MASK) {
		if (cur > EFA_ADMIN_QP_STATE_ERR ||
		    (cur != qp->state && !(may_lag(cur) && may_lag(qp->state)))) {
			efa_core_error(core, "MODIFY_QP of QP %u: cur_qp_state %u, but it is in %u",
				       handle, cur, qp->state);
			return EFA_ADMIN_ILLEGAL_PARAMETER;
		}
		from = cur;
	}
	if (!(mask & EFA_ADMIN_MODIFY_QP_CMD_QP_STATE_MASK))
		to = from;
	if (to > EFA_ADMIN_QP_STATE_ERR)
		return illegal(core, "MODIFY_QP to state %u unknown", to);
	if (to == EFA_ADMIN_QP_STATE_SQE) {
		/* only the device moves a QP to SQE, on a send error */
		return illegal(core, "MODIFY_QP to SQE (%u) asked by the driver", to);
	}
	t = transition(from, to);
	if (!t.valid || (mask & t.required) != t.required ||
	    (mask & attrs & ~(t.required | t.optional))) {
		efa_core_error(core, "MODIFY_QP of QP %u: %u -> %u with attributes %#x not allowed",
			       handle, from, to, mask & attrs);
		return EFA_ADMIN_ILLEGAL_PARAMETER;
	}
	if (mask & RNR) {
		if (qp->type != EFA_ADMIN_QP_TYPE_SRD)
			return illegal(core, "MODIFY_QP rnr_retry on a UD QP %u", handle);
		if (!(core->cfg.device_caps & EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RNR_RETRY_MASK)) {
			efa_core_error(core, "MODIFY_QP rnr_retry without the device cap");
			return EFA_ADMIN_UNSUPPORTED_OPCODE;
		}
		if (cmd->rnr_retry > EFA_MAX_RNR_RETRY)
			return illegal(core, "MODIFY_QP rnr_retry %u beyond 7", cmd->rnr_retry);
	}
	if ((mask & SQ_PSN) && (sq_psn & ~EFA_SQ_PSN_MASK))
		return illegal(core, "MODIFY_QP sq_psn %#x wider than 24 bits", sq_psn);
	if ((mask & DRAIN) && cmd->sq_drained_async_notify > 1)
		return illegal(core, "MODIFY_QP sq_drained_async_notify %u not 0/1",
			       cmd->sq_drained_async_notify);

	if (mask & QKEY)
		qp->qkey = efa_hw_le32_to_cpu(cmd->qkey);
	if (mask & SQ_PSN)
		qp->sq_psn = sq_psn;
	if (mask & RNR)
		qp->rnr_retry = cmd->rnr_retry;
	if (mask & DRAIN)
		qp->sq_drained_async_notify = cmd->sq_drained_async_notify;
	if (to == EFA_ADMIN_QP_STATE_RESET) {
		/* back to what CREATE_QP made */
		qp->qkey = 0;
		qp->sq_psn = 0;
		qp->rnr_retry = 0;
		qp->sq_drained_async_notify = false;
	}
	from = qp->state;
	qp->state = (uint8_t)to;
	efa_dp_qp_state(core, handle, (uint8_t)from);
	return EFA_ADMIN_SUCCESS;
}

#undef QKEY
#undef SQ_PSN
#undef RNR
#undef DRAIN

static uint8_t query_qp(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			struct efa_admin_acq_entry *resp_entry)
{
	const struct efa_admin_query_qp_cmd *cmd = CMD(efa_admin_query_qp_cmd, entry);
	struct efa_admin_query_qp_resp *resp = RESP(efa_admin_query_qp_resp, resp_entry);
	uint32_t handle = efa_hw_le32_to_cpu(cmd->qp_handle);
	const struct efa_qp *qp;
	uint8_t status;

	if (has_ctrl_buff(entry))
		return malformed(core, "QUERY_QP with a control buffer");
	status = need(core, EFA_OBJ_QP, handle, "QUERY_QP");
	if (status)
		return status;
	qp = &core->qps[handle];
	resp->qp_state = efa_hw_cpu_to_le32(qp->state);
	resp->qkey = efa_hw_cpu_to_le32(qp->qkey);
	resp->sq_psn = efa_hw_cpu_to_le32(qp->sq_psn);
	/* SQD stops fetching; what was sent before still waits for answers */
	resp->sq_draining = qp->state == EFA_ADMIN_QP_STATE_SQD && qp->dp.outstanding;
	resp->rnr_retry = qp->rnr_retry;
	return EFA_ADMIN_SUCCESS;
}

static uint8_t destroy_qp(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			  struct efa_admin_acq_entry *resp)
{
	const struct efa_admin_destroy_qp_cmd *cmd = CMD(efa_admin_destroy_qp_cmd, entry);
	uint32_t handle = efa_hw_le32_to_cpu(cmd->qp_handle);
	struct efa_qp *qp;
	uint8_t status;

	(void)resp;
	if (has_ctrl_buff(entry))
		return malformed(core, "DESTROY_QP with a control buffer");
	status = need(core, EFA_OBJ_QP, handle, "DESTROY_QP");
	if (status)
		return status;
	qp = &core->qps[handle];
	efa_dp_qp_destroy(core, handle);
	efa_id_put(core, EFA_OBJ_PD, qp->pd);
	efa_id_put(core, EFA_OBJ_UAR, qp->uar);
	efa_id_put(core, EFA_OBJ_CQ, qp->send_cq);
	efa_id_put(core, EFA_OBJ_CQ, qp->recv_cq);
	ring_put(core, &qp->sq);
	ring_put(core, &qp->rq);
	efa_id_free(core, EFA_OBJ_QP, handle);
	return EFA_ADMIN_SUCCESS;
}

/* ---- AH ------------------------------------------------------------------ */

/*
 * The device keeps one address book entry per address and PD: a CREATE_AH
 * for an address its PD already has answers that AH's number again, so a
 * receive from that address reports the one number every creator holds
 * (libfabric creates its own address's AH per endpoint, then again in its
 * address vector for a peer on the same device; its reverse lookup wants
 * the latter's number).  The AH goes with its last DESTROY_AH, and every
 * creation counts toward max_ah.
 */
static uint32_t ah_creations(const struct efa_core *core)
{
	uint32_t id, n = 0;

	for (id = 0; id < core->tables[EFA_OBJ_AH].max; id++)
		if (efa_id_valid(core, EFA_OBJ_AH, id))
			n += core->ahs[id].creations;
	return n;
}

static int64_t ah_find(const struct efa_core *core, uint16_t pd, const uint8_t addr[16])
{
	uint32_t id;

	for (id = 0; id < core->tables[EFA_OBJ_AH].max; id++)
		if (efa_id_valid(core, EFA_OBJ_AH, id) && core->ahs[id].pd == pd &&
		    !memcmp(core->ahs[id].dest_addr, addr, sizeof(core->ahs[id].dest_addr)))
			return id;
	return -1;
}

static uint8_t create_ah(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			 struct efa_admin_acq_entry *resp_entry)
{
	const struct efa_admin_create_ah_cmd *cmd = CMD(efa_admin_create_ah_cmd, entry);
	struct efa_admin_create_ah_resp *resp = RESP(efa_admin_create_ah_resp, resp_entry);
	uint16_t pd = efa_hw_le16_to_cpu(cmd->pd);
	struct efa_ah *ah;
	int64_t found;
	uint8_t status;
	uint32_t id;

	if (has_ctrl_buff(entry) || cmd->reserved)
		return malformed(core, "CREATE_AH reserved field set");
	status = need(core, EFA_OBJ_PD, pd, "CREATE_AH");
	if (status)
		return status;
	if (ah_creations(core) >= core->tables[EFA_OBJ_AH].max) {
		efa_core_error(core, "no free ah (all %u in use)", core->tables[EFA_OBJ_AH].max);
		return EFA_ADMIN_RESOURCE_ALLOCATION_FAILURE;
	}
	found = ah_find(core, pd, cmd->dest_addr);
	if (found >= 0) {
		id = (uint32_t)found;
		core->ahs[id].creations++;
	} else {
		status = alloc_id(core, EFA_OBJ_AH, &id);
		if (status)
			return status;
		ah = &core->ahs[id];
		ah->pd = pd;
		memcpy(ah->dest_addr, cmd->dest_addr, sizeof(ah->dest_addr));
		ah->creations = 1;
		efa_dp_ah_changed(core);
	}
	efa_id_get(core, EFA_OBJ_PD, pd);
	resp->ah = efa_hw_cpu_to_le16((uint16_t)id);
	return EFA_ADMIN_SUCCESS;
}

static uint8_t destroy_ah(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			  struct efa_admin_acq_entry *resp)
{
	const struct efa_admin_destroy_ah_cmd *cmd = CMD(efa_admin_destroy_ah_cmd, entry);
	uint16_t id = efa_hw_le16_to_cpu(cmd->ah);
	uint16_t pd = efa_hw_le16_to_cpu(cmd->pd);
	uint8_t status;

	(void)resp;
	if (has_ctrl_buff(entry))
		return malformed(core, "DESTROY_AH with a control buffer");
	status = need(core, EFA_OBJ_AH, id, "DESTROY_AH");
	if (status)
		return status;
	if (core->ahs[id].pd != pd) {
		efa_core_error(core, "DESTROY_AH of AH %u with PD %u; it belongs to PD %u",
			       id, pd, core->ahs[id].pd);
		return EFA_ADMIN_ILLEGAL_PARAMETER;
	}
	efa_id_put(core, EFA_OBJ_PD, pd);
	if (--core->ahs[id].creations)
		return EFA_ADMIN_SUCCESS;
	efa_id_free(core, EFA_OBJ_AH, id);
	efa_dp_ah_changed(core);
	return EFA_ADMIN_SUCCESS;
}

/* ---- MR ------------------------------------------------------------------ */

#define EFA_PBL_PIECE_ENTRIES	(EFA_ADMIN_PBL_PIECE_SIZE / EFA_ADMIN_PBL_ENTRY_SIZE)
#define EFA_CHUNK_NEXT_SIZE	sizeof(struct efa_admin_ctrl_buff_info)
/* the smallest chunk: one piece address and the next-chunk pointer */
#define EFA_CHUNK_MIN_SIZE	(EFA_ADMIN_PBL_ENTRY_SIZE + EFA_CHUNK_NEXT_SIZE)

static int read_le64s(struct efa_core *core, uint64_t addr, uint64_t *out, uint32_t n)
{
	uint32_t i;

	if (core->ops->dma_read(core->opaque, addr, out, (size_t)n * EFA_ADMIN_PBL_ENTRY_SIZE))
		return -1;
	for (i = 0; i < n; i++)
		out[i] = efa_hw_le64_to_cpu((__le64)out[i]);
	return 0;
}

/*
 * Follow an indirect page list: chunks, each naming 4 KiB pieces of the
 * list and the next chunk.  Every chunk yields at least one piece and the
 * walk stops once page_num entries are in, so it ends; a chain that comes
 * back to a chunk it has visited is malformed (it would name the same
 * pieces twice), as is one that runs off guest memory.
 */
static uint8_t walk_chain(struct efa_core *core, const struct efa_admin_ctrl_buff_info *first,
			  uint64_t *pages, uint32_t page_num, uint64_t *visited)
{
	uint32_t pieces = (page_num + EFA_PBL_PIECE_ENTRIES - 1) / EFA_PBL_PIECE_ENTRIES;
	uint64_t ptrs[(EFA_ADMIN_PBL_CHUNK_SIZE - EFA_CHUNK_NEXT_SIZE) / EFA_ADMIN_PBL_ENTRY_SIZE];
	uint32_t length = efa_hw_le32_to_cpu(first->length);
	uint64_t addr = addr64(first->address.mem_addr_low, first->address.mem_addr_high);
	uint32_t got = 0, chunk = 0;

	while (got < pieces) {
		struct efa_admin_ctrl_buff_info next;
		uint32_t n, i;

		if (length < EFA_CHUNK_MIN_SIZE || length > EFA_ADMIN_PBL_CHUNK_SIZE ||
		    (length - EFA_CHUNK_NEXT_SIZE) % EFA_ADMIN_PBL_ENTRY_SIZE) {
			efa_core_error(core, "REG_MR page-list chunk %u of %u bytes malformed",
				       chunk, length);
			return EFA_ADMIN_MALFORMED_REQUEST;
		}
		for (i = 0; i < chunk; i++) {
			if (visited[i] == addr) {
				efa_core_error(core, "REG_MR page-list chain loops back to chunk %u",
					       i);
				return EFA_ADMIN_MALFORMED_REQUEST;
			}
		}
		visited[chunk] = addr;
		n = (length - EFA_CHUNK_NEXT_SIZE) / EFA_ADMIN_PBL_ENTRY_SIZE;
		if (n > pieces - got)
			n = pieces - got;
		if (!addr || read_le64s(core, addr, ptrs, n)) {
			efa_core_error(core, "REG_MR page-list chunk %u at %#llx unreachable",
				       chunk, (unsigned long long)addr);
			return EFA_ADMIN_MALFORMED_REQUEST;
		}
		for (i = 0; i < n; i++, got++) {
			uint32_t first_entry = got * EFA_PBL_PIECE_ENTRIES;
			uint32_t entries = page_num - first_entry;

			if (entries > EFA_PBL_PIECE_ENTRIES)
				entries = EFA_PBL_PIECE_ENTRIES;
			if (!ptrs[i] || read_le64s(core, ptrs[i], pages + first_entry, entries)) {
				efa_core_error(core, "REG_MR page-list piece %u at %#llx unreachable",
					       got, (unsigned long long)ptrs[i]);
				return EFA_ADMIN_MALFORMED_REQUEST;
			}
		}
		if (got == pieces)
			break;
		if (core->ops->dma_read(core->opaque,
					addr + length - EFA_CHUNK_NEXT_SIZE, &next,
					sizeof(next))) {
			efa_core_error(core, "REG_MR page-list chunk %u's next pointer unreachable",
				       chunk);
			return EFA_ADMIN_MALFORMED_REQUEST;
		}
		length = efa_hw_le32_to_cpu(next.length);
		addr = addr64(next.address.mem_addr_low, next.address.mem_addr_high);
		chunk++;
	}
	return EFA_ADMIN_SUCCESS;
}

static uint8_t read_chained_pbl(struct efa_core *core,
				const struct efa_admin_ctrl_buff_info *first,
				uint64_t *pages, uint32_t page_num)
{
	uint32_t pieces = (page_num + EFA_PBL_PIECE_ENTRIES - 1) / EFA_PBL_PIECE_ENTRIES;
	uint64_t *visited = malloc((size_t)pieces * sizeof(*visited));
	uint8_t status;

	if (!visited) {
		efa_core_error(core, "REG_MR of %u pages: host out of memory", page_num);
		return EFA_ADMIN_RESOURCE_ALLOCATION_FAILURE;
	}
	status = walk_chain(core, first, pages, page_num, visited);
	free(visited);
	return status;
}

static uint8_t read_pbl(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			const struct efa_admin_reg_mr_cmd *cmd, uint64_t *pages,
			uint32_t page_num)
{
	uint8_t flags = entry->aq_common_descriptor.flags;
	uint32_t length = efa_hw_le32_to_cpu(cmd->pbl.pbl.length);
	uint64_t addr = addr64(cmd->pbl.pbl.address.mem_addr_low,
			       cmd->pbl.pbl.address.mem_addr_high);
	uint32_t i;

	if (!(flags & EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_MASK)) {
		if (flags & EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_INDIRECT_MASK)
			return malformed(core, "REG_MR indirect flag without ctrl_data");
		if (page_num > EFA_ADMIN_REG_MR_INLINE_PAGES)
			return malformed(core, "REG_MR of more than 4 pages without a page list");
		for (i = 0; i < page_num; i++)
			pages[i] = efa_hw_le64_to_cpu(cmd->pbl.inline_pbl_array[i]);
		for (; i < EFA_ADMIN_REG_MR_INLINE_PAGES; i++) {
			if (cmd->pbl.inline_pbl_array[i])
				return malformed(core, "REG_MR inline page list longer than page_num");
		}
		return EFA_ADMIN_SUCCESS;
	}
	if (flags & EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_INDIRECT_MASK)
		return read_chained_pbl(core, &cmd->pbl.pbl, pages, page_num);
	if (length != (uint64_t)page_num * EFA_ADMIN_PBL_ENTRY_SIZE)
		return illegal(core, "REG_MR page list of %u bytes does not hold page_num entries",
			       length);
	if (!addr || read_le64s(core, addr, pages, page_num)) {
		efa_core_error(core, "REG_MR page list at %#llx unreachable",
			       (unsigned long long)addr);
		return EFA_ADMIN_MALFORMED_REQUEST;
	}
	return EFA_ADMIN_SUCCESS;
}

static uint8_t reg_mr(struct efa_core *core, const struct efa_admin_aq_entry *entry,
		      struct efa_admin_acq_entry *resp_entry)
{
	const struct efa_admin_reg_mr_cmd *cmd = CMD(efa_admin_reg_mr_cmd, entry);
	struct efa_admin_reg_mr_resp *resp = RESP(efa_admin_reg_mr_resp, resp_entry);
	const struct efa_core_config *cfg = &core->cfg;
	uint16_t pd = efa_hw_le16_to_cpu(cmd->pd);
	uint32_t shift = EFA_GET(&cmd->flags, EFA_ADMIN_REG_MR_CMD_PHYS_PAGE_SIZE_SHIFT);
	uint64_t length = efa_hw_le64_to_cpu(cmd->mr_length);
	uint64_t iova = efa_hw_le64_to_cpu(cmd->iova);
	uint32_t page_num = efa_hw_le32_to_cpu(cmd->page_num);
	const uint8_t perms_known = EFA_ADMIN_REG_MR_CMD_LOCAL_WRITE_ENABLE_MASK |
				    EFA_ADMIN_REG_MR_CMD_REMOTE_WRITE_ENABLE_MASK |
				    EFA_ADMIN_REG_MR_CMD_REMOTE_READ_ENABLE_MASK;
	uint64_t spanned, page_mask;
	uint64_t *pages;
	struct efa_mr *mr;
	uint8_t status;
	uint32_t i, id;

	if (cmd->reserved16_w1 || cmd->reserved16_w5 ||
	    (cmd->flags & ~(EFA_ADMIN_REG_MR_CMD_PHYS_PAGE_SIZE_SHIFT_MASK |
			    EFA_ADMIN_REG_MR_CMD_MEM_ADDR_PHY_MODE_EN_MASK)) ||
	    (cmd->permissions & ~perms_known))
		return malformed(core, "REG_MR reserved bits set");
	if (cmd->flags & EFA_ADMIN_REG_MR_CMD_MEM_ADDR_PHY_MODE_EN_MASK) {
		efa_core_error(core, "REG_MR in physical mode: not offered to this guest");
		return EFA_ADMIN_UNSUPPORTED_OPCODE;
	}
	if (((cmd->permissions & EFA_ADMIN_REG_MR_CMD_REMOTE_READ_ENABLE_MASK) &&
	     !(cfg->device_caps & EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_READ_MASK)) ||
	    ((cmd->permissions & EFA_ADMIN_REG_MR_CMD_REMOTE_WRITE_ENABLE_MASK) &&
	     !(cfg->device_caps & EFA_ADMIN_FEATURE_DEVICE_ATTR_DESC_RDMA_WRITE_MASK))) {
		efa_core_error(core, "REG_MR permissions %#x need RDMA the device lacks",
			       cmd->permissions);
		return EFA_ADMIN_UNSUPPORTED_OPCODE;
	}
	status = need(core, EFA_OBJ_PD, pd, "REG_MR");
	if (status)
		return status;
	if (shift >= 64 || !(cfg->page_size_cap & (1ull << shift)))
		return illegal(core, "REG_MR page shift %u not in page_size_cap", shift);
	if (!length || iova + length - 1 < iova)
		return illegal(core, "REG_MR of length %#x, empty or wrapping",
			       (unsigned int)length);
	page_mask = (1ull << shift) - 1;
	spanned = ((iova + length - 1) >> shift) - (iova >> shift) + 1;
	/*
	 * page_num is redundant and Linux's driver leaves it 0: the device
	 * counts the pages itself, and holds a driver that does give it to
	 * the right number.
	 */
	if (page_num && page_num != spanned)
		return illegal(core, "REG_MR page_num %u is not the pages the region spans",
			       page_num);
	if (spanned > cfg->max_mr_pages)
		return illegal(core, "REG_MR of %u pages beyond max_mr_pages",
			       (unsigned int)spanned);
	page_num = (uint32_t)spanned;
	if (core->mr_pages_used + page_num > cfg->mr_page_budget) {
		efa_core_error(core, "REG_MR of %u pages: the device's page-list budget is spent",
			       page_num);
		return EFA_ADMIN_RESOURCE_ALLOCATION_FAILURE;
	}
	pages = malloc((size_t)page_num * sizeof(*pages));
	if (!pages) {
		efa_core_error(core, "REG_MR of %u pages: host out of memory", page_num);
		return EFA_ADMIN_RESOURCE_ALLOCATION_FAILURE;
	}
	status = read_pbl(core, entry, cmd, pages, page_num);
	for (i = 0; !status && i < page_num; i++) {
		if (!pages[i] || (pages[i] & page_mask)) {
			efa_core_error(core, "REG_MR page %u at %#llx not aligned to its size",
				       i, (unsigned long long)pages[i]);
			status = EFA_ADMIN_ILLEGAL_PARAMETER;
		}
	}
	if (!status)
		status = alloc_id(core, EFA_OBJ_MR, &id);
	if (status) {
		free(pages);
		return status;
	}

	mr = &core->mrs[id];
	/* a fresh tag on each reuse: a stale key names no MR */
	if (++core->mr_key_tag[id] == 0)
		core->mr_key_tag[id] = 1;
	mr->key = id << 8 | core->mr_key_tag[id];
	mr->pd = pd;
	mr->page_shift = (uint8_t)shift;
	mr->permissions = cmd->permissions;
	mr->iova = iova;
	mr->length = length;
	mr->page_num = page_num;
	mr->pages = pages;
	core->mr_pages_used += page_num;
	efa_id_get(core, EFA_OBJ_PD, pd);

	resp->l_key = efa_hw_cpu_to_le32(mr->key);
	resp->r_key = efa_hw_cpu_to_le32(mr->key);
	/* one interconnect, nothing to tell apart */
	resp->validity = 0;
	return EFA_ADMIN_SUCCESS;
}

static uint8_t dereg_mr(struct efa_core *core, const struct efa_admin_aq_entry *entry,
			struct efa_admin_acq_entry *resp)
{
	const struct efa_admin_dereg_mr_cmd *cmd = CMD(efa_admin_dereg_mr_cmd, entry);
	uint32_t key = efa_hw_le32_to_cpu(cmd->l_key);
	struct efa_mr *mr;
	uint8_t status;
	uint32_t id;

	(void)resp;
	if (has_ctrl_buff(entry))
		return malformed(core, "DEREG_MR with a control buffer");
	mr = mr_by_key(core, key, &id);
	if (!mr) {
		efa_core_error(core, "DEREG_MR of l_key %#x, which names no MR", key);
		return EFA_ADMIN_ILLEGAL_PARAMETER;
	}
	status = unused(core, EFA_OBJ_MR, id);
	if (status)
		return status;
	efa_id_put(core, EFA_OBJ_PD, mr->pd);
	efa_mr_release(core, id);
	mr->key = 0;
	efa_id_free(core, EFA_OBJ_MR, id);
	return EFA_ADMIN_SUCCESS;
}

/* ---- dispatch ------------------------------------------------------------ */

typedef uint8_t (*efa_admin_handler)(struct efa_core *core,
				     const struct efa_admin_aq_entry *cmd,
				     struct efa_admin_acq_entry *resp);

static const efa_admin_handler handlers[EFA_ADMIN_MAX_OPCODE + 1] = {
	[EFA_ADMIN_CREATE_QP] = create_qp,
	[EFA_ADMIN_MODIFY_QP] = modify_qp,
	[EFA_ADMIN_QUERY_QP] = query_qp,
	[EFA_ADMIN_DESTROY_QP] = destroy_qp,
	[EFA_ADMIN_CREATE_AH] = create_ah,
	[EFA_ADMIN_DESTROY_AH] = destroy_ah,
	[EFA_ADMIN_REG_MR] = reg_mr,
	[EFA_ADMIN_DEREG_MR] = dereg_mr,
	[EFA_ADMIN_CREATE_CQ] = create_cq,
	[EFA_ADMIN_DESTROY_CQ] = destroy_cq,
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
