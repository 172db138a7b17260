/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkbench - what the suites share: options, --backend, the clock,
 * pinning, running two pinned threads side by side, the environment, the
 * interrupts counted, the report and the plot.
 */
#ifndef _MKBENCH_H
#define _MKBENCH_H

#include <assert.h>
#include <sched.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "libmkchan.h"
#include "code_copies.h"

#define MKBENCH_MAX_REPS	1000
#define MKBENCH_MAX_CPUS	256	/* CPUs of one run (shootdown, counter) */
#define MKBENCH_MAX_BACKENDS	32	/* --backend values of a suite */

/* As the kernel's, for members: "uint64_t __aligned(64) v;". */
#ifndef __aligned
#define __aligned(x)	alignas(x)
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct bench_opts {
	int cpu[2];		/* the two CPUs measured (urpc); the first two */
	bool same_cpu;		/* both are the same CPU: spin loops yield */
	int cpus[MKBENCH_MAX_CPUS];	/* the CPUs of a CPU list, in order */
	unsigned int ncpus;	/* ... how many (shootdown, counter) */
	unsigned long iters;	/* iterations of one repetition */
	unsigned int reps;	/* repetitions after the warm-up */
	unsigned int backends;	/* 1 << i: --backend named backend_names[i] */
	const char *const *backend_names;	/* the suite's --backend values */
	const char *csv;	/* CSV file to write, or NULL */
	const char *plot;	/* PNG file to plot into, or NULL */
	const char *env;	/* --env or MKBENCH_ENV, or NULL */
	unsigned int member_modes;	/* shootdown: 1 << SD_MEMBER_*; 0: all */
	unsigned long long bound_ns;	/* shootdown: 0: the module's */
};

/* A suite: `mkbench NAME [options]`. */
struct bench_suite {
	const char *name;
	const char *help;
	int (*run)(const struct bench_opts *o);
	unsigned long iters;		/* default --iters */
	unsigned long min_iters, max_iters;
	unsigned int reps;		/* default --reps; 0: 5 */
	const char *const *backends;	/* --backend values; [0] the default */
	bool backend_list;		/* --backend may name several: A,B */
	bool cpu_list;			/* --cpus is a list, not a pair */
	bool plots;			/* takes --plot */
	bool members;			/* takes --member-mode, --bound-ns */
};

/*
 * backend.c: --backend @s (NULL: @suite->backends[0]) into the bits of
 * o->backends: one of @suite->backends, or several separated by commas if
 * the suite takes a list.  0, or -1 when @s names anything else (said on
 * stderr).
 */
int backend_parse(const struct bench_suite *suite, const char *s,
		  struct bench_opts *o);
/* Whether --backend named @name. */
bool backend_named(const struct bench_opts *o, const char *name);
/* Whether --backend named @name, or auto (every backend that can run). */
bool backend_wanted(const struct bench_opts *o, const char *name);

int urpc_suite(const struct bench_opts *o);
int shootdown_suite(const struct bench_opts *o);
int counter_suite(const struct bench_opts *o);
int bystander_suite(const struct bench_opts *o);

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* One turn of a spin loop: with both threads on one CPU, let the other run. */
static inline void bench_relax(const struct bench_opts *o)
{
	if (o->same_cpu)
		sched_yield();
	else
		mkchan_cpu_relax();
}

#define load_acquire(p)		__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)

/* pair.c: two threads pinned to o->cpu[0] (side 0) and o->cpu[1] (side 1). */

/* One side's share of @n iterations of a measurement. */
typedef void (*pair_fn)(void *arg, int side, unsigned long n);

/*
 * Run @fn on both sides: @warm iterations, then @reps repetitions of @n,
 * the two sides released together before each.  @ns[r] receives the time
 * of repetition r from the first start to the last end, divided by @per
 * (the operations in @n iterations).
 */
void pair_run(const struct bench_opts *o, pair_fn fn, void *arg,
	      unsigned long warm, unsigned long n, unsigned int reps,
	      double per, double *ns);

/* Pin the calling thread to @cpu: 0 or -errno. */
int pin_cpu(int cpu);

/*
 * A measurement: what pair_run() runs, and where its o->reps samples go.
 * The suites run their measurements in rounds, one repetition of each per
 * round, so that a change of the machine under the run (a hypervisor
 * moving a vCPU) shows in every measurement alike.
 */
