// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * PCI glue of the EFA driver: probe and removal, BARs, MSI-X, the
 * management and completion interrupts, and registration as an RDMA device.
 *
 * Bring-up order: reset the device, check its versions and DMA width, set
 * up MSI-X and the admin queues (polling), hook the management interrupt
 * and switch the admin queue to interrupts, then learn the device through
 * GET_FEATURE, enable AENQ groups, create one EQ per completion vector,
 * send HOST_INFO and register efa_<n>.  Removal undoes it in reverse and
 * ends in a device reset, with every device object freed by its owner.
 */
#include <linux/bitfield.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/utsname.h>

#include "efa.h"

MODULE_AUTHOR("The open EFA stack developers");
MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION(DEVICE_NAME);
MODULE_VERSION(__stringify(EFA_DRV_VERSION_MAJOR) "."
	       __stringify(EFA_DRV_VERSION_MINOR) "."
	       __stringify(EFA_DRV_VERSION_SUBMINOR));

static const struct pci_device_id efa_pci_tbl[] = {
	{ PCI_DEVICE(EFA_PCI_VENDOR_ID_AMAZON, EFA_PCI_DEVICE_ID_EFA0) },
	{ PCI_DEVICE(EFA_PCI_VENDOR_ID_AMAZON, EFA_PCI_DEVICE_ID_EFA1) },
	{ PCI_DEVICE(EFA_PCI_VENDOR_ID_AMAZON, EFA_PCI_DEVICE_ID_EFA2) },
	{ PCI_DEVICE(EFA_PCI_VENDOR_ID_AMAZON, EFA_PCI_DEVICE_ID_EFA3) },
	{ }
};
MODULE_DEVICE_TABLE(pci, efa_pci_tbl);

#define EFA_BASE_BARS		(BIT(EFA_REG_BAR) | BIT(EFA_MEM_BAR))

#define EFA_AENQ_GROUPS \
	(BIT(EFA_ADMIN_FATAL_ERROR) | BIT(EFA_ADMIN_WARNING) | \
	 BIT(EFA_ADMIN_NOTIFICATION) | BIT(EFA_ADMIN_KEEP_ALIVE))

/* How long the device may go without a keep-alive, unless it says. */
#define EFA_KEEP_ALIVE_TIMEOUT_MS	6000

/* ---- async events ---------------------------------------------------------- */

static void efa_keep_alive_event(void *data, struct efa_admin_aenq_entry *e)
{
	struct efa_dev *dev = data;

	atomic64_inc(&dev->stats.keep_alive_rcvd);
	/* 0 stands for "none yet" */
	WRITE_ONCE(dev->keep_alive.last, jiffies ?: 1);
}

/* Events of the other groups: nothing to do but say what the device said. */
static void efa_unhandled_event(void *data, struct efa_admin_aenq_entry *e)
{
	struct efa_dev *dev = data;
	u16 group = le16_to_cpu(e->aenq_common_desc.group);
	u16 syndrome = le16_to_cpu(e->aenq_common_desc.syndrom);

	switch (group) {
	case EFA_ADMIN_FATAL_ERROR:
		dev_err_ratelimited(&dev->pdev->dev,
				    "device reports a fatal error, syndrome %#x\n",
				    syndrome);
		break;
	case EFA_ADMIN_WARNING:
		dev_warn_ratelimited(&dev->pdev->dev,
				     "device reports a warning, syndrome %#x\n",
				     syndrome);
		break;
	default:
		dev_info_ratelimited(&dev->pdev->dev,
				     "device event of group %u, syndrome %#x\n",
				     group, syndrome);
		break;
	}
}

static const efa_com_aenq_handler efa_aenq_handlers[EFA_ADMIN_AENQ_GROUPS_NUM] = {
	[EFA_ADMIN_KEEP_ALIVE] = efa_keep_alive_event,
};

/*
 * Says once when keep-alives stop (and once when they come back), after
 * the device has sent its first one: a device that sends none has them off.
 */
