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
 *
 * Reads and updates of a replica run with interrupts off, so that a
 * counter can be used from any context but NMI.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mkernel_uapi.h>
#include <linux/mkrep.h>
#include <linux/percpu_counter.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <asm/local64.h>

#include "internal.h"

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
 */
struct mkrep_counter_replica {
	local64_t own;
	s64 seen;
	s64 own_at_seen;
	local64_t reads;
	u64 seen_read;
	s64 pushed;
	s64 *in;
} ____cacheline_aligned_in_smp;

/**
 * struct mkrep_counter - a replicated counter
 * @mode: %MKREP_COUNTER_WRITE_MOSTLY or %MKREP_COUNTER_READ_MOSTLY
 * @rep: the replica of each possible CPU
 */
struct mkrep_counter {
	unsigned int mode;
	struct mkrep_counter_replica **rep;
};

/**
 * mkrep_counter_destroy() - free a counter
 * @c: the counter, or NULL
 *
 * Context: process context; nobody may use @c any more.
 */
void mkrep_counter_destroy(struct mkrep_counter *c)
{
	unsigned int cpu;

	if (!c)
		return;
	for_each_possible_cpu(cpu) {
		if (!c->rep || !c->rep[cpu])
			continue;
		kfree(c->rep[cpu]->in);
		kfree(c->rep[cpu]);
	}
	kfree(c->rep);
	kfree(c);
	mkrep_objects_add(MKREP_OBJ_COUNTERS, -1);
}
EXPORT_SYMBOL_GPL(mkrep_counter_destroy);

/**
 * mkrep_counter_create() - make a counter at zero
 * @mode: %MKREP_COUNTER_WRITE_MOSTLY or %MKREP_COUNTER_READ_MOSTLY
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
	struct mkrep_counter_replica *r;
	struct mkrep_counter *c;
	unsigned int cpu;
	int node;

	if (mode >= MKREP_NR_COUNTER_MODES)
		return ERR_PTR(-EINVAL);
	c = kzalloc(sizeof(*c), gfp);
	if (!c)
		return ERR_PTR(-ENOMEM);
	mkrep_objects_add(MKREP_OBJ_COUNTERS, 1);
	c->mode = mode;
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
	mkrep_counter_destroy(c);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_GPL(mkrep_counter_create);

/**
 * mkrep_counter_add() - add to a counter
 * @c: the counter
 * @delta: what to add
 *
 * Write-mostly: changes the current CPU's replica only.  Read-mostly:
 * pushes the current CPU's new sum into every replica before returning.
 *
 * Context: any but NMI.
 */
