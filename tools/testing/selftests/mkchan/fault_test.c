// SPDX-License-Identifier: GPL-2.0
/*
 * Faults of the processes on a channel: a peer killed with SIGKILL at
 * random points of traffic, again and again; and an unprivileged user,
 * who can use its own channels, cannot reach root's and has its own limit.
 * (fault_system_test.c has the faults of the system around the channels.)
 *
 * Every wait is bounded: children carry an alarm, the test process reaps
 * them within a time limit.  The kill test prints its seed:
 * MKFAULT_SEED=<seed> replays its choices (modes and delays; the timing
 * of the machine is its own), MKFAULT_ROUNDS=<n> sets the number of
 * rounds (1000).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libmkchan.h"

#include "kselftest_harness.h"
#include "../mkernel_test.h"
#include "fault.h"

#define SLOT		sizeof(struct mkchan_slot)
#define NSLOTS		64
#define NOBODY		65534
#define CPUS_ONLINE	"/sys/devices/system/cpu/online"

/*
 * The channel count once it is @want, or after @secs seconds: a killed
 * process's files may be released after its parent saw it die.
 */
static long wait_channels(long want, int secs)
{
	__u64 end = now_ns() + secs * SEC;
	long n;

	while ((n = mk_mkchan_count("channels")) != want && now_ns() < end)
		usleep(1000);
	return n;
}

static unsigned int msg_type(__u64 seq)
{
	return seq & 0xff;
}

FIXTURE(fault) {
	int dev;
	int cpu[2];	/* the first and the last online CPU */
	pid_t child;	/* a child the test has not reaped, or 0 */
};

FIXTURE_SETUP(fault)
{
	long last;

	self->dev = mkchan_open();
	ASSERT_LE(0, self->dev);
	ASSERT_LT(0, mk_sysfs_list_count(CPUS_ONLINE, &last));
	self->cpu[0] = 0;
	while (mk_sysfs_list_has(CPUS_ONLINE, self->cpu[0]) != 1)
		self->cpu[0]++;
	self->cpu[1] = last;
}

FIXTURE_TEARDOWN(fault)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		reap(self->child, 10);
	}
	close(self->dev);
}

/*
 * SIGKILL of a peer at random points of traffic.
 *
 * Each round makes a channel and forks a peer that drives endpoint 1,
 * mapped (libmkchan, sleeping in mkchan_recv() and mkchan_send_wait()) or
 * through read(2)/write(2), in bursts both ways; the test process drives
 * endpoint 0, mapped or not, never blocking, and kills the peer after a
 * random delay.  Then it must see EPOLLHUP, EPIPE on sends, every message
 * the peer sent, and end of file; and the channel must go when it closes.
 */
struct peer_report {
	__u32 started;	/* it is about to exchange messages */
	__u64 sent;	/* messages it sent: each must arrive */
	__u64 rcvd;	/* messages it received, each checked */
	int step;	/* where it failed, 0 if it did not */
	int err;	/* with this errno */
};

#define TO_PEER(round)		((__u64)(round) << 1)
#define FROM_PEER(round)	((__u64)(round) << 1 | 1)

static int peer_fail(struct peer_report *p, int step, int err)
{
	p->err = err;
	p->step = step;
	return step;
}

static int peer_mapped(int fd, unsigned int round, __u64 rng,
		       struct peer_report *p)
{
	unsigned int type, k, n;
	struct mkchan_ep ep;
	struct msg m;
	size_t len;
	int ret;

	ret = mkchan_map(&ep, fd);
	if (ret)
		return peer_fail(p, 1, -ret);
	mkc_write_once(p->started, 1);
	for (;;) {
		n = 1 + xorshift(&rng) % 32;
		for (k = 0; k < n; k++) {
			len = make_msg(&m, FROM_PEER(round), p->sent);
			ret = mkchan_send_wait(&ep, msg_type(p->sent), &m, len,
					       xorshift(&rng) % 2 * 100);
			if (ret)
				return peer_fail(p, 2, -ret);
			p->sent++;
		}
		n = 1 + xorshift(&rng) % 32;
		for (k = 0; k < n; k++) {
			ret = mkchan_recv(&ep, &type, &m, &len,
					  xorshift(&rng) % 2 * 100);
			if (ret)
				return peer_fail(p, 3, -ret);
			if (!msg_ok(&m, len, type, TO_PEER(round), p->rcvd))
				return peer_fail(p, 4, 0);
			p->rcvd++;
		}
	}
}

