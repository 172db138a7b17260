// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench shootdown, native with processes: Linux's shootdown for the
 * topology of an mkrep space.
 *
 * k single-threaded processes, each bound to a CPU of its own and each
 * with its own shared mapping of one memfd page, hence its own page table
 * and its own TLB entry for the page, as the members of a space and the
 * processes of the shm mode have.  All of them write the page; then the
 * first one punches it out of the file (fallocate(FALLOC_FL_PUNCH_HOLE)),
 * and Linux removes it from every process's page table and flushes the
 * TLB of every CPU that runs one of them, with an IPI, before the system
 * call returns.  The other processes spin in user space meanwhile.
 *
 * mprotect() and munmap() have no equivalent here: each changes the
 * caller's own mapping only, which no other CPU has in its TLB.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shootdown.h"

#define MODE		"native-procs"
#define CMD_TOUCH	1
#define CMD_EXIT	2

/* One process's mailbox, on lines of its own, in memory all of them share. */
struct member {
	unsigned int __aligned(128) done;	/* the last command finished */
	int ready;				/* 1, or -errno */
	int cpu;
};

struct control {
	unsigned int __aligned(128) seq;	/* commands posted */
	int cmd;
	struct member m[];			/* m[1 .. k - 1] */
};

struct group {
	struct control *ctl;	/* MAP_SHARED, inherited by the members */
	size_t ctl_size;
	pid_t *pid;		/* pid[1 .. k - 1]; 0: reaped */
	struct sd_page pg;	/* the first process's own mapping */
	unsigned int k;
	int memfd;
};

struct touch_arg {
	struct sd_page *pg;
	unsigned int index;
};

/* A command of a member: write its line of the page. */
static void touch(void *arg, unsigned int seq)
{
	struct touch_arg *t = arg;

	sd_touch(t->pg->page, t->index, seq);
}

