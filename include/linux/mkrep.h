/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkrep - in-kernel API of the replicated objects module.  Every function
 * here is exported with EXPORT_SYMBOL_GPL, or inline on those that are.
 *
 * Replicated counters: a replica on every possible CPU, on its NUMA node;
 * see <uapi/linux/mkrep.h> for the three modes and what an exact read
 * guarantees.  Updates and reads work on the replica of the CPU they run
 * on, in any context but NMI (they disable interrupts for a few
 * instructions).
 */
#ifndef _LINUX_MKREP_H
#define _LINUX_MKREP_H

#include <linux/types.h>
#include <uapi/linux/mkrep.h>

struct mkrep_counter;

struct mkrep_counter *mkrep_counter_create(unsigned int mode, gfp_t gfp);
void mkrep_counter_destroy(struct mkrep_counter *c);
void mkrep_counter_add(struct mkrep_counter *c, s64 delta);
s64 mkrep_counter_read(struct mkrep_counter *c);
s64 mkrep_counter_read_exact(struct mkrep_counter *c);

/**
 * mkrep_counter_get() - take a reference: add one to a counter
 * @c: the counter; %MKREP_COUNTER_SLOPPY is made for references
 *
 * A sloppy counter takes one of the current CPU's spare references, or
 * adds one to the central count where this CPU has none.
 *
 * Context: any but NMI.
 */
static inline void mkrep_counter_get(struct mkrep_counter *c)
{
	mkrep_counter_add(c, 1);
}

/**
 * mkrep_counter_put() - drop a reference: subtract one from a counter
 * @c: the counter
 *
 * A sloppy counter keeps the reference as a spare of the current CPU, or
 * subtracts it from the central count where this CPU holds
 * %MKREP_COUNTER_SPARE_MAX spares already.  A put does not say whether it
 * dropped the last reference: the owner of an object counted so decides
 * that with mkrep_counter_read_exact() once no new reference can be taken
 * (the object unpublished, the getters gone), when the exact read is the
 * exact value.
 *
 * Context: any but NMI.
 */
static inline void mkrep_counter_put(struct mkrep_counter *c)
{
	mkrep_counter_add(c, -1);
}

#endif /* _LINUX_MKREP_H */
