// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench - the machine's core-to-core cache-line transfer time, the floor
 * for any message passed through memory between two CPUs.
 *
 * One line: a 64-byte line, alone in its 128 bytes, written in turn by the
 * two sides, each spinning until the other's write arrives.  A round trip
 * is two transfers; one-way = round trip / 2.
 *
 * Ring: the same hand-over through a new line every time, from a ring of
 * RING_LINES lines per direction, the way a URPC ring uses its slots (no
 * protocol: a bare counter per line).  On some machines a line that has
 * not moved lately costs more to move than one that bounces all the time;
 * this shows how much.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkbench.h"

#define RING_LINES	256

struct lines {
	const struct bench_opts *o;
	struct {
		uint64_t __aligned(128) n;
	} side[2];			/* each side's private count */
	struct {
		uint64_t __aligned(64) v;
	} __aligned(128) line[2][RING_LINES];
};

/*
 * Side 0 turns the even value odd, side 1 turns it even again.  @side is
 * a constant: each side's loop is its own, inline, with nothing a message
 * but the hand-over (as every ping-pong mkbench holds against it).
 */
static __always_inline void one_line_side(struct lines *l, int side,
					  unsigned long n)
{
	const struct bench_opts *o = l->o;
	uint64_t *v = &l->line[0][0].v, x;

	for (; n; n--) {
		if (side == 0) {
			x = *v;		/* even: our turn */
			store_release(v, x + 1);
			while (load_acquire(v) == x + 1)
				bench_relax(o);
		} else {
			while (!((x = load_acquire(v)) & 1))
				bench_relax(o);
			store_release(v, x + 1);
		}
	}
}

/*
 * Hand-over k goes through line k % RING_LINES of each direction; the
 * count in a register, kept for the next repetition.  @side as above.
 */
static __always_inline void ring_side(struct lines *l, int side,
				      unsigned long n)
{
	const struct bench_opts *o = l->o;
	uint64_t k = l->side[side].n, *out, *in;

	for (; n; n--) {
		out = &l->line[side][k % RING_LINES].v;
		in = &l->line[!side][k % RING_LINES].v;
		k++;
		if (side == 0)
			store_release(out, k);
		while (load_acquire(in) != k)
			bench_relax(o);
		if (side == 1)
			store_release(out, k);
	}
	l->side[side].n = k;
}

/* One line: in one copy, the same in every round (it classes the rounds). */
static void one_line(void *arg, int side, unsigned long n)
{
	if (side == 0)
		one_line_side(arg, 0, n);
	else
		one_line_side(arg, 1, n);
}

static __always_inline void ring_pingpong(void *arg, int side,
					  unsigned long n)
{
	if (side == 0)
		ring_side(arg, 0, n);
	else
		ring_side(arg, 1, n);
}

/* A new line each time: a target's reference, in copies as URPC's loops. */
DEFINE_COPY(ring, ring_pingpong, 0)
DEFINE_COPY(ring, ring_pingpong, 1)
DEFINE_COPY(ring, ring_pingpong, 2)
DEFINE_COPY(ring, ring_pingpong, 3)
static const pair_fn ring_copies[MKBENCH_COPIES] = {
	ring_copy0, ring_copy1, ring_copy2, ring_copy3,
};

void cacheline_open(const struct bench_opts *o, bool ring, struct meas *m)
{
	struct lines *l = aligned_alloc(128, sizeof(*l));

	if (!l) {
		perror("mkbench");
		exit(1);
	}
	memset(l, 0, sizeof(*l));
	l->o = o;
	if (ring)
		meas_init_copies(o, m, ring_copies, 2, l, o->iters / 10,
				 o->iters, 2.0 * o->iters, free);
	else
		meas_init(o, m, one_line, l, o->iters / 10, o->iters,
			  2.0 * o->iters, free);
}
