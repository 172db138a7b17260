// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded fuzzer of /dev/mkrep, ABI version 2.  The test process makes
 * spaces (random bounds) and counters with random and boundary
 * arguments, drives every ioctl of the device, of spaces, of member fds
 * and of counters with random struct contents and sizes, on the
 * descriptor kind each belongs to and on the wrong ones, maps space
 * descriptors directly, joins spaces for a moment itself, takes member
 * fds that member processes hand it and uses them as a stranger would,
 * hands space descriptors over (dup, SCM_RIGHTS), closes them, takes
 * CPUs offline and online, and starts, stops, continues and kills
 * member processes.  Each member process, bound to a CPU, joins a space
 * and runs random operations of its own, with a 20 ms alarm that
 * interrupts its waits (with or without SA_RESTART): map, unmap and
 * protect with random ranges on its member fd while other members apply
 * theirs, APPLY when its status word says so and at random, poll() and
 * epoll on its member fd, mmap() of the status page with random offsets,
 * lengths, protections and flags, mprotect, mremap and munmap of the
 * status page and of the window or of parts of them, reads and writes
 * through its window and reads of its status page (faults caught),
 * leaving, closing its member fd, joining again, and children that try
 * to act for it.
 *
 * Every system call must succeed or fail with an errno the ABI defines
 * for it, and what must fail does: a write mapping of the status page,
 * an operation from a thread not bound to the member's CPU, from another
 * process or after the member left.  What the kernel reports must hold
 * together: an operation's counts (members = by_message + not_running +
 * fallback + removed, posted <= members: a member may apply a request
 * before it was posted to it, so by_message may exceed posted), a space's
 * description, the status page (zero padding, posted and applied never
 * going back), APPLY's answer, poll() (POLLIN, POLLRDNORM, POLLHUP only;
 * POLLHUP once the member left), a counter's value against what the test
 * added.  No member process may hang (it is killed after STALL_SECS) or
 * die of another signal than the test's SIGKILL; once everything is
 * closed, mkrep counts no space, member, page or counter, mkchan no
 * channel, and nothing holds the module, which could be unloaded.  The
 * runner checks the kernel log.  MKFUZZ_SEED=<seed printed> and
 * MKFUZZ_OPS=<n> replay the same random choices; the interleaving of the
 * processes is the machine's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"
#include "../mkernel_fuzz.h"

#define MAX_SPACES	6
#define MAX_COUNTERS	4
#define MAX_KIDS	8
#define MAX_CPUS	64
#define MAX_USED_PAGES	256	/* larger spaces are made, then closed */
#define MAX_OP_PAGES	64
#define MAX_STATUS_MAPS	4	/* status page mappings a member keeps */
#define MAX_HELD	4	/* member fds the test process holds */
#define KID_STEPS	300	/* at most, per member process */
#define STALL_SECS	120	/* a member process still running is stuck */
#define DEFAULT_OPS	50000
#define DEFAULT_SECS	30

/* What poll() may say of a member fd. */
#define POLL_OK		(POLLIN | POLLRDNORM | POLLHUP)

/* What a member process tells, in memory shared with the test. */
struct kid_report {
	unsigned long calls, failed, unexpected;
	unsigned long joined, ops, applied, faults;
};

struct shared {
	unsigned long long steps;	/* of every process, atomic */
	struct kid_report kid[MAX_KIDS];
};

struct space_slot {
	int fd;			/* -1 when free */
	unsigned long npages;
};

struct counter_slot {
	int fd;			/* -1 when free */
	unsigned int mode;
	bool known;		/* @value is the counter's exact value */
	int64_t value;
};

struct fuzz {
	struct mk_fuzz fz;
	__u64 seed;
	long page;
	int dev;
	int sock[2];			/* to pass descriptors to ourselves */
	int msock[2];			/* member processes pass member fds */
	int ncpus, cpus[MAX_CPUS];	/* the CPUs the test may use */
	int hotplug_cpu;		/* one it may take offline, or -1 */
	struct space_slot space[MAX_SPACES];
	struct counter_slot counter[MAX_COUNTERS];
	int held[MAX_HELD];		/* member fds of others, -1 when free */
	struct {
		pid_t pid;		/* 0 when free */
		time_t start;
		time_t stopped;		/* since when, 0 when running */
	} kid[MAX_KIDS];
	unsigned long serial;		/* member processes started */
	unsigned long killed, stops, hotplugs, joins, held_fds;
	long refs;			/* the module's, before the test */
	struct kid_report kids;		/* the sum of the ended ones */
	struct shared *sh;
};

/* A mapping of a member's status page. */
struct status_map {
	char *addr;		/* NULL when free */
	size_t len;
	bool intact;		/* PROT_READ, as mapped: readable */
	unsigned int gen;	/* of the membership it belongs to */
};

/* A member process. */
struct member {
	struct mk_fuzz fz;
	struct fuzz *f;
	struct kid_report *rep;
	long page;
	int fd;			/* the space */
	unsigned long npages;
	int cpu;
	bool restart;		/* its alarm handler has SA_RESTART */
	char *win;		/* the window, NULL when not a member */
	int mfd;		/* the member fd of this membership, or -1 */
	int gone_fd;		/* one of a membership it left, or -1 */
	unsigned int gen;	/* memberships so far */
	__u64 posted, applied;	/* the status words last read */
	__u64 op_id;		/* APPLY's last answer */
	struct status_map st[MAX_STATUS_MAPS];
};

static sigjmp_buf fault_jmp;

static void on_fault(int sig)
{
	siglongjmp(fault_jmp, sig);
}

static void on_alarm(int sig)
{
}

/* A struct of @len bytes, often of the wrong size, flags or reserved. */
static void *mess(struct mk_fuzz *z, void *buf, size_t bufsize, size_t len)
{
	__u32 *w = buf;

	if (!mk_pick(z, 4))
		w[0] = mk_pick(z, 2) ? mk_edgy(z) % bufsize : mk_pick(z, len + 16);
	if (!mk_pick(z, 8))
		w[1] = mk_edgy(z);
	if (!mk_pick(z, 8))
		((__u8 *)buf)[8 + mk_pick(z, bufsize - 8)] = mk_rnd(z);
	/* A bad pointer now and then. */
	return mk_pick(z, 24) ? buf : mk_bad_ptr(z);
}

/* A range of a space: mostly inside, sometimes anything. */
static void range(struct mk_fuzz *z, unsigned long npages, long page,
		  __u64 *offset, __u64 *length)
{
	unsigned long first = mk_pick(z, npages), n;

	n = npages - first < MAX_OP_PAGES ? npages - first : MAX_OP_PAGES;
	*offset = (__u64)first * page;
	*length = (__u64)(1 + mk_pick(z, n)) * page;
	switch (mk_pick(z, 12)) {
	case 0:
		*offset = mk_edgy(z);
		break;
	case 1:
		*length = mk_edgy(z);
		break;
	case 2:
		*length = (__u64)mk_edgy(z) * page;
		break;
	case 3:
		*offset = mk_rnd(z);
		*length = mk_rnd(z);
		break;
	}
	/* Never more than MAX_OP_PAGES of fresh pages at once. */
	if (*length > (__u64)MAX_OP_PAGES * page && *offset < npages * page &&
	    *length <= npages * page - *offset)
		*length = (__u64)MAX_OP_PAGES * page;
}

/*
 * A random ioctl number under the mkchan magic, often near mkrep's, and
 * whether the descriptor kind with the commands @served (0-terminated)
 * serves it: then the caller does not call it blind.
 */
static unsigned int random_cmd(struct mk_fuzz *z, const unsigned int *served,
			       bool *is_served)
{
	static const unsigned int retired[] = {
		0xC030B842, 0xC040B843, 0xC020B844, 0xC038B849,
	};
	unsigned int cmd, i;

	if (!mk_pick(z, 4))
		cmd = retired[mk_pick(z, ARRAY_SIZE(retired))];
	else
		cmd = _IOC(mk_pick(z, 4), MKCHAN_IOC_MAGIC,
			   mk_pick(z, 2) ? 0x40 + mk_pick(z, 16) :
					   mk_pick(z, 256),
			   mk_pick(z, 128));
	*is_served = false;
	for (i = 0; served[i]; i++)
		if (mk_ioc_same(cmd, served[i]))
			*is_served = true;
	return cmd;
}

