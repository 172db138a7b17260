// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep's ioctl ABI, version 3: the numbers are frozen, the structs have
 * the layout the header promises, a binary built against the 40-byte
 * struct mkrep_query or the 88-byte struct mkrep_space_info of version 0
 * is still served, and every ioctl is called with every number and
 * argument size a binary may pass - older sizes and numbers, a larger
 * struct with a zero or non-zero tail, too small a struct, another
 * direction, type or number, on the descriptor that serves it (the
 * device, a space, a member fd, a counter).  The numbers version 1 gave
 * JOIN, OP and SERVE on a space and version 2 gave COUNTER_BENCH are
 * retired: ENOTTY.  Unknown flags and
 * non-zero reserved words are refused; a space's bound is the one asked
 * for, the module's default for 0, at most MKREP_BOUND_MAX_NS.  The
 * kernel writes back no more than the caller's struct and tells its own
 * size, but for MKREP_IOC_COUNTER_ADD, which only reads its argument:
 * it writes nothing, adds once a call that returns 0 and never on one
 * refused, and takes its argument from read-only memory.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/mkchan.h>
#include <linux/mkrep.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"
#include "../mkernel_abi.h"
#include "libmkchan.h"

#define SPACE_PAGES	4

/* The numbers of version 3 of the ABI, as every binary has them. */
TEST(frozen_numbers)
{
	EXPECT_EQ(3, MKREP_ABI_VERSION);
	EXPECT_EQ(0xC030B840, MKREP_IOC_QUERY);
	EXPECT_EQ(0xC028B841, MKREP_IOC_SPACE_CREATE);
	EXPECT_EQ(0xC078B845, MKREP_IOC_SPACE_INFO);
	EXPECT_EQ(0xC030B84A, MKREP_IOC_JOIN);
	EXPECT_EQ(0xC040B84B, MKREP_IOC_OP);
	EXPECT_EQ(0xC028B84C, MKREP_IOC_APPLY);
	EXPECT_EQ(0xC020B846, MKREP_IOC_COUNTER_CREATE);
	EXPECT_EQ(0xC020B847, MKREP_IOC_COUNTER_ADD);
	EXPECT_EQ(0xC028B848, MKREP_IOC_COUNTER_READ);
	EXPECT_EQ(0xC030B84D, MKREP_IOC_COUNTER_INFO);
	EXPECT_EQ(8, MKREP_FEAT_COUNTER_SLOPPY);
	EXPECT_EQ(16, MKREP_FEAT_COUNTER_MAP);
	EXPECT_EQ(2, MKREP_COUNTER_MAP);
	EXPECT_EQ(0, MKREP_COUNTER_MAP_OFFSET);
	EXPECT_EQ(128, MKREP_COUNTER_SLOT_SIZE);
	EXPECT_EQ(0, MKREP_COUNTER_WRITE_MOSTLY);
	EXPECT_EQ(1, MKREP_COUNTER_READ_MOSTLY);
	EXPECT_EQ(2, MKREP_COUNTER_SLOPPY);
	EXPECT_EQ(32, MKREP_COUNTER_SPARE_MAX);
	EXPECT_EQ(1, MKREP_COUNTER_CLOEXEC);
	EXPECT_EQ(1, MKREP_COUNTER_EXACT);
}

