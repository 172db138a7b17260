// SPDX-License-Identifier: GPL-2.0
/*
 * Replicated page tables: member processes, one per CPU, each with its own
 * window on a space.  Map, unmap and protect started by any member reach
 * every replica before they return, with each delivery strategy; a member
 * that stops serving and dies, leaves, or loses its CPU never hangs an
 * operation; every bad argument gets its errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"

#define NPAGES		16
#define MAX_MEMBERS	8

enum {
	CMD_NONE, CMD_READ, CMD_WRITE, CMD_OP, CMD_LEAVE, CMD_SERVE, CMD_EXIT
};

/* One member's mailbox, in memory shared with the test. */
struct mailbox {
	int seq;			/* the test posts a command */
	int done;			/* the member finished it */
	int cmd;
	uint64_t off, val;
	struct mkrep_op op;
	int err;			/* errno, or the signal an access got */
	int ready;			/* joined: 1, failed: -errno */
	uint64_t addr;
	int cpu;
};

static long page_size;
static sigjmp_buf fault_jmp;
static int fault_sig;

static void on_fault(int sig)
{
	__atomic_store_n(&fault_sig, sig, __ATOMIC_RELAXED);
	siglongjmp(fault_jmp, 1);
}

/* Read or write a word, reporting the signal it raised, if any. */
static int access_word(uint64_t *p, int write, uint64_t *val)
{
	struct sigaction sa = { .sa_handler = on_fault };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	fault_sig = 0;
	if (sigsetjmp(fault_jmp, 1))
		return __atomic_load_n(&fault_sig, __ATOMIC_RELAXED);
	if (write)
		__atomic_store_n(p, *val, __ATOMIC_RELAXED);
	else
		*val = __atomic_load_n(p, __ATOMIC_RELAXED);
	return 0;
}

static int space_create(int strategy, uint64_t length, int *fd)
{
	struct mkrep_space_create c = {
		.size = sizeof(c), .length = length, .strategy = strategy,
		.flags = MKREP_SPACE_CLOEXEC,
	};
	int dev, ret = 0;

	dev = open("/dev/mkrep", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return errno;
	if (ioctl(dev, MKREP_IOC_SPACE_CREATE, &c))
		ret = errno;
	else
		*fd = c.fd;
	close(dev);
	return ret;
}

static int join(int fd, int cpu, uint64_t *addr)
{
	struct mkrep_join j = { .size = sizeof(j), .cpu = cpu };

	if (ioctl(fd, MKREP_IOC_JOIN, &j))
		return errno;
	if (addr)
		*addr = j.addr;
	return 0;
}

static int do_op(int fd, struct mkrep_op *op)
{
	op->size = sizeof(*op);
	return ioctl(fd, MKREP_IOC_OP, op) ? errno : 0;
}

static int serve(int fd, unsigned int flags, unsigned int *served)
{
	struct mkrep_serve s = { .size = sizeof(s), .flags = flags };

	if (ioctl(fd, MKREP_IOC_SERVE, &s))
		return errno;
	if (served)
		*served = s.served;
	return 0;
}

static int space_info(int fd, struct mkrep_space_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, MKREP_IOC_SPACE_INFO, info) ? errno : 0;
}

/* The life of a member process: join on its CPU, then serve and obey. */
static void member_main(int fd, struct mailbox *mb)
{
	struct timespec pause = { 0, 100 * 1000 };
	uint64_t *win;
	int seq = 0;

	if (mk_pin_cpu(mb->cpu)) {
		mb->ready = -errno;
		_exit(1);
	}
	mb->err = join(fd, mb->cpu, &mb->addr);
	mb->ready = mb->err ? -mb->err : 1;
	if (mb->err)
		_exit(1);
	win = (uint64_t *)mb->addr;
	for (;;) {
		serve(fd, 0, NULL);
		if (__atomic_load_n(&mb->seq, __ATOMIC_ACQUIRE) == seq) {
			nanosleep(&pause, NULL);
			continue;
		}
		seq = mb->seq;
		mb->err = 0;
		switch (mb->cmd) {
		case CMD_READ:
			mb->err = access_word(win + mb->off / 8, 0, &mb->val);
			break;
		case CMD_WRITE:
			mb->err = access_word(win + mb->off / 8, 1, &mb->val);
			break;
		case CMD_OP:
			mb->err = do_op(fd, &mb->op);
			break;
		case CMD_LEAVE:
			mb->err = munmap(win, NPAGES * page_size) ? errno : 0;
			break;
		case CMD_SERVE:
			mb->err = serve(fd, 0, NULL);
			break;
		case CMD_EXIT:
			_exit(0);
		}
		__atomic_store_n(&mb->done, seq, __ATOMIC_RELEASE);
	}
}

FIXTURE(space) {
	int fd;
	int n;
	int offline;
	pid_t extra;			/* a member outside the mailboxes */
	pid_t pid[MAX_MEMBERS];
	struct mailbox *mb;
};

FIXTURE_VARIANT(space) {
	int strategy;
};

FIXTURE_VARIANT_ADD(space, unicast) { .strategy = MKREP_STRATEGY_UNICAST };
FIXTURE_VARIANT_ADD(space, broadcast) { .strategy = MKREP_STRATEGY_BROADCAST };
FIXTURE_VARIANT_ADD(space, tree) { .strategy = MKREP_STRATEGY_TREE };

/* Post a command to a member without waiting. */
static void post(struct mailbox *mb, int cmd, uint64_t off, uint64_t val)
{
	mb->cmd = cmd;
	mb->off = off;
	mb->val = val;
	__atomic_store_n(&mb->seq, mb->seq + 1, __ATOMIC_RELEASE);
}

/* Wait up to @ms for the member to finish its command. */
static int wait_done(struct mailbox *mb, int ms)
{
	struct timespec pause = { 0, 1000 * 1000 };

	while (__atomic_load_n(&mb->done, __ATOMIC_ACQUIRE) != mb->seq) {
		if (ms-- <= 0)
			return -1;
		nanosleep(&pause, NULL);
	}
	return mb->err;
}

