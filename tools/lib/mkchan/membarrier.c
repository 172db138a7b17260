// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libmkchan - light senders: membarrier(2) in place of a sender's full
 * barrier per message ("Light senders" in <linux/mkchan.h>).
 *
 * An endpoint that mkchan_set_light() turned on registers its process for
 * membarrier()'s global expedited command (once a process), then sends
 * "light" (a compiler barrier before reading the receiver's waiting flag)
 * to every receiver that carries the cost, and carries it itself as a
 * receiver: each time it goes to sleep it calls membarrier() between
 * setting its flag and looking again (mkchan_arm()).
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

static int sys_membarrier(int cmd)
{
	return syscall(__NR_membarrier, cmd, 0, 0);
}

/* 0 not yet asked, 1 registered, else -errno; the same in every thread */
static int membarrier_state;

/*
 * Register the process for the global expedited command, once: 0, or
 * -errno (-ENOSYS, or -EINVAL when the kernel lacks the command).  The
 * registration is the process's (its mm's): a child of fork() inherits
 * it, exec() drops it with the rest of the image.
 */
int mkchan_membarrier_setup(void)
{
	int state = __atomic_load_n(&membarrier_state, __ATOMIC_ACQUIRE);
	int need = MEMBARRIER_CMD_GLOBAL_EXPEDITED |
		   MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
	int ret;

	if (state)
		return state < 0 ? state : 0;
	ret = sys_membarrier(MEMBARRIER_CMD_QUERY);
	if (ret < 0)
		state = -errno;
	else if ((ret & need) != need)
		state = -EINVAL;
	else if (sys_membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED))
		state = -errno;
	else
		state = 1;
	/* Two threads may race here: both register, both get the same. */
	__atomic_store_n(&membarrier_state, state, __ATOMIC_RELEASE);
	return state < 0 ? state : 0;
}

/* A full barrier on every CPU running a registered process: 0 or -errno. */
int mkchan_membarrier(void)
{
	return sys_membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) ? -errno : 0;
}

/* Whether the loaded module's poll() honours the bit: 0 or -errno. */
static int module_light_poll(void)
{
	static int state;	/* 0 not yet asked, 1 yes, else -errno */
	int st = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
	struct mkchan_query q;
	int fd;

	if (st)
		return st < 0 ? st : 0;
	fd = mkchan_open();	/* the descriptor of an endpoint cannot tell */
	st = fd;
	if (fd >= 0) {
		st = mkchan_query(fd, &q);
		close(fd);
		if (!st)
			st = q.features & MKCHAN_FEAT_LIGHT_SENDERS ? 1 :
			     -EOPNOTSUPP;
	}
	/* The answer of the module, not a failure to ask it (-EMFILE). */
	if (st > 0 || st == -EOPNOTSUPP)
		__atomic_store_n(&state, st, __ATOMIC_RELEASE);
	return st < 0 ? st : 0;
}

int mkchan_set_light(struct mkchan_ep *ep)
{
	int ret = mkchan_membarrier_setup();

	if (!ret && ep->fd >= 0)
		ret = module_light_poll();
	if (ret)
		return ret;
	ep->tx.light = true;
	/*
	 * A flag left set by a wait before, with a plain barrier, must not
	 * pass for one set with membarrier() (mkchan_arm() leaves it out
	 * while armed): start unarmed.  Nobody waits on it now (the caller
	 * is the receiving thread, or the endpoint is not in use yet).
	 */
	mkc_write_once(ep->rx.ctl->waiting, 0);
	mkc_write_once(ep->rx.ctl->flags,
		       mkc_read_once(ep->rx.ctl->flags) |
		       MKCHAN_CTL_MEMBARRIER);
	return 0;
}
