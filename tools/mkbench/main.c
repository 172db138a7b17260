// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench - mkernel's mechanisms measured against what Linux offers
 * natively, side by side in one run.
 *
 *	mkbench SUITE [--cpus CPUS] [--iters N] [--reps R] [--backend B]
 *		      [--member-mode M] [--bound-ns NS]
 *		      [--csv FILE] [--plot FILE.png] [--env NAME]
 *
 * This file reads the command line and runs the suite; each suite has
 * files of its own, its entry in urpc.c, shootdown.c, counter.c or
 * bystander.c, listed in suites[] below (Documentation/design.rst says
 * which file holds what).  Exit status: 0, 1 when a measurement failed, 2 on a bad command
 * line or CPU.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkbench.h"
#include "shootdown.h"	/* the names of --member-mode */

static const char *const urpc_backends[] = { "auto", "shm", "module", NULL };
static const char *const shootdown_backends[] = {
	"auto", "native", "shm", "module", NULL
};

static const char *const counter_backends[] = {
	"auto", "user", "module", NULL
};

static const char *const bystander_backends[] = {
	"auto", "native", "shm", "module", NULL
};

static const struct bench_suite suites[] = {
	{
		.name = "urpc",
		.help = "URPC channels vs the cache line and native IPC",
		.run = urpc_suite,
		.iters = 100000, .min_iters = 100, .max_iters = 1UL << 32,
		.backends = urpc_backends, .plots = true,
	}, {
		.name = "shootdown",
		.help = "message-based unmap vs Linux's IPI TLB shootdown, 1..N cores",
		.run = shootdown_suite,
		.iters = 100, .min_iters = 10, .max_iters = 10000000,
		.backends = shootdown_backends, .backend_list = true,
		.cpu_list = true, .plots = true, .members = true,
	}, {
		.name = "counter",
		.help = "replicated counters vs a shared atomic and percpu_counter, 1..N cores",
		.run = counter_suite,
		.iters = 4096, .min_iters = 1, .max_iters = 1UL << 24,
		.reps = 20,
		.backends = counter_backends, .backend_list = true,
		.cpu_list = true, .plots = true,
	}, {
		.name = "bystander",
		.help = "what the other cores lose while one unmaps, 2..N cores",
		.run = bystander_suite,
		.iters = 1000, .min_iters = 10, .max_iters = 1000000,
		.backends = bystander_backends, .backend_list = true,
		.cpu_list = true, .plots = true,
	},
};

#define NSUITES	ARRAY_SIZE(suites)

