// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Registration with libibverbs: which devices are ours, and the per-device
 * object.  libibverbs loads this library (as libefa-rdmav<PABI>.so) when it
 * finds a .driver file naming "efa"; the constructor PROVIDER_DRIVER emits
 * hands it the device ops.
 */
#include <stdlib.h>
#include <unistd.h>

#include "efa.h"

/*
 * The kernel reports the driver id for devices of drivers it knows; the PCI
 * ids cover the sysfs lookup libibverbs falls back to.
 */
static const struct verbs_match_ent efa_match_table[] = {
	VERBS_DRIVER_ID(RDMA_DRIVER_EFA),
	VERBS_PCI_MATCH(PCI_VENDOR_ID_AMAZON, 0xefa0, NULL),
	VERBS_PCI_MATCH(PCI_VENDOR_ID_AMAZON, 0xefa1, NULL),
	VERBS_PCI_MATCH(PCI_VENDOR_ID_AMAZON, 0xefa2, NULL),
	VERBS_PCI_MATCH(PCI_VENDOR_ID_AMAZON, 0xefa3, NULL),
	VERBS_PCI_MATCH(PCI_VENDOR_ID_AMAZON, 0xefa4, NULL),
	{}
};

static struct verbs_device *efa_alloc_device(struct verbs_sysfs_dev *sysfs_dev EFA_UNUSED)
{
	struct efa_dev *dev;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->page_size = sysconf(_SC_PAGESIZE);
	return &dev->vdev;
}

static void efa_uninit_device(struct verbs_device *vdev)
{
	free(to_efa_dev(&vdev->device));
}

static const struct verbs_device_ops efa_device_ops = {
	.name = "efa",
	.match_min_abi_version = EFA_UVERBS_ABI_VERSION,
	.match_max_abi_version = EFA_UVERBS_ABI_VERSION,
	.match_table = efa_match_table,
	.alloc_device = efa_alloc_device,
	.uninit_device = efa_uninit_device,
	.alloc_context = efa_alloc_context,
};

bool efa_is_efa_device(struct ibv_device *ibdev)
{
	return ibdev && verbs_get_device(ibdev)->ops == &efa_device_ops;
}

PROVIDER_DRIVER(efa, efa_device_ops);
