// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Mappings of queue memory and doorbells.  The kernel names each by an mmap
 * key (the offset to give mmap on the context's command fd) and a size; both
 * are checked before use, so a kernel answering nonsense gets a clear EPROTO
 * and a debug line instead of a mapping of the wrong thing.
 */
#include <errno.h>
#include <sys/mman.h>

#include "efa.h"

size_t efa_page_size(struct efa_context *ctx)
{
	return to_efa_dev(ctx->ibvctx.context.device)->page_size;
}

int efa_check_mmap_key(struct efa_context *ctx, const char *what,
		       uint64_t key, uint64_t size)
{
	size_t page = efa_page_size(ctx);

	/* mmap takes page offsets only; a mapping of 0 bytes is none at all */
	if (key % page || !size || size > SIZE_MAX - page) {
		verbs_debug(&ctx->ibvctx,
			    "%s: the kernel gave mmap key %#llx size %#llx; refused\n",
			    what, (unsigned long long)key,
			    (unsigned long long)size);
		return EPROTO;
	}
	return 0;
}

int efa_check_db_offset(struct efa_context *ctx, const char *what,
			uint32_t offset)
{
	/* a 32-bit doorbell register inside the one page mapped for it */
	if (offset % sizeof(uint32_t) ||
	    offset > efa_page_size(ctx) - sizeof(uint32_t)) {
		verbs_debug(&ctx->ibvctx,
			    "%s: the kernel gave doorbell offset %#x; refused\n",
			    what, offset);
		return EPROTO;
	}
	return 0;
}

void *efa_mmap(struct efa_context *ctx, const char *what, uint64_t key,
	       size_t size, int prot)
{
	void *addr;

	addr = mmap(NULL, size, prot, MAP_SHARED, ctx->ibvctx.context.cmd_fd,
		    (off_t)key);
	if (addr == MAP_FAILED) {
		int err = errno;

		verbs_err(&ctx->ibvctx, "%s: mmap of %zu bytes at key %#llx failed: %d\n",
			  what, size, (unsigned long long)key, err);
		errno = err;
		return NULL;
	}
	return addr;
}

void efa_munmap(void *addr, size_t size)
{
	if (addr)
		munmap(addr, size);
}
