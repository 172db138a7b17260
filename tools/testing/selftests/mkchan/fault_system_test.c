// SPDX-License-Identifier: GPL-2.0
/*
 * Faults of the system around the channels, under traffic: a CPU going
 * offline and online again and again, rmmod attempted, and a memory
 * cgroup too small for another channel.  (fault_test.c has the faults of
 * the processes on a channel.)
 *
 * The traffic is flows: one direction of a channel, a sender process on
 * one endpoint and a receiver process on the other, mapped (libmkchan,
 * sleeping) or through read(2)/write(2), each pinned to its endpoint's
 * CPU.  Every wait is bounded: children carry an alarm, the test process
 * watches them, fails on a stall and kills them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
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
#define TYPE_END	0xff	/* a flow's last message: its count */
#define CPUS_ONLINE	"/sys/devices/system/cpu/online"
#define CGROOT		"/sys/fs/cgroup"
#define MAX_CHANS	3
#define MAX_FLOWS	(2 * MAX_CHANS)

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static unsigned int msg_type(__u64 seq)
{
	return seq % TYPE_END;
}

/* Children of a test, killed by the teardown if it fails. */
struct kids {
	pid_t pid[4 * MAX_CHANS];
	int n;
};

FIXTURE(sys) {
	int dev;
	/* cpu[0] and cpu[1] stay online; cpu[2], the last online, may not */
	int cpu[3];
	int offline;		/* the CPU the test took offline, or -1 */
	char cgroup[64];	/* the cgroup it made, or "" */
	bool cg_mounted;	/* it mounted cgroup2 */
	bool cg_memory;		/* it enabled the memory controller */
	bool mkrep_unloaded;	/* it unloaded mkrep */
	struct kids kids;
};

FIXTURE_SETUP(sys)
{
	long last, c;
	int n;

	self->offline = -1;
	self->dev = mkchan_open();
	ASSERT_LE(0, self->dev);
	n = mk_sysfs_list_count(CPUS_ONLINE, &last);
	ASSERT_LT(0, n);
	self->cpu[0] = -1;
	for (c = 0; c <= last; c++) {
		if (mk_sysfs_list_has(CPUS_ONLINE, c) != 1)
			continue;
		if (self->cpu[0] < 0)
			self->cpu[0] = c;
		if (c != last)
			self->cpu[1] = c;
	}
	if (n < 3)
		self->cpu[1] = self->cpu[0];
	self->cpu[2] = last;
}

FIXTURE_TEARDOWN(sys)
{
	__u64 end = now_ns() + 10 * SEC;
	int i;

	for (i = 0; i < self->kids.n; i++)
		kill(self->kids.pid[i], SIGKILL);
	for (i = 0; i < self->kids.n; i++)
		reap(self->kids.pid[i], 10);
	if (self->offline >= 0 && mk_set_cpu_online(self->offline, 1))
		TH_LOG("cannot bring cpu%d online again", self->offline);
	if (self->cgroup[0])
		while (rmdir(self->cgroup) && errno == EBUSY && now_ns() < end)
			usleep(10000);
	if (self->cg_memory)
		write_file(CGROOT "/cgroup.subtree_control", "-memory");
	if (self->cg_mounted)
		umount(CGROOT);
	if (self->mkrep_unloaded) {
		if (!mk_module_loaded("mkchan"))
			mk_module_load("mkchan");
		if (mk_module_load("mkrep"))
			TH_LOG("cannot load mkrep again");
	}
	if (self->dev >= 0)
		close(self->dev);
}

/*
 * Flows: one direction of a channel, a sender process on one endpoint and
 * a receiver process on the other, mapped (libmkchan, sleeping) or through
 * read(2)/write(2), each pinned to its endpoint's CPU (again and again: a
 * CPU that went offline and came back gets its threads back).  The sender
 * sends numbered messages until told to stop, then an end message with
 * its count; the receiver checks each, and the count.
 */
struct chan_spec {
	int cpu[2];
	bool mapped[2];
	int fd[2];
};

struct flow {
	__u64 sent, rcvd, end;
	int tx_step, rx_step;	/* where it failed, 0 if it did not */
	int tx_err, rx_err;
	__u32 rx_done;
};

struct flows {
	__u32 stop;	/* senders: send the end now */
	__u32 release;	/* everyone: close and exit */
	bool throttle;	/* senders pause between bursts */
	struct flow f[MAX_FLOWS];
};

