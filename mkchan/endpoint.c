// SPDX-License-Identifier: GPL-2.0
/*
 * mkchan - endpoint files: creation of a channel's two descriptors, and
 * read(2), write(2), poll(2), ioctl(2) and release on an endpoint.
 *
 * The file is the capability: there is no name by which another process
 * could reach a channel; it gets an endpoint only by inheriting or being
 * sent its descriptor.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mkernel_uapi.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "internal.h"

static int mkchan_ep_file_release(struct inode *inode, struct file *file)
{
	mkchan_endpoint_release(file->private_data);
	return 0;
}

/*
 * read(2): whole messages (struct mkchan_slot), at least one; blocks for
 * the first unless O_NONBLOCK.  0 at the end: empty and the peer closed.
 * The room it makes is published before it returns, as a pipe gives it
 * back: a writer blocked, polling or O_NONBLOCK sees one slot for each
 * message read.  A short read or -EAGAIN, while anyone waits on the
 * endpoint (an epoll entry), leaves the waiting flag set as poll() would,
 * so that the next message wakes an edge-triggered epoll.
 */
static ssize_t mkchan_ep_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct mkchan_endpoint *ep = file->private_data;
	long timeout = MAX_SCHEDULE_TIMEOUT;
	bool announced = false;
	struct mkchan_slot msg;
	size_t done = 0;
	int ret;

	if (count < sizeof(msg) || count % sizeof(msg))
		return -EINVAL;
	if (mutex_lock_interruptible(&ep->rx_lock))
		return -ERESTARTSYS;
	if (ep->mapped) {
		ret = -EBUSY;
		goto out;
	}
	while (done < count) {
		ret = mkchan_ep_recv(ep, &msg);
		/*
		 * Drained, by a short read or under O_NONBLOCK: announce, so
		 * that edge-triggered epoll hears of the next message.
		 */
		if (ret == -EAGAIN && (done || (file->f_flags & O_NONBLOCK))) {
			/* Nobody waits on the endpoint: nobody to wake. */
			if (announced || !wq_has_sleeper(&ep->wq))
				break;
			announced = true;
			ret = mkchan_ep_announce(ep, false);
			if (ret)
				break;
			continue;	/* a message came meanwhile */
		}
		if (ret == -EAGAIN && !done) {
			ret = mkchan_ep_wait(ep, false, &timeout);
			if (ret)
				break;
			continue;
		}
		if (ret)
			break;
		if (copy_to_user(buf + done, &msg, sizeof(msg))) {
			ret = -EFAULT;	/* the message stays in the ring */
			break;
		}
		mkchan_ep_consume(ep, msg.header);
		done += sizeof(msg);
	}
	mkchan_ep_publish(ep);
out:
	mutex_unlock(&ep->rx_lock);
	if (done)
		return done;
	return ret == -EPIPE ? 0 : ret;
}

/*
 * write(2): whole messages (struct mkchan_slot) whose header holds only a
 * length and a type; blocks for room for the first unless O_NONBLOCK.
 * A short write or -EAGAIN leaves the waiting flag set, as read(2) does.
 */
static ssize_t mkchan_ep_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct mkchan_endpoint *ep = file->private_data;
	long timeout = MAX_SCHEDULE_TIMEOUT;
	bool announced = false;
	struct mkchan_slot msg;
	size_t done = 0;
	int ret = 0;

	if (!count || count % sizeof(msg))
		return -EINVAL;
	if (mutex_lock_interruptible(&ep->tx_lock))
		return -ERESTARTSYS;
	if (ep->mapped) {
		ret = -EBUSY;
		goto out;
	}
	while (done < count) {
		if (copy_from_user(&msg, buf + done, sizeof(msg))) {
			ret = -EFAULT;
			break;
		}
		if ((msg.header & (MKCHAN_HDR_SEQ_MASK | MKCHAN_HDR_RSVD_MASK)) ||
		    mkc_hdr_len(msg.header) > MKCHAN_PAYLOAD_MAX) {
			ret = -EINVAL;
			break;
		}
		ret = mkchan_ep_send(ep, mkc_hdr_type(msg.header), msg.data,
				     mkc_hdr_len(msg.header));
		/* Full, after a short write or under O_NONBLOCK: as read(2). */
		if (ret == -EAGAIN && (done || (file->f_flags & O_NONBLOCK))) {
			if (announced || !wq_has_sleeper(&ep->wq))
				break;
			announced = true;
			ret = mkchan_ep_announce(ep, true);
			if (ret)
				break;
			continue;	/* room was made meanwhile */
		}
		if (ret == -EAGAIN && !done) {
			ret = mkchan_ep_wait(ep, true, &timeout);
			if (ret)
				break;
			continue;
		}
		if (ret)
			break;
		done += sizeof(msg);
	}
out:
	mutex_unlock(&ep->tx_lock);
	return done ? done : ret;
}

static __poll_t mkchan_ep_poll(struct file *file, poll_table *pt)
{
	struct mkchan_endpoint *ep = file->private_data;

	poll_wait(file, &ep->wq, pt);
	/*
	 * Announce only for a waiter on the queue (this one, unless it
	 * does not wait, or an epoll entry): one that never sleeps costs
	 * the peer no notification.
	 */
	return mkchan_ep_ready(ep, poll_requested_events(pt),
			       wq_has_sleeper(&ep->wq));
}

