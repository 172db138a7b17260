// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mkrep: the module is bound to mkchan and answers its query (ABI
 * version 2, spaces and counters); every bad argument gets its errno;
 * debugfs counts its objects, a member fd and its window included.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/mkchan.h>
#include <linux/mkrep.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"
#include "libmkchan.h"

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
	EXPECT_EQ(3, q.abi_version);
	EXPECT_EQ(MKREP_FEAT_QUERY, q.features & MKREP_FEAT_QUERY);
	EXPECT_EQ(MKREP_FEAT_SPACE, q.features & MKREP_FEAT_SPACE);
	EXPECT_EQ(MKREP_FEAT_COUNTER, q.features & MKREP_FEAT_COUNTER);
	EXPECT_EQ(MKREP_FEAT_COUNTER_SLOPPY,
		  q.features & MKREP_FEAT_COUNTER_SLOPPY);
	EXPECT_EQ(MKREP_FEAT_COUNTER_MAP, q.features & MKREP_FEAT_COUNTER_MAP);
	/* No bit this header does not know. */
	EXPECT_EQ(0, q.features & ~(MKREP_FEAT_QUERY | MKREP_FEAT_SPACE |
				    MKREP_FEAT_COUNTER |
				    MKREP_FEAT_COUNTER_SLOPPY |
				    MKREP_FEAT_COUNTER_MAP));
	EXPECT_LT(0, q.max_space_pages);
	EXPECT_EQ(0, q.__pad);
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

/*
 * The device serves its own numbers only: not mkchan's, not a space's or
 * a member's, not the numbers version 1 of the ABI retired.
 */
TEST_F(dev, unknown_ioctl)
{
	static const unsigned int others[] = {
		MKREP_IOC_JOIN, MKREP_IOC_OP, MKREP_IOC_APPLY,
		MKREP_IOC_SPACE_INFO, 0xC030B842, 0xC040B843, 0xC020B844,
	};
	struct mkchan_query cq = { .size = sizeof(cq) };
	__u64 buf[16];
	unsigned int i;

	EXPECT_EQ(-1, ioctl(self->fd, MKCHAN_IOC_QUERY, &cq));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(MKCHAN_IOC_MAGIC, 0x7f,
					    struct mkrep_query), &cq));
	EXPECT_EQ(ENOTTY, errno);
	for (i = 0; i < ARRAY_SIZE(others); i++) {
		memset(buf, 0, sizeof(buf));
		buf[0] = _IOC_SIZE(others[i]);
		EXPECT_EQ(-1, ioctl(self->fd, others[i], buf))
			TH_LOG("%#x", others[i]);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("%#x", others[i]);
	}
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
	q.__pad = 1;
	EXPECT_EQ(EINVAL, query(self->fd, &q));
	q.__pad = 0;
	EXPECT_EQ(0, query(self->fd, &q));
}

TEST_F(dev, bad_pointer)
{
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_QUERY, NULL));
	EXPECT_EQ(EFAULT, errno);
}

/*
 * /sys/kernel/debug/mkrep/objects counts spaces, members, the pages of
 * spaces and counters as they come and go.  The window holds the member
 * and the space: neither closing the space fd nor closing the member fd
 * frees anything; unmapping the window does.
 */