/*
 * What each kind of descriptor serves.  SPACE_INFO on a member fd: the
 * header gives it to the space; the fuzzer does not call it blind there.
 */
static const unsigned int dev_cmds[] = {
	MKREP_IOC_QUERY, MKREP_IOC_SPACE_CREATE, MKREP_IOC_COUNTER_CREATE, 0
};

static const unsigned int space_cmds[] = {
	MKREP_IOC_SPACE_INFO, MKREP_IOC_JOIN, 0
};

static const unsigned int member_cmds[] = {
	MKREP_IOC_OP, MKREP_IOC_APPLY, MKREP_IOC_SPACE_INFO, 0
};

static const unsigned int counter_cmds[] = {
	MKREP_IOC_COUNTER_ADD, MKREP_IOC_COUNTER_READ, MKREP_IOC_COUNTER_INFO,
	0
};

/* Whether poll()'s answer on a member fd is one it may give. */
static bool poll_bad(short revents, bool gone)
{
	if (revents & ~POLL_OK)
		return true;
	/* A member that left hangs up. */
	return gone && !(revents & POLLHUP);
}

/* Bind the calling thread to every CPU of the test. */
static void unbind(struct fuzz *f)
{
	cpu_set_t all;
	int i;

	CPU_ZERO(&all);
	for (i = 0; i < f->ncpus; i++)
		CPU_SET(f->cpus[i], &all);
	sched_setaffinity(0, sizeof(all), &all);
}

static void tell(struct member *m)
{
	m->rep->calls = m->fz.calls;
	m->rep->failed = m->fz.failed;
	m->rep->unexpected = m->fz.unexpected;
}

static void member_bad(struct member *m, const char *what)
{
	m->fz.unexpected++;
	ksft_print_msg("%sop %llu: %s\n", m->fz.who, m->fz.ops, what);
	fflush(stdout);
}

/* The member fd to use: this membership's, or one of a left one. */
static int member_fd(struct member *m, bool *gone)
{
	*gone = m->mfd < 0 || (m->gone_fd >= 0 && !pick(m, 4));
	return *gone ? m->gone_fd : m->mfd;
}

/*
 * Whether the member may have been evicted (its CPU went offline) and so
 * is one no more, though its window is still mapped.
 */
static bool maybe_evicted(struct member *m)
{
	struct pollfd pfd = { .fd = m->mfd };

	if (m->f->hotplug_cpu < 0)
		return false;
	if (m->mfd < 0)
		return true;
	return poll(&pfd, 1, 0) != 0;
}

/* A new membership: the window, the member fd. */
static void member_in(struct member *m, const struct mkrep_join *j,
		      bool evicted)
{
	if (m->win && !evicted)
		member_bad(m, "joined twice");
	/* The window of an evicted membership. */
	if (m->win)
		munmap(m->win, m->npages * m->page);
	if (j->length != m->npages * m->page || !j->addr)
		member_bad(m, "join: a window of the wrong size");
	if (j->fd < 0)
		member_bad(m, "join: no member fd");
	m->win = (char *)(uintptr_t)j->addr;
	if (m->mfd >= 0)
		close(m->mfd);
	m->mfd = j->fd;
	m->gen++;
	m->posted = 0;
	m->applied = 0;
	m->op_id = 0;
	m->rep->joined++;
}

/* Out of the space: the member fd now belongs to a left membership. */
static void member_out(struct member *m)
{
	m->win = NULL;
	if (m->mfd < 0)
		return;
	if (m->gone_fd >= 0)
		close(m->gone_fd);
	m->gone_fd = m->mfd;
	m->mfd = -1;
}

/* --- a member process's operations --------------------------------------- */

static void m_join(struct member *m)
{
	struct mkrep_join j[4] = { { .size = sizeof(j[0]), .cpu = m->cpu } };
	bool evicted = m->win && maybe_evicted(m);
	void *arg = j;
	long ret;

	j[0].flags = pick(m, 8) ? MKREP_JOIN_CLOEXEC * pick(m, 2) : edgy(m);
	if (!pick(m, 8))
		j[0].cpu = pick(m, 2) ? pick(m, m->f->ncpus + 2) : edgy(m);
	if (!pick(m, 8))
		j[0].__reserved[pick(m, 2)] = rnd(m);
	if (!pick(m, 4))
		arg = mess(&m->fz, j, sizeof(j), sizeof(j[0]));
	ret = ioctl(m->fd, MKREP_IOC_JOIN, arg);
	if (m->restart)
		RESULT(m, ret, "join", EINVAL, E2BIG, EFAULT, ENODEV, EEXIST,
		       EALREADY, ENOMEM);
	else
		RESULT(m, ret, "join", EINVAL, E2BIG, EFAULT, ENODEV, EEXIST,
		       EALREADY, ENOMEM, EINTR);
	if (ret)
		return;
	if (arg != j) {
		/* A messed struct that was still good: leave again. */
		munmap((void *)(uintptr_t)j[0].addr, j[0].length);
		close(j[0].fd);
		return;
	}
	member_in(m, &j[0], evicted);
}

/* Join on the first CPU, from the member's own on, that has no member. */
static void member_enter(struct member *m)
{
	struct mkrep_join j = { .size = sizeof(j) };
	int i, k, n = m->f->ncpus;
	long ret;

	for (i = 0; i < n && m->f->cpus[i] != m->cpu; i++)
		;
	for (k = 0; k < n; k++) {
		j.cpu = m->f->cpus[(i + k) % n];
		if (mk_pin_cpu(j.cpu))
			continue;	/* offline for a moment */
		/* EINVAL: the CPU went offline since, taking the binding. */
		ret = ioctl(m->fd, MKREP_IOC_JOIN, &j);
		RESULT(m, ret, "join", EEXIST, ENODEV, ENOMEM, EINVAL, EINTR);
		if (ret && errno == EINTR && m->restart)
			member_bad(m, "join: EINTR with SA_RESTART");
		if (!ret) {
			m->cpu = j.cpu;
			member_in(m, &j, false);
			return;
		}
	}
	mk_pin_cpu(m->cpu);
}

static void m_op(struct member *m)
{
	struct mkrep_op o[2] = { { .size = sizeof(o[0]) } };
	bool gone, unbound = false;
	void *arg = o;
	int fd = member_fd(m, &gone);
	long ret;

	o[0].op = pick(m, 8) ? 1 + pick(m, 3) : edgy(m);
	o[0].prot = o[0].op == MKREP_OP_UNMAP ? 0 :
		    pick(m, 2) ? MKREP_PROT_READ :
		    MKREP_PROT_READ | MKREP_PROT_WRITE;
	if (!pick(m, 8))
		o[0].prot = pick(m, 2) ? pick(m, 8) : edgy(m);
	o[0].flags = pick(m, 8) ? 0 : edgy(m);
	range(&m->fz, m->npages, m->page, &o[0].offset, &o[0].length);
	if (!pick(m, 16))
		o[0].__reserved = rnd(m);
	if (!pick(m, 6))
		arg = mess(&m->fz, o, sizeof(o), sizeof(o[0]));
	if (!pick(m, 32)) {
		/* On the space: not its command any more. */
		ret = ioctl(m->fd, MKREP_IOC_OP, arg);
		RESULT(m, ret, "op on a space", ENOTTY);
		if (!ret)
			member_bad(m, "op on a space worked");
		return;
	}
	if (fd < 0)
		return;
	if (!pick(m, 16)) {
		unbind(m->f);
		unbound = true;
	}
	ret = ioctl(fd, MKREP_IOC_OP, arg);
	if (unbound)
		mk_pin_cpu(m->cpu);
	if (m->restart)
		RESULT(m, ret, "op", EINVAL, E2BIG, EFAULT, ENODEV, EEXIST,
		       ENOMEM);
	else
		RESULT(m, ret, "op", EINVAL, E2BIG, EFAULT, ENODEV, EEXIST,
		       ENOMEM, EINTR);
	if (ret)
		return;
	if (unbound)
		member_bad(m, "op from a thread bound to every CPU worked");
	if (gone)
		member_bad(m, "op on the fd of a member that left worked");
	m->rep->ops++;
	if (arg != o)
		return;
	/*
	 * Each other replica was changed one way, or its member removed;
	 * each was posted to at most once, by the initiator or by its
	 * node's leader.
	 */
	if (o[0].members != o[0].by_message + o[0].not_running +
			    o[0].fallback + o[0].removed ||
	    o[0].posted > o[0].members ||
	    o[0].members >= (unsigned int)m->f->ncpus) {
		ksft_print_msg("%sop %llu: members %u: %u %u %u %u, posted %u\n",
			       m->fz.who, m->fz.ops, o[0].members,
			       o[0].by_message, o[0].not_running,
			       o[0].fallback, o[0].removed, o[0].posted);
		member_bad(m, "op: counts that do not add up");
	}
}

