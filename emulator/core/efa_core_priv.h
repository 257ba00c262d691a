/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internal state of the device core, shared by its files: efa_core.c
 * (register file, reset, readless reads), efa_queues.c (AQ/ACQ/AENQ ring
 * mechanics), efa_admin.c (admin command handlers) and efa_objects.c
 * (handle tables).  Not included by the glue or the tests.
 */
#ifndef EFA_CORE_PRIV_H
#define EFA_CORE_PRIV_H

#include "efa_core.h"

/* A handle space of one object class: handle N is in use iff used[N]. */
struct efa_id_table {
	uint32_t max;
	uint32_t live;
	uint8_t *used;
};

/* Meaningful only while its handle is allocated; CREATE_EQ writes it whole. */
struct efa_eq {
	uint64_t ba;
	uint16_t depth;
	uint8_t msix_vec;
	uint32_t event_bitmask;
	bool armed;
};

struct efa_core {
	struct efa_core_config cfg;
	const struct efa_core_ops *ops;
	void *opaque;

	/* register file, as the driver last wrote it */
	uint32_t aq_base_lo, aq_base_hi, aq_caps;
	uint32_t acq_base_lo, acq_base_hi, acq_caps;
	uint32_t aenq_base_lo, aenq_base_hi, aenq_caps;
	uint32_t aenq_cons_db;
	uint32_t intr_mask;
	uint32_t dev_ctl;
	uint32_t dev_sts;
	uint32_t mmio_resp_lo, mmio_resp_hi;

	/* admin queue: entries consumed and completions produced so far */
	uint16_t aq_cc;
	uint32_t acq_pc;
	/* async event queue: events produced so far */
	uint32_t aenq_pc;
	uint32_t aenq_enabled_groups;

	bool host_info_valid;
	struct efa_admin_host_info host_info;

	struct efa_id_table tables[EFA_OBJ_CLASSES];
	uint32_t dropped[EFA_OBJ_CLASSES];
	/* counts changed since the host last read them */
	bool objects_unread;
	struct efa_eq *eqs;
};

/* (Re)start the keep-alive period; the AENQ_CONFIG handler calls it. */
void efa_core_keep_alive_enabled(struct efa_core *core);

void efa_core_error(struct efa_core *core, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* efa_objects.c */
int efa_id_table_init(struct efa_id_table *t, uint32_t max);
void efa_id_table_destroy(struct efa_id_table *t);
/* lowest free handle, or -1 when the table is full */
int64_t efa_id_alloc(struct efa_core *core, enum efa_core_object_class cls);
bool efa_id_valid(const struct efa_core *core, enum efa_core_object_class cls,
		  uint32_t id);
void efa_id_free(struct efa_core *core, enum efa_core_object_class cls,
		 uint32_t id);
/* forget every object, counting the live ones as dropped */
void efa_objects_drop_all(struct efa_core *core);

/* efa_queues.c */
void efa_queues_reset(struct efa_core *core);
void efa_aq_doorbell(struct efa_core *core, uint16_t producer);
void efa_aenq_post(struct efa_core *core, uint16_t group, uint16_t syndrome);

/* efa_admin.c: fill resp (whose common descriptor the caller owns). */
uint8_t efa_admin_execute(struct efa_core *core,
			  const struct efa_admin_aq_entry *cmd,
			  struct efa_admin_acq_entry *resp);

#endif /* EFA_CORE_PRIV_H */
