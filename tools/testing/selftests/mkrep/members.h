/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Member processes of an mkrep space (ABI version 2), for the selftests.
 *
 * A test makes a set, starts one member process on each CPU it names and
 * drives them through a mailbox in a MAP_SHARED anonymous area.  Each
 * member is bound to its CPU, joins the space (libmkchan's mkrep_join():
 * member fd, window, status page) and then runs in a mode the test can
 * change at any time:
 *
 *   MKM_EVENT_LOOP  spins in user space, and calls mkrep_apply() whenever
 *                   mkrep_waiting() says a request waits (by message);
 *   MKM_EPOLL       sleeps in epoll_wait() on its member fd and its kick
 *                   pipe; applies on EPOLLIN, drops the fd on EPOLLHUP;
 *                   the member fd is in the epoll set in this mode only
 *                   (added before the member says it runs the mode,
 *                   removed before it says it left it): a post to a
 *                   member fd that an epoll set holds counts as a
 *                   wake-up of the space, even when no thread sleeps in
 *                   epoll_wait(), and the other modes must count none;
 *   MKM_BLOCKED     blocked in read() on its kick pipe: not running, and
 *                   it never applies;
 *   MKM_BUSY        spins in user space and never looks at the status
 *                   page: only the bound's fallback changes its replica.
 *
 * In every mode a member carries out the commands of its mailbox (a
 * blocked or sleeping one once kicked: every call below that posts
 * something kicks).  The API:
 *
 *   mkm_init(set)                 the shared area; 0 or -errno.  The
 *                                 area (set->sh) may be mbind()-ed then.
 *   mkm_start(set, spacefd, n, cpus, mode)
 *                                 fork n members, wait until each joined:
 *                                 0, or -errno of the first that failed.
 *   mkm_stop(set)                 thaw, continue, exit or kill and reap
 *                                 every member; undo the cgroup.  Safe
 *                                 to call twice.
 *   mkm_kill(set, i)              SIGKILL member i and reap it.
 *   mkm_set_mode(set, i, mode)    ask for a mode and wait until the
 *                                 member runs it (and, for EPOLL and
 *                                 BLOCKED, sleeps): 0 or -ETIMEDOUT.
 *   mkm_stop_member / mkm_cont_member(set, i)
 *                                 SIGSTOP (waits for state T) / SIGCONT.
 *   mkm_freeze(set, mask) / mkm_thaw(set)
 *                                 cgroup v2 freezer of the members in
 *                                 @mask (bit i: member i); mounts cgroup2
 *                                 on /sys/fs/cgroup if nothing is there;
 *                                 waits for cgroup.events "frozen 1" /
 *                                 "frozen 0".  mkm_cgroup_frozen(set)
 *                                 reads it.  mkm_cgroup_add_pid() puts
 *                                 another process in the cgroup.
 *   mkm_post(m, cmd) / mkm_wait(m, ms) / mkm_run(m, cmd, ms)
 *                                 post a command, wait for it: the
 *                                 command's result (0, an errno, or the
 *                                 signal an access got); -1 on timeout.
 *   mkm_op(m, op, prot, first, npages)
 *                                 MKREP_IOC_OP by member m, waited for;
 *                                 the result in m->op, its time in
 *                                 m->op_ns.  mkm_op_post() does not wait;
 *                                 mkm_wait_in_op() waits until the member
 *                                 is inside the ioctl (1: it was over
 *                                 before that was seen).
 *   mkm_probe_arm(m, kind, off)   the member reads (MKM_PROBE_READ) or
 *                                 writes (MKM_PROBE_WRITE) the word at
 *                                 @off of its window in every turn of its
 *                                 loop (its TLB stays warm); 0 once it
 *                                 did so, else the signal it got.
 *   mkm_probe_go(m)               tell it the operation returned: it
 *                                 touches the word once more,
 *   mkm_probe_result(m, ms)       and reports the signal that touch got
 *                                 (SIGSEGV expected), 0 if none, -1 on
 *                                 timeout; m->probe_early: the signal its
 *                                 loop got before the go, if any.
 *   mkm_op_sum_ok(op)             members == by_message + not_running +
 *                                 fallback + removed.
 *   mkm_now_ns(), mkm_proc_state(pid)
 *
 * Commands (m->cmd, arguments in the member's struct):
 *   MKM_CMD_READ/WRITE   the word at @off (@val); result: 0 or signal
 *   MKM_CMD_OP           @op (in/out); @timer_us > 0 arms a SIGALRM
 *                        (ITIMER_REAL) with SA_RESTART if @restart,
 *                        before @op_start_ns; result: errno or 0;
 *                        @op_ns, and @op_start_ns and @op_end_ns
 *                        (mkm_now_ns(): comparable between processes)
 *   MKM_CMD_OPS          a stream of @count operations by @plan over
 *                        @npages pages from page @first, until done or
 *                        @stop; sums in @sum, ops done in @ops_done,
 *                        ops whose counts did not add up in @bad_sums,
 *                        ops with a fallback in @fallback_ops and the
 *                        shortest of them in @fallback_min_ns, the
 *                        longest op in @max_ns; MKM_PLAN_CYCLE counts
 *                        its zapping ops in @zaps and their fallbacks
 *                        in @zap_fallbacks.  With @touch_mask, after
 *                        each operation the initiator publishes what to
 *                        touch (set->sh->ctl) and waits until every
 *                        member of the mask touched it.
 *   MKM_CMD_APPLY        mkrep_apply(): @val the result
 *   MKM_CMD_POLL         poll(fd, POLLIN, 0): @revents
 *   MKM_CMD_STATUS       copy of the status page into @st
 *   MKM_CMD_PEEK         spin (up to @val ms) until waiting is set, then
 *                        @st and @revents (poll, no timeout)
 *   MKM_CMD_UNBOUND      widen the affinity to every CPU, APPLY and OP
 *                        (@op): @err2[0], @err2[1]; @st before, @st2
 *                        after; bound again
 *   MKM_CMD_FOREIGN      fork a child (another process holding the
 *                        member fd): its errnos of OP, APPLY and mmap()
 *                        of the status page in @err2[0..2]
 *   MKM_CMD_INTRUDER     start a thread of the member's process on CPU
 *                        @val, spinning for ever (keeps its mm running
 *                        there), the process out of NUMA balancing's
 *                        scan; done once it runs there, an errno if it
 *                        could not be bound
 *   MKM_CMD_SLEEPERS     start @val threads of the member's process that
 *                        sleep for ever (in pause())
 *   MKM_CMD_LEAVE        munmap() of the window only
 *   MKM_CMD_CLOSE_FD     close() of the member fd only (out of the epoll
 *                        set first: a closed fd whose file the window
 *                        keeps open would stay in it)
 *   MKM_CMD_EXIT         _exit(0)
 */
#ifndef _MKREP_MEMBERS_H
#define _MKREP_MEMBERS_H

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mempolicy.h>
#include <linux/mkrep.h>

#include "libmkchan.h"
#include "../mkernel_test.h"

#define MKM_MAX		8

enum mkm_mode { MKM_EVENT_LOOP, MKM_EPOLL, MKM_BLOCKED, MKM_BUSY };

enum mkm_cmd {
	MKM_CMD_NONE, MKM_CMD_READ, MKM_CMD_WRITE, MKM_CMD_OP, MKM_CMD_OPS,
	MKM_CMD_APPLY, MKM_CMD_POLL, MKM_CMD_STATUS, MKM_CMD_PEEK,
	MKM_CMD_UNBOUND, MKM_CMD_FOREIGN, MKM_CMD_LEAVE, MKM_CMD_CLOSE_FD,
	MKM_CMD_EXIT, MKM_CMD_PROBE, MKM_CMD_INTRUDER, MKM_CMD_SLEEPERS,
};

enum mkm_probe { MKM_PROBE_NONE, MKM_PROBE_READ, MKM_PROBE_WRITE };

/* Plans of MKM_CMD_OPS. */
enum mkm_plan {
	MKM_PLAN_MAP_UNMAP,	/* MAP read-write, UNMAP, ... */
	MKM_PLAN_PROTECT,	/* PROTECT read-only, read-write, ... */
	MKM_PLAN_CYCLE,		/* MAP rw, PROTECT r, PROTECT rw, UNMAP */
};

enum mkm_touch { MKM_TOUCH_NONE, MKM_TOUCH_READ, MKM_TOUCH_WRITE };

/* One member, in memory shared with the test. */
struct mkm_member {
	int index;
	int cpu;
	pid_t pid;
	int kick[2];			/* the test writes [1], the member reads */
	int mode;			/* asked for by the test */
	int mode_now;			/* the mode the member runs */
	int ready;			/* joined: 1; failed: -errno */
	uint64_t addr, length;		/* the window */

	/* The member's own counts. */
	uint64_t loops;
	uint64_t applied;		/* mkrep_apply() returned 1 */
	uint64_t apply_none;		/* ... 0 */
	uint64_t epollin;		/* epoll_wait() reported EPOLLIN */
	int hup;			/* epoll_wait() reported EPOLLHUP */
	int apply_err;			/* the last -errno of an apply */
	uint64_t touched;		/* the last ctl.gen it touched */

	/* The mailbox. */
	int seq, done, cmd, err;
	uint64_t off, val;
	struct mkrep_op op;
	uint64_t op_ns;
	uint64_t op_start_ns, op_end_ns;	/* mkm_now_ns() around it */
	int in_op;			/* inside MKREP_IOC_OP now */
	int timer_us, restart;
	int revents;
	int err2[3];
	struct mkrep_member_status st, st2;

	/* MKM_CMD_OPS */
	int plan, stop;
	unsigned int count, first, npages, touch_mask;
	unsigned int ops_done, bad_sums, fallback_ops;
	struct mkrep_op sum;
	uint64_t max_ns, fallback_min_ns, zaps;
	uint64_t zap_fallbacks;		/* fallbacks of the zapping ops */

	/* The probe. */
	int probe, probe_go, probe_armed;
	uint64_t probe_off, probe_reads;
	int probe_early, probe_sig;
};

/* What the initiator of a MKM_CMD_OPS stream asks the members to touch. */
struct mkm_ctl {
	uint64_t gen;
	int kind;			/* enum mkm_touch */
	unsigned int first, npages;
};

struct mkm_shared {
	struct mkm_ctl ctl;
	struct mkm_member m[MKM_MAX];
};

struct mkm_set {
	int n;
	int spacefd;
	struct mkm_shared *sh;
	char cgroup[128];		/* the freezer's cgroup, or "" */
	int cg_mounted;			/* mkm mounted cgroup2 */
};

static inline uint64_t mkm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline int mkm_op_sum_ok(const struct mkrep_op *o)
{
	return o->members == o->by_message + o->not_running + o->fallback +
			     o->removed;
}

/* --- inside a member ----------------------------------------------------- */

static sigjmp_buf mkm_jmp;
static int mkm_sig;

static void mkm_on_fault(int sig)
{
	__atomic_store_n(&mkm_sig, sig, __ATOMIC_RELAXED);
	siglongjmp(mkm_jmp, 1);
}

/*
 * Read or write the word at @p: 0, or the signal the access got.  No
 * system call on the way (sigsetjmp() without the mask; the handler runs
 * with SA_NODEFER), so a member in a loop stays in user space.
 */
static inline int mkm_touch_word(uint64_t *p, int write, uint64_t *val)
{
	__atomic_store_n(&mkm_sig, 0, __ATOMIC_RELAXED);
	if (sigsetjmp(mkm_jmp, 0))
		return __atomic_load_n(&mkm_sig, __ATOMIC_RELAXED);
	if (write)
		__atomic_store_n(p, *val, __ATOMIC_RELAXED);
	else
		*val = __atomic_load_n(p, __ATOMIC_RELAXED);
	return 0;
}

static inline void mkm_fault_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = mkm_on_fault;
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

static void mkm_on_alarm(int sig)
{
	(void)sig;
}

/*
 * The member's epoll set (its kick pipe always), and the member fd while
 * the set holds it: in MKM_EPOLL mode only, until EPOLLHUP.
 */
static int mkm_ep = -1;
static int mkm_ep_fd = -1;

static inline void mkm_epoll_watch(struct mkm_member *m,
				   const struct mkrep_replica *r, int on)
{
	struct epoll_event ev;

	if (on && mkm_ep_fd < 0 && r->fd >= 0 && !m->hup) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = r->fd;
		if (epoll_ctl(mkm_ep, EPOLL_CTL_ADD, r->fd, &ev))
			__atomic_store_n(&m->apply_err, -errno,
					 __ATOMIC_RELAXED);
		else
			mkm_ep_fd = r->fd;
	} else if (!on && mkm_ep_fd >= 0) {
		if (epoll_ctl(mkm_ep, EPOLL_CTL_DEL, mkm_ep_fd, NULL))
			__atomic_store_n(&m->apply_err, -errno,
					 __ATOMIC_RELAXED);
		mkm_ep_fd = -1;
	}
}

