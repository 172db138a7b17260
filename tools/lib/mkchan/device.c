// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libmkchan - opening /dev/mkchan and asking it questions.
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
