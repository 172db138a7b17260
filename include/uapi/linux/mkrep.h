/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mkrep - replicated objects over mkchan channels.
 *
 * User ABI of the character device /dev/mkrep.  The argument conventions
 * (@size, @flags, reserved fields, errors) are those described at the top
 * of <linux/mkchan.h>.
 */
#ifndef _UAPI_LINUX_MKREP_H
#define _UAPI_LINUX_MKREP_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/mkchan.h>

/* Version of this ABI; bumped on every incompatible change. */
#define MKREP_ABI_VERSION	1

/* Bits of &mkrep_query.features: what this module implements. */
#define MKREP_FEAT_QUERY	(1U << 0)	/* MKREP_IOC_QUERY */

/**
 * struct mkrep_query - the module's ABI and the channel layer below it
 * @size: in: sizeof(struct mkrep_query) as the caller knows it;
 *	out: the size the kernel knows.
 * @flags: in: must be zero.
 * @abi_version: out: %MKREP_ABI_VERSION of the loaded module.
 * @features: out: the %MKREP_FEAT_* bits the module implements.
 * @mkchan_abi_version: out: %MKCHAN_ABI_VERSION of the mkchan module that
 *	mkrep is bound to, as that module reports it.
 * @nr_online_cpus: out: CPUs online at the time of the call, as mkchan
 *	reports them: the cores a replica can live on.
 * @__reserved: must be zero.
 *
 * Argument of %MKREP_IOC_QUERY.  Output fields are ignored on input.
 */
struct mkrep_query {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 features;
	__u32 mkchan_abi_version;
	__u32 nr_online_cpus;
	__u64 __reserved[2];
};

#define MKREP_QUERY_SIZE_VER0	40	/* sizeof first published struct */

/**
 * define MKREP_IOC_QUERY - describe the module
 *
 * Takes a &struct mkrep_query.  Errors: EFAULT (bad pointer), EINVAL
 * (bad @size, unknown @flags, non-zero reserved field), E2BIG (larger
 * struct with unknown non-zero fields).
 */
#define MKREP_IOC_QUERY		_IOWR(MKCHAN_IOC_MAGIC, 0x40, struct mkrep_query)

#endif /* _UAPI_LINUX_MKREP_H */
