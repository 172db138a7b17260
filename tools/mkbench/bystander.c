// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench bystander - what the other cores lose while one core takes a
 * page away from them, on 2, 3, ... N cores: the figure a shard-per-core
 * server feels.  Every other core runs units of useful work in a loop and
 * records how long each took (bystander_run.c); the first core takes the
 * page away every BY_INTERVAL_NS, Linux's way (threads and madvise, or
 * processes and a punched memfd: IPIs, in the middle of a unit) or the
 * message way (a URPC message each over shared memory, or mkrep's space
 * with the module, taken between two units).
 *
 * Per configuration and core count: the first core's operation (median,
 * p99), the time the bystanders lost per operation summed over them (the
 * operations' phase against the two control phases around it, without
 * operations), the p99 of their units with and without the operations,
 * the worst unit, the interrupts per operation (the controls' subtracted)
 * and the drift of the controls' rate of units: a control that moved by
 * more than a few percent makes the loss an estimate of the noise.
 */
#define _GNU_SOURCE
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bystander.h"

static struct {
	struct by_result *r;
	unsigned int n;
	bool has[IRQ_ROWS];
} res;

static const char *variant_of(unsigned int i)
{
	return by_variant[res.r[i].config];
}

/* NAN: not measured; anything else as it is, below zero too. */
static void print_ns(double v, int width, double scale, int prec)
{
	if (isnan(v))
		printf(" %*s", width, "n/a");
	else
		printf(" %*.*f", width, prec, v / scale);
}

static void print_result(const struct by_result *r, bool first)
{
	printf("    %-34s %5u", first ? by_label[r->config] : "", r->k);
	print_ns(r->op_median, 8, 1000, 1);
	print_ns(r->op_p99, 8, 1000, 1);
	print_ns(r->loss_per_op, 8, 1000, 2);
	print_ns(r->unit_p99, 7, 1, 0);
	print_ns(r->unit_p99_ctl, 7, 1, 0);
	print_ns(r->unit_max, 8, 1000, 1);
	print_ns(r->irq[IRQ_CAL], 7, 1, 2);
	print_ns(r->drift, 6, 1, 3);
	printf("%s\n", r->drift < 0.97 || r->drift > 1.03 ? " ~" : "");
	fflush(stdout);
}

/* A CSV row of @v, unless it was not measured. */
static void report_measured(const char *variant, const char *metric,
			    double v, const char *unit)
{
	if (!isnan(v))
		report_value(variant, metric, NULL, v, unit);
}

static void report_results(void)
{
	static const char *const irq_metric[IRQ_ROWS] = {
		[IRQ_CAL] = "ipis_per_op",
		[IRQ_TLB] = "tlb_per_op",
		[IRQ_RES] = "res_per_op",
	};
	const struct by_result *r;
	const char *v;
	unsigned int i, k;

	for (i = 0; i < res.n; i++) {
		r = &res.r[i];
		v = by_variant[r->config];
		report_latency(v, r->cpus, r->op_median, r->op_p99);
		report_measured(v, "loss_ns_per_op", r->loss_per_op, "ns");
		report_measured(v, "unit_ns_p99", r->unit_p99, "ns");
		report_measured(v, "unit_ns_p99_control", r->unit_p99_ctl,
				"ns");
		report_value(v, "unit_ns_max", NULL, r->unit_max, "ns");
		report_measured(v, "control_drift", r->drift, "x");
		/* Signed: the controls' counts are subtracted. */
		for (k = 0; k < IRQ_ROWS; k++)
			report_measured(v, irq_metric[k], r->irq[k], "per op");
	}
}

static void gp_style(FILE *f, unsigned int i)
{
	static const char *const colour[BY_CONFIGS] = {
		"#1f77b4", "#d62728", "#2ca02c", "#9467bd"
	};

	fprintf(f, " lw 2 lc rgb '%s'", colour[res.r[i].config]);
}

/* The loss, at 1 ns at least (a log axis); NaN (a gap) unmeasured. */
static void gp_point(FILE *f, unsigned int i)
{
	double v = res.r[i].loss_per_op;

	if (isnan(v))
		fprintf(f, "%u NaN\n", res.r[i].k);
	else
		fprintf(f, "%u %.0f\n", res.r[i].k, v > 1 ? v : 1);
}

static void print_header(const struct bench_opts *o,
			 const struct bench_env *env, unsigned long loops,
			 unsigned long ops)
{
	struct suite_head h;

	suite_header("bystander", o, env, &h);
	printf("  cores        CPUs %s, measured on the first 2 to %u of them;\n"
	       "               the first takes a page away every %llu us, the\n"
	       "               others (bystanders) run units of work\n",
	       h.cpus, o->ncpus, BY_INTERVAL_NS / 1000);
	printf("  a unit       a write to the bystander's line of the page, then\n"
	       "               %lu dependent multiply-adds (%d ns calibrated on\n"
	       "               CPU %d)\n", loops, BY_UNIT_NS, o->cpus[0]);
	printf("  phases       a control without operations, %lu operations, a\n"
	       "               second control, each %.1f ms\n", ops,
	       ops * BY_INTERVAL_NS / 1e6);
	printf("  loss/op      the bystanders' time not spent in units at the\n"
	       "               controls' rate, per operation, summed over them\n");
	printf("  drift        the second control's rate of units over the first's\n"
	       "               (~: more than 3%% apart, the loss is within noise)\n");
	suite_header_end(res.has, &h);
	printf("    %-34s %5s %8s %8s %8s %7s %7s %8s %7s %6s\n", "", "cores",
	       "op us", "op p99", "loss/op", "unit", "ctl", "worst", "IPIs/op",
	       "drift");
	printf("    %-34s %5s %8s %8s %8s %7s %7s %8s %7s %6s\n", "", "",
	       "median", "us", "us", "p99 ns", "p99 ns", "unit us", "", "");
	fflush(stdout);
}

int bystander_suite(const struct bench_opts *o)
{
	struct plot_lines pl = {
		.ylabel = "time the bystanders lost per operation (ns)",
		.variant = variant_of,
		.style = gp_style,
		.point = gp_point,
	};
	bool want[BY_CONFIGS], failed = false, first;
	unsigned long loops, ops = o->iters;
	struct bench_env env;
	cpu_set_t saved;
	unsigned int k, c;

	want[BY_THREADS] = backend_wanted(o, "native");
	want[BY_PROCS] = want[BY_THREADS];
	want[BY_SHM] = backend_wanted(o, "shm");
	want[BY_MODULE] = backend_wanted(o, "module");
	if (o->ncpus < 2) {
		fprintf(stderr, "mkbench: bystander needs 2 CPUs at least\n");
		return 1;
	}
	if (suite_begin(o, &saved, res.has, &env))
		return 1;
	if (pin_cpu(o->cpus[0])) {
		fprintf(stderr, "mkbench: bystander: cannot run on CPU %d\n",
			o->cpus[0]);
		return 1;
	}
	/* Asked for by name and not there: fail before measuring anything. */
	if (backend_named(o, "module") && by_module_available(true))
		return 1;
	loops = by_calibrate();
	print_header(o, &env, loops, ops);
	if (want[BY_MODULE] && by_module_available(false))
		want[BY_MODULE] = false;
	res.r = calloc(BY_CONFIGS * o->ncpus, sizeof(*res.r));
	if (!res.r) {
		perror("mkbench");
		return 1;
	}
	for (c = 0; c < BY_CONFIGS && !failed; c++) {
		if (!want[c])
			continue;
		first = true;
		for (k = 2; k <= o->ncpus && !failed; k++) {
			if (by_run(o, c, k, ops, loops, &res.r[res.n])) {
				failed = true;
				break;
			}
			report_cpu_list(o, k, res.r[res.n].cpus,
					sizeof(res.r[res.n].cpus));
			print_result(&res.r[res.n++], first);
			first = false;
		}
	}
	sched_setaffinity(0, sizeof(saved), &saved);
	pl.n = res.n;
	failed |= suite_end("bystander", o, &env, report_results, &pl);
	free(res.r);
	return failed ? 1 : 0;
}