static inline void mkm_status_copy(const struct mkrep_replica *r,
				   struct mkrep_member_status *st)
{
	memset(st, 0, sizeof(*st));
	st->waiting = __atomic_load_n(&r->status->waiting, __ATOMIC_ACQUIRE);
	st->posted = __atomic_load_n(&r->status->posted, __ATOMIC_ACQUIRE);
	st->applied = __atomic_load_n(&r->status->applied, __ATOMIC_ACQUIRE);
}

static inline void mkm_apply_once(struct mkm_member *m,
				  const struct mkrep_replica *r)
{
	int ret = mkrep_apply(r);

	if (ret > 0)
		__atomic_add_fetch(&m->applied, 1, __ATOMIC_RELAXED);
	else if (!ret)
		__atomic_add_fetch(&m->apply_none, 1, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&m->apply_err, ret, __ATOMIC_RELAXED);
}

/* Touch what the initiator of a stream published, once a generation. */
static inline void mkm_touch_ctl(struct mkm_shared *sh, struct mkm_member *m)
{
	uint64_t gen = __atomic_load_n(&sh->ctl.gen, __ATOMIC_ACQUIRE);
	uint64_t v = gen;
	unsigned int i;
	long psz;

	if (gen == m->touched)
		return;
	psz = sysconf(_SC_PAGESIZE);
	if (sh->ctl.kind != MKM_TOUCH_NONE)
		for (i = 0; i < sh->ctl.npages; i++)
			mkm_touch_word((uint64_t *)(m->addr +
				       (sh->ctl.first + i) * psz),
				       sh->ctl.kind == MKM_TOUCH_WRITE, &v);
	__atomic_store_n(&m->touched, gen, __ATOMIC_RELEASE);
}

