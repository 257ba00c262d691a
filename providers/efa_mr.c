// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Memory regions: user memory (reg_mr) and dma-bufs (reg_dmabuf_mr); the
 * kernel pins and maps them, the device answers with the keys.
 * efadv_query_mr asks the driver's MR query method which PCIe interconnect
 * the device reaches the memory through.
 */
#include <errno.h>
#include <stdlib.h>

#include <infiniband/cmd_ioctl.h>

#include "efa.h"

struct ibv_mr *efa_reg_mr(struct ibv_pd *ibpd, void *addr, size_t len,
			  uint64_t hca_va, int access)
{
	struct ib_uverbs_reg_mr_resp resp;
	struct ibv_reg_mr cmd;
	struct efa_mr *mr;
	int err;

	mr = calloc(1, sizeof(*mr));
	if (!mr) {
		errno = ENOMEM;
		return NULL;
	}
	err = ibv_cmd_reg_mr(ibpd, addr, len, hca_va, access, &mr->vmr, &cmd,
			     sizeof(cmd), &resp, sizeof(resp));
	if (err) {
		verbs_debug(verbs_get_ctx(ibpd->context),
			    "reg_mr of %zu bytes: %d\n", len, err);
		free(mr);
		errno = err;
		return NULL;
	}
	return &mr->vmr.ibv_mr;
}

struct ibv_mr *efa_reg_dmabuf_mr(struct ibv_pd *ibpd, uint64_t offset,
				 size_t len, uint64_t iova, int fd, int access)
{
	struct efa_mr *mr;
	int err;

	mr = calloc(1, sizeof(*mr));
	if (!mr) {
		errno = ENOMEM;
		return NULL;
	}
	/*
	 * The last argument (driver attributes) is new in rdma-core 56;
	 * libibverbs 44 takes one argument less and never reads it (NULL
	 * either way).  See providers/README.md.
	 */
	err = ibv_cmd_reg_dmabuf_mr(ibpd, offset, len, iova, fd, access,
				    &mr->vmr, NULL);
	if (err) {
		verbs_debug(verbs_get_ctx(ibpd->context),
			    "reg_dmabuf_mr of %zu bytes: %d\n", len, err);
		free(mr);
		errno = err;
		return NULL;
	}
	return &mr->vmr.ibv_mr;
}

int efa_dereg_mr(struct verbs_mr *vmr)
{
	int err;

	err = ibv_cmd_dereg_mr(vmr);
	if (err) {
		verbs_err(verbs_get_ctx(vmr->ibv_mr.context), "dereg_mr: %d\n", err);
		return err;
	}
	free(container_of(vmr, struct efa_mr, vmr));
	return 0;
}

/* Which interconnect ids the driver's answer marks valid, in efadv's bits. */
static const struct {
	uint16_t kernel;
	uint16_t efadv;
} efa_mr_validity_map[] = {
	{ EFA_QUERY_MR_VALIDITY_RECV_IC_ID, EFADV_MR_ATTR_VALIDITY_RECV_IC_ID },
	{ EFA_QUERY_MR_VALIDITY_RDMA_READ_IC_ID,
	  EFADV_MR_ATTR_VALIDITY_RDMA_READ_IC_ID },
	{ EFA_QUERY_MR_VALIDITY_RDMA_RECV_IC_ID,
	  EFADV_MR_ATTR_VALIDITY_RDMA_RECV_IC_ID },
};

int efadv_query_mr(struct ibv_mr *ibmr, struct efadv_mr_attr *attr,
		   uint32_t inlen)
{
	uint16_t validity = 0, recv = 0, rdma_read = 0, rdma_recv = 0;
	DECLARE_COMMAND_BUFFER(cmd, UVERBS_OBJECT_MR, EFA_IB_METHOD_MR_QUERY, 5);
	size_t i;
	int err;

	if (!ibmr || !efa_is_efa_device(ibmr->context->device))
		return EOPNOTSUPP;
	if (efa_zero_attr_out(attr, inlen,
			      EFA_FIELD_END(struct efadv_mr_attr,
					    rdma_recv_ic_id)))
		return EINVAL;

	fill_attr_in_obj(cmd, EFA_IB_ATTR_QUERY_MR_HANDLE, ibmr->handle);
	fill_attr_out(cmd, EFA_IB_ATTR_QUERY_MR_RESP_IC_ID_VALIDITY,
		      &validity, sizeof(validity));
	fill_attr_out(cmd, EFA_IB_ATTR_QUERY_MR_RESP_RECV_IC_ID, &recv,
		      sizeof(recv));
	fill_attr_out(cmd, EFA_IB_ATTR_QUERY_MR_RESP_RDMA_READ_IC_ID,
		      &rdma_read, sizeof(rdma_read));
	fill_attr_out(cmd, EFA_IB_ATTR_QUERY_MR_RESP_RDMA_RECV_IC_ID,
		      &rdma_recv, sizeof(rdma_recv));
	err = execute_ioctl(ibmr->context, cmd);
	if (err) {
		verbs_debug(verbs_get_ctx(ibmr->context), "query_mr: %d\n", err);
		return err;
	}

	for (i = 0; i < sizeof(efa_mr_validity_map) / sizeof(efa_mr_validity_map[0]); i++)
		if (validity & efa_mr_validity_map[i].kernel)
			attr->ic_id_validity |= efa_mr_validity_map[i].efadv;
	/* an id the driver does not mark valid stays 0 */
	if (validity & EFA_QUERY_MR_VALIDITY_RECV_IC_ID)
		attr->recv_ic_id = recv;
	if (validity & EFA_QUERY_MR_VALIDITY_RDMA_READ_IC_ID)
		attr->rdma_read_ic_id = rdma_read;
	if (validity & EFA_QUERY_MR_VALIDITY_RDMA_RECV_IC_ID)
		attr->rdma_recv_ic_id = rdma_recv;
	return 0;
}
