// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures in mkrep, ABI version 2: making a space or a
 * counter, joining a space that has another member (member, member file,
 * status page, window), mapping the status page, mapping, protecting and
 * unmapping pages of the space with MKREP_IOC_OP on the member fd, and
 * applying a request of the other member with MKREP_IOC_APPLY, each run
 * with the first, second, third... injectable allocation of the task
 * failing, until it runs without one.  Every run must succeed or fail
 * with the errno the header defines for the call when memory runs out
 * (ENOMEM; none for APPLY, which the header does not let fail so), and a
 * failed run must leave nothing behind: mkchan's channel count, mkrep's
 * counts of spaces, members, pages and counters, the space's mapped
 * pages, the caller's descriptors.  UNMAP allocates nothing.  The other
 * member's operation always completes, whatever our APPLY did.  The
 * runner checks kmemleak after the modules are unloaded.  Needs
 * KFLAVOUR=debug.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"
#include "libmkchan.h"

#define MAX_POINTS	10000
#define NPAGES		8		/* the range our operations change */
#define SPACE_PAGES	(NPAGES + 1)	/* the last page is the other's */
#define MAX_RETRIES	50
#define WAIT_NS		(30 * 1000000000LL)

/*
 * What the test asks of the other member, in memory shared with it: to
 * map (@seq odd) or unmap (@seq even) its page, the last of the space.
 */
struct mailbox {
	int seq;		/* the test posts a request */
	int done;		/* the other member did it */
	int ret;		/* and got 0 or -errno */
	int ready;		/* joined: 1, failed: -1 */
};

static struct mailbox *mb;
static int space_fd = -1;	/* the space the member operations use */
static long page_size;

/* This process as a member: none while @fd is -1. */
static struct {
	int fd;
	__u64 addr, length;
	const struct mkrep_member_status *status;
} me = { .fd = -1 };

/* What a run made, for undo(), and what APPLY answered. */
static void *status_made;
static struct mkrep_apply applied;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int dev_ioctl(unsigned long cmd, void *arg)
{
	int dev = open("/dev/mkrep", O_RDWR | O_CLOEXEC), ret = 0;

	if (dev < 0)
		return -errno;
	if (ioctl(dev, cmd, arg))
		ret = -errno;
	close(dev);
	return ret;
}

static int op_space_create(int *fd)
{
	struct mkrep_space_create c = {
		.size = sizeof(c), .length = SPACE_PAGES * page_size,
		.strategy = MKREP_STRATEGY_TREE,
		/* The other member waits long for our APPLY. */
		.bound_ns = MKREP_BOUND_MAX_NS,
	};
	int ret = dev_ioctl(MKREP_IOC_SPACE_CREATE, &c);

	*fd = ret ? -1 : c.fd;
	return ret;
}

static int op_counter_create(int *fd)
{
	struct mkrep_counter_create c = {
		.size = sizeof(c), .mode = MKREP_COUNTER_READ_MOSTLY,
	};
	int ret = dev_ioctl(MKREP_IOC_COUNTER_CREATE, &c);

	*fd = ret ? -1 : c.fd;
	return ret;
}

/*
 * A mapped counter: its slot pages, then mmap() of them, which inserts
 * them (page tables); unmapped again, so that the close frees it all.
 * A failed mmap() closes the counter too: the attempt leaves nothing.
 */
static int op_mapped_counter(int *fd)
{
	struct mkrep_counter_create c = {
		.size = sizeof(c), .mode = MKREP_COUNTER_WRITE_MOSTLY,
		.flags = MKREP_COUNTER_MAP,
	};
	struct mkrep_counter_info info = { .size = sizeof(info) };
	int ret = dev_ioctl(MKREP_IOC_COUNTER_CREATE, &c);
	void *p;

	*fd = ret ? -1 : c.fd;
	if (ret)
		return ret;
	if (ioctl(c.fd, MKREP_IOC_COUNTER_INFO, &info))
		return -errno;
	p = mmap(NULL, info.map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 c.fd, MKREP_COUNTER_MAP_OFFSET);
	if (p == MAP_FAILED) {
		ret = -errno;
		close(c.fd);
		*fd = -1;
		return ret;
	}
	((struct mkrep_counter_slot *)p)[0].count = 1;
	munmap(p, info.map_size);
	return 0;
}

