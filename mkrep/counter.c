// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - replicated counters.
 *
 * Each possible CPU has a replica, allocated on its node.  No update ever
 * does an atomic read-modify-write of a line that another CPU writes:
 *
 * - write-mostly: an update adds to its CPU's @own with local64_add() (on
 *   x86 one instruction without a lock prefix, on a line only this CPU
 *   writes).  An exact read gathers every CPU's @own: each replica line is
 *   the one-slot channel through which its CPU publishes its running sum,
 *   and reading it is the message; since counts commute, the newest sum is
 *   all a reader needs, so the slot never fills and its owner never has to
 *   serve a request (a ring of messages and a request/reply round would
 *   cost twice the line transfers for the same answer).
 * - read-mostly: an update pushes its CPU's new running sum into a slot of
 *   every replica (@in[cpu] of each), so a read sums its own replica's
 *   slots, all on its own node, and touches a remote line only when an
 *   update came in.  Its exact read gathers each CPU's own running sum,
 *   like a write-mostly one, so that exact reads never go down from one
 *   CPU to another either (a push reaches the replicas one by one).  The
 *   slots of eight CPUs share a line: updates from those CPUs at once
 *   contend for it, as read-mostly counters expect them to be rare.
 * - sloppy (Boyd-Wickizer et al., OSDI 2010): a shared central count plus
 *   up to MKREP_COUNTER_SPARE_MAX spare references a CPU, counted in the
 *   central count but not held by anybody.  A get takes a spare of its
 *   CPU, a put keeps its reference as a spare; only a CPU without a spare
 *   to give (get) or without room for one more (put) changes the central
 *   count, with one atomic on its line.  The value is the central count
 *   less every CPU's spares; a local read subtracts only its own, so it
 *   is never below the value and above it by the other CPUs' spares at
 *   most.  Each update changes exactly one of the two, with one store, so
 *   that an exact read counts it whole or not at all.
 *
 * - mapped (write-mostly, MKREP_COUNTER_MAP): the replicas are slots in
 *   pages user space maps and updates without a system call
 *   (counter_map.c); only a counter file has one, and only its ioctls,
 *   in process context, reach it.
 *
 * Reads and updates of a replica run with interrupts off, so that a
 * counter can be used from any context but NMI; a mapped counter's with
 * preemption off, which is all that keeps the process's restartable
 * sequences on that CPU out.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/export.h>
#include <linux/mkrep.h>
#include <linux/slab.h>
#include <asm/local64.h>

#include "internal.h"

/* A write-mostly counter whose replicas user space maps: not a uapi mode. */
#define MKREP_COUNTER_MAPPED	MKREP_NR_COUNTER_MODES

/**
 * struct mkrep_counter_replica - one CPU's replica of a counter
 * @own: write-mostly: the sum of this CPU's updates
 * @seen: write-mostly: the total the latest exact read on this CPU found
 * @own_at_seen: write-mostly: @own as that read counted it
 * @reads: write-mostly: exact reads begun on this CPU, their tickets
 * @seen_read: write-mostly: the ticket of the read that set @seen
 * @pushed: read-mostly: the sum of this CPU's updates
 * @in: read-mostly: the sum of each CPU's updates, pushed by that CPU;
 *	its own allocation on this CPU's node, so that pushes do not take
 *	the line of @own away from this CPU
 * @spare: sloppy: the references this CPU holds in reserve, 0 to
 *	%MKREP_COUNTER_SPARE_MAX; written by this CPU only
 */
struct mkrep_counter_replica {
	local64_t own;
	s64 seen;
	s64 own_at_seen;
	local64_t reads;
	u64 seen_read;
	s64 pushed;
	s64 *in;
	s64 spare;
} ____cacheline_aligned_in_smp;

/**
 * struct mkrep_counter - a replicated counter
 * @mode: %MKREP_COUNTER_WRITE_MOSTLY, %MKREP_COUNTER_READ_MOSTLY,
 *	%MKREP_COUNTER_SLOPPY or %MKREP_COUNTER_MAPPED
 * @rep: the replica of each possible CPU; NULL if mapped
 * @map: mapped: the slots, a replica each
 * @central: sloppy: the value plus every CPU's spares; on a line of its
 *	own, so that changing it does not take @mode and @rep away from the
 *	CPUs that only read them
 */
struct mkrep_counter {
	unsigned int mode;
	struct mkrep_counter_replica **rep;
	struct mkrep_counter_map *map;
	atomic64_t central ____cacheline_aligned_in_smp;
};

