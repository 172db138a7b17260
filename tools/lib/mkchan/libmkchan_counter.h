/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libmkchan - mapped counters of mkrep (MKREP_COUNTER_MAP in
 * <linux/mkrep.h>): a write-mostly replicated counter whose replicas, a
 * slot a possible CPU, are mapped into the process.  A thread adds to the
 * slot of the CPU it runs on inside a restartable sequence (rseq(2)),
 * which the kernel restarts from the top when it preempts or migrates the
 * thread or delivers it a signal before the last store: no system call,
 * no atomic instruction, and the update lands once, in the slot of the
 * CPU the thread was on when it stored.
 *
 * The sequences are written for x86-64 (not x32) and use the rseq area
 * that glibc (2.35 and later) registers for every thread.  Where there is
 * none (an older glibc, GLIBC_TUNABLES=glibc.pthread.rseq=0, a
 * registration the kernel refused, another architecture) or a sequence
 * was restarted MKREP_UCOUNTER_TRIES times in a row (a debugger stepping
 * through it), the same calls use MKREP_IOC_COUNTER_ADD and
 * MKREP_IOC_COUNTER_READ
 * instead, which change and read the same slots: never an atomic
 * instruction on a slot, which a sequence on its CPU would store over.
 * mkrep_ucounter_fast() says which way the calling thread goes.
 *
 * Two cases it cannot see: a vfork() child (or a CLONE_VM one that is not
 * a thread) shares its parent's rseq area without a registration of its
 * own, so its sequences are unprotected: it must call the _ioctl()
 * functions.  And the kernel reads a thread's last sequence descriptor
 * the next time the thread is scheduled out or signalled (SIGSEGV if it
 * is gone): code holding an inlined sequence (a dlopen()ed library) must
 * not be unloaded while a thread that ran it may not have been scheduled
 * out since.
 */
#ifndef _LIBMKCHAN_COUNTER_H
#define _LIBMKCHAN_COUNTER_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/mkrep.h>

