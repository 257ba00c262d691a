// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * MR registrations pyverbs 44 cannot do, run in the test VM by
 * test_efa_objects.py:
 *
 *   mr_check big IBDEV MIB RUNS   register (and query) a MIB MiB region of
 *                                 4 KiB pages RUNS times, timing each
 *                                 ibv_reg_mr alone
 *   mr_check dmabuf IBDEV MIB     register a udmabuf of MIB MiB and query it
 *   mr_check query-bad IBDEV      the MR query ioctl on a handle that names
 *                                 no MR
 *
 * The MR query is EFA_IB_METHOD_MR_QUERY sent as a raw uverbs ioctl, the
 * way efadv_query_mr() (newer than Debian's rdma-core) sends it.  Results
 * are printed as key=value lines; any failure exits non-zero with a line
 * on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <infiniband/verbs.h>
#include <linux/udmabuf.h>
#include <rdma/ib_user_ioctl_cmds.h>
#include <rdma/ib_user_ioctl_verbs.h>
#include <rdma/rdma_user_ioctl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "efa-abi.h"

#define MIB (1024UL * 1024)

struct mr_query {
	uint16_t validity;
	uint16_t recv_ic_id;
	uint16_t rdma_read_ic_id;
	uint16_t rdma_recv_ic_id;
};

static void die(const char *what)
{
	fprintf(stderr, "mr_check: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct ibv_context *open_device(const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	int i;

	if (!list)
		die("ibv_get_device_list");
	for (i = 0; list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	if (!ctx) {
		errno = ENODEV;
		die(name);
	}
	return ctx;
}

/* EFA_IB_METHOD_MR_QUERY on the MR whose uverbs handle is given. */
static int query_mr(struct ibv_context *ctx, uint32_t handle, struct mr_query *q)
{
	struct {
		struct ib_uverbs_ioctl_hdr hdr;
		struct ib_uverbs_attr attrs[5];
	} cmd;
	static const uint16_t out_ids[] = {
		EFA_IB_ATTR_QUERY_MR_RESP_IC_ID_VALIDITY,
		EFA_IB_ATTR_QUERY_MR_RESP_RECV_IC_ID,
		EFA_IB_ATTR_QUERY_MR_RESP_RDMA_READ_IC_ID,
		EFA_IB_ATTR_QUERY_MR_RESP_RDMA_RECV_IC_ID,
	};
	uint16_t *outs[] = { &q->validity, &q->recv_ic_id, &q->rdma_read_ic_id,
			     &q->rdma_recv_ic_id };
	unsigned int i;

	memset(&cmd, 0, sizeof(cmd));
	memset(q, 0xff, sizeof(*q));
	cmd.hdr.length = sizeof(cmd);
	cmd.hdr.object_id = UVERBS_OBJECT_MR;
	cmd.hdr.method_id = EFA_IB_METHOD_MR_QUERY;
	cmd.hdr.num_attrs = 5;
	cmd.hdr.driver_id = RDMA_DRIVER_EFA;
	cmd.attrs[0].attr_id = EFA_IB_ATTR_QUERY_MR_HANDLE;
	cmd.attrs[0].flags = UVERBS_ATTR_F_MANDATORY;
	cmd.attrs[0].data = handle;
	for (i = 0; i < 4; i++) {
		cmd.attrs[i + 1].attr_id = out_ids[i];
		cmd.attrs[i + 1].len = sizeof(uint16_t);
		cmd.attrs[i + 1].flags = UVERBS_ATTR_F_MANDATORY;
		cmd.attrs[i + 1].data = (uintptr_t)outs[i];
	}
	return ioctl(ctx->cmd_fd, RDMA_VERBS_IOCTL, &cmd) ? -errno : 0;
}

static void print_query(struct ibv_context *ctx, struct ibv_mr *mr)
{
	struct mr_query q;
	int err = query_mr(ctx, mr->handle, &q);

	/* a driver older than the method (6.1's upstream one) */
	if (err == -EPROTONOSUPPORT) {
		printf("query unsupported\n");
		return;
	}
	if (err) {
		errno = -err;
		die("MR query ioctl");
	}
	printf("query validity=%u recv_ic_id=%u rdma_read_ic_id=%u rdma_recv_ic_id=%u\n",
	       q.validity, q.recv_ic_id, q.rdma_read_ic_id, q.rdma_recv_ic_id);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * An IOVA for BUF whose bit 12 differs from the physical address of BUF's
 * first page, so ib_umem_find_best_pgsz() can pick nothing above 4 KiB
 * even when the pages happen to be physically contiguous (a freshly booted
 * guest hands them out that way).  Reading PFNs needs root, which the test
 * VM gives; without it the IOVA is BUF itself.
 */
static uint64_t iova_forcing_4k_pages(const char *buf)
{
	const uint64_t page = 4096;
	uint64_t virt = (uintptr_t)buf, entry = 0, pfn;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return virt;
	n = pread(fd, &entry, sizeof(entry), virt / page * sizeof(entry));
	close(fd);
	/* bit 63: present; bits 0-54: the page frame number (0 unless root) */
	pfn = entry & ((1ULL << 55) - 1);
	if (n != sizeof(entry) || !(entry >> 63) || !pfn)
		return virt;
	return ((pfn * page ^ virt) & page) ? virt : virt + page;
}

static int big(struct ibv_pd *pd, size_t mib, int runs)
{
	size_t len = mib * MIB;
	uint64_t iova;
	char *buf;
	int i;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	/* 4 KiB pages, so the page list has a quarter million entries */
	if (madvise(buf, len, MADV_NOHUGEPAGE))
		die("madvise");
	/* fault every page in first: time the registration, not page faults */
	memset(buf, 0x5a, len);
	iova = iova_forcing_4k_pages(buf);

	for (i = 0; i < runs; i++) {
		double t0 = now_ms(), t1;
		struct ibv_mr *mr;

		mr = ibv_reg_mr_iova(pd, buf, len, iova, IBV_ACCESS_LOCAL_WRITE);
		t1 = now_ms();
		if (!mr)
			die("ibv_reg_mr_iova");
		printf("run=%d reg_ms=%.1f lkey=%#x length=%zu\n", i, t1 - t0,
		       mr->lkey, mr->length);
		print_query(pd->context, mr);
		if (ibv_dereg_mr(mr))
			die("ibv_dereg_mr");
	}
	munmap(buf, len);
	return 0;
}

static int dmabuf(struct ibv_pd *pd, size_t mib)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC };
	size_t len = mib * MIB;
	struct ibv_mr *mr;
	int memfd, dev, fd;

	memfd = memfd_create("mr_check", MFD_ALLOW_SEALING);
	if (memfd < 0)
		die("memfd_create");
	if (ftruncate(memfd, len))
		die("ftruncate");
	/* udmabuf takes only a memfd that can no longer shrink */
	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK))
		die("F_ADD_SEALS");
	dev = open("/dev/udmabuf", O_RDWR);
	if (dev < 0)
		die("/dev/udmabuf");
	create.memfd = memfd;
	create.size = len;
	fd = ioctl(dev, UDMABUF_CREATE, &create);
	if (fd < 0)
		die("UDMABUF_CREATE");

	mr = ibv_reg_dmabuf_mr(pd, 0, len, 0x10000000, fd,
			       IBV_ACCESS_LOCAL_WRITE);
	if (!mr)
		die("ibv_reg_dmabuf_mr");
	printf("dmabuf lkey=%#x length=%zu\n", mr->lkey, mr->length);
	print_query(pd->context, mr);
	if (ibv_dereg_mr(mr))
		die("ibv_dereg_mr");
	close(fd);
	close(dev);
	close(memfd);
	return 0;
}

int main(int argc, char **argv)
{
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct mr_query q;
	int err;

	if (argc < 3) {
		fprintf(stderr, "usage: mr_check big|dmabuf|query-bad IBDEV [MIB [RUNS]]\n");
		return 2;
	}
	ctx = open_device(argv[2]);
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		die("ibv_alloc_pd");
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(argv[1], "big") && argc == 5)
		return big(pd, strtoul(argv[3], NULL, 0), atoi(argv[4]));
	if (!strcmp(argv[1], "dmabuf") && argc == 4)
		return dmabuf(pd, strtoul(argv[3], NULL, 0));
	if (!strcmp(argv[1], "query-bad")) {
		err = query_mr(ctx, 0x7fffff, &q);
		printf("query_bad errno=%d\n", -err);
		return 0;
	}
	fprintf(stderr, "mr_check: unknown mode %s\n", argv[1]);
	return 2;
}