#define CHECK_FIELD(type, field, off)					\
	static_assert(offsetof(struct type, field) == (off),		\
		      #type "." #field " at byte " #off)

/* The layouts of the header, checked when the test is built... */
CHECK_FIELD(mkrep_counter_info, nr_slots, 12);
CHECK_FIELD(mkrep_counter_info, map_size, 24);
CHECK_FIELD(mkrep_counter_info, __reserved, 32);
static_assert(sizeof(struct mkrep_counter_info) == 48, "counter info");
CHECK_FIELD(mkrep_counter_slot, count, 0);
CHECK_FIELD(mkrep_counter_slot, base, 8);
static_assert(sizeof(struct mkrep_counter_slot) == 128, "counter slot");
CHECK_FIELD(mkrep_space_create, bound_ns, 24);
CHECK_FIELD(mkrep_space_create, __reserved, 32);
CHECK_FIELD(mkrep_join, fd, 12);
CHECK_FIELD(mkrep_join, addr, 16);
CHECK_FIELD(mkrep_join, length, 24);
CHECK_FIELD(mkrep_op, members, 32);
CHECK_FIELD(mkrep_op, posted, 52);
CHECK_FIELD(mkrep_apply, applied, 8);
CHECK_FIELD(mkrep_apply, op_id, 16);
CHECK_FIELD(mkrep_member_status, waiting, 0);
CHECK_FIELD(mkrep_member_status, posted, 8);
CHECK_FIELD(mkrep_member_status, applied, 64);
CHECK_FIELD(mkrep_space_info, evicted, 64);
CHECK_FIELD(mkrep_space_info, bound_ns, 88);
CHECK_FIELD(mkrep_space_info, fallback, 112);

/* ... and at run time, every field and size of the structs of spaces. */
TEST(struct_layouts)
{
	EXPECT_EQ(40, sizeof(struct mkrep_space_create));
	EXPECT_EQ(40, MKREP_SPACE_CREATE_SIZE_VER0);
	EXPECT_EQ(8, offsetof(struct mkrep_space_create, length));
	EXPECT_EQ(16, offsetof(struct mkrep_space_create, strategy));
	EXPECT_EQ(20, offsetof(struct mkrep_space_create, fd));
	EXPECT_EQ(24, offsetof(struct mkrep_space_create, bound_ns));
	EXPECT_EQ(32, offsetof(struct mkrep_space_create, __reserved));
	EXPECT_EQ(1000000000ULL, MKREP_BOUND_MAX_NS);

	EXPECT_EQ(48, sizeof(struct mkrep_join));
	EXPECT_EQ(48, MKREP_JOIN_SIZE_VER0);
	EXPECT_EQ(8, offsetof(struct mkrep_join, cpu));
	EXPECT_EQ(12, offsetof(struct mkrep_join, fd));
	EXPECT_EQ(16, offsetof(struct mkrep_join, addr));
	EXPECT_EQ(24, offsetof(struct mkrep_join, length));
	EXPECT_EQ(32, offsetof(struct mkrep_join, __reserved));
	EXPECT_EQ(1, MKREP_JOIN_CLOEXEC);

	EXPECT_EQ(64, sizeof(struct mkrep_op));
	EXPECT_EQ(64, MKREP_OP_SIZE_VER0);
	EXPECT_EQ(8, offsetof(struct mkrep_op, op));
	EXPECT_EQ(12, offsetof(struct mkrep_op, prot));
	EXPECT_EQ(16, offsetof(struct mkrep_op, offset));
	EXPECT_EQ(24, offsetof(struct mkrep_op, length));
	EXPECT_EQ(32, offsetof(struct mkrep_op, members));
	EXPECT_EQ(36, offsetof(struct mkrep_op, by_message));
	EXPECT_EQ(40, offsetof(struct mkrep_op, not_running));
	EXPECT_EQ(44, offsetof(struct mkrep_op, fallback));
	EXPECT_EQ(48, offsetof(struct mkrep_op, removed));
	EXPECT_EQ(52, offsetof(struct mkrep_op, posted));
	EXPECT_EQ(56, offsetof(struct mkrep_op, __reserved));

	EXPECT_EQ(40, sizeof(struct mkrep_apply));
	EXPECT_EQ(40, MKREP_APPLY_SIZE_VER0);
	EXPECT_EQ(8, offsetof(struct mkrep_apply, applied));
	EXPECT_EQ(12, offsetof(struct mkrep_apply, __pad));
	EXPECT_EQ(16, offsetof(struct mkrep_apply, op_id));
	EXPECT_EQ(24, offsetof(struct mkrep_apply, __reserved));

	EXPECT_EQ(72, sizeof(struct mkrep_member_status));
	EXPECT_EQ(0, offsetof(struct mkrep_member_status, waiting));
	EXPECT_EQ(4, sizeof(((struct mkrep_member_status *)0)->waiting));
	EXPECT_EQ(8, offsetof(struct mkrep_member_status, posted));
	EXPECT_EQ(8, sizeof(((struct mkrep_member_status *)0)->posted));
	EXPECT_EQ(64, offsetof(struct mkrep_member_status, applied));
	EXPECT_EQ(8, sizeof(((struct mkrep_member_status *)0)->applied));
	EXPECT_EQ(0, MKREP_STATUS_OFFSET);

	EXPECT_EQ(120, sizeof(struct mkrep_space_info));
	EXPECT_EQ(88, MKREP_SPACE_INFO_SIZE_VER0);
	EXPECT_EQ(120, MKREP_SPACE_INFO_SIZE_VER1);
	EXPECT_EQ(24, offsetof(struct mkrep_space_info, mapped_pages));
	EXPECT_EQ(32, offsetof(struct mkrep_space_info, ops));
	EXPECT_EQ(40, offsetof(struct mkrep_space_info, messages));
	EXPECT_EQ(48, offsetof(struct mkrep_space_info, wakeups));
	EXPECT_EQ(56, offsetof(struct mkrep_space_info, removed));
	EXPECT_EQ(64, offsetof(struct mkrep_space_info, evicted));
	EXPECT_EQ(72, offsetof(struct mkrep_space_info, __reserved));
	EXPECT_EQ(88, offsetof(struct mkrep_space_info, bound_ns));
	EXPECT_EQ(96, offsetof(struct mkrep_space_info, by_message));
	EXPECT_EQ(104, offsetof(struct mkrep_space_info, not_running));
	EXPECT_EQ(112, offsetof(struct mkrep_space_info, fallback));
}

FIXTURE(dev) {
	int fd;
	long page;
	int cpu;
};

FIXTURE_SETUP(dev)
{
	self->fd = open("/dev/mkrep", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/mkrep: %s", strerror(errno));
	self->page = sysconf(_SC_PAGESIZE);
	self->cpu = sched_getcpu();
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

/*
 * A binary built before struct mkrep_query grew: the number it passes
 * encodes 40 bytes, and so does its struct.  It gets what it knows, not
 * a byte more, and learns that the kernel's struct is 48 bytes.
 */
TEST_F(dev, query_of_a_version_0_binary)
{
	struct {
		__u32 size;
		__u32 flags;
		__u32 abi_version;
		__u32 features;
		__u32 mkchan_abi_version;
		__u32 nr_online_cpus;
		__u64 __reserved[2];
		__u8 guard[16];
	} v0;
	unsigned int i;

	static_assert(offsetof(typeof(v0), guard) == MKREP_QUERY_SIZE_VER0,
		      "version 0 of struct mkrep_query is 40 bytes");
	memset(&v0, 0, sizeof(v0));
	memset(v0.guard, MK_ABI_GUARD_BYTE, sizeof(v0.guard));
	v0.size = 40;
	ASSERT_EQ(0, ioctl(self->fd, 0xC028B840, &v0))
		TH_LOG("0xC028B840: %s", strerror(errno));
	EXPECT_EQ(48, v0.size);
	EXPECT_EQ(MKREP_ABI_VERSION, v0.abi_version);
	EXPECT_EQ(MKREP_FEAT_QUERY, v0.features & MKREP_FEAT_QUERY);
	EXPECT_EQ(MKCHAN_ABI_VERSION, v0.mkchan_abi_version);
	EXPECT_EQ(0, v0.__reserved[0]);
	EXPECT_EQ(0, v0.__reserved[1]);
	for (i = 0; i < sizeof(v0.guard); i++)
		EXPECT_EQ(MK_ABI_GUARD_BYTE, v0.guard[i]) TH_LOG("byte %u", 40 + i);
}

/*
 * Numbers /dev/mkrep does not serve: a space's, a member's, a counter's,
 * the retired ones, free ones.
 */
static const unsigned int dev_unknown[] = {
	0x01, 0x42, 0x43, 0x44, 0x45, 0x47, 0x49, 0x4a, 0x4b, 0x4c, 0x7f, 0
};

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
	const struct mkrep_query *q = arg;

	if (ret)
		return;
	EXPECT_EQ(MKREP_ABI_VERSION, q->abi_version);
	EXPECT_EQ(MKREP_FEAT_QUERY, q->features & MKREP_FEAT_QUERY);
	/* Version 1's field, only in a struct that has it. */
	if (usize >= MKREP_QUERY_SIZE_VER1)
		EXPECT_LT(0, q->max_space_pages);
}

TEST_F(dev, query)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKREP_IOC_QUERY",
		.cmd = MKREP_IOC_QUERY,
		.ksize = sizeof(struct mkrep_query),
		.sizes = { MKREP_QUERY_SIZE_VER0, MKREP_QUERY_SIZE_VER1 },
		.open = dev_open,
		.fill = no_fill,
		.close = query_close,
	};

	mk_abi_check(_metadata, &io, self, dev_unknown);
}