/**
 * mkrep_counter_free() - free a counter that mkrep_counter_alloc() made
 * @c: the counter, or NULL
 *
 * Context: process context; nobody may use @c any more.
 */
void mkrep_counter_free(struct mkrep_counter *c)
{
	unsigned int cpu;

	if (!c)
		return;
	mkrep_counter_map_free(c->map);
	for_each_possible_cpu(cpu) {
		if (!c->rep || !c->rep[cpu])
			continue;
		kfree(c->rep[cpu]->in);
		kfree(c->rep[cpu]);
	}
	kfree(c->rep);
	kfree(c);
}

/**
 * mkrep_counter_destroy() - free a counter
 * @c: the counter, or NULL
 *
 * Context: process context; nobody may use @c any more.
 */
void mkrep_counter_destroy(struct mkrep_counter *c)
{
	if (!c)
		return;
	mkrep_counter_free(c);
	mkrep_objects_add(MKREP_OBJ_COUNTERS, -1);
}
EXPORT_SYMBOL_GPL(mkrep_counter_destroy);

/**
 * mkrep_counter_alloc() - make a counter at zero, not counted in debugfs
 * @mode: %MKREP_COUNTER_WRITE_MOSTLY, %MKREP_COUNTER_READ_MOSTLY or
 *	%MKREP_COUNTER_SLOPPY
 * @gfp: allocation flags
 *
 * For mkrep's own object counts, which count the counters of others.
 *
 * Context: process context if @gfp may sleep.
 * Return: the counter, ERR_PTR(-EINVAL) for an unknown @mode or
 * ERR_PTR(-ENOMEM).
 */
struct mkrep_counter *mkrep_counter_alloc(unsigned int mode, gfp_t gfp)
{
	struct mkrep_counter_replica *r;
	struct mkrep_counter *c;
	unsigned int cpu;
	int node;

	if (mode >= MKREP_NR_COUNTER_MODES)
		return ERR_PTR(-EINVAL);
	c = kzalloc(sizeof(*c), gfp);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->mode = mode;
	atomic64_set(&c->central, 0);
	c->rep = kcalloc(nr_cpu_ids, sizeof(*c->rep), gfp);
	if (!c->rep)
		goto err;
	for_each_possible_cpu(cpu) {
		node = cpu_to_node(cpu);
		r = kzalloc_node(sizeof(*r), gfp, node);
		if (!r)
			goto err;
		c->rep[cpu] = r;
		local64_set(&r->own, 0);
		local64_set(&r->reads, 0);
		if (mode != MKREP_COUNTER_READ_MOSTLY)
			continue;
		r->in = kcalloc_node(nr_cpu_ids, sizeof(*r->in), gfp, node);
		if (!r->in)
			goto err;
	}
	return c;

err:
	mkrep_counter_free(c);
	return ERR_PTR(-ENOMEM);
}

/**
 * mkrep_counter_create() - make a counter at zero
 * @mode: %MKREP_COUNTER_WRITE_MOSTLY, %MKREP_COUNTER_READ_MOSTLY or
 *	%MKREP_COUNTER_SLOPPY
 * @gfp: allocation flags (GFP_KERNEL, GFP_KERNEL_ACCOUNT, ...)
 *
 * Allocates a replica for every possible CPU on that CPU's node.
 *
 * Context: process context if @gfp may sleep.
 * Return: the counter, ERR_PTR(-EINVAL) for an unknown @mode or
 * ERR_PTR(-ENOMEM).
 */
struct mkrep_counter *mkrep_counter_create(unsigned int mode, gfp_t gfp)
{
	struct mkrep_counter *c = mkrep_counter_alloc(mode, gfp);

	if (!IS_ERR(c))
		mkrep_objects_add(MKREP_OBJ_COUNTERS, 1);
	return c;
}
EXPORT_SYMBOL_GPL(mkrep_counter_create);

/**
 * mkrep_counter_create_mapped() - make a write-mostly counter at zero whose
 *	replicas user space maps
 * @gfp: allocation flags
 *
 * For a counter file of %MKREP_COUNTER_MAP: only its ioctls and the
 * process's restartable sequences update it, never an interrupt.
 *
 * Context: process context if @gfp may sleep.
 * Return: the counter or ERR_PTR(-ENOMEM).
 */
struct mkrep_counter *mkrep_counter_create_mapped(gfp_t gfp)
{
	struct mkrep_counter *c;

