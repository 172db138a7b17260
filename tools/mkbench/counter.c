// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench counter - one counter added to and read by k threads at once,
 * one bound to each of the first 1, 2, ... N cores, two ways:
 *
 *   user    the placements of mkrep's counters in C11 atomics in this
 *           process (counter_user.c): one shared atomic, a slot a thread
 *           (write-mostly), a row a reader (read-mostly); the comparison
 *           on this machine's hardware, without a module;
 *   module  an mkrep counter of each mode, and the shared atomic64_t and
 *           the percpu_counter that come with one (counter_module.c):
 *           MKREP_IOC_COUNTER_BENCH runs and times a batch of operations
 *           in the kernel, on the calling thread's CPU.
 *
 * The operations: add (every thread adds 1), read (local), exact read,
 * and, on two cores or more, an exact read on the first core while the
 * others add.
 *
 * Every thread runs batches of o->iters operations back to back and times
 * each; a batch counts only if every thread was running batches on its
 * CPU from its start to its end, as the threads' CPU time tells: where
 * other tasks share the CPUs, a thread whose neighbour is not running
 * measures a counter that nobody else touches.  While too few batches
 * count, the window stays open longer, up to CT_MAX_WINDOW_NS.
 *
 * The latency is the nanoseconds an operation of a batch, median and 99th
 * percentile over every thread's batches; the throughput each thread's
 * rate in its median batch, summed over the threads; the interrupts those
 * /proc/interrupts counted during the window, per operation timed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counter.h"

/* --- the measurements ---------------------------------------------------- */

enum ct_meas {
	M_ADD,
	M_READ,
	M_READ_EXACT,
	M_EXACT_ADDING,	/* the first thread reads exactly, the others add */
	NMEAS
};

static const struct {
	const char *name;	/* of the CSV variant, after the counter's */
	const char *title;	/* of its part of the table */
} meas_desc[NMEAS] = {
	[M_ADD] = { "add", "add: every core adds 1" },
	[M_READ] = { "read", "read: every core reads its local value" },
	[M_READ_EXACT] = { "read-exact",
			   "exact read: every core reads the exact value" },
	[M_EXACT_ADDING] = { "read-exact-adding",
			     "exact read on the first core while the others add\n"
			     "      (the reader's latency and rate)" },
};

/* The operation of thread @index in measurement @m. */
static enum ct_op thread_op(enum ct_meas m, unsigned int index)
{
	switch (m) {
	case M_ADD:
		return CT_ADD;
	case M_READ:
		return CT_READ;
	case M_READ_EXACT:
		return CT_READ_EXACT;
	default:
		return index ? CT_ADD : CT_READ_EXACT;
	}
}

