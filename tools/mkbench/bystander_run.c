// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench bystander - running one configuration: the first core takes a
 * page away from the others every BY_INTERVAL_NS while every other core,
 * a bystander, runs units of useful work in a loop and records how long
 * each took.
 *
 * A unit writes the bystander's own line of the page (so that the page is
 * in its TLB, and comes back by a fault after each operation took it) and
 * then runs a chain of dependent multiplications, calibrated to
 * BY_UNIT_NS.  A run is three phases of the same length, ops x
 * BY_INTERVAL_NS: a control without operations, the operations, and a
 * second control; the bystanders' rate of units in the controls is what
 * the operations' phase is held against.
 *
 *   BY_THREADS  threads of one process, one anonymous page; the first
 *               one's madvise(MADV_DONTNEED): Linux flushes the others
 *               with IPIs, in the middle of whatever unit they run;
 *   BY_PROCS    processes, each its own shared mapping of a memfd page;
 *               the first one's fallocate(FALLOC_FL_PUNCH_HOLE): the same
 *               IPIs, for mkrep's topology;
 *   BY_SHM      the same processes, each joined to the first by a
 *               libmkchan channel in shared memory; the first sends
 *               "unmap" to every one, drops its own mapping and gathers
 *               the answers; a bystander looks at its channel between two
 *               units (one load), and drops its own mapping there: the
 *               message path, in which no unit is interrupted;
 *   BY_MODULE   processes, members of an mkrep space of one page; the
 *               first one's mkrep_op(MKREP_OP_UNMAP), and a member looks
 *               at its pending word between two units (mkrep_waiting())
 *               and applies what waits.  An unmapped window page cannot
 *               be written, so the page comes back by MKREP_OP_MAP before
 *               the next operation (untimed, but its cost to the members
 *               is counted in their loss, as the refault is in the other
 *               configurations), and before taking it away the first one
 *               lowers a flag and waits until every member has started a
 *               unit since (the units write only while the flag is up).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/mkrep.h>

#include "bystander.h"

#define TIMEOUT_NS	(10ULL * 1000 * 1000 * 1000)

enum { PH_IDLE, PH_UNITS, PH_EXIT };
enum { CTL1, RUN, CTL2, PHASES };

const char *const by_variant[BY_CONFIGS] = {
	[BY_THREADS] = "native-threads-madvise",
	[BY_PROCS] = "native-procs-punch",
	[BY_SHM] = "shm-broadcast-madvise",
	[BY_MODULE] = "module-broadcast-unmap",
};

const char *const by_label[BY_CONFIGS] = {
	[BY_THREADS] = "threads, madvise(MADV_DONTNEED)",
	[BY_PROCS] = "processes, fallocate(PUNCH_HOLE)",
	[BY_SHM] = "processes, URPC message (shm)",
	[BY_MODULE] = "mkrep space, MKREP_OP_UNMAP",
};

/* A bystander's mailbox, on lines of its own. */
struct slot {
	unsigned int __aligned(128) done;	/* the last phase finished */
	unsigned int started;			/* the last phase of units */
	int ready;				/* 1, or -errno */
	/* BY_MODULE: at its last unit; polled by the first core */
	uint64_t __aligned(128) epoch;
	struct by_core __aligned(128) rec;	/* its units in that phase */
};

/* In memory that the threads and the forked processes all share. */
struct shared {
	unsigned int __aligned(128) seq;	/* phases posted */
	int phase;
	/* BY_MODULE: the page may be written; lowered before it goes away */
	int __aligned(128) mapped;
	uint64_t epoch;		/* raised with it; the members read both */
	struct slot s[];			/* s[1 .. k - 1] */
};

struct msg {
	uint32_t seq;
	int32_t err;
};

struct run {
	const struct bench_opts *o;
	enum by_config config;
	unsigned int k;
	unsigned long loops;
	struct shared *sh;
	size_t sh_size;
	char *page;			/* the first core's mapping */
	size_t page_size;
	int memfd;
	struct mkchan_ep **ep;		/* ep[2 * i]: the first's, + 1: i's */
	int space;			/* BY_MODULE: the space, or -1 */
	struct mkrep_replica rep;	/* ... this process's membership */
	bool joined;
	pthread_t *thread;
	pid_t *pid;
	uint32_t msgs;
};

