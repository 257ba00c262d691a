/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A fake host for the device core: a window of guest memory, an interrupt
 * log, a manual timer and a clock, plus a minimal driver that speaks the
 * admin protocol the way the Linux driver does (readless reads, reset
 * handshake, AQ/ACQ/AENQ rings).
 */
#ifndef FAKE_HOST_H
#define FAKE_HOST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "efa_core.h"

#define GUEST_BASE	0x100000ull
#define GUEST_SIZE	(8u << 20)

/* guest memory layout of the fake driver */
#define READLESS_ADDR	(GUEST_BASE + 0x0)
#define AQ_ADDR		(GUEST_BASE + 0x1000)
#define ACQ_ADDR	(GUEST_BASE + 0x3000)
#define AENQ_ADDR	(GUEST_BASE + 0x5000)
#define CTRL_ADDR	(GUEST_BASE + 0x7000)
#define EQ_ADDR		(GUEST_BASE + 0x8000)

struct fake_host {
	uint8_t mem[GUEST_SIZE];
	unsigned int irqs[64];
	unsigned int errors;
	char last_error[256];
	uint64_t timer_ms;
	unsigned int timer_arms;
	uint64_t now;
	unsigned int objects_changed;
	struct efa_core *core;

	/* driver side */
	uint16_t readless_seq;
	uint16_t aq_depth;
	uint16_t aq_pc;
	uint32_t acq_cc;
	uint16_t aenq_depth;
	uint32_t aenq_cc;

	/* data path: set by the fake fabric (fake_fabric.c) */
	void *user;
};

extern const struct efa_core_ops fake_ops;

struct fake_host *fake_new(const struct efa_core_config *cfg);
/* the same with other ops (fake_ops plus the data path's) */
struct fake_host *fake_new_ops(const struct efa_core_config *cfg,
			       const struct efa_core_ops *ops, void *user);
void fake_free(struct fake_host *h);
void *guest_ptr(struct fake_host *h, uint64_t addr);

uint32_t drv_read_reg(struct fake_host *h, uint16_t off);
int drv_reset(struct fake_host *h);
void drv_admin_init(struct fake_host *h, uint16_t aq_depth, uint16_t aenq_depth,
		    uint8_t msix_vector);
/* Submit one command; returns the completion's status (or -1 if none). */
int drv_exec(struct fake_host *h, struct efa_admin_aq_entry *cmd,
	     struct efa_admin_acq_entry *resp);
int drv_get_feature(struct fake_host *h, uint8_t id,
		    struct efa_admin_get_feature_resp *resp);
int drv_simple(struct fake_host *h, uint8_t opcode, uint16_t handle,
	       uint16_t *out_handle);
/* Consume AENQ entries like the driver's interrupt handler; returns count. */
unsigned int drv_aenq_poll(struct fake_host *h, uint16_t *groups, unsigned int max);

/* minimal test runner */
extern unsigned int tests_failed, checks_run;
#define CHECK(cond)                                                            \
	do {                                                                   \
		checks_run++;                                                  \
		if (!(cond)) {                                                 \
			tests_failed++;                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
		}                                                              \
	} while (0)
#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long _a = (long long)(a), _b = (long long)(b);            \
		checks_run++;                                                  \
		if (_a != _b) {                                                \
			tests_failed++;                                        \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", \
				__FILE__, __LINE__, #a, _a, #b, _b);           \
		}                                                              \
	} while (0)

#endif /* FAKE_HOST_H */
