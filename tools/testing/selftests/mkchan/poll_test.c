// SPDX-License-Identifier: GPL-2.0
/*
 * poll(2) and the system-call path of an endpoint the kernel drives, with
 * other threads on the same endpoint: poll beside write(2) and read(2)
 * under traffic never breaks a healthy channel; poll beside a blocking
 * read(2) loses no wake-up; a polling reader costs its peer no more
 * MKCHAN_IOC_NOTIFY calls than it slept; edge-triggered epoll hears of
 * the message after an -EAGAIN; and, as with a pipe, each message read
 * gives its slot back at once to write(2), O_NONBLOCK and EPOLLOUT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libmkchan.h"

#include "kselftest_harness.h"
#include "../mkernel_test.h"

#define NSLOTS		64
#define SLOT		sizeof(struct mkchan_slot)
#define RACE_SECS	3
#define NOTIFY_MSGS	1000000UL

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The first and the last online CPU. */
static void two_cpus(unsigned int cpu[2])
{
	long last = 0;

	mk_sysfs_list_count("/sys/devices/system/cpu/online", &last);
	cpu[0] = 0;
	cpu[1] = last;
}

/* The state letter of thread @tid of this process, or 0. */
static char thread_state(pid_t tid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (mk_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Wait until thread @tid sleeps (state S), at most 5 s: 0 or -1. */
static int wait_asleep(pid_t tid)
{
	int ms;

	for (ms = 0; ms < 5000; ms++) {
		if (thread_state(tid) == 'S')
			return 0;
		usleep(1000);
	}
	return -1;
}

/* Exit status of child @pid, -1 if it did not exit normally. */
static int child_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static struct mkchan_slot message(__u64 n)
{
	struct mkchan_slot m = {
		.header = (__u64)sizeof(n) << MKCHAN_HDR_LEN_SHIFT,
	};

	memcpy(m.data, &n, sizeof(n));
	return m;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int broken(int fd)
{
	struct mkchan_ep_info info;

	if (mkchan_ep_info(fd, &info))
		return -1;
	return !!(info.state & MKCHAN_EP_BROKEN);
}

FIXTURE(ep) {
	int fd[2];	/* fd[0] sends to fd[1], and back */
};

FIXTURE_SETUP(ep)
{
	unsigned int cpu[2];
	int dev;

	two_cpus(cpu);
	dev = mkchan_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, mkchan_create(dev, cpu[0], cpu[1], NSLOTS, 0, self->fd));
	close(dev);
}

FIXTURE_TEARDOWN(ep)
{
	close(self->fd[0]);
	close(self->fd[1]);
	EXPECT_EQ(0, mk_objects_settle("mkchan", "channels", 0, 5000));
}

/* A thread of the traffic of poll_beside_traffic_never_breaks. */
struct side {
	int fd;
	int role;		/* 0 writes, 1 reads, 2 polls */
	short events;		/* role 2: what it polls for */
	const int *stop;
	long ops;		/* messages moved, or polls made */
	int err;		/* the first errno other than EAGAIN */
	int pollerr;		/* polls that said POLLERR */
};

static void *side_run(void *arg)
{
	struct side *s = arg;
	struct mkchan_slot m[8];
	struct pollfd p = { .fd = s->fd, .events = s->events };
	ssize_t n;
	int i;

	while (!__atomic_load_n(s->stop, __ATOMIC_RELAXED) && !s->err) {
		switch (s->role) {
		case 0:
			for (i = 0; i < 8; i++)
				m[i] = message(s->ops + i);
			n = write(s->fd, m, (1 + s->ops % 8) * SLOT);
			if (n < 0 && errno != EAGAIN)
				s->err = errno;
			else if (n > 0)
				s->ops += n / SLOT;
			break;
		case 1:
			n = read(s->fd, m, (1 + s->ops % 8) * SLOT);
			if (n < 0 && errno != EAGAIN)
				s->err = errno;
			else if (n > 0)
				s->ops += n / SLOT;
			break;
		default:
			if (poll(&p, 1, 0) < 0)
				s->err = errno;
			else if (p.revents & POLLERR)
				s->pollerr++;
			s->ops++;
			break;
		}
	}
	return NULL;
}

/*
 * poll() beside write(2) and beside read(2), each from its own thread on
 * the same endpoint, while the traffic flows both ways: poll's look
 * without the locks sees stale positions (a tail the peer's head has
 * passed, a head whose slot holds a later lap), and must not take them
 * for garbage: no POLLERR, no EBADMSG, the channel not broken.
 */
TEST_F(ep, poll_beside_traffic_never_breaks)
{
	const struct side init[6] = {
		{ .fd = self->fd[0], .role = 0 },
		{ .fd = self->fd[0], .role = 2, .events = POLLOUT | POLLIN },
		{ .fd = self->fd[1], .role = 1 },
		{ .fd = self->fd[1], .role = 2, .events = POLLIN | POLLOUT },
		{ .fd = self->fd[1], .role = 0 },
		{ .fd = self->fd[0], .role = 1 },
	};
	/*
	 * Static: after a failed ASSERT the test returns while the threads
	 * still run (the test's process ends soon after), and they must not
	 * write into a stack frame that is gone.
	 */
	static struct side s[6];
	static int stop;
	pthread_t t[6];
	int i;

	memcpy(s, init, sizeof(s));
	stop = 0;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, set_nonblock(self->fd[i]));
	for (i = 0; i < 6; i++) {
		s[i].stop = &stop;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, side_run, &s[i]));
	}
	sleep(RACE_SECS);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	TH_LOG("%ld and %ld messages, %ld and %ld polls",
	       s[0].ops, s[4].ops, s[1].ops, s[3].ops);
	for (i = 0; i < 6; i++) {
		EXPECT_EQ(0, s[i].err)
			TH_LOG("thread %d: %s", i, strerror(s[i].err));
		EXPECT_EQ(0, s[i].pollerr) TH_LOG("thread %d: POLLERR", i);
	}
	EXPECT_EQ(0, broken(self->fd[0]));
	EXPECT_LT(0, s[0].ops);
	EXPECT_LT(0, s[4].ops);
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct sleeper {
	int fd;
	pid_t tid;
	int ret;
	short revents;
	__u64 end;
};

