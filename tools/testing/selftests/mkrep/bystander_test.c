// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench bystander's module configuration on every CPU: members of a
 * space that run units of work and apply what waits between two, while
 * the first one unmaps and maps the page back every 100 us.  It exits 0
 * (a member that wrote the page while it was unmapped would die of
 * SIGSEGV and fail the run), and it reports an operation time and a
 * loss for every core count.  The times are the guest's; only that the
 * path runs is checked here.
 *
 * mkbench is found in $PATH (the test guest's /bin), or where
 * MKERNEL_MKBENCH says.
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

#define CSV	"/tmp/bystander_test.csv"
#define VARIANT	"module-broadcast-unmap"

/* How many rows of VARIANT's @metric the CSV has. */
static int csv_rows(const char *metric)
{
	char line[256], *field[6];
	int n = 0;
	FILE *f = fopen(CSV, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (mk_csv_split(line, field, 6) >= 4 &&
		    !strcmp(field[0], "bystander") &&
		    !strcmp(field[1], VARIANT) && !strcmp(field[3], metric))
			n++;
	fclose(f);
	return n;
}

TEST(module_members_apply_between_units)
{
	static char *const argv[] = {
		"mkbench", "bystander", "--backend", "module", "--iters", "50",
		"--csv", CSV, NULL
	};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int st;

	ASSERT_LE(2, cpus);
	unlink(CSV);
	st = mk_run_tool("MKERNEL_MKBENCH", "mkbench", argv);
	ASSERT_EQ(0, st) TH_LOG("mkbench: exit status %d (128 + a signal)", st);
	/* One row a core count, 2 .. every online CPU. */
	EXPECT_EQ(cpus - 1, csv_rows("latency_ns_median"));
	EXPECT_EQ(cpus - 1, csv_rows("loss_ns_per_op"));
	unlink(CSV);
}

TEST_HARNESS_MAIN
