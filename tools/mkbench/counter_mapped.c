// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench counter, mapped: a write-mostly counter whose slots, one a CPU,
 * are in this process's memory and updated with libmkchan's restartable
 * sequences (libmkchan_counter.h), timed in user space:
 *
 *   user-rseq            the sequences on slots in plain memory, no
 *                        module: what they cost on this machine;
 *   module-mapped-rseq   the same on a mapped counter of /dev/mkrep
 *                        (MKREP_COUNTER_MAP);
 *   module-mapped-ioctl  that counter through MKREP_IOC_COUNTER_ADD and
 *                        _READ: what a thread without rseq pays, and what
 *                        every update from user space paid before.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "counter.h"

int ct_mapped_batch(const struct ct_impl *impl, unsigned int index,
		    enum ct_op op, uint32_t iters, uint64_t *ns)
{
	const struct ct_mapped *m = impl->priv;
	struct mkrep_ucounter *c = m->c;
	long long last = 0;
	uint64_t t0;
	uint32_t i;
	int err = 0;

	(void)index;
	t0 = now_ns();
	switch (op * 2 + m->ioctl) {
	case CT_ADD * 2:
		for (i = 0; i < iters; i++)
			err |= mkrep_ucounter_add(c, 1);
		break;
	case CT_ADD * 2 + 1:
		for (i = 0; i < iters; i++)
			err |= mkrep_ucounter_add_ioctl(c, 1);
		break;
	case CT_GET_PUT * 2:
		for (i = 0; i < iters; i++)
			err |= mkrep_ucounter_add(c, 1) |
			       mkrep_ucounter_add(c, -1);
		break;
	case CT_GET_PUT * 2 + 1:
		for (i = 0; i < iters; i++)
			err |= mkrep_ucounter_add_ioctl(c, 1) |
			       mkrep_ucounter_add_ioctl(c, -1);
		break;
	case CT_READ * 2:
		for (i = 0; i < iters; i++)
			err |= mkrep_ucounter_read(c, &last);
		break;
	case CT_READ * 2 + 1:
		for (i = 0; i < iters; i++)
			err |= mkrep_ucounter_read_ioctl(c, 0, &last);
		break;
	case CT_READ_EXACT * 2:
		for (i = 0; i < iters; i++)
			err |= mkrep_ucounter_read_exact(c, &last);
		break;
	case CT_READ_EXACT * 2 + 1:
		for (i = 0; i < iters; i++)
			err |= mkrep_ucounter_read_ioctl(c, 1, &last);
		break;
	default:
		return -EINVAL;
	}
	*ns = now_ns() - t0;
	/* What was read is used. */
	asm volatile("" : : "r" (last));
	return err ? -EIO : 0;
}

int ct_mapped_memory(struct mkrep_ucounter *c, unsigned int nr_slots)
{
	c->fd = -1;
	c->nr_slots = nr_slots;
	c->map_size = (size_t)nr_slots * sizeof(struct mkrep_counter_slot);
	c->slots = mmap(NULL, c->map_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->slots == MAP_FAILED) {
		c->slots = NULL;
		return -errno;
	}
	return 0;
}

unsigned int ct_cpu_ids(void)
{
	char buf[4096], *p = buf, *end = buf;
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	unsigned long last = 0;

	if (f) {
		if (fgets(buf, sizeof(buf), f)) {
			/* "0-3,8-11": the list is in order, the last is highest */
			p = buf + strcspn(buf, "\n");
			*p = '\0';
			while (p > buf && p[-1] >= '0' && p[-1] <= '9')
				p--;
			last = strtoul(p, &end, 10);
		}
		fclose(f);
	}
	if (end != p)
		return last + 1;
	return cpus > 0 ? (unsigned int)cpus : 1;
}