static int flow_fail(int *step, int *err, int s, int e)
{
	*err = e;
	*step = s;
	return s;
}

static void linger(struct flows *fs)
{
	while (!mkc_read_once(fs->release))
		usleep(1000);
}

static int flow_send(struct chan_spec *c, int i, struct flows *fs,
		     struct flow *f, __u64 tag, __u64 rng)
{
	struct mkchan_slot out[16];
	unsigned int k, burst, n;
	struct mkchan_ep ep;
	__u64 seq = 0;
	struct msg m;
	ssize_t ret;

	ret = c->mapped[i] ? mkchan_map(&ep, c->fd[i]) : 0;
	if (ret)
		return flow_fail(&f->tx_step, &f->tx_err, 1, -ret);
	while (!mkc_read_once(fs->stop)) {
		mk_pin_cpu(c->cpu[i]);		/* fails while it is offline */
		burst = 1 + xorshift(&rng) % 64;
		for (k = 0; k < burst; k += n, seq += n) {
			if (c->mapped[i]) {
				n = 1;
				ret = mkchan_send_wait(&ep, msg_type(seq), &m,
						       make_msg(&m, tag, seq),
						       100);
				if (ret)
					return flow_fail(&f->tx_step,
							 &f->tx_err, 2, -ret);
			} else {
				for (n = 0; n < 16 && k + n < burst; n++)
					make_slot(&out[n], tag, seq + n);
				ret = write(c->fd[i], out, n * SLOT);
				if (ret <= 0 || ret % SLOT)
					return flow_fail(&f->tx_step,
							 &f->tx_err, 3, errno);
				n = ret / SLOT;
			}
			mkc_write_once(f->sent, seq + n);
		}
		if (fs->throttle)
			usleep(xorshift(&rng) % 500);
	}
	if (c->mapped[i]) {
		ret = mkchan_send_wait(&ep, TYPE_END, &seq, sizeof(seq), 100);
	} else {
		memset(out, 0, SLOT);
		memcpy(out[0].data, &seq, sizeof(seq));
		out[0].header = sizeof(seq) << MKCHAN_HDR_LEN_SHIFT |
				(__u64)TYPE_END << MKCHAN_HDR_TYPE_SHIFT;
		ret = write(c->fd[i], out, SLOT) == SLOT ? 0 : -errno;
	}
	if (ret)
		return flow_fail(&f->tx_step, &f->tx_err, 4, -ret);
	linger(fs);
	return 0;
}

static int flow_recv(struct chan_spec *c, int i, struct flows *fs,
		     struct flow *f, __u64 tag)
{
	struct mkchan_slot in[16];
	unsigned int type, k;
	struct mkchan_ep ep;
	__u64 rcvd = 0;
	struct msg m;
	ssize_t ret;
	size_t len;

	ret = c->mapped[i] ? mkchan_map(&ep, c->fd[i]) : 0;
	if (ret)
		return flow_fail(&f->rx_step, &f->rx_err, 1, -ret);
	for (;;) {
		if (!(rcvd % 64))
			mk_pin_cpu(c->cpu[i]);
		if (c->mapped[i]) {
			ret = mkchan_recv(&ep, &type, &m, &len, 100);
			if (ret)
				return flow_fail(&f->rx_step, &f->rx_err, 2,
						 -ret);
			if (type == TYPE_END) {
				memcpy(&f->end, &m, sizeof(f->end));
				break;
			}
			if (!msg_ok(&m, len, type, tag, rcvd))
				return flow_fail(&f->rx_step, &f->rx_err, 3, 0);
			mkc_write_once(f->rcvd, ++rcvd);
			continue;
		}
		ret = read(c->fd[i], in, sizeof(in));
		if (ret <= 0 || ret % SLOT)
			return flow_fail(&f->rx_step, &f->rx_err, 4, errno);
		for (k = 0; k < ret / SLOT; k++) {
			if (mkc_hdr_type(in[k].header) == TYPE_END &&
			    (__u32)in[k].header == mkc_seq(rcvd))
				break;
			if (!slot_ok(&in[k], tag, rcvd))
				return flow_fail(&f->rx_step, &f->rx_err, 3, 0);
			mkc_write_once(f->rcvd, ++rcvd);
		}
		if (k < ret / SLOT) {
			memcpy(&f->end, in[k].data, sizeof(f->end));
			break;
		}
	}
	if (f->end != rcvd)
		return flow_fail(&f->rx_step, &f->rx_err, 5, 0);
	mkc_write_once(f->rx_done, 1);
	linger(fs);
	return 0;
}

