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
#include "efa_dp.h"

/*
 * A handle space of one object class: handle N is in use iff used[N];
 * free handles queue from head to tail through next[]; refs[N] counts the
 * live objects that name handle N (a CQ's QPs, a PD's MRs ...).
 */
struct efa_id_table {
	uint32_t max;
	uint32_t live;
	uint8_t *used;
	uint32_t *next;
	uint32_t *refs;
	uint32_t head, tail;
};

/*
 * A ring in guest memory the device reads or writes: by guest physical
 * address, or (virt) by IOVA inside the MR whose l_key it names, in which
 * case the MR cannot be deregistered while the ring lives.
 */
struct efa_queue_ring {
	uint64_t base;
	uint64_t size;		/* bytes */
	uint32_t depth;		/* entries */
	bool virt;
	uint32_t l_key;
};

/* Meaningful only while its handle is allocated; CREATE_EQ writes it whole. */
struct efa_eq {
	uint64_t ba;
	uint16_t depth;
	uint8_t msix_vec;
	uint32_t event_bitmask;
	bool armed;
	uint32_t pc;		/* EQEs written so far */
};

struct efa_cq {
	struct efa_queue_ring ring;
	uint16_t num_sub_cqs;
	uint8_t entry_size;	/* bytes */
	bool interrupts;
	bool set_src_addr;
	bool db_valid;
	uint16_t eqn;
	uint16_t uar;
	/* the sub-CQ the next QP using this CQ is given */
	uint16_t next_sub_cq;
	uint32_t db;		/* last CQ doorbell value */
	/* data path */
	bool armed;		/* the next CQE posts an EQE */
	bool db_seen;		/* db holds a consumer index */
	bool overflowed;	/* reported; until the consumer catches up */
	uint32_t produced;	/* CQEs written, all sub-CQs */
};

struct efa_qp {
	uint8_t type;		/* enum efa_admin_qp_type */
	uint8_t state;		/* enum efa_admin_qp_state */
	uint8_t sl;
	bool unsolicited_write_recv;
	bool sq_drained_async_notify;
	uint8_t rnr_retry;
	uint16_t pd;
	uint16_t uar;
	uint32_t qkey;
	uint32_t sq_psn;
	uint16_t send_cq, recv_cq;
	uint16_t send_sub_cq, recv_sub_cq;
	/* SQ: base 0 is the LLQ in BAR2; size is its ring bytes either way */
	struct efa_queue_ring sq, rq;
	uint32_t sq_db, rq_db;	/* last doorbell values */
	struct efa_qp_dp dp;
};

struct efa_mr {
	uint32_t key;		/* l_key == r_key */
	uint16_t pd;
	uint8_t page_shift;
	uint8_t permissions;	/* EFA_ADMIN_REG_MR_CMD_*_ENABLE_MASK */
	uint64_t iova;
	uint64_t length;
	uint32_t page_num;
	/* guest physical address of each page, page_num of them */
	uint64_t *pages;
};

struct efa_ah {
	uint16_t pd;
	uint8_t dest_addr[16];
	uint32_t creations;	/* CREATE_AHs it answered, not yet destroyed */
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
	struct efa_cq *cqs;
	struct efa_qp *qps;
	struct efa_mr *mrs;
	struct efa_ah *ahs;
	/* per MR slot: bumped on each reuse, the low byte of its keys */
	uint8_t *mr_key_tag;
	/* page-list entries all live MRs hold, against cfg.mr_page_budget */
	uint64_t mr_pages_used;

	/* the LLQ memory BAR, efa_core_attach_llq() */
	uint8_t *llq;
	uint64_t llq_size;

	/* per CQ, sub_cqs_per_cq producer counters */
	uint32_t *cq_sub_pc;
	struct efa_dp *dp;
};

/* (Re)start the keep-alive period; the AENQ_CONFIG handler calls it. */
void efa_core_keep_alive_enabled(struct efa_core *core);

void efa_core_error(struct efa_core *core, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* efa_objects.c */
int efa_id_table_init(struct efa_id_table *t, uint32_t max);
void efa_id_table_destroy(struct efa_id_table *t);
/* the longest-free handle, or -1 when the table is full; O(1) */
int64_t efa_id_alloc(struct efa_core *core, enum efa_core_object_class cls);
bool efa_id_valid(const struct efa_core *core, enum efa_core_object_class cls,
		  uint64_t id);
void efa_id_free(struct efa_core *core, enum efa_core_object_class cls,
		 uint32_t id);
/* dependents of a live object */
void efa_id_get(struct efa_core *core, enum efa_core_object_class cls, uint32_t id);
void efa_id_put(struct efa_core *core, enum efa_core_object_class cls, uint32_t id);
uint32_t efa_id_refs(const struct efa_core *core, enum efa_core_object_class cls,
		     uint32_t id);
/* free MR index's page list and return its pages to the budget */
void efa_mr_release(struct efa_core *core, uint32_t index);
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
