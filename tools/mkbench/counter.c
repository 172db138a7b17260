// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench counter - one counter added to and read by k threads at once,
 * one bound to each of the first 1, 2, ... N cores, two ways:
 *
 *   user    the placements of mkrep's counters in C11 atomics in this
 *           process (counter_user.c): one shared atomic, a slot a thread
 *           (write-mostly), a row a reader (read-mostly), a slot a CPU
 *           updated with restartable sequences (a mapped counter's); the
 *           comparison on this machine's hardware, without a module;
 *   module  an mkrep counter of each mode, a shared atomic64_t and a
 *           percpu_counter (counter_module.c): mkrep_counter_bench.ko,
 *           a module of mkbench's own, runs and times a batch of
 *           operations in the kernel, on the calling thread's CPU; and a
 *           mapped counter of /dev/mkrep timed in this process, through
 *           restartable sequences and through the ioctls
 *           (counter_mapped.c).
 *
 * The operations: add (every thread adds 1), read (local), exact read,
 * on two cores or more an exact read on the first core while the others
 * add, and get-put (every thread adds 1 and -1: a reference taken and
 * dropped, which a sloppy counter's spares serve where its adds alone go
 * to the central count).
 *
 * counter_run.c runs the measurements: timed batches of each operation,
 * on every core at once, that count only while every thread runs.  The
 * latency is the nanoseconds an operation of a batch, median and 99th
 * percentile over every thread's batches; the throughput each thread's
 * rate in its median batch, summed over the threads; the interrupts those
 * /proc/interrupts counted during the window, per operation timed.
 *
 * This file runs the backends and reports: the results kept, the table,
 * the CSV rows and the plot.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/mkrep.h>

#include "counter.h"

/* --- results ------------------------------------------------------------- */

static struct {
	struct ct_result *r;
	unsigned int n, room;
	unsigned int printed;	/* results already in the table */
	uint32_t iters;
	uint64_t start_ns;	/* CLOCK_MONOTONIC: the suite began */
	/* The local reads' bounds, printed with the module's results. */
	bool bounds;
	unsigned long long sloppy_bound, percpu_bound;
} res;

struct ct_result *ct_new_result(void)
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

/*
 * How the updates of measurement @m among the results since @first
 * scaled, up to the most cores: each ratio the median of the rounds',
 * each taken within one round.
 */
static void print_scaling(unsigned int first, enum ct_meas m)
{
	const struct ct_result *r;
	unsigned int i, most = 0;
	bool disturbed = false;
	char head[64];

	for (i = first; i < res.n; i++)
		if (res.r[i].meas == m && res.r[i].cores > most)
			most = res.r[i].cores;
	if (most < 2)
		return;
	snprintf(head, sizeof(head), "%s on %u cores, throughput vs",
		 ct_meas_desc[m].name, most);
	printf("    %-36s %12s %14s\n", head, "its 1 core", "shared atomic");
	for (i = first; i < res.n; i++) {
		r = &res.r[i];
		if (r->meas != m || r->cores != most)
			continue;
		printf("      %-34s", r->label);
		if (r->vs_one > 0)
			printf(" %11.2fx", r->vs_one);
		else
			printf(" %12s", "n/a");
		if (r->vs_shared > 0)
			printf(" %13.2fx", r->vs_shared);
		else if (r->disturbed)
			printf(" %14s", "");
		printf("%s\n", r->disturbed ? "  disturbed" : "");
		disturbed = disturbed || r->disturbed;
	}
	if (disturbed)
		printf("    disturbed: more than %u times its 1-core rate on %u cores, which\n"
		       "      no counter can do: another task or a CPU's speed changed the\n"
		       "      1-core reference; judge nothing by that row\n",
		       most, most);
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
			printf("    %s\n", ct_meas_desc[meas].title);
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
		printf("    * out of time: in a round, a thread has fewer than its share of\n"
		       "      --reps batches that ran while every thread was on its CPU\n");
	if (alone)
		printf("    ! no batch of a thread ran while every thread was on its CPU\n"
		       "      (other tasks run there): all its batches are counted, and what\n"
		       "      the threads cost each other is understated\n");
	print_scaling(first, CT_MEAS_ADD);
	print_scaling(first, CT_MEAS_GET_PUT);
	res.printed = res.n;
	fflush(stdout);
}

static void report_results(void)
{
	const struct ct_result *r;
	unsigned int i;

	for (i = 0; i < res.n; i++) {
		r = &res.r[i];
		report_latency(r->variant, r->cpus, r->median, r->p99);
		report_value(r->variant, "throughput", NULL, r->rate, "ops/s");
		if (r->meas == CT_MEAS_EXACT_ADDING)
			report_value(r->variant, "add_throughput", NULL,
				     r->add_rate, "ops/s");
		if (r->vs_one > 0)
			report_value(r->variant, "throughput_vs_1core", NULL,
				     r->vs_one, "x");
		if (r->disturbed)
			report_value(r->variant, "disturbed", NULL, 1, "flag");
		if (r->vs_shared > 0)
			report_value(r->variant, "throughput_vs_shared", NULL,
				     r->vs_shared, "x");
		report_irq(r->variant, r->irq);
		/* Since the suite began: the CSV keeps six digits. */
		report_value(r->variant, "window_start_ms", NULL,
			     (r->from_ns - res.start_ns) / 1e6, "ms");
		report_value(r->variant, "window_end_ms", NULL,
			     (r->to_ns - res.start_ns) / 1e6, "ms");
		report_value(r->variant, "batches", NULL, r->batches,
			     "batches");
		report_value(r->variant, "concurrent", NULL,
			     100 * r->concurrent, "%");
		report_value(r->variant, "batch_ops", NULL, res.iters, "ops");
	}
	if (res.bounds) {
		report_set_cpus("");
		report_value("module-replicated-sloppy-read", "error_bound", NULL,
			     res.sloppy_bound, "ops");
		report_value("module-percpu-read", "error_bound", NULL,
			     res.percpu_bound, "ops");
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
		[CT_SLOPPY] = "#9467bd",
		[CT_MAPPED] = "#17becf",
	};
	const struct ct_result *r = &res.r[i];

	fprintf(f, " lw %s lc rgb '%s' dt %u pt %u",
		r->meas == CT_MEAS_ADD ? "3" : "1.5", colour[r->kind],
		(unsigned int)r->meas + 1, strcmp(r->mode, "user") ? 7U : 6U);
}

static void gp_point(FILE *f, unsigned int i)
{
	fprintf(f, "%u %.6g\n", res.r[i].cores, res.r[i].rate / 1e6);
}

/* --- what a local read may be off by ------------------------------------- */

/* The CPUs in the list of @path ("0-3,5"): how many, 0 if unreadable. */
static unsigned int cpus_in_list(const char *path)
{
	unsigned long n = 0, a, b;
	char buf[4096], *p = buf, *end;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (;;) {
		a = strtoul(p, &end, 10);
		if (end == p)
			break;
		b = a;
		p = end;
		if (*p == '-') {
			b = strtoul(++p, &end, 10);
			p = end;
		}
		n += b >= a ? b - a + 1 : 0;
		if (*p++ != ',')
			break;
	}
	return n;
}

/*
 * The bound of each kernel counter's local read on this machine, beside
 * percpu_counter_read()'s, from the formulas that Documentation's
 * userspace-api/mkrep.rst and lib/percpu_counter.c give: the sloppy
 * counter's grows with the CPUs, percpu_counter's with their square.
 */
static void print_read_bounds(void)
{
	unsigned int possible = cpus_in_list("/sys/devices/system/cpu/possible");
	unsigned int online = cpus_in_list("/sys/devices/system/cpu/online");
	unsigned long long sloppy, percpu, batch;

	if (!possible || !online)
		return;
	sloppy = (unsigned long long)MKREP_COUNTER_SPARE_MAX * (possible - 1);
	batch = 2ULL * online > 32 ? 2ULL * online : 32;
	percpu = batch * online;
	printf("    local read: how far from the exact value it may be, here (%u CPUs\n"
	       "      possible, %u online), updates in flight aside\n",
	       possible, online);
	printf("      %-34s by the net of the others' updates since its\n"
	       "      %-34s CPU's last exact read: no bound\n",
	       "mkrep counter, write-mostly, mapped", "");
	printf("      %-34s 0: counts every add that returned\n",
	       "mkrep counter, read-mostly");
	printf("      %-34s above by %llu at most (%d a possible CPU\n"
	       "      %-34s but its own), never below\n",
	       "mkrep counter, sloppy", sloppy, MKREP_COUNTER_SPARE_MAX, "");
	printf("      %-34s off by less than %llu either way (batch %llu\n"
	       "      %-34s = max(32, 2 x online), a delta an online CPU)\n",
	       "percpu_counter", percpu, batch, "");
	res.bounds = true;
	res.sloppy_bound = sloppy;
	res.percpu_bound = percpu;
}

/* --- the suite ----------------------------------------------------------- */

void ct_fail(const char *mode, const char *what, int err)
{
	bench_fail("counter", mode, what, err);
}

static void print_header(const struct ct_ctx *c, const struct bench_env *env)
{
	const struct bench_opts *o = c->o;
	struct suite_head h;

	suite_header("counter", o, env, &h);
	printf("  cores        CPUs %s, measured on the first 1 to %u of them: a\n"
	       "               thread bound to each, all running the operation at once\n",
	       h.cpus, o->ncpus);
	printf("  rounds       %d: each measures every counter on 1, 2, ... cores in\n"
	       "               turn; a row is the median of its rounds, and each\n"
	       "               ratio the median of ratios taken within one round\n",
	       CT_ROUNDS);
	printf("  batches      of %lu operations, timed as one: in each round each\n"
	       "               thread runs %d untimed, then %u timed at least, for\n"
	       "               %.1f ms at least (cut at %.2f s); a batch counts if\n"
	       "               every thread ran batches on its CPU all along (off it\n"
	       "               %.0f us at most, by the threads' CPU time)\n",
	       o->iters, CT_WARM_BATCHES,
	       (o->reps + CT_ROUNDS - 1) / CT_ROUNDS,
	       CT_MIN_WINDOW_NS / 1e6 / CT_ROUNDS,
	       CT_MAX_WINDOW_NS / 1e9 / CT_ROUNDS, CT_GAP_NS / 1e3);
	printf("  latency      ns an operation of a batch: the median and the 99th\n"
	       "               percentile over every thread's batches of a round\n");
	printf("  throughput   M operations a second, summed over the threads: each\n"
	       "               thread's rate in its median batch\n");
	printf("  interrupts   /proc/interrupts during the timed window, all CPUs\n"
	       "               summed, per operation timed: IPIs/op the CAL row\n"
	       "               (function-call IPIs), TLB/op the TLB row\n");
	suite_header_end(c->irq_has, &h);
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
	res.start_ns = now_ns();
	if (suite_begin(o, &saved, c.irq_has, &env))
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
		if (ret <= 0) {
			print_section("module: mkrep counters, mkrep_counter_bench.ko: kernel\n"
				      "    loops, a thread a core, one descriptor");
			print_read_bounds();
		}
	}

	pl.n = res.n;
	failed |= suite_end("counter", o, &env, report_results, &pl);
	return failed ? 1 : 0;
}
