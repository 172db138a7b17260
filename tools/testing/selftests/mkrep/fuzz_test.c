// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded fuzzer of /dev/mkrep.  The test process makes spaces and
 * counters with random and boundary arguments, drives every ioctl of the
 * device, of spaces and of counters with random struct contents, maps
 * space descriptors directly, joins spaces for a moment itself, hands
 * descriptors over (dup, SCM_RIGHTS), closes them, takes CPUs offline and
 * online, and starts and kills member processes.  Each member process,
 * bound to a CPU, joins a space and runs random operations of its own:
 * map, unmap and protect with random ranges, serving in every mode,
 * reads and writes through its window (faults caught), munmap, mprotect
 * and mremap of the window or of parts of it, joining again, and children
 * that try to act for it.
 *
 * Every system call must succeed or fail with an errno the ABI defines for
 * it; what the kernel reports must hold together (an operation's counts,
 * a space's description, a counter's value against what the test added);
 * no member process may hang (it is killed after STALL_SECS) or die of
 * another signal than the test's SIGKILL; and once everything is closed,
 * mkrep counts no space, member, page or counter and mkchan no channel.
 * The runner checks the kernel log.  MKFUZZ_SEED=<seed printed> and
 * MKFUZZ_OPS=<n> replay the same random choices; the interleaving of the
 * processes is the machine's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
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
#define KID_STEPS	300	/* at most, per member process */
#define STALL_SECS	120	/* a member process still running is stuck */
#define DEFAULT_OPS	50000
#define DEFAULT_SECS	30

/* What a member process tells, in memory shared with the test. */
struct kid_report {
	unsigned long calls, failed, unexpected;
	unsigned long joined, ops, served, faults;
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
	int ncpus, cpus[MAX_CPUS];	/* the CPUs the test may use */
	int hotplug_cpu;		/* one it may take offline, or -1 */
	struct space_slot space[MAX_SPACES];
	struct counter_slot counter[MAX_COUNTERS];
	struct {
		pid_t pid;		/* 0 when free */
		time_t start;
	} kid[MAX_KIDS];
	unsigned long serial;		/* member processes started */
	unsigned long killed, hotplugs, joins;
	struct kid_report kids;		/* the sum of the ended ones */
	struct shared *sh;
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
	char *win;		/* the window, NULL when not a member */
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

/* --- a member process's operations --------------------------------------- */

static void m_join(struct member *m)
{
	struct mkrep_join j[4] = { { .size = sizeof(j[0]), .cpu = m->cpu } };
	void *arg = j;
	long ret;

	if (!pick(m, 8))
		j[0].cpu = pick(m, 2) ? pick(m, m->f->ncpus + 2) : edgy(m);
	if (!pick(m, 8))
		j[0].__reserved[pick(m, 2)] = rnd(m);
	if (!pick(m, 4))
		arg = mess(&m->fz, j, sizeof(j), sizeof(j[0]));
	ret = ioctl(m->fd, MKREP_IOC_JOIN, arg);
	RESULT(m, ret, "join", EINVAL, E2BIG, EFAULT, ENODEV, EEXIST, EALREADY,
	       ENOMEM);
	if (ret)
		return;
	if (m->win)
		member_bad(m, "joined twice");
	if (j[0].length != m->npages * m->page || !j[0].addr)
		member_bad(m, "join: a window of the wrong size");
	m->win = (char *)(uintptr_t)j[0].addr;
	m->rep->joined++;
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
		RESULT(m, ret, "join", EEXIST, ENODEV, ENOMEM, EINVAL);
		if (!ret) {
			m->cpu = j.cpu;
			m->win = (char *)(uintptr_t)j.addr;
			m->rep->joined++;
			return;
		}
	}
	mk_pin_cpu(m->cpu);
}

