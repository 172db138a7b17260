// SPDX-License-Identifier: GPL-2.0
/*
 * The interrupts mkrep operations cost the members' CPUs (ABI version 2),
 * counted from the per-CPU columns of the TLB and CAL rows of
 * /proc/interrupts (x86):
 *
 * - members in an event loop apply by message, each on its own CPU,
 *   flushing its own TLB: no TLB shootdown, no function call;
 * - blocked or stopped members are changed by the initiator without
 *   waking them, and their TLB is flushed when their mm runs again:
 *   neither;
 * - members spinning without looking are changed past the bound with
 *   the kernel's flush: a TLB shootdown to their CPU for each operation
 *   that zapped entries there (what Linux does for a running mm:
 *   flush_tlb_mm_range() sends flush_tlb_func() to every CPU of
 *   mm_cpumask that is not lazy, a function call counted in both the
 *   TLB and the CAL rows), and never more than one a zap, which is what
 *   the native shootdown of the same zap costs.  One preempted when the
 *   initiator looks is taken over as not running instead, with none.
 *
 * Members, one process bound to each CPU (members.h), join a space; the
 * first one (the initiator) runs cycles of four operations on four pages,
 * each followed by every member in an event loop or spinning touching
 * the pages, so that the next zap has page-table entries to remove and a
 * TLB to flush:
 *
 *   MAP read-write       then a write (faults install writable entries)
 *   PROTECT read-only    zaps; then a read (read-only entries)
 *   PROTECT read-write   no zap; then a write (write-protect faults)
 *   UNMAP                zaps
 *
 * The interval of the operations is compared with a control interval
 * without operations, the members as before, as long or CONTROL_SECONDS,
 * its counts scaled to the length of the operations: per member CPU, the
 * operations may add one interrupt of each row per TOL_ZAPS zaps, TOL_MIN
 * at least and TOL_ABS at most, to what the control counted (the slack
 * the debug kernels need).
 *
 * Two positive controls show that the counting sees what it looks for:
 * threads of one process on every member CPU doing madvise(MADV_DONTNEED)
 * must make the TLB and CAL rows move on each of those CPUs; and with a
 * thread of a member spinning on a CPU of its own, where no member runs
 * (the "intruder" variant), that member's zaps must reach that CPU as
 * Linux's ordinary shootdowns.
 *
 * MKREP_IPI_CYCLES=<n> changes the number of cycles (default 100: 400
 * operations, 200 zaps a member; BUSY_CYCLES for the spinning members,
 * whose operations each last the bound).  The interval also stops after
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
#include "members.h"

#define MAX_MEMBERS	MKM_MAX
#define TOL_MIN		4	/* the least allowance, however few zaps */
#define NPAGES		8	/* pages of the space */
#define RANGE		4	/* pages every operation covers */
#define DEFAULT_CYCLES	100	/* four operations each, two of them zaps */
#define BUSY_CYCLES	15	/* each operation lasts the bound */
#define WARMUP_CYCLES	4	/* before anything is counted */
#define MAX_SECONDS	15	/* a safety cap on the interval of operations */
#define CONTROL_SECONDS	2	/* the control: as long, at most this */
#define TOL_ZAPS	20	/* an interrupt a row, a CPU per these zaps */
#define TOL_ABS		16	/* ... and never more than these */
#define CONTROL_ITERS	1000	/* madvise() calls a thread, positive control */
#define STALL_SECONDS	20	/* a thread that does not start is stuck */
#define MAX_NODES	1024	/* x86's MAX_NUMNODES at most */
#define LONG_BITS	(8 * sizeof(unsigned long))
#define MSG_BOUND	1000000000ULL	/* 1 s: slow guests still answer */
#define BUSY_BOUND	50000000ULL	/* 50 ms */

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

static int space_info(int fd, struct mkrep_space_info *info)
{
	return -mkrep_space_info(fd, info);
}

/* --- the fixture --------------------------------------------------------- */

enum { RUN_EVENT_LOOP, RUN_BLOCKED, RUN_STOPPED, RUN_BUSY };

/* A space and its member processes. */
struct run {
	struct mkm_set set;
	int fd;				/* the space */
	int n;				/* members, one a CPU of @cpus */
	int cpus[MAX_MEMBERS];
	int intruder_cpu;		/* member 1's other thread, or -1 */
	int sh_node;			/* the shared area is bound there, or -1 */
};

