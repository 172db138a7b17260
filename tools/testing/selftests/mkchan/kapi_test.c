// SPDX-License-Identifier: GPL-2.0
/*
 * mkchan's in-kernel API, through mkchan_kapi_test.ko (kapi/): checks on a
 * channel with both endpoints in the kernel, and a kernel thread that
 * echoes what user space sends it, through the mapped rings (sleeping and
 * waking both ways) and through read(2)/write(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "libmkchan.h"
#include "kapi/kapi_test.h"

#include "kselftest_harness.h"
#include "../mkernel_test.h"

#define DEVICE	"/dev/mkchan_kapi_test"

static int load_test_module(void)
{
	const char *dir = getenv("MKERNEL_MODDIR");
	char path[PATH_MAX];
	int fd, ret = 0;

	if (!access(DEVICE, F_OK))
		return 0;
	if (!dir)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/mkchan_kapi_test.ko", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(__NR_finit_module, fd, "", 0) && errno != EEXIST)
		ret = -errno;
	close(fd);
	return ret;
}

FIXTURE(kapi) {
	int dev;
	long last;
};

FIXTURE_SETUP(kapi)
{
	ASSERT_EQ(0, load_test_module())
		TH_LOG("mkchan_kapi_test.ko from $MKERNEL_MODDIR");
	self->dev = open(DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	mk_sysfs_list_count("/sys/devices/system/cpu/online", &self->last);
}

FIXTURE_TEARDOWN(kapi)
{
	close(self->dev);
}

static int echo(int dev, unsigned int cpu_user, unsigned int cpu_kernel)
{
	struct mkchan_kapi_echo e = {
		.cpu_user = cpu_user, .cpu_kernel = cpu_kernel, .nslots = 64,
	};

	return ioctl(dev, MKCHAN_KAPI_TEST_ECHO, &e) ? -errno : e.fd;
}

TEST_F(kapi, kernel_to_kernel)
{
	EXPECT_EQ(0, ioctl(self->dev, MKCHAN_KAPI_TEST_SELF))
		TH_LOG("the module's check failed: %s (see dmesg)",
		       strerror(errno));
}

/* mkrep's counter driven by a kernel thread on every CPU. */
TEST_F(kapi, replicated_counter)
{
	EXPECT_EQ(0, ioctl(self->dev, MKCHAN_KAPI_TEST_COUNTER,
			   MKREP_COUNTER_WRITE_MOSTLY))
		TH_LOG("write-mostly: %s (see dmesg)", strerror(errno));
	EXPECT_EQ(0, ioctl(self->dev, MKCHAN_KAPI_TEST_COUNTER,
			   MKREP_COUNTER_READ_MOSTLY))
		TH_LOG("read-mostly: %s (see dmesg)", strerror(errno));
	EXPECT_EQ(-1, ioctl(self->dev, MKCHAN_KAPI_TEST_COUNTER, 7));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(kapi, bad_cpu)
{
	EXPECT_EQ(-EINVAL, echo(self->dev, 0, UINT_MAX));
	EXPECT_EQ(-EINVAL, echo(self->dev, INT_MAX, 0));
}

/*
 * A watchdog for echo_mapped: when the exchange makes no progress for
 * STALL_SECONDS, it prints both sides' state (the shared control lines
 * as user space sees them, the kernel's counters and positions from
 * debugfs, where each thread sleeps), then wakes both: MKCHAN_IOC_NOTIFY
 * for the kernel thread, a signal for the poll() of the user side.  A
 * stall that a wake-up ends was a lost wake-up, or room not handed back
 * (a woken sender hands back again); one it does not end is something
 * else.  Either way the test fails.  The user side's private positions
 * are read while the test thread may move them: a snapshot for a report,
 * nothing more.  At most two reports.
 */
#define STALL_SECONDS	20

struct echo_watch {
	struct mkchan_ep *ep;
	pthread_t main;
	pid_t tid;
	unsigned int cpu_kernel;
	unsigned long progress;		/* messages so far, __atomic */
	int stop;			/* __atomic */
	int stalls;
};

static void cat_file(const char *path)
{
	char buf[2048];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return;
	fprintf(stderr, "# --- %s\n", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(f);
}

static void dump_ctl(const char *what, const struct mkchan_ctl *ctl)
{
	fprintf(stderr, "#   %-28s pos %llu waiting %u flags %#x\n", what,
		(unsigned long long)__atomic_load_n(&ctl->pos, __ATOMIC_RELAXED),
		__atomic_load_n(&ctl->waiting, __ATOMIC_RELAXED),
		__atomic_load_n(&ctl->flags, __ATOMIC_RELAXED));
}

static void dump_echo_state(struct echo_watch *w)
{
	const struct mkchan_ep *ep = w->ep;
	char path[64], comm[32], want[32];
	struct dirent *d;
	DIR *dir;

	fprintf(stderr, "# echo_mapped: no progress for %d s at message %lu\n",
		STALL_SECONDS,
		__atomic_load_n(&w->progress, __ATOMIC_RELAXED));
	fprintf(stderr, "#   user tx tail %llu limit %llu, rx head %llu published %llu\n",
		(unsigned long long)ep->tx.tail,
		(unsigned long long)ep->tx.limit,
		(unsigned long long)ep->rx.head,
		(unsigned long long)ep->rx.published);
	fprintf(stderr, "#   user sleeps %lu notifies %lu\n", ep->sleeps,
		ep->notifies);
	fprintf(stderr, "#   next rx header %#llx, last tx header %#llx\n",
		(unsigned long long)ep->rx.slots[ep->rx.head & ep->rx.mask].header,
		(unsigned long long)ep->tx.slots[(ep->tx.tail - 1) &
						  ep->tx.mask].header);
	dump_ctl("user tx (tail, room)", ep->tx.ctl);
	dump_ctl("kernel rx (head, message)", ep->tx.peer);
	dump_ctl("user rx (head, message)", ep->rx.ctl);
	dump_ctl("kernel tx (tail, room)", ep->rx.peer);
	dir = opendir("/sys/kernel/debug/mkchan");
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/mkchan/%.16s/stats",
			 d->d_name);
		cat_file(path);
	}
	if (dir)
		closedir(dir);
	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", w->tid);
	cat_file(path);
	snprintf(want, sizeof(want), "mkchan_echo/%u\n", w->cpu_kernel);
	dir = opendir("/proc");
	while (dir && (d = readdir(dir))) {
		FILE *f;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, want)) {
			snprintf(path, sizeof(path), "/proc/%.16s/stack",
				 d->d_name);
			cat_file(path);
			snprintf(path, sizeof(path), "/proc/%.16s/stat",
				 d->d_name);
			cat_file(path);
		}
		fclose(f);
	}
	if (dir)
		closedir(dir);
}