static void efa_keep_alive_check(struct work_struct *work)
{
	struct efa_keep_alive *ka = container_of(to_delayed_work(work),
						 struct efa_keep_alive, work);
	struct efa_dev *dev = container_of(ka, struct efa_dev, keep_alive);
	unsigned long last = READ_ONCE(ka->last);

	if (last) {
		unsigned long quiet = jiffies - last;

		if (quiet > ka->timeout && !ka->lost) {
			ka->lost = true;
			ibdev_warn(&dev->ibdev,
				   "no keep-alive from the device for %u ms (limit %u ms)\n",
				   jiffies_to_msecs(quiet),
				   jiffies_to_msecs(ka->timeout));
		} else if (quiet <= ka->timeout && ka->lost) {
			ka->lost = false;
			ibdev_info(&dev->ibdev, "keep-alives from the device resumed\n");
		}
	}
	schedule_delayed_work(&ka->work, max(ka->timeout / 2, 1UL));
}

/* ---- interrupts ------------------------------------------------------------ */

static irqreturn_t efa_mgmnt_intr(int irq, void *data)
{
	struct efa_dev *dev = data;

	efa_com_admin_intr(&dev->edev);
	efa_com_aenq_intr(&dev->edev);
	return IRQ_HANDLED;
}

static irqreturn_t efa_comp_intr(int irq, void *data)
{
	struct efa_eq *eq = data;

	efa_com_eq_intr(&eq->ceq);
	return IRQ_HANDLED;
}

/*
 * A completion event names the CQ by cq_idx; only CQs created with a
 * completion channel are in cqs_xa.  Runs in the EQ's interrupt.
 */
static void efa_eq_event(struct efa_com_eq *ceq, struct efa_admin_eqe *eqe)
{
	struct efa_eq *eq = container_of(ceq, struct efa_eq, ceq);
	u32 type = EFA_GET(&eqe->common, EFA_ADMIN_EQE_EVENT_TYPE);
	u16 cqn = le16_to_cpu(eqe->u.comp_event.cqn);
	struct efa_cq *cq;

	if (type != EFA_ADMIN_EQE_EVENT_TYPE_COMPLETION) {
		ibdev_dbg_ratelimited(&eq->dev->ibdev,
				      "EQ %u: event of unknown type %u\n", ceq->eqn, type);
		return;
	}
	cq = xa_load(&eq->dev->cqs_xa, cqn);
	if (!cq) {
		ibdev_dbg_ratelimited(&eq->dev->ibdev,
				      "EQ %u: completion event for unknown CQ %u\n",
				      ceq->eqn, cqn);
		return;
	}
	if (cq->ibcq.comp_handler)
		cq->ibcq.comp_handler(&cq->ibcq, cq->ibcq.cq_context);
}

static void efa_setup_irq(struct efa_dev *dev, struct efa_irq *irq,
			  u16 vector, irq_handler_t handler, void *data,
			  unsigned int cpu)
{
	irq->handler = handler;
	irq->data = data;
	irq->vector = vector;
	irq->irqn = pci_irq_vector(dev->pdev, vector);
	cpumask_clear(&irq->affinity);
	cpumask_set_cpu(cpu, &irq->affinity);
}

static int efa_request_irq(struct efa_dev *dev, struct efa_irq *irq)
{
	int err;

	err = request_irq(irq->irqn, irq->handler, 0, irq->name, irq->data);
	if (err) {
		dev_err(&dev->pdev->dev, "cannot request interrupt %s: %d\n",
			irq->name, err);
		return err;
	}
	irq_update_affinity_hint(irq->irqn, &irq->affinity);
	irq->requested = true;
	return 0;
}

static void efa_free_irq(struct efa_irq *irq)
{
	if (!irq->requested)
		return;
	irq_update_affinity_hint(irq->irqn, NULL);
	free_irq(irq->irqn, irq->data);
	irq->requested = false;
}

