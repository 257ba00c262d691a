/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Queue mechanics of the EFA management plane: readless register reads,
 * device reset, the admin queue (AQ) and its completion queue (ACQ), the
 * asynchronous event notification queue (AENQ) and completion event queues
 * (EQs).  Nothing here knows about ib_device; efa_com_cmd.c builds the
 * typed admin commands on top of efa_com_cmd_exec().
 */
#ifndef _EFA_COM_H_
#define _EFA_COM_H_

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/semaphore.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "efa_hw_regs.h"
#include "efa_hw_admin.h"

#define EFA_COM_AQ_DEPTH		32
#define EFA_COM_AENQ_DEPTH		16

/* Driver defaults, replaced by what CAPS and HW_HINTS announce. */
#define EFA_COM_ADMIN_TIMEOUT_US	(30 * USEC_PER_SEC)
#define EFA_COM_READLESS_TIMEOUT_US	(50 * USEC_PER_MSEC)
#define EFA_COM_POLL_INTERVAL_MS	100

struct efa_com_dev;

struct efa_com_readless {
	struct efa_admin_mmio_req_read_less_resp *resp;
	dma_addr_t resp_dma;
	/* one register read in flight at a time */
	spinlock_t lock;
	u16 seq;
	u32 timeout_us;
};

/* Admin counters, exported as hw_counters; only ever atomic64_t. */
struct efa_com_admin_stats {
	atomic64_t submitted;
	atomic64_t completed;
	atomic64_t failed;
	atomic64_t no_completion;
};

/* One admin command waiting for its completion. */
struct efa_com_cmd_ctx {
	struct completion done;
	/* the caller's buffer for the completion entry */
	void *comp;
	size_t comp_size;
	u16 cmd_id;
	u8 opcode;
	bool in_use;
	bool completed;
};

enum {
	/* commands are accepted */
	EFA_COM_AQ_RUNNING,
	/* completions are polled for instead of signalled by MSI-X */
	EFA_COM_AQ_POLLING,
};

struct efa_com_admin_queue {
	u16 depth;

	/* submission ring, written by the driver */
	struct efa_admin_aq_entry *sq;
	dma_addr_t sq_dma;
	/* protects sq_pc, sq_phase, the ring and context allocation */
	spinlock_t sq_lock;
	u16 sq_pc;
	u8 sq_phase;

	/* completion ring, written by the device */
	struct efa_admin_acq_entry *cq;
	dma_addr_t cq_dma;
	/* protects cq_cc, cq_phase and the contexts' completion state */
	spinlock_t cq_lock;
	u16 cq_cc;
	u8 cq_phase;

	struct efa_com_cmd_ctx ctx[EFA_COM_AQ_DEPTH];
	DECLARE_BITMAP(ctx_busy, EFA_COM_AQ_DEPTH);
	/* free submission slots */
	struct semaphore slots;

	u32 timeout_us;
	u32 poll_interval_ms;
	unsigned long state;
	struct efa_com_admin_stats stats;
};

typedef void (*efa_com_aenq_handler)(void *data,
				     struct efa_admin_aenq_entry *entry);

struct efa_com_aenq {
	struct efa_admin_aenq_entry *entries;
	dma_addr_t dma;
	u32 cc;
	u16 depth;
	u8 phase;
	/* indexed by event group; NULL entries go to @unhandled */
	const efa_com_aenq_handler *handlers;
	efa_com_aenq_handler unhandled;
	void *data;
};

struct efa_com_eq;
typedef void (*efa_com_eqe_handler)(struct efa_com_eq *eq,
				    struct efa_admin_eqe *eqe);

struct efa_com_eq {
	struct efa_com_dev *edev;
	struct efa_admin_eqe *eqes;
	dma_addr_t dma;
	u32 cc;
	u16 depth;
	u16 eqn;
	u8 phase;
	u8 msix_vec;
	efa_com_eqe_handler handler;
};

struct efa_com_dev {
	struct device *dmadev;
	u8 __iomem *reg_bar;
	struct efa_com_readless readless;
	struct efa_com_admin_queue aq;
	struct efa_com_aenq aenq;
	/* DEVICE_ATTR.supported_features: bit N is feature id N */
	u64 supported_features;
	u8 dma_addr_bits;
	/* MSI-X vector of the ACQ and AENQ */
	u16 mgmt_msix_vec;
};

/* readless register access */
int efa_com_readless_init(struct efa_com_dev *edev);
void efa_com_readless_destroy(struct efa_com_dev *edev);

/* bring-up checks and reset */
int efa_com_validate_version(struct efa_com_dev *edev);
int efa_com_get_dma_width(struct efa_com_dev *edev);
int efa_com_dev_reset(struct efa_com_dev *edev,
		      enum efa_regs_reset_reason_types reason);

/* admin and async event queues */
int efa_com_admin_init(struct efa_com_dev *edev,
		       const efa_com_aenq_handler *handlers,
		       efa_com_aenq_handler unhandled, void *data);
void efa_com_admin_destroy(struct efa_com_dev *edev);
void efa_com_admin_stop(struct efa_com_dev *edev);
void efa_com_set_admin_polling(struct efa_com_dev *edev, bool polling);
void efa_com_set_timeouts(struct efa_com_dev *edev, u32 admin_timeout_us,
			  u32 readless_timeout_us, u32 poll_interval_ms);
int efa_com_cmd_exec(struct efa_com_dev *edev, const void *cmd,
		     size_t cmd_size, void *comp, size_t comp_size);
void efa_com_admin_intr(struct efa_com_dev *edev);
void efa_com_aenq_intr(struct efa_com_dev *edev);
const char *efa_com_opcode_name(u8 opcode);

/* completion event queues */
int efa_com_eq_ring_alloc(struct efa_com_dev *edev, struct efa_com_eq *eq,
			  u16 depth);
void efa_com_eq_ring_free(struct efa_com_eq *eq);
void efa_com_eq_start(struct efa_com_eq *eq, u16 eqn, u8 msix_vec,
		      efa_com_eqe_handler handler);
void efa_com_eq_arm(struct efa_com_dev *edev, struct efa_com_eq *eq);
void efa_com_eq_intr(struct efa_com_eq *eq);

static inline void efa_com_set_dma_addr(dma_addr_t addr,
					struct efa_common_mem_addr *to)
{
	to->mem_addr_low = cpu_to_le32(lower_32_bits(addr));
	to->mem_addr_high = cpu_to_le32(upper_32_bits(addr));
}

#endif /* _EFA_COM_H_ */