struct meas {
	pair_fn fn;
	const pair_fn *copies;	/* or MKBENCH_COPIES of them, in turn */
	unsigned int turn;	/* ... turned as meas_init_copies() says */
	unsigned int warmed;	/* the copies warmed up, a bit each */
	void *arg;
	unsigned long warm, n;	/* iterations: warm-up, one repetition */
	double per;		/* operations in @n iterations */
	double *ns;		/* o->reps samples, ns per operation */
	void (*close)(void *arg);
};

/* Fill in @m, with room for o->reps samples; @close frees @arg. */
void meas_init(const struct bench_opts *o, struct meas *m, pair_fn fn,
	       void *arg, unsigned long warm, unsigned long n, double per,
	       void (*close)(void *arg));
/*
 * The same for a loop in MKBENCH_COPIES copies (code_copies.h).  With C
 * for MKBENCH_COPIES, round r runs copy (r + r / C + r / C^2) % C of
 * the row, with as many of the two quotients as @turn (0 to 2) says: rows
 * of different @turn then meet in every pairing of their copies, within
 * C^2 rounds for turns 0 and 1 and C^3 for 2 (URPC's rows take 0, the
 * peer rings 1, the new line 2).
 */
void meas_init_copies(const struct bench_opts *o, struct meas *m,
		      const pair_fn *copies, unsigned int turn, void *arg,
		      unsigned long warm, unsigned long n, double per,
		      void (*close)(void *arg));
/* Which copy round @r of @m runs (0 for a row in one copy). */
unsigned int meas_copy(const struct meas *m, unsigned int r);
/*
 * Repetition @r of @m, after the warm-up the first time it runs (each
 * copy's first time, for a row in copies).
 */
void meas_run(const struct bench_opts *o, struct meas *m, unsigned int r);
void meas_close(struct meas *m);

/*
 * cacheline.c: one line written in turn by both sides (@ring false), or a
 * new line each time from a ring of lines per direction, as a URPC ring
 * uses them (@ring true).  One-way ns.
 */
void cacheline_open(const struct bench_opts *o, bool ring, struct meas *m);

/* native.c: blocking ping-pong through the kernel, one-way ns. */
enum native_kind { NATIVE_PIPE, NATIVE_EVENTFD, NATIVE_FUTEX, NATIVE_UNIX };
#define NATIVE_KINDS	4
extern const char *const native_name[];
void native_open(const struct bench_opts *o, enum native_kind kind,
		 unsigned long iters, struct meas *m);
/*
 * For NATIVE_FUTEX, the FUTEX_WAITs that slept and the messages so far:
 * fewer sleeps than messages where a side found the word set before it
 * slept (fast machines, SMT siblings), which then is no blocking
 * ping-pong.
 */
void native_futex_counts(const struct meas *m, unsigned long *slept,
			 unsigned long *msgs);

/*
 * native_msgring.c: the same ping-pong through two io_uring instances, each
 * thread waiting in io_uring_enter() for the CQE that the other posts into
 * its ring with IORING_OP_MSG_RING.  0, or -errno with the reason in @why
 * and @m left empty (m->fn NULL) where io_uring cannot do it here.
 */
int msgring_open(const struct bench_opts *o, unsigned long iters,
		 struct meas *m, char *why, size_t len);

/*
 * peer_rings.c: reference rings written here, not mkchan's protocol, of
 * URPC_NSLOTS slots, used as @use says.
 */
#define URPC_NSLOTS	256	/* slots of every ring of mkbench urpc */
/*
 * Messages the one thread alone sends before it takes them back: a
 * quarter ring, so that what it takes was stored long before, not just
 * before the load.  The thread must never find the ring full, since none
 * but itself would make room: a receiver publishes its head (URPC) or
 * acknowledges (the UMP-style ring) a quarter ring at a time, so up to a
 * quarter ring less one taken may not be handed back yet.
 */
#define URPC_ALONE_BATCH	(URPC_NSLOTS / 4)
static_assert(URPC_ALONE_BATCH + URPC_NSLOTS / 4 - 1 <= URPC_NSLOTS,
	      "the one thread alone would find its ring full");
