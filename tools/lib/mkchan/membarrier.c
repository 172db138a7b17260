// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libmkchan - light senders: membarrier(2) in place of a sender's full
 * barrier per message ("Light senders" in <linux/mkchan.h>).
 *
 * A process that can use membarrier()'s global expedited command
 * registers for it once; its endpoints then send "light" (a compiler
 * barrier before reading the receiver's waiting flag) to every receiver
 * that carries the cost, and carry it themselves as receivers: each time
 * one goes to sleep it calls membarrier() between setting its flag and
 * looking again.  Where membarrier() is missing (a kernel without
 * CONFIG_MEMBARRIER, a seccomp filter), everything stays as it was: full
 * barriers, no flag.
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

/*
 * Make @ep light as a sender and let its senders be light, when the
 * process can: its own receiving control line says MKCHAN_CTL_MEMBARRIER
 * from now on (the bit is never cleared).
 */
void mkchan_light_setup(struct mkchan_ep *ep)
{
	if (mkchan_membarrier_setup())
		return;
	ep->tx.light = true;
	mkc_write_once(ep->rx.ctl->flags,
		       mkc_read_once(ep->rx.ctl->flags) |
		       MKCHAN_CTL_MEMBARRIER);
}
