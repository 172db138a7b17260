// SPDX-License-Identifier: GPL-2.0
/*
 * Replicated counters: updates from every CPU at once sum up exactly,
 * exact reads never go down while increments go on, local reads are what
 * each placement promises, and every bad argument gets its errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"

#define ADDS		2000
#define MAX_CPUS	64

static int counter_create(unsigned int mode, unsigned int flags, int *fd)
{
	struct mkrep_counter_create c = {
		.size = sizeof(c), .mode = mode, .flags = flags,
	};
	int dev, ret = 0;

	dev = open("/dev/mkrep", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return errno;
	if (ioctl(dev, MKREP_IOC_COUNTER_CREATE, &c))
		ret = errno;
	else
		*fd = c.fd;
	close(dev);
	return ret;
}

static int counter_add(int fd, int64_t delta)
{
	struct mkrep_counter_add a = { .size = sizeof(a), .delta = delta };

	return ioctl(fd, MKREP_IOC_COUNTER_ADD, &a) ? errno : 0;
}

static int counter_read(int fd, unsigned int flags, int64_t *value)
{
	struct mkrep_counter_read r = { .size = sizeof(r), .flags = flags };

	if (ioctl(fd, MKREP_IOC_COUNTER_READ, &r))
		return errno;
	*value = r.value;
	return 0;
}

/* The CPUs this test may run on. */
static int online_cpus(int *cpus)
{
	cpu_set_t set;
	int i, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (i = 0; i < CPU_SETSIZE && n < MAX_CPUS; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	return n;
}

FIXTURE(counter) {
	int fd;
	int n;
	int cpus[MAX_CPUS];
};

FIXTURE_VARIANT(counter) {
	unsigned int mode;
};

FIXTURE_VARIANT_ADD(counter, write_mostly) {
	.mode = MKREP_COUNTER_WRITE_MOSTLY,
};

FIXTURE_VARIANT_ADD(counter, read_mostly) {
	.mode = MKREP_COUNTER_READ_MOSTLY,
};

FIXTURE_SETUP(counter)
{
	self->n = online_cpus(self->cpus);
	ASSERT_LE(2, self->n);
	ASSERT_EQ(0, counter_create(variant->mode, MKREP_COUNTER_CLOEXEC,
				    &self->fd));
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->fd, F_GETFD));
}

FIXTURE_TEARDOWN(counter)
{
	close(self->fd);
}

/* Run @fn(fd, cpu, i) in a process bound to each CPU; 0 if all exit 0. */
static int on_every_cpu(int fd, int *cpus, int n,
			int (*fn)(int fd, int cpu, int i), pid_t *pids)
{
	int i, status, bad = 0;

	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return -1;
		if (!pids[i]) {
			if (mk_pin_cpu(cpus[i]))
				_exit(100);
			_exit(fn(fd, cpus[i], i));
		}
	}
	for (i = 0; i < n; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			bad = bad ?: i + 1;
	}
	return bad;
}

static int add_many(int fd, int cpu, int i)
{
	int k;

	for (k = 0; k < ADDS; k++)
		if (counter_add(fd, i + 1))
			return 1;
	return 0;
}

/*
 * Every CPU adds at once while this process reads exactly, again and
 * again: the reads never go down nor past the total, the last is exact.
 */
