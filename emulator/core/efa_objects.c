// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Handle tables for the objects the device creates on admin commands.  The
 * counts are what the harness's leak check reads after a run.
 */
#include <stdlib.h>
#include <string.h>

#include "efa_core_priv.h"

int efa_id_table_init(struct efa_id_table *t, uint32_t max)
{
	t->max = max;
	t->live = 0;
	t->used = calloc(max ? max : 1, 1);
	return t->used ? 0 : -1;
}

void efa_id_table_destroy(struct efa_id_table *t)
{
	free(t->used);
	t->used = NULL;
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
	uint32_t id;

	if (t->live == t->max)
		return -1;
	for (id = 0; id < t->max; id++) {
		if (!t->used[id]) {
			t->used[id] = 1;
			t->live++;
			objects_changed(core);
			return id;
		}
	}
	return -1;
}

bool efa_id_valid(const struct efa_core *core, enum efa_core_object_class cls,
		  uint32_t id)
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
	objects_changed(core);
}

void efa_objects_drop_all(struct efa_core *core)
{
	bool changed = false;
	int cls;

	for (cls = 0; cls < EFA_OBJ_CLASSES; cls++) {
		struct efa_id_table *t = &core->tables[cls];

		if (!t->live)
			continue;
		core->dropped[cls] += t->live;
		t->live = 0;
		memset(t->used, 0, t->max);
		changed = true;
	}
	if (changed)
		objects_changed(core);
}
