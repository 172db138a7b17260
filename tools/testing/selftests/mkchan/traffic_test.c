// SPDX-License-Identifier: GPL-2.0
/*
 * Traffic: the ring protocol of <mkchan/urpc.h>, driven by libmkchan,
 * between two processes on two CPUs, on both backends: channels of
 * /dev/mkchan (mapped; sleeping in poll, waking with MKCHAN_IOC_NOTIFY)
 * and plain shared memory (futexes).  A million messages each way, checked
 * end to end; sleep/wake stress; back-pressure; peer close; corrupt shared
 * memory; bad arguments.  And a million messages each way through
 * read(2)/write(2), and a mapped sender feeding a reader in the kernel.
 *
 * Every test that runs two sides forks; the test process watches the
 * children and fails on a stall rather than hanging.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libmkchan.h"

#include "kselftest_harness.h"
#include "../mkernel_test.h"

#define NSLOTS		64	/* the smallest ring: many laps */
#define MILLION		1000000UL
#define STRESS_MSGS	200000UL
#define STRESS_SECS	4	/* the sender stops after this long */
#define STALL_SECS	10	/* no progress this long: a lost wake-up */
#define SPIN_FOREVER	(~0UL)

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __u64 xorshift(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The first two CPUs that are online and that we may run on. */
static int two_cpus(int cpu[2])
{
	cpu_set_t set;
	int c, n = 0;
	long last;

	if (sched_getaffinity(0, sizeof(set), &set) ||
	    mk_sysfs_list_count("/sys/devices/system/cpu/online", &last) < 0)
		return -1;
	for (c = 0; c <= last && c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &set) &&
		    mk_sysfs_list_has("/sys/devices/system/cpu/online", c) == 1)
			cpu[n++] = c;
	return n == 2 ? 0 : -1;
}

/* A page shared with the children, for what they report back. */
static void *shared_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Exit status of child @pid, -1 if it did not exit normally. */
static int child_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/*
 * Wait until *@flag is non-zero (a side announced it sleeps), at most
 * @secs seconds.  Returns whether it did.
 */
static int wait_flag(const __u32 *flag, int secs)
{
	__u64 end = now_ns() + secs * 1000000000ULL;

	while (!mkc_load_acquire(flag))
		if (now_ns() > end)
			return 0;
	return 1;
}

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
	int cpu[2] = { 0, 0 }, dev, i;

	self->fd[0] = -1;
	self->fd[1] = -1;
	if (!variant->module) {
		ASSERT_EQ(0, mkchan_shm_create(NSLOTS, &self->ep[0],
					       &self->ep[1]));
		return;
	}
	two_cpus(cpu);
	dev = mkchan_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, mkchan_create(dev, cpu[0], cpu[1], NSLOTS, 0, self->fd));
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

/*
 * In a child of fork(), before it drives endpoint @i: the module's
 * mappings are not inherited (VM_DONTCOPY), so map it again, and drop the
 * other endpoint's descriptor so that the parent alone holds it.
 */
static int attach(struct mkchan_ep ep[2], int fd[2], int i)
{
	if (fd[i] < 0)
		return 0;	/* shared memory: the mapping is inherited */
	close(fd[1 - i]);
	return mkchan_map(&ep[i], fd[i]);
}

/* Close endpoint @i in this process: the peer sees it closed. */
static void close_ep(struct mkchan_ep ep[2], int fd[2], int i)
{
	mkchan_close(&ep[i]);
	fd[i] = -1;
}

TEST(create_bad_nslots)
{
	static const unsigned int bad[] = {
		0, 1, 32, MKCHAN_MIN_SLOTS - 1, MKCHAN_MIN_SLOTS + 1, 100,
		MKCHAN_SHM_MAX_SLOTS * 2, ~0U,
	};
	struct mkchan_ep a, b;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, mkchan_shm_create(bad[i], &a, &b))
			TH_LOG("nslots %u", bad[i]);
	ASSERT_EQ(0, mkchan_shm_create(MKCHAN_MIN_SLOTS * 4, &a, &b));
	EXPECT_EQ(MKCHAN_MIN_SLOTS * 4, a.nslots);
	EXPECT_EQ(0, a.index);
	EXPECT_EQ(1, b.index);
	EXPECT_EQ(-1, a.fd);
	mkchan_unmap(&a);
	mkchan_unmap(&b);
}

/* Types, lengths and payloads arrive as sent, both ways, over many laps. */
TEST_F(chan, round_trip_and_laps)
{
	unsigned char out[MKCHAN_PAYLOAD_MAX], in[MKCHAN_PAYLOAD_MAX];
	unsigned int type, i, dir;
	size_t len;

	for (i = 0; i < NSLOTS * 20; i++) {
		for (dir = 0; dir < 2; dir++) {
			memset(out, i + dir, sizeof(out));
			ASSERT_EQ(0, mkchan_send(&self->ep[dir], i & 0xff, out,
						 i % (MKCHAN_PAYLOAD_MAX + 1)));
			ASSERT_EQ(0, mkchan_try_recv(&self->ep[!dir], &type,
						     in, &len));
			ASSERT_EQ(i & 0xff, type);
			ASSERT_EQ(i % (MKCHAN_PAYLOAD_MAX + 1), len);
			ASSERT_EQ(0, memcmp(out, in, len));
			ASSERT_EQ(-EAGAIN, mkchan_try_recv(&self->ep[!dir],
							   &type, in, &len));
		}
	}
	/* Neither side ever slept, so nobody was ever woken. */
	EXPECT_EQ(0, self->ep[0].sleeps + self->ep[1].sleeps);
	EXPECT_EQ(0, self->ep[0].notifies + self->ep[1].notifies);
}

