// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * LD_PRELOAD shim for the VM suite: makes the kernel look like one without
 * address handle numbers in create_ah's udata, by clearing
 * EFA_USER_CMDS_SUPP_UDATA_CREATE_AH in every alloc_ucontext response
 * (the ioctl GET_CONTEXT method, and the legacy write command).  libefa
 * must then refuse the context with a clear message.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <rdma/efa-abi.h>
#include <rdma/ib_user_ioctl_cmds.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/rdma_user_ioctl_cmds.h>

#define MASK_OFFSET offsetof(struct efa_ibv_alloc_ucontext_resp, cmds_supp_udata_mask)

static void clear_create_ah(void *driver_resp, size_t len)
{
	uint32_t mask;

	if (len < MASK_OFFSET + sizeof(mask))
		return;
	memcpy(&mask, (uint8_t *)driver_resp + MASK_OFFSET, sizeof(mask));
	mask &= ~(uint32_t)EFA_USER_CMDS_SUPP_UDATA_CREATE_AH;
	memcpy((uint8_t *)driver_resp + MASK_OFFSET, &mask, sizeof(mask));
	fprintf(stderr, "hide_create_ah_udata: cleared CREATE_AH\n");
}

int ioctl(int fd, unsigned long request, ...);
int ioctl(int fd, unsigned long request, ...)
{
	static int (*real)(int, unsigned long, ...);
	struct ib_uverbs_ioctl_hdr *hdr;
	va_list ap;
	int rc, i;

	va_start(ap, request);
	hdr = va_arg(ap, struct ib_uverbs_ioctl_hdr *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	rc = real(fd, request, hdr);
	if (rc || request != RDMA_VERBS_IOCTL ||
	    hdr->object_id != UVERBS_OBJECT_DEVICE ||
	    hdr->method_id != UVERBS_METHOD_GET_CONTEXT)
		return rc;
	for (i = 0; i < hdr->num_attrs; i++) {
		struct ib_uverbs_attr *attr = &hdr->attrs[i];

		if (attr->attr_id == UVERBS_ATTR_UHW_OUT)
			clear_create_ah(attr->len > sizeof(attr->data) ?
					(void *)(uintptr_t)attr->data : &attr->data,
					attr->len);
	}
	return rc;
}

ssize_t write(int fd, const void *buf, size_t count);
ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real)(int, const void *, size_t);
	const struct ib_uverbs_cmd_hdr *hdr = buf;
	const struct ib_uverbs_get_context *cmd;
	ssize_t rc;

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	rc = real(fd, buf, count);
	if (rc < 0 || count < sizeof(*hdr) + sizeof(*cmd) ||
	    hdr->command != IB_USER_VERBS_CMD_GET_CONTEXT)
		return rc;
	cmd = (const void *)(hdr + 1);
	clear_create_ah((uint8_t *)(uintptr_t)cmd->response +
				sizeof(struct ib_uverbs_get_context_resp),
			hdr->out_words * 4 - sizeof(struct ib_uverbs_get_context_resp));
	return rc;
}