static int efa_request_mgmnt_irq(struct efa_dev *dev)
{
	struct efa_irq *irq = &dev->mgmt_irq;

	snprintf(irq->name, sizeof(irq->name), "efa-mgmnt@pci:%s",
		 pci_name(dev->pdev));
	efa_setup_irq(dev, irq, EFA_MGMNT_MSIX_VEC_IDX, efa_mgmnt_intr, dev,
		      cpumask_first(cpu_online_mask));
	return efa_request_irq(dev, irq);
}

/* One vector for management, one per online CPU for completion EQs. */
static int efa_enable_msix(struct efa_dev *dev)
{
	int avail, want, got;

	avail = pci_msix_vec_count(dev->pdev);
	if (avail < 1) {
		dev_err(&dev->pdev->dev, "device has no MSI-X vectors (%d)\n",
			avail);
		return avail < 0 ? avail : -ENOSPC;
	}
	want = min_t(int, avail, num_online_cpus() + 1);
	got = pci_alloc_irq_vectors(dev->pdev, 1, want, PCI_IRQ_MSIX);
	if (got < 0) {
		dev_err(&dev->pdev->dev, "cannot enable MSI-X: %d\n", got);
		return got;
	}
	dev_dbg(&dev->pdev->dev, "%d of %d MSI-X vectors wanted\n", got, want);
	dev->num_irq_vectors = got;
	return 0;
}

/* ---- completion event queues ---------------------------------------------- */

static u16 efa_eq_depth(const struct efa_com_dev_attr *attr)
{
	/* the command's depth is 16 bits and a power of two */
	if (!attr->max_eq_depth)
		return 0;
	return rounddown_pow_of_two(min_t(u32, attr->max_eq_depth, 1U << 15));
}

/* Ring first, then CREATE_EQ over it, then its interrupt, then arm it. */
static int efa_create_eq(struct efa_dev *dev, struct efa_eq *eq,
			 unsigned int idx)
{
	struct efa_com_create_eq_params params = {};
	u16 vector = EFA_COMP_EQS_VEC_BASE + idx;
	u16 depth = efa_eq_depth(&dev->dev_attr);
	u16 eqn;
	int err;

	eq->dev = dev;
	err = efa_com_eq_ring_alloc(&dev->edev, &eq->ceq, depth);
	if (err)
		return err;

	params.dma_addr = eq->ceq.dma;
	params.depth = depth;
	params.entry_size = sizeof(*eq->ceq.eqes);
	params.msix_vec = vector;
	params.event_bitmask = EFA_ADMIN_CREATE_EQ_CMD_COMPLETION_EVENTS_MASK;
	err = efa_com_create_eq(&dev->edev, &params, &eqn);
	if (err)
		goto err_free_ring;
	efa_com_eq_start(&eq->ceq, eqn, vector, efa_eq_event);

	snprintf(eq->irq.name, sizeof(eq->irq.name), "efa-comp%u@pci:%s",
		 idx, pci_name(dev->pdev));
	efa_setup_irq(dev, &eq->irq, vector, efa_comp_intr, eq,
		      cpumask_local_spread(idx, dev_to_node(&dev->pdev->dev)));
	err = efa_request_irq(dev, &eq->irq);
	if (err)
		goto err_destroy_eq;
	efa_com_eq_arm(&dev->edev, &eq->ceq);
	return 0;

err_destroy_eq:
	efa_com_destroy_eq(&dev->edev, eqn);
err_free_ring:
	efa_com_eq_ring_free(&eq->ceq);
	return err;
}

static void efa_destroy_eq(struct efa_dev *dev, struct efa_eq *eq)
{
	/* no handler may run on the ring once it is freed */
	efa_free_irq(&eq->irq);
	efa_com_destroy_eq(&dev->edev, eq->ceq.eqn);
	efa_com_eq_ring_free(&eq->ceq);
}

