// SPDX-License-Identifier: GPL-2.0
/*
 * shardcache, the shard-per-core workload (tools/shardcache), both ways on
 * every CPU: it exits 0, its servers answer requests with and without
 * resizes, and its resizer does resizes, Linux's way (a punched memfd)
 * and mkrep's (a space whose members apply between two requests).  In
 * mkrep's way a server touching a page that was taken away would die of
 * SIGSEGV and fail the run (in Linux's, the touch would quietly fault a
 * new page into the file).
 *
 * The program is found in $PATH (the test guest's /bin), or where
 * MKERNEL_SHARDCACHE says.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"

#define CSV	"/tmp/workload_test.csv"
#define RATE	200

/* The value of @way's @metric at @rate in the CSV, or -1. */
static double csv_value(const char *way, unsigned long rate,
			const char *metric)
{
	char line[256], *field[4];
	double found = -1;
	FILE *f = fopen(CSV, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (mk_csv_split(line, field, 4) == 4 &&
		    !strcmp(field[0], way) &&
		    strtoul(field[1], NULL, 10) == rate &&
		    !strcmp(field[2], metric))
			found = strtod(field[3], NULL);
	fclose(f);
	return found;
}

TEST(both_ways_serve_and_resize)
{
	static const char *const ways[] = { "linux", "mkrep" };
	char rates[32];
	char *const argv[] = {
		"shardcache", "--seconds", "0.5", "--rates", rates, "--way",
		"all", "--csv", CSV, NULL
	};
	int st, i;

	snprintf(rates, sizeof(rates), "0,%d", RATE);
	unlink(CSV);
	st = mk_run_tool("MKERNEL_SHARDCACHE", "shardcache", argv);
	ASSERT_EQ(0, st) TH_LOG("shardcache: exit status %d (128 + a signal)", st);
	for (i = 0; i < 2; i++) {
		EXPECT_LT(0, csv_value(ways[i], 0, "requests_per_s"))
			TH_LOG("%s: no request answered without resizes",
			       ways[i]);
		EXPECT_LT(0, csv_value(ways[i], RATE, "requests_per_s"))
			TH_LOG("%s: no request answered under resizes",
			       ways[i]);
		EXPECT_EQ(0, csv_value(ways[i], 0, "resizes_per_s"));
		/*
		 * An emulated guest keeps up with a small part of the rate
		 * (16 a second of 1000 on TCG, fewer on the debug kernels):
		 * some, a shrink at least (a resize is a shrink and a grow;
		 * the last grow comes after the timed half second).
		 */
		EXPECT_LT(0, csv_value(ways[i], RATE, "resizes_per_s"))
			TH_LOG("%s: %.0f resizes a second of %d", ways[i],
			       csv_value(ways[i], RATE, "resizes_per_s"),
			       RATE);
	}
	unlink(CSV);
}

TEST_HARNESS_MAIN
