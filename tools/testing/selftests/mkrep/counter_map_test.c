// SPDX-License-Identifier: GPL-2.0
/*
 * Mapped counters (MKREP_COUNTER_MAP): threads on every CPU, two a CPU
 * and moving between CPUs, add through restartable sequences and the
 * sum is exact; the sequences and the ioctls mix; a thread without rseq
 * falls back to the ioctl; the slots are where the uapi says, garbage in
 * them is summed and nothing else; the mapping outlives the descriptor,
 * is shared by fork() and keeps an offline CPU's count; every bad
 * argument gets its errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libmkchan.h"

#include "kselftest_harness.h"
#include "../mkernel_test.h"
#include "counter_ioctl.h"

#define MAX_CPUS	64
#define ADDS		200000	/* by each thread */
#define HOP		1000	/* adds between two moves of a thread */

FIXTURE(mapped) {
	struct mkrep_ucounter c;
	int n;
	int cpus[MAX_CPUS];
};

FIXTURE_SETUP(mapped)
{
	int dev;

	self->c.fd = -1;
	self->c.slots = NULL;
	self->n = mk_allowed_cpus(self->cpus, MAX_CPUS);
	ASSERT_LE(2, self->n);
	dev = mkrep_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, mkrep_ucounter_create(dev, &self->c));
	close(dev);
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->c.fd, F_GETFD));
}

#define HOLD	"/sys/module/mkrep/parameters/counter_map_hold_us"

FIXTURE_TEARDOWN(mapped)
{
	mkrep_ucounter_close(&self->c);
	/* A test that failed or timed out holding ioctl adds: let go. */
	mk_write_str(HOLD, "0");
}

/* The uapi's layout: a slot a possible CPU, 128 bytes apart, at 0. */
TEST_F(mapped, info_and_layout)
{
	struct mkrep_counter_info info = { .size = sizeof(info) };
	long last = -1, page = sysconf(_SC_PAGESIZE);
	int fd;

	ASSERT_EQ(0, ioctl(self->c.fd, MKREP_IOC_COUNTER_INFO, &info));
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(MKREP_COUNTER_WRITE_MOSTLY, info.mode);
	ASSERT_LT(0, mk_sysfs_list_count("/sys/devices/system/cpu/possible",
					 &last));
	EXPECT_EQ(last + 1, info.nr_slots);
	EXPECT_EQ(MKREP_COUNTER_SLOT_SIZE, info.slot_size);
	EXPECT_EQ((info.nr_slots * 128 + page - 1) / page * page,
		  info.map_size);
	EXPECT_EQ(info.nr_slots, self->c.nr_slots);

	/* A counter that is not mapped says so. */
	for (unsigned int mode = 0; mode < MKREP_NR_COUNTER_MODES; mode++) {
		ASSERT_EQ(0, counter_create(mode, 0, &fd));
		memset(&info, 0xff, sizeof(info));
		info.size = sizeof(info);
		info.flags = 0;
		info.__pad = 0;
		info.__reserved[0] = 0;
		info.__reserved[1] = 0;
		ASSERT_EQ(0, ioctl(fd, MKREP_IOC_COUNTER_INFO, &info));
		EXPECT_EQ(mode, info.mode);
		EXPECT_EQ(0, info.nr_slots);
		EXPECT_EQ(0, info.slot_size);
		EXPECT_EQ(0, info.map_size);
		close(fd);
	}
}

