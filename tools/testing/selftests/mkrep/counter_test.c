// SPDX-License-Identifier: GPL-2.0
/*
 * Replicated counters: updates from every CPU at once sum up exactly,
 * exact reads never go down while increments go on, local reads are what
 * each mode promises, a sloppy counter's spares stay counted while their
 * CPU is offline, and every bad argument gets its errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"
#include "counter_ioctl.h"

#define ADDS		2000
#define MAX_CPUS	64

static int counter_add(int fd, int64_t delta)
{
	struct mkrep_counter_add a = { .size = sizeof(a), .delta = delta };

	return ioctl(fd, MKREP_IOC_COUNTER_ADD, &a) ? errno : 0;
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

FIXTURE_VARIANT_ADD(counter, sloppy) {
	.mode = MKREP_COUNTER_SLOPPY,
};

FIXTURE_SETUP(counter)
{
	self->n = mk_allowed_cpus(self->cpus, MAX_CPUS);
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

static int fill_spares(int fd, int cpu, int i)
{
	return counter_add(fd, -MKREP_COUNTER_SPARE_MAX);
}

/*
 * Every CPU adds at once while this process reads exactly, again and
 * again: the reads never go down nor past the total, the last is exact.
 * A sloppy counter starts with full spares on every CPU, so that the adds
 * take spares first and then go to the central count, both at once.
 */
TEST_F(counter, exact_under_concurrent_updates)
{
	int64_t total = 0, v = 0, prev = 0;
	pid_t pids[MAX_CPUS], reader;
	int i, status;

	if (variant->mode == MKREP_COUNTER_SLOPPY) {
		ASSERT_EQ(0, on_every_cpu(self->fd, self->cpus, self->n,
					  fill_spares, pids));
		total = -(int64_t)MKREP_COUNTER_SPARE_MAX * self->n;
		prev = total;
		ASSERT_EQ(0, counter_read(self->fd, MKREP_COUNTER_EXACT, &v));
		ASSERT_EQ(total, v);
	}
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

/* The spares that put_spares() leaves the @i-th CPU of a sloppy counter. */
static int64_t spares_of(int i)
{
	return i % MKREP_COUNTER_SPARE_MAX + 1;
}

static int put_spares(int fd, int cpu, int i)
{
	return counter_add(fd, -spares_of(i));
}

/*
 * A sloppy local read is the exact value plus the spares of every other
 * CPU: here those that put_spares() left, all of the counter's.
 */
static int64_t sloppy_all_spares;

static int local_over_by_others_spares(int fd, int cpu, int i)
{
	int64_t local = 0, exact = 0;

	if (counter_read(fd, 0, &local) ||
	    counter_read(fd, MKREP_COUNTER_EXACT, &exact))
		return 1;
	return local - exact == sloppy_all_spares - spares_of(i) ? 0 : 2;
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
	} else if (variant->mode == MKREP_COUNTER_SLOPPY) {
		/* No CPU had spares: the adds went to the central count. */
		EXPECT_EQ(0, on_every_cpu(self->fd, self->cpus, self->n,
					  local_is_exact, pids));
		sloppy_all_spares = 0;
		for (i = 0; i < self->n; i++)
			sloppy_all_spares += spares_of(i);
		ASSERT_EQ(0, on_every_cpu(self->fd, self->cpus, self->n,
					  put_spares, pids));
		EXPECT_EQ(0, on_every_cpu(self->fd, self->cpus, self->n,
					  local_over_by_others_spares, pids));
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

/*
 * A sloppy counter's spares, one step at a time on two CPUs: a get takes
 * a spare of its CPU or, without enough, adds to the central count; a put
 * keeps the reference as a spare or, past the cap, gives it back; a local
 * read is the central count less its own CPU's spares.
 */
TEST(sloppy_spares)
{
	int cpus[MAX_CPUS], n, fd, a, b;
	int64_t v = 0;

	n = mk_allowed_cpus(cpus, MAX_CPUS);
	ASSERT_LE(2, n);
	a = cpus[0];
	b = cpus[1];
	ASSERT_EQ(0, counter_create(MKREP_COUNTER_SLOPPY, 0, &fd));

#define AT(cpu, delta) do {						\
	ASSERT_EQ(0, mk_pin_cpu(cpu));					\
	ASSERT_EQ(0, counter_add(fd, delta));				\
} while (0)
#define LOCAL_AT(cpu, want) do {					\
	int __cpu = (cpu);						\
	ASSERT_EQ(0, mk_pin_cpu(__cpu));				\
	ASSERT_EQ(0, counter_read(fd, 0, &v));				\
	EXPECT_EQ(want, v) TH_LOG("local read on cpu%d", __cpu);	\
} while (0)
#define EXACT(want) do {						\
	ASSERT_EQ(0, counter_read(fd, MKREP_COUNTER_EXACT, &v));	\
	EXPECT_EQ(want, v) TH_LOG("exact read");			\
} while (0)

	AT(a, -5);		/* a keeps 5 spares; central 0 */
	EXACT(-5);
	LOCAL_AT(a, -5);
	LOCAL_AT(b, 0);		/* above by a's 5 */
	AT(a, 3);		/* from a's spares: 2 left */
	AT(b, 3);		/* b has none: central 3 */
	EXACT(1);
	LOCAL_AT(a, 1);
	LOCAL_AT(b, 3);
	AT(b, -MKREP_COUNTER_SPARE_MAX);	/* fits: b keeps the cap */
	EXACT(1 - MKREP_COUNTER_SPARE_MAX);
	LOCAL_AT(b, 3 - MKREP_COUNTER_SPARE_MAX);
	AT(b, -1);		/* past the cap: central 2 */
	EXACT(-MKREP_COUNTER_SPARE_MAX);
	LOCAL_AT(b, 2 - MKREP_COUNTER_SPARE_MAX);
	LOCAL_AT(a, 0);		/* 2 less a's 2; above by b's cap */
	AT(a, 5);		/* more than a's 2 spares: central 7 */
	EXACT(5 - MKREP_COUNTER_SPARE_MAX);
	LOCAL_AT(a, 5);
	AT(a, 0);		/* nothing changes */
	LOCAL_AT(a, 5);
	EXACT(5 - MKREP_COUNTER_SPARE_MAX);
