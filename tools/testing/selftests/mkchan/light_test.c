// SPDX-License-Identifier: GPL-2.0
/*
 * Light senders ("Light senders" in <linux/mkchan.h>): a sender leaves out
 * its full barrier per message for a receiver that runs membarrier()
 * before its last look.  An endpoint is light once mkchan_set_light()
 * says so, and stays light when mapped again; poll() on such a mapped
 * receiver reports a waiting flag that a wake-up cleared instead of
 * setting it again; epoll after mkchan_arm() and a ping-pong whose
 * receivers sleep on every message lose no wake-up; membarrier() is
 * really on the sleep path (a seccomp filter that fails it shows), and a
 * process that cannot call it may not map a light endpoint.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
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

#include "chan_fixture.h"

/*
 * Off until asked; then both sides light, both receivers carry the cost,
 * each sees the other's; and a mapping made again (the module) or a
 * fork() child (shared memory) stays light.
 */
TEST_F(chan, light_when_asked)
{
	int i, st;
	pid_t pid;

	for (i = 0; i < 2; i++) {
		EXPECT_FALSE(self->ep[i].tx.light);
		EXPECT_EQ(0, self->ep[i].rx.ctl->flags);
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, mkchan_set_light(&self->ep[i]));
	for (i = 0; i < 2; i++) {
		EXPECT_TRUE(self->ep[i].tx.light) TH_LOG("endpoint %d", i);
		EXPECT_EQ(MKCHAN_CTL_MEMBARRIER, self->ep[i].rx.ctl->flags);
		EXPECT_EQ(MKCHAN_CTL_MEMBARRIER, self->ep[i].tx.peer->flags);
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct mkchan_ep again;

		if (self->fd[1] < 0)
			_exit(self->ep[1].tx.light ? 0 : 1);
		if (mkchan_map(&again, self->fd[1]))
			_exit(2);
		_exit(again.tx.light ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("status %#x", st);
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
	ASSERT_EQ(0, mkchan_set_light(rx));

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

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, mkchan_set_light(&self->ep[i]));
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
	/* Each of its sleeps was preceded by a membarrier(). */
	EXPECT_LE(self->ep[0].sleeps, self->ep[0].membarriers);
	EXPECT_LT(0, self->ep[0].membarriers);
}

/*
 * A program with its own epoll on a light mapped receiver: a child sends
 * light, in bursts; the parent drains with mkchan_try_recv() and, when
 * mkchan_arm() says so, waits in epoll_wait(), edge- or level-triggered.
 * Every message arrives; no wait outlasts 5 s (a lost wake-up).
 */
static void epoll_receiver(struct __test_metadata *_metadata, bool edge,
			   bool light)
{
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	struct epoll_event ev = { .events = EPOLLIN | (edge ? EPOLLET : 0) };
	struct mkchan_ep ep[2];
	unsigned int type, got = 0, waits = 0, empty = 0;
	bool woken = false;
	int dev, fd[2], efd, n, st, ret;
	size_t len;
	pid_t pid;

	dev = mkchan_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, mkchan_create(dev, 0, 0, NSLOTS, 0, fd));
	close(dev);
	ASSERT_EQ(0, mkchan_map(&ep[1], fd[1]));
	if (light)
		ASSERT_EQ(0, mkchan_set_light(&ep[1]));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		__u64 seq;

		close(fd[1]);
		if (mkchan_map(&ep[0], fd[0]) ||
		    (light && mkchan_set_light(&ep[0])))
			_exit(2);
		for (seq = 0; seq < ROUND_TRIPS; seq++) {
			if (mkchan_send_wait(&ep[0], 0, &seq, sizeof(seq), 0))
				_exit(3);
			if (seq % 7 == 0)
				usleep(50);	/* the receiver waits */
		}
		_exit(0);
	}
	close(fd[0]);
	efd = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, epoll_ctl(efd, EPOLL_CTL_ADD, fd[1], &ev));
	while (got < ROUND_TRIPS) {
		ret = mkchan_try_recv(&ep[1], &type, buf, &len);
		if (!ret) {
			got++;
			woken = false;
			continue;
		}
		ASSERT_EQ(-EAGAIN, ret);
		empty += woken;	/* woken for nothing */
		ret = mkchan_arm(&ep[1]);
		ASSERT_LE(0, ret);
		if (ret)
			continue;
		n = epoll_wait(efd, &ev, 1, 5000);
		ASSERT_EQ(1, n) TH_LOG("%s epoll: no event for 5 s at %u",
				       edge ? "edge" : "level", got);
		waits++;
		woken = true;
	}
	/* A wait for nothing now and then, never a spin. */
	EXPECT_GE(ROUND_TRIPS / 10, empty)
		TH_LOG("%u waits, %u of them for nothing", waits, empty);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("sender: status %#x", st);
	EXPECT_LT(0, waits);
	close(efd);
	mkchan_close(&ep[1]);
}