/* JOIN: a member, its file, its status page and the window. */
static int op_join(int *fd)
{
	struct mkrep_join j = { .size = sizeof(j), .cpu = sched_getcpu() };

	if (ioctl(space_fd, MKREP_IOC_JOIN, &j))
		return -errno;
	me.fd = j.fd;
	me.addr = j.addr;
	me.length = j.length;
	return 0;
}

static int op_status_mmap(int *fd)
{
	void *p = mmap(NULL, page_size, PROT_READ, MAP_SHARED, me.fd,
		       MKREP_STATUS_OFFSET);

	if (p == MAP_FAILED)
		return -errno;
	status_made = p;
	return 0;
}

static int range_op(unsigned int op, unsigned int prot)
{
	struct mkrep_op o = {
		.size = sizeof(o), .op = op, .prot = prot,
		.length = NPAGES * page_size,
	};

	return ioctl(me.fd, MKREP_IOC_OP, &o) ? -errno : 0;
}

static int op_map(int *fd)
{
	return range_op(MKREP_OP_MAP, MKREP_PROT_READ);
}

static int op_protect(int *fd)
{
	return range_op(MKREP_OP_PROTECT, MKREP_PROT_READ | MKREP_PROT_WRITE);
}

static int op_unmap(int *fd)
{
	return range_op(MKREP_OP_UNMAP, 0);
}

static int op_apply(int *fd)
{
	memset(&applied, 0, sizeof(applied));
	applied.size = sizeof(applied);
	return ioctl(me.fd, MKREP_IOC_APPLY, &applied) ? -errno : 0;
}

static long mapped_pages(void)
{
	struct mkrep_space_info info = { .size = sizeof(info) };

	return ioctl(space_fd, MKREP_IOC_SPACE_INFO, &info) ? -1 :
	       info.mapped_pages;
}

static void leave(void)
{
	if (me.status)
		munmap((void *)me.status, page_size);
	if (me.addr)
		munmap((void *)(uintptr_t)me.addr, me.length);
	if (me.fd >= 0)
		close(me.fd);
	me.fd = -1;
	me.addr = 0;
	me.status = NULL;
}

/* The lowest free descriptor: a failed run must not have made one. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* Post the other member's next operation: its sequence number. */
static int other_post(void)
{
	int seq = mb->seq + 1;

	__atomic_store_n(&mb->seq, seq, __ATOMIC_RELEASE);
	return seq;
}

/*
 * Wait for the other member's operation @seq, applying its requests to
 * our replica when @apply (else they wait for the bound): its result, or
 * -ETIMEDOUT.
 */
static int other_wait(int seq, bool apply)
{
	long long end = now_ns() + WAIT_NS;
	int dummy;

	while (__atomic_load_n(&mb->done, __ATOMIC_ACQUIRE) != seq) {
		if (now_ns() > end)
			return -ETIMEDOUT;
		if (apply && me.status &&
		    __atomic_load_n(&me.status->waiting, __ATOMIC_ACQUIRE))
			op_apply(&dummy);
	}
	return __atomic_load_n(&mb->ret, __ATOMIC_RELAXED);
}

/*
 * The other member maps its page and so posts a request to us, who spin
 * (our address space runs): 0 once the request waits for our APPLY;
 * -EAGAIN when the other member changed our replica itself (we were
 * preempted) and unmapped its page again.
 */
static int pre_apply(void)
{
	long long end = now_ns() + WAIT_NS;
	int seq = other_post();

	for (;;) {
		if (__atomic_load_n(&me.status->waiting, __ATOMIC_ACQUIRE))
			return 0;
		if (__atomic_load_n(&mb->done, __ATOMIC_ACQUIRE) == seq)
			break;
		if (now_ns() > end)
			return -ETIMEDOUT;
	}
	if (mb->ret || other_wait(other_post(), true))
		return -EIO;
	return -EAGAIN;
}

