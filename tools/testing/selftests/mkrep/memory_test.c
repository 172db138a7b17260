// SPDX-License-Identifier: GPL-2.0
/*
 * What a space costs and who pays for it:
 *
 * - the kernel memory of a space follows design.rst's formula: 17 bytes
 *   a page of its length, 8 a possible CPU, a struct of at most 512
 *   bytes; each member the same 8 bytes a page, a status page and a
 *   struct of at most 192 bytes, however many members there are (the
 *   "bytes" count of /sys/kernel/debug/mkrep/objects: what mkrep asks of
 *   the allocators for its records; 256 bytes on PREEMPT_RT);
 * - a user holds at most max_spaces_per_user spaces whose lengths add
 *   up to at most max_pages_per_user pages: past either, EDQUOT, and
 *   another user is not affected;
 * - the pages are charged to the creator's memory cgroup: at its
 *   memory.max a MAP fails with ENOMEM, nobody is OOM-killed, and the
 *   MAP works again once pages are unmapped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"
#include "libmkchan.h"
#include "members.h"

#define PARAMS		"/sys/module/mkrep/parameters/"
#define USERS		"/sys/kernel/debug/mkrep/users"
#define CGROOT		"/sys/fs/cgroup"
#define NOBODY		65534

static long page_size;

/* The "bytes" count once RCU freed what the last test left. */
static long bytes_settled(void)
{
	return mk_objects_settle("mkrep", "bytes", 0, 5000);
}

/* nr_cpu_ids: one past the last possible CPU. */
static long possible_cpus(void)
{
	long last = -1;

	if (mk_sysfs_list_count("/sys/devices/system/cpu/possible", &last) <= 0)
		return -1;
	return last + 1;
}

/* The bytes a space of @npages pages adds, with @n blocked members. */
static long space_bytes(struct __test_metadata *_metadata, int dev,
			long npages, int n, const int *cpus)
{
	struct mkm_set set;
	long before, after;
	int fd, ret;

	before = bytes_settled();
	if (before < 0)
		return -1;
	fd = mkrep_space_create(dev, npages * page_size,
				MKREP_STRATEGY_BROADCAST, 0);
	if (fd < 0) {
		TH_LOG("space of %ld pages: %s", npages, strerror(-fd));
		return -1;
	}
	if (mkm_init(&set)) {
		close(fd);
		return -1;
	}
	ret = n ? mkm_start(&set, fd, n, cpus, MKM_BLOCKED) : 0;
	after = mk_mkrep_count("bytes");
	mkm_free(&set);
	close(fd);
	if (ret) {
		TH_LOG("%d members: %s", n, strerror(-ret));
		return -1;
	}
	EXPECT_EQ(before, bytes_settled()) TH_LOG("a space left bytes behind");
	return after - before;
}

/*
 * S(P, n) = s0 + 17 P + 8 C + C/8 + n (m0 + 8 P + PAGE_SIZE): measured at
 * two lengths and every member count the guest allows, the slopes are
 * exact and the constants within the formula's: s0 at most 512 bytes, m0
 * at most 192 (256 on PREEMPT_RT, whose mutexes and spinlocks are
 * rt_mutexes).  Lockdep's maps make the structs larger still: with it,
 * the constants are only reported.
 */