void mkrep_counter_add(struct mkrep_counter *c, s64 delta)
{
	struct mkrep_counter_replica *r;
	unsigned long flags;
	unsigned int cpu, me;
	s64 sum;

	local_irq_save(flags);
	me = smp_processor_id();
	r = c->rep[me];
	if (c->mode == MKREP_COUNTER_WRITE_MOSTLY) {
		local64_add(delta, &r->own);
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
 *
 * Context: any but NMI.
 * Return: the value.
 */
s64 mkrep_counter_read(struct mkrep_counter *c)
{
	struct mkrep_counter_replica *r;
	unsigned long flags;
	s64 val;

	local_irq_save(flags);
	r = c->rep[smp_processor_id()];
	if (c->mode == MKREP_COUNTER_WRITE_MOSTLY)
		val = r->seen + local64_read(&r->own) - r->own_at_seen;
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
 * Reads each CPU's running sum from its replica, once: write-mostly keeps
 * the total in the current CPU's replica for mkrep_counter_read().
 *
 * Context: any but NMI; it reads one line a possible CPU (write-mostly:
 * with preemption disabled).
 * Return: the value.
 */
s64 mkrep_counter_read_exact(struct mkrep_counter *c)
{
	struct mkrep_counter_replica *r;
	unsigned int cpu, me;
	unsigned long flags;
	s64 sum = 0, mine = 0, v;
	u64 ticket;

	if (c->mode == MKREP_COUNTER_READ_MOSTLY) {
		/* Each CPU's own running sum, as for write-mostly. */
		for_each_possible_cpu(cpu)
			sum += READ_ONCE(c->rep[cpu]->pushed);
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

/* --- the counter file ---------------------------------------------------- */

/**
 * struct mkrep_counter_file - a counter handed to user space
 * @counter: the counter
 * @atomic: a shared atomic counter: a baseline for MKREP_IOC_COUNTER_BENCH
 * @percpu: the kernel's percpu_counter: the other baseline
 */
struct mkrep_counter_file {
	struct mkrep_counter *counter;
	atomic64_t atomic;
	struct percpu_counter percpu;
};

static long mkrep_counter_ioctl_add(struct mkrep_counter_file *f,
				    void __user *arg)
{
	struct mkrep_counter_add a;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&a, sizeof(a), MKREP_COUNTER_ADD_SIZE_VER0,
				arg, &usize);
	if (ret)
		return ret;
	if (a.flags || a.__reserved[0] || a.__reserved[1])
		return -EINVAL;
	/*
	 * An input-only command, frozen so in version 1: nothing is written
	 * back, not even @size, so that a const argument in read-only memory
	 * works and threads sharing one argument do not bounce its line.
	 */
	mkrep_counter_add(f->counter, a.delta);
	return 0;
}

static long mkrep_counter_ioctl_read(struct mkrep_counter_file *f,
				     void __user *arg)
{
	struct mkrep_counter_read rd;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&rd, sizeof(rd), MKREP_COUNTER_READ_SIZE_VER0,
				arg, &usize);
	if (ret)
		return ret;
	if ((rd.flags & ~MKREP_COUNTER_EXACT) || rd.__pad ||
	    rd.__reserved[0] || rd.__reserved[1])
		return -EINVAL;
	/* The CPU is a hint: the thread may move right after. */
	rd.cpu = raw_smp_processor_id();
	if (rd.flags & MKREP_COUNTER_EXACT)
		rd.value = mkrep_counter_read_exact(f->counter);
	else
		rd.value = mkrep_counter_read(f->counter);
	return mk_copy_struct_out(arg, &rd, sizeof(rd), usize);
}

/* One loop a case, so that the timed loop holds nothing but the operation. */
#define MKREP_BENCH_LOOP(iters, expr, last) ({				\
	u32 __i;							\
	int __ret = 0;							\
	for (__i = 0; __i < (iters); __i++) {				\
		(last) = (expr);					\
		if ((__i & 1023) == 1023) {				\
			if (signal_pending(current)) {			\
				__ret = -EINTR;				\
				break;					\
			}						\
			cond_resched();					\
		}							\
	}								\
	__ret;								\
})

static long mkrep_counter_run_bench(struct mkrep_counter_file *f,
				    struct mkrep_counter_bench *b)
{
	struct mkrep_counter *c = f->counter;
	s64 last = 0;
	u64 start;
	int ret;

	start = ktime_get_ns();
	switch (b->impl * MKREP_NR_BENCH_OPS + b->op) {
	case MKREP_BENCH_REPLICATED * MKREP_NR_BENCH_OPS + MKREP_BENCH_ADD:
		ret = MKREP_BENCH_LOOP(b->iters, (mkrep_counter_add(c, 1), 0), last);
		break;
	case MKREP_BENCH_REPLICATED * MKREP_NR_BENCH_OPS + MKREP_BENCH_READ:
		ret = MKREP_BENCH_LOOP(b->iters, mkrep_counter_read(c), last);
		break;
	case MKREP_BENCH_REPLICATED * MKREP_NR_BENCH_OPS + MKREP_BENCH_READ_EXACT:
		ret = MKREP_BENCH_LOOP(b->iters, mkrep_counter_read_exact(c), last);
		break;
	case MKREP_BENCH_ATOMIC * MKREP_NR_BENCH_OPS + MKREP_BENCH_ADD:
		ret = MKREP_BENCH_LOOP(b->iters, atomic64_inc_return(&f->atomic),
				       last);
		break;
	case MKREP_BENCH_ATOMIC * MKREP_NR_BENCH_OPS + MKREP_BENCH_READ:
	case MKREP_BENCH_ATOMIC * MKREP_NR_BENCH_OPS + MKREP_BENCH_READ_EXACT:
		ret = MKREP_BENCH_LOOP(b->iters, atomic64_read(&f->atomic), last);
		break;
	case MKREP_BENCH_PERCPU * MKREP_NR_BENCH_OPS + MKREP_BENCH_ADD:
		ret = MKREP_BENCH_LOOP(b->iters, (percpu_counter_inc(&f->percpu), 0),
				       last);
		break;
	case MKREP_BENCH_PERCPU * MKREP_NR_BENCH_OPS + MKREP_BENCH_READ:
		ret = MKREP_BENCH_LOOP(b->iters, percpu_counter_read(&f->percpu),
				       last);
		break;
	default:	/* MKREP_BENCH_PERCPU, MKREP_BENCH_READ_EXACT */
		ret = MKREP_BENCH_LOOP(b->iters, percpu_counter_sum(&f->percpu),
				       last);
		break;
	}
	b->ns = ktime_get_ns() - start;
	/* After adds, the value they made, read outside the timed loop. */
	if (b->op == MKREP_BENCH_ADD && b->impl == MKREP_BENCH_REPLICATED)
		last = mkrep_counter_read_exact(c);
	else if (b->op == MKREP_BENCH_ADD && b->impl == MKREP_BENCH_PERCPU)
		last = percpu_counter_sum(&f->percpu);
	b->result = last;
	return ret;
}

static long mkrep_counter_ioctl_bench(struct mkrep_counter_file *f,
				      void __user *arg)
{
	struct mkrep_counter_bench b;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&b, sizeof(b), MKREP_COUNTER_BENCH_SIZE_VER0,
				arg, &usize);
	if (ret)
		return ret;
	if (b.flags || b.__pad || b.__reserved[0] || b.__reserved[1] ||
	    b.impl >= MKREP_NR_BENCH_IMPLS || b.op >= MKREP_NR_BENCH_OPS ||
	    !b.iters || b.iters > 1U << 24)
		return -EINVAL;
	ret = mkrep_counter_run_bench(f, &b);
	if (ret)
		return ret;
	return mk_copy_struct_out(arg, &b, sizeof(b), usize);
}

