// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench shootdown - what the modes measure with: the page unmapped,
 * kept apart from every other mapping; the window around each timed
 * operation, which takes its time and the interrupts counted during it,
 * and cuts a measurement that takes too long; and the run of a mode on
 * the first 1, 2, ... N CPUs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shootdown.h"

/* --- the page ------------------------------------------------------------ */

static int page_map(struct sd_page *p, int flags)
{
	void *a;

	if (p->fd >= 0)
		a = mmap(p->page, p->size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | flags, p->fd, 0);
	else
		a = mmap(p->page, p->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	if (a == MAP_FAILED)
		return -errno;
	if (a != p->page) {
		/* A kernel without MAP_FIXED_NOREPLACE took it as a hint. */
		munmap(a, p->size);
		return -EEXIST;
	}
	p->mapped = true;
	p->ro = false;
	return 0;
}

int sd_page_init(struct sd_page *p, int fd)
{
	int ret;

	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->size = sysconf(_SC_PAGESIZE);
	p->base = mmap(NULL, 3 * p->size, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p->base == MAP_FAILED) {
		p->base = NULL;
		return -errno;
	}
	p->page = p->base + p->size;
	ret = page_map(p, MAP_FIXED);
	if (ret) {
		munmap(p->base, 3 * p->size);
		p->base = NULL;
	}
	return ret;
}

int sd_page_ready(struct sd_page *p, unsigned int index, uint64_t v)
{
	int ret = 0;

	if (!p->mapped)
		ret = page_map(p, MAP_FIXED_NOREPLACE);
	else if (p->ro && mprotect(p->page, p->size, PROT_READ | PROT_WRITE))
		ret = -errno;
	else
		p->ro = false;
	if (!ret)
		sd_touch(p->page, index, v);
	return ret;
}

int sd_page_op(struct sd_page *p, enum sd_op op)
{
	int ret = 0;

	switch (op) {
	case SD_MADVISE:
		ret = madvise(p->page, p->size, MADV_DONTNEED);
		break;
	case SD_MUNMAP:
		ret = munmap(p->page, p->size);
		if (!ret)
			p->mapped = false;
		break;
	default:
		ret = mprotect(p->page, p->size, PROT_READ);
		if (!ret)
			p->ro = true;
		break;
	}
	return ret ? -errno : 0;
}

void sd_page_fini(struct sd_page *p)
{
	if (p->base)
		munmap(p->base, 3 * p->size);
	p->base = NULL;
}

/* --- the timed window ---------------------------------------------------- */

void sd_meas_init(struct sd_meas *m, unsigned long iters)
{
	memset(m, 0, sizeof(*m));
	m->max = iters;
	m->irq_ok = true;
}

void sd_window_init(struct sd_window *w, struct sd_meas *m)
{
	memset(w, 0, sizeof(*w));
	w->irq_on = !irq_open(&w->irq);
	if (!w->irq_on) {
		w->irq.fd = -1;
		m->irq_ok = false;
	}
}

void sd_window_fini(struct sd_window *w)
{
	irq_close(&w->irq);
}

bool sd_end(struct sd_window *w, struct sd_meas *m, bool keep)
{
	uint64_t t1 = now_ns(), after[IRQ_ROWS];
	int r;

	if (!keep)
		return false;
	if (!w->start)
		w->start = w->t0;
	if (w->irq_on && irq_read(&w->irq, after))
		w->irq_on = false;
	if (w->irq_on) {
		for (r = 0; r < IRQ_ROWS; r++)
			m->irq[r] += after[r] - w->before[r];
	} else {
		m->irq_ok = false;
	}
	m->ns[m->n++] = t1 - w->t0;
	if (m->n >= m->max)
		return true;
	if (m->n >= SD_MIN_SAMPLES && t1 - w->start > m->max * SD_OP_MAX_NS) {
		m->cut = true;
		return true;
	}
	return false;
}

int sd_pin(int cpu)
{
	int ret = pin_cpu(cpu);

	if (ret)
		fprintf(stderr, "mkbench: cannot run on CPU %d: %s\n", cpu,
			strerror(-ret));
	return ret;
}

/* --- the run of a mode --------------------------------------------------- */

int sd_each_k(const struct sd_ctx *c, const char *mode,
	      int (*group)(const struct sd_ctx *c, unsigned int k,
			   struct sd_meas *m, void *arg), void *arg)
{
	struct sd_meas *m = malloc(sd_meas_size(c->iters));
	unsigned int k;
	int ret = 0;

	if (!m) {
		sd_fail(mode, "memory", -ENOMEM);
		return -1;
	}
	if (sd_pin(c->o->cpus[0])) {
		free(m);
		return -1;
	}
	for (k = 1; k <= c->o->ncpus && !ret; k++)
		ret = group(c, k, m, arg);
	free(m);
	return ret;
}
