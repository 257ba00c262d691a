/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The EFA device model's core: the register file, reset, the admin queue and
 * its commands, the asynchronous event queue and the object tables.  It knows
 * nothing of QEMU.  Everything it needs from the outside world (guest memory,
 * interrupts, a timer, a clock) goes through struct efa_core_ops, which the
 * QEMU glue fills in for a real VM and the host unit tests fill in with a fake
 * memory.  Calls into the core are not reentrant: the caller serialises them
 * (QEMU holds the big lock).
 */
#ifndef EFA_CORE_H
#define EFA_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "efa_hw_regs.h"
#include "efa_hw_admin.h"

/* Size of BAR0: registers at 0, MSI-X table and PBA above them. */
#define EFA_CORE_REG_BAR_SIZE		0x4000
#define EFA_CORE_MSIX_TABLE_OFFSET	0x2000
#define EFA_CORE_MSIX_PBA_OFFSET	0x3000
#define EFA_CORE_MAX_MSIX_VECTORS \
	((EFA_CORE_MSIX_PBA_OFFSET - EFA_CORE_MSIX_TABLE_OFFSET) / 16)
/*
 * The doorbell BAR: one 4 KiB page per queue, so a process that maps the
 * page of its queue's doorbell reaches no other queue's.  Page N < max_qp
 * is QP N's (SQ doorbell at +0, RQ doorbell at +4); page max_qp + N is
 * CQ N's (its doorbell at +0).
 */
#define EFA_CORE_DB_BAR			4
#define EFA_CORE_DB_PAGE_SIZE		4096
#define EFA_CORE_SQ_DB_IN_PAGE		0
#define EFA_CORE_RQ_DB_IN_PAGE		4
#define EFA_CORE_CQ_DB_IN_PAGE		0
/* Host tables are sized from the limits at creation; these bound them. */
#define EFA_CORE_MAX_QP			0x10000		/* qp_num is 16 bits */
/*
 * An MR's key is its index << 8 | an 8-bit reuse tag, and work requests
 * carry 24-bit keys (efa_io_tx_buf_desc.lkey), so 2^16 MRs at most.
 */
#define EFA_CORE_MAX_MR			0x10000
#define EFA_CORE_MAX_MR_PAGE_BUDGET	(1ull << 28)	/* 2 GiB of page list */

struct efa_core;

/*
 * GUID of a device left at its defaults.  Glue that creates several devices
 * puts something unique (the PCI slot) in the low 16 bits.
 */
#define EFA_CORE_DEFAULT_GUID 0x0e1f0a0000000000ull

struct efa_core_ops {
	/* Guest memory; return 0 on success, -1 if any byte is unreachable. */
	int (*dma_read)(void *opaque, uint64_t addr, void *buf, size_t len);
	int (*dma_write)(void *opaque, uint64_t addr, const void *buf,
			 size_t len);
	void (*msix_notify)(void *opaque, unsigned int vector);
	/*
	 * (Re)arm the one device timer to call efa_core_timer() in ms.  The
	 * core arms it when the driver enables keep-alive events.
	 */
	void (*timer_arm)(void *opaque, uint64_t delay_ms);
	/* Monotonic nanoseconds, for AENQ timestamps. */
	uint64_t (*now_ns)(void *opaque);
	/* Something the guest did wrong, in words a driver writer can use. */
	void (*guest_error)(void *opaque, const char *msg);
	/*
	 * The object counts changed: called on the first change after the
	 * last efa_core_object_counts(), not on every change.
	 */
	void (*objects_changed)(void *opaque);
	/* Optional: each admin command as executed, for tracing. */
	void (*admin_done)(void *opaque, const struct efa_admin_aq_entry *cmd,
			   const struct efa_admin_acq_entry *resp);