/* APPLY; when @random, with random arguments on a random fd. */
static void member_apply(struct member *m, bool random)
{
	struct mkrep_apply a[2] = { { .size = sizeof(a[0]) } };
	bool gone = false, unbound = false;
	void *arg = a;
	int fd = m->mfd;
	long ret;

	if (random) {
		fd = member_fd(m, &gone);
		if (!pick(m, 8))
			a[0].flags = edgy(m);
		if (!pick(m, 8))
			a[0].__pad = edgy(m);
		if (!pick(m, 8))
			a[0].__reserved[pick(m, 2)] = rnd(m);
		if (!pick(m, 6))
			arg = mess(&m->fz, a, sizeof(a), sizeof(a[0]));
		if (!pick(m, 16)) {
			unbind(m->f);
			unbound = true;
		}
	}
	if (fd < 0)
		return;
	ret = ioctl(fd, MKREP_IOC_APPLY, arg);
	if (unbound)
		mk_pin_cpu(m->cpu);
	RESULT(m, ret, "apply", EINVAL, E2BIG, EFAULT, ENODEV);
	if (ret)
		return;
	if (unbound)
		member_bad(m, "apply from a thread bound to every CPU worked");
	if (gone)
		member_bad(m, "apply on the fd of a member that left worked");
	if (arg != a)
		return;
	if (a[0].applied > 1 || a[0].op_id < m->op_id) {
		ksft_print_msg("%sop %llu: applied %u, op id %llu after %llu\n",
			       m->fz.who, m->fz.ops, a[0].applied,
			       (unsigned long long)a[0].op_id,
			       (unsigned long long)m->op_id);
		member_bad(m, "apply: an answer that cannot be");
	}
	m->op_id = a[0].op_id;
	m->rep->applied += a[0].applied;
}

static void m_apply(struct member *m)
{
	member_apply(m, true);
}

/* The event loop's check: one load, then APPLY if a request waits. */
static void m_event(struct member *m)
{
	int i;

	if (m->mfd < 0)
		return;
	for (i = 0; i < MAX_STATUS_MAPS; i++) {
		const struct mkrep_member_status *st;

		if (!m->st[i].addr || !m->st[i].intact ||
		    m->st[i].gen != m->gen)
			continue;
		st = (const void *)m->st[i].addr;
		if (__atomic_load_n(&st->waiting, __ATOMIC_ACQUIRE))
			member_apply(m, false);
		return;
	}
}

/* poll() or epoll on a member fd; a request it reports is applied. */
static void m_poll(struct member *m)
{
	struct pollfd pfd = { .events = POLLIN };
	struct epoll_event ev = { .events = EPOLLIN };
	bool gone;
	int ret, ep;

	pfd.fd = member_fd(m, &gone);
	if (pfd.fd < 0)
		return;
	if (pick(m, 2)) {
		ret = poll(&pfd, 1, pick(m, 3));
		RESULT(m, ret, "poll", EINTR);
	} else {
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0)
			return;
		ret = epoll_ctl(ep, EPOLL_CTL_ADD, pfd.fd, &ev);
		RESULT(m, ret, "epoll_ctl", ENOMEM);
		if (!ret) {
			ret = epoll_wait(ep, &ev, 1, pick(m, 3));
			RESULT(m, ret, "epoll_wait", EINTR);
			pfd.revents = ret > 0 ? ev.events : 0;
		}
		close(ep);
	}
	if (ret < 0)
		return;
	if (poll_bad(pfd.revents, gone)) {
		ksft_print_msg("%sop %llu: poll says %#x of the fd of a member %s\n",
			       m->fz.who, m->fz.ops, pfd.revents,
			       gone ? "that left" : "");
		member_bad(m, "poll: an answer that cannot be");
	}
	if (pfd.revents & POLLIN && !gone)
		member_apply(m, false);
}

/* mmap() of the status page, often with what it refuses. */
static void m_status_map(struct member *m)
{
	static const int prots[] = {
		PROT_READ, PROT_READ, PROT_READ, PROT_READ | PROT_WRITE,
		PROT_WRITE, PROT_NONE, PROT_READ | PROT_EXEC,
	};
	int prot = prots[pick(m, ARRAY_SIZE(prots))];
	size_t len = m->page;
	off_t off = MKREP_STATUS_OFFSET;
	bool gone, refused;
	int fd = member_fd(m, &gone), i;
	void *p;

	if (fd < 0)
		return;
	if (!pick(m, 6))
		len = pick(m, 2) ? 1 + pick(m, 3 * m->page) : edgy(m);
	if (!pick(m, 6))
		off = pick(m, 2) ? (off_t)(1 + pick(m, 4)) * m->page :
				   (off_t)edgy(m);
	p = mmap(NULL, len, prot, pick(m, 4) ? MAP_SHARED : MAP_PRIVATE,
		 fd, off);
	RESULT(m, p == MAP_FAILED ? -1 : 0, "mmap of the status page",
	       EINVAL, EPERM, EACCES, ENODEV, ENOMEM, EOVERFLOW);
	if (p == MAP_FAILED)
		return;
	refused = prot & PROT_WRITE || off || len > (size_t)m->page;
	if (refused) {
		ksft_print_msg("%sop %llu: mmap of %zu bytes at %lld, prot %#x\n",
			       m->fz.who, m->fz.ops, len, (long long)off, prot);
		member_bad(m, "mmap of the status page worked");
	}
	for (i = 0; i < MAX_STATUS_MAPS && m->st[i].addr; i++)
		;
	if (i == MAX_STATUS_MAPS || refused) {
		munmap(p, len);
		return;
	}
	m->st[i].addr = p;
	m->st[i].len = len;
	m->st[i].intact = prot == PROT_READ && !gone;
	m->st[i].gen = m->gen;
}

/* munmap, mprotect, mremap of a status mapping or of a part. */
static void m_status_change(struct member *m)
{
	static const int prots[] = {
		PROT_READ, PROT_NONE, PROT_READ | PROT_WRITE, PROT_WRITE,
		PROT_READ | PROT_EXEC,
	};
	struct status_map *s = &m->st[pick(m, MAX_STATUS_MAPS)];
	size_t len;
	char *r;
	long ret;
	int prot;

	if (!s->addr)
		return;
	len = (s->len + m->page - 1) / m->page * m->page;
	switch (pick(m, 4)) {
	case 0:
		prot = prots[pick(m, ARRAY_SIZE(prots))];
		ret = mprotect(s->addr, len, prot);
		RESULT(m, ret, "mprotect of the status page", EACCES, EINVAL,
		       ENOMEM);
		/* Never writable: not even later. */
		if (!ret && prot & PROT_WRITE)
			member_bad(m, "mprotect made the status page writable");
		if (!ret && prot != PROT_READ)
			s->intact = false;
		break;
	case 1:
		r = mremap(s->addr, len, pick(m, 2) ? 2 * len : len,
			   pick(m, 2) ? MREMAP_MAYMOVE : 0);
		RESULT(m, r == MAP_FAILED ? -1 : 0, "mremap of the status page",
		       EINVAL, EFAULT, ENOMEM, EAGAIN);
		if (r == MAP_FAILED)
			break;
		/* Moved or grown: read no more than it was. */
		s->addr = r;
		s->intact = false;
		break;
	default:
		ret = munmap(s->addr, pick(m, 4) ? len : m->page);
		RESULT(m, ret, "munmap of the status page", EINVAL);
		if (!ret && len > (size_t)m->page) {
			/* A piece of it: the rest stays mapped. */
			s->addr += m->page;
			s->len = len - m->page;
			s->intact = false;
		} else if (!ret) {
			s->addr = NULL;
		}
		break;
	}
}

/*
 * Read or write a word of the window, or read the status page; a fault
 * is an answer too.  The status words hold together.
 */
