/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * EFA direct verbs: the Elastic Fabric Adapter specific part of the verbs
 * API, exported by libefa.so.1 next to the standard libibverbs calls.
 *
 * Versioning rules, common to every call below that takes an attribute
 * struct and its size:
 *  - inlen is the size of the struct as the caller was compiled.  Fields are
 *    only ever appended, so a caller built against an older, shorter struct
 *    keeps working: the library reads and writes only the first inlen bytes.
 *  - A caller built against a newer, longer struct passes a larger inlen.
 *    In a struct the library fills, the bytes it does not know are zeroed.
 *    In a struct the caller fills, they must be zero, otherwise the call
 *    fails with EINVAL (it cannot honour a request it does not understand).
 *  - comp_mask: in input structs, which optional fields are valid; in output
 *    structs, which optional fields the library filled.  No optional fields
 *    exist yet: callers set 0 and the library reports 0.
 *
 * Calls return 0 or a positive errno value unless said otherwise; calls
 * returning a pointer return NULL and set errno.  An ibv_context, QP, CQ, AH
 * or MR that does not belong to an EFA device gets EOPNOTSUPP.
 */
#ifndef INFINIBAND_EFADV_H
#define INFINIBAND_EFADV_H

#include <stdbool.h>
#include <stdint.h>
/* not needed here; earlier versions of this header included them */
#include <stdio.h>
#include <sys/types.h>

#include <infiniband/verbs.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- device */

/* efadv_device_attr.device_caps */
enum {
	EFADV_DEVICE_ATTR_CAPS_RDMA_READ = 1 << 0,
	EFADV_DEVICE_ATTR_CAPS_RNR_RETRY = 1 << 1,
	/* the source GID of an unknown sender can be read from a completion */
	EFADV_DEVICE_ATTR_CAPS_CQ_WITH_SGID = 1 << 2,
	EFADV_DEVICE_ATTR_CAPS_RDMA_WRITE = 1 << 3,
	/* RDMA write with immediate can complete without a posted receive */
	EFADV_DEVICE_ATTR_CAPS_UNSOLICITED_WRITE_RECV = 1 << 4,
	/* a CQ ring can live in application memory given as a dma-buf */
	EFADV_DEVICE_ATTR_CAPS_CQ_WITH_EXT_MEM_DMABUF = 1 << 5,
	/* completion counters (efadv_create_comp_cntr) */
	EFADV_DEVICE_ATTR_CAPS_COMP_CNTR = 1 << 6,
};

struct efadv_device_attr {
	uint64_t comp_mask;
	uint32_t max_sq_wr;		/* send queue depth */
	uint32_t max_rq_wr;		/* receive queue depth */
	uint16_t max_sq_sge;		/* scatter/gather entries per send */
	uint16_t max_rq_sge;		/* scatter/gather entries per receive */
	uint16_t inline_buf_size;	/* inline bytes in a 64-byte send WQE */
	uint16_t inline_buf_size_ex;	/* inline bytes in a 128-byte send WQE
					   (was reserved before rdma-core 63) */
	uint32_t device_caps;		/* EFADV_DEVICE_ATTR_CAPS_* */
	uint32_t max_rdma_size;		/* bytes in one RDMA read/write */
};

/*
 * The smallest inlen accepted is the end of inline_buf_size; device_caps and
 * max_rdma_size are filled when inlen covers them.
 */
int efadv_query_device(struct ibv_context *ibvctx,
		       struct efadv_device_attr *attr, uint32_t inlen);

/* ---------------------------------------------------------------- QP */

enum {
	/* the driver QP type of an SRD (scalable reliable datagram) QP */
	EFADV_QP_DRIVER_TYPE_SRD = 0,
};

/* Create an SRD QP from the classic init attributes (qp_type is ignored). */
struct ibv_qp *efadv_create_driver_qp(struct ibv_pd *ibvpd,
				      struct ibv_qp_init_attr *attr,
				      uint32_t driver_qp_type);

/* efadv_qp_init_attr.flags */
enum {
	EFADV_QP_FLAGS_UNSOLICITED_WRITE_RECV = 1 << 0,
	/* RDMA writes may carry inline data (uses 128-byte send WQEs) */
	EFADV_QP_FLAGS_INLINE_WRITE = 1 << 1,
};

/* efadv_qp_init_attr.wr_flags: optional work request setters */
enum {
	EFADV_WR_EX_WITH_PROCESSING_HINTS = 1 << 0,
};

struct efadv_qp_init_attr {
	uint64_t comp_mask;
	uint32_t driver_qp_type;	/* EFADV_QP_DRIVER_TYPE_* */
	uint16_t flags;			/* EFADV_QP_FLAGS_* */
	uint8_t sl;			/* service level, 0 = default */
	uint8_t reserved;		/* must be 0 */
	uint64_t wr_flags;		/* EFADV_WR_EX_* */
};

