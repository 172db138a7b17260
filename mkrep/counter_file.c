// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - the counter file: a replicated counter handed to user space as
 * an anonymous-inode descriptor, and its ioctls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mkernel_uapi.h>
#include <linux/mkrep.h>
#include <linux/percpu_counter.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

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