static void m_touch(struct member *m)
{
	const struct mkrep_member_status *st;
	struct status_map *s;
	__u64 *p, posted, applied;
	int sig, i;

	s = &m->st[pick(m, MAX_STATUS_MAPS)];
	if (!pick(m, 3) && s->addr) {
		sig = sigsetjmp(fault_jmp, 1);
		if (sig) {
			m->rep->faults++;
			/* Evicted, it may be gone: not with CPUs staying. */
			if (s->intact && s->gen == m->gen && m->win &&
			    m->f->hotplug_cpu < 0)
				member_bad(m, "reading the status page faulted");
			return;
		}
		st = (const void *)s->addr;
		applied = __atomic_load_n(&st->applied, __ATOMIC_ACQUIRE);
		posted = __atomic_load_n(&st->posted, __ATOMIC_ACQUIRE);
		__atomic_load_n(&st->waiting, __ATOMIC_RELAXED);
		if (!s->intact || s->gen != m->gen || !m->win)
			return;
		for (i = 0; i < ARRAY_SIZE(st->__line0); i++)
			if (st->__line0[i])
				break;
		if (st->__pad0 || i < ARRAY_SIZE(st->__line0) ||
		    posted < m->posted || applied < m->applied) {
			ksft_print_msg("%sop %llu: posted %llu, %llu; applied %llu, %llu\n",
				       m->fz.who, m->fz.ops,
				       (unsigned long long)posted,
				       (unsigned long long)m->posted,
				       (unsigned long long)applied,
				       (unsigned long long)m->applied);
			member_bad(m, "status page: words that cannot be");
		}
		m->posted = posted;
		m->applied = applied;
		return;
	}
	if (!m->win)
		return;
	p = (__u64 *)(m->win + pick(m, m->npages) * m->page) +
	    pick(m, m->page / 8);
	sig = sigsetjmp(fault_jmp, 1);
	if (sig) {
		m->rep->faults++;
		return;
	}
	if (pick(m, 2))
		__atomic_store_n(p, rnd(m), __ATOMIC_RELAXED);
	else
		__atomic_load_n(p, __ATOMIC_RELAXED);
}

/* munmap, mprotect, mremap, madvise of the window or of a part. */
static void m_window(struct member *m)
{
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE,
		PROT_READ | PROT_EXEC,
	};
	size_t len = m->npages * m->page, part, to;
	char *a = m->win, *r;
	long ret;

	if (!a)
		return;
	part = (1 + pick(m, m->npages)) * m->page;
	switch (pick(m, 6)) {
	case 0:		/* a part: the window cannot be split */
		ret = munmap(a + (len - part), part);
		RESULT(m, ret, "munmap part", EINVAL);
		if (!ret && part == len)
			member_out(m);
		else if (!ret)
			member_bad(m, "munmap split the window");
		break;
	case 1:
		ret = mprotect(a, pick(m, 2) ? len : part,
			       prots[pick(m, ARRAY_SIZE(prots))]);
		RESULT(m, ret, "mprotect", EINVAL, EACCES, ENOMEM);
		break;
	case 2:
		to = pick(m, 2) ? len + m->page : part;
		r = mremap(a, len, to, pick(m, 2) ? MREMAP_MAYMOVE : 0);
		RESULT(m, r == MAP_FAILED ? -1 : 0, "mremap", EINVAL, EFAULT,
		       ENOMEM);
		/* Only "the same size at the same place" works. */
		if (r != MAP_FAILED && (r != a || to != len))
			member_bad(m, "mremap moved or resized the window");
		break;
	case 3:
		ret = madvise(a, part, MADV_DONTNEED);
		RESULT(m, ret, "madvise", EINVAL);
		break;
	default:	/* leave */
		if (pick(m, 3))
			break;
		ret = munmap(a, len);
		RESULT(m, ret, "leave", EINVAL);
		if (!ret)
			member_out(m);
		break;
	}
}

/*
 * Close the member fd: the window still holds the member, which cannot
 * join again before it leaves; or hand the fd to the test process.
 */
static void m_fd(struct member *m)
{
	bool gone;
	int fd = member_fd(m, &gone);

	if (fd < 0)
		return;
	if (pick(m, 4)) {
		/* A full socket drops it: the test process holds enough. */
		mk_send_fd(m->f->msock[0], fd, MSG_DONTWAIT);
		return;
	}
	close(fd);
	if (gone)
		m->gone_fd = -1;
	else
		m->mfd = -1;
}

/* Whether errno is what a child acting for the member may get. */
static bool child_refused(struct member *m)
{
	return errno == EPERM || errno == ENODEV ||
	       (errno == EINVAL && m->f->hotplug_cpu >= 0);
}

/*
 * A child of the member is no member: the window is not inherited, and
 * the member fd does not take it for its parent.
 */
static void m_child(struct member *m)
{
	struct mkrep_op o = {
		.size = sizeof(o), .op = MKREP_OP_UNMAP, .length = m->page,
	};
	struct mkrep_apply a = { .size = sizeof(a) };
	int st = 0, sig;
	void *p;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		alarm(10);
		/*
		 * EPERM; ENODEV if the member was evicted meanwhile, and
		 * EINVAL if its CPU went offline, unbinding the child.
		 */
		if (m->mfd >= 0) {
			if (ioctl(m->mfd, MKREP_IOC_OP, &o) != -1 ||
			    !child_refused(m))
				_exit(1);
			if (ioctl(m->mfd, MKREP_IOC_APPLY, &a) != -1 ||
			    !child_refused(m))
				_exit(2);
			p = mmap(NULL, m->page, PROT_READ, MAP_SHARED, m->mfd,
				 MKREP_STATUS_OFFSET);
			if (p != MAP_FAILED ||
			    (errno != EPERM && errno != ENODEV))
				_exit(3);
		}
		if (m->win) {
			sig = sigsetjmp(fault_jmp, 1);
			if (!sig)
				__atomic_load_n(m->win, __ATOMIC_RELAXED);
			if (sig != SIGSEGV)
				_exit(4);
		}
		_exit(0);
	}
	if (pid < 0)
		return;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	m->fz.calls++;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		ksft_print_msg("%sop %llu: child status %#x\n", m->fz.who,
			       m->fz.ops, st);
		member_bad(m, "a child acted as the member, or reached its window");
	}
}

static void m_info(struct member *m)
{
	struct mkrep_space_info in[2] = { { .size = sizeof(in[0]) } };
	bool messed = false;
	void *arg = in;
	long ret;

	if (!pick(m, 3))
		in[0].size = MKREP_SPACE_INFO_SIZE_VER0;
	/* mess() mostly garbles the struct in place: arg is in then. */
	if (!pick(m, 4)) {
		arg = mess(&m->fz, in, sizeof(in), sizeof(in[0]));
		messed = true;
	}
	ret = ioctl(m->fd, pick(m, 2) ? MKREP_IOC_SPACE_INFO : 0xC058B845, arg);
	RESULT(m, ret, "space info", EINVAL, E2BIG, EFAULT);
	if (ret || messed)
		return;
	if (in[0].size != sizeof(in[0]))
		member_bad(m, "space info: not the kernel's size");
	if (in[0].length != m->npages * m->page ||
	    in[0].strategy >= MKREP_NR_STRATEGIES ||
	    in[0].nr_members > (unsigned int)m->f->ncpus ||
	    in[0].mapped_pages > m->npages ||
	    in[0].bound_ns > MKREP_BOUND_MAX_NS ||
	    in[0].evicted > in[0].removed) {
		ksft_print_msg("%sop %llu: length %llu (%lu pages) strategy %u\n",
			       m->fz.who, m->fz.ops,
			       (unsigned long long)in[0].length, m->npages,
			       in[0].strategy);
		ksft_print_msg("%smembers %u (%d CPUs) mapped %u bound %llu\n",
			       m->fz.who, in[0].nr_members, m->f->ncpus,
			       in[0].mapped_pages,
			       (unsigned long long)in[0].bound_ns);
		ksft_print_msg("%sevicted %llu removed %llu\n", m->fz.who,
			       (unsigned long long)in[0].evicted,
			       (unsigned long long)in[0].removed);
		member_bad(m, "space info: a description that cannot be");
	}
}

