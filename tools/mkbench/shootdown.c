// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench shootdown - unmapping a page that every core has in its TLB, on
 * 1, 2, ... N cores, three ways:
 *
 *   native  threads of one process, one per core (shootdown_native.c):
 *           madvise(MADV_DONTNEED), munmap() and mprotect(PROT_READ) by
 *           the first; Linux flushes the others' TLBs with IPIs; and
 *           processes, one per core, each with its own mapping of one
 *           memfd page (shootdown_procs.c): the first punches the page
 *           out of the file, Linux unmaps it from every process and
 *           flushes with IPIs - its shootdown for the topology of the
 *           other two, the fairest row to hold them against;
 *   shm     a process per core, each with its own mapping of one memfd
 *           page, hence its own page table (shootdown_shm.c): the first
 *           sends "unmap" as a URPC message over libmkchan's shared-memory
 *           channels, each process unmaps its own mapping (a local flush,
 *           no IPI) and answers;
 *   module  a space of mkrep (shootdown_module.c): a member process per
 *           core, the first one's mkrep_op() unmaps or protects the page
 *           in every replica: by message to the members that poll (or
 *           sleep in epoll), by the initiator itself for those that do
 *           not run or do not answer within the space's bound; for each
 *           member mode (--member-mode) its own rows.
 *
 * Every timed operation is one unmap of one page that every core has just
 * written, so that each TLB holds it; the re-mapping and re-writing before
 * it are not timed.  Each measurement gives the median and 99th percentile
 * of the latency, the interrupts counted during the timed operations and
 * the ratio of its median to the processes' punch on as many cores; the
 * module's, also the paths its operations took, per operation.
 *
 * shootdown_measure.c holds what the modes measure with: the page, the
 * timed window and the run of a mode on 1, 2, ... N cores.  This file
 * runs the modes and reports: the results kept, the table, the CSV rows
 * and the plot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shootdown.h"

/* --- results ------------------------------------------------------------- */

struct sd_result {
	char variant[48];
	char label[48];
	char cpus[64];		/* "0-3", "0:2" */
	unsigned int cores;
	double median, p99;	/* ns */
	double irq[IRQ_ROWS];	/* per operation; < 0: not counted */
	double path[SD_NPATHS];	/* per operation; < 0: not counted */
	double bound_ns;	/* the space's bound; < 0: no space */
	unsigned long n;
	bool cut;
};

static struct {
	struct sd_result *r;
	unsigned int n, room;
	unsigned int printed;	/* results already in the table */
	bool has[IRQ_ROWS];	/* /proc/interrupts has the row */
	bool paths;		/* the table has the paths' columns */
} res;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void sd_record(const struct sd_ctx *c, const char *variant,
	       const char *label, unsigned int cores,
	       const struct sd_meas *m)
{
	unsigned int room = res.room ? 2 * res.room : 64;
	struct sd_result *r;
	uint64_t *s;
	unsigned long n = m->n;
	int i;

	if (!n)
		return;
	if (res.n == res.room) {
		r = realloc(res.r, room * sizeof(*r));
		if (!r) {
			sd_fail("results", "out of memory", -ENOMEM);
			exit(1);
		}
		res.r = r;
		res.room = room;
	}
	s = malloc(n * sizeof(*s));
	if (!s) {
		sd_fail("results", "out of memory", -ENOMEM);
		exit(1);
	}
	memcpy(s, m->ns, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_u64);

	r = &res.r[res.n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->variant, sizeof(r->variant), "%s", variant);
	snprintf(r->label, sizeof(r->label), "%s", label);
	report_cpu_list(c->o, cores, r->cpus, sizeof(r->cpus));
	r->cores = cores;
	r->n = n;
	r->cut = m->cut;
	r->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
	/* Nearest rank: the smallest sample >= 99% of them. */
	r->p99 = s[(99 * n + 99) / 100 - 1];
	for (i = 0; i < IRQ_ROWS; i++)
		r->irq[i] = m->irq_ok && res.has[i] ? (double)m->irq[i] / n : -1;
	for (i = 0; i < SD_NPATHS; i++)
		r->path[i] = m->has_path ? (double)m->path[i] / n : -1;
	r->bound_ns = m->has_path ? (double)m->bound_ns : -1;
	free(s);
}

