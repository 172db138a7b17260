// SPDX-License-Identifier: GPL-2.0
/*
 * mkchan - the kernel's side of the ring protocol.
 *
 * Endpoints the kernel drives (read(2)/write(2) and the in-kernel API)
 * speak the protocol of <mkchan/urpc.h> on the kernel's mapping of the
 * rings, exactly as libmkchan does in user space.  The rings are shared
 * with user space, so every header and published position is read once
 * and checked; garbage breaks the channel (-EBADMSG), nothing else.
 */
#include <linux/sched.h>

#include "internal.h"
#include "trace.h"

/*
 * Wake the peer of @ep.  @events says why: EPOLLIN, a message for it on
 * the ring @ep sends on; EPOLLOUT, room on the ring @ep receives from.
 */
void mkchan_ep_wake_peer(struct mkchan_endpoint *ep, __poll_t events)
{
	struct mkchan_channel *chan = ep->chan;
	unsigned int ring = events & EPOLLIN ? ep->index : 1 - ep->index;

	atomic64_inc(&chan->ring[ring].notifies);
	trace_mkchan_notify(chan->id, ep->index);
	wake_up_interruptible_poll(&mkchan_peer(ep)->wq, events);
}

/**
 * mkchan_ep_send() - send one message from a kernel-driven endpoint
 * @ep: the endpoint; the caller serialises senders
 * @type: the message type, 0-255
 * @data: the payload
 * @len: its length, at most %MKCHAN_PAYLOAD_MAX
 *
 * Wakes the peer if it announced it is going to sleep.
 *
 * Return: 0, -EINVAL, -EAGAIN (ring full), -EPIPE (peer closed) or
 * -EBADMSG (channel broken).
 */
int mkchan_ep_send(struct mkchan_endpoint *ep, unsigned int type,
		   const void *data, unsigned int len)
{
	struct mkchan_channel *chan = ep->chan;
	struct mkchan_ring *ring = &chan->ring[ep->index];
	int ret;

	if (len > MKCHAN_PAYLOAD_MAX || type > 0xff)
		return -EINVAL;
	if (mkchan_broken(chan))
		return -EBADMSG;
	if (mkchan_peer_closed(ep))
		return -EPIPE;
	ret = mkc_tx_space(&ep->tx);
	if (ret == -EBADMSG) {
		/* The receiver published an impossible head. */
		mkchan_mark_broken(chan, ep->index);
		return ret;
	}
	if (ret) {
		atomic64_inc(&ring->full);
		return ret;
	}
	mkc_tx_put(&ep->tx, type, data, len);
	atomic64_inc(&ring->sent);
	trace_mkchan_send(chan->id, ep->index, ep->tx.tail - 1, type, len);
	if (mkc_tx_peer_waiting(&ep->tx))
		mkchan_ep_wake_peer(ep, EPOLLIN | EPOLLRDNORM);
	return 0;
}

/**
 * mkchan_ep_recv() - look at the next message of a kernel-driven endpoint
 * @ep: the endpoint; the caller serialises receivers
 * @msg: receives a copy of the message (header and payload)
 *
 * Does not consume the message: mkchan_ep_consume() does, once the caller
 * has delivered it.
 *
 * Return: 0, -EAGAIN (none), -EPIPE (none, and the peer closed) or
 * -EBADMSG (channel broken).
 */
int mkchan_ep_recv(struct mkchan_endpoint *ep, struct mkchan_slot *msg)
{
	struct mkchan_channel *chan = ep->chan;
	u64 hdr;
	int ret;

	if (mkchan_broken(chan))
		return -EBADMSG;
	ret = mkc_rx_peek(&ep->rx, &hdr);
	if (!ret && mkchan_peer_closed(ep)) {
		/* What the peer sent before it closed is visible now. */
		ret = mkc_rx_peek(&ep->rx, &hdr);
		if (!ret)
			return -EPIPE;
	}
	if (ret < 0) {
		mkchan_mark_broken(chan, 1 - ep->index);
		return ret;
	}
	if (!ret)
		return -EAGAIN;
	mkc_rx_copy(&ep->rx, hdr, msg->data);
	memset(msg->data + mkc_hdr_len(hdr), 0,
	       MKCHAN_PAYLOAD_MAX - mkc_hdr_len(hdr));
	msg->header = hdr;
	return 0;
}

