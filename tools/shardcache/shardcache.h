/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shardcache - a small shard-per-core cache whose region one core shrinks
 * and grows under the others: what its files share.
 *
 * The region is one range of pages: first the fixed P - P/4 pages of
 * every server's shard (server i, 1 .. k - 1, at (i - 1) * (P - P/4)),
 * then the elastic P/4 of every shard in one range (server i's at
 * (k - 1) * (P - P/4) + (i - 1) * P/4), which a resize takes away and
 * gives back whole.  A way of doing that is a struct region_ops: Linux's
 * (region_linux.c) or mkrep's (region_mkrep.c); the server loop
 * (shardcache.c) is the same for both.
 */
#ifndef _SHARDCACHE_H
#define _SHARDCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct region;

struct region_ops {
	const char *name;	/* "linux", "mkrep" */
	const char *what;	/* how it takes pages away, in words */
	/*
	 * Before the fork: a region of @pages pages for @k processes (one
	 * resizer, k - 1 servers).  0 or -errno, with @why said.
	 */
	int (*create)(struct region **rp, size_t pages, unsigned int k,
		      char *why, size_t len);
	/*
	 * In process @i (0: the resizer) bound to @cpu: its view of the
	 * region, or NULL with errno set.
	 */
	char *(*attach)(struct region *r, unsigned int i, unsigned int cpu);
	/* A server between two requests: what waits for it.  0 or -errno. */
	int (*poll)(struct region *r);
	/* The resizer: take pages [first, first + n) away, or give them back. */
	int (*shrink)(struct region *r, size_t first, size_t n);
	int (*grow)(struct region *r, size_t first, size_t n);
	/* In process @i, before it exits. */
	void (*detach)(struct region *r, unsigned int i);
	/* After every process is gone. */
	void (*destroy)(struct region *r);
};

extern const struct region_ops region_linux;
extern const struct region_ops region_mkrep;

#endif /* _SHARDCACHE_H */