static int run(struct mailbox *mb, int cmd, uint64_t off, uint64_t val)
{
	post(mb, cmd, off, val);
	return wait_done(mb, 30000);
}

static int run_op(struct mailbox *mb, unsigned int op, unsigned int first,
		  unsigned int n, unsigned int prot)
{
	memset(&mb->op, 0, sizeof(mb->op));
	mb->op.op = op;
	mb->op.prot = prot;
	mb->op.offset = first * page_size;
	mb->op.length = n * page_size;
	return run(mb, CMD_OP, 0, 0);
}

FIXTURE_SETUP(space)
{
	int cpus[MAX_MEMBERS], i, ms;
	cpu_set_t set;

	page_size = sysconf(_SC_PAGESIZE);
	self->offline = -1;
	ASSERT_EQ(0, space_create(variant->strategy, NPAGES * page_size,
				  &self->fd));
	self->mb = mmap(NULL, MAX_MEMBERS * sizeof(*self->mb),
			PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mb);
	memset(self->mb, 0, MAX_MEMBERS * sizeof(*self->mb));

	/* One member on each CPU the test may run on. */
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	self->n = 0;
	for (i = 0; i < CPU_SETSIZE && self->n < MAX_MEMBERS; i++)
		if (CPU_ISSET(i, &set))
			cpus[self->n++] = i;
	ASSERT_LE(2, self->n) TH_LOG("needs two CPUs");
	for (i = 0; i < self->n; i++) {
		self->mb[i].cpu = cpus[i];
		self->pid[i] = fork();
		ASSERT_LE(0, self->pid[i]);
		if (!self->pid[i])
			member_main(self->fd, &self->mb[i]);
	}
	for (i = 0; i < self->n; i++) {
		for (ms = 0; !self->mb[i].ready && ms < 20000; ms++)
			usleep(1000);
		ASSERT_EQ(1, self->mb[i].ready)
			TH_LOG("member on cpu%d: join: %s", cpus[i],
			       strerror(-self->mb[i].ready));
	}
}

static int set_online(int cpu, int on)
{
	char path[64];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	if (write(fd, on ? "1" : "0", 1) != 1)
		ret = errno;
	close(fd);
	return ret;
}

FIXTURE_TEARDOWN(space)
{
	int i, ms;

	if (self->offline >= 0)
		set_online(self->offline, 1);
	if (self->extra > 0) {
		kill(self->extra, SIGKILL);
		waitpid(self->extra, NULL, 0);
	}

	for (i = 0; i < self->n; i++)
		if (self->pid[i] > 0)
			post(&self->mb[i], CMD_EXIT, 0, 0);
	for (i = 0; i < self->n; i++) {
		if (self->pid[i] <= 0)
			continue;
		for (ms = 0; ms < 5000; ms++) {
			if (waitpid(self->pid[i], NULL, WNOHANG) == self->pid[i])
				break;
			usleep(1000);
		}
		if (ms == 5000) {
			kill(self->pid[i], SIGKILL);
			waitpid(self->pid[i], NULL, 0);
		}
	}
	close(self->fd);
	/* The last close freed the space, its members and its pages. */
	EXPECT_EQ(0, mk_mkrep_count("spaces"));
	EXPECT_EQ(0, mk_mkrep_count("members"));
	EXPECT_EQ(0, mk_mkrep_count("pages"));
}

/* Every member, its own window, sees what one wrote. */
TEST_F(space, map_write_read_everywhere)
{
	struct mkrep_space_info info;
	struct mailbox *m = self->mb;
	int i;

	ASSERT_EQ(0, run_op(&m[0], MKREP_OP_MAP, 0, 4,
			    MKREP_PROT_READ | MKREP_PROT_WRITE));
	EXPECT_EQ(self->n - 1, m[0].op.members);
	EXPECT_EQ(self->n, m[0].op.acked);
	EXPECT_EQ(0, m[0].op.removed);
	ASSERT_EQ(0, run(&m[1], CMD_WRITE, 2 * page_size + 8, 0xfeedfaceULL));
	for (i = 0; i < self->n; i++) {
		ASSERT_EQ(0, run(&m[i], CMD_READ, 2 * page_size + 8, 0))
			TH_LOG("member %d", i);
		EXPECT_EQ(0xfeedfaceULL, m[i].val) TH_LOG("member %d", i);
		ASSERT_EQ(0, run(&m[i], CMD_READ, 3 * page_size, 0));
		EXPECT_EQ(0, m[i].val) TH_LOG("member %d: page not zeroed", i);
		/* Never mapped: a fault, not a page. */
		EXPECT_EQ(SIGSEGV, run(&m[i], CMD_READ, 5 * page_size, 0));
	}
	ASSERT_EQ(0, space_info(self->fd, &info));
	EXPECT_EQ(self->n, info.nr_members);
	EXPECT_EQ(4, info.mapped_pages);
	EXPECT_EQ(1, info.ops);
	EXPECT_EQ(variant->strategy, info.strategy);
	EXPECT_LE(2 * (self->n - 1), info.messages);
}

/*
 * After an unmap returns, no member reaches the page, not even through a
 * translation it had cached.
 */
TEST_F(space, unmap_faults_everywhere)
{
	struct mailbox *m = self->mb;
	int i, last = self->n - 1;

	ASSERT_EQ(0, run_op(&m[0], MKREP_OP_MAP, 0, 2,
			    MKREP_PROT_READ | MKREP_PROT_WRITE));
	ASSERT_EQ(0, run(&m[1], CMD_WRITE, 0, 42));
	for (i = 0; i < self->n; i++) {
		ASSERT_EQ(0, run(&m[i], CMD_READ, 0, 0));
		ASSERT_EQ(42, m[i].val);
	}
	ASSERT_EQ(0, run_op(&m[last], MKREP_OP_UNMAP, 0, 1, 0));
	EXPECT_EQ(self->n, m[last].op.acked);
	for (i = 0; i < self->n; i++) {
		EXPECT_EQ(SIGSEGV, run(&m[i], CMD_READ, 0, 0))
			TH_LOG("member %d still reads the unmapped page", i);
		EXPECT_EQ(SIGSEGV, run(&m[i], CMD_WRITE, 0, 1));
		EXPECT_EQ(0, run(&m[i], CMD_READ, page_size, 0));
	}
	/* Unmapped pages of a range are skipped; the range can be mapped again. */
	ASSERT_EQ(0, run_op(&m[0], MKREP_OP_UNMAP, 0, 2, 0));
	ASSERT_EQ(0, run_op(&m[1], MKREP_OP_MAP, 0, 2, MKREP_PROT_READ));
	for (i = 0; i < self->n; i++) {
		ASSERT_EQ(0, run(&m[i], CMD_READ, 0, 0));
		EXPECT_EQ(0, m[i].val) TH_LOG("a fresh page is zeroed");
	}
}

