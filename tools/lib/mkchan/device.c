// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libmkchan - /dev/mkchan: opening it, asking it questions, creating
 * channels and describing their endpoints.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libmkchan.h"

int mkchan_open(void)
{
	int fd = open(MKCHAN_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int mkchan_query(int fd, struct mkchan_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	return ioctl(fd, MKCHAN_IOC_QUERY, q) ? -errno : 0;
}

int mkchan_cpu_info(int fd, unsigned int cpu, struct mkchan_cpu_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->size = sizeof(*ci);
	ci->cpu = cpu;
	return ioctl(fd, MKCHAN_IOC_CPU_INFO, ci) ? -errno : 0;
}

int mkchan_create(int devfd, unsigned int cpu0, unsigned int cpu1,
		  unsigned int nslots, unsigned int flags, int fds[2])
{
	struct mkchan_create c;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = flags;
	c.cpu[0] = cpu0;
	c.cpu[1] = cpu1;
	c.nslots = nslots;
	if (ioctl(devfd, MKCHAN_IOC_CREATE, &c))
		return -errno;
	fds[0] = c.fd[0];
	fds[1] = c.fd[1];
	return 0;
}

int mkchan_ep_info(int epfd, struct mkchan_ep_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(epfd, MKCHAN_IOC_EP_INFO, info) ? -errno : 0;
}
