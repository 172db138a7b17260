/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libmkchan - user-space library of mkchan.
 *
 * Every function returns 0 (or a file descriptor) on success and a
 * negative errno on failure, and leaves errno alone otherwise.
 *
 * An endpoint driven from user space (struct mkchan_ep) speaks the ring
 * protocol of <mkchan/urpc.h> directly on shared memory: sending and
 * receiving make no system call.  The memory comes from one of two
 * backends:
 *   - the module: an endpoint of /dev/mkchan, mapped with mkchan_map();
 *     sleeping is poll(2) on the endpoint, waking is MKCHAN_IOC_NOTIFY;
 *   - plain shared memory (mkchan_shm_create()): a memfd with the same
 *     layout, for hosts without the module; sleeping and waking are
 *     futexes on the slot header and on the published head.
 * One thread at a time may send on an endpoint, and one at a time may
 * receive on it.
 *
 * Light senders ("Light senders" in <linux/mkchan.h>), an endpoint's
 * choice (mkchan_set_light()): it sends with a compiler barrier instead of
 * a full one per message, and as a receiver calls membarrier() each time
 * it goes to sleep.  ep->tx.light says whether an endpoint sends light.
 *
 * struct mkchan_ep and the protocol state in it are compiled into the
 * callers of the inline fast paths: their layout is part of the ABI.
 */
#ifndef _LIBMKCHAN_H
#define _LIBMKCHAN_H

#include <stddef.h>
#include <linux/mkchan.h>
#include <linux/mkrep.h>
#include <mkchan/urpc.h>

#define MKCHAN_DEVICE	"/dev/mkchan"

/* Device and channels. */

/* Open /dev/mkchan (close-on-exec). Return: a file descriptor or -errno. */
int mkchan_open(void);

/* MKCHAN_IOC_QUERY into @q. */
int mkchan_query(int devfd, struct mkchan_query *q);

/* MKCHAN_IOC_CPU_INFO of @cpu into @ci; -EINVAL for an impossible CPU. */
int mkchan_cpu_info(int devfd, unsigned int cpu, struct mkchan_cpu_info *ci);

/*
 * Create a channel between @cpu0 and @cpu1 with @nslots slots a ring;
 * @flags are MKCHAN_CREATE_*.  The endpoint descriptors land in @fds.
 */
int mkchan_create(int devfd, unsigned int cpu0, unsigned int cpu1,
		  unsigned int nslots, unsigned int flags, int fds[2]);

/* MKCHAN_IOC_EP_INFO of endpoint @epfd into @info. */
int mkchan_ep_info(int epfd, struct mkchan_ep_info *info);

/* An endpoint driven from user space. */

struct mkchan_ep;

/* How a backend sleeps and wakes. */
struct mkchan_ep_ops {
	/* Wake the peer (it announced it is going to sleep). */
	int (*notify)(struct mkchan_ep *ep);
	/*
	 * Sleep until a message may have come (@out == 0) or room may have
	 * been made (@out == 1), after the matching prepare_wait said to.
	 */
	int (*wait)(struct mkchan_ep *ep, int out);
	/*
	 * Who clears a waiting flag: the waker (the module clears it before
	 * it wakes; poll() sets it again) or, false, the sleeper once awake
	 * (shared memory: the two sides alone, no poll()).
	 */
	bool waker_clears;
};

/**
 * struct mkchan_ep - one endpoint as user space drives it
 * @tx: the protocol state of the ring this endpoint sends on
 * @rx: the protocol state of the ring this endpoint receives from
 * @status: the channel's status (peer closed, broken)
 * @ops: the backend
 * @fd: the endpoint's file descriptor (module), or -1 (shared memory)
 * @index: 0 or 1
 * @nslots: slots of each ring
 * @map: start of the backend's mapping(s), for mkchan_unmap()
 * @map_size: their lengths
 * @sleeps: times this endpoint went to sleep
 * @notifies: times it woke its peer
 * @membarriers: times it called membarrier() before a sleep (light
 *	senders): each one interrupts every CPU that runs a registered process
 */