/* The payload of message @seq of direction @dir, and its length. */
struct msg {
	__u64 seq;
	__u64 csum;	/* the sender's running checksum, this one included */
	unsigned char fill[MKCHAN_PAYLOAD_MAX - 16];
};

static size_t make_msg(struct msg *m, unsigned int dir, __u64 seq,
		       __u64 csum)
{
	__u64 s = (seq << 1 | dir) * 0x9e3779b97f4a7c15ULL | 1;
	size_t len = 16 + seq % (sizeof(m->fill) + 1), i;

	m->seq = seq;
	for (i = 0; i < len - 16; i++)
		m->fill[i] = xorshift(&s);
	/* FNV-1a over the sequence and the fill. */
	for (i = 0; i < 8; i++)
		csum = (csum ^ ((seq >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
	for (i = 0; i < len - 16; i++)
		csum = (csum ^ m->fill[i]) * 0x100000001b3ULL;
	m->csum = csum;
	return len;
}

#define FNV_INIT	0xcbf29ce484222325ULL

struct tally {
	__u64 sent, rcvd;
	__u64 tx_csum, rx_csum;
	int error;		/* 1: sending failed, 2: receiving */
	__u64 error_seq;	/* at this message */
};

/*
 * Send @n messages on @ep and receive @n from it at the same time, each
 * received message checked against what the peer must have sent.
 */
static void exchange(struct mkchan_ep *ep, unsigned long n, struct tally *t,
		     const struct tally *peer)
{
	__u64 tx_csum = FNV_INIT, rx_csum = FNV_INIT;
	unsigned int dir = ep->index, type, k;
	struct msg m, want;
	size_t len, wlen;
	int ret;

	while (t->sent < n || t->rcvd < n) {
		if (mkc_read_once(peer->error))
			return;
		for (k = 0; k < 16 && t->sent < n; k++) {
			len = make_msg(&m, dir, t->sent, tx_csum);
			ret = mkchan_put(ep, m.seq & 0xff, &m, len);
			if (ret == -EAGAIN)
				break;
			if (ret)
				goto fail_tx;
			tx_csum = m.csum;
			t->sent++;
		}
		if (mkchan_flush(ep))
			goto fail_tx;
		for (k = 0; k < 16 && t->rcvd < n; k++) {
			ret = mkchan_try_recv(ep, &type, &m, &len);
			if (ret == -EAGAIN)
				break;
			wlen = make_msg(&want, !dir, t->rcvd, rx_csum);
			if (ret || len != wlen || type != (t->rcvd & 0xff) ||
			    m.seq != t->rcvd || m.csum != want.csum ||
			    memcmp(&m, &want, len))
				goto fail_rx;
			rx_csum = m.csum;
			t->rcvd++;
		}
	}
	t->tx_csum = tx_csum;
	t->rx_csum = rx_csum;
	return;
fail_tx:
	t->error_seq = t->sent;
	mkc_write_once(t->error, 1);
	return;
fail_rx:
	t->error_seq = t->rcvd;
	mkc_write_once(t->error, 2);
}

/*
 * Two processes on two CPUs exchange a million messages each way, every
 * one checked: sequence, type, length, payload and a running checksum.
 * A side that finds a fault stops, and so does the other.
 */
TEST_F_TIMEOUT(chan, million_each_way, 240)
{
	struct tally *t = shared_page();
	int cpu[2];
	pid_t pid;

	if (two_cpus(cpu))
		SKIP(return, "needs two online CPUs");
	ASSERT_NE(NULL, t);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (mk_pin_cpu(cpu[1]) || attach(self->ep, self->fd, 1))
			_exit(2);
		exchange(&self->ep[1], MILLION, &t[1], &t[0]);
		_exit(t[1].error ? 1 : 0);
	}
	ASSERT_EQ(0, mk_pin_cpu(cpu[0]));
	exchange(&self->ep[0], MILLION, &t[0], &t[1]);
	EXPECT_EQ(0, t[0].error)
		TH_LOG("endpoint 0: %s failed at message %llu",
		       t[0].error == 1 ? "send" : "receive",
		       (unsigned long long)t[0].error_seq);
	EXPECT_EQ(0, child_status(pid))
		TH_LOG("endpoint 1: %s failed at message %llu",
		       t[1].error == 1 ? "send" : "receive",
		       (unsigned long long)t[1].error_seq);
	/* End to end: what one side sent is what the other received. */
	EXPECT_EQ(MILLION, t[0].sent);
	EXPECT_EQ(MILLION, t[0].rcvd);
	EXPECT_EQ(MILLION, t[1].sent);
	EXPECT_EQ(MILLION, t[1].rcvd);
	EXPECT_EQ(t[0].tx_csum, t[1].rx_csum);
	EXPECT_EQ(t[1].tx_csum, t[0].rx_csum);
	EXPECT_NE(FNV_INIT, t[0].tx_csum);
	TH_LOG("cpus %d and %d, checksums %016llx %016llx", cpu[0], cpu[1],
	       (unsigned long long)t[0].tx_csum,
	       (unsigned long long)t[0].rx_csum);
}

/* Written by the children, read by the test process. */
struct progress {
	__u64 sent, rcvd;
	__u64 tx_sleeps, rx_sleeps, tx_notifies, rx_notifies;
	int error;
};

#define TYPE_DATA	0
#define TYPE_END	1

/* Receiver: always sleeps when the ring is empty (spin 0). */
static int stress_receiver(struct mkchan_ep *ep, struct progress *p)
{
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	unsigned int type;
	__u64 seq;
	size_t len;
	int ret;

	for (;;) {
		ret = mkchan_recv(ep, &type, buf, &len, 0);
		if (ret)
			return 10;
		if (type == TYPE_END)
			break;
		if (len != sizeof(seq))
			return 11;
		memcpy(&seq, buf, sizeof(seq));
		if (seq != mkc_read_once(p->rcvd))
			return 11;
		mkc_write_once(p->rcvd, seq + 1);
	}
	p->rx_sleeps = ep->sleeps;
	p->rx_notifies = ep->notifies;
	return 0;
}

/*
 * Sender: bursts of 1 to 2 * NSLOTS messages (so that it also fills the
 * ring and sleeps), each followed by a random pause: none, a short spin, a
 * yield or a short sleep, to hit the receiver in every state of its wait.
 */
static int stress_sender(struct mkchan_ep *ep, struct progress *p)
{
	__u64 rng = 0x2545f4914f6cdd1dULL, end = now_ns() +
		    STRESS_SECS * 1000000000ULL, seq = 0;
	unsigned long burst, i;

	while (seq < STRESS_MSGS && now_ns() < end) {
		burst = 1 + xorshift(&rng) % (2 * NSLOTS);
		for (; burst && seq < STRESS_MSGS; burst--, seq++) {
			if (mkchan_send_wait(ep, TYPE_DATA, &seq, sizeof(seq),
					     0))
				return 20;
			mkc_write_once(p->sent, seq + 1);
		}
		switch (xorshift(&rng) % 4) {
		case 0:
			break;
		case 1:
			for (i = xorshift(&rng) % 5000; i; i--)
				__asm__ __volatile__("" ::: "memory");
			break;
		case 2:
			sched_yield();
			break;
		case 3:
			usleep(xorshift(&rng) % 100);
			break;
		}
	}
	if (mkchan_send_wait(ep, TYPE_END, &seq, 0, 0))
		return 21;
	p->tx_sleeps = ep->sleeps;
	p->tx_notifies = ep->notifies;
	return 0;
}

/*
 * Sleep/wake stress: a lost wake-up leaves one side asleep for ever; the
 * test process sees that no message moved for STALL_SECS and fails.
 */
TEST_F_TIMEOUT(chan, sleep_wake_stress, 120)
{
	struct progress *p = shared_page();
	__u64 last_sent = 0, last_rcvd = 0, last_move;
	int cpu[2], st, rc[2] = { -1, -1 }, left = 2, i;
	pid_t pid[2];

	if (two_cpus(cpu))
		SKIP(return, "needs two online CPUs");
	ASSERT_NE(NULL, p);
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			if (mk_pin_cpu(cpu[i]) || attach(self->ep, self->fd, i))
				_exit(2);
			_exit(i ? stress_receiver(&self->ep[1], p) :
			      stress_sender(&self->ep[0], p));
		}
	}
	last_move = now_ns();
	while (left) {
		for (i = 0; i < 2; i++) {
			if (rc[i] >= 0 || waitpid(pid[i], &st, WNOHANG) <= 0)
				continue;
			rc[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
			left--;
		}
		if (mkc_read_once(p->sent) != last_sent ||
		    mkc_read_once(p->rcvd) != last_rcvd) {
			last_sent = mkc_read_once(p->sent);
			last_rcvd = mkc_read_once(p->rcvd);
			last_move = now_ns();
		}
		if (now_ns() - last_move > STALL_SECS * 1000000000ULL)
			break;
		usleep(10000);
	}
	for (i = 0; i < 2; i++) {
		if (rc[i] < 0) {
			kill(pid[i], SIGKILL);
			waitpid(pid[i], NULL, 0);
		}
	}
	ASSERT_EQ(0, left)
		TH_LOG("stall: nothing moved for %d s; sent %llu, received %llu",
		       STALL_SECS, (unsigned long long)p->sent,
		       (unsigned long long)p->rcvd);
	EXPECT_EQ(0, rc[0]);
	EXPECT_EQ(0, rc[1]);
	EXPECT_EQ(p->sent, p->rcvd);
	/* It did test sleeping and waking, on both sides. */
	EXPECT_LT(0, p->rx_sleeps);
	EXPECT_LT(0, p->tx_sleeps);
	EXPECT_LT(0, p->tx_notifies);
	TH_LOG("%llu messages; receiver slept %llu times, sender %llu; "
	       "%llu + %llu notifies", (unsigned long long)p->rcvd,
	       (unsigned long long)p->rx_sleeps,
	       (unsigned long long)p->tx_sleeps,
	       (unsigned long long)p->tx_notifies,
	       (unsigned long long)p->rx_notifies);
}

/*
 * A full ring: -EAGAIN without blocking, then mkchan_send_wait() sleeps
 * until the receiver drains, and nothing is lost.
 */
TEST_F(chan, full_ring_back_pressure)
{
	struct mkchan_ep *tx = &self->ep[0];
	__u64 seq, t0, t1;
	pid_t pid;

	for (seq = 0; seq < NSLOTS; seq++)
		ASSERT_EQ(0, mkchan_send(tx, 0, &seq, sizeof(seq)));
	EXPECT_EQ(-EAGAIN, mkchan_send(tx, 0, &seq, sizeof(seq)));
	EXPECT_EQ(-EAGAIN, mkchan_put(tx, 0, &seq, sizeof(seq)));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mkchan_ep *rx = &self->ep[1];
		unsigned char buf[MKCHAN_PAYLOAD_MAX];
		unsigned int type;
		__u64 got;
		size_t len;

		if (attach(self->ep, self->fd, 1))
			_exit(2);
		usleep(200000);
		for (seq = 0; seq <= NSLOTS; seq++) {
			if (mkchan_recv(rx, &type, buf, &len, 0) ||
			    len != sizeof(got))
				_exit(1);
			memcpy(&got, buf, sizeof(got));
			if (got != seq)
				_exit(1);
		}
		_exit(0);
	}
	t0 = now_ns();
	EXPECT_EQ(0, mkchan_send_wait(tx, 0, &seq, sizeof(seq), 0));
	t1 = now_ns();
	EXPECT_EQ(0, child_status(pid));
	/* It waited for the receiver, asleep. */
	EXPECT_LE(100000000ULL, t1 - t0);
	EXPECT_LE(1, tx->sleeps);
}