static const char *variant_of(unsigned int i)
{
	return res.r[i].variant;
}

#define SD_FAIREST	"native-procs-punch"

/*
 * Result @r's median over that of the fairest native row (processes, a
 * page table each, the punch) on as many cores; -1 where it was not
 * measured.
 */
static double over_fairest(const struct sd_result *r)
{
	unsigned int i;

	for (i = 0; i < res.n; i++)
		if (res.r[i].cores == r->cores && res.r[i].median > 0 &&
		    !strcmp(res.r[i].variant, SD_FAIREST))
			return r->median / res.r[i].median;
	return -1;
}

static void print_per_op(double v, int width)
{
	if (v < 0)
		printf(" %*s", width, "n/a");
	else
		printf(" %*.2f", width, v);
}

/* The table's lines of the results recorded since the last call. */
static void print_section(const char *title)
{
	unsigned int i, j, first = res.printed;
	struct sd_result *r;
	bool cut = false;

	section_title(title, first == res.n);
	/* Each variant's lines together, in the order variants came. */
	for (i = first; i < res.n; i++) {
		if (!first_variant(variant_of, first, i))
			continue;
		for (j = i; j < res.n; j++) {
			r = &res.r[j];
			if (strcmp(r->variant, res.r[i].variant))
				continue;
			printf("    %-40s %5u %11.0f %11.0f", j == i ? r->label : "",
			       r->cores, r->median, r->p99);
			print_per_op(r->irq[IRQ_CAL], 8);
			print_per_op(r->irq[IRQ_TLB], 8);
			print_per_op(over_fairest(r), 7);
			if (res.paths) {
				print_per_op(r->path[SD_BY_MESSAGE], 7);
				print_per_op(r->path[SD_NOT_RUNNING], 7);
				print_per_op(r->path[SD_FALLBACK], 7);
			}
			printf("%s\n", r->cut ? "  *" : "");
			cut = cut || r->cut;
		}
	}
	if (cut)
		printf("    * out of time: fewer operations were timed (samples in the CSV)\n");
	res.printed = res.n;
	fflush(stdout);
}

/* The CSV rows of the paths of the module's operations. */
static void report_paths(const struct sd_result *r)
{
	static const char *const metric[SD_NPATHS] = {
		[SD_BY_MESSAGE] = "by_message_per_op",
		[SD_NOT_RUNNING] = "not_running_per_op",
		[SD_FALLBACK] = "fallback_per_op",
		[SD_POSTED] = "posted_per_op",
		[SD_WAKEUPS] = "wakeups_per_op",
	};
	int k;

	for (k = 0; k < SD_NPATHS; k++)
		if (r->path[k] >= 0)
			report_value(r->variant, metric[k], NULL, r->path[k],
				     "per op");
	if (r->bound_ns >= 0)
		report_value(r->variant, "bound_ns", NULL, r->bound_ns, "ns");
}

static void report_results(void)
{
	struct sd_result *r;
	unsigned int i;

	for (i = 0; i < res.n; i++) {
		r = &res.r[i];
		report_latency(r->variant, r->cpus, r->median, r->p99);
		report_irq(r->variant, r->irq);
		if (over_fairest(r) >= 0)
			report_value(r->variant, "over_native_procs", NULL,
				     over_fairest(r), "x");
		report_paths(r);
		report_value(r->variant, "samples", NULL, r->n, "ops");
	}
}

/* --- the plot ------------------------------------------------------------ */

/* The length of variant @v's mode and strategy: all but its last word. */
static size_t prefix_len(const char *v)
{
	const char *op = strrchr(v, '-');

	return op ? op - v : 0;
}

static bool same_prefix(unsigned int i, unsigned int j)
{
	size_t len = prefix_len(res.r[i].variant);

	return prefix_len(res.r[j].variant) == len &&
	       !strncmp(res.r[i].variant, res.r[j].variant, len);
}

