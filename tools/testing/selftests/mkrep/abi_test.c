// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep's ioctl ABI: the numbers are frozen, a binary built against the
 * 40-byte struct mkrep_query of version 0 is still served, and every
 * ioctl is called with every number and argument size a binary may pass
 * - older sizes and numbers, a larger struct with a zero or non-zero
 * tail, too small a struct, another direction, type or number.  The
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

#define SPACE_PAGES	4

/* The numbers of version 1 of the ABI, as every binary has them. */
TEST(frozen_numbers)
{
	EXPECT_EQ(0xC030B840, MKREP_IOC_QUERY);
	EXPECT_EQ(0xC028B841, MKREP_IOC_SPACE_CREATE);
	EXPECT_EQ(0xC030B842, MKREP_IOC_JOIN);
	EXPECT_EQ(0xC040B843, MKREP_IOC_OP);
	EXPECT_EQ(0xC020B844, MKREP_IOC_SERVE);
	EXPECT_EQ(0xC058B845, MKREP_IOC_SPACE_INFO);
	EXPECT_EQ(0xC020B846, MKREP_IOC_COUNTER_CREATE);
	EXPECT_EQ(0xC020B847, MKREP_IOC_COUNTER_ADD);
	EXPECT_EQ(0xC028B848, MKREP_IOC_COUNTER_READ);
	EXPECT_EQ(0xC038B849, MKREP_IOC_COUNTER_BENCH);
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

/* Numbers /dev/mkrep does not serve: a space's, a counter's, free ones. */
static const unsigned int dev_unknown[] = {
	0x01, 0x42, 0x43, 0x47, 0x4a, 0x7f, 0
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
}

static void space_create_close(struct __test_metadata *_metadata, void *ctx,
			       int fd, const void *arg, __u32 usize, int ret)
{
	const struct mkrep_space_create *c = arg;

	if (ret)
		return;
	EXPECT_LE(0, c->fd);
	if (c->fd >= 0)
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

/* Numbers a space does not serve: the device's, a counter's, free ones. */
static const unsigned int space_unknown[] = {
	0x02, 0x40, 0x41, 0x46, 0x48, 0x4a, 0x7f, 0
};

/* Each call joins a space of its own, and leaves it by unmapping. */
static int join_open(void *ctx)
{
	struct mkrep_space_create c = {
		.size = sizeof(c), .flags = MKREP_SPACE_CLOEXEC,
		.length = ((FIXTURE_DATA(dev) *)ctx)->page,
		.strategy = MKREP_STRATEGY_BROADCAST,
	};

	if (ioctl(((FIXTURE_DATA(dev) *)ctx)->fd, MKREP_IOC_SPACE_CREATE, &c))
		return -errno;
	return c.fd;
}

static void join_fill(void *ctx, void *arg)
{
	struct mkrep_join *j = arg;

	j->cpu = ((FIXTURE_DATA(dev) *)ctx)->cpu;
}

static void join_close(struct __test_metadata *_metadata, void *ctx, int fd,
		       const void *arg, __u32 usize, int ret)
{
	const struct mkrep_join *j = arg;

	if (!ret) {
		EXPECT_NE(0, j->addr);
		EXPECT_EQ(((FIXTURE_DATA(dev) *)ctx)->page, j->length);
		if (j->addr)
			EXPECT_EQ(0, munmap((void *)(uintptr_t)j->addr,
					    j->length));
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

/* A space of SPACE_PAGES with this process its only member. */
FIXTURE(member) {
	int fd;
	long page;
	int cpu;
	uint64_t addr;
};

FIXTURE_SETUP(member)
{
	struct mkrep_space_create c = {
		.size = sizeof(c), .flags = MKREP_SPACE_CLOEXEC,
		.strategy = MKREP_STRATEGY_BROADCAST,
	};
	struct mkrep_join j = { .size = sizeof(j) };
	struct mkrep_op op = {
		.size = sizeof(op), .op = MKREP_OP_MAP,
		.prot = MKREP_PROT_READ | MKREP_PROT_WRITE,
	};
	int dev;

	self->page = sysconf(_SC_PAGESIZE);
	self->cpu = sched_getcpu();
	dev = open("/dev/mkrep", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev) TH_LOG("open /dev/mkrep: %s", strerror(errno));
	c.length = SPACE_PAGES * self->page;
	ASSERT_EQ(0, ioctl(dev, MKREP_IOC_SPACE_CREATE, &c))
		TH_LOG("MKREP_IOC_SPACE_CREATE: %s", strerror(errno));
	close(dev);
	self->fd = c.fd;
	ASSERT_EQ(0, mk_pin_cpu(self->cpu));
	j.cpu = self->cpu;
	ASSERT_EQ(0, ioctl(self->fd, MKREP_IOC_JOIN, &j))
		TH_LOG("MKREP_IOC_JOIN: %s", strerror(errno));
	self->addr = j.addr;
	op.length = self->page;
	ASSERT_EQ(0, ioctl(self->fd, MKREP_IOC_OP, &op))
		TH_LOG("MKREP_IOC_OP: %s", strerror(errno));
}

FIXTURE_TEARDOWN(member)
{
	munmap((void *)(uintptr_t)self->addr, SPACE_PAGES * self->page);
	close(self->fd);
}

static int member_open(void *ctx)
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

static void op_close(struct __test_metadata *_metadata, void *ctx, int fd,
		     const void *arg, __u32 usize, int ret)
{
	const struct mkrep_op *op = arg;

	if (ret)
		return;
	EXPECT_EQ(0, op->members);
	EXPECT_EQ(1, op->acked);
	EXPECT_EQ(0, op->removed);
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

	mk_abi_check(_metadata, &io, self, space_unknown);
}

static void serve_close(struct __test_metadata *_metadata, void *ctx,
			int fd, const void *arg, __u32 usize, int ret)
{
	const struct mkrep_serve *sv = arg;

	if (ret)
		return;
	EXPECT_EQ(0, sv->served);
}

TEST_F(member, serve)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKREP_IOC_SERVE",
		.cmd = MKREP_IOC_SERVE,
		.ksize = sizeof(struct mkrep_serve),
		.sizes = { MKREP_SERVE_SIZE_VER0 },
		.open = member_open,
		.fill = no_fill,
		.close = serve_close,
	};

	mk_abi_check(_metadata, &io, self, space_unknown);
}

static void space_info_close(struct __test_metadata *_metadata, void *ctx,
			     int fd, const void *arg, __u32 usize, int ret)
{
	const struct mkrep_space_info *info = arg;

	if (ret)
		return;
	EXPECT_EQ(SPACE_PAGES * ((FIXTURE_DATA(member) *)ctx)->page,
		  info->length);
	EXPECT_EQ(MKREP_STRATEGY_BROADCAST, info->strategy);
	EXPECT_EQ(1, info->nr_members);
	EXPECT_EQ(1, info->mapped_pages);
}

TEST_F(member, space_info)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKREP_IOC_SPACE_INFO",
		.cmd = MKREP_IOC_SPACE_INFO,
		.ksize = sizeof(struct mkrep_space_info),
		.sizes = { MKREP_SPACE_INFO_SIZE_VER0 },
		.open = member_open,
		.fill = no_fill,
		.close = space_info_close,
	};

	mk_abi_check(_metadata, &io, self, space_unknown);
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

/* Numbers a counter does not serve: the device's, a space's, free ones. */
static const unsigned int counter_unknown[] = {
	0x02, 0x40, 0x43, 0x45, 0x46, 0x4a, 0x7f, 0
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

static void bench_fill(void *ctx, void *arg)
{
	struct mkrep_counter_bench *b = arg;

	b->impl = MKREP_BENCH_REPLICATED;
	b->op = MKREP_BENCH_READ_EXACT;
	b->iters = 1;
}

static void bench_close(struct __test_metadata *_metadata, void *ctx, int fd,
			const void *arg, __u32 usize, int ret)
{
	const struct mkrep_counter_bench *b = arg;

	if (ret)
		return;
	EXPECT_EQ(0, b->result);
}

TEST_F(counter, bench)
{
	static const struct mk_abi_ioctl io = {
		.name = "MKREP_IOC_COUNTER_BENCH",
		.cmd = MKREP_IOC_COUNTER_BENCH,
		.ksize = sizeof(struct mkrep_counter_bench),
		.sizes = { MKREP_COUNTER_BENCH_SIZE_VER0 },
		.open = counter_open,
		.fill = bench_fill,
		.close = bench_close,
	};

	mk_abi_check(_metadata, &io, self, counter_unknown);
}

TEST_HARNESS_MAIN