/*
 * Two sides that each send more than a ring before they read, as two
 * threads with two pipes could: B sends NSLOTS + 1 then reads NSLOTS + 1,
 * A sends NSLOTS, reads one, sends one more, then reads the rest.  B
 * waits for the slot A read; A, waiting for room, must hand it back (it
 * published nothing: a quarter ring at a time), or both wait for room
 * forever (issue 12).
 */
struct hand_back {
	struct mkchan_ep *ep;
	int err;
	__u32 done;	/* __atomic */
};

static int recv_seq(struct mkchan_ep *ep, __u64 from, __u64 to)
{
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	unsigned int type;
	__u64 seq, got;
	size_t len;
	int ret;

	for (seq = from; seq < to; seq++) {
		ret = mkchan_recv(ep, &type, buf, &len, 0);
		if (ret)
			return ret;
		memcpy(&got, buf, sizeof(got));
		if (len != sizeof(got) || got != seq)
			return -EBADMSG;
	}
	return 0;
}

static void *hand_back_rest(void *arg)
{
	struct hand_back *h = arg;
	__u64 seq = NSLOTS;

	h->err = mkchan_send_wait(h->ep, 0, &seq, sizeof(seq), 0);
	if (!h->err)
		h->err = recv_seq(h->ep, 1, NSLOTS + 1);
	__atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST_F(chan, waiting_for_room_hands_back_room)
{
	/* Static: a thread left blocked outlives the test's stack frame. */
	static struct hand_back h;
	pthread_t thread;
	__u64 seq;
	pid_t pid;

	h.ep = &self->ep[0];
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mkchan_ep *b = &self->ep[1];

		if (attach(self->ep, self->fd, 1))
			_exit(2);
		for (seq = 0; seq <= NSLOTS; seq++)
			if (mkchan_send_wait(b, 0, &seq, sizeof(seq), 0))
				_exit(3);
		_exit(recv_seq(b, 0, NSLOTS + 1) ? 4 : 0);
	}
	for (seq = 0; seq < NSLOTS; seq++)
		ASSERT_EQ(0, mkchan_send(h.ep, 0, &seq, sizeof(seq)));
	ASSERT_EQ(0, recv_seq(h.ep, 0, 1));
	ASSERT_EQ(0, pthread_create(&thread, NULL, hand_back_rest, &h));
	if (!wait_flag(&h.done, 20)) {
		/*
		 * The thread stays blocked on the endpoint: end this process
		 * here, not in the teardown that unmaps it under the thread.
		 */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		TH_LOG("both sides still wait for room after 20 s");
		_exit(KSFT_FAIL);
	}
	pthread_join(thread, NULL);
	EXPECT_EQ(0, h.err) TH_LOG("%s", strerror(-h.err));
	EXPECT_EQ(0, child_status(pid));
}