/* Protect: writes fault in every replica, reads go on; and back. */
TEST_F(space, protect_everywhere)
{
	struct mailbox *m = self->mb;
	int i;

	ASSERT_EQ(0, run_op(&m[0], MKREP_OP_MAP, 0, 1,
			    MKREP_PROT_READ | MKREP_PROT_WRITE));
	for (i = 0; i < self->n; i++)
		ASSERT_EQ(0, run(&m[i], CMD_WRITE, 8 * i, i + 1));
	ASSERT_EQ(0, run_op(&m[self->n - 1], MKREP_OP_PROTECT, 0, 1,
			    MKREP_PROT_READ));
	for (i = 0; i < self->n; i++) {
		EXPECT_EQ(SIGSEGV, run(&m[i], CMD_WRITE, 8 * i, 99))
			TH_LOG("member %d writes a protected page", i);
		ASSERT_EQ(0, run(&m[i], CMD_READ, 8 * i, 0));
		EXPECT_EQ(i + 1, m[i].val);
	}
	ASSERT_EQ(0, run_op(&m[1], MKREP_OP_PROTECT, 0, 1,
			    MKREP_PROT_READ | MKREP_PROT_WRITE));
	for (i = 0; i < self->n; i++)
		EXPECT_EQ(0, run(&m[i], CMD_WRITE, 8 * i, 7));
}

/*
 * The line of @buf, counting from 1, of the @nth line (from 1) that holds
 * both @a and @b; 0 if there is none.
 */
static int trace_line(const char *buf, int nth, const char *a, const char *b)
{
	const char *p = buf, *end;
	int line = 1;
	size_t len;
	char tmp[512];

	for (; *p; line++, p = *end ? end + 1 : end) {
		end = strchrnul(p, '\n');
		len = end - p < (long)sizeof(tmp) - 1 ? end - p : sizeof(tmp) - 1;
		memcpy(tmp, p, len);
		tmp[len] = '\0';
		if (strstr(tmp, a) && strstr(tmp, b) && !--nth)
			return line;
	}
	return 0;
}

/*
 * Overlap: the initiator sends its first request, then changes its own
 * replica, then gathers, in every strategy, so that its own zap and flush
 * run while the members do theirs.  Seen in the mkrep_send, mkrep_apply
 * and mkrep_recv trace events of the initiator's CPU, which records them
 * in the order they happened.  With unicast, the initiator applies before
 * it asks its second member.
 */
TEST_F(space, initiator_sends_before_it_applies)
{
	static const unsigned int ops[] = { MKREP_OP_MAP, MKREP_OP_UNMAP };
	const size_t len = 16 << 20;
	int cpu = self->mb[0].cpu, i, ret[3], sent, sent2, applied, acked;
	char *buf, send[64], apply[64], recv[64], to[32];
	long record_cmd, got;

	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	record_cmd = mk_trace_start("mkrep");
	ASSERT_LE(0, record_cmd) TH_LOG("tracing: %s", strerror(-record_cmd));
	ret[0] = run_op(&self->mb[0], MKREP_OP_MAP, 0, 2,
			MKREP_PROT_READ | MKREP_PROT_WRITE);
	ret[1] = run(&self->mb[1], CMD_WRITE, 0, 7);
	ret[2] = run_op(&self->mb[0], MKREP_OP_UNMAP, 0, 2, 0);
	/* Tracing off again before anything may fail. */
	mk_trace_stop("mkrep", record_cmd);
	got = mk_read_all(MK_TRACING "/trace", buf, len);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, ret[i]) TH_LOG("step %d", i);
	ASSERT_LT(0, got);
	ASSERT_GT((long)len - 1, got) TH_LOG("the trace did not fit");

	/* A new space: its operations are numbered 1 and 2. */
	snprintf(to, sizeof(to), " to=%d ack", cpu);
	for (i = 0; i < 2; i++) {
		snprintf(send, sizeof(send), "mkrep_send: op=%d from=%d ",
			 i + 1, cpu);
		snprintf(apply, sizeof(apply), "mkrep_apply: op=%d cpu=%d ",
			 i + 1, cpu);
		snprintf(recv, sizeof(recv), "mkrep_recv: op=%d ", i + 1);
		sent = trace_line(buf, 1, send, " req");
		sent2 = trace_line(buf, 2, send, " req");
		applied = trace_line(buf, 1, apply, "");
		acked = trace_line(buf, 1, recv, to);
		ASSERT_NE(0, sent) TH_LOG("op %u: no request traced", ops[i]);
		ASSERT_NE(0, applied) TH_LOG("op %u: no apply traced", ops[i]);
		ASSERT_NE(0, acked) TH_LOG("op %u: no ack traced", ops[i]);
		EXPECT_LT(sent, applied)
			TH_LOG("op %u: the initiator applied (line %d) before it sent (line %d)",
			       ops[i], applied, sent);
		EXPECT_LT(applied, acked)
			TH_LOG("op %u: an ack taken (line %d) before the apply (line %d)",
			       ops[i], acked, applied);
		if (variant->strategy == MKREP_STRATEGY_UNICAST && self->n > 2) {
			ASSERT_NE(0, sent2);
			EXPECT_LT(applied, sent2)
				TH_LOG("op %u: applied (line %d) after request 2 (line %d)",
				       ops[i], applied, sent2);
		}
	}
	free(buf);
}

