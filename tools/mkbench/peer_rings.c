// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench - two reference rings to hold URPC against: well-known ways of
 * passing messages between two cores through shared memory, written here
 * for the comparison.  They are not mkchan's protocol and carry none of
 * its features (types, lengths, sleeping, notification): the least a ring
 * of URPC_NSLOTS slots has to do, measured on the same CPUs in the same
 * rounds as URPC.
 *
 * UMP-style ring, after Barrelfish's UMP channels: a message is a 64-byte
 * line; its payload is written first, then its last word, the flag (here
 * the message's position in the stream plus one, so a sequence flag that
 * never repeats rather than an epoch bit), with release.  The receiver
 * polls the flag of the next line and owns nothing the sender reads but an
 * acknowledgment line, which it writes once every quarter ring; the
 * sender reads that line only when the ring looks full to it.
 *
 * SPSC ring with cached indices, in the style of rigtorp's SPSCQueue: a
 * ring of 8-byte slots, a head (written by the producer) and a tail
 * (written by the consumer) on lines of their own; each side keeps a copy
 * of the other's index on a private line and reads the shared one again
 * only when its copy says the ring is full (producer) or empty
 * (consumer).
 *
 * Ping-pong: a ring each way, side 0 sends its sequence number and checks
 * what comes back, side 1 sends back what it receives, each answering
 * before it hands the message back, as URPC's ping-pong does; one-way =
 * round trip / 2.  Streaming: side 0 sends its sequence number as fast as
 * the ring takes it, side 1 receives and checks every one; ns per
 * message.  Alone: side 0 sends URPC_ALONE_BATCH messages and takes them
 * back from the same ring, side 1 does nothing; ns per message, the CPU
 * time a message costs the two sides together with no line ever moving
 * between cores.
 *
 * The rings live where URPC's do: in a memfd that each side maps for
 * itself, as two processes would, both rings in each view (a stream or
 * the one thread alone uses ring 0 only).  It matters to the one thread
 * alone, which sends through side 0's view and takes through side 1's,
 * as URPC's row does through the two endpoints' mappings: on an Intel
 * Xeon host a UMP-style ring cost 1.4-1.6 ns a message sent and taken at
 * once through one view and 5.1-5.5 through two, as if a load through
 * one view of a store through the other waited for the store to reach
 * the cache rather than take it from the store buffer.  (Hence the batch
 * the one thread sends before it takes: each store has long reached the
 * cache when it is loaded.)
 */
#define _GNU_SOURCE	/* memfd_create() */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "mkbench.h"

#define SLOTS		URPC_NSLOTS
#define UMP_ACK_EVERY	(SLOTS / 4)	/* messages per acknowledgment */

struct ump_line {
	uint64_t __aligned(64) payload;
	uint64_t unused[6];
	uint64_t flag;		/* position + 1, written last */
};

struct ump_ring {
	struct ump_line line[SLOTS];
	/* messages taken, by the receiver */
	uint64_t __aligned(128) acked;
	/* each side's own, on lines of their own */
	struct {
		uint64_t __aligned(128) pos;
		uint64_t acked;		/* the last value read of @acked */
	} tx;				/* the sender's own */
	struct {
		uint64_t __aligned(128) pos;
	} rx;				/* the receiver's own */
};

struct spsc_ring {
	uint64_t __aligned(128) head;	/* next to write, by the producer */
	uint64_t __aligned(128) tail;	/* next to read, by the consumer */
	struct {
		uint64_t __aligned(128) head;
		uint64_t tail;		/* cached copy of @tail */
	} prod;
	struct {
		uint64_t __aligned(128) tail;
		uint64_t head;		/* cached copy of @head */
	} cons;
	uint64_t __aligned(128) slot[SLOTS];
};

struct peer {
	const struct bench_opts *o;
	enum peer_kind kind;
	enum peer_use use;
	char *view[2];		/* side s's mapping of both rings */
	size_t ring_size;	/* a ring's part of the memfd, page-aligned */
	size_t map_size;	/* both rings */
	struct {
		uint64_t __aligned(128) seq;
	} side[2];		/* each side's sequence number */
};

static __always_inline void ump_send(const struct bench_opts *o,
				     struct ump_ring *r, uint64_t v)
{
	uint64_t pos = r->tx.pos;
	struct ump_line *l = &r->line[pos % SLOTS];

	while (pos - r->tx.acked >= SLOTS) {
		r->tx.acked = load_acquire(&r->acked);
		if (pos - r->tx.acked >= SLOTS)
			bench_relax(o);
	}
	l->payload = v;
	store_release(&l->flag, pos + 1);
	r->tx.pos = pos + 1;
}

/*
 * Wait for message @pos, the receiver's next (read before, so that the
 * acquire does not make the compiler read it again), and read it.
 */
static __always_inline uint64_t ump_peek(const struct bench_opts *o,
					 struct ump_ring *r, uint64_t pos)
{
	struct ump_line *l = &r->line[pos % SLOTS];