/*
 * mkchan_hand_back(): the slots of received messages are free for the
 * sender at once, not a quarter ring later.
 */
TEST_F(chan, hand_back_frees_slots)
{
	struct mkchan_ep *a = &self->ep[0], *b = &self->ep[1];
	__u64 seq;

	for (seq = 0; seq < NSLOTS; seq++)
		ASSERT_EQ(0, mkchan_send(b, 0, &seq, sizeof(seq)));
	ASSERT_EQ(-EAGAIN, mkchan_send(b, 0, &seq, sizeof(seq)));
	ASSERT_EQ(0, recv_seq(a, 0, 1));
	/* Not published yet: the receiver publishes a quarter ring at a time. */
	ASSERT_EQ(-EAGAIN, mkchan_send(b, 0, &seq, sizeof(seq)));
	ASSERT_EQ(0, mkchan_hand_back(a));
	EXPECT_EQ(0, mkchan_send(b, 0, &seq, sizeof(seq)));
	EXPECT_EQ(-EAGAIN, mkchan_send(b, 0, &seq, sizeof(seq)));
	/* Nothing more to hand back: nothing changes. */
	EXPECT_EQ(0, mkchan_hand_back(a));
	EXPECT_EQ(-EAGAIN, mkchan_send(b, 0, &seq, sizeof(seq)));
	EXPECT_EQ(0, recv_seq(a, 1, NSLOTS + 1));
}

/*
 * mkchan_arm_room() before a program's own poll for POLLOUT: with room it
 * says so and tells the peer nothing; with the ring full it hands back
 * what this side received and says to wait, and the peer's reads, in
 * another thread, then wake the poll.  Shared memory has no descriptor.
 */
static struct mkchan_ep *arm_room_reader;