TEST(formula)
{
	const long p1 = 16, p2 = 4096;
	long c, b1, b2, base, one, k_bytes, m0, m0_max = 192;
	int dev, cpus[MKM_MAX], n = 0, k, i;
	bool lockdep;
	cpu_set_t set;

	page_size = sysconf(_SC_PAGESIZE);
	lockdep = !access("/proc/lockdep", F_OK);
	if (mk_read_long("/sys/kernel/realtime") == 1)
		m0_max = 256;
	c = possible_cpus();
	ASSERT_LT(0, c);
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (i = 0; i < CPU_SETSIZE && n < MKM_MAX; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	dev = mkrep_open();
	ASSERT_LE(0, dev);

	b1 = space_bytes(_metadata, dev, p1, 0, cpus);
	b2 = space_bytes(_metadata, dev, p2, 0, cpus);
	ASSERT_LT(0, b1);
	ASSERT_LT(0, b2);
	TH_LOG("C = %ld: a space of %ld pages takes %ld bytes, of %ld pages %ld",
	       c, p1, b1, p2, b2);
	EXPECT_EQ(17 * (p2 - p1), b2 - b1) TH_LOG("not 17 bytes a page");
	base = b1 - 17 * p1 - 8 * c;
	TH_LOG("the space's struct and mask: %ld bytes%s", base,
	       lockdep ? " (lockdep: not checked)" : "");
	EXPECT_LT(0, base);
	if (!lockdep)
		EXPECT_GE(512 + (c + 63) / 64 * 8, base);

	one = 0;
	for (k = 1; k <= n; k++) {
		k_bytes = space_bytes(_metadata, dev, p2, k, cpus);
		ASSERT_LT(0, k_bytes);
		m0 = (k_bytes - b2) / k - 8 * p2 - page_size;
		TH_LOG("%d members: %ld bytes, %ld a member beyond its replica and status page",
		       k, k_bytes, m0);
		/* Linear: every member costs what the first did. */
		if (k == 1)
			one = k_bytes - b2;
		else
			EXPECT_EQ(k * one, k_bytes - b2)
				TH_LOG("member %d did not cost what the first did",
				       k);
		EXPECT_LT(0, m0);
		if (lockdep)
			continue;
		EXPECT_GE(m0_max, m0);
		EXPECT_GE(512 + 17 * p2 + 8 * c + (c + 63) / 64 * 8 +
			  k * (m0_max + 8 * p2 + page_size), k_bytes);
	}
	close(dev);
}

/* --- per-user limits ----------------------------------------------------- */

FIXTURE(limits) {
	char spaces[32], pages[32];	/* the parameters as they were */
	int dev;
	pid_t kid;
};

FIXTURE_SETUP(limits)
{
	page_size = sysconf(_SC_PAGESIZE);
	self->kid = -1;
	ASSERT_LT(0, mk_read_file(PARAMS "max_spaces_per_user", self->spaces,
				  sizeof(self->spaces)));
	ASSERT_LT(0, mk_read_file(PARAMS "max_pages_per_user", self->pages,
				  sizeof(self->pages)));
	self->dev = mkrep_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(limits)
{
	if (self->kid > 0) {
		kill(self->kid, SIGKILL);
		waitpid(self->kid, NULL, 0);
	}
	close(self->dev);
	mk_write_str(PARAMS "max_spaces_per_user", self->spaces);
	mk_write_str(PARAMS "max_pages_per_user", self->pages);
	EXPECT_EQ(0, mk_objects_settle("mkrep", "spaces", 0, 5000));
}

/* The spaces and pages @uid holds, as debugfs says; 0 if none. */
static int user_holds(long uid, long *spaces, long *pages)
{
	char buf[4096], *p;
	long u, s, n;

	*spaces = *pages = 0;
	if (mk_read_file(USERS, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (sscanf(p, "%ld %ld %ld", &u, &s, &n) == 3 && u == uid) {
			*spaces = s;
			*pages = n;
		}
	return 0;
}

static int create(int dev, long npages)
{
	return mkrep_space_create(dev, npages * page_size,
				  MKREP_STRATEGY_BROADCAST, 0);
}

/* What the unprivileged child of spaces_per_user saw. */
struct nobody_report {
	int step;		/* 0, or where it failed */
	int made;		/* spaces it made until EDQUOT */
	int err;		/* the error after them */
	int again;		/* a create after closing one: 0 or -errno */
};

/*
 * User nobody may hold max_spaces_per_user spaces: the next fails with
 * EDQUOT while root still makes one, debugfs charges them to nobody, and
 * once it closed one it makes one again.
 */
TEST_F(limits, spaces_per_user)
{
	struct nobody_report *r;
	int go[2], done[2], fds[8], fd, i, st;
	long spaces, pages;
	char c;

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	ASSERT_EQ(0, mk_write_str(PARAMS "max_spaces_per_user", "3"));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	self->kid = fork();
	ASSERT_LE(0, self->kid);
	if (!self->kid) {
		int dev;

		close(go[1]);
		close(done[0]);
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(r->step = 1);
		dev = mkrep_open();
		if (dev < 0)
			_exit(r->step = 2);
		for (i = 0; i < 8; i++) {
			fds[i] = create(dev, 2);
			if (fds[i] < 0)
				break;
			r->made++;
		}
		r->err = i < 8 ? -fds[i] : 0;
		/* Let the parent look, then close one and try again. */
		if (write(done[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(r->step = 3);
		close(fds[0]);
		fd = create(dev, 2);
		r->again = fd < 0 ? fd : 0;
		if (write(done[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(r->step = 4);
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	ASSERT_EQ(1, read(done[0], &c, 1));
	EXPECT_EQ(0, r->step);
	EXPECT_EQ(3, r->made);
	EXPECT_EQ(EDQUOT, r->err) TH_LOG("after 3 spaces: %s", strerror(r->err));
	ASSERT_EQ(0, user_holds(NOBODY, &spaces, &pages));
	EXPECT_EQ(3, spaces);
	EXPECT_EQ(6, pages);
	/* Root's count is its own. */
	fd = create(self->dev, 2);
	EXPECT_LE(0, fd) TH_LOG("root: %s", strerror(-fd));
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(1, read(done[0], &c, 1));
	EXPECT_EQ(0, r->again) TH_LOG("after a close: %s", strerror(-r->again));
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(self->kid, waitpid(self->kid, &st, 0));
	self->kid = -1;
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	/* Gone with its spaces. */
	EXPECT_EQ(0, mk_objects_settle("mkrep", "spaces", 0, 5000));
	ASSERT_EQ(0, user_holds(NOBODY, &spaces, &pages));
	EXPECT_EQ(0, spaces);
	EXPECT_EQ(0, pages);
	munmap(r, sizeof(*r));
	close(go[1]);
	close(done[0]);
}

/*
 * The lengths of a user's spaces add up to at most max_pages_per_user
 * pages: a space that would pass it fails with EDQUOT, a smaller one
 * fits, and closing a space gives its pages back.
 */
TEST_F(limits, pages_per_user)
{
	long spaces, pages;
	int a, b, c;

	ASSERT_EQ(0, mk_write_str(PARAMS "max_pages_per_user", "64"));
	a = create(self->dev, 48);
	ASSERT_LE(0, a) TH_LOG("48 pages: %s", strerror(-a));
	EXPECT_EQ(-EDQUOT, create(self->dev, 32));
	EXPECT_EQ(-EDQUOT, create(self->dev, 65));
	b = create(self->dev, 16);
	ASSERT_LE(0, b) TH_LOG("16 more pages: %s", strerror(-b));
	EXPECT_EQ(-EDQUOT, create(self->dev, 1));
	ASSERT_EQ(0, user_holds(getuid(), &spaces, &pages));
	EXPECT_EQ(2, spaces);
	EXPECT_EQ(64, pages);
	close(a);
	c = create(self->dev, 32);
	EXPECT_LE(0, c) TH_LOG("after a close: %s", strerror(-c));
	if (c >= 0)
		close(c);
	close(b);
	ASSERT_EQ(0, user_holds(getuid(), &spaces, &pages));
	EXPECT_EQ(0, spaces);
	EXPECT_EQ(0, pages);
	/* A lower limit leaves the spaces made under the old one alone. */
	ASSERT_EQ(0, mk_write_str(PARAMS "max_pages_per_user", "64"));
	a = create(self->dev, 64);
	ASSERT_LE(0, a);
	ASSERT_EQ(0, mk_write_str(PARAMS "max_pages_per_user", "8"));
	EXPECT_EQ(-EDQUOT, create(self->dev, 1));
	close(a);
	b = create(self->dev, 8);
	EXPECT_LE(0, b) TH_LOG("under the new limit: %s", strerror(-b));
	if (b >= 0)
		close(b);
}

/* --- memory.max ---------------------------------------------------------- */

#define CG_SPACE_PAGES	16384	/* 64 MiB with 4 KiB pages */
#define CG_CHUNK	256	/* pages a MAP */

/* What the child of cgroup_memory_max saw. */
struct cg_report {
	int step;		/* 0, or where it failed */
	long mapped;		/* pages mapped until a MAP failed */
	int err;		/* how it failed */
	int again;		/* a MAP after unmapping all: 0 or errno */
};

static void cg_child(const char *cgroup, int cpu, struct cg_report *r)
{
	struct mkrep_replica rep;
	char path[160], pid[16];
	int dev, fd, ret = 0;
	long off;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (mk_write_str(path, pid))
		_exit(r->step = 1);
	if (mk_pin_cpu(cpu))
		_exit(r->step = 2);
	dev = mkrep_open();
	if (dev < 0)
		_exit(r->step = 3);
	fd = mkrep_space_create(dev, CG_SPACE_PAGES * page_size,
				MKREP_STRATEGY_BROADCAST, 0);
	if (fd < 0)
		_exit(r->step = 4);
	if (mkrep_join(fd, cpu, &rep))
		_exit(r->step = 5);
	for (off = 0; off < CG_SPACE_PAGES; off += CG_CHUNK) {
		ret = mkrep_op(&rep, MKREP_OP_MAP, MKREP_PROT_READ,
			       off * page_size, CG_CHUNK * page_size, NULL);
		if (ret)
			break;
		r->mapped += CG_CHUNK;
	}
	r->err = -ret;
	if (mkrep_op(&rep, MKREP_OP_UNMAP, 0, 0, CG_SPACE_PAGES * page_size,
		     NULL))
		_exit(r->step = 6);
	r->again = -mkrep_op(&rep, MKREP_OP_MAP, MKREP_PROT_READ, 0,
			     CG_CHUNK * page_size, NULL);
	_exit(0);
}

/* The value of @key in a "key value" file such as memory.events. */
static long key_value(const char *buf, const char *key)
{
	const char *p = buf;
	size_t n = strlen(key);

	while (p && *p) {
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtol(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return -1;
}

FIXTURE(cg) {
	char cgroup[128];
	bool mounted, memory_on;
};

FIXTURE_SETUP(cg)
{
	page_size = sysconf(_SC_PAGESIZE);
}

FIXTURE_TEARDOWN(cg)
{
	if (self->cgroup[0])
		rmdir(self->cgroup);
	if (self->memory_on)
		mk_write_str(CGROOT "/cgroup.subtree_control", "-memory");
	if (self->mounted)
		umount(CGROOT);
}

/*
 * A process in a memory cgroup of memory.max 8M maps pages of a 64 MiB
 * space until a MAP fails: ENOMEM, before 8M, without an OOM kill; after
 * it unmapped them, a MAP works again.
 */
TEST_F_TIMEOUT(cg, cgroup_memory_max, 120)
{
	struct cg_report *r;
	char buf[1024], path[160];
	struct stat cg, fs;
	uint64_t end;
	pid_t pid;
	int st;

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	memset(r, 0, sizeof(*r));
	if (access(CGROOT "/cgroup.controllers", F_OK)) {
		if (stat(CGROOT, &cg) || stat("/sys/fs", &fs) ||
		    cg.st_dev != fs.st_dev)
			SKIP(return, CGROOT " is not cgroup v2");
		ASSERT_EQ(0, mount("cgroup2", CGROOT, "cgroup2", 0, NULL));
		self->mounted = true;
	}
	ASSERT_LE(0, mk_read_file(CGROOT "/cgroup.controllers", buf,
				  sizeof(buf)));
	ASSERT_NE(NULL, strstr(buf, "memory")) TH_LOG("no memory controller");
	ASSERT_LE(0, mk_read_file(CGROOT "/cgroup.subtree_control", buf,
				  sizeof(buf)));
	if (!strstr(buf, "memory")) {
		ASSERT_EQ(0, mk_write_str(CGROOT "/cgroup.subtree_control",
					  "+memory"));
		self->memory_on = true;
	}
	snprintf(self->cgroup, sizeof(self->cgroup), CGROOT "/mkrep-memory-%d",
		 getpid());
	ASSERT_EQ(0, mkdir(self->cgroup, 0755));
	snprintf(path, sizeof(path), "%s/memory.max", self->cgroup);
	ASSERT_EQ(0, mk_write_str(path, "8M"));
	snprintf(path, sizeof(path), "%s/memory.swap.max", self->cgroup);
	mk_write_str(path, "0");	/* there may be no swap controller */

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		alarm(60);
		cg_child(self->cgroup, sched_getcpu(), r);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	snprintf(path, sizeof(path), "%s/memory.events", self->cgroup);
	ASSERT_LT(0, mk_read_file(path, buf, sizeof(buf)));
	TH_LOG("%ld pages mapped, then %s; after unmapping them: %s",
	       r->mapped, strerror(r->err), strerror(r->again));
	TH_LOG("memory.events: oom %ld, oom_kill %ld, max %ld",
	       key_value(buf, "oom"), key_value(buf, "oom_kill"),
	       key_value(buf, "max"));
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st))
		TH_LOG("the child: status %#x", st);
	EXPECT_EQ(0, r->step);
	EXPECT_EQ(0, key_value(buf, "oom_kill"));
	EXPECT_LT(0, r->mapped);
	EXPECT_GT(8L * 1024 * 1024 / page_size, r->mapped)
		TH_LOG("memory.max is not applied");
	EXPECT_EQ(ENOMEM, r->err);
	EXPECT_EQ(0, r->again);
	EXPECT_EQ(0, mk_objects_settle("mkrep", "spaces", 0, 5000));
	EXPECT_EQ(0, mk_mkrep_count("pages"));

	end = mkm_now_ns() + 10ULL * 1000000000;
	while (rmdir(self->cgroup) && errno == EBUSY && mkm_now_ns() < end)
		usleep(10000);
	EXPECT_NE(0, access(self->cgroup, F_OK));
	self->cgroup[0] = '\0';
	munmap(r, sizeof(*r));
}

TEST_HARNESS_MAIN
