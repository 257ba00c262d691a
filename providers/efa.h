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

/* One per ibv_open_device(). */
struct efa_context {
	struct verbs_context ibvctx;
	struct efa_caps caps;
};

struct efa_pd {
	struct ibv_pd ibvpd;
	uint16_t pdn;
};

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
	uint32_t *db;
};

/*
 * A work queue's mappings.  The SQ's ring is the LLQ (write-combined device
 * memory); the RQ's ring is host memory the device reads.  Each has a
 * doorbell in a page of the doorbell BAR.
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
	bool sq_64_bit_req_id;
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
int efa_post_send(struct ibv_qp *ibqp, struct ibv_send_wr *wr,
		  struct ibv_send_wr **bad);
int efa_post_recv(struct ibv_qp *ibqp, struct ibv_recv_wr *wr,
		  struct ibv_recv_wr **bad);

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