/*
 * Fork a sender and a receiver for each direction of each of the @nch
 * channels (flow 2c + d: endpoint d of channel c to endpoint 1 - d) and
 * close the endpoints here.  The children die by @secs seconds at most.
 */
static int start_flows(struct chan_spec *ch, int nch, struct flows *fs,
		       struct kids *kids, int secs)
{
	pid_t *pids = kids->pid;
	int c, d, j, k, n = 0;

	for (c = 0; c < nch; c++) {
		for (d = 0; d < 4; d++) {
			/* d: 0, 1 senders on endpoint 0, 1; 2, 3 receivers */
			int flow = 2 * c + d % 2, ep = d < 2 ? d : 3 - d;

			pids[n] = fork();
			if (pids[n] < 0)
				return -1;
			kids->n = n + 1;
			if (pids[n++])
				continue;
			alarm(secs);
			for (j = 0; j < nch; j++)
				for (k = 0; k < 2; k++)
					if (j != c || k != ep)
						close(ch[j].fd[k]);
			mk_pin_cpu(ch[c].cpu[ep]);
			_exit(d < 2 ? flow_send(&ch[c], ep, fs, &fs->f[flow],
						flow + 1, flow * 7919 + 1) :
			      flow_recv(&ch[c], ep, fs, &fs->f[flow],
					flow + 1));
		}
	}
	for (c = 0; c < nch; c++)
		for (k = 0; k < 2; k++)
			close(ch[c].fd[k]);
	return n;
}

static void flow_snapshot(const struct flows *fs, int nflows, __u64 *snap)
{
	int i;

	for (i = 0; i < nflows; i++)
		snap[i] = mkc_read_once(fs->f[i].rcvd);
}

/* Wait until every flow moved past @snap: -1, or the first that did not. */
static int flows_moved(const struct flows *fs, int nflows, const __u64 *snap,
		       int secs)
{
	__u64 end = now_ns() + secs * SEC;
	int i = 0;

	while (i < nflows) {
		if (mkc_read_once(fs->f[i].rcvd) > snap[i]) {
			i++;
			continue;
		}
		if (now_ns() > end)
			return i;
		usleep(1000);
	}
	return -1;
}

static bool flows_done(const struct flows *fs, int nflows)
{
	int i;

	for (i = 0; i < nflows; i++)
		if (!mkc_read_once(fs->f[i].rx_done))
			return false;
	return true;
}

/* Stop, release and reap the flows: how many children did not exit 0. */
static int finish_flows(struct kids *kids, struct flows *fs)
{
	int i, bad = 0;

	mkc_write_once(fs->stop, 1);
	mkc_write_once(fs->release, 1);
	for (i = 0; i < kids->n; i++)
		bad += !exited_ok(reap(kids->pid[i], 60));
	kids->n = 0;
	return bad;
}

static __u64 check_flows(struct __test_metadata *_metadata,
			 const struct flows *fs, int nflows)
{
	__u64 total = 0;
	int i;

	for (i = 0; i < nflows; i++) {
		const struct flow *f = &fs->f[i];

		EXPECT_EQ(0, f->tx_step)
			TH_LOG("flow %d: the sender failed at step %d: %s", i,
			       f->tx_step, strerror(f->tx_err));
		EXPECT_EQ(0, f->rx_step)
			TH_LOG("flow %d: the receiver failed at step %d: %s",
			       i, f->rx_step, strerror(f->rx_err));
		EXPECT_TRUE(f->rx_done);
		/* Each message arrived, in order, and nothing else. */
		EXPECT_EQ(f->sent, f->end) TH_LOG("flow %d", i);
		EXPECT_EQ(f->end, f->rcvd) TH_LOG("flow %d", i);
		EXPECT_LT(0, f->rcvd) TH_LOG("flow %d", i);
		total += f->rcvd;
	}
	return total;
}

