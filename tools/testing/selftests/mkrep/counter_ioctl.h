/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What both counter tests call: a counter's creation and its read ioctl,
 * each returning 0 or the errno.  Not marked inline: so marked, gcc 12
 * inlined them into test bodies, where the harness may longjmp(), and
 * warned of locals the jump could clobber.  Both tests call both.
 */
#ifndef _MKREP_COUNTER_IOCTL_H
#define _MKREP_COUNTER_IOCTL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/mkrep.h>

/* A counter of @mode with @flags, its file in *@fd. */
static int counter_create(unsigned int mode, unsigned int flags, int *fd)
{
	struct mkrep_counter_create c = {
		.size = sizeof(c), .mode = mode, .flags = flags,
	};
	int dev, ret = 0;

	dev = open("/dev/mkrep", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return errno;
	if (ioctl(dev, MKREP_IOC_COUNTER_CREATE, &c))
		ret = errno;
	else
		*fd = c.fd;
	close(dev);
	return ret;
}

/* The value, read as @flags say (MKREP_COUNTER_EXACT), in *@value. */
static int counter_read(int fd, unsigned int flags, int64_t *value)
{
	struct mkrep_counter_read r = { .size = sizeof(r), .flags = flags };

	if (ioctl(fd, MKREP_IOC_COUNTER_READ, &r))
		return errno;
	*value = r.value;
	return 0;
}

#endif /* _MKREP_COUNTER_IOCTL_H */
