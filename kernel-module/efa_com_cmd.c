// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Typed admin commands: each builds its wire command from host-order
 * parameters, runs it through efa_com_cmd_exec() (which logs failures) and
 * converts the wire response back to host order.
 */
#include <linux/bitfield.h>

#include "efa_com_cmd.h"

/* Run a command whose request and response are fixed wire structures. */
#define efa_com_exec(edev, cmd, resp) ({					\
	typeof(cmd) _cmd = (cmd);						\
	typeof(resp) _resp = (resp);						\
	BUILD_BUG_ON(sizeof(*_cmd) > sizeof(struct efa_admin_aq_entry));	\
	BUILD_BUG_ON(sizeof(*_resp) > sizeof(struct efa_admin_acq_entry));	\
	BUILD_BUG_ON(sizeof(*_resp) < sizeof(struct efa_admin_acq_common_desc)); \
	efa_com_cmd_exec(edev, _cmd, sizeof(*_cmd), _resp, sizeof(*_resp));	\
})

bool efa_com_feature_supported(struct efa_com_dev *edev,
			       enum efa_admin_aq_feature_id id)
{
	/* DEVICE_ATTR is how the device tells what else it supports */
	if (id == EFA_ADMIN_DEVICE_ATTR)
		return true;
	return id < 64 && (edev->supported_features & BIT_ULL(id));
}

/* ---- features ------------------------------------------------------------ */

static int efa_com_get_feature(struct efa_com_dev *edev,
			       enum efa_admin_aq_feature_id id,
			       struct efa_admin_get_feature_resp *resp)
{
	struct efa_admin_get_feature_cmd cmd = {};

	if (!efa_com_feature_supported(edev, id))
		return -EOPNOTSUPP;
	cmd.aq_common_descriptor.opcode = EFA_ADMIN_GET_FEATURE;
	cmd.feature_common.feature_id = id;
	return efa_com_exec(edev, &cmd, resp);
}

static int efa_com_set_feature(struct efa_com_dev *edev,
			       enum efa_admin_aq_feature_id id,
			       struct efa_admin_set_feature_cmd *cmd)
{
	struct efa_admin_set_feature_resp resp;

	if (!efa_com_feature_supported(edev, id))
		return -EOPNOTSUPP;
	cmd->aq_common_descriptor.opcode = EFA_ADMIN_SET_FEATURE;
	cmd->feature_common.feature_id = id;
	return efa_com_exec(edev, cmd, &resp);
}

int efa_com_get_device_attr(struct efa_com_dev *edev,
			    struct efa_com_dev_attr *attr)
{
	struct efa_admin_feature_device_attr_desc *d;
	struct efa_admin_get_feature_resp resp;
	int err;

	err = efa_com_get_feature(edev, EFA_ADMIN_DEVICE_ATTR, &resp);
	if (err)
		return err;
	d = &resp.u.device_attr;

	attr->supported_features = le64_to_cpu(d->supported_features);
	attr->page_size_cap = le64_to_cpu(d->page_size_cap);
	attr->guid = le64_to_cpu(d->guid);
	attr->fw_version = le32_to_cpu(d->fw_version);
	attr->admin_api_version = le32_to_cpu(d->admin_api_version);
	attr->device_version = le32_to_cpu(d->device_version);
	attr->device_caps = le32_to_cpu(d->device_caps);
	attr->max_rdma_size = le32_to_cpu(d->max_rdma_size);
	attr->db_bar = le16_to_cpu(d->db_bar);
	attr->max_link_speed_gbps = le16_to_cpu(d->max_link_speed_gbps);
	attr->phys_addr_width = d->phys_addr_width;
	attr->virt_addr_width = d->virt_addr_width;

	if (attr->admin_api_version < 1) {
		dev_err(edev->dmadev, "device admin API version %u, this driver needs 1 or later\n",
			attr->admin_api_version);
		return -EINVAL;
	}
	edev->supported_features = attr->supported_features;
	return 0;
}

