// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench counter, user: the placements of mkrep's counters in plain C11
 * atomics, in this process: the same comparison on this machine's
 * hardware, without a module.
 *
 *   atomic  one counter on one line: every add an atomic_fetch_add(), a
 *           locked read-modify-write of the line every thread writes;
 *   wm      write-mostly: a slot a thread, each on lines of its own; an add
 *           is a load and a store of the thread's own slot (no lock, as
 *           local64_add() in the kernel); a read is the total the thread's
 *           last exact read found plus its own adds since; an exact read
 *           sums every slot;
 *   rm      read-mostly: a row a reader, with a slot for each thread; an
 *           add writes the thread's new sum into its own slot, then into
 *           its slot of every row; a read sums the reader's own row, an
 *           exact read every thread's own slot;
 *   rseq    a mapped counter's slots (a CPU each, not a thread) in plain
 *           memory, updated with libmkchan's restartable sequences
 *           (counter_mapped.c).
 *
 * A counter has a slot, and a row, for every CPU of the run, whether a
 * thread runs there or not, as mkrep's have one for every possible CPU.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "counter.h"

/* Never shared by two CPUs: a line and the one the prefetcher pairs it with. */
#define LINE		128
#define PER_LINE	(LINE / sizeof(long long))

/* A thread's slot: the write-mostly replica, and its read-mostly sum. */
struct slot {
	atomic_llong __aligned(LINE) own;	/* written by its thread only */
	long long seen;		/* the total the thread's last exact read found */
	long long own_at_seen;	/* @own as that read counted it */
	atomic_llong pushed;	/* read-mostly: the thread's adds */
};

struct user_counters {
	atomic_llong *atomic;		/* alone on its line */
	struct slot *slot;		/* a slot a CPU of the run */
	atomic_llong *row;		/* read-mostly: a row a CPU of the run */
	unsigned int nslots;
	size_t row_len;			/* slots of a row, whole lines */
};

static inline void wm_add(struct slot *s, long long d)
{
	long long v = atomic_load_explicit(&s->own, memory_order_relaxed);

	atomic_store_explicit(&s->own, v + d, memory_order_relaxed);
}

static inline long long wm_read(struct slot *s)
{
	return s->seen + atomic_load_explicit(&s->own, memory_order_relaxed) -
	       s->own_at_seen;
}

static inline long long wm_read_exact(struct user_counters *u, unsigned int me)
{
	long long sum = 0, mine = 0, v;
	unsigned int i;

	for (i = 0; i < u->nslots; i++) {
		v = atomic_load_explicit(&u->slot[i].own, memory_order_relaxed);
		if (i == me)
			mine = v;
		sum += v;
	}
	u->slot[me].seen = sum;
	u->slot[me].own_at_seen = mine;
	return sum;
}

static inline void rm_add(struct user_counters *u, unsigned int me,
			  long long d)
{
	atomic_llong *pushed = &u->slot[me].pushed;
	long long sum = atomic_load_explicit(pushed, memory_order_relaxed) + d;
	unsigned int r;

	/* Published first: an exact read may count it already. */
	atomic_store_explicit(pushed, sum, memory_order_relaxed);
	for (r = 0; r < u->nslots; r++)
		atomic_store_explicit(&u->row[r * u->row_len + me], sum,
				      memory_order_relaxed);
}

static inline long long rm_read_exact(struct user_counters *u)
{
	long long sum = 0;
	unsigned int i;

	for (i = 0; i < u->nslots; i++)
		sum += atomic_load_explicit(&u->slot[i].pushed,
					    memory_order_relaxed);
	return sum;
}

static inline long long rm_read(struct user_counters *u, unsigned int me)
{
	atomic_llong *row = &u->row[me * u->row_len];
	long long sum = 0;
	unsigned int i;

	for (i = 0; i < u->nslots; i++)
		sum += atomic_load_explicit(&row[i], memory_order_relaxed);
	return sum;
}

/* One loop a case, so that the timed loop holds the operation alone. */
#define LOOP(iters, expr)				\
	do {						\
		uint32_t __i;				\
							\
		for (__i = 0; __i < (iters); __i++)	\
			expr;				\
	} while (0)

static int user_batch(const struct ct_impl *impl, unsigned int index,
		      enum ct_op op, uint32_t iters, uint64_t *ns)
{
	struct user_counters *u = impl->priv;
	struct slot *s = &u->slot[index];
	uint64_t t0 = now_ns();
	long long last = 0;

