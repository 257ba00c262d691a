// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * LD_PRELOAD shim for the VM suite: plays a kernel that answers nonsense.
 * It overwrites one field of the EFA part (udata) of one kind of response
 * on its way from the kernel to libefa, as EFA_MANGLE_UDATA names it:
 *
 *	EFA_MANGLE_UDATA=context.sub_cqs_per_cq=0
 *	EFA_MANGLE_UDATA=cq.q_mmap_size=0x10
 *	EFA_MANGLE_UDATA=qp.send_sub_cq_idx=9
 *
 * (alloc_ucontext, create_cq and create_qp, through the ioctl methods or
 * the write commands, whichever libibverbs uses).  libefa must refuse the
 * answer with a clear errno and destroy what the kernel created.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <rdma/efa-abi.h>
#include <rdma/ib_user_ioctl_cmds.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/rdma_user_ioctl_cmds.h>

#define FIELD(obj, type, member) \
	{ obj, #member, offsetof(struct type, member), \
	  sizeof(((struct type *)0)->member) }

static const struct field {
	const char *object;	/* context, cq, qp */
	const char *name;
	size_t offset, size;
} fields[] = {
	FIELD("context", efa_ibv_alloc_ucontext_resp, sub_cqs_per_cq),
	FIELD("context", efa_ibv_alloc_ucontext_resp, max_llq_size),
	FIELD("context", efa_ibv_alloc_ucontext_resp, inline_buf_size),
	FIELD("context", efa_ibv_alloc_ucontext_resp, inline_buf_size_ex),
	FIELD("cq", efa_ibv_create_cq_resp, q_mmap_key),
	FIELD("cq", efa_ibv_create_cq_resp, q_mmap_size),
	FIELD("cq", efa_ibv_create_cq_resp, db_off),
	FIELD("cq", efa_ibv_create_cq_resp, db_mmap_key),
	FIELD("qp", efa_ibv_create_qp_resp, rq_db_offset),
	FIELD("qp", efa_ibv_create_qp_resp, sq_db_offset),
	FIELD("qp", efa_ibv_create_qp_resp, llq_desc_offset),
	FIELD("qp", efa_ibv_create_qp_resp, rq_mmap_key),
	FIELD("qp", efa_ibv_create_qp_resp, rq_mmap_size),
	FIELD("qp", efa_ibv_create_qp_resp, llq_desc_mmap_key),
	FIELD("qp", efa_ibv_create_qp_resp, send_sub_cq_idx),
	FIELD("qp", efa_ibv_create_qp_resp, recv_sub_cq_idx),
};

static const struct field *target;
static uint64_t value;

static void parse_target(void)
{
	const char *spec = getenv("EFA_MANGLE_UDATA");
	char object[16], name[32];
	size_t i;

	if (!spec || sscanf(spec, "%15[a-z].%31[a-z_]=%" SCNi64, object, name,
			    (int64_t *)&value) != 3)
		return;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(fields[i].object, object) &&
		    !strcmp(fields[i].name, name))
			target = &fields[i];
	if (!target)
		fprintf(stderr, "mangle_udata: no field %s\n", spec);
}

static const char *object_of(const struct ib_uverbs_ioctl_hdr *hdr)
{
	if (hdr->object_id == UVERBS_OBJECT_DEVICE &&
	    hdr->method_id == UVERBS_METHOD_GET_CONTEXT)
		return "context";
	if (hdr->object_id == UVERBS_OBJECT_CQ &&
	    hdr->method_id == UVERBS_METHOD_CQ_CREATE)
		return "cq";
	if (hdr->object_id == UVERBS_OBJECT_QP &&
	    hdr->method_id == UVERBS_METHOD_QP_CREATE)
		return "qp";
	return NULL;
}

static void mangle(uint8_t *driver_resp, size_t len)
{
	if (len < target->offset + target->size)
		return;
	memcpy(driver_resp + target->offset, &value, target->size);
	fprintf(stderr, "mangle_udata: %s.%s = %#llx\n", target->object,
		target->name, (unsigned long long)value);
}

int ioctl(int fd, unsigned long request, ...);
int ioctl(int fd, unsigned long request, ...)
{
	static int (*real)(int, unsigned long, ...);
	struct ib_uverbs_ioctl_hdr *hdr;
	const char *object;
	va_list ap;
	int rc, i;

	va_start(ap, request);
	hdr = va_arg(ap, struct ib_uverbs_ioctl_hdr *);
	va_end(ap);
	if (!real) {
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
		parse_target();
	}
	rc = real(fd, request, hdr);
	if (rc || !target || request != RDMA_VERBS_IOCTL)
		return rc;
	object = object_of(hdr);
	if (!object || strcmp(object, target->object))
		return rc;
	for (i = 0; i < hdr->num_attrs; i++) {
		struct ib_uverbs_attr *attr = &hdr->attrs[i];

		if (attr->attr_id == UVERBS_ATTR_UHW_OUT)
			mangle(attr->len > sizeof(attr->data) ?
			       (uint8_t *)(uintptr_t)attr->data :
			       (uint8_t *)&attr->data, attr->len);
	}
	return rc;
}

/*
 * The write commands: the response buffer's address is the first word of
 * the command (legacy) or of the extended header; the driver part follows
 * the core response.
 */
ssize_t write(int fd, const void *buf, size_t count);
ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real)(int, const void *, size_t);
	const struct ib_uverbs_cmd_hdr *hdr = buf;
	const char *object = NULL;
	size_t core = 0, out;
	uint64_t response;
	bool extended;
	ssize_t rc;

	if (!real) {
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
		if (!target)
			parse_target();
	}
	rc = real(fd, buf, count);
	if (rc < 0 || !target || count < sizeof(*hdr) + sizeof(response))
		return rc;
	extended = hdr->command & IB_USER_VERBS_CMD_FLAG_EXTENDED;
	switch (hdr->command & ~IB_USER_VERBS_CMD_FLAG_EXTENDED) {
	case IB_USER_VERBS_CMD_GET_CONTEXT:
		object = "context";
		core = sizeof(struct ib_uverbs_get_context_resp);
		break;
	case IB_USER_VERBS_CMD_CREATE_CQ:
		object = "cq";
		core = extended ? sizeof(struct ib_uverbs_ex_create_cq_resp) :
				  sizeof(struct ib_uverbs_create_cq_resp);
		break;
	case IB_USER_VERBS_CMD_CREATE_QP:
		object = "qp";
		core = extended ? sizeof(struct ib_uverbs_ex_create_qp_resp) :
				  sizeof(struct ib_uverbs_create_qp_resp);
		break;
	}
	if (!object || strcmp(object, target->object))
		return rc;
	memcpy(&response, hdr + 1, sizeof(response));
	if (extended) {
		const struct ib_uverbs_ex_cmd_hdr *ex = (const void *)(hdr + 1);

		out = (hdr->out_words + (size_t)ex->provider_out_words) * 8;
	} else {
		out = hdr->out_words * 4;
	}
	if (out > core)
		mangle((uint8_t *)(uintptr_t)response + core, out - core);
	return rc;
}