static void space_create_fill(void *ctx, void *arg)
{
	struct mkrep_space_create *c = arg;

	c->flags = MKREP_SPACE_CLOEXEC;
	c->length = ((FIXTURE_DATA(dev) *)ctx)->page;
	c->strategy = MKREP_STRATEGY_BROADCAST;
	c->bound_ns = MKREP_BOUND_MAX_NS;
}

static void space_create_close(struct __test_metadata *_metadata, void *ctx,
			       int fd, const void *arg, __u32 usize, int ret)
{
	const struct mkrep_space_create *c = arg;
	struct mkrep_space_info info;

	if (ret)
		return;
	EXPECT_LE(0, c->fd);
	if (c->fd < 0)
		return;
	/* The bound space_create_fill() asked for. */
	EXPECT_EQ(0, mkrep_space_info(c->fd, &info));
	EXPECT_EQ(MKREP_BOUND_MAX_NS, info.bound_ns);
	EXPECT_EQ(FD_CLOEXEC, fcntl(c->fd, F_GETFD));
	close(c->fd);
}

TEST_F(dev, space_create)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKREP_IOC_SPACE_CREATE",
		.cmd = MKREP_IOC_SPACE_CREATE,
		.ksize = sizeof(struct mkrep_space_create),
		.sizes = { MKREP_SPACE_CREATE_SIZE_VER0 },
		.open = dev_open,
		.fill = space_create_fill,
		.close = space_create_close,
	};
	long before = mk_mkrep_count("spaces");

	mk_abi_check(_metadata, &io, self, dev_unknown);
	/* No call left a space behind, made or refused. */
	EXPECT_EQ(before, mk_mkrep_count("spaces"));
}

static void counter_create_fill(void *ctx, void *arg)
{
	struct mkrep_counter_create *c = arg;

	c->flags = MKREP_COUNTER_CLOEXEC;
	c->mode = MKREP_COUNTER_WRITE_MOSTLY;
}

static void counter_create_close(struct __test_metadata *_metadata, void *ctx,
				 int fd, const void *arg, __u32 usize, int ret)
{
	const struct mkrep_counter_create *c = arg;

	if (ret)
		return;
	EXPECT_LE(0, c->fd);
	if (c->fd >= 0)
		close(c->fd);
}

TEST_F(dev, counter_create)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKREP_IOC_COUNTER_CREATE",
		.cmd = MKREP_IOC_COUNTER_CREATE,
		.ksize = sizeof(struct mkrep_counter_create),
		.sizes = { MKREP_COUNTER_CREATE_SIZE_VER0 },
		.open = dev_open,
		.fill = counter_create_fill,
		.close = counter_create_close,
	};
	long before = mk_mkrep_count("counters");

	mk_abi_check(_metadata, &io, self, dev_unknown);
	/* No call left a counter behind, made or refused. */
	EXPECT_EQ(before, mk_mkrep_count("counters"));
}

/*
 * Numbers a space does not serve: the device's, a member's, a counter's,
 * the three retired with version 1 of the ABI, the one retired with
 * version 2, free ones.
 */
static const unsigned int space_unknown[] = {
	0x02, 0x40, 0x41, 0x42, 0x43, 0x44, 0x46, 0x48, 0x49, 0x4b, 0x4c, 0x7f,
	0
};

/* Each call joins a space of its own, and leaves it by unmapping. */
static int join_open(void *ctx)
{
	return mkrep_space_create(((FIXTURE_DATA(dev) *)ctx)->fd,
				  ((FIXTURE_DATA(dev) *)ctx)->page,
				  MKREP_STRATEGY_BROADCAST, 0);
}

static void join_fill(void *ctx, void *arg)
{
	struct mkrep_join *j = arg;

	j->flags = MKREP_JOIN_CLOEXEC;
	j->cpu = ((FIXTURE_DATA(dev) *)ctx)->cpu;
}