enum peer_kind {
	PEER_UMP,	/* 64-byte lines, a sequence flag in each line */
	PEER_SPSC,	/* 8-byte slots, head and tail with cached copies */
};

enum peer_use {
	PEER_PINGPONG,	/* a polling ping-pong: one-way ns */
	PEER_STREAM,	/* side 0 streams to side 1: ns per message */
	PEER_ALONE,	/* side 0 sends a batch, then takes it: ns a message */
};

void peer_ring_open(const struct bench_opts *o, enum peer_kind kind,
		    enum peer_use use, struct meas *m);

/* env.c */
struct bench_env {
	char desc[192];		/* what was measured, in words */
	char cpu_model[128];
	bool emulated;		/* software emulation: not hardware timings */
	bool virtual;		/* a guest, KVM or other hypervisor */
};

void env_detect(const char *given, struct bench_env *env);
/* /proc/loadavg's three averages in @buf, or "unknown". */
void env_load_average(char *buf, size_t len);
/* 1 when @cpu is online, 0 when it is not, -1 when it cannot tell. */
int env_cpu_online(int cpu);
/* 1 when @a and @b are SMT siblings (sysfs), 0 when not, -1: unknown. */
int env_smt_siblings(int a, int b);
/*
 * The steal column of /proc/stat, in ns: @steal[0] of the aggregate "cpu"
 * line, @steal[1 + i] of CPU @cpu[i]'s line (-1 where there is none).
 * @ncpus gets the number of CPU lines.  0, or -errno.
 */
int env_steal(const int cpu[2], long long steal[3], unsigned int *ncpus);
/* The first two online CPUs this process may run on, in @cpu. */
int env_default_cpus(int cpu[2]);

/*
 * report.c: results as a table and as CSV rows.  @variant is what was
 * measured ("cacheline", "pipe", "urpc-shm-pingpong"), @metric the
 * quantity ("oneway_ns"), @label its line in the table.
 */
void report_begin(const char *suite, const struct bench_opts *o);
/* The first @k CPUs of a CPU list, "0-3" or "0:2:5-7" (no comma: CSV). */
void report_cpu_list(const struct bench_opts *o, unsigned int k, char *buf,
		     size_t len);
/* The cpus column of the CSV rows added from now on ("0-3", "0:2"). */
void report_set_cpus(const char *cpus);
void report_section(const char *title);
/* A time: per-repetition ns samples, reported as median and min. */
void report_time(const char *variant, const char *metric, const char *label,
		 const double *ns, unsigned int n, double *median);
/* A rate: per-repetition ns per message, reported as msgs/s. */
void report_rate(const char *variant, const char *metric, const char *label,
		 const double *ns, unsigned int n, double *median);
/* Any other value: a ratio, a count; only in the CSV if @label is NULL. */
void report_value(const char *variant, const char *metric, const char *label,
		  double v, const char *unit);
/* A line of the table that says why @label was not measured. */
void report_missing(const char *label, const char *why);
/*
 * A ratio @num[r] / @den[r] of two measurements taken in the same round r,
 * reported as the median over the rounds; returns it.
 */
double report_ratio(const char *variant, const char *metric,
		    const char *label, const double *num, const double *den,
		    unsigned int n);
void report_print(void);
int report_csv(const char *path);
/* The median of @n (1 to MKBENCH_MAX_REPS) samples @v. */
double sample_median(const double *v, unsigned int n);

/*
 * plot.c: a PNG drawn by gnuplot.  @body writes, after the terminal, the
 * output and the title, the rest of the script: the axes, the plot
 * command and its data.
 */
typedef void (*plot_body_fn)(FILE *f, void *arg);

/*
 * Plot into @file, titled with @suite and the environment (EMULATED when
 * it is); say so and write nothing when gnuplot is not installed or when
 * there is no data (@has_data false).  0, or -1 when gnuplot failed.
 */
int plot_png(const char *suite, const char *file,
	     const struct bench_env *env, bool has_data, plot_body_fn body,
	     void *arg);
/* @s as a gnuplot string in single quotes: a quote is doubled. */
void plot_string(FILE *f, const char *s);

/*
 * interrupts.c: the rows of /proc/interrupts counted, all CPUs summed
 * (shootdown, counter).
 */
