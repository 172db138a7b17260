// SPDX-License-Identifier: GPL-2.0
/*
 * A complete mkrep program: a space of a few pages, a member process on
 * every CPU this program may run on, each bound to its CPU.  The members
 * do work of their own and, between two units of it, apply the requests
 * waiting for their replica; the member on the first CPU maps and unmaps
 * pages and prints how every other replica was changed.  Built by make as
 * build/user/mkrep_example.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libmkchan.h"

#define PAGES	4

/* What the members share, besides the space. */
struct shared {
	int joined;		/* members that joined, or failed to */
	int stop;		/* set by the first member: leave */
};

static int pin(unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* A unit of a member's own work. */
static unsigned long work(unsigned long x)
{
	int i;

	for (i = 0; i < 1000; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	return x;
}

/* Every member but the first: work, and apply what waits between units. */
static int member(struct shared *sh, const struct mkrep_replica *r)
{
	unsigned long x = r->cpu, applied = 0;
	int ret;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		x = work(x);
		if (mkrep_waiting(r)) {
			ret = mkrep_apply(r);
			if (ret < 0) {
				fprintf(stderr, "CPU %u: apply: %s\n", r->cpu,
					strerror(-ret));
				return 1;
			}
			applied += ret;
		}
	}
	printf("CPU %u: applied %lu requests itself (work %lx)\n", r->cpu,
	       applied, x & 0xff);
	return 0;
}

static int op(const struct mkrep_replica *r, const char *what,
	      unsigned int o, unsigned int prot, unsigned int page)
{
	long psize = sysconf(_SC_PAGESIZE);
	struct mkrep_op out;
	int ret;

	ret = mkrep_op(r, o, prot, page * psize, psize, &out);
	if (ret) {
		fprintf(stderr, "%s page %u: %s\n", what, page, strerror(-ret));
		return 1;
	}
	printf("%-5s page %u: %u other replicas: %u by message, %u not running, %u fallback\n",
	       what, page, out.members, out.by_message, out.not_running,
	       out.fallback);
	return 0;
}

/*
 * The first member: once all @nr have joined, map, write and unmap each
 * page in every replica.
 */
static int first(struct shared *sh, const struct mkrep_replica *r, int nr)
{
	long psize = sysconf(_SC_PAGESIZE);
	unsigned int p;
	int ret = 0;

	while (__atomic_load_n(&sh->joined, __ATOMIC_ACQUIRE) < nr)
		sched_yield();
	for (p = 0; p < PAGES && !ret; p++) {
		ret = op(r, "map", MKREP_OP_MAP,
			 MKREP_PROT_READ | MKREP_PROT_WRITE, p);
		if (ret)
			break;
		memset((char *)r->window + p * psize, 'a' + p, psize);
		ret = op(r, "unmap", MKREP_OP_UNMAP, 0, p);
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	return ret;
}

int main(void)
{
	int dev, space, nr, members = 0, ret = 0, status;
	struct mkrep_replica r;
	struct shared *sh;
	cpu_set_t cpus;
	unsigned int cpu;
	pid_t pid;

	if (sched_getaffinity(0, sizeof(cpus), &cpus))
		return 1;
	nr = CPU_COUNT(&cpus);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	dev = mkrep_open();
	if (dev < 0) {
		fprintf(stderr, "%s: %s\n", MKREP_DEVICE, strerror(-dev));
		return 1;
	}
	/* Broadcast delivery, the module's default bound. */
	space = mkrep_space_create(dev, PAGES * sysconf(_SC_PAGESIZE),
				   MKREP_STRATEGY_BROADCAST, 0);
	close(dev);
	if (space < 0) {
		fprintf(stderr, "space: %s\n", strerror(-space));
		return 1;
	}

	/* A member process on each CPU; the one on the first CPU operates. */
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &cpus))
			continue;
		pid = fork();
		if (pid < 0) {
			perror("fork");
			ret = 1;
			break;
		}
		if (pid > 0) {
			members++;
			continue;
		}
		/* The child: bound to its CPU alone, then a member. */
		ret = pin(cpu) ? -errno : mkrep_join(space, cpu, &r);
		__atomic_add_fetch(&sh->joined, 1, __ATOMIC_RELEASE);
		if (ret) {
			fprintf(stderr, "CPU %u: join: %s\n", cpu,
				strerror(-ret));
			if (!members)	/* no first member: let the others go */
				__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
			_exit(1);
		}
		ret = members ? member(sh, &r) : first(sh, &r, nr);
		mkrep_leave(&r);		/* unmaps the window: leaves */
		fflush(stdout);
		_exit(ret);
	}
	/* Those never forked count as joined: the first waits for no one. */
	__atomic_add_fetch(&sh->joined, nr - members, __ATOMIC_RELEASE);
	while (members-- > 0) {
		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			ret = 1;
	}
	close(space);
	return ret;
}
