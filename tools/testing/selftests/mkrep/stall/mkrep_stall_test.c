// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep_stall_test - a test-only module that holds a process's mmap_lock.
 *
 * An unprivileged process can make the kernel hold its own mmap_lock as
 * long as it likes (stall_test.h says how).  Code that takes a user mm's
 * lock while it holds a lock of the whole machine (cpus_write_lock() in a
 * CPU hotplug callback) lets that process stall the machine.
 * /dev/mkrep_stall_test (root only) stands in for such a process: a
 * kernel thread holds the lock for writing until told to let go or until
 * the time given has passed.  One hold at a time.  Built for the
 * selftests only; never installed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>

#include "stall_test.h"

#define STALL_MAX_MS	60000

/* Serialises the ioctls; @stall_busy: a holder was started, not reaped. */
static DEFINE_MUTEX(stall_mutex);
static bool stall_busy;
static bool stall_held;
static unsigned int stall_ms;
static DECLARE_COMPLETION(stall_locked);
static DECLARE_COMPLETION(stall_release);
static DECLARE_COMPLETION(stall_done);

static int stall_holder(void *arg)
{
	struct mm_struct *mm = arg;

	/*
	 * In D state while another holds the lock (6.12 has no write
	 * trylock of an mm); the selftests hold it nowhere else.  The hold
	 * itself sleeps interruptibly: a kernel thread gets no signal, and
	 * is then outside D state.
	 */
	mmap_write_lock(mm);
	WRITE_ONCE(stall_held, true);
	complete(&stall_locked);
	wait_for_completion_interruptible_timeout(&stall_release,
						  msecs_to_jiffies(stall_ms));
	WRITE_ONCE(stall_held, false);
	mmap_write_unlock(mm);
	mmput(mm);
	/* The module may go once this is complete: no return into it. */
	kthread_complete_and_exit(&stall_done, 0);
}

/* End the hold, if any, once it let go.  Under stall_mutex. */
static void stall_reap(void)
{
	if (!stall_busy)
		return;
	complete(&stall_release);
	wait_for_completion(&stall_done);
	stall_busy = false;
}

static long stall_mmap_write(struct mkrep_stall_mmap __user *uarg)
{
	struct mkrep_stall_mmap a;
	struct task_struct *task, *t;
	struct mm_struct *mm;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.pid <= 0 || !a.ms || a.ms > STALL_MAX_MS)
		return -EINVAL;
	rcu_read_lock();
	task = pid_task(find_vpid(a.pid), PIDTYPE_PID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	if (!task)
		return -ESRCH;
	mm = get_task_mm(task);
	put_task_struct(task);
	if (!mm)		/* exiting, or a kernel thread */
		return -ESRCH;

	if (mutex_lock_killable(&stall_mutex)) {
		mmput(mm);
		return -EINTR;
	}
	/* A hold that ended by itself is reaped; one still held is not. */
	if (stall_busy && completion_done(&stall_done))
		stall_reap();
	if (stall_busy) {
		mutex_unlock(&stall_mutex);
		mmput(mm);
		return -EBUSY;
	}
	reinit_completion(&stall_locked);
	reinit_completion(&stall_release);
	reinit_completion(&stall_done);
	stall_ms = a.ms;
	t = kthread_run(stall_holder, mm, "mkrep_stall");
	if (IS_ERR(t)) {
		mutex_unlock(&stall_mutex);
		mmput(mm);
		return PTR_ERR(t);
	}
	stall_busy = true;
	/* A holder of the mm's lock is waited for, killably. */
	if (wait_for_completion_killable(&stall_locked)) {
		/* Nobody wants the hold now: let go once it is taken. */
		complete(&stall_release);
		mutex_unlock(&stall_mutex);
		return -EINTR;
	}
	mutex_unlock(&stall_mutex);
	return 0;
}

static long stall_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	switch (cmd) {
	case MKREP_STALL_MMAP_WRITE:
		return stall_mmap_write((void __user *)arg);
	case MKREP_STALL_HELD:
		return READ_ONCE(stall_held);
	case MKREP_STALL_RELEASE:
		if (mutex_lock_killable(&stall_mutex))
			return -EINTR;
		stall_reap();
		mutex_unlock(&stall_mutex);
		return 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations stall_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= stall_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice stall_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "mkrep_stall_test",
	.fops	= &stall_fops,
	.mode	= 0600,
};

static int __init stall_init(void)
{
	return misc_register(&stall_miscdev);
}
module_init(stall_init);

static void __exit stall_exit(void)
{
	misc_deregister(&stall_miscdev);
	mutex_lock(&stall_mutex);
	stall_reap();
	mutex_unlock(&stall_mutex);
}
module_exit(stall_exit);

MODULE_DESCRIPTION("Holds a process's mmap_lock, for mkrep's selftests");
MODULE_LICENSE("GPL");
