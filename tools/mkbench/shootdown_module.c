// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench shootdown, module: replicated page tables of mkrep.
 *
 * For each delivery strategy, member mode and k, a space of one page and
 * k member processes, one bound to each of the first k CPUs, each joined
 * to the space with mkrep_join(): a member fd and a window of its own,
 * hence a page table of its own, the replica.  The member on the first
 * CPU initiates: mkrep_op() unmaps (or protects) the page in every
 * replica, and says how each other member's replica was changed.  The
 * other members wait between operations as the member mode says:
 *
 *   poll     a loop in user space that checks mkrep_waiting() between
 *            units of its own work and calls mkrep_apply(): by message;
 *   epoll    asleep in epoll_wait() on the member fd (and on a pipe that
 *            wakes it for its own work), applying when it is woken;
 *   blocked  blocked in read() of a pipe: its address space runs on no
 *            CPU, so the initiator changes its replica itself, with no
 *            IPI (not running);
 *   busy     spinning in user space without ever checking: the
 *            initiator changes its replica itself once the space's bound
 *            has passed, with the kernel's flush, an IPI (fallback).
 *
 * Before each timed operation, untimed, the initiator maps the page again
 * (or makes it writable again) in every replica, asks every member to
 * write to it, so that every replica and TLB holds it, and waits until
 * each has; for epoll and blocked, also until each is asleep again.  The
 * request to write is a number in shared memory, and a byte on the
 * member's pipe for the members that sleep.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "shootdown.h"

#define SPACE_PAGES	1	/* the page measured */
/* The initiator that makes no progress for this long has hung. */
#define STALL_NS	(30ULL * 1000 * 1000 * 1000)
/* After a member shows asleep, the time its CPU takes to switch away. */
#define ASLEEP_NS	(10ULL * 1000)

const char *const sd_member_mode_name[SD_NR_MEMBER_MODES] = {
	[SD_MEMBER_POLL] = "poll",
	[SD_MEMBER_EPOLL] = "epoll",
	[SD_MEMBER_BLOCKED] = "blocked",
	[SD_MEMBER_BUSY] = "busy",
};

enum { T_UNMAP, T_PROTECT, NTIMED };

static const struct {
	const char *name, *label;
	unsigned int op, prot;
} timed[NTIMED] = {
	[T_UNMAP] = { "unmap", "UNMAP", MKREP_OP_UNMAP, 0 },
	[T_PROTECT] = { "protect", "PROTECT (read)", MKREP_OP_PROTECT,
			MKREP_PROT_READ },
};

static const char *const strategy_name[MKREP_NR_STRATEGIES] = {
	[MKREP_STRATEGY_UNICAST] = "unicast",
	[MKREP_STRATEGY_BROADCAST] = "broadcast",
	[MKREP_STRATEGY_TREE] = "tree",
};

struct member_state {
	unsigned long __aligned(128) touched;	/* wrote for this request */
	int ready;				/* joined: 1; failed: -errno */
	int pinned;				/* bound to its CPU: 1 */
	int err;				/* failed later: -errno */
	pid_t pid;
	char what[32];				/* ... in this call */
};

/* Shared by the processes of one space; the samples follow it. */
struct shared {
	unsigned long __aligned(128) touch_seq;	/* write for this request */
	int stop;				/* leave and exit */

	unsigned long __aligned(128) progress;	/* the initiator's operations */
	struct member_state m[MKBENCH_MAX_CPUS];
};

struct space {
	const struct sd_ctx *c;
	unsigned int k;
	enum sd_member_mode mode;
	int fd;
	pid_t parent;
	struct shared *sh;
	struct sd_meas *meas[NTIMED];
	size_t size;
	int (*pipe)[2];		/* the sleepers' wake-ups: k, or NULL */
	pid_t pid[MKBENCH_MAX_CPUS];
};

/* The initiator's view. */
struct init {
	struct space *sp;
	struct mkrep_replica *r;
	int *stat;		/* the members' /proc/PID/stat, or -1 */
	unsigned long nops;	/* operations it made */
	bool mapped;		/* the page is mapped */
};