TEST_F(counter, exact_under_concurrent_updates)
{
	int64_t total = 0, v = 0, prev = 0;
	pid_t pids[MAX_CPUS], reader;
	int i, status;

	for (i = 0; i < self->n; i++)
		total += (int64_t)ADDS * (i + 1);

	reader = fork();
	ASSERT_LE(0, reader);
	if (!reader) {
		/* Until the updates are all in. */
		for (;;) {
			if (counter_read(self->fd, MKREP_COUNTER_EXACT, &v))
				_exit(1);
			if (v < prev)
				_exit(2);
			if (v > total)
				_exit(3);
			prev = v;
			if (v == total)
				_exit(0);
			usleep(500);
		}
	}
	ASSERT_EQ(0, on_every_cpu(self->fd, self->cpus, self->n, add_many,
				  pids));
	ASSERT_EQ(reader, waitpid(reader, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("exact reads: 1 error, 2 went down, 3 above the total");
	ASSERT_EQ(0, counter_read(self->fd, MKREP_COUNTER_EXACT, &v));
	EXPECT_EQ(total, v);
}

/* What a local read on each CPU returns once the updates stopped. */
static int local_reads(int fd, int cpu, int i)
{
	int64_t local = 0, exact = 0;

	if (counter_read(fd, 0, &local) ||
	    counter_read(fd, MKREP_COUNTER_EXACT, &exact))
		return 1;
	if (local > exact)
		return 2;
	/* After an exact read on this CPU, the local read has caught up. */
	if (counter_read(fd, 0, &local))
		return 1;
	return local == exact ? 0 : 3;
}

static int local_is_exact(int fd, int cpu, int i)
{
	int64_t local = 0, exact = 0;

	if (counter_read(fd, 0, &local) ||
	    counter_read(fd, MKREP_COUNTER_EXACT, &exact))
		return 1;
	return local == exact ? 0 : 2;
}

static int add_one_here(int fd, int cpu, int i)
{
	return counter_add(fd, 1000 * (i + 1));
}

TEST_F(counter, local_reads)
{
	pid_t pids[MAX_CPUS];
	int64_t v = 0;
	int i;

	ASSERT_EQ(0, on_every_cpu(self->fd, self->cpus, self->n, add_one_here,
				  pids));
	if (variant->mode == MKREP_COUNTER_READ_MOSTLY) {
		/* Every update reached every replica before it returned. */
		EXPECT_EQ(0, on_every_cpu(self->fd, self->cpus, self->n,
					  local_is_exact, pids));
	} else {
		EXPECT_EQ(0, on_every_cpu(self->fd, self->cpus, self->n,
					  local_reads, pids));
		/* Before any exact read there, a CPU sees its own updates. */
		ASSERT_EQ(0, counter_create(variant->mode, 0, &i));
		ASSERT_EQ(0, mk_pin_cpu(self->cpus[1]));
		ASSERT_EQ(0, counter_add(i, 7));
		ASSERT_EQ(0, mk_pin_cpu(self->cpus[0]));
		ASSERT_EQ(0, counter_add(i, 5));
		ASSERT_EQ(0, counter_read(i, 0, &v));
		EXPECT_EQ(5, v) TH_LOG("stale by the other CPU's 7");
		ASSERT_EQ(0, counter_read(i, MKREP_COUNTER_EXACT, &v));
		EXPECT_EQ(12, v);
		ASSERT_EQ(0, counter_read(i, 0, &v));
		EXPECT_EQ(12, v);
		close(i);
	}
}

TEST_F(counter, negative_deltas)
{
	int64_t v = 0;

	ASSERT_EQ(0, counter_add(self->fd, 10));
	ASSERT_EQ(0, counter_add(self->fd, -25));
	ASSERT_EQ(0, counter_read(self->fd, MKREP_COUNTER_EXACT, &v));
	EXPECT_EQ(-15, v);
	ASSERT_EQ(0, counter_add(self->fd, INT64_MIN + 15));
	ASSERT_EQ(0, counter_read(self->fd, MKREP_COUNTER_EXACT, &v));
	EXPECT_EQ(INT64_MIN, v);
}

/* The kernel-context loops of mkbench counter drive the same objects. */
TEST_F(counter, bench_loops)
{
	struct mkrep_counter_bench b;
	unsigned int impl, op;
	int64_t v = 0;

	/* A local read answers from the CPU the adds ran on. */
	ASSERT_EQ(0, mk_pin_cpu(self->cpus[0]));
	for (impl = 0; impl < MKREP_NR_BENCH_IMPLS; impl++) {
		for (op = 0; op < MKREP_NR_BENCH_OPS; op++) {
			memset(&b, 0, sizeof(b));
			b.size = sizeof(b);
			b.impl = impl;
			b.op = op;
			b.iters = 3000;
			ASSERT_EQ(0, ioctl(self->fd, MKREP_IOC_COUNTER_BENCH, &b))
				TH_LOG("impl %u op %u: %s", impl, op, strerror(errno));
			EXPECT_LT(0, b.ns);
			/*
			 * After the adds, every read finds them; but
			 * percpu_counter_read() only what was folded in.
			 */
			if (impl == MKREP_BENCH_PERCPU && op == MKREP_BENCH_READ) {
				EXPECT_GE(3000, b.result);
			} else {
				EXPECT_EQ(3000, b.result)
					TH_LOG("impl %u op %u", impl, op);
			}
		}
	}
	ASSERT_EQ(0, counter_read(self->fd, MKREP_COUNTER_EXACT, &v));
	EXPECT_EQ(3000, v);

#define BAD(field, value) do {						\
	memset(&b, 0, sizeof(b));					\
	b.size = sizeof(b);						\
	b.iters = 1;							\
	b.field = value;						\
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_COUNTER_BENCH, &b));	\
	EXPECT_EQ(EINVAL, errno) TH_LOG(#field " = " #value);		\
} while (0)
	BAD(flags, 1);
	BAD(impl, MKREP_NR_BENCH_IMPLS);
	BAD(op, MKREP_NR_BENCH_OPS);
	BAD(iters, 0);
	BAD(iters, (1U << 24) + 1);
	BAD(__pad, 1);
	BAD(__reserved[0], 1);
#undef BAD
}

TEST_F(counter, bad_arguments)
{
	struct mkrep_counter_read r;
	struct mkrep_counter_add a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_COUNTER_ADD, &a));
	EXPECT_EQ(EINVAL, errno);
	a.flags = 0;
	a.__reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_COUNTER_ADD, &a));
	EXPECT_EQ(EINVAL, errno);
	a.__reserved[1] = 0;
	a.size = 8;
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_COUNTER_ADD, &a));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_COUNTER_ADD, NULL));
	EXPECT_EQ(EFAULT, errno);

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.flags = 2;
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_COUNTER_READ, &r));
	EXPECT_EQ(EINVAL, errno);
	r.flags = 0;
	r.__pad = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_COUNTER_READ, &r));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_OP, &r));
	EXPECT_EQ(ENOTTY, errno);
}

TEST(create_bad_arguments)
{
	struct mkrep_counter_create c;
	struct mkrep_query q = { .size = sizeof(q) };
	int dev;

	dev = open("/dev/mkrep", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, ioctl(dev, MKREP_IOC_QUERY, &q));
	EXPECT_TRUE(q.features & MKREP_FEAT_COUNTER);
#define BAD(field, value) do {						\
	memset(&c, 0, sizeof(c));					\
	c.size = sizeof(c);						\
	c.field = value;						\
	EXPECT_EQ(-1, ioctl(dev, MKREP_IOC_COUNTER_CREATE, &c));	\
	EXPECT_EQ(EINVAL, errno) TH_LOG(#field " = " #value);		\
} while (0)
	BAD(flags, 2);
	BAD(mode, MKREP_NR_COUNTER_MODES);
	BAD(__reserved[0], 1);
	BAD(size, 4);
#undef BAD
	close(dev);
}

TEST_HARNESS_MAIN