static long mkrep_counter_fop_ioctl(struct file *file, unsigned int cmd,
				    unsigned long arg)
{
	struct mkrep_counter_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (MK_IOC_KEY(cmd)) {
	case MK_IOC_KEY(MKREP_IOC_COUNTER_ADD):
		return mkrep_counter_ioctl_add(f, uarg);
	case MK_IOC_KEY(MKREP_IOC_COUNTER_READ):
		return mkrep_counter_ioctl_read(f, uarg);
	case MK_IOC_KEY(MKREP_IOC_COUNTER_BENCH):
		return mkrep_counter_ioctl_bench(f, uarg);
	default:
		return -ENOTTY;
	}
}

static void mkrep_counter_file_free(struct mkrep_counter_file *f)
{
	percpu_counter_destroy(&f->percpu);
	mkrep_counter_destroy(f->counter);
	kfree(f);
}

static int mkrep_counter_release(struct inode *inode, struct file *file)
{
	mkrep_counter_file_free(file->private_data);
	return 0;
}

static const struct file_operations mkrep_counter_fops = {
	.owner		= THIS_MODULE,
	.release	= mkrep_counter_release,
	.unlocked_ioctl	= mkrep_counter_fop_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

long mkrep_counter_create_fd(void __user *arg)
{
	struct mkrep_counter_create cr;
	struct mkrep_counter_file *f;
	bool released;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&cr, sizeof(cr), MKREP_COUNTER_CREATE_SIZE_VER0,
				arg, &usize);
	if (ret)
		return ret;
	if ((cr.flags & ~MKREP_COUNTER_CLOEXEC) ||
	    cr.__reserved[0] || cr.__reserved[1] ||
	    cr.mode >= MKREP_NR_COUNTER_MODES)
		return -EINVAL;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	f->counter = mkrep_counter_create(cr.mode, GFP_KERNEL_ACCOUNT);
	if (IS_ERR(f->counter)) {
		ret = PTR_ERR(f->counter);
		kfree(f);
		return ret;
	}
	atomic64_set(&f->atomic, 0);
	ret = percpu_counter_init(&f->percpu, 0, GFP_KERNEL_ACCOUNT);
	if (ret) {
		mkrep_counter_destroy(f->counter);
		kfree(f);
		return ret;
	}

	ret = mkrep_new_fd("[mkrep-counter]", &mkrep_counter_fops, f,
			   cr.flags & MKREP_COUNTER_CLOEXEC, arg, &cr, sizeof(cr),
			   usize, &cr.fd, NULL, &released);
	if (ret && !released)
		mkrep_counter_file_free(f);
	return ret;
}
