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
#include <linux/build_bug.h>
#include <linux/sched.h>

#include "internal.h"
#include "trace.h"

/*
 * The header's layout that mkc_hdr_len_rsvd() takes: the length's 8 bits
 * right above the 32 of the sequence (the casts to __u32 in it and in
 * mkc_hdr_check() take that too), the type's 8 bits right above the
 * length's, every bit above the type's reserved, and a payload whose
 * length the length's 8 bits hold.
 */
static_assert(MKCHAN_HDR_LEN_SHIFT == 32);
static_assert(MKCHAN_HDR_TYPE_SHIFT - MKCHAN_HDR_LEN_SHIFT == 8);
static_assert(MKCHAN_HDR_RSVD_MASK == ~0ULL << (MKCHAN_HDR_TYPE_SHIFT + 8));
static_assert(MKCHAN_PAYLOAD_MAX < 256);

/*
 * Wake the peer of @ep.  @events says why: EPOLLIN, a message for it on
 * the ring @ep sends on; EPOLLOUT, room on the ring @ep receives from.
 */
void mkchan_ep_wake_peer(struct mkchan_endpoint *ep, __poll_t events)
{
	struct mkchan_channel *chan = ep->chan;
	unsigned int ring = events & EPOLLIN ? ep->index : 1 - ep->index;

	/*
	 * The waker clears the flags it answers, before the wake-up: each
	 * sleeper of the peer, woken, looks again and sets its flag again if
	 * it sleeps on (poll() does so itself); a sleeper never clears its
	 * own, so one that stops waiting cannot clear another's under it.
	 */
	if (events & EPOLLIN)
		WRITE_ONCE(chan->ring[ep->index].rctl->waiting, 0);
	if (events & EPOLLOUT)
		WRITE_ONCE(chan->ring[1 - ep->index].sctl->waiting, 0);
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

/**
 * mkchan_ep_publish() - hand back the slots a kernel-driven receiver freed
 * @ep: the endpoint; the caller holds its rx_lock or is the in-kernel
 *	API's serialised receiver
 *
 * Publishes the head if it moved, waking a sender that waits for room:
 * as a pipe does, each message a read(2) or mkchan_try_recv() took is a
 * slot free at once, so a receiver that then waits for anything else
 * (room on the other ring included) holds back no room its peer needs.
 */
void mkchan_ep_publish(struct mkchan_endpoint *ep)
{
	if (ep->rx.published != ep->rx.head && mkc_rx_publish(&ep->rx))
		mkchan_ep_wake_peer(ep, EPOLLOUT | EPOLLWRNORM);
}

/*
 * Whether a message may be there to read, from a look without the
 * receiver's lock: at the endpoint's own head, which a read(2) in another
 * thread may be moving, or, mapped, at the head user space published.  A
 * stale head only ever finds a slot that is not empty (a message already
 * taken, or one of a later lap): that is reported as ready, and so is a
 * slot that fails the check, garbage or not.  The reader, under its lock,
 * judges (-EBADMSG and a broken channel, or -EAGAIN); poll never breaks a
 * channel on what it saw unlocked.  @announce: set the receiver's waiting
 * flag before the last look (or, for a mapped receiver that has
 * MKCHAN_CTL_MEMBARRIER, find it still set).
 */
static bool mkchan_in_ready(struct mkchan_endpoint *ep, bool mapped,
			    bool announce)
{
	struct mkchan_ring *rx = &ep->chan->ring[1 - ep->index];
	u32 mask = ep->chan->nslots - 1;
	/* data_race: a concurrent read(2) may move it; a hint */
	u64 head = mapped ? READ_ONCE(rx->rctl->pos) : data_race(ep->rx.head);
	u64 hdr;

	/* acquire: pairs with the sender's release of the header */
	hdr = smp_load_acquire(&rx->slots[head & mask].header);
	if (mkc_hdr_check(hdr, head, ep->chan->nslots))
		return true;
	if (!announce)
		return false;
	/*
	 * A mapped receiver with light senders sets its flag itself, with the
	 * membarrier() they count on; a flag a wake-up cleared since is an
	 * event for it: it looks again and announces again.
	 */
	if (mapped &&
	    (READ_ONCE(rx->rctl->flags) & MKCHAN_CTL_MEMBARRIER)) {
		/* pairs with mkchan_ep_wake_peer()'s WRITE_ONCE() */
		if (!READ_ONCE(rx->rctl->waiting))
			return true;
	} else {
		WRITE_ONCE(rx->rctl->waiting, 1);
	}
	/* full: the flag is set before we look again */
	smp_mb();
	/* acquire: as above */
	hdr = smp_load_acquire(&rx->slots[head & mask].header);
	return mkc_hdr_check(hdr, head, ep->chan->nslots) != 0;
}

/*
 * Whether there may be room to send, from a look without the sender's
 * lock, as mkchan_in_ready(): the ring is full only when the tail is
 * exactly a ring ahead of the receiver's published head.  A stale tail
 * only ever makes room seem larger; an impossible distance is reported as
 * room, for write(2) to judge under its lock.
 */
static bool mkchan_out_ready(struct mkchan_endpoint *ep, bool mapped,
			     bool announce)
{
	struct mkchan_ring *tx = &ep->chan->ring[ep->index];
	/* data_race: a concurrent write(2) may move it; a hint */
	u64 tail = mapped ? READ_ONCE(tx->sctl->pos) : data_race(ep->tx.tail);
	/* acquire: pairs with the receiver's release of its head */
	u64 head = smp_load_acquire(&tx->rctl->pos);

	if (tail - head != ep->chan->nslots)
		return true;
	if (!announce)
		return false;
	WRITE_ONCE(tx->sctl->waiting, 1);
	/* full: the flag is set before we look again */
	smp_mb();
	/* acquire: as above */
	head = smp_load_acquire(&tx->rctl->pos);
	return tail - head != ep->chan->nslots;
}

/**
 * mkchan_ep_ready() - which events are ready on an endpoint
 * @ep: the endpoint
 * @events: the events of interest (EPOLLIN, EPOLLOUT)
 * @announce: the caller may sleep if nothing is ready: set the waiting
 *	flag of each direction that is not, and look again, so that the peer
 *	wakes it (a kernel-driven peer when it sends or makes room, one
 *	driven from user space with MKCHAN_IOC_NOTIFY)
 *
 * The positions are read without the endpoint's locks: the kernel's own
 * for a kernel-driven endpoint, the ones user space published for a
 * mapped one (libmkchan publishes before it sleeps).  The answer is a
 * hint that may be spurious (the state may change right after, or a
 * read(2) in another thread take the message), never a missed event: a
 * reported EPOLLIN or EPOLLOUT may end in -EAGAIN.  EPOLLHUP (peer
 * closed) and EPOLLERR (broken) are always reported.
 *
 * Return: the ready events.
 */
__poll_t mkchan_ep_ready(struct mkchan_endpoint *ep, __poll_t events,
			 bool announce)
{
	struct mkchan_channel *chan = ep->chan;
	bool mapped = READ_ONCE(ep->mapped);
	__poll_t mask = 0;

	if (mkchan_broken(chan))
		return EPOLLERR;
	if (mkchan_peer_closed(ep))
		mask |= EPOLLHUP;
	if ((events & (EPOLLIN | EPOLLRDNORM)) &&
	    mkchan_in_ready(ep, mapped, announce))
		mask |= EPOLLIN | EPOLLRDNORM;
	if ((events & (EPOLLOUT | EPOLLWRNORM)) && !(mask & EPOLLHUP) &&
	    mkchan_out_ready(ep, mapped, announce))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

/**
 * mkchan_ep_announce() - say a kernel-driven endpoint is going to wait
 * @ep: the endpoint; the caller holds its tx_lock (@out) or rx_lock
 * @out: for room to send rather than for a message
 *
 * As the protocol says: publish the position (waking a sender that waits
 * for the room it makes), set the waiting flag, full barrier, look again.
 * Waiting for room, it has no room of its own to hand back: the kernel's
 * receivers publish their head before they return (mkchan_ep_publish()).
 * The flag stays set for the peer's next send or publication, whose
 * wake-up clears it (mkchan_ep_wake_peer()): so a read(2) or write(2)
 * that fails with -EAGAIN announces too, and edge-triggered epoll hears
 * of the next event.
 *
 * Return: 0 when the event is there after all, -EAGAIN when the caller
 * may sleep (or give up), -EBADMSG (the channel is marked broken).
 */
int mkchan_ep_announce(struct mkchan_endpoint *ep, bool out)
{
	bool notify = false;
	int ret;

	if (out) {
		ret = mkc_tx_prepare_wait(&ep->tx);
	} else {
		ret = mkc_rx_prepare_wait(&ep->rx, &notify);
		if (ret >= 0)
			ret = ret ? 0 : -EAGAIN;
	}
	if (notify)
		mkchan_ep_wake_peer(ep, EPOLLOUT | EPOLLWRNORM);
	if (ret == -EBADMSG)
		mkchan_mark_broken(ep->chan, out ? ep->index : 1 - ep->index);
	return ret;
}

/**
 * mkchan_ep_wait() - sleep on a kernel-driven endpoint
 * @ep: the endpoint; the caller holds its tx_lock (@out) or rx_lock
 * @out: wait for room to send rather than for a message
 * @timeout: in: jiffies to wait at most; out: jiffies left
 *
 * Announces the sleep (mkchan_ep_announce()), so that the peer wakes it:
 * a kernel-driven peer when it sends or makes room, one driven from user
 * space with MKCHAN_IOC_NOTIFY.  Returns when the event may have come,
 * the peer closed or the channel broke.  Each look before sleeping again
 * sets the flag again, since the wake-up cleared it.
 *
 * Return: 0, -ERESTARTSYS (signal), -ETIMEDOUT or -EBADMSG.
 */
int mkchan_ep_wait(struct mkchan_endpoint *ep, bool out, long *timeout)
{
	struct mkchan_ring *ring = &ep->chan->ring[out ? ep->index :
						   1 - ep->index];
	__poll_t want = out ? EPOLLOUT : EPOLLIN;
	long left;
	int ret;

	ret = mkchan_ep_announce(ep, out);
	if (ret != -EAGAIN)
		return ret;
	atomic64_inc(&ring->sleeps);
	left = wait_event_interruptible_timeout(ep->wq,
						mkchan_ep_ready(ep, want, true),
						*timeout);
	if (left < 0)
		return left;
	if (!left)
		return -ETIMEDOUT;
	*timeout = left;
	return 0;
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
