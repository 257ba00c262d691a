// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * reg_user_mr_dmabuf ends in the uverbs_attr_bundle (6.10 on) rather than
 * the driver's udata.
 */
#include <rdma/ib_verbs.h>
#include <rdma/uverbs_ioctl.h>

static struct ib_mr *efa_probe_reg(struct ib_pd *pd, u64 offset, u64 length,
				   u64 virt_addr, int fd, int access,
				   struct uverbs_attr_bundle *attrs)
{
	return NULL;
}

static const struct ib_device_ops efa_probe_ops __maybe_unused = {
	.reg_user_mr_dmabuf = efa_probe_reg,
};