/**
 * mkchan_ep_consume() - consume the message mkchan_ep_recv() returned
 * @ep: the endpoint
 * @hdr: its header
 */
void mkchan_ep_consume(struct mkchan_endpoint *ep, u64 hdr)
{
	struct mkchan_channel *chan = ep->chan;

	atomic64_inc(&chan->ring[1 - ep->index].received);
	trace_mkchan_recv(chan->id, ep->index, ep->rx.head, mkc_hdr_type(hdr),
			  mkc_hdr_len(hdr));
	if (mkc_rx_consume(&ep->rx))
		mkchan_ep_wake_peer(ep, EPOLLOUT | EPOLLWRNORM);
}

/* Whether the slot at @head of the ring @ep receives from holds a message. */
static int mkchan_rx_ready(struct mkchan_endpoint *ep, u64 head)
{
	struct mkchan_ring *ring = &ep->chan->ring[1 - ep->index];
	u32 mask = ep->chan->nslots - 1;
	/* acquire: pairs with the sender's release of the header */
	u64 hdr = smp_load_acquire(&ring->slots[head & mask].header);

	return mkc_hdr_check(hdr, head, ep->chan->nslots);
}

/* Whether the ring @ep sends on has room after @tail. */
static int mkchan_tx_ready(struct mkchan_endpoint *ep, u64 tail)
{
	struct mkchan_ring *ring = &ep->chan->ring[ep->index];
	/* acquire: pairs with the receiver's release of its head */
	u64 head = smp_load_acquire(&ring->rctl->pos);

	if (ep->mapped)		/* both positions published, maybe stale */
		return (s64)(tail - head) < (s64)ep->chan->nslots;
	if (head > tail || tail - head > ep->chan->nslots)
		return -EBADMSG;
	return tail - head < ep->chan->nslots;
}

/**
 * mkchan_ep_ready() - which events are ready on an endpoint
 * @ep: the endpoint
 * @events: the events of interest (EPOLLIN, EPOLLOUT)
 * @announce: the caller (poll) may sleep: for a kernel-driven endpoint,
 *	set the waiting flag of each direction that is not ready, so that a
 *	peer driven from user space notifies
 *
 * For a kernel-driven endpoint the positions are the kernel's; for a
 * mapped one they are the ones user space published (libmkchan publishes
 * before it sleeps).  Either way the answer is a hint: the state may
 * change right after.  EPOLLHUP (peer closed) and EPOLLERR (broken) are
 * always reported.
 *
 * Return: the ready events.
 */
__poll_t mkchan_ep_ready(struct mkchan_endpoint *ep, __poll_t events,
			 bool announce)
{
	struct mkchan_channel *chan = ep->chan;
	struct mkchan_ring *tx = &chan->ring[ep->index];
	struct mkchan_ring *rx = &chan->ring[1 - ep->index];
	bool mapped = READ_ONCE(ep->mapped);
	__poll_t mask = 0;
	u64 head, tail;
	int ret;

	if (mkchan_broken(chan))
		return EPOLLERR;
	if (mkchan_peer_closed(ep))
		mask |= EPOLLHUP;

	if (events & (EPOLLIN | EPOLLRDNORM)) {
		/* data_race: a concurrent read(2) may move it; a hint */
		head = mapped ? READ_ONCE(rx->rctl->pos) : data_race(ep->rx.head);
		ret = mkchan_rx_ready(ep, head);
		if (!ret && announce && !mapped) {
			WRITE_ONCE(rx->rctl->waiting, 1);
			/* full: the flag is set before we look again */
			smp_mb();
			ret = mkchan_rx_ready(ep, head);
		}
		if (ret < 0) {
			mkchan_mark_broken(chan, 1 - ep->index);
			return EPOLLERR;
		}
		if (ret)
			mask |= EPOLLIN | EPOLLRDNORM;
	}

	if ((events & (EPOLLOUT | EPOLLWRNORM)) && !(mask & EPOLLHUP)) {
		/* data_race: a concurrent write(2) may move it; a hint */
		tail = mapped ? READ_ONCE(tx->sctl->pos) : data_race(ep->tx.tail);
		ret = mkchan_tx_ready(ep, tail);
		if (!ret && announce && !mapped) {
			WRITE_ONCE(tx->sctl->waiting, 1);
			/* full: the flag is set before we look again */
			smp_mb();
			ret = mkchan_tx_ready(ep, tail);
		}
		if (ret < 0) {
			mkchan_mark_broken(chan, ep->index);
			return EPOLLERR;
		}
		if (ret)
			mask |= EPOLLOUT | EPOLLWRNORM;
	}
	return mask;
}

