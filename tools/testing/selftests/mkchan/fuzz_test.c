// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded fuzzer of /dev/mkchan: random and boundary ioctl arguments on
 * the device and on endpoints, random mmap offsets, lengths, protections
 * and flags, munmap/mprotect/mremap of parts of mappings, random bytes
 * written into mapped rings while the kernel reads and writes the peers
 * through read(2)/write(2) and poll(2), descriptors duplicated, passed
 * through SCM_RIGHTS, used by short-lived children and closed at random.
 *
 * Every system call must succeed or fail with an errno the ABI defines
 * for it; the kernel must neither crash nor warn (the runner checks the
 * log) nor leak (no channel is left at the end).  A run is reproducible:
 * MKFUZZ_SEED=<seed printed> MKFUZZ_OPS=<n> replays the same operations.
 * make check runs a short pass; MKFUZZ_OPS and MKFUZZ_SECONDS make it
 * longer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mkchan.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"
#include "../mkernel_fuzz.h"

#define MAX_FDS		24
#define MAX_MAPS	16
#define DEFAULT_OPS	20000
#define DEFAULT_SECS	30

struct fuzz {
	struct mk_fuzz fz;	/* what the helpers of mkernel_fuzz.h use */
	int dev;
	int sock[2];		/* to pass descriptors to ourselves */
	int fd[MAX_FDS];	/* endpoints, -1 when free */
	struct {
		char *addr;
		size_t len;
		int writable;
	} map[MAX_MAPS];
};

static int *free_fd_slot(struct fuzz *f)
{
	int i = pick(f, MAX_FDS);

	if (f->fd[i] >= 0)
		close(f->fd[i]);
	f->fd[i] = -1;
	return &f->fd[i];
}

static int some_fd(struct fuzz *f)
{
	int i, start = pick(f, MAX_FDS);

	for (i = 0; i < MAX_FDS; i++)
		if (f->fd[(start + i) % MAX_FDS] >= 0)
			return f->fd[(start + i) % MAX_FDS];
	return -1;
}

static void op_create(struct fuzz *f)
{
	struct {
		struct mkchan_create c;
		__u8 tail[32];
	} a;
	int *s0, *s1;
	long ret;

	memset(&a, 0, sizeof(a));
	a.c.size = pick(f, 4) ? sizeof(a.c) : edgy(f) % sizeof(a);
	a.c.flags = pick(f, 4) ? rnd(f) & 3 : edgy(f);
	a.c.cpu[0] = pick(f, 4) ? pick(f, 6) : edgy(f);
	a.c.cpu[1] = pick(f, 4) ? pick(f, 6) : edgy(f);
	a.c.nslots = pick(f, 4) ? 64U << pick(f, 5) : edgy(f);
	if (!pick(f, 8))
		a.c.__reserved[pick(f, 2)] = rnd(f);
	if (!pick(f, 8))
		a.tail[pick(f, sizeof(a.tail))] = rnd(f);
	ret = ioctl(f->dev, MKCHAN_IOC_CREATE, pick(f, 16) ? (void *)&a :
		    mk_bad_ptr(&f->fz));
	RESULT(f, ret, "create", EINVAL, E2BIG, EFAULT, ENODEV, EDQUOT,
	       EMFILE, ENOMEM);
	if (ret)
		return;
	/* The fuzzer never blocks: a read on an empty ring would hang it. */
	fcntl(a.c.fd[0], F_SETFL, O_NONBLOCK);
	fcntl(a.c.fd[1], F_SETFL, O_NONBLOCK);
	s0 = free_fd_slot(f);
	*s0 = a.c.fd[0];
	s1 = free_fd_slot(f);
	if (s1 == s0)
		close(a.c.fd[1]);
	else
		*s1 = a.c.fd[1];
}

static void op_ioctl(struct fuzz *f)
{
	static const unsigned int cmds[] = {
		MKCHAN_IOC_QUERY, MKCHAN_IOC_CPU_INFO, MKCHAN_IOC_CREATE,
		MKCHAN_IOC_NOTIFY, MKCHAN_IOC_EP_INFO,
	};
	__u8 buf[256];
	unsigned int cmd, i;
	int fd = pick(f, 3) ? some_fd(f) : f->dev;
	long ret;

	if (fd < 0)
		fd = f->dev;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = pick(f, 4) ? 0 : rnd(f);
	*(__u32 *)buf = pick(f, 3) ? edgy(f) % 200 : edgy(f);
	if (pick(f, 2))
		*(__u32 *)(buf + 4) = 0;
	cmd = pick(f, 4) ? cmds[pick(f, ARRAY_SIZE(cmds))] :
	      _IOC(pick(f, 4), MKCHAN_IOC_MAGIC, pick(f, 256),
		   pick(f, 200));
	if (mk_ioc_same(cmd, MKCHAN_IOC_CREATE) && fd == f->dev)
		return;		/* op_create() keeps track of those */
	ret = ioctl(fd, cmd, cmd == MKCHAN_IOC_NOTIFY ?
		    (void *)(uintptr_t)(pick(f, 2) ? 0 : edgy(f)) :
		    pick(f, 16) ? (void *)buf : mk_bad_ptr(&f->fz));
	RESULT(f, ret, "ioctl", EINVAL, E2BIG, EFAULT, ENOTTY, EPIPE);
}