/* Numbers the member fd and the space do not serve: ENOTTY. */
static void m_garbage(struct member *m)
{
	__u8 buf[128] = { 0 };
	bool on_space = pick(m, 2), served;
	unsigned int cmd;
	long ret;

	cmd = random_cmd(&m->fz, on_space ? space_cmds : member_cmds, &served);
	if (served || (!on_space && m->mfd < 0))
		return;
	ret = ioctl(on_space ? m->fd : m->mfd, cmd, buf);
	RESULT(m, ret, "unknown ioctl", ENOTTY);
	if (!ret)
		member_bad(m, "an unknown ioctl worked");
}

static void member_main(struct fuzz *f, int slot, unsigned long serial,
			const struct space_slot *sp, int cpu)
{
	static void (*const ops[])(struct member *m) = {
		m_op, m_op, m_op, m_op, m_apply, m_apply, m_poll, m_poll,
		m_status_map, m_status_map, m_status_change, m_info, m_touch,
		m_touch, m_touch, m_window, m_join, m_fd, m_child, m_garbage,
	};
	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };
	struct itimerval tick = { { 0, 20000 }, { 0, 20000 } };
	struct member m = {
		.f = f, .rep = &f->sh->kid[slot], .page = f->page,
		.fd = sp->fd, .npages = sp->npages, .cpu = cpu,
		.mfd = -1, .gone_fd = -1,
	};
	unsigned long steps;
	char who[32];

	snprintf(who, sizeof(who), "member %lu: ", serial);
	m.fz.who = who;
	mk_fuzz_seed(&m.fz, f->seed ^ (serial + 1) * 0x9e3779b97f4a7c15ULL);
	memset(m.rep, 0, sizeof(*m.rep));
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	/* Without SA_RESTART a wait ends with EINTR; with it, never. */
	m.restart = pick(&m, 2);
	sa.sa_handler = on_alarm;
	sa.sa_flags = m.restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &tick, NULL);
	signal(SIGPIPE, SIG_IGN);

	steps = 1 + pick(&m, KID_STEPS);
	/* A CPU taken offline meanwhile: nothing to join on. */
	if (mk_pin_cpu(cpu))
		_exit(0);
	m_join(&m);
	if (!m.win)
		member_enter(&m);
	m_status_map(&m);
	for (m.fz.ops = 0; m.fz.ops < steps; m.fz.ops++) {
		/* An event loop: a request waiting is applied, mostly. */
		if (pick(&m, 4))
			m_event(&m);
		ops[pick(&m, ARRAY_SIZE(ops))](&m);
		tell(&m);
		__atomic_fetch_add(&f->sh->steps, 1, __ATOMIC_RELAXED);
	}
	fflush(stdout);
	_exit(0);
}

/* --- the test process's operations --------------------------------------- */

static struct space_slot *free_space_slot(struct fuzz *f)
{
	struct space_slot *s = &f->space[pick(f, MAX_SPACES)];

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	return s;
}

static struct space_slot *some_space(struct fuzz *f)
{
	int i, start = pick(f, MAX_SPACES);

	for (i = 0; i < MAX_SPACES; i++)
		if (f->space[(start + i) % MAX_SPACES].fd >= 0)
			return &f->space[(start + i) % MAX_SPACES];
	return NULL;
}

static void p_query(struct fuzz *f)
{
	struct mkrep_query q[2] = { { .size = sizeof(q[0]) } };
	long ret;

	ret = ioctl(f->dev, MKREP_IOC_QUERY,
		    mess(&f->fz, q, sizeof(q), sizeof(q[0])));
	RESULT(f, ret, "query", EINVAL, E2BIG, EFAULT);
}

static void p_space_create(struct fuzz *f)
{
	struct mkrep_space_create c[2] = { { .size = sizeof(c[0]) } };
	struct space_slot *s;
	void *arg = c;
	long ret;

	c[0].length = (__u64)(1 + pick(f, 32)) * f->page;
	if (!pick(f, 6))
		c[0].length = pick(f, 2) ? (__u64)edgy(f) * f->page : edgy(f);
	c[0].strategy = pick(f, 8) ? pick(f, MKREP_NR_STRATEGIES) : edgy(f);
	c[0].flags = pick(f, 8) ? MKREP_SPACE_CLOEXEC * pick(f, 2) : edgy(f);
	/* The default, up to 10 ms, now and then up to or past the most. */
	switch (pick(f, 8)) {
	case 0:
	case 1:
	case 2:
		break;
	case 3:
		c[0].bound_ns = pick(f, 2) ? MKREP_BOUND_MAX_NS :
			MKREP_BOUND_MAX_NS + 1 + pick(f, 1000);
		break;
	case 4:
		c[0].bound_ns = pick(f, 2) ? rnd(f) : edgy(f);
		break;
	default:
		c[0].bound_ns = 1 + pick(f, 10000000);
		break;
	}
	if (!pick(f, 16))
		c[0].__reserved = rnd(f);
	if (!pick(f, 6))
		arg = mess(&f->fz, c, sizeof(c), sizeof(c[0]));
	ret = ioctl(f->dev, MKREP_IOC_SPACE_CREATE, arg);
	RESULT(f, ret, "space create", EINVAL, E2BIG, EFAULT, ENOMEM, EMFILE,
	       EDQUOT);
	if (ret)
		return;
	if (arg == c && c[0].bound_ns > MKREP_BOUND_MAX_NS) {
		f->fz.unexpected++;
		ksft_print_msg("op %llu: a space with a bound of %llu ns\n",
			       f->fz.ops, (unsigned long long)c[0].bound_ns);
	}
	/* A large one was accepted; members use the small ones. */
	if (c[0].length / f->page > MAX_USED_PAGES) {
		close(c[0].fd);
		return;
	}
	s = free_space_slot(f);
	s->fd = c[0].fd;
	s->npages = c[0].length / f->page;
}

static void p_counter_create(struct fuzz *f)
{
	struct mkrep_counter_create c[2] = { { .size = sizeof(c[0]) } };
	struct counter_slot *s;
	void *arg = c;
	long ret;

	c[0].mode = pick(f, 8) ? pick(f, MKREP_NR_COUNTER_MODES) : edgy(f);
	c[0].flags = pick(f, 8) ? MKREP_COUNTER_CLOEXEC * pick(f, 2) |
				  MKREP_COUNTER_MAP * pick(f, 2) : edgy(f);
	if (!pick(f, 6))
		arg = mess(&f->fz, c, sizeof(c), sizeof(c[0]));
	ret = ioctl(f->dev, MKREP_IOC_COUNTER_CREATE, arg);
	RESULT(f, ret, "counter create", EINVAL, E2BIG, EFAULT, ENOMEM,
	       EMFILE);
	if (ret)
		return;
	s = &f->counter[pick(f, MAX_COUNTERS)];
	if (s->fd >= 0)
		close(s->fd);
	s->fd = c[0].fd;
	s->mode = c[0].mode;
	s->known = true;
	s->value = 0;
}

/* How far above a sloppy local read may be: the other CPUs' spares. */
static int64_t sloppy_bound_here(void)
{
	static int64_t bound = -1;
	long last, n;

	if (bound < 0) {
		n = mk_sysfs_list_count("/sys/devices/system/cpu/possible",
					&last);
		bound = (int64_t)MKREP_COUNTER_SPARE_MAX * (n > 0 ? n - 1 : 0);
	}
	return bound;
}

static void counter_bad(struct fuzz *f, const char *what, int64_t got,
			int64_t want)
{
	f->fz.unexpected++;
	ksft_print_msg("op %llu: counter: %s %lld, should be %lld\n",
		       f->fz.ops, what, (long long)got, (long long)want);
}

/*
 * Write garbage into a slot of a mapped counter, as a process may: the
 * counter then holds the new sum of the slots, which the reads check.
 */