int efa_com_get_queue_attr(struct efa_com_dev *edev,
			   struct efa_com_dev_attr *attr)
{
	struct efa_admin_feature_queue_attr_desc *q;
	struct efa_admin_get_feature_resp resp;
	int err;

	err = efa_com_get_feature(edev, EFA_ADMIN_QUEUE_ATTR_1, &resp);
	if (err)
		return err;
	q = &resp.u.queue_attr;

	attr->max_qp = le32_to_cpu(q->max_qp);
	attr->max_sq_depth = le32_to_cpu(q->max_sq_depth);
	attr->inline_buf_size = le32_to_cpu(q->inline_buf_size);
	attr->max_rq_depth = le32_to_cpu(q->max_rq_depth);
	attr->max_cq = le32_to_cpu(q->max_cq);
	attr->max_cq_depth = le32_to_cpu(q->max_cq_depth);
	attr->sub_cqs_per_cq = le16_to_cpu(q->sub_cqs_per_cq);
	attr->min_sq_depth = le16_to_cpu(q->min_sq_depth);
	attr->max_sq_sge = le16_to_cpu(q->max_wr_send_sges);
	attr->max_rq_sge = le16_to_cpu(q->max_wr_recv_sges);
	attr->max_mr = le32_to_cpu(q->max_mr);
	attr->max_mr_pages = le32_to_cpu(q->max_mr_pages);
	attr->max_pd = le32_to_cpu(q->max_pd);
	attr->max_ah = le32_to_cpu(q->max_ah);
	attr->max_llq_size = le32_to_cpu(q->max_llq_size);
	attr->max_wr_rdma_sge = le16_to_cpu(q->max_wr_rdma_sges);
	attr->max_tx_batch = le16_to_cpu(q->max_tx_batch);
	return 0;
}

int efa_com_get_queue_attr_2(struct efa_com_dev *edev,
			     struct efa_com_dev_attr *attr)
{
	struct efa_admin_get_feature_resp resp;
	int err;

	err = efa_com_get_feature(edev, EFA_ADMIN_QUEUE_ATTR_2, &resp);
	if (err)
		return err;
	attr->inline_buf_size_ex = le16_to_cpu(resp.u.queue_attr_2.inline_buf_size_ex);
	return 0;
}

int efa_com_get_network_attr(struct efa_com_dev *edev,
			     struct efa_com_dev_attr *attr)
{
	struct efa_admin_get_feature_resp resp;
	int err;

	err = efa_com_get_feature(edev, EFA_ADMIN_NETWORK_ATTR, &resp);
	if (err)
		return err;
	BUILD_BUG_ON(sizeof(attr->addr) != sizeof(resp.u.network_attr.addr));
	memcpy(attr->addr, resp.u.network_attr.addr, sizeof(attr->addr));
	attr->mtu = le32_to_cpu(resp.u.network_attr.mtu);
	return 0;
}

int efa_com_get_event_queue_attr(struct efa_com_dev *edev,
				 struct efa_com_dev_attr *attr)
{
	struct efa_admin_get_feature_resp resp;
	int err;

	err = efa_com_get_feature(edev, EFA_ADMIN_EVENT_QUEUE_ATTR, &resp);
	if (err)
		return err;
	attr->max_eq = le32_to_cpu(resp.u.event_queue_attr.max_eq);
	attr->max_eq_depth = le32_to_cpu(resp.u.event_queue_attr.max_eq_depth);
	attr->eq_event_bitmask = le32_to_cpu(resp.u.event_queue_attr.event_bitmask);
	return 0;
}

/* Everything the device announces about itself, optional parts included. */
int efa_com_query_device(struct efa_com_dev *edev,
			 struct efa_com_dev_attr *attr)
{
	int err;

	memset(attr, 0, sizeof(*attr));
	err = efa_com_get_device_attr(edev, attr);
	if (err)
		return err;
	err = efa_com_get_queue_attr(edev, attr);
	if (err)
		return err;

	attr->inline_buf_size_ex = min_t(u32, attr->inline_buf_size, U16_MAX);
	if (efa_com_feature_supported(edev, EFA_ADMIN_QUEUE_ATTR_2)) {
		err = efa_com_get_queue_attr_2(edev, attr);
		if (err)
			return err;
	}