	/* ---- data path ---- */
	/*
	 * Hand one frame (EFA_CORE_WIRE_MAX_FRAME bytes at most) to the
	 * network.  true: taken (sent, or queued by the network, which then
	 * calls efa_core_wire_writable() when it drains).  false: the network
	 * is full; the core keeps the frame and sends nothing until
	 * efa_core_wire_writable().  Optional: without it the device reaches
	 * only itself.
	 */
	bool (*wire_send)(void *opaque, const void *frame, size_t len);
	/*
	 * Call efa_core_process() soon, from outside any call into the core
	 * (a bottom half).  Doorbells, received frames and timers only queue
	 * work; the work runs there, so nothing recurses.
	 */
	void (*schedule)(void *opaque);
	/* (Re)arm the data-path timer: efa_core_dp_timer() in delay_ns. */
	void (*dp_timer_arm)(void *opaque, uint64_t delay_ns);
	/* Optional: one data-path event, for tracing (enum efa_core_trace). */
	void (*trace)(void *opaque, unsigned int event, uint32_t qn, uint32_t a,
		      uint64_t b);
};

/*
 * Data-path trace events: qn is the QP (CQ for CQ events), a and b as
 * given.  The glue turns each into a QEMU trace event.
 */
enum efa_core_trace {
	EFA_TRACE_SQ_DB,	/* a: producer counter */
	EFA_TRACE_RQ_DB,	/* a: producer counter */
	EFA_TRACE_CQ_DB,	/* a: doorbell value */
	EFA_TRACE_WQE,		/* a: op | flags, b: request id */
	EFA_TRACE_BAD_WQE,	/* a: completion status, b: request id */
	EFA_TRACE_DMA_FAIL,	/* a: length, b: guest address */
	EFA_TRACE_CQE,		/* a: status << 8 | queue type, b: request id */
	EFA_TRACE_EQE,		/* a: EQ, b: MSI-X vector */
	EFA_TRACE_FRAME_TX,	/* a: length, b: opcode << 32 | packet id */
	EFA_TRACE_FRAME_RX,	/* a: length, b: opcode << 32 | packet id */
	EFA_TRACE_FRAME_DROP,	/* a: length, b: why (enum in efa_wire.h) */
};

/* Everything the device announces about itself; set before creation. */
struct efa_core_config {
	uint8_t dma_addr_width;
	uint8_t reset_timeout_100ms;
	uint8_t admin_cmd_timeout_100ms;
	uint32_t version;		/* VERSION register */
	uint32_t controller_version;	/* CONTROLLER_VERSION register */
	uint16_t msix_vectors;		/* management + completion vectors */

	/* DEVICE_ATTR */
	uint64_t supported_features;
	uint64_t page_size_cap;
	uint32_t fw_version;
	uint32_t admin_api_version;
	uint32_t device_version;
	uint16_t db_bar;
	uint8_t phys_addr_width;
	uint8_t virt_addr_width;
	uint32_t device_caps;
	uint32_t max_rdma_size;
	uint64_t guid;
	uint16_t max_link_speed_gbps;

	/* NETWORK_ATTR */
	uint8_t addr[16];
	uint32_t mtu;

	/* QUEUE_ATTR_1 */
	uint32_t max_qp;
	uint32_t max_sq_depth;
	uint32_t inline_buf_size;
	uint32_t max_rq_depth;
	uint32_t max_cq;
	uint32_t max_cq_depth;
	uint16_t sub_cqs_per_cq;
	uint16_t min_sq_depth;
	uint16_t max_wr_send_sges;
	uint16_t max_wr_recv_sges;
	uint32_t max_mr;
	uint32_t max_mr_pages;
	uint32_t max_pd;
	uint32_t max_ah;
	uint32_t max_llq_size;
	uint16_t max_wr_rdma_sges;
	uint16_t max_tx_batch;

	/* QUEUE_ATTR_2 */
	uint16_t inline_buf_size_ex;

	/* EVENT_QUEUE_ATTR */
	uint32_t max_eq;
	uint32_t max_eq_depth;
	uint32_t eq_event_bitmask;

	/* HW_HINTS */
	struct {
		uint16_t mmio_read_timeout;
		uint16_t driver_watchdog_timeout;
		uint16_t admin_completion_timeout;
		uint16_t poll_interval;
	} hw_hints;

	uint32_t aenq_supported_groups;
	/* keep-alive AENQ period; 0 disables keep-alives */
	uint32_t keep_alive_ms;
	/* UARs ALLOC_UAR hands out */
	uint32_t max_uar;
	/*
	 * Page-list entries all MRs together may hold (8 host bytes each);
	 * REG_MR beyond it fails with RESOURCE_ALLOCATION_FAILURE.
	 */
	uint64_t mr_page_budget;
	/* CQs in polling mode get a doorbell too (interrupt CQs always do) */
	uint8_t cq_doorbell;