static void print_usage(FILE *f)
{
	unsigned int i;

	fprintf(f,
		"usage: mkbench SUITE [options]\n\n"
		"suites:\n");
	for (i = 0; i < NSUITES; i++)
		fprintf(f, "  %-10s %s\n", suites[i].name, suites[i].help);
	fprintf(f,
		"\noptions:\n"
		"  --cpus CPUS        urpc: the two CPUs, A,B (default: the first\n"
		"                     two online)\n"
		"                     shootdown, counter, bystander: the CPUs, A,B,C or\n"
		"                     A-B, or a count\n"
		"                     N (the first N online); measured on the first\n"
		"                     1, 2, ... of them (default: every online CPU)\n"
		"  --iters N          urpc: round trips of one repetition (default\n"
		"                     100000); streaming sends 10 N messages, the\n"
		"                     blocking ping-pongs run N / 20 round trips\n"
		"                     shootdown: timed operations of a measurement\n"
		"                     (default 100), after N / 10 of warm-up; a\n"
		"                     measurement stops after N x 5 ms all the same\n"
		"                     counter: operations of a timed batch (default\n"
		"                     4096, at most 16777216)\n"
		"                     bystander: operations of a phase (default\n"
		"                     1000), one every 100 us\n"
		"  --reps R           urpc: rounds (default 5), each one repetition\n"
		"                     of every measurement, a warm-up before the\n"
		"                     first; the median and the best are reported\n"
		"                     counter: timed batches each thread runs at\n"
		"                     least (default 20), while all run at once\n"
		"  --backend B        urpc: auto (module if /dev/mkchan has\n"
		"                     channels, else shm), shm or module\n"
		"                     shootdown: auto (every one that can run here),\n"
		"                     native, shm, module, or several: native,shm\n"
		"                     counter: auto (user, and module where\n"
		"                     /dev/mkrep has counters), user, module, or both\n"
		"                     bystander: auto (every one that can run here),\n"
		"                     native, shm, module, or several\n"
		"  --member-mode M    shootdown, module backend: how the members of\n"
		"                     a space wait, each mode its own rows: poll (a\n"
		"                     loop checking mkrep_waiting(), mkrep_apply()),\n"
		"                     epoll (asleep on the member fd), blocked (in\n"
		"                     read() of a pipe: replicas changed as not\n"
		"                     running), busy (spinning, never checking:\n"
		"                     replicas changed past the bound, with an IPI),\n"
		"                     all, or several: poll,busy (default: all)\n"
		"  --bound-ns NS      shootdown, module backend: the spaces' bound,\n"
		"                     how long an operation waits for a running\n"
		"                     member before it changes its replica itself,\n"
		"                     at most 1000000000 (default 0: the module's,\n"
		"                     op_bound_us)\n"
		"  --csv FILE         also write suite,variant,cpus,metric,value,unit\n"
		"  --plot FILE.png    plot with gnuplot, when it is installed\n"
		"                     urpc: every round of every row, one-way\n"
		"                     times and streaming rates, by the placement\n"
		"                     each round saw\n"
		"                     shootdown: latency against cores, median\n"
		"                     and p99\n"
		"                     counter: throughput against cores\n"
		"                     bystander: the time lost against cores\n"
		"  --env NAME         the environment to report (default:\n"
		"                     $MKBENCH_ENV, else detected from CPUID)\n");
}

static int parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int parse_cpus(const char *s, int cpu[2])
{
	unsigned long a, b;
	char buf[64], *comma;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	comma = strchr(buf, ',');
	if (!comma)
		return -1;
	*comma = '\0';
	if (parse_ulong(buf, &a) || parse_ulong(comma + 1, &b) ||
	    a > INT_MAX || b > INT_MAX)
		return -1;
	cpu[0] = a;
	cpu[1] = b;
	return 0;
}

/* Whether this process may run on @cpu: 1, 0, or -1 when it cannot tell. */
static int cpu_allowed(int cpu)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	return CPU_ISSET(cpu, &set);
}

/* Refuse a CPU that is not online or not ours to run on. */
static int check_cpu(int cpu)
{
	if (cpu >= CPU_SETSIZE || env_cpu_online(cpu) == 0) {
		fprintf(stderr, "mkbench: CPU %d is not online\n", cpu);
		return -1;
	}
	if (!cpu_allowed(cpu)) {
		fprintf(stderr,
			"mkbench: CPU %d is not in this process's affinity mask\n",
			cpu);
		return -1;
	}
	return 0;
}

static int check_cpus(struct bench_opts *o)
{
	int i;

	for (i = 0; i < 2; i++)
		if (check_cpu(o->cpu[i]))
			return -1;
	o->same_cpu = o->cpu[0] == o->cpu[1];
	if (o->same_cpu)
		printf("mkbench: note: both threads run on CPU %d: every hand-over\n"
		       "is a context switch on one CPU, not a transfer between two\n"
		       "CPUs; pick two CPUs with --cpus A,B\n", o->cpu[0]);
	return 0;
}

static int add_cpu(struct bench_opts *o, unsigned long cpu)
{
	unsigned int i;

	if (cpu >= CPU_SETSIZE) {
		fprintf(stderr, "mkbench: CPU %lu is not online\n", cpu);
		return -1;
	}
	for (i = 0; i < o->ncpus; i++) {
		if (o->cpus[i] == (int)cpu) {
			fprintf(stderr, "mkbench: CPU %lu is listed twice\n", cpu);
			return -1;
		}
	}
	if (o->ncpus == MKBENCH_MAX_CPUS) {
		fprintf(stderr, "mkbench: at most %d CPUs\n", MKBENCH_MAX_CPUS);
		return -1;
	}
	if (check_cpu(cpu))
		return -1;
	o->cpus[o->ncpus++] = cpu;
	return 0;
}