static int peer_syscalls(int fd, unsigned int round, __u64 rng,
			 struct peer_report *p)
{
	struct mkchan_slot s[32];
	unsigned int k, n;
	ssize_t ret;

	mkc_write_once(p->started, 1);
	for (;;) {
		n = 1 + xorshift(&rng) % 32;
		for (k = 0; k < n; k++)
			make_slot(&s[k], FROM_PEER(round), p->sent + k);
		for (k = 0; k < n; k += ret / SLOT) {
			ret = write(fd, &s[k], (n - k) * SLOT);
			if (ret <= 0 || ret % SLOT)
				return peer_fail(p, 5, errno);
			p->sent += ret / SLOT;
		}
		ret = read(fd, s, (1 + xorshift(&rng) % 32) * SLOT);
		if (ret <= 0 || ret % SLOT)
			return peer_fail(p, 6, ret ? errno : 0);
		for (k = 0; k < ret / SLOT; k++, p->rcvd++)
			if (!slot_ok(&s[k], TO_PEER(round), p->rcvd))
				return peer_fail(p, 7, 0);
	}
}

/* The test process's endpoint: never blocks. */
struct survivor {
	int fd;
	bool mapped;
	struct mkchan_ep ep;
	__u64 tx_tag, rx_tag;
	__u64 sent, rcvd;
};

/* Send up to 16 messages: how many, or -errno. */
static int surv_send(struct survivor *s)
{
	struct mkchan_slot out[16];
	struct msg m;
	int k, ret;

	if (s->mapped) {
		for (k = 0; k < 16; k++, s->sent++) {
			ret = mkchan_put(&s->ep, msg_type(s->sent), &m,
					 make_msg(&m, s->tx_tag, s->sent));
			if (ret == -EAGAIN)
				break;
			if (ret)
				return ret;
		}
		ret = mkchan_flush(&s->ep);
		return ret ? ret : k;
	}
	for (k = 0; k < 16; k++)
		make_slot(&out[k], s->tx_tag, s->sent + k);
	ret = write(s->fd, out, sizeof(out));
	if (ret < 0)
		return errno == EAGAIN ? 0 : -errno;
	s->sent += ret / SLOT;
	return ret / SLOT;
}

/* Receive and check up to 16: how many, -EPIPE at the end, -EILSEQ. */
static int surv_recv(struct survivor *s)
{
	struct mkchan_slot in[16];
	unsigned int type;
	struct msg m;
	int k, ret;
	size_t len;

	if (s->mapped) {
		for (k = 0; k < 16; k++, s->rcvd++) {
			ret = mkchan_try_recv(&s->ep, &type, &m, &len);
			if (ret == -EAGAIN)
				break;
			if (ret)
				return k ? k : ret;
			if (!msg_ok(&m, len, type, s->rx_tag, s->rcvd))
				return -EILSEQ;
		}
		return k;
	}
	ret = read(s->fd, in, sizeof(in));
	if (!ret)
		return -EPIPE;
	if (ret < 0)
		return errno == EAGAIN ? 0 : -errno;
	for (k = 0; k < ret / (int)SLOT; k++, s->rcvd++)
		if (!slot_ok(&in[k], s->rx_tag, s->rcvd))
			return -EILSEQ;
	return k;
}

/* Until @end: poll for what the survivor waits for. */
static void surv_wait(struct survivor *s, __u64 end)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN | POLLOUT };
	__u64 left = end - now_ns();
	struct timespec ts;

	/* A mapped endpoint's poll sees stale positions: look again soon. */
	if (s->mapped && left > 100000)
		left = 100000;
	if ((__s64)left <= 0)
		return;
	ts.tv_sec = left / SEC;
	ts.tv_nsec = left % SEC;
	ppoll(&pfd, 1, &ts, NULL);
}