TEST(epoll_edge_after_arm)
{
	epoll_receiver(_metadata, true, true);
}

TEST(epoll_level_after_arm)
{
	epoll_receiver(_metadata, false, true);
}

/* Edge-triggered epoll needs mkchan_arm() on any endpoint, light or not. */
TEST(epoll_edge_after_arm_full_barrier)
{
	epoll_receiver(_metadata, true, false);
}

/*
 * mkchan_arm(): -EOPNOTSUPP without a descriptor (shared memory); else 1
 * with a message there (and nothing announced), 0 with the flag set.
 */
TEST_F(chan, arm)
{
	struct mkchan_ep *rx = &self->ep[1];
	__u64 seq = 1;

	if (!variant->module) {
		EXPECT_EQ(-EOPNOTSUPP, mkchan_arm(rx));
		EXPECT_EQ(0, rx->rx.ctl->waiting);
		return;
	}
	ASSERT_EQ(0, mkchan_send(&self->ep[0], 0, &seq, sizeof(seq)));
	EXPECT_EQ(1, mkchan_arm(rx));
	EXPECT_EQ(0, rx->rx.ctl->waiting);
	ASSERT_EQ(1, mkchan_peek(rx, &(struct mkchan_msg){ 0 }, 1));
	ASSERT_EQ(0, mkchan_consume(rx, 1));
	EXPECT_EQ(0, mkchan_arm(rx));
	EXPECT_EQ(1, rx->rx.ctl->waiting);
	EXPECT_EQ(0, rx->membarriers);
	ASSERT_EQ(0, mkchan_set_light(rx));
	mkc_write_once(rx->rx.ctl->waiting, 0);
	EXPECT_EQ(0, mkchan_arm(rx));
	EXPECT_EQ(1, rx->membarriers);
	/* Still set since the last membarrier(): none again. */
	EXPECT_EQ(0, mkchan_arm(rx));
	EXPECT_EQ(1, rx->membarriers);
}

/* Make membarrier(2) fail with @err in this process (seccomp, x86-64). */
static int fail_membarrier(int err)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_membarrier, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 4, .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/*
 * membarrier() is on a light receiver's sleep path: with it failing
 * (EPERM) after the endpoint went light, the wait fails and never
 * sleeps.  And a process that cannot call it (EACCES from the start) may
 * not map an endpoint that an earlier mapping made light.
 */
TEST_F(chan, membarrier_is_on_the_sleep_path)
{
	int sync[2], st;
	char c = 0;
	pid_t pid;

	/* The project's debug and kcsan kernels are built without it. */
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL)
		SKIP(return, "a kernel without CONFIG_SECCOMP");
	ASSERT_EQ(0, pipe(sync));
	pid = fork();	/* before anything here registered for membarrier */
	ASSERT_LE(0, pid);
	if (!pid) {
		struct mkchan_ep again;

		if (fail_membarrier(EACCES) || read(sync[0], &c, 1) != 1)
			_exit(2);
		if (self->fd[1] < 0)	/* shared memory: nothing to map */
			_exit(mkchan_set_light(&self->ep[0]) == -EACCES ? 0 : 3);
		_exit(mkchan_map(&again, self->fd[1]) == -EACCES ? 0 : 4);
	}
	ASSERT_EQ(0, mkchan_set_light(&self->ep[1]));
	ASSERT_EQ(1, write(sync[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("the process without membarrier: status %#x", st);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct mkchan_ep *rx = &self->ep[1], again;

		/* The module's mappings are not inherited: map again. */
		if (self->fd[1] >= 0) {
			if (mkchan_map(&again, self->fd[1]))
				_exit(4);
			rx = &again;
		}
		if (!rx->tx.light || fail_membarrier(EPERM))
			_exit(2);
		_exit(mkchan_wait_message(rx) == -EPERM && !rx->sleeps ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("the light receiver whose membarrier fails: %#x", st);
}

TEST_HARNESS_MAIN
