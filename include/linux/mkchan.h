/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkchan - in-kernel API of the URPC channel module, for other modules
 * (mkrep).  Every function here is exported with EXPORT_SYMBOL_GPL.
 *
 * A kernel user creates a channel with both endpoints in the kernel, and
 * may hand one of them to user space as a file descriptor.  Sending and
 * receiving never sleep; mkchan_wait() does.  The caller serialises the
 * senders of one endpoint, and its receivers.
 */
#ifndef _LINUX_MKCHAN_H
#define _LINUX_MKCHAN_H

#include <linux/poll.h>
#include <linux/types.h>
#include <uapi/linux/mkchan.h>

struct mkchan_endpoint;

int mkchan_describe(struct mkchan_query *q);

int mkchan_channel_create(unsigned int cpu0, unsigned int cpu1,
			  unsigned int nslots, struct mkchan_endpoint **ep0,
			  struct mkchan_endpoint **ep1);
int mkchan_endpoint_install_fd(struct mkchan_endpoint *ep,
			       unsigned int flags);
void mkchan_endpoint_close(struct mkchan_endpoint *ep);
unsigned int mkchan_endpoint_cpu(const struct mkchan_endpoint *ep);

int mkchan_send(struct mkchan_endpoint *ep, unsigned int type,
		const void *data, unsigned int len);
int mkchan_try_recv(struct mkchan_endpoint *ep, unsigned int *type,
		    void *data, unsigned int *len);
long mkchan_wait(struct mkchan_endpoint *ep, __poll_t events, long timeout);

#endif /* _LINUX_MKCHAN_H */
