/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * EFA BAR layout and BAR0 register file.  Every register is 32 bits wide and
 * little-endian.  Field masks are literal so the header needs no kernel
 * bitfield helpers; users extract fields with their own FIELD_GET or shifts.
 */
#ifndef EFA_HW_REGS_H
#define EFA_HW_REGS_H

#include "efa_hw_types.h"

#define EFA_PCI_VENDOR_ID_AMAZON	0x1d0f
#define EFA_PCI_DEVICE_ID_EFA0		0xefa0
#define EFA_PCI_DEVICE_ID_EFA1		0xefa1
#define EFA_PCI_DEVICE_ID_EFA2		0xefa2
#define EFA_PCI_DEVICE_ID_EFA3		0xefa3

/* BARs every EFA function exposes; the doorbell BAR is named by DEVICE_ATTR. */
#define EFA_REG_BAR			0
#define EFA_MEM_BAR			2

enum efa_regs_reset_reason_types {
	EFA_REGS_RESET_NORMAL			= 0,
	EFA_REGS_RESET_KEEP_ALIVE_TO		= 1,
	EFA_REGS_RESET_ADMIN_TO			= 2,
	EFA_REGS_RESET_INIT_ERR			= 3,
	EFA_REGS_RESET_DRIVER_INVALID_STATE	= 4,
	EFA_REGS_RESET_OS_TRIGGER		= 5,
	EFA_REGS_RESET_SHUTDOWN			= 6,
	EFA_REGS_RESET_USER_TRIGGER		= 7,
	EFA_REGS_RESET_GENERIC			= 8,
};

#define EFA_REGS_VERSION_OFF			0x00
#define EFA_REGS_CONTROLLER_VERSION_OFF		0x04
#define EFA_REGS_CAPS_OFF			0x08
#define EFA_REGS_AQ_BASE_LO_OFF			0x10
#define EFA_REGS_AQ_BASE_HI_OFF			0x14
#define EFA_REGS_AQ_CAPS_OFF			0x18
#define EFA_REGS_ACQ_BASE_LO_OFF		0x20
#define EFA_REGS_ACQ_BASE_HI_OFF		0x24
#define EFA_REGS_ACQ_CAPS_OFF			0x28
#define EFA_REGS_AQ_PROD_DB_OFF			0x2c
#define EFA_REGS_AENQ_CAPS_OFF			0x34
#define EFA_REGS_AENQ_BASE_LO_OFF		0x38
#define EFA_REGS_AENQ_BASE_HI_OFF		0x3c
#define EFA_REGS_AENQ_CONS_DB_OFF		0x40
#define EFA_REGS_INTR_MASK_OFF			0x4c
#define EFA_REGS_DEV_CTL_OFF			0x54
#define EFA_REGS_DEV_STS_OFF			0x58
#define EFA_REGS_MMIO_REG_READ_OFF		0x5c
#define EFA_REGS_MMIO_RESP_LO_OFF		0x60
#define EFA_REGS_MMIO_RESP_HI_OFF		0x64
#define EFA_REGS_EQ_DB_OFF			0x68

#define EFA_REGS_VERSION_MINOR_VERSION_MASK			0x000000ffu
#define EFA_REGS_VERSION_MAJOR_VERSION_MASK			0x0000ff00u

#define EFA_REGS_CONTROLLER_VERSION_SUBMINOR_VERSION_MASK	0x000000ffu
#define EFA_REGS_CONTROLLER_VERSION_MINOR_VERSION_MASK		0x0000ff00u
#define EFA_REGS_CONTROLLER_VERSION_MAJOR_VERSION_MASK		0x00ff0000u
#define EFA_REGS_CONTROLLER_VERSION_IMPL_ID_MASK		0xff000000u

#define EFA_REGS_CAPS_CONTIGUOUS_QUEUE_REQUIRED_MASK		0x00000001u
/* units of 100 ms */
#define EFA_REGS_CAPS_RESET_TIMEOUT_MASK			0x0000003eu
#define EFA_REGS_CAPS_DMA_ADDR_WIDTH_MASK			0x0000ff00u
/* units of 100 ms; 0 means the driver's default */
#define EFA_REGS_CAPS_ADMIN_CMD_TO_MASK				0x000f0000u

#define EFA_REGS_AQ_CAPS_AQ_DEPTH_MASK				0x0000ffffu
#define EFA_REGS_AQ_CAPS_AQ_ENTRY_SIZE_MASK			0xffff0000u

#define EFA_REGS_ACQ_CAPS_ACQ_DEPTH_MASK			0x0000ffffu
#define EFA_REGS_ACQ_CAPS_ACQ_ENTRY_SIZE_MASK			0x00ff0000u
#define EFA_REGS_ACQ_CAPS_ACQ_MSIX_VECTOR_MASK			0xff000000u

#define EFA_REGS_AENQ_CAPS_AENQ_DEPTH_MASK			0x0000ffffu
#define EFA_REGS_AENQ_CAPS_AENQ_ENTRY_SIZE_MASK			0x00ff0000u
#define EFA_REGS_AENQ_CAPS_AENQ_MSIX_VECTOR_MASK		0xff000000u

/* set: admin completion interrupts are masked and the driver polls */
#define EFA_REGS_INTR_MASK_EN_MASK				0x00000001u

#define EFA_REGS_DEV_CTL_DEV_RESET_MASK				0x00000001u
#define EFA_REGS_DEV_CTL_AQ_RESTART_MASK			0x00000002u
#define EFA_REGS_DEV_CTL_RESET_REASON_MASK			0xf0000000u

#define EFA_REGS_DEV_STS_READY_MASK				0x00000001u
#define EFA_REGS_DEV_STS_AQ_RESTART_IN_PROGRESS_MASK		0x00000002u
#define EFA_REGS_DEV_STS_AQ_RESTART_FINISHED_MASK		0x00000004u
#define EFA_REGS_DEV_STS_RESET_IN_PROGRESS_MASK			0x00000008u
#define EFA_REGS_DEV_STS_RESET_FINISHED_MASK			0x00000010u
#define EFA_REGS_DEV_STS_FATAL_ERROR_MASK			0x00000020u

#define EFA_REGS_MMIO_REG_READ_REQ_ID_MASK			0x0000ffffu
#define EFA_REGS_MMIO_REG_READ_REG_OFF_MASK			0xffff0000u

#define EFA_REGS_EQ_DB_EQN_MASK					0x0000ffffu
#define EFA_REGS_EQ_DB_ARM_MASK					0x80000000u

/*
 * What the device writes to the MMIO_RESP address after a write to
 * MMIO_REG_READ: the driver never reads BAR0 directly, it polls req_id here.
 */
struct efa_admin_mmio_req_read_less_resp {
	__le16 req_id;
	__le16 reg_off;
	__le32 reg_val;
};
EFA_HW_SIZE_CHECK(efa_admin_mmio_req_read_less_resp, 8);

#endif /* EFA_HW_REGS_H */