static void wake_nothing(int sig)
{
	(void)sig;
}

static void *echo_watchdog(void *arg)
{
	struct echo_watch *w = arg;
	unsigned long last = ~0UL, now;
	int still = 0;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		sleep(1);
		now = __atomic_load_n(&w->progress, __ATOMIC_RELAXED);
		if (now != last) {
			last = now;
			still = 0;
			continue;
		}
		if (++still < STALL_SECONDS)
			continue;
		still = 0;
		if (w->stalls++ < 2)
			dump_echo_state(w);
		ioctl(w->ep->fd, MKCHAN_IOC_NOTIFY, 0);
		pthread_kill(w->main, SIGUSR1);
	}
	return NULL;
}

/*
 * User space maps its endpoint; the kernel thread sleeps in mkchan_wait().
 * Some 30000 sleeps and wake-ups.  It logs each phase's time, and a
 * watchdog reports a stall (above).
 */
TEST_F_TIMEOUT(kapi, echo_mapped, 240)
{
	struct sigaction sa = { .sa_handler = wake_nothing };
	/* Static: the watchdog outlives the stack frame of a failed ASSERT. */
	static struct echo_watch w;
	static struct mkchan_ep ep;
	pthread_t watchdog;
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	struct timespec t0, t1, t2;
	unsigned long i, got;
	unsigned int type;
	cpu_set_t set;
	int fd, k;
	size_t len;

	fd = echo(self->dev, 0, self->last);
	ASSERT_LE(0, fd) TH_LOG("echo: %s", strerror(-fd));
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	ASSERT_EQ(0, mkchan_map(&ep, fd));
	/* No SA_RESTART: the signal ends a poll() with EINTR. */
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	w.ep = &ep;
	w.main = pthread_self();
	w.tid = gettid();
	w.cpu_kernel = self->last;
	ASSERT_EQ(0, pthread_create(&watchdog, NULL, echo_watchdog, &w));
	clock_gettime(CLOCK_MONOTONIC, &t0);

	/* One at a time, the user side sleeping on every other message. */
	for (i = 0; i < 20000; i++) {
		ASSERT_EQ(0, mkchan_send_wait(&ep, i & 0xff, &i, sizeof(i),
					      1000));
		ASSERT_EQ(0, mkchan_recv(&ep, &type, buf, &len,
					 i & 1 ? 0 : 1000));
		ASSERT_EQ(sizeof(got), len);
		memcpy(&got, buf, sizeof(got));
		ASSERT_EQ(i, got);
		ASSERT_EQ(i & 0xff, type);
		__atomic_store_n(&w.progress, i, __ATOMIC_RELAXED);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Bursts that fill the ring both ways. */
	for (i = 0; i < 20000; i += 100) {
		for (k = 0; k < 100; k++) {
			got = i + k;
			ASSERT_EQ(0, mkchan_send_wait(&ep, 1, &got, sizeof(got),
						      0));
		}
		for (k = 0; k < 100; k++) {
			ASSERT_EQ(0, mkchan_recv(&ep, &type, buf, &len, 0));
			ASSERT_EQ(sizeof(got), len);
			memcpy(&got, buf, sizeof(got));
			ASSERT_EQ(i + k, got);
			__atomic_store_n(&w.progress, 20000 + i + k,
					 __ATOMIC_RELAXED);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t2);
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	pthread_join(watchdog, NULL);
	TH_LOG("one at a time %.1f s, bursts %.1f s, %lu sleeps",
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       t2.tv_sec - t1.tv_sec + (t2.tv_nsec - t1.tv_nsec) / 1e9,
	       (unsigned long)ep.sleeps);
	EXPECT_EQ(0, w.stalls) TH_LOG("the exchange stalled (state above)");
	EXPECT_LT(0, ep.sleeps);
	EXPECT_LT(0, ep.notifies);
	mkchan_unmap(&ep);
	close(fd);
}

/* The same through system calls: both sides in the kernel's protocol. */
TEST_F(kapi, echo_syscalls)
{
	struct mkchan_slot out[8], in[8];
	unsigned long i;
	int fd, k;

	fd = echo(self->dev, self->last, 0);
	ASSERT_LE(0, fd);
	for (i = 0; i < 2000; i += 8) {
		for (k = 0; k < 8; k++) {
			memset(&out[k], 0, sizeof(out[k]));
			out[k].header = 8ULL << MKCHAN_HDR_LEN_SHIFT;
			memcpy(out[k].data, &(unsigned long){ i + k }, 8);
		}
		ASSERT_EQ(sizeof(out), write(fd, out, sizeof(out)));
		for (k = 0; k < 8; k += read(fd, &in[k], sizeof(in) -
					      k * sizeof(in[0])) / sizeof(in[0]))
			;
		for (k = 0; k < 8; k++)
			ASSERT_EQ(0, memcmp(in[k].data, out[k].data, 8));
	}
	close(fd);
}

/*
 * The echo thread holds as much as two pipes and a reader would: a full
 * ring each way and the message in its hand.  Having taken 65 messages of
 * a fresh 64-slot ring, it published 64 when it published a quarter ring
 * at a time; waiting then for room on the other ring, it held back the
 * 65th slot, and a peer that sends 129 before it reads waited for it
 * forever (issue 12: seen as echo_mapped stalling, both sides waiting for
 * room).  The sends here never sleep, so only the kernel's side is tested.
 */
TEST_F(kapi, echo_holds_both_rings)
{
	const unsigned long n = 2 * 64 + 1;
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	struct timespec t0, t;
	unsigned long i, got;
	struct mkchan_ep ep;
	unsigned int type;
	size_t len;
	int fd, ret;

	fd = echo(self->dev, 0, self->last);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mkchan_map(&ep, fd));
	for (i = 0; i < n; i++) {
		/* Up to 10 s for the echo thread to make room. */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {
			ret = mkchan_send(&ep, 0, &i, sizeof(i));
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (ret != -EAGAIN || t.tv_sec - t0.tv_sec > 10)
				break;
			usleep(1000);
		}
		ASSERT_EQ(0, ret) TH_LOG("message %lu of %lu: %s", i, n,
					 strerror(-ret));
	}
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, mkchan_recv(&ep, &type, buf, &len, 0));
		ASSERT_EQ(sizeof(got), len);
		memcpy(&got, buf, sizeof(got));
		ASSERT_EQ(i, got);
	}
	mkchan_unmap(&ep);
	close(fd);
}