enum irq_row {
	IRQ_CAL,	/* function-call IPIs (x86 sends shootdowns as these) */
	IRQ_TLB,	/* TLB shootdowns received (x86) */
	IRQ_RES,	/* rescheduling IPIs: wake-ups */
	IRQ_ROWS
};

extern const char *const irq_row_name[IRQ_ROWS];

struct irq_file {
	int fd;
	char *buf;
	size_t size;
	bool has[IRQ_ROWS];	/* the row is there */
};

/* Open /proc/interrupts and see which rows it has: 0 or -errno. */
int irq_open(struct irq_file *f);
/* The sums of every row that is there, into @v: 0 or -errno. */
int irq_read(struct irq_file *f, uint64_t v[IRQ_ROWS]);
void irq_close(struct irq_file *f);

/*
 * common.c: what the suites of a CPU list (shootdown, counter) share.
 *
 * The lines of a plot against the cores, a line a variant: result @i's
 * variant, the style of its line and its point ("cores value\n").
 */
struct plot_lines {
	const char *ylabel;
	/* NULL: "1:2 with linespoints"; e.g. error bars from a third column */
	const char *with;
	unsigned int n;			/* results */
	const char *(*variant)(unsigned int i);
	void (*style)(FILE *f, unsigned int i);
	void (*point)(FILE *f, unsigned int i);
};

/* A plot_body_fn: @arg is a struct plot_lines. */
void plot_lines(FILE *f, void *arg);
/* Whether result @i is the first of its variant from result @from on. */
bool first_variant(const char *(*variant)(unsigned int i),
		   unsigned int from, unsigned int i);
/* A section of the table: its title, and a line if it has no results. */
void section_title(const char *title, bool none);
/* A measurement's median and p99 CSV rows, on the CPUs @cpus. */
void report_latency(const char *variant, const char *cpus, double median,
		    double p99);
/* The per-operation CSV rows of the interrupts counted (< 0: not). */
void report_irq(const char *variant, const double irq[IRQ_ROWS]);
/*
 * The CSV rows of the results (@results), of the environment, the CSV
 * file and the plot of a suite: whether any failed.
 */
int suite_end(const char *suite, const struct bench_opts *o,
	      const struct bench_env *env, void (*results)(void),
	      const struct plot_lines *pl);

/* What the header of a suite's table says. */
struct suite_head {
	char load[64];		/* the load average before the run */
	char cpus[64];		/* the CPU list */
};

/*
 * The start of a suite's run: the caller's CPUs in @saved, the rows of
 * /proc/interrupts there in @has, the environment in @env.  0, or 1 when
 * it failed (it said why).
 */
#ifdef CPU_SETSIZE
int suite_begin(const struct bench_opts *o, cpu_set_t *saved,
		bool has[IRQ_ROWS], struct bench_env *env);
#endif
/* The header's first lines: the suite, the environment and the CPU. */
void suite_header(const char *suite, const struct bench_opts *o,
		  const struct bench_env *env, struct suite_head *h);
/* The header's last lines: the rows not counted and the load average. */
void suite_header_end(const bool has[IRQ_ROWS], const struct suite_head *h);

/* Say what failed in @suite's @mode, with @err (-errno) when non-zero. */
void bench_fail(const char *suite, const char *mode, const char *what,
		int err);

/* MKREP_DEVICE ("/dev/mkrep") comes from libmkchan.h. */
struct mkrep_query;
/*
 * Whether /dev/mkrep answers MKREP_IOC_QUERY into @q (its size set) with
 * @feature: 0, or 1 with the reason in @why: @hint where it is not loaded,
 * @lacks where it lacks @feature.
 */
int module_probe(struct mkrep_query *q, unsigned int feature,
		 const char *hint, const char *lacks, char *why, size_t len);
/*
 * 0 if @why is empty, else 1 with it said: on stderr when @asked
 * (--backend module), else as a line of the table.
 */
int module_skip(const char *suite, bool asked, const char *why);

/*
 * A worker thread's loop: pin to @cpu and say so in @ready (1, or -errno);
 * then for each command posted in @seq, until @cmd is @exit_cmd, @fn and
 * @done set to it.
 */
void worker_loop(int cpu, int *ready, unsigned int *done,
		 const unsigned int *seq, const int *cmd, int exit_cmd,
		 void (*fn)(void *arg, unsigned int seq), void *arg);

#endif /* _MKBENCH_H */