static inline void mkm_probe_step(struct mkm_member *m)
{
	uint64_t *p = (uint64_t *)(m->addr + m->probe_off), v = 1;
	int sig;

	if (!m->probe_armed)
		return;
	if (__atomic_load_n(&m->probe_go, __ATOMIC_ACQUIRE)) {
		sig = mkm_touch_word(p, m->probe == MKM_PROBE_WRITE, &v);
		m->probe_armed = 0;
		__atomic_store_n(&m->probe_sig, sig, __ATOMIC_RELEASE);
		return;
	}
	if (m->probe_early)
		return;
	sig = mkm_touch_word(p, m->probe == MKM_PROBE_WRITE, &v);
	if (sig)
		__atomic_store_n(&m->probe_early, sig, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&m->probe_reads, 1, __ATOMIC_RELAXED);
}

static inline int mkm_bind_all(void)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static inline int mkm_do_op(struct mkm_member *m,
			    const struct mkrep_replica *r)
{
	struct itimerval it, off;
	struct sigaction sa;
	uint64_t t0;
	int ret;

	memset(&off, 0, sizeof(off));
	if (m->timer_us > 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = mkm_on_alarm;
		sa.sa_flags = m->restart ? SA_RESTART : 0;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		memset(&it, 0, sizeof(it));
		it.it_value.tv_sec = m->timer_us / 1000000;
		it.it_value.tv_usec = m->timer_us % 1000000;
		setitimer(ITIMER_REAL, &it, NULL);
	}
	__atomic_store_n(&m->in_op, 1, __ATOMIC_RELEASE);
	t0 = mkm_now_ns();
	m->op_start_ns = t0;
	ret = mkrep_op(r, m->op.op, m->op.prot, m->op.offset, m->op.length,
		       &m->op);
	m->op_end_ns = mkm_now_ns();
	m->op_ns = m->op_end_ns - t0;
	__atomic_store_n(&m->in_op, 0, __ATOMIC_RELEASE);
	if (m->timer_us > 0)
		setitimer(ITIMER_REAL, &off, NULL);
	return -ret;
}

