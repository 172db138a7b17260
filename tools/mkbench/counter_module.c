// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench counter, module: mkrep's replicated counters, in kernel context.
 *
 * A counter of each mode (write-mostly, read-mostly, sloppy), made on
 * /dev/mkrep; every thread drives the one counter fd of the measurement
 * with MKREP_IOC_COUNTER_BENCH, which runs a batch of operations in a
 * loop in the kernel on the thread's CPU and times it there: the system
 * call is not in the time.  The baselines, a shared atomic64_t and the
 * kernel's percpu_counter, come with the write-mostly counter and run in
 * the same loop.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "counter.h"

static_assert(CT_ADD == MKREP_BENCH_ADD && CT_READ == MKREP_BENCH_READ &&
	      CT_READ_EXACT == MKREP_BENCH_READ_EXACT,
	      "enum ct_op is numbered as MKREP_BENCH_*");

/* What a batch drives: a counter fd and one of its MKREP_BENCH_* impls. */
struct module_counter {
	int fd;
	uint32_t impl;
};

static int module_batch(const struct ct_impl *impl, unsigned int index,
			enum ct_op op, uint32_t iters, uint64_t *ns)
{
	const struct module_counter *mc = impl->priv;
	struct mkrep_counter_bench b = {
		.size = sizeof(b),
		.impl = mc->impl,
		.op = op,
		.iters = iters,
	};

	(void)index;
	if (ioctl(mc->fd, MKREP_IOC_COUNTER_BENCH, &b))
		return -errno;
	*ns = b.ns;
	return 0;
}

int ct_module_available(bool asked)
{
	struct mkrep_query q = { .size = sizeof(q) };
	char why[160];

	module_probe(&q, MKREP_FEAT_COUNTER,
		     "make vm-shell runs it in the test guest",
		     "the loaded mkrep has no replicated counters", why,
		     sizeof(why));
	return module_skip("counter", asked, why);
}

/* A counter of @mode: its fd, or -errno. */
static int counter_create(int dev, unsigned int mode)
{
	struct mkrep_counter_create cr = {
		.size = sizeof(cr),
		.flags = MKREP_COUNTER_CLOEXEC,
		.mode = mode,
	};

	return ioctl(dev, MKREP_IOC_COUNTER_CREATE, &cr) ? -errno : cr.fd;
}

int ct_module(const struct ct_ctx *c, bool asked)
{
	struct module_counter mc[] = {
		{ -1, MKREP_BENCH_REPLICATED },	/* write-mostly */
		{ -1, MKREP_BENCH_REPLICATED },	/* read-mostly */
		{ -1, MKREP_BENCH_REPLICATED },	/* sloppy */
		{ -1, MKREP_BENCH_ATOMIC },	/* of the write-mostly one */
		{ -1, MKREP_BENCH_PERCPU },	/* likewise */
	};
	const struct ct_impl impl[] = {
		{ "module-replicated-wm", "mkrep counter, write-mostly",
		  CT_WRITE_MOSTLY, module_batch, &mc[0] },
		{ "module-replicated-rm", "mkrep counter, read-mostly",
		  CT_READ_MOSTLY, module_batch, &mc[1] },
		{ "module-replicated-sloppy", "mkrep counter, sloppy",
		  CT_SLOPPY, module_batch, &mc[2] },
		{ "module-atomic64", "one shared atomic64_t", CT_SHARED,
		  module_batch, &mc[3] },
		{ "module-percpu", "percpu_counter", CT_PERCPU, module_batch,
		  &mc[4] },
	};
	unsigned int i;
	int dev, ret;

	if (ct_module_available(asked))
		return 1;
	dev = open(MKREP_DEVICE, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		ct_fail("module", MKREP_DEVICE, -errno);
		return -1;
	}
	mc[0].fd = counter_create(dev, MKREP_COUNTER_WRITE_MOSTLY);
	mc[1].fd = counter_create(dev, MKREP_COUNTER_READ_MOSTLY);
	mc[2].fd = counter_create(dev, MKREP_COUNTER_SLOPPY);
	close(dev);
	if (mc[0].fd < 0 || mc[1].fd < 0 || mc[2].fd < 0) {
		ct_fail("module", "MKREP_IOC_COUNTER_CREATE",
			mc[0].fd < 0 ? mc[0].fd :
			mc[1].fd < 0 ? mc[1].fd : mc[2].fd);
		ret = -1;
	} else {
		mc[3].fd = mc[0].fd;
		mc[4].fd = mc[0].fd;
		ret = ct_run(c, "module", impl, ARRAY_SIZE(impl));
	}
	for (i = 0; i < 3; i++)
		if (mc[i].fd >= 0)
			close(mc[i].fd);
	return ret;
}
