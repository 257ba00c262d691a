/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The provider's objects: each wraps the libibverbs object it implements and
 * is found again from it with container_of.
 */
#ifndef EFA_H
#define EFA_H

#include <pthread.h>

#include <infiniband/driver.h>
#include <infiniband/efadv.h>

#include <efa_hw_io.h>

#include "efa_caps.h"
#include "efa_cmds.h"

#define PCI_VENDOR_ID_AMAZON 0x1d0f

#define EFA_UNUSED __attribute__((unused))

/* One per EFA device libibverbs found. */
struct efa_dev {
	struct verbs_device vdev;
	long page_size;
};

struct efa_qp;

/* One per ibv_open_device(). */
struct efa_context {
	struct verbs_context ibvctx;
	struct efa_caps caps;
	/*
	 * The QPs by number, for the completions that name them: qp_table_mask
	 * + 1 slots (a power of two at least max_qp).  Written under
	 * qp_table_lock and the QP's CQ locks, so a poller holding its CQ's
	 * lock reads it unlocked.  qp_gen counts the QPs each slot has held:
	 * a completion of an earlier QP of the same number carries another
	 * generation in its request id and is refused.
	 */
	struct efa_qp **qp_table;
	uint16_t *qp_gen;
	uint32_t qp_table_mask;
	pthread_spinlock_t qp_table_lock;
};

struct efa_pd {
	struct ibv_pd ibvpd;
	uint16_t pdn;
};

/* One ring of a CQ: entries CQEs, the device's phase flips per wrap. */
struct efa_sub_cq {
	uint8_t *ring;
	uint32_t consumed;		/* CQEs taken from this ring so far */
	uint32_t mask;			/* entries - 1 */
	uint32_t entry_size;
	uint8_t phase;			/* of the next new CQE: starts at 1 */
	uint32_t users;			/* work queues of live QPs completing here */
	/*
	 * sub_cqs[k].polled, k < num_polled: the index of the k-th sub-CQ a
	 * poll looks at (one with users), kept here so the CQ's one
	 * allocation holds the list.
	 */
	uint16_t polled;
};

struct efa_wq;

/*
 * A CQ: num_sub_cqs rings of cqe entries each, back to back in one mapping
 * of the kernel's queue memory (read-only to us), and optionally a doorbell
 * in a mapped page of the doorbell BAR.
 */
struct efa_cq {
	struct verbs_cq verbs_cq;
	struct efadv_cq dv_cq;
	uint16_t cqn;
	uint16_t num_sub_cqs;
	uint32_t entry_size;		/* bytes per CQE */
	uint32_t sub_cq_entries;	/* entries per sub-CQ, a power of two */
	uint8_t *ring;
	size_t ring_size;
	void *db_page;			/* NULL: the kernel gave no doorbell */
	uint32_t *db;			/* the kernel's doorbell, or NULL */
	/*
	 * Where polling writes the consumer index: db, or db_sink when the
	 * kernel gave no doorbell, so polling writes without asking.
	 */
	uint32_t *poll_db;
	uint32_t db_sink;

	/* polling state, under lock */
	pthread_spinlock_t lock;
	uint16_t cc;			/* CQEs consumed, all sub-CQs together */
	uint8_t cmd_sn;			/* completion events seen (arm sequence) */
	uint16_t num_polled;		/* sub-CQs with users: see efa_sub_cq */
	uint16_t next_sub_cq;		/* where the round robin goes on, < num_polled */
	/* the CQE the extended-CQ readers read, and its work queue */
	const struct efa_io_cdesc_common *cur_cqe;
	struct efa_wq *cur_wq;
	/* poll_cq for this CQ (by its request id form) */
	int (*poll)(struct efa_cq *cq, int nwc, struct ibv_wc *wc);
	struct efa_sub_cq sub_cqs[];
};

/*
 * A work queue's mappings.  The SQ's ring is the LLQ (write-combined device
 * memory); the RQ's ring is host memory the device reads.  Each has a
 * doorbell in a page of the doorbell BAR.
 *
 * Work requests are told apart on completion by their request id: the
 * index of a slot in wrid (the caller's wr_id) taken from the free list
 * wrid_free, with the QP's generation in the bits above the index.  An SQ
 * with 64-bit request ids gives the device the wr_id itself instead.
 */
struct efa_wq {
	uint8_t *ring;			/* NULL: the queue has no entries */
	void *ring_map;			/* the mapping ring lies in */
	size_t ring_map_size;
	uint32_t entry_size;
	uint32_t entries;		/* a power of two */
	void *db_page;
	uint32_t *db;
	uint16_t sub_cq_idx;
	uint32_t max_batch;		/* entries between two doorbells */

