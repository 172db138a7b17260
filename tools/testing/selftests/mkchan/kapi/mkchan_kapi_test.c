// SPDX-License-Identifier: GPL-2.0
/*
 * mkchan_kapi_test - a test-only module for mkchan's in-kernel API.
 *
 * /dev/mkchan_kapi_test (root only) answers three ioctls: one runs checks
 * on a channel with both endpoints in the kernel and returns the first
 * failure's errno; one hands the caller one endpoint of a channel whose
 * other endpoint is served by a kernel thread that echoes every message;
 * one drives a replicated counter of mkrep's in-kernel API from kernel
 * threads on every CPU.  Built for the selftests only; never installed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/mkchan.h>
#include <linux/mkrep.h>
#include <linux/module.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kapi_test.h"

static bool kapi_failed(bool failed, int line, const char *what)
{
	if (failed)
		pr_info("check failed at line %d: %s\n", line, what);
	return failed;
}

/* Whether @cond is false, saying so in the kernel log. */
#define FAILED(cond)	kapi_failed(!(cond), __LINE__, #cond)

/* Whether mkchan_wait() returned @ev among the ready events. */
static bool kapi_ready(long r, __poll_t ev)
{
	return r > 0 && ((__force __poll_t)r & ev);
}

/* Both endpoints in the kernel: send, receive, wait, close. */
static long kapi_self_test(void)
{
	struct mkchan_endpoint *a, *b;
	u8 buf[MKCHAN_PAYLOAD_MAX];
	unsigned int type, len, i;
	bool bad = false;
	u64 v;
	long ret;

	ret = mkchan_channel_create(0, 0, 64, &a, &b);
	if (ret)
		return ret;
	if (FAILED(mkchan_endpoint_cpu(a) == 0) ||
	    FAILED(mkchan_try_recv(b, &type, buf, &len) == -EAGAIN) ||
	    FAILED(mkchan_wait(b, EPOLLIN, 1) == 0) ||	/* times out */
	    FAILED(mkchan_wait(b, EPOLLIN | EPOLLOUT, 1) == -EINVAL) ||
	    FAILED(mkchan_send(a, 1, buf, MKCHAN_PAYLOAD_MAX + 1) == -EINVAL) ||
	    FAILED(mkchan_send(a, 256, buf, 1) == -EINVAL))
		goto fail;

	/* Several laps, every message checked. */
	for (i = 0; i < 1000 && !bad; i++) {
		v = i;
		bad = FAILED(!mkchan_send(a, i & 0xff, &v, sizeof(v))) ||
		      FAILED(kapi_ready(mkchan_wait(b, EPOLLIN, HZ), EPOLLIN)) ||
		      FAILED(!mkchan_try_recv(b, &type, buf, &len)) ||
		      FAILED(type == (i & 0xff) && len == sizeof(v) &&
			     !memcmp(buf, &v, sizeof(v)));
	}
	/* A full ring, then room again. */
	for (i = 0; i < 64 && !bad; i++)
		bad = FAILED(!mkchan_send(b, 0, buf, 8));
	if (bad || FAILED(mkchan_send(b, 0, buf, 8) == -EAGAIN) ||
	    FAILED(mkchan_wait(b, EPOLLOUT, 1) == 0))
		goto fail;
	/* One taken is room for one at once, as with a pipe. */
	if (FAILED(!mkchan_try_recv(a, &type, buf, &len)) ||
	    FAILED(!mkchan_send(b, 0, buf, 8)) ||
	    FAILED(mkchan_send(b, 0, buf, 8) == -EAGAIN))
		goto fail;
	for (i = 0; i < 64 && !bad; i++)
		bad = FAILED(!mkchan_try_recv(a, &type, buf, &len));
	if (bad || FAILED(kapi_ready(mkchan_wait(b, EPOLLOUT, HZ), EPOLLOUT)))
		goto fail;

	/* Close: the peer drains, then -EPIPE, and sends fail. */
	if (FAILED(!mkchan_send(a, 9, buf, 3)))
		goto fail;
	mkchan_endpoint_close(a);
	a = NULL;
	if (FAILED(!mkchan_try_recv(b, &type, buf, &len) && type == 9) ||
	    FAILED(mkchan_try_recv(b, &type, buf, &len) == -EPIPE) ||
	    FAILED(mkchan_send(b, 0, buf, 1) == -EPIPE) ||
	    FAILED(kapi_ready(mkchan_wait(b, EPOLLIN, HZ), EPOLLHUP)))
		goto fail;
	mkchan_endpoint_close(b);
	return 0;
fail:
	if (a)
		mkchan_endpoint_close(a);
	mkchan_endpoint_close(b);
	return -EPROTO;
}