static bool sleeps(enum sd_member_mode mode)
{
	return mode == SD_MEMBER_EPOLL || mode == SD_MEMBER_BLOCKED;
}

static int space_op(struct init *in, unsigned int op, unsigned int prot,
		    struct mkrep_op *out)
{
	return mkrep_op(in->r, op, prot, 0, in->sp->c->page_size, out);
}

/* Whether @o changed every other member's replica; said if not. */
static bool op_complete(struct init *in, const struct mkrep_op *o)
{
	if (o->members == in->sp->k - 1 && !o->removed)
		return true;
	fprintf(stderr,
		"mkbench: shootdown module: an operation changed %u of %u other replicas, %u members removed\n",
		o->members, in->sp->k - 1, o->removed);
	return false;
}

/* Wait until every other member joined (@ready) or wrote request @v. */
static int wait_members(struct init *in, bool ready, unsigned long v)
{
	struct shared *sh = in->sp->sh;
	uint64_t deadline = now_ns() + SD_TIMEOUT_NS;
	unsigned int i, spins = 0;

	for (i = 1; i < in->sp->k; i++) {
		for (;;) {
			if (ready ? load_acquire(&sh->m[i].ready) != 0 :
			    load_acquire(&sh->m[i].touched) >= v)
				break;
			if (load_acquire(&sh->m[i].err))
				return -1;	/* the parent says why */
			mkchan_cpu_relax();
			if (++spins % 4096 == 0 && now_ns() > deadline) {
				fprintf(stderr,
					"mkbench: shootdown module: the member on CPU %d %s\n",
					in->sp->c->o->cpus[i], ready ?
					"did not join" : "did not write to the page");
				return -1;
			}
		}
		if (ready && sh->m[i].ready < 0)
			return -1;
	}
	return 0;
}

/* The state letter of /proc/PID/stat (R, S, D, ...), or -1. */
static int proc_state(int fd)
{
	char buf[512], *p;
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : -1;
}

/* Wait until every other member sleeps (epoll, blocked). */
static int wait_asleep(struct init *in)
{
	uint64_t deadline = now_ns() + SD_TIMEOUT_NS, t;
	unsigned int i;
	int st;

	for (i = 1; i < in->sp->k; i++) {
		while ((st = proc_state(in->stat[i])) != 'S') {
			if (st < 0 || now_ns() > deadline) {
				fprintf(stderr,
					"mkbench: shootdown module: the member on CPU %d %s\n",
					in->sp->c->o->cpus[i], st < 0 ?
					"is gone" : "does not go to sleep");
				return -1;
			}
			mkchan_cpu_relax();
		}
	}
	t = now_ns() + ASLEEP_NS;
	while (now_ns() < t)
		mkchan_cpu_relax();
	return 0;
}

/* Wake every sleeping member for its own work (a request, or stop). */
static int wake_members(struct space *sp)
{
	unsigned int i;
	ssize_t n;

	if (!sp->pipe)
		return 0;
	for (i = 1; i < sp->k; i++) {
		do
			n = write(sp->pipe[i][1], "w", 1);
		while (n < 0 && errno == EINTR);
		if (n != 1) {
			sd_fail("module", "waking a member", n < 0 ? -errno : -EIO);
			return -1;
		}
	}
	return 0;
}

/* Map the page writable in every replica, and have every member write it. */
static int prepare(struct init *in)
{
	struct space *sp = in->sp;
	unsigned long seq = sp->sh->touch_seq + 1;
	struct mkrep_op o;
	int ret;

	ret = space_op(in, in->mapped ? MKREP_OP_PROTECT : MKREP_OP_MAP,
		       MKREP_PROT_READ | MKREP_PROT_WRITE, &o);
	if (ret) {
		sd_fail("module", in->mapped ? "MKREP_OP_PROTECT (read-write)" :
			"MKREP_OP_MAP", ret);
		return -1;
	}
	in->nops++;
	in->mapped = true;
	if (!op_complete(in, &o))
		return -1;
	sd_touch(in->r->window, 0, seq);
	store_release(&sp->sh->touch_seq, seq);
	if (wake_members(sp) || wait_members(in, false, seq))
		return -1;
	return sleeps(sp->mode) ? wait_asleep(in) : 0;
}

