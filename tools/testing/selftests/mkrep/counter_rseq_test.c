// SPDX-License-Identifier: GPL-2.0
/*
 * The restartable sequences of libmkchan_counter.h on slots in plain
 * memory, without the module: an update preempted, moved to another CPU
 * or interrupted by a signal in the middle of its sequence lands once,
 * an exact read leaves its CPU's base right, and exact reads nested in
 * one another on a CPU (from signal handlers) leave its local reads never
 * going back.  The sequences are made
 * wide (MKREP_RSEQ_INJECT) and every restart counted, so that a run
 * proves it hit the windows it is about.
 *
 * It needs no module, so `make check` runs it on the machine itself
 * before the guest as well: a guest under TCG takes interrupts only
 * between translated blocks, never between a sequence's load and its
 * store, so only real hardware can show a sequence that is not one (a
 * plain load and store per CPU loses a tenth to a quarter of the adds
 * here).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * Every sequence made wide: a delay loop at each point where preemption,
 * migration or a signal must restart it (after the CPU number is read,
 * after the slot is found, between the load and the store), so that they
 * land there thousands of times a run; and every restart counted.
 */
#define INJECT_LOOPS	"40"
#define MKREP_RSEQ_INJECT(n)						\
	"movl $" INJECT_LOOPS ", %%r9d\n\t"				\
	"9" #n ":\n\t"							\
	"subl $1, %%r9d\n\t"						\
	"jnz 9" #n "b\n\t"
static __thread long restarts;
/* Restarts by role (__atomic): a test's stop rule counts its own kind. */
static long adder_restarts, reader_restarts, other_restarts;
static __thread long *restart_sink = &other_restarts;
#define MKREP_UCOUNTER_RESTARTED					\
	(restarts++, __atomic_add_fetch(restart_sink, 1, __ATOMIC_RELAXED))

#include "libmkchan.h"

#include "kselftest_harness.h"
#include "../mkernel_test.h"
#include "rseq_sections.h"

#ifndef sigev_notify_thread_id		/* glibc before 2.38 */
#define sigev_notify_thread_id	_sigev_un._tid
#endif

#define MAX_CPUS	64
#define RUN_NS		(2ULL * 1000 * 1000 * 1000)	/* adders add, at least */
#define CAP_NS		(30ULL * 1000 * 1000 * 1000)	/* and at most */
#define FLOOR		100	/* restarts, and moves, a run must see */
#define HOP		10000	/* adds between two moves of a thread */
#define MOVE_NS		200000	/* between two moves by a thread's timer */

FIXTURE(rseq) {
	struct mkrep_ucounter c;
	int n;
	int cpus[MAX_CPUS];
};

/* A counter in memory only, a slot a possible CPU as mkrep's has. */
FIXTURE_SETUP(rseq)
{
	long last = -1;

	self->n = mk_allowed_cpus(self->cpus, MAX_CPUS);
	ASSERT_LE(1, self->n);
	ASSERT_LT(0, mk_sysfs_list_count("/sys/devices/system/cpu/possible",
					 &last));
	self->c.fd = -1;
	self->c.nr_slots = last + 1;
	self->c.map_size = self->c.nr_slots *
			   sizeof(struct mkrep_counter_slot);
	self->c.slots = mmap(NULL, self->c.map_size, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->c.slots);
	/* Else there is nothing to test: rseq must be there. */
	ASSERT_TRUE(mkrep_ucounter_fast(&self->c))
		TH_LOG("no rseq registered (glibc before 2.35? a tunable?)");
}

FIXTURE_TEARDOWN(rseq)
{
	munmap(self->c.slots, self->c.map_size);
}

static int adders_done, adders_stop;	/* __atomic */

struct adder {
	struct mkrep_ucounter *c;
	const int *cpus;
	int n, index;
	int err;
	long long adds;
	long restarts, moves;
};

/* The CPUs an adder's timer moves it between, and where it is. */
static __thread const int *move_cpus;
static __thread int move_n, move_at;
static __thread long moves;
static long moves_all;		/* __atomic */