struct mkchan_ep {
	struct mkc_tx tx;
	struct mkc_rx rx;
	const struct mkchan_status *status;
	const struct mkchan_ep_ops *ops;
	int fd;
	unsigned int index;
	unsigned int nslots;
	void *map[2];
	size_t map_size[2];
	unsigned long sleeps;
	unsigned long notifies;
	unsigned long membarriers;
};

/*
 * Map endpoint @epfd (both of its views) and take over driving it from
 * where its last driver left off (the kernel, or an earlier mapping in
 * this process or in one that passed the descriptor on): the tail found
 * from the ring, which only this side writes, from the later of the
 * published tail and the peer's published head; the head as last
 * published.  What an earlier mapping received past that comes again, a
 * quarter ring at most: a mapping passed on calls mkchan_hand_back()
 * first, and mkchan_flush() for what it put.  @epfd stays open and owned
 * by the caller; mkchan_unmap() unmaps.  -EPROTO when the layout the
 * kernel describes does not fit the views it gives.  An endpoint an
 * earlier mapping made light is light here too (mkchan_set_light(), whose
 * error this returns when this process cannot keep it so): a program that
 * waits on it in its own poll or epoll must call mkchan_arm() first.
 */
int mkchan_map(struct mkchan_ep *ep, int epfd);

/*
 * Unmap @ep's views; nothing is published (a newer mapping of the
 * endpoint may drive it already).  See mkchan_map() for passing an
 * endpoint on.
 */
void mkchan_unmap(struct mkchan_ep *ep);

/*
 * Close an endpoint of either backend: unmap it and close its descriptor
 * (the module), or mkchan_shm_close() (shared memory).  The peer sees it
 * closed once every process that has the endpoint closed it.
 */
void mkchan_close(struct mkchan_ep *ep);

/*
 * Make @ep light, for good ("Light senders" in <linux/mkchan.h>): it
 * sends without a full barrier per message to receivers that carry the
 * cost, and its own senders may do the same, since it now calls
 * membarrier() each time it goes to sleep.  That costs an interrupt on
 * every CPU running a process registered for membarrier()'s global
 * expedited command, each time @ep sleeps: worth it for an endpoint that
 * sends much and sleeps seldom.  0, or -errno: membarrier()'s (-ENOSYS,
 * -EPERM; -EINVAL when it lacks the command), or for the module
 * -EOPNOTSUPP (a module without MKCHAN_FEAT_LIGHT_SENDERS) or
 * mkchan_open()'s (the feature is asked of /dev/mkchan).  A program that
 * waits in its own poll(2) or epoll on a light endpoint calls
 * mkchan_arm() before each wait.  Call it before the endpoint is used, or
 * from the thread that receives on it: a receiver going to sleep in
 * another thread meanwhile may have used a plain barrier.
 */
int mkchan_set_light(struct mkchan_ep *ep);

/* The largest ring of mkchan_shm_create(): 64 MiB of slots. */
#define MKCHAN_SHM_MAX_SLOTS	(1024U * 1024)

/*
 * A channel of @nslots slots a ring in plain shared memory (MAP_SHARED
 * memfd), no module: @ep0 and @ep1 may be used by two threads, or by two
 * processes after fork().  @nslots is a power of two from
 * MKCHAN_MIN_SLOTS to MKCHAN_SHM_MAX_SLOTS, else -EINVAL.
 * mkchan_shm_close() marks an endpoint closed for its peer, wakes the peer
 * and unmaps the endpoint.  Sleeping needs futex_waitv(2) (Linux 5.16) to
 * see a close at once; older kernels see it within 10 ms.
 */
int mkchan_shm_create(unsigned int nslots, struct mkchan_ep *ep0,
		      struct mkchan_ep *ep1);
