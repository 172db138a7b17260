// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench shootdown, native: k threads of one process, each bound to a
 * CPU of its own, all writing to one anonymous page; the first thread
 * (the caller, on the first CPU) unmaps or protects it, and Linux flushes
 * the TLB of every other CPU that runs the process with an IPI before the
 * system call returns.  The other threads spin in user space meanwhile, on
 * their CPUs, as the members of the other modes do.
 *
 * The same over an mkrep space (sd_native_space()): the process is the
 * space's one member, its first thread joined on the first CPU; its other
 * threads write to the window, and the first one's mkrep_op() unmaps or
 * protects the page: no other member, so the module changes the one
 * replica with the kernel's flush - Linux's IPI shootdown of the one page
 * table, in the same code path as the replicated one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "shootdown.h"

enum { CMD_TOUCH = 1, CMD_EXIT };

struct group;

struct worker {
	unsigned int __aligned(128) done;	/* the last command finished */
	int ready;				/* 1, or -errno */
	int cpu;
	unsigned int index;
	struct group *g;
	pthread_t thread;
};

struct group {
	unsigned int __aligned(128) seq;	/* commands posted */
	int cmd;
	struct sd_page pg;
	int space;				/* the space, or -1 */
	struct mkrep_replica r;			/* its one member, the caller */
	unsigned int k;
	struct worker *w;			/* w[1 .. k - 1] */
};

static const struct {
	const char *variant, *label;
} ops[SD_NOPS] = {
	[SD_MADVISE] = { "native-madvise", "madvise(MADV_DONTNEED)" },
	[SD_MUNMAP] = { "native-munmap", "munmap" },
	[SD_MPROTECT] = { "native-mprotect", "mprotect(PROT_READ)" },
};

static const struct {
	const char *variant, *label;
} space_ops[SD_NOPS] = {
	[SD_MADVISE] = { "space-threads-unmap", "MKREP_OP_UNMAP" },
	[SD_MPROTECT] = { "space-threads-protect", "MKREP_OP_PROTECT (read)" },
};

static int space_op(struct group *g, unsigned int op, unsigned int prot)
{
	return mkrep_op(&g->r, op, prot, 0, g->pg.size, NULL);
}

/* The page mapped and writable in the space, as sd_page_ready() does. */
static int space_ready(struct group *g)
{
	int ret = 0;

	if (!g->pg.mapped)
		ret = space_op(g, MKREP_OP_MAP, MKREP_PROT_READ | MKREP_PROT_WRITE);
	else if (g->pg.ro)
		ret = space_op(g, MKREP_OP_PROTECT,
			       MKREP_PROT_READ | MKREP_PROT_WRITE);
	if (ret)
		return ret;
	g->pg.mapped = true;
	g->pg.ro = false;
	sd_touch(g->pg.page, 0, 1);
	return 0;
}

static int space_page_op(struct group *g, enum sd_op op)
{
	if (op == SD_MPROTECT) {
		g->pg.ro = true;
		return space_op(g, MKREP_OP_PROTECT, MKREP_PROT_READ);
	}
	g->pg.mapped = false;
	return space_op(g, MKREP_OP_UNMAP, 0);
}

/* A space of one page, joined by the caller (bound to its first CPU). */
static int space_init(const struct sd_ctx *c, struct group *g)
{
	int dev, ret;

	dev = mkrep_open();
	if (dev < 0)
		return dev;
	ret = mkrep_space_create(dev, c->page_size, MKREP_STRATEGY_BROADCAST,
				 c->o->bound_ns);
	close(dev);
	if (ret < 0)
		return ret;
	g->space = ret;
	ret = mkrep_join(g->space, c->o->cpus[0], &g->r);
	if (ret) {
		close(g->space);
		g->space = -1;
		return ret;
	}
	g->pg.page = g->r.window;
	g->pg.size = c->page_size;
	return 0;
}

static void space_fini(struct group *g)
{
	mkrep_leave(&g->r);
	close(g->space);
}

/* A command of the worker @arg: write the page. */
static void touch(void *arg, unsigned int seq)
{
	struct worker *w = arg;

	sd_touch(w->g->pg.page, w->index, seq);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	worker_loop(w->cpu, &w->ready, &w->done, &w->g->seq, &w->g->cmd,
		    CMD_EXIT, touch, w);
	return NULL;
}

