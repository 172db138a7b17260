/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mkchan - multikernel-style URPC message channels between CPUs.
 *
 * User ABI of the character device /dev/mkchan.
 *
 * Conventions shared by every ioctl of mkchan and mkrep:
 *
 * - Every argument struct starts with a __u32 @size that the caller sets
 *   to the size of the struct it was compiled with, followed by a __u32
 *   @flags.  A @size below the first published version of the struct, or
 *   above the page size, fails with EINVAL.  A larger @size than the kernel
 *   knows is accepted when the bytes the kernel does not know are zero and
 *   fails with E2BIG otherwise (the rule of copy_struct_from_user()).
 * - On return the kernel writes back at most @size bytes and sets @size to
 *   the size of the struct it knows, so a caller can tell which output
 *   fields were filled.
 * - Unknown bits in @flags and non-zero reserved fields fail with EINVAL.
 *   Reserved fields are zero on output.
 * - Unknown ioctl numbers fail with ENOTTY.
 */
#ifndef _UAPI_LINUX_MKCHAN_H
#define _UAPI_LINUX_MKCHAN_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Version of this ABI; bumped on every incompatible change. */
#define MKCHAN_ABI_VERSION	1

/*
 * The ioctl type shared by mkchan (numbers 0x00-0x3f) and mkrep
 * (numbers 0x40-0x7f).  Unassigned in ioctl-number.rst as of Linux 6.1.
 */
#define MKCHAN_IOC_MAGIC	0xB8

/* Bits of &mkchan_query.features: what this module implements. */
#define MKCHAN_FEAT_QUERY	(1U << 0)	/* MKCHAN_IOC_QUERY */
#define MKCHAN_FEAT_CPU_INFO	(1U << 1)	/* MKCHAN_IOC_CPU_INFO */

/**
 * struct mkchan_query - the module's ABI, limits and the machine it sees
 * @size: in: sizeof(struct mkchan_query) as the caller knows it;
 *	out: the size the kernel knows.
 * @flags: in: must be zero.
 * @abi_version: out: %MKCHAN_ABI_VERSION of the loaded module.
 * @features: out: the %MKCHAN_FEAT_* bits the module implements.
 * @nr_cpu_ids: out: one more than the highest possible CPU number.
 * @nr_possible_cpus: out: number of CPUs in cpu_possible_mask.
 * @nr_online_cpus: out: number of CPUs online at the time of the call.
 * @nr_possible_nodes: out: number of NUMA nodes that can ever be online.
 * @nr_online_nodes: out: number of NUMA nodes online at the time of the call.
 * @cache_line_size: out: the cache line size in bytes the kernel uses for
 *	alignment; one ring slot is one such line.
 * @page_size: out: the page size in bytes, the unit of every mapping.
 * @max_slots: out: the largest number of slots of one ring (module
 *	parameter ``max_slots``).
 * @max_channels_per_user: out: the largest number of channels one user may
 *	hold at once (module parameter ``max_channels_per_user``).
 * @__reserved0: must be zero.
 * @__reserved: must be zero.
 *
 * Argument of %MKCHAN_IOC_QUERY.  Output fields are ignored on input.
 */
struct mkchan_query {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 features;
	__u32 nr_cpu_ids;
	__u32 nr_possible_cpus;
	__u32 nr_online_cpus;
	__u32 nr_possible_nodes;
	__u32 nr_online_nodes;
	__u32 cache_line_size;
	__u32 page_size;
	__u32 max_slots;
	__u32 max_channels_per_user;
	__u32 __reserved0;
	__u64 __reserved[2];
};

#define MKCHAN_QUERY_SIZE_VER0	72	/* sizeof first published struct */

/* Bits of &mkchan_cpu_info.state. */
#define MKCHAN_CPU_POSSIBLE	(1U << 0)
#define MKCHAN_CPU_PRESENT	(1U << 1)
#define MKCHAN_CPU_ONLINE	(1U << 2)

/**
 * struct mkchan_cpu_info - one CPU as the module sees it
 * @size: in: sizeof(struct mkchan_cpu_info) as the caller knows it;
 *	out: the size the kernel knows.
 * @flags: in: must be zero.
 * @cpu: in: the CPU number; must be a possible CPU, else EINVAL.
 * @state: out: %MKCHAN_CPU_POSSIBLE, %MKCHAN_CPU_PRESENT and
 *	%MKCHAN_CPU_ONLINE bits at the time of the call.
 * @node: out: the NUMA node of the CPU (cpu_to_node()); the node its
 *	receive rings are placed on.
 * @package_id: out: physical package (socket) of the CPU.
 * @die_id: out: die of the CPU within its package.
 * @core_id: out: core of the CPU within its die.
 * @__reserved: must be zero.
 *
 * Argument of %MKCHAN_IOC_CPU_INFO.  The topology of an offline CPU is
 * the one it had when it was last online.
 */
struct mkchan_cpu_info {
	__u32 size;
	__u32 flags;
	__u32 cpu;
	__u32 state;
	__u32 node;
	__u32 package_id;
	__u32 die_id;
	__u32 core_id;
	__u64 __reserved[2];
};

#define MKCHAN_CPU_INFO_SIZE_VER0	48	/* sizeof first published struct */

/**
 * define MKCHAN_IOC_QUERY - describe the module and the machine
 *
 * Takes a &struct mkchan_query.  Errors: EFAULT (bad pointer), EINVAL
 * (bad @size, unknown @flags, non-zero reserved field), E2BIG (larger
 * struct with unknown non-zero fields).
 */
#define MKCHAN_IOC_QUERY	_IOWR(MKCHAN_IOC_MAGIC, 0x00, struct mkchan_query)

/**
 * define MKCHAN_IOC_CPU_INFO - describe one CPU
 *
 * Takes a &struct mkchan_cpu_info.  Errors: those of %MKCHAN_IOC_QUERY,
 * and EINVAL when @cpu is not a possible CPU.
 */
#define MKCHAN_IOC_CPU_INFO	_IOWR(MKCHAN_IOC_MAGIC, 0x01, struct mkchan_cpu_info)

#endif /* _UAPI_LINUX_MKCHAN_H */
