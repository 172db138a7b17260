// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libmkchan - driving an endpoint of /dev/mkchan through its mappings.
 *
 * The endpoint has two views: a writable one (the slots it sends into and
 * its own control lines) and a read-only one (the slots it receives from,
 * the peer's control lines and the channel status).  Sleeping is poll(2)
 * on the endpoint, waking the peer is MKCHAN_IOC_NOTIFY.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static int module_notify(struct mkchan_ep *ep)
{
	return ioctl(ep->fd, MKCHAN_IOC_NOTIFY, 0) ? -errno : 0;
}

static int module_wait(struct mkchan_ep *ep, int out)
{
	struct pollfd p = { .fd = ep->fd, .events = out ? POLLOUT : POLLIN };

	if (poll(&p, 1, -1) < 0)
		return errno == EINTR ? 0 : -errno;	/* the caller looks again */
	if (p.revents & POLLERR)
		return -EBADMSG;
	if ((p.revents & POLLHUP) && (out || !(p.revents & POLLIN)))
		return -EPIPE;
	return 0;
}

static const struct mkchan_ep_ops module_ops = {
	.notify = module_notify,
	.wait = module_wait,
	.waker_clears = true,
};

/* Whether [@off, @off + @len) lies inside a view of @size bytes. */
static int inside(__u64 off, __u64 len, __u64 size)
{
	return off <= size && len <= size - off;
}

/*
 * The tail that earlier drivers of the ring reached.  The one published
 * (by the kernel when it handed the endpoint over, or by a mapping before
 * it slept) may be laps behind: a mapping publishes its tail only then.
 * The peer's published head is never ahead of the tail and at most a
 * ring behind it, and no slot from there on has been written over since:
 * go on from the later of the two over each slot that holds the next
 * message, a ring at most.  Only this side writes these slots, so what is
 * there was sent.  The head is the peer's word: past the published tail
 * it is taken only when the message before it is in its slot (or, the
 * ring full, the message a ring later) and a ring's worth of positions
 * is left above it; a peer that publishes another gets -EBADMSG at the
 * first send, as before, and one that fools this loses its own stream.
 */
static __u64 tail_reached(const struct mkchan_slot *slots, __u32 nslots,
			  __u64 tail, __u64 head)
{
	__u32 mask = nslots - 1, seq, n;

	if (head > tail && head <= ~0ULL - 2ULL * nslots) {
		seq = (__u32)mkc_load_acquire(&slots[(head - 1) & mask].header);
		if (seq == mkc_seq(head - 1) || seq == mkc_seq(head - 1 + nslots))
			tail = head;
	}
	for (n = 0; n < nslots; n++, tail++)
		if ((__u32)mkc_load_acquire(&slots[tail & mask].header) !=
		    mkc_seq(tail))
			break;
	return tail;
}

int mkchan_map(struct mkchan_ep *ep, int epfd)
{
	struct mkchan_ep_info info;
	__u64 ring, ctl = sizeof(struct mkchan_ctl);
	struct mkchan_ctl *tx_ctl, *rx_ctl;
	const struct mkchan_ctl *tx_peer;
	char *rw, *ro;
	int ret;

	ret = mkchan_ep_info(epfd, &info);
	if (ret)
		return ret;
	/* Check the layout before trusting it. */
	ring = (__u64)info.nslots * sizeof(struct mkchan_slot);
	if (info.index > 1 || info.nslots < MKCHAN_MIN_SLOTS ||
	    (info.nslots & (info.nslots - 1)) ||
	    !inside(info.tx_slots, ring, info.rw_size) ||
	    !inside(info.tx_ctl, ctl, info.rw_size) ||
	    !inside(info.rx_ctl, ctl, info.rw_size) ||
	    !inside(info.rx_slots, ring, info.ro_size) ||
	    !inside(info.rx_peer_ctl, ctl, info.ro_size) ||
	    !inside(info.tx_peer_ctl, ctl, info.ro_size) ||
	    !inside(info.status, sizeof(struct mkchan_status), info.ro_size))
		return -EPROTO;

	rw = mmap(NULL, info.rw_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		  epfd, info.rw_offset);
	if (rw == MAP_FAILED)
		return -errno;
	ro = mmap(NULL, info.ro_size, PROT_READ, MAP_SHARED, epfd,
		  info.ro_offset);
	if (ro == MAP_FAILED) {
		ret = -errno;
		munmap(rw, info.rw_size);
		return ret;
	}

	memset(ep, 0, sizeof(*ep));
	tx_ctl = (struct mkchan_ctl *)(rw + info.tx_ctl);
	rx_ctl = (struct mkchan_ctl *)(rw + info.rx_ctl);
	/*
	 * Where the last driver left off: the tail from the ring, the head
	 * as last published (by the kernel when the first mapping took
	 * over, or by a mapping: a quarter ring at a time, before it slept,
	 * at a hand-back).  What an earlier mapping received past it comes
	 * again.
	 */
	tx_peer = (const struct mkchan_ctl *)(ro + info.tx_peer_ctl);
	mkc_tx_init(&ep->tx, (struct mkchan_slot *)(rw + info.tx_slots),
		    tx_ctl, tx_peer, info.nslots,
		    tail_reached((struct mkchan_slot *)(rw + info.tx_slots),
				 info.nslots, mkc_load_acquire(&tx_ctl->pos),
				 mkc_load_acquire(&tx_peer->pos)));
	mkc_rx_init(&ep->rx, (const struct mkchan_slot *)(ro + info.rx_slots),
		    rx_ctl, (const struct mkchan_ctl *)(ro + info.rx_peer_ctl),
		    info.nslots, mkc_load_acquire(&rx_ctl->pos));
	ep->status = (const struct mkchan_status *)(ro + info.status);
	ep->ops = &module_ops;
	ep->fd = epfd;
	ep->index = info.index;
	ep->nslots = info.nslots;
	ep->map[0] = rw;
	ep->map_size[0] = info.rw_size;
	ep->map[1] = ro;
	ep->map_size[1] = info.ro_size;
	/*
	 * An earlier mapping made it light: its light senders count on a
	 * membarrier() before each sleep, which this process must make too.
	 */
	if (mkc_read_once(rx_ctl->flags) & MKCHAN_CTL_MEMBARRIER) {
		ret = mkchan_set_light(ep);
		if (ret) {
			mkchan_unmap(ep);
			return ret;
		}
	}
	return 0;
}

void mkchan_close(struct mkchan_ep *ep)
{
	if (ep->fd < 0) {
		mkchan_shm_close(ep);
		return;
	}
	mkchan_unmap(ep);
	close(ep->fd);
	ep->fd = -1;
}

void mkchan_unmap(struct mkchan_ep *ep)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (ep->map[i])
			munmap(ep->map[i], ep->map_size[i]);
		ep->map[i] = NULL;
		ep->map_size[i] = 0;
	}
}