static void efa_destroy_eqs(struct efa_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->neqs; i++)
		efa_destroy_eq(dev, &dev->eqs[i]);
	kfree(dev->eqs);
	dev->eqs = NULL;
	dev->neqs = 0;
}

static int efa_create_eqs(struct efa_dev *dev)
{
	unsigned int neqs, i;
	int err;

	neqs = min_t(unsigned int, dev->dev_attr.max_eq,
		     dev->num_irq_vectors - EFA_COMP_EQS_VEC_BASE);
	if (!neqs || !efa_eq_depth(&dev->dev_attr))
		return 0;

	dev->eqs = kcalloc(neqs, sizeof(*dev->eqs), GFP_KERNEL);
	if (!dev->eqs)
		return -ENOMEM;
	for (i = 0; i < neqs; i++) {
		err = efa_create_eq(dev, &dev->eqs[i], i);
		if (err) {
			dev->neqs = i;
			efa_destroy_eqs(dev);
			return err;
		}
	}
	dev->neqs = neqs;
	return 0;
}

/* ---- BARs ------------------------------------------------------------------ */

static int efa_map_bars(struct efa_dev *dev)
{
	struct pci_dev *pdev = dev->pdev;
	int mem_bars = pci_select_bars(pdev, IORESOURCE_MEM);
	int err;

	if ((mem_bars & EFA_BASE_BARS) != EFA_BASE_BARS) {
		dev_err(&pdev->dev, "memory BARs %#x lack the register or LLQ BAR (%#lx)\n",
			mem_bars, EFA_BASE_BARS);
		return -ENODEV;
	}
	err = pci_request_selected_regions(pdev, EFA_BASE_BARS, DRV_MODULE_NAME);
	if (err) {
		dev_err(&pdev->dev, "cannot claim BARs %#lx: %d\n",
			EFA_BASE_BARS, err);
		return err;
	}

	/* registers uncached; the LLQ takes whole descriptors, write-combined */
	dev->edev.reg_bar = ioremap(pci_resource_start(pdev, EFA_REG_BAR),
				    pci_resource_len(pdev, EFA_REG_BAR));
	dev->mem_bar_addr = pci_resource_start(pdev, EFA_MEM_BAR);
	dev->mem_bar_len = pci_resource_len(pdev, EFA_MEM_BAR);
	dev->llq_bar = ioremap_wc(dev->mem_bar_addr, dev->mem_bar_len);
	if (!dev->edev.reg_bar || !dev->llq_bar) {
		dev_err(&pdev->dev, "cannot map the register and LLQ BARs\n");
		err = -ENOMEM;
		goto err_unmap;
	}
	return 0;

err_unmap:
	if (dev->llq_bar)
		iounmap(dev->llq_bar);
	if (dev->edev.reg_bar)
		iounmap(dev->edev.reg_bar);
	pci_release_selected_regions(pdev, EFA_BASE_BARS);
	return err;
}

static void efa_unmap_bars(struct efa_dev *dev)
{
	iounmap(dev->llq_bar);
	iounmap(dev->edev.reg_bar);
	pci_release_selected_regions(dev->pdev, EFA_BASE_BARS);
}

static bool efa_db_bar_is_base(const struct efa_dev *dev)
{
	return dev->dev_attr.db_bar < BITS_PER_LONG &&
	       (BIT(dev->dev_attr.db_bar) & EFA_BASE_BARS);
}

/* The doorbell BAR is named by DEVICE_ATTR; user contexts map its pages. */
static int efa_request_db_bar(struct efa_dev *dev)
{
	struct pci_dev *pdev = dev->pdev;
	u16 bar = dev->dev_attr.db_bar;
	int err;

	if (bar >= PCI_STD_NUM_BARS ||
	    !(pci_select_bars(pdev, IORESOURCE_MEM) & BIT(bar))) {
		dev_err(&pdev->dev, "doorbell BAR %u is not a memory BAR\n", bar);
		return -ENODEV;
	}
	if (!efa_db_bar_is_base(dev)) {
		err = pci_request_selected_regions(pdev, BIT(bar),
						   DRV_MODULE_NAME);
		if (err) {
			dev_err(&pdev->dev, "cannot claim doorbell BAR %u: %d\n",
				bar, err);
			return err;
		}
	}
	dev->db_bar_addr = pci_resource_start(pdev, bar);
	dev->db_bar_len = pci_resource_len(pdev, bar);
	return 0;
}