/* Post @cmd to every worker; for CMD_TOUCH, wait until all did it. */
static void post(struct group *g, int cmd)
{
	unsigned int i, seq = g->seq + 1;

	g->cmd = cmd;
	store_release(&g->seq, seq);
	if (cmd != CMD_TOUCH)
		return;
	for (i = 1; i < g->k; i++)
		while (load_acquire(&g->w[i].done) != seq)
			mkchan_cpu_relax();
}

static void stop_workers(struct group *g, unsigned int started)
{
	unsigned int i;

	post(g, CMD_EXIT);
	for (i = 1; i < started; i++)
		pthread_join(g->w[i].thread, NULL);
}

static int start_workers(const struct sd_ctx *c, struct group *g)
{
	unsigned int i;
	int ret;

	for (i = 1; i < g->k; i++) {
		g->w[i].g = g;
		g->w[i].index = i;
		g->w[i].cpu = c->o->cpus[i];
		ret = pthread_create(&g->w[i].thread, NULL, worker_main,
				     &g->w[i]);
		if (ret) {
			stop_workers(g, i);
			sd_fail("native", "pthread_create", -ret);
			return -1;
		}
	}
	for (i = 1; i < g->k; i++) {
		while (!load_acquire(&g->w[i].ready))
			mkchan_cpu_relax();
		if (g->w[i].ready < 0) {
			fprintf(stderr, "mkbench: shootdown native: cannot run on CPU %d: %s\n",
				g->w[i].cpu, strerror(-g->w[i].ready));
			stop_workers(g, g->k);
			return -1;
		}
	}
	return 0;
}

static int measure(const struct sd_ctx *c, struct group *g, enum sd_op op,
		   struct sd_meas *m)
{
	struct sd_window w;
	unsigned long it;
	int ret = 0;

	sd_meas_init(m, c->iters);
	sd_window_init(&w, m);
	for (it = 0; ; it++) {
		ret = g->space >= 0 ? space_ready(g) :
		      sd_page_ready(&g->pg, 0, it);
		if (ret) {
			sd_fail("native", "mapping the page again", ret);
			break;
		}
		post(g, CMD_TOUCH);
		sd_begin(&w);
		ret = g->space >= 0 ? space_page_op(g, op) :
		      sd_page_op(&g->pg, op);
		if (sd_end(&w, m, it >= c->warm) || ret)
			break;
	}
	if (ret)
		sd_fail("native", g->space >= 0 ? space_ops[op].label :
			ops[op].label, ret);
	sd_window_fini(&w);
	return ret;
}

/* Every operation on the first @k CPUs, over a space if *@arg. */
static int run_group(const struct sd_ctx *c, unsigned int k,
		     struct sd_meas *m, void *arg)
{
	bool space = *(bool *)arg;
	struct group *g;
	int op, ret;

	g = aligned_alloc(128, (sizeof(*g) + 127) & ~127UL);
	if (!g) {
		sd_fail("native", "memory", -ENOMEM);
		return -1;
	}
	memset(g, 0, sizeof(*g));
	g->k = k;
	g->space = -1;
	g->w = aligned_alloc(128, k * sizeof(*g->w));
	if (!g->w)
		ret = -ENOMEM;
	else
		ret = space ? space_init(c, g) : sd_page_init(&g->pg, -1);
	if (ret) {
		sd_fail("native", space ? "the space" : "the page", ret);
		free(g->w);
		free(g);
		return -1;
	}
	memset(g->w, 0, k * sizeof(*g->w));
	ret = start_workers(c, g);
	if (!ret) {
		for (op = 0; op < SD_NOPS && !ret; op++) {
			if (space && !space_ops[op].variant)
				continue;
			ret = measure(c, g, op, m);
			sd_record(c, space ? space_ops[op].variant :
				  ops[op].variant,
				  space ? space_ops[op].label : ops[op].label,
				  k, m);
		}
		stop_workers(g, k);
	}
	if (space)
		space_fini(g);
	else
		sd_page_fini(&g->pg);
	free(g->w);
	free(g);
	return ret ? -1 : 0;
}

int sd_native(const struct sd_ctx *c)
{
	bool space = false;

	return sd_each_k(c, "native", run_group, &space);
}

int sd_native_space(const struct sd_ctx *c)
{
	bool space = true;

	return sd_each_k(c, "native", run_group, &space);
}