/* The first @n online CPUs this process may run on (@n 0: all of them). */
static int first_cpus(struct bench_opts *o, unsigned long n)
{
	int c;

	for (c = 0; c < CPU_SETSIZE && (!n || o->ncpus < n); c++)
		if (cpu_allowed(c) == 1 && env_cpu_online(c) != 0 &&
		    add_cpu(o, c))
			return -1;
	if (!o->ncpus) {
		fprintf(stderr, "mkbench: cannot find an online CPU to run on\n");
		return -1;
	}
	if (o->ncpus < n) {
		fprintf(stderr, "mkbench: --cpus %lu: only %u CPUs are online and allowed\n",
			n, o->ncpus);
		return -1;
	}
	return 0;
}

/*
 * A CPU list, "0,2,4-7", or a count of CPUs, "4", into o->cpus; NULL: every
 * online CPU.  A single CPU is a list of one: "3-3".  o->cpu[] gets the
 * first two, for the suites' headers.
 */
static int parse_cpu_list(const char *s, struct bench_opts *o)
{
	unsigned long lo, hi, c;
	char buf[1024], *tok, *dash, *save;
	int ret;

	o->ncpus = 0;
	if (!s)
		ret = first_cpus(o, 0);
	else if (!strpbrk(s, ",-"))
		ret = parse_ulong(s, &c) || !c ? -2 : first_cpus(o, c);
	else
		ret = strlen(s) >= sizeof(buf) ? -2 : 0;
	if (ret == -2) {
		fprintf(stderr,
			"mkbench: --cpus takes CPUs, A,B,C or A-B, or a count N\n");
		return -1;
	}
	if (s && !ret && !o->ncpus) {
		strcpy(buf, s);
		for (tok = strtok_r(buf, ",", &save); tok && !ret;
		     tok = strtok_r(NULL, ",", &save)) {
			dash = strchr(tok, '-');
			if (dash)
				*dash = '\0';
			if (parse_ulong(tok, &lo) ||
			    (dash && parse_ulong(dash + 1, &hi)) ||
			    (dash && hi < lo)) {
				fprintf(stderr,
					"mkbench: --cpus takes CPUs, A,B,C or A-B, or a count N\n");
				return -1;
			}
			if (!dash)
				hi = lo;
			for (c = lo; c <= hi && !ret; c++)
				ret = add_cpu(o, c);
		}
	}
	if (ret || !o->ncpus)
		return -1;
	o->cpu[0] = o->cpus[0];
	o->cpu[1] = o->cpus[o->ncpus > 1];
	o->same_cpu = o->ncpus == 1;
	return 0;
}

/* --member-mode: a list of sd_member_mode_name[] or "all", into @o. */
static int parse_member_modes(const char *s, struct bench_opts *o)
{
	unsigned int m;
	size_t len;

	o->member_modes = 0;
	for (;;) {
		len = strcspn(s, ",");
		for (m = 0; m < SD_NR_MEMBER_MODES; m++)
			if (strlen(sd_member_mode_name[m]) == len &&
			    !strncmp(s, sd_member_mode_name[m], len))
				break;
		if (m < SD_NR_MEMBER_MODES)
			o->member_modes |= 1U << m;
		else if (len == 3 && !strncmp(s, "all", 3))
			o->member_modes = (1U << SD_NR_MEMBER_MODES) - 1;
		else
			break;
		if (!s[len])
			return 0;
		s += len + 1;
	}
	fprintf(stderr, "mkbench: --member-mode is");
	for (m = 0; m < SD_NR_MEMBER_MODES; m++)
		fprintf(stderr, " %s,", sd_member_mode_name[m]);
	fprintf(stderr, " or all, or several of them separated by commas\n");
	return -1;
}

