// SPDX-License-Identifier: GPL-2.0
/*
 * mkchan - channel objects: their memory, lifetime and per-user limit.
 *
 * A channel lives while an endpoint is open or a mapping of it exists;
 * each holds a reference.  Ring i lives on the NUMA node of its receiving
 * CPU and is charged to the creator's memory cgroup.  Its slots are one
 * physically contiguous block, reached through the kernel's linear map: a
 * vmap() would cost a vunmap() at close, and vunmap()'s lazy purge ends,
 * sooner or later, in a kernel TLB flush that interrupts every CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/cred.h>
#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <linux/xarray.h>

#include "internal.h"

/*
 * What a channel allocates is charged to its creator's memory cgroup, and
 * may fail: at the cgroup's limit creation fails with -ENOMEM rather than
 * wake the OOM killer.
 */
#define MKCHAN_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL)

static DEFINE_IDA(mkchan_ids);

/* Channels held by each user, indexed by uid. */
static DEFINE_XARRAY(mkchan_users);

static atomic_long_t mkchan_channels = ATOMIC_LONG_INIT(0);
static atomic_long_t mkchan_pages = ATOMIC_LONG_INIT(0);

static void mkchan_count(long channels, long pages)
{
	atomic_long_add(channels, &mkchan_channels);
	atomic_long_add(pages, &mkchan_pages);
}

/* Live channels, for debugfs and the tests of leaks. */
long mkchan_nr_channels(void)
{
	return atomic_long_read(&mkchan_channels);
}

/* Pages held by live channels. */
long mkchan_nr_pages(void)
{
	return atomic_long_read(&mkchan_pages);
}

static int mkchan_user_charge(kuid_t uid)
{
	unsigned long index = __kuid_val(uid);
	unsigned long held;
	int ret = 0;

	xa_lock(&mkchan_users);
	held = xa_to_value(xa_load(&mkchan_users, index) ?: xa_mk_value(0));
	if (held >= mkchan_max_channels_per_user)
		ret = -EDQUOT;
	else
		ret = xa_err(__xa_store(&mkchan_users, index,
					xa_mk_value(held + 1), GFP_ATOMIC));
	xa_unlock(&mkchan_users);
	return ret;
}

static void mkchan_user_uncharge(kuid_t uid)
{
	unsigned long index = __kuid_val(uid);
	unsigned long held;

	xa_lock(&mkchan_users);
	held = xa_to_value(xa_load(&mkchan_users, index));
	if (held > 1)
		__xa_store(&mkchan_users, index, xa_mk_value(held - 1),
			   GFP_ATOMIC);
	else
		__xa_erase(&mkchan_users, index);
	xa_unlock(&mkchan_users);
}

static void mkchan_ring_free(struct mkchan_ring *ring)
{
	unsigned int i;

	for (i = 0; i < ring->nr_pages; i++)
		if (ring->pages[i])
			__free_page(ring->pages[i]);
	kfree(ring->pages);
}

/* A ring of MKCHAN_MIN_SLOTS slots fills one page at least. */
static_assert(MKCHAN_MIN_SLOTS * MKCHAN_SLOT_SIZE >= PAGE_SIZE);

/*
 * The slot pages, then the sender's and the receiver's control page.  The
 * slots are one block of 2^order pages (nslots is a power of two of at
 * least a page), split so that each page can be mapped and freed on its
 * own.  A block above PAGE_ALLOC_COSTLY_ORDER (64 KiB: more than 1024
 * slots) is asked for once, without reclaim retries or a warning: on a
 * fragmented machine creating such a ring fails with -ENOMEM instead of
 * making an unprivileged caller drive compaction.
 */
