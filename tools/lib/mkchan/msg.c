// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libmkchan - sending and receiving messages on an endpoint.
 *
 * Everything here is the protocol of <mkchan/urpc.h> plus the status of
 * the channel; the backend (ep->ops) is called only to sleep and to wake
 * a peer that announced it is going to sleep.  The fast paths are inline
 * in libmkchan.h; this file has what they call rarely (no credit left,
 * nothing to read, a peer to wake) and the paths that sleep.
 */
#include <errno.h>

/* The inline fast paths of libmkchan.h, emitted here out of line too. */
#define MKCHAN_STATIC
#include "fastpath.h"

static bool peer_closed(const struct mkchan_ep *ep)
{
	return mkc_load_acquire(&ep->status->closed) &
	       MKCHAN_STATUS_EP(!ep->index);
}

int mkchan_notify_peer(struct mkchan_ep *ep)
{
	ep->notifies++;
	return ep->ops->notify(ep);
}

/*
 * mkchan_put() found no credit left: the peer's status, then the head it
 * published.  0 when there is room; -EPIPE, -EBADMSG or -EAGAIN.
 */
int mkchan_put_slow(struct mkchan_ep *ep)
{
	if (peer_closed(ep))
		return -EPIPE;
	if (mkc_read_once(ep->status->broken))
		return -EBADMSG;
	return mkc_tx_refresh(&ep->tx);
}

/*
 * A receive found no message at the head (@ret from mkc_rx_peek(): 0 or
 * -EBADMSG): look again if the peer closed, since what it sent before it
 * closed is visible then.  1 with the message's header in *@hdr, or
 * -EAGAIN, -EPIPE, -EBADMSG.
 */
int mkchan_recv_slow(struct mkchan_ep *ep, __u64 *hdr, int ret)
{
	if (ret)
		return ret;
	if (!peer_closed(ep))
		return -EAGAIN;
	ret = mkc_rx_peek(&ep->rx, hdr);
	return ret ? ret : -EPIPE;
}

int mkchan_hand_back(struct mkchan_ep *ep)
{
	return mkc_rx_hand_back(&ep->rx) ? mkchan_notify_peer(ep) : 0;
}

/*
 * Announce a wait for room: first hand back the room our own receives
 * made (the peer may be waiting for it before it reads what we sent; it
 * is handed back even if waking the peer fails), then as
 * mkc_tx_prepare_wait(): 0 (room now), -EAGAIN (sleep) or -EBADMSG.
 */
static int announce_room(struct mkchan_ep *ep)
{
	mkchan_hand_back(ep);
	return mkc_tx_prepare_wait(&ep->tx);
}

/* Sleep until the receiver may have made room: 0 (look again) or -errno. */
static int wait_room(struct mkchan_ep *ep)
{
	int ret = announce_room(ep);

	if (ret == -EAGAIN) {
		ret = 0;
		if (!peer_closed(ep)) {
			ep->sleeps++;
			ret = ep->ops->wait(ep, 1);
		}
	}
	if (!ep->ops->waker_clears)
		mkc_tx_end_wait(&ep->tx);
	return ret;
}

int mkchan_arm_room(struct mkchan_ep *ep)
{
	int ret;

	/* Only the module's endpoints have a descriptor to wait on. */
	if (ep->fd < 0)
		return -EOPNOTSUPP;
	/* A first look: with room, the peer need not be told anything. */
	ret = mkc_tx_space(&ep->tx);
	if (ret == -EAGAIN)
		ret = announce_room(ep);
	if (ret == -EAGAIN)
		return 0;
	return ret ? ret : 1;
}

int mkchan_send_wait(struct mkchan_ep *ep, unsigned int type,
		     const void *data, size_t len, unsigned long spin)
{
	unsigned long i;
	int ret;

	for (i = 0;; i++) {
		ret = mkchan_send(ep, type, data, len);
		if (ret != -EAGAIN)
			return ret;
		if (i < spin) {
			mkchan_cpu_relax();
			continue;
		}
		ret = wait_room(ep);
		if (ret)
			return ret;
	}
}

/*
 * Publish, set the flag, barrier, look again.  The barrier is membarrier()
 * when light senders may be sending to us, unless our flag is still set
 * since the last one: only this side sets it (poll() does not, for a
 * light receiver), so a flag found set was set before a membarrier()
 * that every later light send is ordered after.
 */
static int arm(struct mkchan_ep *ep)
{
	bool light = mkc_read_once(ep->rx.ctl->flags) & MKCHAN_CTL_MEMBARRIER;
	bool armed = mkc_read_once(ep->rx.ctl->waiting);
	bool wake;
	__u64 hdr;
	int ret = 0;

	mkc_rx_announce(&ep->rx, &wake);
	if (light && !armed) {
		ep->membarriers++;
		ret = mkchan_membarrier();
	} else {
		mkc_mb();
	}
	if (!ret)
		ret = mkc_rx_peek(&ep->rx, &hdr);
	if (wake)
		mkchan_notify_peer(ep);
	return ret;
}

int mkchan_arm(struct mkchan_ep *ep)
{
	__u64 hdr;
	int ret;

	/* Only the module's endpoints have a descriptor to wait on. */
	if (ep->fd < 0)
		return -EOPNOTSUPP;
	ret = mkc_rx_peek(&ep->rx, &hdr);
	return ret ? ret : arm(ep);
}

int mkchan_wait_message(struct mkchan_ep *ep)
{
	int ret = arm(ep);

	if (!ret && !peer_closed(ep)) {
		ep->sleeps++;
		ret = ep->ops->wait(ep, 0);
	}
	if (!ep->ops->waker_clears)
		mkc_rx_end_wait(&ep->rx);
	return ret < 0 ? ret : 0;
}

int mkchan_recv(struct mkchan_ep *ep, unsigned int *type, void *data,
		size_t *len, unsigned long spin)
{
	unsigned long i;
	int ret;

	for (i = 0;; i++) {
		ret = mkchan_try_recv(ep, type, data, len);
		if (ret != -EAGAIN)
			return ret;
		if (i < spin) {
			mkchan_cpu_relax();
			continue;
		}
		ret = mkchan_wait_message(ep);
		if (ret)
			return ret;
	}
}
