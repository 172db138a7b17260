/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkbench urpc - what its files share: the URPC measurements, the
 * placement of the two CPUs seen in each round, which rounds are stable,
 * the targets judged on them, the steal time of the run, and the plot.
 */
#ifndef _MKBENCH_URPC_H
#define _MKBENCH_URPC_H

#include "mkbench.h"

/* urpc_chan.c: URPC over libmkchan's channels. */
#define URPC_PUT_BATCH	32	/* messages per mkchan_flush() when streaming */

enum backend { BACKEND_SHM, BACKEND_MODULE };
enum urpc_kind {
	URPC_PINGPONG,		/* polling, received in place */
	URPC_PINGPONG_FULL,	/* the same, a full barrier per message */
	URPC_PUT,		/* put x32 + flush, received in batches */
	URPC_SEND,		/* send, and mkchan_try_recv(), per message */
	URPC_SEND_FULL,		/* the same, a full barrier per message */
	URPC_SLEEP,		/* ping-pong, both receivers asleep */
	URPC_ALONE,		/* one thread: send a batch, take it in place */
	URPC_ALONE_FULL,	/* the same, a full barrier per message */
};

/*
 * The backend to use, described in @why; -1 when the module was asked
 * for and cannot be used.
 */
int pick_backend(const struct bench_opts *o, char *why, size_t len);
/*
 * A URPC measurement of @kind on a channel of its own; @blocking: round
 * trips of a repetition of URPC_SLEEP.
 */
void urpc_open(const struct bench_opts *o, int backend, enum urpc_kind kind,
	       unsigned long blocking, struct meas *m);
/* Whether both endpoints of @m's channel send light. */
bool urpc_light(const struct meas *m);
/* The sleeps and notifies of both endpoints of @m's channel so far. */
void urpc_counts(const struct meas *m, unsigned long *sleeps,
		 unsigned long *notifies);

/* The placement a round saw, from its cache-line time (urpc_verdict.c). */
enum place { PLACE_SMT, PLACE_NEAR, PLACE_FAR, PLACES };
extern const char *const place_name[PLACES];	/* "SMT siblings", ... */
extern const char *const place_short[PLACES];	/* "smt", "near", "far" */

struct urpc_rounds {
	unsigned int n;			/* rounds */
	const double *line;		/* the cache-line time of each, ns */
	const double *line_end;		/* ... measured again at its end */
	enum place place[MKBENCH_MAX_REPS];
	bool stable[MKBENCH_MAX_REPS];
	unsigned int rounds[PLACES];	/* rounds of each placement */
	unsigned int nstable[PLACES];	/* ... of them stable */
	unsigned int stays[PLACES];	/* ... visits with a stable round */
	double low[PLACES];		/* the low line time of each, ns */
	int declared;			/* env_smt_siblings() of the CPUs */
};

/*
 * Classify the @n rounds of @line (M_LINE's samples, at the start of each
 * round) and @line_end (M_LINE_END's, at its end) into @rs.
 */
void rounds_classify(const struct bench_opts *o, const double *line,
		     const double *line_end, unsigned int n,
		     struct urpc_rounds *rs);
/* The header's line: the placement sysfs declares, the thresholds. */
void rounds_print_declared(const struct bench_opts *o);
/* Each round's line time and placement, compact; the CSV counts. */
void rounds_print(const struct urpc_rounds *rs);

/*
 * A target: the ratio @num[r] / @den[r] of two measurements in round r
 * (times in ns: for rates, the reference's time over URPC's), at most or
 * at least @bound.
 */
struct urpc_target {
	const char *what;		/* its line: "... <= 1.1" */
	const char *metric;		/* its CSV metric */
	const double *num, *den;
	double bound;
	bool at_most;
	/*
	 * Not NULL: a round counts only where gate[r] >= gate_min (e.g. the
	 * futex's sleeps per message), said as "<gate_what> < gate_min".
	 */
	const double *gate;
	double gate_min;
	const char *gate_what;
	/*
	 * Not a target: a reference's own ratio, judged by the same rules
	 * and printed among the targets with no verdict, so that a reader
	 * sees how near a bare ring comes to the bound in that placement.
	 */
	bool context;
};

enum judgeable {
	JUDGE_OK,
	JUDGE_RARE,		/* seen rarely, too few stable rounds or stays */
	JUDGE_UNSTABLE,		/* seen often, too few stable rounds */
	JUDGE_GATED,		/* too few stable rounds pass @t's gate */
};

/* Whether @t can be judged on placement @p (steal time aside). */
enum judgeable urpc_judgeable(const struct urpc_rounds *rs, enum place p,
			      const struct urpc_target *t);

/* Judge @t[0..n) per placement seen, over its stable rounds. */
void targets_print(const struct urpc_rounds *rs, const struct bench_env *env,
		   bool suspect, const struct urpc_target *t, unsigned int n);

/* The steal time of /proc/stat over the run. */
struct steal {
	int cpu[2];
	long long before[3], after[3];	/* env_steal(): all, cpu[0], cpu[1] */
	uint64_t t0, t1;		/* now_ns() before and after */
	unsigned int ncpus;
	bool ok;
};

void steal_begin(const struct bench_opts *o, struct steal *s);
void steal_end(struct steal *s);
/* Print it and add its CSV rows: whether it makes the verdicts suspect. */
bool steal_print(const struct steal *s);

/* urpc_plot.c: a row of the plot, one point per round. */
struct urpc_plot_row {
	const char *label;
	const double *ns;		/* NULL: not measured */
	bool rate;			/* plotted as M msgs/s */
};

/* Plot @row[0..n) into o->plot: 0, or -1 when gnuplot failed. */
int urpc_plot(const struct bench_opts *o, const struct bench_env *env,
	      const struct urpc_rounds *rs, const struct urpc_plot_row *row,
	      unsigned int n);

#endif /* _MKBENCH_URPC_H */