static void op_mmap(struct fuzz *f)
{
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE, PROT_NONE,
		PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC,
	};
	struct mkchan_ep_info info = { .size = sizeof(info) };
	int fd = some_fd(f), prot, flags, i, ro;
	size_t len;
	off_t off;
	void *p;

	if (fd < 0 || ioctl(fd, MKCHAN_IOC_EP_INFO, &info))
		return;
	ro = pick(f, 2);
	off = ro ? info.ro_offset : info.rw_offset;
	len = ro ? info.ro_size : info.rw_size;
	if (!pick(f, 4))
		off = (off_t)pick(f, 1 << 20) * getpagesize();
	if (!pick(f, 4))
		len = pick(f, 3) ? (size_t)pick(f, 300) * getpagesize() :
				   edgy(f);
	prot = pick(f, 3) ? (ro ? PROT_READ : PROT_READ | PROT_WRITE) :
	       prots[pick(f, ARRAY_SIZE(prots))];
	flags = pick(f, 8) ? MAP_SHARED : MAP_PRIVATE;
	p = mmap(NULL, len, prot, flags, fd, off);
	RESULT(f, p == MAP_FAILED ? -1 : 0, "mmap", EINVAL, EACCES, EBUSY,
	       ENOMEM, EPERM);
	if (p == MAP_FAILED)
		return;
	i = pick(f, MAX_MAPS);
	if (f->map[i].addr)
		munmap(f->map[i].addr, f->map[i].len);
	f->map[i].addr = p;
	f->map[i].len = len;
	f->map[i].writable = prot & PROT_WRITE;
}

static sigjmp_buf scribble_jmp;

static void scribble_fault(int sig)
{
	siglongjmp(scribble_jmp, 1);
}

/*
 * Random bytes into a writable mapping: what a hostile process can do.
 * The fuzzer does not track what mremap/mprotect/munmap of parts left
 * writable: a fault ends the scribbling and marks the mapping read-only.
 */
static void op_scribble(struct fuzz *f)
{
	struct sigaction sa = { .sa_handler = scribble_fault }, old;
	unsigned int i = pick(f, MAX_MAPS);
	unsigned int n;

	if (!f->map[i].addr || !f->map[i].writable)
		return;
	sigaction(SIGSEGV, &sa, &old);
	sigaction(SIGBUS, &sa, NULL);
	if (!sigsetjmp(scribble_jmp, 1)) {
		for (n = pick(f, 64); n; n--)
			f->map[i].addr[pick(f, f->map[i].len)] = rnd(f);
	} else {
		f->map[i].writable = 0;
	}
	sigaction(SIGSEGV, &old, NULL);
	sigaction(SIGBUS, &old, NULL);
}

static void op_remap(struct fuzz *f)
{
	unsigned int i = pick(f, MAX_MAPS);
	size_t page = getpagesize(), pages;
	char *a = f->map[i].addr;
	long ret;

	if (!a)
		return;
	pages = f->map[i].len / page;
	switch (pick(f, 3)) {
	case 0:		/* unmap the tail or all */
		ret = munmap(a + pick(f, pages + 1) * page, page);
		RESULT(f, ret, "munmap", EINVAL);
		f->map[i].writable = 0;	/* it has a hole now */
		if (!pick(f, 2)) {
			munmap(a, f->map[i].len);
			f->map[i].addr = NULL;
		}
		break;
	case 1:
		ret = mprotect(a, pages ? pick(f, pages) * page + page : page,
			       pick(f, 8));
		RESULT(f, ret, "mprotect", EACCES, EINVAL, ENOMEM);
		f->map[i].writable = 0;	/* maybe no longer */
		break;
	default:
		a = mremap(a, f->map[i].len, f->map[i].len +
			   (pick(f, 2) ? page : 0), MREMAP_MAYMOVE);
		RESULT(f, a == MAP_FAILED ? -1 : 0, "mremap", EFAULT, EINVAL,
		       ENOMEM);
		if (a != MAP_FAILED)
			f->map[i].addr = a;
		break;
	}
}

static void op_io(struct fuzz *f)
{
	struct mkchan_slot s[4];
	int fd = some_fd(f);
	size_t len;
	long ret;
	unsigned int i;

	if (fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(s); i++) {
		memset(&s[i], pick(f, 256), sizeof(s[i]));
		s[i].header = pick(f, 4) ?
			(__u64)pick(f, 57) << MKCHAN_HDR_LEN_SHIFT |
			(__u64)pick(f, 256) << MKCHAN_HDR_TYPE_SHIFT : rnd(f);
	}
	len = pick(f, 4) ? (1 + pick(f, 4)) * sizeof(s[0]) : pick(f, 300);
	if (len > sizeof(s))
		len = sizeof(s);
	if (pick(f, 2))
		ret = write(fd, s, len);
	else
		ret = read(fd, s, len);
	RESULT(f, ret, "read/write", EINVAL, EAGAIN, EPIPE, EBADMSG, EBUSY,
	       EFAULT);
}

