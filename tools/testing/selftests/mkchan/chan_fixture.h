/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture "chan" of the libmkchan tests: one channel of NSLOTS slots
 * a ring (the includer defines it), both endpoints in this process, on
 * the module (mapped) and on plain shared memory (variants "module" and
 * "shm").  Include after kselftest_harness.h.
 */
#ifndef _MKCHAN_CHAN_FIXTURE_H
#define _MKCHAN_CHAN_FIXTURE_H

#include <unistd.h>

#include "libmkchan.h"

FIXTURE(chan) {
	struct mkchan_ep ep[2];
	int fd[2];	/* the module's endpoints; -1 for shared memory */
};

FIXTURE_VARIANT(chan) {
	bool module;
};

FIXTURE_VARIANT_ADD(chan, module) {
	.module = true,
};

FIXTURE_VARIANT_ADD(chan, shm) {
	.module = false,
};

FIXTURE_SETUP(chan)
{
	int dev, i;

	self->fd[0] = -1;
	self->fd[1] = -1;
	if (!variant->module) {
		ASSERT_EQ(0, mkchan_shm_create(NSLOTS, &self->ep[0],
					       &self->ep[1]));
		return;
	}
	dev = mkchan_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, mkchan_create(dev, 0, 0, NSLOTS, 0, self->fd));
	close(dev);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, mkchan_map(&self->ep[i], self->fd[i]));
}

FIXTURE_TEARDOWN(chan)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (self->fd[i] == -2)
			continue;	/* closed by the test */
		mkchan_unmap(&self->ep[i]);
		if (self->fd[i] >= 0)
			close(self->fd[i]);
	}
}

/* Close endpoint @i in this process: the peer sees it closed. */
static inline void close_ep(struct mkchan_ep ep[2], int fd[2], int i)
{
	mkchan_close(&ep[i]);
	fd[i] = -2;
}

#endif /* _MKCHAN_CHAN_FIXTURE_H */
