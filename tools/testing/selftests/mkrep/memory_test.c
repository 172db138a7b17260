// SPDX-License-Identifier: GPL-2.0
/*
 * What a space costs and who pays for it:
 *
 * - the kernel memory a space and its members take, as their memory
 *   cgroup is charged for it (memory.stat's "kernel": slab, large
 *   kmalloc, vmalloc, page tables), follows design.rst's formula
 *   S(P, n) = 512 + 17 P + 8 C + 16 ceil(C/64) + n (192 + 8 P + PAGE_SIZE + 1100)
 *   at the guest's sizes, and every member costs what the first did;
 * - a user holds at most max_spaces_per_user spaces whose lengths add
 *   up to at most max_pages_per_user pages: past either, EDQUOT, and
 *   another user is not affected;
 * - the pages are charged to the creator's memory cgroup, whoever maps
 *   them: at its memory.max a MAP by a member outside it fails with
 *   ENOMEM, nobody is OOM-killed, and the MAP works again once pages
 *   are unmapped.
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
#include <sys/socket.h>
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
#define SEC		1000000000ULL

static long page_size;

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

/* --- memory cgroups ------------------------------------------------------ */

FIXTURE(cg) {
	char cgroup[128];
	bool mounted, memory_on;
	pid_t kids[MKM_MAX + 1];
	int nkids;
};

FIXTURE_SETUP(cg)
{
	char buf[1024];
	struct stat cg, fs;

	page_size = sysconf(_SC_PAGESIZE);
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
}

FIXTURE_TEARDOWN(cg)
{
	uint64_t end = mkm_now_ns() + 10 * SEC;
	int i;

	for (i = 0; i < self->nkids; i++) {
		kill(self->kids[i], SIGKILL);
		waitpid(self->kids[i], NULL, 0);
	}
	if (self->cgroup[0]) {
		while (rmdir(self->cgroup) && errno == EBUSY &&
		       mkm_now_ns() < end)
			usleep(10000);
		EXPECT_NE(0, access(self->cgroup, F_OK));
	}
	if (self->memory_on)
		mk_write_str(CGROOT "/cgroup.subtree_control", "-memory");
	if (self->mounted)
		umount(CGROOT);
}

/* Write @value into the file @name of the test's cgroup: 0 or -errno. */
static int cg_write(const char *cgroup, const char *name, const char *value)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", cgroup, name);
	return mk_write_str(path, value);
}

/* Move the calling process into @cgroup: 0 or -errno. */
static int cg_enter(const char *cgroup)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	return cg_write(cgroup, "cgroup.procs", pid);
}

/*
 * The kernel memory charged to @cgroup, in bytes.  memory.stat adds up
 * per-CPU deltas that a flush folds in, and reading memory.stat flushes
 * only past a threshold (about MEMCG_CHARGE_BATCH pages of updates a
 * CPU); otherwise a deferrable worker does every 2 s, or later on an
 * idle or busy machine.  Reading the cgroup's cpu.stat flushes its whole
 * rstat tree, the memory controller's deltas included (6.1 and 6.12:
 * cgroup_base_stat_cputime_show()), so the count read after it is exact.
 */
