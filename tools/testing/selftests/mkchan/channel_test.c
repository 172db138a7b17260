// SPDX-License-Identifier: GPL-2.0
/*
 * Channels through system calls: creation and every bad argument, the
 * endpoint description, read(2)/write(2), back-pressure, peer close, the
 * per-user limit, NUMA placement and the module's object counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mkchan.h>

#include "kselftest_harness.h"
#include "../mkernel_test.h"

#define SLOT	sizeof(struct mkchan_slot)

static int dev_open(void)
{
	return open("/dev/mkchan", O_RDWR | O_CLOEXEC);
}

/* MKCHAN_IOC_CREATE; 0 or errno. */
static int create(int dev, unsigned int cpu0, unsigned int cpu1,
		  unsigned int nslots, unsigned int flags, int fds[2])
{
	struct mkchan_create c = {
		.size = sizeof(c), .flags = flags, .cpu = { cpu0, cpu1 },
		.nslots = nslots,
	};

	fds[0] = -1;
	fds[1] = -1;
	if (ioctl(dev, MKCHAN_IOC_CREATE, &c))
		return errno;
	fds[0] = c.fd[0];
	fds[1] = c.fd[1];
	return 0;
}

static int ep_info(int fd, struct mkchan_ep_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, MKCHAN_IOC_EP_INFO, info) ? errno : 0;
}

static struct mkchan_slot msg(unsigned int type, const void *data,
			      unsigned int len)
{
	struct mkchan_slot m = { .header = (__u64)len << MKCHAN_HDR_LEN_SHIFT |
					   (__u64)type << MKCHAN_HDR_TYPE_SHIFT };

	memcpy(m.data, data, len);
	return m;
}

/* The two CPUs used: the first online one and the last online one. */
static void two_cpus(unsigned int *a, unsigned int *b)
{
	long last;

	mk_sysfs_list_count("/sys/devices/system/cpu/online", &last);
	*a = 0;
	*b = last;
}

FIXTURE(chan) {
	int dev;
	int fd[2];
	unsigned int cpu[2];
};

FIXTURE_SETUP(chan)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	two_cpus(&self->cpu[0], &self->cpu[1]);
	ASSERT_EQ(0, create(self->dev, self->cpu[0], self->cpu[1], 64,
			    MKCHAN_CREATE_NONBLOCK, self->fd));
}

FIXTURE_TEARDOWN(chan)
{
	close(self->fd[0]);
	close(self->fd[1]);
	close(self->dev);
}

TEST(create_and_close)
{
	long before = mk_mkchan_count("channels");
	int dev = dev_open(), fd[2], fl;

	ASSERT_LE(0, before) TH_LOG("no debugfs objects file");
	ASSERT_EQ(0, create(dev, 0, 0, 64, 0, fd));
	EXPECT_NE(fd[0], fd[1]);
	EXPECT_EQ(before + 1, mk_mkchan_count("channels"));
	/* O_CLOEXEC unless asked otherwise; blocking unless asked. */
	fl = fcntl(fd[0], F_GETFD);
	EXPECT_TRUE(fl & FD_CLOEXEC);
	EXPECT_FALSE(fcntl(fd[1], F_GETFL) & O_NONBLOCK);
	close(fd[0]);
	EXPECT_EQ(before + 1, mk_mkchan_count("channels"));
	close(fd[1]);
	EXPECT_EQ(before, mk_mkchan_count("channels"));

	ASSERT_EQ(0, create(dev, 0, 0, 64, MKCHAN_CREATE_NOCLOEXEC |
			    MKCHAN_CREATE_NONBLOCK, fd));
	EXPECT_FALSE(fcntl(fd[0], F_GETFD) & FD_CLOEXEC);
	EXPECT_TRUE(fcntl(fd[1], F_GETFL) & O_NONBLOCK);
	close(fd[0]);
	close(fd[1]);
	EXPECT_EQ(before, mk_mkchan_count("channels"));
	close(dev);
}

