// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libmkchan - mapped counters of mkrep: making and mapping one, and the
 * system-call way of updating and reading it (libmkchan_counter.h has the
 * restartable sequences).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libmkchan.h"

int mkrep_ucounter_create(int devfd, struct mkrep_ucounter *c)
{
	struct mkrep_counter_create cr;
	int ret;

	c->fd = -1;
	c->slots = NULL;
	memset(&cr, 0, sizeof(cr));
	cr.size = sizeof(cr);
	cr.flags = MKREP_COUNTER_CLOEXEC | MKREP_COUNTER_MAP;
	cr.mode = MKREP_COUNTER_WRITE_MOSTLY;
	if (ioctl(devfd, MKREP_IOC_COUNTER_CREATE, &cr))
		return -errno;
	ret = mkrep_ucounter_map(cr.fd, c);
	if (ret)
		close(cr.fd);
	return ret;
}

int mkrep_ucounter_map(int fd, struct mkrep_ucounter *c)
{
	struct mkrep_counter_info info;
	void *p;

	/* So that mkrep_ucounter_close() after a failure closes nothing. */
	c->fd = -1;
	c->slots = NULL;
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	if (ioctl(fd, MKREP_IOC_COUNTER_INFO, &info))
		return -errno;
	if (!info.map_size)
		return -ENODEV;
	if (info.slot_size != sizeof(struct mkrep_counter_slot) ||
	    (size_t)info.nr_slots * info.slot_size > info.map_size)
		return -EPROTO;
	p = mmap(NULL, info.map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 MKREP_COUNTER_MAP_OFFSET);
	if (p == MAP_FAILED)
		return -errno;
	c->fd = fd;
	c->nr_slots = info.nr_slots;
	c->slots = p;
	c->map_size = info.map_size;
	return 0;
}

void mkrep_ucounter_close(struct mkrep_ucounter *c)
{
	if (c->slots)
		munmap(c->slots, c->map_size);
	if (c->fd >= 0)
		close(c->fd);
	c->slots = NULL;
	c->fd = -1;
}

int mkrep_ucounter_add_ioctl(const struct mkrep_ucounter *c, long long delta)
{
	struct mkrep_counter_add a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.delta = delta;
	return ioctl(c->fd, MKREP_IOC_COUNTER_ADD, &a) ? -errno : 0;
}

int mkrep_ucounter_read_ioctl(const struct mkrep_ucounter *c, int exact,
			      long long *val)
{
	struct mkrep_counter_read r;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.flags = exact ? MKREP_COUNTER_EXACT : 0;
	if (ioctl(c->fd, MKREP_IOC_COUNTER_READ, &r))
		return -errno;
	*val = r.value;
	return 0;
}

int mkrep_ucounter_fast(const struct mkrep_ucounter *c)
{
#ifdef MKREP_UCOUNTER_RSEQ
	char *rs = mkrep_rseq_area();
	uint32_t cpu;

	if (!rs)
		return 0;
	cpu = __atomic_load_n((uint32_t *)(rs + MKREP_RSEQ_CPU_ID),
			      __ATOMIC_RELAXED);
	return cpu < c->nr_slots;
#else
	(void)c;
	return 0;
#endif
}