/*
 * CPU offline and online during traffic.
 *
 * Channel 0 joins two CPUs that stay online; channels 1 and 2 have an
 * endpoint on the last online CPU, which goes offline and online again,
 * cycle after cycle, while all of them carry traffic both ways.  The
 * outcome: a CPU going offline does not affect the channels bound to it
 * (the CPU is a placement hint; the scheduler migrates the threads pinned
 * there, which pin themselves again when it is back); every flow moves
 * while the CPU is offline; no message is lost or reordered anywhere; a
 * channel cannot be made on the CPU while it is offline (ENODEV).
 */
#define HOTPLUG_CYCLES	8

TEST_F_TIMEOUT(sys, cpu_offline_online, 240)
{
	int a = self->cpu[0], b = self->cpu[1], hot = self->cpu[2];
	struct chan_spec ch[MAX_CHANS] = {
		{ .cpu = { a, b }, .mapped = { true, false } },
		{ .cpu = { a, hot }, .mapped = { false, true } },
		{ .cpu = { hot, b }, .mapped = { false, true } },
	};
	struct flows *fs = shared(sizeof(*fs));
	__u64 snap[MAX_FLOWS], t0 = now_ns(), total;
	struct mkchan_ep_info info;
	int c, fd[2], probe, cycle, stuck;
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 hot);
	if (hot == a || access(path, W_OK))
		SKIP(return, "no CPU but %d can go offline", a);
	ASSERT_NE(NULL, fs);
	fs->throttle = true;
	for (c = 0; c < MAX_CHANS; c++)
		ASSERT_EQ(0, mkchan_create(self->dev, ch[c].cpu[0],
					   ch[c].cpu[1], NSLOTS, 0, ch[c].fd));
	probe = dup(ch[1].fd[1]);	/* to ask about an endpoint on @hot */
	ASSERT_LE(0, probe);
	ASSERT_EQ(4 * MAX_CHANS, start_flows(ch, MAX_CHANS, fs, &self->kids,
					     200));

	for (cycle = 0; cycle < HOTPLUG_CYCLES; cycle++) {
		ASSERT_EQ(0, mk_set_cpu_online(hot, 0))
			TH_LOG("cycle %d: cpu%d offline", cycle, hot);
		self->offline = hot;
		ASSERT_EQ(0, mk_sysfs_list_has(CPUS_ONLINE, hot));
		EXPECT_EQ(-ENODEV, mkchan_create(self->dev, hot, a, NSLOTS, 0,
						 fd));
		EXPECT_EQ(-ENODEV, mkchan_create(self->dev, a, hot, NSLOTS, 0,
						 fd));
		ASSERT_EQ(0, mkchan_ep_info(probe, &info));
		EXPECT_EQ(hot, info.cpu);
		EXPECT_EQ(0, info.state & (MKCHAN_EP_PEER_CLOSED |
					   MKCHAN_EP_BROKEN));
		flow_snapshot(fs, MAX_FLOWS, snap);
		stuck = flows_moved(fs, MAX_FLOWS, snap, 20);
		ASSERT_EQ(-1, stuck) TH_LOG("cycle %d: flow %d stalled with cpu%d offline",
					    cycle, stuck, hot);

		ASSERT_EQ(0, mk_set_cpu_online(hot, 1))
			TH_LOG("cycle %d: cpu%d online", cycle, hot);
		self->offline = -1;
		ASSERT_EQ(0, mkchan_create(self->dev, hot, a, NSLOTS, 0, fd));
		close(fd[0]);
		close(fd[1]);
		flow_snapshot(fs, MAX_FLOWS, snap);
		stuck = flows_moved(fs, MAX_FLOWS, snap, 20);
		ASSERT_EQ(-1, stuck) TH_LOG("cycle %d: flow %d stalled with cpu%d online",
					    cycle, stuck, hot);
	}
	close(probe);
	EXPECT_EQ(0, finish_flows(&self->kids, fs));
	total = check_flows(_metadata, fs, MAX_FLOWS);
	TH_LOG("%d offline/online cycles of cpu%d in %llu ms", cycle, hot,
	       (unsigned long long)((now_ns() - t0) / 1000000));
	TH_LOG("%llu messages on %d channels, all in order",
	       (unsigned long long)total, MAX_CHANS);
}

/*
 * rmmod during traffic: messages both ways on a mapped channel and on one
 * driven by read(2)/write(2), between processes on two CPUs.  While
 * /dev/mkrep is open, unloading either module fails with EWOULDBLOCK; then
 * mkrep is unloaded (when $MKERNEL_MODDIR says where to load it from
 * again) and only the channels hold mkchan: unloading it still fails,
 * attempt after attempt, until the last message arrived; every message
 * arrives intact and in order.
 */
