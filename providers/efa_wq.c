// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the send and the receive queue share: counting work requests posted
 * and completed, and request ids.  The device hands back a 16-bit request
 * id per completion; the queue turns it into the caller's wr_id through a
 * table of slots.  Completions come back in any order (SRD is unordered),
 * so the free slots are a stack: posting pops one, completing pushes it
 * back.  The slot index takes the low bits of the id, the QP's generation
 * the bits above, so a late completion of an earlier QP with the same
 * number is told apart from this one's.
 */
#include <errno.h>
#include <stdlib.h>

#include <util/util.h>

#include "efa.h"

int efa_wq_init_wrids(struct efa_wq *wq, uint32_t max_wrs, uint16_t gen)
{
	uint32_t slots = roundup_pow_of_two(max_wrs ? max_wrs : 1);
	uint32_t i;

	/* the slot index must fit the 16-bit request id */
	if (slots > 1u << 16)
		return EINVAL;
	/* every index the id can name is a slot, so no id reads past it */
	wq->wrid = calloc(slots, sizeof(*wq->wrid));
	wq->wrid_free = calloc(slots, sizeof(*wq->wrid_free));
	if (!wq->wrid || !wq->wrid_free) {
		efa_wq_free_wrids(wq);
		return ENOMEM;
	}
	for (i = 0; i < slots; i++)
		wq->wrid_free[i] = i;
	wq->gen_mask = (uint16_t)~(slots - 1);
	wq->gen_bits = (uint16_t)((uint32_t)gen << __builtin_ctz(slots)) &
		       wq->gen_mask;
	return 0;
}

void efa_wq_free_wrids(struct efa_wq *wq)
{
	free(wq->wrid);
	free(wq->wrid_free);
	wq->wrid = NULL;
	wq->wrid_free = NULL;
}

/*
 * Back to an empty queue (the QP went to RESET): the device starts again
 * at entry 0 with phase 0.  Taking slots never changes the stack's
 * contents, so all of it is free again.
 */
void efa_wq_reset(struct efa_wq *wq)
{
	pthread_spin_lock(&wq->lock);
	wq->posted = 0;
	wq->completed = 0;
	wq->pc = 0;
	wq->phase = 0;
	wq->free_next = 0;
	pthread_spin_unlock(&wq->lock);
}

/* Under the queue's lock, with room checked (posted - completed < max_wrs). */
uint16_t efa_wq_take_req_id(struct efa_wq *wq, uint64_t wr_id)
{
	uint32_t slot = wq->wrid_free[wq->free_next++];

	wq->wrid[slot] = wr_id;
	return (uint16_t)slot | wq->gen_bits;
}

/* The slot is the poller's until it completes it: no lock needed. */
uint64_t efa_wq_wr_id(const struct efa_wq *wq, uint16_t req_id)
{
	return wq->wrid[req_id & (uint16_t)~wq->gen_mask];
}

bool efa_wq_req_id_is_current(const struct efa_wq *wq, uint16_t req_id)
{
	return (req_id & wq->gen_mask) == wq->gen_bits;
}

/* A work request of the queue completed: its slot goes back on the stack. */
void efa_wq_complete(struct efa_wq *wq, uint16_t req_id)
{
	pthread_spin_lock(&wq->lock);
	/* a device completing more than was posted does not corrupt the stack */
	if (wq->completed != wq->posted && wq->free_next) {
		wq->completed++;
		wq->wrid_free[--wq->free_next] = req_id & (uint16_t)~wq->gen_mask;
	}
	pthread_spin_unlock(&wq->lock);
}

/* The same for an SQ with 64-bit request ids, which takes no slots. */
void efa_wq_complete_unslotted(struct efa_wq *wq)
{
	pthread_spin_lock(&wq->lock);
	if (wq->completed != wq->posted)
		wq->completed++;
	pthread_spin_unlock(&wq->lock);
}