/* Member by member, page by page: the first read that fails, or -1. */
static int first_unreadable(struct mailbox *m, int n, int npages)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < npages; j++)
			if (run(&m[i], CMD_READ, j * page_size, 0))
				return i * npages + j;
	return -1;
}

/* Operations from every member at once: serialised, none lost. */
TEST_F(space, concurrent_ops)
{
	struct mkrep_space_info info;
	struct mailbox *m = self->mb;
	int i, bad;

	for (i = 0; i < self->n; i++) {
		memset(&m[i].op, 0, sizeof(m[i].op));
		m[i].op.op = MKREP_OP_MAP;
		m[i].op.prot = MKREP_PROT_READ | MKREP_PROT_WRITE;
		m[i].op.offset = i * page_size;
		m[i].op.length = page_size;
		post(&m[i], CMD_OP, 0, 0);
	}
	for (i = 0; i < self->n; i++) {
		ASSERT_EQ(0, wait_done(&m[i], 60000)) TH_LOG("member %d", i);
		EXPECT_EQ(self->n, m[i].op.acked);
	}
	bad = first_unreadable(m, self->n, self->n);
	EXPECT_EQ(-1, bad) TH_LOG("member %d cannot read page %d",
				  bad / self->n, bad % self->n);
	ASSERT_EQ(0, space_info(self->fd, &info));
	EXPECT_EQ(self->n, info.ops);
	EXPECT_EQ(self->n, info.mapped_pages);
}

/*
 * A member that stops serving stalls an operation until it dies; then the
 * operation completes for the others.  With the tree strategy the victim
 * leads the second NUMA node of the test guest.
 */
TEST_F(space, member_death_mid_operation)
{
	struct mkrep_space_info info;
	struct mailbox *m = self->mb;
	int victim = self->n / 2, i;

	ASSERT_LE(3, self->n) TH_LOG("needs three CPUs");
	ASSERT_EQ(0, kill(self->pid[victim], SIGSTOP));
	memset(&m[0].op, 0, sizeof(m[0].op));
	m[0].op.op = MKREP_OP_MAP;
	m[0].op.prot = MKREP_PROT_READ;
	m[0].op.length = page_size;
	post(&m[0], CMD_OP, 0, 0);
	EXPECT_EQ(-1, wait_done(&m[0], 300)) TH_LOG("done without the victim");
	ASSERT_EQ(0, kill(self->pid[victim], SIGKILL));
	ASSERT_EQ(self->pid[victim], waitpid(self->pid[victim], NULL, 0));
	self->pid[victim] = 0;
	ASSERT_EQ(0, wait_done(&m[0], 30000)) TH_LOG("hangs after the death");
	EXPECT_EQ(1, m[0].op.removed);
	EXPECT_EQ(self->n - 1, m[0].op.acked);
	for (i = 0; i < self->n; i++)
		if (i != victim)
			EXPECT_EQ(0, run(&m[i], CMD_READ, 0, 0)) TH_LOG("member %d", i);
	ASSERT_EQ(0, space_info(self->fd, &info));
	EXPECT_EQ(self->n - 1, info.nr_members);
	EXPECT_EQ(1, info.removed);
	/* The next operation goes to the survivors only. */
	ASSERT_EQ(0, run_op(&m[1], MKREP_OP_UNMAP, 0, 1, 0));
	EXPECT_EQ(self->n - 2, m[1].op.members);
	EXPECT_EQ(self->n - 1, m[1].op.acked);
}

/*
 * Member 0 unmaps @npages pages from page 0 while the last member is
 * stopped, and is killed before its operation can end; then the last
 * member goes on.  The operation stays pending.  0, or the step that
 * failed (1 to 5).
 */
static int kill_initiator_mid_unmap(struct mailbox *m, pid_t *pid, int n,
				    unsigned int npages)
{
	pid_t last = pid[n - 1];

	if (kill(last, SIGSTOP))
		return 1;
	memset(&m[0].op, 0, sizeof(m[0].op));
	m[0].op.op = MKREP_OP_UNMAP;
	m[0].op.length = npages * page_size;
	post(&m[0], CMD_OP, 0, 0);
	if (wait_done(&m[0], 300) != -1)
		return 2;		/* done without the stopped member */
	if (kill(pid[0], SIGKILL))
		return 3;
	if (waitpid(pid[0], NULL, 0) != pid[0])
		return 4;
	pid[0] = 0;
	return kill(last, SIGCONT) ? 5 : 0;
}

/*
 * An UNMAP left pending by a killed initiator, then another UNMAP: the
 * second one frees the pages of the first before it takes out its own
 * (one array, allocated with the space, holds both in turn), and no page
 * is left behind or freed twice.
 */
TEST_F(space, initiator_killed_mid_unmap_then_unmap)
{
	struct mkrep_space_info info;
	struct mailbox *m = self->mb;
	int i;

	ASSERT_LE(3, self->n) TH_LOG("needs three CPUs");
	ASSERT_EQ(0, run_op(&m[1], MKREP_OP_MAP, 0, 4, MKREP_PROT_READ));
	EXPECT_EQ(4, mk_mkrep_count("pages"));
	for (i = 0; i < self->n; i++)
		ASSERT_EQ(0, run(&m[i], CMD_READ, 3 * page_size, 0));

	ASSERT_EQ(0, kill_initiator_mid_unmap(m, self->pid, self->n, 3));
	/* Pending: its three pages are not freed yet. */
	EXPECT_EQ(4, mk_mkrep_count("pages"));

	ASSERT_EQ(0, run_op(&m[1], MKREP_OP_UNMAP, 3, 1, 0));
	EXPECT_EQ(self->n - 1, m[1].op.acked);
	for (i = 1; i < self->n; i++) {
		EXPECT_EQ(SIGSEGV, run(&m[i], CMD_READ, 0, 0))
			TH_LOG("member %d reads a page of the first unmap", i);
		EXPECT_EQ(SIGSEGV, run(&m[i], CMD_READ, 3 * page_size, 0))
			TH_LOG("member %d reads the page of the second", i);
	}
	ASSERT_EQ(0, space_info(self->fd, &info));
	EXPECT_EQ(0, info.mapped_pages);
	EXPECT_EQ(0, mk_mkrep_count("pages"));
	EXPECT_EQ(3, info.ops) TH_LOG("map, the unfinished unmap, unmap");
}

