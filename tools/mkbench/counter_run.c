// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench counter - running the measurements: a thread bound to each of
 * the first k CPUs, each running timed batches of one operation on one
 * counter at once, the window in which they count, and the result of each
 * measurement.
 *
 * The threads of every CPU are started once.  A round measures each
 * counter on 1, 2, ... N cores in turn: the threads beyond the first k
 * sit out, asleep, so that they take nothing from those measuring (a
 * spinning thread would, from a hyperthread of the same core).  Every
 * thread sleeps between commands: the untimed batches before a window
 * opens cover its waking.
 *
 * Every thread runs batches of o->iters operations back to back and times
 * each; a batch counts only if every thread was running batches on its
 * CPU from its start to its end, as the threads' CPU time tells: where
 * other tasks share the CPUs, a thread whose neighbour is not running
 * measures a counter that nobody else touches.  While too few batches
 * count, the window stays open longer, up to CT_MAX_WINDOW_NS.
 *
 * What is done with the results, the table, the CSV rows and the plot, is
 * counter.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "counter.h"

/* --- the measurements ---------------------------------------------------- */

const struct ct_meas_desc ct_meas_desc[CT_NMEAS] = {
	[CT_MEAS_ADD] = { "add", "add: every core adds 1" },
	[CT_MEAS_READ] = { "read", "read: every core reads its local value" },
	[CT_MEAS_READ_EXACT] = {
		"read-exact", "exact read: every core reads the exact value"
	},
	[CT_MEAS_EXACT_ADDING] = {
		"read-exact-adding",
		"exact read on the first core while the others add\n"
		"      (the reader's latency and rate)"
	},
	[CT_MEAS_GET_PUT] = {
		"get-put",
		"get and put: every core adds 1 then -1, a reference taken\n"
		"      and dropped (ns a pair)"
	},
};

/* The operation of thread @index in measurement @m. */
static enum ct_op thread_op(enum ct_meas m, unsigned int index)
{
	switch (m) {
	case CT_MEAS_ADD:
		return CT_ADD;
	case CT_MEAS_READ:
		return CT_READ;
	case CT_MEAS_READ_EXACT:
		return CT_READ_EXACT;
	case CT_MEAS_GET_PUT:
		return CT_GET_PUT;
	default:
		return index ? CT_ADD : CT_READ_EXACT;
	}
}

/* Whether thread @index's batches are the measurement's (not the adders'). */
static bool thread_counted(enum ct_meas m, unsigned int index)
{
	return m != CT_MEAS_EXACT_ADDING || !index;
}

/* --- the threads --------------------------------------------------------- */

enum { PH_WARM = 1, PH_MEASURE, PH_STOP };	/* phases of a measurement */
enum { CMD_RUN = 1, CMD_EXIT };

struct ct_group;

/* A timed batch. */
struct ct_sample {
	uint64_t ns;		/* its time, as the backend took it */
	uint64_t start, end;	/* CLOCK_MONOTONIC, around it */
	bool clean;		/* its thread was on its CPU all along */
};

/* A time its thread ran batches on its CPU, or all threads did. */
struct ct_span {
	uint64_t start, end;
};

struct ct_thread {
	/* Written by the thread, in this measurement. */
	unsigned int __aligned(128) batches;	/* batches it ran */
	unsigned int timed;			/* ... in the window */
	unsigned int n;				/* ... kept, in @sample */
	unsigned int done;			/* the last command finished */
	int ready;				/* bound to its CPU: 1, or -errno */
	int err;				/* a batch failed: -errno */
	unsigned int nrun;			/* in @run */
	bool run_open;				/* the next batch may extend it */
	uint64_t cpu_at_end;			/* its CPU time then */
	struct ct_sample *sample;		/* CT_MAX_SAMPLES */
	struct ct_span *run;			/* CT_MAX_RUNS */
	int cpu;
	unsigned int index;
	struct ct_group *g;
	pthread_t thread;
};