/*
 * Exact reads from an interrupt nested in a thread's exact reads on one
 * CPU: the thread's later local reads never go below the interrupt's
 * (issue 14: the thread stored its older total over the interrupt's).
 */
TEST_F(kapi, counter_reads_nested_in_interrupts)
{
	struct mkchan_kapi_nest nest;
	cpu_set_t set, one;
	int cpu;

	/*
	 * The race needs adders on two CPUs at least, one read by the
	 * thread before the interrupt and one after; the guest has four.
	 */
	if (sysconf(_SC_NPROCESSORS_ONLN) < 3)
		SKIP(return, "fewer than 3 CPUs online");
	/* The first CPU we may run on. */
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
		;
	ASSERT_GT(CPU_SETSIZE, cpu);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	ASSERT_EQ(0, ioctl(self->dev, MKCHAN_KAPI_TEST_COUNTER_NESTED, &nest))
		TH_LOG("%s", strerror(errno));
	TH_LOG("%llu reads, %llu in the interrupt, %llu nested, %llu backwards",
	       (unsigned long long)nest.reads,
	       (unsigned long long)nest.irq_reads,
	       (unsigned long long)nest.nested,
	       (unsigned long long)nest.backwards);
	/* The test provoked what it checks. */
	EXPECT_LT(0, nest.nested);
	EXPECT_EQ(0, nest.backwards);
}

/* Once the echo threads saw their peers close, the module unloads. */
TEST_F(kapi, unload)
{
	int i, ret = -1;

	close(self->dev);
	self->dev = -1;
	for (i = 0; i < 100 && ret; i++) {
		ret = syscall(__NR_delete_module, "mkchan_kapi_test", O_NONBLOCK);
		if (ret)
			usleep(100000);
	}
	EXPECT_EQ(0, ret) TH_LOG("delete_module: %s", strerror(errno));
}

TEST_HARNESS_MAIN
