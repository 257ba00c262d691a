/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Types shared by every consumer of the EFA hardware definitions: the kernel
 * module, the userspace provider, the device model and host tests.  All of
 * them get the fixed-width and little-endian types from the kernel's uapi
 * <linux/types.h>, so a field declared __le32 here is __le32 everywhere and
 * sparse can check the kernel's use of it.
 */
#ifndef EFA_HW_TYPES_H
#define EFA_HW_TYPES_H

#include <linux/types.h>

#ifdef __cplusplus
#define EFA_HW_SIZE_CHECK(type, size) \
	static_assert(sizeof(struct type) == (size), #type " size")
#else
#define EFA_HW_SIZE_CHECK(type, size) \
	_Static_assert(sizeof(struct type) == (size), #type " size")
#endif

/* A 64-bit device address split in two little-endian dwords. */
struct efa_common_mem_addr {
	__le32 mem_addr_low;
	__le32 mem_addr_high;
};
EFA_HW_SIZE_CHECK(efa_common_mem_addr, 8);

#define EFA_COMMON_SPEC_VERSION_MAJOR 2
#define EFA_COMMON_SPEC_VERSION_MINOR 0

#endif /* EFA_HW_TYPES_H */