/* A thread's timer: to the next CPU, from wherever it was interrupted. */
static void move_on(int sig)
{
	int saved = errno;

	/* Stopped: let the thread see it, however fast the timer fires. */
	if (__atomic_load_n(&adders_stop, __ATOMIC_RELAXED))
		return;
	if (move_n > 1 && !mk_pin_cpu(move_cpus[++move_at % move_n])) {
		moves++;
		__atomic_add_fetch(&moves_all, 1, __ATOMIC_RELAXED);
	}
	errno = saved;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/*
 * Adds of 1 until told to stop, moving to another CPU every HOP, and by
 * its timer every MOVE_NS in the middle of whatever it runs.
 */
static void *add_many(void *arg)
{
	struct itimerspec its = { .it_interval = { 0, MOVE_NS },
				  .it_value = { 0, MOVE_NS } };
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID,
				.sigev_signo = SIGUSR1 };
	struct adder *a = arg;
	int hop = a->index;
	long long i;
	timer_t timer;

	move_cpus = a->cpus;
	move_n = a->n;
	move_at = a->index;
	restart_sink = &adder_restarts;
	sev.sigev_notify_thread_id = syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) ||
	    timer_settime(timer, 0, &its, NULL)) {
		a->err = errno;
		goto out;
	}
	for (i = 0; !__atomic_load_n(&adders_stop, __ATOMIC_RELAXED); i++) {
		if (i % HOP == 0 && mk_pin_cpu(a->cpus[hop++ % a->n])) {
			a->err = errno;
			break;
		}
		if (mkrep_ucounter_add(a->c, 1)) {
			a->err = -1;
			break;
		}
	}
	a->adds = i;
	timer_delete(timer);
out:
	a->restarts = restarts;
	a->moves = moves;
	__atomic_add_fetch(&adders_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Two threads a CPU, preempting each other in the middle of their
 * sequences and moving between CPUs, while this thread reads exactly:
 * the reads never go down, the last is the sum of the adds.
 */
TEST_F_TIMEOUT(rseq, every_cpu_adds, 120)
{
	struct sigaction sa = { .sa_handler = move_on };
	struct adder a[2 * MAX_CPUS];
	pthread_t t[2 * MAX_CPUS];
	long long v = 0, prev = 0, total = 0;
	int i, nt = 2 * self->n, down = 0;
	long reads = 0, restarted = 0, moved = 0;
	uint64_t t0, dt;

	adders_done = 0;
	adders_stop = 0;
	adder_restarts = 0;
	moves_all = 0;
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	for (i = 0; i < nt; i++) {
		a[i] = (struct adder){ .c = &self->c, .cpus = self->cpus,
				       .n = self->n, .index = i };
		if (pthread_create(&t[i], NULL, add_many, &a[i]))
			break;
	}
	/* What started runs to its end: its state is on this stack. */
	EXPECT_EQ(nt, i);
	nt = i;
	/*
	 * RUN_NS at least, and on until the windows were hit often enough
	 * (a guest under TCG restarts some 30 times fewer than hardware).
	 */
	t0 = now_ns();
	do {
		if (mkrep_ucounter_read_exact(&self->c, &v))
			break;
		reads++;
		down += v < prev;
		prev = v;
		dt = now_ns() - t0;
		if (dt >= CAP_NS ||
		    (dt >= RUN_NS &&
		     __atomic_load_n(&adder_restarts, __ATOMIC_RELAXED) >= FLOOR &&
		     (self->n == 1 ||
		      __atomic_load_n(&moves_all, __ATOMIC_RELAXED) >= FLOOR)))
			__atomic_store_n(&adders_stop, 1, __ATOMIC_RELAXED);
	} while (__atomic_load_n(&adders_done, __ATOMIC_ACQUIRE) < nt);
	__atomic_store_n(&adders_stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nt; i++) {
		EXPECT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, a[i].err);
		restarted += a[i].restarts;
		moved += a[i].moves;
		total += a[i].adds;
	}
	EXPECT_EQ(0, down);
	ASSERT_EQ(0, mkrep_ucounter_read_exact(&self->c, &v));
	EXPECT_EQ(total, v);
	/* Else the run proved nothing: the windows were never hit. */
	EXPECT_LE(FLOOR, restarted);
	/* With one CPU allowed there is nowhere to move (and no race). */
	if (self->n > 1)
		EXPECT_LE(FLOOR, moved);
	TH_LOG("%d threads, %d CPUs, %lld adds, %ld exact reads, %ld restarts, %ld timer moves",
	       nt, self->n, total, reads, restarted, moved);
}

/*
 * An exact read leaves this CPU's local read at its total: @base is the
 * sum less this CPU's @count, in this CPU's slot and no other.
 */