static void *poller_run(void *arg)
{
	struct sleeper *s = arg;
	struct pollfd p = { .fd = s->fd, .events = POLLIN };

	s->tid = syscall(SYS_gettid);
	s->ret = poll(&p, 1, 8000);
	s->revents = p.revents;
	s->end = now_ns();
	return NULL;
}

static void *reader_run(void *arg)
{
	struct sleeper *s = arg;
	struct mkchan_slot m;

	s->tid = syscall(SYS_gettid);
	s->ret = read(s->fd, &m, SLOT) < 0 ? errno : 0;
	return NULL;
}

/*
 * A thread asleep in poll() and another in a blocking read(2) of the same
 * endpoint, both waiting for a message; a signal ends the read (EINTR).
 * The message sent after that must wake the poller: the read, leaving,
 * may not take back what the poller announced.
 */
TEST_F(ep, poll_beside_blocking_read_loses_no_wakeup)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	static struct sleeper p, r;	/* outlive a failed ASSERT */
	struct mkchan_slot m = message(1);
	pthread_t tp, tr;
	__u64 sent;

	p = (struct sleeper){ .fd = self->fd[1] };
	r = (struct sleeper){ .fd = self->fd[1] };

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	ASSERT_EQ(0, pthread_create(&tp, NULL, poller_run, &p));
	ASSERT_EQ(0, pthread_create(&tr, NULL, reader_run, &r));
	while (!__atomic_load_n(&p.tid, __ATOMIC_ACQUIRE) ||
	       !__atomic_load_n(&r.tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	ASSERT_EQ(0, wait_asleep(p.tid));
	ASSERT_EQ(0, wait_asleep(r.tid));
	usleep(100 * 1000);
	ASSERT_EQ(0, pthread_kill(tr, SIGUSR1));
	pthread_join(tr, NULL);
	EXPECT_EQ(EINTR, r.ret);
	sent = now_ns();
	ASSERT_EQ(SLOT, write(self->fd[0], &m, SLOT));
	pthread_join(tp, NULL);
	EXPECT_EQ(1, p.ret) TH_LOG("poll: %d", p.ret);
	EXPECT_TRUE(p.revents & POLLIN);
	TH_LOG("the poller woke %.1f ms after the send", (p.end - sent) / 1e6);
	EXPECT_GT(2000000000ULL, p.end - sent)
		TH_LOG("the poller slept through the message");
}

/*
 * A single-threaded reader that polls whenever it has read everything,
 * and a sender driven from user space (libmkchan, another process and
 * CPU) that calls MKCHAN_IOC_NOTIFY only when the reader's waiting flag
 * says so, and sends a ring's worth at a time once the reader announced
 * it sleeps (or after 10 s): the notifications are no more than the
 * reader's polls.  A flag that poll() set and nobody cleared would make
 * it one a message.
 */
TEST_F_TIMEOUT(ep, polling_reader_costs_no_more_notifies_than_polls, 300)
{
	struct mkchan_slot m[NSLOTS];
	unsigned long got = 0, polls = 0, *notifies;
	struct pollfd p = { .fd = self->fd[1], .events = POLLIN };
	unsigned int cpu[2];
	ssize_t n;
	pid_t pid;

	notifies = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, notifies);
	two_cpus(cpu);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct mkchan_ep ep;
		unsigned long i;
		__u64 end;

		close(self->fd[1]);
		if (mk_pin_cpu(cpu[0]) || mkchan_map(&ep, self->fd[0]))
			_exit(1);
		for (i = 0; i < NOTIFY_MSGS; i++) {
			end = now_ns() + 10000000000ULL;
			while (!(i % NSLOTS) &&
			       !mkc_load_acquire(&ep.tx.peer->waiting) &&
			       now_ns() < end)
				mkchan_cpu_relax();
			if (mkchan_send_wait(&ep, 0, &i, sizeof(i), 0))
				_exit(2);
		}
		*notifies = ep.notifies;
		_exit(0);
	}
	ASSERT_EQ(0, mk_pin_cpu(cpu[1]));
	while (got < NOTIFY_MSGS) {
		polls++;
		ASSERT_EQ(1, poll(&p, 1, 20000)) TH_LOG("after %lu", got);
		n = read(self->fd[1], m, sizeof(m));
		ASSERT_LT(0, n) TH_LOG("read: %s", strerror(errno));
		got += n / SLOT;
	}
	EXPECT_EQ(0, child_status(pid));
	TH_LOG("%lu messages: %lu polls, %lu notifications", got, polls,
	       *notifies);
	EXPECT_GE(polls, *notifies);
	EXPECT_LT(0, *notifies) TH_LOG("the reader never slept");
	munmap(notifies, 4096);
}

