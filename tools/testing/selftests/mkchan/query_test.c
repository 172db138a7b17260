// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mkchan: the feature query and the CPU description, checked against
 * the kernel's own view of the machine in sysfs, and every bad argument.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/mkchan.h>
#include <linux/mkrep.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"

#define SYS_CPU		"/sys/devices/system/cpu"
#define SYS_NODE	"/sys/devices/system/node"
#define SYS_PARAM	"/sys/module/mkchan/parameters"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open("/dev/mkchan", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/mkchan: %s", strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

static int query(int fd, struct mkchan_query *q)
{
	return ioctl(fd, MKCHAN_IOC_QUERY, q) ? errno : 0;
}

static int cpu_info(int fd, struct mkchan_cpu_info *ci)
{
	return ioctl(fd, MKCHAN_IOC_CPU_INFO, ci) ? errno : 0;
}

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat("/dev/mkchan", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	/* Any user may create channels; the endpoints are the capabilities. */
	EXPECT_EQ(0666, st.st_mode & 0777);
}

TEST_F(dev, query_matches_sysfs)
{
	struct mkchan_query q = { .size = sizeof(q) };
	long last, v;
	int n;

	ASSERT_EQ(0, query(self->fd, &q));
	EXPECT_EQ(sizeof(q), q.size);
	EXPECT_EQ(0, q.flags);
	EXPECT_EQ(MKCHAN_ABI_VERSION, q.abi_version);
	EXPECT_EQ(MKCHAN_FEAT_QUERY | MKCHAN_FEAT_CPU_INFO,
		  q.features & (MKCHAN_FEAT_QUERY | MKCHAN_FEAT_CPU_INFO));

	n = mk_sysfs_list_count(SYS_CPU "/possible", &last);
	ASSERT_LT(0, n);
	EXPECT_EQ(n, q.nr_possible_cpus);
	EXPECT_EQ(last + 1, q.nr_cpu_ids);

	n = mk_sysfs_list_count(SYS_CPU "/online", &last);
	ASSERT_LT(0, n);
	EXPECT_EQ(n, q.nr_online_cpus);

	n = mk_sysfs_list_count(SYS_NODE "/possible", &last);
	ASSERT_LT(0, n);
	EXPECT_EQ(n, q.nr_possible_nodes);

	n = mk_sysfs_list_count(SYS_NODE "/online", &last);
	ASSERT_LT(0, n);
	EXPECT_EQ(n, q.nr_online_nodes);

	v = mk_read_long(SYS_CPU "/cpu0/cache/index0/coherency_line_size");
	ASSERT_LT(0, v) TH_LOG("no cache description in sysfs");
	EXPECT_EQ(v, q.cache_line_size);
	EXPECT_EQ(sysconf(_SC_PAGESIZE), q.page_size);

	EXPECT_EQ(mk_read_long(SYS_PARAM "/max_slots"), q.max_slots);
	EXPECT_EQ(mk_read_long(SYS_PARAM "/max_channels_per_user"),
		  q.max_channels_per_user);
	EXPECT_EQ(0, q.__reserved0);
	EXPECT_EQ(0, q.__reserved[0]);
	EXPECT_EQ(0, q.__reserved[1]);
}

TEST_F(dev, cpu_info_matches_sysfs)
{
	struct mkchan_query q = { .size = sizeof(q) };
	unsigned int cpu, seen = 0;
	char path[128];

	ASSERT_EQ(0, query(self->fd, &q));
	for (cpu = 0; cpu < q.nr_cpu_ids; cpu++) {
		struct mkchan_cpu_info ci = { .size = sizeof(ci), .cpu = cpu };
		int possible = mk_sysfs_list_has(SYS_CPU "/possible", cpu);
		int present = mk_sysfs_list_has(SYS_CPU "/present", cpu);
		int online = mk_sysfs_list_has(SYS_CPU "/online", cpu);
		struct stat st;

		if (!possible) {
			EXPECT_EQ(EINVAL, cpu_info(self->fd, &ci));
			continue;
		}
		ASSERT_EQ(0, cpu_info(self->fd, &ci)) TH_LOG("cpu %u", cpu);
		seen++;
		EXPECT_EQ(cpu, ci.cpu);
		EXPECT_EQ(sizeof(ci), ci.size);
		EXPECT_EQ(MKCHAN_CPU_POSSIBLE |
			  (present ? MKCHAN_CPU_PRESENT : 0) |
			  (online ? MKCHAN_CPU_ONLINE : 0), ci.state);

		/* The node is the one sysfs links the CPU to. */
		snprintf(path, sizeof(path), SYS_CPU "/cpu%u/node%u", cpu,
			 ci.node);
		EXPECT_EQ(0, stat(path, &st)) TH_LOG("%s missing", path);
		snprintf(path, sizeof(path), SYS_NODE "/node%u/cpulist",
			 ci.node);
		EXPECT_EQ(1, mk_sysfs_list_has(path, cpu));

		if (!online)
			continue;
		snprintf(path, sizeof(path),
			 SYS_CPU "/cpu%u/topology/physical_package_id", cpu);
		EXPECT_EQ(mk_read_long(path), ci.package_id);
		snprintf(path, sizeof(path), SYS_CPU "/cpu%u/topology/die_id",
			 cpu);
		EXPECT_EQ(mk_read_long(path), ci.die_id);
		snprintf(path, sizeof(path), SYS_CPU "/cpu%u/topology/core_id",
			 cpu);
		EXPECT_EQ(mk_read_long(path), ci.core_id);
	}
	EXPECT_EQ(q.nr_possible_cpus, seen);
}