TEST_F(rseq, exact_read_sets_base)
{
	long long v = 0, local = 0;
	unsigned int s;
	int i, cpu;

	for (i = 0; i < self->n; i++) {
		cpu = self->cpus[i];
		ASSERT_EQ(0, mk_pin_cpu(cpu));
		ASSERT_EQ(0, mkrep_ucounter_add(&self->c, 10 * (i + 1)));
		EXPECT_EQ(10 * (i + 1), self->c.slots[cpu].count);
	}
	for (i = 0; i < self->n; i++) {
		cpu = self->cpus[i];
		ASSERT_EQ(0, mk_pin_cpu(cpu));
		for (s = 0; s < self->c.nr_slots; s++)
			self->c.slots[s].base = s == cpu ? 12345 : -(int)s;
		ASSERT_EQ(0, mkrep_ucounter_read(&self->c, &local));
		EXPECT_EQ(12345 + 10 * (i + 1), local);
		ASSERT_EQ(0, mkrep_ucounter_read_exact(&self->c, &v));
		EXPECT_EQ(5LL * self->n * (self->n + 1), v);
		EXPECT_EQ(v - 10 * (i + 1), self->c.slots[cpu].base);
		ASSERT_EQ(0, mkrep_ucounter_read(&self->c, &local));
		EXPECT_EQ(v, local);
		/* The other CPUs' bases are as they were. */
		for (s = 0; s < self->c.nr_slots; s++)
			if (s != cpu)
				EXPECT_EQ(-(int)s, self->c.slots[s].base);
	}
}

/*
 * Exact reads nested in one another on one CPU: each reader's timer
 * makes an exact read in the middle of the reader's own, and the later
 * total must be the one a CPU keeps.  A local read is never below an
 * exact read that finished before it on its CPU, nor below the local
 * read before it.
 */
static struct mkrep_ucounter *nest_counter;
static __thread long long handler_exact;	/* __atomic: the handler's */
static int readers_stop;			/* __atomic */

static void exact_from_handler(int sig)
{
	long long v;

	if (__atomic_load_n(&readers_stop, __ATOMIC_RELAXED))
		return;
	if (!mkrep_ucounter_read_exact(nest_counter, &v) &&
	    v > __atomic_load_n(&handler_exact, __ATOMIC_RELAXED))
		__atomic_store_n(&handler_exact, v, __ATOMIC_RELAXED);
}

struct reader {
	int cpu;
	long back, rounds;
	int err;
};

static void *read_many(void *arg)
{
	struct itimerspec its = { .it_interval = { 0, 50000 },
				  .it_value = { 0, 50000 } };
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID,
				.sigev_signo = SIGUSR2 };
	struct reader *r = arg;
	long long v, floor = 0, hf;
	timer_t timer;
	int k;

	restart_sink = &reader_restarts;
	sev.sigev_notify_thread_id = syscall(SYS_gettid);
	if (mk_pin_cpu(r->cpu) || timer_create(CLOCK_MONOTONIC, &sev, &timer)) {
		r->err = errno;
		return NULL;
	}
	if (timer_settime(timer, 0, &its, NULL)) {
		r->err = errno;
		goto out;
	}
	while (!__atomic_load_n(&readers_stop, __ATOMIC_RELAXED)) {
		if (mkrep_ucounter_read_exact(nest_counter, &v)) {
			r->err = -1;
			break;
		}
		r->back += v < floor;
		floor = v;
		for (k = 0; k < 4; k++) {
			hf = __atomic_load_n(&handler_exact, __ATOMIC_RELAXED);
			if (hf > floor)
				floor = hf;
			if (mkrep_ucounter_read(nest_counter, &v)) {
				r->err = -1;
				break;
			}
			r->back += v < floor;
			floor = v;
		}
		r->rounds++;
	}
out:
	timer_delete(timer);
	return NULL;
}

static int adder_errors;	/* __atomic */

