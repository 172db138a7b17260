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
 * what comes back, side 1 sends back what it receives; one-way = round
 * trip / 2.  Streaming: side 0 sends its sequence number as fast as the
 * ring takes it, side 1 receives and checks every one; ns per message.
 * Alone: side 0 sends a message and takes it back from the same ring, side
 * 1 does nothing; ns per message, the CPU time a message costs the two
 * sides together with no line ever moving between cores.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	void *ring[2];		/* ring[s]: from side s to side !s */
	struct {
		uint64_t __aligned(128) seq;
	} side[2];		/* each side's sequence number */
};

static void ump_send(const struct bench_opts *o, struct ump_ring *r,
		     uint64_t v)
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

static uint64_t ump_recv(const struct bench_opts *o, struct ump_ring *r)
{
	uint64_t pos = r->rx.pos, v;
	struct ump_line *l = &r->line[pos % SLOTS];

	while (load_acquire(&l->flag) != pos + 1)
		bench_relax(o);
	v = l->payload;
	r->rx.pos = ++pos;
	if (pos % UMP_ACK_EVERY == 0)
		store_release(&r->acked, pos);
	return v;
}

static void spsc_push(const struct bench_opts *o, struct spsc_ring *r,
		      uint64_t v)
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

static uint64_t spsc_pop(const struct bench_opts *o, struct spsc_ring *r)
{
	uint64_t tail = r->cons.tail, v;

	while (tail == r->cons.head) {
		r->cons.head = load_acquire(&r->head);
		if (tail == r->cons.head)
			bench_relax(o);
	}
	v = r->slot[tail % SLOTS];
	store_release(&r->tail, tail + 1);
	r->cons.tail = tail + 1;
	return v;
}

/* Send @v from side @side to the other. */
static void peer_send(struct peer *p, int side, uint64_t v)
{
	if (p->kind == PEER_UMP)
		ump_send(p->o, p->ring[side], v);
	else
		spsc_push(p->o, p->ring[side], v);
}

/* Receive on side @side what the other sent. */
static uint64_t peer_recv(struct peer *p, int side)
{
	if (p->kind == PEER_UMP)
		return ump_recv(p->o, p->ring[!side]);
	return spsc_pop(p->o, p->ring[!side]);
}

static void bad_sequence(const char *what, uint64_t got, uint64_t want)
{
	fprintf(stderr, "mkbench: peer ring %s: message %llu where %llu was due\n",
		what, (unsigned long long)got, (unsigned long long)want);
	exit(1);
}

static void pingpong(void *arg, int side, unsigned long n)
{
	struct peer *p = arg;
	uint64_t *seq = &p->side[0].seq, v;

	for (; n; n--) {
		if (side == 1) {
			peer_send(p, 1, peer_recv(p, 1));
			continue;
		}
		peer_send(p, 0, *seq);
		v = peer_recv(p, 0);
		if (v != *seq)
			bad_sequence("ping-pong", v, *seq);
		++*seq;
	}
}

static void stream(void *arg, int side, unsigned long n)
{
	struct peer *p = arg;
	uint64_t *seq = &p->side[side].seq, v;

	for (; n; n--) {
		if (side == 0) {
			peer_send(p, 0, (*seq)++);
			continue;
		}
		v = peer_recv(p, 1);
		if (v != *seq)
			bad_sequence("stream", v, *seq);
		++*seq;
	}
}

static void alone(void *arg, int side, unsigned long n)
{
	struct peer *p = arg;
	uint64_t *seq = &p->side[0].seq, v;

	if (side == 1)
		return;
	for (; n; n--) {
		peer_send(p, 0, *seq);
		v = peer_recv(p, 1);
		if (v != *seq)
			bad_sequence("alone", v, *seq);
		++*seq;
	}
}

static void *ring_alloc(size_t size)
{
	void *r = aligned_alloc(128, (size + 127) & ~127UL);

	if (!r) {
		perror("mkbench");
		exit(1);
	}
	memset(r, 0, size);
	return r;
}

static void peer_free(void *arg)
{
	struct peer *p = arg;

	free(p->ring[0]);
	free(p->ring[1]);
	free(p);
}

void peer_ring_open(const struct bench_opts *o, enum peer_kind kind,
		    enum peer_use use, struct meas *m)
{
	size_t size = kind == PEER_UMP ? sizeof(struct ump_ring) :
					 sizeof(struct spsc_ring);
	struct peer *p = ring_alloc(sizeof(*p));
	unsigned long n = 10 * o->iters;

	p->o = o;
	p->kind = kind;
	p->ring[0] = ring_alloc(size);
	p->ring[1] = ring_alloc(size);
	/* The counts of URPC's rows (urpc.c), for the same message count. */
	switch (use) {
	case PEER_PINGPONG:
		meas_init(o, m, pingpong, p, o->iters / 10, o->iters,
			  2.0 * o->iters, peer_free);
		break;
	case PEER_STREAM:
		meas_init(o, m, stream, p, o->iters, n, n, peer_free);
		break;
	case PEER_ALONE:
		meas_init(o, m, alone, p, o->iters, n, n, peer_free);
		break;
	}
}
