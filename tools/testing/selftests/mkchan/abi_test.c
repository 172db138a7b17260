// SPDX-License-Identifier: GPL-2.0
/*
 * mkchan's ioctl ABI: the numbers are frozen, and every ioctl is called
 * with every number and argument size a binary may pass - older sizes
 * and numbers, a larger struct with a zero or non-zero tail, too small
 * a struct, another direction, type or number.  The kernel writes back
 * no more than the caller's struct and tells its own size.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/mkchan.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"
#include "../mkernel_abi.h"

/* The numbers of version 1 of the ABI, as every binary has them. */
TEST(frozen_numbers)
{
	EXPECT_EQ(0xB8, MKCHAN_IOC_MAGIC);
	EXPECT_EQ(0xC048B800, MKCHAN_IOC_QUERY);
	EXPECT_EQ(0xC030B801, MKCHAN_IOC_CPU_INFO);
	EXPECT_EQ(0xC030B802, MKCHAN_IOC_CREATE);
	EXPECT_EQ(0x0000B810, MKCHAN_IOC_NOTIFY);
	EXPECT_EQ(0xC090B811, MKCHAN_IOC_EP_INFO);
}

FIXTURE(dev) {
	int fd;
	unsigned int cpu;
};

FIXTURE_SETUP(dev)
{
	self->fd = open("/dev/mkchan", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/mkchan: %s", strerror(errno));
	self->cpu = sched_getcpu();
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

/* Numbers /dev/mkchan does not serve: an endpoint's, mkrep's, free ones. */
static const unsigned int dev_unknown[] = { 0x03, 0x10, 0x11, 0x3f, 0x40, 0 };

static int dev_open(void *ctx)
{
	return ((FIXTURE_DATA(dev) *)ctx)->fd;
}

static void no_fill(void *ctx, void *arg)
{
}

static void query_close(struct __test_metadata *_metadata, void *ctx, int fd,
			const void *arg, __u32 usize, int ret)
{
	const struct mkchan_query *q = arg;

	if (ret)
		return;
	EXPECT_EQ(MKCHAN_ABI_VERSION, q->abi_version);
	EXPECT_EQ(MKCHAN_FEAT_QUERY, q->features & MKCHAN_FEAT_QUERY);
	EXPECT_EQ(sysconf(_SC_PAGESIZE), q->page_size);
}

TEST_F(dev, query)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKCHAN_IOC_QUERY",
		.cmd = MKCHAN_IOC_QUERY,
		.ksize = sizeof(struct mkchan_query),
		.sizes = { MKCHAN_QUERY_SIZE_VER0 },
		.open = dev_open,
		.fill = no_fill,
		.close = query_close,
	};

	mk_abi_check(_metadata, &io, self, dev_unknown);
}

static void cpu_info_fill(void *ctx, void *arg)
{
	struct mkchan_cpu_info *ci = arg;

	ci->cpu = ((FIXTURE_DATA(dev) *)ctx)->cpu;
}

static void cpu_info_close(struct __test_metadata *_metadata, void *ctx,
			   int fd, const void *arg, __u32 usize, int ret)
{
	const struct mkchan_cpu_info *ci = arg;

	if (ret)
		return;
	EXPECT_EQ(((FIXTURE_DATA(dev) *)ctx)->cpu, ci->cpu);
	EXPECT_EQ(MKCHAN_CPU_POSSIBLE, ci->state & MKCHAN_CPU_POSSIBLE);
}

TEST_F(dev, cpu_info)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKCHAN_IOC_CPU_INFO",
		.cmd = MKCHAN_IOC_CPU_INFO,
		.ksize = sizeof(struct mkchan_cpu_info),
		.sizes = { MKCHAN_CPU_INFO_SIZE_VER0 },
		.open = dev_open,
		.fill = cpu_info_fill,
		.close = cpu_info_close,
	};

	mk_abi_check(_metadata, &io, self, dev_unknown);
}

static void create_fill(void *ctx, void *arg)
{
	unsigned int cpu = ((FIXTURE_DATA(dev) *)ctx)->cpu;
	struct mkchan_create *c = arg;

	c->cpu[0] = cpu;
	c->cpu[1] = cpu;
	c->nslots = MKCHAN_MIN_SLOTS;
}