struct ct_group {
	unsigned int __aligned(128) seq;	/* commands posted */
	int cmd;
	int phase;
	const struct ct_impl *impl;
	enum ct_meas meas;
	uint32_t iters;
	unsigned int k;				/* threads measuring */
	unsigned int n;				/* threads started */
	/* Of this part of the window: batches a thread needs, its length. */
	unsigned int need;
	uint64_t min_window, max_window;
	struct ct_thread *t;			/* t[0]: the caller's */
	/* Where the threads' @sample and @run lie; room for record(). */
	struct ct_sample *samples;
	struct ct_span *runs, *span[2];
	double *ns;
};

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Whether a thread was off its CPU for CT_GAP_NS at most in a time. */
static bool on_cpu(uint64_t wall0, uint64_t wall1, uint64_t cpu0,
		   uint64_t cpu1)
{
	return (int64_t)(wall1 - wall0) - (int64_t)(cpu1 - cpu0) <=
	       (int64_t)CT_GAP_NS;
}

/*
 * A batch of @t's from @start to @end, its CPU time @cpu0 then @cpu1:
 * extend its last run of batches if it stayed on its CPU since, or start
 * a run; whether it stayed on its CPU during the batch.
 */
static bool note_run(struct ct_thread *t, uint64_t start, uint64_t end,
		     uint64_t cpu0, uint64_t cpu1)
{
	struct ct_span *last = t->nrun ? &t->run[t->nrun - 1] : NULL;

	if (!on_cpu(start, end, cpu0, cpu1)) {
		t->run_open = false;
		return false;
	}
	if (t->run_open && on_cpu(last->end, start, t->cpu_at_end, cpu0)) {
		last->end = end;
	} else if (t->nrun < CT_MAX_RUNS) {
		t->run[t->nrun].start = start;
		t->run[t->nrun++].end = end;
		t->run_open = true;
	} else {
		t->run_open = false;	/* out of room: not counted */
	}
	t->cpu_at_end = cpu1;
	return true;
}

/* One batch of @t's operation; timed if the window was open all along. */
static int one_batch(struct ct_group *g, struct ct_thread *t)
{
	int phase = load_acquire(&g->phase);
	uint64_t ns, cpu0, cpu1, start, end;
	struct ct_sample *s;
	bool clean, timed;
	int ret;

	cpu0 = thread_cpu_ns();
	start = now_ns();
	ret = g->impl->batch(g->impl, t->index, thread_op(g->meas, t->index),
			     g->iters, &ns);
	end = now_ns();
	cpu1 = thread_cpu_ns();
	if (ret) {
		store_release(&t->err, ret);
		return ret;
	}
	clean = note_run(t, start, end, cpu0, cpu1);
	timed = phase == PH_MEASURE && load_acquire(&g->phase) == PH_MEASURE;
	t->timed += timed;
	if (timed && t->n < CT_MAX_SAMPLES) {
		s = &t->sample[t->n];
		s->ns = ns ? ns : 1;
		s->start = start;
		s->end = end;
		s->clean = clean;
		store_release(&t->n, t->n + 1);
	}
	store_release(&t->batches, t->batches + 1);
	return 0;
}