	while (load_acquire(&l->flag) != pos + 1)
		bench_relax(o);
	return l->payload;
}

/* Hand back message @pos, which ump_peek() read. */
static __always_inline void ump_consume(struct ump_ring *r, uint64_t pos)
{
	r->rx.pos = ++pos;
	if (pos % UMP_ACK_EVERY == 0)
		store_release(&r->acked, pos);
}

static __always_inline void spsc_push(const struct bench_opts *o,
				      struct spsc_ring *r, uint64_t v)
{
	uint64_t head = r->prod.head;

	while (head - r->prod.tail == SLOTS) {
		r->prod.tail = load_acquire(&r->tail);
		if (head - r->prod.tail == SLOTS)
			bench_relax(o);
	}
	r->slot[head % SLOTS] = v;
	store_release(&r->head, head + 1);
	r->prod.head = head + 1;
}

/* Wait for value @tail, the consumer's next, and read it; as ump_peek(). */
static __always_inline uint64_t spsc_peek(const struct bench_opts *o,
					  struct spsc_ring *r, uint64_t tail)
{
	while (tail == r->cons.head) {
		r->cons.head = load_acquire(&r->head);
		if (tail == r->cons.head)
			bench_relax(o);
	}
	return r->slot[tail % SLOTS];
}

/* Hand back value @tail, which spsc_peek() read. */
static __always_inline void spsc_consume(struct spsc_ring *r, uint64_t tail)
{
	store_release(&r->tail, tail + 1);
	r->cons.tail = tail + 1;
}

/* Ring @r (from side r to side !r) as side @side sees it. */
static __always_inline void *ring_of(const struct peer *p, int side, int r)
{
	return p->view[side] + r * p->ring_size;
}

/* Send @v through @ring, a ring of @kind. */
static __always_inline void ring_send(const struct bench_opts *o,
				      enum peer_kind kind, void *ring,
				      uint64_t v)
{
	if (kind == PEER_UMP)
		ump_send(o, ring, v);
	else
		spsc_push(o, ring, v);
}

/* The position of the next message @ring, a ring of @kind, receives. */
static __always_inline uint64_t ring_pos(enum peer_kind kind, void *ring)
{
	if (kind == PEER_UMP)
		return ((struct ump_ring *)ring)->rx.pos;
	return ((struct spsc_ring *)ring)->cons.tail;
}

/* Wait for message @pos of @ring, the next, and read it. */
static __always_inline uint64_t ring_peek(const struct bench_opts *o,
					  enum peer_kind kind, void *ring,
					  uint64_t pos)
{
	if (kind == PEER_UMP)
		return ump_peek(o, ring, pos);
	return spsc_peek(o, ring, pos);
}

/* Hand back message @pos, which ring_peek() read. */
static __always_inline void ring_consume(enum peer_kind kind, void *ring,
					 uint64_t pos)
{
	if (kind == PEER_UMP)
		ump_consume(ring, pos);
	else
		spsc_consume(ring, pos);
}

/* Receive from @ring, a ring of @kind. */
static __always_inline uint64_t ring_recv(const struct bench_opts *o,
					  enum peer_kind kind, void *ring)
{
	uint64_t pos = ring_pos(kind, ring);
	uint64_t v = ring_peek(o, kind, ring, pos);

	ring_consume(kind, ring, pos);
	return v;
}

static void bad_sequence(const char *what, uint64_t got, uint64_t want)
{
	fprintf(stderr, "mkbench: peer ring %s: message %llu where %llu was due\n",
		what, (unsigned long long)got, (unsigned long long)want);
	exit(1);
}

/*
 * The three uses, through rings of @kind, a constant: each loop inline,
 * as URPC's rows and the cache line's are, with no call and no choice of
 * ring a message; the sequence number in a register, kept for the next
 * repetition.
 */

/*
 * Side 0 sends its sequence number, side 1 sends it back; each side
 * answers before it hands the message back (side 0 after its next send),
 * as URPC's ping-pong does.
 */
static __always_inline void pingpong_of(struct peer *p, enum peer_kind kind,
					int side, unsigned long n)
{
	const struct bench_opts *o = p->o;
	uint64_t seq = p->side[0].seq, v, pos;
	void *out = ring_of(p, side, side), *in = ring_of(p, side, !side);
	bool taken = false;

	if (side == 1) {
		for (; n; n--) {
			pos = ring_pos(kind, in);
			ring_send(o, kind, out, ring_peek(o, kind, in, pos));
			ring_consume(kind, in, pos);
		}
		return;
	}
	pos = ring_pos(kind, in);
	for (; n; n--) {
		ring_send(o, kind, out, seq);
		if (taken)
			ring_consume(kind, in, pos++);
		v = ring_peek(o, kind, in, pos);
		taken = true;
		if (v != seq)
			bad_sequence("ping-pong", v, seq);
		seq++;
	}
	if (taken)
		ring_consume(kind, in, pos);
	p->side[0].seq = seq;
}