static void m_op(struct member *m)
{
	struct mkrep_op o[2] = { { .size = sizeof(o[0]) } };
	void *arg = o;
	long ret;

	o[0].op = pick(m, 8) ? 1 + pick(m, 3) : edgy(m);
	o[0].prot = o[0].op == MKREP_OP_UNMAP ? 0 :
		    pick(m, 2) ? MKREP_PROT_READ :
		    MKREP_PROT_READ | MKREP_PROT_WRITE;
	if (!pick(m, 8))
		o[0].prot = pick(m, 2) ? pick(m, 8) : edgy(m);
	o[0].flags = pick(m, 3) ? 0 : pick(m, 4) ? MKREP_SPIN : edgy(m);
	range(&m->fz, m->npages, m->page, &o[0].offset, &o[0].length);
	if (!pick(m, 16))
		o[0].__reserved[pick(m, 2)] = rnd(m);
	if (!pick(m, 6))
		arg = mess(&m->fz, o, sizeof(o), sizeof(o[0]));
	ret = ioctl(m->fd, MKREP_IOC_OP, arg);
	RESULT(m, ret, "op", EINVAL, E2BIG, EFAULT, EPERM, ENODEV, EEXIST,
	       ENOMEM);
	if (ret)
		return;
	m->rep->ops++;
	/* The caller's replica and each other one acked, or was removed. */
	if (arg != o)
		return;
	if (o[0].acked < 1 || o[0].acked + o[0].removed != o[0].members + 1 ||
	    o[0].members >= 2U * m->f->ncpus) {
		ksft_print_msg("%sop %llu: members %u, acked %u, removed %u\n",
			       m->fz.who, m->fz.ops, o[0].members, o[0].acked,
			       o[0].removed);
		member_bad(m, "op: counts that do not add up");
	}
}

static void m_serve(struct member *m)
{
	static const unsigned int modes[] = {
		0, 0, 0, MKREP_SPIN, MKREP_SERVE_WAIT,
		MKREP_SPIN | MKREP_SERVE_WAIT,
	};
	struct mkrep_serve s[2] = { { .size = sizeof(s[0]) } };
	void *arg = s;
	long ret;

	s[0].flags = pick(m, 8) ? modes[pick(m, ARRAY_SIZE(modes))] : edgy(m);
	if (!pick(m, 8))
		arg = mess(&m->fz, s, sizeof(s), sizeof(s[0]));
	/* The alarm of every 20 ms ends a wait that no request ends. */
	ret = ioctl(m->fd, MKREP_IOC_SERVE, arg);
	RESULT(m, ret, "serve", EINVAL, E2BIG, EFAULT, EPERM, ENODEV, EINTR);
	if (!ret)
		m->rep->served += s[0].served;
}

static void m_info(struct member *m)
{
	struct mkrep_space_info in[2] = { { .size = sizeof(in[0]) } };
	void *arg = in;
	long ret;

	if (!pick(m, 4))
		arg = mess(&m->fz, in, sizeof(in), sizeof(in[0]));
	ret = ioctl(m->fd, MKREP_IOC_SPACE_INFO, arg);
	RESULT(m, ret, "space info", EINVAL, E2BIG, EFAULT);
	if (ret || arg != in || in[0].size != sizeof(in[0]))
		return;
	if (in[0].length != m->npages * m->page ||
	    in[0].strategy >= MKREP_NR_STRATEGIES ||
	    in[0].nr_members > (unsigned int)m->f->ncpus ||
	    in[0].mapped_pages > m->npages)
		member_bad(m, "space info: a description that cannot be");
}

/* Read or write a word of the window; a fault is an answer too. */
static void m_touch(struct member *m)
{
	__u64 *p;
	int sig;

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
			m->win = NULL;
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
			m->win = NULL;
		break;
	}
}

/*
 * A child of the member is no member: the window is not inherited and
 * the space does not take it for its parent.
 */
static void m_child(struct member *m)
{
	struct mkrep_op o = {
		.size = sizeof(o), .op = MKREP_OP_UNMAP, .length = m->page,
	};
	struct mkrep_serve s = { .size = sizeof(s) };
	int st = 0, sig;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		alarm(10);
		if (ioctl(m->fd, MKREP_IOC_OP, &o) != -1 || errno != EPERM)
			_exit(1);
		if (ioctl(m->fd, MKREP_IOC_SERVE, &s) != -1 || errno != EPERM)
			_exit(2);
		if (m->win) {
			sig = sigsetjmp(fault_jmp, 1);
			if (!sig)
				__atomic_load_n(m->win, __ATOMIC_RELAXED);
			if (sig != SIGSEGV)
				_exit(3);
		}
		_exit(0);
	}
	if (pid < 0)
		return;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	m->fz.calls++;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		member_bad(m, "a child acted as the member, or reached its window");
}

