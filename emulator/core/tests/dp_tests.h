/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Tests of the data path (test_dp.c, test_dp_errors.c), run from test_core.c. */
#ifndef DP_TESTS_H
#define DP_TESTS_H

void test_dp_srd_send_recv(void);
void test_dp_srd_send_imm(void);
void test_dp_ud_grh(void);
void test_dp_inline(void);
void test_dp_two_sges(void);
void test_dp_zero_length(void);
void test_dp_loopback(void);
void test_dp_ring_wrap(void);
void test_dp_sub_cqs(void);
void test_dp_req_id_64(void);
void test_dp_cq_event(void);
void test_dp_send_rate(void);
void test_dp_virtual_cq(void);
void test_dp_rdma_write(void);
void test_dp_rdma_write_imm(void);
void test_dp_unsolicited_write(void);
void test_dp_rdma_read(void);
void test_dp_src_addr(void);
void test_dp_wqe_128(void);
void test_dp_rnr(void);
void test_dp_rnr_exhausted(void);
void test_dp_bad_lkey(void);
void test_dp_bad_rkey(void);
void test_dp_bad_dest(void);
void test_dp_recv_too_short(void);
void test_dp_unknown_peer(void);
void test_dp_unresponsive(void);
void test_dp_qp_error_flush(void);
void test_dp_bad_wqe(void);
void test_dp_bad_recv(void);
void test_dp_dma_fail(void);
void test_dp_cq_overflow(void);
void test_dp_not_ours(void);
void test_dp_flood(void);
void test_dp_stats(void);
void test_dp_sqd(void);
void test_dp_fuzz(void);
void test_dp_flush_taken_receive(void);
void test_dp_bad_answer(void);
void test_dp_peer_restart(void);

#endif /* DP_TESTS_H */