static int set_online(unsigned int cpu, int on)
{
	char path[64];

	snprintf(path, sizeof(path), SYS_CPU "/cpu%u/online", cpu);
	return -mk_write_str(path, on ? "1" : "0");
}

/*
 * An offline CPU keeps the topology it had when last online: x86 zeroes
 * a CPU's core id when it goes offline, so the CPU taken offline is one
 * whose core is not 0 (the guest's CPUs are cores of one package).
 */
TEST_F(dev, cpu_info_offline_keeps_topology)
{
	struct mkchan_cpu_info on = { .size = sizeof(on) };
	struct mkchan_cpu_info off = { .size = sizeof(off) };
	char path[128];
	long last = 0;
	unsigned int cpu;
	int found = 0;

	ASSERT_LT(0, mk_sysfs_list_count(SYS_CPU "/online", &last));
	for (cpu = last; cpu > 0 && !found; cpu--) {
		snprintf(path, sizeof(path), SYS_CPU "/cpu%u/online", cpu);
		if (access(path, W_OK) ||
		    mk_sysfs_list_has(SYS_CPU "/online", cpu) != 1)
			continue;
		on.cpu = cpu;
		ASSERT_EQ(0, cpu_info(self->fd, &on));
		found = on.core_id != 0;
	}
	ASSERT_TRUE(found) TH_LOG("no online, hotpluggable CPU with a core id other than 0");
	ASSERT_EQ(0, set_online(on.cpu, 0));
	off.cpu = on.cpu;
	EXPECT_EQ(0, cpu_info(self->fd, &off));
	EXPECT_EQ(0, set_online(on.cpu, 1));
	TH_LOG("cpu %u: package %u die %u core %u online, %u %u %u offline",
	       on.cpu, on.package_id, on.die_id, on.core_id,
	       off.package_id, off.die_id, off.core_id);
	EXPECT_EQ(MKCHAN_CPU_POSSIBLE | MKCHAN_CPU_PRESENT, off.state);
	EXPECT_EQ(on.node, off.node);
	EXPECT_EQ(on.package_id, off.package_id);
	EXPECT_EQ(on.die_id, off.die_id);
	EXPECT_EQ(on.core_id, off.core_id);
}

TEST_F(dev, cpu_info_not_possible)
{
	struct mkchan_query q = { .size = sizeof(q) };
	struct mkchan_cpu_info ci = { .size = sizeof(ci) };

	ASSERT_EQ(0, query(self->fd, &q));
	ci.cpu = q.nr_cpu_ids;
	EXPECT_EQ(EINVAL, cpu_info(self->fd, &ci));
	ci.cpu = UINT32_MAX;
	EXPECT_EQ(EINVAL, cpu_info(self->fd, &ci));
	ci.cpu = 1U << 31;
	EXPECT_EQ(EINVAL, cpu_info(self->fd, &ci));
}

TEST_F(dev, unknown_ioctl)
{
	struct mkchan_query q = { .size = sizeof(q) };
	struct mkrep_query rq = { .size = sizeof(rq) };

	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(MKCHAN_IOC_MAGIC, 0x3f,
					    struct mkchan_query), &q));
	EXPECT_EQ(ENOTTY, errno);
	/* Right number, another size encoded: the struct's @size counts. */
	EXPECT_EQ(0, ioctl(self->fd, _IOWR(MKCHAN_IOC_MAGIC, 0x00, __u64),
			   &q));
	EXPECT_EQ(sizeof(q), q.size);
	/* Right number, wrong direction. */
	EXPECT_EQ(-1, ioctl(self->fd, _IOR(MKCHAN_IOC_MAGIC, 0x00,
					   struct mkchan_query), &q));
	EXPECT_EQ(ENOTTY, errno);
	/* mkrep's query is not mkchan's. */
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_QUERY, &rq));
	EXPECT_EQ(ENOTTY, errno);
	/* A terminal ioctl. */
	EXPECT_EQ(-1, ioctl(self->fd, TCGETS, &q));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, query_size_too_small)
{
	struct mkchan_query q;
	__u32 sizes[] = { 0, 4, 8, MKCHAN_QUERY_SIZE_VER0 - 8,
			  MKCHAN_QUERY_SIZE_VER0 - 1 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&q, 0, sizeof(q));
		q.size = sizes[i];
		EXPECT_EQ(EINVAL, query(self->fd, &q)) TH_LOG("size %u", sizes[i]);
		/* Nothing was written back. */
		EXPECT_EQ(0, q.abi_version);
	}
}