static long mkchan_ep_ioctl_info(struct mkchan_endpoint *ep,
				 void __user *arg)
{
	struct mkchan_channel *chan = ep->chan;
	struct mkchan_ep_info info;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&info, sizeof(info), MKCHAN_EP_INFO_SIZE_VER0,
				arg, &usize);
	if (ret)
		return ret;
	if (info.flags || info.__reserved0 || info.__reserved[0] ||
	    info.__reserved[1])
		return -EINVAL;

	info.index = ep->index;
	info.cpu = ep->cpu;
	info.peer_cpu = mkchan_peer(ep)->cpu;
	info.nslots = chan->nslots;
	info.tx_node = chan->ring[ep->index].node;
	info.rx_node = chan->ring[1 - ep->index].node;
	info.state = 0;
	if (mkchan_peer_closed(ep))
		info.state |= MKCHAN_EP_PEER_CLOSED;
	if (mkchan_broken(chan))
		info.state |= MKCHAN_EP_BROKEN;
	if (READ_ONCE(ep->mapped))
		info.state |= MKCHAN_EP_MAPPED;
	mkchan_ep_layout(ep, &info);
	return mk_copy_struct_out(arg, &info, sizeof(info), usize);
}

static long mkchan_ep_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct mkchan_endpoint *ep = file->private_data;

	/* It takes no struct: only its exact number reaches it. */
	if (cmd == MKCHAN_IOC_NOTIFY) {
		if (arg)
			return -EINVAL;
		if (mkchan_peer_closed(ep))
			return -EPIPE;
		mkchan_ep_wake_peer(ep, EPOLLIN | EPOLLRDNORM | EPOLLOUT |
				    EPOLLWRNORM);
		return 0;
	}

	switch (MK_IOC_KEY(cmd)) {
	case MK_IOC_KEY(MKCHAN_IOC_EP_INFO):
		return mkchan_ep_ioctl_info(ep, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mkchan_ep_fops = {
	.owner		= THIS_MODULE,
	.release	= mkchan_ep_file_release,
	.read		= mkchan_ep_read,
	.write		= mkchan_ep_write,
	.poll		= mkchan_ep_poll,
	.unlocked_ioctl	= mkchan_ep_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= mkchan_ep_mmap,
};

/**
 * mkchan_endpoint_file() - a file for an endpoint
 * @ep: the endpoint; the file owns it from now on (its release closes it)
 * @flags: O_NONBLOCK or 0
 *
 * Return: the file or an ERR_PTR().
 */
struct file *mkchan_endpoint_file(struct mkchan_endpoint *ep,
				  unsigned int flags)
{
	struct file *file;

	file = anon_inode_getfile("[mkchan]", &mkchan_ep_fops, ep,
				  O_RDWR | (flags & O_NONBLOCK));
	if (!IS_ERR(file))
		stream_open(file_inode(file), file);
	return file;
}

#define MKCHAN_CREATE_FLAGS	(MKCHAN_CREATE_NOCLOEXEC | MKCHAN_CREATE_NONBLOCK)

/* MKCHAN_IOC_CREATE: a channel, its endpoints installed as two fds. */
long mkchan_ioctl_create(void __user *arg)
{
	struct file *files[2] = { NULL, NULL };
	struct mkchan_channel *chan;
	int fds[2] = { -1, -1 };
	struct mkchan_create c;
	unsigned int fflags;
	u32 usize;
	int ret, i;

	ret = mk_copy_struct_in(&c, sizeof(c), MKCHAN_CREATE_SIZE_VER0, arg,
				&usize);
	if (ret)
		return ret;
	if ((c.flags & ~MKCHAN_CREATE_FLAGS) || c.__reserved0 ||
	    c.__reserved[0] || c.__reserved[1])
		return -EINVAL;

	ret = mkchan_channel_new(c.cpu[0], c.cpu[1], c.nslots, true, &chan);
	if (ret)
		return ret;

	fflags = c.flags & MKCHAN_CREATE_NONBLOCK ? O_NONBLOCK : 0;
	for (i = 0; i < 2; i++) {
		fds[i] = get_unused_fd_flags(c.flags & MKCHAN_CREATE_NOCLOEXEC ?
					     0 : O_CLOEXEC);
		if (fds[i] < 0) {
			ret = fds[i];
			goto fail;
		}
		files[i] = mkchan_endpoint_file(&chan->ep[i], fflags);
		if (IS_ERR(files[i])) {
			ret = PTR_ERR(files[i]);
			files[i] = NULL;
			goto fail;
		}
	}
	c.fd[0] = fds[0];
	c.fd[1] = fds[1];
	ret = mk_copy_struct_out(arg, &c, sizeof(c), usize);
	if (ret)
		goto fail;
	for (i = 0; i < 2; i++)
		fd_install(fds[i], files[i]);
	return 0;

fail:
	for (i = 0; i < 2; i++) {
		if (files[i])
			fput(files[i]);		/* releases endpoint i */
		else
			mkchan_endpoint_release(&chan->ep[i]);
		if (fds[i] >= 0)
			put_unused_fd(fds[i]);
	}
	return ret;
}
