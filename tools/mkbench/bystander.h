/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkbench bystander - what its files share: the configurations, the
 * record of a bystander core's units of work, and a run's results.
 */
#ifndef _MKBENCH_BYSTANDER_H
#define _MKBENCH_BYSTANDER_H

#include <stdbool.h>
#include <stdint.h>

#include "mkbench.h"

#define BY_INTERVAL_NS	100000ULL	/* between two operations */
#define BY_UNIT_NS	1000		/* a unit of work, calibrated */
#define BY_BUCKET_NS	50		/* the histogram's resolution */
#define BY_BUCKETS	2000		/* up to 100 us; longer: the last */

/* How the first core takes the page away from the others. */
enum by_config {
	BY_THREADS,	/* threads of one process; madvise(MADV_DONTNEED) */
	BY_PROCS,	/* processes, a memfd mapping each; PUNCH_HOLE */
	BY_SHM,		/* processes; a URPC message each, between units */
	BY_MODULE,	/* an mkrep space; its members apply between units */
	BY_CONFIGS
};

extern const char *const by_variant[BY_CONFIGS];
extern const char *const by_label[BY_CONFIGS];

/* What one bystander core did in one phase, in memory all share. */
struct by_core {
	unsigned long units;
	uint64_t ns;				/* the phase, on its clock */
	uint64_t max;				/* the longest unit */
	uint32_t hist[BY_BUCKETS];		/* units by duration */
};

/*
 * One configuration on the first @k CPUs: the control and the run.  NAN:
 * not measured (no counters, no units); a loss or an IPI count below
 * zero is the noise of the machine and is kept as it is.
 */
struct by_result {
	enum by_config config;
	unsigned int k;
	char cpus[64];			/* the first @k CPUs, "0-3" */
	unsigned long ops;
	double op_median, op_p99;	/* ns, the first core's operations */
	double loss_per_op;		/* ns, summed over the bystanders */
	double drift;			/* control 2 over control 1, units/s */
	double unit_p99, unit_p99_ctl;	/* ns */
	double unit_max;		/* ns, the worst of the run */
	double irq[IRQ_ROWS];		/* per operation; NAN: not counted */
};

/*
 * bystander_run.c: @config on the first @k CPUs of o->cpus (k >= 2), @ops
 * operations, units of @unit_loops iterations: 0 with @r filled, or -1
 * (said).
 */
int by_run(const struct bench_opts *o, enum by_config config, unsigned int k,
	   unsigned long ops, unsigned long unit_loops, struct by_result *r);
/* The iterations of a unit of BY_UNIT_NS on the calling CPU. */
unsigned long by_calibrate(void);
/*
 * Whether /dev/mkrep offers spaces: 0, or 1 with the reason said: on
 * stderr when @asked (--backend module), else as a line of the table.
 */
int by_module_available(bool asked);

#endif /* _MKBENCH_BYSTANDER_H */