static void join_close(struct __test_metadata *_metadata, void *ctx, int fd,
		       const void *arg, __u32 usize, int ret)
{
	const struct mkrep_join *j = arg;

	if (!ret) {
		EXPECT_NE(0, j->addr);
		EXPECT_EQ(((FIXTURE_DATA(dev) *)ctx)->page, j->length);
		EXPECT_LE(0, j->fd);
		EXPECT_NE(fd, j->fd);
		if (j->fd >= 0)
			EXPECT_EQ(FD_CLOEXEC, fcntl(j->fd, F_GETFD));
		if (j->addr)
			EXPECT_EQ(0, munmap((void *)(uintptr_t)j->addr,
					    j->length));
		if (j->fd >= 0)
			close(j->fd);
	}
	if (fd >= 0)
		close(fd);
}

TEST_F(dev, join)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKREP_IOC_JOIN",
		.cmd = MKREP_IOC_JOIN,
		.ksize = sizeof(struct mkrep_join),
		.sizes = { MKREP_JOIN_SIZE_VER0 },
		.open = join_open,
		.fill = join_fill,
		.close = join_close,
	};
	long spaces = mk_mkrep_count("spaces");
	long members = mk_mkrep_count("members");

	ASSERT_EQ(0, mk_pin_cpu(self->cpu));
	mk_abi_check(_metadata, &io, self, space_unknown);
	/* Every window unmapped, every space closed: nothing is left. */
	EXPECT_EQ(spaces, mk_mkrep_count("spaces"));
	EXPECT_EQ(members, mk_mkrep_count("members"));
}

/* The lowest free descriptor: a call that failed must not have made one. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static int join_errno(int spacefd, struct mkrep_join *j)
{
	return ioctl(spacefd, MKREP_IOC_JOIN, j) ? errno : 0;
}

/*
 * Flags other than MKREP_JOIN_CLOEXEC and non-zero reserved words:
 * EINVAL, and no member, window or descriptor is made.  MKREP_JOIN_CLOEXEC
 * and 0 both work and say whether the member fd is close-on-exec.
 */
TEST_F(dev, join_flags_and_reserved)
{
	static const __u32 bad_flags[] = { 2, 4, 1U << 31, ~0U };
	struct mkrep_join j;
	long members = mk_mkrep_count("members");
	int space, lowest, i, k;

	space = mkrep_space_create(self->fd, 2 * self->page,
				   MKREP_STRATEGY_UNICAST, 0);
	ASSERT_LE(0, space) TH_LOG("space: %s", strerror(-space));
	ASSERT_EQ(0, mk_pin_cpu(self->cpu));
	lowest = lowest_free_fd();
	for (i = 0; i < ARRAY_SIZE(bad_flags) + 2; i++) {
		memset(&j, 0, sizeof(j));
		j.size = sizeof(j);
		j.cpu = self->cpu;
		if (i < ARRAY_SIZE(bad_flags))
			j.flags = bad_flags[i];
		else
			j.__reserved[i - ARRAY_SIZE(bad_flags)] = 1;
		EXPECT_EQ(EINVAL, join_errno(space, &j))
			TH_LOG("flags %#x, reserved %llx %llx", j.flags,
			       (unsigned long long)j.__reserved[0],
			       (unsigned long long)j.__reserved[1]);
		EXPECT_EQ(members, mk_mkrep_count("members"));
		EXPECT_EQ(lowest, lowest_free_fd());
	}

	for (k = 0; k < 2; k++) {
		memset(&j, 0, sizeof(j));
		j.size = sizeof(j);
		j.cpu = self->cpu;
		j.flags = k ? MKREP_JOIN_CLOEXEC : 0;
		ASSERT_EQ(0, join_errno(space, &j));
		EXPECT_EQ(members + 1, mk_mkrep_count("members"));
		EXPECT_EQ(k ? FD_CLOEXEC : 0, fcntl(j.fd, F_GETFD));
		EXPECT_EQ(2 * self->page, j.length);
		/* One member a process. */
		EXPECT_EQ(EALREADY, join_errno(space, &(struct mkrep_join){
			.size = sizeof(j), .cpu = self->cpu }));
		EXPECT_EQ(0, munmap((void *)(uintptr_t)j.addr, j.length));
		EXPECT_EQ(0, close(j.fd));
		EXPECT_EQ(members, mk_mkrep_count("members"));
	}
	close(space);
}

/* Bound of a space: 0 is the module's default. */
static long long default_bound_ns(void)
{
	long us = mk_read_long("/sys/module/mkrep/parameters/op_bound_us");

	return us < 0 ? -1 : us * 1000LL;
}

/*
 * bound_ns, once a reserved word: 0 for the module parameter op_bound_us,
 * any value up to MKREP_BOUND_MAX_NS as given, above it EINVAL; version 1
 * of struct mkrep_space_info tells it.
 */
TEST_F(dev, bound)
{
	const unsigned long long good[] = {
		0, 1, 999, 100000, 12345678, MKREP_BOUND_MAX_NS,
	};
	const unsigned long long bad[] = {
		MKREP_BOUND_MAX_NS + 1, 2 * MKREP_BOUND_MAX_NS, 1ULL << 63,
		~0ULL,
	};
	long long def = default_bound_ns();
	long spaces = mk_mkrep_count("spaces");
	struct mkrep_space_info info;
	struct mkrep_space_create c;
	unsigned int i;
	int fd;

	ASSERT_LT(0, def) TH_LOG("/sys/module/mkrep/parameters/op_bound_us");
	EXPECT_GE(MKREP_BOUND_MAX_NS, def);
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		fd = mkrep_space_create(self->fd, self->page,
					MKREP_STRATEGY_TREE, good[i]);
		ASSERT_LE(0, fd) TH_LOG("bound %llu: %s", good[i],
					strerror(-fd));
		ASSERT_EQ(0, mkrep_space_info(fd, &info));
		EXPECT_EQ(MKREP_SPACE_INFO_SIZE_VER1, info.size);
		EXPECT_EQ(good[i] ? good[i] : (unsigned long long)def,
			  info.bound_ns) TH_LOG("bound %llu", good[i]);
		close(fd);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&c, 0, sizeof(c));
		c.size = sizeof(c);
		c.length = self->page;
		c.bound_ns = bad[i];
		c.fd = -1;
		EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_SPACE_CREATE, &c))
			TH_LOG("bound %llu", bad[i]);
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, c.fd);
	}
	EXPECT_EQ(spaces, mk_mkrep_count("spaces"));
}