#undef AT
#undef LOCAL_AT
#undef EXACT
	close(fd);
}

/* A CPU taken offline by a test, brought back by the teardown. */
/* Shared by the storm's workers and the test. */
struct storm {
	int stop;	/* __atomic, set by the test */
	int ready;	/* __atomic: workers bound to their CPUs */
	int epoch;	/* __atomic: times the test brought the hot CPU up */
	/* __atomic: the epoch of the hot worker's last round there */
	int hot_epoch;
	int64_t rounds[MAX_CPUS];
};

FIXTURE(hotplug) {
	int fd;
	int n;
	int cpus[MAX_CPUS];
	int hot;
	int offline;
	struct storm *st;	/* the storm's, once it started */
	pid_t pids[MAX_CPUS];
	int nkids;
};

FIXTURE_SETUP(hotplug)
{
	self->offline = -1;
	self->st = NULL;
	self->nkids = 0;
	self->n = mk_allowed_cpus(self->cpus, MAX_CPUS);
	ASSERT_LE(2, self->n);
	/* The last CPU: cpu0 may not go offline. */
	self->hot = self->cpus[self->n - 1];
	ASSERT_NE(0, self->hot);
	ASSERT_EQ(0, counter_create(MKREP_COUNTER_SLOPPY, MKREP_COUNTER_CLOEXEC,
				    &self->fd));
}

FIXTURE_TEARDOWN(hotplug)
{
	int i;

	/* A failed test's workers: stopped, not left spinning. */
	if (self->st)
		__atomic_store_n(&self->st->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < self->nkids; i++) {
		kill(self->pids[i], SIGKILL);
		waitpid(self->pids[i], NULL, 0);
	}
	if (self->st)
		munmap(self->st, sizeof(*self->st));
	if (self->offline >= 0 && mk_set_cpu_online(self->offline, 1))
		TH_LOG("cannot bring cpu%d online again", self->offline);
	close(self->fd);
}

/* Take @hot offline or online, and say in @offline which is offline. */
static int hotplug_set(struct __test_metadata *_metadata, int hot,
		       int *offline, int on)
{
	int ret = mk_set_cpu_online(hot, on);

	if (ret)
		TH_LOG("cpu%d %s: %s", hot, on ? "online" : "offline",
		       strerror(-ret));
	else
		*offline = on ? -1 : hot;
	return ret;
}

/*
 * A round takes references from the spares and past them, puts some back
 * into the spares and some past the cap: -1 in all.
 */
static const int64_t storm_round[] = {
	3, -2, 2 * MKREP_COUNTER_SPARE_MAX, -2 * MKREP_COUNTER_SPARE_MAX - 1,
	-MKREP_COUNTER_SPARE_MAX, MKREP_COUNTER_SPARE_MAX - 1,
};

/*
 * Worker @i, bound to @cpu; the one of the hot CPU binds itself to it
 * again before each round, since the kernel unbinds it when the CPU goes
 * offline (EINVAL while it is), and says in @hot_epoch which time the
 * CPU came up its last round ran there from start to end.
 */
static int storm_worker(int fd, struct storm *st, int i, int cpu, bool hot)
{
	unsigned int k;
	int epoch = 0;
	bool there = false;

	if (mk_pin_cpu(cpu))
		return 100;
	__atomic_add_fetch(&st->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&st->stop, __ATOMIC_RELAXED)) {
		if (hot) {
			mk_pin_cpu(cpu);
			epoch = __atomic_load_n(&st->epoch, __ATOMIC_ACQUIRE);
			there = sched_getcpu() == cpu;
		}
		for (k = 0; k < ARRAY_SIZE(storm_round); k++)
			if (counter_add(fd, storm_round[k]))
				return 1;
		st->rounds[i]++;
		if (there && sched_getcpu() == cpu)
			__atomic_store_n(&st->hot_epoch, epoch,
					 __ATOMIC_RELEASE);
	}
	return 0;
}