	/* posting state, under lock */
	pthread_spinlock_t lock;
	uint32_t max_wrs;		/* work requests outstanding at most */
	uint32_t max_sge;
	uint32_t posted;		/* work requests posted so far */
	uint32_t completed;		/* and completed */
	uint16_t pc;			/* entries written so far (the doorbell value) */
	uint8_t phase;			/* SQ: of the WQEs of this pass of the ring */
	uint64_t *wrid;			/* max_wrs slots */
	uint32_t *wrid_free;		/* free slot indices; [free_next..] are free */
	uint32_t free_next;
	uint16_t gen_mask;		/* request id bits above the slot index */
	uint16_t gen_bits;		/* this QP's generation in them */
};

/* The send WQE the ibv_wr_* setters are filling, in the SQ's local copy. */
struct efa_wr_cursor {
	struct efa_io_tx_meta_desc *meta;
	struct efa_io_tx_buf_desc *local;	/* its buffer descriptors */
	struct efa_io_remote_mem_addr *remote;	/* RDMA only, else NULL */
	uint8_t *inline_data;
	uint32_t max_sge;
	uint32_t max_inline;
	bool inline_ok;
};

/*
 * Room after struct verbs_qp for a libibverbs whose verbs_qp is longer than
 * our headers' (efa_compat.c): it may write its comp_mask there.
 */
#define EFA_VERBS_QP_SLACK 64

struct efa_qp {
	struct verbs_qp verbs_qp;
	uint8_t verbs_qp_slack[EFA_VERBS_QP_SLACK];
	struct efadv_qp dv_qp;
	struct efa_wq sq;
	struct efa_wq rq;
	uint32_t max_send_sge;
	uint32_t max_recv_sge;
	uint32_t max_inline_data;
	uint32_t max_rdma_sge;		/* buffer descriptors per RDMA WQE */
	bool sq_64_bit_req_id;
	bool inline_write;		/* RDMA writes may carry inline data */
	unsigned int sq_sig_all_flag;	/* IBV_SEND_SIGNALED if sq_sig_all */
	uint16_t gen;

	/* ibv_post_send for this QP (by its request id form) */
	int (*post_send)(struct efa_qp *qp, struct ibv_send_wr *wr,
			 struct ibv_send_wr **bad);
	/*
	 * The ibv_wr_* session: WQEs are built in local_queue (as many as
	 * the SQ holds, allocated with the QP) and copied into the LLQ by
	 * wr_complete; wr_abort forgets them.
	 */
	uint8_t *local_queue;
	uint32_t wr_pending;		/* WQEs built in this session */
	uint16_t wr_start_pc;
	uint8_t wr_start_phase;
	uint32_t wr_start_free_next;
	int wr_err;			/* first error of the session */
	struct efa_wr_cursor cur;
};

struct efa_ah {
	struct ibv_ah ibvah;
	uint16_t ahn;
};

struct efa_mr {
	struct verbs_mr vmr;
};

static inline struct efa_dev *to_efa_dev(struct ibv_device *ibdev)
{
	return container_of(ibdev, struct efa_dev, vdev.device);
}

static inline struct efa_context *to_efa_context(struct ibv_context *ibctx)
{
	return container_of(ibctx, struct efa_context, ibvctx.context);
}

static inline struct efa_pd *to_efa_pd(struct ibv_pd *ibpd)
{
	return container_of(ibpd, struct efa_pd, ibvpd);
}

static inline struct efa_cq *to_efa_cq(struct ibv_cq *ibcq)
{
	return container_of(ibcq, struct efa_cq, verbs_cq.cq);
}

static inline struct efa_cq *to_efa_cq_ex(struct ibv_cq_ex *ibcqx)
{
	return container_of(ibcqx, struct efa_cq, verbs_cq.cq_ex);
}

static inline struct efa_qp *to_efa_qp(struct ibv_qp *ibqp)
{
	return container_of(ibqp, struct efa_qp, verbs_qp.qp);
}

static inline struct efa_qp *to_efa_qp_ex(struct ibv_qp_ex *ibqpx)
{
	return container_of(ibqpx, struct efa_qp, verbs_qp.qp_ex);
}

static inline struct efa_ah *to_efa_ah(struct ibv_ah *ibah)
{
	return container_of(ibah, struct efa_ah, ibvah);
}

/* efa_main.c: whether a device (of any provider) is one of ours. */
bool efa_is_efa_device(struct ibv_device *ibdev);

/* efa_compat.c: differences of the running libibverbs from our headers */
int efa_compat_init(void);
void efa_qp_mark_extended(struct efa_qp *qp);

/* efa_mmap.c: mappings of what the kernel offers, validated first */
int efa_check_mmap_key(struct efa_context *ctx, const char *what,
		       uint64_t key, uint64_t size);
int efa_check_db_offset(struct efa_context *ctx, const char *what,
			uint32_t offset);
void *efa_mmap(struct efa_context *ctx, const char *what, uint64_t key,
	       size_t size, int prot);
void efa_munmap(void *addr, size_t size);
size_t efa_page_size(struct efa_context *ctx);

