// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench - what the suites of a CPU list (shootdown, counter) share: the
 * start and the end of a run, the header of the table, the probe of
 * /dev/mkrep, the loop of a worker thread and the lines of the plot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "mkbench.h"

void bench_fail(const char *suite, const char *mode, const char *what,
		int err)
{
	if (err)
		fprintf(stderr, "mkbench: %s %s: %s: %s\n", suite, mode, what,
			strerror(-err));
	else
		fprintf(stderr, "mkbench: %s %s: %s\n", suite, mode, what);
}

int module_probe(struct mkrep_query *q, unsigned int feature,
		 const char *hint, const char *lacks, char *why, size_t len)
{
	int fd = open(MKREP_DEVICE, O_RDWR | O_CLOEXEC);

	why[0] = '\0';
	if (fd < 0)
		snprintf(why, len, "%s: %s (mkrep.ko is not loaded here;\n"
			 "    %s)", MKREP_DEVICE, strerror(errno), hint);
	else if (ioctl(fd, MKREP_IOC_QUERY, q))
		snprintf(why, len, "MKREP_IOC_QUERY: %s", strerror(errno));
	else if (!(q->features & feature))
		snprintf(why, len, "%s", lacks);
	if (fd >= 0)
		close(fd);
	return why[0] ? 1 : 0;
}

int module_skip(const char *suite, bool asked, const char *why)
{
	if (!why[0])
		return 0;
	if (asked)
		fprintf(stderr, "mkbench: %s --backend module: %s\n", suite,
			why);
	else
		printf("  module: skipped: %s\n", why);
	fflush(stdout);
	return 1;
}

int suite_begin(const struct bench_opts *o, cpu_set_t *saved,
		bool has[IRQ_ROWS], struct bench_env *env)
{
	struct irq_file irq;
	int ret;

	if (sched_getaffinity(0, sizeof(*saved), saved)) {
		perror("mkbench: sched_getaffinity");
		return 1;
	}
	ret = irq_open(&irq);
	if (ret) {
		fprintf(stderr, "mkbench: /proc/interrupts: %s: interrupts are not counted\n",
			strerror(-ret));
	} else {
		memcpy(has, irq.has, IRQ_ROWS * sizeof(*has));
		irq_close(&irq);
	}
	env_detect(o->env, env);
	return 0;
}

void suite_header(const char *suite, const struct bench_opts *o,
		  const struct bench_env *env, struct suite_head *h)
{
	env_load_average(h->load, sizeof(h->load));
	report_cpu_list(o, o->ncpus, h->cpus, sizeof(h->cpus));
	printf("mkbench %s\n", suite);
	printf("  environment  %s\n", env->desc);
	if (env->emulated)
		printf("               EMULATED: these timings are not hardware timings\n");
	printf("  CPU          %s\n", env->cpu_model);
}

void suite_header_end(const bool has[IRQ_ROWS], const struct suite_head *h)
{
	unsigned int r;

	for (r = 0; r < IRQ_ROWS; r++)
		if (!has[r])
			printf("               no %s row in /proc/interrupts here: not counted\n",
			       irq_row_name[r]);
	printf("  load average %s (before the run)\n\n", h->load);
}

void report_latency(const char *variant, const char *cpus, double median,
		    double p99)
{
	report_set_cpus(cpus);
	report_value(variant, "latency_ns_median", NULL, median, "ns");
	report_value(variant, "latency_ns_p99", NULL, p99, "ns");
}

void report_irq(const char *variant, const double irq[IRQ_ROWS])
{
	static const char *const metric[IRQ_ROWS] = {
		[IRQ_CAL] = "ipis_per_op",
		[IRQ_TLB] = "tlb_per_op",
		[IRQ_RES] = "res_per_op",
	};
	int k;

	for (k = 0; k < IRQ_ROWS; k++)
		if (irq[k] >= 0)
			report_value(variant, metric[k], NULL, irq[k],
				     "per op");
}

int suite_end(const char *suite, const struct bench_opts *o,
	      const struct bench_env *env, void (*results)(void),
	      const struct plot_lines *pl)
{
	bool failed = false;
	int ret;

	report_begin(suite, o);
	results();
	report_set_cpus("");
	report_value("env", "emulated", NULL, env->emulated, "bool");
	if (o->csv) {
		ret = report_csv(o->csv);
		if (ret) {
			fprintf(stderr, "mkbench: %s: %s\n", o->csv,
				strerror(-ret));
			failed = true;
		}
	}
	if (o->plot &&
	    plot_png(suite, o->plot, env, pl->n, plot_lines, (void *)pl))
		failed = true;
	return failed;
}

void section_title(const char *title, bool none)
{
	printf("  %s\n", title);
	if (none)
		printf("    (no results)\n");
}

bool first_variant(const char *(*variant)(unsigned int i),
		   unsigned int from, unsigned int i)
{
	unsigned int j;

	for (j = from; j < i; j++)
		if (!strcmp(variant(j), variant(i)))
			return false;
	return true;
}

void plot_lines(FILE *f, void *arg)
{
	const struct plot_lines *pl = arg;
	unsigned int i, j, lines = 0;

	fprintf(f, "set xlabel 'cores'\n"
		"set ylabel '%s'\n"
		"set logscale y\nset xtics 1\nset grid\n"
		"set key outside right top\nplot ", pl->ylabel);
	for (i = 0; i < pl->n; i++) {
		if (!first_variant(pl->variant, 0, i))
			continue;
		fprintf(f, "%s'-' using %s", lines++ ? ", " : "",
			pl->with ? pl->with : "1:2 with linespoints");
		pl->style(f, i);
		fprintf(f, " title ");
		plot_string(f, pl->variant(i));
	}
	fputc('\n', f);
	for (i = 0; i < pl->n; i++) {
		if (!first_variant(pl->variant, 0, i))
			continue;
		for (j = i; j < pl->n; j++)
			if (!strcmp(pl->variant(j), pl->variant(i)))
				pl->point(f, j);
		fprintf(f, "e\n");
	}
}

void worker_loop(int cpu, int *ready, unsigned int *done,
		 const unsigned int *seq, const int *cmd, int exit_cmd,
		 void (*fn)(void *arg, unsigned int seq), void *arg)
{
	unsigned int seen = 0, s;
	int ret = pin_cpu(cpu);

	store_release(ready, ret ? ret : 1);
	if (ret)
		return;
	for (;;) {
		while ((s = load_acquire(seq)) == seen)
			mkchan_cpu_relax();
		seen = s;
		if (*cmd == exit_cmd)
			return;
		fn(arg, s);
		store_release(done, s);
	}
}