static void efa_release_db_bar(struct efa_dev *dev)
{
	if (!efa_db_bar_is_base(dev))
		pci_release_selected_regions(dev->pdev,
					     BIT(dev->dev_attr.db_bar));
}

/* ---- device configuration -------------------------------------------------- */

static int efa_device_init(struct efa_dev *dev)
{
	struct pci_dev *pdev = dev->pdev;
	int width, err;

	err = efa_com_dev_reset(&dev->edev, EFA_REGS_RESET_NORMAL);
	if (err)
		return err;
	err = efa_com_validate_version(&dev->edev);
	if (err)
		return err;
	width = efa_com_get_dma_width(&dev->edev);
	if (width < 0)
		return width;
	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(width));
	if (err) {
		dev_err(&pdev->dev, "cannot use %d-bit DMA: %d\n", width, err);
		return err;
	}
	return efa_set_max_dma_segment(&pdev->dev);
}

static void efa_apply_hw_hints(struct efa_dev *dev,
			       const struct efa_com_hw_hints *hints)
{
	efa_com_set_timeouts(&dev->edev, hints->admin_completion_timeout,
			     hints->mmio_read_timeout * USEC_PER_MSEC,
			     hints->poll_interval);
	if (hints->driver_watchdog_timeout)
		dev->keep_alive.timeout =
			msecs_to_jiffies(hints->driver_watchdog_timeout);
}

static int efa_configure_aenq(struct efa_dev *dev)
{
	u32 supported, enabled;
	int err;

	if (!efa_com_feature_supported(&dev->edev, EFA_ADMIN_AENQ_CONFIG)) {
		dev_info(&dev->pdev->dev, "device has no AENQ configuration: no keep-alives\n");
		return 0;
	}
	err = efa_com_get_aenq_config(&dev->edev, &supported, &enabled);
	if (err)
		return err;
	if ((supported & EFA_AENQ_GROUPS) != EFA_AENQ_GROUPS)
		dev_info(&dev->pdev->dev, "device offers AENQ groups %#x of %#lx\n",
			 supported, EFA_AENQ_GROUPS);
	return efa_com_set_aenq_config(&dev->edev, supported & EFA_AENQ_GROUPS);
}

/* The running kernel's version, encoded as LINUX_VERSION_CODE is. */
static u32 efa_kernel_version(void)
{
	unsigned int major = 0, minor = 0, sub = 0;

	if (sscanf(utsname()->release, "%u.%u.%u", &major, &minor, &sub) < 2)
		return 0;
	return (major << 16) | (min(minor, 255U) << 8) | min(sub, 255U);
}

