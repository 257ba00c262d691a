/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the data-path tests share (dp_helpers.c). */
#ifndef DP_HELPERS_H
#define DP_HELPERS_H

#include "fake_fabric.h"

#define SRC	(DATA_IOVA + 0xf00)		/* crosses a page boundary */
#define DST	(DATA_IOVA + 0x40f80)

/* two devices, a CQ and a QP each, AHs both ways */
struct pair {
	struct fabric *f;
	struct dp_dev *a, *b;
	struct dp_cq acq, bcq;
	struct dp_qp aq, bq;
	uint16_t ah_ab, ah_ba;
};

void pair_setup(struct pair *p, uint8_t type, const struct dp_qp_args *qa,
		const struct dp_cq_args *ca);
void pair_free(struct pair *p);
/* a SEND of len bytes at addr of A's data MR to B's QP */
struct dp_wqe send_wqe(const struct pair *p, uint64_t addr, uint32_t len, uint64_t req_id);
/* post and ring one receive of one buffer */
void recv_one(struct dp_qp *qp, uint16_t req_id, uint64_t addr, uint32_t len);
uint8_t q_type(const uint8_t *e);
uint16_t le16(const uint8_t *p);
void check_tx_cqe(struct dp_cq *cq, uint32_t qpn, uint64_t req_id, uint8_t status);
/* e_in NULL: poll it */
void check_rx_cqe(struct dp_cq *cq, const uint8_t *e_in, uint32_t qpn, uint16_t req_id,
		  uint32_t len, uint32_t src_qp, uint16_t ah);

/* RX CQE fields by name */
#define RX(e, field) (((const struct efa_io_rx_cdesc_ex *)(const void *)(e))->field)
#define CQE_FLAG(e, name) EFA_GET(&((const struct efa_io_cdesc_common *)(const void *)(e))->flags, name)

#endif /* DP_HELPERS_H */