/* Whether @fd reports EPOLLHUP (and not EPOLLERR) within @secs seconds. */
static bool wait_hup(int fd, int secs)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	__u64 end = now_ns() + secs * SEC;

	do {
		if (poll(&pfd, 1, 10) > 0 && (pfd.revents & (POLLHUP | POLLERR)))
			return !(pfd.revents & POLLERR);
	} while (now_ns() < end);
	return false;
}

/* The rounds: their channel's CPUs, their random choices, the figures. */
struct kill_run {
	int dev;
	int cpu[2];
	pid_t *child;
	__u64 rng;
	struct peer_report *p;
	__u64 before;		/* messages moved before the kills */
	__u64 drained;		/* received after them */
	__u64 hup_max;		/* ns from a kill to EPOLLHUP, at most */
	unsigned int silent;	/* rounds in which the peer sent nothing */
	unsigned int early;	/* rounds timed from the fork */
};

static void kill_round(struct __test_metadata *_metadata,
		       struct kill_run *k, unsigned int round)
{
	__u64 *rng = &k->rng;
	struct peer_report *p = k->p;

	bool peer_maps = round & 1, from_fork = !(xorshift(rng) % 4);
	struct survivor s = {
		.mapped = round & 2,
		.tx_tag = TO_PEER(round), .rx_tag = FROM_PEER(round),
	};
	/* 0 to 8 ms from the fork, or from the first messages */
	__u64 delay = xorshift(rng) % (1ULL << (xorshift(rng) % 14)) * 1000;
	__u64 peer_rng = xorshift(rng) | 1, start, end = 0, killed;
	struct mkchan_ep_info info;
	struct mkchan_slot slot;
	int fd[2], ret = 0, got = 0, i;
	unsigned int type;
	struct msg m;
	size_t len;
	pid_t pid;