static void scribble_counter(struct fuzz *f, struct counter_slot *s)
{
	struct mkrep_counter_info info = { .size = sizeof(info) };
	struct mkrep_counter_slot *slot;
	unsigned int i;
	void *p;
	__s64 v;

	RESULT(f, ioctl(s->fd, MKREP_IOC_COUNTER_INFO, &info), "counter info",
	       0);
	if (!info.map_size) {
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, s->fd,
			 MKREP_COUNTER_MAP_OFFSET);
		if (p != MAP_FAILED) {
			counter_bad(f, "mmap of a counter not mapped", 0, -1);
			munmap(p, 4096);
			return;
		}
		RESULT(f, -1, "mmap of a counter not mapped", ENODEV);
		return;
	}
	p = mmap(NULL, info.map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 s->fd, MKREP_COUNTER_MAP_OFFSET);
	if (p == MAP_FAILED) {
		RESULT(f, -1, "mmap of a mapped counter", 0);
		return;
	}
	slot = p;
	i = pick(f, info.nr_slots);
	v = pick(f, 2) ? (__s64)rnd(f) : (__s64)pick(f, 2001) - 1000;
	s->value = (__u64)s->value - (__u64)slot[i].count + (__u64)v;
	slot[i].count = v;
	slot[i].base = (__s64)rnd(f);
	slot[i].__unused[pick(f, 14)] = rnd(f);
	munmap(p, info.map_size);
}

/* Add to and read a counter; only this process changes it. */
static void p_counter(struct fuzz *f)
{
	struct counter_slot *s = &f->counter[pick(f, MAX_COUNTERS)];
	union {
		struct mkrep_counter_add add;
		struct mkrep_counter_read rd;
		__u8 raw[128];
	} u = { .raw = { 0 } };
	bool served;
	void *arg;
	long ret;

	if (s->fd < 0)
		return;
	switch (pick(f, 4)) {
	case 0:
		u.add.size = sizeof(u.add);
		u.add.delta = pick(f, 4) ? (int64_t)pick(f, 2001) - 1000 :
			      (int64_t)rnd(f) >> pick(f, 64);
		arg = mess(&f->fz, &u, sizeof(u), sizeof(u.add));
		ret = ioctl(s->fd, MKREP_IOC_COUNTER_ADD, arg);
		RESULT(f, ret, "counter add", EINVAL, E2BIG, EFAULT);
		if (!ret)	/* wrapping around as the kernel's s64 does */
			s->value = (__u64)s->value + (__u64)u.add.delta;
		break;
	case 1:
		u.rd.size = sizeof(u.rd);
		u.rd.flags = pick(f, 8) ? MKREP_COUNTER_EXACT * pick(f, 2) :
			     edgy(f);
		arg = mess(&f->fz, &u, sizeof(u), sizeof(u.rd));
		ret = ioctl(s->fd, MKREP_IOC_COUNTER_READ, arg);
		RESULT(f, ret, "counter read", EINVAL, E2BIG, EFAULT);
		/*
		 * Write-mostly local reads may be stale, sloppy ones above
		 * by the other CPUs' spares (modulo 2^64, as the sums wrap);
		 * the others are exact.
		 */
		if (!ret && s->known && s->mode == MKREP_COUNTER_SLOPPY &&
		    !(u.rd.flags & MKREP_COUNTER_EXACT) &&
		    (__u64)u.rd.value - (__u64)s->value >
		    (__u64)sloppy_bound_here())
			counter_bad(f, "sloppy local read", u.rd.value,
				    s->value);
		else if (!ret && s->known &&
			 (u.rd.flags & MKREP_COUNTER_EXACT ||
			  s->mode == MKREP_COUNTER_READ_MOSTLY) &&
			 u.rd.value != s->value)
			counter_bad(f, "read", u.rd.value, s->value);
		break;
	case 2:
		scribble_counter(f, s);
		break;
	default:
		ret = ioctl(s->fd, random_cmd(&f->fz, counter_cmds, &served),
			    &u);
		/* A real command with a random struct: no check. */
		if (!served)
			RESULT(f, ret, "unknown counter ioctl", ENOTTY);
		if (!ret)
			s->known = false;
		break;
	}
}

/* What a process that is no member may do with a space. */
static void p_outsider(struct fuzz *f)
{
	struct space_slot *sp = some_space(f);
	union {
		struct mkrep_join j;
		struct mkrep_op o;
		struct mkrep_apply a;
		struct mkrep_space_info in;
		__u8 raw[128];
	} u = { .raw = { 0 } };
	unsigned int cmd;
	bool served;
	void *p;
	long ret;
	int fd;

	if (!sp)
		return;
	switch (pick(f, 7)) {
	case 0:		/* not bound to one CPU */
		u.j.size = sizeof(u.j);
		u.j.cpu = pick(f, 4) ? f->cpus[pick(f, f->ncpus)] : edgy(f);
		ret = ioctl(sp->fd, MKREP_IOC_JOIN,
			    mess(&f->fz, &u, sizeof(u), sizeof(u.j)));
		RESULT(f, ret, "join unbound", EINVAL, E2BIG, EFAULT);
		if (!ret) {
			f->fz.unexpected++;
			ksft_print_msg("op %llu: a join unbound worked\n",
				       f->fz.ops);
		}
		break;
	case 1:		/* a member's commands on a space */
		u.o.size = sizeof(u.o);
		u.o.op = 1 + pick(f, 3);
		u.o.prot = u.o.op == MKREP_OP_UNMAP ? 0 : MKREP_PROT_READ;
		range(&f->fz, sp->npages, f->page, &u.o.offset, &u.o.length);
		cmd = pick(f, 2) ? MKREP_IOC_OP : MKREP_IOC_APPLY;
		ret = ioctl(sp->fd, cmd,
			    mess(&f->fz, &u, sizeof(u), sizeof(u.o)));
		RESULT(f, ret, "op or apply on a space", ENOTTY);
		break;
	case 2:		/* on the device */
		u.j.size = sizeof(u.j);
		cmd = pick(f, 3) ? MKREP_IOC_JOIN : pick(f, 2) ?
		      MKREP_IOC_OP : MKREP_IOC_APPLY;
		ret = ioctl(f->dev, cmd, &u);
		RESULT(f, ret, "a space's or member's ioctl on the device",
		       ENOTTY);
		break;
	case 3:
		u.in.size = pick(f, 2) ? sizeof(u.in) :
			    MKREP_SPACE_INFO_SIZE_VER0;
		ret = ioctl(sp->fd, pick(f, 2) ? MKREP_IOC_SPACE_INFO :
					       0xC058B845,
			    mess(&f->fz, &u, sizeof(u), sizeof(u.in)));
		RESULT(f, ret, "space info", EINVAL, E2BIG, EFAULT);
		break;
	case 4:		/* only JOIN maps a window */
		p = mmap(NULL, pick(f, 4) ? sp->npages * f->page : edgy(f),
			 pick(f, 2) ? PROT_READ : PROT_READ | PROT_WRITE,
			 pick(f, 4) ? MAP_SHARED : MAP_PRIVATE, sp->fd,
			 pick(f, 4) ? 0 : (off_t)edgy(f) * f->page);
		RESULT(f, p == MAP_FAILED ? -1 : 0, "mmap of a space", ENODEV,
		       EINVAL, ENOMEM, EOVERFLOW);
		if (p != MAP_FAILED) {
			f->fz.unexpected++;
			ksft_print_msg("op %llu: mmap of a space worked\n",
				       f->fz.ops);
			munmap(p, sp->npages * f->page);
		}
		break;
	default:	/* numbers of other kinds, and retired ones */
		fd = pick(f, 2) ? sp->fd : f->dev;
		cmd = random_cmd(&f->fz, fd == f->dev ? dev_cmds : space_cmds,
				 &served);
		if (served)
			break;
		ret = ioctl(fd, cmd, &u);
		RESULT(f, ret, "unknown ioctl", ENOTTY);
		break;
	}
}