/* efa_context.c */
struct verbs_context *efa_alloc_context(struct ibv_device *ibdev, int cmd_fd,
					void *private_data);

/* efa_device.c */
int efa_read_device_caps(struct efa_context *ctx);
int efa_query_device_ex(struct ibv_context *ibctx,
			const struct ibv_query_device_ex_input *input,
			struct ibv_device_attr_ex *attr, size_t attr_size);
int efa_query_port(struct ibv_context *ibctx, uint8_t port,
		   struct ibv_port_attr *attr);

/* efa_pd.c */
struct ibv_pd *efa_alloc_pd(struct ibv_context *ibctx);
int efa_dealloc_pd(struct ibv_pd *ibpd);

/* efa_cq.c */
struct ibv_cq *efa_create_cq(struct ibv_context *ibctx, int cqe,
			     struct ibv_comp_channel *channel, int vec);
struct ibv_cq_ex *efa_create_cq_ex(struct ibv_context *ibctx,
				   struct ibv_cq_init_attr_ex *attr);
int efa_destroy_cq(struct ibv_cq *ibcq);
int efa_poll_cq(struct ibv_cq *ibcq, int nwc, struct ibv_wc *wc);
int efa_req_notify_cq(struct ibv_cq *ibcq, int solicited_only);

/* efa_qp.c */
int efa_qp_table_init(struct efa_context *ctx);
void efa_qp_table_free(struct efa_context *ctx);
void efa_cq_count_sub_cq_user(struct efa_cq *cq, uint16_t idx, int users);
/* with qp, qp's number finds it; with NULL, nothing */
void efa_qp_table_set(struct efa_context *ctx, struct efa_qp *qp,
		      struct efa_qp *to);
/* the posting state of a QP whose rings are sized and mapped (and numbered) */
int efa_qp_init_data_path(struct efa_context *ctx, struct efa_qp *qp,
			  const struct ibv_qp_init_attr_ex *attr,
			  const struct efadv_qp_init_attr *efa);
void efa_qp_free_data_path(struct efa_qp *qp);
struct ibv_qp *efa_create_qp(struct ibv_pd *ibpd,
			     struct ibv_qp_init_attr *attr);
struct ibv_qp *efa_create_qp_ex(struct ibv_context *ibctx,
				struct ibv_qp_init_attr_ex *attr);
int efa_modify_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr,
		  int attr_mask);
int efa_query_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr,
		 int attr_mask, struct ibv_qp_init_attr *init_attr);
int efa_query_qp_data_in_order(struct ibv_qp *ibqp, enum ibv_wr_opcode op,
			       uint32_t flags);
int efa_destroy_qp(struct ibv_qp *ibqp);

/* efa_wq.c: request ids and the state both work queues share */
int efa_wq_init_wrids(struct efa_wq *wq, uint32_t max_wrs, uint16_t gen);
void efa_wq_free_wrids(struct efa_wq *wq);
void efa_wq_reset(struct efa_wq *wq);
uint16_t efa_wq_take_req_id(struct efa_wq *wq, uint64_t wr_id);
uint64_t efa_wq_wr_id(const struct efa_wq *wq, uint16_t req_id);
bool efa_wq_req_id_is_current(const struct efa_wq *wq, uint16_t req_id);
void efa_wq_complete(struct efa_wq *wq, uint16_t req_id);
void efa_wq_complete_unslotted(struct efa_wq *wq);

/* efa_sq.c: send WQEs, ibv_post_send and the ibv_wr_* API */
int efa_post_send(struct ibv_qp *ibqp, struct ibv_send_wr *wr,
		  struct ibv_send_wr **bad);
void efa_sq_set_ops(struct efa_qp *qp, uint64_t send_ops, uint64_t wr_flags);
void efa_sq_set_post_send(struct efa_qp *qp);

/* efa_rq.c: receive descriptors */
int efa_post_recv(struct ibv_qp *ibqp, struct ibv_recv_wr *wr,
		  struct ibv_recv_wr **bad);

/* efa_cq.c */
void efa_cq_event(struct ibv_cq *ibcq);
void efa_cq_init_data_path(struct efa_context *ctx, struct efa_cq *cq,
			   uint64_t wc_flags, uint64_t efa_wc_flags);

/* efa_ah.c */
struct ibv_ah *efa_create_ah(struct ibv_pd *ibpd, struct ibv_ah_attr *attr);
int efa_destroy_ah(struct ibv_ah *ibah);

/* efa_mr.c */
struct ibv_mr *efa_reg_mr(struct ibv_pd *ibpd, void *addr, size_t len,
			  uint64_t hca_va, int access);
struct ibv_mr *efa_reg_dmabuf_mr(struct ibv_pd *ibpd, uint64_t offset,
				 size_t len, uint64_t iova, int fd,
				 int access);
int efa_dereg_mr(struct verbs_mr *vmr);

#endif /* EFA_H */