/* Unknown flags and a non-zero reserved word: EINVAL, no space made. */
TEST_F(dev, space_create_flags_and_reserved)
{
	static const __u32 bad_flags[] = { 2, 4, 1U << 31, ~0U };
	long spaces = mk_mkrep_count("spaces");
	struct mkrep_space_create c;
	int lowest = lowest_free_fd();
	unsigned int i;

	for (i = 0; i <= ARRAY_SIZE(bad_flags); i++) {
		memset(&c, 0, sizeof(c));
		c.size = sizeof(c);
		c.length = self->page;
		if (i < ARRAY_SIZE(bad_flags))
			c.flags = bad_flags[i];
		else
			c.__reserved = 1;
		EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_SPACE_CREATE, &c))
			TH_LOG("flags %#x", c.flags);
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(spaces, mk_mkrep_count("spaces"));
	EXPECT_EQ(lowest, lowest_free_fd());
}

TEST_F(dev, query_flags_and_reserved)
{
	struct mkrep_query q;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		switch (i) {
		case 0:
			q.flags = 1;
			break;
		case 1:
		case 2:
			q.__reserved[i - 1] = 1;
			break;
		default:
			q.__pad = 1;
			break;
		}
		EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_QUERY, &q))
			TH_LOG("case %u", i);
		EXPECT_EQ(EINVAL, errno);
	}
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	ASSERT_EQ(0, ioctl(self->fd, MKREP_IOC_QUERY, &q));
	EXPECT_EQ(3, q.abi_version);
	EXPECT_EQ(MKREP_FEAT_SPACE, q.features & MKREP_FEAT_SPACE);
}

/*
 * A space of SPACE_PAGES with this process its only member, joined with
 * libmkchan: the member fd, the window and the status page.
 */
FIXTURE(member) {
	int dev;
	int fd;
	long page;
	int cpu;
	struct mkrep_replica r;
};

FIXTURE_SETUP(member)
{
	int ret;

	self->page = sysconf(_SC_PAGESIZE);
	self->cpu = sched_getcpu();
	self->fd = -1;
	self->r.fd = -1;
	self->dev = mkrep_open();
	ASSERT_LE(0, self->dev) TH_LOG("open /dev/mkrep: %s",
				       strerror(-self->dev));
	self->fd = mkrep_space_create(self->dev, SPACE_PAGES * self->page,
				      MKREP_STRATEGY_BROADCAST, 0);
	ASSERT_LE(0, self->fd) TH_LOG("MKREP_IOC_SPACE_CREATE: %s",
				      strerror(-self->fd));
	ASSERT_EQ(0, mk_pin_cpu(self->cpu));
	ret = mkrep_join(self->fd, self->cpu, &self->r);
	ASSERT_EQ(0, ret) TH_LOG("mkrep_join: %s", strerror(-ret));
	ret = mkrep_op(&self->r, MKREP_OP_MAP,
		       MKREP_PROT_READ | MKREP_PROT_WRITE, 0, self->page, NULL);
	ASSERT_EQ(0, ret) TH_LOG("MKREP_IOC_OP: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(member)
{
	if (self->r.fd >= 0)
		mkrep_leave(&self->r);
	if (self->fd >= 0)
		close(self->fd);
	if (self->dev >= 0)
		close(self->dev);
}

/*
 * Numbers a member fd does not serve: the device's, JOIN (a space's), a
 * counter's, the retired ones, free ones.  SPACE_INFO (0x45) is left
 * out: the header gives it to the space fd and says nothing of a member
 * fd.
 */
static const unsigned int member_unknown[] = {
	0x02, 0x40, 0x41, 0x42, 0x43, 0x44, 0x46, 0x48, 0x49, 0x4a, 0x7f, 0
};

static int member_open(void *ctx)
{
	return ((FIXTURE_DATA(member) *)ctx)->r.fd;
}

static int space_open(void *ctx)
{
	return ((FIXTURE_DATA(member) *)ctx)->fd;
}

/* The first page, mapped by the fixture, keeps its protection. */
static void op_fill(void *ctx, void *arg)
{
	struct mkrep_op *op = arg;

	op->op = MKREP_OP_PROTECT;
	op->prot = MKREP_PROT_READ | MKREP_PROT_WRITE;
	op->length = ((FIXTURE_DATA(member) *)ctx)->page;
}

/* The only member: no other replica to change, no request posted. */
static void op_close(struct __test_metadata *_metadata, void *ctx, int fd,
		     const void *arg, __u32 usize, int ret)
{
	const struct mkrep_op *op = arg;

	if (ret)
		return;
	EXPECT_EQ(0, op->members);
	EXPECT_EQ(0, op->by_message);
	EXPECT_EQ(0, op->not_running);
	EXPECT_EQ(0, op->fallback);
	EXPECT_EQ(0, op->removed);
	EXPECT_EQ(0, op->posted);
	EXPECT_EQ(0, op->__reserved);
}

TEST_F(member, op)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKREP_IOC_OP",
		.cmd = MKREP_IOC_OP,
		.ksize = sizeof(struct mkrep_op),
		.sizes = { MKREP_OP_SIZE_VER0 },
		.open = member_open,
		.fill = op_fill,
		.close = op_close,
	};
	struct mkrep_space_info info;

	mk_abi_check(_metadata, &io, self, member_unknown);
	/* The page is still there, as it was. */
	ASSERT_EQ(0, mkrep_space_info(self->fd, &info));
	EXPECT_EQ(1, info.mapped_pages);
	EXPECT_EQ(0, info.messages);
	EXPECT_EQ(0, info.fallback);
	__atomic_store_n((char *)self->r.window, 1, __ATOMIC_RELAXED);
}

