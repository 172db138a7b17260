// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench - two threads pinned to two CPUs, released together, and the
 * measurements that run on them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkbench.h"

int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

struct pair {
	const struct bench_opts *o;
	pair_fn fn;
	void *arg;
	unsigned long warm, n;
	unsigned int reps;

	unsigned int __aligned(128) arrived;	/* of meet() */
	uint64_t __aligned(128) start[2][MKBENCH_MAX_REPS];
	uint64_t end[2][MKBENCH_MAX_REPS];
};

struct side {
	struct pair *p;
	int side;
};

/* Both sides arrive at round @round (1, 2, ...) before either goes on. */
static void meet(struct pair *p, unsigned int round)
{
	__atomic_add_fetch(&p->arrived, 1, __ATOMIC_ACQ_REL);
	while (load_acquire(&p->arrived) < 2 * round)
		bench_relax(p->o);
}

static void *side_main(void *arg)
{
	struct side *s = arg;
	struct pair *p = s->p;
	unsigned int r;
	int ret;

	ret = pin_cpu(p->o->cpu[s->side]);
	if (ret) {
		fprintf(stderr, "mkbench: cannot run on CPU %d: %s\n",
			p->o->cpu[s->side], strerror(-ret));
		exit(1);
	}
	meet(p, 1);
	p->fn(p->arg, s->side, p->warm);
	for (r = 0; r < p->reps; r++) {
		meet(p, r + 2);
		p->start[s->side][r] = now_ns();
		p->fn(p->arg, s->side, p->n);
		p->end[s->side][r] = now_ns();
	}
	return NULL;
}

void pair_run(const struct bench_opts *o, pair_fn fn, void *arg,
	      unsigned long warm, unsigned long n, unsigned int reps,
	      double per, double *ns)
{
	struct pair *p;
	struct side s[2];
	pthread_t t[2];
	uint64_t a, b;
	unsigned int r;
	int i;

	p = aligned_alloc(128, (sizeof(*p) + 127) & ~127UL);
	if (!p) {
		perror("mkbench");
		exit(1);
	}
	memset(p, 0, sizeof(*p));
	p->o = o;
	p->fn = fn;
	p->arg = arg;
	p->warm = warm;
	p->n = n;
	p->reps = reps;
	for (i = 0; i < 2; i++) {
		s[i].p = p;
		s[i].side = i;
		if (pthread_create(&t[i], NULL, side_main, &s[i])) {
			perror("mkbench: pthread_create");
			exit(1);
		}
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (r = 0; r < reps; r++) {
		a = p->start[0][r] < p->start[1][r] ? p->start[0][r] :
						      p->start[1][r];
		b = p->end[0][r] > p->end[1][r] ? p->end[0][r] : p->end[1][r];
		ns[r] = (b - a) / per;
	}
	free(p);
}

void meas_init(const struct bench_opts *o, struct meas *m, pair_fn fn,
	       void *arg, unsigned long warm, unsigned long n, double per,
	       void (*close)(void *arg))
{
	memset(m, 0, sizeof(*m));
	m->fn = fn;
	m->arg = arg;
	m->warm = warm;
	m->n = n;
	m->per = per;
	m->close = close;
	m->ns = calloc(o->reps, sizeof(*m->ns));
	if (!m->ns) {
		perror("mkbench");
		exit(1);
	}
}

void meas_init_copies(const struct bench_opts *o, struct meas *m,
		      const pair_fn *copies, unsigned int turn, void *arg,
		      unsigned long warm, unsigned long n, double per,
		      void (*close)(void *arg))
{
	meas_init(o, m, copies[0], arg, warm, n, per, close);
	m->copies = copies;
	m->turn = turn;
}

unsigned int meas_copy(const struct meas *m, unsigned int r)
{
	unsigned int c = r;

	if (!m->copies)
		return 0;
	if (m->turn >= 1)
		c += r / MKBENCH_COPIES;
	if (m->turn >= 2)
		c += r / (MKBENCH_COPIES * MKBENCH_COPIES);
	return c % MKBENCH_COPIES;
}

void meas_run(const struct bench_opts *o, struct meas *m, unsigned int r)
{
	unsigned int c = meas_copy(m, r);
	pair_fn fn = m->copies ? m->copies[c] : m->fn;
	bool first = !(m->warmed & (1U << c));

	m->warmed |= 1U << c;
	pair_run(o, fn, m->arg, first ? m->warm : 0, m->n, 1, m->per,
		 &m->ns[r]);
}

void meas_close(struct meas *m)
{
	if (m->close)
		m->close(m->arg);
	free(m->ns);
	memset(m, 0, sizeof(*m));
}