/* Echo every message back until the peer closes. */
static int kapi_echo(void *arg)
{
	struct mkchan_endpoint *ep = arg;
	u8 buf[MKCHAN_PAYLOAD_MAX];
	unsigned int type, len;
	long ret;

	for (;;) {
		ret = mkchan_try_recv(ep, &type, buf, &len);
		if (ret == -EAGAIN) {
			ret = mkchan_wait(ep, EPOLLIN, MAX_SCHEDULE_TIMEOUT);
			if (ret < 0 || kapi_ready(ret, EPOLLERR))
				break;
			continue;
		}
		if (ret)
			break;		/* -EPIPE: the peer closed */
		while ((ret = mkchan_send(ep, type, buf, len)) == -EAGAIN) {
			ret = mkchan_wait(ep, EPOLLOUT, MAX_SCHEDULE_TIMEOUT);
			if (ret < 0 || kapi_ready(ret, EPOLLERR | EPOLLHUP))
				goto out;
		}
		if (ret)
			break;
	}
out:
	mkchan_endpoint_close(ep);
	module_put_and_kthread_exit(0);
}

static long kapi_echo_start(struct mkchan_kapi_echo __user *uarg)
{
	struct mkchan_endpoint *kep, *uep;
	struct mkchan_kapi_echo e;
	struct task_struct *t;
	long ret;

	if (copy_from_user(&e, uarg, sizeof(e)))
		return -EFAULT;
	ret = mkchan_channel_create(e.cpu_kernel, e.cpu_user, e.nslots, &kep,
				    &uep);
	if (ret)
		return ret;
	t = kthread_create(kapi_echo, kep, "mkchan_echo/%u", e.cpu_kernel);
	if (IS_ERR(t)) {
		ret = PTR_ERR(t);
		goto fail;
	}
	kthread_bind(t, e.cpu_kernel);
	e.fd = mkchan_endpoint_install_fd(uep, O_CLOEXEC);
	if (e.fd < 0) {
		ret = e.fd;
		kthread_stop(t);	/* never woken: kapi_echo() does not run */
		goto fail;
	}
	/* The thread holds the module until it exits. */
	__module_get(THIS_MODULE);
	wake_up_process(t);
	if (copy_to_user(uarg, &e, sizeof(e)))
		return -EFAULT;		/* the descriptor stays installed */
	return 0;
fail:
	mkchan_endpoint_close(kep);
	mkchan_endpoint_close(uep);
	return ret;
}

#define KAPI_COUNTER_ADDS	20000

struct kapi_counter_run {
	struct mkrep_counter *c;
	atomic_t left;
	struct completion done;
};

static int kapi_counter_adder(void *arg)
{
	struct kapi_counter_run *run = arg;
	unsigned int i;

	for (i = 0; i < KAPI_COUNTER_ADDS; i++) {
		mkrep_counter_add(run->c, 1);
		if (!(i & 255))
			cond_resched();
	}
	if (atomic_dec_and_test(&run->left))
		complete(&run->done);
	/* Until the ioctl stops us: it holds a reference on this task. */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/*
 * An adder thread on every online CPU while this thread reads exactly
 * again and again: the reads never go down nor past the total, and the
 * last is the total.
 */
static long kapi_counter_test(unsigned long mode)
{
	struct task_struct **threads;
	struct kapi_counter_run run;
	unsigned int cpu, n = 0;
	s64 total, prev = 0, v;
	long ret = 0;

	run.c = mkrep_counter_create(mode, GFP_KERNEL);
	if (IS_ERR(run.c))
		return PTR_ERR(run.c);
	threads = kcalloc(nr_cpu_ids, sizeof(*threads), GFP_KERNEL);
	if (!threads) {
		mkrep_counter_destroy(run.c);
		return -ENOMEM;
	}
	init_completion(&run.done);
	cpus_read_lock();
	atomic_set(&run.left, num_online_cpus());
	for_each_online_cpu(cpu) {
		threads[cpu] = kthread_create(kapi_counter_adder, &run,
					      "mkrep_adder/%u", cpu);
		if (IS_ERR(threads[cpu])) {
			ret = PTR_ERR(threads[cpu]);
			threads[cpu] = NULL;
			/* The threads not made count as done. */
			if (atomic_sub_and_test(num_online_cpus() - n, &run.left))
				complete(&run.done);
			break;
		}
		get_task_struct(threads[cpu]);
		kthread_bind(threads[cpu], cpu);
		n++;
	}
	total = (s64)n * KAPI_COUNTER_ADDS;
	for_each_online_cpu(cpu)
		if (threads[cpu])
			wake_up_process(threads[cpu]);
	cpus_read_unlock();

	while (!ret && !completion_done(&run.done)) {
		v = mkrep_counter_read_exact(run.c);
		if (FAILED(v >= prev && v <= total))
			ret = -EPROTO;
		prev = v;
		cond_resched();
	}
	wait_for_completion(&run.done);
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		if (!threads[cpu])
			continue;
		kthread_stop(threads[cpu]);
		put_task_struct(threads[cpu]);
	}
	if (!ret && FAILED(mkrep_counter_read_exact(run.c) == total))
		ret = -EPROTO;
	/* Every replica agrees once the exact read ran here. */
	if (!ret && FAILED(mkrep_counter_read(run.c) == total))
		ret = -EPROTO;
	kfree(threads);
	mkrep_counter_destroy(run.c);
	return ret;
}

#define KAPI_NEST_MS		500

/*
 * The timer's period: 50 us, and 1 us more for each possible CPU, whose
 * line every exact read in the interrupt loads under constant writes.
 */