	err = efa_com_get_network_attr(edev, attr);
	if (err)
		return err;

	if (efa_com_feature_supported(edev, EFA_ADMIN_EVENT_QUEUE_ATTR)) {
		err = efa_com_get_event_queue_attr(edev, attr);
		if (err)
			return err;
	}
	return 0;
}

int efa_com_get_hw_hints(struct efa_com_dev *edev,
			 struct efa_com_hw_hints *hints)
{
	struct efa_admin_get_feature_resp resp;
	int err;

	err = efa_com_get_feature(edev, EFA_ADMIN_HW_HINTS, &resp);
	if (err)
		return err;
	hints->mmio_read_timeout = le16_to_cpu(resp.u.hw_hints.mmio_read_timeout);
	hints->driver_watchdog_timeout =
		le16_to_cpu(resp.u.hw_hints.driver_watchdog_timeout);
	hints->admin_completion_timeout =
		le16_to_cpu(resp.u.hw_hints.admin_completion_timeout);
	hints->poll_interval = le16_to_cpu(resp.u.hw_hints.poll_interval);
	return 0;
}

int efa_com_get_aenq_config(struct efa_com_dev *edev, u32 *supported,
			    u32 *enabled)
{
	struct efa_admin_get_feature_resp resp;
	int err;

	err = efa_com_get_feature(edev, EFA_ADMIN_AENQ_CONFIG, &resp);
	if (err)
		return err;
	*supported = le32_to_cpu(resp.u.aenq.supported_groups);
	*enabled = le32_to_cpu(resp.u.aenq.enabled_groups);
	return 0;
}

int efa_com_set_aenq_config(struct efa_com_dev *edev, u32 groups)
{
	struct efa_admin_set_feature_cmd cmd = {};

	cmd.u.aenq.enabled_groups = cpu_to_le32(groups);
	return efa_com_set_feature(edev, EFA_ADMIN_AENQ_CONFIG, &cmd);
}

/* info: a coherent buffer holding a struct efa_admin_host_info */
int efa_com_set_host_info(struct efa_com_dev *edev, dma_addr_t info, u32 len)
{
	struct efa_admin_set_feature_cmd cmd = {};

	cmd.aq_common_descriptor.flags = EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_MASK;
	cmd.control_buffer.length = cpu_to_le32(len);
	efa_com_set_dma_addr(info, &cmd.control_buffer.address);
	return efa_com_set_feature(edev, EFA_ADMIN_HOST_INFO, &cmd);
}

/* ---- statistics ----------------------------------------------------------- */

int efa_com_get_stats(struct efa_com_dev *edev,
		      enum efa_admin_get_stats_type type,
		      union efa_com_stats *stats)
{
	struct efa_admin_acq_get_stats_resp resp;
	struct efa_admin_aq_get_stats_cmd cmd = {};
	int err;

	cmd.aq_common_descriptor.opcode = EFA_ADMIN_GET_STATS;
	cmd.type = type;
	cmd.scope = EFA_ADMIN_GET_STATS_SCOPE_ALL;
	err = efa_com_exec(edev, &cmd, &resp);
	if (err)
		return err;

