// SPDX-License-Identifier: GPL-2.0
/*
 * shardcache, Linux's way: the region is a memfd that every process maps
 * shared, each with its own page table.  Shrinking punches the pages out
 * of the file (fallocate(FALLOC_FL_PUNCH_HOLE)): Linux removes them from
 * every process's page table and flushes the TLB of every CPU that runs
 * one, with IPIs, before the call returns.  Growing allocates the pages
 * back into the file (fallocate()), in the resizer, as mkrep's MAP
 * does; a server's next touch then only maps the page in (a minor
 * fault): Linux cannot fill another process's page table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shardcache.h"

struct region {
	int memfd;
	size_t size;
	long page;
	char *view;	/* this process's mapping */
};

static int linux_create(struct region **rp, size_t pages, unsigned int k,
			char *why, size_t len)
{
	struct region *r = calloc(1, sizeof(*r));

	(void)k;
	if (!r)
		return -ENOMEM;
	r->page = sysconf(_SC_PAGESIZE);
	r->size = pages * r->page;
	r->memfd = memfd_create("shardcache", MFD_CLOEXEC);
	if (r->memfd < 0 || ftruncate(r->memfd, r->size)) {
		snprintf(why, len, "memfd of %zu pages: %s", pages,
			 strerror(errno));
		if (r->memfd >= 0)
			close(r->memfd);
		free(r);
		return -errno;
	}
	*rp = r;
	return 0;
}

static char *linux_attach(struct region *r, unsigned int i, unsigned int cpu)
{
	(void)i;
	(void)cpu;
	r->view = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       r->memfd, 0);
	return r->view == MAP_FAILED ? NULL : r->view;
}

static int linux_poll(struct region *r)
{
	(void)r;
	return 0;
}

static int linux_shrink(struct region *r, size_t first, size_t n)
{
	return fallocate(r->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			 first * r->page, n * r->page) ? -errno : 0;
}

static int linux_grow(struct region *r, size_t first, size_t n)
{
	return fallocate(r->memfd, 0, first * r->page, n * r->page) ?
	       -errno : 0;
}

static void linux_detach(struct region *r, unsigned int i)
{
	(void)i;
	if (r->view && r->view != MAP_FAILED)
		munmap(r->view, r->size);
}

static void linux_destroy(struct region *r)
{
	close(r->memfd);
	free(r);
}

const struct region_ops region_linux = {
	.name = "linux",
	.what = "processes, a memfd mapping each; fallocate(PUNCH_HOLE), fallocate()",
	.create = linux_create,
	.attach = linux_attach,
	.poll = linux_poll,
	.shrink = linux_shrink,
	.grow = linux_grow,
	.detach = linux_detach,
	.destroy = linux_destroy,
};
