/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The EFA RDMA driver: device state shared by the PCI glue (efa_main.c),
 * the verbs of each object family (efa_verbs.c, efa_cq.c, efa_qp.c,
 * efa_ah.c, efa_mr.c) and the counters (efa_stats.c).
 */
#ifndef _EFA_H_
#define _EFA_H_

#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/log2.h>
#include <linux/pci.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <rdma/efa-abi.h>
#include <rdma/ib_verbs.h>

#include "efa_compat.h"
#include "efa_com_cmd.h"

#define DRV_MODULE_NAME		"efa"
#define DEVICE_NAME		"Elastic Fabric Adapter (EFA)"

/* reported to the device in HOST_INFO */
#define EFA_DRV_VERSION_MAJOR		0
#define EFA_DRV_VERSION_MINOR		1
#define EFA_DRV_VERSION_SUBMINOR	0

#define EFA_IRQNAME_SIZE	40
#define EFA_MGMNT_MSIX_VEC_IDX	0
#define EFA_COMP_EQS_VEC_BASE	1

struct efa_dev;

struct efa_irq {
	irq_handler_t handler;
	void *data;
	int irqn;
	u16 vector;
	bool requested;
	cpumask_t affinity;
	char name[EFA_IRQNAME_SIZE];
};

/* A completion event queue and the MSI-X vector it interrupts on. */
struct efa_eq {
	struct efa_com_eq ceq;
	struct efa_irq irq;
	struct efa_dev *dev;
};

/* Driver counters, exported as hw_counters; only ever atomic64_t. */
struct efa_sw_stats {
	atomic64_t keep_alive_rcvd;
	atomic64_t alloc_pd_err;
	atomic64_t create_qp_err;
	atomic64_t create_cq_err;
	atomic64_t reg_mr_err;
	atomic64_t alloc_ucontext_err;
	atomic64_t create_ah_err;
	atomic64_t mmap_err;
};

/*
 * The device sends keep-alive events on the AENQ; the watchdog says so when
 * they stop, once they have started at all.
 */
struct efa_keep_alive {
	struct delayed_work work;
	/* jiffies of the last event, 0 before the first one */
	unsigned long last;
	unsigned long timeout;
	bool lost;
};

struct efa_dev {
	struct ib_device ibdev;
	struct efa_com_dev edev;
	struct pci_dev *pdev;
	struct efa_com_dev_attr dev_attr;

	resource_size_t mem_bar_addr;
	resource_size_t mem_bar_len;
	resource_size_t db_bar_addr;
	resource_size_t db_bar_len;
	void __iomem *llq_bar;

	int num_irq_vectors;
	struct efa_irq mgmt_irq;
	struct efa_eq *eqs;
	unsigned int neqs;

	struct efa_keep_alive keep_alive;
	struct efa_sw_stats stats;

	/* CQs with a completion channel, by cq_idx, for the EQ handlers */
	struct xarray cqs_xa;
};

struct efa_ucontext {
	struct ib_ucontext ibucontext;
	u16 uarn;
};

struct efa_pd {
	struct ib_pd ibpd;
	u16 pdn;
};

/*
 * A queue ring in kernel memory that the device reaches by DMA and the
 * owning process maps cached: whole zeroed pages, so a mapping shows
 * nothing else.  size 0: no ring.
 */
struct efa_user_ring {
	void *buf;
	dma_addr_t dma;
	size_t size;
	enum dma_data_direction dir;
};

/*
 * A user CQ: the driver allocates the ring (num_sub_cqs sub-CQs back to
 * back) and user space maps it cached; the device writes completions.
 */
struct efa_cq {
	struct ib_cq ibcq;
	struct efa_ucontext *ucontext;
	struct efa_user_ring ring;
	struct rdma_user_mmap_entry *q_mmap_entry;
	struct rdma_user_mmap_entry *db_mmap_entry;
	/* the EQ its completion events arrive on; NULL without a channel */
	struct efa_eq *eq;
	u16 cq_idx;
};

/*
 * A user QP: the SQ lives in the device's LLQ (user space writes WQEs
 * there, write-combined); the RQ is a ring the driver allocates.
 */
struct efa_qp {
	struct ib_qp ibqp;
	struct efa_user_ring rq_ring;
	struct rdma_user_mmap_entry *sq_db_mmap_entry;
	struct rdma_user_mmap_entry *llq_desc_mmap_entry;
	struct rdma_user_mmap_entry *rq_db_mmap_entry;
	struct rdma_user_mmap_entry *rq_mmap_entry;
	enum ib_qp_state state;
	u32 qp_handle;
	u32 max_send_wr;
	u32 max_recv_wr;
	u32 max_send_sge;
	u32 max_recv_sge;
	u32 max_inline_data;
};

struct efa_ah {
	struct ib_ah ibah;
	u16 ah;
	/* destination GID */
	u8 id[EFA_GID_SIZE];
};

struct efa_mr {
	struct ib_mr ibmr;
	struct ib_umem *umem;
	struct efa_com_mr_ic_info ic_info;
};

/* How an mmap entry's pages reach user space. */
enum efa_mmap_flag {
	/* kernel pages, cached (queue rings) */
	EFA_MMAP_DMA_PAGE,
	/* device memory, write-combined (LLQ descriptors) */
	EFA_MMAP_IO_WC,
	/* device memory, uncached (doorbells) */
	EFA_MMAP_IO_NC,
};