struct bystander {
	struct run *r;
	unsigned int i;
};

static void say(const struct run *r, const char *what, int err)
{
	bench_fail("bystander", by_variant[r->config], what, err);
}

/* One unit: write our line of the page (if @page), then the chain. */
static uint64_t unit(char *page, unsigned int i, unsigned long loops,
		     uint64_t x)
{
	unsigned long n;

	if (page)
		__atomic_store_n((uint64_t *)(page + (i % 64) * 64), x,
				 __ATOMIC_RELAXED);
	for (n = 0; n < loops; n++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

unsigned long by_calibrate(void)
{
	static char __aligned(64) line[64];
	unsigned long loops = 1000, best;
	uint64_t t, x = 1, min;
	int round, i;

	for (round = 0; round < 3; round++) {
		min = UINT64_MAX;
		for (i = 0; i < 200; i++) {
			t = now_ns();
			x = unit(line, 0, loops, x);
			t = now_ns() - t;
			if (t && t < min)
				min = t;
		}
		best = loops * BY_UNIT_NS / (min ? min : 1);
		loops = best ? best : 1;
	}
	__atomic_store_n((uint64_t *)line, x, __ATOMIC_RELAXED);
	return loops;
}

/* Between two units, for BY_SHM: drop our mapping if asked, and answer. */
static int take_message(struct run *r, unsigned int i, char *page)
{
	struct mkchan_ep *ep = r->ep[2 * i + 1];
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	struct msg m;
	unsigned int type;
	size_t len;
	int ret;

	if (!mkchan_ready(ep))
		return 0;
	ret = mkchan_try_recv(ep, &type, buf, &len);
	if (ret == -EAGAIN)
		return 0;
	if (ret || len != sizeof(m))
		return ret ? ret : -EBADMSG;
	memcpy(&m, buf, sizeof(m));
	m.err = madvise(page, r->page_size, MADV_DONTNEED) ? -errno : 0;
	while ((ret = mkchan_send(ep, 0, &m, sizeof(m))) == -EAGAIN)
		mkchan_cpu_relax();
	return ret;
}

/* Between two units, for BY_MODULE: apply what waits for our replica. */
static int take_request(struct run *r)
{
	int ret;

	if (!mkrep_waiting(&r->rep))
		return 0;
	ret = mkrep_apply(&r->rep);
	return ret < 0 ? ret : 0;
}

/*
 * For BY_MODULE, the page to write in the next unit: NULL while the flag
 * is down, the epoch we start it at published first (see quiesce()).
 */
static char *module_page(struct run *r, unsigned int i, char *page)
{
	store_release(&r->sh->s[i].epoch, load_acquire(&r->sh->epoch));
	return load_acquire(&r->sh->mapped) ? page : NULL;
}

/* Units until the phase @seq ends, recorded in @c. */
static int units(struct run *r, unsigned int i, char *page, unsigned int seq,
		 struct by_core *c)
{
	uint64_t t0 = now_ns(), a, b, x = i, d;	/* x: stored by each unit */
	char *p = page;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	store_release(&r->sh->s[i].started, seq);
	while (load_acquire(&r->sh->seq) == seq) {
		if (r->config == BY_SHM)
			ret = take_message(r, i, page);
		if (r->config == BY_MODULE) {
			ret = take_request(r);
			p = module_page(r, i, page);
		}
		if (ret)
			return ret;
		a = now_ns();
		x = unit(p, i, r->loops, x);
		b = now_ns();
		d = b - a;
		c->hist[d / BY_BUCKET_NS < BY_BUCKETS ? d / BY_BUCKET_NS :
			BY_BUCKETS - 1]++;
		if (d > c->max)
			c->max = d;
		c->units++;
	}
	c->ns = now_ns() - t0;
	return 0;
}

/*
 * A bystander's life: pinned (and for BY_MODULE a member of the space,
 * its window the page), then a phase at a time until PH_EXIT.
 */
static int bystander_loop(struct run *r, unsigned int i, char *page)
{
	struct slot *s = &r->sh->s[i];
	unsigned int seen = 0, seq;
	int ret = pin_cpu(r->o->cpus[i]), phase;

	if (!ret && r->config == BY_MODULE) {
		ret = mkrep_join(r->space, r->o->cpus[i], &r->rep);
		r->joined = !ret;
		page = r->rep.window;
	}
	store_release(&s->ready, ret ? ret : 1);
	if (ret)
		return ret;
	for (;;) {
		/* Between phases too: the first one maps the page. */
		while ((seq = load_acquire(&r->sh->seq)) == seen) {
			if (r->config == BY_MODULE && take_request(r)) {
				store_release(&s->ready, -EIO);
				return -EIO;
			}
			mkchan_cpu_relax();
		}
		seen = seq;
		phase = __atomic_load_n(&r->sh->phase, __ATOMIC_RELAXED);
		if (phase == PH_EXIT)
			return 0;
		if (phase == PH_UNITS) {
			ret = units(r, i, page, seq, &s->rec);
			if (ret) {
				store_release(&s->ready, ret);
				return ret;
			}
		}
		store_release(&s->done, seq);
	}
}

static void *thread_main(void *arg)
{
	struct bystander *b = arg;

	bystander_loop(b->r, b->i, b->r->page);
	free(b);
	return NULL;
}

static void proc_main(struct run *r, unsigned int i, pid_t parent)
{
	int ret;

	/* Never outlive the first process, whatever happens to it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	ret = bystander_loop(r, i, r->page);
	if (r->joined)
		mkrep_leave(&r->rep);
	_exit(ret ? 1 : 0);
}

/* Post phase @phase; unless PH_EXIT, wait until every bystander ended it. */
static int post(struct run *r, int phase)
{
	unsigned int i, seq = r->sh->seq + 1;
	uint64_t deadline = now_ns() + TIMEOUT_NS;
	int err;

	/* The phase before the sequence that announces it (release). */
	__atomic_store_n(&r->sh->phase, phase, __ATOMIC_RELAXED);
	store_release(&r->sh->seq, seq);
	if (phase == PH_EXIT)
		return 0;
	for (i = 1; i < r->k; i++) {
		while (load_acquire(&r->sh->s[i].done) != seq) {
			err = load_acquire(&r->sh->s[i].ready);
			if (err < 0) {
				say(r, "a bystander failed", err);
				return -1;
			}
			if (now_ns() > deadline) {
				say(r, "a bystander does not answer", 0);
				return -1;
			}
			mkchan_cpu_relax();
		}
	}
	return 0;
}

/* The first core's operation: 0 or -errno. */
static int operation(struct run *r)
{
	struct msg m = { .seq = ++r->msgs };
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	uint64_t deadline = 0;
	unsigned int i, type;
	size_t len;
	int ret;

	switch (r->config) {
	case BY_THREADS:
		return madvise(r->page, r->page_size, MADV_DONTNEED) ? -errno : 0;
	case BY_PROCS:
		return fallocate(r->memfd, FALLOC_FL_PUNCH_HOLE |
				 FALLOC_FL_KEEP_SIZE, 0, r->page_size) ?
		       -errno : 0;
	case BY_MODULE:
		return mkrep_op(&r->rep, MKREP_OP_UNMAP, 0, 0, r->page_size,
				NULL);
	default:
		break;
	}
	for (i = 1; i < r->k; i++)
		while ((ret = mkchan_send(r->ep[2 * i], 0, &m,
					  sizeof(m))) == -EAGAIN)
			mkchan_cpu_relax();
	if (madvise(r->page, r->page_size, MADV_DONTNEED))
		return -errno;
	for (i = 1; i < r->k; i++) {
		while ((ret = mkchan_try_recv(r->ep[2 * i], &type, buf,
					      &len)) == -EAGAIN) {
			if (!deadline)
				deadline = now_ns() + TIMEOUT_NS;
			else if (now_ns() > deadline)
				return -ETIMEDOUT;
			mkchan_cpu_relax();
		}
		if (ret)
			return ret;
		memcpy(&m, buf, sizeof(m));
		if (len != sizeof(m) || m.seq != r->msgs)
			return -EBADMSG;
		if (m.err)
			return m.err;
	}
	return 0;
}

/*
 * BY_MODULE, before the page goes away (untimed): lower the flag and wait
 * until every member has started a unit since, so that none writes the
 * page once it is unmapped.  0 or -ETIMEDOUT.
 */
static int module_before(struct run *r)
{
	uint64_t e, deadline = now_ns() + TIMEOUT_NS;
	unsigned int i;
	int err;

	store_release(&r->sh->mapped, 0);
	e = __atomic_add_fetch(&r->sh->epoch, 1, __ATOMIC_ACQ_REL);
	for (i = 1; i < r->k; i++)
		while (load_acquire(&r->sh->s[i].epoch) < e) {
			err = load_acquire(&r->sh->s[i].ready);
			if (err < 0)
				return err;
			if (now_ns() > deadline)
				return -ETIMEDOUT;
			mkchan_cpu_relax();
		}
	return 0;
}

/* BY_MODULE, after (untimed): the page back in every replica, writable. */
static int module_after(struct run *r)
{
	int ret = mkrep_op(&r->rep, MKREP_OP_MAP,
			   MKREP_PROT_READ | MKREP_PROT_WRITE, 0, r->page_size,
			   NULL);

	if (!ret)
		store_release(&r->sh->mapped, 1);
	return ret;
}

static void wait_until(uint64_t t)
{
	while (now_ns() < t)
		mkchan_cpu_relax();
}

static void irq_sample(struct irq_file *f, bool *ok, uint64_t v[IRQ_ROWS])
{
	if (*ok && irq_read(f, v))
		*ok = false;
}

/*
 * One phase of ops x BY_INTERVAL_NS: units on the bystanders and, when
 * @lat, an operation every BY_INTERVAL_NS on this core, @lat[] its times.
 * The bystanders' records go to @rec[1 .. k - 1], the interrupts to @irq.
 */
static int phase(struct run *r, unsigned long ops, uint64_t *lat,
		 struct by_core *rec, struct irq_file *f, bool *irq_ok,
		 uint64_t irq[IRQ_ROWS])
{
	uint64_t before[IRQ_ROWS] = { 0 }, after[IRQ_ROWS] = { 0 }, t0, t;
	uint64_t deadline;
	unsigned int i, seq;
	unsigned long n;
	int ret;

	irq_sample(f, irq_ok, before);
	seq = r->sh->seq + 1;
	__atomic_store_n(&r->sh->phase, PH_UNITS, __ATOMIC_RELAXED);
	store_release(&r->sh->seq, seq);
	/*
	 * Every bystander in its units before the clock starts: one that
	 * missed the phase would report the record of the one before.
	 */
	deadline = now_ns() + TIMEOUT_NS;
	for (i = 1; i < r->k; i++)
		while (load_acquire(&r->sh->s[i].started) != seq) {
			if (load_acquire(&r->sh->s[i].ready) < 0 ||
			    now_ns() > deadline) {
				say(r, "a bystander did not start its units", 0);
				post(r, PH_IDLE);
				return -1;
			}
			mkchan_cpu_relax();
		}
	t0 = now_ns();
	for (n = 0; n < ops; n++) {
		wait_until(t0 + n * BY_INTERVAL_NS);
		if (!lat)
			continue;
		ret = r->config == BY_MODULE ? module_before(r) : 0;
		if (ret) {
			say(r, "waiting for the members to leave the page", ret);
			post(r, PH_IDLE);
			return -1;
		}
		t = now_ns();
		ret = operation(r);
		lat[n] = now_ns() - t;
		if (!ret && r->config == BY_MODULE)
			ret = module_after(r);
		if (ret) {
			say(r, "the operation", ret);
			post(r, PH_IDLE);
			return -1;
		}
	}
	wait_until(t0 + ops * BY_INTERVAL_NS);
	if (post(r, PH_IDLE))
		return -1;
	irq_sample(f, irq_ok, after);
	for (i = 0; i < IRQ_ROWS; i++)
		irq[i] = after[i] - before[i];
	for (i = 1; i < r->k; i++)
		rec[i] = r->sh->s[i].rec;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The 99th percentile (nearest rank) of the units of @rec[1 .. k - 1]. */
static double hist_p99(const struct by_core *rec, unsigned int k)
{
	unsigned long total = 0, want, seen = 0;
	unsigned int i, b;

	for (i = 1; i < k; i++)
		total += rec[i].units;
	if (!total)
		return NAN;
	want = (99 * total + 99) / 100;
	for (b = 0; b < BY_BUCKETS; b++) {
		for (i = 1; i < k; i++)
			seen += rec[i].hist[b];
		if (seen >= want)
			return (b + 1.0) * BY_BUCKET_NS;
	}
	return BY_BUCKETS * (double)BY_BUCKET_NS;
}

static void results(struct run *r, unsigned long ops, uint64_t *lat,
		    struct by_core *rec[PHASES],
		    uint64_t irq[PHASES][IRQ_ROWS], bool irq_ok,
		    struct by_result *res)
{
	double ctl_ns, ctl_units, loss = 0, rate[2] = { 0, 0 };
	bool ctl_missing = false;
	unsigned int i, j;

	qsort(lat, ops, sizeof(*lat), cmp_u64);
	res->config = r->config;
	res->k = r->k;
	res->ops = ops;
	res->op_median = ops % 2 ? lat[ops / 2] :
			 (lat[ops / 2 - 1] + lat[ops / 2]) / 2.0;
	res->op_p99 = lat[(99 * ops + 99) / 100 - 1];
	res->unit_max = 0;
	for (i = 1; i < r->k; i++) {
		ctl_ns = rec[CTL1][i].ns + rec[CTL2][i].ns;
		ctl_units = rec[CTL1][i].units + rec[CTL2][i].units;
		if (ctl_units)
			loss += rec[RUN][i].ns -
				rec[RUN][i].units * (ctl_ns / ctl_units);
		else
			ctl_missing = true;	/* no rate to hold it to */
		if (rec[CTL1][i].ns && rec[CTL2][i].ns) {
			rate[0] += rec[CTL1][i].units * 1e9 / rec[CTL1][i].ns;
			rate[1] += rec[CTL2][i].units * 1e9 / rec[CTL2][i].ns;
		}
		if (rec[RUN][i].max > res->unit_max)
			res->unit_max = rec[RUN][i].max;
	}
	res->loss_per_op = ctl_missing ? NAN : loss / ops;
	res->drift = rate[0] ? rate[1] / rate[0] : NAN;
	res->unit_p99 = hist_p99(rec[RUN], r->k);
	/* The controls' units together: add CTL2's histogram into CTL1's. */
	for (i = 1; i < r->k; i++) {
		rec[CTL1][i].units += rec[CTL2][i].units;
		for (j = 0; j < BY_BUCKETS; j++)
			rec[CTL1][i].hist[j] += rec[CTL2][i].hist[j];
	}
	res->unit_p99_ctl = hist_p99(rec[CTL1], r->k);
	for (i = 0; i < IRQ_ROWS; i++)
		res->irq[i] = irq_ok ? (irq[RUN][i] -
					(irq[CTL1][i] + irq[CTL2][i]) / 2.0) /
				       ops : NAN;
}

/* --- setting up and tearing down ---------------------------------------- */

static int map_page(struct run *r)
{
	int flags = MAP_SHARED;

	r->page_size = sysconf(_SC_PAGESIZE);
	if (r->config == BY_THREADS) {
		flags = MAP_PRIVATE | MAP_ANONYMOUS;
	} else {
		r->memfd = memfd_create("mkbench-bystander", MFD_CLOEXEC);
		if (r->memfd < 0)
			return -errno;
		if (ftruncate(r->memfd, r->page_size))
			return -errno;
	}
	r->page = mmap(NULL, r->page_size, PROT_READ | PROT_WRITE, flags,
		       r->config == BY_THREADS ? -1 : r->memfd, 0);
	if (r->page == MAP_FAILED) {
		r->page = NULL;
		return -errno;
	}
	return 0;
}

static int open_channels(struct run *r)
{
	size_t epsize = (sizeof(struct mkchan_ep) + 127) & ~127UL;
	unsigned int i;
	int ret;

	r->ep = calloc(2 * r->k, sizeof(*r->ep));
	if (!r->ep)
		return -ENOMEM;
	for (i = 2; i < 2 * r->k; i++) {
		r->ep[i] = aligned_alloc(128, epsize);
		if (!r->ep[i])
			return -ENOMEM;
		memset(r->ep[i], 0, epsize);
	}
	for (i = 1; i < r->k; i++) {
		ret = mkchan_shm_create(MKCHAN_MIN_SLOTS, r->ep[2 * i],
					r->ep[2 * i + 1]);
		if (ret)
			return ret;
	}
	return 0;
}

/* BY_MODULE: a space of one page, broadcast, the module's bound. */
static int open_space(struct run *r)
{
	int dev = mkrep_open();

	r->page_size = sysconf(_SC_PAGESIZE);
	if (dev < 0)
		return dev;
	r->space = mkrep_space_create(dev, r->page_size,
				      MKREP_STRATEGY_BROADCAST, 0);
	close(dev);
	return r->space < 0 ? r->space : 0;
}

static int setup(struct run *r)
{
	int ret;

	r->sh_size = sizeof(*r->sh) + r->k * sizeof(r->sh->s[0]);
	r->sh = mmap(NULL, r->sh_size, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->sh == MAP_FAILED) {
		r->sh = NULL;
		return -errno;
	}
	r->thread = calloc(r->k, sizeof(*r->thread));
	r->pid = calloc(r->k, sizeof(*r->pid));
	if (!r->thread || !r->pid)
		return -ENOMEM;
	ret = r->config == BY_MODULE ? open_space(r) : map_page(r);
	if (!ret && r->config == BY_SHM)
		ret = open_channels(r);
	return ret;
}

static void teardown(struct run *r)
{
	unsigned int i;

	for (i = 2; r->ep && i < 2 * r->k; i++) {
		if (r->ep[i] && r->ep[i]->map[0])
			mkchan_shm_close(r->ep[i]);
		free(r->ep[i]);
	}
	free(r->ep);
	if (r->joined)
		mkrep_leave(&r->rep);
	if (r->space >= 0)
		close(r->space);
	if (r->page)
		munmap(r->page, r->page_size);
	if (r->memfd >= 0)
		close(r->memfd);
	free(r->thread);
	free(r->pid);
	if (r->sh)
		munmap(r->sh, r->sh_size);
}

/* Start the bystanders: how many started, all of them on success. */
static unsigned int start(struct run *r)
{
	pid_t parent = getpid();
	struct bystander *b;
	unsigned int i;
	int ret;

	fflush(stdout);
	for (i = 1; i < r->k; i++) {
		if (r->config != BY_THREADS) {
			r->pid[i] = fork();
			if (r->pid[i] < 0) {
				say(r, "fork", -errno);
				break;
			}
			if (!r->pid[i])
				proc_main(r, i, parent);
			continue;
		}
		b = malloc(sizeof(*b));
		ret = b ? 0 : ENOMEM;
		if (b) {
			b->r = r;
			b->i = i;
			ret = pthread_create(&r->thread[i], NULL, thread_main,
					     b);
		}
		if (ret) {
			free(b);
			say(r, "pthread_create", -ret);
			break;
		}
	}
	return i;
}

/* Every bystander running on its CPU: 0, or -1 (said). */
static int wait_ready(struct run *r)
{
	uint64_t deadline = now_ns() + TIMEOUT_NS;
	unsigned int i;
	int ready;

	for (i = 1; i < r->k; i++) {
		while (!(ready = load_acquire(&r->sh->s[i].ready))) {
			/* A process that died before it could say so. */
			if (r->config != BY_THREADS &&
			    waitpid(r->pid[i], NULL, WNOHANG) == r->pid[i]) {
				r->pid[i] = 0;
				say(r, "a bystander died", 0);
				return -1;
			}
			if (now_ns() > deadline) {
				say(r, "a bystander does not start", 0);
				return -1;
			}
			mkchan_cpu_relax();
		}
		if (ready < 0) {
			fprintf(stderr, "mkbench: bystander %s: CPU %d: %s\n",
				by_variant[r->config], r->o->cpus[i],
				strerror(-ready));
			return -1;
		}
	}
	return 0;
}

/* Stop the @started bystanders: an exit for each, SIGKILL if @kill. */
static int stop(struct run *r, unsigned int started, bool kill_them)
{
	unsigned int i;
	int st, ret = 0;

	post(r, PH_EXIT);
	for (i = 1; i < started; i++) {
		if (r->config == BY_THREADS) {
			pthread_join(r->thread[i], NULL);
			continue;
		}
		if (!r->pid[i]) {	/* died, and reaped */
			ret = -1;
			continue;
		}
		if (kill_them)
			kill(r->pid[i], SIGKILL);
		if (waitpid(r->pid[i], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			ret = -1;
	}
	return ret;
}

int by_run(const struct bench_opts *o, enum by_config config, unsigned int k,
	   unsigned long ops, unsigned long unit_loops, struct by_result *res)
{
	struct run r = {
		.o = o, .config = config, .k = k, .loops = unit_loops,
		.memfd = -1, .space = -1,
	};
	uint64_t irq[PHASES][IRQ_ROWS], *lat;
	struct by_core *rec[PHASES] = { NULL };
	struct irq_file f;
	unsigned int started = 1, p;
	bool irq_open_ok, irq_ok;
	int ret;

	irq_open_ok = !irq_open(&f);
	irq_ok = irq_open_ok;
	lat = calloc(ops, sizeof(*lat));
	for (p = 0; p < PHASES; p++)
		rec[p] = calloc(k, sizeof(*rec[p]));
	ret = lat && rec[CTL1] && rec[RUN] && rec[CTL2] ? setup(&r) : -ENOMEM;
	if (ret) {
		say(&r, "setting up", ret);
		ret = -1;
	} else {
		started = start(&r);
		ret = started < k ? -1 : wait_ready(&r);
	}
	/* BY_MODULE: this process a member too, and the page mapped. */
	if (!ret && config == BY_MODULE) {
		ret = mkrep_join(r.space, o->cpus[0], &r.rep);
		r.joined = !ret;
		if (!ret)
			ret = module_after(&r);
		if (ret) {
			say(&r, "joining the space and mapping the page", ret);
			ret = -1;
		}
	}
	/* A wake-up of the bystanders first: the page in every TLB. */
	if (!ret)
		ret = phase(&r, 10, NULL, rec[CTL1], &f, &irq_ok, irq[CTL1]);
	for (p = 0; p < PHASES && !ret; p++)
		ret = phase(&r, ops, p == RUN ? lat : NULL, rec[p], &f,
			    &irq_ok, irq[p]);
	if (!ret)
		results(&r, ops, lat, rec, irq, irq_ok, res);
	if (r.sh && stop(&r, started, ret != 0) && !ret) {
		say(&r, "a bystander failed", 0);
		ret = -1;
	}
	teardown(&r);
	for (p = 0; p < PHASES; p++)
		free(rec[p]);
	free(lat);
	if (irq_open_ok)
		irq_close(&f);
	return ret;
}

int by_module_available(bool asked)
{
	struct mkrep_query q = { .size = sizeof(q) };
	char why[160];

	module_probe(&q, MKREP_FEAT_SPACE,
		     "make bench runs this configuration in the test guest",
		     "the loaded mkrep has no replicated page tables", why,
		     sizeof(why));
	return module_skip("bystander", asked, why);
}
