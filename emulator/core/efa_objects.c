// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Handle tables for the objects the device creates on admin commands.  The
 * counts are what the harness's leak check reads after a run.
 *
 * Free handles wait in a FIFO threaded through the table (next[]), so
 * allocation and release are O(1) however large the table, and a handle
 * just freed is the last to come back: a driver that keeps using a stale
 * handle meets an unallocated one for as long as possible.  Each slot also
 * counts the objects that depend on it (a PD's QPs, MRs and AHs, a CQ's
 * QPs, ...), so a destroy that would orphan them is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "efa_core_priv.h"

#define EFA_ID_NONE UINT32_MAX

static void id_table_make_free(struct efa_id_table *t)
{
	uint32_t id;

	for (id = 0; id < t->max; id++)
		t->next[id] = id + 1 < t->max ? id + 1 : EFA_ID_NONE;
	t->head = t->max ? 0 : EFA_ID_NONE;
	t->tail = t->max ? t->max - 1 : EFA_ID_NONE;
	memset(t->used, 0, t->max ? t->max : 1);
	memset(t->refs, 0, (t->max ? t->max : 1) * sizeof(*t->refs));
	t->live = 0;
}

int efa_id_table_init(struct efa_id_table *t, uint32_t max)
{
	size_t n = max ? max : 1;

	t->max = max;
	t->used = calloc(n, 1);
	t->next = calloc(n, sizeof(*t->next));
	t->refs = calloc(n, sizeof(*t->refs));
	if (!t->used || !t->next || !t->refs) {
		efa_id_table_destroy(t);
		return -1;
	}
	id_table_make_free(t);
	return 0;
}

void efa_id_table_destroy(struct efa_id_table *t)
{
	free(t->used);
	free(t->next);
	free(t->refs);
	t->used = NULL;
	t->next = NULL;
	t->refs = NULL;
}

/*
 * Tell the host once per batch of changes: again only after it has read
 * the counts (efa_core_object_counts()), so a burst of commands costs it one
 * update, not one per command.
 */
static void objects_changed(struct efa_core *core)
{
	if (core->objects_unread)
		return;
	core->objects_unread = true;
	if (core->ops->objects_changed)
		core->ops->objects_changed(core->opaque);
}

int64_t efa_id_alloc(struct efa_core *core, enum efa_core_object_class cls)
{
	struct efa_id_table *t = &core->tables[cls];
	uint32_t id = t->head;

	if (id == EFA_ID_NONE)
		return -1;
	t->head = t->next[id];
	if (t->head == EFA_ID_NONE)
		t->tail = EFA_ID_NONE;
	t->next[id] = EFA_ID_NONE;
	t->used[id] = 1;
	t->refs[id] = 0;
	t->live++;
	objects_changed(core);
	return id;
}

bool efa_id_valid(const struct efa_core *core, enum efa_core_object_class cls,
		  uint64_t id)
{
	const struct efa_id_table *t = &core->tables[cls];

	return id < t->max && t->used[id];
}

void efa_id_free(struct efa_core *core, enum efa_core_object_class cls,
		 uint32_t id)
{
	struct efa_id_table *t = &core->tables[cls];

	if (id >= t->max || !t->used[id])
		return;
	t->used[id] = 0;
	t->live--;
	if (t->tail == EFA_ID_NONE)
		t->head = id;
	else
		t->next[t->tail] = id;
	t->tail = id;
	objects_changed(core);
}

void efa_id_get(struct efa_core *core, enum efa_core_object_class cls, uint32_t id)
{
	core->tables[cls].refs[id]++;
}

void efa_id_put(struct efa_core *core, enum efa_core_object_class cls, uint32_t id)
{
	core->tables[cls].refs[id]--;
}

uint32_t efa_id_refs(const struct efa_core *core, enum efa_core_object_class cls,
		     uint32_t id)
{
	return core->tables[cls].refs[id];
}

static void mr_release_pages(struct efa_core *core, struct efa_mr *mr)
{
	core->mr_pages_used -= mr->page_num;
	free(mr->pages);
	mr->pages = NULL;
	mr->page_num = 0;
}

void efa_mr_release(struct efa_core *core, uint32_t index)
{
	mr_release_pages(core, &core->mrs[index]);
}

void efa_objects_drop_all(struct efa_core *core)
{
	const struct efa_id_table *mrs = &core->tables[EFA_OBJ_MR];
	bool changed = false;
	uint32_t id;
	int cls;

	for (id = 0; id < mrs->max; id++) {
		if (mrs->used[id])
			mr_release_pages(core, &core->mrs[id]);
	}
	for (cls = 0; cls < EFA_OBJ_CLASSES; cls++) {
		struct efa_id_table *t = &core->tables[cls];

		if (!t->live)
			continue;
		core->dropped[cls] += t->live;
		id_table_make_free(t);
		changed = true;
	}
	if (changed)
		objects_changed(core);
}