/* --member-mode and --bound-ns, for a suite that takes them. */
static int member_opts(const struct bench_suite *suite, struct bench_opts *o,
		       const char *modes, const char *bound)
{
	unsigned long v;

	if ((modes || bound) && !suite->members) {
		fprintf(stderr, "mkbench: %s takes no %s\n", suite->name,
			modes ? "--member-mode" : "--bound-ns");
		return -1;
	}
	if (modes && parse_member_modes(modes, o))
		return -1;
	if (bound) {
		if (parse_ulong(bound, &v) || v > MKREP_BOUND_MAX_NS) {
			fprintf(stderr,
				"mkbench: --bound-ns takes a number from 0 to %llu\n",
				MKREP_BOUND_MAX_NS);
			return -1;
		}
		o->bound_ns = v;
	}
	return 0;
}

/* The options that depend on the suite, read once the suite is known. */
static int suite_opts(const struct bench_suite *suite, struct bench_opts *o,
		      const char *cpus, const char *iters, const char *backend)
{
	unsigned long v;

	if (iters) {
		if (parse_ulong(iters, &v) || v < suite->min_iters ||
		    v > suite->max_iters) {
			fprintf(stderr,
				"mkbench: %s --iters takes a number from %lu to %lu\n",
				suite->name, suite->min_iters, suite->max_iters);
			return -1;
		}
		o->iters = v;
	} else {
		o->iters = suite->iters;
	}
	if (!o->reps)
		o->reps = suite->reps ? suite->reps : 5;
	if (backend_parse(suite, backend, o))
		return -1;
	if (o->plot && !suite->plots) {
		fprintf(stderr, "mkbench: %s draws no plot (--plot)\n",
			suite->name);
		return -1;
	}
	if (suite->cpu_list)
		return parse_cpu_list(cpus, o);

	if (cpus && parse_cpus(cpus, o->cpu)) {
		fprintf(stderr, "mkbench: --cpus takes two CPU numbers, A,B\n");
		return -1;
	}
	if (!cpus && env_default_cpus(o->cpu)) {
		fprintf(stderr, "mkbench: cannot find an online CPU to run on\n");
		return -1;
	}
	return check_cpus(o);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "iters", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'r' },
		{ "backend", required_argument, NULL, 'b' },
		{ "member-mode", required_argument, NULL, 'm' },
		{ "bound-ns", required_argument, NULL, 'B' },
		{ "csv", required_argument, NULL, 'o' },
		{ "plot", required_argument, NULL, 'p' },
		{ "env", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o = {
		.cpu = { -1, -1 },
		.env = getenv("MKBENCH_ENV"),
	};
	const struct bench_suite *suite = NULL;
	const char *cpus = NULL, *iters = NULL, *backend = NULL;
	const char *modes = NULL, *bound = NULL;
	unsigned long v;
	unsigned int i;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cpus = optarg;
			break;
		case 'n':
			iters = optarg;
			break;
		case 'r':
			if (parse_ulong(optarg, &v) || !v || v > MKBENCH_MAX_REPS) {
				fprintf(stderr, "mkbench: --reps takes a number from 1 to %d\n",
					MKBENCH_MAX_REPS);
				return 2;
			}
			o.reps = v;
			break;
		case 'b':
			backend = optarg;
			break;
		case 'm':
			modes = optarg;
			break;
		case 'B':
			bound = optarg;
			break;
		case 'o':
			o.csv = optarg;
			break;
		case 'p':
			o.plot = optarg;
			break;
		case 'e':
			o.env = optarg;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		print_usage(stderr);
		return 2;
	}
	for (i = 0; i < NSUITES; i++)
		if (!strcmp(argv[optind], suites[i].name))
			suite = &suites[i];
	if (!suite) {
		fprintf(stderr, "mkbench: no suite '%s'\n", argv[optind]);
		print_usage(stderr);
		return 2;
	}
	if (suite_opts(suite, &o, cpus, iters, backend) ||
	    member_opts(suite, &o, modes, bound))
		return 2;
	return suite->run(&o);
}
