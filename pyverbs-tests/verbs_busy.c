// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What pyverbs cannot ask: destroying an object others still name.  pyverbs
 * closes an object's dependants before the object itself, so the errno a C
 * user gets for ibv_dealloc_pd on a PD with an MR (and the like) is only
 * reachable from C.  Prints NAME=ERRNO (0: it succeeded) for each attempt,
 * then destroys everything in order and prints destroyed=0; the test
 * (test_objects.py) judges, and checks the device holds nothing after.
 *
 *   verbs-busy DEVICE
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <infiniband/verbs.h>

static void *must(const char *what, void *obj)
{
	if (!obj) {
		fprintf(stderr, "verbs-busy: %s: %s\n", what, strerror(errno));
		exit(2);
	}
	return obj;
}

static int must_rc(const char *what, int rc)
{
	if (rc) {
		fprintf(stderr, "verbs-busy: %s: %s\n", what, strerror(rc));
		exit(2);
	}
	return 0;
}

static struct ibv_context *open_by_name(const char *name)
{
	struct ibv_device **list = must("ibv_get_device_list", ibv_get_device_list(NULL));
	struct ibv_context *ctx = NULL;
	int i;

	for (i = 0; list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	return must(name, ctx);
}

int main(int argc, char **argv)
{
	struct ibv_qp_init_attr qp_attr = {
		.qp_type = IBV_QPT_UD,
		.cap = { .max_send_wr = 16, .max_recv_wr = 16,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct ibv_ah_attr ah_attr = { .is_global = 1, .port_num = 1 };
	struct ibv_context *ctx;
	static char buf[4096];
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	struct ibv_mr *mr;
	struct ibv_ah *ah;

	if (argc != 2) {
		fprintf(stderr, "usage: verbs-busy DEVICE\n");
		return 2;
	}
	ctx = open_by_name(argv[1]);
	must_rc("ibv_query_gid", ibv_query_gid(ctx, 1, 0, &ah_attr.grh.dgid));
	pd = must("ibv_alloc_pd", ibv_alloc_pd(ctx));
	cq = must("ibv_create_cq", ibv_create_cq(ctx, 16, NULL, NULL, 0));
	qp_attr.send_cq = cq;
	qp_attr.recv_cq = cq;
	mr = must("ibv_reg_mr", ibv_reg_mr(pd, buf, sizeof(buf), IBV_ACCESS_LOCAL_WRITE));
	printf("dealloc_pd_with_mr=%d\n", ibv_dealloc_pd(pd));
	ah = must("ibv_create_ah", ibv_create_ah(pd, &ah_attr));
	must_rc("ibv_dereg_mr", ibv_dereg_mr(mr));
	printf("dealloc_pd_with_ah=%d\n", ibv_dealloc_pd(pd));
	must_rc("ibv_destroy_ah", ibv_destroy_ah(ah));
	qp = must("ibv_create_qp", ibv_create_qp(pd, &qp_attr));
	printf("dealloc_pd_with_qp=%d\n", ibv_dealloc_pd(pd));
	printf("destroy_cq_with_qp=%d\n", ibv_destroy_cq(cq));
	must_rc("ibv_destroy_qp", ibv_destroy_qp(qp));
	must_rc("ibv_destroy_cq", ibv_destroy_cq(cq));
	must_rc("ibv_dealloc_pd", ibv_dealloc_pd(pd));
	printf("close_device=%d\n", ibv_close_device(ctx));
	printf("destroyed=0\n");
	return 0;
}