/* glibc 2.35 and later register rseq and say where (<sys/rseq.h>). */
#if defined(__x86_64__) && !defined(__ILP32__) && defined(__GLIBC__) && \
	(__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#include <sys/rseq.h>
#if defined(RSEQ_SIG) && RSEQ_SIG == 0x53053053
#define MKREP_UCOUNTER_RSEQ	1
#endif
#endif

/* Restarts of one sequence in a row before the call takes the ioctl. */
#define MKREP_UCOUNTER_TRIES	16

/*
 * Test hooks, defined before this header is included, else empty:
 * MKREP_RSEQ_INJECT(n), assembly placed at point n (1 to 3) of every
 * sequence, which may use %r9 (then clobbered), and which also records
 * where each commit store begins and ends (section __mkrep_rseq_commit);
 * MKREP_UCOUNTER_RESTARTED, a statement run at each restart.  A test
 * widens the windows that preemption, migration and signals must hit,
 * counts that they did, and checks each commit ends its sequence.
 */
#ifdef MKREP_RSEQ_INJECT
#define MKREP_RSEQ_INJECT_CLOBBER	"r9",
/* Where each commit store begins and ends, for a test to check. */
#define MKREP_RSEQ_COMMIT(insn)						\
	"7:\n\t" insn "8:\n\t"						\
	".pushsection __mkrep_rseq_commit, \"aw\"\n\t"			\
	".balign 8\n\t"							\
	".quad 7b, 8b\n\t"						\
	".popsection\n\t"
#else
#define MKREP_RSEQ_INJECT(n)		""
#define MKREP_RSEQ_INJECT_CLOBBER
#define MKREP_RSEQ_COMMIT(insn)		insn
#endif
#ifndef MKREP_UCOUNTER_RESTARTED
#define MKREP_UCOUNTER_RESTARTED	do { } while (0)
#endif

/* A mapped counter, as a process sees it. */
struct mkrep_ucounter {
	int fd;			/* the counter; -1: memory only (mkbench) */
	unsigned int nr_slots;	/* a possible CPU each */
	struct mkrep_counter_slot *slots;	/* the mapping */
	size_t map_size;	/* its length */
};

/*
 * Make a mapped write-mostly counter on /dev/mkrep (@devfd, see
 * mkrep_open()), close-on-exec, and map it into @c.  0 or -errno; on
 * failure @c is closed (mkrep_ucounter_close() on it does nothing).
 */
int mkrep_ucounter_create(int devfd, struct mkrep_ucounter *c);

/*
 * Map the mapped counter @fd into @c, which takes @fd over (it closes it
 * in mkrep_ucounter_close()).  0 or -errno: -ENODEV if it is not mapped;
 * on failure @fd stays the caller's and @c is closed.
 */
int mkrep_ucounter_map(int fd, struct mkrep_ucounter *c);

/* Unmap and close. */
void mkrep_ucounter_close(struct mkrep_ucounter *c);

/* MKREP_IOC_COUNTER_ADD: the system-call way.  0 or -errno. */
int mkrep_ucounter_add_ioctl(const struct mkrep_ucounter *c,
			     long long delta);

/* MKREP_IOC_COUNTER_READ, exact if @exact.  0 or -errno. */
int mkrep_ucounter_read_ioctl(const struct mkrep_ucounter *c, int exact,
			      long long *val);

/*
 * Whether the calling thread updates and reads @c without a system call:
 * rseq is registered for it and its CPU has a slot.
 */
int mkrep_ucounter_fast(const struct mkrep_ucounter *c);

#ifdef MKREP_UCOUNTER_RSEQ

/*
 * The fields of struct rseq (fixed by the kernel's ABI) that the
 * sequences use, as offsets into the calling thread's area.
 */
#define MKREP_RSEQ_CPU_ID	4	/* __u32 cpu_id */
#define MKREP_RSEQ_CS		8	/* __u64 rseq_cs */

static inline char *mkrep_rseq_area(void)
{
	if (__rseq_size == 0)
		return NULL;
	return (char *)__builtin_thread_pointer() + __rseq_offset;
}

/*
 * The parts every sequence shares.  MKREP_RSEQ_BEGIN: its descriptor
 * (struct rseq_cs: version 0, flags 0, the first instruction, the length
 * up to the end of the last store, the abort handler), the descriptor's
 * address into rseq_cs, then from label 1 the sequence proper: the CPU
 * number, leaving for the ioctl if it has no slot.  The sequence ends at
 * label 2, after its one store that matters.  MKREP_RSEQ_END: the abort
 * handler, out of line, after the signature the kernel checks.
 */
#define MKREP_RSEQ_BEGIN						\
	".pushsection __rseq_cs, \"aw\"\n\t"				\
	".balign 32\n\t"						\
	"3:\n\t"							\
	".long 0, 0\n\t"						\
	".quad 1f, (2f - 1f), 4f\n\t"					\
	".popsection\n\t"						\
	"leaq 3b(%%rip), %%rax\n\t"					\
	"movq %%rax, %[cs]\n\t"						\
	"1:\n\t"							\
	"movl %[cpu], %%eax\n\t"					\
	MKREP_RSEQ_INJECT(1)						\
	"cmpl %[nr], %%eax\n\t"						\
	"jae %l[slow]\n\t"						\
	"shlq $7, %%rax\n\t"						\
	"addq %[slots], %%rax\n\t"					\
	MKREP_RSEQ_INJECT(2)

#define MKREP_RSEQ_END							\
	"2:\n\t"							\
	".pushsection __rseq_failure, \"ax\"\n\t"			\
	".byte 0x0f, 0xb9, 0x3d\n\t"					\
	".long 0x53053053\n\t"						\
	"4:\n\t"							\
	"jmp %l[aborted]\n\t"						\
	".popsection\n\t"

/*
 * The operands every sequence takes: rseq_cs and cpu_id of the calling
 * thread's rseq area, the counter's slots and their number.
 */
#define MKREP_RSEQ_INPUTS(cs_field, cpu_field, nr_slots, slots_base)	\
	[cs] "m" (*(uint64_t *)(cs_field)),				\
	[cpu] "m" (*(uint32_t *)(cpu_field)),				\
	[nr] "r" (nr_slots), [slots] "r" (slots_base)

/*
 * The sequences, each of one shape: 0 done, 1 restarted, -1 no slot for
 * this CPU.  One add of @delta (@val unused).
 */
static inline int mkrep_rseq_add(char *rs, struct mkrep_ucounter *c,
				 long long delta, long long *val)
{
	(void)val;
	__asm__ __volatile__ goto(MKREP_RSEQ_BEGIN
		"movq (%%rax), %%rcx\n\t"
		"addq %[delta], %%rcx\n\t"
		MKREP_RSEQ_INJECT(3)
		MKREP_RSEQ_COMMIT("movq %%rcx, (%%rax)\n\t")	/* the commit */
		MKREP_RSEQ_END
		: /* no outputs */
		: MKREP_RSEQ_INPUTS(rs + MKREP_RSEQ_CS, rs + MKREP_RSEQ_CPU_ID,
				    c->nr_slots, c->slots), [delta] "r" (delta)
		: "rax", "rcx", MKREP_RSEQ_INJECT_CLOBBER "memory", "cc"
		: aborted, slow);
	return 0;
aborted:
	return 1;
slow:
	return -1;
}

/* A local read: @base and @count of this CPU's slot, of one moment. */
static inline int mkrep_rseq_read(char *rs, struct mkrep_ucounter *c,
				  long long delta, long long *val)
{
	(void)delta;
	__asm__ __volatile__ goto(MKREP_RSEQ_BEGIN
		"movq (%%rax), %%rcx\n\t"
		MKREP_RSEQ_INJECT(3)
		"addq 8(%%rax), %%rcx\n\t"
		MKREP_RSEQ_COMMIT("movq %%rcx, (%[val])\n\t")
		MKREP_RSEQ_END
		: /* no outputs */
		: MKREP_RSEQ_INPUTS(rs + MKREP_RSEQ_CS, rs + MKREP_RSEQ_CPU_ID,
				    c->nr_slots, c->slots), [val] "r" (val)
		: "rax", "rcx", MKREP_RSEQ_INJECT_CLOBBER "memory", "cc"
		: aborted, slow);
	return 0;
aborted:
	return 1;
slow:
	return -1;
}

/*
 * An exact read: every slot's @count added up, then this CPU's @base
 * stored, all in one sequence, so that no other exact read on this CPU
 * stores an older total after a newer one, and @count of this CPU is the
 * one the sum counted.
 */
static inline int mkrep_rseq_read_exact(char *rs, struct mkrep_ucounter *c,
					long long delta, long long *val)
{
	(void)delta;
	__asm__ __volatile__ goto(MKREP_RSEQ_BEGIN
		"xorl %%ecx, %%ecx\n\t"
		"movq %[slots], %%rdx\n\t"
		"movl %[nr], %%r8d\n\t"
		"5:\n\t"
		"addq (%%rdx), %%rcx\n\t"
		"addq $128, %%rdx\n\t"
		"subl $1, %%r8d\n\t"
		"jnz 5b\n\t"
		"movq %%rcx, (%[val])\n\t"
		"subq (%%rax), %%rcx\n\t"
		MKREP_RSEQ_INJECT(3)
		MKREP_RSEQ_COMMIT("movq %%rcx, 8(%%rax)\n\t") /* @base */
		MKREP_RSEQ_END
		: /* no outputs */
		: MKREP_RSEQ_INPUTS(rs + MKREP_RSEQ_CS, rs + MKREP_RSEQ_CPU_ID,
				    c->nr_slots, c->slots), [val] "r" (val)
		: "rax", "rcx", "rdx", "r8", MKREP_RSEQ_INJECT_CLOBBER
		  "memory", "cc"
		: aborted, slow);
	return 0;
aborted:
	return 1;
slow:
	return -1;
}

/*
 * Run the sequence @seq until it is done: 0, or 1 where the caller is to
 * take the ioctl (no rseq, no slot for this CPU, MKREP_UCOUNTER_TRIES
 * restarts in a row).  Inlined with @seq known, @seq is inlined too.
 */
static inline int
mkrep_rseq_run(int (*seq)(char *rs, struct mkrep_ucounter *c,
			  long long delta, long long *val),
	       struct mkrep_ucounter *c, long long delta, long long *val)
{
	char *rs = mkrep_rseq_area();
	int i, ret;

	for (i = 0; rs && i < MKREP_UCOUNTER_TRIES; i++) {
		ret = seq(rs, c, delta, val);
		if (ret <= 0)
			return ret ? 1 : 0;
		MKREP_UCOUNTER_RESTARTED;
	}
	return 1;
}

#endif /* MKREP_UCOUNTER_RSEQ */

/* Add @delta on the calling thread's CPU.  0 or -errno (ioctl only). */
static inline int mkrep_ucounter_add(struct mkrep_ucounter *c,
				     long long delta)
{
#ifdef MKREP_UCOUNTER_RSEQ
	if (!mkrep_rseq_run(mkrep_rseq_add, c, delta, NULL))
		return 0;
#endif
	return mkrep_ucounter_add_ioctl(c, delta);
}

/*
 * A local read on the calling thread's CPU: the total the latest exact
 * read there found, plus that CPU's updates since.  0 or -errno.
 */
static inline int mkrep_ucounter_read(struct mkrep_ucounter *c,
				      long long *val)
{
#ifdef MKREP_UCOUNTER_RSEQ
	if (!mkrep_rseq_run(mkrep_rseq_read, c, 0, val))
		return 0;
#endif
	return mkrep_ucounter_read_ioctl(c, 0, val);
}

/*
 * An exact read: the sum of every slot, with the guarantee of
 * MKREP_COUNTER_EXACT; kept on the calling thread's CPU for its local
 * reads.  0 or -errno.
 */
static inline int mkrep_ucounter_read_exact(struct mkrep_ucounter *c,
					    long long *val)
{
#ifdef MKREP_UCOUNTER_RSEQ
	if (!mkrep_rseq_run(mkrep_rseq_read_exact, c, 0, val))
		return 0;
#endif
	return mkrep_ucounter_read_ioctl(c, 1, val);
}

#endif /* _LIBMKCHAN_COUNTER_H */
