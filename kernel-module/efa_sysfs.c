// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Attributes under the PCI device (/sys/bus/pci/devices/<bdf>/), created
 * when the driver binds and removed when it unbinds, as the EFA driver
 * documents them:
 *
 *   gdr   1 when the module registers GPU memory (dma-buf MRs), 0 when it
 *         was built without (ENABLE_GDR=0) or the kernel lacks pinned
 *         dma-buf umems.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "efa.h"

static ssize_t gdr_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%d\n", EFA_HAVE_DMABUF_MR);
}
static DEVICE_ATTR_RO(gdr);

static struct attribute *efa_pci_attrs[] = {
	&dev_attr_gdr.attr,
	NULL,
};

static const struct attribute_group efa_pci_group = {
	.attrs = efa_pci_attrs,
};

const struct attribute_group *efa_pci_groups[] = {
	&efa_pci_group,
	NULL,
};