static u64 kapi_nest_period_ns(void)
{
	return 50000 + 1000ULL * num_possible_cpus();
}

struct kapi_nest_run {
	struct hrtimer timer;
	struct mkrep_counter *c;
	bool in_exact;		/* the thread is in an exact read */
	s64 irq_last;		/* the interrupt's last local read */
	struct mkchan_kapi_nest out;
};

static enum hrtimer_restart kapi_nest_timer(struct hrtimer *t)
{
	struct kapi_nest_run *run = container_of(t, struct kapi_nest_run,
						 timer);

	if (READ_ONCE(run->in_exact))
		run->out.nested++;
	mkrep_counter_read_exact(run->c);
	WRITE_ONCE(run->irq_last, mkrep_counter_read(run->c));
	run->out.irq_reads++;
	hrtimer_forward_now(t, ns_to_ktime(kapi_nest_period_ns()));
	return HRTIMER_RESTART;
}

static int kapi_nest_adder(void *arg)
{
	struct mkrep_counter *c = arg;
	unsigned int i = 0;

	while (!kthread_should_stop()) {
		mkrep_counter_add(c, 1);
		if (!(++i & 255))
			cond_resched();
	}
	return 0;
}

/*
 * Exact reads from a timer interrupt nested in this thread's exact reads
 * on one CPU, adders on every other: a local read of the thread never
 * goes below the interrupt's last one (the counter only grows).
 */
static long kapi_counter_nested(void __user *arg)
{
	struct task_struct **threads;
	struct kapi_nest_run *run;
	unsigned int cpu, me;
	unsigned long flags, end;
	long ret = 0;
	s64 v, w;

	run = kzalloc(sizeof(*run), GFP_KERNEL);
	threads = kcalloc(nr_cpu_ids, sizeof(*threads), GFP_KERNEL);
	if (!run || !threads) {
		ret = -ENOMEM;
		goto out_free;
	}
	run->c = mkrep_counter_create(MKREP_COUNTER_WRITE_MOSTLY, GFP_KERNEL);
	if (IS_ERR(run->c)) {
		ret = PTR_ERR(run->c);
		goto out_free;
	}
	/*
	 * No CPU goes away during the run (the lock first: a task pinned by
	 * migrate_disable() would hold up a hotplug that holds the lock).
	 */
	cpus_read_lock();
	migrate_disable();
	me = smp_processor_id();
	for_each_online_cpu(cpu) {
		if (cpu == me)
			continue;
		threads[cpu] = kthread_create(kapi_nest_adder, run->c,
					      "mkrep_nest/%u", cpu);
		if (IS_ERR(threads[cpu])) {
			ret = PTR_ERR(threads[cpu]);
			threads[cpu] = NULL;
			break;
		}
		get_task_struct(threads[cpu]);
		kthread_bind(threads[cpu], cpu);
		wake_up_process(threads[cpu]);
	}

	/* In hard interrupt context on PREEMPT_RT too. */
	hrtimer_init(&run->timer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_REL_PINNED_HARD);
	run->timer.function = kapi_nest_timer;
	if (!ret)
		hrtimer_start(&run->timer, ns_to_ktime(kapi_nest_period_ns()),
			      HRTIMER_MODE_REL_PINNED_HARD);
	end = jiffies + msecs_to_jiffies(KAPI_NEST_MS);
	while (!ret && time_before(jiffies, end)) {
		WRITE_ONCE(run->in_exact, true);
		mkrep_counter_read_exact(run->c);
		WRITE_ONCE(run->in_exact, false);
		/* The interrupt's last read and ours, with none between. */
		local_irq_save(flags);
		v = mkrep_counter_read(run->c);
		w = run->irq_last;
		local_irq_restore(flags);
		if (v < w)
			run->out.backwards++;
		run->out.reads++;
		cond_resched();
	}
	hrtimer_cancel(&run->timer);
	migrate_enable();
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		if (!threads[cpu])
			continue;
		kthread_stop(threads[cpu]);
		put_task_struct(threads[cpu]);
	}
	cpus_read_unlock();
	mkrep_counter_destroy(run->c);
	if (!ret && copy_to_user(arg, &run->out, sizeof(run->out)))
		ret = -EFAULT;
out_free:
	kfree(threads);
	kfree(run);
	return ret;
}

static long kapi_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case MKCHAN_KAPI_TEST_SELF:
		return kapi_self_test();
	case MKCHAN_KAPI_TEST_ECHO:
		return kapi_echo_start((void __user *)arg);
	case MKCHAN_KAPI_TEST_COUNTER:
		return kapi_counter_test(arg);
	case MKCHAN_KAPI_TEST_COUNTER_NESTED:
		return kapi_counter_nested((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations kapi_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= kapi_ioctl,
};

static struct miscdevice kapi_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "mkchan_kapi_test",
	.fops	= &kapi_fops,
	.mode	= 0600,
};

module_misc_device(kapi_miscdev);

MODULE_DESCRIPTION("Test of mkchan's and mkrep's in-kernel APIs, for the selftests");
MODULE_LICENSE("GPL");