/* The members of @mask touched generation @gen, or are gone. */
static inline int mkm_wait_touched(struct mkm_shared *sh, unsigned int mask,
				   uint64_t gen)
{
	uint64_t limit = mkm_now_ns() + 20000000000ULL;
	unsigned long spins = 0;
	int i;

	for (i = 0; i < MKM_MAX; i++) {
		if (!(mask & 1U << i))
			continue;
		while (__atomic_load_n(&sh->m[i].touched, __ATOMIC_ACQUIRE) <
		       gen) {
			if (sh->m[i].pid <= 0 || kill(sh->m[i].pid, 0))
				break;
			if (!(++spins & 0xfff) && mkm_now_ns() > limit)
				return -ETIMEDOUT;
			mkchan_cpu_relax();
		}
	}
	return 0;
}

static inline int mkm_do_ops(struct mkm_shared *sh, struct mkm_member *m,
			     const struct mkrep_replica *r)
{
	static const unsigned int cycle[4][3] = {
		{ MKREP_OP_MAP, MKREP_PROT_READ | MKREP_PROT_WRITE,
		  MKM_TOUCH_WRITE },
		{ MKREP_OP_PROTECT, MKREP_PROT_READ, MKM_TOUCH_READ },
		{ MKREP_OP_PROTECT, MKREP_PROT_READ | MKREP_PROT_WRITE,
		  MKM_TOUCH_WRITE },
		{ MKREP_OP_UNMAP, 0, MKM_TOUCH_NONE },
	};
	long psz = sysconf(_SC_PAGESIZE);
	unsigned int i, k, zap = 0, touch = MKM_TOUCH_NONE;
	struct mkrep_op *s = &m->sum;
	uint64_t t0, ns, v;
	int ret;

	memset(s, 0, sizeof(*s));
	m->ops_done = 0;
	m->bad_sums = 0;
	m->fallback_ops = 0;
	m->max_ns = 0;
	m->fallback_min_ns = ~0ULL;
	m->zaps = 0;
	m->zap_fallbacks = 0;
	for (i = 0; i < m->count; i++) {
		if (__atomic_load_n(&m->stop, __ATOMIC_ACQUIRE))
			break;
		memset(&m->op, 0, sizeof(m->op));
		m->op.offset = (uint64_t)m->first * psz;
		m->op.length = (uint64_t)m->npages * psz;
		switch (m->plan) {
		case MKM_PLAN_MAP_UNMAP:
			m->op.op = i % 2 ? MKREP_OP_UNMAP : MKREP_OP_MAP;
			m->op.prot = i % 2 ? 0 :
				     MKREP_PROT_READ | MKREP_PROT_WRITE;
			break;
		case MKM_PLAN_PROTECT:
			m->op.op = MKREP_OP_PROTECT;
			m->op.prot = i % 2 ? MKREP_PROT_READ | MKREP_PROT_WRITE :
				     MKREP_PROT_READ;
			break;
		default:
			k = i % 4;
			m->op.op = cycle[k][0];
			m->op.prot = cycle[k][1];
			touch = cycle[k][2];
			zap = k == 1 || k == 3;
			m->zaps += zap;
			break;
		}
		t0 = mkm_now_ns();
		__atomic_store_n(&m->in_op, 1, __ATOMIC_RELEASE);
		ret = mkrep_op(r, m->op.op, m->op.prot, m->op.offset,
			       m->op.length, &m->op);
		__atomic_store_n(&m->in_op, 0, __ATOMIC_RELEASE);
		ns = mkm_now_ns() - t0;
		if (ret)
			return -ret;
		if (!mkm_op_sum_ok(&m->op))
			m->bad_sums++;
		s->members += m->op.members;
		s->by_message += m->op.by_message;
		s->not_running += m->op.not_running;
		s->fallback += m->op.fallback;
		s->removed += m->op.removed;
		s->posted += m->op.posted;
		if (ns > m->max_ns)
			m->max_ns = ns;
		if (zap)
			m->zap_fallbacks += m->op.fallback;
		if (m->op.fallback) {
			m->fallback_ops++;
			if (ns < m->fallback_min_ns)
				m->fallback_min_ns = ns;
		}
		__atomic_store_n(&m->ops_done, i + 1, __ATOMIC_RELEASE);
		if (m->plan == MKM_PLAN_CYCLE) {
			/* The initiator's own touch, then the others'. */
			v = i;
			if (touch != MKM_TOUCH_NONE)
				for (k = 0; k < m->npages; k++)
					mkm_touch_word((uint64_t *)(m->addr +
						       (m->first + k) * psz),
						       touch == MKM_TOUCH_WRITE,
						       &v);
			sh->ctl.kind = touch;
			sh->ctl.first = m->first;
			sh->ctl.npages = m->npages;
			__atomic_store_n(&sh->ctl.gen, sh->ctl.gen + 1,
					 __ATOMIC_RELEASE);
			m->touched = sh->ctl.gen;
			ret = mkm_wait_touched(sh, m->touch_mask & ~(1U << m->index),
					       sh->ctl.gen);
			if (ret)
				return -ret;
		}
	}
	return 0;
}

static inline void mkm_peek(struct mkm_member *m, const struct mkrep_replica *r)
{
	uint64_t limit = mkm_now_ns() + m->val * 1000000ULL;
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };

	m->err = ETIMEDOUT;
	while (mkm_now_ns() < limit)
		if (__atomic_load_n(&r->status->waiting, __ATOMIC_ACQUIRE)) {
			m->err = 0;
			break;
		}
	mkm_status_copy(r, &m->st);
	m->revents = poll(&pfd, 1, 0) < 0 ? -errno : pfd.revents;
}