/* Tell the device who drives it; a device that will not hear it is fine. */
static void efa_set_host_info(struct efa_dev *dev)
{
	struct efa_admin_host_info *info;
	struct pci_dev *pdev = dev->pdev;
	dma_addr_t info_dma;
	int err;

	if (!efa_com_feature_supported(&dev->edev, EFA_ADMIN_HOST_INFO))
		return;
	info = dma_alloc_coherent(&pdev->dev, sizeof(*info), &info_dma,
				  GFP_KERNEL);
	if (!info)
		return;

	strscpy((char *)info->os_dist_str, utsname()->release,
		sizeof(info->os_dist_str));
	strscpy((char *)info->kernel_ver_str, utsname()->version,
		sizeof(info->kernel_ver_str));
	info->os_type = cpu_to_le32(EFA_ADMIN_OS_LINUX);
	info->kernel_ver = cpu_to_le32(efa_kernel_version());
	EFA_SET(&info->driver_ver, EFA_ADMIN_HOST_INFO_DRIVER_MAJOR, EFA_DRV_VERSION_MAJOR);
	EFA_SET(&info->driver_ver, EFA_ADMIN_HOST_INFO_DRIVER_MINOR, EFA_DRV_VERSION_MINOR);
	EFA_SET(&info->driver_ver, EFA_ADMIN_HOST_INFO_DRIVER_SUB_MINOR,
		EFA_DRV_VERSION_SUBMINOR);
	EFA_SET(&info->bdf, EFA_ADMIN_HOST_INFO_BUS, pdev->bus->number);
	EFA_SET(&info->bdf, EFA_ADMIN_HOST_INFO_DEVICE, PCI_SLOT(pdev->devfn));
	EFA_SET(&info->bdf, EFA_ADMIN_HOST_INFO_FUNCTION, PCI_FUNC(pdev->devfn));
	EFA_SET(&info->spec_ver, EFA_ADMIN_HOST_INFO_SPEC_MAJOR, EFA_COMMON_SPEC_VERSION_MAJOR);
	EFA_SET(&info->spec_ver, EFA_ADMIN_HOST_INFO_SPEC_MINOR, EFA_COMMON_SPEC_VERSION_MINOR);
	/* built out of tree, and no GPUDirect */
	info->flags = 0;

	err = efa_com_set_host_info(&dev->edev, info_dma, sizeof(*info));
	if (!err)
		dev_dbg(&pdev->dev, "host info sent: kernel %s (%#x), driver %u.%u.%u, spec %u.%u, bdf %#x\n",
			utsname()->release, le32_to_cpu(info->kernel_ver),
			EFA_DRV_VERSION_MAJOR, EFA_DRV_VERSION_MINOR,
			EFA_DRV_VERSION_SUBMINOR, EFA_COMMON_SPEC_VERSION_MAJOR,
			EFA_COMMON_SPEC_VERSION_MINOR, le16_to_cpu(info->bdf));
	dma_free_coherent(&pdev->dev, sizeof(*info), info, info_dma);
}

/* ---- RDMA device ------------------------------------------------------------ */

static const struct ib_device_ops efa_dev_ops = {
	.owner = THIS_MODULE,
	.driver_id = RDMA_DRIVER_EFA,
	.uverbs_abi_ver = EFA_UVERBS_ABI_VERSION,

	.alloc_hw_device_stats = efa_alloc_hw_device_stats,
	.alloc_hw_port_stats = efa_alloc_hw_port_stats,
	.alloc_pd = efa_alloc_pd,
	.alloc_ucontext = efa_alloc_ucontext,
	.create_cq = efa_compat_create_cq,
	.create_qp = efa_create_qp,
	.create_user_ah = efa_create_ah,
	.dealloc_pd = efa_dealloc_pd,
	.dealloc_ucontext = efa_dealloc_ucontext,
	.dereg_mr = efa_dereg_mr,
	.destroy_ah = efa_destroy_ah,
	.destroy_cq = efa_destroy_cq,
	.destroy_qp = efa_destroy_qp,
	.disassociate_ucontext = efa_disassociate_ucontext,
	.get_dev_fw_str = efa_get_dev_fw_str,
	.get_hw_stats = efa_get_hw_stats,
	.get_link_layer = efa_port_link_layer,
	.get_port_immutable = efa_get_port_immutable,
	.mmap = efa_mmap,
	.mmap_free = efa_mmap_free,
	.modify_qp = efa_modify_qp,
	.query_device = efa_query_device,
	.query_gid = efa_query_gid,
	.query_pkey = efa_query_pkey,
	.query_port = efa_query_port,
	.query_qp = efa_query_qp,
	.reg_user_mr = efa_compat_reg_user_mr,
#if EFA_HAVE_DMABUF_MR
	.reg_user_mr_dmabuf = efa_compat_reg_user_mr_dmabuf,
#endif

	INIT_RDMA_OBJ_SIZE(ib_ah, efa_ah, ibah),
	INIT_RDMA_OBJ_SIZE(ib_cq, efa_cq, ibcq),
	INIT_RDMA_OBJ_SIZE(ib_pd, efa_pd, ibpd),
	INIT_RDMA_OBJ_SIZE(ib_qp, efa_qp, ibqp),
	INIT_RDMA_OBJ_SIZE(ib_ucontext, efa_ucontext, ibucontext),
};