struct ibv_qp *efadv_create_qp_ex(struct ibv_context *ibvctx,
				  struct ibv_qp_init_attr_ex *attr_ex,
				  struct efadv_qp_init_attr *efa_attr,
				  uint32_t inlen);

/* The EFA extension of an ibv_qp_ex, for the efadv_wr_* setters. */
struct efadv_qp {
	uint64_t comp_mask;
	void (*wr_set_processing_hints)(struct efadv_qp *efadv_qp,
					uint32_t hints);
};

struct efadv_qp *efadv_qp_from_ibv_qp_ex(struct ibv_qp_ex *ibvqpx);

enum efadv_wr_processing_hint {
	/* the request belongs to a burst where packet rate matters most */
	EFADV_WR_PROCESSING_HINT_BURST_PPS_SENSITIVE = 1 << 0,
};

/*
 * Attach hints (efadv_wr_processing_hint bits) to the work request being
 * built: call it between the ibv_wr_<opcode>() call and the next one (or
 * ibv_wr_complete()), on a QP created with EFADV_WR_EX_WITH_PROCESSING_HINTS.
 */
static inline void efadv_wr_set_processing_hints(struct efadv_qp *efadv_qp,
						 uint32_t hints)
{
	efadv_qp->wr_set_processing_hints(efadv_qp, hints);
}

/* efadv_wq_attr.caps */
enum {
	/* the send queue carries the full 64-bit wr_id in its descriptors */
	EFADV_WQ_CAPS_64_BIT_REQ_ID = 1 << 0,
};

/* Where a QP's work queue lives, for applications that write WQEs directly. */
struct efadv_wq_attr {
	uint64_t comp_mask;
	uint8_t *buffer;		/* the ring */
	uint32_t entry_size;		/* bytes per entry */
	uint32_t num_entries;
	uint32_t *doorbell;
	uint32_t max_batch;		/* entries between two doorbells */
	uint16_t caps;			/* EFADV_WQ_CAPS_* */
	uint8_t reserved[2];
};

/* inlen is the size of one efadv_wq_attr; both are filled. */
int efadv_query_qp_wqs(struct ibv_qp *ibvqp, struct efadv_wq_attr *sq_attr,
		       struct efadv_wq_attr *rq_attr, uint32_t inlen);

/* efadv_sq_depth_attr.flags */
enum {
	EFADV_SQ_DEPTH_ATTR_INLINE_WRITE = 1 << 0,
};

struct efadv_sq_depth_attr {
	uint64_t comp_mask;
	uint32_t flags;			/* EFADV_SQ_DEPTH_ATTR_* */
	uint32_t max_send_sge;
	uint32_t max_rdma_sge;
	uint32_t max_inline_data;
};

struct efadv_rq_depth_attr {
	uint64_t comp_mask;
	uint32_t max_recv_sge;
};

/*
 * The deepest send/receive queue a QP with these attributes can have.
 * Return the depth, or a negative errno value.
 */
int efadv_get_max_sq_depth(struct ibv_context *ibvctx,
			   struct efadv_sq_depth_attr *attr, uint32_t inlen);
int efadv_get_max_rq_depth(struct ibv_context *ibvctx,
			   struct efadv_rq_depth_attr *attr, uint32_t inlen);

/* ---------------------------------------------------------------- AH */

struct efadv_ah_attr {
	uint64_t comp_mask;
	uint16_t ahn;			/* the device's address handle number */
	uint8_t reserved[6];
};

int efadv_query_ah(struct ibv_ah *ibvah, struct efadv_ah_attr *attr,
		   uint32_t inlen);

/* ---------------------------------------------------------------- CQ */

/* The EFA extension of an ibv_cq_ex, for the efadv_wc_* readers. */
struct efadv_cq {
	uint64_t comp_mask;
	int (*wc_read_sgid)(struct efadv_cq *efadv_cq, union ibv_gid *sgid);
	bool (*wc_is_unsolicited)(struct efadv_cq *efadv_cq);
};

/* efadv_cq_init_attr.wc_flags */
enum {
	EFADV_WC_EX_WITH_SGID = 1 << 0,
	EFADV_WC_EX_WITH_IS_UNSOLICITED = 1 << 1,
};

/* efadv_cq_init_attr.flags */
enum {
	/* the ring is in ext_mem_dmabuf */
	EFADV_CQ_INIT_FLAGS_EXT_MEM_DMABUF = 1 << 0,
};