static inline void mkm_unbound(struct mkm_member *m,
			       const struct mkrep_replica *r)
{
	mkm_status_copy(r, &m->st);
	if (mkm_bind_all()) {
		m->err = errno;
		return;
	}
	m->err2[0] = -mkrep_apply(r);
	m->err2[1] = -mkrep_op(r, m->op.op, m->op.prot, m->op.offset,
			       m->op.length, NULL);
	mkm_status_copy(r, &m->st2);
	m->err = mk_pin_cpu(m->cpu) ? errno : 0;
}

static inline void mkm_foreign(struct mkm_member *m,
			       const struct mkrep_replica *r)
{
	int status, ret;
	pid_t pid;
	void *p;

	pid = fork();
	if (pid < 0) {
		m->err = errno;
		return;
	}
	if (!pid) {
		ret = mkrep_apply(r);
		m->err2[0] = ret < 0 ? -ret : 0;
		m->err2[1] = -mkrep_op(r, MKREP_OP_PROTECT, MKREP_PROT_READ, 0,
				       sysconf(_SC_PAGESIZE), NULL);
		p = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ, MAP_SHARED,
			 r->fd, MKREP_STATUS_OFFSET);
		m->err2[2] = p == MAP_FAILED ? errno : 0;
		_exit(0);
	}
	m->err = waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		 !WEXITSTATUS(status) ? 0 : ECHILD;
}

/* An intruder thread: 1 once it runs on its CPU, -errno if it cannot. */
struct mkm_intruder {
	int cpu;
	int state;
};

static void *mkm_intruder(void *arg)
{
	struct mkm_intruder *in = arg;
	int err = mk_pin_cpu(in->cpu) ? errno : 0;

	__atomic_store_n(&in->state, err ? -err : 1, __ATOMIC_RELEASE);
	if (err)
		return NULL;
	for (;;)
		mkchan_cpu_relax();
	return NULL;
}

