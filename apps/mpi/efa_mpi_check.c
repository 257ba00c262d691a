// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * efa-mpi-check: what an MPI job does to a fabric, each result checked.
 *
 *   mpirun -np 2 ... efa-mpi-check [-i ITERS] [-m MAX_BYTES] [-c]
 *
 * pingpong   rank 0 and rank 1 exchange messages of 1 B, 4 B, ... up to
 *            MAX_BYTES (default 4 MiB; x4 steps, plus MAX_BYTES itself),
 *            ITERS timed round trips per size after one untimed warm-up;
 *            every message, both ways, is checked byte for byte and its
 *            length through MPI_Get_count.  One-way latency is half a round
 *            trip.  Each direction and round trip carries its own pattern,
 *            so a stale or misplaced buffer does not pass.
 * allreduce  MPI_SUM of int64 vectors (1 element up to MAX_BYTES) over all
 *            ranks, every element compared with its closed-form sum.
 * alltoall   int32 blocks (1 element up to MAX_BYTES / ranks in total) from
 *            every rank to every rank, every element naming its source,
 *            destination and index.
 *
 * -c corrupts one byte of the largest message rank 1 returns, after it was
 * sent correctly once, so a run shows the check catches what a broken
 * transport would do (exit status 1).
 *
 * Output (rank 0), one line per measurement, words KEY=VALUE after
 * "efa-mpi-check", for scripts; mismatches are reported by the rank that
 * saw them.  Exit status: 0 when every check on every rank passed, 1 when
 * any failed, 2 for usage errors or fewer than two ranks.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#define DEFAULT_ITERS	5
#define DEFAULT_MAX	(4u << 20)
#define POISON		0xa5
/* mismatches printed per check; the rest are only counted */
#define REPORT_LIMIT	4
#define TAG_PING	1
#define TAG_PONG	2

static int rank, ranks;
static unsigned long checks, mismatches;

static void usage(void)
{
	if (rank == 0)
		fprintf(stderr, "usage: efa-mpi-check [-i ITERS] [-m MAX_BYTES] [-c]\n");
}

/* One byte of the pattern SEED: a mixed function of the offset, so a
 * block shifted by any amount, or one left from another message, differs. */
static uint8_t pattern_byte(uint32_t seed, size_t i)
{
	uint32_t x = (uint32_t)i * 0x9e3779b1u + seed * 0x85ebca6bu;

	x ^= x >> 15;
	x *= 0xc2b2ae35u;
	x ^= x >> 13;
	return (uint8_t)(x >> 24);
}

static void fill(uint8_t *buf, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern_byte(seed, i);
}