/* The space's counter of members woken, into *@v. */
static int read_wakeups(struct space *sp, uint64_t *v)
{
	struct mkrep_space_info info;
	int ret = mkrep_space_info(sp->fd, &info);

	if (ret)
		sd_fail("module", "MKREP_IOC_SPACE_INFO", ret);
	*v = info.wakeups;
	return ret;
}

static void add_paths(struct sd_meas *m, const struct mkrep_op *o,
		      uint64_t wakeups)
{
	m->path[SD_BY_MESSAGE] += o->by_message;
	m->path[SD_NOT_RUNNING] += o->not_running;
	m->path[SD_FALLBACK] += o->fallback;
	m->path[SD_POSTED] += o->posted;
	m->path[SD_WAKEUPS] += wakeups;
}

static int measure(struct init *in, int t)
{
	struct space *sp = in->sp;
	struct sd_meas *m = sp->meas[t];
	uint64_t before = 0, after = 0;
	struct mkrep_op o;
	struct sd_window w;
	unsigned long it;
	bool stop, keep;
	int err;

	sd_window_init(&w, m);
	for (it = 0; ; it++) {
		keep = it >= sp->c->warm;
		if (prepare(in) || (keep && read_wakeups(sp, &before)))
			goto fail;
		sd_begin(&w);
		err = space_op(in, timed[t].op, timed[t].prot, &o);
		stop = sd_end(&w, m, keep);
		if (err) {
			sd_fail("module", timed[t].label, err);
			goto fail;
		}
		in->nops++;
		in->mapped = t != T_UNMAP;
		__atomic_store_n(&sp->sh->progress, in->nops, __ATOMIC_RELAXED);
		if (!op_complete(in, &o))
			goto fail;
		if (keep) {
			if (read_wakeups(sp, &after))
				goto fail;
			add_paths(m, &o, after - before);
		}
		if (stop)
			break;
	}
	sd_window_fini(&w);
	return 0;
fail:
	sd_window_fini(&w);
	return -1;
}