static int mkchan_ring_alloc(struct mkchan_ring *ring, unsigned int nslots,
			     int node)
{
	unsigned int slot_pages = nslots * MKCHAN_SLOT_SIZE / PAGE_SIZE;
	unsigned int order = ilog2(slot_pages);
	gfp_t gfp = MKCHAN_GFP;
	struct page *block;
	unsigned int i;

	ring->node = node;
	ring->pages = kcalloc(slot_pages + 2, sizeof(*ring->pages), MKCHAN_GFP);
	if (!ring->pages)
		return -ENOMEM;
	ring->nr_pages = slot_pages + 2;
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		gfp = GFP_KERNEL_ACCOUNT | __GFP_NORETRY | __GFP_NOWARN;
	block = alloc_pages_node(node, gfp | __GFP_ZERO, order);
	if (!block)
		return -ENOMEM;
	split_page(block, order);
	for (i = 0; i < slot_pages; i++)
		ring->pages[i] = block + i;
	for (i = slot_pages; i < ring->nr_pages; i++) {
		ring->pages[i] = alloc_pages_node(node, MKCHAN_GFP |
						  __GFP_ZERO, 0);
		if (!ring->pages[i])
			return -ENOMEM;
	}
	ring->slots = page_address(ring->pages[0]);
	ring->sctl = page_address(ring->pages[slot_pages]);
	ring->rctl = page_address(ring->pages[slot_pages + 1]);
	atomic64_set(&ring->sent, 0);
	atomic64_set(&ring->received, 0);
	atomic64_set(&ring->full, 0);
	atomic64_set(&ring->sleeps, 0);
	atomic64_set(&ring->notifies, 0);
	return 0;
}

static long mkchan_channel_pages(struct mkchan_channel *chan)
{
	return chan->ring[0].nr_pages + chan->ring[1].nr_pages + 1;
}

static void mkchan_channel_free(struct mkchan_channel *chan)
{
	int i;

	for (i = 0; i < 2; i++)
		mkchan_ring_free(&chan->ring[i]);
	if (chan->status_page)
		__free_page(chan->status_page);
	if (chan->charged)
		mkchan_user_uncharge(chan->owner);
	if (chan->id)
		ida_free(&mkchan_ids, chan->id);
	kfree(chan);
}

static void mkchan_channel_release(struct kref *ref)
{
	struct mkchan_channel *chan = container_of(ref, struct mkchan_channel,
						   ref);

	mkchan_debugfs_remove(chan);
	mkchan_count(-1, -mkchan_channel_pages(chan));
	mkchan_channel_free(chan);
}

void mkchan_channel_put(struct mkchan_channel *chan)
{
	kref_put(&chan->ref, mkchan_channel_release);
}

static void mkchan_endpoint_init(struct mkchan_channel *chan,
				 unsigned int index, unsigned int cpu)
{
	struct mkchan_endpoint *ep = &chan->ep[index];
	struct mkchan_ring *tx = &chan->ring[index];
	struct mkchan_ring *rx = &chan->ring[1 - index];

	ep->chan = chan;
	ep->index = index;
	ep->cpu = cpu;
	init_waitqueue_head(&ep->wq);
	mutex_init(&ep->tx_lock);
	mutex_init(&ep->rx_lock);
	mkc_tx_init(&ep->tx, tx->slots, tx->sctl, tx->rctl, chan->nslots, 0);
	mkc_rx_init(&ep->rx, rx->slots, rx->rctl, rx->sctl, chan->nslots, 0);
}

static int mkchan_check_cpu(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return -EINVAL;
	if (!cpu_online(cpu))
		return -ENODEV;
	return 0;
}

/**
 * mkchan_channel_new() - make a channel with both endpoints open
 * @cpu0: CPU of endpoint 0
 * @cpu1: CPU of endpoint 1
 * @nslots: slots of each ring
 * @charge: count the channel against the calling user's limit
 * @chanp: the new channel, holding one reference for each endpoint
 *
 * Return: 0, -EINVAL (impossible CPU, bad @nslots), -ENODEV (offline CPU),
 * -EDQUOT (the user's limit) or -ENOMEM.
 */
int mkchan_channel_new(unsigned int cpu0, unsigned int cpu1,
		       unsigned int nslots, bool charge,
		       struct mkchan_channel **chanp)
{
	unsigned int cpu[2] = { cpu0, cpu1 };
	struct mkchan_channel *chan;
	int ret, i;

	for (i = 0; i < 2; i++) {
		ret = mkchan_check_cpu(cpu[i]);
		if (ret)
			return ret;
	}
	if (!is_power_of_2(nslots) || nslots < MKCHAN_MIN_SLOTS ||
	    nslots > mkchan_max_slots)
		return -EINVAL;

