// SPDX-License-Identifier: GPL-2.0
/*
 * shardcache, mkrep's way: the region is an mkrep space, every process a
 * member bound to its CPU with a replica of its page table.  The resizer
 * unmaps pages with mkrep_op(MKREP_OP_UNMAP) and maps them back with
 * MKREP_OP_MAP; a server looks at its pending word between two requests
 * (mkrep_waiting(), one load) and applies what waits (mkrep_apply()), so
 * that no request is interrupted.  Needs /dev/mkrep.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmkchan.h"
#include "shardcache.h"

struct region {
	int space;
	size_t size;
	long page;
	struct mkrep_replica rep;	/* this process's membership */
	bool joined;
};

static int mkrep_create(struct region **rp, size_t pages, unsigned int k,
			char *why, size_t len)
{
	struct region *r = calloc(1, sizeof(*r));
	int dev;

	(void)k;
	if (!r)
		return -ENOMEM;
	r->page = sysconf(_SC_PAGESIZE);
	r->size = pages * r->page;
	dev = mkrep_open();
	if (dev < 0) {
		snprintf(why, len, "%s: %s (mkrep.ko is not loaded here)",
			 MKREP_DEVICE, strerror(-dev));
		free(r);
		return dev;
	}
	/* Broadcast delivery, the module's default bound. */
	r->space = mkrep_space_create(dev, r->size, MKREP_STRATEGY_BROADCAST,
				      0);
	close(dev);
	if (r->space < 0) {
		snprintf(why, len, "a space of %zu pages: %s", pages,
			 strerror(-r->space));
		dev = r->space;
		free(r);
		return dev;
	}
	*rp = r;
	return 0;
}

static char *mkrep_attach(struct region *r, unsigned int i, unsigned int cpu)
{
	int ret = mkrep_join(r->space, cpu, &r->rep);

	(void)i;
	if (ret) {
		errno = -ret;
		return NULL;
	}
	r->joined = true;
	return r->rep.window;
}

static int mkrep_poll(struct region *r)
{
	int ret;

	if (!mkrep_waiting(&r->rep))
		return 0;
	ret = mkrep_apply(&r->rep);
	return ret < 0 ? ret : 0;
}

static int mkrep_shrink(struct region *r, size_t first, size_t n)
{
	return mkrep_op(&r->rep, MKREP_OP_UNMAP, 0, first * r->page,
			n * r->page, NULL);
}

static int mkrep_grow(struct region *r, size_t first, size_t n)
{
	return mkrep_op(&r->rep, MKREP_OP_MAP,
			MKREP_PROT_READ | MKREP_PROT_WRITE, first * r->page,
			n * r->page, NULL);
}

static void mkrep_detach(struct region *r, unsigned int i)
{
	(void)i;
	if (r->joined)
		mkrep_leave(&r->rep);
	r->joined = false;
}

static void mkrep_destroy(struct region *r)
{
	close(r->space);
	free(r);
}

const struct region_ops region_mkrep = {
	.name = "mkrep",
	.what = "an mkrep space, a member a process; MKREP_OP_UNMAP / MAP",
	.create = mkrep_create,
	.attach = mkrep_attach,
	.poll = mkrep_poll,
	.shrink = mkrep_shrink,
	.grow = mkrep_grow,
	.detach = mkrep_detach,
	.destroy = mkrep_destroy,
};