#define NR_OBJECTS	7

/* The spaces and pages charged to users, summed over debugfs mkrep/users. */
static void charged(long *spaces, long *pages)
{
	char buf[4096], *p;
	long u, sp, pg;

	*spaces = *pages = 0;
	if (mk_read_file("/sys/kernel/debug/mkrep/users", buf, sizeof(buf)) < 0) {
		*spaces = *pages = -1;
		return;
	}
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (sscanf(p, "%ld %ld %ld", &u, &sp, &pg) == 3) {
			*spaces += sp;
			*pages += pg;
		}
}

/*
 * mkrep's object counts in debugfs: spaces, members, pages, counters,
 * bytes; and the spaces and pages charged to users.
 */
static void objects(long *v)
{
	static const char * const names[NR_OBJECTS - 2] = {
		"spaces", "members", "pages", "counters", "bytes",
	};
	unsigned int i;

	for (i = 0; i < NR_OBJECTS - 2; i++)
		v[i] = mk_mkrep_count(names[i]);
	charged(&v[NR_OBJECTS - 2], &v[NR_OBJECTS - 1]);
}

/* Whether the counts are those of @before; if not, say so. */
static bool objects_unchanged(const long *before, const char *op,
			      unsigned int n)
{
	long v[NR_OBJECTS];

	objects(v);
	if (!memcmp(before, v, sizeof(v)))
		return true;
	ksft_print_msg("%s, allocation %u: mkrep objects %ld %ld %ld %ld %ld, charged %ld %ld;\n",
		       op, n, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
	ksft_print_msg("  were %ld %ld %ld %ld %ld, charged %ld %ld\n",
		       before[0], before[1], before[2], before[3], before[4],
		       before[5], before[6]);
	return false;
}

enum {
	NEEDS_NOTHING, NEEDS_SPACE, NEEDS_JOINED, NEEDS_MEMBER, NEEDS_MAPPED,
};

struct op {
	const char *name;
	int (*run)(int *fd);
	int needs;		/* made before, without injection */
	int err;		/* the errno out of memory; 0: none defined */
	bool request;		/* the other member's MAP waits for us */
};

static const struct op ops[] = {
	{ .name = "MKREP_IOC_SPACE_CREATE", .run = op_space_create,
	  .needs = NEEDS_NOTHING, .err = ENOMEM },
	{ .name = "MKREP_IOC_COUNTER_CREATE", .run = op_counter_create,
	  .needs = NEEDS_NOTHING, .err = ENOMEM },
	{ .name = "MKREP_IOC_COUNTER_CREATE mapped, and its mmap",
	  .run = op_mapped_counter, .needs = NEEDS_NOTHING, .err = ENOMEM },
	{ .name = "MKREP_IOC_JOIN beside another member", .run = op_join,
	  .needs = NEEDS_SPACE, .err = ENOMEM },
	{ .name = "mmap of the status page", .run = op_status_mmap,
	  .needs = NEEDS_JOINED, .err = ENOMEM },
	{ .name = "MKREP_IOC_OP map", .run = op_map,
	  .needs = NEEDS_MEMBER, .err = ENOMEM },
	{ .name = "MKREP_IOC_OP protect", .run = op_protect,
	  .needs = NEEDS_MAPPED, .err = ENOMEM },
	{ .name = "MKREP_IOC_OP unmap", .run = op_unmap,
	  .needs = NEEDS_MAPPED, .err = ENOMEM },
	{ .name = "MKREP_IOC_APPLY of the other member's map",
	  .run = op_apply, .needs = NEEDS_MEMBER, .request = true },
};

FIXTURE(inject) {
	pid_t other;
};

/*
 * The other member: applies what waits for it, runs what the test posts
 * (a MAP of its page for an odd number, an UNMAP for an even one), and
 * sleeps in poll() when idle for a while: then it is taken over, or
 * woken by a request.
 */
static void other_member(int cpu)
{
	struct mkrep_replica r;
	struct pollfd pfd;
	int seq = 0, idle = 0, s;

	if (mk_pin_cpu(cpu) || mkrep_join(space_fd, cpu, &r)) {
		__atomic_store_n(&mb->ready, -1, __ATOMIC_RELEASE);
		_exit(1);
	}
	__atomic_store_n(&mb->ready, 1, __ATOMIC_RELEASE);
	pfd.fd = r.fd;
	pfd.events = POLLIN;
	for (;;) {
		if (mkrep_waiting(&r)) {
			mkrep_apply(&r);
			idle = 0;
			continue;
		}
		s = __atomic_load_n(&mb->seq, __ATOMIC_ACQUIRE);
		if (s != seq) {
			seq = s;
			mb->ret = mkrep_op(&r, seq % 2 ? MKREP_OP_MAP :
					   MKREP_OP_UNMAP,
					   seq % 2 ? MKREP_PROT_READ : 0,
					   NPAGES * page_size, page_size,
					   NULL);
			__atomic_store_n(&mb->done, seq, __ATOMIC_RELEASE);
			idle = 0;
			continue;
		}
		if (++idle < 10000)
			continue;
		poll(&pfd, 1, 1);
	}
}

FIXTURE_SETUP(inject)
{
	long long end;
	cpu_set_t set;
	int cpus[2], n = 0, i;

	self->other = -1;
	page_size = sysconf(_SC_PAGESIZE);
	/* The test skips (the harness of 6.1 runs it after a setup SKIP). */
	if (!mk_fail_nth_available())
		return;
	ASSERT_EQ(0, mk_fail_nth_setup());
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	ASSERT_EQ(2, n);
	mb = mmap(NULL, sizeof(*mb), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mb);
	ASSERT_EQ(0, op_space_create(&space_fd));
	self->other = fork();
	ASSERT_LE(0, self->other);
	if (!self->other)
		other_member(cpus[1]);
	ASSERT_EQ(0, mk_pin_cpu(cpus[0]));
	/* Until the other member is in. */
	end = now_ns() + WAIT_NS;
	while (!__atomic_load_n(&mb->ready, __ATOMIC_ACQUIRE) &&
	       now_ns() < end)
		usleep(1000);
	ASSERT_EQ(1, mb->ready);
}

FIXTURE_TEARDOWN(inject)
{
	mk_fail_nth(0);
	leave();
	if (self->other > 0) {
		kill(self->other, SIGKILL);
		waitpid(self->other, NULL, 0);
	}
	if (space_fd >= 0)
		close(space_fd);
	space_fd = -1;
	if (mb && mb != MAP_FAILED)
		munmap(mb, sizeof(*mb));
	mb = NULL;
}

/* Make what @needs asks for, without injection. */
static int prepare(int needs)
{
	int ret = 0;

	if (needs >= NEEDS_JOINED && me.fd < 0)
		ret = op_join(NULL);
	if (!ret && needs == NEEDS_JOINED && me.status) {
		munmap((void *)me.status, page_size);
		me.status = NULL;
	}
	if (!ret && needs >= NEEDS_MEMBER && !me.status) {
		ret = op_status_mmap(NULL);
		me.status = status_made;
		status_made = NULL;
	}
	if (!ret && needs == NEEDS_MAPPED)
		ret = op_map(NULL);
	return ret;
}

/* Undo what a successful run made, and the other member's MAP. */
static void undo(struct __test_metadata *_metadata, const struct op *op,
		 int fd)
{
	if (fd >= 0)
		close(fd);
	if (op->run == op_join)
		leave();
	if (status_made)
		munmap(status_made, page_size);
	status_made = NULL;
	if (op->run == op_map || op->run == op_protect)
		EXPECT_EQ(0, op_unmap(NULL));
	if (op->request)
		EXPECT_EQ(0, other_wait(other_post(), true));
}

TEST_F_TIMEOUT(inject, every_failure_point, 300)
{
	long channels, alone, before[NR_OBJECTS];
	unsigned int i, n, total = 0, retries;
	int ret, hit, fd, lowest;

	if (!mk_fail_nth_available())
		SKIP(return, "no fault injection in this kernel (KFLAVOUR=debug has it)");

	/* The other member alone. */
	alone = mk_mkchan_count("channels");
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		retries = 0;
		for (n = 1; n < MAX_POINTS; n++) {
			ASSERT_EQ(0, prepare(ops[i].needs)) TH_LOG("%s", ops[i].name);
			/*
			 * A join may first reap the members that left (a run
			 * that succeeded): it leaves the other member alone.
			 */
			channels = ops[i].run == op_join ? alone :
				   mk_mkchan_count("channels");
			objects(before);
			if (ops[i].run == op_join)
				before[1] = 1;	/* the other member */
			lowest = lowest_free_fd();
			if (ops[i].request) {
				ret = pre_apply();
				if (ret == -EAGAIN && ++retries < MAX_RETRIES) {
					n--;
					continue;
				}
				ASSERT_EQ(0, ret) TH_LOG("no request came");
				/* The other member's MAP makes its page. */
				before[2]++;
			}
			fd = -1;
			ASSERT_EQ(0, mk_fail_nth(n));
			ret = ops[i].run(&fd);
			hit = mk_fail_nth_hit();
			mk_fail_nth(0);
			/*
			 * Whatever our APPLY did, the other member's MAP
			 * completes: our replica is changed for us, past the
			 * bound.
			 */
			if (ops[i].request)
				EXPECT_EQ(0, other_wait(mb->seq, false))
					TH_LOG("%s, allocation %u: the other member's map",
					       ops[i].name, n);
			if (!hit && ops[i].request && !ret &&
			    !applied.applied && ++retries < MAX_RETRIES) {
				/* It was done for us meanwhile: again. */
				undo(_metadata, &ops[i], fd);
				n--;
				continue;
			}
			if (!hit) {
				/* Past the last allocation: it must work. */
				EXPECT_EQ(0, ret) TH_LOG("%s: %s", ops[i].name,
							 strerror(-ret));
				if (ops[i].request)
					EXPECT_EQ(1, applied.applied);
				undo(_metadata, &ops[i], fd);
				break;
			}
			if (ret) {
				EXPECT_EQ(-ops[i].err, ret)
					TH_LOG("%s, allocation %u: %s",
					       ops[i].name, n, strerror(-ret));
				/* Nothing is left behind by a failed attempt. */
				ASSERT_EQ(channels, mk_mkchan_count("channels"))
					TH_LOG("%s, allocation %u", ops[i].name, n);
				ASSERT_TRUE(objects_unchanged(before, ops[i].name, n));
				ASSERT_EQ(lowest, lowest_free_fd())
					TH_LOG("%s, allocation %u: a descriptor left",
					       ops[i].name, n);
				if (ops[i].run == op_map)
					ASSERT_EQ(0, mapped_pages());
				if (ops[i].run == op_protect ||
				    ops[i].run == op_unmap)
					ASSERT_EQ(NPAGES, mapped_pages());
				if (ops[i].run == op_join)
					ASSERT_EQ(-1, me.fd);
			}
			undo(_metadata, &ops[i], fd);
		}
		EXPECT_GT(MAX_POINTS, n);
		EXPECT_GT(MAX_RETRIES, retries) TH_LOG("%s: no request came",
						       ops[i].name);
		/* The space holds room for an UNMAP's pages: it allocates nothing. */
		if (ops[i].run == op_unmap)
			EXPECT_EQ(1, n) TH_LOG("MKREP_IOC_OP unmap allocates");
		TH_LOG("%s: %u failure points", ops[i].name, n - 1);
		total += n - 1;
	}
	TH_LOG("%u failure points in all", total);
	EXPECT_LT(5, total);

	/* The space works afterwards, with both members. */
	ASSERT_EQ(0, prepare(NEEDS_MAPPED));
	EXPECT_EQ(NPAGES, mapped_pages());
	EXPECT_EQ(0, op_unmap(NULL));
	EXPECT_EQ(0, mapped_pages());
	EXPECT_EQ(0, mk_mkrep_count("pages"));
	EXPECT_EQ(2, mk_mkrep_count("members"));
}

TEST_HARNESS_MAIN
