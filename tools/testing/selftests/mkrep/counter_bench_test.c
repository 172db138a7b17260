// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep_counter_bench.ko, mkbench counter's kernel-context loops: every
 * loop of every counter runs and leaves the value it should, each open
 * has counters of its own, every bad argument gets its errno, only root
 * opens it; and mkbench counter --backend module loads it, measures the
 * sloppy counter beside the others, each on 1 and on 2 cores in the
 * same rounds, prints the local reads' bounds, and unloads it.  The times
 * are the guest's; only that the loops run and count is checked here.
 *
 * The module comes from $MKERNEL_MODDIR, set by the runner; mkbench from
 * $PATH (the test guest's /bin), or where MKERNEL_MKBENCH says.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"
#include "../../../mkbench/kmod/counter_bench.h"

#define CSV	"/tmp/counter_bench_test.csv"
#define SLOPPY_ADD	"module-replicated-sloppy-add"

static int bench(int fd, unsigned int impl, unsigned int op, unsigned int iters,
		 struct mkrep_counter_bench *b)
{
	memset(b, 0, sizeof(*b));
	b->impl = impl;
	b->op = op;
	b->iters = iters;
	return ioctl(fd, MKREP_COUNTER_BENCH_RUN, b) ? errno : 0;
}

FIXTURE(cbench) {
	int fd;
};

FIXTURE_SETUP(cbench)
{
	int ret = 0;

	if (!mk_module_loaded(MKREP_COUNTER_BENCH_MODULE))
		ret = mk_module_load(MKREP_COUNTER_BENCH_MODULE);
	ASSERT_EQ(0, ret) TH_LOG("%s.ko from $MKERNEL_MODDIR: %s",
				 MKREP_COUNTER_BENCH_MODULE, strerror(-ret));
	self->fd = open(MKREP_COUNTER_BENCH_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(cbench)
{
	close(self->fd);
	mk_module_unload(MKREP_COUNTER_BENCH_MODULE);
}

/*
 * On one CPU, each loop of adds leaves 3000 in its counter, every read
 * finds them (percpu_counter_read() only what was folded in), and gets
 * and puts leave them as they were.  They did get and put: the atomic's
 * last get saw 3001, and the sloppy counter's first get went to its
 * central count, its puts to the spares of that CPU, where one is left,
 * so that a local read elsewhere is above by one.
 */
TEST_F(cbench, every_loop_counts)
{
	struct mkrep_counter_bench b;
	unsigned int impl, op;
	int other, cpu[2], n = 0, i;
	cpu_set_t set;

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpu[n++] = i;
	ASSERT_EQ(2, n);
	ASSERT_EQ(0, mk_pin_cpu(cpu[0]));
	for (impl = 0; impl < MKREP_NR_CBENCH_IMPLS; impl++) {
		for (op = 0; op < MKREP_NR_CBENCH_OPS; op++) {
			ASSERT_EQ(0, bench(self->fd, impl, op, 3000, &b))
				TH_LOG("impl %u op %u", impl, op);
			EXPECT_LT(0, b.ns);
			if (impl == MKREP_CBENCH_PERCPU && op == MKREP_CBENCH_READ) {
				EXPECT_GE(3000, b.result);
			} else if (impl == MKREP_CBENCH_ATOMIC &&
				   op == MKREP_CBENCH_GET_PUT) {
				EXPECT_EQ(3001, b.result);
			} else {
				EXPECT_EQ(3000, b.result)
					TH_LOG("impl %u op %u", impl, op);
			}
		}
	}
	ASSERT_EQ(0, bench(self->fd, MKREP_CBENCH_SLOPPY, MKREP_CBENCH_READ, 1,
			   &b));
	EXPECT_EQ(3000, b.result) TH_LOG("sloppy, on cpu%d", cpu[0]);
	ASSERT_EQ(0, mk_pin_cpu(cpu[1]));
	ASSERT_EQ(0, bench(self->fd, MKREP_CBENCH_SLOPPY, MKREP_CBENCH_READ, 1,
			   &b));
	EXPECT_EQ(3001, b.result) TH_LOG("sloppy, on cpu%d", cpu[1]);
	/* Another open has counters of its own, all at zero. */
	other = open(MKREP_COUNTER_BENCH_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, other);
	for (impl = 0; impl < MKREP_NR_CBENCH_IMPLS; impl++) {
		ASSERT_EQ(0, bench(other, impl, MKREP_CBENCH_READ_EXACT, 1, &b));
		EXPECT_EQ(0, b.result) TH_LOG("impl %u", impl);
	}
	close(other);
}

TEST_F(cbench, bad_arguments)
{
	struct mkrep_counter_bench b;

	EXPECT_EQ(EINVAL, bench(self->fd, MKREP_NR_CBENCH_IMPLS, 0, 1, &b));
	EXPECT_EQ(EINVAL, bench(self->fd, 0, MKREP_NR_CBENCH_OPS, 1, &b));
	EXPECT_EQ(EINVAL, bench(self->fd, 0, 0, 0, &b));
	EXPECT_EQ(EINVAL, bench(self->fd, 0, 0, MKREP_CBENCH_MAX_ITERS + 1,
				&b));
	memset(&b, 0, sizeof(b));
	b.iters = 1;
	b.__pad = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_COUNTER_BENCH_RUN, &b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_COUNTER_BENCH_RUN, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(0xBA, 0x02)));
	EXPECT_EQ(ENOTTY, errno);
}

/* Only root: an unprivileged loop would pin a CPU for a user. */
TEST_F(cbench, root_only)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(open(MKREP_COUNTER_BENCH_DEVICE, O_RDWR) < 0 &&
		      (errno == EACCES || errno == EPERM) ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("1: opened, 2: setresuid");
}

/*
 * Whether CSV line @line is counter's @variant's @metric on one CPU
 * (@cores 1), on more (2) or on any (0); its value in @v.  The CPU list
 * ("3", "0-1", "0:2") may be empty.
 */
static bool csv_is(char *line, const char *variant, int cores,
		   const char *metric, double *v)
{
	char *field[6];

	if (mk_csv_split(line, field, 6) != 6 ||
	    strcmp(field[0], "counter") || strcmp(field[1], variant) ||
	    strcmp(field[3], metric))
		return false;
	if (cores && (field[2][strcspn(field[2], "-:,")] ? 2 : 1) != cores)
		return false;
	*v = strtod(field[4], NULL);
	return true;
}

/* How many rows of @variant's @metric the CSV has. */
static int csv_rows(const char *variant, const char *metric)
{
	char line[256];
	int n = 0;
	double v;
	FILE *f = fopen(CSV, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += csv_is(line, variant, 0, metric, &v);
	fclose(f);
	return n;
}

/* The value of @variant's @metric on @cores (as csv_is()), or -1. */
static double csv_value(const char *variant, int cores, const char *metric)
{
	char line[256];
	double v, found = -1;
	FILE *f = fopen(CSV, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (csv_is(line, variant, cores, metric, &v))
			found = v;
	fclose(f);
	return found;
}

/* mkbench runs about a hundred windows: more than the default 30 s. */
FIXTURE(run) {
	int unused;
};

FIXTURE_SETUP(run)
{
}

FIXTURE_TEARDOWN(run)
{
}

/*
 * mkbench loads the module itself where it is not loaded, and unloads
 * it after: a row of the sloppy counter's adds for each core count, and
 * of the mapped counter's.
 */
TEST_F_TIMEOUT(run, mkbench_loads_and_unloads, 300)
{
	static char *const argv[] = {
		"mkbench", "counter", "--backend", "module", "--cpus", "2",
		"--reps", "3", "--iters", "256", "--csv", CSV, NULL
	};
	long possible, online, batch, last;
	double one[2], two[2];
	int st;

	if (mk_module_loaded(MKREP_COUNTER_BENCH_MODULE))
		ASSERT_EQ(0, mk_module_unload(MKREP_COUNTER_BENCH_MODULE));
	unlink(CSV);
	st = mk_run_tool("MKERNEL_MKBENCH", "mkbench", argv);
	ASSERT_EQ(0, st) TH_LOG("mkbench: exit status %d (128 + a signal)", st);
	EXPECT_FALSE(mk_module_loaded(MKREP_COUNTER_BENCH_MODULE));
	EXPECT_EQ(2, csv_rows(SLOPPY_ADD, "latency_ns_median"));
	/* The mapped counter's rows: the sequences and the ioctls. */
	EXPECT_EQ(2, csv_rows("module-mapped-rseq-add", "latency_ns_median"));
	EXPECT_EQ(2, csv_rows("module-mapped-ioctl-add",
			      "latency_ns_median"));
	EXPECT_EQ(2, csv_rows("module-mapped-rseq-read-exact",
			      "latency_ns_median"));
	/*
	 * The 1-core and 2-core rows of a counter come from the same
	 * rounds: their windows overlap, where measuring every counter on
	 * one core and then every one on two would leave them apart.
	 */
	one[0] = csv_value(SLOPPY_ADD, 1, "window_start_ms");
	one[1] = csv_value(SLOPPY_ADD, 1, "window_end_ms");
	two[0] = csv_value(SLOPPY_ADD, 2, "window_start_ms");
	two[1] = csv_value(SLOPPY_ADD, 2, "window_end_ms");
	ASSERT_LE(0, one[0]);
	ASSERT_LT(0, two[0]);
	EXPECT_LT(one[0], two[1]);
	EXPECT_LT(two[0], one[1]);
	/* And a round measures the same counter on 1 and 2 cores in turn. */
	EXPECT_LT(one[0], two[0]);
	EXPECT_LT(one[1], two[1]);
	/* The local reads' bounds, as the contract states them. */
	possible = mk_sysfs_list_count("/sys/devices/system/cpu/possible",
				       &last);
	online = mk_sysfs_list_count("/sys/devices/system/cpu/online", &last);
	ASSERT_LT(0, possible);
	ASSERT_LT(0, online);
	batch = 2 * online > 32 ? 2 * online : 32;
	EXPECT_EQ(MKREP_COUNTER_SPARE_MAX * (possible - 1),
		  csv_value("module-replicated-sloppy-read", 0, "error_bound"));
	EXPECT_EQ(batch * online,
		  csv_value("module-percpu-read", 0, "error_bound"));
	unlink(CSV);
}

TEST_HARNESS_MAIN
