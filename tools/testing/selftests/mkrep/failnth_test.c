// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures in mkrep: making a space or a counter, joining a
 * space that has another member (replica, channels, window), mapping and
 * unmapping pages, each run with the first, second, third... injectable
 * allocation of the task failing, until it runs without one.  Every run
 * must fail with ENOMEM or succeed and leave nothing behind (mkchan's
 * channel count, mkrep's counts of spaces, members, pages and counters,
 * the space's mapped pages); the runner checks kmemleak after the modules
 * are unloaded.  Needs KFLAVOUR=debug.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"

#define MAX_POINTS	10000
#define NPAGES		8

static int space_fd = -1;	/* the space the member operations use */
static uint64_t window;		/* this process's window on it, if joined */
static long page_size;

static int dev_ioctl(unsigned long cmd, void *arg)
{
	int dev = open("/dev/mkrep", O_RDWR | O_CLOEXEC), ret = 0;

	if (dev < 0)
		return -errno;
	if (ioctl(dev, cmd, arg))
		ret = -errno;
	close(dev);
	return ret;
}

static int op_space_create(int *fd)
{
	struct mkrep_space_create c = {
		.size = sizeof(c), .length = NPAGES * page_size,
		.strategy = MKREP_STRATEGY_TREE,
	};
	int ret = dev_ioctl(MKREP_IOC_SPACE_CREATE, &c);

	*fd = ret ? -1 : c.fd;
	return ret;
}

static int op_counter_create(int *fd)
{
	struct mkrep_counter_create c = {
		.size = sizeof(c), .mode = MKREP_COUNTER_READ_MOSTLY,
	};
	int ret = dev_ioctl(MKREP_IOC_COUNTER_CREATE, &c);

	*fd = ret ? -1 : c.fd;
	return ret;
}

static int op_join(int *fd)
{
	struct mkrep_join j = { .size = sizeof(j), .cpu = sched_getcpu() };

	if (ioctl(space_fd, MKREP_IOC_JOIN, &j))
		return -errno;
	window = j.addr;
	return 0;
}

static int range_op(unsigned int op, unsigned int prot)
{
	struct mkrep_op o = {
		.size = sizeof(o), .op = op, .prot = prot,
		.length = NPAGES * page_size,
	};

	return ioctl(space_fd, MKREP_IOC_OP, &o) ? -errno : 0;
}

static int op_map(int *fd)
{
	return range_op(MKREP_OP_MAP, MKREP_PROT_READ);
}

static int op_unmap(int *fd)
{
	return range_op(MKREP_OP_UNMAP, 0);
}

static long mapped_pages(void)
{
	struct mkrep_space_info info = { .size = sizeof(info) };

	return ioctl(space_fd, MKREP_IOC_SPACE_INFO, &info) ? -1 :
	       info.mapped_pages;
}

static void leave(void)
{
	if (window)
		munmap((void *)window, NPAGES * page_size);
	window = 0;
}

#define NR_OBJECTS	4

/* mkrep's object counts in debugfs: spaces, members, pages, counters. */
static void objects(long *v)
{
	static const char * const names[NR_OBJECTS] = {
		"spaces", "members", "pages", "counters",
	};
	unsigned int i;

	for (i = 0; i < NR_OBJECTS; i++)
		v[i] = mk_mkrep_count(names[i]);
}

/* Whether the counts are those of @before; if not, say so. */
static bool objects_unchanged(const long *before, const char *op,
			      unsigned int n)
{
	long v[NR_OBJECTS];

	objects(v);
	if (!memcmp(before, v, sizeof(v)))
		return true;
	ksft_print_msg("%s, allocation %u: mkrep objects %ld %ld %ld %ld, were %ld %ld %ld %ld\n",
		       op, n, v[0], v[1], v[2], v[3], before[0], before[1],
		       before[2], before[3]);
	return false;
}

enum { NEEDS_NOTHING, NEEDS_SPACE, NEEDS_MEMBER, NEEDS_MAPPED };

struct op {
	const char *name;
	int (*run)(int *fd);
	int needs;		/* made before, without injection */
};

static const struct op ops[] = {
	{ "MKREP_IOC_SPACE_CREATE", op_space_create, NEEDS_NOTHING },
	{ "MKREP_IOC_COUNTER_CREATE", op_counter_create, NEEDS_NOTHING },
	{ "MKREP_IOC_JOIN beside another member", op_join, NEEDS_SPACE },
	{ "MKREP_IOC_OP map", op_map, NEEDS_MEMBER },
	{ "MKREP_IOC_OP unmap", op_unmap, NEEDS_MAPPED },
};

FIXTURE(inject) {
	pid_t other;
};

/* The other member serves from a thread asleep in MKREP_SERVE_WAIT. */
static void other_member(int cpu)
{
	struct mkrep_join j = { .size = sizeof(j), .cpu = cpu };
	struct mkrep_serve s = { .size = sizeof(s), .flags = MKREP_SERVE_WAIT };

	if (mk_pin_cpu(cpu) || ioctl(space_fd, MKREP_IOC_JOIN, &j))
		_exit(1);
	for (;;)
		ioctl(space_fd, MKREP_IOC_SERVE, &s);
}

FIXTURE_SETUP(inject)
{
	cpu_set_t set;
	int cpus[2], n = 0, i;

	self->other = -1;
	page_size = sysconf(_SC_PAGESIZE);
	/* The test skips (the harness of 6.1 runs it after a setup SKIP). */
	if (!mk_fail_nth_available())
		return;
	ASSERT_EQ(0, mk_fail_nth_setup());
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	ASSERT_EQ(2, n);
	ASSERT_EQ(0, op_space_create(&space_fd));
	self->other = fork();
	ASSERT_LE(0, self->other);
	if (!self->other)
		other_member(cpus[1]);
	ASSERT_EQ(0, mk_pin_cpu(cpus[0]));
	/* Until the other member is in. */
	for (i = 0; i < 10000; i++) {
		struct mkrep_space_info info = { .size = sizeof(info) };

		ASSERT_EQ(0, ioctl(space_fd, MKREP_IOC_SPACE_INFO, &info));
		if (info.nr_members == 1)
			break;
		usleep(1000);
	}
	ASSERT_GT(10000, i);
}

FIXTURE_TEARDOWN(inject)
{
	mk_fail_nth(0);
	leave();
	if (self->other > 0) {
		kill(self->other, SIGKILL);
		waitpid(self->other, NULL, 0);
	}
	if (space_fd >= 0)
		close(space_fd);
	space_fd = -1;
}

/* Make what @needs asks for, without injection. */
static int prepare(int needs)
{
	int ret = 0;

	if (needs >= NEEDS_MEMBER && !window)
		ret = op_join(NULL);
	if (!ret && needs == NEEDS_MAPPED)
		ret = op_map(NULL);
	return ret;
}

/* Undo what a successful run made. */
static void undo(const struct op *op, int fd)
{
	if (fd >= 0)
		close(fd);
	if (op->run == op_join)
		leave();
	if (op->run == op_map)
		op_unmap(NULL);
}

TEST_F_TIMEOUT(inject, every_failure_point, 240)
{
	long channels, alone, before[NR_OBJECTS];
	unsigned int i, n, total = 0;
	int ret, hit, fd;

	if (!mk_fail_nth_available())
		SKIP(return, "no fault injection in this kernel (KFLAVOUR=debug has it)");

	/* The other member alone has no channel. */
	alone = mk_mkchan_count("channels");
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		for (n = 1; n < MAX_POINTS; n++) {
			ASSERT_EQ(0, prepare(ops[i].needs)) TH_LOG("%s", ops[i].name);
			/*
			 * A join first reaps the members that left (a run that
			 * succeeded): it leaves the channels of the other
			 * member alone.
			 */
			channels = ops[i].run == op_join ? alone :
				   mk_mkchan_count("channels");
			objects(before);
			if (ops[i].run == op_join)
				before[1] = 1;	/* the other member */
			fd = -1;
			ASSERT_EQ(0, mk_fail_nth(n));
			ret = ops[i].run(&fd);
			hit = mk_fail_nth_hit();
			mk_fail_nth(0);
			if (!hit) {
				/* Past the last allocation: it must work. */
				EXPECT_EQ(0, ret) TH_LOG("%s", ops[i].name);
				undo(&ops[i], fd);
				break;
			}
			if (ret) {
				EXPECT_EQ(-ENOMEM, ret)
					TH_LOG("%s, allocation %u: %s",
					       ops[i].name, n, strerror(-ret));
				/* Nothing is left behind by a failed attempt. */
				ASSERT_EQ(channels, mk_mkchan_count("channels"))
					TH_LOG("%s, allocation %u", ops[i].name, n);
				ASSERT_TRUE(objects_unchanged(before, ops[i].name, n));
				if (ops[i].run == op_map)
					ASSERT_EQ(0, mapped_pages());
			}
			undo(&ops[i], fd);
		}
		EXPECT_GT(MAX_POINTS, n);
		/* The space holds room for an UNMAP's pages: it allocates nothing. */
		if (ops[i].run == op_unmap)
			EXPECT_EQ(1, n) TH_LOG("MKREP_IOC_OP unmap allocates");
		TH_LOG("%s: %u failure points", ops[i].name, n - 1);
		total += n - 1;
	}
	TH_LOG("%u failure points in all", total);
	EXPECT_LT(5, total);

	/* The space works afterwards, with both members. */
	ASSERT_EQ(0, prepare(NEEDS_MAPPED));
	EXPECT_EQ(NPAGES, mapped_pages());
	EXPECT_EQ(0, op_unmap(NULL));
	EXPECT_EQ(0, mapped_pages());
	EXPECT_EQ(0, mk_mkrep_count("pages"));
	EXPECT_EQ(2, mk_mkrep_count("members"));
}

TEST_HARNESS_MAIN
