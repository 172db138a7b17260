// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench shootdown, module: replicated page tables of mkrep.
 *
 * For each delivery strategy and k, a space of a few pages and k member
 * processes, one bound to each of the first k CPUs, each joined to the
 * space (its own window, its own page table: the replica).  The member on
 * the first CPU initiates: MKREP_IOC_OP with MKREP_SPIN unmaps (or
 * protects) page 0 in every replica through mkchan messages; the others
 * serve with MKREP_IOC_SERVE and MKREP_SPIN, polling in the kernel, each
 * flushing its own TLB only.
 *
 * Before each timed operation, untimed, the initiator maps the page again
 * (or makes it writable again) and every member writes to it, so that
 * every replica and TLB holds it.  A member learns that it should write
 * from the count of requests it served: the initiator posts "write after
 * request number N" in shared memory before it sends request N, and waits
 * for every member to say it wrote.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "shootdown.h"

#define SPACE_PAGES	4	/* page 0 is measured; page 1 is never mapped */
/* The initiator that makes no progress for this long has hung. */
#define STALL_NS	(30ULL * 1000 * 1000 * 1000)

enum { T_UNMAP, T_PROTECT, NTIMED };

static const struct {
	const char *name, *label;
} timed[NTIMED] = {
	[T_UNMAP] = { "unmap", "MKREP_OP_UNMAP" },
	[T_PROTECT] = { "protect", "MKREP_OP_PROTECT (read)" },
};

static const char *const strategy_name[MKREP_NR_STRATEGIES] = {
	[MKREP_STRATEGY_UNICAST] = "unicast",
	[MKREP_STRATEGY_BROADCAST] = "broadcast",
	[MKREP_STRATEGY_TREE] = "tree",
};

struct member_state {
	unsigned long __aligned(128) touched;	/* wrote after this request */
	int ready;				/* joined: 1; failed: -errno */
	int pinned;				/* bound to its CPU: 1 */
	int err;				/* serving failed: -errno */
};

/* Shared by the processes of one space; the samples follow it. */
struct shared {
	unsigned long __aligned(128) touch_at;	/* write after request N */
	int stop;				/* exit after the next request */

	unsigned long __aligned(128) progress;	/* the initiator's operations */
	struct member_state m[MKBENCH_MAX_CPUS];
};

struct space {
	const struct sd_ctx *c;
	unsigned int k;
	int fd;
	pid_t parent;
	struct shared *sh;
	struct sd_meas *meas[NTIMED];
	size_t size;
	pid_t pid[MKBENCH_MAX_CPUS];
};

/* The initiator's view. */
struct init {
	struct space *sp;
	char *win;
	unsigned long nops;	/* operations it made */
	bool mapped;		/* page 0 is mapped */
};

static int space_op(struct space *sp, unsigned int op, unsigned int prot,
		    unsigned int page, unsigned int *acked)
{
	struct mkrep_op o = {
		.size = sizeof(o),
		.flags = MKREP_SPIN,
		.op = op,
		.prot = prot,
		.offset = (uint64_t)page * sp->c->page_size,
		.length = sp->c->page_size,
	};

	if (ioctl(sp->fd, MKREP_IOC_OP, &o))
		return -errno;
	if (acked)
		*acked = o.acked;
	return 0;
}

/* Wait until every other member's @field reaches @v (or fails). */
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

/* Map page 0 writable in every replica, and have every member write it. */
static int prepare(struct init *in)
{
	struct space *sp = in->sp;
	unsigned long at = in->nops + 1;
	int ret;

	store_release(&sp->sh->touch_at, at);
	ret = space_op(sp, in->mapped ? MKREP_OP_PROTECT : MKREP_OP_MAP,
		       MKREP_PROT_READ | MKREP_PROT_WRITE, 0, NULL);
	if (ret) {
		sd_fail("module", in->mapped ? "MKREP_OP_PROTECT (read-write)" :
			"MKREP_OP_MAP", ret);
		return -1;
	}
	in->nops++;
	in->mapped = true;
	sd_touch(in->win, 0, at);
	return wait_members(in, false, at);
}

