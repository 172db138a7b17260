// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libmkchan - channels in plain shared memory, without the module.
 *
 * One memfd holds the whole channel, laid out as the module lays out its
 * rings, one part per page-aligned block:
 *
 *	ring 0:	slots | sender's ctl page | receiver's ctl page
 *	ring 1:	slots | sender's ctl page | receiver's ctl page
 *	status page (struct mkchan_status)
 *
 * Endpoint i sends on ring i and receives from ring 1 - i.  Each endpoint
 * maps the whole memfd once, MAP_SHARED, so that it can be closed (and
 * unmapped) on its own, and so that the two endpoints work in two threads
 * as well as in two processes after fork().
 *
 * Sleeping and waking are futexes (shared ones: the words live in a shared
 * mapping, possibly of two processes).  A receiver sleeps on the low 32
 * bits of the header of the slot it waits for, expecting the "empty" value
 * it saw there, so that the sender's header store itself ends the wait; a
 * sender waiting for room sleeps on the low 32 bits of the head the
 * receiver publishes.  Both also wait on the status word @closed, which
 * mkchan_shm_close() changes, so that a close can never slip between the
 * last look and the sleep: futex_waitv(2), Linux 5.16 or later.  On older
 * kernels they sleep on the first word alone and look again every 10 ms.
 */
#define _GNU_SOURCE	/* memfd_create() */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "internal.h"

/* The 32-bit futex word holding the low half of a 64-bit value. */
static __u32 *low_word(const __u64 *p)
{
	return (__u32 *)p + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
}

static void futex_wake(const __u32 *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/*
 * Sleep while *@word is @val and *@closed is @cval, until woken.  Returns
 * 0 after any wake-up, mismatch or signal (the caller looks again).
 */
static int futex_sleep(const __u32 *word, __u32 val, const __u32 *closed,
		       __u32 cval)
{
	static const struct timespec poll_close = { 0, 10 * 1000 * 1000 };
	struct futex_waitv w[2] = {
		{ .val = val, .uaddr = (uintptr_t)word, .flags = FUTEX_32 },
		{ .val = cval, .uaddr = (uintptr_t)closed, .flags = FUTEX_32 },
	};
	static int no_waitv;
	long ret;

	if (!mkc_read_once(no_waitv)) {
		ret = syscall(__NR_futex_waitv, w, 2, 0, NULL, 0);
		if (ret >= 0 || errno == EAGAIN || errno == EINTR)
			return 0;
		/* No futex_waitv() here (before Linux 5.16). */
		mkc_write_once(no_waitv, 1);
	}
	ret = syscall(SYS_futex, word, FUTEX_WAIT, val, &poll_close, NULL, 0);
	if (ret && errno != EAGAIN && errno != EINTR && errno != ETIMEDOUT)
		return -errno;
	return 0;
}

static int shm_wait(struct mkchan_ep *ep, int out)
{
	const __u32 *closed = &ep->status->closed;
	__u32 c = mkc_load_acquire(closed);
	const __u64 *word;
	__u64 v;

	if (c & MKCHAN_STATUS_EP(!ep->index))
		return 0;
	if (!out) {
		word = &ep->rx.slots[ep->rx.head & ep->rx.mask].header;
		v = mkc_load_acquire(word);
		if (mkc_hdr_check(v, ep->rx.head, ep->rx.mask + 1))
			return 0;	/* a message, or garbage: look again */
	} else {
		word = &ep->tx.peer->pos;
		v = mkc_load_acquire(word);
		if (v > ep->tx.tail || ep->tx.tail - v <= ep->tx.mask)
			return 0;	/* room, or garbage: look again */
	}
	return futex_sleep(low_word(word), (__u32)v, closed, c);
}

/*
 * Wake whatever the peer may sleep on: as a receiver, the header of the
 * slot at the head it published (it publishes before it sets `waiting`,
 * with a full barrier in between); as a sender, the head this endpoint
 * publishes.  @all: whether waiting flags set or not.
 */
static void wake_peer(struct mkchan_ep *ep, bool all)
{
	__u64 head;

	if (all || mkc_read_once(ep->tx.peer->waiting)) {
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		head = mkc_load_acquire(&ep->tx.peer->pos);
		futex_wake(low_word(&ep->tx.slots[head & ep->tx.mask].header));
	}
	if (all || mkc_read_once(ep->rx.peer->waiting))
		futex_wake(low_word(&ep->rx.ctl->pos));
}

static int shm_notify(struct mkchan_ep *ep)
{
	wake_peer(ep, false);
	return 0;
}

static const struct mkchan_ep_ops shm_ops = {
	.notify = shm_notify,
	.wait = shm_wait,
};

static void shm_setup(struct mkchan_ep *ep, char *base, size_t size,
		      unsigned int index, unsigned int nslots, size_t slots,
		      size_t page)
{
	size_t ring = slots + 2 * page;
	char *tx = base + index * ring, *rx = base + (1 - index) * ring;

	memset(ep, 0, sizeof(*ep));
	mkc_tx_init(&ep->tx, (struct mkchan_slot *)tx,
		    (struct mkchan_ctl *)(tx + slots),
		    (const struct mkchan_ctl *)(tx + slots + page), nslots, 0);
	mkc_rx_init(&ep->rx, (const struct mkchan_slot *)rx,
		    (struct mkchan_ctl *)(rx + slots + page),
		    (const struct mkchan_ctl *)(rx + slots), nslots, 0);
	ep->status = (const struct mkchan_status *)(base + 2 * ring);
	ep->ops = &shm_ops;
	ep->fd = -1;
	ep->index = index;
	ep->nslots = nslots;
	ep->map[0] = base;
	ep->map_size[0] = size;
}

int mkchan_shm_create(unsigned int nslots, struct mkchan_ep *ep0,
		      struct mkchan_ep *ep1)
{
	size_t page = sysconf(_SC_PAGESIZE), slots, size;
	void *map[2] = { MAP_FAILED, MAP_FAILED };
	int fd, i, ret = 0;

	if (nslots < MKCHAN_MIN_SLOTS || nslots > MKCHAN_SHM_MAX_SLOTS ||
	    (nslots & (nslots - 1)))
		return -EINVAL;
	slots = ((size_t)nslots * sizeof(struct mkchan_slot) + page - 1) &
		~(page - 1);
	size = 2 * (slots + 2 * page) + page;

	fd = memfd_create("mkchan", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size))
		ret = -errno;
	for (i = 0; i < 2 && !ret; i++) {
		map[i] = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			      fd, 0);
		if (map[i] == MAP_FAILED)
			ret = -errno;
	}
	close(fd);
	if (ret) {
		if (map[0] != MAP_FAILED)
			munmap(map[0], size);
		return ret;
	}
	shm_setup(ep0, map[0], size, 0, nslots, slots, page);
	shm_setup(ep1, map[1], size, 1, nslots, slots, page);
	return 0;
}

void mkchan_shm_close(struct mkchan_ep *ep)
{
	__u32 *closed = (__u32 *)&ep->status->closed;

	/* After the messages sent so far; the peer reads it with acquire. */
	__atomic_fetch_or(closed, MKCHAN_STATUS_EP(ep->index),
			  __ATOMIC_SEQ_CST);
	futex_wake(closed);
	wake_peer(ep, true);	/* for kernels without futex_waitv */
	mkchan_unmap(ep);
}