/*
 * Edge-triggered epoll on an O_NONBLOCK endpoint: read until -EAGAIN,
 * then wait; the next message is reported.  The -EAGAIN set the waiting
 * flag, since epoll_wait() does not look at the endpoint again.
 */
TEST_F(ep, edge_triggered_epoll_after_eagain)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	struct mkchan_slot m = message(1), in;
	int ep, round;

	ASSERT_EQ(0, set_nonblock(self->fd[1]));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd[1], &ev));
	for (round = 0; round < 4; round++) {
		ASSERT_EQ(SLOT, write(self->fd[0], &m, SLOT));
		ASSERT_EQ(1, epoll_wait(ep, &ev, 1, 2000))
			TH_LOG("round %d: no EPOLLIN", round);
		ASSERT_EQ(SLOT, read(self->fd[1], &in, SLOT));
		ASSERT_EQ(-1, read(self->fd[1], &in, SLOT));
		ASSERT_EQ(EAGAIN, errno);
	}
	close(ep);
}

/*
 * Edge-triggered epoll and a short read: two messages read with room for
 * four; the next message is reported.  The short read, like -EAGAIN,
 * set the waiting flag.
 */
TEST_F(ep, edge_triggered_epoll_after_a_short_read)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	struct mkchan_slot m[2] = { message(1), message(2) }, in[4];
	int ep, round;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd[1], &ev));
	for (round = 0; round < 4; round++) {
		ASSERT_EQ(sizeof(m), write(self->fd[0], m, sizeof(m)));
		ASSERT_EQ(1, epoll_wait(ep, &ev, 1, 2000))
			TH_LOG("round %d: no EPOLLIN", round);
		ASSERT_EQ(sizeof(m), read(self->fd[1], in, sizeof(in)));
	}
	close(ep);
}

