// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifetime: an open file pins its module, mkrep pins mkchan, and
 * both unload cleanly once released and load again.
 *
 * The tests unload the modules and load them again from the directory in
 * MKERNEL_MODDIR (set by the test runner), so they run in order and leave
 * both modules loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mkchan.h>
#include <linux/mkrep.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"
#include "libmkchan.h"

TEST(moddir_is_set)
{
	ASSERT_NE(NULL, getenv("MKERNEL_MODDIR"))
		TH_LOG("the runner must set MKERNEL_MODDIR to the .ko directory");
	ASSERT_TRUE(mk_module_loaded("mkchan"));
	ASSERT_TRUE(mk_module_loaded("mkrep"));
}

TEST(open_file_pins_module)
{
	struct mkrep_query q = { .size = sizeof(q) };
	int fd = open("/dev/mkrep", O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, mk_module_unload("mkrep"));
	/* Still loaded and working. */
	EXPECT_TRUE(mk_module_loaded("mkrep"));
	EXPECT_EQ(0, ioctl(fd, MKREP_IOC_QUERY, &q));
	close(fd);
}

TEST(mkrep_pins_mkchan)
{
	EXPECT_EQ(-EWOULDBLOCK, mk_module_unload("mkchan"));
	EXPECT_TRUE(mk_module_loaded("mkchan"));
}

TEST(unload_after_close_and_reload)
{
	struct mkchan_query q = { .size = sizeof(q) };
	struct stat st;
	int fd;

	ASSERT_EQ(0, mk_module_unload("mkrep"));
	EXPECT_FALSE(mk_module_loaded("mkrep"));
	EXPECT_EQ(-1, stat("/dev/mkrep", &st));
	EXPECT_EQ(ENOENT, errno);

	fd = open("/dev/mkchan", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, mk_module_unload("mkchan"));
	close(fd);
	ASSERT_EQ(0, mk_module_unload("mkchan"));
	EXPECT_FALSE(mk_module_loaded("mkchan"));
	EXPECT_EQ(-1, stat("/dev/mkchan", &st));
	EXPECT_EQ(ENOENT, errno);

	/* mkrep cannot load without the symbols of mkchan. */
	EXPECT_EQ(-ENOENT, mk_module_load("mkrep"));

	ASSERT_EQ(0, mk_module_load("mkchan"));
	ASSERT_EQ(0, mk_module_load("mkrep"));
	fd = open("/dev/mkchan", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ioctl(fd, MKCHAN_IOC_QUERY, &q));
	EXPECT_EQ(MKCHAN_ABI_VERSION, q.abi_version);
	close(fd);
	EXPECT_EQ(0, stat("/dev/mkrep", &st));
}

TEST(live_channel_pins_module)
{
	struct mkchan_create c = { .size = sizeof(c), .nslots = 64 };
	struct mkchan_ep_info info = { .size = sizeof(info) };
	int dev;
	void *ro;

	ASSERT_EQ(0, mk_module_unload("mkrep"));
	dev = open("/dev/mkchan", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, ioctl(dev, MKCHAN_IOC_CREATE, &c));
	close(dev);

	/* The endpoints hold the module... */
	EXPECT_EQ(-EWOULDBLOCK, mk_module_unload("mkchan"));
	ASSERT_EQ(0, ioctl(c.fd[0], MKCHAN_IOC_EP_INFO, &info));
	ro = mmap(NULL, info.ro_size, PROT_READ, MAP_SHARED, c.fd[0],
		  info.ro_offset);
	ASSERT_NE(MAP_FAILED, ro);
	close(c.fd[0]);
	close(c.fd[1]);
	/* ...and so does a mapping, after the descriptors are gone. */
	EXPECT_EQ(-EWOULDBLOCK, mk_module_unload("mkchan"));
	EXPECT_TRUE(mk_module_loaded("mkchan"));
	ASSERT_EQ(0, munmap(ro, info.ro_size));
	EXPECT_EQ(0, mk_module_unload("mkchan"));

	ASSERT_EQ(0, mk_module_load("mkchan"));
	ASSERT_EQ(0, mk_module_load("mkrep"));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * A member freed right before mkrep goes: its last reference is dropped
 * with call_rcu(), whose callback is mkrep's code, so unloading must wait
 * for it (rcu_barrier()).  Members on every CPU leave by exiting, and
 * mkrep is unloaded as soon as nothing holds it, forty times.  mkrep_exit()
 * WARNs if a free is still pending once it waited, and the runner fails
 * on the WARN: without the wait, ten rounds hit it in one run of three
 * on the 6.12 guest.
 */
TEST(unload_right_after_members_leave)
{
	int cpus = sysconf(_SC_NPROCESSORS_ONLN), round, i, dev, fd, ret;
	pid_t pid[64];
	uint64_t end;

	ASSERT_LT(0, cpus);
	if (cpus > 64)
		cpus = 64;
	for (round = 0; round < 40; round++) {
		dev = mkrep_open();
		ASSERT_LE(0, dev);
		fd = mkrep_space_create(dev, 4 * sysconf(_SC_PAGESIZE),
					MKREP_STRATEGY_BROADCAST, 0);
		ASSERT_LE(0, fd);
		close(dev);
		for (i = 0; i < cpus; i++) {
			pid[i] = fork();
			ASSERT_LE(0, pid[i]);
			if (!pid[i]) {
				struct mkrep_replica r;

				if (mk_pin_cpu(i))
					_exit(0);	/* offline: no member */
				_exit(mkrep_join(fd, i, &r) ? 1 : 0);
			}
		}
		close(fd);
		for (i = 0; i < cpus; i++) {
			ASSERT_EQ(pid[i], waitpid(pid[i], &ret, 0));
			EXPECT_TRUE(WIFEXITED(ret) && !WEXITSTATUS(ret));
		}
		/* A member release may leave the last put to a work item. */
		end = now_ns() + 5000000000ULL;
		while ((ret = mk_module_unload("mkrep")) == -EWOULDBLOCK &&
		       now_ns() < end)
			usleep(1000);
		ASSERT_EQ(0, ret) TH_LOG("round %d: %s", round, strerror(-ret));
		ASSERT_EQ(0, mk_module_load("mkrep"));
	}
}

TEST_HARNESS_MAIN