	switch (impl->kind * CT_NOPS + op) {
	case CT_SHARED * CT_NOPS + CT_ADD:
		LOOP(iters, last = atomic_fetch_add_explicit(u->atomic, 1,
							     memory_order_relaxed));
		break;
	case CT_SHARED * CT_NOPS + CT_READ:
	case CT_SHARED * CT_NOPS + CT_READ_EXACT:
		LOOP(iters, last = atomic_load_explicit(u->atomic,
							memory_order_relaxed));
		break;
	case CT_SHARED * CT_NOPS + CT_GET_PUT:
		LOOP(iters, (atomic_fetch_add_explicit(u->atomic, 1,
						       memory_order_relaxed),
			     last = atomic_fetch_sub_explicit(u->atomic, 1,
							      memory_order_relaxed)));
		break;
	case CT_WRITE_MOSTLY * CT_NOPS + CT_ADD:
		LOOP(iters, wm_add(s, 1));
		break;
	case CT_WRITE_MOSTLY * CT_NOPS + CT_GET_PUT:
		LOOP(iters, (wm_add(s, 1), wm_add(s, -1)));
		break;
	case CT_WRITE_MOSTLY * CT_NOPS + CT_READ:
		LOOP(iters, last = wm_read(s));
		break;
	case CT_WRITE_MOSTLY * CT_NOPS + CT_READ_EXACT:
		LOOP(iters, last = wm_read_exact(u, index));
		break;
	case CT_READ_MOSTLY * CT_NOPS + CT_ADD:
		LOOP(iters, rm_add(u, index, 1));
		break;
	case CT_READ_MOSTLY * CT_NOPS + CT_GET_PUT:
		LOOP(iters, (rm_add(u, index, 1), rm_add(u, index, -1)));
		break;
	case CT_READ_MOSTLY * CT_NOPS + CT_READ:
		LOOP(iters, last = rm_read(u, index));
		break;
	case CT_READ_MOSTLY * CT_NOPS + CT_READ_EXACT:
		LOOP(iters, last = rm_read_exact(u));
		break;
	default:
		return -EINVAL;
	}
	*ns = now_ns() - t0;
	/* What was read is used. */
	asm volatile("" : : "r" (last));
	return 0;
}

static void user_free(struct user_counters *u)
{
	free(u->atomic);
	free(u->slot);
	free(u->row);
}

static int user_alloc(struct user_counters *u, unsigned int nslots)
{
	size_t i, nrow;

	memset(u, 0, sizeof(*u));
	u->nslots = nslots;
	u->row_len = (nslots + PER_LINE - 1) / PER_LINE * PER_LINE;
	nrow = nslots * u->row_len;
	u->atomic = aligned_alloc(LINE, LINE);
	u->slot = aligned_alloc(LINE, nslots * sizeof(*u->slot));
	u->row = aligned_alloc(LINE, nrow * sizeof(*u->row));
	if (!u->atomic || !u->slot || !u->row) {
		user_free(u);
		return -ENOMEM;
	}
	memset(u->slot, 0, nslots * sizeof(*u->slot));
	atomic_init(u->atomic, 0);
	for (i = 0; i < nslots; i++) {
		atomic_init(&u->slot[i].own, 0);
		atomic_init(&u->slot[i].pushed, 0);
	}
	for (i = 0; i < nrow; i++)
		atomic_init(&u->row[i], 0);
	return 0;
}

int ct_user(const struct ct_ctx *c)
{
	struct user_counters *u = malloc(sizeof(*u));
	struct mkrep_ucounter rc = { .fd = -1 };
	struct ct_mapped rseq = { &rc, false };
	const struct ct_impl impl[] = {
		{ "user-atomic", "one shared atomic", CT_SHARED,
		  user_batch, u, false },
		{ "user-wm", "a slot a thread (write-mostly)", CT_WRITE_MOSTLY,
		  user_batch, u, false },
		{ "user-rm", "a row a reader (read-mostly)", CT_READ_MOSTLY,
		  user_batch, u, false },
		{ "user-rseq", "a CPU's slot, rseq (mapped)",
		  CT_MAPPED, ct_mapped_batch, &rseq, false },
	};
	unsigned int n = ARRAY_SIZE(impl);
	int ret;

	if (!u || user_alloc(u, c->o->ncpus)) {
		free(u);
		ct_fail("user", "memory for the counters", -ENOMEM);
		return -1;
	}
	/* A slot for every CPU number there is, as mkrep's mapping has. */
	ret = ct_mapped_memory(&rc, ct_cpu_ids());
	if (ret || !mkrep_ucounter_fast(&rc)) {
		printf("  (no user-rseq rows: %s)\n",
		       ret ? "no memory for its slots" :
		       "this thread has no rseq registered (glibc 2.35 and later on x86-64 do)");
		n--;
	}
	ret = ct_run(c, "user", impl, n);
	mkrep_ucounter_close(&rc);
	user_free(u);
	free(u);
	return ret;
}
