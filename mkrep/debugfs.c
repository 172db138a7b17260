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
 *
 * And under /sys/kernel/debug/mkrep/users, a line "uid spaces pages" for
 * each user holding a space: what counts against its limits.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "internal.h"

atomic_long_t mkrep_objects[MKREP_NR_OBJECTS];

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
		seq_printf(m, "%s %ld\n", mkrep_object_names[i],
			   atomic_long_read(&mkrep_objects[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mkrep_objects);

DEFINE_SHOW_ATTRIBUTE(mkrep_users);

void mkrep_debugfs_init(void)
{
	mkrep_debugfs_root = debugfs_create_dir("mkrep", NULL);
	debugfs_create_file("objects", 0400, mkrep_debugfs_root, NULL,
			    &mkrep_objects_fops);
	debugfs_create_file("users", 0400, mkrep_debugfs_root, NULL,
			    &mkrep_users_fops);
}

void mkrep_debugfs_exit(void)
{
	debugfs_remove(mkrep_debugfs_root);
}
