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
 * This file makes the spaces, forks the members and watches them; the
 * initiator is in shootdown_module_initiator.c, the members' loops in
 * shootdown_module_member.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "shootdown_module.h"

#define SPACE_PAGES	1	/* the page measured */
/* The initiator that makes no progress for this long has hung. */
#define STALL_NS	(30ULL * 1000 * 1000 * 1000)

const char *const sd_member_mode_name[SD_NR_MEMBER_MODES] = {
	[SD_MEMBER_POLL] = "poll",
	[SD_MEMBER_EPOLL] = "epoll",
	[SD_MEMBER_BLOCKED] = "blocked",
	[SD_MEMBER_BUSY] = "busy",
};

const struct sd_module_timed sd_module_ops[NTIMED] = {
	[T_UNMAP] = { "unmap", "UNMAP", MKREP_OP_UNMAP, 0 },
	[T_PROTECT] = { "protect", "PROTECT (read)", MKREP_OP_PROTECT,
			MKREP_PROT_READ },
};

static const char *const strategy_name[MKREP_NR_STRATEGIES] = {
	[MKREP_STRATEGY_UNICAST] = "unicast",
	[MKREP_STRATEGY_BROADCAST] = "broadcast",
	[MKREP_STRATEGY_TREE] = "tree",
};

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
			 strategy_name[strategy], mode, sd_module_ops[t].name);
		snprintf(label, sizeof(label), "%s, %s, %s",
			 strategy_name[strategy], mode, sd_module_ops[t].label);
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
			sd_module_member(&sp, forked);
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