struct efa_user_mmap_entry {
	struct rdma_user_mmap_entry rdma_entry;
	u64 address;
	u8 mmap_flag;
};

static inline struct efa_dev *to_edev(struct ib_device *ibdev)
{
	return container_of(ibdev, struct efa_dev, ibdev);
}

static inline struct efa_ucontext *to_eucontext(struct ib_ucontext *ibuctx)
{
	return container_of(ibuctx, struct efa_ucontext, ibucontext);
}

static inline struct efa_pd *to_epd(struct ib_pd *ibpd)
{
	return container_of(ibpd, struct efa_pd, ibpd);
}

static inline struct efa_cq *to_ecq(struct ib_cq *ibcq)
{
	return container_of(ibcq, struct efa_cq, ibcq);
}

static inline struct efa_qp *to_eqp(struct ib_qp *ibqp)
{
	return container_of(ibqp, struct efa_qp, ibqp);
}

static inline struct efa_ah *to_eah(struct ib_ah *ibah)
{
	return container_of(ibah, struct efa_ah, ibah);
}

static inline struct efa_mr *to_emr(struct ib_mr *ibmr)
{
	return container_of(ibmr, struct efa_mr, ibmr);
}

static inline struct efa_user_mmap_entry *
to_emmap(struct rdma_user_mmap_entry *rdma_entry)
{
	return container_of(rdma_entry, struct efa_user_mmap_entry, rdma_entry);
}

static inline bool efa_dev_cap(const struct efa_dev *dev, u32 cap_mask)
{
	return dev->dev_attr.device_caps & cap_mask;
}

/*
 * The deepest CQ a user gets: CREATE_CQ's depth is 16 bits and the device
 * takes powers of two, so the largest power of two within both.
 */
static inline u32 efa_max_cq_depth(const struct efa_dev *dev)
{
	return rounddown_pow_of_two(max(1U, min(dev->dev_attr.max_cq_depth,
						1U << 15)));
}

/* efa_verbs.c */
int efa_query_device(struct ib_device *ibdev, struct ib_device_attr *props,
		     struct ib_udata *udata);
int efa_query_port(struct ib_device *ibdev, u32 port,
		   struct ib_port_attr *props);
int efa_query_gid(struct ib_device *ibdev, u32 port, int index,
		  union ib_gid *gid);
int efa_query_pkey(struct ib_device *ibdev, u32 port, u16 index, u16 *pkey);
int efa_get_port_immutable(struct ib_device *ibdev, u32 port_num,
			   struct ib_port_immutable *immutable);
enum rdma_link_layer efa_port_link_layer(struct ib_device *ibdev,
					 u32 port_num);
void efa_get_dev_fw_str(struct ib_device *ibdev, char *str);
int efa_alloc_ucontext(struct ib_ucontext *ibucontext, struct ib_udata *udata);
void efa_dealloc_ucontext(struct ib_ucontext *ibucontext);
int efa_alloc_pd(struct ib_pd *ibpd, struct ib_udata *udata);
int efa_dealloc_pd(struct ib_pd *ibpd, struct ib_udata *udata);
int efa_mmap(struct ib_ucontext *ibucontext, struct vm_area_struct *vma);
void efa_mmap_free(struct rdma_user_mmap_entry *rdma_entry);
struct rdma_user_mmap_entry *
efa_user_mmap_entry_insert(struct ib_ucontext *ucontext, u64 address,
			   size_t length, enum efa_mmap_flag mmap_flag,
			   u64 *offset);

int efa_user_ring_alloc(struct efa_dev *dev, struct efa_user_ring *ring,
			size_t bytes, enum dma_data_direction dir);
void efa_user_ring_free(struct efa_dev *dev, struct efa_user_ring *ring);
int efa_copy_request(struct efa_dev *dev, struct ib_udata *udata, void *cmd,
		     size_t size, size_t required, const char *verb);
int efa_copy_response(struct efa_dev *dev, struct ib_udata *udata,
		      void *resp, size_t size, const char *verb);
void efa_disassociate_ucontext(struct ib_ucontext *ibucontext);

/* efa_cq.c (create_cq through efa_compat.h) */
int efa_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata);

/* efa_qp.c */
int efa_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *init_attr,
		  struct ib_udata *udata);
int efa_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *qp_attr,
		  int qp_attr_mask, struct ib_udata *udata);
int efa_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *qp_attr,
		 int qp_attr_mask, struct ib_qp_init_attr *qp_init_attr);
int efa_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata);

/* efa_ah.c */
int efa_create_ah(struct ib_ah *ibah, struct rdma_ah_init_attr *init_attr,
		  struct ib_udata *udata);
int efa_destroy_ah(struct ib_ah *ibah, u32 flags);

/* efa_mr.c (reg_user_mr and reg_user_mr_dmabuf through efa_compat.h) */
int efa_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata);
extern const struct uapi_definition efa_uapi_defs[];

/* efa_sysfs.c */
extern const struct attribute_group *efa_pci_groups[];

/* efa_stats.c */
struct rdma_hw_stats *efa_alloc_hw_port_stats(struct ib_device *ibdev,
					      u32 port_num);
struct rdma_hw_stats *efa_alloc_hw_device_stats(struct ib_device *ibdev);
int efa_get_hw_stats(struct ib_device *ibdev, struct rdma_hw_stats *stats,
		     u32 port_num, int index);

#endif /* _EFA_H_ */