TEST_F(dev, query_size_above_page)
{
	long page = sysconf(_SC_PAGESIZE);
	struct mkchan_query *q = calloc(1, 2 * page);

	ASSERT_NE(NULL, q);
	q->size = page + 8;
	EXPECT_EQ(EINVAL, query(self->fd, q));
	q->size = UINT32_MAX;
	EXPECT_EQ(EINVAL, query(self->fd, q));
	free(q);
}

struct query_ext {
	struct mkchan_query q;
	__u64 future[2];
};

TEST_F(dev, query_larger_zero_tail)
{
	struct query_ext e;

	memset(&e, 0, sizeof(e));
	e.q.size = sizeof(e);
	ASSERT_EQ(0, query(self->fd, &e.q));
	/* The kernel says how much it knows and writes no further. */
	EXPECT_EQ(sizeof(e.q), e.q.size);
	EXPECT_EQ(MKCHAN_ABI_VERSION, e.q.abi_version);
	EXPECT_EQ(0, e.future[0]);
	EXPECT_EQ(0, e.future[1]);
}

TEST_F(dev, query_larger_nonzero_tail)
{
	struct query_ext e;

	memset(&e, 0, sizeof(e));
	e.q.size = sizeof(e);
	e.future[1] = 1;
	EXPECT_EQ(E2BIG, query(self->fd, &e.q));
}

TEST_F(dev, query_unknown_flags)
{
	struct mkchan_query q = { .size = sizeof(q) };

	q.flags = 1;
	EXPECT_EQ(EINVAL, query(self->fd, &q));
	q.flags = 1U << 31;
	EXPECT_EQ(EINVAL, query(self->fd, &q));
}

TEST_F(dev, query_reserved_nonzero)
{
	struct mkchan_query q = { .size = sizeof(q) };

	q.__reserved0 = 1;
	EXPECT_EQ(EINVAL, query(self->fd, &q));
	q.__reserved0 = 0;
	q.__reserved[0] = 1;
	EXPECT_EQ(EINVAL, query(self->fd, &q));
	q.__reserved[0] = 0;
	q.__reserved[1] = 1ULL << 63;
	EXPECT_EQ(EINVAL, query(self->fd, &q));
}

TEST_F(dev, query_output_fields_ignored_on_input)
{
	struct mkchan_query q;

	memset(&q, 0xff, sizeof(q));
	q.size = sizeof(q);
	q.flags = 0;
	q.__reserved0 = 0;
	q.__reserved[0] = 0;
	q.__reserved[1] = 0;
	ASSERT_EQ(0, query(self->fd, &q));
	EXPECT_EQ(MKCHAN_ABI_VERSION, q.abi_version);
}

TEST_F(dev, query_bad_pointer)
{
	EXPECT_EQ(-1, ioctl(self->fd, MKCHAN_IOC_QUERY, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, MKCHAN_IOC_QUERY, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, MKCHAN_IOC_CPU_INFO, (void *)-4096L));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(dev, cpu_info_bad_arguments)
{
	struct mkchan_cpu_info ci = { .size = sizeof(ci) };

	ci.flags = 2;
	EXPECT_EQ(EINVAL, cpu_info(self->fd, &ci));
	ci.flags = 0;
	ci.__reserved[1] = 5;
	EXPECT_EQ(EINVAL, cpu_info(self->fd, &ci));
	ci.__reserved[1] = 0;
	ci.size = MKCHAN_CPU_INFO_SIZE_VER0 - 4;
	EXPECT_EQ(EINVAL, cpu_info(self->fd, &ci));
	ci.size = sizeof(ci);
	EXPECT_EQ(0, cpu_info(self->fd, &ci));
}

TEST_F(dev, read_write_unsupported)
{
	char buf[64] = { 0 };

	/* The device is a factory: it carries no data itself. */
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

TEST_HARNESS_MAIN
