// SPDX-License-Identifier: GPL-2.0
/*
 * mkinject - a test-only module for the runner's own tests (make
 * check-runner): on load it makes the kernel do what make check must
 * catch.  Never built by a plain make, never installed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "WARN once on load");

static bool panic_on_load;
module_param_named(panic, panic_on_load, bool, 0444);
MODULE_PARM_DESC(panic, "panic on load");

static bool hang;
module_param(hang, bool, 0444);
MODULE_PARM_DESC(hang, "never finish loading");

static bool uaf;
module_param(uaf, bool, 0444);
MODULE_PARM_DESC(uaf, "read freed memory on load (KASAN reports it)");

static bool race;
module_param(race, bool, 0444);
MODULE_PARM_DESC(race, "race two threads on a plain variable on load (KCSAN reports it)");

static bool lockup;
module_param(lockup, bool, 0444);
MODULE_PARM_DESC(lockup, "spin with interrupts off on one CPU and wait for it by IPI");

/* What the racing threads share, with plain accesses: a data race. */
static unsigned long racy_count;

/* A use-after-free the compiler can neither see nor drop. */
static void mkinject_uaf(void)
{
	int *p = kmalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return;
	*p = 1;
	kfree(p);
	OPTIMIZER_HIDE_VAR(p);
	pr_info("read after free: %d\n", READ_ONCE(*p));
}

/* Unmarked increments of the shared count: a plain load and store a round. */
static int mkinject_racer(void *data)
{
	unsigned long *count = data;

	while (!kthread_should_stop())
		(*count)++;
	return 0;
}

/*
 * Two threads on two CPUs increment racy_count without a lock, from load
 * to unload: the runner turns KCSAN on for its modules' functions once
 * they are loaded.
 */
static struct task_struct *racers[2];

static void mkinject_race(void)
{
	unsigned int cpu[2], i;

	cpu[0] = cpumask_first(cpu_online_mask);
	cpu[1] = cpumask_next(cpu[0], cpu_online_mask);
	if (cpu[1] >= nr_cpu_ids)
		cpu[1] = cpu[0];
	for (i = 0; i < ARRAY_SIZE(racers); i++) {
		racers[i] = kthread_run_on_cpu(mkinject_racer, &racy_count,
					       cpu[i], "mkinject/%u");
		if (IS_ERR(racers[i])) {
			racers[i] = NULL;
			break;
		}
	}
}

/*
 * A CPU that spins with interrupts off never answers a function-call IPI:
 * the CPU that sends one waits forever, the soft-lockup detector panics it
 * and the backtraces of every CPU must name mkinject_spin().
 */
static int mkinject_spin(void *data)
{
	atomic_t *spinning = data;

	local_irq_disable();
	atomic_set(spinning, 1);
	for (;;)
		cpu_relax();
	return 0;
}

static void mkinject_nothing(void *info)
{
}

static void mkinject_lockup(void)
{
	static atomic_t spinning = ATOMIC_INIT(0);
	unsigned int cpu = cpumask_last(cpu_online_mask);
	struct task_struct *t;

	/* The loader waits on the first CPU, the spinner has the last. */
	if (num_online_cpus() < 2 ||
	    set_cpus_allowed_ptr(current,
				 cpumask_of(cpumask_first(cpu_online_mask))))
		return;
	t = kthread_run_on_cpu(mkinject_spin, &spinning, cpu, "mkinject/%u");
	if (IS_ERR(t))
		return;
	while (!atomic_read(&spinning))
		msleep(20);
	on_each_cpu(mkinject_nothing, NULL, 1);
}

static int __init mkinject_init(void)
{
	WARN(warn, "mkinject: injected warning\n");
	if (panic_on_load)
		panic("mkinject: injected panic\n");
	if (uaf)
		mkinject_uaf();
	if (race)
		mkinject_race();
	if (lockup)
		mkinject_lockup();
	while (hang)
		msleep(1000);
	return 0;
}

static void __exit mkinject_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(racers); i++)
		if (racers[i])
			kthread_stop(racers[i]);
	if (race)
		pr_info("racy count %lu\n", racy_count);
}

module_init(mkinject_init);
module_exit(mkinject_exit);

MODULE_DESCRIPTION("Fault injection for the mkernel test runner's own tests");
MODULE_LICENSE("GPL");