TEST_F(dev, object_counts)
{
	struct mkrep_counter_create cc = { .size = sizeof(cc) };
	struct mkrep_space_create sc = { .size = sizeof(sc) };
	struct mkrep_op op = { .size = sizeof(op) };
	long page = sysconf(_SC_PAGESIZE);
	struct mkrep_join j = { .size = sizeof(j) };
	struct mkrep_space_info info;
	struct mkrep_replica r;
	void *st;

	ASSERT_EQ(0, mk_mkrep_count("spaces"))
		TH_LOG("/sys/kernel/debug/mkrep/objects: %s", strerror(errno));
	ASSERT_EQ(0, mk_mkrep_count("members"));
	ASSERT_EQ(0, mk_mkrep_count("pages"));
	ASSERT_EQ(0, mk_mkrep_count("counters"));

	ASSERT_EQ(0, ioctl(self->fd, MKREP_IOC_COUNTER_CREATE, &cc));
	EXPECT_EQ(1, mk_mkrep_count("counters"));
	close(cc.fd);
	EXPECT_EQ(0, mk_mkrep_count("counters"));

	sc.length = 4 * page;
	ASSERT_EQ(0, ioctl(self->fd, MKREP_IOC_SPACE_CREATE, &sc));
	EXPECT_EQ(1, mk_mkrep_count("spaces"));
	EXPECT_EQ(0, mk_mkrep_count("pages"));
	j.cpu = sched_getcpu();
	ASSERT_EQ(0, mk_pin_cpu(j.cpu));
	ASSERT_EQ(0, ioctl(sc.fd, MKREP_IOC_JOIN, &j));
	EXPECT_LE(0, j.fd);
	EXPECT_NE(sc.fd, j.fd);
	EXPECT_EQ(4 * page, j.length);
	EXPECT_EQ(1, mk_mkrep_count("members"));
	/* The member's status page, read-only. */
	st = mmap(NULL, page, PROT_READ, MAP_SHARED, j.fd,
		  MKREP_STATUS_OFFSET);
	ASSERT_NE(MAP_FAILED, st) TH_LOG("status page: %s", strerror(errno));
	EXPECT_EQ(0, ((const struct mkrep_member_status *)st)->waiting);

	/* Operations go to the member fd, not to the space. */
	op.op = MKREP_OP_MAP;
	op.prot = MKREP_PROT_READ;
	op.offset = page;
	op.length = 3 * page;
	EXPECT_EQ(-1, ioctl(sc.fd, MKREP_IOC_OP, &op));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(0, mk_mkrep_count("pages"));
	ASSERT_EQ(0, ioctl(j.fd, MKREP_IOC_OP, &op));
	EXPECT_EQ(3, mk_mkrep_count("pages"));
	op.op = MKREP_OP_UNMAP;
	op.prot = 0;
	op.length = page;
	ASSERT_EQ(0, ioctl(j.fd, MKREP_IOC_OP, &op));
	EXPECT_EQ(2, mk_mkrep_count("pages"));

	/* The window holds the space and the member. */
	close(sc.fd);
	EXPECT_EQ(1, mk_mkrep_count("spaces"));
	close(j.fd);
	EXPECT_EQ(1, mk_mkrep_count("spaces"));
	EXPECT_EQ(1, mk_mkrep_count("members"));
	EXPECT_EQ(2, mk_mkrep_count("pages"));
	EXPECT_EQ(0, ((const struct mkrep_member_status *)st)->waiting);
	EXPECT_EQ(0, munmap(st, page));
	EXPECT_EQ(1, mk_mkrep_count("members"));
	EXPECT_EQ(0, munmap((void *)(uintptr_t)j.addr, j.length));
	EXPECT_EQ(0, mk_mkrep_count("spaces"));
	EXPECT_EQ(0, mk_mkrep_count("members"));
	EXPECT_EQ(0, mk_mkrep_count("pages"));

	/* The same with libmkchan's calls. */
	sc.fd = mkrep_space_create(self->fd, 2 * page, MKREP_STRATEGY_TREE, 0);
	ASSERT_LE(0, sc.fd);
	ASSERT_EQ(0, mkrep_join(sc.fd, j.cpu, &r));
	ASSERT_EQ(0, mkrep_op(&r, MKREP_OP_MAP, MKREP_PROT_READ, 0, 2 * page,
			      NULL));
	ASSERT_EQ(0, mkrep_space_info(sc.fd, &info));
	EXPECT_EQ(1, info.nr_members);
	EXPECT_EQ(2, info.mapped_pages);
	EXPECT_EQ(2, mk_mkrep_count("pages"));
	EXPECT_EQ(0, mkrep_waiting(&r));
	/* The window, the member fd and the status page: the member goes. */
	mkrep_leave(&r);
	EXPECT_EQ(0, mk_mkrep_count("members"));
	ASSERT_EQ(0, mkrep_space_info(sc.fd, &info));
	EXPECT_EQ(0, info.nr_members);
	EXPECT_EQ(1, info.removed);
	close(sc.fd);
	EXPECT_EQ(0, mk_mkrep_count("spaces"));
	EXPECT_EQ(0, mk_mkrep_count("pages"));
}

TEST_HARNESS_MAIN
