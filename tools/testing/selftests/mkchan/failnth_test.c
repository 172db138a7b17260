// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures: each operation that allocates is run with the
 * first, second, third... fault-injectable allocation of the task failing
 * (/proc/thread-self/fail-nth), until it runs without one.  Every run must
 * fail with ENOMEM or succeed, and leave no channel or page behind; the
 * module must work afterwards.  Needs CONFIG_FAULT_INJECTION with failslab
 * and fail_page_alloc (KFLAVOUR=debug); the runner checks kmemleak after
 * the modules are unloaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/mkchan.h>
#include <linux/mkrep.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"

#define MAX_POINTS	10000

/* What an operation made, for its cleanup. */
struct made {
	int fd[3];
	void *map;
	size_t len;
};

static void undo(struct made *m)
{
	int i;

	if (m->map)
		munmap(m->map, m->len);
	for (i = 0; i < 3; i++)
		if (m->fd[i] >= 0)
			close(m->fd[i]);
	memset(m, 0, sizeof(*m));
	for (i = 0; i < 3; i++)
		m->fd[i] = -1;
}

/* The operations, each 0 or -errno, what they made in @m. */
static int op_open(struct made *m)
{
	m->fd[0] = open("/dev/mkchan", O_RDWR | O_CLOEXEC);
	return m->fd[0] < 0 ? -errno : 0;
}

static int op_open_mkrep(struct made *m)
{
	m->fd[0] = open("/dev/mkrep", O_RDWR | O_CLOEXEC);
	return m->fd[0] < 0 ? -errno : 0;
}

static int create(int dev, struct made *m, unsigned int nslots)
{
	struct mkchan_create c = {
		.size = sizeof(c), .nslots = nslots, .cpu = { 0, 0 },
	};

	if (ioctl(dev, MKCHAN_IOC_CREATE, &c))
		return -errno;
	m->fd[1] = c.fd[0];
	m->fd[2] = c.fd[1];
	return 0;
}

static int dev_fd = -1;

static int op_create(struct made *m)
{
	return create(dev_fd, m, 256);
}

static int op_create_big(struct made *m)
{
	return create(dev_fd, m, 4096);
}

/* Map a view of a channel made beforehand, outside the injection. */
static int op_mmap(struct made *m, int rw)
{
	struct mkchan_ep_info info = { .size = sizeof(info) };

	if (ioctl(m->fd[1], MKCHAN_IOC_EP_INFO, &info))
		return -errno;
	m->len = rw ? info.rw_size : info.ro_size;
	m->map = mmap(NULL, m->len, rw ? PROT_READ | PROT_WRITE : PROT_READ,
		      MAP_SHARED, m->fd[1],
		      rw ? info.rw_offset : info.ro_offset);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		return -errno;
	}
	return 0;
}

static int op_mmap_rw(struct made *m)
{
	return op_mmap(m, 1);
}

static int op_mmap_ro(struct made *m)
{
	return op_mmap(m, 0);
}

static int op_write_read(struct made *m)
{
	struct mkchan_slot s = { .header = 4ULL << MKCHAN_HDR_LEN_SHIFT };

	if (write(m->fd[1], &s, sizeof(s)) != sizeof(s))
		return -errno;
	if (read(m->fd[2], &s, sizeof(s)) != sizeof(s))
		return -errno;
	return 0;
}

struct op {
	const char *name;
	int (*run)(struct made *m);
	bool needs_channel;	/* made before, without injection */
};

static const struct op ops[] = {
	{ "open /dev/mkchan", op_open, false },
	{ "open /dev/mkrep", op_open_mkrep, false },
	{ "MKCHAN_IOC_CREATE, 256 slots", op_create, false },
	{ "MKCHAN_IOC_CREATE, 4096 slots", op_create_big, false },
	{ "mmap of the writable view", op_mmap_rw, true },
	{ "mmap of the read-only view", op_mmap_ro, true },
	{ "write and read", op_write_read, true },
};

FIXTURE(inject) {
	long channels, pages;
};

FIXTURE_SETUP(inject)
{
	/* The test skips (the harness of 6.1 runs it after a setup SKIP). */
	if (!mk_fail_nth_available())
		return;
	ASSERT_EQ(0, mk_fail_nth_setup());
	dev_fd = open("/dev/mkchan", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev_fd);
	self->channels = mk_mkchan_count("channels");
	self->pages = mk_mkchan_count("pages");
	ASSERT_LE(0, self->channels);
}

FIXTURE_TEARDOWN(inject)
{
	mk_fail_nth(0);
	if (dev_fd >= 0)
		close(dev_fd);
	dev_fd = -1;
}

TEST_F_TIMEOUT(inject, every_failure_point, 240)
{
	struct made m = { .fd = { -1, -1, -1 } };
	unsigned int i, n, total = 0;
	int ret, hit;

	if (!mk_fail_nth_available())
		SKIP(return, "no fault injection in this kernel (KFLAVOUR=debug has it)");

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		for (n = 1; n < MAX_POINTS; n++) {
			if (ops[i].needs_channel)
				ASSERT_EQ(0, op_create(&m));
			ASSERT_EQ(0, mk_fail_nth(n));
			ret = ops[i].run(&m);
			hit = mk_fail_nth_hit();
			mk_fail_nth(0);
			if (!hit) {
				/* Past the last allocation: it must work. */
				EXPECT_EQ(0, ret) TH_LOG("%s", ops[i].name);
				undo(&m);
				break;
			}
			if (ret)
				EXPECT_EQ(-ENOMEM, ret)
					TH_LOG("%s, allocation %u: %s",
					       ops[i].name, n, strerror(-ret));
			undo(&m);
			/* Nothing is left behind by a failed attempt. */
			ASSERT_EQ(self->channels, mk_mkchan_count("channels"))
				TH_LOG("%s, allocation %u", ops[i].name, n);
			ASSERT_EQ(self->pages, mk_mkchan_count("pages"));
		}
		EXPECT_GT(MAX_POINTS, n);
		TH_LOG("%s: %u failure points", ops[i].name, n - 1);
		total += n - 1;
	}
	TH_LOG("%u failure points in all", total);
	EXPECT_LT(10, total);

	/* The module works afterwards. */
	ASSERT_EQ(0, op_create(&m));
	EXPECT_EQ(0, op_write_read(&m));
	EXPECT_EQ(0, op_mmap_rw(&m));
	undo(&m);
	EXPECT_EQ(self->channels, mk_mkchan_count("channels"));
}

TEST_HARNESS_MAIN