/* Nothing ever waits for the only member. */
static void apply_close(struct __test_metadata *_metadata, void *ctx, int fd,
			const void *arg, __u32 usize, int ret)
{
	const struct mkrep_apply *a = arg;
	struct mkrep_space_info info;

	if (ret)
		return;
	EXPECT_EQ(0, a->applied);
	EXPECT_EQ(0, a->__pad);
	ASSERT_EQ(0, mkrep_space_info(((FIXTURE_DATA(member) *)ctx)->fd,
				      &info));
	/* Operations are numbered from 1; the fixture's MAP was one. */
	EXPECT_GE(info.ops, a->op_id);
}

TEST_F(member, apply)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKREP_IOC_APPLY",
		.cmd = MKREP_IOC_APPLY,
		.ksize = sizeof(struct mkrep_apply),
		.sizes = { MKREP_APPLY_SIZE_VER0 },
		.open = member_open,
		.fill = no_fill,
		.close = apply_close,
	};

	mk_abi_check(_metadata, &io, self, member_unknown);
	EXPECT_EQ(0, self->r.status->waiting);
}

static void space_info_close(struct __test_metadata *_metadata, void *ctx,
			     int fd, const void *arg, __u32 usize, int ret)
{
	const struct mkrep_space_info *info = arg;
	long long def = default_bound_ns();

	if (ret)
		return;
	EXPECT_EQ(SPACE_PAGES * ((FIXTURE_DATA(member) *)ctx)->page,
		  info->length);
	EXPECT_EQ(MKREP_STRATEGY_BROADCAST, info->strategy);
	EXPECT_EQ(1, info->nr_members);
	EXPECT_EQ(1, info->mapped_pages);
	EXPECT_LE(1, info->ops);
	EXPECT_EQ(0, info->messages);
	EXPECT_EQ(0, info->removed);
	EXPECT_EQ(0, info->evicted);
	/* Version 1's fields, only in a struct that has them. */
	if (usize < MKREP_SPACE_INFO_SIZE_VER1)
		return;
	EXPECT_EQ(def, info->bound_ns);
	EXPECT_EQ(0, info->by_message);
	EXPECT_EQ(0, info->not_running);
	EXPECT_EQ(0, info->fallback);
}

TEST_F(member, space_info)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKREP_IOC_SPACE_INFO",
		.cmd = MKREP_IOC_SPACE_INFO,
		.ksize = sizeof(struct mkrep_space_info),
		.sizes = { MKREP_SPACE_INFO_SIZE_VER0,
			   MKREP_SPACE_INFO_SIZE_VER1 },
		.open = space_open,
		.fill = no_fill,
		.close = space_info_close,
	};

	ASSERT_LT(0, default_bound_ns());
	mk_abi_check(_metadata, &io, self, space_unknown);
}

/*
 * A binary built before struct mkrep_space_info grew: 88 bytes, and the
 * number 0xC058B845 - or today's number with the old struct, or the old
 * number with today's struct.  Each gets the bytes it knows and not one
 * more, and learns that the kernel's struct is 120 bytes.
 */
TEST_F(member, space_info_of_a_version_0_binary)
{
	static const unsigned int cmds[] = { 0xC058B845, 0xC078B845 };
	static const __u32 sizes[] = {
		MKREP_SPACE_INFO_SIZE_VER0, MKREP_SPACE_INFO_SIZE_VER1,
	};
	struct {
		struct mkrep_space_info info;
		__u8 guard[32];
	} buf;
	__u8 *bytes = (__u8 *)&buf;
	unsigned int i, k, b;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		for (k = 0; k < ARRAY_SIZE(sizes); k++) {
			memset(&buf, MK_ABI_GUARD_BYTE, sizeof(buf));
			memset(&buf, 0, sizes[k]);
			buf.info.size = sizes[k];
			ASSERT_EQ(0, ioctl(self->fd, cmds[i], &buf))
				TH_LOG("%#x, size %u: %s", cmds[i], sizes[k],
				       strerror(errno));
			EXPECT_EQ(120, buf.info.size);
			EXPECT_EQ(SPACE_PAGES * self->page, buf.info.length);
			EXPECT_EQ(1, buf.info.nr_members);
			EXPECT_EQ(1, buf.info.mapped_pages);
			for (b = sizes[k]; b < sizeof(buf); b++)
				if (bytes[b] != MK_ABI_GUARD_BYTE)
					break;
			EXPECT_EQ(sizeof(buf), b)
				TH_LOG("%#x, size %u: byte %u written",
				       cmds[i], sizes[k], b);
			if (sizes[k] == MKREP_SPACE_INFO_SIZE_VER1)
				EXPECT_EQ(default_bound_ns(),
					  buf.info.bound_ns);
		}
	}
}

/*
 * The numbers version 1 gave JOIN, OP and SERVE on a space, and version 2
 * COUNTER_BENCH, are retired: ENOTTY on a space, and on a member fd and
 * the device as well; nothing written back.  So are today's OP and APPLY
 * on a space, and JOIN on a member fd.  (counter_test checks a counter.)
 */