static int try_unload(struct __test_metadata *_metadata, bool mkrep)
{
	if (mkrep)
		EXPECT_EQ(-EWOULDBLOCK, mk_module_unload("mkrep"));
	EXPECT_EQ(-EWOULDBLOCK, mk_module_unload("mkchan"));
	EXPECT_TRUE(mk_module_loaded("mkchan"));
	usleep(1000);
	return _metadata->passed;
}

TEST_F_TIMEOUT(sys, rmmod_during_traffic, 180)
{
	int a = self->cpu[0], b = self->cpu[2];
	struct chan_spec ch[2] = {
		{ .cpu = { a, b }, .mapped = { true, true } },
		{ .cpu = { b, a }, .mapped = { false, false } },
	};
	struct flows *fs = shared(sizeof(*fs));
	bool reload = getenv("MKERNEL_MODDIR");
	int tries[2] = { 0, 0 }, rep, c;
	__u64 snap[4], end, total;

	ASSERT_NE(NULL, fs);
	ASSERT_TRUE(mk_module_loaded("mkchan") && mk_module_loaded("mkrep"));
	for (c = 0; c < 2; c++)
		ASSERT_EQ(0, mkchan_create(self->dev, ch[c].cpu[0],
					   ch[c].cpu[1], NSLOTS, 0, ch[c].fd));
	close(self->dev);
	self->dev = -1;
	ASSERT_EQ(8, start_flows(ch, 2, fs, &self->kids, 150));
	rep = open("/dev/mkrep", O_RDWR | O_CLOEXEC);	/* a user of mkrep */
	ASSERT_LE(0, rep);

	flow_snapshot(fs, 4, snap);
	end = now_ns() + 2 * SEC;
	while (now_ns() < end && try_unload(_metadata, true))
		tries[0]++;
	ASSERT_TRUE(_metadata->passed);
	ASSERT_EQ(-1, flows_moved(fs, 4, snap, 20));

	if (reload) {
		/* Now only the channels' files and mappings hold mkchan. */
		close(rep);
		rep = -1;
		ASSERT_EQ(0, mk_module_unload("mkrep"));
		self->mkrep_unloaded = true;
		flow_snapshot(fs, 4, snap);
		end = now_ns() + 2 * SEC;
		while (now_ns() < end && try_unload(_metadata, false))
			tries[1]++;
		ASSERT_TRUE(_metadata->passed);
		ASSERT_EQ(-1, flows_moved(fs, 4, snap, 20));
	} else {
		TH_LOG("no MKERNEL_MODDIR to load mkrep from: it stays loaded");
	}
	/* The last messages, the endpoints still open. */
	mkc_write_once(fs->stop, 1);
	end = now_ns() + 30 * SEC;
	while (!flows_done(fs, 4) && now_ns() < end &&
	       try_unload(_metadata, !reload))
		tries[1]++;
	ASSERT_TRUE(_metadata->passed);
	EXPECT_EQ(0, finish_flows(&self->kids, fs));
	total = check_flows(_metadata, fs, 4);
	EXPECT_TRUE(mk_module_loaded("mkchan"));
	if (rep >= 0)
		close(rep);
	if (reload) {
		ASSERT_EQ(0, mk_module_load("mkrep"));
		self->mkrep_unloaded = false;
	}
	TH_LOG("%d rmmod attempts with mkrep in use, %d with only channels",
	       tries[0], tries[1]);
	TH_LOG("%llu messages, all in order", (unsigned long long)total);
}

/*
 * A memory cgroup with a small memory.max: a process in it makes
 * channels of 4096 slots until creation fails, which must be ENOMEM, not
 * the OOM killer; once it closed them a creation works again.
 */
struct cg_report {
	int step;	/* where it failed, 0 if it did not */
	int created;	/* channels made before creation failed */
	int err;	/* how creation failed */
	int again;	/* creation after closing them: 0 or -errno */
};

#define CG_MAX_CHANS	64