/**
 * mkchan_ep_wait() - sleep on a kernel-driven endpoint
 * @ep: the endpoint; the caller holds its tx_lock (@out) or rx_lock
 * @out: wait for room to send rather than for a message
 * @timeout: in: jiffies to wait at most; out: jiffies left
 *
 * Announces the sleep in the shared control line as the protocol says,
 * so that a peer driven from user space wakes it with MKCHAN_IOC_NOTIFY,
 * and returns when the event came, the peer closed or the channel broke.
 *
 * Return: 0, -ERESTARTSYS (signal), -ETIMEDOUT or -EBADMSG.
 */
int mkchan_ep_wait(struct mkchan_endpoint *ep, bool out, long *timeout)
{
	struct mkchan_ring *ring = &ep->chan->ring[out ? ep->index :
						   1 - ep->index];
	__poll_t want = out ? EPOLLOUT : EPOLLIN;
	bool notify = false, sleep;
	long left;
	int ret;

	if (out) {
		ret = mkc_tx_prepare_wait(&ep->tx);
		sleep = ret == -EAGAIN;
	} else {
		ret = mkc_rx_prepare_wait(&ep->rx, &notify);
		sleep = ret == 0;
	}
	if (notify)
		mkchan_ep_wake_peer(ep, EPOLLOUT | EPOLLWRNORM);

	if (sleep) {
		atomic64_inc(&ring->sleeps);
		left = wait_event_interruptible_timeout(ep->wq,
							mkchan_ep_ready(ep, want,
									false),
							*timeout);
		if (left < 0) {
			ret = left;
		} else if (!left) {
			ret = -ETIMEDOUT;
		} else {
			*timeout = left;
			ret = 0;
		}
	} else if (ret == -EBADMSG) {
		mkchan_mark_broken(ep->chan, out ? ep->index : 1 - ep->index);
	} else {
		ret = 0;
	}

	if (out)
		mkc_tx_end_wait(&ep->tx);
	else
		mkc_rx_end_wait(&ep->rx);
	return ret;
}

/**
 * mkchan_ep_set_mapped() - hand the endpoint over to user space
 * @ep: the endpoint, whose writable view is being mapped
 *
 * Publishes the kernel's positions, from which libmkchan starts; from now
 * on read(2) and write(2) on the endpoint fail with -EBUSY.  Called under
 * the mmap lock, which read(2) and write(2) may take while they hold the
 * endpoint's locks (a fault in copy_to_user()): so the locks are only
 * tried.
 *
 * Return: 0, or -EBUSY while a read(2) or write(2) on it is in progress.
 */
int mkchan_ep_set_mapped(struct mkchan_endpoint *ep)
{
	int ret = -EBUSY;

	if (!mutex_trylock(&ep->tx_lock))
		return ret;
	if (!mutex_trylock(&ep->rx_lock))
		goto unlock_tx;
	if (!ep->mapped) {
		/* release: as the protocol publishes positions */
		smp_store_release(&ep->tx.ctl->pos, ep->tx.tail);
		/* release: as the protocol publishes positions */
		smp_store_release(&ep->rx.ctl->pos, ep->rx.head);
		ep->rx.published = ep->rx.head;
		WRITE_ONCE(ep->mapped, true);
	}
	ret = 0;
	mutex_unlock(&ep->rx_lock);
unlock_tx:
	mutex_unlock(&ep->tx_lock);
	return ret;
}