TEST_F(member, retired_and_misplaced_numbers)
{
	static const unsigned int retired[] = {
		0xC030B842, 0xC040B843, 0xC020B844, 0xC038B849,
	};
	__u8 buf[128], before[128];
	int fds[3] = { self->fd, self->r.fd, self->dev };
	struct mkrep_space_info info;
	unsigned int i, k;

	EXPECT_EQ(0xC030B84A, MKREP_IOC_JOIN);
	for (i = 0; i < ARRAY_SIZE(retired) + 2; i++) {
		for (k = 0; k < ARRAY_SIZE(fds); k++) {
			unsigned int cmd;
			__u32 size;

			if (i < ARRAY_SIZE(retired)) {
				cmd = retired[i];
			} else if (k == 0) {
				cmd = i == ARRAY_SIZE(retired) ?
				      MKREP_IOC_OP : MKREP_IOC_APPLY;
			} else if (k == 1) {
				if (i != ARRAY_SIZE(retired))
					continue;
				cmd = MKREP_IOC_JOIN;
			} else {
				cmd = i == ARRAY_SIZE(retired) ?
				      MKREP_IOC_OP : MKREP_IOC_JOIN;
			}
			memset(buf, 0, sizeof(buf));
			size = _IOC_SIZE(cmd);
			memcpy(buf, &size, sizeof(size));
			memcpy(before, buf, sizeof(buf));
			EXPECT_EQ(-1, ioctl(fds[k], cmd, buf))
				TH_LOG("%#x on fd %u", cmd, k);
			EXPECT_EQ(ENOTTY, errno)
				TH_LOG("%#x on fd %u", cmd, k);
			EXPECT_EQ(0, memcmp(buf, before, sizeof(buf)))
				TH_LOG("%#x on fd %u", cmd, k);
		}
	}
	/* Still the only member, with its page. */
	ASSERT_EQ(0, mkrep_space_info(self->fd, &info));
	EXPECT_EQ(1, info.nr_members);
	EXPECT_EQ(1, info.mapped_pages);
	__atomic_store_n((char *)self->r.window, 2, __ATOMIC_RELAXED);
}

/* No mmap() on a space: the window comes from JOIN only. */
TEST_F(member, no_mmap_of_a_space)
{
	void *p;

	p = mmap(NULL, SPACE_PAGES * self->page, PROT_READ, MAP_SHARED,
		 self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
	if (p != MAP_FAILED)
		munmap(p, SPACE_PAGES * self->page);
}

/* Unknown flags, non-zero reserved and pad words: EINVAL. */
TEST_F(member, flags_and_reserved)
{
	struct mkrep_space_info info;
	struct mkrep_apply a;
	struct mkrep_op o;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		memset(&o, 0, sizeof(o));
		o.size = sizeof(o);
		o.op = MKREP_OP_PROTECT;
		o.prot = MKREP_PROT_READ | MKREP_PROT_WRITE;
		o.length = self->page;
		switch (i) {
		case 0:
			o.flags = 1;
			break;
		case 1:
			o.flags = 1U << 31;
			break;
		case 2:
			o.flags = ~0U;
			break;
		default:
			o.__reserved = 1;
			break;
		}
		EXPECT_EQ(-1, ioctl(self->r.fd, MKREP_IOC_OP, &o))
			TH_LOG("op, case %u", i);
		EXPECT_EQ(EINVAL, errno);
	}
	for (i = 0; i < 5; i++) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		switch (i) {
		case 0:
			a.flags = 1;
			break;
		case 1:
			a.flags = ~0U;
			break;
		case 2:
			a.__pad = 1;
			break;
		default:
			a.__reserved[i - 3] = 1;
			break;
		}
		EXPECT_EQ(-1, ioctl(self->r.fd, MKREP_IOC_APPLY, &a))
			TH_LOG("apply, case %u", i);
		EXPECT_EQ(EINVAL, errno);
	}
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_SPACE_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	/* None of them did anything. */
	ASSERT_EQ(0, mkrep_space_info(self->fd, &info));
	EXPECT_EQ(1, info.ops);
	EXPECT_EQ(1, info.mapped_pages);
}

/*
 * A fresh write-mostly counter; @adds and @refused count the calls of
 * counter.add that returned 0 and that failed.
 */
FIXTURE(counter) {
	int fd;
	int64_t adds;
	unsigned int refused;
};

