// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep operations send no TLB shootdown and no function-call interrupt to
 * the members' CPUs: each member changes its own page table on its own CPU
 * and flushes only that CPU's TLB (Documentation/design.rst, "No IPI,
 * kernel by kernel").  Counted from the per-CPU columns of the TLB and
 * CAL rows of /proc/interrupts (x86).
 *
 * Members, one process bound to each CPU, join a space; the first one
 * (the initiator) runs cycles of four operations on four pages, each
 * followed by every member touching the pages so that the next zap has
 * page-table entries to remove and a TLB to flush:
 *
 *   MAP read-write       then a write (faults install writable entries)
 *   PROTECT read-only    zaps; then a read (read-only entries)
 *   PROTECT read-write   no zap; then a write (write-protect faults)
 *   UNMAP                zaps
 *
 * The interval of the operations, a number of cycles, is compared with a
 * control interval without operations, the members serving as before,
 * as long or CONTROL_SECONDS, its counts scaled to the length of the
 * operations: per member CPU, the operations may add one interrupt of
 * each row per TOL_ZAPS zaps, at most TOL_ABS, to what the control
 * counted.  An IPI on every zap would add TOL_ZAPS times that or more,
 * an IPI on one zap in ten twice that or more.
 *
 * Members that poll (MKREP_SPIN) must add neither TLB nor CAL
 * interrupts.  Members that sleep must add no TLB interrupt; their
 * wake-ups are IPIs by design (counted by the space's wakeups; on an
 * idle CPU they are function-call interrupts, or reschedule interrupts
 * on PREEMPT_RT, where TTWU_QUEUE is off; the idle load balancer's kicks
 * are function-call interrupts), so CAL and RES are only reported for
 * them.
 *
 * Two positive controls show that the counting sees what it looks for:
 * threads of one process on every member CPU doing madvise(MADV_DONTNEED)
 * must make the TLB and CAL rows move on each of those CPUs; and with a
 * thread of a member running on another member's CPU (the "intruder"
 * variant), that member's zaps must reach that CPU as Linux's ordinary
 * shootdowns.
 *
 * MKREP_IPI_CYCLES=<n> changes the number of cycles (default 100: 400
 * operations, 200 zaps a member).  The interval also stops after
 * MAX_SECONDS, a safety cap; it is then judged on the zaps it did.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mempolicy.h>
#include <linux/mkrep.h>

#include "kselftest_harness.h"
#include "libmkchan.h"
#include "../mkernel_test.h"

#define MAX_MEMBERS	8
#define TOL_MIN		4	/* the least allowance, however few zaps */
#define NPAGES		8	/* pages of the space */
#define RANGE		4	/* pages every operation covers */
#define DEFAULT_CYCLES	100	/* four operations each, two of them zaps */
#define WARMUP_CYCLES	8	/* before anything is counted */
#define MAX_SECONDS	20	/* a safety cap on the interval of operations */
#define CONTROL_SECONDS	2	/* the control: as long, at most this */
#define STALL_SECONDS	20	/* a member that does not answer is stuck */
#define TOL_ZAPS	20	/* an interrupt a row, a CPU per these zaps */
#define TOL_ABS		16	/* ... and never more than these */
#define CONTROL_ITERS	1000	/* madvise() calls a thread, positive control */
#define MAX_NODES	1024	/* x86's MAX_NUMNODES at most */
#define LONG_BITS	(8 * sizeof(unsigned long))

static long page_size;

/* --- /proc/interrupts, column by column --------------------------------- */

#define MAX_COLS	512

enum { ROW_TLB, ROW_CAL, ROW_RES, NR_ROWS };

static const char *const row_name[NR_ROWS] = {
	[ROW_TLB] = "TLB",
	[ROW_CAL] = "CAL",
	[ROW_RES] = "RES",
};

/* One reading: a column per online CPU, in the header's order. */
struct irq_snap {
	int ncols;
	int cpu[MAX_COLS];
	bool has[NR_ROWS];
	unsigned long long v[NR_ROWS][MAX_COLS];
};