static void m_garbage(struct member *m)
{
	__u8 buf[128] = { 0 };
	unsigned int cmd;
	long ret;

	cmd = _IOC(pick(m, 4), MKCHAN_IOC_MAGIC, pick(m, 2) ? 0x40 + pick(m, 16) :
		   pick(m, 256), pick(m, sizeof(buf)));
	/* The other operations make those, whatever size cmd encodes. */
	if (mk_ioc_same(cmd, MKREP_IOC_JOIN) || mk_ioc_same(cmd, MKREP_IOC_OP) ||
	    mk_ioc_same(cmd, MKREP_IOC_SERVE) ||
	    mk_ioc_same(cmd, MKREP_IOC_SPACE_INFO))
		return;
	ret = ioctl(m->fd, cmd, buf);
	RESULT(m, ret, "unknown ioctl", ENOTTY);
}

static void member_main(struct fuzz *f, int slot, unsigned long serial,
			const struct space_slot *sp, int cpu)
{
	static void (*const ops[])(struct member *m) = {
		m_op, m_op, m_op, m_op, m_serve, m_serve, m_serve, m_serve,
		m_info, m_touch, m_touch, m_touch, m_window, m_join, m_child,
		m_garbage,
	};
	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };
	struct itimerval tick = { { 0, 20000 }, { 0, 20000 } };
	struct member m = {
		.f = f, .rep = &f->sh->kid[slot], .page = f->page,
		.fd = sp->fd, .npages = sp->npages, .cpu = cpu,
	};
	unsigned long steps;
	char who[32];

	snprintf(who, sizeof(who), "member %lu: ", serial);
	m.fz.who = who;
	mk_fuzz_seed(&m.fz, f->seed ^ (serial + 1) * 0x9e3779b97f4a7c15ULL);
	memset(m.rep, 0, sizeof(*m.rep));
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sa.sa_handler = on_alarm;
	sa.sa_flags = 0;	/* no SA_RESTART: a wait ends with EINTR */
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
	for (m.fz.ops = 0; m.fz.ops < steps; m.fz.ops++) {
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
	if (!pick(f, 16))
		c[0].__reserved[pick(f, 2)] = rnd(f);
	if (!pick(f, 6))
		arg = mess(&f->fz, c, sizeof(c), sizeof(c[0]));
	ret = ioctl(f->dev, MKREP_IOC_SPACE_CREATE, arg);
	RESULT(f, ret, "space create", EINVAL, E2BIG, EFAULT, ENOMEM, EMFILE);
	if (ret)
		return;
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
	c[0].flags = pick(f, 8) ? MKREP_COUNTER_CLOEXEC * pick(f, 2) : edgy(f);
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

static void counter_bad(struct fuzz *f, const char *what, int64_t got,
			int64_t want)
{
	f->fz.unexpected++;
	ksft_print_msg("op %llu: counter: %s %lld, should be %lld\n",
		       f->fz.ops, what, (long long)got, (long long)want);
}

/* Add, read and time a counter; only this process changes it. */
static void p_counter(struct fuzz *f)
{
	struct counter_slot *s = &f->counter[pick(f, MAX_COUNTERS)];
	union {
		struct mkrep_counter_add add;
		struct mkrep_counter_read rd;
		struct mkrep_counter_bench b;
		__u8 raw[128];
	} u = { .raw = { 0 } };
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
		/* Write-mostly local reads may be stale; the others not. */
		if (!ret && s->known && (u.rd.flags & MKREP_COUNTER_EXACT ||
					 s->mode == MKREP_COUNTER_READ_MOSTLY) &&
		    u.rd.value != s->value)
			counter_bad(f, "read", u.rd.value, s->value);
		break;
	case 2:
		u.b.size = sizeof(u.b);
		u.b.impl = pick(f, 8) ? pick(f, MKREP_NR_BENCH_IMPLS) : edgy(f);
		u.b.op = pick(f, 8) ? pick(f, MKREP_NR_BENCH_OPS) : edgy(f);
		u.b.iters = pick(f, 4) ? 1 + pick(f, 2048) : edgy(f);
		arg = mess(&f->fz, &u, sizeof(u), sizeof(u.b));
		ret = ioctl(s->fd, MKREP_IOC_COUNTER_BENCH, arg);
		RESULT(f, ret, "counter bench", EINVAL, E2BIG, EFAULT, EINTR);
		if (ret && errno == EINTR)
			s->known = false;
		if (ret || u.b.impl != MKREP_BENCH_REPLICATED)
			break;
		if (u.b.op == MKREP_BENCH_ADD)
			s->value += u.b.iters;
		if (s->known && u.b.op != MKREP_BENCH_READ &&
		    u.b.result != s->value)
			counter_bad(f, "bench", u.b.result, s->value);
		break;
	default:
		ret = ioctl(s->fd, _IOC(pick(f, 4), MKCHAN_IOC_MAGIC,
					0x40 + pick(f, 16), pick(f, 128)), &u);
		if (ret)	/* a real command with a random struct: no check */
			RESULT(f, ret, "unknown counter ioctl", ENOTTY, EINVAL,
			       E2BIG, EFAULT);
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
		struct mkrep_serve s;
		struct mkrep_space_info in;
		__u8 raw[128];
	} u = { .raw = { 0 } };
	void *p;
	long ret;

	if (!sp)
		return;
	switch (pick(f, 6)) {
	case 0:		/* not bound to one CPU */
		u.j.size = sizeof(u.j);
		u.j.cpu = pick(f, 4) ? f->cpus[pick(f, f->ncpus)] : edgy(f);
		ret = ioctl(sp->fd, MKREP_IOC_JOIN,
			    mess(&f->fz, &u, sizeof(u), sizeof(u.j)));
		RESULT(f, ret, "join unbound", EINVAL, E2BIG, EFAULT);
		break;
	case 1:
		u.o.size = sizeof(u.o);
		u.o.op = 1 + pick(f, 3);
		u.o.prot = u.o.op == MKREP_OP_UNMAP ? 0 : MKREP_PROT_READ;
		range(&f->fz, sp->npages, f->page, &u.o.offset, &u.o.length);
		ret = ioctl(sp->fd, MKREP_IOC_OP,
			    mess(&f->fz, &u, sizeof(u), sizeof(u.o)));
		RESULT(f, ret, "op of no member", EINVAL, E2BIG, EFAULT, EPERM);
		break;
	case 2:
		u.s.size = sizeof(u.s);
		u.s.flags = pick(f, 2) ? MKREP_SERVE_WAIT : 0;
		ret = ioctl(sp->fd, MKREP_IOC_SERVE,
			    mess(&f->fz, &u, sizeof(u), sizeof(u.s)));
		RESULT(f, ret, "serve of no member", EINVAL, E2BIG, EFAULT,
		       EPERM);
		break;
	case 3:
		u.in.size = sizeof(u.in);
		ret = ioctl(sp->fd, MKREP_IOC_SPACE_INFO,
			    mess(&f->fz, &u, sizeof(u), sizeof(u.in)));
		RESULT(f, ret, "space info", EINVAL, E2BIG, EFAULT);
		break;
	case 4:		/* only JOIN maps a window */
		p = mmap(NULL, pick(f, 4) ? sp->npages * f->page : edgy(f),
			 pick(f, 2) ? PROT_READ : PROT_READ | PROT_WRITE,
			 pick(f, 4) ? MAP_SHARED : MAP_PRIVATE, sp->fd,
			 pick(f, 4) ? 0 : (off_t)edgy(f) * f->page);
		RESULT(f, p == MAP_FAILED ? -1 : 0, "mmap of a space", EPERM,
		       EINVAL, ENOMEM, EOVERFLOW);
		if (p != MAP_FAILED) {
			f->fz.unexpected++;
			ksft_print_msg("op %llu: mmap of a space worked\n",
				       f->fz.ops);
			munmap(p, sp->npages * f->page);
		}
		break;
	default:
		ret = ioctl(pick(f, 2) ? sp->fd : f->dev,
			    _IOC(pick(f, 4), MKCHAN_IOC_MAGIC,
				 0x4a + pick(f, 0x36), pick(f, 128)), &u);
		RESULT(f, ret, "unknown ioctl", ENOTTY);
		break;
	}
}