static noreturn void member_main(struct group *g, unsigned int i,
				 pid_t parent)
{
	struct member *m = &g->ctl->m[i];
	struct touch_arg t = { .index = i };
	struct sd_page pg;
	int ret;

	/* Never outlive the first process, whatever happens to it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	ret = sd_page_init(&pg, g->memfd);
	if (ret) {
		store_release(&m->ready, ret);
		_exit(1);
	}
	t.pg = &pg;
	worker_loop(m->cpu, &m->ready, &m->done, &g->ctl->seq, &g->ctl->cmd,
		    CMD_EXIT, touch, &t);
	_exit(0);
}

/* Post @cmd to every member; for CMD_TOUCH, wait until all did it. */
static int post(struct group *g, int cmd)
{
	unsigned int i, seq = g->ctl->seq + 1;
	uint64_t deadline = 0;
	unsigned long spins = 0;

	g->ctl->cmd = cmd;
	store_release(&g->ctl->seq, seq);
	if (cmd != CMD_TOUCH)
		return 0;
	for (i = 1; i < g->k; i++) {
		while (load_acquire(&g->ctl->m[i].done) != seq) {
			mkchan_cpu_relax();
			if (++spins % 4096)
				continue;
			if (!deadline) {
				deadline = now_ns() + SD_TIMEOUT_NS;
			} else if (now_ns() > deadline) {
				fprintf(stderr, "mkbench: shootdown %s: CPU %d does not answer\n",
					MODE, g->ctl->m[i].cpu);
				return -1;
			}
		}
	}
	return 0;
}

/* Wait until every member said it runs on its CPU: 0 or -1 (said). */
static int members_ready(struct group *g)
{
	struct member *m;
	unsigned int i;

	for (i = 1; i < g->k; i++) {
		m = &g->ctl->m[i];
		while (!load_acquire(&m->ready)) {
			if (waitpid(g->pid[i], NULL, WNOHANG) == g->pid[i]) {
				g->pid[i] = 0;
				sd_fail(MODE, "a process died", 0);
				return -1;
			}
			mkchan_cpu_relax();
		}
		if (m->ready < 0) {
			fprintf(stderr, "mkbench: shootdown %s: CPU %d: %s\n",
				MODE, m->cpu, strerror(-m->ready));
			return -1;
		}
	}
	return 0;
}

/* Stop the members: an exit for each when @ok, else SIGKILL. */
static int end_members(struct group *g, unsigned int forked, bool ok)
{
	unsigned int i;
	int st, ret = 0;

	if (ok)
		post(g, CMD_EXIT);
	for (i = 1; i < forked; i++) {
		if (!g->pid[i]) {
			ret = -1;	/* died, and reaped */
			continue;
		}
		if (!ok)
			kill(g->pid[i], SIGKILL);
		if (waitpid(g->pid[i], &st, 0) < 0 ||
		    !WIFEXITED(st) || WEXITSTATUS(st))
			ret = -1;
	}
	return ok && !ret ? 0 : -1;
}

static int measure(const struct sd_ctx *c, struct group *g,
		   struct sd_meas *m)
{
	struct sd_window w;
	unsigned long it;
	int ret = 0;

	sd_meas_init(m, c->iters);
	sd_window_init(&w, m);
	for (it = 0; ; it++) {
		/* The page comes back on the first write after the punch. */
		sd_touch(g->pg.page, 0, it);
		if (post(g, CMD_TOUCH)) {
			ret = -1;
			break;
		}
		sd_begin(&w);
		if (fallocate(g->memfd, FALLOC_FL_PUNCH_HOLE |
			      FALLOC_FL_KEEP_SIZE, 0, g->pg.size)) {
			sd_fail(MODE, "fallocate(FALLOC_FL_PUNCH_HOLE)", -errno);
			ret = -1;
		}
		if (sd_end(&w, m, it >= c->warm) || ret)
			break;
	}
	sd_window_fini(&w);
	return ret;
}

static int setup(struct group *g)
{
	g->pid = calloc(g->k, sizeof(*g->pid));
	if (!g->pid)
		return -ENOMEM;
	g->ctl_size = sizeof(*g->ctl) + g->k * sizeof(g->ctl->m[0]);
	g->ctl = mmap(NULL, g->ctl_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g->ctl == MAP_FAILED) {
		g->ctl = NULL;
		return -errno;
	}
	g->memfd = memfd_create("mkbench-shootdown-procs", MFD_CLOEXEC);
	if (g->memfd < 0)
		return -errno;
	if (ftruncate(g->memfd, sysconf(_SC_PAGESIZE)))
		return -errno;
	return sd_page_init(&g->pg, g->memfd);
}

static void free_group(struct group *g)
{
	sd_page_fini(&g->pg);
	if (g->memfd >= 0)
		close(g->memfd);
	if (g->ctl)
		munmap(g->ctl, g->ctl_size);
	free(g->pid);
}

/* The punch on the first @k CPUs, the caller on the first. */
static int run_group(const struct sd_ctx *c, unsigned int k,
		     struct sd_meas *m, void *arg)
{
	struct group g = { .k = k, .memfd = -1 };
	pid_t parent = getpid();
	unsigned int i, forked = 1;
	int ret;

	(void)arg;
	ret = setup(&g);
	if (ret) {
		sd_fail(MODE, "the page", ret);
		free_group(&g);
		return -1;
	}
	fflush(stdout);
	for (i = 1; i < k; i++, forked++) {
		g.ctl->m[i].cpu = c->o->cpus[i];
		g.pid[i] = fork();
		if (g.pid[i] < 0) {
			sd_fail(MODE, "fork", -errno);
			break;
		}
		if (!g.pid[i])
			member_main(&g, i, parent);
	}
	ret = forked < k ? -1 : members_ready(&g);
	if (!ret) {
		ret = measure(c, &g, m);
		sd_record(c, "native-procs-punch",
			  "processes, fallocate(PUNCH_HOLE)", k, m);
	}
	if (end_members(&g, forked, !ret) && !ret) {
		sd_fail(MODE, "a process failed", 0);
		ret = -1;
	}
	free_group(&g);
	return ret;
}

int sd_native_procs(const struct sd_ctx *c)
{
	return sd_each_k(c, MODE, run_group, NULL);
}