/* The how-manyth mode and strategy result @i is of, from 0. */
static unsigned int group_of(unsigned int i)
{
	unsigned int j, k, group = 0;

	for (j = 0; j < i; j++) {
		for (k = 0; k < j && !same_prefix(j, k); k++)
			;
		if (k < j)
			continue;	/* seen before */
		if (same_prefix(i, j))
			return group;
		group++;
	}
	return group;
}

/*
 * The style of result @i's line: its colour tells the operation (the last
 * word of the variant), its dashes and points the mode and strategy.
 */
static void gp_style(FILE *f, unsigned int i)
{
	static const char *const colour[][2] = {
		{ "madvise", "#1f77b4" }, { "unmap", "#1f77b4" },
		{ "munmap", "#2ca02c" },
		{ "mprotect", "#d62728" }, { "protect", "#d62728" },
	};
	const char *v = res.r[i].variant;
	unsigned int c, group = group_of(i);

	v += prefix_len(v) + !!prefix_len(v);
	for (c = 0; c < ARRAY_SIZE(colour); c++)
		if (!strcmp(v, colour[c][0]))
			break;
	fprintf(f, " lw 2 lc rgb '%s' dt %u pt %u",
		c < ARRAY_SIZE(colour) ? colour[c][1] : "black",
		group % 5 + 1, group % 13 + 1);
}

/* cores, median, p99: the p99 is the top of the line's error bar. */
static void gp_point(FILE *f, unsigned int i)
{
	fprintf(f, "%u %.0f %.0f\n", res.r[i].cores, res.r[i].median,
		res.r[i].p99);
}

/* --- the suite ----------------------------------------------------------- */

void sd_fail(const char *mode, const char *what, int err)
{
	bench_fail("shootdown", mode, what, err);
}

/* The member modes of the module backend that run, "poll, busy". */
static void member_modes(const struct bench_opts *o, char *buf, size_t len)
{
	unsigned int m, modes = o->member_modes;
	size_t at = 0;

	if (!modes)
		modes = (1U << SD_NR_MEMBER_MODES) - 1;
	buf[0] = '\0';
	for (m = 0; m < SD_NR_MEMBER_MODES && at < len; m++)
		if (modes & (1U << m))
			at += snprintf(buf + at, len - at, "%s%s", at ? ", " : "",
				       sd_member_mode_name[m]);
}

static void print_header(const struct sd_ctx *c, const struct bench_env *env,
			 bool module)
{
	const struct bench_opts *o = c->o;
	struct suite_head h;
	char modes[64];

	suite_header("shootdown", o, env, &h);
	printf("  cores        CPUs %s, measured on the first 1 to %u of them; the\n"
	       "               first one unmaps, the others hold the page too\n",
	       h.cpus, o->ncpus);
	printf("  operations   %lu timed a measurement, after %lu of warm-up (or as\n"
	       "               many as %.1f s allows, %d at least); before each,\n"
	       "               untimed, the page is mapped (again) and every core\n"
	       "               writes to it, so that every TLB holds it\n",
	       c->iters, c->warm, c->iters * (SD_OP_MAX_NS / 1e9),
	       SD_MIN_SAMPLES);
	printf("  interrupts   /proc/interrupts during the timed operations only, all\n"
	       "               CPUs summed: IPIs/op is the CAL row (function-call\n"
	       "               IPIs, which carry x86's TLB shootdowns), TLB/op the TLB\n"
	       "               row (shootdowns received: already counted in CAL)\n");
	printf("  x procs      the median over that of processes + PUNCH_HOLE on as\n"
	       "               many cores: Linux's shootdown for the topology of shm\n"
	       "               and module (a page table a process); the punch also\n"
	       "               frees the page, which the others keep\n");
	if (module) {
		member_modes(o, modes, sizeof(modes));
		printf("  members      module: the other members wait as --member-mode says,\n"
		       "               each mode its own rows: %s\n"
		       "               (poll: a loop checking mkrep_waiting(), then\n"
		       "               mkrep_apply(); epoll: asleep in epoll_wait() on the\n"
		       "               member fd; blocked: in read() of a pipe; busy:\n"
		       "               spinning, never checking)\n", modes);
		if (o->bound_ns)
			printf("  bound        %llu ns (--bound-ns)\n", o->bound_ns);
		else
			printf("  bound        the module's default (op_bound_us; --bound-ns)\n");
		printf("  paths        module: the other members' replicas an operation\n"
		       "               changed, per operation: msg/op by their members,\n"
		       "               asked by message; nrun/op by the initiator, their\n"
		       "               address space running nowhere (no IPI); fb/op by\n"
		       "               the initiator past the bound (fallback: an IPI)\n");
	}
	suite_header_end(res.has, &h);
	res.paths = module;
	printf("  %-42s %5s %11s %11s %8s %8s %7s", "", "cores", "median ns",
	       "p99 ns", "IPIs/op", "TLB/op", "x procs");
	if (module)
		printf(" %7s %7s %7s", "msg/op", "nrun/op", "fb/op");
	printf("\n");
	fflush(stdout);
}