static void *arm_room_read(void *arg)
{
	(void)arg;
	usleep(300000);		/* the test thread is asleep in poll() */
	return (void *)(long)recv_seq(arm_room_reader, 0, NSLOTS / 4);
}

TEST_F(chan, arm_room_then_poll)
{
	struct mkchan_ep *a = &self->ep[0], *b = &self->ep[1];
	struct pollfd p = { .fd = self->fd[0], .events = POLLOUT };
	pthread_t reader;
	void *ret;
	__u64 seq;

	if (!variant->module) {
		EXPECT_EQ(-EOPNOTSUPP, mkchan_arm_room(a));
		return;
	}
	for (seq = 0; seq < NSLOTS; seq++)
		ASSERT_EQ(0, mkchan_send(b, 0, &seq, sizeof(seq)));
	ASSERT_EQ(0, recv_seq(a, 0, 1));
	/* Room, nothing sent yet: nothing for the peer to answer. */
	ASSERT_EQ(1, mkchan_arm_room(a));
	EXPECT_EQ(0, a->tx.ctl->waiting);
	EXPECT_EQ(-EAGAIN, mkchan_send(b, 0, &seq, sizeof(seq)));
	for (seq = 0; seq < NSLOTS; seq++)
		ASSERT_EQ(0, mkchan_send(a, 0, &seq, sizeof(seq)));
	ASSERT_EQ(-EAGAIN, mkchan_send(a, 0, &seq, sizeof(seq)));
	ASSERT_EQ(0, mkchan_arm_room(a));
	EXPECT_EQ(1, a->tx.ctl->waiting);
	/* Going to wait, it handed back the slot a read: b has room for one. */
	EXPECT_EQ(0, mkchan_send(b, 0, &seq, sizeof(seq)));
	EXPECT_EQ(0, poll(&p, 1, 0));
	/* A quarter ring read by b publishes its head and wakes a. */
	arm_room_reader = b;
	b->notifies = 0;
	ASSERT_EQ(0, pthread_create(&reader, NULL, arm_room_read, NULL));
	EXPECT_EQ(1, poll(&p, 1, 10000));
	EXPECT_TRUE(p.revents & POLLOUT);
	ASSERT_EQ(0, pthread_join(reader, &ret));
	EXPECT_EQ(0, (long)ret);
	EXPECT_EQ(1, b->notifies);
	EXPECT_EQ(0, mkchan_send(a, 0, &seq, sizeof(seq)));
}

/* After a close the peer still drains what was sent, then gets -EPIPE. */
TEST_F(chan, peer_close_drain)
{
	struct mkchan_ep *rx = &self->ep[1];
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	unsigned int type;
	__u64 seq, got;
	size_t len;

	for (seq = 0; seq < 10; seq++)
		ASSERT_EQ(0, mkchan_send(&self->ep[0], 0, &seq, sizeof(seq)));
	close_ep(self->ep, self->fd, 0);
	for (seq = 0; seq < 10; seq++) {
		ASSERT_EQ(0, mkchan_try_recv(rx, &type, buf, &len));
		ASSERT_EQ(sizeof(got), len);
		memcpy(&got, buf, sizeof(got));
		EXPECT_EQ(seq, got);
	}
	EXPECT_EQ(-EPIPE, mkchan_try_recv(rx, &type, buf, &len));
	EXPECT_EQ(-EPIPE, mkchan_recv(rx, &type, buf, &len, 0));
	EXPECT_EQ(-EPIPE, mkchan_put(rx, 0, &seq, sizeof(seq)));
	EXPECT_EQ(-EPIPE, mkchan_send(rx, 0, &seq, sizeof(seq)));
	EXPECT_EQ(-EPIPE, mkchan_send_wait(rx, 0, &seq, sizeof(seq), 0));
	EXPECT_EQ(0, rx->sleeps);
}

/* A receiver asleep when its peer closes wakes up with -EPIPE. */
TEST_F(chan, peer_close_wakes_receiver)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mkchan_ep *rx = &self->ep[1];
		unsigned char buf[MKCHAN_PAYLOAD_MAX];
		unsigned int type;
		size_t len;

		if (attach(self->ep, self->fd, 1))
			_exit(2);
		_exit(mkchan_recv(rx, &type, buf, &len, 0) == -EPIPE &&
		      rx->sleeps >= 1 ? 0 : 1);
	}
	ASSERT_TRUE(wait_flag(&self->ep[1].rx.ctl->waiting, 20));
	usleep(50000);	/* into futex_waitv() or poll() */
	close_ep(self->ep, self->fd, 0);
	EXPECT_EQ(0, child_status(pid));
}

/* A sender asleep on a full ring when its peer closes gets -EPIPE. */
TEST_F(chan, peer_close_wakes_sender)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mkchan_ep *tx = &self->ep[0];
		__u64 seq;
		int ret;

		if (attach(self->ep, self->fd, 0))
			_exit(2);
		for (seq = 0; seq < NSLOTS; seq++)
			if (mkchan_send(tx, 0, &seq, sizeof(seq)))
				_exit(2);
		ret = mkchan_send_wait(tx, 0, &seq, sizeof(seq), 0);
		_exit(ret == -EPIPE && tx->sleeps >= 1 ? 0 : 1);
	}
	ASSERT_TRUE(wait_flag(&self->ep[0].tx.ctl->waiting, 20));
	usleep(50000);
	close_ep(self->ep, self->fd, 1);
	EXPECT_EQ(0, child_status(pid));
}

