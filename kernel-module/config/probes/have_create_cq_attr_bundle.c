// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * create_cq takes the whole uverbs_attr_bundle (6.10 on) rather than the
 * driver's udata alone.
 */
#include <rdma/ib_verbs.h>
#include <rdma/uverbs_ioctl.h>

static int efa_probe_create_cq(struct ib_cq *cq,
			       const struct ib_cq_init_attr *attr,
			       struct uverbs_attr_bundle *attrs)
{
	return 0;
}

static const struct ib_device_ops efa_probe_ops __maybe_unused = {
	.create_cq = efa_probe_create_cq,
};
