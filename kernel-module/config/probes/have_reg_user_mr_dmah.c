// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * reg_user_mr takes a DMA handle (struct ib_dmah, 6.17 on) before the
 * udata; neither Debian kernel has it, newer ones do.
 */
#include <rdma/ib_verbs.h>

static struct ib_mr *efa_probe_reg(struct ib_pd *pd, u64 start, u64 length,
				   u64 virt_addr, int access,
				   struct ib_dmah *dmah,
				   struct ib_udata *udata)
{
	return NULL;
}

static const struct ib_device_ops efa_probe_ops __maybe_unused = {
	.reg_user_mr = efa_probe_reg,
};
