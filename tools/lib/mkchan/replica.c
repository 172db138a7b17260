// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libmkchan - the calls a member of an mkrep space needs: make a space,
 * join it, watch the status word, apply, operate, leave.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libmkchan.h"

int mkrep_open(void)
{
	int fd = open(MKREP_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int mkrep_space_create(int devfd, size_t length, unsigned int strategy,
		       unsigned long long bound_ns)
{
	struct mkrep_space_create c;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = MKREP_SPACE_CLOEXEC;
	c.length = length;
	c.strategy = strategy;
	c.bound_ns = bound_ns;
	if (ioctl(devfd, MKREP_IOC_SPACE_CREATE, &c))
		return -errno;
	return c.fd;
}

int mkrep_space_info(int spacefd, struct mkrep_space_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(spacefd, MKREP_IOC_SPACE_INFO, info) ? -errno : 0;
}

int mkrep_join(int spacefd, unsigned int cpu, struct mkrep_replica *r)
{
	struct mkrep_join j;
	void *st;
	int ret;

	memset(&j, 0, sizeof(j));
	j.size = sizeof(j);
	j.flags = MKREP_JOIN_CLOEXEC;
	j.cpu = cpu;
	if (ioctl(spacefd, MKREP_IOC_JOIN, &j))
		return -errno;
	st = mmap(NULL, sizeof(struct mkrep_member_status), PROT_READ,
		  MAP_SHARED, j.fd, MKREP_STATUS_OFFSET);
	if (st == MAP_FAILED) {
		ret = -errno;
		munmap((void *)(unsigned long)j.addr, j.length);
		close(j.fd);
		return ret;
	}
	r->fd = j.fd;
	r->cpu = cpu;
	r->window = (void *)(unsigned long)j.addr;
	r->length = j.length;
	r->status = st;
	return 0;
}

void mkrep_leave(struct mkrep_replica *r)
{
	munmap((void *)r->status, sizeof(struct mkrep_member_status));
	munmap(r->window, r->length);
	close(r->fd);
	r->fd = -1;
	r->window = NULL;
	r->status = NULL;
}

int mkrep_apply(const struct mkrep_replica *r)
{
	struct mkrep_apply a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	if (ioctl(r->fd, MKREP_IOC_APPLY, &a))
		return -errno;
	return a.applied;
}

int mkrep_op(const struct mkrep_replica *r, unsigned int op,
	     unsigned int prot, size_t offset, size_t length,
	     struct mkrep_op *out)
{
	struct mkrep_op o;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.op = op;
	o.prot = prot;
	o.offset = offset;
	o.length = length;
	if (ioctl(r->fd, MKREP_IOC_OP, &o))
		return -errno;
	if (out)
		*out = o;
	return 0;
}