static int measure(struct init *in, int t)
{
	struct space *sp = in->sp;
	struct sd_meas *m = sp->meas[t];
	unsigned int acked = 0;
	struct sd_window w;
	unsigned long it;
	bool stop;
	int err;

	sd_window_init(&w, m);
	for (it = 0; ; it++) {
		if (prepare(in))
			goto fail;
		sd_begin(&w);
		if (t == T_UNMAP)
			err = space_op(sp, MKREP_OP_UNMAP, 0, 0, &acked);
		else
			err = space_op(sp, MKREP_OP_PROTECT, MKREP_PROT_READ, 0,
				       &acked);
		stop = sd_end(&w, m, it >= sp->c->warm);
		if (err) {
			sd_fail("module", timed[t].label, err);
			goto fail;
		}
		in->nops++;
		in->mapped = t != T_UNMAP;
		__atomic_store_n(&sp->sh->progress, in->nops, __ATOMIC_RELAXED);
		if (acked != sp->k) {
			fprintf(stderr,
				"mkbench: shootdown module: %u of %u replicas acknowledged\n",
				acked, sp->k);
			goto fail;
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

/* The member on the first CPU: measure, then let the others go. */
static int initiate(struct space *sp, char *win)
{
	struct init in = { .sp = sp, .win = win };
	int t, ret;

	ret = wait_members(&in, true, 0);
	for (t = 0; t < NTIMED && !ret; t++)
		ret = measure(&in, t);
	/* Every member leaves after the next request: one that changes nothing. */
	store_release(&sp->sh->stop, 1);
	if (!ret)
		ret = space_op(sp, MKREP_OP_UNMAP, 0, 1, NULL);
	return ret;
}

static noreturn void serve(struct space *sp, unsigned int i, char *win)
{
	struct member_state *ms = &sp->sh->m[i];
	unsigned long served = 0, at;
	struct mkrep_serve s;

	for (;;) {
		memset(&s, 0, sizeof(s));
		s.size = sizeof(s);
		s.flags = MKREP_SPIN;
		if (ioctl(sp->fd, MKREP_IOC_SERVE, &s)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			store_release(&ms->err, -errno);
			_exit(1);
		}
		served += s.served;
		if (load_acquire(&sp->sh->stop))
			_exit(0);
		at = load_acquire(&sp->sh->touch_at);
		if (served >= at && ms->touched < at) {
			sd_touch(win, i, at);
			store_release(&ms->touched, at);
		}
	}
}

static noreturn void member_main(struct space *sp, unsigned int i)
{
	struct member_state *ms = &sp->sh->m[i];
	int cpu = sp->c->o->cpus[i], ret;
	struct mkrep_join j = {
		.size = sizeof(j),
		.cpu = cpu,
	};

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != sp->parent)
		_exit(1);
	ret = pin_cpu(cpu);
	ms->pinned = !ret;
	if (!ret && ioctl(sp->fd, MKREP_IOC_JOIN, &j))
		ret = -errno;
	store_release(&ms->ready, ret ? ret : 1);
	if (ret)
		_exit(1);
	if (!i)
		_exit(initiate(sp, (char *)(uintptr_t)j.addr) ? 1 : 0);
	serve(sp, i, (char *)(uintptr_t)j.addr);
}

static int space_create(int strategy, long page_size, int *fd)
{
	struct mkrep_space_create sc = {
		.size = sizeof(sc),
		.flags = MKREP_SPACE_CLOEXEC,
		.length = SPACE_PAGES * page_size,
		.strategy = strategy,
	};
	int dev, ret = 0;

	dev = open(MKREP_DEVICE, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	if (ioctl(dev, MKREP_IOC_SPACE_CREATE, &sc))
		ret = -errno;
	else
		*fd = sc.fd;
	close(dev);
	return ret;
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
			fprintf(stderr, "mkbench: shootdown module: CPU %d: MKREP_IOC_SERVE: %s\n",
				sp->c->o->cpus[i], strerror(-ms->err));
	}
}

/* Both operations with @strategy on the first @k CPUs. */
static int run_space(const struct sd_ctx *c, int strategy, unsigned int k)
{
	size_t head = (sizeof(struct shared) + 127) & ~127UL;
	size_t each = (sd_meas_size(c->iters) + 127) & ~127UL;
	struct space sp = { .c = c, .k = k, .parent = getpid() };
	char variant[48], label[48];
	unsigned int i, forked;
	void *map;
	int t, ret;

	ret = space_create(strategy, c->page_size, &sp.fd);
	if (ret) {
		sd_fail("module", "MKREP_IOC_SPACE_CREATE", ret);
		return -1;
	}
	sp.size = head + NTIMED * each;
	map = mmap(NULL, sp.size, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		sd_fail("module", "shared memory", -errno);
		close(sp.fd);
		return -1;
	}
	sp.sh = map;
	for (t = 0; t < NTIMED; t++) {
		sp.meas[t] = (struct sd_meas *)((char *)map + head + t * each);
		sd_meas_init(sp.meas[t], c->iters);
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
	for (t = 0; t < NTIMED; t++) {
		snprintf(variant, sizeof(variant), "module-%s-%s",
			 strategy_name[strategy], timed[t].name);
		snprintf(label, sizeof(label), "%s, %s",
			 strategy_name[strategy], timed[t].label);
		sd_record(c, variant, label, k, sp.meas[t]);
	}
	munmap(map, sp.size);
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
			  why, sizeof(why)) &&
	    q.max_space_pages < SPACE_PAGES)
		snprintf(why, sizeof(why), "mkrep's max_space_pages is below %d",
			 SPACE_PAGES);
	return module_skip("shootdown", asked, why);
}

int sd_module(const struct sd_ctx *c, bool asked)
{
	static const int order[] = {
		MKREP_STRATEGY_UNICAST, MKREP_STRATEGY_BROADCAST,
		MKREP_STRATEGY_TREE,
	};
	unsigned int k, s;
	int ret = 0;

	if (sd_module_available(asked))
		return 1;
	for (s = 0; s < ARRAY_SIZE(order) && !ret; s++)
		for (k = 1; k <= c->o->ncpus && !ret; k++)
			ret = run_space(c, order[s], k);
	return ret;
}
