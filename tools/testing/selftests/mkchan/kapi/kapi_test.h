/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioctls of mkchan_kapi_test.ko, a test-only module that exercises
 * mkchan's in-kernel API for kapi_test.c.
 */
#ifndef _MKCHAN_KAPI_TEST_H
#define _MKCHAN_KAPI_TEST_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * struct mkchan_kapi_echo - a channel whose other end is a kernel thread
 * @cpu_user: in: CPU of the endpoint handed to the caller
 * @cpu_kernel: in: CPU of the kernel's endpoint and of its thread
 * @nslots: in: slots of each ring
 * @fd: out: the caller's endpoint
 *
 * The kernel thread sends back every message it receives, until the
 * caller closes its endpoint.
 */
struct mkchan_kapi_echo {
	__u32 cpu_user;
	__u32 cpu_kernel;
	__u32 nslots;
	__s32 fd;
};

/* Run the in-kernel checks on a channel with both ends in the kernel. */
#define MKCHAN_KAPI_TEST_SELF	_IO(0xB8, 0xf0)
#define MKCHAN_KAPI_TEST_ECHO	_IOWR(0xB8, 0xf1, struct mkchan_kapi_echo)
/*
 * Exercise mkrep's replicated counter of the mode given as the argument
 * from a kernel thread on every online CPU, with exact reads meanwhile.
 */
#define MKCHAN_KAPI_TEST_COUNTER	_IO(0xB8, 0xf2)

/**
 * struct mkchan_kapi_nest - what MKCHAN_KAPI_TEST_COUNTER_NESTED saw
 * @reads: exact reads of the calling thread
 * @irq_reads: exact reads of the timer interrupt on its CPU
 * @nested: ... of them that interrupted one of the thread's
 * @backwards: local reads of the thread below one the interrupt made
 *	before (the counter only grows): 0 is the guarantee
 */
struct mkchan_kapi_nest {
	__u64 reads;
	__u64 irq_reads;
	__u64 nested;
	__u64 backwards;
};

/*
 * A write-mostly counter that a kernel thread on every other online CPU
 * adds to, for half a second: the calling thread, on its CPU, reads it
 * exactly again and again, and a timer interrupt on that CPU reads it
 * exactly too, every 50 us (and 1 us a possible CPU), in the middle of
 * the thread's reads.  No CPU goes offline meanwhile.
 */
#define MKCHAN_KAPI_TEST_COUNTER_NESTED \
	_IOR(0xB8, 0xf3, struct mkchan_kapi_nest)

#endif /* _MKCHAN_KAPI_TEST_H */