static void *add_until_stopped(void *arg)
{
	if (mk_pin_cpu(*(int *)arg)) {
		__atomic_add_fetch(&adder_errors, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	while (!__atomic_load_n(&readers_stop, __ATOMIC_RELAXED))
		if (mkrep_ucounter_add(nest_counter, 1)) {
			__atomic_add_fetch(&adder_errors, 1, __ATOMIC_RELAXED);
			break;
		}
	return NULL;
}

TEST_F_TIMEOUT(rseq, local_reads_never_go_back, 120)
{
	struct sigaction sa = { .sa_handler = exact_from_handler };
	pthread_t rt[3], at[MAX_CPUS];
	struct reader r[3];
	int i, nr = 0, na = 0;
	long back = 0, rounds = 0;
	uint64_t t0, t;

	nest_counter = &self->c;
	readers_stop = 0;
	reader_restarts = 0;
	ASSERT_EQ(0, sigaction(SIGUSR2, &sa, NULL));
	for (i = 0; i < self->n; i++, na++)
		if (pthread_create(&at[i], NULL, add_until_stopped,
				   &self->cpus[i]))
			break;
	for (i = 0; i < 3; i++, nr++) {
		r[i] = (struct reader){ .cpu = self->cpus[0] };
		if (pthread_create(&rt[i], NULL, read_many, &r[i]))
			break;
	}
	t0 = now_ns();
	do {
		usleep(10000);
		t = now_ns() - t0;
	} while (t < CAP_NS &&
		 (t < RUN_NS ||
		  __atomic_load_n(&reader_restarts, __ATOMIC_RELAXED) < FLOOR));
	__atomic_store_n(&readers_stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nr; i++) {
		EXPECT_EQ(0, pthread_join(rt[i], NULL));
		EXPECT_EQ(0, r[i].err);
		back += r[i].back;
		rounds += r[i].rounds;
	}
	for (i = 0; i < na; i++)
		EXPECT_EQ(0, pthread_join(at[i], NULL));
	EXPECT_EQ(3, nr);
	EXPECT_EQ(self->n, na);
	EXPECT_EQ(0, adder_errors);
	EXPECT_EQ(0, back);
	EXPECT_LT(0, rounds);
	/* The readers' own sequences were cut, by their nested reads. */
	EXPECT_LE(FLOOR, reader_restarts);
	TH_LOG("%ld rounds of reads, %ld of their sequences restarted, %ld went back",
	       rounds, reader_restarts, back);
}

static struct mkrep_ucounter *sig_counter;
static int sig_adds, sig_errors;	/* __atomic: the handler's */

static void add_from_handler(int sig)
{
	if (mkrep_ucounter_add(sig_counter, 1))
		__atomic_add_fetch(&sig_errors, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&sig_adds, 1, __ATOMIC_RELAXED);
}

/*
 * A signal handler adds on the same CPU as the thread it interrupted,
 * often in the middle of that thread's sequence: the kernel restarts the
 * interrupted sequence, so neither add is lost.
 */
TEST_F_TIMEOUT(rseq, signal_handler_adds, 120)
{
	struct itimerspec its = { .it_interval = { 0, 20000 },
				  .it_value = { 0, 20000 } };
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGALRM };
	struct sigaction sa = { .sa_handler = add_from_handler };
	long long v = 0, mine = 0;
	struct timespec t0, t1;
	timer_t timer;
	int i;

	sig_counter = &self->c;
	ASSERT_EQ(0, mk_pin_cpu(self->cpus[0]));
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, timer_create(CLOCK_MONOTONIC, &sev, &timer));
	ASSERT_EQ(0, timer_settime(timer, 0, &its, NULL));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (i = 0; i < 1000; i++, mine++)
			if (mkrep_ucounter_add(&self->c, 1))
				break;
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while (i == 1000 &&
		 __atomic_load_n(&sig_adds, __ATOMIC_RELAXED) < 20000 &&
		 t1.tv_sec - t0.tv_sec < 10);
	ASSERT_EQ(0, timer_delete(timer));
	EXPECT_EQ(1000, i);
	EXPECT_EQ(0, sig_errors);
	ASSERT_LT(100, sig_adds) TH_LOG("the timer hardly fired");
	ASSERT_EQ(0, mkrep_ucounter_read_exact(&self->c, &v));
	EXPECT_EQ(mine + sig_adds, v);
	/* The handler ran in the middle of sequences, which restarted. */
	EXPECT_LE(FLOOR, restarts);
	TH_LOG("%lld adds by the thread, %d by its signal handler, %ld restarts",
	       mine, sig_adds, restarts);
}

/*
 * Every sequence in this binary: its descriptor is version 0, its abort
 * handler outside it behind the signature, and exactly one commit store
 * lies in it and ends it.  A store one instruction past the end would
 * escape the concurrent tests (its window is one instruction); here it
 * fails for sure.
 */
TEST(sequences_end_at_their_commit)
{
	const struct commit_mark *m, *m0 = __start___mkrep_rseq_commit;
	const struct commit_mark *m1 = __stop___mkrep_rseq_commit;
	const struct cs_desc *d;
	uint64_t end;
	uint32_t sig;
	int n = 0, commits;

	for (d = __start___rseq_cs; d < __stop___rseq_cs; d++, n++) {
		end = d->start_ip + d->post_commit_offset;
		EXPECT_EQ(0, d->version);
		EXPECT_EQ(0, d->flags);
		EXPECT_LT(0, d->post_commit_offset);
		EXPECT_TRUE(d->abort_ip < d->start_ip || d->abort_ip >= end);
		memcpy(&sig, (const char *)(uintptr_t)d->abort_ip - 4,
		       sizeof(sig));
		EXPECT_EQ(RSEQ_SIG, sig);
		commits = 0;
		for (m = m0; m < m1; m++)
			if (m->begin >= d->start_ip && m->begin < end)
				commits += m->end == end ? 1 : 1000;
		EXPECT_EQ(1, commits)
			TH_LOG("sequence at %#llx: %d (a commit not at the end counts 1000)",
			       (unsigned long long)d->start_ip, commits);
	}
	/* Each inlined copy of the three sequences has its descriptor. */
	EXPECT_LE(3, n);
	EXPECT_EQ(n, m1 - m0);
	TH_LOG("%d sequences", n);
}

TEST_HARNESS_MAIN