/* The other members' /proc/PID/stat, to see them asleep. */
static int open_stats(struct init *in)
{
	struct space *sp = in->sp;
	char path[64];
	unsigned int i;

	in->stat = malloc(sp->k * sizeof(*in->stat));
	if (!in->stat) {
		sd_fail("module", "memory", -ENOMEM);
		return -1;
	}
	for (i = 0; i < sp->k; i++)
		in->stat[i] = -1;
	for (i = 1; i < sp->k; i++) {
		snprintf(path, sizeof(path), "/proc/%d/stat",
			 (int)sp->sh->m[i].pid);
		in->stat[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (in->stat[i] < 0) {
			sd_fail("module", path, -errno);
			return -1;
		}
	}
	return 0;
}

/* The member on the first CPU: measure, then let the others go. */
static int initiate(struct space *sp, struct mkrep_replica *r)
{
	struct init in = { .sp = sp, .r = r };
	unsigned int i;
	int t, ret;

	ret = wait_members(&in, true, 0);
	if (!ret && sleeps(sp->mode))
		ret = open_stats(&in);
	for (t = 0; t < NTIMED && !ret; t++)
		ret = measure(&in, t);
	store_release(&sp->sh->stop, 1);
	if (wake_members(sp))
		ret = -1;
	if (in.stat) {
		for (i = 1; i < sp->k; i++)
			if (in.stat[i] >= 0)
				close(in.stat[i]);
		free(in.stat);
	}
	return ret;
}

/* Member @i failed in @what with @err (-errno). */
static int member_fail(struct space *sp, unsigned int i, const char *what,
		       int err)
{
	struct member_state *ms = &sp->sh->m[i];

	snprintf(ms->what, sizeof(ms->what), "%s", what);
	store_release(&ms->err, err ? err : -EIO);
	return -1;
}

/*
 * A member's own work: write to the page when asked.  Whether it was
 * told to stop.
 */
static bool own_work(struct space *sp, unsigned int i,
		     const struct mkrep_replica *r, unsigned long *seen)
{
	unsigned long seq = load_acquire(&sp->sh->touch_seq);

	if (seq != *seen) {
		*seen = seq;
		sd_touch(r->window, i, seq);
		store_release(&sp->sh->m[i].touched, seq);
	}
	return load_acquire(&sp->sh->stop);
}

/* poll and busy: spin in user space, checking for requests if @check. */
static int member_spin(struct space *sp, unsigned int i,
		       const struct mkrep_replica *r, bool check)
{
	unsigned long seen = 0;
	int ret;

	while (!own_work(sp, i, r, &seen)) {
		if (check && mkrep_waiting(r)) {
			ret = mkrep_apply(r);
			if (ret < 0)
				return member_fail(sp, i, "MKREP_IOC_APPLY", ret);
		}
		mkchan_cpu_relax();
	}
	return 0;
}

/* blocked: in read() of the pipe, whatever waits for the replica. */
static int member_blocked(struct space *sp, unsigned int i,
			  const struct mkrep_replica *r)
{
	unsigned long seen = 0;
	ssize_t n;
	char b;

	while (!own_work(sp, i, r, &seen)) {
		n = read(sp->pipe[i][0], &b, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != 1)
			return member_fail(sp, i, "read", n < 0 ? -errno : -EPIPE);
	}
	return 0;
}

/* epoll: asleep on the member fd and the pipe. */
static int member_epoll(struct space *sp, unsigned int i,
			const struct mkrep_replica *r)
{
	struct epoll_event ev[2] = {
		{ .events = EPOLLIN, .data.u32 = 0 },
		{ .events = EPOLLIN, .data.u32 = 1 },
	};
	unsigned long seen = 0;
	int ep, n, e, ret = 0;
	char buf[64];

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return member_fail(sp, i, "epoll_create1", -errno);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, r->fd, &ev[0]) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, sp->pipe[i][0], &ev[1])) {
		ret = member_fail(sp, i, "epoll_ctl", -errno);
		goto out;
	}
	while (!own_work(sp, i, r, &seen)) {
		n = epoll_wait(ep, ev, ARRAY_SIZE(ev), -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = member_fail(sp, i, "epoll_wait", -errno);
			goto out;
		}
		for (e = 0; e < n; e++) {
			if (ev[e].data.u32) {
				if (read(sp->pipe[i][0], buf, sizeof(buf)) < 0 &&
				    errno != EINTR) {
					ret = member_fail(sp, i, "read", -errno);
					goto out;
				}
				continue;
			}
			if (ev[e].events & (EPOLLHUP | EPOLLERR)) {
				ret = member_fail(sp, i, "epoll: the member fd hung up",
						  -ENODEV);
				goto out;
			}
			ret = mkrep_apply(r);
			if (ret < 0) {
				ret = member_fail(sp, i, "MKREP_IOC_APPLY", ret);
				goto out;
			}
			ret = 0;
		}
	}
out:
	close(ep);
	return ret;
}

static noreturn void member_main(struct space *sp, unsigned int i)
{
	struct member_state *ms = &sp->sh->m[i];
	int cpu = sp->c->o->cpus[i], ret;
	struct mkrep_replica r;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != sp->parent)
		_exit(1);
	ms->pid = getpid();
	ret = pin_cpu(cpu);
	ms->pinned = !ret;
	if (!ret)
		ret = mkrep_join(sp->fd, cpu, &r);
	store_release(&ms->ready, ret ? ret : 1);
	if (ret)
		_exit(1);
	if (!i)
		ret = initiate(sp, &r);
	else if (sp->mode == SD_MEMBER_EPOLL)
		ret = member_epoll(sp, i, &r);
	else if (sp->mode == SD_MEMBER_BLOCKED)
		ret = member_blocked(sp, i, &r);
	else
		ret = member_spin(sp, i, &r, sp->mode == SD_MEMBER_POLL);
	mkrep_leave(&r);
	_exit(ret ? 1 : 0);
}

