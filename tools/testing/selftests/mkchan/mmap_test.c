// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping endpoints: the two views and every bad mmap, mprotect, mremap,
 * munmap and fork; hand-over by SCM_RIGHTS; and shared memory scribbled on
 * by a process while the kernel reads it, which must break only that
 * channel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mkchan.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"

#define SLOT	sizeof(struct mkchan_slot)

FIXTURE(ep) {
	int dev;
	int fd[2];
	struct mkchan_ep_info info;
	long page;
};

FIXTURE_SETUP(ep)
{
	struct mkchan_create c = {
		.size = sizeof(c), .flags = MKCHAN_CREATE_NONBLOCK,
		.cpu = { 0, 0 }, .nslots = 128,
	};

	self->page = getpagesize();
	self->dev = open("/dev/mkchan", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, ioctl(self->dev, MKCHAN_IOC_CREATE, &c));
	self->fd[0] = c.fd[0];
	self->fd[1] = c.fd[1];
	self->info.size = sizeof(self->info);
	ASSERT_EQ(0, ioctl(self->fd[0], MKCHAN_IOC_EP_INFO, &self->info));
}

FIXTURE_TEARDOWN(ep)
{
	close(self->fd[0]);
	close(self->fd[1]);
	close(self->dev);
}

static void *map(int fd, size_t len, int prot, int flags, off_t off)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

static void *map_rw(struct __test_metadata *_metadata, int fd,
		    struct mkchan_ep_info *info)
{
	void *p = map(fd, info->rw_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      info->rw_offset);

	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap rw: %s", strerror(errno));
	return p;
}

static void *map_ro(struct __test_metadata *_metadata, int fd,
		    struct mkchan_ep_info *info)
{
	void *p = map(fd, info->ro_size, PROT_READ, MAP_SHARED,
		      info->ro_offset);

	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap ro: %s", strerror(errno));
	return p;
}

static struct mkchan_slot msg(unsigned int type, const char *s)
{
	struct mkchan_slot m = {
		.header = (__u64)strlen(s) << MKCHAN_HDR_LEN_SHIFT |
			  (__u64)type << MKCHAN_HDR_TYPE_SHIFT,
	};

	memcpy(m.data, s, strlen(s));
	return m;
}

static sigjmp_buf fault_jmp;

static void on_fault(int sig)
{
	siglongjmp(fault_jmp, 1);
}

/*
 * Whether touching @p faults in this process: SIGSEGV, or SIGBUS from a
 * mapping that cannot find its page.  @write 0: a read; 1: a read, then
 * the same byte written back; 2: a write of 0, with no read before it
 * (a write fault where nothing is mapped).
 */