/* Take the member fds member processes handed over. */
static void take_held(struct fuzz *f)
{
	int fd, i;

	for (;;) {
		fd = mk_recv_fd(f->msock[1], MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (fd < 0 && fd != -ENOMSG)
			break;
		if (fd < 0)
			continue;
		f->held_fds++;
		i = pick(f, MAX_HELD);
		if (f->held[i] >= 0)
			close(f->held[i]);
		f->held[i] = fd;
	}
}

/*
 * A member fd of another process: its commands are refused (EPERM, or
 * ENODEV once the member left), JOIN is no command of it, its status page
 * is not ours to map, poll() says what it may.
 */
static void p_held(struct fuzz *f)
{
	union {
		struct mkrep_op o;
		struct mkrep_apply a;
		struct mkrep_join j;
		__u8 raw[128];
	} u = { .raw = { 0 } };
	struct pollfd pfd = { .events = POLLIN };
	int i = pick(f, MAX_HELD), fd;
	unsigned int cmd;
	bool served;
	long ret;
	void *p;

	take_held(f);
	fd = f->held[i];
	if (fd < 0)
		return;
	switch (pick(f, 6)) {
	case 0:
		u.o.size = sizeof(u.o);
		u.o.op = 1 + pick(f, 3);
		u.o.prot = u.o.op == MKREP_OP_UNMAP ? 0 : MKREP_PROT_READ;
		u.o.length = f->page;
		ret = ioctl(fd, MKREP_IOC_OP,
			    mess(&f->fz, &u, sizeof(u), sizeof(u.o)));
		RESULT(f, ret, "op of a stranger", EPERM, ENODEV, EINVAL,
		       E2BIG, EFAULT);
		if (!ret) {
			f->fz.unexpected++;
			ksft_print_msg("op %llu: a stranger's op worked\n",
				       f->fz.ops);
		}
		break;
	case 1:
		u.a.size = sizeof(u.a);
		ret = ioctl(fd, MKREP_IOC_APPLY,
			    mess(&f->fz, &u, sizeof(u), sizeof(u.a)));
		RESULT(f, ret, "apply of a stranger", EPERM, ENODEV, EINVAL,
		       E2BIG, EFAULT);
		if (!ret) {
			f->fz.unexpected++;
			ksft_print_msg("op %llu: a stranger's apply worked\n",
				       f->fz.ops);
		}
		break;
	case 2:
		p = mmap(NULL, f->page, PROT_READ, MAP_SHARED, fd,
			 pick(f, 4) ? MKREP_STATUS_OFFSET : edgy(f));
		RESULT(f, p == MAP_FAILED ? -1 : 0, "status page of a stranger",
		       EPERM, ENODEV, EINVAL, EACCES, ENOMEM, EOVERFLOW);
		if (p != MAP_FAILED) {
			f->fz.unexpected++;
			ksft_print_msg("op %llu: a stranger mapped a status page\n",
				       f->fz.ops);
			munmap(p, f->page);
		}
		break;
	case 3:
		pfd.fd = fd;
		ret = poll(&pfd, 1, 0);
		RESULT(f, ret, "poll of a stranger's member fd", EINTR);
		if (ret >= 0 && poll_bad(pfd.revents, false)) {
			f->fz.unexpected++;
			ksft_print_msg("op %llu: poll says %#x\n", f->fz.ops,
				       pfd.revents);
		}
		break;
	case 4:
		cmd = random_cmd(&f->fz, member_cmds, &served);
		if (!served) {
			ret = ioctl(fd, cmd, &u);
			RESULT(f, ret, "unknown ioctl on a member fd", ENOTTY);
		}
		break;
	default:
		close(fd);
		f->held[i] = -1;
		break;
	}
}

/*
 * Join for a moment on a CPU, maybe run an operation and look at the
 * status page, and leave; now and then close the member fd first (the
 * window still holds the member).
 */
static void p_join(struct fuzz *f)
{
	struct space_slot *sp = some_space(f);
	struct mkrep_join j = { .size = sizeof(j) };
	struct mkrep_op o = { .size = sizeof(o) };
	struct pollfd pfd = { .events = POLLIN };
	void *st = MAP_FAILED;
	long ret;

	if (!sp)
		return;
	j.cpu = f->cpus[pick(f, f->ncpus)];
	j.flags = MKREP_JOIN_CLOEXEC * pick(f, 2);
	if (mk_pin_cpu(j.cpu))
		return;
	ret = ioctl(sp->fd, MKREP_IOC_JOIN, &j);
	RESULT(f, ret, "join", EEXIST, ENODEV, ENOMEM, EINVAL);
	if (ret) {
		unbind(f);
		return;
	}
	f->joins++;
	if (pick(f, 2)) {
		st = mmap(NULL, f->page, PROT_READ, MAP_SHARED, j.fd,
			  MKREP_STATUS_OFFSET);
		RESULT(f, st == MAP_FAILED ? -1 : 0, "status page", ENODEV,
		       ENOMEM);
	}
	if (pick(f, 2)) {
		o.op = 1 + pick(f, 3);
		o.prot = o.op == MKREP_OP_UNMAP ? 0 : MKREP_PROT_READ;
		range(&f->fz, sp->npages, f->page, &o.offset, &o.length);
		ret = ioctl(j.fd, MKREP_IOC_OP, &o);
		RESULT(f, ret, "op", EINVAL, EEXIST, ENOMEM, ENODEV);
	}
	if (pick(f, 3)) {
		close(j.fd);
		j.fd = -1;
	}
	if (st != MAP_FAILED)
		munmap(st, f->page);
	ret = munmap((void *)(uintptr_t)j.addr, j.length);
	RESULT(f, ret, "leave", EINVAL);
	if (j.fd >= 0) {
		/* Left: the fd hangs up and serves nothing more. */
		pfd.fd = j.fd;
		ret = poll(&pfd, 1, 0);
		if (ret >= 0 && poll_bad(pfd.revents, true)) {
			f->fz.unexpected++;
			ksft_print_msg("op %llu: poll says %#x after leaving\n",
				       f->fz.ops, pfd.revents);
		}
		o.op = MKREP_OP_UNMAP;
		o.prot = 0;
		o.offset = 0;
		o.length = f->page;
		ret = ioctl(j.fd, MKREP_IOC_OP, &o);
		RESULT(f, ret, "op after leaving", ENODEV);
		if (!ret) {
			f->fz.unexpected++;
			ksft_print_msg("op %llu: an op after leaving worked\n",
				       f->fz.ops);
		}
		close(j.fd);
	}
	unbind(f);
}

/* Dup a space descriptor or pass it to ourselves; or close one. */
static void p_handover(struct fuzz *f)
{
	struct space_slot *sp = some_space(f), *to;
	unsigned long npages;
	int nfd = -1, fd;

	if (!sp)
		return;
	fd = sp->fd;
	npages = sp->npages;
	switch (pick(f, 3)) {
	case 0:
		nfd = dup(fd);
		break;
	case 1:
		nfd = mk_pass_fd(f->sock, fd);
		break;
	default:
		close(fd);
		sp->fd = -1;
		return;
	}
	if (nfd < 0)
		return;
	to = free_space_slot(f);
	to->fd = nfd;
	to->npages = npages;
}

static void p_spawn(struct fuzz *f)
{
	struct space_slot *sp = some_space(f);
	int i = pick(f, MAX_KIDS), cpu;
	unsigned long serial;
	pid_t pid;

	if (!sp || f->kid[i].pid)
		return;
	cpu = f->cpus[pick(f, f->ncpus)];
	serial = f->serial++;
	fflush(stdout);
	pid = fork();
	if (!pid)
		member_main(f, i, serial, sp, cpu);
	if (pid < 0)
		return;
	f->kid[i].pid = pid;
	f->kid[i].start = time(NULL);
	f->kid[i].stopped = 0;
}

/* Collect what a member process left in its report. */
static void kid_gone(struct fuzz *f, int i, int st, bool killed)
{
	struct kid_report *r = &f->sh->kid[i];

	f->fz.calls += r->calls;
	f->fz.failed += r->failed;
	f->fz.unexpected += r->unexpected;
	f->kids.joined += r->joined;
	f->kids.ops += r->ops;
	f->kids.applied += r->applied;
	f->kids.faults += r->faults;
	memset(r, 0, sizeof(*r));
	if (!killed && !(WIFEXITED(st) && !WEXITSTATUS(st))) {
		f->fz.unexpected++;
		ksft_print_msg("op %llu: member process %d ended with status %#x\n",
			       f->fz.ops, f->kid[i].pid, st);
	}
	f->kid[i].pid = 0;
	f->kid[i].stopped = 0;
}

static void kill_kid(struct fuzz *f, int i)
{
	int st;

	kill(f->kid[i].pid, SIGKILL);
	waitpid(f->kid[i].pid, &st, 0);
	f->killed++;
	kid_gone(f, i, st, true);
}

/* Reap the member processes that ended; kill those that hang. */
static void p_reap(struct fuzz *f)
{
	int i, st;

	for (i = 0; i < MAX_KIDS; i++) {
		if (!f->kid[i].pid)
			continue;
		/* Not stopped for long: the others never wait for it. */
		if (f->kid[i].stopped && time(NULL) - f->kid[i].stopped > 1) {
			kill(f->kid[i].pid, SIGCONT);
			f->kid[i].stopped = 0;
		}
		if (waitpid(f->kid[i].pid, &st, WNOHANG) == f->kid[i].pid) {
			kid_gone(f, i, st, false);
		} else if (time(NULL) - f->kid[i].start > STALL_SECS) {
			f->fz.unexpected++;
			ksft_print_msg("op %llu: member process %d stuck for %d s\n",
				       f->fz.ops, f->kid[i].pid, STALL_SECS);
			kill_kid(f, i);
		}
	}
}

static void p_kill(struct fuzz *f)
{
	int i = pick(f, MAX_KIDS);

	if (f->kid[i].pid)
		kill_kid(f, i);
}

/* Stop a member process, or let it go on: the others never wait for it. */
static void p_stop(struct fuzz *f)
{
	int i = pick(f, MAX_KIDS);

	if (!f->kid[i].pid)
		return;
	if (f->kid[i].stopped) {
		kill(f->kid[i].pid, SIGCONT);
		f->kid[i].stopped = 0;
	} else if (!kill(f->kid[i].pid, SIGSTOP)) {
		f->kid[i].stopped = time(NULL);
		f->stops++;
	}
}

static int set_online(int cpu, int on)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	return mk_write_str(path, on ? "1" : "0");
}