/* The kinds of garbage garbage_header writes where message @seq goes. */
static __u64 bad_header(unsigned int kind, __u64 seq, __u64 *rng)
{
	__u64 r;

	switch (kind) {
	case 0:
		return mkc_hdr(seq + 7, 0, 8);			/* sequence */
	case 1:
		return mkc_hdr(seq, 0, MKCHAN_PAYLOAD_MAX + 1);	/* length */
	case 2:
		return mkc_hdr(seq, 0, 8) | MKCHAN_HDR_RSVD_MASK;
	case 3:
		return mkc_hdr(seq, 0, 8) | 1ULL << 48;	/* one reserved bit */
	case 4:
		return mkc_hdr(seq - NSLOTS, 0, 8);	/* a lap before the first */
	default:
		do {
			r = xorshift(rng);
		} while (!r || (__u32)r == mkc_seq(seq));
		return r;
	}
}

/*
 * Garbage in a slot header (as a hostile peer could write) gives -EBADMSG,
 * from try_recv and from recv alike, which must not go to sleep on it.
 */
TEST(garbage_header)
{
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	__u64 rng = 0x9e3779b97f4a7c15ULL, hdr, seq;
	struct mkchan_ep ep[2];
	unsigned int type, kind;
	size_t len;

	for (kind = 0; kind < 8; kind++) {
		ASSERT_EQ(0, mkchan_shm_create(NSLOTS, &ep[0], &ep[1]));
		/* Some good messages first, the garbage where the next goes. */
		for (seq = 0; seq < kind * 3; seq++) {
			ASSERT_EQ(0, mkchan_send(&ep[0], 0, &seq, 8));
			ASSERT_EQ(0, mkchan_try_recv(&ep[1], &type, buf, &len));
		}
		hdr = bad_header(kind, seq, &rng);
		ep[0].tx.slots[seq % NSLOTS].header = hdr;
		EXPECT_EQ(-EBADMSG, mkchan_try_recv(&ep[1], &type, buf, &len))
			TH_LOG("header %#llx at message %llu",
			       (unsigned long long)hdr,
			       (unsigned long long)seq);
		EXPECT_EQ(-EBADMSG, mkchan_recv(&ep[1], &type, buf, &len, 0));
		EXPECT_EQ(0, ep[1].sleeps);
		mkchan_unmap(&ep[0]);
		mkchan_unmap(&ep[1]);
	}
}

/* A ring full of random bytes: -EBADMSG, no access outside the ring. */
TEST_F(chan, garbage_ring)
{
	__u64 rng = 0x853c49e6748fea9bULL, *w;
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	unsigned int type, i;
	size_t len;

	w = (__u64 *)self->ep[0].tx.slots;
	for (i = 0; i < NSLOTS * sizeof(struct mkchan_slot) / 8; i++)
		w[i] = xorshift(&rng) | 1;	/* never an empty header */
	EXPECT_EQ(-EBADMSG, mkchan_try_recv(&self->ep[1], &type, buf, &len));
	EXPECT_EQ(-EBADMSG, mkchan_recv(&self->ep[1], &type, buf, &len, 0));
}

/* An impossible published head gives the sender -EBADMSG, no sleep. */
TEST_F(chan, garbage_head)
{
	struct mkchan_ep *tx = &self->ep[0], *rx = &self->ep[1];
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	unsigned int type;
	__u64 seq = 0;
	size_t len;

	/* Ahead of anything sent. */
	rx->rx.ctl->pos = 1000;
	EXPECT_EQ(-EBADMSG, mkchan_send(tx, 0, &seq, 8));
	EXPECT_EQ(-EBADMSG, mkchan_send_wait(tx, 0, &seq, 8, 0));
	EXPECT_EQ(0, tx->sleeps);

	/* Behind the previous lap, once the sender needs credits again. */
	rx->rx.ctl->pos = 0;
	for (seq = 0; seq < NSLOTS; seq++)
		ASSERT_EQ(0, mkchan_send(tx, 0, &seq, 8));
	for (seq = 0; seq < NSLOTS; seq++)
		ASSERT_EQ(0, mkchan_try_recv(rx, &type, buf, &len));
	for (seq = 0; seq < NSLOTS; seq++)
		ASSERT_EQ(0, mkchan_send(tx, 0, &seq, 8));
	rx->rx.ctl->pos = 0;
	EXPECT_EQ(-EBADMSG, mkchan_send(tx, 0, &seq, 8));
}

/* More than MKCHAN_PAYLOAD_MAX bytes: -EINVAL; 0 and 56 bytes go through. */
TEST_F(chan, payload_length)
{
	unsigned char out[MKCHAN_PAYLOAD_MAX + 8], in[MKCHAN_PAYLOAD_MAX];
	struct mkchan_ep *tx = &self->ep[0], *rx = &self->ep[1];
	unsigned int type;
	size_t len;

	memset(out, 0xa5, sizeof(out));
	EXPECT_EQ(-EINVAL, mkchan_put(tx, 0, out, MKCHAN_PAYLOAD_MAX + 1));
	EXPECT_EQ(-EINVAL, mkchan_send(tx, 0, out, MKCHAN_PAYLOAD_MAX + 1));
	EXPECT_EQ(-EINVAL, mkchan_send_wait(tx, 0, out,
					    MKCHAN_PAYLOAD_MAX + 1, 0));
	EXPECT_EQ(-EINVAL, mkchan_send(tx, 0, out, SIZE_MAX));
	EXPECT_EQ(-EAGAIN, mkchan_try_recv(rx, &type, in, &len));

	ASSERT_EQ(0, mkchan_send(tx, 3, out, MKCHAN_PAYLOAD_MAX));
	ASSERT_EQ(0, mkchan_send(tx, 4, out, 0));
	ASSERT_EQ(0, mkchan_try_recv(rx, &type, in, &len));
	EXPECT_EQ(3, type);
	EXPECT_EQ(MKCHAN_PAYLOAD_MAX, len);
	EXPECT_EQ(0, memcmp(out, in, len));
	ASSERT_EQ(0, mkchan_try_recv(rx, &type, in, &len));
	EXPECT_EQ(4, type);
	EXPECT_EQ(0, len);
}

