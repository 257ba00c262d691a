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

/*
 * Fields are read and written by name.  A field NAME is the run of bits
 * NAME_MASK in one member of a device structure (a __u8, __le16, __le32 or
 * __le64), which is given by address:
 *
 *	if (EFA_GET(&cmd->flags, EFA_ADMIN_CREATE_QP_CMD_SQ_VIRT)) ...
 *	EFA_SET(&cmd->flags, EFA_ADMIN_CREATE_QP_CMD_SQ_VIRT, 1);
 *
 * EFA_GET gives the field's value in host order; EFA_SET replaces it and
 * leaves the member's other bits alone.  A member of any other type does
 * not compile.  The kernel's versions are FIELD_GET/FIELD_PREP, which check
 * at build time that the mask fits the member and a constant value fits the
 * mask; elsewhere they are plain shifts, correct for masks up to 64 bits.
 * EFA_HW_FIELD_GET/EFA_HW_FIELD_PREP do the same for a value in a variable
 * (a register read, say).
 */
#ifdef __KERNEL__
#include <linux/bitfield.h>
#include <asm/byteorder.h>

#define EFA_HW_FIELD_GET(mask, val)	FIELD_GET(mask, val)
#define EFA_HW_FIELD_PREP(mask, val)	FIELD_PREP(mask, val)
#define efa_hw_le16_to_cpu(v)		le16_to_cpu(v)
#define efa_hw_le32_to_cpu(v)		le32_to_cpu(v)
#define efa_hw_le64_to_cpu(v)		le64_to_cpu(v)
#define efa_hw_cpu_to_le16(v)		cpu_to_le16(v)
#define efa_hw_cpu_to_le32(v)		cpu_to_le32(v)
#define efa_hw_cpu_to_le64(v)		cpu_to_le64(v)
#else
#include <endian.h>

#define EFA_HW_FIELD_GET(mask, val) \
	(((val) & (mask)) >> __builtin_ctzll(mask))
#define EFA_HW_FIELD_PREP(mask, val) \
	(((__u64)(val) << __builtin_ctzll(mask)) & (mask))
#define efa_hw_le16_to_cpu(v)		le16toh((__u16)(v))
#define efa_hw_le32_to_cpu(v)		le32toh((__u32)(v))
#define efa_hw_le64_to_cpu(v)		le64toh((__u64)(v))
#define efa_hw_cpu_to_le16(v)		((__le16)htole16(v))
#define efa_hw_cpu_to_le32(v)		((__le32)htole32(v))
#define efa_hw_cpu_to_le64(v)		((__le64)htole64(v))
#endif

#ifndef __cplusplus
static inline __u8 efa_hw_load_u8(const __u8 *p) { return *p; }
static inline __u16 efa_hw_load_le16(const __le16 *p) { return efa_hw_le16_to_cpu(*p); }
static inline __u32 efa_hw_load_le32(const __le32 *p) { return efa_hw_le32_to_cpu(*p); }
static inline __u64 efa_hw_load_le64(const __le64 *p) { return efa_hw_le64_to_cpu(*p); }
static inline void efa_hw_store_u8(__u8 *p, __u64 v) { *p = (__u8)v; }
static inline void efa_hw_store_le16(__le16 *p, __u64 v) { *p = efa_hw_cpu_to_le16((__u16)v); }
static inline void efa_hw_store_le32(__le32 *p, __u64 v) { *p = efa_hw_cpu_to_le32((__u32)v); }
static inline void efa_hw_store_le64(__le64 *p, __u64 v) { *p = efa_hw_cpu_to_le64(v); }

#define efa_hw_load(p) _Generic((p),					\
	__u8 *: efa_hw_load_u8, const __u8 *: efa_hw_load_u8,		\
	__le16 *: efa_hw_load_le16, const __le16 *: efa_hw_load_le16,	\
	__le32 *: efa_hw_load_le32, const __le32 *: efa_hw_load_le32,	\
	__le64 *: efa_hw_load_le64, const __le64 *: efa_hw_load_le64)(p)
#define efa_hw_store(p, v) _Generic((p),				\
	__u8 *: efa_hw_store_u8, __le16 *: efa_hw_store_le16,		\
	__le32 *: efa_hw_store_le32, __le64 *: efa_hw_store_le64)(p, v)

#define EFA_GET(p, name) EFA_HW_FIELD_GET(name##_MASK, efa_hw_load(p))
#define EFA_SET(p, name, val)						\
	efa_hw_store(p, (efa_hw_load(p) & ~(__u64)(name##_MASK)) |	\
			EFA_HW_FIELD_PREP(name##_MASK, val))
#endif

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