static int faults(char *p, int write)
{
	struct sigaction sa = { .sa_handler = on_fault }, old, old_bus;
	int faulted = 1;

	sigaction(SIGSEGV, &sa, &old);
	sigaction(SIGBUS, &sa, &old_bus);
	if (!sigsetjmp(fault_jmp, 1)) {
		char c = write == 2 ? 0 : __atomic_load_n(p, __ATOMIC_RELAXED);

		if (write)
			__atomic_store_n(p, c, __ATOMIC_RELAXED);
		faulted = 0;
	}
	sigaction(SIGSEGV, &old, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return faulted;
}

/* Whether reading @p kills a forked child with SIGSEGV. */
static int child_faults(char *p)
{
	int status;
	pid_t pid = fork();

	if (!pid) {
		__atomic_load_n(p, __ATOMIC_RELAXED);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

TEST_F(ep, views)
{
	struct mkchan_slot m = msg(5, "through the kernel"), in;
	struct mkchan_slot *rx;
	struct mkchan_status *st;
	char *rw, *ro;

	EXPECT_EQ(128 * SLOT + 2 * self->page, self->info.rw_size);
	rw = map_rw(_metadata, self->fd[0], &self->info);
	ro = map_ro(_metadata, self->fd[0], &self->info);

	/* The kernel-driven peer writes; the mapped endpoint sees it. */
	ASSERT_EQ(SLOT, write(self->fd[1], &m, SLOT));
	rx = (struct mkchan_slot *)(ro + self->info.rx_slots);
	EXPECT_EQ(1, rx[0].header & MKCHAN_HDR_SEQ_MASK);
	EXPECT_EQ(0, memcmp(rx[0].data, "through the kernel", 18));
	st = (struct mkchan_status *)(ro + self->info.status);
	EXPECT_EQ(0, st->closed);

	/* The endpoint is user space's now. */
	self->info.size = sizeof(self->info);
	ASSERT_EQ(0, ioctl(self->fd[0], MKCHAN_IOC_EP_INFO, &self->info));
	EXPECT_TRUE(self->info.state & MKCHAN_EP_MAPPED);
	EXPECT_EQ(-1, read(self->fd[0], &in, SLOT));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, write(self->fd[0], &m, SLOT));
	EXPECT_EQ(EBUSY, errno);

	/* What the peer writes is read-only here, and the status too. */
	EXPECT_TRUE(faults(ro + self->info.rx_slots, 1));
	EXPECT_TRUE(faults(ro + self->info.status, 1));
	EXPECT_FALSE(faults(rw + self->info.tx_slots, 1));

	/* The closed bit of the peer appears in the status page. */
	close(self->fd[1]);
	self->fd[1] = open("/dev/null", O_RDONLY);
	EXPECT_EQ(MKCHAN_STATUS_EP(1), st->closed);
	munmap(rw, self->info.rw_size);
	munmap(ro, self->info.ro_size);
}

TEST_F(ep, wrong_offset)
{
	off_t bad[] = { self->page, self->info.ro_offset + self->page,
			self->info.ro_offset - self->page, 1ULL << 40 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(MAP_FAILED, map(self->fd[0], self->info.rw_size,
					  PROT_READ, MAP_SHARED, bad[i]));
		EXPECT_EQ(EINVAL, errno) TH_LOG("offset %#llx",
						(unsigned long long)bad[i]);
	}
}

TEST_F(ep, wrong_length)
{
	size_t rw = self->info.rw_size, ro = self->info.ro_size;

	EXPECT_EQ(MAP_FAILED, map(self->fd[0], rw + self->page, PROT_READ,
				  MAP_SHARED, self->info.rw_offset));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, map(self->fd[0], rw - self->page, PROT_READ,
				  MAP_SHARED, self->info.rw_offset));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, map(self->fd[0], ro + self->page, PROT_READ,
				  MAP_SHARED, self->info.ro_offset));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, map(self->fd[0], self->page, PROT_READ,
				  MAP_SHARED, self->info.ro_offset));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing was handed over by the failed attempts. */
	self->info.size = sizeof(self->info);
	ASSERT_EQ(0, ioctl(self->fd[0], MKCHAN_IOC_EP_INFO, &self->info));
	EXPECT_FALSE(self->info.state & MKCHAN_EP_MAPPED);
}

