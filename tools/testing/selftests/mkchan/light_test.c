// SPDX-License-Identifier: GPL-2.0
/*
 * Light senders ("Light senders" in <linux/mkchan.h>): a sender leaves out
 * its full barrier per message for a receiver that runs membarrier()
 * before its last look.  libmkchan turns it on wherever membarrier()'s
 * global expedited command exists (every kernel this project supports);
 * poll() on such a mapped receiver reports a waiting flag that a wake-up
 * cleared instead of setting it again; and two sides that both sleep on
 * every message never lose a wake-up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libmkchan.h"

#include "kselftest_harness.h"
#include "../mkernel_test.h"

#define NSLOTS		64
#define ROUND_TRIPS	20000UL

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
		mkchan_unmap(&self->ep[i]);
		if (self->fd[i] >= 0)
			close(self->fd[i]);
	}
}

/* Both sides light, both receivers carry the cost, each sees the other's. */
TEST_F(chan, light_when_membarrier_exists)
{
	int i;

	for (i = 0; i < 2; i++) {
		EXPECT_TRUE(self->ep[i].tx.light) TH_LOG("endpoint %d", i);
		EXPECT_EQ(MKCHAN_CTL_MEMBARRIER,
			  self->ep[i].rx.ctl->flags & MKCHAN_CTL_MEMBARRIER);
		EXPECT_EQ(MKCHAN_CTL_MEMBARRIER,
			  self->ep[i].tx.peer->flags & MKCHAN_CTL_MEMBARRIER);
	}
}

/*
 * poll() that may sleep on a mapped receiver with MKCHAN_CTL_MEMBARRIER: a
 * clear flag (a wake-up cleared it) is reported as EPOLLIN and left
 * clear; a set flag with nothing there sleeps.  Without the bit, poll()
 * sets the flag itself, as before.  (A poll() that cannot sleep, timeout
 * 0, announces nothing and reports only what is there.)
 */
TEST(poll_reports_a_cleared_flag)
{
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	struct mkchan_ep ep[2], *rx = &ep[1];
	struct pollfd p = { .events = POLLIN };
	unsigned int type;
	__u64 seq = 7;
	int dev, fd[2], i;
	size_t len;

	dev = mkchan_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, mkchan_create(dev, 0, 0, NSLOTS, 0, fd));
	close(dev);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, mkchan_map(&ep[i], fd[i]));
	p.fd = fd[1];
	ASSERT_TRUE(rx->rx.ctl->flags & MKCHAN_CTL_MEMBARRIER);

	mkc_write_once(rx->rx.ctl->waiting, 0);
	ASSERT_EQ(1, poll(&p, 1, 5000));
	EXPECT_EQ(POLLIN, p.revents);
	EXPECT_EQ(0, mkc_read_once(rx->rx.ctl->waiting));

	mkc_write_once(rx->rx.ctl->waiting, 1);
	EXPECT_EQ(0, poll(&p, 1, 50));
	EXPECT_EQ(1, mkc_read_once(rx->rx.ctl->waiting));

	ASSERT_EQ(0, mkchan_send(&ep[0], 0, &seq, sizeof(seq)));
	ASSERT_EQ(1, poll(&p, 1, 5000));
	EXPECT_EQ(POLLIN, p.revents);
	/* The send's notify cleared the flag. */
	EXPECT_EQ(0, mkc_read_once(rx->rx.ctl->waiting));

	/* Without the bit the kernel announces for the receiver. */
	mkc_write_once(rx->rx.ctl->flags, 0);
	ASSERT_EQ(0, mkchan_try_recv(rx, &type, buf, &len));
	mkc_rx_publish(&rx->rx);	/* as a receiver does before it sleeps */
	EXPECT_EQ(0, poll(&p, 1, 50));
	EXPECT_EQ(1, mkc_read_once(rx->rx.ctl->waiting));

	for (i = 0; i < 2; i++)
		mkchan_close(&ep[i]);
}

/* One side of a ping-pong in which each receive sleeps at once. */
static int sleepy_side(struct mkchan_ep *ep, int side)
{
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	unsigned int type;
	__u64 seq, got;
	size_t len;
	int ret;

	for (seq = 0; seq < ROUND_TRIPS; seq++) {
		if (side == 0) {
			ret = mkchan_send(ep, 0, &seq, sizeof(seq));
			if (ret)
				return 10;
		}
		ret = mkchan_recv(ep, &type, buf, &len, 0);
		if (ret || len != sizeof(got))
			return 11;
		memcpy(&got, buf, sizeof(got));
		if (got != seq)
			return 12;
		if (side == 1 && mkchan_send(ep, 0, &seq, sizeof(seq)))
			return 13;
	}
	return ep->sleeps ? 0 : 14;
}

/*
 * Two processes on two CPUs (if there are two) ping-pong ROUND_TRIPS
 * messages, each receiver going to sleep at once when it finds nothing:
 * every message crosses the light sender's unfenced check against the
 * receiver's membarrier().  A lost wake-up stalls it into the timeout.
 */
TEST_F_TIMEOUT(chan, sleeping_ping_pong_loses_nothing, 120)
{
	int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN), st, i;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (cpus > 1)
			mk_pin_cpu(1);
		if (self->fd[1] >= 0) {
			close(self->fd[0]);
			if (mkchan_map(&self->ep[1], self->fd[1]))
				_exit(2);
		}
		_exit(sleepy_side(&self->ep[1], 1));
	}
	if (cpus > 1)
		mk_pin_cpu(0);
	i = sleepy_side(&self->ep[0], 0);
	EXPECT_EQ(0, i);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("the other side: status %#x", st);
}

TEST_HARNESS_MAIN