FIXTURE_SETUP(counter)
{
	struct mkrep_counter_create c = {
		.size = sizeof(c), .flags = MKREP_COUNTER_CLOEXEC,
		.mode = MKREP_COUNTER_WRITE_MOSTLY,
	};
	int dev;

	dev = open("/dev/mkrep", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev) TH_LOG("open /dev/mkrep: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(dev, MKREP_IOC_COUNTER_CREATE, &c))
		TH_LOG("MKREP_IOC_COUNTER_CREATE: %s", strerror(errno));
	close(dev);
	self->fd = c.fd;
}

FIXTURE_TEARDOWN(counter)
{
	close(self->fd);
}

/*
 * Numbers a counter does not serve: the device's, a space's, the one that
 * version 3 retired (COUNTER_BENCH), free ones.
 */
static const unsigned int counter_unknown[] = {
	0x02, 0x40, 0x43, 0x45, 0x46, 0x49, 0x4a, 0x4b, 0x4c, 0x7f, 0
};

static int counter_open(void *ctx)
{
	return ((FIXTURE_DATA(counter) *)ctx)->fd;
}

/* An exact read of the counter: its value, or INT64_MIN on failure. */
static int64_t counter_value(struct __test_metadata *_metadata, int fd)
{
	struct mkrep_counter_read rd = {
		.size = sizeof(rd), .flags = MKREP_COUNTER_EXACT,
	};
	int ret;

	ret = ioctl(fd, MKREP_IOC_COUNTER_READ, &rd);
	EXPECT_EQ(0, ret)
		TH_LOG("MKREP_IOC_COUNTER_READ: %s", strerror(errno));
	return ret ? INT64_MIN : rd.value;
}

static void add_fill(void *ctx, void *arg)
{
	struct mkrep_counter_add *a = arg;

	a->delta = 1;
}

/* Each call that returned 0 added add_fill()'s 1; one refused, nothing. */
static void add_close(struct __test_metadata *_metadata, void *ctx, int fd,
		      const void *arg, __u32 usize, int ret)
{
	int64_t *adds = &((FIXTURE_DATA(counter) *)ctx)->adds;

	if (ret)
		((FIXTURE_DATA(counter) *)ctx)->refused++;
	else
		++*adds;
	EXPECT_EQ(*adds, counter_value(_metadata, fd))
		TH_LOG("size %u, returning %d, after %lld adds",
		       usize, ret, (long long)*adds);
}

/*
 * An input-only command: whatever the size and whatever it returns, the
 * caller's struct, @size included, and the guard bytes stay as they
 * were, and the counter counts the calls that returned 0.
 */
TEST_F(counter, add)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKREP_IOC_COUNTER_ADD",
		.cmd = MKREP_IOC_COUNTER_ADD,
		.ksize = sizeof(struct mkrep_counter_add),
		.sizes = { MKREP_COUNTER_ADD_SIZE_VER0 },
		.open = counter_open,
		.fill = add_fill,
		.close = add_close,
		.in_only = 1,
	};

	mk_abi_check(_metadata, &io, self, counter_unknown);
	/* Both kinds of call were made: the count says something. */
	EXPECT_LT(0, self->adds);
	EXPECT_LT(0, self->refused);
	EXPECT_EQ(self->adds, counter_value(_metadata, self->fd));
}

/*
 * A const argument in read-only memory: MKREP_IOC_COUNTER_ADD only reads
 * it, so it adds, once a call, as a frozen version 1 command always did.
 */
TEST_F(counter, add_from_read_only_memory)
{
	long page = sysconf(_SC_PAGESIZE);
	const struct mkrep_counter_add *a;
	struct mkrep_counter_add *w;
	void *p;
	int i;

	p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	w = p;
	w->size = sizeof(*w);
	w->delta = 3;
	ASSERT_EQ(0, mprotect(p, page, PROT_READ));
	a = p;
	for (i = 1; i <= 2; i++) {
		EXPECT_EQ(0, ioctl(self->fd, MKREP_IOC_COUNTER_ADD, a))
			TH_LOG("add %d from a read-only page: %s", i,
			       strerror(errno));
		EXPECT_EQ(3 * i, counter_value(_metadata, self->fd));
	}
	EXPECT_EQ(0, munmap(p, page));
}

/*
 * An argument the kernel cannot read whole: EFAULT, and nothing added.
 * The struct starts 16 bytes before an inaccessible page, so that its
 * @size and @delta can be read and its reserved fields cannot.
 */
TEST_F(counter, add_efault_adds_nothing)
{
	long page = sysconf(_SC_PAGESIZE);
	struct mkrep_counter_add *a;
	char *p;

	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	a = (void *)(p + page - 16);
	a->size = sizeof(*a);
	a->delta = 1;
	ASSERT_EQ(0, mprotect(p + page, page, PROT_NONE));
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_COUNTER_ADD, a));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, counter_value(_metadata, self->fd));
	EXPECT_EQ(0, munmap(p, 2 * page));
}

static void read_fill(void *ctx, void *arg)
{
	struct mkrep_counter_read *rd = arg;

	rd->flags = MKREP_COUNTER_EXACT;
}

/* Nothing is ever added to the counter of this test. */
static void read_close(struct __test_metadata *_metadata, void *ctx, int fd,
		       const void *arg, __u32 usize, int ret)
{
	const struct mkrep_counter_read *rd = arg;

	if (ret)
		return;
	EXPECT_EQ(0, rd->value);
}

TEST_F(counter, read)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKREP_IOC_COUNTER_READ",
		.cmd = MKREP_IOC_COUNTER_READ,
		.ksize = sizeof(struct mkrep_counter_read),
		.sizes = { MKREP_COUNTER_READ_SIZE_VER0 },
		.open = counter_open,
		.fill = read_fill,
		.close = read_close,
	};

	mk_abi_check(_metadata, &io, self, counter_unknown);
}

/* A good info argument is all zeros but @size. */
static void info_fill(void *ctx, void *arg)
{
}

/* The counter of this test is write-mostly and not mapped. */
static void info_close(struct __test_metadata *_metadata, void *ctx, int fd,
		       const void *arg, __u32 usize, int ret)
{
	const struct mkrep_counter_info *info = arg;

	if (ret)
		return;
	EXPECT_EQ(MKREP_COUNTER_WRITE_MOSTLY, info->mode);
	EXPECT_EQ(0, info->map_size);
}

TEST_F(counter, info)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKREP_IOC_COUNTER_INFO",
		.cmd = MKREP_IOC_COUNTER_INFO,
		.ksize = sizeof(struct mkrep_counter_info),
		.sizes = { MKREP_COUNTER_INFO_SIZE_VER0 },
		.open = counter_open,
		.fill = info_fill,
		.close = info_close,
	};

	mk_abi_check(_metadata, &io, self, counter_unknown);
}

TEST_HARNESS_MAIN