/* Learn the device, set it up for verbs and register efa_<n>. */
static int efa_ib_device_add(struct efa_dev *dev)
{
	struct efa_com_hw_hints hints = {};
	struct pci_dev *pdev = dev->pdev;
	int err;

	err = efa_com_query_device(&dev->edev, &dev->dev_attr);
	if (err)
		return err;
	err = efa_request_db_bar(dev);
	if (err)
		return err;

	if (efa_com_feature_supported(&dev->edev, EFA_ADMIN_HW_HINTS)) {
		err = efa_com_get_hw_hints(&dev->edev, &hints);
		if (err)
			goto err_release_db_bar;
		efa_apply_hw_hints(dev, &hints);
	}

	err = efa_configure_aenq(dev);
	if (err)
		goto err_release_db_bar;
	err = efa_create_eqs(dev);
	if (err)
		goto err_release_db_bar;
	efa_set_host_info(dev);

	dev->ibdev.node_type = RDMA_NODE_UNSPECIFIED;
	/*
	 * As upstream: the device's little-endian GUID bytes go into the
	 * big-endian node GUID unchanged, so user space sees them reversed.
	 */
	dev->ibdev.node_guid = (__force __be64)cpu_to_le64(dev->dev_attr.guid);
	dev->ibdev.phys_port_cnt = 1;
	dev->ibdev.num_comp_vectors = dev->neqs ?: 1;
	dev->ibdev.dev.parent = &pdev->dev;
	ib_set_device_ops(&dev->ibdev, &efa_dev_ops);
	dev->ibdev.driver_def = efa_uapi_defs;

	err = ib_register_device(&dev->ibdev, "efa_%d", &pdev->dev);
	if (err) {
		dev_err(&pdev->dev, "cannot register the RDMA device: %d\n", err);
		goto err_destroy_eqs;
	}
	ibdev_info(&dev->ibdev, "IB device registered\n");

	schedule_delayed_work(&dev->keep_alive.work, dev->keep_alive.timeout);
	return 0;

err_destroy_eqs:
	efa_destroy_eqs(dev);
err_release_db_bar:
	efa_release_db_bar(dev);
	return err;
}

static void efa_ib_device_remove(struct efa_dev *dev)
{
	cancel_delayed_work_sync(&dev->keep_alive.work);
	ibdev_info(&dev->ibdev, "unregistering IB device\n");
	/* frees every user object, and with them their device objects */
	ib_unregister_device(&dev->ibdev);
	efa_destroy_eqs(dev);
	efa_release_db_bar(dev);
}

/* ---- PCI device ------------------------------------------------------------- */

/*
 * Stop the device (a reset drops whatever it still holds), then free what
 * the admin queues and interrupts used.
 */
static void efa_hw_teardown(struct efa_dev *dev,
			    enum efa_regs_reset_reason_types reason)
{
	struct efa_com_dev *edev = &dev->edev;

	efa_com_admin_stop(edev);
	efa_com_dev_reset(edev, reason);
	efa_free_irq(&dev->mgmt_irq);
	efa_com_admin_destroy(edev);
	pci_free_irq_vectors(dev->pdev);
	efa_com_readless_destroy(edev);
	efa_unmap_bars(dev);
}