/* Side 0 sends its sequence number, side 1 receives and checks it. */
static __always_inline void stream_of(struct peer *p, enum peer_kind kind,
				      int side, unsigned long n)
{
	const struct bench_opts *o = p->o;
	uint64_t seq = p->side[side].seq, v;
	void *ring = ring_of(p, side, 0);

	for (; n; n--) {
		if (side == 0) {
			ring_send(o, kind, ring, seq++);
			continue;
		}
		v = ring_recv(o, kind, ring);
		if (v != seq)
			bad_sequence("stream", v, seq);
		seq++;
	}
	p->side[side].seq = seq;
}

/*
 * Side 0 alone: sends URPC_ALONE_BATCH messages through its view of ring
 * 0 and takes them back through side 1's.
 */
static __always_inline void alone_of(struct peer *p, enum peer_kind kind,
				     int side, unsigned long n)
{
	const struct bench_opts *o = p->o;
	uint64_t seq = p->side[0].seq, v;
	void *tx = ring_of(p, 0, 0), *rx = ring_of(p, 1, 0);
	unsigned long k, i;

	if (side == 1)
		return;
	for (; n; n -= k) {
		k = n < URPC_ALONE_BATCH ? n : URPC_ALONE_BATCH;
		for (i = 0; i < k; i++)
			ring_send(o, kind, tx, seq + i);
		for (i = 0; i < k; i++) {
			v = ring_recv(o, kind, rx);
			if (v != seq)
				bad_sequence("alone", v, seq);
			seq++;
		}
	}
	p->side[0].seq = seq;
}

/* The loop of @p's use, for rings of @kind and side @side, constants. */
static __always_inline void run_of(struct peer *p, enum peer_kind kind,
				   int side, unsigned long n)
{
	switch (p->use) {
	case PEER_PINGPONG:
		pingpong_of(p, kind, side, n);
		break;
	case PEER_STREAM:
		stream_of(p, kind, side, n);
		break;
	case PEER_ALONE:
		alone_of(p, kind, side, n);
		break;
	}
}

/* Each kind of ring and each side runs a loop of its own. */
static __always_inline void run(void *arg, int side, unsigned long n)
{
	struct peer *p = arg;

	if (p->kind == PEER_UMP) {
		if (side)
			run_of(p, PEER_UMP, 1, n);
		else
			run_of(p, PEER_UMP, 0, n);
	} else if (side) {
		run_of(p, PEER_SPSC, 1, n);
	} else {
		run_of(p, PEER_SPSC, 0, n);
	}
}

DEFINE_COPY(run, run, 0)
DEFINE_COPY(run, run, 1)
DEFINE_COPY(run, run, 2)
DEFINE_COPY(run, run, 3)
static const pair_fn run_copies[MKBENCH_COPIES] = {
	run_copy0, run_copy1, run_copy2, run_copy3,
};

static void peer_fail(const char *what)
{
	int err = errno;

	fprintf(stderr, "mkbench: peer rings: %s: %s\n", what, strerror(err));
	exit(1);
}

/* Both rings, zeroed, in a memfd that each side maps for itself. */
static void rings_map(struct peer *p, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd, i;

	if (page <= 0) {
		fprintf(stderr, "mkbench: peer rings: no page size\n");
		exit(1);
	}
	p->ring_size = (size + page - 1) & ~(page - 1);
	p->map_size = 2 * p->ring_size;
	fd = memfd_create("mkbench-peer", MFD_CLOEXEC);
	if (fd < 0)
		peer_fail("memfd_create");
	if (ftruncate(fd, p->map_size))
		peer_fail("ftruncate");
	for (i = 0; i < 2; i++) {
		p->view[i] = mmap(NULL, p->map_size, PROT_READ | PROT_WRITE,
				  MAP_SHARED, fd, 0);
		if (p->view[i] == MAP_FAILED)
			peer_fail("mmap");
	}
	close(fd);
}

static void peer_free(void *arg)
{
	struct peer *p = arg;

	munmap(p->view[0], p->map_size);
	munmap(p->view[1], p->map_size);
	free(p);
}

void peer_ring_open(const struct bench_opts *o, enum peer_kind kind,
		    enum peer_use use, struct meas *m)
{
	size_t size = kind == PEER_UMP ? sizeof(struct ump_ring) :
					 sizeof(struct spsc_ring);
	struct peer *p = aligned_alloc(128, sizeof(*p));
	unsigned long n = 10 * o->iters;

	if (!p)
		peer_fail("aligned_alloc");
	memset(p, 0, sizeof(*p));
	p->o = o;
	p->kind = kind;
	p->use = use;
	rings_map(p, size);
	/* The counts of URPC's rows (urpc.c), for the same message count. */
	switch (use) {
	case PEER_PINGPONG:
		meas_init_copies(o, m, run_copies, 1, p, o->iters / 10,
				 o->iters, 2.0 * o->iters, peer_free);
		break;
	case PEER_STREAM:
	case PEER_ALONE:
		meas_init_copies(o, m, run_copies, 1, p, o->iters, n, n,
				 peer_free);
		break;
	}
}