FIXTURE(ipi) {
	struct run r;
	int setup_err;			/* -errno; the test checks it */
	const char *setup_what;
};

FIXTURE_VARIANT(ipi) {
	int strategy;
	int run;
	bool intruder;
};

FIXTURE_VARIANT_ADD(ipi, unicast_event_loop) {
	.strategy = MKREP_STRATEGY_UNICAST, .run = RUN_EVENT_LOOP,
};

FIXTURE_VARIANT_ADD(ipi, broadcast_event_loop) {
	.strategy = MKREP_STRATEGY_BROADCAST, .run = RUN_EVENT_LOOP,
};

FIXTURE_VARIANT_ADD(ipi, tree_event_loop) {
	.strategy = MKREP_STRATEGY_TREE, .run = RUN_EVENT_LOOP,
};

FIXTURE_VARIANT_ADD(ipi, broadcast_blocked) {
	.strategy = MKREP_STRATEGY_BROADCAST, .run = RUN_BLOCKED,
};

FIXTURE_VARIANT_ADD(ipi, tree_stopped) {
	.strategy = MKREP_STRATEGY_TREE, .run = RUN_STOPPED,
};

FIXTURE_VARIANT_ADD(ipi, broadcast_busy) {
	.strategy = MKREP_STRATEGY_BROADCAST, .run = RUN_BUSY,
};

FIXTURE_VARIANT_ADD(ipi, unicast_busy) {
	.strategy = MKREP_STRATEGY_UNICAST, .run = RUN_BUSY,
};

/* The positive control through mkrep itself. */
FIXTURE_VARIANT_ADD(ipi, broadcast_event_loop_intruder) {
	.strategy = MKREP_STRATEGY_BROADCAST, .run = RUN_EVENT_LOOP,
	.intruder = true,
};

/*
 * Make the space and its members: 0 or -errno, with *@what saying which
 * step failed.  Nothing ASSERTs here: the teardown stops what started.
 */
static int start(struct run *r, int strategy, int run, bool intruder,
		 const char **what)
{
	int i, ret, mode;

	*what = "counting CPUs";
	if (r->n < (intruder ? 3 : 2))
		return -ENODEV;
	/*
	 * The intruder gets a CPU of its own, the last one: on a member's
	 * CPU it would see only the zaps made while it ran there, and the
	 * two runnable tasks would have the scheduler kick an idle CPU
	 * (the initiator's, while it waits) to balance them, a
	 * function-call IPI that no operation sent.
	 */
	if (intruder)
		r->intruder_cpu = r->cpus[--r->n];
	/*
	 * The test process stays on the initiator's CPU: its timers stay
	 * there.  The shared area is allocated on that CPU's node and
	 * bound to it, out of NUMA balancing's reach (a migration of a
	 * page that several mms map flushes every CPU running one).
	 */
	*what = "sched_setaffinity";
	if (mk_pin_cpu(r->cpus[0]))
		return -errno;
	*what = "mmap";
	ret = mkm_init(&r->set);
	if (ret)
		return ret;
	*what = "binding the shared area to its node";
	ret = bind_to_node(r->set.sh, sizeof(*r->set.sh),
			   &r->sh_node);
	if (ret)
		return ret;
	*what = "MKREP_IOC_SPACE_CREATE";
	ret = mkrep_open();
	if (ret < 0)
		return ret;
	r->fd = mkrep_space_create(ret, NPAGES * page_size, strategy,
				   run == RUN_BUSY ? BUSY_BOUND : MSG_BOUND);
	close(ret);
	if (r->fd < 0)
		return r->fd;
	*what = "a member's join";
	ret = mkm_start(&r->set, r->fd, r->n, r->cpus,
			MKM_EVENT_LOOP);
	if (ret)
		return ret;
	*what = "a member's mode";
	mode = run == RUN_BLOCKED ? MKM_BLOCKED :
	       run == RUN_BUSY ? MKM_BUSY : MKM_EVENT_LOOP;
	for (i = 1; i < r->n; i++) {
		ret = mkm_set_mode(&r->set, i, mode);
		if (ret)
			return ret;
	}
	if (intruder) {
		*what = "the intruder";
		r->set.sh->m[1].val = r->intruder_cpu;
		ret = mkm_run(&r->set.sh->m[1], MKM_CMD_INTRUDER, 20000);
		if (ret)
			return ret < 0 ? -ETIMEDOUT : -ret;
	}
	return 0;
}