struct efadv_cq_init_attr {
	uint64_t comp_mask;
	uint64_t wc_flags;		/* EFADV_WC_EX_* */
	uint64_t flags;			/* EFADV_CQ_INIT_FLAGS_* */
	struct {
		uint8_t *buffer;	/* optional CPU mapping of the memory */
		uint64_t length;
		uint64_t offset;	/* into the dma-buf */
		int32_t fd;		/* the dma-buf */
		uint8_t reserved[4];
	} ext_mem_dmabuf;
};

struct ibv_cq_ex *efadv_create_cq(struct ibv_context *ibvctx,
				  struct ibv_cq_init_attr_ex *attr_ex,
				  struct efadv_cq_init_attr *efa_attr,
				  uint32_t inlen);

struct efadv_cq *efadv_cq_from_ibv_cq_ex(struct ibv_cq_ex *ibvcqx);

/*
 * The source GID of the current completion, when the sender's address
 * handle is unknown to the receiver (slid 0xffff); a negative value
 * otherwise.  Needs a CQ created with EFADV_WC_EX_WITH_SGID.
 */
static inline int efadv_wc_read_sgid(struct efadv_cq *efadv_cq,
				     union ibv_gid *sgid)
{
	return efadv_cq->wc_read_sgid(efadv_cq, sgid);
}

/*
 * Whether the current completion is an RDMA write with immediate that
 * consumed no receive request.  Needs a CQ created with
 * EFADV_WC_EX_WITH_IS_UNSOLICITED.
 */
static inline bool efadv_wc_is_unsolicited(struct efadv_cq *efadv_cq)
{
	return efadv_cq->wc_is_unsolicited(efadv_cq);
}

/* Where a CQ lives, for applications that poll completions directly. */
struct efadv_cq_attr {
	uint64_t comp_mask;
	uint8_t *buffer;
	uint32_t entry_size;
	uint32_t num_entries;
	uint32_t *doorbell;
};

int efadv_query_cq(struct ibv_cq *ibvcq, struct efadv_cq_attr *attr,
		   uint32_t inlen);

/* ---------------------------------------------------------------- MR */

/* efadv_mr_attr.ic_id_validity: which interconnect ids are set */
enum {
	EFADV_MR_ATTR_VALIDITY_RECV_IC_ID = 1 << 0,
	EFADV_MR_ATTR_VALIDITY_RDMA_READ_IC_ID = 1 << 1,
	EFADV_MR_ATTR_VALIDITY_RDMA_RECV_IC_ID = 1 << 2,
};

/* The PCIe interconnects the device uses to reach the MR's memory. */
struct efadv_mr_attr {
	uint64_t comp_mask;
	uint16_t ic_id_validity;
	uint16_t recv_ic_id;
	uint16_t rdma_read_ic_id;
	uint16_t rdma_recv_ic_id;
};

int efadv_query_mr(struct ibv_mr *ibvmr, struct efadv_mr_attr *attr,
		   uint32_t inlen);

/* ---------------------------------------------------------------- counters */

/*
 * Completion counters are libibverbs objects (struct ibv_comp_cntr,
 * struct ibv_comp_cntr_init_attr) that older libibverbs headers do not
 * define; they are only used through pointers here.
 */
struct ibv_comp_cntr;
struct ibv_comp_cntr_init_attr;

enum efadv_memory_location_type {
	EFADV_MEMORY_LOCATION_VA,
	EFADV_MEMORY_LOCATION_DMABUF,
};

/* Application memory given to the device: a virtual address or a dma-buf. */
struct efadv_memory_location {
	uint8_t *ptr;			/* VA; optional CPU mapping for DMABUF */
	struct {
		uint64_t offset;
		int32_t fd;
		uint32_t reserved;
	} dmabuf;
	uint8_t type;			/* enum efadv_memory_location_type */
	uint8_t reserved[7];
};

/* efadv_comp_cntr_init_attr.flags */
enum {
	EFADV_COMP_CNTR_INIT_WITH_COMP_EXTERNAL_MEM = 1 << 0,
	EFADV_COMP_CNTR_INIT_WITH_ERR_EXTERNAL_MEM = 1 << 1,
};

struct efadv_comp_cntr_init_attr {
	uint64_t comp_mask;
	uint32_t flags;			/* EFADV_COMP_CNTR_INIT_* */
	uint32_t reserved;
	struct efadv_memory_location comp_cntr_ext_mem;
	struct efadv_memory_location err_cntr_ext_mem;
};

struct ibv_comp_cntr *
efadv_create_comp_cntr(struct ibv_context *ibvctx,
		       struct ibv_comp_cntr_init_attr *attr,
		       struct efadv_comp_cntr_init_attr *efa_attr,
		       uint32_t inlen);

#ifdef __cplusplus
}
#endif

#endif /* INFINIBAND_EFADV_H */