	c = kzalloc(sizeof(*c), gfp);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->mode = MKREP_COUNTER_MAPPED;
	c->map = mkrep_counter_map_alloc(gfp);
	if (!c->map) {
		kfree(c);
		return ERR_PTR(-ENOMEM);
	}
	mkrep_objects_add(MKREP_OBJ_COUNTERS, 1);
	return c;
}

/**
 * mkrep_counter_info() - describe a counter for MKREP_IOC_COUNTER_INFO
 * @c: the counter
 * @info: the reply, zeroed but for @size
 */
void mkrep_counter_info(struct mkrep_counter *c,
			struct mkrep_counter_info *info)
{
	if (c->mode != MKREP_COUNTER_MAPPED) {
		info->mode = c->mode;
		return;
	}
	info->mode = MKREP_COUNTER_WRITE_MOSTLY;
	mkrep_counter_map_info(c->map, info);
}

/**
 * mkrep_counter_mmap() - mmap(2) of a counter's file
 * @c: the counter
 * @vma: the new mapping
 *
 * Return: 0, -ENODEV if @c is not mapped, or mkrep_counter_map_mmap()'s
 * error.
 */
int mkrep_counter_mmap(struct mkrep_counter *c, struct vm_area_struct *vma)
{
	if (c->mode != MKREP_COUNTER_MAPPED)
		return -ENODEV;
	return mkrep_counter_map_mmap(c->map, vma);
}

/*
 * A sloppy update: @delta > 0 takes that many references, from this CPU's
 * spares if it has them all, else from the central count; @delta < 0
 * gives them back, to the spares if they fit under the cap, else to the
 * central count.  Never both: one store, so that an exact read counts the
 * update whole or not at all.  A spare count stays in [0, SPARE_MAX], so
 * that the comparisons cannot overflow whatever @delta is.
 */
static void mkrep_counter_sloppy_add(struct mkrep_counter *c,
				     struct mkrep_counter_replica *r, s64 delta)
{
	s64 spare = r->spare;

	if (!delta)
		return;
	if (delta > 0 && delta <= spare)
		WRITE_ONCE(r->spare, spare - delta);
	else if (delta < 0 && delta >= spare - MKREP_COUNTER_SPARE_MAX)
		WRITE_ONCE(r->spare, spare - delta);
	else
		atomic64_add(delta, &c->central);
}

/**
 * mkrep_counter_add() - add to a counter
 * @c: the counter
 * @delta: what to add
 *
 * Write-mostly: changes the current CPU's replica only.  Read-mostly:
 * pushes the current CPU's new sum into every replica before returning.
 * Sloppy: takes @delta of the current CPU's spare references (a put keeps
 * them, up to %MKREP_COUNTER_SPARE_MAX), and changes the central count
 * only where they do not suffice.  Mapped: adds to the current CPU's slot.
 *
 * Context: any but NMI; a mapped counter (only a counter file has one),
 * task context: an interrupt does not restart the process's sequences.
 */
void mkrep_counter_add(struct mkrep_counter *c, s64 delta)
{
	struct mkrep_counter_replica *r;
	unsigned long flags;
	unsigned int cpu, me;
	s64 sum;

	if (c->mode == MKREP_COUNTER_MAPPED) {
		/* No interrupt reaches it: only its file's ioctls do. */
		WARN_ON_ONCE(!in_task());
		mkrep_counter_map_add(c->map, get_cpu(), delta);
		put_cpu();
		return;
	}
	local_irq_save(flags);
	me = smp_processor_id();
	r = c->rep[me];
	if (c->mode == MKREP_COUNTER_WRITE_MOSTLY) {
		local64_add(delta, &r->own);
	} else if (c->mode == MKREP_COUNTER_SLOPPY) {
		mkrep_counter_sloppy_add(c, r, delta);
	} else {
		sum = r->pushed + delta;
		/* Published first: an exact read may count it already. */
		WRITE_ONCE(r->pushed, sum);
		for_each_possible_cpu(cpu)
			WRITE_ONCE(c->rep[cpu]->in[me], sum);
	}
	local_irq_restore(flags);
}
EXPORT_SYMBOL_GPL(mkrep_counter_add);

static s64 mkrep_counter_sum_in(struct mkrep_counter_replica *r)
{
	unsigned int cpu;
	s64 sum = 0;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(r->in[cpu]);
	return sum;
}

