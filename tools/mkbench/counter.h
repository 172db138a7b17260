/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkbench counter - what its files share: the counters measured, their
 * operations, the measurements run of them on k cores at once
 * (counter_run.c) and the results kept of those (counter.c).
 */
#ifndef _MKBENCH_COUNTER_H
#define _MKBENCH_COUNTER_H

#include <stdbool.h>
#include <stdint.h>

#include "mkbench.h"

/*
 * The measured window of one operation on k cores: every thread runs
 * o->reps timed batches at least, and the window lasts CT_MIN_WINDOW_NS
 * at least; it is cut at CT_MAX_WINDOW_NS once every thread has timed a
 * batch (an emulated guest whose vCPUs outnumber the host's cores runs
 * some operations a hundred times slower), and a thread that has timed
 * none after CT_TIMEOUT_NS has failed.
 */
#define CT_MIN_WINDOW_NS	(20ULL * 1000 * 1000)
#define CT_MAX_WINDOW_NS	(500ULL * 1000 * 1000)
/*
 * The window of each counter's operation is cut into CT_ROUNDS rounds; a
 * round measures it on 1, 2, ... N cores in turn, each counter after the
 * other, for a part of the window each, so that the counters and core
 * counts that the table compares are measured in the same moments.
 */
#define CT_ROUNDS		3
#define CT_TIMEOUT_NS		(30ULL * 1000 * 1000 * 1000)
#define CT_WARM_BATCHES		2	/* each thread's, before the window */
#define CT_MAX_SAMPLES		4096	/* timed batches a thread keeps */
/*
 * A thread runs batches on its CPU from the start of one to the end of
 * another if it was off its CPU for no longer than this during each, and
 * between two (by its CPU time); CT_MAX_RUNS such times a measurement are
 * kept.
 */
#define CT_GAP_NS		(50ULL * 1000)
#define CT_MAX_RUNS		1024

/* The operations. */
enum ct_op {
	CT_ADD,		/* add 1 */
	CT_READ,	/* a local (possibly stale) read */
	CT_READ_EXACT,	/* an exact read */
	CT_GET_PUT,	/* add 1, then -1: a reference taken and dropped */
	CT_NOPS
};

/* Where a counter keeps its count: the colour of its lines in the plot. */
enum ct_kind {
	CT_SHARED,	/* one shared atomic: every add a locked RMW of one line */
	CT_WRITE_MOSTLY,	/* a slot a CPU: an exact read sums them */
	CT_READ_MOSTLY,	/* an add writes its sum into every reader's row */
	CT_PERCPU,	/* the kernel's percpu_counter */
	CT_SLOPPY,	/* a central count plus spare references a CPU */
	CT_MAPPED,	/* write-mostly slots in the process, rseq updates */
	CT_NKINDS
};

/* A counter, as a backend offers it. */
struct ct_impl {
	const char *variant;	/* the CSV variants start with it */
	const char *label;	/* its line in the table */
	enum ct_kind kind;
	/*
	 * Run @iters operations @op on the calling thread, the @index-th of
	 * the run (bound to o->cpus[@index]), and time them: the nanoseconds
	 * in @ns.  0 or -errno.
	 */
	int (*batch)(const struct ct_impl *impl, unsigned int index,
		     enum ct_op op, uint32_t iters, uint64_t *ns);
	void *priv;
	/*
	 * Timed in this process where the backend's other counters are
	 * timed in the kernel: no ratio to its shared atomic.
	 */
	bool timed_in_user;
};

/* A run of the suite, as the backends see it. */
struct ct_ctx {
	const struct bench_opts *o;
	bool irq_has[IRQ_ROWS];	/* /proc/interrupts has the row */
};

/* The measurements of each counter, in the order they run. */
enum ct_meas {
	CT_MEAS_ADD,		/* every thread adds */
	CT_MEAS_READ,		/* every thread reads locally */
	CT_MEAS_READ_EXACT,	/* every thread reads exactly */
	CT_MEAS_EXACT_ADDING,	/* the first reads exactly, the others add */
	CT_MEAS_GET_PUT,	/* every thread gets and puts */
	CT_NMEAS
};

struct ct_meas_desc {
	const char *name;	/* of the CSV variant, after the counter's */
	const char *title;	/* of its part of the table */
};

extern const struct ct_meas_desc ct_meas_desc[CT_NMEAS];

/* The result of a measurement on k cores. */
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
	double add_rate;	/* CT_MEAS_EXACT_ADDING: the adders' */
	double irq[IRQ_ROWS];	/* per operation; < 0: not counted */
	double vs_one;		/* rate / its 1-core rate's, 0: none */
	double vs_shared;	/* rate / the shared atomic's, 0: none */
	bool disturbed;		/* vs_one above the cores: not to be judged */
	/* CLOCK_MONOTONIC: its first round's window opened, its last closed */
	uint64_t from_ns, to_ns;
	unsigned long batches;	/* counted, of the measurement's threads */
	double concurrent;	/* the share of their timed batches counted */
	bool alone;		/* some thread had none: all batches counted */
	bool cut;		/* a thread has fewer than o->reps batches */
};

/* counter.c: a new result, zeroed, among the run's; NULL: out of memory. */
struct ct_result *ct_new_result(void);

/*
 * counter_run.c: measure every operation of the @n counters @impl on the
 * first 1, 2, ... o->ncpus CPUs, in CT_ROUNDS rounds, and record the
 * results under @mode ("user", "module"): 0, or -1 after a failure it
 * reported.  A result is the median of its rounds, and so are its ratios
 * to its own 1-core rate and to the shared atomic's, each taken within a
 * round.  The caller is the thread on the first CPU; it is left bound to
 * it.
 */
int ct_run(const struct ct_ctx *c, const char *mode,
	   const struct ct_impl *impl, unsigned int n);

/*
 * The backends: 0, -1 after a failure they reported, 1 when they cannot
 * run here (they said why).
 */
int ct_user(const struct ct_ctx *c);
int ct_module(const struct ct_ctx *c, bool asked);
/*
 * Whether /dev/mkrep offers counters: 0, or 1 with the reason said: on
 * stderr when @asked (--backend module), else as a line of the table.
 */
int ct_module_available(bool asked);

/*
 * counter_mapped.c: a batch of a mapped counter (libmkchan_counter.h),
 * @impl->priv a struct ct_mapped; and slots in plain memory for one,
 * @nr_slots of them (0 or -errno; mkrep_ucounter_close() frees them).
 */
struct ct_mapped {
	struct mkrep_ucounter *c;
	bool ioctl;		/* the ioctls, else the sequences */
};

int ct_mapped_batch(const struct ct_impl *impl, unsigned int index,
		    enum ct_op op, uint32_t iters, uint64_t *ns);
int ct_mapped_memory(struct mkrep_ucounter *c, unsigned int nr_slots);
/* The highest possible CPU's number plus one: a slot for every CPU. */
unsigned int ct_cpu_ids(void);

/* Say what failed in @mode, with @err (-errno) when non-zero. */
void ct_fail(const char *mode, const char *what, int err);

#endif /* _MKBENCH_COUNTER_H */