static long cg_kernel(const char *cgroup)
{
	char path[192], buf[8192];

	snprintf(path, sizeof(path), "%s/cpu.stat", cgroup);
	if (mk_read_all(path, buf, sizeof(buf)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/memory.stat", cgroup);
	if (mk_read_all(path, buf, sizeof(buf)) < 0)
		return -1;
	return mk_key_value(buf, "kernel");
}

/* nr_cpu_ids: one past the last possible CPU. */
static long possible_cpus(void)
{
	long last = -1;

	if (mk_sysfs_list_count("/sys/devices/system/cpu/possible", &last) <= 0)
		return -1;
	return last + 1;
}

#define FORMULA_BIG	65536	/* pages: the default max_space_pages */

/*
 * A helper of the formula: moves itself into @cgroup, binds itself to
 * @cpu, says 0 (or an errno) on @sock (a SOCK_SEQPACKET pair) and then
 * serves it: 'C' makes a space of @npages pages and sends its descriptor
 * back ('B' one of FORMULA_BIG pages), 'J' then a descriptor joins it
 * (answering 0 or an errno), 'Q' ends.  Nothing else it does
 * allocates kernel memory.
 */
static void formula_helper(const char *cgroup, int cpu, int sock, long npages)
{
	struct mkrep_replica r;
	char c, err = 0;
	int dev = -1, fd;

	if (cg_enter(cgroup) || mk_pin_cpu(cpu))
		err = 1;
	else
		dev = mkrep_open();
	if (dev < 0)
		err = 2;
	if (write(sock, &err, 1) != 1 || err)
		_exit(1);
	while (read(sock, &c, 1) == 1) {
		switch (c) {
		case 'C':
		case 'B':
			fd = mkrep_space_create(dev, (c == 'B' ? FORMULA_BIG :
						      npages) * page_size,
						MKREP_STRATEGY_BROADCAST, 0);
			if (fd < 0 || mk_send_fd(sock, fd, 0))
				_exit(3);
			close(fd);
			break;
		case 'J':
			fd = mk_recv_fd(sock, 0);
			err = fd < 0 ? EBADF : -mkrep_join(fd, cpu, &r);
			if (fd >= 0)
				close(fd);
			if (write(sock, &err, 1) != 1)
				_exit(4);
			break;
		default:
			_exit(0);
		}
	}
	_exit(5);
}

/*
 * S(P, n) = 512 + 17 P + 8 C + 16 ceil(C/64) + n (192 + 8 P + PAGE_SIZE + 1100),
 * the formula of design.rst, against what the memory cgroup of the
 * space's creator and members is charged: a space of 4096 pages made by
 * a helper process, then one of 65536 (the slope: 17 bytes a page within
 * a third of a byte), then the first joined by one helper a CPU.  Each
 * step is within two pages and 2 KiB of the formula (the controller's
 * per-CPU byte stocks are charged a page at a time; the space's own file
 * is not in the formula), a member's also allowed up to four pages more:
 * the page tables that mapping its status page may take and the kernel's
 * own objects, which differ by series (6.1 measured 45 to 53 KiB a
 * member, 6.12 33 to 41), and all the members together within
 * the same of n times a member's part: no member costs more because
 * others joined before.  On PREEMPT_RT, whose locks are
 * rt_mutexes, a member's struct counts 256 bytes and its file, inode,
 * dentry and VMAs about 3000 instead of 1100.  Lockdep and KASAN grow
 * every struct: with lockdep on, the members together are within n times
 * the first, give or take each member's two pages and 2 KiB of stock (the
 * first may find a page already charged: 6.12 debug saw 36 KiB, then 44,
 * 48 and 44), and the rest is only reported.
 */
TEST_F_TIMEOUT(cg, formula, 120)
{
	const long p = 4096, slack = 2 * page_size + 2048;
	long c, k0, k1, kbig, kprev, knext, space, member, first = 0;
	long m0 = 192, kobj = 1100;
	int socks[MKM_MAX][2], cpus[MKM_MAX], n = 0, i, fd = -1, big;
	bool lockdep = !access("/proc/lockdep", F_OK);
	cpu_set_t set;
	char err;

	if (mk_read_long("/sys/kernel/realtime") == 1) {
		m0 = 256;
		kobj = 3000;
	}
	c = possible_cpus();
	ASSERT_LT(0, c);
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (i = 0; i < CPU_SETSIZE && n < MKM_MAX; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, socks[i]));
		self->kids[i] = fork();
		ASSERT_LE(0, self->kids[i]);
		if (!self->kids[i]) {
			close(socks[i][0]);
			alarm(100);
			formula_helper(self->cgroup, cpus[i], socks[i][1], p);
		}
		self->nkids++;
		close(socks[i][1]);
		ASSERT_EQ(1, read(socks[i][0], &err, 1));
		ASSERT_EQ(0, err) TH_LOG("helper %d could not start", i);
	}

	k0 = cg_kernel(self->cgroup);
	ASSERT_LE(0, k0);
	ASSERT_EQ(1, write(socks[0][0], "C", 1));
	fd = mk_recv_fd(socks[0][0], 0);
	ASSERT_LE(0, fd);
	k1 = cg_kernel(self->cgroup);
	space = 512 + 17 * p + 8 * c + 2 * ((c + 63) / 64 * 8);
	member = m0 + 8 * p + page_size + kobj;
	TH_LOG("C = %ld, P = %ld: the space %ld bytes (formula %ld)%s",
	       c, p, k1 - k0, space, lockdep ? "; lockdep: not checked" : "");
	if (!lockdep)
		EXPECT_GE(slack, labs(k1 - k0 - space));
	/* The slope, to a third of a byte a page: one more, larger space. */
	ASSERT_EQ(1, write(socks[0][0], "B", 1));
	big = mk_recv_fd(socks[0][0], 0);
	ASSERT_LE(0, big);
	kbig = cg_kernel(self->cgroup);
	TH_LOG("a space of %d pages: %ld bytes more, %.2f a page beyond the first",
	       FORMULA_BIG, kbig - k1,
	       (double)(kbig - k1 - (k1 - k0)) / (FORMULA_BIG - p));
	EXPECT_GE(2 * slack, labs(kbig - k1 - (k1 - k0) -
				  17 * (FORMULA_BIG - p)));
	/* From here on, the members only. */
	kprev = kbig;
	for (i = 0; i < n; i++) {
		ASSERT_EQ(1, write(socks[i][0], "J", 1));
		ASSERT_EQ(0, mk_send_fd(socks[i][0], fd, 0) ? errno : 0);
		ASSERT_EQ(1, read(socks[i][0], &err, 1));
		ASSERT_EQ(0, err) TH_LOG("join %d: %s", i, strerror(err));
		knext = cg_kernel(self->cgroup);
		TH_LOG("member %d: %ld bytes (formula %ld)", i + 1,
		       knext - kprev, member);
		if (!i)
			first = knext - kprev;
		if (!lockdep) {
			EXPECT_LE(member - slack, knext - kprev);
			EXPECT_GE(member + 4 * page_size + slack,
				  knext - kprev);
		}
		kprev = knext;
	}
	TH_LOG("S(%ld, %d): %ld bytes charged, formula %ld", p, n,
	       k1 - k0 + kprev - kbig,
	       space + n * member);
	/* Linear: the members together, within the stock's pages. */
	if (!lockdep) {
		EXPECT_LE(n * member - 2 * page_size - n * 2048,
			  kprev - kbig);
		EXPECT_GE(n * (member + 4 * page_size + 2048) + 2 * page_size,
			  kprev - kbig);
	} else {
		/* Each member's part within the stock's pages and bytes. */
		EXPECT_GE(n * (2 * page_size + 2048) + 2 * page_size,
			  labs(kprev - kbig - n * first));
	}
	for (i = 0; i < n; i++)
		EXPECT_EQ(1, write(socks[i][0], "Q", 1));
	for (i = 0; i < n; i++)
		waitpid(self->kids[i], NULL, 0);
	self->nkids = 0;
	close(big);
	close(fd);
	EXPECT_EQ(0, mk_objects_settle("mkrep", "spaces", 0, 5000));
}