static void mismatch(const char *what, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void mismatch(const char *what, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (mismatches++ >= REPORT_LIMIT)
		return;
	printf("efa-mpi-check MISMATCH rank=%d test=%s size=%zu ", rank, what, size);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void check_bytes(const char *what, const uint8_t *buf, size_t len, uint32_t seed)
{
	checks++;
	for (size_t i = 0; i < len; i++) {
		uint8_t want = pattern_byte(seed, i);

		if (buf[i] != want) {
			size_t bad = 0;

			for (size_t j = i; j < len; j++)
				bad += buf[j] != pattern_byte(seed, j);
			mismatch(what, len, "offset=%zu want=0x%02x got=0x%02x bad_bytes=%zu",
				 i, want, buf[i], bad);
			return;
		}
	}
}

static void check_count(const char *what, MPI_Status *st, MPI_Datatype type, size_t want)
{
	int got;

	checks++;
	MPI_Get_count(st, type, &got);
	if (got < 0 || (size_t)got != want)
		mismatch(what, want, "count=%d", got);
}

/* Seeds: each size, round trip and direction its own pattern. */
static uint32_t seed_of(size_t size, int iter, int dir)
{
	return (uint32_t)size * 2654435761u + (uint32_t)iter * 4u + (uint32_t)dir;
}

static void pingpong(size_t size, int iters, bool corrupt, uint8_t *out, uint8_t *in)
{
	double elapsed = 0;

	for (int it = 0; it <= iters; it++) {
		MPI_Status st;
		double t0;

		if (rank == 0) {
			fill(out, size, seed_of(size, it, 0));
			memset(in, POISON, size);
			t0 = MPI_Wtime();
			MPI_Send(out, (int)size, MPI_BYTE, 1, TAG_PING, MPI_COMM_WORLD);
			MPI_Recv(in, (int)size, MPI_BYTE, 1, TAG_PONG, MPI_COMM_WORLD, &st);
			/* iteration 0 is the warm-up: registration, first contact */
			if (it > 0)
				elapsed += MPI_Wtime() - t0;
			check_count("pingpong-pong", &st, MPI_BYTE, size);
			check_bytes("pingpong-pong", in, size, seed_of(size, it, 1));
		} else if (rank == 1) {
			/* the reply is ready before the ping comes, and the ping is
			 * checked after the reply left: rank 0 times the wire */
			fill(out, size, seed_of(size, it, 1));
			if (corrupt && it == iters)
				out[size / 2] ^= 0x01;
			memset(in, POISON, size);
			MPI_Recv(in, (int)size, MPI_BYTE, 0, TAG_PING, MPI_COMM_WORLD, &st);
			MPI_Send(out, (int)size, MPI_BYTE, 0, TAG_PONG, MPI_COMM_WORLD);
			check_count("pingpong-ping", &st, MPI_BYTE, size);
			check_bytes("pingpong-ping", in, size, seed_of(size, it, 0));
		}
	}
	if (rank == 0) {
		double one_way_us = iters ? elapsed / iters / 2 * 1e6 : 0;

		printf("efa-mpi-check test=pingpong size=%zu iters=%d one_way_us=%.1f MBps=%.2f\n",
		       size, iters, one_way_us, one_way_us > 0 ? size / one_way_us : 0);
		fflush(stdout);
	}
}

static int64_t allreduce_value(int r, size_t k)
{
	return (int64_t)k * 1000003 + (int64_t)r * 7919 + 1;
}

static void allreduce(size_t count, int iters, int64_t *send, int64_t *recv)
{
	int64_t n = ranks;
	double elapsed = 0;

	for (size_t k = 0; k < count; k++)
		send[k] = allreduce_value(rank, k);
	for (int it = 0; it <= iters; it++) {
		double t0;

		for (size_t k = 0; k < count; k++)
			recv[k] = -1;
		t0 = MPI_Wtime();
		MPI_Allreduce(send, recv, (int)count, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
		if (it > 0)
			elapsed += MPI_Wtime() - t0;
		checks++;
		for (size_t k = 0; k < count; k++) {
			/* sum over r of allreduce_value(r, k) */
			int64_t want = n * ((int64_t)k * 1000003 + 1) + 7919 * n * (n - 1) / 2;

			if (recv[k] != want) {
				mismatch("allreduce", count * sizeof(*recv),
					 "element=%zu want=%" PRId64 " got=%" PRId64, k, want, recv[k]);
				break;
			}
		}
	}
	if (rank == 0) {
		printf("efa-mpi-check test=allreduce size=%zu iters=%d us=%.1f\n",
		       count * sizeof(*recv), iters, iters ? elapsed / iters * 1e6 : 0);
		fflush(stdout);
	}
}

static uint32_t alltoall_value(int src, int dst, size_t k)
{
	return (uint32_t)src << 28 ^ (uint32_t)dst << 24 ^ (uint32_t)k * 0x9e3779b1u >> 8;
}

static void alltoall(size_t block, int iters, uint32_t *send, uint32_t *recv)
{
	double elapsed = 0;

	for (int d = 0; d < ranks; d++)
		for (size_t k = 0; k < block; k++)
			send[d * block + k] = alltoall_value(rank, d, k);
	for (int it = 0; it <= iters; it++) {
		double t0;

		memset(recv, POISON, ranks * block * sizeof(*recv));
		t0 = MPI_Wtime();
		MPI_Alltoall(send, (int)block, MPI_UINT32_T, recv, (int)block, MPI_UINT32_T,
			     MPI_COMM_WORLD);
		if (it > 0)
			elapsed += MPI_Wtime() - t0;
		checks++;
		for (int s = 0; s < ranks; s++) {
			size_t k;

			for (k = 0; k < block; k++)
				if (recv[s * block + k] != alltoall_value(s, rank, k))
					break;
			if (k < block) {
				mismatch("alltoall", block * sizeof(*recv),
					 "from=%d element=%zu want=0x%08" PRIx32 " got=0x%08" PRIx32,
					 s, k, alltoall_value(s, rank, k), recv[s * block + k]);
				break;
			}
		}
	}
	if (rank == 0) {
		printf("efa-mpi-check test=alltoall block=%zu ranks=%d iters=%d us=%.1f\n",
		       block * sizeof(*recv), ranks, iters, iters ? elapsed / iters * 1e6 : 0);
		fflush(stdout);
	}
}

/* 1, 4, 16, ... below MAX, then MAX itself. */
static size_t next_size(size_t size, size_t max)
{
	return size * 4 < max ? size * 4 : (size < max ? max : 0);
}

int main(int argc, char **argv)
{
	int iters = DEFAULT_ITERS, opt, len;
	unsigned long failed, total_checks;
	size_t max = DEFAULT_MAX;
	char version[MPI_MAX_LIBRARY_VERSION_STRING];
	bool corrupt = false;
	void *a, *b;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &ranks);
	while ((opt = getopt(argc, argv, "i:m:c")) != -1) {
		switch (opt) {
		case 'i':
			iters = atoi(optarg);
			break;
		case 'm':
			max = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			corrupt = true;
			break;
		default:
			usage();
			MPI_Finalize();
			return 2;
		}
	}
	if (iters < 0 || max < sizeof(int64_t) || max > INT32_MAX || ranks < 2) {
		usage();
		if (rank == 0 && ranks < 2)
			fprintf(stderr, "efa-mpi-check: needs at least 2 ranks, has %d\n", ranks);
		MPI_Finalize();
		return 2;
	}
	a = malloc(max);
	b = malloc(max);
	if (!a || !b) {
		fprintf(stderr, "efa-mpi-check: rank %d: no memory for 2 x %zu bytes\n", rank, max);
		MPI_Abort(MPI_COMM_WORLD, 2);
	}
	if (rank == 0) {
		MPI_Get_library_version(version, &len);
		printf("efa-mpi-check ranks=%d iters=%d max=%zu library=\"%.*s\"\n", ranks, iters,
		       max, (int)strcspn(version, ",\n"), version);
		fflush(stdout);
	}

	for (size_t size = 1; size; size = next_size(size, max))
		pingpong(size, iters, corrupt && next_size(size, max) == 0, a, b);
	for (size_t count = 1; count; count = next_size(count, max / sizeof(int64_t)))
		allreduce(count, iters, a, b);
	for (size_t block = max / sizeof(uint32_t) / ranks ? 1 : 0; block;
	     block = next_size(block, max / sizeof(uint32_t) / ranks))
		alltoall(block, iters, a, b);

	MPI_Allreduce(&mismatches, &failed, 1, MPI_UNSIGNED_LONG, MPI_SUM, MPI_COMM_WORLD);
	MPI_Allreduce(&checks, &total_checks, 1, MPI_UNSIGNED_LONG, MPI_SUM, MPI_COMM_WORLD);
	if (rank == 0) {
		printf("efa-mpi-check result=%s checks=%lu mismatches=%lu\n",
		       failed ? "FAIL" : "PASS", total_checks, failed);
		fflush(stdout);
	}
	free(a);
	free(b);
	MPI_Finalize();
	return failed ? 1 : 0;
}