/* The module's section, with the bound its spaces said they have. */
static void module_section(void)
{
	char title[256];
	double bound = -1;
	unsigned int i;
	int len;

	for (i = res.printed; i < res.n && bound < 0; i++)
		bound = res.r[i].bound_ns;
	len = snprintf(title, sizeof(title),
		       "module: an mkrep space, a member process a core waiting as its\n"
		       "    mode says; the first one's mkrep_op() (MKREP_IOC_OP)");
	if (bound > 0)
		snprintf(title + len, sizeof(title) - len,
			 "; bound %.0f ns", bound);
	print_section(title);
}

int shootdown_suite(const struct bench_opts *o)
{
	struct sd_ctx c = {
		.o = o,
		.iters = o->iters,
		.warm = o->iters / 10 < 2 ? 2 : o->iters / 10,
		.page_size = sysconf(_SC_PAGESIZE),
	};
	struct plot_lines pl = {
		.ylabel = "latency of one operation (ns): median, bar to p99",
		.with = "1:2:2:3 with yerrorlines",
		.variant = variant_of,
		.style = gp_style,
		.point = gp_point,
	};
	bool native, shm, module, asked_module, failed = false;
	struct bench_env env;
	cpu_set_t saved;
	int ret;

	native = backend_wanted(o, "native");
	shm = backend_wanted(o, "shm");
	module = backend_wanted(o, "module");
	asked_module = backend_named(o, "module");
	/* Asked for by name and not there: fail before measuring anything. */
	if (asked_module && sd_module_available(true))
		return 1;
	if (suite_begin(o, &saved, res.has, &env))
		return 1;
	print_header(&c, &env, module);

	if (native) {
		/* First: the other rows' "x procs" is against it. */
		failed |= sd_native_procs(&c) < 0;
		sched_setaffinity(0, sizeof(saved), &saved);
		print_section("native, processes: a process a core, each its own mapping of\n"
			      "    a memfd page; the first one's fallocate(PUNCH_HOLE): Linux's\n"
			      "    IPI shootdown of every process's page table");
		failed |= sd_native(&c) < 0;
		sched_setaffinity(0, sizeof(saved), &saved);
		print_section("native: threads of one process, one a core; the first one's\n"
			      "    madvise/munmap/mprotect: Linux's IPI shootdown");
	}
	if (shm) {
		failed |= sd_shm(&c) < 0;
		sched_setaffinity(0, sizeof(saved), &saved);
		print_section("shm: a process a core, each its own mapping of a memfd page;\n"
			      "    URPC messages (libmkchan shm), each unmaps its own: no IPI");
	}
	if (module) {
		ret = sd_module(&c, asked_module);
		failed |= ret < 0 || (ret > 0 && asked_module);
		if (ret <= 0)
			module_section();
		if (!ret) {
			failed |= sd_native_space(&c) < 0;
			sched_setaffinity(0, sizeof(saved), &saved);
			print_section("module, one member: threads of one process, one a core,\n"
				      "    on one window; its mkrep_op(): Linux's IPI shootdown");
		}
	}

	pl.n = res.n;
	failed |= suite_end("shootdown", o, &env, report_results, &pl);
	return failed ? 1 : 0;
}
