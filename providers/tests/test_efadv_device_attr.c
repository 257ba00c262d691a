// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Host unit test of efadv_query_device's attribute logic: the inlen rules
 * (older shorter structs, newer longer ones), whole-member copies, nothing
 * written past inlen or on error, and the kernel-to-efadv caps mapping.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rdma/efa-abi.h>

#include "efa_caps.h"

static int failures;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__,  \
				__LINE__, #cond);                              \
			failures++;                                            \
		}                                                              \
	} while (0)

#define BUF_LEN 64

static const struct efa_caps caps = {
	.max_sq_wr = 512,
	.max_rq_wr = 2048,
	.max_sq_sge = 2,
	.max_rq_sge = 3,
	.inline_buf_size = 32,
	.inline_buf_size_ex = 80,
	.max_rdma_size = 1u << 30,
	.device_caps = EFA_QUERY_DEVICE_CAPS_RDMA_READ |
		       EFA_QUERY_DEVICE_CAPS_CQ_WITH_SGID |
		       EFA_QUERY_DEVICE_CAPS_CQ_NOTIFICATIONS,
};

/* The attr struct at the start of a BUF_LEN buffer pre-filled with fill. */
static void prefill(uint8_t *buf, uint8_t fill)
{
	memset(buf, fill, BUF_LEN);
}

static void test_full_struct(void)
{
	struct efadv_device_attr attr;

	memset(&attr, 0xa5, sizeof(attr));
	CHECK(efa_fill_efadv_device_attr(&caps, &attr, sizeof(attr)) == 0);
	CHECK(attr.comp_mask == 0);
	CHECK(attr.max_sq_wr == 512);
	CHECK(attr.max_rq_wr == 2048);
	CHECK(attr.max_sq_sge == 2);
	CHECK(attr.max_rq_sge == 3);
	CHECK(attr.inline_buf_size == 32);
	CHECK(attr.inline_buf_size_ex == 80);
	CHECK(attr.device_caps == (EFADV_DEVICE_ATTR_CAPS_RDMA_READ |
				   EFADV_DEVICE_ATTR_CAPS_CQ_WITH_SGID));
	CHECK(attr.max_rdma_size == 1u << 30);
}

/* A caller whose struct ends early gets its fields and nothing beyond. */
static void test_shorter_struct(uint32_t inlen)
{
	uint8_t buf[BUF_LEN];
	struct efadv_device_attr *attr = (void *)buf;
	uint32_t i;

	prefill(buf, 0x5a);
	CHECK(efa_fill_efadv_device_attr(&caps, attr, inlen) == 0);
	CHECK(attr->max_sq_wr == 512);
	CHECK(attr->max_rq_sge == 3);
	CHECK(attr->inline_buf_size == 32);
	for (i = inlen; i < BUF_LEN; i++)
		CHECK(buf[i] == 0x5a);
	/* members the struct does not fully hold are zeroed, not half-set */
	if (inlen < EFA_FIELD_END(struct efadv_device_attr, device_caps)) {
		for (i = offsetof(struct efadv_device_attr, device_caps);
		     i < inlen; i++)
			CHECK(buf[i] == 0);
	}
}

static void test_too_short(void)
{
	uint8_t buf[BUF_LEN];
	uint32_t inlen;

	for (inlen = 0; inlen < EFA_FIELD_END(struct efadv_device_attr,
					      inline_buf_size); inlen++) {
		uint32_t i;

		prefill(buf, 0x11);
		CHECK(efa_fill_efadv_device_attr(&caps, (void *)buf, inlen) ==
		      EINVAL);
		for (i = 0; i < BUF_LEN; i++)
			CHECK(buf[i] == 0x11);
	}
}

/*
 * A newer caller: the tail it knows and we do not is zeroed, as rdma-core's
 * provider does (it succeeds whatever the tail held).
 */
static void test_longer_struct(void)
{
	uint8_t buf[BUF_LEN];
	struct efadv_device_attr *attr = (void *)buf;
	size_t known = sizeof(struct efadv_device_attr);
	uint32_t i;

	prefill(buf, 0);
	CHECK(efa_fill_efadv_device_attr(&caps, attr, BUF_LEN) == 0);
	CHECK(attr->max_rdma_size == 1u << 30);
	for (i = known; i < BUF_LEN; i++)
		CHECK(buf[i] == 0);

	/* non-zero bytes anywhere in the tail: zeroed, success */
	for (i = known; i < BUF_LEN; i++) {
		uint32_t j;

		prefill(buf, 0);
		buf[i] = 1;
		CHECK(efa_fill_efadv_device_attr(&caps, attr, BUF_LEN) == 0);
		CHECK(attr->max_rdma_size == 1u << 30);
		for (j = known; j < BUF_LEN; j++)
			CHECK(buf[j] == 0);
	}

	/* bytes past inlen are not the caller's: left alone */
	prefill(buf, 0);
	memset(buf + known + 8, 0xff, BUF_LEN - known - 8);
	CHECK(efa_fill_efadv_device_attr(&caps, attr, known + 8) == 0);
	for (i = known + 8; i < BUF_LEN; i++)
		CHECK(buf[i] == 0xff);
}

static void test_caps_mapping(void)
{
	static const struct {
		uint32_t kernel, efadv;
	} cases[] = {
		{ EFA_QUERY_DEVICE_CAPS_RDMA_READ, EFADV_DEVICE_ATTR_CAPS_RDMA_READ },
		{ EFA_QUERY_DEVICE_CAPS_RNR_RETRY, EFADV_DEVICE_ATTR_CAPS_RNR_RETRY },
		{ EFA_QUERY_DEVICE_CAPS_CQ_WITH_SGID, EFADV_DEVICE_ATTR_CAPS_CQ_WITH_SGID },
		{ EFA_QUERY_DEVICE_CAPS_RDMA_WRITE, EFADV_DEVICE_ATTR_CAPS_RDMA_WRITE },
		{ EFA_QUERY_DEVICE_CAPS_UNSOLICITED_WRITE_RECV,
		  EFADV_DEVICE_ATTR_CAPS_UNSOLICITED_WRITE_RECV },
		{ EFA_QUERY_DEVICE_CAPS_CQ_WITH_EXT_MEM,
		  EFADV_DEVICE_ATTR_CAPS_CQ_WITH_EXT_MEM_DMABUF },
		/* no efadv counterpart */
		{ EFA_QUERY_DEVICE_CAPS_CQ_NOTIFICATIONS, 0 },
		{ EFA_QUERY_DEVICE_CAPS_DATA_POLLING_128, 0 },
		{ EFA_QUERY_DEVICE_CAPS_SQ_64_BIT_REQ_ID, 0 },
		/* unusable through libibverbs 44: never announced */
		{ EFA_QUERY_DEVICE_CAPS_COMP_CNTR, 0 },
		{ 1u << 31, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(efa_efadv_device_caps(cases[i].kernel) == cases[i].efadv);
	/* what 6.12 reports for the model: everything but COMP_CNTR and EXT_MEM */
	CHECK(efa_efadv_device_caps(0x7f) == 0x1f);
}

int main(void)
{
	uint32_t inlen;

	test_full_struct();
	/* every length from the smallest accepted to the full struct */
	for (inlen = EFA_FIELD_END(struct efadv_device_attr, inline_buf_size);
	     inlen <= sizeof(struct efadv_device_attr); inlen++)
		test_shorter_struct(inlen);
	test_too_short();
	test_longer_struct();
	test_caps_mapping();

	if (failures) {
		fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}
	printf("efadv_device_attr: all checks passed\n");
	return 0;
}
