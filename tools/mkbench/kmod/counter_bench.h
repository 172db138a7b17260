/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioctl of mkrep_counter_bench.ko, a benchmark-only module that times
 * loops of counter operations in the kernel: mkrep's replicated counters
 * through their in-kernel API, and the baselines an in-kernel user would
 * choose instead.  mkbench counter --backend module loads and drives it.
 * Not part of mkrep's ABI: built with the selftests, never installed.
 */
#ifndef _MKREP_COUNTER_BENCH_H
#define _MKREP_COUNTER_BENCH_H

#include <linux/ioctl.h>
#include <linux/mkrep.h>
#include <linux/types.h>

#define MKREP_COUNTER_BENCH_DEVICE	"/dev/mkrep_counter_bench"
#define MKREP_COUNTER_BENCH_MODULE	"mkrep_counter_bench"

/*
 * &mkrep_counter_bench.impl: what the loop drives.  Each open of the
 * device has one of each, shared by every thread that uses that
 * descriptor, so that threads on several CPUs contend as users would.
 */
enum mkrep_counter_bench_impl {
	/* mkrep's counters, numbered as their modes */
	MKREP_CBENCH_WRITE_MOSTLY = MKREP_COUNTER_WRITE_MOSTLY,
	MKREP_CBENCH_READ_MOSTLY = MKREP_COUNTER_READ_MOSTLY,
	MKREP_CBENCH_SLOPPY = MKREP_COUNTER_SLOPPY,
	MKREP_CBENCH_ATOMIC = MKREP_NR_COUNTER_MODES,	/* one atomic64_t */
	MKREP_CBENCH_PERCPU,		/* the kernel's percpu_counter */
	MKREP_NR_CBENCH_IMPLS
};

/* &mkrep_counter_bench.op */
enum mkrep_counter_bench_op {
	MKREP_CBENCH_ADD,		/* add 1 */
	MKREP_CBENCH_READ,		/* a local read */
	MKREP_CBENCH_READ_EXACT,	/* an exact read */
	MKREP_CBENCH_GET_PUT,		/* add 1, then -1 */
	MKREP_NR_CBENCH_OPS
};

#define MKREP_CBENCH_MAX_ITERS	16777216U	/* 2^24 */

/**
 * struct mkrep_counter_bench - time a loop of counter operations
 * @impl: in: an &enum mkrep_counter_bench_impl.
 * @op: in: an &enum mkrep_counter_bench_op.
 * @iters: in: operations in the loop, 1 to %MKREP_CBENCH_MAX_ITERS.
 * @__pad: in: must be 0.
 * @ns: out: the loop's wall time, in nanoseconds.
 * @result: out: what the last operation returned; after adds or gets and
 *	puts, the counter's exact value, read outside the loop (the atomic:
 *	what its last add or get returned).
 *
 * The loop runs on the calling thread's CPU with preemption enabled; it
 * checks for signals and may reschedule every 1024 operations (EINTR on a
 * signal).  EINVAL for a bad argument.
 */
struct mkrep_counter_bench {
	__u32 impl;
	__u32 op;
	__u32 iters;
	__u32 __pad;
	__u64 ns;
	__s64 result;
};

#define MKREP_COUNTER_BENCH_RUN	_IOWR(0xBA, 0x01, struct mkrep_counter_bench)

#endif /* _MKREP_COUNTER_BENCH_H */