	/* data path (virtual time) */
	/* an SRD request unanswered this long fails (UNRESP/UNREACH_REMOTE) */
	uint32_t srd_timeout_ms;
	/* an SRD request refused for want of a receive is resent after this */
	uint32_t rnr_retry_ms;
};

enum efa_core_object_class {
	EFA_OBJ_PD,
	EFA_OBJ_UAR,
	EFA_OBJ_EQ,
	EFA_OBJ_CQ,
	EFA_OBJ_QP,
	EFA_OBJ_MR,
	EFA_OBJ_AH,
	EFA_OBJ_CLASSES,
};

struct efa_core_object_counts {
	/* alive now */
	uint32_t live[EFA_OBJ_CLASSES];
	/* still alive when a reset discarded them: leaked by the driver */
	uint32_t dropped[EFA_OBJ_CLASSES];
};

/*
 * What a device of each PCI device id (generation) announces: its caps,
 * features, link speed and limits (docs/device-generations.md gives the
 * sources, and says where they are guesses).  efa_core_config_init() is the
 * default device's; callers override single fields afterwards.
 */
#define EFA_CORE_DEFAULT_DEVICE_ID EFA_PCI_DEVICE_ID_EFA2
/* false (cfg untouched) for an id that is no EFA generation */
bool efa_core_config_init_device(struct efa_core_config *cfg, uint16_t device_id);
void efa_core_config_init(struct efa_core_config *cfg);
/* Derive the network address (IPv6 link-local, GUID interface id). */
void efa_core_config_addr_from_guid(struct efa_core_config *cfg);
/*
 * NULL with *why set if the configuration is inconsistent.  No op is called
 * before it returns.
 */
struct efa_core *efa_core_new(const struct efa_core_config *cfg,
			      const struct efa_core_ops *ops, void *opaque,
			      const char **why);
void efa_core_free(struct efa_core *core);

/* BAR0 access, 32-bit and aligned; anything else is ignored / reads 0. */
uint32_t efa_core_reg_read(struct efa_core *core, uint32_t offset);
void efa_core_reg_write(struct efa_core *core, uint32_t offset, uint32_t val);
/* The doorbell BAR: CQ/SQ/RQ doorbells; the work they start is scheduled. */
void efa_core_db_write(struct efa_core *core, uint32_t offset, uint32_t val);

void efa_core_timer(struct efa_core *core);

/*
 * The data path.  Frames are Ethernet frames (EtherType
 * EFA_CORE_ETHERTYPE, the transport header of efa_wire.h, payload); a
 * device's frames to itself never reach the network.
 */
#define EFA_CORE_ETHERTYPE		0x88b5	/* IEEE local experimental 1 */
#define EFA_CORE_WIRE_MAX_FRAME		(16 * 1024)
/* The LLQ memory BAR (RAM the guest writes WQEs into), once, after new. */
void efa_core_attach_llq(struct efa_core *core, void *mem, uint64_t size);
/* false while the core cannot take another frame (backpressure). */
bool efa_core_wire_can_receive(struct efa_core *core);
/* A frame from the network; queued, handled by efa_core_process(). */
void efa_core_wire_receive(struct efa_core *core, const void *frame,
			   size_t len);
/* The network took the frames it had queued: wire_send may go on. */
void efa_core_wire_writable(struct efa_core *core);
/* Run the queued data-path work (the ops->schedule bottom half). */
void efa_core_process(struct efa_core *core);
void efa_core_dp_timer(struct efa_core *core);
/* Power-on or PCI function reset: everything back to the initial state. */
void efa_core_hard_reset(struct efa_core *core);

/* Sizes of the LLQ memory BAR and the doorbell BAR, powers of two. */
uint64_t efa_core_mem_bar_size(const struct efa_core_config *cfg);
uint64_t efa_core_db_bar_size(const struct efa_core_config *cfg);

/* The counts now; the next change calls objects_changed again. */
void efa_core_object_counts(struct efa_core *core,
			    struct efa_core_object_counts *counts);
const char *efa_core_object_class_name(enum efa_core_object_class cls);
const struct efa_core_config *efa_core_get_config(const struct efa_core *core);

#endif /* EFA_CORE_H */