static int efa_probe_device(struct efa_dev *dev)
{
	struct efa_com_dev *edev = &dev->edev;
	int err;

	err = efa_map_bars(dev);
	if (err)
		return err;
	err = efa_com_readless_init(edev);
	if (err)
		goto err_unmap_bars;

	err = efa_device_init(dev);
	if (err) {
		dev_err(&dev->pdev->dev, "device initialisation failed: %d\n",
			err);
		/* a device still busy resetting may do better later */
		if (err == -ETIME)
			err = -EPROBE_DEFER;
		goto err_readless_destroy;
	}

	err = efa_enable_msix(dev);
	if (err)
		goto err_readless_destroy;

	edev->mgmt_msix_vec = EFA_MGMNT_MSIX_VEC_IDX;
	err = efa_com_admin_init(edev, efa_aenq_handlers, efa_unhandled_event,
				 dev);
	if (err)
		goto err_free_vectors;
	err = efa_request_mgmnt_irq(dev);
	if (err)
		goto err_admin_destroy;
	efa_com_set_admin_polling(edev, false);
	return 0;

err_admin_destroy:
	efa_com_dev_reset(edev, EFA_REGS_RESET_INIT_ERR);
	efa_com_admin_destroy(edev);
err_free_vectors:
	pci_free_irq_vectors(dev->pdev);
err_readless_destroy:
	efa_com_readless_destroy(edev);
err_unmap_bars:
	efa_unmap_bars(dev);
	return err;
}

static int efa_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	struct efa_dev *dev;
	int err;

	dev = ib_alloc_device(efa_dev, ibdev);
	if (!dev)
		return -ENOMEM;
	dev->pdev = pdev;
	dev->edev.dmadev = &pdev->dev;
	dev->keep_alive.timeout = msecs_to_jiffies(EFA_KEEP_ALIVE_TIMEOUT_MS);
	xa_init(&dev->cqs_xa);
	INIT_DELAYED_WORK(&dev->keep_alive.work, efa_keep_alive_check);
	pci_set_drvdata(pdev, dev);

	err = pci_enable_device_mem(pdev);
	if (err) {
		dev_err(&pdev->dev, "cannot enable the PCI device: %d\n", err);
		goto err_dealloc;
	}
	pci_set_master(pdev);

	err = efa_probe_device(dev);
	if (err)
		goto err_disable;
	err = efa_ib_device_add(dev);
	if (err)
		goto err_hw_teardown;
	return 0;

err_hw_teardown:
	efa_hw_teardown(dev, EFA_REGS_RESET_INIT_ERR);
err_disable:
	pci_disable_device(pdev);
err_dealloc:
	ib_dealloc_device(&dev->ibdev);
	return err;
}

static void efa_remove(struct pci_dev *pdev)
{
	struct efa_dev *dev = pci_get_drvdata(pdev);

	efa_ib_device_remove(dev);
	efa_hw_teardown(dev, EFA_REGS_RESET_NORMAL);
	pci_disable_device(pdev);
	ib_dealloc_device(&dev->ibdev);
}

/* Quiesce DMA and interrupts for reboot or kexec; nothing is freed. */
static void efa_shutdown(struct pci_dev *pdev)
{
	struct efa_dev *dev = pci_get_drvdata(pdev);

	cancel_delayed_work_sync(&dev->keep_alive.work);
	efa_destroy_eqs(dev);
	efa_com_admin_stop(&dev->edev);
	efa_com_dev_reset(&dev->edev, EFA_REGS_RESET_SHUTDOWN);
	efa_free_irq(&dev->mgmt_irq);
	pci_free_irq_vectors(pdev);
}

static struct pci_driver efa_pci_driver = {
	.name = DRV_MODULE_NAME,
	.id_table = efa_pci_tbl,
	.probe = efa_probe,
	.remove = efa_remove,
	.shutdown = efa_shutdown,
	.dev_groups = efa_pci_groups,
};

module_pci_driver(efa_pci_driver);