FIXTURE_SETUP(ipi)
{
	page_size = sysconf(_SC_PAGESIZE);
	self->r.fd = -1;
	self->r.intruder_cpu = -1;
	self->r.sh_node = -1;
	self->r.n = member_cpus(self->r.cpus);
	self->setup_err = start(&self->r, variant->strategy, variant->run,
				variant->intruder, &self->setup_what);
}

FIXTURE_TEARDOWN(ipi)
{
	mkm_free(&self->r.set);
	if (self->r.fd >= 0) {
		close(self->r.fd);
		/* The last close freed the space, its members and pages. */
		/* Soon, when a work item reaped the last members. */
		EXPECT_EQ(0, mk_objects_settle("mkrep", "spaces", 0, 5000));
		EXPECT_EQ(0, mk_objects_settle("mkrep", "members", 0, 5000));
		EXPECT_EQ(0, mk_mkrep_count("pages"));
	}
}

/*
 * Run @cycles cycles on the initiator, at most MAX_SECONDS: 0 or an
 * errno; @secs gets the interval's length.
 */
static int command(struct mkm_set *set, unsigned int cycles,
		   unsigned int touch_mask, double *secs)
{
	struct mkm_member *init = &set->sh->m[0];
	double t0 = now();
	int ret;

	mkm_ops_post(init, MKM_PLAN_CYCLE, 4 * cycles, 0, RANGE, touch_mask);
	ret = mkm_wait(init, MAX_SECONDS * 1000);
	if (ret == -1) {
		__atomic_store_n(&init->stop, 1, __ATOMIC_RELEASE);
		ret = mkm_wait(init, 2 * STALL_SECONDS * 1000);
	}
	if (secs)
		*secs = now() - t0;
	return ret == -1 ? ETIMEDOUT : ret;
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

TEST_F_TIMEOUT(ipi, operations_interrupt_as_their_path_says, 90)
{
	struct irq_snap *s = calloc(4, sizeof(*s));
	struct run *r = &self->r;
	struct mkm_member *init = &r->set.sh->m[0];
	struct mkrep_space_info info0, info1;
	long long tlb, cal, res, tlb_c, cal_c, res_c, tol, fb_ipis, fb_seen = 0;
	unsigned int cycles = cycles_wanted(), ops, zaps, mask = 0;
	const struct mkrep_op *sum = &init->sum;
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
		TH_LOG("shared area bound to node %d (mbind); kernel.numa_balancing %s",
		       r->sh_node, numab);
	if (variant->run == RUN_EVENT_LOOP || variant->run == RUN_BUSY)
		for (i = 1; i < r->n; i++)
			mask |= 1U << i;
	if (variant->run == RUN_BUSY && cycles > BUSY_CYCLES)
		cycles = BUSY_CYCLES;

	/*
	 * Settle: every CPU has run its member since the fork, the
	 * window's page table exists, the members are in their loops.
	 */
	ASSERT_EQ(0, command(&r->set, WARMUP_CYCLES, mask, NULL));
	if (variant->run == RUN_STOPPED)
		for (i = 1; i < r->n; i++)
			ASSERT_EQ(0, mkm_stop_member(&r->set, i));
	sleep_for(0.1);

	/* The operations. */
	ASSERT_EQ(0, space_info(r->fd, &info0));
	ASSERT_EQ(0, irq_read(&s[0]));
	ASSERT_EQ(0, command(&r->set, cycles, mask, &secs));
	ASSERT_EQ(0, irq_read(&s[1]));
	ASSERT_EQ(0, space_info(r->fd, &info1));
	ops = init->ops_done;
	zaps = init->zaps;

	/* The control: the members as before, no operation. */
	ctl = secs < CONTROL_SECONDS ? secs : CONTROL_SECONDS;
	ASSERT_EQ(0, irq_read(&s[2]));
	sleep_for(ctl);
	ASSERT_EQ(0, irq_read(&s[3]));

	tol = zaps / TOL_ZAPS < TOL_ABS ? zaps / TOL_ZAPS : TOL_ABS;
	if (tol < TOL_MIN)
		tol = TOL_MIN;
	TH_LOG("%d members, %u operations, %u zaps each, %.2f s, %llu wake-ups",
	       r->n, ops, zaps, secs,
	       (unsigned long long)(info1.wakeups - info0.wakeups));
	TH_LOG("replicas: %u by message, %u not running, %u fallback, %u removed",
	       sum->by_message, sum->not_running, sum->fallback, sum->removed);
	if (ops < cycles * 4)
		TH_LOG("stopped by the %d s cap after %u of %u cycles",
		       MAX_SECONDS, ops / 4, cycles);
	TH_LOG("control %.2f s, scaled by %.2f; allowed beyond it: %lld a row, a CPU",
	       ctl, secs / ctl, tol);
	EXPECT_EQ(0, init->bad_sums);
	EXPECT_EQ(0, sum->removed);
	EXPECT_EQ(ops * (r->n - 1), sum->members);
	switch (variant->run) {
	case RUN_EVENT_LOOP:
		EXPECT_LT(0, sum->by_message);
		/*
		 * A member that runs (for its guest kernel) and yet does
		 * not answer within the 1 s bound: its vCPU stopped by the
		 * host that long.  Seen 3 times in 1200 replicas under
		 * TCG on a busy host; a member that never answered would
		 * fall back on every one.
		 */
		EXPECT_GE(sum->members / 100, sum->fallback)
			TH_LOG("%u fallbacks of members that poll",
			       sum->fallback);
		EXPECT_EQ(0, info1.wakeups - info0.wakeups);
		break;
	case RUN_BLOCKED:
	case RUN_STOPPED:
		EXPECT_EQ(sum->members, sum->not_running)
			TH_LOG("a member that does not run was asked");
		EXPECT_EQ(0, info1.wakeups - info0.wakeups);
		break;
	default:
		/* A busy member preempted when looked at is not running. */
		EXPECT_EQ(sum->members, sum->fallback + sum->not_running);
		EXPECT_LT(0, sum->fallback);
		EXPECT_EQ(0, sum->by_message);
		break;
	}
	/* A member's CPU gets one fallback flush a zap at most. */
	fb_ipis = init->zap_fallbacks < zaps ? init->zap_fallbacks : zaps;
	TH_LOG("fallbacks of the zapping operations: %llu",
	       (unsigned long long)init->zap_fallbacks);

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
		if (variant->run != RUN_BUSY || !i) {
			EXPECT_LE(cal, cal_c + tol)
				TH_LOG("cpu%d: function-call IPIs from mkrep operations",
				       cpu);
			EXPECT_LE(tlb, tlb_c + tol)
				TH_LOG("cpu%d: TLB shootdowns from mkrep operations",
				       cpu);
			continue;
		}
		/*
		 * The fallback flushes a running member's CPU as Linux
		 * would: a shootdown, which is a function call too, for
		 * each zap that fell back there, never more than the
		 * native shootdown of the same zaps.
		 */
		fb_seen += tlb - tlb_c;
		EXPECT_LE(cal, cal_c + fb_ipis + tol)
			TH_LOG("cpu%d: more function calls than fallbacks", cpu);
		EXPECT_LE(tlb, tlb_c + fb_ipis + tol)
			TH_LOG("cpu%d: more shootdowns than fallbacks", cpu);
	}
	/* Which member fell back is not known: the sum over their CPUs. */
	if (variant->run == RUN_BUSY)
		EXPECT_LE((long long)init->zap_fallbacks / 2, fb_seen)
			TH_LOG("the fallback's shootdowns went unseen");
	if (r->intruder_cpu >= 0) {
		/*
		 * Member 1 zaps its own mm when it applies, and the mm
		 * runs here too: Linux flushes this CPU at each zap while
		 * the thread runs, which it does all the time under TCG
		 * (199 to 205 of 200 zaps).  A quarter leaves room for a
		 * vCPU the host preempts (KVM's paravirtual flush sends it
		 * no interrupt); where nothing looked, none would be seen.
		 */
		EXPECT_LT(0, zaps);
		cpu = r->intruder_cpu;
		tlb = irq_delta(&s[0], &s[1], ROW_TLB, cpu);
		tlb_c = irq_delta(&s[2], &s[3], ROW_TLB, cpu);
		TH_LOG("cpu%d, the intruder's: TLB %lld (control %lld)",
		       cpu, tlb, tlb_c);
		ASSERT_LE(0, tlb) TH_LOG("cpu%d went offline", cpu);
		ASSERT_LE(0, tlb_c) TH_LOG("cpu%d went offline", cpu);
		EXPECT_LE(zaps / 4, tlb - scaled(tlb_c, ctl, secs))
			TH_LOG("cpu%d: the intruder's shootdowns went unseen",
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
