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

#define CSV	"/tmp/bystander_test.csv"
#define VARIANT	"module-broadcast-unmap"

/* How many rows of VARIANT's @metric the CSV has. */
static int csv_rows(const char *metric)
{
	char line[256], v[64], m[64];
	int n = 0;
	FILE *f = fopen(CSV, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "bystander,%63[^,],%*[^,],%63[^,],", v, m) == 2 &&
		    !strcmp(v, VARIANT) && !strcmp(m, metric))
			n++;
	fclose(f);
	return n;
}

TEST(module_members_apply_between_units)
{
	const char *prog = getenv("MKERNEL_MKBENCH");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int st;
	pid_t pid;

	if (!prog)
		prog = "mkbench";
	ASSERT_LE(2, cpus);
	unlink(CSV);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		execlp(prog, prog, "bystander", "--backend", "module",
		       "--iters", "50", "--csv", CSV, (char *)NULL);
		fprintf(stderr, "%s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st)) TH_LOG("mkbench died of signal %d",
					  WTERMSIG(st));
	ASSERT_EQ(0, WEXITSTATUS(st));
	/* One row a core count, 2 .. every online CPU. */
	EXPECT_EQ(cpus - 1, csv_rows("latency_ns_median"));
	EXPECT_EQ(cpus - 1, csv_rows("loss_ns_per_op"));
	unlink(CSV);
}

TEST_HARNESS_MAIN
