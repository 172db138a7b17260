/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioctls of mkrep_stall_test.ko, a test-only module that holds a
 * process's mmap_lock, so that a selftest can show that mkrep never waits
 * for it where a process could make it wait for as long as it likes.
 */
#ifndef _MKREP_STALL_TEST_H
#define _MKREP_STALL_TEST_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * struct mkrep_stall_mmap - hold a process's mmap_lock
 * @pid: in: the process, in the caller's PID namespace
 * @ms: in: how long at most, 1 to 60000 milliseconds
 *
 * An unprivileged process can make the kernel hold its mmap_lock for as
 * long as it likes: a read of its own /proc/PID/mem, or a ptrace access,
 * goes through get_user_pages_remote(), which keeps the lock for reading
 * while it faults in a page of a file that nobody answers for (FUSE
 * served by the process itself); and a thread of it that calls mmap()
 * meanwhile queues for writing, so every later reader waits too.  Held
 * for writing here, it stands for all of that: whoever takes the lock,
 * for reading or for writing, waits as long.
 */
struct mkrep_stall_mmap {
	__s32 pid;
	__u32 ms;
};

/*
 * A kernel thread takes the process's mmap_lock for writing; the ioctl
 * returns once it holds it.  EBUSY while an earlier hold is not released;
 * EINTR if a fatal signal came first (the thread lets go as soon as it
 * gets the lock).  CAP_SYS_ADMIN only.
 */
#define MKREP_STALL_MMAP_WRITE	_IOW(0xB9, 0x01, struct mkrep_stall_mmap)
/* Return 1 while the lock is held, 0 once the hold ended. */
#define MKREP_STALL_HELD	_IO(0xB9, 0x02)
/* End the hold now, and wait until the lock is released. */
#define MKREP_STALL_RELEASE	_IO(0xB9, 0x03)

#endif /* _MKREP_STALL_TEST_H */
