// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench shootdown, module: the initiator, the member on the first CPU.
 * Before each timed operation, untimed, it maps the page again (or makes
 * it writable again) in every replica, asks every member to write to it,
 * so that every replica and TLB holds it, and waits until each has; for
 * epoll and blocked, also until each is asleep again.  Then it times one
 * mkrep_op() and checks that it changed every other replica.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "shootdown_module.h"

/* After a member shows asleep, the time its CPU takes to switch away. */
#define ASLEEP_NS	(10ULL * 1000)

/* The initiator's view. */
struct init {
	struct space *sp;
	struct mkrep_replica *r;
	int *stat;		/* the members' /proc/PID/stat, or -1 */
	unsigned long nops;	/* operations it made */
	bool mapped;		/* the page is mapped */
};

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
		err = space_op(in, sd_module_ops[t].op, sd_module_ops[t].prot,
			       &o);
		stop = sd_end(&w, m, keep);
		if (err) {
			sd_fail("module", sd_module_ops[t].label, err);
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
int sd_module_initiate(struct space *sp, struct mkrep_replica *r)
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