	switch (type) {
	case EFA_ADMIN_GET_STATS_TYPE_BASIC:
		stats->basic.tx_bytes = le64_to_cpu(resp.u.basic_stats.tx_bytes);
		stats->basic.tx_pkts = le64_to_cpu(resp.u.basic_stats.tx_pkts);
		stats->basic.rx_bytes = le64_to_cpu(resp.u.basic_stats.rx_bytes);
		stats->basic.rx_pkts = le64_to_cpu(resp.u.basic_stats.rx_pkts);
		stats->basic.rx_drops = le64_to_cpu(resp.u.basic_stats.rx_drops);
		break;
	case EFA_ADMIN_GET_STATS_TYPE_MESSAGES:
		stats->messages.send_bytes =
			le64_to_cpu(resp.u.messages_stats.send_bytes);
		stats->messages.send_wrs =
			le64_to_cpu(resp.u.messages_stats.send_wrs);
		stats->messages.recv_bytes =
			le64_to_cpu(resp.u.messages_stats.recv_bytes);
		stats->messages.recv_wrs =
			le64_to_cpu(resp.u.messages_stats.recv_wrs);
		break;
	case EFA_ADMIN_GET_STATS_TYPE_RDMA_READ:
		stats->rdma_read.read_wrs =
			le64_to_cpu(resp.u.rdma_read_stats.read_wrs);
		stats->rdma_read.read_bytes =
			le64_to_cpu(resp.u.rdma_read_stats.read_bytes);
		stats->rdma_read.read_wr_err =
			le64_to_cpu(resp.u.rdma_read_stats.read_wr_err);
		stats->rdma_read.read_resp_bytes =
			le64_to_cpu(resp.u.rdma_read_stats.read_resp_bytes);
		break;
	case EFA_ADMIN_GET_STATS_TYPE_RDMA_WRITE:
		stats->rdma_write.write_wrs =
			le64_to_cpu(resp.u.rdma_write_stats.write_wrs);
		stats->rdma_write.write_bytes =
			le64_to_cpu(resp.u.rdma_write_stats.write_bytes);
		stats->rdma_write.write_wr_err =
			le64_to_cpu(resp.u.rdma_write_stats.write_wr_err);
		stats->rdma_write.write_recv_bytes =
			le64_to_cpu(resp.u.rdma_write_stats.write_recv_bytes);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* ---- PD and UAR ---------------------------------------------------------- */

int efa_com_alloc_pd(struct efa_com_dev *edev, u16 *pdn)
{
	struct efa_admin_alloc_pd_cmd cmd = {};
	struct efa_admin_alloc_pd_resp resp;
	int err;

	cmd.aq_common_descriptor.opcode = EFA_ADMIN_ALLOC_PD;
	err = efa_com_exec(edev, &cmd, &resp);
	if (err)
		return err;
	*pdn = le16_to_cpu(resp.pd);
	return 0;
}

int efa_com_dealloc_pd(struct efa_com_dev *edev, u16 pdn)
{
	struct efa_admin_dealloc_pd_cmd cmd = {};
	struct efa_admin_dealloc_pd_resp resp;

	cmd.aq_common_descriptor.opcode = EFA_ADMIN_DEALLOC_PD;
	cmd.pd = cpu_to_le16(pdn);
	return efa_com_exec(edev, &cmd, &resp);
}

int efa_com_alloc_uar(struct efa_com_dev *edev, u16 *uarn)
{
	struct efa_admin_alloc_uar_cmd cmd = {};
	struct efa_admin_alloc_uar_resp resp;
	int err;

	cmd.aq_common_descriptor.opcode = EFA_ADMIN_ALLOC_UAR;
	err = efa_com_exec(edev, &cmd, &resp);
	if (err)
		return err;
	*uarn = le16_to_cpu(resp.uar);
	return 0;
}

int efa_com_dealloc_uar(struct efa_com_dev *edev, u16 uarn)
{
	struct efa_admin_dealloc_uar_cmd cmd = {};
	struct efa_admin_dealloc_uar_resp resp;

	cmd.aq_common_descriptor.opcode = EFA_ADMIN_DEALLOC_UAR;
	cmd.uar = cpu_to_le16(uarn);
	return efa_com_exec(edev, &cmd, &resp);
}

/* ---- EQ ------------------------------------------------------------------ */

int efa_com_create_eq(struct efa_com_dev *edev,
		      const struct efa_com_create_eq_params *params,
		      u16 *eqn)
{
	struct efa_admin_create_eq_cmd cmd = {};
	struct efa_admin_create_eq_resp resp;
	int err;

	cmd.aq_common_descriptor.opcode = EFA_ADMIN_CREATE_EQ;
	cmd.depth = cpu_to_le16(params->depth);
	cmd.msix_vec = params->msix_vec;
	EFA_SET(&cmd.caps, EFA_ADMIN_CREATE_EQ_CMD_ENTRY_SIZE_WORDS,
		params->entry_size / 4);
	efa_com_set_dma_addr(params->dma_addr, &cmd.ba);
	cmd.event_bitmask = cpu_to_le32(params->event_bitmask);
	err = efa_com_exec(edev, &cmd, &resp);
	if (err)
		return err;
	*eqn = le16_to_cpu(resp.eqn);
	return 0;
}

int efa_com_destroy_eq(struct efa_com_dev *edev, u16 eqn)
{
	struct efa_admin_destroy_eq_cmd cmd = {};
	struct efa_admin_destroy_eq_resp resp;

	cmd.aq_common_descriptor.opcode = EFA_ADMIN_DESTROY_EQ;
	cmd.eqn = cpu_to_le16(eqn);
	return efa_com_exec(edev, &cmd, &resp);
}

/* ---- CQ ------------------------------------------------------------------ */

int efa_com_create_cq(struct efa_com_dev *edev,
		      const struct efa_com_create_cq_params *params,
		      struct efa_com_create_cq_result *result)
{
	struct efa_admin_create_cq_cmd cmd = {};
	struct efa_admin_create_cq_resp resp;
	int err;

	cmd.aq_common_desc.opcode = EFA_ADMIN_CREATE_CQ;
	EFA_SET(&cmd.cq_caps_2, EFA_ADMIN_CREATE_CQ_CMD_CQ_ENTRY_SIZE_WORDS,
		params->entry_size / 4);
	EFA_SET(&cmd.cq_caps_2, EFA_ADMIN_CREATE_CQ_CMD_SET_SRC_ADDR,
		params->set_src_addr);
	if (params->interrupts) {
		EFA_SET(&cmd.cq_caps_1,
			EFA_ADMIN_CREATE_CQ_CMD_INTERRUPT_MODE_ENABLED, 1);
		cmd.eqn = cpu_to_le16(params->eqn);
	}
	cmd.cq_depth = cpu_to_le16(params->depth);
	cmd.num_sub_cqs = cpu_to_le16(params->num_sub_cqs);
	cmd.uar = cpu_to_le16(params->uarn);
	efa_com_set_dma_addr(params->dma_addr, &cmd.cq_ba);
	err = efa_com_exec(edev, &cmd, &resp);
	if (err)
		return err;

	result->cq_idx = le16_to_cpu(resp.cq_idx);
	result->actual_depth = le16_to_cpu(resp.cq_actual_depth);
	result->db_offset = le32_to_cpu(resp.db_offset);
	result->db_valid = EFA_GET(&resp.flags, EFA_ADMIN_CREATE_CQ_RESP_DB_VALID);
	return 0;
}

int efa_com_destroy_cq(struct efa_com_dev *edev, u16 cq_idx)
{
	struct efa_admin_destroy_cq_cmd cmd = {};
	struct efa_admin_destroy_cq_resp resp;

	cmd.aq_common_desc.opcode = EFA_ADMIN_DESTROY_CQ;
	cmd.cq_idx = cpu_to_le16(cq_idx);
	return efa_com_exec(edev, &cmd, &resp);
}

/* ---- QP ------------------------------------------------------------------ */

int efa_com_create_qp(struct efa_com_dev *edev,
		      const struct efa_com_create_qp_params *params,
		      struct efa_com_create_qp_result *result)
{
	struct efa_admin_create_qp_cmd cmd = {};
	struct efa_admin_create_qp_resp resp;
	int err;

	cmd.aq_common_desc.opcode = EFA_ADMIN_CREATE_QP;
	cmd.pd = cpu_to_le16(params->pdn);
	cmd.qp_type = params->qp_type;
	EFA_SET(&cmd.flags, EFA_ADMIN_CREATE_QP_CMD_UNSOLICITED_WRITE_RECV,
		params->unsolicited_write_recv);
	/* sq_base_addr 0: the SQ is the QP's window of the LLQ */
	cmd.rq_base_addr = cpu_to_le64(params->rq_dma_addr);
	cmd.send_cq_idx = cpu_to_le32(params->send_cq_idx);
	cmd.recv_cq_idx = cpu_to_le32(params->recv_cq_idx);
	cmd.qp_alloc_size.send_queue_ring_size = cpu_to_le32(params->sq_ring_size);
	cmd.qp_alloc_size.send_queue_depth = cpu_to_le32(params->sq_depth);
	cmd.qp_alloc_size.recv_queue_ring_size = cpu_to_le32(params->rq_ring_size);
	cmd.qp_alloc_size.recv_queue_depth = cpu_to_le32(params->rq_depth);
	cmd.uar = cpu_to_le16(params->uarn);
	cmd.sl = params->sl;
	err = efa_com_exec(edev, &cmd, &resp);
	if (err)
		return err;

	result->qp_handle = le32_to_cpu(resp.qp_handle);
	result->qp_num = le16_to_cpu(resp.qp_num);
	result->send_sub_cq_idx = le16_to_cpu(resp.send_sub_cq_idx);
	result->recv_sub_cq_idx = le16_to_cpu(resp.recv_sub_cq_idx);
	result->sq_db_offset = le32_to_cpu(resp.sq_db_offset);
	result->rq_db_offset = le32_to_cpu(resp.rq_db_offset);
	result->llq_descriptors_offset = le32_to_cpu(resp.llq_descriptors_offset);
	return 0;
}

int efa_com_modify_qp(struct efa_com_dev *edev,
		      const struct efa_com_modify_qp_params *params)
{
	struct efa_admin_modify_qp_cmd cmd = {};
	struct efa_admin_modify_qp_resp resp;

	cmd.aq_common_desc.opcode = EFA_ADMIN_MODIFY_QP;
	cmd.modify_mask = cpu_to_le32(params->modify_mask);
	cmd.qp_handle = cpu_to_le32(params->qp_handle);
	cmd.qp_state = cpu_to_le32(params->qp_state);
	cmd.cur_qp_state = cpu_to_le32(params->cur_qp_state);
	cmd.qkey = cpu_to_le32(params->qkey);
	cmd.sq_psn = cpu_to_le32(params->sq_psn);
	cmd.sq_drained_async_notify = params->sq_drained_async_notify;
	cmd.rnr_retry = params->rnr_retry;
	return efa_com_exec(edev, &cmd, &resp);
}

int efa_com_query_qp(struct efa_com_dev *edev, u32 qp_handle,
		     struct efa_com_query_qp_result *result)
{
	struct efa_admin_query_qp_cmd cmd = {};
	struct efa_admin_query_qp_resp resp;
	int err;

	cmd.aq_common_desc.opcode = EFA_ADMIN_QUERY_QP;
	cmd.qp_handle = cpu_to_le32(qp_handle);
	err = efa_com_exec(edev, &cmd, &resp);
	if (err)
		return err;

	result->qp_state = le32_to_cpu(resp.qp_state);
	result->qkey = le32_to_cpu(resp.qkey);
	result->sq_psn = le32_to_cpu(resp.sq_psn);
	result->sq_draining = resp.sq_draining;
	result->rnr_retry = resp.rnr_retry;
	return 0;
}

int efa_com_destroy_qp(struct efa_com_dev *edev, u32 qp_handle)
{
	struct efa_admin_destroy_qp_cmd cmd = {};
	struct efa_admin_destroy_qp_resp resp;

	cmd.aq_common_desc.opcode = EFA_ADMIN_DESTROY_QP;
	cmd.qp_handle = cpu_to_le32(qp_handle);
	return efa_com_exec(edev, &cmd, &resp);
}

/* ---- AH ------------------------------------------------------------------ */

int efa_com_create_ah(struct efa_com_dev *edev, u16 pdn,
		      const u8 dest_addr[EFA_GID_SIZE], u16 *ah)
{
	struct efa_admin_create_ah_cmd cmd = {};
	struct efa_admin_create_ah_resp resp;
	int err;

	cmd.aq_common_desc.opcode = EFA_ADMIN_CREATE_AH;
	BUILD_BUG_ON(sizeof(cmd.dest_addr) != EFA_GID_SIZE);
	memcpy(cmd.dest_addr, dest_addr, sizeof(cmd.dest_addr));
	cmd.pd = cpu_to_le16(pdn);
	err = efa_com_exec(edev, &cmd, &resp);
	if (err)
		return err;
	*ah = le16_to_cpu(resp.ah);
	return 0;
}

int efa_com_destroy_ah(struct efa_com_dev *edev, u16 ah, u16 pdn)
{
	struct efa_admin_destroy_ah_cmd cmd = {};
	struct efa_admin_destroy_ah_resp resp;

	cmd.aq_common_desc.opcode = EFA_ADMIN_DESTROY_AH;
	cmd.ah = cpu_to_le16(ah);
	cmd.pd = cpu_to_le16(pdn);
	return efa_com_exec(edev, &cmd, &resp);
}

/* ---- MR ------------------------------------------------------------------ */

int efa_com_reg_mr(struct efa_com_dev *edev,
		   const struct efa_com_reg_mr_params *params,
		   struct efa_com_reg_mr_result *result)
{
	struct efa_admin_reg_mr_cmd cmd = {};
	struct efa_admin_reg_mr_resp resp;
	unsigned int i;
	int err;

	cmd.aq_common_desc.opcode = EFA_ADMIN_REG_MR;
	cmd.pd = cpu_to_le16(params->pdn);
	cmd.mr_length = cpu_to_le64(params->length);
	cmd.iova = cpu_to_le64(params->iova);
	cmd.page_num = cpu_to_le32(params->page_num);
	cmd.permissions = params->permissions;
	EFA_SET(&cmd.flags, EFA_ADMIN_REG_MR_CMD_PHYS_PAGE_SIZE_SHIFT,
		params->page_shift);

	switch (params->pbl_form) {
	case EFA_COM_PBL_INLINE:
		BUILD_BUG_ON(ARRAY_SIZE(cmd.pbl.inline_pbl_array) !=
			     EFA_COM_INLINE_PBL_PAGES);
		for (i = 0; i < params->page_num; i++)
			cmd.pbl.inline_pbl_array[i] =
				cpu_to_le64(params->pbl.inline_pages[i]);
		break;
	case EFA_COM_PBL_CHAINED:
		cmd.aq_common_desc.flags |=
			EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_INDIRECT_MASK;
		fallthrough;
	case EFA_COM_PBL_DIRECT:
		cmd.aq_common_desc.flags |= EFA_ADMIN_AQ_COMMON_DESC_CTRL_DATA_MASK;
		cmd.pbl.pbl.length = cpu_to_le32(params->pbl.buf.length);
		efa_com_set_dma_addr(params->pbl.buf.dma_addr,
				     &cmd.pbl.pbl.address);
		break;
	}

	err = efa_com_exec(edev, &cmd, &resp);
	if (err)
		return err;

	result->l_key = le32_to_cpu(resp.l_key);
	result->r_key = le32_to_cpu(resp.r_key);
	result->ic_info.recv_ic_id = resp.recv_ic_id;
	result->ic_info.rdma_read_ic_id = resp.rdma_read_ic_id;
	result->ic_info.rdma_recv_ic_id = resp.rdma_recv_ic_id;
	result->ic_info.recv_ic_id_valid =
		EFA_GET(&resp.validity, EFA_ADMIN_REG_MR_RESP_RECV_IC_ID);
	result->ic_info.rdma_read_ic_id_valid =
		EFA_GET(&resp.validity, EFA_ADMIN_REG_MR_RESP_RDMA_READ_IC_ID);
	result->ic_info.rdma_recv_ic_id_valid =
		EFA_GET(&resp.validity, EFA_ADMIN_REG_MR_RESP_RDMA_RECV_IC_ID);
	return 0;
}

int efa_com_dereg_mr(struct efa_com_dev *edev, u32 l_key)
{
	struct efa_admin_dereg_mr_cmd cmd = {};
	struct efa_admin_dereg_mr_resp resp;

	cmd.aq_common_desc.opcode = EFA_ADMIN_DEREG_MR;
	cmd.l_key = cpu_to_le32(l_key);
	return efa_com_exec(edev, &cmd, &resp);
}