/* The header names the online CPUs ("CPU0 CPU1 CPU3"); then the rows. */
static int irq_parse(char *buf, struct irq_snap *s)
{
	char *line, *next, *p, *end;
	size_t len;
	int r, i;

	memset(s, 0, sizeof(*s));
	next = strchr(buf, '\n');
	if (!next)
		return -EINVAL;
	*next++ = '\0';
	for (p = buf;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (strncmp(p, "CPU", 3) || s->ncols == MAX_COLS)
			return -EINVAL;
		s->cpu[s->ncols] = strtol(p + 3, &end, 10);
		if (end == p + 3 || (*end && *end != ' ' && *end != '\t'))
			return -EINVAL;
		s->ncols++;
		p = end;
	}
	if (!s->ncols)
		return -EINVAL;

	for (line = next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		while (*line == ' ')
			line++;
		for (r = 0; r < NR_ROWS; r++) {
			len = strlen(row_name[r]);
			if (strncmp(line, row_name[r], len) || line[len] != ':')
				continue;
			/* One count per column, then the description. */
			p = line + len + 1;
			for (i = 0; i < s->ncols; i++) {
				errno = 0;
				s->v[r][i] = strtoull(p, &end, 10);
				if (end == p || errno)
					return -EINVAL;
				p = end;
			}
			s->has[r] = true;
		}
	}
	return 0;
}

/*
 * seq_file hands the file out a buffer at a time, so read to the end.
 * The buffer is static: nothing is allocated or freed while counting.
 */
static int irq_read(struct irq_snap *s)
{
	static char buf[1 << 20];
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open("/proc/interrupts", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		if (len == sizeof(buf) - 1) {
			n = -1;
			errno = EFBIG;
			break;
		}
	}
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[len] = '\0';
	return irq_parse(buf, s);
}

static int irq_col(const struct irq_snap *s, int cpu)
{
	int i;

	for (i = 0; i < s->ncols; i++)
		if (s->cpu[i] == cpu)
			return i;
	return -1;
}

/*
 * Interrupts of @row that @cpu received from @a to @b, or -1 when the row
 * or the CPU's column is missing.  The kernel's counters are 32-bit.
 */
static long long irq_delta(const struct irq_snap *a, const struct irq_snap *b,
			   int row, int cpu)
{
	int i = irq_col(a, cpu), j = irq_col(b, cpu);

	if (i < 0 || j < 0 || !a->has[row] || !b->has[row])
		return -1;
	return (uint32_t)(b->v[row][j] - a->v[row][i]);
}

/* --- helpers ------------------------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_for(double secs)
{
	struct timespec ts = {
		.tv_sec = (time_t)secs,
		.tv_nsec = (long)((secs - (time_t)secs) * 1e9),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* The CPUs the test may run on, at most MAX_MEMBERS: one member each. */