static void op_poll(struct fuzz *f)
{
	struct pollfd p = { .fd = some_fd(f), .events = pick(f, 8) };

	if (p.fd >= 0)
		RESULT(f, poll(&p, 1, 0), "poll", EINVAL);
}

/* Hand a descriptor over: dup, SCM_RIGHTS to ourselves, or a child. */
static void op_handover(struct fuzz *f)
{
	int fd = some_fd(f), nfd = -1;
	pid_t pid;

	if (fd < 0)
		return;
	switch (pick(f, 3)) {
	case 0:
		nfd = dup(fd);
		break;
	case 1:
		nfd = mk_pass_fd(f->sock, fd);
		break;
	default:
		/* A child uses it for a moment and dies holding it. */
		pid = fork();
		if (!pid) {
			struct mkchan_slot s = { .header = 0 };

			alarm(5);
			if (write(fd, &s, sizeof(s)) < 0 ||
			    read(fd, &s, sizeof(s)) < 0)
				_exit(0);
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return;
	}
	if (nfd >= 0)
		*free_fd_slot(f) = nfd;
}

static void op_close(struct fuzz *f)
{
	unsigned int i = pick(f, MAX_FDS);

	if (f->fd[i] >= 0)
		close(f->fd[i]);
	f->fd[i] = -1;
}

FIXTURE(fuzz) {
	struct fuzz f;
};

FIXTURE_SETUP(fuzz)
{
	int i;

	memset(&self->f, 0, sizeof(self->f));
	for (i = 0; i < MAX_FDS; i++)
		self->f.fd[i] = -1;
	self->f.dev = open("/dev/mkchan", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->f.dev);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
				self->f.sock));
}

FIXTURE_TEARDOWN(fuzz)
{
	int i;

	for (i = 0; i < MAX_MAPS; i++)
		if (self->f.map[i].addr)
			munmap(self->f.map[i].addr, self->f.map[i].len);
	for (i = 0; i < MAX_FDS; i++)
		if (self->f.fd[i] >= 0)
			close(self->f.fd[i]);
	close(self->f.sock[0]);
	close(self->f.sock[1]);
	close(self->f.dev);
}

TEST_F_TIMEOUT(fuzz, random_operations, 7200)
{
	static void (*const ops[])(struct fuzz *f) = {
		op_create, op_create, op_ioctl, op_ioctl, op_mmap, op_mmap,
		op_scribble, op_scribble, op_remap, op_io, op_io, op_io,
		op_poll, op_handover, op_close,
	};
	unsigned long long max = mk_env_ull("MKFUZZ_OPS", DEFAULT_OPS);
	__u64 seed = mk_env_ull("MKFUZZ_SEED", time(NULL) ^ getpid());
	time_t start = time(NULL);
	time_t end = start + mk_env_ull("MKFUZZ_SECONDS", DEFAULT_SECS);
	struct fuzz *f = &self->f;
	int i;

	TH_LOG("MKFUZZ_SEED=%llu MKFUZZ_OPS=%llu", (unsigned long long)seed,
	       max);
	mk_fuzz_seed(&f->fz, seed);
	signal(SIGPIPE, SIG_IGN);
	for (f->fz.ops = 0; f->fz.ops < max && time(NULL) < end; f->fz.ops++)
		ops[pick(f, ARRAY_SIZE(ops))](f);

	/* Put everything away: nothing may be left in the module. */
	for (i = 0; i < MAX_MAPS; i++) {
		if (f->map[i].addr)
			munmap(f->map[i].addr, f->map[i].len);
		f->map[i].addr = NULL;
	}
	for (i = 0; i < MAX_FDS; i++) {
		if (f->fd[i] >= 0)
			close(f->fd[i]);
		f->fd[i] = -1;
	}
	TH_LOG("%llu operations in %lld s, %lu system calls, %lu failed as defined, %lu unexpected",
	       f->fz.ops, (long long)(time(NULL) - start), f->fz.calls, f->fz.failed,
	       f->fz.unexpected);
	EXPECT_EQ(0, f->fz.unexpected)
		TH_LOG("replay: MKFUZZ_SEED=%llu", (unsigned long long)seed);
	EXPECT_LT(1000, f->fz.calls);
	/* Descriptors passed through the socket may still be in flight. */
	EXPECT_EQ(0, mk_mkchan_count("channels"));
	EXPECT_EQ(0, mk_mkchan_count("pages"));
}

TEST_HARNESS_MAIN