/*
 * The initiator itself killed while a member does not serve: the next
 * operation delivers the unfinished one again first, so no member keeps
 * the page it unmapped, and then does its own.
 */
TEST_F(space, initiator_killed_mid_operation)
{
	struct mkrep_space_info info;
	struct mailbox *m = self->mb;
	int i;

	ASSERT_LE(3, self->n) TH_LOG("needs three CPUs");
	ASSERT_EQ(0, run_op(&m[1], MKREP_OP_MAP, 0, 1, MKREP_PROT_READ));
	for (i = 0; i < self->n; i++)
		ASSERT_EQ(0, run(&m[i], CMD_READ, 0, 0));

	ASSERT_EQ(0, kill_initiator_mid_unmap(m, self->pid, self->n, 1));

	ASSERT_EQ(0, run_op(&m[1], MKREP_OP_MAP, 1, 1, MKREP_PROT_READ));
	EXPECT_EQ(self->n - 1, m[1].op.acked);
	for (i = 1; i < self->n; i++) {
		EXPECT_EQ(SIGSEGV, run(&m[i], CMD_READ, 0, 0))
			TH_LOG("member %d still reads the unmapped page", i);
		EXPECT_EQ(0, run(&m[i], CMD_READ, page_size, 0));
	}
	ASSERT_EQ(0, space_info(self->fd, &info));
	EXPECT_EQ(1, info.mapped_pages);
	EXPECT_EQ(3, info.ops) TH_LOG("map, the unfinished unmap, map");
}

/*
 * A member that forwards for its NUMA node (the tree strategy's leader of
 * the guest's second node; a plain member otherwise) is killed while the
 * next member does not serve: the operation must wait for that member,
 * not take the dying one's word for it.
 */
TEST_F(space, forwarder_killed_mid_operation)
{
	struct mailbox *m = self->mb;
	int leader = self->n / 2, child = self->n - 1, i;

	ASSERT_LE(4, self->n) TH_LOG("needs four CPUs");
	ASSERT_EQ(0, run_op(&m[0], MKREP_OP_MAP, 0, 1, MKREP_PROT_READ));
	for (i = 0; i < self->n; i++)
		ASSERT_EQ(0, run(&m[i], CMD_READ, 0, 0));

	ASSERT_EQ(0, kill(self->pid[child], SIGSTOP));
	memset(&m[0].op, 0, sizeof(m[0].op));
	m[0].op.op = MKREP_OP_UNMAP;
	m[0].op.length = page_size;
	post(&m[0], CMD_OP, 0, 0);
	usleep(300 * 1000);
	ASSERT_EQ(0, kill(self->pid[leader], SIGKILL));
	ASSERT_EQ(self->pid[leader], waitpid(self->pid[leader], NULL, 0));
	self->pid[leader] = 0;
	EXPECT_EQ(-1, wait_done(&m[0], 300))
		TH_LOG("done while a member has not applied it");
	ASSERT_EQ(0, kill(self->pid[child], SIGCONT));
	ASSERT_EQ(0, wait_done(&m[0], 30000));
	/* Only a tree leader had not acknowledged when it died. */
	EXPECT_EQ(variant->strategy == MKREP_STRATEGY_TREE ? self->n - 1 :
		  self->n, m[0].op.acked);
	for (i = 0; i < self->n; i++)
		if (i != leader)
			EXPECT_EQ(SIGSEGV, run(&m[i], CMD_READ, 0, 0))
				TH_LOG("member %d reads the unmapped page", i);
}

