// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libmkchan - sending and receiving messages on an endpoint.
 *
 * Everything here is the protocol of <mkchan/urpc.h> plus the status of
 * the channel; the backend (ep->ops) is called only to sleep and to wake
 * a peer that announced it is going to sleep.  The fast paths make no
 * system call.
 */
#include <errno.h>

#include "libmkchan.h"

static inline void cpu_relax(void)
{
#ifdef __x86_64__
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static bool peer_closed(const struct mkchan_ep *ep)
{
	return mkc_load_acquire(&ep->status->closed) &
	       MKCHAN_STATUS_EP(!ep->index);
}

static int notify(struct mkchan_ep *ep)
{
	ep->notifies++;
	return ep->ops->notify(ep);
}

int mkchan_put(struct mkchan_ep *ep, unsigned int type, const void *data,
	       size_t len)
{
	int ret;

	if (len > MKCHAN_PAYLOAD_MAX)
		return -EINVAL;
	if (peer_closed(ep))
		return -EPIPE;
	if (mkc_read_once(ep->status->broken))
		return -EBADMSG;
	ret = mkc_tx_space(&ep->tx);
	if (ret)
		return ret;
	mkc_tx_put(&ep->tx, type, data, len);
	return 0;
}

int mkchan_flush(struct mkchan_ep *ep)
{
	return mkc_tx_peer_waiting(&ep->tx) ? notify(ep) : 0;
}

int mkchan_send(struct mkchan_ep *ep, unsigned int type, const void *data,
		size_t len)
{
	int ret = mkchan_put(ep, type, data, len);

	return ret ? ret : mkchan_flush(ep);
}

/* Sleep until the receiver may have made room: 0 (look again) or -errno. */
static int wait_room(struct mkchan_ep *ep)
{
	int ret = mkc_tx_prepare_wait(&ep->tx);

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

int mkchan_try_recv(struct mkchan_ep *ep, unsigned int *type, void *data,
		    size_t *len)
{
	__u64 hdr;
	int ret;

	ret = mkc_rx_peek(&ep->rx, &hdr);
	if (!ret) {
		if (!peer_closed(ep))
			return -EAGAIN;
		/* What the peer sent before it closed is visible now. */
		ret = mkc_rx_peek(&ep->rx, &hdr);
		if (!ret)
			return -EPIPE;
	}
	if (ret < 0)
		return ret;
	*type = mkc_hdr_type(hdr);
	*len = mkc_hdr_len(hdr);
	/* The message is ours even if waking the sender fails. */
	if (mkc_rx_take(&ep->rx, hdr, data))
		notify(ep);
	return 0;
}

/* Sleep until a message may have come: 0 (look again) or -errno. */
static int wait_message(struct mkchan_ep *ep)
{
	bool wake;
	int ret = mkc_rx_prepare_wait(&ep->rx, &wake);

	if (wake)
		notify(ep);
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
		ret = wait_message(ep);
		if (ret)
			return ret;
	}
}
