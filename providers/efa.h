/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The provider's objects: each wraps the libibverbs object it implements and
 * is found again from it with container_of.
 */
#ifndef EFA_H
#define EFA_H

#include <infiniband/driver.h>
#include <infiniband/efadv.h>

#include "efa_caps.h"
#include "efa_cmds.h"

#define PCI_VENDOR_ID_AMAZON 0x1d0f

#define EFA_UNUSED __attribute__((unused))

/*
 * Bytes of one send WQE in the LLQ.  Temporary: the data path brings the
 * hardware I/O descriptors (abi/hw), whose size this becomes.
 */
#define EFA_LLQ_WQE_BYTES 64

/* One per EFA device libibverbs found. */
struct efa_dev {
	struct verbs_device vdev;
	long page_size;
};

/* One per ibv_open_device(). */
struct efa_context {
	struct verbs_context ibvctx;
	struct efa_caps caps;
};

struct efa_pd {
	struct ibv_pd ibvpd;
	uint16_t pdn;
};

static inline struct efa_dev *to_efa_dev(struct ibv_device *ibdev)
{
	return container_of(ibdev, struct efa_dev, vdev.device);
}

static inline struct efa_context *to_efa_context(struct ibv_context *ibctx)
{
	return container_of(ibctx, struct efa_context, ibvctx.context);
}

static inline struct efa_pd *to_efa_pd(struct ibv_pd *ibpd)
{
	return container_of(ibpd, struct efa_pd, ibvpd);
}

/* efa_main.c: whether a device (of any provider) is one of ours. */
bool efa_is_efa_device(struct ibv_device *ibdev);

/* efa_context.c */
struct verbs_context *efa_alloc_context(struct ibv_device *ibdev, int cmd_fd,
					void *private_data);

/* efa_device.c */
int efa_read_device_caps(struct efa_context *ctx);
int efa_query_device_ex(struct ibv_context *ibctx,
			const struct ibv_query_device_ex_input *input,
			struct ibv_device_attr_ex *attr, size_t attr_size);
int efa_query_port(struct ibv_context *ibctx, uint8_t port,
		   struct ibv_port_attr *attr);

/* efa_pd.c */
struct ibv_pd *efa_alloc_pd(struct ibv_context *ibctx);
int efa_dealloc_pd(struct ibv_pd *ibpd);

#endif /* EFA_H */
