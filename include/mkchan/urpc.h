/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The URPC ring protocol of mkchan, written once.
 *
 * This header compiles in the kernel (mkchan's kernel-driven endpoints)
 * and in user space (libmkchan, mkbench, the selftests); nothing else
 * implements the protocol.  The contract it implements, with its memory
 * ordering, is written in <uapi/linux/mkchan.h>.
 *
 * Every function works on one side of one ring and keeps that side's
 * position in private memory (struct mkc_tx, struct mkc_rx).  None of them
 * sleeps, takes a lock or makes a system call; the caller serialises the
 * users of one side.  Values read from shared memory are read once and
 * checked: garbage written by the peer gives -EBADMSG, never an access
 * outside the ring.
 */
#ifndef _MKCHAN_URPC_H
#define _MKCHAN_URPC_H

#ifdef __KERNEL__
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include <uapi/linux/mkchan.h>

/*
 * The barriers of the contract in <uapi/linux/mkchan.h>: a header or a
 * published position is stored with release and loaded with acquire, and
 * a side that checks its peer's waiting flag after publishing (or sets its
 * own before looking again) puts a full barrier in between.
 */
/* acquire: pairs with mkc_store_release() of the publishing side */
#define mkc_load_acquire(p)		smp_load_acquire(p)
/* release: the payload (or the consumption) is visible before this */
#define mkc_store_release(p, v)		smp_store_release(p, v)
#define mkc_read_once(x)		READ_ONCE(x)
#define mkc_write_once(x, v)		WRITE_ONCE(x, v)
/* full: orders a publication before the read of the peer's flag */
#define mkc_mb()			smp_mb()
/* the compiler's alone: a light sender (never the kernel) */
#define mkc_barrier()			barrier()
/* The payload may be rewritten by a hostile peer while it is copied. */
#define mkc_copy_payload(d, s, n)	data_race(mkc_copy_msg(d, s, n))
#else
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <linux/mkchan.h>

/* The same barriers with the compiler's atomics; see above. */
#define mkc_load_acquire(p)		__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define mkc_store_release(p, v)		__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define mkc_read_once(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define mkc_write_once(x, v)		__atomic_store_n(&(x), v, __ATOMIC_RELAXED)
/* full barrier; on x86-64 as the kernel's smp_mb(), cheaper than mfence */
static inline void mkc_mb(void)
{
#if defined(__x86_64__)
	__asm__ __volatile__("lock; addl $0,-4(%%rsp)" ::: "memory", "cc");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* the compiler's alone; see mkc_tx_peer_waiting() */
#define mkc_barrier()			__atomic_signal_fence(__ATOMIC_SEQ_CST)

/* the value found at @p; not a full barrier on every CPU: mkc_mb() after */
static inline __u64 mkc_cmpxchg(__u64 *p, __u64 old, __u64 new_val)
{
	__atomic_compare_exchange_n(p, &old, new_val, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_RELAXED);
	return old;
}

#define mkc_copy_payload(d, s, n)	mkc_copy_msg(d, s, n)
#endif

/*
 * Copy a payload of @n bytes (at most MKCHAN_PAYLOAD_MAX).  A length known
 * at compile time is one fixed-size copy; the common run-time lengths are
 * fixed-size copies too, so that none of them becomes a call to memcpy().
 */
static inline void *mkc_copy_msg(void *d, const void *s, unsigned int n)
{
	if (__builtin_constant_p(n))
		return memcpy(d, s, n);
	switch (n) {
	case 8:
		return memcpy(d, s, 8);
	case 16:
		return memcpy(d, s, 16);
	case 24:
		return memcpy(d, s, 24);
	case 32:
		return memcpy(d, s, 32);
	case 48:
		return memcpy(d, s, 48);
	case MKCHAN_PAYLOAD_MAX:
		return memcpy(d, s, MKCHAN_PAYLOAD_MAX);
	default:
		return memcpy(d, s, n);
	}
}

/* The sequence number in the header of message @pos. */
static inline __u32 mkc_seq(__u64 pos)
{
	return (__u32)(pos + 1);
}

static inline __u64 mkc_hdr(__u64 pos, unsigned int type, unsigned int len)
{
	return (__u64)mkc_seq(pos) |
	       ((__u64)len << MKCHAN_HDR_LEN_SHIFT) |
	       ((__u64)(type & 0xff) << MKCHAN_HDR_TYPE_SHIFT);
}

static inline unsigned int mkc_hdr_len(__u64 hdr)
{
	return (hdr >> MKCHAN_HDR_LEN_SHIFT) & 0xff;
}

static inline unsigned int mkc_hdr_type(__u64 hdr)
{
	return (hdr >> MKCHAN_HDR_TYPE_SHIFT) & 0xff;
}

/*
 * Whether @hdr, read from the slot of message @pos of a ring of @nslots,
 * is what the slot held before message @pos was written: zero on the
 * first lap (never written), else the message a lap before (its sequence
 * number; the rest of its header is not looked at).  Never true of
 * message @pos itself: mkc_seq(pos) is not zero on the first lap, and
 * differs from mkc_seq(pos - nslots) after, since @nslots < 2^32.
 */
static inline bool mkc_hdr_prev(__u64 hdr, __u64 pos, __u32 nslots)
{
	return pos < nslots ? hdr == 0 : (__u32)hdr == mkc_seq(pos - nslots);
}

/*
 * The length field of @hdr with the reserved bits above it, the type's
 * bits between them cleared, shifted down: at most MKCHAN_PAYLOAD_MAX
 * exactly when no reserved bit is set and the length fits a slot, so that
 * the two are one test (mkchan/ring.c asserts the layout it takes).
 */
static inline __u32 mkc_hdr_len_rsvd(__u64 hdr)
{
	return (__u32)((hdr & (MKCHAN_HDR_RSVD_MASK |
			       0xffULL << MKCHAN_HDR_LEN_SHIFT)) >>
		       MKCHAN_HDR_LEN_SHIFT);
}

/*
 * Classify @hdr, read from the slot of message @pos of a ring of @nslots:
 * 1 when it is message @pos, 0 when the slot still holds the previous lap
 * (or was never written), -EBADMSG for anything else.
 */
static inline int mkc_hdr_check(__u64 hdr, __u64 pos, __u32 nslots)
{
	if ((__u32)hdr != mkc_seq(pos))
		return mkc_hdr_prev(hdr, pos, nslots) ? 0 : -EBADMSG;
	return mkc_hdr_len_rsvd(hdr) <= MKCHAN_PAYLOAD_MAX ? 1 : -EBADMSG;
}

/**
 * struct mkc_tx - the sending side of one ring
 * @slots: the ring's slots
 * @ctl: this side's control line (tail, waiting)
 * @peer: the receiver's control line (head, waiting); read only
 * @tail: next message to write
 * @limit: messages below @limit may be written (credits)
 * @mask: slots - 1
 * @light: the sender's process is registered for membarrier()'s global
 *	expedited command, so that it may leave out its full barrier for a
 *	receiver with %MKCHAN_CTL_MEMBARRIER ("Light senders" in
 *	<uapi/linux/mkchan.h>); never in the kernel
 */
struct mkc_tx {
	struct mkchan_slot *slots;
	struct mkchan_ctl *ctl;
	const struct mkchan_ctl *peer;
	__u64 tail;
	__u64 limit;
	__u32 mask;
	bool light;
};

static inline void mkc_tx_init(struct mkc_tx *tx, struct mkchan_slot *slots,
			       struct mkchan_ctl *ctl,
			       const struct mkchan_ctl *peer, __u32 nslots,
			       __u64 tail)
{
	tx->slots = slots;
	tx->ctl = ctl;
	tx->peer = peer;
	tx->tail = tail;
	tx->limit = tail;	/* the first send reads the published head */
	tx->mask = nslots - 1;
	tx->light = false;
}

/*
 * Re-read the receiver's published head: 0 when there is room for one
 * message, -EAGAIN when the ring is full, -EBADMSG when the published head
 * is impossible (behind the previous lap or ahead of the tail).
 */
static inline int mkc_tx_refresh(struct mkc_tx *tx)
{
	__u64 head = mkc_load_acquire(&tx->peer->pos);

	if (head > tx->tail || tx->tail - head > (__u64)tx->mask + 1)
		return -EBADMSG;
	tx->limit = head + tx->mask + 1;
	return tx->tail < tx->limit ? 0 : -EAGAIN;
}

/* 0 when there is room for one message; else as mkc_tx_refresh(). */
static inline int mkc_tx_space(struct mkc_tx *tx)
{
	return tx->tail < tx->limit ? 0 : mkc_tx_refresh(tx);
}

/*
 * Write the next message (@len <= MKCHAN_PAYLOAD_MAX); mkc_tx_space() must
 * have returned 0.  The header is the last store, with release semantics.
 * The tail is read once: the copy into the slot, bytes, could alias
 * anything as far as the compiler knows, and would make it read again.
 */
static inline void mkc_tx_put(struct mkc_tx *tx, unsigned int type,
			      const void *data, unsigned int len)
{
	__u64 tail = tx->tail;
	struct mkchan_slot *slot = &tx->slots[tail & tx->mask];

	mkc_copy_msg(slot->data, data, len);
	mkc_store_release(&slot->header, mkc_hdr(tail, type, len));
	tx->tail = tail + 1;
}

/*
 * After one or more mkc_tx_put(): whether the receiver announced it is
 * going to sleep, so that the sender must notify it.  Full barrier first,
 * so that the messages are visible before the flag is read; or, for a
 * light sender whose receiver runs membarrier() before its last look, the
 * compiler's barrier alone: the receiver's membarrier() puts a full
 * barrier into this thread's program wherever it is, and either it falls
 * before this read (which then sees the flag), or the messages were
 * visible before the receiver looked.  The bit, once seen, stays set.
 */
static inline bool mkc_tx_peer_waiting(const struct mkc_tx *tx)
{
	if (tx->light &&
	    (mkc_read_once(tx->peer->flags) & MKCHAN_CTL_MEMBARRIER))
		mkc_barrier();
	else
		mkc_mb();
	return mkc_read_once(tx->peer->waiting) != 0;
}

/*
 * Announce that the sender is going to sleep until there is room: publish
 * the tail, set the waiting flag, full barrier, look again.  0: there is
 * room now, do not sleep; -EAGAIN: sleep; -EBADMSG.  Who clears the flag
 * depends on who wakes: with the module, the kernel, just before it wakes
 * the side (the side leaves it set); between two sides alone in shared
 * memory, the side itself, with mkc_tx_end_wait() once it stops waiting.
 */
static inline int mkc_tx_prepare_wait(struct mkc_tx *tx)
{
	mkc_store_release(&tx->ctl->pos, tx->tail);
	mkc_write_once(tx->ctl->waiting, 1);
	mkc_mb();
	return mkc_tx_refresh(tx);
}

static inline void mkc_tx_end_wait(struct mkc_tx *tx)
{
	mkc_write_once(tx->ctl->waiting, 0);
}

/**
 * struct mkc_rx - the receiving side of one ring
 * @slots: the ring's slots; read only
 * @ctl: this side's control line (head, waiting)
 * @peer: the sender's control line (tail, waiting); read only
 * @head: next message to read; stored with release, so that another
 *	thread may hand the room back (mkc_rx_hand_back())
 * @published: the head last published in @ctl
 * @mask: slots - 1
 * @batch: publish the head at least every @batch messages
 */
struct mkc_rx {
	const struct mkchan_slot *slots;
	struct mkchan_ctl *ctl;
	const struct mkchan_ctl *peer;
	__u64 head;
	__u64 published;
	__u32 mask;
	__u32 batch;
};

static inline void mkc_rx_init(struct mkc_rx *rx,
			       const struct mkchan_slot *slots,
			       struct mkchan_ctl *ctl,
			       const struct mkchan_ctl *peer, __u32 nslots,
			       __u64 head)
{
	rx->slots = slots;
	rx->ctl = ctl;
	rx->peer = peer;
	rx->head = head;
	rx->published = head;
	rx->mask = nslots - 1;
	rx->batch = nslots / 4;
}

/*
 * Look at message @k after the head (@k below the ring's slots) without
 * consuming anything: its slot in *@slot, and its header, read once with
 * acquire semantics, in *@hdr, classified as mkc_hdr_check() does: 1 when
 * it is there, 0 when not yet, -EBADMSG.  What it needs of @rx is read
 * before the acquire, after which the compiler would read it again; the
 * caller reads the payload through *@slot.
 */
static inline int mkc_rx_look(const struct mkc_rx *rx, __u32 k, __u64 *hdr,
			      const struct mkchan_slot **slot)
{
	__u64 pos = rx->head + k;
	__u32 mask = rx->mask;
	const struct mkchan_slot *s = &rx->slots[pos & mask];

	*slot = s;
	*hdr = mkc_load_acquire(&s->header);
	return mkc_hdr_check(*hdr, pos, mask + 1);
}

/*
 * Look at the next message without consuming it: 1 when it is there (its
 * header in *@hdr), 0 when the ring is empty, -EBADMSG.  The header is
 * read once, with acquire semantics.
 */
static inline int mkc_rx_peek(const struct mkc_rx *rx, __u64 *hdr)
{
	const struct mkchan_slot *slot;

	return mkc_rx_look(rx, 0, hdr, &slot);
}

/*
 * Whether the next slot still holds what it held before message @rx->head
 * was written (mkc_hdr_prev()): true exactly when mkc_rx_peek() returns 0,
 * as mkc_hdr_prev() is never true of the message due.  One load of the
 * header, with acquire semantics, and that one test; for a receiver that
 * spins, where mkc_rx_peek() first tells the message due from garbage.
 */
static inline bool mkc_rx_empty(const struct mkc_rx *rx)
{
	__u64 head = rx->head;
	__u32 mask = rx->mask;
	__u64 hdr = mkc_load_acquire(&rx->slots[head & mask].header);

	return mkc_hdr_prev(hdr, head, mask + 1);
}

/*
 * Publish the head; then, after a full barrier, whether the sender waits
 * for room and must be notified.
 */
static inline bool mkc_rx_publish(struct mkc_rx *rx)
{
	mkc_store_release(&rx->ctl->pos, rx->head);
	rx->published = rx->head;
	mkc_mb();
	return mkc_read_once(rx->peer->waiting) != 0;
}

#ifndef __KERNEL__
/*
 * Hand back the room the receiver made: publish the head it consumed up
 * to, if that is ahead of the published one, then (full barrier) whether
 * the sender waits for room and must be notified.  For a side about to
 * sleep until there is room on its other ring, and for a receiver about
 * to block on something else: without it, two sides that each consumed
 * less than a batch and then each wait on the other would wait forever
 * where two pipes would not.
 *
 * It may run in a thread other than the receiving one: it reads the head
 * that thread stored (acquire, pairing with the release in
 * mkc_rx_consume(): the slots below it are done with), and only ever moves
 * the published head forward (compare-and-exchange: the receiver's own
 * publication stores a head at least as far, or the exchange sees it).
 * @rx->published, the receiver's own, is left alone.  It publishes what
 * was received before it was called: what another thread receives after,
 * that thread publishes as usual (a quarter ring at a time, before it
 * sleeps for a message, or with a hand-back of its own).
 */
static inline bool mkc_rx_hand_back(struct mkc_rx *rx)
{
	__u64 head = mkc_load_acquire(&rx->head);
	__u64 pos = mkc_read_once(rx->ctl->pos);
	__u64 was;

	while (pos < head) {
		was = mkc_cmpxchg(&rx->ctl->pos, pos, head);
		if (was == pos) {
			/* full: the head is published before the flag is read */
			mkc_mb();
			return mkc_read_once(rx->peer->waiting) != 0;
		}
		pos = was;
	}
	return false;
}
#endif /* user space only: the kernel's receivers publish before they return */

/* Copy the payload of the message mkc_rx_peek() found (header @hdr). */
static inline void mkc_rx_copy(const struct mkc_rx *rx, __u64 hdr, void *data)
{
	const struct mkchan_slot *slot = &rx->slots[rx->head & rx->mask];

	mkc_copy_payload(data, slot->data, mkc_hdr_len(hdr));
}

/*
 * Consume the message at the head, publishing the head every @batch
 * messages.  Returns true when the head was published and the sender must
 * be notified.
 */
static inline bool mkc_rx_consume(struct mkc_rx *rx)
{
	__u64 head = rx->head + 1;

	/* release: we are done with the slot; see mkc_rx_hand_back() */
	mkc_store_release(&rx->head, head);
	if (head - rx->published >= rx->batch)
		return mkc_rx_publish(rx);
	return false;
}

/* Consume @n messages (all of them found there) as mkc_rx_consume(). */
static inline bool mkc_rx_consume_n(struct mkc_rx *rx, __u32 n)
{
	__u64 head = rx->head + n;

	/* release: as mkc_rx_consume() */
	mkc_store_release(&rx->head, head);
	if (head - rx->published >= rx->batch)
		return mkc_rx_publish(rx);
	return false;
}

/*
 * Copy out the message mkc_rx_peek() found (its header @hdr) into @data
 * (MKCHAN_PAYLOAD_MAX bytes) and consume it: mkc_rx_copy() then
 * mkc_rx_consume().
 */
static inline bool mkc_rx_take(struct mkc_rx *rx, __u64 hdr, void *data)
{
	mkc_rx_copy(rx, hdr, data);
	return mkc_rx_consume(rx);
}

/*
 * The first half of mkc_rx_prepare_wait(): publish the head (*@notify:
 * the sender must be notified) and set the waiting flag.  The caller then
 * executes the barrier (membarrier() for a receiver with
 * MKCHAN_CTL_MEMBARRIER, else a full one) and looks again.
 */
static inline void mkc_rx_announce(struct mkc_rx *rx, bool *notify)
{
	*notify = rx->published != rx->head && mkc_rx_publish(rx);
	mkc_write_once(rx->ctl->waiting, 1);
}

/*
 * Announce that the receiver is going to sleep until a message comes:
 * publish the head (*@notify: the sender must be notified), set the
 * waiting flag, full barrier, look again.  1: a message is there, do not
 * sleep; 0: sleep; -EBADMSG.  The flag is cleared as mkc_tx_prepare_wait()
 * says: by the kernel with the module, else with mkc_rx_end_wait().
 */
static inline int mkc_rx_prepare_wait(struct mkc_rx *rx, bool *notify)
{
	__u64 hdr;

	mkc_rx_announce(rx, notify);
	mkc_mb();
	return mkc_rx_peek(rx, &hdr);
}

static inline void mkc_rx_end_wait(struct mkc_rx *rx)
{
	mkc_write_once(rx->ctl->waiting, 0);
}

#endif /* _MKCHAN_URPC_H */