/* Fill the ring fd[0] sends on, then read @n of it one at a time. */
static int fill_then_read(int fd[2], int n)
{
	struct mkchan_slot m[NSLOTS];
	int i;

	for (i = 0; i < NSLOTS; i++)
		m[i] = message(i);
	if (write(fd[0], m, sizeof(m)) != sizeof(m))
		return -1;
	for (i = 0; i < n; i++)
		if (read(fd[1], m, SLOT) != SLOT)
			return -1;
	return 0;
}

/*
 * Five messages read one at a time from a full ring: a write of a whole
 * ring queues exactly five (the head was published by each read, not
 * only every nslots / 4 messages).
 */
TEST_F(ep, write_gets_every_slot_the_reads_freed)
{
	struct mkchan_slot m[NSLOTS];
	int i;

	ASSERT_EQ(0, fill_then_read(self->fd, 5));
	for (i = 0; i < NSLOTS; i++)
		m[i] = message(i);
	ASSERT_EQ(0, set_nonblock(self->fd[0]));
	EXPECT_EQ(5 * SLOT, write(self->fd[0], m, sizeof(m)))
		TH_LOG("write: %s", strerror(errno));
}

/* One message read of a full ring: O_NONBLOCK writes one, not two. */
TEST_F(ep, nonblocking_write_gets_the_slot_one_read_freed)
{
	struct mkchan_slot m = message(1);

	ASSERT_EQ(0, fill_then_read(self->fd, 1));
	ASSERT_EQ(0, set_nonblock(self->fd[0]));
	EXPECT_EQ(SLOT, write(self->fd[0], &m, SLOT))
		TH_LOG("write: %s", strerror(errno));
	EXPECT_EQ(-1, write(self->fd[0], &m, SLOT));
	EXPECT_EQ(EAGAIN, errno);
}

/* EPOLLOUT comes back with the first message read of a full ring. */
TEST_F(ep, pollout_after_one_read_of_a_full_ring)
{
	struct pollfd p = { .fd = self->fd[0], .events = POLLOUT };
	struct mkchan_slot m;

	ASSERT_EQ(0, fill_then_read(self->fd, 0));
	ASSERT_EQ(0, poll(&p, 1, 0));
	ASSERT_EQ(SLOT, read(self->fd[1], &m, SLOT));
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLOUT) TH_LOG("revents %#x", p.revents);
}

static void *writer_run(void *arg)
{
	struct sleeper *s = arg;
	struct mkchan_slot m = message(2);

	s->tid = syscall(SYS_gettid);
	s->ret = write(s->fd, &m, SLOT) == SLOT ? 0 : errno;
	__atomic_store_n(&s->end, now_ns(), __ATOMIC_RELEASE);
	return NULL;
}

/* A writer asleep on a full ring wakes when one message is read. */
TEST_F(ep, blocked_writer_wakes_on_one_read)
{
	static struct sleeper w;	/* outlives a failed ASSERT */
	struct mkchan_slot m[NSLOTS / 4];
	pthread_t t;
	int ms;

	w = (struct sleeper){ .fd = self->fd[0] };

	ASSERT_EQ(0, fill_then_read(self->fd, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, writer_run, &w));
	while (!__atomic_load_n(&w.tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	ASSERT_EQ(0, wait_asleep(w.tid));
	ASSERT_EQ(SLOT, read(self->fd[1], m, SLOT));
	for (ms = 0; ms < 2000 && !__atomic_load_n(&w.end, __ATOMIC_ACQUIRE);
	     ms++)
		usleep(1000);
	EXPECT_NE(0, __atomic_load_n(&w.end, __ATOMIC_ACQUIRE))
		TH_LOG("the writer still sleeps 2 s after a slot was freed");
	/* Room enough to wake it whatever the kernel publishes. */
	if (!__atomic_load_n(&w.end, __ATOMIC_ACQUIRE))
		ASSERT_EQ(sizeof(m), read(self->fd[1], m, sizeof(m)));
	pthread_join(t, NULL);
	EXPECT_EQ(0, w.ret);
}

TEST_HARNESS_MAIN