	chan = kzalloc(sizeof(*chan), MKCHAN_GFP);
	if (!chan)
		return -ENOMEM;
	kref_init(&chan->ref);
	spin_lock_init(&chan->lock);
	chan->nslots = nslots;
	if (charge) {
		chan->owner = current_uid();
		ret = mkchan_user_charge(chan->owner);
		if (ret) {
			kfree(chan);
			return ret;
		}
		chan->charged = true;
	}

	ret = ida_alloc_min(&mkchan_ids, 1, GFP_KERNEL);
	if (ret < 0)
		goto fail;
	chan->id = ret;

	ret = -ENOMEM;
	chan->status_page = alloc_page(MKCHAN_GFP | __GFP_ZERO);
	if (!chan->status_page)
		goto fail;
	chan->status = page_address(chan->status_page);
	for (i = 0; i < 2; i++) {
		/* Ring i is received by endpoint 1 - i: place it there. */
		ret = mkchan_ring_alloc(&chan->ring[i], nslots,
					cpu_to_node(cpu[1 - i]));
		if (ret)
			goto fail;
	}
	for (i = 0; i < 2; i++)
		mkchan_endpoint_init(chan, i, cpu[i]);

	/* One reference for each endpoint. */
	kref_get(&chan->ref);
	mkchan_count(1, mkchan_channel_pages(chan));
	mkchan_debugfs_add(chan);
	*chanp = chan;
	return 0;

fail:
	mkchan_channel_free(chan);
	return ret;
}

/**
 * mkchan_endpoint_release() - close an endpoint
 * @ep: the endpoint, whose file or kernel handle goes away
 *
 * Tells the peer (EPOLLHUP, -EPIPE on its sends; it may still drain what
 * is in its ring) and drops the endpoint's reference on the channel.
 */
void mkchan_endpoint_release(struct mkchan_endpoint *ep)
{
	struct mkchan_channel *chan = ep->chan;

	spin_lock(&chan->lock);
	ep->closed = true;
	/* Release: the endpoint's messages are visible before the bit. */
	smp_store_release(&chan->status->closed,
			  chan->status->closed | MKCHAN_STATUS_EP(ep->index));
	spin_unlock(&chan->lock);
	wake_up_interruptible_poll(&mkchan_peer(ep)->wq,
				   EPOLLHUP | EPOLLIN | EPOLLOUT);
	wake_up_interruptible_poll(&ep->wq, EPOLLHUP);
	mkchan_channel_put(chan);
}

bool mkchan_peer_closed(struct mkchan_endpoint *ep)
{
	/* acquire: pairs with the release in mkchan_endpoint_release() */
	return smp_load_acquire(&ep->chan->status->closed) &
	       MKCHAN_STATUS_EP(1 - ep->index);
}

bool mkchan_broken(struct mkchan_channel *chan)
{
	return READ_ONCE(chan->status->broken) != 0;
}

/**
 * mkchan_mark_broken() - record that a ring's shared memory is corrupt
 * @chan: the channel
 * @ring: the ring whose slots or control lines held garbage
 *
 * From now on both endpoints fail with -EBADMSG and poll EPOLLERR.
 */
void mkchan_mark_broken(struct mkchan_channel *chan, unsigned int ring)
{
	spin_lock(&chan->lock);
	if (!chan->status->broken)
		pr_debug("channel %u: ring %u is corrupt\n", chan->id, ring);
	WRITE_ONCE(chan->status->broken,
		   chan->status->broken | MKCHAN_STATUS_EP(ring));
	spin_unlock(&chan->lock);
	wake_up_interruptible_poll(&chan->ep[0].wq, EPOLLERR);
	wake_up_interruptible_poll(&chan->ep[1].wq, EPOLLERR);
}

int mkchan_channel_init(void)
{
	mkchan_debugfs_init();
	return 0;
}

void mkchan_channel_exit(void)
{
	mkchan_debugfs_exit();
	WARN_ON(!xa_empty(&mkchan_users));
	ida_destroy(&mkchan_ids);
}
