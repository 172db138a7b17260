// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench - io_uring's ring-to-ring messages for the blocking ping-pong:
 * each thread has an io_uring of its own and waits in io_uring_enter()
 * (IORING_ENTER_GETEVENTS) for a completion in it; the other thread posts
 * that completion with an IORING_OP_MSG_RING submission aimed at the
 * waiter's ring (IORING_MSG_DATA: the 8-byte sequence number travels as
 * the completion's user_data).  The sender's own completion is skipped on
 * success (IOSQE_CQE_SKIP_SUCCESS), so a completion in a thread's ring is
 * either the other's message or its own failure.  One-way = round trip / 2.
 *
 * Raw system calls and the rings mapped by hand, as <linux/io_uring.h>
 * describes them: no liburing.  Where io_uring cannot do this (a kernel
 * without it, io_uring_disabled, a kernel before 5.18 without
 * IORING_OP_MSG_RING), the row is not measured and says why.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mkbench.h"

#define ENTRIES		8	/* one submission at a time is in flight */
#define PROBE_SEQ	(~0ULL)	/* the message of the probe at the start */

/* One io_uring: its descriptor and its two rings as mapped here. */
struct uring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	void *sq_map, *cq_map;
	size_t sq_len, cq_len, sqes_len;
};

struct msgring {
	const struct bench_opts *o;
	struct uring r[2];	/* r[s]: side s waits in it */
	struct {
		uint64_t __aligned(128) seq;
	} side[2];		/* each side's sequence number */
};

static int uring_enter(struct uring *u, unsigned int submit,
		       unsigned int wait)
{
	long ret;

	do {
		ret = syscall(__NR_io_uring_enter, u->fd, submit, wait,
			      wait ? IORING_ENTER_GETEVENTS : 0, NULL, 0);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

/* Queue a message of @seq from @u to the ring @target_fd. */
static void uring_post(struct uring *u, int target_fd, uint64_t seq)
{
	unsigned int tail = *u->sq_tail, i = tail & *u->sq_mask;
	struct io_uring_sqe *sqe = &u->sqes[i];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_MSG_RING;
	sqe->flags = IOSQE_CQE_SKIP_SUCCESS;
	sqe->fd = target_fd;
	sqe->addr = IORING_MSG_DATA;
	sqe->len = 0;		/* the target completion's res */
	sqe->off = seq;		/* ... and its user_data */
	sqe->user_data = seq;
	u->sq_array[i] = i;
	store_release(u->sq_tail, tail + 1);
}

/* Take a completion from @u into @cqe: 1, or 0 when there is none. */
static int uring_reap(struct uring *u, struct io_uring_cqe *cqe)
{
	unsigned int head = *u->cq_head;

	if (head == load_acquire(u->cq_tail))
		return 0;
	*cqe = u->cqes[head & *u->cq_mask];
	store_release(u->cq_head, head + 1);
	return 1;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "mkbench: io_uring %s: %s\n", what, strerror(-err));
	exit(1);
}

/* Wait on side @side for the other's message: its sequence number. */
static uint64_t recv_msg(struct msgring *mr, int side)
{
	struct uring *u = &mr->r[side];
	struct io_uring_cqe cqe;
	int ret;

	while (!uring_reap(u, &cqe)) {
		ret = uring_enter(u, 0, 1);
		if (ret)
			die("io_uring_enter", ret);
	}
	if (cqe.res < 0)	/* our own message failed */
		die("IORING_OP_MSG_RING", cqe.res);
	return cqe.user_data;
}

static void pingpong(void *arg, int side, unsigned long n)
{
	struct msgring *mr = arg;
	uint64_t *seq = &mr->side[0].seq, v;
	int ret;

	for (; n; n--) {
		if (side == 1) {
			v = recv_msg(mr, 1);
			uring_post(&mr->r[1], mr->r[0].fd, v);
			ret = uring_enter(&mr->r[1], 1, 0);
			if (ret)
				die("io_uring_enter", ret);
			continue;
		}
		/* Submit and wait for the answer in one call. */
		uring_post(&mr->r[0], mr->r[1].fd, *seq);
		ret = uring_enter(&mr->r[0], 1, 1);
		if (ret)
			die("io_uring_enter", ret);
		v = recv_msg(mr, 0);
		if (v != *seq) {
			fprintf(stderr, "mkbench: msg_ring: message %llu, %llu due\n",
				(unsigned long long)v,
				(unsigned long long)*seq);
			exit(1);
		}
		++*seq;
	}
}

static void uring_close(struct uring *u)
{
	if (u->sqes)
		munmap(u->sqes, u->sqes_len);
	if (u->cq_map && u->cq_map != u->sq_map)
		munmap(u->cq_map, u->cq_len);
	if (u->sq_map)
		munmap(u->sq_map, u->sq_len);
	if (u->fd >= 0)
		close(u->fd);
	memset(u, 0, sizeof(*u));
	u->fd = -1;
}

static void *map(int fd, size_t len, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, off);

	return p == MAP_FAILED ? NULL : p;
}

