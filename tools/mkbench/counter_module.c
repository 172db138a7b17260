// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench counter, module: mkrep's replicated counters, in kernel context.
 *
 * mkrep_counter_bench.ko (tools/mkbench/kmod/, built by make test-modules,
 * never installed) runs a batch of counter operations in a loop in the
 * kernel on the calling thread's CPU and times it there, so that the
 * system call is not in the time.  One open of /dev/mkrep_counter_bench
 * holds an mkrep counter of each mode and the baselines, a shared
 * atomic64_t and a percpu_counter; every thread of a measurement drives
 * that one descriptor.  Where the device is missing, the module is loaded
 * from $MKERNEL_MODDIR (the test guest sets it) and unloaded at the end.
 *
 * Before those, a mapped counter of /dev/mkrep, timed in user space
 * (counter_mapped.c): updated with restartable sequences, and through the
 * ioctls, system call included.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "counter.h"
#include "kmod/counter_bench.h"

/* The module's operation for each of ours. */
static const uint32_t module_op[CT_NOPS] = {
	[CT_ADD] = MKREP_CBENCH_ADD,
	[CT_READ] = MKREP_CBENCH_READ,
	[CT_READ_EXACT] = MKREP_CBENCH_READ_EXACT,
	[CT_GET_PUT] = MKREP_CBENCH_GET_PUT,
};

/* What a batch drives: the device's fd and one of its impls. */
struct module_counter {
	int fd;
	uint32_t impl;
};

static int module_batch(const struct ct_impl *impl, unsigned int index,
			enum ct_op op, uint32_t iters, uint64_t *ns)
{
	const struct module_counter *mc = impl->priv;
	struct mkrep_counter_bench b = {
		.impl = mc->impl,
		.op = module_op[op],
		.iters = iters,
	};

	(void)index;
	if (ioctl(mc->fd, MKREP_COUNTER_BENCH_RUN, &b))
		return -errno;
	*ns = b.ns;
	return 0;
}

/*
 * Load mkrep_counter_bench.ko from $MKERNEL_MODDIR unless its device is
 * there: 1 if it loaded it, 0 if it was loaded, or -errno with @why said.
 */
static int bench_module_load(char *why, size_t len)
{
	const char *dir = getenv("MKERNEL_MODDIR");
	char path[4096];
	int fd, ret = 1;

	if (!access(MKREP_COUNTER_BENCH_DEVICE, F_OK))
		return 0;
	if (!dir) {
		snprintf(why, len, "%s: no such device, and no %s to load %s.ko from\n%s",
			 MKREP_COUNTER_BENCH_DEVICE, "MKERNEL_MODDIR",
			 MKREP_COUNTER_BENCH_MODULE,
			 "    (make test-modules builds it)");
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/%s.ko", dir,
		 MKREP_COUNTER_BENCH_MODULE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(__NR_finit_module, fd, "", 0)) {
		ret = -errno;
		snprintf(why, len, "loading %s.ko from $MKERNEL_MODDIR: %s",
			 MKREP_COUNTER_BENCH_MODULE, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * A mapped counter of /dev/mkrep into @uc: 0, -EOPNOTSUPP where this
 * thread has no rseq (@uc made all the same, for the ioctl's rows), or
 * another -errno.
 */
static int mapped_counter(struct mkrep_ucounter *uc)
{
	int dev = mkrep_open(), ret;

	if (dev < 0)
		return dev;
	ret = mkrep_ucounter_create(dev, uc);
	close(dev);
	if (!ret && !mkrep_ucounter_fast(uc))
		ret = -EOPNOTSUPP;
	return ret;
}

int ct_module_available(bool asked)
{
	struct mkrep_query q = { .size = sizeof(q) };
	char why[256];

	module_probe(&q, MKREP_FEAT_COUNTER_SLOPPY,
		     "make vm-shell runs it in the test guest",
		     "the loaded mkrep has no sloppy counters", why,
		     sizeof(why));
	return module_skip("counter", asked, why);
}

int ct_module(const struct ct_ctx *c, bool asked)
{
	struct module_counter mc[] = {
		{ -1, MKREP_CBENCH_WRITE_MOSTLY },
		{ -1, MKREP_CBENCH_READ_MOSTLY },
		{ -1, MKREP_CBENCH_SLOPPY },
		{ -1, MKREP_CBENCH_ATOMIC },
		{ -1, MKREP_CBENCH_PERCPU },
	};
	struct mkrep_ucounter uc = { .fd = -1 };
	struct ct_mapped mapped[] = { { &uc, false }, { &uc, true } };
	const struct ct_impl impl[] = {
		{ "module-mapped-rseq", "mkrep counter, mapped: rseq",
		  CT_MAPPED, ct_mapped_batch, &mapped[0], true },
		{ "module-mapped-ioctl", "mkrep counter, mapped: ioctl",
		  CT_MAPPED, ct_mapped_batch, &mapped[1], true },
		{ "module-replicated-wm", "mkrep counter, write-mostly",
		  CT_WRITE_MOSTLY, module_batch, &mc[0], false },
		{ "module-replicated-rm", "mkrep counter, read-mostly",
		  CT_READ_MOSTLY, module_batch, &mc[1], false },
		{ "module-replicated-sloppy", "mkrep counter, sloppy",
		  CT_SLOPPY, module_batch, &mc[2], false },
		{ "module-atomic64", "one shared atomic64_t", CT_SHARED,
		  module_batch, &mc[3], false },
		{ "module-percpu", "percpu_counter", CT_PERCPU, module_batch,
		  &mc[4], false },
	};
	unsigned int i, first = 0;
	char why[512] = "";
	int fd, loaded, ret;

	if (ct_module_available(asked))
		return 1;
	ret = mapped_counter(&uc);
	if (ret == -EOPNOTSUPP) {
		printf("  (no module-mapped-rseq rows: this thread has no rseq registered)\n");
		first = 1;	/* the ioctl's rows still */
	} else if (ret) {
		printf("  (no module-mapped rows: a mapped counter of %s: %s)\n",
		       MKREP_DEVICE, strerror(-ret));
		first = 2;
	}
	loaded = bench_module_load(why, sizeof(why));
	if (loaded < 0) {
		mkrep_ucounter_close(&uc);
		return module_skip("counter", asked, why);
	}
	fd = open(MKREP_COUNTER_BENCH_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ct_fail("module", MKREP_COUNTER_BENCH_DEVICE, -errno);
		ret = -1;
	} else {
		for (i = 0; i < ARRAY_SIZE(mc); i++)
			mc[i].fd = fd;
		ret = ct_run(c, "module", impl + first,
			     ARRAY_SIZE(impl) - first);
		close(fd);
	}
	mkrep_ucounter_close(&uc);
	if (loaded > 0 &&
	    syscall(__NR_delete_module, MKREP_COUNTER_BENCH_MODULE, O_NONBLOCK))
		fprintf(stderr, "mkbench: counter: unloading %s: %s\n",
			MKREP_COUNTER_BENCH_MODULE, strerror(errno));
	return ret;
}
