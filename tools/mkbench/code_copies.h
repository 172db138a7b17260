/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkbench - a measured loop in several copies, each at its own offset in
 * the instruction cache lines, run one copy a round in turn.
 *
 * Where a hot loop falls in the fetch blocks and lines of the front end
 * moves its speed as much as what it does: on the hosts measured so far
 * the same source of the UMP-style ring streamed at 23 to 41 M msgs/s by
 * where a change elsewhere had left its loop, and URPC's ping-pong on SMT
 * siblings went from 1.11x to 1.42x a new line each time when its
 * function, the peer rings' and the new line's moved by 16-byte steps
 * (Documentation/performance.rst).  Measured in one copy, a row says as
 * much about the linker's accident as about the code, and a ratio of two
 * rows about two accidents.
 *
 * So each polling loop that mkbench urpc measures, but the one line's, is
 * compiled MKBENCH_COPIES times: copy k pads itself once, before its
 * loops, to a 64-byte boundary and then k * MKBENCH_COPY_STEP bytes
 * further with no-ops, which moves everything after them by as much.  The
 * compiler aligns nothing on more than 16 bytes with the Makefile's flags
 * (gcc -O2: loop heads on 16 if that skips at most 10 bytes, else on 8;
 * checked with objdump on x86-64), so a shift by a multiple of 16 keeps
 * every alignment it chose, the code after is the same in every copy, and
 * each loop sits at each 16-byte offset of a line in one of them.  A
 * build with -falign-loops or -falign-jumps of 32 or more would undo the
 * shift, and other tunings than gcc's generic x86-64 one may align loops
 * on more (objdump tells).  Round r runs one copy of every such row, the
 * rows turning their copies at different paces so that each pairing of
 * two rows' copies comes in turn (meas_copy(), pair.c), and each copy's
 * median is printed.
 */
#ifndef MKBENCH_CODE_COPIES_H
#define MKBENCH_CODE_COPIES_H

#include <assert.h>

#define MKBENCH_COPIES		4	/* each user lists four (below) */
static_assert(MKBENCH_COPIES == 4, "DEFINE_COPY()'s users list four");

/*
 * The offset between copies: 16 bytes of no-ops, of one byte each on
 * x86-64 and of four on arm64; none on other architectures, where the
 * copies are the same code at the same offset (mkbench prints a step of
 * 0 bytes).
 */
#if defined(__x86_64__)
#define MKBENCH_COPY_STEP	16
#define MKBENCH_NOP_BYTES	1
#elif defined(__aarch64__)
#define MKBENCH_COPY_STEP	16
#define MKBENCH_NOP_BYTES	4
#else
#define MKBENCH_COPY_STEP	0
#define MKBENCH_NOP_BYTES	1
#endif

#define MKBENCH_STR(x)		#x
#define MKBENCH_XSTR(x)		MKBENCH_STR(x)

/* The no-ops of copy @k (none for copy 0), as assembler text. */
#define MKBENCH_NOPS(k)							\
	".rept " #k " * " MKBENCH_XSTR(MKBENCH_COPY_STEP) " / "		\
	MKBENCH_XSTR(MKBENCH_NOP_BYTES) "\n\tnop\n\t.endr"

/*
 * name_copy<k>: copy @k of @body, a pair_fn's body, which must be
 * __always_inline (else every copy is a call to the one body).  A user
 * defines copies 0 to 3 and lists them, name_copy0 first, in an array of
 * MKBENCH_COPIES for meas_init_copies().
 */
#define DEFINE_COPY(name, body, k)					\
static void name##_copy##k(void *arg, int side, unsigned long n)	\
{									\
	__asm__ __volatile__(".p2align 6\n\t" MKBENCH_NOPS(k));		\
	body(arg, side, n);						\
}

#endif /* MKBENCH_CODE_COPIES_H */