/* Set up @u: 0, or -errno with what failed in @why. */
static int uring_open(struct uring *u, char *why, size_t len)
{
	struct io_uring_params p;
	int err;

	memset(u, 0, sizeof(*u));
	memset(&p, 0, sizeof(p));
	u->fd = syscall(__NR_io_uring_setup, ENTRIES, &p);
	if (u->fd < 0) {
		err = -errno;
		snprintf(why, len, "io_uring_setup: %s%s", strerror(-err),
			 err == -EPERM ? " (kernel.io_uring_disabled?)" : "");
		return err;
	}
	if (!(p.features & IORING_FEAT_CQE_SKIP)) {
		snprintf(why, len, "io_uring lacks IOSQE_CQE_SKIP_SUCCESS (before 5.17)");
		uring_close(u);
		return -EOPNOTSUPP;
	}
	u->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	u->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (u->cq_len > u->sq_len)
			u->sq_len = u->cq_len;
		u->cq_len = u->sq_len;
	}
	u->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	u->sq_map = map(u->fd, u->sq_len, IORING_OFF_SQ_RING);
	if (u->sq_map && (p.features & IORING_FEAT_SINGLE_MMAP))
		u->cq_map = u->sq_map;
	else if (u->sq_map)
		u->cq_map = map(u->fd, u->cq_len, IORING_OFF_CQ_RING);
	u->sqes = map(u->fd, u->sqes_len, IORING_OFF_SQES);
	if (!u->sq_map || !u->cq_map || !u->sqes) {
		err = -errno;
		snprintf(why, len, "mmap of an io_uring: %s", strerror(-err));
		uring_close(u);
		return err;
	}
	u->sq_tail = (unsigned int *)((char *)u->sq_map + p.sq_off.tail);
	u->sq_mask = (unsigned int *)((char *)u->sq_map + p.sq_off.ring_mask);
	u->sq_array = (unsigned int *)((char *)u->sq_map + p.sq_off.array);
	u->cq_head = (unsigned int *)((char *)u->cq_map + p.cq_off.head);
	u->cq_tail = (unsigned int *)((char *)u->cq_map + p.cq_off.tail);
	u->cq_mask = (unsigned int *)((char *)u->cq_map + p.cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)((char *)u->cq_map + p.cq_off.cqes);
	return 0;
}

/*
 * One message from ring 0 to ring 1, before the measurement: a kernel
 * that does not know IORING_OP_MSG_RING fails it (-EINVAL) into ring 0.
 */
static int probe(struct msgring *mr, char *why, size_t len)
{
	struct io_uring_cqe cqe;
	int ret;

	uring_post(&mr->r[0], mr->r[1].fd, PROBE_SEQ);
	ret = uring_enter(&mr->r[0], 1, 0);
	if (!ret && uring_reap(&mr->r[0], &cqe))
		ret = cqe.res < 0 ? cqe.res : -EPROTO;
	if (ret) {
		snprintf(why, len, "IORING_OP_MSG_RING: %s", strerror(-ret));
		return ret;
	}
	while (!uring_reap(&mr->r[1], &cqe)) {
		ret = uring_enter(&mr->r[1], 0, 1);
		if (ret) {
			snprintf(why, len, "io_uring_enter: %s",
				 strerror(-ret));
			return ret;
		}
	}
	if (cqe.user_data != PROBE_SEQ) {
		snprintf(why, len, "IORING_OP_MSG_RING: a wrong message");
		return -EPROTO;
	}
	return 0;
}

static void msgring_close(void *arg)
{
	struct msgring *mr = arg;

	uring_close(&mr->r[0]);
	uring_close(&mr->r[1]);
	free(mr);
}

int msgring_open(const struct bench_opts *o, unsigned long iters,
		 struct meas *m, char *why, size_t len)
{
	struct msgring *mr = aligned_alloc(128, sizeof(*mr));
	int ret;

	memset(m, 0, sizeof(*m));
	if (!mr) {
		snprintf(why, len, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	memset(mr, 0, sizeof(*mr));
	mr->o = o;
	mr->r[0].fd = -1;
	mr->r[1].fd = -1;
	ret = uring_open(&mr->r[0], why, len);
	if (!ret)
		ret = uring_open(&mr->r[1], why, len);
	if (!ret)
		ret = probe(mr, why, len);
	if (ret) {
		msgring_close(mr);
		return ret;
	}
	meas_init(o, m, pingpong, mr, iters / 10, iters, 2.0 * iters,
		  msgring_close);
	return 0;
}