/* A space for @strategy, with its bound as the space says it in *@bound. */
static int space_create(const struct sd_ctx *c, int strategy, int *fd,
			uint64_t *bound)
{
	struct mkrep_space_info info;
	int dev, ret;

	dev = mkrep_open();
	if (dev < 0)
		return dev;
	ret = mkrep_space_create(dev, SPACE_PAGES * c->page_size, strategy,
				 c->o->bound_ns);
	close(dev);
	if (ret < 0)
		return ret;
	*fd = ret;
	*bound = 0;
	if (!mkrep_space_info(*fd, &info) &&
	    info.size >= MKREP_SPACE_INFO_SIZE_VER1)
		*bound = info.bound_ns;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * Wait for the initiator while it makes progress, then for the others;
 * kill whatever hangs.  0 when every member exited with 0.
 */
static int watch(struct space *sp, unsigned int forked)
{
	unsigned long progress = 0, p;
	uint64_t last = now_ns();
	unsigned int i, ms;
	int st, ret = 0;
	pid_t r;

	for (;;) {
		r = waitpid(sp->pid[0], &st, WNOHANG);
		if (r == sp->pid[0] || r < 0)
			break;
		sleep_ms(200);
		p = __atomic_load_n(&sp->sh->progress, __ATOMIC_RELAXED);
		if (p != progress) {
			progress = p;
			last = now_ns();
		} else if (now_ns() - last > STALL_NS) {
			sd_fail("module", "no progress for 30 s: killing the members", 0);
			for (i = 0; i < forked; i++)
				kill(sp->pid[i], SIGKILL);
		}
	}
	if (r < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		/* The others were not told to leave. */
		for (i = 1; i < forked; i++)
			kill(sp->pid[i], SIGKILL);
		ret = -1;
	}
	for (i = 1; i < forked; i++) {
		for (ms = 0; ms < 5000; ms += 10) {
			r = waitpid(sp->pid[i], &st, WNOHANG);
			if (r)
				break;
			sleep_ms(10);
		}
		if (!r) {
			kill(sp->pid[i], SIGKILL);
			r = waitpid(sp->pid[i], &st, 0);
		}
		if (r < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			ret = -1;
	}
	return ret;
}

/* Say what a member reported. */
static void member_errors(struct space *sp, unsigned int forked)
{
	struct member_state *ms;
	unsigned int i;

	for (i = 0; i < forked; i++) {
		ms = &sp->sh->m[i];
		if (ms->ready < 0)
			fprintf(stderr, "mkbench: shootdown module: CPU %d: %s: %s\n",
				sp->c->o->cpus[i], ms->pinned ?
				"MKREP_IOC_JOIN" : "binding to it", strerror(-ms->ready));
		if (ms->err)
			fprintf(stderr, "mkbench: shootdown module: CPU %d: %s: %s\n",
				sp->c->o->cpus[i], ms->what, strerror(-ms->err));
	}
}

static void close_pipes(struct space *sp, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		close(sp->pipe[i][0]);
		close(sp->pipe[i][1]);
	}
	free(sp->pipe);
	sp->pipe = NULL;
}

/* A wake-up pipe for each member that sleeps: 0 or -errno. */
static int open_pipes(struct space *sp)
{
	unsigned int i;
	int ret;

	if (!sleeps(sp->mode))
		return 0;
	sp->pipe = calloc(sp->k, sizeof(*sp->pipe));
	if (!sp->pipe)
		return -ENOMEM;
	for (i = 0; i < sp->k; i++) {
		if (pipe2(sp->pipe[i], O_CLOEXEC)) {
			ret = -errno;
			close_pipes(sp, i);
			return ret;
		}
	}
	return 0;
}

/* Record both operations of @sp, as variants of @strategy and its mode. */
static void record(struct space *sp, int strategy)
{
	const char *mode = sd_member_mode_name[sp->mode];
	char variant[48], label[48];
	int t;

	for (t = 0; t < NTIMED; t++) {
		snprintf(variant, sizeof(variant), "module-%s-%s-%s",
			 strategy_name[strategy], mode, timed[t].name);
		snprintf(label, sizeof(label), "%s, %s, %s",
			 strategy_name[strategy], mode, timed[t].label);
		sd_record(sp->c, variant, label, sp->k, sp->meas[t]);
	}
}

/* Both operations with @strategy and @mode on the first @k CPUs. */
static int run_space(const struct sd_ctx *c, int strategy,
		     enum sd_member_mode mode, unsigned int k)
{
	size_t head = (sizeof(struct shared) + 127) & ~127UL;
	size_t each = (sd_meas_size(c->iters) + 127) & ~127UL;
	struct space sp = {
		.c = c, .k = k, .mode = mode, .parent = getpid(),
	};
	unsigned int i, forked;
	uint64_t bound;
	void *map;
	int t, ret;

	ret = space_create(c, strategy, &sp.fd, &bound);
	if (ret) {
		sd_fail("module", "MKREP_IOC_SPACE_CREATE", ret);
		return -1;
	}
	ret = open_pipes(&sp);
	if (ret) {
		sd_fail("module", "pipe2", ret);
		close(sp.fd);
		return -1;
	}
	sp.size = head + NTIMED * each;
	map = mmap(NULL, sp.size, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		sd_fail("module", "shared memory", -errno);
		if (sp.pipe)
			close_pipes(&sp, k);
		close(sp.fd);
		return -1;
	}
	sp.sh = map;
	for (t = 0; t < NTIMED; t++) {
		sp.meas[t] = (struct sd_meas *)((char *)map + head + t * each);
		sd_meas_init(sp.meas[t], c->iters);
		sp.meas[t]->has_path = true;
		sp.meas[t]->bound_ns = bound;
	}

	fflush(stdout);
	for (forked = 0; forked < k; forked++) {
		sp.pid[forked] = fork();
		if (sp.pid[forked] < 0) {
			sd_fail("module", "fork", -errno);
			break;
		}
		if (!sp.pid[forked])
			member_main(&sp, forked);
	}
	if (forked < k) {
		for (i = 0; i < forked; i++)
			kill(sp.pid[i], SIGKILL);
	}
	ret = forked ? watch(&sp, forked) : -1;
	member_errors(&sp, forked);
	record(&sp, strategy);
	munmap(map, sp.size);
	if (sp.pipe)
		close_pipes(&sp, k);
	close(sp.fd);
	return ret;
}

int sd_module_available(bool asked)
{
	struct mkrep_query q = { .size = sizeof(q) };
	char why[160];

	if (!module_probe(&q, MKREP_FEAT_SPACE,
			  "make bench runs this mode in the test guest",
			  "the loaded mkrep has no replicated page tables",
			  why, sizeof(why))) {
		if (q.abi_version != MKREP_ABI_VERSION)
			snprintf(why, sizeof(why),
				 "the loaded mkrep has ABI version %u, this mkbench %u",
				 q.abi_version, MKREP_ABI_VERSION);
		else if (q.max_space_pages < SPACE_PAGES)
			snprintf(why, sizeof(why),
				 "mkrep's max_space_pages is below %d",
				 SPACE_PAGES);
	}
	return module_skip("shootdown", asked, why);
}

int sd_module(const struct sd_ctx *c, bool asked)
{
	static const int order[] = {
		MKREP_STRATEGY_UNICAST, MKREP_STRATEGY_BROADCAST,
		MKREP_STRATEGY_TREE,
	};
	unsigned int modes = c->o->member_modes, k, s, m;
	int ret = 0;

	if (sd_module_available(asked))
		return 1;
	if (!modes)
		modes = (1U << SD_NR_MEMBER_MODES) - 1;
	for (s = 0; s < ARRAY_SIZE(order) && !ret; s++) {
		for (m = 0; m < SD_NR_MEMBER_MODES && !ret; m++) {
			if (!(modes & (1U << m)))
				continue;
			for (k = 1; k <= c->o->ncpus && !ret; k++)
				ret = run_space(c, order[s], m, k);
		}
	}
	return ret;
}
