/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkrep - in-kernel API of the replicated objects module.  Every function
 * here is exported with EXPORT_SYMBOL_GPL.
 *
 * Replicated counters: a replica on every possible CPU, on its NUMA node;
 * see <uapi/linux/mkrep.h> for the two placements and what an exact read
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

#endif /* _LINUX_MKREP_H */
