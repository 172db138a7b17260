// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - object counts under /sys/kernel/debug/mkrep/objects:
 *
 *   spaces	spaces not yet freed
 *   members	members not yet freed (those that left wait for the next
 *		operation, join or close of their space to be reaped)
 *   pages	pages owned by spaces, those an unfinished operation holds
 *		included
 *   counters	replicated counters, user space's and kernel code's
 *   bytes	kernel memory that spaces and members hold for their own
 *		records, as asked of the allocators: the structs, the
 *		page records, the replicas and the status pages (not the
 *		pages of the spaces, nor the files, inodes and VMAs that
 *		the kernel allocates for them); design.rst's formula
 *
 * All five read zero once every file, window and in-kernel counter is
 * gone: the selftests and the test runner check that nothing leaks.
 * Every CPU changes them, as it makes and frees objects, and only
 * debugfs reads them: each is a write-mostly replicated counter, which
 * an update changes on its own CPU's line only, and which debugfs reads
 * exactly.  They are not themselves among the counters they count.
 *
 * And under /sys/kernel/debug/mkrep/users, a line "uid spaces pages" for
 * each user holding a space: what counts against its limits.  The
 * selftests' hooks in the same directory are test_hooks.c's.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/seq_file.h>

#include "internal.h"

struct mkrep_counter *mkrep_objects[MKREP_NR_OBJECTS];

static const char * const mkrep_object_names[MKREP_NR_OBJECTS] = {
	[MKREP_OBJ_SPACES]	= "spaces",
	[MKREP_OBJ_MEMBERS]	= "members",
	[MKREP_OBJ_PAGES]	= "pages",
	[MKREP_OBJ_COUNTERS]	= "counters",
	[MKREP_OBJ_BYTES]	= "bytes",
};

static struct dentry *mkrep_debugfs_root;

static int mkrep_objects_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < MKREP_NR_OBJECTS; i++)
		seq_printf(m, "%s %lld\n", mkrep_object_names[i],
			   mkrep_counter_read_exact(mkrep_objects[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mkrep_objects);

/**
 * mkrep_objects_init() - make the object counts, before anything counts
 *
 * Context: process context (module init).
 * Return: 0 or -ENOMEM.
 */
int mkrep_objects_init(void)
{
	int i;

	for (i = 0; i < MKREP_NR_OBJECTS; i++) {
		mkrep_objects[i] = mkrep_counter_alloc(MKREP_COUNTER_WRITE_MOSTLY,
						       GFP_KERNEL);
		if (IS_ERR(mkrep_objects[i])) {
			mkrep_objects[i] = NULL;
			mkrep_objects_exit();
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * mkrep_objects_exit() - free the object counts, once nothing counts
 *
 * Context: process context (module exit, after the last RCU callback).
 */
void mkrep_objects_exit(void)
{
	int i;

	for (i = 0; i < MKREP_NR_OBJECTS; i++) {
		mkrep_counter_free(mkrep_objects[i]);
		mkrep_objects[i] = NULL;
	}
}

DEFINE_SHOW_ATTRIBUTE(mkrep_users);

void mkrep_debugfs_init(void)
{
	mkrep_debugfs_root = debugfs_create_dir("mkrep", NULL);
	debugfs_create_file("objects", 0400, mkrep_debugfs_root, NULL,
			    &mkrep_objects_fops);
	debugfs_create_file("users", 0400, mkrep_debugfs_root, NULL,
			    &mkrep_users_fops);
	mkrep_test_hooks_init(mkrep_debugfs_root);
}

void mkrep_debugfs_exit(void)
{
	debugfs_remove(mkrep_debugfs_root);
}