#define CG_SPACE_PAGES	16384	/* 64 MiB with 4 KiB pages */
#define CG_CHUNK	256	/* pages a MAP */

/*
 * A process in a memory cgroup of memory.max 8M makes a 64 MiB space;
 * this one, outside the cgroup, joins it and maps pages until a MAP
 * fails: ENOMEM, before 8M, without an OOM kill; after it unmapped them,
 * a MAP works again.  The pages are the creator's: a mapper outside the
 * limit hits it all the same.
 */
TEST_F_TIMEOUT(cg, cgroup_memory_max, 120)
{
	int sock[2], dev, fd, ret = 0, again;
	struct mkrep_replica rep;
	char buf[1024], path[192];
	long off, mapped = 0;
	int cpu = sched_getcpu();

	ASSERT_EQ(0, cg_write(self->cgroup, "memory.max", "8M"));
	cg_write(self->cgroup, "memory.swap.max", "0");	/* may not exist */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sock));
	self->kids[0] = fork();
	ASSERT_LE(0, self->kids[0]);
	if (!self->kids[0]) {
		char c;

		close(sock[0]);
		alarm(100);
		dev = mkrep_open();
		if (cg_enter(self->cgroup) || dev < 0)
			_exit(1);
		fd = mkrep_space_create(dev, CG_SPACE_PAGES * page_size,
					MKREP_STRATEGY_BROADCAST, 0);
		if (fd < 0 || mk_send_fd(sock[1], fd, 0))
			_exit(2);
		/* Holds the space until told. */
		_exit(read(sock[1], &c, 1) == 1 ? 0 : 3);
	}
	self->nkids = 1;
	close(sock[1]);
	fd = mk_recv_fd(sock[0], 0);
	ASSERT_LE(0, fd) TH_LOG("the creator failed");
	ASSERT_LE(0, cpu);
	ASSERT_EQ(0, mk_pin_cpu(cpu));
	ASSERT_EQ(0, mkrep_join(fd, cpu, &rep));
	for (off = 0; off < CG_SPACE_PAGES; off += CG_CHUNK) {
		ret = mkrep_op(&rep, MKREP_OP_MAP, MKREP_PROT_READ,
			       off * page_size, CG_CHUNK * page_size, NULL);
		if (ret)
			break;
		mapped += CG_CHUNK;
	}
	ASSERT_EQ(0, mkrep_op(&rep, MKREP_OP_UNMAP, 0, 0,
			      CG_SPACE_PAGES * page_size, NULL));
	again = mkrep_op(&rep, MKREP_OP_MAP, MKREP_PROT_READ, 0,
			 CG_CHUNK * page_size, NULL);
	snprintf(path, sizeof(path), "%s/memory.events", self->cgroup);
	ASSERT_LT(0, mk_read_file(path, buf, sizeof(buf)));
	TH_LOG("%ld pages mapped, then %s; after unmapping them: %s",
	       mapped, strerror(-ret), strerror(-again));
	TH_LOG("memory.events: oom %ld, oom_kill %ld, max %ld",
	       mk_key_value(buf, "oom"), mk_key_value(buf, "oom_kill"),
	       mk_key_value(buf, "max"));
	EXPECT_EQ(0, mk_key_value(buf, "oom_kill"));
	EXPECT_LT(0, mapped);
	EXPECT_GT(8L * 1024 * 1024 / page_size, mapped)
		TH_LOG("the creator's memory.max is not applied");
	EXPECT_EQ(-ENOMEM, ret);
	EXPECT_EQ(0, again);
	mkrep_leave(&rep);
	close(fd);
	ASSERT_EQ(1, write(sock[0], "x", 1));
	ASSERT_EQ(self->kids[0], waitpid(self->kids[0], &ret, 0));
	self->nkids = 0;
	EXPECT_TRUE(WIFEXITED(ret) && !WEXITSTATUS(ret));
	EXPECT_EQ(0, mk_objects_settle("mkrep", "spaces", 0, 5000));
	EXPECT_EQ(0, mk_mkrep_count("pages"));
	close(sock[0]);
}

TEST_HARNESS_MAIN