/* Join for a moment on a CPU, maybe run an operation, and leave. */
static void p_join(struct fuzz *f)
{
	struct space_slot *sp = some_space(f);
	struct mkrep_join j = { .size = sizeof(j) };
	struct mkrep_op o = { .size = sizeof(o) };
	cpu_set_t all;
	long ret;
	int i;

	if (!sp)
		return;
	j.cpu = f->cpus[pick(f, f->ncpus)];
	if (mk_pin_cpu(j.cpu))
		return;
	ret = ioctl(sp->fd, MKREP_IOC_JOIN, &j);
	RESULT(f, ret, "join", EEXIST, ENODEV, ENOMEM);
	if (!ret) {
		f->joins++;
		if (pick(f, 2)) {
			o.op = 1 + pick(f, 3);
			o.prot = o.op == MKREP_OP_UNMAP ? 0 : MKREP_PROT_READ;
			range(&f->fz, sp->npages, f->page, &o.offset, &o.length);
			ret = ioctl(sp->fd, MKREP_IOC_OP, &o);
			RESULT(f, ret, "op", EINVAL, EEXIST, ENOMEM);
		}
		ret = munmap((void *)(uintptr_t)j.addr, j.length);
		RESULT(f, ret, "leave", EINVAL);
	}
	CPU_ZERO(&all);
	for (i = 0; i < f->ncpus; i++)
		CPU_SET(f->cpus[i], &all);
	sched_setaffinity(0, sizeof(all), &all);
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
	f->kids.served += r->served;
	f->kids.faults += r->faults;
	memset(r, 0, sizeof(*r));
	if (!killed && !(WIFEXITED(st) && !WEXITSTATUS(st))) {
		f->fz.unexpected++;
		ksft_print_msg("op %llu: member process %d ended with status %#x\n",
			       f->fz.ops, f->kid[i].pid, st);
	}
	f->kid[i].pid = 0;
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
	self->f.dev = open("/dev/mkrep", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->f.dev);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
				self->f.sock));
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
	put_away(&self->f);
	close(self->f.sock[0]);
	close(self->f.sock[1]);
	close(self->f.dev);
	munmap(self->f.sh, sizeof(*self->f.sh));
}

