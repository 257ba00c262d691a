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
 * (alloc_ucontext, create_cq and create_qp, through the ioctl interface
 * libibverbs uses for them).  libefa must refuse the answer with a clear
 * errno and destroy what the kernel created.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <rdma/efa-abi.h>
#include <rdma/ib_user_ioctl_cmds.h>
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
		uint8_t *resp;

		if (attr->attr_id != UVERBS_ATTR_UHW_OUT ||
		    attr->len < target->offset + target->size)
			continue;
		resp = attr->len > sizeof(attr->data) ?
			(uint8_t *)(uintptr_t)attr->data : (uint8_t *)&attr->data;
		memcpy(resp + target->offset, &value, target->size);
		fprintf(stderr, "mangle_udata: %s.%s = %#llx\n", target->object,
			target->name, (unsigned long long)value);
	}
	return rc;
}