/* Wait up to 10 s for *@v to reach @want: whether it did. */
static bool wait_for(int *v, int want)
{
	int i;

	for (i = 0; i < 10000; i++) {
		if (__atomic_load_n(v, __ATOMIC_ACQUIRE) >= want)
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * No reference lost or made up while CPUs go offline and online: spares
 * left on a CPU stay counted while it is offline, and gets and puts from
 * every CPU, with one going offline six times under them and its worker
 * back on it after each time it came online, sum up exactly whether the
 * CPU is offline or online at the end.
 */
TEST_F_TIMEOUT(hotplug, sloppy_counts_survive, 120)
{
	int64_t v = 0, want, per_round = 0;
	struct storm *st;
	unsigned int k;
	int i, status;
	pid_t pid;

	for (k = 0; k < ARRAY_SIZE(storm_round); k++)
		per_round += storm_round[k];
	ASSERT_EQ(-1, per_round);

	/* Spares on the CPU that goes offline. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(mk_pin_cpu(self->hot) || counter_add(self->fd, -10));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_EQ(0, hotplug_set(_metadata, self->hot, &self->offline, 0));
	ASSERT_EQ(0, counter_read(self->fd, MKREP_COUNTER_EXACT, &v));
	EXPECT_EQ(-10, v) TH_LOG("the offline cpu%d's spares", self->hot);
	/* Above by those spares, never below. */
	ASSERT_EQ(0, mk_pin_cpu(self->cpus[0]));
	ASSERT_EQ(0, counter_read(self->fd, 0, &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, hotplug_set(_metadata, self->hot, &self->offline, 1));

	/* Every CPU gets and puts; the hot one goes offline under them. */
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st);
	st->epoch = 1;		/* it is up, the first time */
	self->st = st;
	for (i = 0; i < self->n; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(storm_worker(self->fd, st, i, self->cpus[i],
					   self->cpus[i] == self->hot));
		self->pids[self->nkids++] = pid;
	}
	ASSERT_TRUE(wait_for(&st->ready, self->n)) TH_LOG("workers not bound");
	for (k = 0; k < 6; k++) {	/* and offline at the end */
		/* A round of its worker there since it came up. */
		ASSERT_TRUE(wait_for(&st->hot_epoch, k + 1))
			TH_LOG("no round on cpu%d up %u times", self->hot,
			       k + 1);
		ASSERT_EQ(0, hotplug_set(_metadata, self->hot, &self->offline, 0));
		EXPECT_EQ(0, counter_read(self->fd, MKREP_COUNTER_EXACT, &v));
		usleep(20000);
		if (k < 5) {
			ASSERT_EQ(0, hotplug_set(_metadata, self->hot,
						 &self->offline, 1));
			__atomic_store_n(&st->epoch, k + 2, __ATOMIC_RELEASE);
		}
	}
	__atomic_store_n(&st->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < self->n; i++) {
		status = -1;
		EXPECT_EQ(self->pids[i], waitpid(self->pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("worker %d", i);
	}
	self->nkids = 0;

	want = -10;
	for (i = 0; i < self->n; i++) {
		EXPECT_LT(0, st->rounds[i]) TH_LOG("worker %d ran no round", i);
		want += st->rounds[i] * per_round;
	}
	/* The hot CPU is offline now, with whatever spares it kept. */
	ASSERT_EQ(self->hot, self->offline);
	ASSERT_EQ(0, counter_read(self->fd, MKREP_COUNTER_EXACT, &v));
	EXPECT_EQ(want, v) TH_LOG("cpu%d offline", self->hot);
	ASSERT_EQ(0, hotplug_set(_metadata, self->hot, &self->offline, 1));
	ASSERT_EQ(0, counter_read(self->fd, MKREP_COUNTER_EXACT, &v));
	EXPECT_EQ(want, v) TH_LOG("cpu%d online again", self->hot);
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
	/* Version 2's COUNTER_BENCH, retired by version 3. */
	EXPECT_EQ(-1, ioctl(self->fd, 0xC038B849, &r));
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
	EXPECT_TRUE(q.features & MKREP_FEAT_COUNTER_MAP);
#define BAD(field, value) do {						\
	memset(&c, 0, sizeof(c));					\
	c.size = sizeof(c);						\
	c.field = value;						\
	EXPECT_EQ(-1, ioctl(dev, MKREP_IOC_COUNTER_CREATE, &c));	\
	EXPECT_EQ(EINVAL, errno) TH_LOG(#field " = " #value);		\
} while (0)
	BAD(flags, 4);
	BAD(flags, ~0U);
	BAD(mode, MKREP_NR_COUNTER_MODES);
	BAD(__reserved[0], 1);
	BAD(size, 4);
#undef BAD
	close(dev);
}

TEST_HARNESS_MAIN
