// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench - mkernel's mechanisms measured against what Linux offers
 * natively, side by side in one run.
 *
 *	mkbench SUITE [--cpus A,B] [--iters N] [--reps R]
 *		      [--backend auto|shm|module] [--csv FILE] [--env NAME]
 *
 * This file reads the command line and runs the suite; each suite is a
 * file of its own (urpc.c), listed in suites[] below.  Exit status: 0, 1
 * when a measurement failed, 2 on a bad command line or CPU.
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

static const struct bench_suite suites[] = {
	{ "urpc", "URPC channels vs the cache line and native IPC", urpc_suite },
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
		"  --cpus A,B         the two CPUs (default: the first two online)\n"
		"  --iters N          round trips of one repetition (default 100000);\n"
		"                     streaming sends 10 N messages, the blocking\n"
		"                     ping-pongs run N / 20 round trips\n"
		"  --reps R           rounds (default 5), each one repetition of\n"
		"                     every measurement, a warm-up before the\n"
		"                     first; the median and the best are reported\n"
		"  --backend B        channels: auto (module if /dev/mkchan has\n"
		"                     channels, else shm), shm or module\n"
		"  --csv FILE         also write suite,variant,cpus,metric,value,unit\n"
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

/* Refuse CPUs that are not online or not ours to run on. */
static int check_cpus(struct bench_opts *o)
{
	cpu_set_t set;
	int i;

	for (i = 0; i < 2; i++) {
		if (o->cpu[i] >= CPU_SETSIZE || env_cpu_online(o->cpu[i]) == 0) {
			fprintf(stderr, "mkbench: CPU %d is not online\n",
				o->cpu[i]);
			return -1;
		}
		if (!sched_getaffinity(0, sizeof(set), &set) &&
		    !CPU_ISSET(o->cpu[i], &set)) {
			fprintf(stderr,
				"mkbench: CPU %d is not in this process's affinity mask\n",
				o->cpu[i]);
			return -1;
		}
	}
	o->same_cpu = o->cpu[0] == o->cpu[1];
	if (o->same_cpu)
		printf("mkbench: note: both threads run on CPU %d: every hand-over\n"
		       "is a context switch on one CPU, not a transfer between two\n"
		       "CPUs; pick two CPUs with --cpus A,B\n", o->cpu[0]);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "iters", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'r' },
		{ "backend", required_argument, NULL, 'b' },
		{ "csv", required_argument, NULL, 'o' },
		{ "env", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o = {
		.cpu = { -1, -1 },
		.iters = 100000,
		.reps = 5,
		.backend = "auto",
		.env = getenv("MKBENCH_ENV"),
	};
	const struct bench_suite *suite = NULL;
	unsigned long v;
	unsigned int i;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_cpus(optarg, o.cpu)) {
				fprintf(stderr, "mkbench: --cpus takes two CPU numbers, A,B\n");
				return 2;
			}
			break;
		case 'n':
			if (parse_ulong(optarg, &v) || v < 100 || v > 1UL << 32) {
				fprintf(stderr,
					"mkbench: --iters takes a number from 100 to 2^32\n");
				return 2;
			}
			o.iters = v;
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
			if (strcmp(optarg, "auto") && strcmp(optarg, "shm") &&
			    strcmp(optarg, "module")) {
				fprintf(stderr, "mkbench: --backend is auto, shm or module\n");
				return 2;
			}
			o.backend = optarg;
			break;
		case 'o':
			o.csv = optarg;
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

	if (o.cpu[0] < 0 && env_default_cpus(o.cpu)) {
		fprintf(stderr, "mkbench: cannot find an online CPU to run on\n");
		return 2;
	}
	if (check_cpus(&o))
		return 2;
	return suite->run(&o);
}
