/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The uverbs commands the provider sends, each a libibverbs command with
 * the EFA driver's part (udata) appended.  The driver parts come from the
 * repository's abi/efa-abi.h only: <rdma/efa-abi.h> is that file, staged by
 * the build, and <kernel-abi/efa-abi.h> is generated from it.
 */
#ifndef EFA_CMDS_H
#define EFA_CMDS_H

#include <infiniband/kern-abi.h>
#include <kernel-abi/efa-abi.h>
#include <rdma/efa-abi.h>

/*
 * rdma-core ships an older copy of the same header under the same name; it
 * lacks the 64-bit request id capability that ours has.  Refuse it loudly
 * instead of building against the wrong interface.
 */
#ifndef EFA_ABI_USER_H
#error "<rdma/efa-abi.h> is not the repository's abi/efa-abi.h"
#endif
#if !defined(_STRUCT_efa_ibv_ex_query_device_resp)
#error "<kernel-abi/efa-abi.h> was not generated from abi/efa-abi.h"
#endif
static_assert(EFA_QUERY_DEVICE_CAPS_SQ_64_BIT_REQ_ID == 1 << 9,
	      "<rdma/efa-abi.h> is not the repository's abi/efa-abi.h");

/*
 * DECLARE_DRV_CMD lays the generated struct and the header's struct over
 * each other and checks the sizes: the two copies cannot drift apart.
 */
DECLARE_DRV_CMD(efa_cmd_get_context, IB_USER_VERBS_CMD_GET_CONTEXT,
		efa_ibv_alloc_ucontext_cmd, efa_ibv_alloc_ucontext_resp);
DECLARE_DRV_CMD(efa_cmd_query_device, IB_USER_VERBS_EX_CMD_QUERY_DEVICE,
		empty, efa_ibv_ex_query_device_resp);
DECLARE_DRV_CMD(efa_cmd_alloc_pd, IB_USER_VERBS_CMD_ALLOC_PD,
		empty, efa_ibv_alloc_pd_resp);
DECLARE_DRV_CMD(efa_cmd_create_cq, IB_USER_VERBS_EX_CMD_CREATE_CQ,
		efa_ibv_create_cq, efa_ibv_create_cq_resp);
DECLARE_DRV_CMD(efa_cmd_create_qp, IB_USER_VERBS_CMD_CREATE_QP,
		efa_ibv_create_qp, efa_ibv_create_qp_resp);
DECLARE_DRV_CMD(efa_cmd_create_ah, IB_USER_VERBS_CMD_CREATE_AH,
		empty, efa_ibv_create_ah_resp);

#endif /* EFA_CMDS_H */