	memset(p, 0, sizeof(*p));
	ASSERT_EQ(0, mkchan_create(k->dev, k->cpu[0], k->cpu[1], NSLOTS, 0,
				   fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(fd[0]);
		alarm(60);
		_exit(peer_maps ? peer_mapped(fd[1], round, peer_rng, p) :
		      peer_syscalls(fd[1], round, peer_rng, p));
	}
	*k->child = pid;
	close(fd[1]);
	s.fd = fd[0];
	ASSERT_EQ(0, fcntl(s.fd, F_SETFL, O_NONBLOCK));
	if (s.mapped)
		ASSERT_EQ(0, mkchan_map(&s.ep, s.fd));

	start = now_ns();
	if (from_fork)
		end = start + delay;
	while (!end || now_ns() < end) {
		if (!end && mkc_read_once(p->started))
			end = now_ns() + delay;
		if (!end && now_ns() - start > 10 * SEC)
			break;	/* it never started: failed below */
		ret = surv_send(&s);
		got = surv_recv(&s);
		if (ret < 0 || got < 0)
			break;
		if (!ret && !got)
			surv_wait(&s, end ?: now_ns() + 1000000);
	}
	kill(pid, SIGKILL);
	killed = now_ns();
	ASSERT_NE(0, end) TH_LOG("round %u: the peer did not start", round);
	ASSERT_LE(0, ret) TH_LOG("round %u: send: %s", round, strerror(-ret));
	ASSERT_LE(0, got) TH_LOG("round %u: receive: %s", round,
				 strerror(-got));
	ret = reap(pid, 10);
	*k->child = 0;
	ASSERT_NE(-1, ret) TH_LOG("round %u: the killed peer did not die",
				  round);
	ASSERT_TRUE(WIFSIGNALED(ret) && WTERMSIG(ret) == SIGKILL)
		TH_LOG("round %u: the peer failed at step %d: %s", round,
		       p->step, strerror(p->err));
	k->before += s.sent + s.rcvd;
	k->silent += !p->sent;
	k->early += from_fork;

	ASSERT_TRUE(wait_hup(s.fd, 5))
		TH_LOG("round %u: no EPOLLHUP 5 s after the kill", round);
	if (now_ns() - killed > k->hup_max)
		k->hup_max = now_ns() - killed;
	ASSERT_EQ(0, mkchan_ep_info(s.fd, &info));
	EXPECT_EQ(MKCHAN_EP_PEER_CLOSED, info.state & ~MKCHAN_EP_MAPPED);
	if (s.mapped) {
		/* Learnt at the latest when the credits run out. */
		for (i = 0; i <= NSLOTS; i++) {
			ret = mkchan_send(&s.ep, 1, "x", 1);
			if (ret)
				break;
		}
		ASSERT_EQ(-EPIPE, ret) TH_LOG("round %u: %d sends after the kill",
					      round, i);
		ASSERT_EQ(-EPIPE, mkchan_send_wait(&s.ep, 1, "x", 1, 0));
	} else {
		make_slot(&slot, s.tx_tag, s.sent);
		ASSERT_EQ(-1, write(s.fd, &slot, SLOT));
		ASSERT_EQ(EPIPE, errno);
	}
	/* What it sent is there, then the end: at most a ring of it. */
	got = s.rcvd;
	for (i = 0; i < NSLOTS / 16 + 2; i++) {
		ret = surv_recv(&s);
		if (ret <= 0)
			break;
	}
	ASSERT_EQ(-EPIPE, ret) TH_LOG("round %u: draining: %s", round,
				      strerror(-ret));
	if (s.mapped)
		ASSERT_EQ(-EPIPE, mkchan_recv(&s.ep, &type, &m, &len, 0));
	k->drained += s.rcvd - got;
	ASSERT_LE(p->sent, s.rcvd)
		TH_LOG("round %u: the peer sent %llu, %llu arrived", round,
		       (unsigned long long)p->sent,
		       (unsigned long long)s.rcvd);
	ASSERT_EQ(0, p->step) TH_LOG("round %u: the peer failed at step %d",
				     round, p->step);
	if (s.mapped)
		mkchan_close(&s.ep);
	else
		close(s.fd);
	ASSERT_EQ(0, wait_channels(0, 5))
		TH_LOG("round %u: the channel outlived its endpoints", round);
}

TEST_F_TIMEOUT(fault, kill_peer, 240)
{
	struct kill_run k = {
		.dev = self->dev, .cpu = { self->cpu[0], self->cpu[1] },
		.child = &self->child, .p = shared(sizeof(struct peer_report)),
	};
	unsigned int rounds = 1000, round;
	__u64 seed, t0 = now_ns();
	const char *env;

	ASSERT_NE(NULL, k.p);
	ASSERT_EQ(0, mk_mkchan_count("channels")) TH_LOG("channels left by others");
	env = getenv("MKFAULT_ROUNDS");
	if (env)
		rounds = strtoul(env, NULL, 0);
	env = getenv("MKFAULT_SEED");
	seed = env ? strtoull(env, NULL, 0) : now_ns() ^ getpid();
	TH_LOG("seed %llu (MKFAULT_SEED=%llu replays it), %u rounds",
	       (unsigned long long)seed, (unsigned long long)seed, rounds);
	k.rng = seed | 1;
	for (round = 0; round < rounds && _metadata->passed; round++)
		kill_round(_metadata, &k, round);
	TH_LOG("%u rounds in %llu ms, %u of them timed from the fork",
	       round, (unsigned long long)((now_ns() - t0) / 1000000),
	       k.early);
	TH_LOG("%llu messages before the kills, %llu drained after them",
	       (unsigned long long)k.before, (unsigned long long)k.drained);
	TH_LOG("the peer sent nothing in %u; EPOLLHUP at most %llu us after a kill",
	       k.silent, (unsigned long long)k.hup_max / 1000);
	EXPECT_EQ(rounds, round);
	EXPECT_LT(0, k.before);
	EXPECT_EQ(0, mk_mkchan_count("channels"));
	EXPECT_EQ(0, mk_mkchan_count("pages"));
}

/*
 * An unprivileged user (nobody) can use its own channels, cannot reach
 * root's, and has its own limit; debugfs is not for it.
 */
struct nobody_report {
	int step;		/* where it failed, 0 if it did not */
	int err;
	int exchanged;		/* messages */
	int proc_err;		/* opening root's endpoint through /proc */
	int getfd_err;		/* taking it with pidfd_getfd(), or -1 */
	int debugfs_err;	/* opening the objects file */
	int created;		/* channels it made before the limit */
	int limit_err;		/* how the next creation failed */
};

static int nobody_fail(struct nobody_report *r, int step, int err)
{
	r->err = err;
	r->step = step;
	return step;
}

/* One channel, messages both ways: endpoint 0 mapped, 1 read/write. */
static int nobody_exchange(int dev, int cpu0, int cpu1,
			   struct nobody_report *r)
{
	struct mkchan_slot s;
	struct mkchan_ep ep;
	unsigned int type;
	int fd[2], ret, i;
	struct msg m;
	size_t len;