/* Blocking read(2)/write(2) of whole slots until @n messages are done. */
static int sys_exchange(int fd, unsigned int dir, unsigned long n,
			struct tally *t)
{
	__u64 tx_csum = FNV_INIT, rx_csum = FNV_INIT;
	struct mkchan_slot out[32], in[32];
	unsigned int k, cnt;
	struct msg want;
	ssize_t ret;
	size_t len;

	while (t->sent < n || t->rcvd < n) {
		for (k = 0; k < 32 && t->sent + k < n; k++) {
			len = make_msg((struct msg *)out[k].data, dir,
				       t->sent + k, tx_csum);
			tx_csum = ((struct msg *)out[k].data)->csum;
			out[k].header = (__u64)len << MKCHAN_HDR_LEN_SHIFT |
					((t->sent + k) & 0xff) <<
					MKCHAN_HDR_TYPE_SHIFT;
		}
		if (k) {
			/* All of them: the peer is reading concurrently. */
			for (cnt = 0; cnt < k; cnt += ret / sizeof(in[0])) {
				ret = write(fd, &out[cnt],
					    (k - cnt) * sizeof(out[0]));
				if (ret <= 0)
					return 1;
			}
			t->sent += k;
		}
		if (t->rcvd >= n)
			continue;
		ret = read(fd, in, sizeof(in));
		if (ret <= 0 || ret % sizeof(in[0]))
			return 2;
		for (k = 0; k < ret / sizeof(in[0]); k++, t->rcvd++) {
			len = make_msg(&want, !dir, t->rcvd, rx_csum);
			if (mkc_hdr_len(in[k].header) != len ||
			    (__u32)in[k].header != mkc_seq(t->rcvd) ||
			    memcmp(in[k].data, &want, len))
				return 3;
			rx_csum = want.csum;
		}
	}
	t->tx_csum = tx_csum;
	t->rx_csum = rx_csum;
	return 0;
}

/* Channels driven through system calls, on two CPUs. */
FIXTURE(sys) {
	int dev;
	int cpu[2];
};

FIXTURE_SETUP(sys)
{
	self->cpu[0] = 0;
	self->cpu[1] = 0;
	two_cpus(self->cpu);
	self->dev = mkchan_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(sys)
{
	close(self->dev);
}

/* A million messages each way through read(2) and write(2). */
TEST_F_TIMEOUT(sys, million_through_syscalls, 240)
{
	struct tally *t = shared_page();
	int *cpu = self->cpu, fd[2], rc;
	pid_t pid;

	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, mkchan_create(self->dev, cpu[0], cpu[1], 256, 0, fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fd[0]);
		if (mk_pin_cpu(cpu[1]))
			_exit(9);
		_exit(sys_exchange(fd[1], 1, MILLION, &t[1]));
	}
	close(fd[1]);
	ASSERT_EQ(0, mk_pin_cpu(cpu[0]));
	rc = sys_exchange(fd[0], 0, MILLION, &t[0]);
	EXPECT_EQ(0, rc);
	EXPECT_EQ(0, child_status(pid));
	EXPECT_EQ(MILLION, t[0].rcvd);
	EXPECT_EQ(MILLION, t[1].rcvd);
	EXPECT_EQ(t[0].tx_csum, t[1].rx_csum);
	EXPECT_EQ(t[1].tx_csum, t[0].rx_csum);
	close(fd[0]);
}

/*
 * A mapped sender (libmkchan, no system call per message) feeding a
 * reader in the kernel (read(2), which sleeps and is notified).
 */
TEST_F_TIMEOUT(sys, mapped_sender_kernel_reader, 120)
{
	const unsigned long n = 100000;
	int *cpu = self->cpu, fd[2];
	struct mkchan_slot in[16];
	struct mkchan_ep ep;
	unsigned long seq = 0;
	ssize_t ret;
	pid_t pid;
	int k;

	ASSERT_EQ(0, mkchan_create(self->dev, cpu[0], cpu[1], 64, 0, fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fd[1]);
		if (mk_pin_cpu(cpu[0]) || mkchan_map(&ep, fd[0]))
			_exit(2);
		for (seq = 0; seq < n; seq++)
			if (mkchan_send_wait(&ep, 1, &seq, sizeof(seq), 100))
				_exit(3);
		_exit(0);
	}
	close(fd[0]);
	ASSERT_EQ(0, mk_pin_cpu(cpu[1]));
	while (seq < n) {
		ret = read(fd[1], in, sizeof(in));
		ASSERT_LT(0, ret) TH_LOG("read: %s", strerror(errno));
		for (k = 0; k < ret / (ssize_t)sizeof(in[0]); k++, seq++)
			ASSERT_EQ(0, memcmp(in[k].data, &seq, sizeof(seq)));
	}
	EXPECT_EQ(0, child_status(pid));
	/* The sender is gone: end of file. */
	EXPECT_EQ(0, read(fd[1], in, sizeof(in)));
	close(fd[1]);
}

