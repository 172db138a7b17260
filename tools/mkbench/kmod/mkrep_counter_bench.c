// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep_counter_bench - a benchmark-only module for mkrep's counters.
 *
 * /dev/mkrep_counter_bench (root only) times loops of counter operations
 * in kernel context, where a counter is as cheap as kernel code finds it
 * (from user space a system call would hide an update of a few
 * nanoseconds).  Each open makes a counter of each mkrep mode through the
 * in-kernel API, and the two baselines of DESIGN.md: a shared atomic64_t
 * and a percpu_counter.  mkbench counter --backend module loads it and
 * drives one descriptor from a thread on each of several CPUs at once.
 * Built with the selftests; never installed, and no part of mkrep's ABI.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/capability.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/mkrep.h>
#include <linux/module.h>
#include <linux/percpu_counter.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "counter_bench.h"

/**
 * struct cbench - what one open of the device drives
 * @c: an mkrep counter of each mode, indexed by mode
 * @atomic: the shared atomic64_t
 * @percpu: the percpu_counter
 */
struct cbench {
	struct mkrep_counter *c[MKREP_NR_COUNTER_MODES];
	atomic64_t atomic;
	struct percpu_counter percpu;
};

static void cbench_free(struct cbench *b)
{
	unsigned int m;

	percpu_counter_destroy(&b->percpu);
	for (m = 0; m < MKREP_NR_COUNTER_MODES; m++)
		if (!IS_ERR_OR_NULL(b->c[m]))
			mkrep_counter_destroy(b->c[m]);
	kfree(b);
}

static int cbench_open(struct inode *inode, struct file *file)
{
	struct cbench *b;
	unsigned int m;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	atomic64_set(&b->atomic, 0);
	ret = percpu_counter_init(&b->percpu, 0, GFP_KERNEL);
	if (ret) {
		kfree(b);
		return ret;
	}
	for (m = 0; m < MKREP_NR_COUNTER_MODES; m++) {
		b->c[m] = mkrep_counter_create(m, GFP_KERNEL);
		if (IS_ERR(b->c[m])) {
			ret = PTR_ERR(b->c[m]);
			cbench_free(b);
			return ret;
		}
	}
	file->private_data = b;
	return 0;
}

static int cbench_release(struct inode *inode, struct file *file)
{
	cbench_free(file->private_data);
	return 0;
}

/* One loop a case, so that the timed loop holds nothing but the operation. */
#define CBENCH_LOOP(iters, expr, last) ({				\
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

static int cbench_run(struct cbench *b, struct mkrep_counter_bench *a)
{
	struct mkrep_counter *c = NULL;
	s64 last = 0;
	u64 start;
	int ret;

	if (a->impl < MKREP_NR_COUNTER_MODES)
		c = b->c[a->impl];
	start = ktime_get_ns();
	if (c && a->op == MKREP_CBENCH_ADD)
		ret = CBENCH_LOOP(a->iters, (mkrep_counter_add(c, 1), 0), last);
	else if (c && a->op == MKREP_CBENCH_GET_PUT)
		ret = CBENCH_LOOP(a->iters, (mkrep_counter_get(c),
					     mkrep_counter_put(c), 0), last);
	else if (c && a->op == MKREP_CBENCH_READ)
		ret = CBENCH_LOOP(a->iters, mkrep_counter_read(c), last);
	else if (c)
		ret = CBENCH_LOOP(a->iters, mkrep_counter_read_exact(c), last);
	else if (a->impl == MKREP_CBENCH_ATOMIC && a->op == MKREP_CBENCH_ADD)
		ret = CBENCH_LOOP(a->iters, atomic64_inc_return(&b->atomic),
				  last);
	else if (a->impl == MKREP_CBENCH_ATOMIC &&
		 a->op == MKREP_CBENCH_GET_PUT)
		ret = CBENCH_LOOP(a->iters, (last = atomic64_inc_return(&b->atomic),
					     atomic64_dec(&b->atomic), last),
				  last);
	else if (a->impl == MKREP_CBENCH_ATOMIC)
		ret = CBENCH_LOOP(a->iters, atomic64_read(&b->atomic), last);
	else if (a->op == MKREP_CBENCH_ADD)
		ret = CBENCH_LOOP(a->iters, (percpu_counter_inc(&b->percpu), 0),
				  last);
	else if (a->op == MKREP_CBENCH_GET_PUT)
		ret = CBENCH_LOOP(a->iters, (percpu_counter_inc(&b->percpu),
					     percpu_counter_dec(&b->percpu), 0),
				  last);
	else if (a->op == MKREP_CBENCH_READ)
		ret = CBENCH_LOOP(a->iters, percpu_counter_read(&b->percpu),
				  last);
	else
		ret = CBENCH_LOOP(a->iters, percpu_counter_sum(&b->percpu),
				  last);
	a->ns = ktime_get_ns() - start;
	/*
	 * After updates, the value they made, read outside the timed loop;
	 * the atomic's is what its last add or get returned.
	 */
	if (a->op == MKREP_CBENCH_ADD || a->op == MKREP_CBENCH_GET_PUT) {
		if (c)
			last = mkrep_counter_read_exact(c);
		else if (a->impl == MKREP_CBENCH_PERCPU)
			last = percpu_counter_sum(&b->percpu);
	}
	a->result = last;
	return ret;
}

static long cbench_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct mkrep_counter_bench __user *uarg = (void __user *)arg;
	struct mkrep_counter_bench a;
	int ret;

	if (cmd != MKREP_COUNTER_BENCH_RUN)
		return -ENOTTY;
	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.impl >= MKREP_NR_CBENCH_IMPLS || a.op >= MKREP_NR_CBENCH_OPS ||
	    !a.iters || a.iters > MKREP_CBENCH_MAX_ITERS || a.__pad)
		return -EINVAL;
	ret = cbench_run(file->private_data, &a);
	if (ret)
		return ret;
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

static const struct file_operations cbench_fops = {
	.owner		= THIS_MODULE,
	.open		= cbench_open,
	.release	= cbench_release,
	.unlocked_ioctl	= cbench_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice cbench_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "mkrep_counter_bench",
	.fops	= &cbench_fops,
	.mode	= 0600,
};

module_misc_device(cbench_miscdev);

MODULE_DESCRIPTION("Kernel-context loops of mkrep's counters and their baselines, for mkbench");
MODULE_LICENSE("GPL");