TEST(create_bad_arguments)
{
	struct mkchan_query q = { .size = sizeof(q) };
	struct mkchan_create c;
	int dev = dev_open(), fd[2];

	ASSERT_EQ(0, ioctl(dev, MKCHAN_IOC_QUERY, &q));
	EXPECT_TRUE(q.features & MKCHAN_FEAT_CHANNELS);

	/* Impossible CPUs. */
	EXPECT_EQ(EINVAL, create(dev, q.nr_cpu_ids, 0, 64, 0, fd));
	EXPECT_EQ(EINVAL, create(dev, 0, UINT32_MAX, 64, 0, fd));
	/* Slot counts. */
	EXPECT_EQ(EINVAL, create(dev, 0, 0, 0, 0, fd));
	EXPECT_EQ(EINVAL, create(dev, 0, 0, 32, 0, fd));
	EXPECT_EQ(EINVAL, create(dev, 0, 0, 96, 0, fd));
	EXPECT_EQ(EINVAL, create(dev, 0, 0, q.max_slots * 2, 0, fd));
	EXPECT_EQ(EINVAL, create(dev, 0, 0, UINT32_MAX, 0, fd));
	/* Unknown flags. */
	EXPECT_EQ(EINVAL, create(dev, 0, 0, 64, 1U << 2, fd));
	EXPECT_EQ(EINVAL, create(dev, 0, 0, 64, 1U << 31, fd));

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.nslots = 64;
	c.__reserved0 = 1;
	EXPECT_EQ(-1, ioctl(dev, MKCHAN_IOC_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
	c.__reserved0 = 0;
	c.__reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(dev, MKCHAN_IOC_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
	c.__reserved[1] = 0;
	c.size = MKCHAN_CREATE_SIZE_VER0 - 4;
	EXPECT_EQ(-1, ioctl(dev, MKCHAN_IOC_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(dev, MKCHAN_IOC_CREATE, NULL));
	EXPECT_EQ(EFAULT, errno);
	/* The maximum is allowed. */
	ASSERT_EQ(0, create(dev, 0, 0, q.max_slots, 0, fd));
	close(fd[0]);
	close(fd[1]);
	close(dev);
}

/*
 * A ring's slots are reached through the kernel's linear map: no channel
 * leaves a vmap() area (whose vunmap() would end in a kernel TLB flush of
 * every CPU), whatever its size.  /proc/vmallocinfo names the caller of
 * every area.
 */
TEST(rings_are_not_vmapped)
{
	struct mkchan_query q = { .size = sizeof(q) };
	int dev = dev_open(), fd[2][2], i;
	size_t len = 8 << 20;
	char *info = malloc(len), *line;

	ASSERT_NE(NULL, info);
	ASSERT_EQ(0, ioctl(dev, MKCHAN_IOC_QUERY, &q));
	ASSERT_EQ(0, create(dev, 0, 1, MKCHAN_MIN_SLOTS, 0, fd[0]));
	ASSERT_EQ(0, create(dev, 1, 0, q.max_slots, 0, fd[1]));
	ASSERT_LT(0, mk_read_all("/proc/vmallocinfo", info, len));
	line = strstr(info, "[mkchan]");
	while (line && line > info && line[-1] != '\n')
		line--;
	EXPECT_EQ(NULL, line)
		TH_LOG("a vmalloc area of mkchan's: %.160s", line);
	for (i = 0; i < 2; i++) {
		close(fd[i][0]);
		close(fd[i][1]);
	}
	close(dev);
	free(info);
}

TEST(create_offline_cpu)
{
	const char *path = "/sys/devices/system/cpu/cpu1/online";
	int dev = dev_open(), fd[2] = { -1, -1 }, ctl;

	ctl = open(path, O_WRONLY);
	ASSERT_LE(0, ctl) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(1, write(ctl, "0", 1)) TH_LOG("offlining cpu1: %s",
						strerror(errno));
	EXPECT_EQ(ENODEV, create(dev, 1, 0, 64, 0, fd));
	EXPECT_EQ(ENODEV, create(dev, 0, 1, 64, 0, fd));
	ASSERT_EQ(1, pwrite(ctl, "1", 1, 0));
	close(ctl);
	ASSERT_EQ(0, create(dev, 1, 0, 64, 0, fd));
	close(fd[0]);
	close(fd[1]);
	close(dev);
}

TEST_F(chan, endpoint_info)
{
	struct mkchan_cpu_info ci = { .size = sizeof(ci) };
	struct mkchan_ep_info info;
	unsigned int node[2];
	int i;

	for (i = 0; i < 2; i++) {
		ci.cpu = self->cpu[i];
		ci.size = sizeof(ci);
		ASSERT_EQ(0, ioctl(self->dev, MKCHAN_IOC_CPU_INFO, &ci));
		node[i] = ci.node;
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, ep_info(self->fd[i], &info));
		EXPECT_EQ(sizeof(info), info.size);
		EXPECT_EQ(i, info.index);
		EXPECT_EQ(self->cpu[i], info.cpu);
		EXPECT_EQ(self->cpu[1 - i], info.peer_cpu);
		EXPECT_EQ(64, info.nslots);
		/* Each ring lives on the node of its receiver. */
		EXPECT_EQ(node[i], info.rx_node);
		EXPECT_EQ(node[1 - i], info.tx_node);
		EXPECT_EQ(0, info.state);
		EXPECT_EQ(MKCHAN_MMAP_RW, info.rw_offset);
		EXPECT_EQ(MKCHAN_MMAP_RO, info.ro_offset);
		EXPECT_EQ(64 * SLOT + 2 * getpagesize(), info.rw_size);
		EXPECT_EQ(64 * SLOT + 3 * getpagesize(), info.ro_size);
	}
	info.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd[0], MKCHAN_IOC_EP_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	/* Endpoint ioctls are not device ioctls and the reverse. */
	EXPECT_EQ(-1, ioctl(self->dev, MKCHAN_IOC_EP_INFO, &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd[0], MKCHAN_IOC_QUERY, &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd[0], MKCHAN_IOC_NOTIFY, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ioctl(self->fd[0], MKCHAN_IOC_NOTIFY, 0));
}

TEST_F(chan, read_write)
{
	struct mkchan_slot out[3], in[4];
	int i;

	for (i = 0; i < 3; i++)
		out[i] = msg(7 + i, "hello, world", 5 + i);
	ASSERT_EQ(3 * SLOT, write(self->fd[0], out, sizeof(out)));
	ASSERT_EQ(3 * SLOT, read(self->fd[1], in, sizeof(in)));
	for (i = 0; i < 3; i++) {
		__u64 h = in[i].header;

		EXPECT_EQ(i + 1, h & MKCHAN_HDR_SEQ_MASK);
		EXPECT_EQ(5 + i, (h >> MKCHAN_HDR_LEN_SHIFT) & 0xff);
		EXPECT_EQ(7 + i, (h >> MKCHAN_HDR_TYPE_SHIFT) & 0xff);
		EXPECT_EQ(0, memcmp(in[i].data, "hello, world", 5 + i));
	}
	/* Empty, non-blocking. */
	EXPECT_EQ(-1, read(self->fd[1], in, SLOT));
	EXPECT_EQ(EAGAIN, errno);
	/* The other direction. */
	ASSERT_EQ(SLOT, write(self->fd[1], out, SLOT));
	ASSERT_EQ(SLOT, read(self->fd[0], in, 2 * SLOT));
}

TEST_F(chan, read_write_bad_sizes)
{
	struct mkchan_slot m[2] = { msg(1, "x", 1), msg(1, "x", 1) };
	void *unmapped = mmap(NULL, getpagesize(), PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char buf[3 * SLOT];

	EXPECT_EQ(-1, write(self->fd[0], m, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(self->fd[0], m, SLOT - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(self->fd[0], m, SLOT + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->fd[1], buf, SLOT - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->fd[1], buf, SLOT + 8));
	EXPECT_EQ(EINVAL, errno);
	/* Headers that are not a length and a type. */
	m[0].header = 57ULL << MKCHAN_HDR_LEN_SHIFT;
	EXPECT_EQ(-1, write(self->fd[0], m, SLOT));
	EXPECT_EQ(EINVAL, errno);
	m[0].header = 5;	/* a sequence number */
	EXPECT_EQ(-1, write(self->fd[0], m, SLOT));
	EXPECT_EQ(EINVAL, errno);
	m[0].header = 1ULL << 60;
	EXPECT_EQ(-1, write(self->fd[0], m, SLOT));
	EXPECT_EQ(EINVAL, errno);
	/* A bad second message: the first goes, the count says so. */
	m[0] = msg(1, "x", 1);
	m[1].header = 1ULL << 63;
	EXPECT_EQ(SLOT, write(self->fd[0], m, 2 * SLOT));
	EXPECT_EQ(-1, write(self->fd[0], unmapped, SLOT));
	EXPECT_EQ(EFAULT, errno);
	/* A fault on read leaves the message in the ring. */
	EXPECT_EQ(-1, read(self->fd[1], unmapped, SLOT));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(SLOT, read(self->fd[1], buf, sizeof(buf)));
	EXPECT_EQ(-1, lseek(self->fd[0], 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

TEST_F(chan, back_pressure)
{
	struct mkchan_slot m = msg(3, "full", 4), in;
	struct pollfd pfd = { .fd = self->fd[0], .events = POLLOUT };
	int n = 0, status;
	pid_t pid;

	EXPECT_EQ(1, poll(&pfd, 1, 0));
	while (write(self->fd[0], &m, SLOT) == SLOT)
		n++;
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(64, n);
	EXPECT_EQ(0, poll(&pfd, 1, 0));

	/* A blocking writer waits until the reader makes room. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fl = fcntl(self->fd[0], F_GETFL);

		fcntl(self->fd[0], F_SETFL, fl & ~O_NONBLOCK);
		alarm(20);
		_exit(write(self->fd[0], &m, SLOT) == SLOT ? 0 : 1);
	}
	usleep(200 * 1000);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));	/* still blocked */
	/* The reader publishes its head every 16 messages of 64. */
	for (n = 0; n < 16; n++)
		ASSERT_EQ(SLOT, read(self->fd[1], &in, SLOT));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
}

TEST_F(chan, blocking_read_wakes)
{
	struct mkchan_slot m = msg(9, "wake", 4), in;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fl = fcntl(self->fd[1], F_GETFL);

		fcntl(self->fd[1], F_SETFL, fl & ~O_NONBLOCK);
		alarm(20);
		if (read(self->fd[1], &in, SLOT) != SLOT)
			_exit(1);
		_exit(memcmp(in.data, "wake", 4) ? 2 : 0);
	}
	usleep(200 * 1000);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	ASSERT_EQ(SLOT, write(self->fd[0], &m, SLOT));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(chan, peer_close)
{
	struct mkchan_slot m = msg(1, "last", 4), in, two[2] = { m, m };
	struct pollfd pfd = { .fd = self->fd[1], .events = POLLIN };
	struct mkchan_ep_info info;

	ASSERT_EQ(2 * SLOT, write(self->fd[0], two, sizeof(two)));
	close(self->fd[0]);
	self->fd[0] = open("/dev/null", O_RDONLY);

	/* Readable and hung up; the messages can still be drained. */
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLHUP, pfd.revents);
	ASSERT_EQ(0, ep_info(self->fd[1], &info));
	EXPECT_TRUE(info.state & MKCHAN_EP_PEER_CLOSED);
	EXPECT_EQ(2 * SLOT, read(self->fd[1], two, sizeof(two)));
	/* Then end of file, and sends fail. */
	EXPECT_EQ(0, read(self->fd[1], &in, SLOT));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLHUP, pfd.revents);
	EXPECT_EQ(-1, write(self->fd[1], &m, SLOT));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(-1, ioctl(self->fd[1], MKCHAN_IOC_NOTIFY, 0));
	EXPECT_EQ(EPIPE, errno);
}

TEST_F(chan, blocking_read_sees_close)
{
	struct mkchan_slot in;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fl = fcntl(self->fd[1], F_GETFL);

		close(self->fd[0]);
		fcntl(self->fd[1], F_SETFL, fl & ~O_NONBLOCK);
		alarm(20);
		_exit(read(self->fd[1], &in, SLOT) == 0 ? 0 : 1);
	}
	usleep(200 * 1000);
	close(self->fd[0]);
	self->fd[0] = open("/dev/null", O_RDONLY);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(per_user_limit)
{
	struct rlimit rl = { 4096, 4096 };
	long limit = mk_read_long("/sys/module/mkchan/parameters/max_channels_per_user");
	int dev = dev_open(), *fds, fd[2] = { -1, -1 }, i, ret = 0;

	ASSERT_LT(0, limit);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	fds = calloc(2 * limit, sizeof(int));
	ASSERT_NE(NULL, fds);
	for (i = 0; i < limit; i++) {
		ret = create(dev, 0, 0, 64, 0, &fds[2 * i]);
		if (ret)
			break;
	}
	EXPECT_EQ(limit, i) TH_LOG("create %d: %s", i, strerror(ret));
	EXPECT_EQ(EDQUOT, create(dev, 0, 0, 64, 0, fd));
	/* A channel is released when both endpoints are closed. */
	close(fds[0]);
	EXPECT_EQ(EDQUOT, create(dev, 0, 0, 64, 0, fd));
	close(fds[1]);
	ASSERT_EQ(0, create(dev, 0, 0, 64, 0, fd));
	close(fd[0]);
	close(fd[1]);
	for (i = 1; i < limit; i++) {
		close(fds[2 * i]);
		close(fds[2 * i + 1]);
	}
	free(fds);
	close(dev);
}

/* The node of the page at @addr, as the kernel's own page tables say. */
static int page_node(void *addr)
{
	int status = -1;

	if (syscall(SYS_move_pages, 0, 1, &addr, NULL, &status, 0))
		return -errno;
	return status;
}

TEST(numa_placement)
{
	struct mkchan_cpu_info ci = { .size = sizeof(ci) };
	int dev = dev_open(), fd[2], n0, n1;
	unsigned int a, b;
	struct mkchan_ep_info info;
	char *rw, *ro;

	two_cpus(&a, &b);
	ci.cpu = a;
	ASSERT_EQ(0, ioctl(dev, MKCHAN_IOC_CPU_INFO, &ci));
	n0 = ci.node;
	ci.size = sizeof(ci);
	ci.cpu = b;
	ASSERT_EQ(0, ioctl(dev, MKCHAN_IOC_CPU_INFO, &ci));
	n1 = ci.node;
	if (n0 == n1)
		TH_LOG("cpus %u and %u share node %d: a weak test", a, b, n0);

	ASSERT_EQ(0, create(dev, a, b, 256, 0, fd));
	ASSERT_EQ(0, ep_info(fd[0], &info));
	rw = mmap(NULL, info.rw_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		  fd[0], info.rw_offset);
	ASSERT_NE(MAP_FAILED, rw);
	ro = mmap(NULL, info.ro_size, PROT_READ, MAP_SHARED, fd[0],
		  info.ro_offset);
	ASSERT_NE(MAP_FAILED, ro);
	/* Endpoint 0 sends to b: its tx ring is on b's node, rx on a's. */
	EXPECT_EQ(n1, page_node(rw + info.tx_slots));
	EXPECT_EQ(n1, page_node(rw + info.tx_slots + 3 * getpagesize()));
	EXPECT_EQ(n1, page_node(rw + info.tx_ctl));
	EXPECT_EQ(n0, page_node(ro + info.rx_slots));
	EXPECT_EQ(n0, page_node(ro + info.rx_slots + 3 * getpagesize()));
	EXPECT_EQ(n0, page_node(rw + info.rx_ctl));
	munmap(rw, info.rw_size);
	munmap(ro, info.ro_size);
	close(fd[0]);
	close(fd[1]);
	close(dev);
}

TEST_F(chan, stats_and_trace_events)
{
	struct mkchan_slot m = msg(6, "traced", 6), in;
	char path[512], buf[8192];
	struct dirent *d;
	long record_cmd;
	DIR *dir;
	int found = 0;

	record_cmd = mk_trace_start("mkchan");
	ASSERT_LE(0, record_cmd) TH_LOG("tracing: %s", strerror(-record_cmd));
	ASSERT_EQ(SLOT, write(self->fd[0], &m, SLOT));
	ASSERT_EQ(SLOT, read(self->fd[1], &in, SLOT));
	ASSERT_EQ(0, ioctl(self->fd[1], MKCHAN_IOC_NOTIFY, 0));
	ASSERT_EQ(0, mk_trace_stop("mkchan", record_cmd));
	ASSERT_LT(0, mk_read_all(MK_TRACING "/trace", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "mkchan_send: chan="));
	EXPECT_NE(NULL, strstr(buf, "type=6 len=6"));
	EXPECT_NE(NULL, strstr(buf, "mkchan_recv: chan="));
	EXPECT_NE(NULL, strstr(buf, "mkchan_notify: chan="));

	/* The channel's counters: the only channel alive is ours. */
	dir = opendir("/sys/kernel/debug/mkchan");
	ASSERT_NE(NULL, dir);
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/mkchan/%s/stats",
			 d->d_name);
		ASSERT_LT(0, mk_read_file(path, buf, sizeof(buf)));
		found++;
	}
	closedir(dir);
	ASSERT_EQ(1, found);
	EXPECT_NE(NULL, strstr(buf, "slots 64"));
	EXPECT_NE(NULL, strstr(buf, "ring0 ep0->ep1"));
	EXPECT_NE(NULL, strstr(buf, "sent 1 received 1 full 0"));
	EXPECT_NE(NULL, strstr(buf, "notifies 1"));
}

TEST_HARNESS_MAIN