/**
 * mkrep_counter_read() - read a counter from the current CPU's replica
 * @c: the counter
 *
 * Write-mostly: the total the last exact read on this CPU found (of reads
 * that overlap, from an interrupt nested in a task's, the one that began
 * last), plus this CPU's updates since: stale by the other CPUs' updates
 * since that read.  Read-mostly: every update that returned before the read.
 * Sloppy: the central count less this CPU's spares, never below the value
 * (which counts every update that returned before the read) and above it
 * by the other CPUs' spares, at most %MKREP_COUNTER_SPARE_MAX each.
 * Mapped: as write-mostly, from the current CPU's slot.
 *
 * Context: any but NMI; a mapped counter, task context.
 * Return: the value.
 */
s64 mkrep_counter_read(struct mkrep_counter *c)
{
	struct mkrep_counter_replica *r;
	unsigned long flags;
	s64 val;

	if (c->mode == MKREP_COUNTER_MAPPED) {
		WARN_ON_ONCE(!in_task());
		val = mkrep_counter_map_read(c->map, get_cpu());
		put_cpu();
		return val;
	}
	local_irq_save(flags);
	r = c->rep[smp_processor_id()];
	if (c->mode == MKREP_COUNTER_WRITE_MOSTLY)
		val = r->seen + local64_read(&r->own) - r->own_at_seen;
	else if (c->mode == MKREP_COUNTER_SLOPPY)
		val = atomic64_read(&c->central) - r->spare;
	else
		val = mkrep_counter_sum_in(r);
	local_irq_restore(flags);
	return val;
}
EXPORT_SYMBOL_GPL(mkrep_counter_read);

/**
 * mkrep_counter_read_exact() - gather a counter from every replica
 * @c: the counter
 *
 * Counts every update that returned before the call; see
 * <uapi/linux/mkrep.h> for the guarantee while updates go on.
 * Reads each CPU's running sum from its replica, once: write-mostly and
 * mapped keep the total in the current CPU's replica for
 * mkrep_counter_read().
 *
 * Context: any but NMI (a mapped counter: task context); it reads one
 * line a possible CPU (write-mostly and mapped: with preemption
 * disabled).
 * Return: the value.
 */
s64 mkrep_counter_read_exact(struct mkrep_counter *c)
{
	struct mkrep_counter_replica *r;
	unsigned int cpu, me;
	unsigned long flags;
	s64 sum = 0, mine = 0, v;
	u64 ticket;

	if (c->mode == MKREP_COUNTER_MAPPED) {
		WARN_ON_ONCE(!in_task());
		sum = mkrep_counter_map_read_exact(c->map, get_cpu());
		put_cpu();
		return sum;
	}
	if (c->mode == MKREP_COUNTER_READ_MOSTLY) {
		/* Each CPU's own running sum, as for write-mostly. */
		for_each_possible_cpu(cpu)
			sum += READ_ONCE(c->rep[cpu]->pushed);
		return sum;
	}
	if (c->mode == MKREP_COUNTER_SLOPPY) {
		/*
		 * The central count first: an update that had returned
		 * before is in it or in its CPU's spares, each loaded after.
		 * Spares only go down by increments, the central count only
		 * up, so exact reads do not go down while the updates are
		 * increments.
		 */
		sum = atomic64_read(&c->central);
		for_each_possible_cpu(cpu)
			sum -= READ_ONCE(c->rep[cpu]->spare);
		return sum;
	}

	me = get_cpu();
	r = c->rep[me];
	/*
	 * An exact read from an interrupt may nest in this one, on this CPU
	 * (preemption is off: reads nest as a stack), and store its total
	 * before we store ours.  Only a read with a later ticket than the
	 * stored one replaces it: a read stores only over one that ended
	 * before it began, whose total it counts at least (with increments),
	 * so local reads never go back.  One that lost to a nested read
	 * returns that read's total, which counts every update that returned
	 * before this call, so that a local read after it is not below it.
	 */
	ticket = local64_inc_return(&r->reads);
	for_each_possible_cpu(cpu) {
		v = local64_read(&c->rep[cpu]->own);
		if (cpu == me)
			mine = v;
		sum += v;
	}
	local_irq_save(flags);
	if (ticket > r->seen_read) {
		r->seen = sum;
		r->own_at_seen = mine;
		r->seen_read = ticket;
	} else {
		sum = r->seen + local64_read(&r->own) - r->own_at_seen;
	}
	local_irq_restore(flags);
	put_cpu();
	return sum;
}
EXPORT_SYMBOL_GPL(mkrep_counter_read_exact);
