// SPDX-License-Identifier: GPL-2.0
/*
 * mkchan - the in-kernel API (include/linux/mkchan.h).
 */
#include <linux/export.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/mkchan.h>

#include "internal.h"

/**
 * mkchan_channel_create() - make a channel with both endpoints in the kernel
 * @cpu0: CPU of endpoint 0
 * @cpu1: CPU of endpoint 1
 * @nslots: slots of each ring: a power of two from %MKCHAN_MIN_SLOTS to the
 *	module parameter max_slots
 * @ep0: endpoint 0
 * @ep1: endpoint 1
 *
 * Kernel channels do not count against any user's limit; their memory is
 * charged to the memory cgroup of the calling task.  Each endpoint is
 * closed with mkchan_endpoint_close(), or handed to user space with
 * mkchan_endpoint_install_fd().
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL (impossible CPU, bad @nslots), -ENODEV (offline CPU)
 * or -ENOMEM.
 */
int mkchan_channel_create(unsigned int cpu0, unsigned int cpu1,
			  unsigned int nslots, struct mkchan_endpoint **ep0,
			  struct mkchan_endpoint **ep1)
{
	struct mkchan_channel *chan;
	int ret;

	ret = mkchan_channel_new(cpu0, cpu1, nslots, false, &chan);
	if (ret)
		return ret;
	*ep0 = &chan->ep[0];
	*ep1 = &chan->ep[1];
	return 0;
}
EXPORT_SYMBOL_GPL(mkchan_channel_create);

/**
 * mkchan_endpoint_install_fd() - hand an endpoint to the current process
 * @ep: a kernel endpoint; the caller must not use it after success
 * @flags: O_CLOEXEC and O_NONBLOCK, or 0
 *
 * Context: process context, may sleep.
 * Return: the new file descriptor, -EINVAL for other @flags, or a negative
 * errno (-EMFILE, -ENFILE, -ENOMEM); on failure @ep is still the caller's.
 */
int mkchan_endpoint_install_fd(struct mkchan_endpoint *ep,
			       unsigned int flags)
{
	struct file *file;
	int fd;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	fd = get_unused_fd_flags(flags & O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = mkchan_endpoint_file(ep, flags & O_NONBLOCK);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	return fd;
}
EXPORT_SYMBOL_GPL(mkchan_endpoint_install_fd);

/**
 * mkchan_endpoint_close() - close a kernel endpoint
 * @ep: the endpoint; the caller must not use it afterwards
 *
 * The peer sees the endpoint closed (-EPIPE, EPOLLHUP) once it has drained
 * its ring; the channel is freed when both endpoints and every mapping
 * are gone.
 *
 * Context: process context, may sleep.
 */
void mkchan_endpoint_close(struct mkchan_endpoint *ep)
{
	mkchan_endpoint_release(ep);
}
EXPORT_SYMBOL_GPL(mkchan_endpoint_close);

/**
 * mkchan_endpoint_cpu() - the CPU an endpoint is bound to
 * @ep: the endpoint
 *
 * Return: the CPU given at creation.
 */
unsigned int mkchan_endpoint_cpu(const struct mkchan_endpoint *ep)
{
	return ep->cpu;
}
EXPORT_SYMBOL_GPL(mkchan_endpoint_cpu);

/**
 * mkchan_send() - send a message
 * @ep: a kernel endpoint
 * @type: message type, 0 to 255
 * @data: payload
 * @len: its length, at most %MKCHAN_PAYLOAD_MAX
 *
 * Wakes the peer if it announced that it is going to sleep.
 *
 * Context: any context that may call wake_up(); does not sleep.  The
 * caller serialises the senders of @ep.
 * Return: 0, -EINVAL, -EAGAIN (ring full), -EPIPE (peer closed) or
 * -EBADMSG (the channel's shared memory was found corrupt).
 */
int mkchan_send(struct mkchan_endpoint *ep, unsigned int type,
		const void *data, unsigned int len)
{
	return mkchan_ep_send(ep, type, data, len);
}
EXPORT_SYMBOL_GPL(mkchan_send);

/**
 * mkchan_try_recv() - take a message if there is one
 * @ep: a kernel endpoint
 * @type: its type
 * @data: its payload, %MKCHAN_PAYLOAD_MAX bytes of room
 * @len: its length
 *
 * The slot is handed back at once (the head is published), as read(2)
 * does: a receiver that then waits for anything else, room on its other
 * ring included, holds back no room its peer may be waiting for.
 *
 * Context: any context that may call wake_up(); does not sleep.  The
 * caller serialises the receivers of @ep.
 * Return: 0, -EAGAIN (none), -EPIPE (none, and the peer closed) or
 * -EBADMSG.
 */
int mkchan_try_recv(struct mkchan_endpoint *ep, unsigned int *type,
		    void *data, unsigned int *len)
{
	struct mkchan_slot msg;
	int ret;

	ret = mkchan_ep_recv(ep, &msg);
	if (ret)
		return ret;
	*type = mkc_hdr_type(msg.header);
	*len = mkc_hdr_len(msg.header);
	memcpy(data, msg.data, *len);
	mkchan_ep_consume(ep, msg.header);
	/* As read(2): the slot is free at once, whatever the caller does next. */
	mkchan_ep_publish(ep);
	return 0;
}
EXPORT_SYMBOL_GPL(mkchan_try_recv);

/**
 * mkchan_wait() - sleep until a message comes or there is room
 * @ep: a kernel endpoint
 * @events: EPOLLIN (a message) or EPOLLOUT (room to send)
 * @timeout: jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Announces the sleep in shared memory as the protocol says, so that a
 * peer driven from user space wakes it.  Returns early when the peer
 * closes or the channel breaks.
 *
 * Context: process context, sleeps.  The caller serialises the waiters
 * for each direction with the senders or receivers of @ep.
 * Return: the ready events (EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLERR), 0 on
 * timeout, -EINVAL for bad @events, -ERESTARTSYS on a signal.
 */
long mkchan_wait(struct mkchan_endpoint *ep, __poll_t events, long timeout)
{
	bool out;
	__poll_t ready;
	int ret;

	if (events != EPOLLIN && events != EPOLLOUT)
		return -EINVAL;
	out = events == EPOLLOUT;
	/* Until something is ready: a wake-up can find it taken already. */
	for (;;) {
		ready = mkchan_ep_ready(ep, events, false);
		if (ready)
			return (__force long)ready;
		ret = mkchan_ep_wait(ep, out, &timeout);
		if (ret == -ETIMEDOUT)
			return 0;
		if (ret == -EBADMSG)
			return (__force long)EPOLLERR;
		if (ret)
			return ret;
	}
}
EXPORT_SYMBOL_GPL(mkchan_wait);
