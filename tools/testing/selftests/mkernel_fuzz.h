/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the seeded fuzzers of mkchan and mkrep share: the generator, values
 * at the boundaries, the check of each call's result against the errnos
 * the ABI defines for it, and their settings from the environment.
 *
 *   MKFUZZ_SEED     the seed (default: from the time and the pid); the
 *                   fuzzer prints it first, so that a run can be replayed
 *   MKFUZZ_OPS      operations to run
 *   MKFUZZ_SECONDS  the most seconds to run them in
 *
 * A fuzzer's state is a struct that holds a &struct mk_fuzz named fz: the
 * macros rnd(), pick(), edgy() and RESULT() take a pointer to it.  The
 * fuzzers include "kselftest_harness.h" first, then "mkernel_test.h"
 * (mk_pass_fd() sends with its mk_send_fd() and mk_recv_fd()).
 */
#ifndef _MKERNEL_FUZZ_H
#define _MKERNEL_FUZZ_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/types.h>

/**
 * struct mk_fuzz - one process's generator and tally
 * @rng: the xorshift64 state; never zero
 * @calls: system calls whose result was checked
 * @failed: those that failed with an errno the ABI defines for them
 * @unexpected: those that failed otherwise: each is printed, and fails
 *	the test
 * @ops: operations done so far, for the messages
 * @who: who is fuzzing, for the messages ("" for the main process)
 */
struct mk_fuzz {
	__u64 rng;
	unsigned long calls, failed, unexpected;
	unsigned long long ops;
	const char *who;
};

static inline void mk_fuzz_seed(struct mk_fuzz *f, __u64 seed)
{
	f->rng = seed | 1;
}

static inline __u64 mk_rnd(struct mk_fuzz *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng;
}

static inline unsigned int mk_pick(struct mk_fuzz *f, unsigned int n)
{
	return mk_rnd(f) % n;
}

/* A value that is often at a boundary. */
static inline __u32 mk_edgy(struct mk_fuzz *f)
{
	static const __u32 edges[] = {
		0, 1, 2, 3, 7, 8, 32, 63, 64, 65, 128, 4095, 4096, 4097,
		16384, 32768, 65536, 0x7fffffff, 0x80000000, 0xffffffff,
	};

	return mk_pick(f, 3) ? edges[mk_pick(f, ARRAY_SIZE(edges))] :
			       (__u32)mk_rnd(f);
}

/*
 * A pointer no struct can be read from: the first page, a page mapped
 * PROT_NONE, a struct that starts at most 16 bytes below that page, or a
 * kernel address.  (A random number could point into the fuzzer itself:
 * a static binary sits low, and the kernel would write a result there.)
 */
static inline void *mk_bad_ptr(struct mk_fuzz *f)
{
	static char *guard;
	long page = sysconf(_SC_PAGESIZE);

	if (!guard) {
		char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return NULL;
		if (mprotect(p + page, page, PROT_NONE)) {
			munmap(p, 2 * page);
			return NULL;
		}
		guard = p + page;
	}
	switch (mk_pick(f, 4)) {
	case 0:
		return (void *)(uintptr_t)mk_pick(f, page);
	case 1:
		return guard + mk_pick(f, page);
	case 2:
		return guard - 1 - mk_pick(f, 16);
	default:
		return (void *)(uintptr_t)(0xffff888000000000ULL +
					   mk_pick(f, 1 << 20) * 8);
	}
}

/* Count a call's result; @ok lists the errnos it may fail with. */
static inline void mk_fuzz_result(struct mk_fuzz *f, long ret, const int *ok,
				  int nok, const char *what)
{
	int i;

	f->calls++;
	if (ret >= 0)
		return;
	f->failed++;
	for (i = 0; i < nok; i++)
		if (errno == ok[i])
			return;
	f->unexpected++;
	ksft_print_msg("%sop %llu: %s: unexpected %s\n", f->who ? f->who : "",
		       f->ops, what, strerror(errno));
	/* Out before a child that printed it is killed. */
	fflush(stdout);
}

#define rnd(f)		mk_rnd(&(f)->fz)
#define pick(f, n)	mk_pick(&(f)->fz, n)
#define edgy(f)		mk_edgy(&(f)->fz)

#define RESULT(f, ret, what, ...)					\
	mk_fuzz_result(&(f)->fz, ret, (const int[]){ __VA_ARGS__ },	\
		       sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int), what)

/*
 * Pass @fd through SCM_RIGHTS from @sock[0] to @sock[1], a datagram
 * socket pair of the caller's: the new descriptor, or -1.
 */
static inline int mk_pass_fd(const int sock[2], int fd)
{
	int nfd;

	if (mk_send_fd(sock[0], fd, 0))
		return -1;
	nfd = mk_recv_fd(sock[1], 0);
	return nfd < 0 ? -1 : nfd;
}

static inline unsigned long long mk_env_ull(const char *name,
					    unsigned long long def)
{
	const char *v = getenv(name);

	return v ? strtoull(v, NULL, 0) : def;
}

#endif /* _MKERNEL_FUZZ_H */