static int member_cpus(int *cpus)
{
	cpu_set_t set;
	int i, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (i = 0; i < CPU_SETSIZE && n < MAX_MEMBERS; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	return n;
}

/*
 * Bind the memory at @p to the node its page is on: 0 or -errno, *@node
 * the node, or -1 on a kernel without NUMA (no policies, no balancing).
 *
 * The test's shared page is mapped by every member.  Automatic NUMA
 * balancing would migrate it between the members' nodes while they run,
 * and migrating a page that several mms map flushes every CPU that runs
 * one of them: interrupts that mkrep does not send (design.rst, "No IPI,
 * kernel by kernel").  A policy set with mbind() lacks MPOL_F_MOF, so
 * task_numa_work() skips the mapping (vma_policy_mof()) and
 * mpol_misplaced() would never move the page.
 */
static int bind_to_node(void *p, size_t len, int *node)
{
	unsigned long mask[MAX_NODES / LONG_BITS];
	int n = -1;

	*node = -1;
	if (access("/sys/devices/system/node", F_OK))
		return 0;
	if (syscall(SYS_get_mempolicy, &n, NULL, 0UL, p,
		    MPOL_F_NODE | MPOL_F_ADDR))
		return -errno;
	if (n < 0 || n >= MAX_NODES)
		return -ERANGE;
	memset(mask, 0, sizeof(mask));
	mask[n / LONG_BITS] = 1UL << (n % LONG_BITS);
	/* The kernel reads one bit less than maxnode says. */
	if (syscall(SYS_mbind, p, len, MPOL_BIND, mask, MAX_NODES + 1UL, 0U))
		return -errno;
	*node = n;
	return 0;
}

static unsigned int cycles_wanted(void)
{
	const char *s = getenv("MKREP_IPI_CYCLES");
	unsigned long n;

	if (!s || !*s)
		return DEFAULT_CYCLES;
	n = strtoul(s, NULL, 0);
	return n ? n : DEFAULT_CYCLES;
}

/* --- members ------------------------------------------------------------- */

enum { TOUCH_NONE, TOUCH_READ, TOUCH_WRITE };

/* One cycle; every member touches the range after each step. */
static const struct step {
	unsigned int op, prot;
	int touch;
	bool zaps;	/* removes page-table entries that exist */
} plan[] = {
	{ MKREP_OP_MAP, MKREP_PROT_READ | MKREP_PROT_WRITE, TOUCH_WRITE, false },
	{ MKREP_OP_PROTECT, MKREP_PROT_READ, TOUCH_READ, true },
	{ MKREP_OP_PROTECT, MKREP_PROT_READ | MKREP_PROT_WRITE, TOUCH_WRITE, false },
	{ MKREP_OP_UNMAP, 0, TOUCH_NONE, true },
};

#define NR_STEPS	ARRAY_SIZE(plan)

/* A member, in memory shared with the test. */
struct member {
	int cpu;
	int ready;			/* joined: 1; failed: -errno */
	int err;			/* errno of a call that failed */
	unsigned int done;		/* operations applied and touched after */
	uint64_t addr;			/* the window */
};

struct shared {
	int n;
	bool spin;			/* members poll; else they sleep */
	int intruder_cpu;		/* a thread of member 1 runs there, or -1 */
	int cmd;			/* the test asks the initiator ... */
	unsigned int cycles;		/* ... for this many cycles */
	int cmd_done;			/* the initiator finished command @cmd */
	int err;			/* ... with this -errno, or 0 */
	unsigned int issued;		/* operations since the start */
	unsigned int ops, zaps;		/* in the last command */
	struct member m[MAX_MEMBERS];
};

/* Atomic accesses, so that the compiler keeps every one of them. */
static void touch(uint64_t addr, int how, unsigned int tag)
{
	uint64_t *p;
	int i;

	for (i = 0; i < RANGE; i++) {
		p = (uint64_t *)(addr + i * page_size);
		if (how == TOUCH_WRITE)
			__atomic_store_n(p, tag, __ATOMIC_RELAXED);
		else if (how == TOUCH_READ)
			(void)__atomic_load_n(p, __ATOMIC_RELAXED);
	}
}

/* The initiator waits for every other member to have touched after op @k. */
static int wait_touched(struct shared *sh, unsigned int k)
{
	double limit = now() + STALL_SECONDS;
	unsigned long spins = 0;
	int i;

	for (i = 1; i < sh->n; i++) {
		while (__atomic_load_n(&sh->m[i].done, __ATOMIC_ACQUIRE) < k) {
			if (__atomic_load_n(&sh->m[i].err, __ATOMIC_RELAXED))
				return -EPIPE;
			if (!(++spins & 0xfff) && now() > limit)
				return -ETIMEDOUT;
			mkchan_cpu_relax();
		}
	}
	return 0;
}

/* Run the cycles the test asked for, or those MAX_SECONDS allow. */
static int run_cycles(struct shared *sh, struct member *me, int fd)
{
	double deadline = now() + MAX_SECONDS;
	struct mkrep_op op;
	unsigned int c, s;
	int ret;

	sh->ops = 0;
	sh->zaps = 0;
	for (c = 0; c < sh->cycles; c++) {
		if (c && now() > deadline)
			break;
		for (s = 0; s < NR_STEPS; s++) {
			memset(&op, 0, sizeof(op));
			op.size = sizeof(op);
			op.flags = sh->spin ? MKREP_SPIN : 0;
			op.op = plan[s].op;
			op.prot = plan[s].prot;
			op.length = RANGE * page_size;
			if (ioctl(fd, MKREP_IOC_OP, &op))
				return -errno;
			/* Every member applied it: none was removed. */
			if (op.acked != (unsigned int)sh->n)
				return -EPIPE;
			sh->issued++;
			sh->ops++;
			sh->zaps += plan[s].zaps;
			touch(me->addr, plan[s].touch, sh->issued);
			me->done = sh->issued;
			ret = wait_touched(sh, sh->issued);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * The initiator takes its commands by spinning in user space, so that
 * its CPU is as busy between intervals as during them and nothing it
 * waits on needs a wake-up.
 */
static void initiator_main(struct shared *sh, int fd, int wake)
{
	struct member *me = &sh->m[0];
	int seen = 0;

	for (;;) {
		while (__atomic_load_n(&sh->cmd, __ATOMIC_ACQUIRE) == seen)
			mkchan_cpu_relax();
		seen = sh->cmd;
		sh->err = run_cycles(sh, me, fd);
		__atomic_store_n(&sh->cmd_done, seen, __ATOMIC_RELEASE);
		if (write(wake, "", 1) != 1)
			_exit(2);
	}
}

/* A member serves; after each request it touches the range as planned. */
static void server_main(struct shared *sh, struct member *me, int fd)
{
	struct mkrep_serve sv;
	unsigned int applied = 0;

	for (;;) {
		memset(&sv, 0, sizeof(sv));
		sv.size = sizeof(sv);
		sv.flags = sh->spin ? MKREP_SPIN : MKREP_SERVE_WAIT;
		if (ioctl(fd, MKREP_IOC_SERVE, &sv)) {
			if (errno == EINTR)
				continue;
			__atomic_store_n(&me->err, errno, __ATOMIC_RELAXED);
			_exit(1);
		}
		if (!sv.served)
			continue;
		applied += sv.served;
		touch(me->addr, plan[(applied - 1) % NR_STEPS].touch, applied);
		__atomic_store_n(&me->done, applied, __ATOMIC_RELEASE);
	}
}

/* A thread of a member that keeps the member's mm loaded on another CPU. */
static void *intruder_main(void *arg)
{
	int cpu = *(int *)arg;

	if (mk_pin_cpu(cpu))
		return NULL;
	for (;;)
		mkchan_cpu_relax();
	return NULL;
}

static void member_main(struct shared *sh, int i, int fd, int wake)
{
	struct member *me = &sh->m[i];
	struct mkrep_join j;
	pthread_t t;

	/* Gone with the test process, whatever becomes of it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	if (mk_pin_cpu(me->cpu)) {
		__atomic_store_n(&me->ready, -errno, __ATOMIC_RELEASE);
		_exit(1);
	}
	memset(&j, 0, sizeof(j));
	j.size = sizeof(j);
	j.cpu = me->cpu;
	if (ioctl(fd, MKREP_IOC_JOIN, &j)) {
		__atomic_store_n(&me->ready, -errno, __ATOMIC_RELEASE);
		_exit(1);
	}
	me->addr = j.addr;
	if (i == 1 && sh->intruder_cpu >= 0 &&
	    pthread_create(&t, NULL, intruder_main, &sh->intruder_cpu)) {
		__atomic_store_n(&me->ready, -EAGAIN, __ATOMIC_RELEASE);
		_exit(1);
	}
	__atomic_store_n(&me->ready, 1, __ATOMIC_RELEASE);
	if (!i)
		initiator_main(sh, fd, wake);
	else
		server_main(sh, me, fd);
	_exit(1);
}

/* --- the fixture --------------------------------------------------------- */

/* A space and its member processes. */
struct run {
	struct shared *sh;
	int fd;				/* the space */
	int n;
	int cpus[MAX_MEMBERS];
	pid_t pid[MAX_MEMBERS];
	int wake[2];			/* the initiator writes a byte */
	int sh_node;			/* @sh is bound there, or -1 */
};

FIXTURE(ipi) {
	struct run r;
	int setup_err;			/* -errno; the test checks it */
	const char *setup_what;
};

FIXTURE_VARIANT(ipi) {
	int strategy;
	bool spin;
	bool intruder;
};

FIXTURE_VARIANT_ADD(ipi, unicast_polling) {
	.strategy = MKREP_STRATEGY_UNICAST, .spin = true,
};

FIXTURE_VARIANT_ADD(ipi, broadcast_polling) {
	.strategy = MKREP_STRATEGY_BROADCAST, .spin = true,
};

FIXTURE_VARIANT_ADD(ipi, tree_polling) {
	.strategy = MKREP_STRATEGY_TREE, .spin = true,
};

FIXTURE_VARIANT_ADD(ipi, unicast_sleeping) {
	.strategy = MKREP_STRATEGY_UNICAST,
};

FIXTURE_VARIANT_ADD(ipi, broadcast_sleeping) {
	.strategy = MKREP_STRATEGY_BROADCAST,
};

FIXTURE_VARIANT_ADD(ipi, tree_sleeping) {
	.strategy = MKREP_STRATEGY_TREE,
};

/* The positive control through mkrep itself. */
FIXTURE_VARIANT_ADD(ipi, broadcast_polling_intruder) {
	.strategy = MKREP_STRATEGY_BROADCAST, .spin = true, .intruder = true,
};

/*
 * Make the space and its members: 0 or -errno, with *@what saying which
 * step failed.  Nothing ASSERTs once a member exists: a failed setup
 * skips the teardown, which is what kills them.
 */
static int start_members(struct run *r, int strategy, bool spin,
			 bool intruder, const char **what)
{
	struct mkrep_space_create c;
	double limit;
	int dev, i, ret;

	*what = "counting CPUs";
	if (r->n < (intruder ? 3 : 2))
		return -ENODEV;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = MKREP_SPACE_CLOEXEC;
	c.length = NPAGES * page_size;
	c.strategy = strategy;
	*what = "open /dev/mkrep";
	dev = open("/dev/mkrep", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	*what = "MKREP_IOC_SPACE_CREATE";
	ret = ioctl(dev, MKREP_IOC_SPACE_CREATE, &c) ? -errno : 0;
	close(dev);
	if (ret)
		return ret;
	r->fd = c.fd;

	/*
	 * The test process stays on the initiator's CPU: the initiator's
	 * wake-up of it at the end of an interval, and its own timers, stay
	 * on that CPU and need no IPI.  The members are born there too; the
	 * shared page is allocated on that CPU's node and bound to it.
	 */
	*what = "sched_setaffinity";
	if (mk_pin_cpu(r->cpus[0]))
		return -errno;
	*what = "mmap";
	r->sh = mmap(NULL, sizeof(*r->sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->sh == MAP_FAILED) {
		r->sh = NULL;
		return -errno;
	}
	memset(r->sh, 0, sizeof(*r->sh));
	r->sh->n = r->n;
	r->sh->spin = spin;
	r->sh->intruder_cpu = intruder ? r->cpus[2] : -1;
	*what = "binding the shared page to its node";
	ret = bind_to_node(r->sh, sizeof(*r->sh), &r->sh_node);
	if (ret)
		return ret;
	*what = "pipe2";
	if (pipe2(r->wake, O_CLOEXEC))
		return -errno;

	*what = "fork";
	for (i = 0; i < r->n; i++) {
		r->sh->m[i].cpu = r->cpus[i];
		r->pid[i] = fork();
		if (r->pid[i] < 0)
			return -errno;
		if (!r->pid[i])
			member_main(r->sh, i, r->fd, r->wake[1]);
	}
	*what = "a member's join";
	limit = now() + STALL_SECONDS;
	for (i = 0; i < r->n; i++) {
		while (!__atomic_load_n(&r->sh->m[i].ready, __ATOMIC_ACQUIRE) &&
		       now() < limit)
			usleep(1000);
		if (r->sh->m[i].ready != 1)
			return r->sh->m[i].ready ? r->sh->m[i].ready : -ETIMEDOUT;
	}
	return 0;
}

FIXTURE_SETUP(ipi)
{
	page_size = sysconf(_SC_PAGESIZE);
	self->r.fd = -1;
	self->r.wake[0] = -1;
	self->r.wake[1] = -1;
	self->r.sh_node = -1;
	self->r.n = member_cpus(self->r.cpus);
	self->setup_err = start_members(&self->r, variant->strategy,
					variant->spin, variant->intruder,
					&self->setup_what);
}

FIXTURE_TEARDOWN(ipi)
{
	struct run *r = &self->r;
	int i;

	for (i = 0; i < r->n; i++) {
		if (r->pid[i] <= 0)
			continue;
		kill(r->pid[i], SIGKILL);
		waitpid(r->pid[i], NULL, 0);
	}
	if (r->wake[0] >= 0) {
		close(r->wake[0]);
		close(r->wake[1]);
	}
	if (r->sh)
		munmap(r->sh, sizeof(*r->sh));
	if (r->fd >= 0) {
		close(r->fd);
		/* The last close freed the space, its members and pages. */
		EXPECT_EQ(0, mk_mkrep_count("spaces"));
		EXPECT_EQ(0, mk_mkrep_count("members"));
		EXPECT_EQ(0, mk_mkrep_count("pages"));
	}
}

/*
 * Ask the initiator for @cycles cycles and wait for its answer, asleep
 * in poll() on the pipe it writes to: 0 or -errno; @secs gets the
 * interval's length.
 */
static int command(struct shared *sh, int wake, unsigned int cycles,
		   double *secs)
{
	struct pollfd pfd = { .fd = wake, .events = POLLIN };
	double t0;
	char c;
	int ret;

	sh->cycles = cycles;
	t0 = now();
	__atomic_store_n(&sh->cmd, sh->cmd + 1, __ATOMIC_RELEASE);
	do {
		ret = poll(&pfd, 1, (MAX_SECONDS + 2 * STALL_SECONDS) * 1000);
	} while (ret < 0 && errno == EINTR);
	if (secs)
		*secs = now() - t0;
	if (ret <= 0)
		return ret ? -errno : -ETIMEDOUT;
	if (read(wake, &c, 1) != 1)
		return -EIO;
	if (__atomic_load_n(&sh->cmd_done, __ATOMIC_ACQUIRE) != sh->cmd)
		return -EPROTO;
	return sh->err;
}

/*
 * @n interrupts counted in a control of @ctl seconds: as many as an
 * interval of @secs would get at that rate, rounded up.
 */
static long long scaled(long long n, double ctl, double secs)
{
	double v;

	if (n <= 0 || secs <= ctl)
		return n;
	v = n * secs / ctl;
	return (long long)v + (v > (long long)v);
}

static int space_info(int fd, struct mkrep_space_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, MKREP_IOC_SPACE_INFO, info) ? -errno : 0;
}

TEST_F_TIMEOUT(ipi, operations_interrupt_no_member, 90)
{
	struct run *r = &self->r;
	struct irq_snap *s = calloc(4, sizeof(*s));
	struct mkrep_space_info info0, info1;
	long long tlb, cal, res, tlb_c, cal_c, res_c, tol;
	unsigned int cycles = cycles_wanted(), ops, zaps;
	double secs, ctl;
	char numab[16];
	int i, cpu;

	ASSERT_NE(NULL, s);
	if (self->setup_err == -ENODEV &&
	    !strcmp(self->setup_what, "counting CPUs"))
		SKIP(free(s); return, "needs %d CPUs", variant->intruder ? 3 : 2);
	ASSERT_EQ(0, self->setup_err)
		TH_LOG("%s: %s", self->setup_what, strerror(-self->setup_err));
	ASSERT_EQ(0, irq_read(&s[0]));
	if (!s[0].has[ROW_TLB] || !s[0].has[ROW_CAL])
		SKIP(free(s); return, "/proc/interrupts has no TLB and CAL rows");
	if (mk_read_file("/proc/sys/kernel/numa_balancing", numab,
			 sizeof(numab)) <= 0)
		strcpy(numab, "absent");
	if (r->sh_node >= 0)
		TH_LOG("shared page bound to node %d (mbind); kernel.numa_balancing %s",
		       r->sh_node, numab);
	else
		TH_LOG("a kernel without NUMA: no NUMA balancing");

	/*
	 * Settle: every CPU has run its member since the fork, so no stale
	 * mm_cpumask bit of the fork is left; the window's page table
	 * exists; the members are in their serving loop.
	 */
	ASSERT_EQ(0, command(r->sh, r->wake[0], WARMUP_CYCLES, NULL));
	sleep_for(0.1);

	/* The operations. */
	ASSERT_EQ(0, space_info(r->fd, &info0));
	ASSERT_EQ(0, irq_read(&s[0]));
	ASSERT_EQ(0, command(r->sh, r->wake[0], cycles, &secs));
	ASSERT_EQ(0, irq_read(&s[1]));
	ASSERT_EQ(0, space_info(r->fd, &info1));
	ops = r->sh->ops;
	zaps = r->sh->zaps;

	/*
	 * The control: the members serving, no operation, as long as the
	 * operations took or CONTROL_SECONDS; its counts are scaled to the
	 * length of the operations.
	 */
	ctl = secs < CONTROL_SECONDS ? secs : CONTROL_SECONDS;
	ASSERT_EQ(0, irq_read(&s[2]));
	sleep_for(ctl);
	ASSERT_EQ(0, irq_read(&s[3]));

	/* Well under one interrupt per 10 zaps, judged on the zaps done. */
	tol = zaps / TOL_ZAPS < TOL_ABS ? zaps / TOL_ZAPS : TOL_ABS;
	/* A run cut short by the cap still tolerates a stray interrupt. */
	if (tol < TOL_MIN)
		tol = TOL_MIN;
	TH_LOG("%d %s members, %u operations, %u zaps each, %.2f s, %llu wake-ups",
	       r->n, variant->spin ? "polling" : "sleeping", ops, zaps,
	       secs, (unsigned long long)(info1.wakeups - info0.wakeups));
	if (ops < cycles * NR_STEPS)
		TH_LOG("stopped by the %d s cap after %u of %u cycles: judged on what was done",
		       MAX_SECONDS, (unsigned int)(ops / NR_STEPS), cycles);
	TH_LOG("control %.2f s, scaled by %.2f; allowed beyond it: %lld a row, a CPU",
	       ctl, secs / ctl, tol);
	for (i = 0; i < r->n; i++) {
		cpu = r->cpus[i];
		tlb = irq_delta(&s[0], &s[1], ROW_TLB, cpu);
		cal = irq_delta(&s[0], &s[1], ROW_CAL, cpu);
		res = irq_delta(&s[0], &s[1], ROW_RES, cpu);
		tlb_c = irq_delta(&s[2], &s[3], ROW_TLB, cpu);
		cal_c = irq_delta(&s[2], &s[3], ROW_CAL, cpu);
		res_c = irq_delta(&s[2], &s[3], ROW_RES, cpu);
		TH_LOG("cpu%d: TLB %lld (control %lld), CAL %lld (%lld), RES %lld (%lld)",
		       cpu, tlb, tlb_c, cal, cal_c, res, res_c);
		ASSERT_LE(0, tlb) TH_LOG("cpu%d went offline", cpu);
		ASSERT_LE(0, tlb_c) TH_LOG("cpu%d went offline", cpu);
		tlb_c = scaled(tlb_c, ctl, secs);
		cal_c = scaled(cal_c, ctl, secs);
		if (variant->intruder && cpu == r->sh->intruder_cpu) {
			/* Member 1's zaps must reach its thread here. */
			EXPECT_LE(zaps / 10, tlb - tlb_c)
				TH_LOG("cpu%d: the intruder's shootdowns went unseen",
				       cpu);
			continue;
		}
		EXPECT_LE(tlb, tlb_c + tol)
			TH_LOG("cpu%d: TLB shootdowns from mkrep operations", cpu);
		if (!variant->spin)
			continue;
		EXPECT_LE(cal, cal_c + tol)
			TH_LOG("cpu%d: function-call IPIs from mkrep operations",
			       cpu);
	}
	free(s);
}

/* --- the positive control: Linux's own shootdowns ------------------------ */

struct madv {
	int n;
	int next, ready, go, done;
	int cpu[MAX_MEMBERS];
	char *pages;
};

static void *madv_thread(void *arg)
{
	struct madv *m = arg;
	int i = __atomic_fetch_add(&m->next, 1, __ATOMIC_RELAXED);
	char *p = m->pages + i * page_size;
	int k;

	if (mk_pin_cpu(m->cpu[i]))
		_exit(3);
	__atomic_fetch_add(&m->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&m->go, __ATOMIC_ACQUIRE))
		mkchan_cpu_relax();
	/*
	 * Go on after CONTROL_ITERS until every thread got there: a thread
	 * that was descheduled meanwhile still runs beside the others.
	 */
	for (k = 0; __atomic_load_n(&m->done, __ATOMIC_ACQUIRE) < m->n; k++) {
		/* A fresh page each time: the zap has an entry to remove. */
		__atomic_store_n(p, k, __ATOMIC_RELAXED);
		if (madvise(p, page_size, MADV_DONTNEED))
			_exit(4);
		if (k == CONTROL_ITERS - 1)
			__atomic_fetch_add(&m->done, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * A thread of one process on every member CPU, each zapping a page of
 * its own with madvise(MADV_DONTNEED) while the others run: each call
 * is a shootdown to every other CPU.  The rows must move on each CPU,
 * or the test above could not see what it looks for.
 */
TEST(madvise_shootdowns_are_seen)
{
	struct irq_snap *s = calloc(2, sizeof(*s));
	pthread_t t[MAX_MEMBERS];
	long long tlb, cal;
	struct madv *m;
	double limit;
	int i, status;
	pid_t pid;

	ASSERT_NE(NULL, s);
	page_size = sysconf(_SC_PAGESIZE);
	ASSERT_EQ(0, irq_read(&s[0]));
	if (!s[0].has[ROW_TLB] || !s[0].has[ROW_CAL])
		SKIP(free(s); return, "/proc/interrupts has no TLB and CAL rows");
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	memset(m, 0, sizeof(*m));
	m->n = member_cpus(m->cpu);
	if (m->n < 2)
		SKIP(munmap(m, sizeof(*m)); free(s); return, "needs two CPUs");

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		m->pages = mmap(NULL, m->n * page_size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m->pages == MAP_FAILED)
			_exit(1);
		for (i = 0; i < m->n; i++)
			if (pthread_create(&t[i], NULL, madv_thread, m))
				_exit(2);
		for (i = 0; i < m->n; i++)
			pthread_join(t[i], NULL);
		_exit(0);
	}

	/* Every thread bound to its CPU. */
	limit = now() + STALL_SECONDS;
	while (__atomic_load_n(&m->ready, __ATOMIC_ACQUIRE) < m->n &&
	       now() < limit)
		usleep(1000);
	if (m->ready < m->n)
		kill(pid, SIGKILL);
	ASSERT_EQ(m->n, m->ready);
	ASSERT_EQ(0, irq_read(&s[0]));
	__atomic_store_n(&m->go, 1, __ATOMIC_RELEASE);
	limit = now() + 3 * STALL_SECONDS;
	while (__atomic_load_n(&m->done, __ATOMIC_ACQUIRE) < m->n &&
	       now() < limit)
		usleep(1000);
	ASSERT_EQ(0, irq_read(&s[1]));
	if (m->done < m->n)
		kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(m->n, m->done);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("status %#x", status);

	for (i = 0; i < m->n; i++) {
		tlb = irq_delta(&s[0], &s[1], ROW_TLB, m->cpu[i]);
		cal = irq_delta(&s[0], &s[1], ROW_CAL, m->cpu[i]);
		TH_LOG("cpu%d: TLB %lld, CAL %lld; %d or more madvise() on each of %d other CPUs",
		       m->cpu[i], tlb, cal, CONTROL_ITERS, m->n - 1);
		/*
		 * CONTROL_ITERS from each other CPU while the threads run
		 * together; less when they are descheduled (a loaded
		 * machine, or KVM's deferred flush of a preempted vCPU).
		 */
		EXPECT_LE(CONTROL_ITERS / 10, tlb);
		EXPECT_LE(CONTROL_ITERS / 20, cal);
	}
	munmap(m, sizeof(*m));
	free(s);
}

TEST_HARNESS_MAIN