/* Wait, asleep, until @seq is no longer @seen. */
static void wait_seq(unsigned int *seq, unsigned int seen)
{
	while (load_acquire(seq) == seen)
		syscall(SYS_futex, seq, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}

/* Post the command set up in @g to every thread, and wake them. */
static void post_seq(struct ct_group *g)
{
	store_release(&g->seq, g->seq + 1);
	syscall(SYS_futex, &g->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/*
 * A worker: bound to its CPU, it runs batches for each command it is
 * among the first k threads of, until the phase is PH_STOP, and sleeps
 * between commands.
 */
static void *worker_main(void *arg)
{
	struct ct_thread *t = arg;
	struct ct_group *g = t->g;
	unsigned int seen = 0;
	int ret = pin_cpu(t->cpu);

	store_release(&t->ready, ret ? ret : 1);
	if (ret)
		return NULL;
	for (;;) {
		wait_seq(&g->seq, seen);
		seen = load_acquire(&g->seq);
		if (g->cmd == CMD_EXIT)
			return NULL;
		if (t->index < g->k)
			while (load_acquire(&g->phase) != PH_STOP &&
			       !one_batch(g, t))
				;
		store_release(&t->done, seen);
	}
}

static void stop_workers(struct ct_group *g, unsigned int started)
{
	unsigned int i;

	g->cmd = CMD_EXIT;
	post_seq(g);
	for (i = 1; i < started; i++)
		pthread_join(g->t[i].thread, NULL);
}

static int start_workers(const char *mode, struct ct_group *g)
{
	unsigned int i;
	int ret;

	for (i = 1; i < g->n; i++) {
		ret = pthread_create(&g->t[i].thread, NULL, worker_main,
				     &g->t[i]);
		if (ret) {
			stop_workers(g, i);
			ct_fail(mode, "pthread_create", -ret);
			return -1;
		}
	}
	for (i = 1; i < g->n; i++) {
		while (!load_acquire(&g->t[i].ready))
			mkchan_cpu_relax();
		if (g->t[i].ready < 0) {
			fprintf(stderr, "mkbench: counter %s: cannot run on CPU %d: %s\n",
				mode, g->t[i].cpu, strerror(-g->t[i].ready));
			stop_workers(g, g->n);
			return -1;
		}
	}
	return 0;
}

/* --- the batches that ran together -------------------------------------- */

/* The times both @a and @b ran, into @out: how many. */
static unsigned int intersect(const struct ct_span *a, unsigned int na,
			      const struct ct_span *b, unsigned int nb,
			      struct ct_span *out)
{
	unsigned int i = 0, j = 0, n = 0;
	uint64_t start, end;

	while (i < na && j < nb) {
		start = a[i].start > b[j].start ? a[i].start : b[j].start;
		end = a[i].end < b[j].end ? a[i].end : b[j].end;
		if (start < end) {
			out[n].start = start;
			out[n++].end = end;
		}
		if (a[i].end < b[j].end)
			i++;
		else
			j++;
	}
	return n;
}

/* The times every thread of @g ran batches on its CPU: how many, in @all. */
static unsigned int all_running(struct ct_group *g, struct ct_span **all)
{
	struct ct_span *in = g->span[0], *out = g->span[1], *x;
	unsigned int i, n = g->t[0].nrun;

	memcpy(in, g->t[0].run, n * sizeof(*in));
	for (i = 1; i < g->k; i++) {
		n = intersect(in, n, g->t[i].run, g->t[i].nrun, out);
		x = in;
		in = out;
		out = x;
	}
	*all = in;
	return n;
}

/*
 * Whether batch @s ran while every thread was on its CPU, in @all; the
 * batches asked about come in time order, and @a is where the search of
 * @all goes on from.
 */
static bool concurrent(const struct ct_sample *s, const struct ct_span *all,
		       unsigned int nall, unsigned int *a)
{
	while (*a < nall && all[*a].end < s->end)
		++*a;
	return *a < nall && s->clean && all[*a].start <= s->start;
}

/*
 * How many of @t's batches ran while every thread was on its CPU; with
 * @keep, those are all it keeps.
 */
static unsigned int sift(struct ct_thread *t, const struct ct_span *all,
			 unsigned int nall, bool keep)
{
	unsigned int j, n = 0, a = 0;

	for (j = 0; j < t->n; j++) {
		if (!concurrent(&t->sample[j], all, nall, &a))
			continue;
		if (keep)
			t->sample[n] = t->sample[j];
		n++;
	}
	if (keep)
		t->n = n;
	return n;
}

/*
 * Whether a thread whose batches are the measurement's has fewer than
 * g->need that ran with all threads; if so, every thread keeps only
 * those, to make room for more.  The threads are stopped.
 */
static bool keep_concurrent(struct ct_group *g)
{
	unsigned int i, nall;
	struct ct_span *all;
	bool short_of = false;

	nall = all_running(g, &all);
	for (i = 0; i < g->k && !short_of; i++)
		short_of = thread_counted(g->meas, i) &&
			   sift(&g->t[i], all, nall, false) < g->need;
	for (i = 0; i < g->k && short_of; i++)
		sift(&g->t[i], all, nall, true);
	return short_of;
}

/* --- one measurement ----------------------------------------------------- */

/*
 * The window of a measurement, as the first thread keeps it: one time
 * open, or more where it was extended; between them the threads stop,
 * sleep and warm up again, uncounted.
 */
struct ct_window {
	struct irq_file *irq;	/* NULL: not counted */
	uint64_t before[IRQ_ROWS], after[IRQ_ROWS];
	uint64_t irq_sum[IRQ_ROWS];	/* over the times it was open */
	bool irq_ok;
	uint64_t first;		/* when it first opened: 0, not yet */
	uint64_t last;		/* when it last closed */
	uint64_t open;		/* when this phase began */
	uint64_t until;		/* this time open ends then at the soonest */
};

/* What the first thread decides after each of its batches. */
enum { GO_ON, OPEN, CLOSE, FAIL };

static int decide(const char *mode, struct ct_group *g, struct ct_window *w)
{
	unsigned int i, n, need, enough = 0, some = 0, full = 0;
	uint64_t now = now_ns();
	struct ct_thread *t;
	int late = -1;		/* the CPU of a thread that is short */

	for (i = 0; i < g->k; i++) {
		t = &g->t[i];
		if (load_acquire(&t->err)) {
			fprintf(stderr, "mkbench: counter %s: %s-%s on CPU %d: %s\n",
				mode, g->impl->variant, ct_meas_desc[g->meas].name,
				t->cpu, strerror(-t->err));
			return FAIL;
		}
		if (g->phase == PH_WARM) {
			n = load_acquire(&t->batches);
			need = CT_WARM_BATCHES;
		} else {
			n = load_acquire(&t->n);
			need = thread_counted(g->meas, i) ? g->need : 1;
		}
		enough += n >= need;
		some += n > 0;
		full += thread_counted(g->meas, i) && n >= CT_MAX_SAMPLES;
		if (!n && late < 0)
			late = t->cpu;
	}
	if (g->phase == PH_WARM) {
		if (enough == g->k)
			return OPEN;
	} else {
		if (enough == g->k && (full || now >= w->until))
			return CLOSE;
		if (some == g->k && now - w->first >= g->max_window)
			return CLOSE;
	}
	if (now - w->open < CT_TIMEOUT_NS)
		return GO_ON;
	fprintf(stderr, "mkbench: counter %s: %s-%s: the thread on CPU %d ran no batch in %llu s\n",
		mode, g->impl->variant, ct_meas_desc[g->meas].name, late,
		CT_TIMEOUT_NS / 1000000000ULL);
	return FAIL;
}

static void read_irq(struct ct_window *w, uint64_t v[IRQ_ROWS])
{
	if (w->irq && irq_read(w->irq, v))
		w->irq_ok = false;
}

/*
 * Post @phase and the command to run batches to the other threads, which
 * are waiting: no run of batches goes on across the wait.
 */
static void post_run(struct ct_group *g, int phase)
{
	unsigned int i;

	for (i = 0; i < g->k; i++)
		g->t[i].run_open = false;
	g->cmd = CMD_RUN;
	/* After the threads' state: a late thread that sees it sees that. */
	store_release(&g->phase, phase);
	post_seq(g);
}

/* Stop the other threads' batches, and wait until they have. */
static void stop_run(struct ct_group *g)
{
	unsigned int i;

	store_release(&g->phase, PH_STOP);
	for (i = 1; i < g->k; i++)
		while (load_acquire(&g->t[i].done) != g->seq)
			mkchan_cpu_relax();
}

/*
 * Whether the window should stay open a while more: another task took a
 * CPU so often that a thread has too few batches that ran with all the
 * others, and there is time and room for more.
 */
static bool extend(struct ct_group *g, struct ct_window *w)
{
	uint64_t now = now_ns();

	return now - w->first < g->max_window && keep_concurrent(g);
}

/*
 * Measurement @g->meas of @g->impl: the caller runs batches on the first
 * CPU and opens and closes the window between them; the window opens
 * again, after the threads warmed up again, while they lack batches that
 * ran together.  The interrupts are counted while it is open only: the
 * wake-ups of sleeping threads fall in the warm-ups.
 */
static int measure(const char *mode, struct ct_group *g, struct ct_window *w)
{
	struct ct_thread *t0 = &g->t[0];
	int verdict = GO_ON;
	unsigned int i, r;

	w->irq_ok = w->irq;
	memset(w->irq_sum, 0, sizeof(w->irq_sum));
	w->first = 0;
	w->open = now_ns();
	for (i = 0; i < g->k; i++) {
		g->t[i].batches = 0;
		g->t[i].timed = 0;
		g->t[i].n = 0;
		g->t[i].err = 0;
		g->t[i].nrun = 0;
	}
	post_run(g, PH_WARM);
	for (;;) {
		one_batch(g, t0);	/* a failure is the verdict's */
		verdict = decide(mode, g, w);
		if (verdict == OPEN) {
			read_irq(w, w->before);
			w->open = now_ns();
			w->first = w->first ? w->first : w->open;
			w->until = w->open + g->min_window;
			store_release(&g->phase, PH_MEASURE);
			continue;
		}
		if (verdict == GO_ON)
			continue;
		stop_run(g);
		w->last = now_ns();
		if (!w->first)
			break;		/* it never opened: a failure */
		read_irq(w, w->after);
		for (r = 0; r < IRQ_ROWS; r++)
			w->irq_sum[r] += w->after[r] - w->before[r];
		if (verdict != CLOSE || !extend(g, w))
			break;
		for (i = 0; i < g->k; i++)
			g->t[i].batches = 0;
		w->open = now_ns();
		post_run(g, PH_WARM);
	}
	return verdict == CLOSE ? 0 : -1;
}

/* --- the result ---------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sort @v and return its median (0 if it is empty). */
static double median_of(double *v, unsigned int n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* What one part of a window found, on k cores: a round's result. */
struct ct_part {
	double median, p99;	/* ns an operation */
	double rate, add_rate;	/* operations a second */
	unsigned long batches;	/* counted */
	unsigned long timed;	/* timed, of the threads counted */
	uint64_t ops;		/* timed, of every thread */
	uint64_t irq[IRQ_ROWS];	/* during the part */
	uint64_t from, to;	/* CLOCK_MONOTONIC: opened, last closed */
	bool irq_ok, alone, cut, done;
};

/*
 * The result of a part of a measurement, from the batches that ran while
 * every thread was on its CPU: a thread's batches tell nothing of the
 * others' effect on it while they are not running.  A thread that has
 * none counts all its batches, and the result says so.
 */
static void record(struct ct_group *g, const struct ct_window *w,
		   struct ct_part *p)
{
	unsigned int i, j, a, n = 0, nall, got;
	const struct ct_thread *t;
	struct ct_span *all;
	double med;
	int k;

	memset(p, 0, sizeof(*p));
	p->done = true;
	nall = all_running(g, &all);
	/*
	 * A thread's rate is that of its median batch.  Every thread has a
	 * batch: the window does not close before.
	 */
	for (i = 0; i < g->k; i++) {
		t = &g->t[i];
		p->ops += (uint64_t)t->timed * g->iters;
		for (j = 0, got = 0, a = 0; j < t->n; j++)
			if (concurrent(&t->sample[j], all, nall, &a))
				g->ns[n + got++] = (double)t->sample[j].ns / g->iters;
		if (!got) {
			/* Only the CSV has an adder's rate. */
			p->alone = p->alone || thread_counted(g->meas, i);
			for (j = 0; j < t->n; j++)
				g->ns[n + j] = (double)t->sample[j].ns / g->iters;
			got = t->n;
		}
		if (!got)
			continue;	/* cannot be: the window closed so */
		med = median_of(g->ns + n, got);
		if (!thread_counted(g->meas, i)) {
			p->add_rate += 1e9 / med;
			continue;
		}
		p->rate += 1e9 / med;
		p->cut = p->cut || got < g->need;
		p->timed += t->timed;
		n += got;
	}
	p->batches = n;
	p->median = median_of(g->ns, n);
	/* Nearest rank: the smallest sample >= 99% of them. */
	p->p99 = n ? g->ns[(99 * n + 99) / 100 - 1] : 0;
	p->irq_ok = w->irq_ok;
	for (k = 0; k < IRQ_ROWS; k++)
		p->irq[k] = w->irq_sum[k];
	p->from = w->first;
	p->to = w->last;
}

/* --- the run ------------------------------------------------------------- */

static void group_free(struct ct_group *g)
{
	free(g->samples);
	free(g->runs);
	free(g->span[0]);
	free(g->span[1]);
	free(g->ns);
	free(g->t);
	free(g);
}

static struct ct_group *group_alloc(const struct ct_ctx *c, unsigned int k)
{
	struct ct_group *g;
	unsigned int i;

	g = aligned_alloc(128, (sizeof(*g) + 127) & ~127UL);
	if (!g)
		return NULL;
	memset(g, 0, sizeof(*g));
	g->k = k;
	g->n = k;
	g->iters = c->o->iters;
	g->t = aligned_alloc(128, k * sizeof(*g->t));
	g->samples = calloc((size_t)k * CT_MAX_SAMPLES, sizeof(*g->samples));
	g->runs = calloc((size_t)k * CT_MAX_RUNS, sizeof(*g->runs));
	g->span[0] = calloc((size_t)k * CT_MAX_RUNS, sizeof(*g->span[0]));
	g->span[1] = calloc((size_t)k * CT_MAX_RUNS, sizeof(*g->span[1]));
	g->ns = calloc((size_t)k * CT_MAX_SAMPLES, sizeof(*g->ns));
	if (!g->t || !g->samples || !g->runs || !g->span[0] || !g->span[1] ||
	    !g->ns) {
		group_free(g);
		return NULL;
	}
	memset(g->t, 0, k * sizeof(*g->t));
	for (i = 0; i < k; i++) {
		g->t[i].g = g;
		g->t[i].index = i;
		g->t[i].cpu = c->o->cpus[i];
		g->t[i].sample = g->samples + (size_t)i * CT_MAX_SAMPLES;
		g->t[i].run = g->runs + (size_t)i * CT_MAX_RUNS;
	}
	return g;
}

/* Whether counter @impl has measurement @m on @k cores. */
static bool measured(const struct ct_impl *impl, enum ct_meas m,
		     unsigned int k)
{
	if (m == CT_MEAS_EXACT_ADDING && k < 2)
		return false;
	/* A shared atomic's read is exact. */
	return m != CT_MEAS_READ_EXACT || impl->kind != CT_SHARED;
}

/* The median of @n values of @v, with @v[i] <= 0 left out: 0 if none. */
static double median_pos(double *v, unsigned int n)
{
	unsigned int i, m = 0;

	for (i = 0; i < n; i++)
		if (v[i] > 0)
			v[m++] = v[i];
	return median_of(v, m);
}

/*
 * The result of counter @i on @k cores from its rounds in @part (indexed
 * [round][counter][cores - 1]); @shared is the shared atomic's index, or
 * -1.  Its values are the medians of its rounds', and so are its ratios,
 * each taken within one round.
 */
static int combine(const struct ct_ctx *c, const char *mode,
		   const struct ct_impl *impl, unsigned int nimpl,
		   const struct ct_part *part, enum ct_meas m, unsigned int i,
		   int shared, unsigned int k)
{
	unsigned int ncpus = c->o->ncpus, r, row;
	double v[6][CT_ROUNDS];
	uint64_t irq[IRQ_ROWS] = { 0 }, ops = 0, timed = 0;
	const struct ct_part *p, *one, *sh;
	struct ct_result *res;
	bool irq_ok = true;

#define PART(round, impl_i, cores) \
	(&part[((size_t)(round) * nimpl + (impl_i)) * ncpus + (cores) - 1])
	res = ct_new_result();
	if (!res) {
		ct_fail(mode, "memory for the results", -ENOMEM);
		return -1;
	}
	snprintf(res->variant, sizeof(res->variant), "%s-%s", impl[i].variant,
		 ct_meas_desc[m].name);
	res->label = impl[i].label;
	res->mode = mode;
	report_cpu_list(c->o, k, res->cpus, sizeof(res->cpus));
	res->kind = impl[i].kind;
	res->meas = m;
	res->cores = k;
	for (r = 0; r < CT_ROUNDS; r++) {
		p = PART(r, i, k);
		one = PART(r, i, 1);
		/* Only against a shared atomic timed the same way. */
		sh = shared >= 0 && impl[shared].timed_in_user ==
		     impl[i].timed_in_user ? PART(r, shared, k) : NULL;
		v[0][r] = p->median;
		v[1][r] = p->p99;
		v[2][r] = p->rate;
		v[3][r] = p->add_rate;
		v[4][r] = one->done && one->rate > 0 ? p->rate / one->rate : 0;
		v[5][r] = sh && sh != p && sh->done && sh->rate > 0 ?
			  p->rate / sh->rate : 0;
		res->batches += p->batches;
		timed += p->timed;
		ops += p->ops;
		res->alone = res->alone || p->alone;
		if (!res->from_ns || p->from < res->from_ns)
			res->from_ns = p->from;
		if (p->to > res->to_ns)
			res->to_ns = p->to;
		res->cut = res->cut || p->cut;
		irq_ok = irq_ok && p->irq_ok;
		for (row = 0; row < IRQ_ROWS; row++)
			irq[row] += p->irq[row];
	}
#undef PART
	res->median = median_pos(v[0], CT_ROUNDS);
	res->p99 = median_pos(v[1], CT_ROUNDS);
	res->rate = median_pos(v[2], CT_ROUNDS);
	res->add_rate = median_pos(v[3], CT_ROUNDS);
	res->vs_one = median_pos(v[4], CT_ROUNDS);
	res->vs_shared = median_pos(v[5], CT_ROUNDS);
	/* k threads doing k times one's work at most; 10% for the noise. */
	res->disturbed = res->vs_one > 1.1 * k;
	res->concurrent = res->alone || !timed ? 0 : (double)res->batches / timed;
	for (row = 0; row < IRQ_ROWS; row++)
		res->irq[row] = irq_ok && c->irq_has[row] && ops ?
				(double)irq[row] / ops : -1;
	return 0;
}

/*
 * Measurement @m of every counter on every core count: CT_ROUNDS rounds,
 * each of every counter on 1, 2, ... N cores for a part of the window.
 */
static int run_meas(const struct ct_ctx *c, const char *mode,
		    const struct ct_impl *impl, unsigned int nimpl,
		    struct ct_group *g, struct ct_window *w,
		    struct ct_part *part, enum ct_meas m)
{
	unsigned int ncpus = c->o->ncpus, r, i, k;
	int shared = -1;
	int ret = 0;

	memset(part, 0, sizeof(*part) * CT_ROUNDS * nimpl * ncpus);
	g->meas = m;
	g->need = (c->o->reps + CT_ROUNDS - 1) / CT_ROUNDS;
	g->min_window = CT_MIN_WINDOW_NS / CT_ROUNDS;
	g->max_window = CT_MAX_WINDOW_NS / CT_ROUNDS;
	for (i = 0; i < nimpl; i++)
		if (impl[i].kind == CT_SHARED &&
		    (m == CT_MEAS_ADD || m == CT_MEAS_GET_PUT))
			shared = i;
	for (r = 0; r < CT_ROUNDS && !ret; r++)
		for (i = 0; i < nimpl && !ret; i++)
			for (k = 1; k <= ncpus && !ret; k++) {
				if (!measured(&impl[i], m, k))
					continue;
				g->impl = &impl[i];
				g->k = k;
				ret = measure(mode, g, w);
				if (!ret)
					record(g, w, &part[((size_t)r * nimpl + i) *
							   ncpus + k - 1]);
			}
	for (i = 0; i < nimpl && !ret; i++)
		for (k = 1; k <= ncpus && !ret; k++)
			if (measured(&impl[i], m, k))
				ret = combine(c, mode, impl, nimpl, part, m, i,
					      shared, k);
	return ret;
}

int ct_run(const struct ct_ctx *c, const char *mode,
	   const struct ct_impl *impl, unsigned int n)
{
	struct irq_file irq;
	bool irq_on = !irq_open(&irq);
	struct ct_window w = { .irq = irq_on ? &irq : NULL };
	struct ct_part *part = NULL;
	struct ct_group *g = NULL;
	unsigned int m;
	int ret = pin_cpu(c->o->cpus[0]);

	if (ret) {
		fprintf(stderr, "mkbench: counter %s: cannot run on CPU %d: %s\n",
			mode, c->o->cpus[0], strerror(-ret));
		goto out;
	}
	g = group_alloc(c, c->o->ncpus);
	part = calloc((size_t)CT_ROUNDS * n * c->o->ncpus, sizeof(*part));
	if (!g || !part) {
		ct_fail(mode, "memory for the threads", -ENOMEM);
		ret = -1;
		goto out;
	}
	ret = start_workers(mode, g);
	if (ret)
		goto out;
	for (m = 0; m < CT_NMEAS && !ret; m++)
		ret = run_meas(c, mode, impl, n, g, &w, part, m);
	stop_workers(g, g->n);
out:
	free(part);
	if (g)
		group_free(g);
	if (irq_on)
		irq_close(&irq);
	return ret ? -1 : 0;
}