TEST_F_TIMEOUT(fuzz, random_operations, 7200)
{
	static void (*const ops[])(struct fuzz *f) = {
		p_query, p_space_create, p_space_create, p_counter_create,
		p_counter, p_counter, p_counter, p_outsider, p_outsider,
		p_join, p_handover, p_spawn, p_spawn, p_spawn, p_kill,
		p_reap, p_reap, p_hotplug,
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
	TH_LOG("%llu by this process, %llu by %lu member processes (%lu killed)",
	       mine, f->fz.ops - mine, f->serial, f->killed);
	TH_LOG("this process: %lu joins, %lu CPU hotplug cycles", f->joins,
	       f->hotplugs);
	TH_LOG("member processes: %lu joins, %lu ops done, %lu served, %lu faults",
	       f->kids.joined, f->kids.ops, f->kids.served, f->kids.faults);
	EXPECT_EQ(0, f->fz.unexpected)
		TH_LOG("replay: MKFUZZ_SEED=%llu", (unsigned long long)seed);
	EXPECT_LT(1000, f->fz.calls);
	EXPECT_EQ(0, mk_mkrep_count("spaces"));
	EXPECT_EQ(0, mk_mkrep_count("members"));
	EXPECT_EQ(0, mk_mkrep_count("pages"));
	EXPECT_EQ(0, mk_mkrep_count("counters"));
	EXPECT_EQ(0, mk_mkchan_count("channels"));
}

TEST_HARNESS_MAIN