/* Every channel a call made is closed again. */
static void create_close(struct __test_metadata *_metadata, void *ctx,
			 int fd, const void *arg, __u32 usize, int ret)
{
	const struct mkchan_create *c = arg;

	if (ret)
		return;
	EXPECT_LE(0, c->fd[0]);
	EXPECT_LE(0, c->fd[1]);
	EXPECT_NE(c->fd[0], c->fd[1]);
	if (c->fd[0] >= 0)
		close(c->fd[0]);
	if (c->fd[1] >= 0 && c->fd[1] != c->fd[0])
		close(c->fd[1]);
}

TEST_F(dev, create)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKCHAN_IOC_CREATE",
		.cmd = MKCHAN_IOC_CREATE,
		.ksize = sizeof(struct mkchan_create),
		.sizes = { MKCHAN_CREATE_SIZE_VER0 },
		.open = dev_open,
		.fill = create_fill,
		.close = create_close,
	};
	long before = mk_mkchan_count("channels");

	mk_abi_check(_metadata, &io, self, dev_unknown);
	/* No call left a channel behind, made or refused. */
	EXPECT_EQ(before, mk_mkchan_count("channels"));
}

/* One channel, both endpoints on the test's CPU. */
FIXTURE(ep) {
	int fd[2];
};

FIXTURE_SETUP(ep)
{
	struct mkchan_create c = {
		.size = sizeof(c), .nslots = MKCHAN_MIN_SLOTS,
	};
	int dev;

	c.cpu[0] = sched_getcpu();
	c.cpu[1] = c.cpu[0];
	dev = open("/dev/mkchan", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev) TH_LOG("open /dev/mkchan: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(dev, MKCHAN_IOC_CREATE, &c))
		TH_LOG("MKCHAN_IOC_CREATE: %s", strerror(errno));
	close(dev);
	self->fd[0] = c.fd[0];
	self->fd[1] = c.fd[1];
}

FIXTURE_TEARDOWN(ep)
{
	close(self->fd[0]);
	close(self->fd[1]);
}

/* Numbers an endpoint does not serve: the device's, mkrep's, free ones. */
static const unsigned int ep_unknown[] = { 0x01, 0x02, 0x10, 0x12, 0x3f, 0x40, 0 };

static int ep_open(void *ctx)
{
	return ((FIXTURE_DATA(ep) *)ctx)->fd[0];
}

static void ep_info_close(struct __test_metadata *_metadata, void *ctx,
			  int fd, const void *arg, __u32 usize, int ret)
{
	const struct mkchan_ep_info *info = arg;

	if (ret)
		return;
	EXPECT_EQ(0, info->index);
	EXPECT_EQ(MKCHAN_MIN_SLOTS, info->nslots);
	EXPECT_EQ(MKCHAN_MMAP_RO, info->ro_offset);
}

TEST_F(ep, ep_info)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKCHAN_IOC_EP_INFO",
		.cmd = MKCHAN_IOC_EP_INFO,
		.ksize = sizeof(struct mkchan_ep_info),
		.sizes = { MKCHAN_EP_INFO_SIZE_VER0 },
		.open = ep_open,
		.fill = no_fill,
		.close = ep_info_close,
	};

	mk_abi_check(_metadata, &io, self, ep_unknown);
}

/* A command without an argument matches its whole number only. */
TEST_F(ep, notify)
{
	static const unsigned int other[] = {
		_IOC(_IOC_NONE, MKCHAN_IOC_MAGIC, 0x10, 1),
		_IOC(_IOC_NONE, MKCHAN_IOC_MAGIC, 0x10, 8),
		_IOC(_IOC_READ, MKCHAN_IOC_MAGIC, 0x10, 0),
		_IOC(_IOC_WRITE, MKCHAN_IOC_MAGIC, 0x10, 0),
		_IOC(_IOC_READ | _IOC_WRITE, MKCHAN_IOC_MAGIC, 0x10, 0),
		_IOC(_IOC_READ | _IOC_WRITE, MKCHAN_IOC_MAGIC, 0x10, 8),
		_IOC(_IOC_NONE, MKCHAN_IOC_MAGIC + 1, 0x10, 0),
		_IOC(_IOC_NONE, MKCHAN_IOC_MAGIC, 0x13, 0),
	};
	unsigned int i;

	EXPECT_EQ(0, ioctl(self->fd[0], MKCHAN_IOC_NOTIFY, 0));
	EXPECT_EQ(0, ioctl(self->fd[1], MKCHAN_IOC_NOTIFY, 0));
	for (i = 0; i < ARRAY_SIZE(other); i++) {
		EXPECT_EQ(-1, ioctl(self->fd[0], other[i], 0))
			TH_LOG("cmd %#x", other[i]);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("cmd %#x", other[i]);
	}
}

TEST_HARNESS_MAIN