/* A CPU goes offline and online again: its members are evicted. */
static void p_hotplug(struct fuzz *f)
{
	if (f->hotplug_cpu < 0 || pick(f, 32))
		return;
	if (set_online(f->hotplug_cpu, 0))
		return;
	f->hotplugs++;
	set_online(f->hotplug_cpu, 1);
}

FIXTURE(fuzz) {
	struct fuzz f;
};

FIXTURE_SETUP(fuzz)
{
	char path[64];
	cpu_set_t set;
	int i;

	memset(&self->f, 0, sizeof(self->f));
	self->f.page = sysconf(_SC_PAGESIZE);
	for (i = 0; i < MAX_SPACES; i++)
		self->f.space[i].fd = -1;
	for (i = 0; i < MAX_COUNTERS; i++)
		self->f.counter[i].fd = -1;
	for (i = 0; i < MAX_HELD; i++)
		self->f.held[i] = -1;
	for (i = 0; i < 2; i++) {
		self->f.sock[i] = -1;
		self->f.msock[i] = -1;
	}
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (i = 0; i < CPU_SETSIZE && self->f.ncpus < MAX_CPUS; i++)
		if (CPU_ISSET(i, &set))
			self->f.cpus[self->f.ncpus++] = i;
	ASSERT_LE(2, self->f.ncpus) TH_LOG("needs two CPUs");
	/* Orphans of killed member processes come to us, to be waited for. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	/* The last CPU, when it can go offline (not as an unprivileged user). */
	self->f.hotplug_cpu = self->f.cpus[self->f.ncpus - 1];
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 self->f.hotplug_cpu);
	if (access(path, W_OK))
		self->f.hotplug_cpu = -1;
	self->f.sh = mmap(NULL, sizeof(*self->f.sh), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->f.sh);
	self->f.refs = mk_read_long("/sys/module/mkrep/refcnt");
	self->f.dev = open("/dev/mkrep", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->f.dev);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
				self->f.sock));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
				self->f.msock));
}

static void put_away(struct fuzz *f)
{
	int i;

	for (i = 0; i < MAX_KIDS; i++)
		if (f->kid[i].pid)
			kill_kid(f, i);
	/*
	 * The children of member processes killed meanwhile are ours (a
	 * subreaper's) and hold descriptors of spaces until they end.
	 */
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	if (f->hotplug_cpu >= 0)
		set_online(f->hotplug_cpu, 1);
	/* The member fds still in flight, and those we hold. */
	if (f->msock[1] >= 0)
		take_held(f);
	for (i = 0; i < MAX_HELD; i++) {
		if (f->held[i] >= 0)
			close(f->held[i]);
		f->held[i] = -1;
	}
	for (i = 0; i < MAX_SPACES; i++) {
		if (f->space[i].fd >= 0)
			close(f->space[i].fd);
		f->space[i].fd = -1;
	}
	for (i = 0; i < MAX_COUNTERS; i++) {
		if (f->counter[i].fd >= 0)
			close(f->counter[i].fd);
		f->counter[i].fd = -1;
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	int i;

	put_away(&self->f);
	for (i = 0; i < 2; i++) {
		if (self->f.sock[i] >= 0)
			close(self->f.sock[i]);
		if (self->f.msock[i] >= 0)
			close(self->f.msock[i]);
	}
	if (self->f.dev >= 0)
		close(self->f.dev);
	munmap(self->f.sh, sizeof(*self->f.sh));
}

/*
 * Nothing holds the module once every descriptor and mapping is gone:
 * its count of references is back to @before (the modules that use it),
 * and it could be unloaded.  The count, or -1.
 */
static long module_refs(long before)
{
	long refs = -1;
	int i;

	/* What the last fput() of a killed process left to a work item. */
	for (i = 0; i < 50; i++) {
		refs = mk_read_long("/sys/module/mkrep/refcnt");
		if (refs == before)
			break;
		usleep(20000);
	}
	return refs;
}

TEST_F_TIMEOUT(fuzz, random_operations, 7200)
{
	static void (*const ops[])(struct fuzz *f) = {
		p_query, p_space_create, p_space_create, p_counter_create,
		p_counter, p_counter, p_counter, p_outsider, p_outsider,
		p_held, p_held, p_join, p_handover, p_spawn, p_spawn, p_spawn,
		p_kill, p_stop, p_stop, p_reap, p_reap, p_hotplug,
	};
	unsigned long long max = mk_env_ull("MKFUZZ_OPS", DEFAULT_OPS);
	__u64 seed = mk_env_ull("MKFUZZ_SEED", time(NULL) ^ getpid());
	time_t start = time(NULL);
	time_t end = start + mk_env_ull("MKFUZZ_SECONDS", DEFAULT_SECS);
	struct fuzz *f = &self->f;
	unsigned long long mine = 0, steps;
	struct timespec pause = { 0, 200 * 1000 };

	TH_LOG("MKFUZZ_SEED=%llu MKFUZZ_OPS=%llu", (unsigned long long)seed,
	       max);
	fflush(stdout);
	f->seed = seed;
	mk_fuzz_seed(&f->fz, seed);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		steps = __atomic_load_n(&f->sh->steps, __ATOMIC_RELAXED);
		f->fz.ops = mine + steps;
		if (f->fz.ops >= max || time(NULL) >= end)
			break;
		ops[pick(f, ARRAY_SIZE(ops))](f);
		mine++;
		/* Give the member processes the CPUs now and then. */
		if (!(mine % 8))
			nanosleep(&pause, NULL);
	}

	/* Put everything away: nothing may be left in the modules. */
	put_away(f);
	TH_LOG("%llu operations in %lld s, %lu system calls, %lu failed as defined, %lu unexpected",
	       f->fz.ops, (long long)(time(NULL) - start), f->fz.calls,
	       f->fz.failed, f->fz.unexpected);
	TH_LOG("%llu by this process, %llu by %lu member processes (%lu killed, %lu stops)",
	       mine, f->fz.ops - mine, f->serial, f->killed, f->stops);
	TH_LOG("this process: %lu joins, %lu member fds of others, %lu CPU hotplug cycles",
	       f->joins, f->held_fds, f->hotplugs);
	TH_LOG("member processes: %lu joins, %lu ops done, %lu applied, %lu faults",
	       f->kids.joined, f->kids.ops, f->kids.applied, f->kids.faults);
	EXPECT_EQ(0, f->fz.unexpected)
		TH_LOG("replay: MKFUZZ_SEED=%llu", (unsigned long long)seed);
	EXPECT_LT(1000, f->fz.calls);
	/* Soon, when a work item reaped the last members. */
	EXPECT_EQ(0, mk_objects_settle("mkrep", "spaces", 0, 5000));
	EXPECT_EQ(0, mk_objects_settle("mkrep", "members", 0, 5000));
	EXPECT_EQ(0, mk_mkrep_count("pages"));
	EXPECT_EQ(0, mk_mkrep_count("counters"));
	EXPECT_EQ(0, mk_mkchan_count("channels"));
	close(f->dev);
	f->dev = -1;
	EXPECT_EQ(f->refs, module_refs(f->refs));
}

TEST_HARNESS_MAIN