TEST_F(mapped, bad_arguments)
{
	struct mkrep_counter_info info = { .size = sizeof(info) };
	size_t len = self->c.map_size;
	long page = sysconf(_SC_PAGESIZE);
	void *p;
	int fd;

	/* Mapped is write-mostly only; unknown flags. */
	EXPECT_EQ(EINVAL, counter_create(MKREP_COUNTER_READ_MOSTLY,
					 MKREP_COUNTER_MAP, &fd));
	EXPECT_EQ(EINVAL, counter_create(MKREP_COUNTER_SLOPPY,
					 MKREP_COUNTER_MAP, &fd));
	EXPECT_EQ(EINVAL, counter_create(MKREP_COUNTER_WRITE_MOSTLY, 1U << 2,
					 &fd));

	info.flags = 1;
	EXPECT_EQ(-1, ioctl(self->c.fd, MKREP_IOC_COUNTER_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.flags = 0;
	info.__pad = 1;
	EXPECT_EQ(-1, ioctl(self->c.fd, MKREP_IOC_COUNTER_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.__pad = 0;
	info.__reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->c.fd, MKREP_IOC_COUNTER_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.__reserved[1] = 0;
	info.size = 8;
	EXPECT_EQ(-1, ioctl(self->c.fd, MKREP_IOC_COUNTER_INFO, &info));
	EXPECT_EQ(EINVAL, errno);

	/* mmap(): another offset, length, a private or executable map. */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->c.fd,
		 page);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, len + page, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->c.fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->c.fd,
		 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_SHARED, self->c.fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	/* Nor made executable later. */
	EXPECT_EQ(-1, mprotect(self->c.slots, len, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);

	/* A counter that is not mapped cannot be. */
	ASSERT_EQ(0, counter_create(MKREP_COUNTER_WRITE_MOSTLY, 0, &fd));
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
	close(fd);
}

/*
 * The ioctls change and read the calling CPU's slot: @count gets the add,
 * an exact read leaves @base + @count at the total, and the mapping's
 * reads agree with the ioctls'.
 */
TEST_F(mapped, ioctls_use_the_slots)
{
	int64_t want = 0, v = 0, local = 0;
	long long mv = 0;
	int i, cpu;

	for (i = 0; i < self->n; i++) {
		cpu = self->cpus[i];
		ASSERT_EQ(0, mk_pin_cpu(cpu));
		ASSERT_EQ(0, mkrep_ucounter_add_ioctl(&self->c,
						      1000 * (i + 1)));
		want += 1000 * (i + 1);
		EXPECT_EQ(1000 * (i + 1), self->c.slots[cpu].count);
	}
	for (i = 0; i < self->n; i++) {
		cpu = self->cpus[i];
		ASSERT_EQ(0, mk_pin_cpu(cpu));
		ASSERT_EQ(0, counter_read(self->c.fd, MKREP_COUNTER_EXACT, &v));
		EXPECT_EQ(want, v);
		EXPECT_EQ(want - 1000 * (i + 1), self->c.slots[cpu].base);
		ASSERT_EQ(0, counter_read(self->c.fd, 0, &local));
		EXPECT_EQ(want, local);
		ASSERT_TRUE(mkrep_ucounter_fast(&self->c));
		ASSERT_EQ(0, mkrep_ucounter_read(&self->c, &mv));
		EXPECT_EQ(want, mv);
		/* An add through the mapping shows in the ioctl's read. */
		ASSERT_EQ(0, mkrep_ucounter_add(&self->c, 7));
		want += 7;
		ASSERT_EQ(0, counter_read(self->c.fd, 0, &local));
		EXPECT_EQ(want, local);
		ASSERT_EQ(0, mkrep_ucounter_read_exact(&self->c, &mv));
		EXPECT_EQ(want, mv);
		/* The sequence's exact read stored this CPU's base. */
		EXPECT_EQ(mv - self->c.slots[cpu].count,
			  self->c.slots[cpu].base);
		ASSERT_EQ(0, mkrep_ucounter_add(&self->c, 1));
		want++;
		ASSERT_EQ(0, counter_read(self->c.fd, 0, &local));
		EXPECT_EQ(want, local);
		ASSERT_EQ(0, counter_read(self->c.fd, MKREP_COUNTER_EXACT, &v));
		EXPECT_EQ(want, v);
	}
}

struct adder {
	struct mkrep_ucounter *c;
	const int *cpus;
	int n, index;
	int ioctl_every;	/* every that many adds by the ioctl; 0: none */
	int slow;		/* adds that took the ioctl */
	int err;
	int *done;		/* raised when it returns */
};

/*
 * ADDS adds of 1, moving to another CPU every HOP: two adders a CPU, so
 * that each is preempted and moved in the middle of its sequences.
 */
static void *add_many(void *arg)
{
	struct adder *a = arg;
	int i, ret, hop = a->index;

	for (i = 0; i < ADDS; i++) {
		if (i % HOP == 0 && mk_pin_cpu(a->cpus[hop++ % a->n])) {
			a->err = errno;
			break;
		}
		if (!mkrep_ucounter_fast(a->c))
			a->slow++;
		if (a->ioctl_every && i % a->ioctl_every == 0)
			ret = mkrep_ucounter_add_ioctl(a->c, 1);
		else
			ret = mkrep_ucounter_add(a->c, 1);
		if (ret) {
			a->err = -ret;
			break;
		}
	}
	__atomic_add_fetch(a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Exact reads, until the total, each at least the one before. */
struct watcher {
	struct mkrep_ucounter *c;
	long long total;
	int adders, done;	/* adders started and finished (__atomic) */
	int err;		/* 1 error, 2 went down, 3 above the total */
	long reads;
};

static void *watch(void *arg)
{
	struct watcher *w = arg;
	long long v, prev = 0;

	for (;;) {
		if (mkrep_ucounter_read_exact(w->c, &v)) {
			w->err = 1;
			return NULL;
		}
		w->reads++;
		if (v < prev)
			w->err = 2;
		if (v > w->total)
			w->err = 3;
		if (w->err || v == w->total ||
		    __atomic_load_n(&w->done, __ATOMIC_ACQUIRE) ==
		    __atomic_load_n(&w->adders, __ATOMIC_ACQUIRE))
			return NULL;
		prev = v;
		sched_yield();
	}
}

static void run_adders(struct __test_metadata *_metadata,
		       struct mkrep_ucounter *c, const int *cpus, int n,
		       int ioctl_every)
{
	struct adder a[2 * MAX_CPUS];
	struct watcher w = { .c = c };
	pthread_t t[2 * MAX_CPUS], wt;
	int i, nt = 2 * n;
	long long v = 0;
	int64_t iv = 0;

	w.total = (long long)nt * ADDS;
	w.adders = nt;
	ASSERT_EQ(0, pthread_create(&wt, NULL, watch, &w));
	/* From here on, the watcher and the adders are joined on every path. */
	for (i = 0; i < nt; i++) {
		a[i] = (struct adder){ .c = c, .cpus = cpus, .n = n,
				       .index = i, .ioctl_every = ioctl_every,
				       .done = &w.done };
		if (pthread_create(&t[i], NULL, add_many, &a[i]))
			break;
	}
	/* What started runs to its end: its state is on this stack. */
	EXPECT_EQ(nt, i);
	if (i < nt) {
		w.total = (long long)i * ADDS;
		__atomic_store_n(&w.adders, i, __ATOMIC_RELEASE);
		nt = i;
	}
	for (i = 0; i < nt; i++) {
		EXPECT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, a[i].err);
		/* Else this would test the ioctl alone. */
		EXPECT_EQ(0, a[i].slow);
	}
	EXPECT_EQ(0, pthread_join(wt, NULL));
	EXPECT_EQ(0, w.err)
		TH_LOG("exact reads: 1 error, 2 went down, 3 above the total");
	ASSERT_EQ(0, mkrep_ucounter_read_exact(c, &v));
	EXPECT_EQ(w.total, v);
	ASSERT_EQ(0, counter_read(c->fd, MKREP_COUNTER_EXACT, &iv));
	EXPECT_EQ(w.total, iv);
	TH_LOG("%d threads, %lld adds, %ld exact reads while they ran", nt,
	       w.total, w.reads);
}

/*
 * On one CPU, exact reads by sequence and by ioctl in turn, local reads
 * both ways between them, while every other CPU adds: a local read is
 * never below the exact read before it on this CPU, nor below the local
 * read before it.
 */
TEST_F(mapped, local_reads_never_go_back)
{
	struct adder a[MAX_CPUS];
	pthread_t t[MAX_CPUS];
	long long v = 0, floor = 0, local = 0;
	int i, k, nt = 0, done = 0, back = 0, errors = 0;
	int64_t iv = 0;

	for (i = 1; i < self->n; i++) {
		a[nt] = (struct adder){ .c = &self->c, .cpus = &self->cpus[i],
					.n = 1, .index = 0, .done = &done };
		if (pthread_create(&t[nt], NULL, add_many, &a[nt]))
			break;
		nt++;
	}
	EXPECT_EQ(self->n - 1, nt);
	ASSERT_EQ(0, mk_pin_cpu(self->cpus[0]));
	for (k = 0; __atomic_load_n(&done, __ATOMIC_ACQUIRE) < nt; k++) {
		if (k % 2)
			errors += !!mkrep_ucounter_read_exact(&self->c, &v);
		else if (!counter_read(self->c.fd, MKREP_COUNTER_EXACT, &iv))
			v = iv;
		else
			errors++;
		back += v < floor;
		floor = v;
		if (k % 3)
			errors += !!mkrep_ucounter_read(&self->c, &local);
		else if (!counter_read(self->c.fd, 0, &iv))
			local = iv;
		else
			errors++;
		back += local < floor;
		floor = local;
	}
	for (i = 0; i < nt; i++)
		EXPECT_EQ(0, pthread_join(t[i], NULL));
	EXPECT_EQ(0, back);
	EXPECT_EQ(0, errors);
	ASSERT_EQ(0, mkrep_ucounter_read_exact(&self->c, &v));
	EXPECT_EQ((long long)nt * ADDS, v);
	TH_LOG("%d rounds of reads while %d CPUs added", k, nt);
}

/* Every CPU at once, through the sequences only. */
TEST_F(mapped, every_cpu_adds)
{
	run_adders(_metadata, &self->c, self->cpus, self->n, 0);
}

/*
 * The ioctl and the sequences on the same slots at once, each ioctl
 * holding its slot 20 µs between its load and its store: a sequence of
 * that CPU that ran meanwhile would lose its add.
 */
TEST_F(mapped, sequences_and_ioctls_mix)
{
	ASSERT_EQ(0, mk_write_str(HOLD, "20"));
	run_adders(_metadata, &self->c, self->cpus, self->n, 8);
	EXPECT_EQ(0, mk_write_str(HOLD, "0"));
	/* At most 100 µs: the parameter refuses more. */
	EXPECT_EQ(-EINVAL, mk_write_str(HOLD, "101"));
	EXPECT_EQ(0, mk_read_long(HOLD));
}

/*
 * rseq unregistered (as GLIBC_TUNABLES=glibc.pthread.rseq=0 would leave
 * it): the same calls take the ioctl and count as well.
 */
TEST_F(mapped, without_rseq)
{
	long long v = 0;
	int status;
	pid_t pid;

	ASSERT_TRUE(mkrep_ucounter_fast(&self->c));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char *rs = (char *)__builtin_thread_pointer() + __rseq_offset;
		int i;

		/* A local read is its CPU's: stay on one. */
		if (mk_pin_cpu(self->cpus[0]))
			_exit(6);
		/*
		 * Unregistering takes the length glibc registered: 32 (the
		 * whole struct rseq) where __rseq_size says 20, or more.
		 */
		if (syscall(__NR_rseq, rs, 32, 1 /* UNREGISTER */, RSEQ_SIG) &&
		    syscall(__NR_rseq, rs, __rseq_size, 1, RSEQ_SIG) &&
		    syscall(__NR_rseq, rs, (__rseq_size + 31) & ~31U, 1,
			    RSEQ_SIG))
			_exit(1);
		if (mkrep_ucounter_fast(&self->c))
			_exit(2);
		for (i = 0; i < 1000; i++)
			if (mkrep_ucounter_add(&self->c, 3))
				_exit(3);
		if (mkrep_ucounter_read_exact(&self->c, &v) || v != 3000)
			_exit(4);
		if (mkrep_ucounter_read(&self->c, &v) || v != 3000)
			_exit(5);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("1 unregister, 2 still fast, 3 add, 4 exact, 5 local, 6 pin");
	ASSERT_EQ(0, mkrep_ucounter_read_exact(&self->c, &v));
	EXPECT_EQ(3000, v);
}

/*
 * Whatever the process writes into the slots is what the counter holds:
 * the kernel sums @count, wrapping, and a local read is @base + @count.
 */
TEST_F(mapped, garbage_is_summed)
{
	uint64_t sum = 0;
	int64_t v = 0;
	unsigned int i;

	srand(getpid());
	for (i = 0; i < self->c.nr_slots; i++) {
		self->c.slots[i].count = ((int64_t)rand() << 33) ^
					 ((int64_t)rand() << 2) ^ rand();
		self->c.slots[i].base = ((int64_t)rand() << 31) ^ rand();
		self->c.slots[i].__unused[3] = ~0ULL;
	}
	self->c.slots[0].count = INT64_MAX;	/* the sum wraps */
	for (i = 0; i < self->c.nr_slots; i++)
		sum += (uint64_t)self->c.slots[i].count;

	ASSERT_EQ(0, mk_pin_cpu(self->cpus[1]));
	ASSERT_EQ(0, counter_read(self->c.fd, 0, &v));
	EXPECT_EQ((int64_t)((uint64_t)self->c.slots[self->cpus[1]].base +
			    (uint64_t)self->c.slots[self->cpus[1]].count), v);
	ASSERT_EQ(0, counter_read(self->c.fd, MKREP_COUNTER_EXACT, &v));
	EXPECT_EQ((int64_t)sum, v);
	ASSERT_EQ(0, counter_read(self->c.fd, 0, &v));
	EXPECT_EQ((int64_t)sum, v);
	ASSERT_EQ(0, mkrep_ucounter_add_ioctl(&self->c, INT64_MAX));
	ASSERT_EQ(0, counter_read(self->c.fd, MKREP_COUNTER_EXACT, &v));
	EXPECT_EQ((int64_t)(sum + (uint64_t)INT64_MAX), v);
}

/*
 * The mapping holds the counter: it lives on after its descriptor is
 * closed, is shared with a child, and goes with the last unmap.
 */
TEST_F(mapped, mapping_holds_the_counter)
{
	struct mkrep_ucounter c = self->c;
	long before = mk_mkrep_count("counters");
	long long v = 0;
	int status;
	pid_t pid;

	ASSERT_LE(1, before);
	close(self->c.fd);
	self->c.fd = -1;
	c.fd = -1;
	EXPECT_EQ(before, mk_mkrep_count("counters"));
	ASSERT_EQ(0, mkrep_ucounter_add(&c, 5));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int i;

		for (i = 0; i < 1000; i++)
			if (mkrep_ucounter_add(&c, 1))
				_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, mkrep_ucounter_read_exact(&c, &v));
	EXPECT_EQ(1005, v);

	mkrep_ucounter_close(&self->c);
	EXPECT_EQ(before - 1, mk_objects_settle("mkrep", "counters",
						before - 1, 1000));
}

/*
 * madvise(MADV_DONTNEED) zaps the mapping: the same pages come back, and
 * the write fault that maps one back is no write to the file (its times
 * stay; a tick later, a new time would differ).
 */
TEST_F(mapped, dontneed_keeps_the_count)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	struct stat st0, st1;
	long long v = 0;
	int64_t iv = 0;

	ASSERT_EQ(0, mkrep_ucounter_add(&self->c, 41));
	ASSERT_EQ(0, madvise(self->c.slots, self->c.map_size,
			     MADV_DONTNEED));
	ASSERT_EQ(0, fstat(self->c.fd, &st0));
	nanosleep(&pause, NULL);
	/* A write fault first, with no read before it (an add reads). */
	self->c.slots[0].__unused[0] = 0;
	ASSERT_EQ(0, mkrep_ucounter_add(&self->c, 1));
	ASSERT_EQ(0, fstat(self->c.fd, &st1));
	EXPECT_EQ(st0.st_mtim.tv_sec, st1.st_mtim.tv_sec);
	EXPECT_EQ(st0.st_mtim.tv_nsec, st1.st_mtim.tv_nsec);
	EXPECT_EQ(st0.st_ctim.tv_sec, st1.st_ctim.tv_sec);
	EXPECT_EQ(st0.st_ctim.tv_nsec, st1.st_ctim.tv_nsec);
	ASSERT_EQ(0, mkrep_ucounter_read_exact(&self->c, &v));
	EXPECT_EQ(42, v);
	ASSERT_EQ(0, counter_read(self->c.fd, MKREP_COUNTER_EXACT, &iv));
	EXPECT_EQ(42, iv);
}

/* A CPU's slot keeps its count while the CPU is offline. */
TEST_F_TIMEOUT(mapped, offline_cpu_keeps_its_count, 60)
{
	int cpu = self->cpus[self->n - 1];
	long long v = 0;
	int ret;

	ASSERT_EQ(0, mk_pin_cpu(cpu));
	ASSERT_EQ(0, mkrep_ucounter_add(&self->c, 77));
	ASSERT_EQ(0, mk_pin_cpu(self->cpus[0]));
	ASSERT_EQ(0, mkrep_ucounter_add(&self->c, 1));
	ret = mk_set_cpu_online(cpu, 0);
	ASSERT_EQ(0, ret);
	ret = mkrep_ucounter_read_exact(&self->c, &v);
	EXPECT_EQ(0, mk_set_cpu_online(cpu, 1));
	ASSERT_EQ(0, ret);
	EXPECT_EQ(78, v);
	EXPECT_EQ(77, self->c.slots[cpu].count);
}

TEST_HARNESS_MAIN