/* Send @from, @from + 1, ... up to @to on @ep: 0 or -errno. */
static int send_seq(struct mkchan_ep *ep, __u64 from, __u64 to)
{
	int ret;

	for (; from < to; from++) {
		ret = mkchan_send(ep, 0, &from, sizeof(from));
		if (ret)
			return ret;
	}
	return 0;
}

static int try_recv(struct mkchan_ep *ep)
{
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	unsigned int type;
	size_t len;

	return mkchan_try_recv(ep, &type, buf, &len);
}

/*
 * A channel of the module with both endpoints mapped in this process, a
 * (endpoint 0) and b, for the tests that map an endpoint again.
 */
FIXTURE(remap) {
	struct mkchan_ep a, b;
	int fd[2];
};

FIXTURE_SETUP(remap)
{
	int cpu[2] = { 0, 0 }, dev;

	self->fd[0] = -1;
	self->fd[1] = -1;
	two_cpus(cpu);
	dev = mkchan_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, mkchan_create(dev, cpu[0], cpu[1], NSLOTS, 0, self->fd));
	close(dev);
	ASSERT_EQ(0, mkchan_map(&self->a, self->fd[0]));
	ASSERT_EQ(0, mkchan_map(&self->b, self->fd[1]));
}

FIXTURE_TEARDOWN(remap)
{
	mkchan_unmap(&self->a);
	mkchan_unmap(&self->b);
	if (self->fd[0] >= 0)
		close(self->fd[0]);
	if (self->fd[1] >= 0)
		close(self->fd[1]);
}

/*
 * An endpoint passed on as mkchan_map() says (mkchan_hand_back() for what
 * was received, then unmapped, then mapped again: here, or in a process
 * the descriptor went to) goes on where it left off both ways, although
 * the tail had never been published (fewer messages than a quarter ring,
 * no sleep): the new mapping finds it from the ring.
 */
TEST_F(remap, goes_on_where_the_last_mapping_left_off)
{
	struct mkchan_ep *a = &self->a, *b = &self->b;

	ASSERT_EQ(0, send_seq(a, 0, 5));
	ASSERT_EQ(0, send_seq(b, 100, 105));
	ASSERT_EQ(0, recv_seq(a, 100, 103));
	ASSERT_EQ(0, mkchan_hand_back(a));

	mkchan_unmap(a);
	ASSERT_EQ(0, mkchan_map(a, self->fd[0]));
	EXPECT_EQ(5, a->tx.tail);
	ASSERT_EQ(0, send_seq(a, 5, 6));
	EXPECT_EQ(0, recv_seq(b, 0, 6));
	EXPECT_EQ(0, recv_seq(a, 103, 105));
	EXPECT_EQ(-EAGAIN, try_recv(a));
	EXPECT_EQ(-EAGAIN, try_recv(b));
}

/*
 * A mapping that ended without publishing anything, as when its process
 * dies, after more than a ring of messages: the next one finds the tail
 * from the peer's published head and the ring, and gets again what the
 * first received past the head it last published, as documented.
 */
TEST_F(remap, after_an_unpublished_end)
{
	struct mkchan_ep *a = &self->a, *b = &self->b;
	struct mkchan_ep a2;

	ASSERT_EQ(0, send_seq(a, 0, 40));
	ASSERT_EQ(0, recv_seq(b, 0, 40));
	ASSERT_EQ(0, send_seq(a, 40, NSLOTS + 16));
	ASSERT_EQ(0, recv_seq(b, 40, NSLOTS + 6));
	ASSERT_EQ(0, send_seq(b, 100, 103));
	ASSERT_EQ(0, recv_seq(a, 100, 102));

	/*
	 * @a stops where it is: it never published its tail; and its
	 * unmap publishes nothing (its head would be past @a2's).
	 */
	ASSERT_EQ(0, mkchan_map(&a2, self->fd[0]));
	mkchan_unmap(a);
	EXPECT_EQ(0, mkc_load_acquire(&a2.rx.ctl->pos));
	EXPECT_EQ(NSLOTS + 16, a2.tx.tail);
	ASSERT_EQ(0, send_seq(&a2, NSLOTS + 16, NSLOTS + 17));
	EXPECT_EQ(0, recv_seq(b, NSLOTS + 6, NSLOTS + 17));
	EXPECT_EQ(0, recv_seq(&a2, 100, 103));
	EXPECT_EQ(-EAGAIN, try_recv(&a2));
	mkchan_unmap(&a2);
}

/*
 * A peer that publishes a head past what was sent does not move the tail
 * a new mapping finds (however near the end of the positions): the first
 * send says -EBADMSG, as it does when the head is corrupt at any time.
 */
TEST_F(remap, with_a_head_past_the_tail)
{
	static const __u64 bad[] = { 1000, ~0ULL - 5 };
	struct mkchan_ep *a = &self->a, *b = &self->b;
	struct mkchan_ep a2;
	unsigned int i;
	__u64 v = 0;

	ASSERT_EQ(0, send_seq(a, 0, 5));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		b->rx.ctl->pos = bad[i];
		ASSERT_EQ(0, mkchan_map(&a2, self->fd[0]));
		EXPECT_EQ(5, a2.tx.tail) TH_LOG("head %#llx",
						(unsigned long long)bad[i]);
		EXPECT_EQ(-EBADMSG, mkchan_send(&a2, 0, &v, sizeof(v)));
		mkchan_unmap(&a2);
	}
}

TEST_HARNESS_MAIN