/* Whether thread @index's batches are the measurement's (not the adders'). */
static bool thread_counted(enum ct_meas m, unsigned int index)
{
	return m != M_EXACT_ADDING || !index;
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
	unsigned int k;
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

/* A command of the worker @arg: batches until the phase is PH_STOP. */
static void run_batches(void *arg, unsigned int seq)
{
	struct ct_thread *t = arg;
	struct ct_group *g = t->g;

	(void)seq;
	while (load_acquire(&g->phase) != PH_STOP && !one_batch(g, t))
		;
}

static void *worker_main(void *arg)
{
	struct ct_thread *t = arg;

	worker_loop(t->cpu, &t->ready, &t->done, &t->g->seq, &t->g->cmd,
		    CMD_EXIT, run_batches, t);
	return NULL;
}

static void stop_workers(struct ct_group *g, unsigned int started)
{
	unsigned int i;

	g->cmd = CMD_EXIT;
	store_release(&g->seq, g->seq + 1);
	for (i = 1; i < started; i++)
		pthread_join(g->t[i].thread, NULL);
}

static int start_workers(const char *mode, struct ct_group *g)
{
	unsigned int i;
	int ret;

	for (i = 1; i < g->k; i++) {
		ret = pthread_create(&g->t[i].thread, NULL, worker_main,
				     &g->t[i]);
		if (ret) {
			stop_workers(g, i);
			ct_fail(mode, "pthread_create", -ret);
			return -1;
		}
	}
	for (i = 1; i < g->k; i++) {
		while (!load_acquire(&g->t[i].ready))
			mkchan_cpu_relax();
		if (g->t[i].ready < 0) {
			fprintf(stderr, "mkbench: counter %s: cannot run on CPU %d: %s\n",
				mode, g->t[i].cpu, strerror(-g->t[i].ready));
			stop_workers(g, g->k);
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
 * o->reps that ran with all threads; if so, every thread keeps only
 * those, to make room for more.  The threads are stopped.
 */
static bool keep_concurrent(const struct ct_ctx *c, struct ct_group *g)
{
	unsigned int i, nall;
	struct ct_span *all;
	bool short_of = false;

	nall = all_running(g, &all);
	for (i = 0; i < g->k && !short_of; i++)
		short_of = thread_counted(g->meas, i) &&
			   sift(&g->t[i], all, nall, false) < c->o->reps;
	for (i = 0; i < g->k && short_of; i++)
		sift(&g->t[i], all, nall, true);
	return short_of;
}

/* --- one measurement ----------------------------------------------------- */

/* The window of a measurement, as the first thread keeps it. */
struct ct_window {
	struct irq_file *irq;	/* NULL: not counted */
	uint64_t before[IRQ_ROWS], after[IRQ_ROWS];
	bool irq_ok;
	uint64_t open;		/* when it opened */
	uint64_t until;		/* its part closes then at the soonest */
};

/* What the first thread decides after each of its batches. */
enum { GO_ON, OPEN, CLOSE, FAIL };

static int decide(const struct ct_ctx *c, const char *mode,
		  struct ct_group *g, struct ct_window *w)
{
	unsigned int i, n, need, enough = 0, some = 0, full = 0;
	uint64_t now = now_ns();
	struct ct_thread *t;
	int late = -1;		/* the CPU of a thread that is short */

	for (i = 0; i < g->k; i++) {
		t = &g->t[i];
		if (load_acquire(&t->err)) {
			fprintf(stderr, "mkbench: counter %s: %s-%s on CPU %d: %s\n",
				mode, g->impl->variant, meas_desc[g->meas].name,
				t->cpu, strerror(-t->err));
			return FAIL;
		}
		if (g->phase == PH_WARM) {
			n = load_acquire(&t->batches);
			need = CT_WARM_BATCHES;
		} else {
			n = load_acquire(&t->n);
			need = thread_counted(g->meas, i) ? c->o->reps : 1;
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
		if (some == g->k && now - w->open >= CT_MAX_WINDOW_NS)
			return CLOSE;
	}
	if (now - w->open < CT_TIMEOUT_NS)
		return GO_ON;
	fprintf(stderr, "mkbench: counter %s: %s-%s: the thread on CPU %d ran no batch in %llu s\n",
		mode, g->impl->variant, meas_desc[g->meas].name, late,
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
	g->phase = phase;
	g->cmd = CMD_RUN;
	store_release(&g->seq, g->seq + 1);
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
static bool extend(const struct ct_ctx *c, struct ct_group *g,
		   struct ct_window *w)
{
	uint64_t now = now_ns();

	if (now - w->open >= CT_MAX_WINDOW_NS || !keep_concurrent(c, g))
		return false;
	w->until = now + CT_MIN_WINDOW_NS;
	return true;
}

/*
 * Measurement @g->meas of @g->impl: the caller runs batches on the first
 * CPU and opens and closes the window between them; the window is made
 * of parts while the threads lack batches that ran together.
 */
static int measure(const struct ct_ctx *c, const char *mode,
		   struct ct_group *g, struct ct_window *w)
{
	struct ct_thread *t0 = &g->t[0];
	int verdict = GO_ON;
	unsigned int i;

	w->irq_ok = w->irq;
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
		verdict = decide(c, mode, g, w);
		if (verdict == OPEN) {
			read_irq(w, w->before);
			w->open = now_ns();
			w->until = w->open + CT_MIN_WINDOW_NS;
			store_release(&g->phase, PH_MEASURE);
			continue;
		}
		if (verdict == GO_ON)
			continue;
		stop_run(g);
		if (verdict != CLOSE || !extend(c, g, w))
			break;
		post_run(g, PH_MEASURE);
	}
	read_irq(w, w->after);
	return verdict == CLOSE ? 0 : -1;
}

/* --- results ------------------------------------------------------------- */

struct ct_result {
	char variant[64];
	const char *label;
	const char *mode;
	char cpus[64];		/* "0-3", "0:2" */
	enum ct_kind kind;
	enum ct_meas meas;
	unsigned int cores;
	double median, p99;	/* ns an operation */
	double rate;		/* operations a second, of the threads counted */
	double add_rate;	/* M_EXACT_ADDING: the adders' */
	double irq[IRQ_ROWS];	/* per operation; < 0: not counted */
	unsigned long batches;	/* counted, of the measurement's threads */
	double concurrent;	/* the share of their timed batches counted */
	bool alone;		/* some thread had none: all batches counted */
	bool cut;		/* a thread has fewer than o->reps batches */
};

static struct {
	struct ct_result *r;
	unsigned int n, room;
	unsigned int printed;	/* results already in the table */
	bool has[IRQ_ROWS];	/* /proc/interrupts has the row */
	uint32_t iters;
} res;

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

static struct ct_result *new_result(void)
{
	unsigned int room = res.room ? 2 * res.room : 64;
	struct ct_result *r;

	if (res.n == res.room) {
		r = realloc(res.r, room * sizeof(*r));
		if (!r)
			return NULL;
		res.r = r;
		res.room = room;
	}
	r = &res.r[res.n++];
	memset(r, 0, sizeof(*r));
	return r;
}

/*
 * The result of a measurement, from the batches that ran while every
 * thread was on its CPU: a thread's batches tell nothing of the others'
 * effect on it while they are not running.  A thread that has none
 * counts all its batches, and the result says so.
 */
static int record(const struct ct_ctx *c, const char *mode,
		  struct ct_group *g, const struct ct_window *w)
{
	unsigned int i, j, a, n = 0, nall, got, timed = 0;
	const struct ct_thread *t;
	struct ct_span *all;
	struct ct_result *r;
	uint64_t ops = 0;
	double med;
	int k;

	r = new_result();
	if (!r) {
		ct_fail(mode, "memory for the results", -ENOMEM);
		return -1;
	}
	snprintf(r->variant, sizeof(r->variant), "%s-%s", g->impl->variant,
		 meas_desc[g->meas].name);
	r->label = g->impl->label;
	r->mode = mode;
	report_cpu_list(c->o, g->k, r->cpus, sizeof(r->cpus));
	r->kind = g->impl->kind;
	r->meas = g->meas;
	r->cores = g->k;
	nall = all_running(g, &all);
	/*
	 * A thread's rate is that of its median batch.  Every thread has a
	 * batch: the window does not close before.
	 */
	for (i = 0; i < g->k; i++) {
		t = &g->t[i];
		ops += (uint64_t)t->timed * g->iters;
		for (j = 0, got = 0, a = 0; j < t->n; j++)
			if (concurrent(&t->sample[j], all, nall, &a))
				g->ns[n + got++] = (double)t->sample[j].ns / g->iters;
		if (!got) {
			/* Only the CSV has an adder's rate. */
			r->alone = r->alone || thread_counted(g->meas, i);
			for (j = 0; j < t->n; j++)
				g->ns[n + j] = (double)t->sample[j].ns / g->iters;
			got = t->n;
		}
		if (!got)
			continue;	/* cannot be: the window closed so */
		med = median_of(g->ns + n, got);
		if (!thread_counted(g->meas, i)) {
			r->add_rate += 1e9 / med;
			continue;
		}
		r->rate += 1e9 / med;
		r->cut = r->cut || got < c->o->reps;
		timed += t->timed;
		n += got;
	}
	r->batches = n;
	r->concurrent = r->alone ? 0 : (double)n / timed;
	r->median = median_of(g->ns, n);
	/* Nearest rank: the smallest sample >= 99% of them. */
	r->p99 = n ? g->ns[(99 * n + 99) / 100 - 1] : 0;
	for (k = 0; k < IRQ_ROWS; k++)
		r->irq[k] = w->irq_ok && res.has[k] ?
			    (double)(w->after[k] - w->before[k]) / ops : -1;
	return 0;
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

/* Every measurement of every counter on the first @k CPUs. */
static int run_group(const struct ct_ctx *c, const char *mode,
		     const struct ct_impl *impl, unsigned int nimpl,
		     unsigned int k, struct irq_file *irq)
{
	struct ct_window w = { .irq = irq };
	struct ct_group *g = group_alloc(c, k);
	unsigned int i, m;
	int ret;

	if (!g) {
		ct_fail(mode, "memory for the threads", -ENOMEM);
		return -1;
	}
	ret = start_workers(mode, g);
	if (ret) {
		group_free(g);
		return -1;
	}
	for (m = 0; m < NMEAS && !ret; m++) {
		if (m == M_EXACT_ADDING && k < 2)
			continue;
		for (i = 0; i < nimpl && !ret; i++) {
			/* A shared atomic's read is exact. */
			if (m == M_READ_EXACT && impl[i].kind == CT_SHARED)
				continue;
			g->impl = &impl[i];
			g->meas = m;
			ret = measure(c, mode, g, &w);
			if (!ret)
				ret = record(c, mode, g, &w);
		}
	}
	stop_workers(g, k);
	group_free(g);
	return ret ? -1 : 0;
}

int ct_run(const struct ct_ctx *c, const char *mode,
	   const struct ct_impl *impl, unsigned int n)
{
	struct irq_file irq;
	bool irq_on = !irq_open(&irq);
	unsigned int k;
	int ret = pin_cpu(c->o->cpus[0]);

	if (ret) {
		fprintf(stderr, "mkbench: counter %s: cannot run on CPU %d: %s\n",
			mode, c->o->cpus[0], strerror(-ret));
	}
	for (k = 1; k <= c->o->ncpus && !ret; k++)
		ret = run_group(c, mode, impl, n, k, irq_on ? &irq : NULL);
	if (irq_on)
		irq_close(&irq);
	return ret ? -1 : 0;
}

void ct_fail(const char *mode, const char *what, int err)
{
	bench_fail("counter", mode, what, err);
}

/* --- the table ----------------------------------------------------------- */

static const char *variant_of(unsigned int i)
{
	return res.r[i].variant;
}

/* @v in @width columns, with fewer decimals as it grows. */
static void print_num(double v, int width)
{
	printf(" %*.*f", width, v < 10 ? 2 : v < 100 ? 1 : 0, v);
}

static void print_per_op(double v)
{
	if (v < 0)
		printf(" %8s", "n/a");
	else
		printf(" %8.2g", v);
}

/* Result @i of the same variant on @cores cores, or NULL. */
static const struct ct_result *find(const char *variant, unsigned int cores)
{
	unsigned int i;

	for (i = 0; i < res.n; i++)
		if (res.r[i].cores == cores && !strcmp(res.r[i].variant, variant))
			return &res.r[i];
	return NULL;
}

/* The shared atomic's result of @r's mode and measurement, or NULL. */
static const struct ct_result *find_shared(const struct ct_result *r)
{
	unsigned int i;

	for (i = 0; i < res.n; i++)
		if (res.r[i].kind == CT_SHARED && res.r[i].meas == r->meas &&
		    res.r[i].cores == r->cores && !strcmp(res.r[i].mode, r->mode))
			return &res.r[i];
	return NULL;
}

/* How the adds of the results since @first scaled, up to the most cores. */
static void print_scaling(unsigned int first)
{
	const struct ct_result *r, *one, *shared;
	unsigned int i, most = 0;
	char head[64];

	for (i = first; i < res.n; i++)
		if (res.r[i].meas == M_ADD && res.r[i].cores > most)
			most = res.r[i].cores;
	if (most < 2)
		return;
	snprintf(head, sizeof(head), "add on %u cores, throughput vs", most);
	printf("    %-36s %12s %14s\n", head, "its 1 core", "shared atomic");
	for (i = first; i < res.n; i++) {
		r = &res.r[i];
		if (r->meas != M_ADD || r->cores != most)
			continue;
		one = find(r->variant, 1);
		shared = find_shared(r);
		printf("      %-34s", r->label);
		if (one)
			printf(" %11.2fx", r->rate / one->rate);
		else
			printf(" %12s", "n/a");
		if (shared && shared != r)
			printf(" %13.2fx\n", r->rate / shared->rate);
		else
			printf("\n");
	}
}

/* The table's lines of the results recorded since the last call. */
static void print_section(const char *title)
{
	unsigned int i, j, first = res.printed;
	int meas = -1;
	bool cut = false, alone = false;
	struct ct_result *r;

	section_title(title, first == res.n);
	/* Each variant's lines together, in the order variants came. */
	for (i = first; i < res.n; i++) {
		if (!first_variant(variant_of, first, i))
			continue;
		if ((int)res.r[i].meas != meas) {
			meas = res.r[i].meas;
			printf("    %s\n", meas_desc[meas].title);
		}
		for (j = i; j < res.n; j++) {
			r = &res.r[j];
			if (strcmp(r->variant, res.r[i].variant))
				continue;
			printf("      %-34s %5u", j == i ? r->label : "",
			       r->cores);
			print_num(r->median, 10);
			print_num(r->p99, 10);
			print_num(r->rate / 1e6, 10);
			print_per_op(r->irq[IRQ_CAL]);
			print_per_op(r->irq[IRQ_TLB]);
			printf("%s%s\n", r->cut ? "  *" : "",
			       r->alone ? "  !" : "");
			cut = cut || r->cut;
			alone = alone || r->alone;
		}
	}
	if (cut)
		printf("    * out of time: a thread has fewer than --reps batches that ran\n"
		       "      while every thread was on its CPU\n");
	if (alone)
		printf("    ! no batch of a thread ran while every thread was on its CPU\n"
		       "      (other tasks run there): all its batches are counted, and what\n"
		       "      the threads cost each other is understated\n");
	print_scaling(first);
	res.printed = res.n;
	fflush(stdout);
}

static void report_results(void)
{
	const struct ct_result *r, *one, *shared;
	unsigned int i;

	for (i = 0; i < res.n; i++) {
		r = &res.r[i];
		report_latency(r->variant, r->cpus, r->median, r->p99);
		report_value(r->variant, "throughput", NULL, r->rate, "ops/s");
		if (r->meas == M_EXACT_ADDING)
			report_value(r->variant, "add_throughput", NULL,
				     r->add_rate, "ops/s");
		one = find(r->variant, 1);
		if (one)
			report_value(r->variant, "throughput_vs_1core", NULL,
				     r->rate / one->rate, "x");
		shared = find_shared(r);
		if (r->meas == M_ADD && shared && shared != r)
			report_value(r->variant, "throughput_vs_shared", NULL,
				     r->rate / shared->rate, "x");
		report_irq(r->variant, r->irq);
		report_value(r->variant, "batches", NULL, r->batches,
			     "batches");
		report_value(r->variant, "concurrent", NULL,
			     100 * r->concurrent, "%");
		report_value(r->variant, "batch_ops", NULL, res.iters, "ops");
	}
}

/* --- the plot ------------------------------------------------------------ */

/*
 * The style of result @i's line: its colour tells where the counter keeps
 * its count, its dashes the operation, its points the backend.
 */
static void gp_style(FILE *f, unsigned int i)
{
	static const char *const colour[CT_NKINDS] = {
		[CT_SHARED] = "#d62728",
		[CT_WRITE_MOSTLY] = "#1f77b4",
		[CT_READ_MOSTLY] = "#2ca02c",
		[CT_PERCPU] = "#ff7f0e",
	};
	const struct ct_result *r = &res.r[i];

	fprintf(f, " lw %s lc rgb '%s' dt %u pt %u",
		r->meas == M_ADD ? "3" : "1.5", colour[r->kind],
		(unsigned int)r->meas + 1, strcmp(r->mode, "user") ? 7U : 6U);
}

static void gp_point(FILE *f, unsigned int i)
{
	fprintf(f, "%u %.6g\n", res.r[i].cores, res.r[i].rate / 1e6);
}

/* --- the suite ----------------------------------------------------------- */

static void print_header(const struct ct_ctx *c, const struct bench_env *env)
{
	const struct bench_opts *o = c->o;
	struct suite_head h;

	suite_header("counter", o, env, &h);
	printf("  cores        CPUs %s, measured on the first 1 to %u of them: a\n"
	       "               thread bound to each, all running the operation at once\n",
	       h.cpus, o->ncpus);
	printf("  batches      of %lu operations, timed as one: each thread runs %d\n"
	       "               untimed, then %u timed at least, for %.0f ms at least\n"
	       "               (cut at %.1f s); a batch counts if every thread ran\n"
	       "               batches on its CPU all along (off it %.0f us at most,\n"
	       "               by the threads' CPU time)\n",
	       o->iters, CT_WARM_BATCHES, o->reps, CT_MIN_WINDOW_NS / 1e6,
	       CT_MAX_WINDOW_NS / 1e9, CT_GAP_NS / 1e3);
	printf("  latency      ns an operation of a batch: the median and the 99th\n"
	       "               percentile over every thread's batches\n");
	printf("  throughput   M operations a second, summed over the threads: each\n"
	       "               thread's rate in its median batch\n");
	printf("  interrupts   /proc/interrupts during the timed window, all CPUs\n"
	       "               summed, per operation timed: IPIs/op the CAL row\n"
	       "               (function-call IPIs), TLB/op the TLB row\n");
	suite_header_end(res.has, &h);
	printf("  %-40s %5s %10s %10s %10s %8s %8s\n", "", "cores", "median ns",
	       "p99 ns", "Mops/s", "IPIs/op", "TLB/op");
	fflush(stdout);
}

int counter_suite(const struct bench_opts *o)
{
	struct ct_ctx c = { .o = o };
	struct plot_lines pl = {
		.ylabel = "throughput (M operations/s, all cores)",
		.variant = variant_of,
		.style = gp_style,
		.point = gp_point,
	};
	bool user, module, asked_module, failed = false;
	struct bench_env env;
	cpu_set_t saved;
	int ret;

	user = backend_wanted(o, "user");
	module = backend_wanted(o, "module");
	asked_module = backend_named(o, "module");
	/* Asked for by name and not there: fail before measuring anything. */
	if (asked_module && ct_module_available(true))
		return 1;
	res.iters = o->iters;
	if (suite_begin(o, &saved, res.has, &env))
		return 1;
	print_header(&c, &env);

	if (user) {
		failed |= ct_user(&c) < 0;
		sched_setaffinity(0, sizeof(saved), &saved);
		print_section("user: C11 atomics in this process, a thread a core");
	}
	if (module) {
		ret = ct_module(&c, asked_module);
		sched_setaffinity(0, sizeof(saved), &saved);
		failed |= ret < 0 || (ret > 0 && asked_module);
		if (ret <= 0)
			print_section("module: mkrep counters, MKREP_IOC_COUNTER_BENCH: kernel\n"
				      "    loops, a thread a core, one counter fd");
	}

	pl.n = res.n;
	failed |= suite_end("counter", o, &env, report_results, &pl);
	return failed ? 1 : 0;
}