static void cg_child(const char *cgroup, int dev, const int cpu[2],
		     unsigned int nslots, struct cg_report *r)
{
	int fds[2 * CG_MAX_CHANS], i, ret = 0;
	char path[128], pid[16];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_file(path, pid)) {
		r->step = 1;
		_exit(1);
	}
	for (i = 0; i < CG_MAX_CHANS; i++) {
		ret = mkchan_create(dev, cpu[0], cpu[1], nslots, 0,
				    &fds[2 * i]);
		if (ret)
			break;
		r->created = i + 1;
	}
	r->err = -ret;
	while (i--) {
		close(fds[2 * i]);
		close(fds[2 * i + 1]);
	}
	r->again = mkchan_create(dev, cpu[0], cpu[1], nslots, 0, fds);
	_exit(0);
}

TEST_F_TIMEOUT(sys, cgroup_memory_max, 120)
{
	struct cg_report *r = shared(sizeof(*r));
	int cpu[2] = { self->cpu[0], self->cpu[2] };
	unsigned int nslots = 4096;
	char buf[1024], path[128];
	struct stat cg, fs;
	struct mkchan_query q;
	__u64 end;
	pid_t pid;
	int st;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, mkchan_query(self->dev, &q));
	if (nslots > q.max_slots)
		nslots = q.max_slots;
	if (access(CGROOT "/cgroup.controllers", F_OK)) {
		/* Not over a cgroup v1 hierarchy, or anything else. */
		if (stat(CGROOT, &cg) || stat("/sys/fs", &fs) ||
		    cg.st_dev != fs.st_dev)
			SKIP(return, CGROOT " is not cgroup v2");
		if (mount("cgroup2", CGROOT, "cgroup2", 0, NULL))
			SKIP(return, "cannot mount cgroup2: %s",
			     strerror(errno));
		self->cg_mounted = true;
	}
	ASSERT_LE(0, mk_read_file(CGROOT "/cgroup.controllers", buf,
				  sizeof(buf)));
	if (!strstr(buf, "memory"))
		SKIP(return, "no memory controller");
	ASSERT_LE(0, mk_read_file(CGROOT "/cgroup.subtree_control", buf,
				  sizeof(buf)));
	if (!strstr(buf, "memory")) {
		ASSERT_EQ(0, write_file(CGROOT "/cgroup.subtree_control",
					"+memory"));
		self->cg_memory = true;
	}
	snprintf(self->cgroup, sizeof(self->cgroup), CGROOT "/mkchan-fault-%d",
		 getpid());
	ASSERT_EQ(0, mkdir(self->cgroup, 0755));
	snprintf(path, sizeof(path), "%s/memory.max", self->cgroup);
	ASSERT_EQ(0, write_file(path, "4M"));
	snprintf(path, sizeof(path), "%s/memory.swap.max", self->cgroup);
	write_file(path, "0");	/* there may be no swap controller */

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		alarm(60);
		cg_child(self->cgroup, self->dev, cpu, nslots, r);
	}
	self->kids.pid[0] = pid;
	self->kids.n = 1;
	st = reap(pid, 90);
	self->kids.n = 0;
	snprintf(path, sizeof(path), "%s/memory.events", self->cgroup);
	ASSERT_LT(0, mk_read_file(path, buf, sizeof(buf)));
	TH_LOG("%d channels of %u slots, then %s; the child %s %d",
	       r->created, nslots, strerror(r->err),
	       st != -1 && WIFSIGNALED(st) ? "was killed by signal" :
	       "exited with", st == -1 ? -1 : WIFSIGNALED(st) ?
	       WTERMSIG(st) : WEXITSTATUS(st));
	TH_LOG("memory.events: oom %ld, oom_kill %ld, max %ld",
	       mk_key_value(buf, "oom"), mk_key_value(buf, "oom_kill"),
	       mk_key_value(buf, "max"));
	EXPECT_TRUE(exited_ok(st));
	EXPECT_EQ(0, mk_key_value(buf, "oom_kill"));
	EXPECT_EQ(0, r->step);
	EXPECT_LE(1, r->created);
	EXPECT_GT(CG_MAX_CHANS, r->created) TH_LOG("memory.max is not applied");
	EXPECT_EQ(ENOMEM, r->err);
	EXPECT_EQ(0, r->again);

	end = now_ns() + 10 * SEC;
	while (rmdir(self->cgroup) && errno == EBUSY && now_ns() < end)
		usleep(10000);
	EXPECT_NE(0, access(self->cgroup, F_OK));
	self->cgroup[0] = '\0';
}

TEST_HARNESS_MAIN