void mkchan_shm_close(struct mkchan_ep *ep);

/* One turn of a spin loop: tell the CPU it is spinning. */
static inline void mkchan_cpu_relax(void)
{
#ifdef __x86_64__
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * Messages.
 *
 * The fast paths are inline: a send is a fixed-size copy, one release
 * store and, for mkchan_send()/mkchan_flush(), a full barrier (none for a
 * light sender) and one load of the peer's waiting flag; a receive is one
 * acquire load, a copy (none in place) and, every quarter ring, a
 * publication.  The rest is out of
 * line in msg.c: the peer's status (closed, broken) is read only when the
 * ring looks full to a sender or empty to a receiver, so a sender learns
 * of a close at the latest once it has filled what the ring had room for.
 */

/*
 * The fast paths are static inline in every caller; msg.c defines
 * MKCHAN_STATIC empty and declares them (fastpath.h), and so emits them
 * as the library's functions too, for callers that cannot use a C
 * header's inline functions (bindings of other languages).
 */
#ifndef MKCHAN_STATIC
#define MKCHAN_STATIC	static
#endif

/*
 * And inline they are, whatever the compiler's estimate of their size:
 * left to itself, gcc -O2 keeps mkchan_peek()'s loop out of line even
 * where @max is a constant 1, a call and a dozen instructions a message.
 * That holds with glibc, whose <sys/cdefs.h> defines __always_inline
 * with the attribute; with another C library, <linux/stddef.h> (or this
 * fallback) makes them plain inline functions, which the compiler may
 * keep out of line.
 */
#ifndef __always_inline
#define __always_inline	inline
#endif

/* Out of line (msg.c): what the inline fast paths call rarely. */
int mkchan_put_slow(struct mkchan_ep *ep);
int mkchan_recv_slow(struct mkchan_ep *ep, __u64 *hdr, int ret);
int mkchan_notify_peer(struct mkchan_ep *ep);

/*
 * Write one message without the notify check: 0, -EAGAIN (ring full),
 * -EPIPE (peer closed), -EBADMSG (corrupt channel), -EINVAL (@len > 56).
 * The peer's status is read when the credits run out, so a put after the
 * peer closed may return 0 (the message is lost, as are those the ring
 * held): -EPIPE comes at the latest a ring's worth of messages later.
 * Follow one or more with mkchan_flush().
 */
MKCHAN_STATIC __always_inline int mkchan_put(struct mkchan_ep *ep,
					     unsigned int type,
					     const void *data, size_t len)
{
	if (len > MKCHAN_PAYLOAD_MAX)
		return -EINVAL;
	if (__builtin_expect(ep->tx.tail >= ep->tx.limit, 0)) {
		int ret = mkchan_put_slow(ep);

		if (ret)
			return ret;
	}
	mkc_tx_put(&ep->tx, type, data, len);
	return 0;
}

/*
 * Wake the peer if it announced it is going to sleep: 0 or -errno.  The
 * messages are made visible first: a full barrier, or for a light sender
 * whose receiver carries the cost, the compiler's alone.
 */
MKCHAN_STATIC __always_inline int mkchan_flush(struct mkchan_ep *ep)
{
	return mkc_tx_peer_waiting(&ep->tx) ? mkchan_notify_peer(ep) : 0;
}

/* mkchan_put() then mkchan_flush(). */
MKCHAN_STATIC __always_inline int mkchan_send(struct mkchan_ep *ep,
					      unsigned int type,
					      const void *data, size_t len)
{
	int ret = mkchan_put(ep, type, data, len);

	return ret ? ret : mkchan_flush(ep);
}

/*
 * As mkchan_send(), but when the ring is full, spin @spin times re-reading
 * the credits, then sleep until there is room; before it sleeps it hands
 * back the slots this endpoint's receives freed (mkchan_hand_back()).
 */
int mkchan_send_wait(struct mkchan_ep *ep, unsigned int type,
		     const void *data, size_t len, unsigned long spin);

/*
 * Hand back the slots of the messages received on @ep so far: publish the
 * head a receive left unpublished (it publishes a quarter ring at a time)
 * and wake the peer if it waits for room.  0, or -errno when waking it
 * failed (the slots are handed back all the same).  The library's own
 * sleeps do it; a receiver that stops to block on something else (its own
 * poll, a lock, another descriptor) while its peer may be waiting for room
 * calls it first, or the two may wait on each other forever where two
 * pipes would not.  It may be called from a thread other than the
 * receiving one, and hands back what was received before the call.
 */
int mkchan_hand_back(struct mkchan_ep *ep);

/*
 * Say that the sender is about to sleep until there is room, for a
 * program that waits in its own poll(2), epoll or select on the
 * endpoint's descriptor for POLLOUT: look; if the ring is full, hand
 * back (above), publish the tail, set the waiting flag, full barrier,
 * look again.  1: there is room, do not wait; 0: wait now; -EBADMSG, or
 * -EOPNOTSUPP for shared memory (no descriptor).  Needed before each such
 * wait, from the thread that sends: poll() judges the room from the tail
 * this publishes, which sends alone do not.
 */
int mkchan_arm_room(struct mkchan_ep *ep);

/**
 * struct mkchan_msg - a message looked at in place
 * @data: its payload, in the ring's slot: valid until it is consumed, and
 *	shared memory that a peer breaking the protocol could rewrite while
 *	it is read (copy out what must be checked before it is used)
 * @type: its type
 * @len: its length, at most MKCHAN_PAYLOAD_MAX
 */
struct mkchan_msg {
	const void *data;
	unsigned int type;
	unsigned int len;
};

/*
 * Fill in @msg from the slot of a message found and its header @hdr; the
 * library's own, not part of its interface.
 */
static __always_inline void mkc_msg_of(struct mkchan_msg *msg,
				       const struct mkchan_slot *slot,
				       __u64 hdr)
{
	msg->data = slot->data;
	msg->type = mkc_hdr_type(hdr);
	msg->len = mkc_hdr_len(hdr);
}

/*
 * Look at up to @max (at least 1) of the next messages in place, without
 * consuming them: how many are there (1 to @max, filled in @msg[]), or
 * -EAGAIN (none), -EPIPE (none, and the peer closed), -EBADMSG (the next
 * slot holds garbage), -EINVAL (@max is 0).  @max is cut to the ring's
 * slots.  It reads the headers from the head on and stops at the first
 * one that is not the message due there, reading none past it (why:
 * Documentation/design.rst).  Garbage after the first message ends the
 * batch before it; a look once the head reaches it reports it.  With the
 * peer closed, the stream ends at its first missing message (-EPIPE),
 * whatever lies further on.
 * mkchan_consume() hands their slots back (published a quarter ring at a
 * time, or at once by mkchan_hand_back()).
 */
MKCHAN_STATIC __always_inline int mkchan_peek(struct mkchan_ep *ep,
					      struct mkchan_msg *msg,
					      unsigned int max)
{
	/*
	 * The receiving side's position, read once into a copy before the
	 * first header's acquire (or the compiler reads it again after each
	 * one): nothing below moves the head, the slow path included.
	 */
	const struct mkc_rx rx = ep->rx;
	const struct mkchan_slot *slot;
	unsigned int i = 0;
	__u64 hdr, found;
	int ret;

	if (!max)
		return -EINVAL;
	if (max > 1 && max > ep->nslots)
		max = ep->nslots;
	ret = mkc_rx_look(&rx, 0, &hdr, &slot);
	if (__builtin_expect(ret != 1, 0)) {
		/* its own variable: @hdr stays in a register */
		ret = mkchan_recv_slow(ep, &found, ret);
		if (ret < 0)
			return ret;
		hdr = found;
	}
	for (;;) {
		mkc_msg_of(&msg[i], slot, hdr);
		if (++i == max || mkc_rx_look(&rx, i, &hdr, &slot) != 1)
			return (int)i;
	}
}

/*
 * Look at message @k after the head in place, without consuming anything:
 * 1 with it in *@msg; -EAGAIN when it has not come; -EPIPE when @k is 0,
 * the message has not come and the peer closed; -EBADMSG when its slot
 * holds garbage; -EINVAL when @k is not below the ring's slots.  A batch
 * as mkchan_peek()'s without its array, for a receiver that uses each
 * message where it lies: look at 0, 1, ... while they are there, then
 * mkchan_consume() as many.  Each look is one acquire load of the header
 * and its check, and says nothing of the messages before @k (each header
 * is checked on its own): look at them in order, and stop at the first
 * one missing, as mkchan_peek() does (why: Documentation/design.rst).  A
 * look past the head (@k > 0) does not read the peer's status: it says
 * -EAGAIN of a message that will not come, and the look at 0 once the
 * head gets there says -EPIPE.
 */
MKCHAN_STATIC __always_inline int mkchan_peek_at(struct mkchan_ep *ep,
						 unsigned int k,
						 struct mkchan_msg *msg)
{
	const struct mkchan_slot *slot;
	__u64 hdr, found;
	int ret;

	if (__builtin_expect(k > ep->rx.mask, 0))
		return -EINVAL;
	ret = mkc_rx_look(&ep->rx, k, &hdr, &slot);
	if (__builtin_expect(ret != 1, 0)) {
		if (k)
			return ret ? ret : -EAGAIN;
		/* as mkchan_peek() */
		ret = mkchan_recv_slow(ep, &found, ret);
		if (ret < 0)
			return ret;
		hdr = found;
	}
	mkc_msg_of(msg, slot, hdr);
	return 1;
}

/*
 * Whether mkchan_peek() would find something (a message, or garbage it
 * reports): one load of the next header, nothing else, for the loop of a
 * receiver that spins.  The peer's close is not looked at: a spinner also
 * calls mkchan_peek() now and then (or before it sleeps) to see -EPIPE.
 */
MKCHAN_STATIC __always_inline bool mkchan_ready(const struct mkchan_ep *ep)
{
	return !mkc_rx_empty(&ep->rx);
}

/*
 * Hand back the slots of the first @n messages mkchan_peek() or
 * mkchan_peek_at() found: 0, or -errno when waking the sender failed (they
 * are consumed all the same).
 */
MKCHAN_STATIC __always_inline int mkchan_consume(struct mkchan_ep *ep,
						 unsigned int n)
{
	return mkc_rx_consume_n(&ep->rx, n) ? mkchan_notify_peer(ep) : 0;
}

/*
 * Take one message if there is one: its type in *@type, its payload into
 * @data (MKCHAN_PAYLOAD_MAX bytes), its length in *@len.  0, -EAGAIN
 * (empty), -EPIPE (empty and the peer closed), -EBADMSG.
 */
MKCHAN_STATIC __always_inline int mkchan_try_recv(struct mkchan_ep *ep,
						  unsigned int *type,
						  void *data, size_t *len)
{
	__u64 hdr;
	int ret;

	ret = mkc_rx_peek(&ep->rx, &hdr);
	if (__builtin_expect(ret != 1, 0)) {
		ret = mkchan_recv_slow(ep, &hdr, ret);
		if (ret < 0)
			return ret;
	}
	*type = mkc_hdr_type(hdr);
	*len = mkc_hdr_len(hdr);
	/* The message is ours even if waking the sender fails. */
	if (mkc_rx_take(&ep->rx, hdr, data))
		mkchan_notify_peer(ep);
	return 0;
}

/*
 * Say that the receiver is about to sleep, for a program that waits in its
 * own poll(2), epoll or select on the endpoint's descriptor: publish the
 * head, set the waiting flag, barrier (membarrier() for a light endpoint),
 * look again; the first look is before all that, and the membarrier() is
 * left out while the flag is still set from the last one.  1: a message
 * (or garbage) is there, do not wait; 0: wait now; -EBADMSG,
 * membarrier()'s error, or -EOPNOTSUPP for shared memory (no descriptor).
 * Needed before each wait on a light endpoint (whose poll() only reports
 * the flag a wake-up cleared) and before each edge-triggered epoll_wait()
 * on any endpoint (the wake-up cleared the flag, and nothing else sets it
 * again before epoll looks, which it does only after a new event).
 */
int mkchan_arm(struct mkchan_ep *ep);

/*
 * Sleep until a message may have come, for a receiver that found the ring
 * empty (mkchan_peek() or mkchan_try_recv() said -EAGAIN): 0 to look
 * again (also after a signal; the look says -EPIPE once the peer closed),
 * -EBADMSG, or an error of mkchan_arm() or of the backend's sleep.
 */
int mkchan_wait_message(struct mkchan_ep *ep);

/*
 * As mkchan_try_recv(), but when the ring is empty, spin @spin times, then
 * sleep until a message comes (or the peer closes: -EPIPE).
 */
int mkchan_recv(struct mkchan_ep *ep, unsigned int *type, void *data,
		size_t *len, unsigned long spin);

/*
 * Replicated page tables of mkrep (<linux/mkrep.h>): a member's view.
 *
 * A member joins a space from a thread bound to its CPU, gets a window on
 * the space and a read-only status page, and checks the status word in
 * its own event loop:
 *
 *	if (mkrep_waiting(&r))
 *		mkrep_apply(&r);
 *
 * or sleeps in poll(2) on r.fd (POLLIN: a request waits).
 */

#define MKREP_DEVICE	"/dev/mkrep"

/* A member's replica of a space. */
struct mkrep_replica {
	int fd;				/* the member fd */
	unsigned int cpu;		/* the member's CPU */
	void *window;			/* the member's window on the space */
	size_t length;			/* its length */
	const struct mkrep_member_status *status;	/* read-only page */
};

/* Open /dev/mkrep (close-on-exec). Return: a file descriptor or -errno. */
int mkrep_open(void);

/*
 * A space of @length bytes with delivery @strategy and bound @bound_ns
 * (0: the module's default); close-on-exec.  Return: its fd or -errno.
 */
int mkrep_space_create(int devfd, size_t length, unsigned int strategy,
		       unsigned long long bound_ns);

/* MKREP_IOC_SPACE_INFO of @spacefd into @info. */
int mkrep_space_info(int spacefd, struct mkrep_space_info *info);

/*
 * Join @spacefd on @cpu, to which the calling thread must be bound alone,
 * and map the status page.  Fills @r.
 */
int mkrep_join(int spacefd, unsigned int cpu, struct mkrep_replica *r);

/* Leave: unmap the window and the status page, close the member fd. */
void mkrep_leave(struct mkrep_replica *r);

/* Whether a request waits for the replica: one load, no system call. */
static inline int mkrep_waiting(const struct mkrep_replica *r)
{
	return __atomic_load_n(&r->status->waiting, __ATOMIC_ACQUIRE) != 0;
}

/* MKREP_IOC_APPLY. Return: 1 (applied), 0 (nothing waited) or -errno. */
int mkrep_apply(const struct mkrep_replica *r);

/*
 * MKREP_IOC_OP of @op (MKREP_OP_*) with @prot over [@offset, +@length)
 * of the space; the kernel's answer lands in @out if not NULL.
 */
int mkrep_op(const struct mkrep_replica *r, unsigned int op,
	     unsigned int prot, size_t offset, size_t length,
	     struct mkrep_op *out);

/* Mapped counters of mkrep, updated without a system call. */
#include "libmkchan_counter.h"

#endif /* _LIBMKCHAN_H */
