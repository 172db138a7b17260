// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench shootdown, module: a member process.  It binds itself to its
 * CPU and joins the space; the first one initiates, the others wait
 * between operations as their mode says (shootdown_module.c), writing to
 * the page whenever the initiator asks, until it says stop.  The request
 * to write is a number in shared memory, and a byte on the member's pipe
 * for the members that sleep.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "shootdown_module.h"

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

noreturn void sd_module_member(struct space *sp, unsigned int i)
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
		ret = sd_module_initiate(sp, &r);
	else if (sp->mode == SD_MEMBER_EPOLL)
		ret = member_epoll(sp, i, &r);
	else if (sp->mode == SD_MEMBER_BLOCKED)
		ret = member_blocked(sp, i, &r);
	else
		ret = member_spin(sp, i, &r, sp->mode == SD_MEMBER_POLL);
	mkrep_leave(&r);
	_exit(ret ? 1 : 0);
}
