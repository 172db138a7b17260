// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - hooks for the selftests, under /sys/kernel/debug/mkrep/ (root
 * only, as all of debugfs):
 *
 *   gather_delay_ms	the next gathering of an operation, of any space,
 *			first sleeps this long (at most 10 s, interruptibly)
 *			after its asks (with unicast, which gathers a member
 *			at a time, of the first member) and before its
 *			first look at them, and moves the deadline on as
 *			much (the sleep does not count against the bound);
 *			reads 0 again once that gathering took it.  (A
 *			unicast operation with no other member gathers
 *			nothing and leaves it.)  So a test can change what
 *			the members do between being asked and being
 *			looked at (space_test's
 *			member_running_again_is_posted).
 *
 * Until a hook is first armed it costs nothing but a static branch;
 * after, a load a gathering.  The test runner reads them after each
 * test program, as it reads the modules' parameters, and fails one that
 * left a hook armed.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/jump_label.h>
#include <linux/ktime.h>

#include "internal.h"

#define MKREP_GATHER_DELAY_MAX_MS	10000

DEFINE_STATIC_KEY_FALSE(mkrep_test_hooks_armed);
static unsigned int mkrep_gather_delay_ms;

/**
 * mkrep_gather_test_sleep() - sleep as gather_delay_ms says, once
 *
 * Called through mkrep_gather_test_delay() once a hook was armed.
 *
 * Context: process context, the initiator of an operation under op_lock.
 * Return: the nanoseconds it slept (a signal cuts the sleep short), 0 if
 * gather_delay_ms is 0.
 */
u64 mkrep_gather_test_sleep(void)
{
	unsigned int ms;
	u64 t0;

	if (!READ_ONCE(mkrep_gather_delay_ms))
		return 0;
	ms = xchg(&mkrep_gather_delay_ms, 0);
	if (!ms)
		return 0;
	t0 = ktime_get_ns();
	msleep_interruptible(ms);
	return ktime_get_ns() - t0;
}

static int mkrep_gather_delay_get(void *data, u64 *val)
{
	*val = READ_ONCE(mkrep_gather_delay_ms);
	return 0;
}

static int mkrep_gather_delay_set(void *data, u64 val)
{
	if (val > MKREP_GATHER_DELAY_MAX_MS)
		return -EINVAL;
	if (val)
		static_branch_enable(&mkrep_test_hooks_armed);
	WRITE_ONCE(mkrep_gather_delay_ms, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(mkrep_gather_delay_fops, mkrep_gather_delay_get,
			 mkrep_gather_delay_set, "%llu\n");

/**
 * mkrep_test_hooks_init() - make the hooks' files
 * @root: mkrep's debugfs directory
 *
 * Context: process context (module init).
 */
void mkrep_test_hooks_init(struct dentry *root)
{
	debugfs_create_file_unsafe("gather_delay_ms", 0600, root, NULL,
				   &mkrep_gather_delay_fops);
}