	ret = mkchan_create(dev, cpu0, cpu1, NSLOTS, MKCHAN_CREATE_NONBLOCK,
			    fd);
	if (!ret)
		ret = mkchan_map(&ep, fd[0]);
	if (ret)
		return nobody_fail(r, 10, -ret);
	for (i = 0; i < 4 * NSLOTS; i++) {
		ret = mkchan_send(&ep, msg_type(i), &m, make_msg(&m, 1, i));
		if (ret)
			return nobody_fail(r, 11, -ret);
		if (read(fd[1], &s, SLOT) != SLOT || !slot_ok(&s, 1, i))
			return nobody_fail(r, 12, errno);
		make_slot(&s, 2, i);
		if (write(fd[1], &s, SLOT) != SLOT)
			return nobody_fail(r, 13, errno);
		ret = mkchan_try_recv(&ep, &type, &m, &len);
		if (ret || !msg_ok(&m, len, type, 2, i))
			return nobody_fail(r, 14, -ret);
		r->exchanged += 2;
	}
	mkchan_close(&ep);
	close(fd[1]);
	return 0;
}

static int nobody(const int cpu[2], long limit, int root_fd, int up,
		  int down, struct nobody_report *r)
{
	struct rlimit rl = { 2 * limit + 64, 2 * limit + 64 };
	int a = cpu[0], dev, fd, *fds, i, ret;
	int devdir, procdir, kdir;
	char path[64], c;

	/*
	 * The guest's root directory need not be searchable by others (an
	 * initramfs packed from a 0700 directory): look up from directories
	 * opened now, so that only the permissions under test decide.
	 */
	devdir = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
	procdir = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	kdir = open("/sys/kernel", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (devdir < 0 || procdir < 0 || kdir < 0)
		return nobody_fail(r, 1, errno);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return nobody_fail(r, 2, errno);
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return nobody_fail(r, 3, errno);
	if (getuid() != NOBODY || geteuid() != NOBODY ||
	    getegid() != NOBODY || !setuid(0))
		return nobody_fail(r, 4, 0);
	dev = openat(devdir, "mkchan", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return nobody_fail(r, 5, errno);
	ret = nobody_exchange(dev, a, cpu[1], r);
	if (ret)
		return ret;

	/* Root's channel: not through /proc, not with pidfd_getfd(). */
	snprintf(path, sizeof(path), "%d/fd/%d", getppid(), root_fd);
	fd = openat(procdir, path, O_RDWR | O_CLOEXEC);
	r->proc_err = fd < 0 ? errno : 0;
	fd = syscall(SYS_pidfd_open, getppid(), 0);
	r->getfd_err = -1;	/* no pidfd_open(): nothing to try */
	if (fd >= 0)
		r->getfd_err = syscall(SYS_pidfd_getfd, fd, root_fd, 0) < 0 ?
			       errno : 0;
	fd = openat(kdir, "debug/mkchan/objects", O_RDONLY | O_CLOEXEC);
	r->debugfs_err = fd < 0 ? errno : 0;

	/* Its own limit. */
	fds = calloc(2 * limit + 2, sizeof(int));
	if (!fds)
		return nobody_fail(r, 6, ENOMEM);
	for (i = 0; i <= limit; i++) {
		ret = mkchan_create(dev, a, a, NSLOTS, 0, &fds[2 * i]);
		if (ret)
			break;
	}
	r->created = i;
	r->limit_err = -ret;
	/* Root makes one now; then it closes them and makes one again. */
	if (write(up, "L", 1) != 1 || read(down, &c, 1) != 1)
		return nobody_fail(r, 7, errno);
	while (i--) {
		close(fds[2 * i]);
		close(fds[2 * i + 1]);
	}
	ret = mkchan_create(dev, a, a, NSLOTS, 0, fds);
	if (ret)
		return nobody_fail(r, 8, -ret);
	return 0;
}

/* Channels whose debugfs stats name @uid as their owner. */
static int owned_by(unsigned int uid)
{
	char path[512], buf[1024], want[32];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	dir = opendir("/sys/kernel/debug/mkchan");
	if (!dir)
		return -1;
	snprintf(want, sizeof(want), " owner %u", uid);
	while ((d = readdir(dir))) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/mkchan/%s/stats",
			 d->d_name);
		if (mk_read_file(path, buf, sizeof(buf)) > 0 &&
		    strstr(buf, want))
			n++;
	}
	closedir(dir);
	return n;
}

TEST_F_TIMEOUT(fault, unprivileged_user, 120)
{
	struct nobody_report *r = shared(sizeof(*r));
	long limit = mk_read_long("/sys/module/mkchan/parameters/max_channels_per_user");
	int root[2], fd[2], up[2], down[2], st, n;
	struct mkchan_ep_info info;
	char path[64], link[64], c;
	struct pollfd pfd;
	pid_t pid;

	ASSERT_NE(NULL, r);
	ASSERT_LT(0, limit);
	ASSERT_EQ(0, mkchan_create(self->dev, self->cpu[0], self->cpu[0],
				   NSLOTS, 0, root));
	/* Root itself reaches the endpoint both ways nobody will try. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", root[0]);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = '\0';
	EXPECT_STREQ("anon_inode:[mkchan]", link);
	fd[1] = syscall(SYS_pidfd_open, getpid(), 0);
	if (fd[1] >= 0) {
		fd[0] = syscall(SYS_pidfd_getfd, fd[1], root[0], 0);
		ASSERT_LE(0, fd[0]);
		EXPECT_EQ(0, mkchan_ep_info(fd[0], &info));
		close(fd[0]);
		close(fd[1]);
	}
	ASSERT_EQ(0, pipe2(up, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(down, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		alarm(90);
		close(up[0]);
		close(down[1]);
		/* It keeps nothing of root's channel. */
		close(root[0]);
		close(root[1]);
		_exit(nobody(self->cpu, limit, root[0], up[1], down[0], r));
	}
	self->child = pid;
	close(up[1]);
	close(down[0]);

