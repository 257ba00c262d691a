/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Tests of the object commands (test_objects.c), run from test_core.c. */
#ifndef OBJECT_TESTS_H
#define OBJECT_TESTS_H

void test_cq_commands(void);
void test_cq_doorbells(void);
void test_qp_create(void);
void test_qp_state_machine(void);
void test_ah_commands(void);
void test_ah_is_one_per_address_and_pd(void);
void test_mr_inline_and_direct(void);
void test_mr_chained_page_list(void);
void test_mr_hostile_page_lists(void);
void test_mr_limits_and_keys(void);
void test_mr_page_budget(void);
void test_virtual_rings(void);
void test_get_stats(void);
void test_object_limits(void);
void test_dependents_keep_objects_alive(void);
void test_reset_drops_every_class(void);
void test_alloc_pd_timing(void);

#endif /* OBJECT_TESTS_H */
