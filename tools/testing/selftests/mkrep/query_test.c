// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mkrep: the module is bound to mkchan and answers its query; every
 * bad argument gets its errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/mkchan.h>
#include <linux/mkrep.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open("/dev/mkrep", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/mkrep: %s", strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

static int query(int fd, struct mkrep_query *q)
{
	return ioctl(fd, MKREP_IOC_QUERY, q) ? errno : 0;
}

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat("/dev/mkrep", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 0777);
}

TEST(bound_to_mkchan)
{
	struct stat st;

	/* mkrep takes symbols from mkchan, so mkchan lists it as a holder. */
	EXPECT_EQ(0, stat("/sys/module/mkchan/holders/mkrep", &st))
		TH_LOG("mkrep does not hold mkchan: %s", strerror(errno));
}

TEST_F(dev, query)
{
	struct mkchan_query cq = { .size = sizeof(cq) };
	struct mkrep_query q = { .size = sizeof(q) };
	long last;
	int cfd;

	ASSERT_EQ(0, query(self->fd, &q));
	EXPECT_EQ(sizeof(q), q.size);
	EXPECT_EQ(MKREP_ABI_VERSION, q.abi_version);
	EXPECT_EQ(MKREP_FEAT_QUERY, q.features & MKREP_FEAT_QUERY);
	EXPECT_EQ(mk_sysfs_list_count("/sys/devices/system/cpu/online", &last),
		  q.nr_online_cpus);
	EXPECT_EQ(0, q.__reserved[0]);
	EXPECT_EQ(0, q.__reserved[1]);

	/* What mkrep reports of mkchan is what mkchan reports itself. */
	cfd = open("/dev/mkchan", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, ioctl(cfd, MKCHAN_IOC_QUERY, &cq));
	EXPECT_EQ(cq.abi_version, q.mkchan_abi_version);
	EXPECT_EQ(cq.nr_online_cpus, q.nr_online_cpus);
	close(cfd);
}

TEST_F(dev, unknown_ioctl)
{
	struct mkchan_query cq = { .size = sizeof(cq) };

	EXPECT_EQ(-1, ioctl(self->fd, MKCHAN_IOC_QUERY, &cq));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(MKCHAN_IOC_MAGIC, 0x7f,
					    struct mkrep_query), &cq));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, bad_size)
{
	struct {
		struct mkrep_query q;
		__u64 future;
	} e;

	memset(&e, 0, sizeof(e));
	e.q.size = MKREP_QUERY_SIZE_VER0 - 8;
	EXPECT_EQ(EINVAL, query(self->fd, &e.q));
	e.q.size = 0;
	EXPECT_EQ(EINVAL, query(self->fd, &e.q));
	e.q.size = sizeof(e);
	e.future = 1;
	EXPECT_EQ(E2BIG, query(self->fd, &e.q));
	e.future = 0;
	EXPECT_EQ(0, query(self->fd, &e.q));
	EXPECT_EQ(sizeof(e.q), e.q.size);
}

TEST_F(dev, unknown_flags_and_reserved)
{
	struct mkrep_query q = { .size = sizeof(q) };

	q.flags = 1;
	EXPECT_EQ(EINVAL, query(self->fd, &q));
	q.flags = 0;
	q.__reserved[0] = 1;
	EXPECT_EQ(EINVAL, query(self->fd, &q));
	q.__reserved[0] = 0;
	EXPECT_EQ(0, query(self->fd, &q));
}

TEST_F(dev, bad_pointer)
{
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_QUERY, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_HARNESS_MAIN