	pfd.fd = up[0];
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 90000));
	ASSERT_EQ(1, read(up[0], &c, 1))
		TH_LOG("nobody failed at step %d: %s", r->step,
		       strerror(r->err));
	/* Nobody is at its limit now; root is not. */
	EXPECT_EQ(0, mkchan_create(self->dev, self->cpu[0], self->cpu[0],
				   NSLOTS, 0, fd));
	close(fd[0]);
	close(fd[1]);
	EXPECT_EQ(limit, owned_by(NOBODY));
	ASSERT_EQ(1, write(down[1], "c", 1));
	st = reap(pid, 60);
	self->child = 0;
	EXPECT_TRUE(exited_ok(st))
		TH_LOG("nobody failed at step %d: %s", r->step,
		       strerror(r->err));
	EXPECT_EQ(8 * NSLOTS, r->exchanged);
	EXPECT_TRUE(r->proc_err == EACCES || r->proc_err == EPERM)
		TH_LOG("opening root's endpoint through /proc: %s",
		       r->proc_err ? strerror(r->proc_err) : "it worked");
	if (r->getfd_err != -1)
		EXPECT_EQ(EPERM, r->getfd_err)
			TH_LOG("pidfd_getfd() of root's endpoint: %s",
			       r->getfd_err ? strerror(r->getfd_err) :
			       "it worked");
	EXPECT_EQ(EACCES, r->debugfs_err);
	EXPECT_EQ(limit, r->created);
	EXPECT_EQ(EDQUOT, r->limit_err);
	TH_LOG("as nobody: %d messages; %d channels, then %s",
	       r->exchanged, r->created, strerror(r->limit_err));
	TH_LOG("root's endpoint: /proc: %s; pidfd_getfd(): %s; debugfs: %s",
	       strerror(r->proc_err), strerror(r->getfd_err),
	       strerror(r->debugfs_err));
	close(root[0]);
	close(root[1]);
	close(up[0]);
	close(down[1]);
}

TEST_HARNESS_MAIN
