// SPDX-License-Identifier: GPL-2.0
/*
 * mkchan - counters under /sys/kernel/debug/mkchan/:
 *
 *   objects	  live channels and the pages they hold
 *   <id>/stats	  one channel: its CPUs, endpoints and, per ring, the
 *		  messages the kernel sent and received, the sends that
 *		  found it full, the sleeps, the notifies, and the positions
 *		  published in shared memory
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "internal.h"

static struct dentry *mkchan_debugfs_root;

static int mkchan_stats_show(struct seq_file *m, void *unused)
{
	struct mkchan_channel *chan = m->private;
	int i;

	seq_printf(m, "channel %u slots %u owner %u%s%s\n", chan->id,
		   chan->nslots, from_kuid(&init_user_ns, chan->owner),
		   mkchan_broken(chan) ? " broken" : "",
		   chan->charged ? "" : " kernel");
	for (i = 0; i < 2; i++) {
		struct mkchan_endpoint *ep = &chan->ep[i];

		seq_printf(m, "ep%d cpu %u %s%s\n", i, ep->cpu,
			   READ_ONCE(ep->closed) ? "closed" : "open",
			   READ_ONCE(ep->mapped) ? " mapped" : "");
	}
	for (i = 0; i < 2; i++) {
		struct mkchan_ring *ring = &chan->ring[i];

		seq_printf(m, "ring%d ep%d->ep%d node %d sent %lld received %lld full %lld sleeps %lld notifies %lld tail %llu head %llu\n",
			   i, i, 1 - i, ring->node,
			   (s64)atomic64_read(&ring->sent),
			   (s64)atomic64_read(&ring->received),
			   (s64)atomic64_read(&ring->full),
			   (s64)atomic64_read(&ring->sleeps),
			   (s64)atomic64_read(&ring->notifies),
			   READ_ONCE(ring->sctl->pos),
			   READ_ONCE(ring->rctl->pos));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mkchan_stats);

static int mkchan_objects_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "channels %ld\npages %ld\n", mkchan_nr_channels(),
		   mkchan_nr_pages());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mkchan_objects);

void mkchan_debugfs_add(struct mkchan_channel *chan)
{
	char name[16];

	snprintf(name, sizeof(name), "%u", chan->id);
	chan->debugfs = debugfs_create_dir(name, mkchan_debugfs_root);
	debugfs_create_file("stats", 0400, chan->debugfs, chan,
			    &mkchan_stats_fops);
}

void mkchan_debugfs_remove(struct mkchan_channel *chan)
{
	debugfs_remove(chan->debugfs);
}

void mkchan_debugfs_init(void)
{
	mkchan_debugfs_root = debugfs_create_dir("mkchan", NULL);
	debugfs_create_file("objects", 0400, mkchan_debugfs_root, NULL,
			    &mkchan_objects_fops);
}

void mkchan_debugfs_exit(void)
{
	debugfs_remove(mkchan_debugfs_root);
}