/* Leaving is unmapping the window; the CPU can be joined again. */
TEST_F(space, leave_and_rejoin)
{
	struct mailbox *m = self->mb;
	int last = self->n - 1;
	pid_t pid;
	int status;

	ASSERT_EQ(0, run_op(&m[0], MKREP_OP_MAP, 0, 1, MKREP_PROT_READ));
	ASSERT_EQ(0, run(&m[last], CMD_LEAVE, 0, 0));
	EXPECT_EQ(EPERM, run(&m[last], CMD_SERVE, 0, 0));
	ASSERT_EQ(0, run_op(&m[0], MKREP_OP_MAP, 1, 1, MKREP_PROT_READ));
	EXPECT_EQ(self->n - 2, m[0].op.members);

	/* A new process on the freed CPU starts with the space as it is. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint64_t addr = 0, v;

		if (mk_pin_cpu(m[last].cpu) || join(self->fd, m[last].cpu, &addr))
			_exit(1);
		if (access_word((uint64_t *)(addr + page_size), 0, &v) || v)
			_exit(2);
		_exit(access_word((uint64_t *)(addr + 2 * page_size), 0, &v) ==
		      SIGSEGV ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * With every member polling, no message needs a wake-up; a sleeping
 * member is woken, and counted.
 */
TEST_F(space, polling_needs_no_wakeup)
{
	struct mkrep_space_info before, after;
	struct mailbox *m = self->mb;
	int i;

	ASSERT_EQ(0, space_info(self->fd, &before));
	for (i = 0; i < 8; i++) {
		memset(&m[0].op, 0, sizeof(m[0].op));
		m[0].op.flags = MKREP_SPIN;
		m[0].op.op = i % 2 ? MKREP_OP_UNMAP : MKREP_OP_MAP;
		m[0].op.prot = i % 2 ? 0 : MKREP_PROT_READ;
		m[0].op.length = page_size;
		ASSERT_EQ(0, run(&m[0], CMD_OP, 0, 0));
	}
	ASSERT_EQ(0, space_info(self->fd, &after));
	EXPECT_EQ(before.wakeups, after.wakeups);
	EXPECT_EQ(before.ops + 8, after.ops);

	/* The initiator sleeps for its acks: they wake it. */
	ASSERT_EQ(0, run_op(&m[0], MKREP_OP_MAP, 0, 1, MKREP_PROT_READ));
	ASSERT_EQ(0, space_info(self->fd, &after));
	EXPECT_LT(before.wakeups, after.wakeups);
}

/* A member serving from a thread that sleeps in MKREP_SERVE_WAIT. */
static void *serve_thread(void *arg)
{
	int fd = *(int *)arg;
	unsigned int served = 0;

	while (!served)
		if (serve(fd, MKREP_SERVE_WAIT, &served) && errno != EINTR)
			break;
	return (void *)(long)served;
}

TEST_F(space, serve_wait_is_woken)
{
	struct mailbox *m = self->mb;
	pid_t pid;
	int status;

	/* A member of its own, outside the mailbox loop. */
	ASSERT_EQ(0, run(&m[self->n - 1], CMD_LEAVE, 0, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		pthread_t t;
		void *served;
		uint64_t addr = 0, v;

		if (mk_pin_cpu(m[self->n - 1].cpu) ||
		    join(self->fd, m[self->n - 1].cpu, &addr))
			_exit(1);
		pthread_create(&t, NULL, serve_thread, &self->fd);
		pthread_join(t, &served);
		if ((long)served != 1)
			_exit(2);
		_exit(access_word((uint64_t *)addr, 0, &v) ? 3 : 0);
	}
	usleep(200 * 1000);
	ASSERT_EQ(0, run_op(&m[0], MKREP_OP_MAP, 0, 1, MKREP_PROT_READ));
	EXPECT_EQ(self->n, m[0].op.acked);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* What the sleeper of op_lock_release_wakes_only_its_waiters counted. */
struct sleeper {
	int ready;
	int stop;
	long served;
	long switches;		/* voluntary context switches while serving */
};

static long voluntary_switches(void)
{
	char buf[4096], *p;

	if (mk_read_file("/proc/thread-self/status", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "\nvoluntary_ctxt_switches:");
	return p ? strtol(p + strlen("\nvoluntary_ctxt_switches:"), NULL, 10) : -1;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* A member on @cpu that sleeps in MKREP_SERVE_WAIT until told to stop. */
static void sleeper_main(int fd, int cpu, struct sleeper *sl)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	uint64_t addr = 0;
	unsigned int served;
	long before;

	sigaction(SIGUSR1, &sa, NULL);
	if (mk_pin_cpu(cpu) || join(fd, cpu, &addr))
		_exit(1);
	before = voluntary_switches();
	__atomic_store_n(&sl->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&sl->stop, __ATOMIC_ACQUIRE)) {
		served = 0;
		if (serve(fd, MKREP_SERVE_WAIT, &served) && errno != EINTR)
			_exit(2);
		sl->served += served;
	}
	sl->switches = voluntary_switches() - before;
	_exit(before < 0 ? 3 : 0);
}

static void post_op(struct mailbox *mb, unsigned int op, unsigned int first,
		    unsigned int n, unsigned int prot)
{
	memset(&mb->op, 0, sizeof(mb->op));
	mb->op.op = op;
	mb->op.prot = prot;
	mb->op.offset = first * page_size;
	mb->op.length = n * page_size;
	post(mb, CMD_OP, 0, 0);
}

/*
 * The release of op_lock wakes the members that sleep waiting for it, and
 * no other (the wake-up of a sleeping member is an IPI).  Member A's
 * operation waits for member S, stopped; meanwhile B's operation sleeps
 * waiting for op_lock; S goes on, A's operation ends and releases op_lock
 * to B.  A fourth member sleeps in MKREP_SERVE_WAIT throughout: it must
 * be woken by the requests sent to it, no more.  (Waking every member
 * gave it one more each round, in the broadcast and tree cases at least;
 * with unicast it may be awake then.)
 */
TEST_F(space, op_lock_release_wakes_only_its_waiters)
{
	const int rounds = 30;
	struct mailbox *a = &self->mb[0], *b = &self->mb[2];
	int last = self->n - 1, i, status;
	struct sleeper *sl;

	ASSERT_LE(4, self->n) TH_LOG("needs four CPUs");
	sl = mmap(NULL, sizeof(*sl), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sl);
	memset(sl, 0, sizeof(*sl));
	ASSERT_EQ(0, run(&self->mb[last], CMD_LEAVE, 0, 0));
	self->extra = fork();
	ASSERT_LE(0, self->extra);
	if (!self->extra)
		sleeper_main(self->fd, self->mb[last].cpu, sl);
	for (i = 0; i < 20000 && !__atomic_load_n(&sl->ready, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	ASSERT_EQ(1, sl->ready);

	for (i = 0; i < rounds; i++) {
		ASSERT_EQ(0, kill(self->pid[1], SIGSTOP));
		post_op(a, MKREP_OP_MAP, 0, 1, MKREP_PROT_READ);
		usleep(100 * 1000);
		post_op(b, MKREP_OP_MAP, 1, 1, MKREP_PROT_READ);
		usleep(100 * 1000);
		ASSERT_EQ(0, kill(self->pid[1], SIGCONT));
		ASSERT_EQ(0, wait_done(a, 30000));
		ASSERT_EQ(0, wait_done(b, 30000));
		ASSERT_EQ(0, run_op(a, MKREP_OP_UNMAP, 0, 2, 0));
	}

	/* Stop the sleeper: a signal may land before it sleeps; repeat it. */
	__atomic_store_n(&sl->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 500; i++) {
		kill(self->extra, SIGUSR1);
		if (waitpid(self->extra, &status, WNOHANG) == self->extra)
			break;
		usleep(10 * 1000);
	}
	ASSERT_GT(500, i) TH_LOG("the sleeper did not stop");
	self->extra = 0;
	ASSERT_EQ(0, WEXITSTATUS(status));
	TH_LOG("%d operations: the sleeper served %ld requests in %ld voluntary switches",
	       3 * rounds, sl->served, sl->switches);
	EXPECT_EQ(3 * rounds, sl->served);
	/*
	 * One a request, and a few for the rest (the signals, the exit, a
	 * contended wait-queue lock on PREEMPT_RT); waking every member
	 * added about one every other round.
	 */
	EXPECT_LE(sl->switches, sl->served + 8)
		TH_LOG("the sleeper was woken without a request");
	munmap(sl, sizeof(*sl));
}

/* A process per CPU is the most there can be. */
TEST_F(space, no_more_members_than_cpus)
{
	pid_t pid;
	int status, i;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		for (i = 0; i < self->n; i++)
			if (mk_pin_cpu(self->mb[i].cpu) ||
			    join(self->fd, self->mb[i].cpu, NULL) != EEXIST)
				_exit(1 + i);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * A CPU going offline evicts its member, on that CPU: the member's window
 * is revoked (SIGBUS), it gets ENODEV, operations go on without it and
 * nobody joins on the offline CPU.  Online again, the CPU is free once the
 * evicted process has left.
 */
TEST_F(space, cpu_offline_evicts)
{
	struct mkrep_space_info info;
	struct mailbox *m = self->mb;
	int last = self->n - 1, cpu = m[last].cpu, status;
	pid_t pid;

	ASSERT_LE(3, self->n) TH_LOG("needs three CPUs");
	ASSERT_NE(0, cpu);
	ASSERT_EQ(0, run_op(&m[0], MKREP_OP_MAP, 0, 1, MKREP_PROT_READ));
	ASSERT_EQ(0, run(&m[last], CMD_READ, 0, 0));

	ASSERT_EQ(0, set_online(cpu, 0)) TH_LOG("cpu%d offline", cpu);
	self->offline = cpu;
	ASSERT_EQ(0, space_info(self->fd, &info));
	EXPECT_EQ(1, info.evicted);
	EXPECT_EQ(1, info.removed);
	EXPECT_EQ(self->n - 1, info.nr_members);
	EXPECT_EQ(SIGBUS, run(&m[last], CMD_READ, 0, 0));
	EXPECT_EQ(ENODEV, run(&m[last], CMD_SERVE, 0, 0));
	ASSERT_EQ(0, run_op(&m[0], MKREP_OP_UNMAP, 0, 1, 0));
	EXPECT_EQ(self->n - 2, m[0].op.members);
	EXPECT_EQ(self->n - 1, m[0].op.acked);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(join(self->fd, cpu, NULL) == EINVAL ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("no thread can bind to it");

	ASSERT_EQ(0, set_online(cpu, 1));
	self->offline = -1;
	ASSERT_EQ(0, run(&m[last], CMD_LEAVE, 0, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint64_t addr = 0;

		if (mk_pin_cpu(cpu) || join(self->fd, cpu, &addr))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("join on cpu%d again", cpu);
}

/* --- bad arguments ------------------------------------------------------- */

TEST(create_bad_arguments)
{
	struct mkrep_space_create c;
	struct mkrep_query q = { .size = sizeof(q) };
	int dev, fd;

	page_size = sysconf(_SC_PAGESIZE);
	dev = open("/dev/mkrep", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, ioctl(dev, MKREP_IOC_QUERY, &q));
	ASSERT_TRUE(q.features & MKREP_FEAT_SPACE);
	ASSERT_LE(1, q.max_space_pages);

#define BAD(field, value, err) do {					\
	memset(&c, 0, sizeof(c));					\
	c.size = sizeof(c);						\
	c.length = page_size;						\
	c.field = value;						\
	EXPECT_EQ(-1, ioctl(dev, MKREP_IOC_SPACE_CREATE, &c));		\
	EXPECT_EQ(err, errno) TH_LOG(#field " = " #value);		\
} while (0)
	BAD(flags, 2, EINVAL);
	BAD(length, 0, EINVAL);
	BAD(length, page_size + 1, EINVAL);
	BAD(length, (q.max_space_pages + 1ULL) * page_size, EINVAL);
	BAD(length, ~0ULL - page_size + 1, EINVAL);
	BAD(strategy, MKREP_NR_STRATEGIES, EINVAL);
	BAD(__reserved[1], 1, EINVAL);
	BAD(size, 8, EINVAL);
#undef BAD

	ASSERT_EQ(0, space_create(MKREP_STRATEGY_TREE,
				  q.max_space_pages * page_size, &fd));
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	close(fd);
	close(dev);
}

FIXTURE(alone) {
	int fd;
	int cpu;
	uint64_t addr;
};

FIXTURE_SETUP(alone)
{
	page_size = sysconf(_SC_PAGESIZE);
	ASSERT_EQ(0, space_create(MKREP_STRATEGY_BROADCAST,
				  NPAGES * page_size, &self->fd));
	self->cpu = sched_getcpu();
	self->addr = 0;
}

FIXTURE_TEARDOWN(alone)
{
	close(self->fd);
}

/*
 * A space's only member: its UNMAP has nobody to ask, and still changes
 * its own replica before it returns, and before the page is freed.
 * Unicast is the strategy that then never gathers.
 */
TEST_F(alone, lone_member_unmap_faults)
{
	struct mkrep_op op;
	uint64_t v = 42;

	close(self->fd);
	ASSERT_EQ(0, space_create(MKREP_STRATEGY_UNICAST, NPAGES * page_size,
				  &self->fd));
	ASSERT_EQ(0, mk_pin_cpu(self->cpu));
	ASSERT_EQ(0, join(self->fd, self->cpu, &self->addr));
	memset(&op, 0, sizeof(op));
	op.op = MKREP_OP_MAP;
	op.prot = MKREP_PROT_READ | MKREP_PROT_WRITE;
	op.length = page_size;
	ASSERT_EQ(0, do_op(self->fd, &op));
	ASSERT_EQ(0, access_word((uint64_t *)self->addr, 1, &v));
	ASSERT_EQ(1, mk_mkrep_count("pages"));
	memset(&op, 0, sizeof(op));
	op.op = MKREP_OP_UNMAP;
	op.length = page_size;
	ASSERT_EQ(0, do_op(self->fd, &op));
	EXPECT_EQ(1, op.acked);
	EXPECT_EQ(SIGSEGV, access_word((uint64_t *)self->addr, 0, &v))
		TH_LOG("the only member still reads the page it unmapped");
	EXPECT_EQ(0, mk_mkrep_count("pages"));
	ASSERT_EQ(0, munmap((void *)self->addr, NPAGES * page_size));
}

TEST_F(alone, join_bad_arguments)
{
	struct mkrep_join j;
	uint64_t addr = 0;
	void *p;
	pid_t pid;
	int status;

	/* Not bound to one CPU. */
	EXPECT_EQ(EINVAL, join(self->fd, self->cpu, NULL));
	ASSERT_EQ(0, mk_pin_cpu(self->cpu));
	/* Bound, but to another CPU than the one named. */
	EXPECT_EQ(EINVAL, join(self->fd, self->cpu ? 0 : 1, NULL));
	EXPECT_EQ(EINVAL, join(self->fd, 1 << 20, NULL));
	memset(&j, 0, sizeof(j));
	j.size = sizeof(j);
	j.cpu = self->cpu;
	j.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_JOIN, &j));
	EXPECT_EQ(EINVAL, errno);
	j.flags = 0;
	j.__pad = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MKREP_IOC_JOIN, &j));
	EXPECT_EQ(EINVAL, errno);

	/* Windows only come from JOIN. */
	p = mmap(NULL, NPAGES * page_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);

	ASSERT_EQ(0, join(self->fd, self->cpu, &addr));
	EXPECT_EQ(EALREADY, join(self->fd, self->cpu, NULL));

	/* The window is one piece, in one place, not inherited. */
	EXPECT_EQ(-1, munmap((void *)(addr + page_size), page_size));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mprotect((void *)addr, page_size, PROT_READ));
	EXPECT_EQ(-1, mprotect((void *)addr, NPAGES * page_size,
			       PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	p = mremap((void *)addr, NPAGES * page_size, NPAGES * page_size,
		   MREMAP_MAYMOVE | MREMAP_FIXED,
		   (void *)(addr + 64 * page_size));
	EXPECT_EQ(MAP_FAILED, p);
	p = mremap((void *)addr, NPAGES * page_size, 2 * NPAGES * page_size, 0);
	EXPECT_EQ(MAP_FAILED, p);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint64_t v;

		/* Another process on a taken CPU; and no window here. */
		if (join(self->fd, self->cpu, NULL) != EEXIST)
			_exit(1);
		_exit(access_word((uint64_t *)addr, 0, &v) == SIGSEGV ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(alone, op_bad_arguments)
{
	struct mkrep_op op;
	cpu_set_t set;
	unsigned int served = 9;
	uint64_t v;
	pid_t pid;
	int status;

	/* Not a member yet. */
	memset(&op, 0, sizeof(op));
	op.op = MKREP_OP_MAP;
	op.prot = MKREP_PROT_READ;
	op.length = page_size;
	EXPECT_EQ(EPERM, do_op(self->fd, &op));
	EXPECT_EQ(EPERM, serve(self->fd, 0, NULL));

	ASSERT_EQ(0, mk_pin_cpu(self->cpu));
	ASSERT_EQ(0, join(self->fd, self->cpu, &self->addr));

#define BAD(field, value, err) do {					\
	memset(&op, 0, sizeof(op));					\
	op.op = MKREP_OP_MAP;						\
	op.prot = MKREP_PROT_READ;					\
	op.offset = page_size;						\
	op.length = page_size;						\
	op.field = value;						\
	EXPECT_EQ(err, do_op(self->fd, &op)) TH_LOG(#field " = " #value); \
} while (0)
	BAD(flags, 2, EINVAL);
	BAD(op, 0, EINVAL);
	BAD(op, 4, EINVAL);
	BAD(prot, 0, EINVAL);
	BAD(prot, MKREP_PROT_WRITE, EINVAL);
	BAD(prot, 4 | MKREP_PROT_READ, EINVAL);
	BAD(offset, 1, EINVAL);
	BAD(length, 0, EINVAL);
	BAD(length, page_size + 1, EINVAL);
	BAD(offset, NPAGES * page_size, EINVAL);
	BAD(length, NPAGES * page_size, EINVAL);
	BAD(offset, ~0ULL - page_size + 1, EINVAL);
	BAD(__reserved[0], 1, EINVAL);
#undef BAD
	memset(&op, 0, sizeof(op));
	op.op = MKREP_OP_UNMAP;
	op.prot = MKREP_PROT_READ;
	op.length = page_size;
	EXPECT_EQ(EINVAL, do_op(self->fd, &op));

	/* Alone: the operation has nobody to ask, and works. */
	memset(&op, 0, sizeof(op));
	op.op = MKREP_OP_MAP;
	op.prot = MKREP_PROT_READ | MKREP_PROT_WRITE;
	op.length = 2 * page_size;
	ASSERT_EQ(0, do_op(self->fd, &op));
	EXPECT_EQ(0, op.members);
	EXPECT_EQ(1, op.acked);
	v = 5;
	EXPECT_EQ(0, access_word((uint64_t *)self->addr, 1, &v));
	op.offset = page_size;
	op.length = page_size;
	EXPECT_EQ(EEXIST, do_op(self->fd, &op));

	EXPECT_EQ(EINVAL, serve(self->fd, MKREP_SPIN | MKREP_SERVE_WAIT, NULL));
	EXPECT_EQ(EINVAL, serve(self->fd, 4, NULL));
	EXPECT_EQ(0, serve(self->fd, 0, &served));
	EXPECT_EQ(0, served);

	/* Not the member's process at all. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(do_op(self->fd, &op) == EPERM ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* The member's thread, no longer bound to its CPU alone. */
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	CPU_SET(self->cpu ? 0 : 1, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	EXPECT_EQ(EINVAL, do_op(self->fd, &op));
	EXPECT_EQ(EINVAL, serve(self->fd, 0, NULL));
}

TEST_HARNESS_MAIN