static void *mkm_sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* @n threads that sleep until the process ends: 0 or an errno. */
static inline int mkm_sleepers_start(int n)
{
	pthread_t t;
	int i, err;

	for (i = 0; i < n; i++) {
		err = pthread_create(&t, NULL, mkm_sleeper, NULL);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Start one on @cpu and wait until it runs there: 0 or -errno.
 *
 * With two threads running, automatic NUMA balancing's scan of the mm
 * (task_numa_work(), in whichever thread's tick comes first) makes
 * entries PROT_NONE and flushes the other thread's CPU: shootdowns that
 * no operation sent, on the member's own CPU.  The scan skips a mapping
 * without a policy of its own when the scanning thread's policy lacks
 * MPOL_F_MOF (vma_policy_mof()): the member's thread takes MPOL_LOCAL
 * (a thread's policy) before it starts the new one, which inherits it.
 * Threads started before keep theirs: start the intruder first.
 */
static inline int mkm_intruder_start(int cpu)
{
	struct mkm_intruder *in = calloc(1, sizeof(*in));
	uint64_t limit = mkm_now_ns() + 10ULL * 1000000000;
	pthread_t t;
	int state;

	if (!in)
		return -ENOMEM;
	/*
	 * It fails only without NUMA (no scan then), or for lack of memory;
	 * a scan it failed to stop shows as shootdowns the test counts.
	 */
	(void)syscall(SYS_set_mempolicy, MPOL_LOCAL, NULL, 0UL);
	in->cpu = cpu;
	if (pthread_create(&t, NULL, mkm_intruder, in)) {
		free(in);
		return -EAGAIN;
	}
	/* @in stays: the thread spins until the process ends. */
	while (!(state = __atomic_load_n(&in->state, __ATOMIC_ACQUIRE)) &&
	       mkm_now_ns() < limit)
		usleep(100);
	return state == 1 ? 0 : state ? state : -ETIMEDOUT;
}

static inline void mkm_command(struct mkm_shared *sh, struct mkm_member *m,
			       struct mkrep_replica *r)
{
	uint64_t *p = (uint64_t *)(m->addr + m->off);
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	int err = 0;

	switch (m->cmd) {
	case MKM_CMD_READ:
		err = mkm_touch_word(p, 0, &m->val);
		break;
	case MKM_CMD_WRITE:
		err = mkm_touch_word(p, 1, &m->val);
		break;
	case MKM_CMD_OP:
		err = mkm_do_op(m, r);
		break;
	case MKM_CMD_OPS:
		err = mkm_do_ops(sh, m, r);
		break;
	case MKM_CMD_APPLY:
		err = mkrep_apply(r);
		m->val = err < 0 ? 0 : err;
		err = err < 0 ? -err : 0;
		break;
	case MKM_CMD_POLL:
		m->revents = poll(&pfd, 1, 0) < 0 ? -errno : pfd.revents;
		break;
	case MKM_CMD_STATUS:
		mkm_status_copy(r, &m->st);
		break;
	case MKM_CMD_PEEK:
		mkm_peek(m, r);
		err = m->err;
		break;
	case MKM_CMD_UNBOUND:
		mkm_unbound(m, r);
		err = m->err;
		break;
	case MKM_CMD_FOREIGN:
		mkm_foreign(m, r);
		err = m->err;
		break;
	case MKM_CMD_INTRUDER:
		err = -mkm_intruder_start((int)m->val);
		break;
	case MKM_CMD_SLEEPERS:
		err = mkm_sleepers_start((int)m->val);
		break;
	case MKM_CMD_LEAVE:
		err = munmap(r->window, r->length) ? errno : 0;
		break;
	case MKM_CMD_CLOSE_FD:
		mkm_epoll_watch(m, r, 0);
		err = close(r->fd) ? errno : 0;
		r->fd = -1;
		break;
	case MKM_CMD_PROBE:
		m->probe_early = 0;
		m->probe_reads = 0;
		m->probe_go = 0;
		m->probe_sig = -1;
		m->val = 1;
		err = mkm_touch_word((uint64_t *)(m->addr + m->probe_off),
				     m->probe == MKM_PROBE_WRITE, &m->val);
		m->probe_armed = !err;
		break;
	case MKM_CMD_EXIT:
		_exit(0);
	}
	m->err = err;
}

static inline void mkm_member_main(struct mkm_set *set, struct mkm_member *m)
{
	struct epoll_event ev, evs[2];
	struct mkrep_replica r;
	int seq = 0, mode, n, i, ret;
	char buf[64];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(m->kick[1]);
	mkm_fault_handlers();
	if (mk_pin_cpu(m->cpu)) {
		__atomic_store_n(&m->ready, -errno, __ATOMIC_RELEASE);
		_exit(1);
	}
	ret = mkrep_join(set->spacefd, m->cpu, &r);
	if (ret) {
		__atomic_store_n(&m->ready, ret, __ATOMIC_RELEASE);
		_exit(1);
	}
	/* The member fd joins the set in MKM_EPOLL mode only. */
	mkm_ep = epoll_create1(EPOLL_CLOEXEC);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = m->kick[0];
	if (mkm_ep < 0 || epoll_ctl(mkm_ep, EPOLL_CTL_ADD, m->kick[0], &ev)) {
		__atomic_store_n(&m->ready, -errno, __ATOMIC_RELEASE);
		_exit(1);
	}
	m->addr = (unsigned long)r.window;
	m->length = r.length;
	m->pid = getpid();
	__atomic_store_n(&m->ready, 1, __ATOMIC_RELEASE);

	for (;;) {
		mode = __atomic_load_n(&m->mode, __ATOMIC_ACQUIRE);
		if (mode != m->mode_now) {
			mkm_epoll_watch(m, &r, mode == MKM_EPOLL);
			__atomic_store_n(&m->mode_now, mode, __ATOMIC_RELEASE);
		}
		__atomic_store_n(&m->loops, m->loops + 1, __ATOMIC_RELAXED);
		switch (mode) {
		case MKM_EVENT_LOOP:
			if (r.fd >= 0 && mkrep_waiting(&r))
				mkm_apply_once(m, &r);
			mkm_touch_ctl(set->sh, m);
			break;
		case MKM_EPOLL:
			n = epoll_wait(mkm_ep, evs, 2, -1);
			for (i = 0; i < n; i++) {
				if (evs[i].data.fd != r.fd) {
					if (read(m->kick[0], buf, sizeof(buf)) < 0)
						m->apply_err = -errno;
					continue;
				}
				if (evs[i].events & EPOLLHUP) {
					mkm_epoll_watch(m, &r, 0);
					m->hup = 1;
				} else if (evs[i].events & EPOLLIN) {
					__atomic_add_fetch(&m->epollin, 1,
							   __ATOMIC_RELAXED);
					mkm_apply_once(m, &r);
				}
			}
			mkm_touch_ctl(set->sh, m);
			break;
		case MKM_BLOCKED:
			if (read(m->kick[0], buf, sizeof(buf)) < 0)
				m->apply_err = -errno;
			break;
		default:
			mkm_touch_ctl(set->sh, m);
			break;
		}
		mkm_probe_step(m);
		if (__atomic_load_n(&m->seq, __ATOMIC_ACQUIRE) != seq) {
			seq = m->seq;
			mkm_command(set->sh, m, &r);
			__atomic_store_n(&m->done, seq, __ATOMIC_RELEASE);
		}
		if (mode == MKM_EVENT_LOOP || mode == MKM_BUSY)
			mkchan_cpu_relax();
	}
}

/* --- the test's side ----------------------------------------------------- */

static inline void mkm_kick(struct mkm_member *m)
{
	if (m->kick[1] >= 0 && write(m->kick[1], "", 1) < 0)
		(void)0;	/* full: the member has bytes to read */
}

static inline int mkm_init(struct mkm_set *set)
{
	/* A kick to a member that died fails with EPIPE, not the test. */
	signal(SIGPIPE, SIG_IGN);
	memset(set, 0, sizeof(*set));
	set->spacefd = -1;
	set->sh = mmap(NULL, sizeof(*set->sh), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (set->sh == MAP_FAILED) {
		set->sh = NULL;
		return -errno;
	}
	memset(set->sh, 0, sizeof(*set->sh));
	return 0;
}

/* Member i's state letter in /proc/<pid>/stat, or 0. */
static inline char mkm_proc_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (mk_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static inline int mkm_wait_state(pid_t pid, const char *states, int ms)
{
	char c;

	for (; ms >= 0; ms--) {
		c = mkm_proc_state(pid);
		if (c && strchr(states, c))
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

static inline int mkm_start(struct mkm_set *set, int spacefd, int n,
			    const int *cpus, int mode)
{
	struct mkm_member *m;
	uint64_t limit;
	int i;

	if (n > MKM_MAX)
		return -E2BIG;
	set->spacefd = spacefd;
	set->n = n;
	for (i = 0; i < n; i++) {
		m = &set->sh->m[i];
		memset(m, 0, sizeof(*m));
		m->index = i;
		m->cpu = cpus[i];
		m->mode = mode;
		m->mode_now = -1;
		m->probe_sig = -1;
		m->kick[0] = -1;
		m->kick[1] = -1;
	}
	for (i = 0; i < n; i++) {
		m = &set->sh->m[i];
		if (pipe2(m->kick, O_CLOEXEC))
			return -errno;
		m->pid = fork();
		if (m->pid < 0)
			return -errno;
		if (!m->pid)
			mkm_member_main(set, m);
		/* The number stays: it is the member's end. */
		close(m->kick[0]);
		fcntl(m->kick[1], F_SETFL, O_NONBLOCK);
	}
	limit = mkm_now_ns() + 20000000000ULL;
	for (i = 0; i < n; i++) {
		m = &set->sh->m[i];
		while (!__atomic_load_n(&m->ready, __ATOMIC_ACQUIRE) &&
		       mkm_now_ns() < limit)
			usleep(1000);
		if (m->ready != 1)
			return m->ready ? m->ready : -ETIMEDOUT;
	}
	return 0;
}

static inline int mkm_post(struct mkm_member *m, int cmd)
{
	m->cmd = cmd;
	__atomic_store_n(&m->seq, m->seq + 1, __ATOMIC_RELEASE);
	mkm_kick(m);
	return 0;
}

static inline int mkm_wait(struct mkm_member *m, int ms)
{
	int status;

	while (__atomic_load_n(&m->done, __ATOMIC_ACQUIRE) != m->seq) {
		if (ms-- <= 0)
			return -1;
		/* A member that died answers nothing: say how it died. */
		if (m->pid > 0 && waitpid(m->pid, &status, WNOHANG) == m->pid) {
			fprintf(stderr, "# member %d (cpu %d) died: status %#x\n",
				m->index, m->cpu, status);
			m->pid = -1;
			return -1;
		}
		usleep(1000);
	}
	return m->err;
}

static inline int mkm_run(struct mkm_member *m, int cmd, int ms)
{
	mkm_post(m, cmd);
	return mkm_wait(m, ms);
}

static inline int mkm_read(struct mkm_member *m, uint64_t off)
{
	m->off = off;
	return mkm_run(m, MKM_CMD_READ, 30000);
}

static inline int mkm_write(struct mkm_member *m, uint64_t off, uint64_t val)
{
	m->off = off;
	m->val = val;
	return mkm_run(m, MKM_CMD_WRITE, 30000);
}

static inline void mkm_op_post(struct mkm_member *m, unsigned int op,
			       unsigned int prot, unsigned int first,
			       unsigned int npages)
{
	long psz = sysconf(_SC_PAGESIZE);

	memset(&m->op, 0, sizeof(m->op));
	m->op.op = op;
	m->op.prot = prot;
	m->op.offset = (uint64_t)first * psz;
	m->op.length = (uint64_t)npages * psz;
	mkm_post(m, MKM_CMD_OP);
}

static inline int mkm_op(struct mkm_member *m, unsigned int op,
			 unsigned int prot, unsigned int first,
			 unsigned int npages)
{
	mkm_op_post(m, op, prot, first, npages);
	return mkm_wait(m, 30000);
}

/*
 * Wait until member @m is inside MKREP_IOC_OP: 0, or 1 if the command is
 * over already (an operation that ended before it was seen in flight:
 * one whose members were all taken over at the first look takes less
 * than one of these looks), or -ETIMEDOUT.
 */
static inline int mkm_wait_in_op(struct mkm_member *m, int ms)
{
	for (; ms >= 0; ms--) {
		if (__atomic_load_n(&m->in_op, __ATOMIC_ACQUIRE))
			return 0;
		if (__atomic_load_n(&m->done, __ATOMIC_ACQUIRE) == m->seq)
			return 1;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

static inline void mkm_ops_post(struct mkm_member *m, int plan,
				unsigned int count, unsigned int first,
				unsigned int npages, unsigned int touch_mask)
{
	m->plan = plan;
	m->count = count;
	m->first = first;
	m->npages = npages;
	m->touch_mask = touch_mask;
	m->stop = 0;
	mkm_post(m, MKM_CMD_OPS);
}

static inline int mkm_set_mode(struct mkm_set *set, int i, int mode)
{
	struct mkm_member *m = &set->sh->m[i];
	int ms;

	__atomic_store_n(&m->mode, mode, __ATOMIC_RELEASE);
	mkm_kick(m);
	for (ms = 0; ms < 20000; ms++) {
		if (__atomic_load_n(&m->mode_now, __ATOMIC_ACQUIRE) == mode)
			break;
		usleep(1000);
	}
	if (ms == 20000)
		return -ETIMEDOUT;
	if (mode == MKM_EPOLL || mode == MKM_BLOCKED)
		return mkm_wait_state(m->pid, "S", 20000);
	return 0;
}

static inline int mkm_stop_member(struct mkm_set *set, int i)
{
	if (kill(set->sh->m[i].pid, SIGSTOP))
		return -errno;
	return mkm_wait_state(set->sh->m[i].pid, "Tt", 20000);
}

static inline int mkm_cont_member(struct mkm_set *set, int i)
{
	return kill(set->sh->m[i].pid, SIGCONT) ? -errno : 0;
}

static inline void mkm_kill(struct mkm_set *set, int i)
{
	struct mkm_member *m = &set->sh->m[i];

	if (m->pid <= 0)
		return;
	kill(m->pid, SIGKILL);
	waitpid(m->pid, NULL, 0);
	m->pid = 0;
}

/* The probe: see the top of the file. */
static inline int mkm_probe_arm(struct mkm_member *m, int kind, uint64_t off)
{
	m->probe = kind;
	m->probe_off = off;
	return mkm_run(m, MKM_CMD_PROBE, 30000);
}

static inline void mkm_probe_go(struct mkm_member *m)
{
	__atomic_store_n(&m->probe_go, 1, __ATOMIC_RELEASE);
	mkm_kick(m);
}

static inline int mkm_probe_result(struct mkm_member *m, int ms)
{
	int sig;

	for (; ms >= 0; ms--) {
		sig = __atomic_load_n(&m->probe_sig, __ATOMIC_ACQUIRE);
		if (sig >= 0)
			return sig;
		usleep(1000);
	}
	return -1;
}

/* --- cgroup v2 freezer --------------------------------------------------- */

#define MKM_CGROOT	"/sys/fs/cgroup"

static inline int mkm_cgroup_make(struct mkm_set *set)
{
	if (set->cgroup[0])
		return 0;
	if (access(MKM_CGROOT "/cgroup.procs", F_OK)) {
		if (mount("cgroup2", MKM_CGROOT, "cgroup2", 0, NULL))
			return -errno;
		set->cg_mounted = 1;
	}
	snprintf(set->cgroup, sizeof(set->cgroup), MKM_CGROOT "/mkm-%d",
		 getpid());
	if (mkdir(set->cgroup, 0755) && errno != EEXIST) {
		set->cgroup[0] = '\0';
		return -errno;
	}
	return 0;
}

static inline int mkm_cgroup_add_pid(struct mkm_set *set, pid_t pid)
{
	char path[160], buf[16];
	int ret = mkm_cgroup_make(set);

	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/cgroup.procs", set->cgroup);
	snprintf(buf, sizeof(buf), "%d", pid);
	return mk_write_str(path, buf);
}

/* "frozen" of cgroup.events: 0 or 1, or -errno. */
static inline int mkm_cgroup_frozen(struct mkm_set *set)
{
	char path[160], buf[256], *p;
	int ret;

	snprintf(path, sizeof(path), "%s/cgroup.events", set->cgroup);
	ret = mk_read_file(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	p = strstr(buf, "frozen ");
	return p ? p[7] == '1' : -ENOENT;
}

static inline int mkm_cgroup_wait(struct mkm_set *set, int frozen, int ms)
{
	for (; ms >= 0; ms--) {
		if (mkm_cgroup_frozen(set) == frozen)
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

static inline int mkm_freeze_nowait(struct mkm_set *set, unsigned int mask)
{
	char path[160];
	int i, ret;

	for (i = 0; i < set->n; i++) {
		if (!(mask & 1U << i) || set->sh->m[i].pid <= 0)
			continue;
		ret = mkm_cgroup_add_pid(set, set->sh->m[i].pid);
		if (ret)
			return ret;
	}
	snprintf(path, sizeof(path), "%s/cgroup.freeze", set->cgroup);
	return mk_write_str(path, "1");
}

static inline int mkm_freeze(struct mkm_set *set, unsigned int mask)
{
	int ret = mkm_freeze_nowait(set, mask);

	return ret ? ret : mkm_cgroup_wait(set, 1, 10000);
}

static inline int mkm_thaw(struct mkm_set *set)
{
	char path[160];
	int ret;

	if (!set->cgroup[0])
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.freeze", set->cgroup);
	ret = mk_write_str(path, "0");
	return ret ? ret : mkm_cgroup_wait(set, 0, 10000);
}

/* Thaw, move whoever is left back to the root, remove, unmount. */
static inline void mkm_cgroup_undo(struct mkm_set *set)
{
	char path[160], buf[4096], *p, *end;
	int i;

	if (!set->cgroup[0])
		return;
	mkm_thaw(set);
	snprintf(path, sizeof(path), "%s/cgroup.procs", set->cgroup);
	if (mk_read_file(path, buf, sizeof(buf)) >= 0)
		for (p = buf; *p; p = end) {
			long pid = strtol(p, &end, 10);
			char s[16];

			if (end == p)
				break;
			snprintf(s, sizeof(s), "%ld", pid);
			mk_write_str(MKM_CGROOT "/cgroup.procs", s);
			while (*end == '\n')
				end++;
		}
	for (i = 0; i < 1000 && rmdir(set->cgroup) && errno == EBUSY; i++)
		usleep(1000);
	set->cgroup[0] = '\0';
	if (set->cg_mounted && !umount(MKM_CGROOT))
		set->cg_mounted = 0;
}

/* --- the end ------------------------------------------------------------- */

static inline void mkm_stop(struct mkm_set *set)
{
	struct mkm_member *m;
	int i, ms;

	if (!set->sh)
		return;
	mkm_cgroup_undo(set);
	for (i = 0; i < set->n; i++) {
		m = &set->sh->m[i];
		if (m->pid <= 0)
			continue;
		kill(m->pid, SIGCONT);
		m->stop = 1;
		__atomic_store_n(&m->mode, MKM_EVENT_LOOP, __ATOMIC_RELEASE);
		mkm_post(m, MKM_CMD_EXIT);
	}
	for (i = 0; i < set->n; i++) {
		m = &set->sh->m[i];
		if (m->pid <= 0)
			continue;
		for (ms = 0; ms < 5000; ms++) {
			if (waitpid(m->pid, NULL, WNOHANG) == m->pid)
				break;
			usleep(1000);
		}
		if (ms == 5000) {
			kill(m->pid, SIGKILL);
			waitpid(m->pid, NULL, 0);
		}
		m->pid = 0;
	}
	for (i = 0; i < set->n; i++) {
		m = &set->sh->m[i];
		if (m->kick[1] >= 0)
			close(m->kick[1]);
		m->kick[1] = -1;
	}
	set->n = 0;
}

static inline void mkm_free(struct mkm_set *set)
{
	mkm_stop(set);
	if (set->sh)
		munmap(set->sh, sizeof(*set->sh));
	set->sh = NULL;
}

#endif /* _MKREP_MEMBERS_H */