TEST_F(ep, wrong_protection)
{
	EXPECT_EQ(MAP_FAILED, map(self->fd[0], self->info.rw_size,
				  PROT_READ | PROT_EXEC, MAP_SHARED,
				  self->info.rw_offset));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(MAP_FAILED, map(self->fd[0], self->info.ro_size,
				  PROT_READ | PROT_EXEC, MAP_SHARED,
				  self->info.ro_offset));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(MAP_FAILED, map(self->fd[0], self->info.ro_size,
				  PROT_READ | PROT_WRITE, MAP_SHARED,
				  self->info.ro_offset));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(MAP_FAILED, map(self->fd[0], self->info.rw_size,
				  PROT_READ | PROT_WRITE, MAP_PRIVATE,
				  self->info.rw_offset));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, map(self->fd[0], self->info.ro_size, PROT_READ,
				  MAP_PRIVATE, self->info.ro_offset));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(ep, mprotect_upgrade)
{
	char *rw = map_rw(_metadata, self->fd[0], &self->info);
	char *ro = map_ro(_metadata, self->fd[0], &self->info);

	EXPECT_EQ(-1, mprotect(ro, self->info.ro_size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(ro, self->page, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(rw, self->info.rw_size, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	/* Downgrading is allowed, and so is going back up to what was. */
	EXPECT_EQ(0, mprotect(rw, self->info.rw_size, PROT_READ));
	EXPECT_TRUE(faults(rw, 1));
	EXPECT_EQ(0, mprotect(rw, self->info.rw_size, PROT_READ | PROT_WRITE));
	EXPECT_FALSE(faults(rw, 1));
	munmap(rw, self->info.rw_size);
	munmap(ro, self->info.ro_size);
}

TEST_F(ep, partial_munmap_and_mremap)
{
	struct mkchan_slot m = msg(1, "still here"), *rx;
	char *ro = map_ro(_metadata, self->fd[0], &self->info);
	char *moved, *grown;

	/* Unmap the status page at the end; the slots stay mapped. */
	ASSERT_EQ(0, munmap(ro + self->info.status, self->page));
	ASSERT_EQ(SLOT, write(self->fd[1], &m, SLOT));
	rx = (struct mkchan_slot *)(ro + self->info.rx_slots);
	EXPECT_EQ(0, memcmp(rx[0].data, "still here", 10));
	EXPECT_TRUE(faults(ro + self->info.status, 0));

	/* Cannot grow; can move. */
	grown = mremap(ro, self->page, 2 * self->page, 0);
	EXPECT_EQ(MAP_FAILED, grown);
	moved = mremap(ro, self->info.status, self->info.status,
		       MREMAP_MAYMOVE | MREMAP_FIXED,
		       ro + 64 * self->info.ro_size);
	ASSERT_NE(MAP_FAILED, moved) TH_LOG("mremap: %s", strerror(errno));
	rx = (struct mkchan_slot *)(moved + self->info.rx_slots);
	EXPECT_EQ(0, memcmp(rx[0].data, "still here", 10));
	EXPECT_EQ(0, munmap(moved, self->info.status));
}

/*
 * madvise(MADV_DONTNEED) drops the views' pages from the page tables: the
 * next touch maps the same pages back, slots, control lines and status,
 * also in a piece left by a partial munmap(); and a touch that maps a
 * page back is no write to the file (its times stay).
 */
TEST_F(ep, dontneed_maps_the_same_pages)
{
	struct mkchan_slot m = msg(3, "before"), in;
	char *rw = map_rw(_metadata, self->fd[0], &self->info);
	char *ro = map_ro(_metadata, self->fd[0], &self->info);
	struct mkchan_slot *tx = (void *)(rw + self->info.tx_slots);
	struct mkchan_slot *rx = (void *)(ro + self->info.rx_slots);
	struct mkchan_ctl *rx_ctl = (void *)(rw + self->info.rx_ctl);
	struct mkchan_status *st = (void *)(ro + self->info.status);
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	struct stat st0, st1;
	int n = 0;

	ASSERT_EQ(SLOT, write(self->fd[1], &m, SLOT));
	ASSERT_EQ(0, madvise(rw, self->info.rw_size, MADV_DONTNEED));
	ASSERT_EQ(0, madvise(ro, self->info.ro_size, MADV_DONTNEED));

	/* What the peer wrote is still there. */
	ASSERT_FALSE(faults((char *)rx, 0));
	EXPECT_EQ(1, rx[0].header & MKCHAN_HDR_SEQ_MASK);
	EXPECT_EQ(0, memcmp(rx[0].data, "before", 6));

	/*
	 * What is written through the mapping reaches the peer, and a write
	 * fault leaves the file's times (a tick later, a new time would
	 * differ).
	 */
	ASSERT_EQ(0, fstat(self->fd[0], &st0));
	nanosleep(&pause, NULL);
	ASSERT_FALSE(faults((char *)tx[0].data, 2));
	memcpy(tx[0].data, "after", 5);
	__atomic_store_n(&tx[0].header, 1 | 5ULL << MKCHAN_HDR_LEN_SHIFT,
			 __ATOMIC_RELEASE);
	ASSERT_EQ(SLOT, read(self->fd[1], &in, SLOT));
	EXPECT_EQ(0, memcmp(in.data, "after", 5));
	ASSERT_EQ(0, fstat(self->fd[0], &st1));
	EXPECT_EQ(st0.st_mtim.tv_sec, st1.st_mtim.tv_sec);
	EXPECT_EQ(st0.st_mtim.tv_nsec, st1.st_mtim.tv_nsec);
	EXPECT_EQ(st0.st_ctim.tv_sec, st1.st_ctim.tv_sec);
	EXPECT_EQ(st0.st_ctim.tv_nsec, st1.st_ctim.tv_nsec);

	/*
	 * The receiver's control line is the one the peer reads: a head
	 * past anything sent breaks the channel at the peer's next look,
	 * once the ring looks full at the latest.
	 */
	ASSERT_FALSE(faults((char *)rx_ctl, 1));
	rx_ctl->pos = 1ULL << 40;
	while (write(self->fd[1], &m, SLOT) == SLOT && n < 1000)
		n++;
	EXPECT_EQ(EBADMSG, errno);
	EXPECT_GE(128, n);

	/* The status page, last of the read-only view, after a split. */
	ASSERT_EQ(0, munmap(ro, self->info.status));
	ASSERT_EQ(0, madvise(ro + self->info.status, self->page,
			     MADV_DONTNEED));
	close(self->fd[1]);
	self->fd[1] = open("/dev/null", O_RDONLY);
	ASSERT_FALSE(faults((char *)st, 0));
	EXPECT_EQ(MKCHAN_STATUS_EP(1), st->closed);
	munmap(rw, self->info.rw_size);
	munmap(ro + self->info.status, self->page);
}

TEST_F(ep, fork_does_not_inherit_mapping)
{
	char *rw = map_rw(_metadata, self->fd[0], &self->info);
	int status;
	pid_t pid;

	/* The child has no mapping there, but may map its own. */
	EXPECT_FALSE(faults(rw, 0));
	EXPECT_TRUE(child_faults(rw));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char *ro = map(self->fd[0], self->info.ro_size, PROT_READ,
			       MAP_SHARED, self->info.ro_offset);

		_exit(ro == MAP_FAILED ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	munmap(rw, self->info.rw_size);
}

TEST_F(ep, mapping_outlives_descriptors)
{
	struct mkchan_slot m = msg(2, "kept"), *rx;
	char *ro = map_ro(_metadata, self->fd[0], &self->info);

	ASSERT_EQ(SLOT, write(self->fd[1], &m, SLOT));
	close(self->fd[0]);
	close(self->fd[1]);
	self->fd[0] = open("/dev/null", O_RDONLY);
	self->fd[1] = open("/dev/null", O_RDONLY);
	rx = (struct mkchan_slot *)(ro + self->info.rx_slots);
	EXPECT_EQ(0, memcmp(rx[0].data, "kept", 4));
	/* The mapping holds endpoint 0's file, as for any file. */
	EXPECT_EQ(MKCHAN_STATUS_EP(1),
		  ((struct mkchan_status *)(ro + self->info.status))->closed);
	EXPECT_EQ(1, mk_mkchan_count("channels"));
	EXPECT_EQ(0, munmap(ro, self->info.ro_size));
	/* The last reference is gone with the mapping. */
	EXPECT_EQ(0, mk_mkchan_count("channels"));
}

TEST(scm_rights_handover)
{
	struct mkchan_create c = { .size = sizeof(c), .nslots = 64 };
	struct mkchan_slot m = msg(4, "ping"), in;
	int sv[2], dev, status;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Created after the fork: only SCM_RIGHTS can bring it. */
		int fd = mk_recv_fd(sv[1], 0);

		alarm(20);
		if (fd < 0 || read(fd, &in, SLOT) != SLOT ||
		    memcmp(in.data, "ping", 4))
			_exit(1);
		in = msg(5, "pong");
		_exit(write(fd, &in, SLOT) == SLOT ? 0 : 2);
	}
	dev = open("/dev/mkchan", O_RDWR);
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, ioctl(dev, MKCHAN_IOC_CREATE, &c));
	ASSERT_EQ(0, mk_send_fd(sv[0], c.fd[1], 0));
	close(c.fd[1]);
	ASSERT_EQ(SLOT, write(c.fd[0], &m, SLOT));
	ASSERT_EQ(SLOT, read(c.fd[0], &in, SLOT));
	EXPECT_EQ(0, memcmp(in.data, "pong", 4));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(c.fd[0]);
	close(dev);
}

/*
 * Scribble @hdr into the first slot of the mapped endpoint 0's tx ring:
 * endpoint 1 must find the channel broken.  0 or -errno of the read.
 */
static int broken_by_header(struct __test_metadata *_metadata, int fd0,
			    int fd1, struct mkchan_ep_info *info, __u64 hdr)
{
	struct mkchan_slot in;
	struct pollfd pfd = { .fd = fd1, .events = POLLIN | POLLOUT };
	struct mkchan_slot *tx;
	char *rw = map_rw(_metadata, fd0, info);

	tx = (struct mkchan_slot *)(rw + info->tx_slots);
	tx[0].header = hdr;
	EXPECT_EQ(-1, read(fd1, &in, SLOT));
	if (errno != EBADMSG)
		return -errno;
	/* Broken for good, on both sides. */
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLERR, pfd.revents);
	in = msg(1, "x");
	EXPECT_EQ(-1, write(fd1, &in, SLOT));
	EXPECT_EQ(EBADMSG, errno);
	info->size = sizeof(*info);
	ioctl(fd1, MKCHAN_IOC_EP_INFO, info);
	EXPECT_TRUE(info->state & MKCHAN_EP_BROKEN);
	munmap(rw, info->rw_size);
	return 0;
}

TEST_F(ep, hostile_sequence)
{
	EXPECT_EQ(0, broken_by_header(_metadata, self->fd[0], self->fd[1],
				      &self->info, 77));
}

TEST_F(ep, hostile_length)
{
	EXPECT_EQ(0, broken_by_header(_metadata, self->fd[0], self->fd[1],
				      &self->info,
				      1 | 200ULL << MKCHAN_HDR_LEN_SHIFT));
}

TEST_F(ep, hostile_reserved_bits)
{
	EXPECT_EQ(0, broken_by_header(_metadata, self->fd[0], self->fd[1],
				      &self->info, 1 | 1ULL << 56));
}

TEST_F(ep, hostile_published_head)
{
	struct mkchan_slot m = msg(1, "x");
	char *rw = map_rw(_metadata, self->fd[0], &self->info);
	struct mkchan_ctl *rx_ctl = (void *)(rw + self->info.rx_ctl);
	int n = 0;

	/* Endpoint 0 claims to have read what was never sent. */
	rx_ctl->pos = 1ULL << 40;
	while (write(self->fd[1], &m, SLOT) == SLOT && n < 1000)
		n++;
	EXPECT_EQ(EBADMSG, errno);
	EXPECT_GE(128, n);
	munmap(rw, self->info.rw_size);
}

TEST_F(ep, hostile_random_bytes)
{
	char *rw = map_rw(_metadata, self->fd[0], &self->info);
	struct mkchan_slot in[8], m = msg(1, "y");
	unsigned int i, j, seed = 1;
	int other[2], bad = 0;
	struct mkchan_create c = { .size = sizeof(c), .nslots = 64 };

	/* A bystander channel must not notice anything. */
	ASSERT_EQ(0, ioctl(self->dev, MKCHAN_IOC_CREATE, &c));
	other[0] = c.fd[0];
	other[1] = c.fd[1];

	for (i = 0; i < 2000; i++) {
		for (j = 0; j < 64; j++)
			rw[rand_r(&seed) % self->info.rw_size] = rand_r(&seed);
		if (read(self->fd[1], in, sizeof(in)) < 0 && errno == EBADMSG)
			bad++;
		if (write(self->fd[1], &m, SLOT) < 0 && errno != EAGAIN &&
		    errno != EBADMSG)
			break;
		ASSERT_EQ(SLOT, write(other[0], &m, SLOT));
		ASSERT_EQ(SLOT, read(other[1], in, sizeof(in)));
	}
	EXPECT_EQ(2000, i);
	EXPECT_LT(0, bad);
	munmap(rw, self->info.rw_size);
	close(other[0]);
	close(other[1]);
}

struct scribbler {
	char *rw;
	size_t size;
	int stop;
	unsigned long writes;
};

/* Random bytes all over the writable view until told to stop. */
static void *scribble(void *arg)
{
	struct scribbler *s = arg;
	unsigned int seed = 7;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		__atomic_store_n(&s->rw[rand_r(&seed) % s->size],
				 (char)rand_r(&seed), __ATOMIC_RELAXED);
		s->writes++;
	}
	return NULL;
}

/*
 * The same, but the garbage changes while the kernel reads and writes the
 * rings on the peer's behalf (read, write, poll in a loop).
 */
TEST_F(ep, hostile_concurrent_writes)
{
	struct scribbler s = { .size = self->info.rw_size };
	struct mkchan_slot in[8], m = msg(1, "z");
	struct pollfd pfd = { .fd = self->fd[1], .events = POLLIN | POLLOUT };
	pthread_t t;
	int i, bad = 0;

	s.rw = map_rw(_metadata, self->fd[0], &self->info);
	ASSERT_EQ(0, pthread_create(&t, NULL, scribble, &s));
	for (i = 0; i < 20000; i++) {
		if (read(self->fd[1], in, sizeof(in)) < 0 && errno == EBADMSG)
			bad++;
		if (write(self->fd[1], &m, SLOT) < 0 && errno != EAGAIN &&
		    errno != EBADMSG)
			break;
		poll(&pfd, 1, 0);
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	EXPECT_EQ(20000, i);
	EXPECT_LT(0, bad);
	EXPECT_LT(0, s.writes);
	munmap(s.rw, self->info.rw_size);
}

TEST_HARNESS_MAIN
