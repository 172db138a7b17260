// SPDX-License-Identifier: GPL-2.0
/*
 * shardcache - a small shard-per-core cache, and what resizing its region
 * costs the cores that serve it.
 *
 *	shardcache [--cpus N] [--seconds S] [--rates R1,R2,...]
 *		   [--pages P] [--way linux|mkrep|all] [--csv FILE]
 *
 * One process a CPU.  The first CPU's process, the resizer, shrinks the
 * region R times a second and grows it back as often (a quarter of every
 * shard's pages taken away, then given back); every other one is a server
 * that answers requests from its own shard of the region as fast as it
 * can: a request reads one 64-byte line of a random page of its shard
 * and writes one word of it.  The same server loop runs over two ways of
 * taking pages away (struct region_ops): Linux's (region_linux.c: a
 * punched memfd, IPIs to every server) and mkrep's (region_mkrep.c: a
 * space; each server applies the change between two requests).
 *
 * The region: first the fixed three quarters of every shard, then the
 * elastic quarters of all of them, one range, so that a resize is one
 * operation either way (one punch and one fallocate, or one UNMAP and one
 * MAP), whatever the number of servers.  Before pages go away, the
 * resizer lowers every shard's limit and waits until every server has
 * started a request since (an epoch each server publishes), so that no
 * request touches a page being taken away.
 *
 * Per way and rate: requests a second over all servers, the p50, p99 and
 * p99.9 of a request's latency - from before the server looks for what
 * waits to the end of the request, so that applying a change counts as
 * it would for a request that waited behind it, and its clock reads
 * included - the resizes done and the function-call IPIs a second
 * (/proc/interrupts' CAL row, all CPUs).  Exit status: 0, 1 when a run
 * failed, 2 on a bad command line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shardcache.h"
#include "../mkbench/mkbench.h"	/* interrupts.c's counters, now_ns() */

#define MAX_CPUS	256
#define MAX_RATES	16
#define BUCKET_NS	10
#define BUCKETS		10000		/* up to 100 us; longer: the last */
#define TIMEOUT_NS	(10ULL * 1000 * 1000 * 1000)

struct server {
	uint64_t __aligned(128) epoch;	/* the resizer's, when it started */
	int ready;			/* 1, or -errno */
	int err;			/* a poll that failed */
	unsigned long requests;
	uint64_t max;
	uint32_t hist[BUCKETS];
};

struct shared {
	int __aligned(128) go;		/* 1: serve; 2: stop */
	uint64_t __aligned(128) epoch;	/* raised before pages go away */
	unsigned int __aligned(128) limit[MAX_CPUS];	/* pages a shard */
	struct server s[];		/* s[1 .. k - 1] */
};

struct opts {
	int cpu[MAX_CPUS];
	unsigned int k;
	double seconds;
	unsigned long rate[MAX_RATES];
	unsigned int nrates;
	unsigned int pages;		/* a shard */
	bool way[2];			/* linux, mkrep */
	bool way_named;			/* by --way */
	const char *csv;
};

struct result {
	const char *way;
	unsigned long rate;
	double rps, p50, p99, p999, ipis, resizes;
};

static const struct region_ops *const ways[2] = {
	&region_linux, &region_mkrep
};

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* Where server @i's pages are: its fixed pages, then its elastic ones. */
struct shard {
	char *fixed, *elastic;
	unsigned int nfixed;
	size_t page;
};

/* Server @i's shard in @view; the region's layout is in the file's head. */
static void shard_of(const struct opts *o, char *view, unsigned int i,
		     struct shard *sd)
{
	unsigned int q = o->pages / 4;

	sd->page = sysconf(_SC_PAGESIZE);
	sd->nfixed = o->pages - q;
	sd->fixed = view + (size_t)(i - 1) * sd->nfixed * sd->page;
	sd->elastic = view + ((size_t)(o->k - 1) * sd->nfixed +
			      (size_t)(i - 1) * q) * sd->page;
}

/* One request on @sd's first @limit pages: read a line, write a word. */
static uint64_t request(const struct shard *sd, unsigned int limit,
			uint64_t *x)
{
	size_t lines = sd->page / 64, at;
	uint64_t *line, sum = 0;
	unsigned int i, pg;

	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	at = *x % ((size_t)limit * lines);
	pg = at / lines;
	at = (at % lines) * 64;
	line = (uint64_t *)(pg < sd->nfixed ?
			    sd->fixed + (size_t)pg * sd->page + at :
			    sd->elastic + (size_t)(pg - sd->nfixed) * sd->page +
			    at);
	for (i = 0; i < 8; i++)
		sum += __atomic_load_n(&line[i], __ATOMIC_RELAXED);
	__atomic_store_n(&line[sum & 7], sum + 1, __ATOMIC_RELAXED);
	return sum;
}

static void serve(const struct opts *o, struct shared *sh,
		  const struct region_ops *way, struct region *r,
		  unsigned int i, pid_t parent)
{
	struct server *s = &sh->s[i];
	uint64_t x = 88172645463325252ULL + i, t0, d;
	struct shard sd;
	char *view;
	int ret;

	/* Never outlive the resizer, whatever happens to it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	ret = pin(o->cpu[i]);
	view = ret ? NULL : way->attach(r, i, o->cpu[i]);
	if (!view) {
		store_release(&s->ready, ret ? ret : -errno);
		_exit(1);
	}
	shard_of(o, view, i, &sd);
	store_release(&s->ready, 1);
	/* Applying meanwhile: the resizer maps the region before the run. */
	while (load_acquire(&sh->go) == 0)
		way->poll(r);
	while (load_acquire(&sh->go) == 1) {
		t0 = now_ns();
		ret = way->poll(r);
		if (ret) {
			store_release(&s->err, ret);
			break;
		}
		store_release(&s->epoch, load_acquire(&sh->epoch));
		request(&sd, load_acquire(&sh->limit[i]), &x);
		d = now_ns() - t0;
		s->hist[d / BUCKET_NS < BUCKETS ? d / BUCKET_NS : BUCKETS - 1]++;
		if (d > s->max)
			s->max = d;
		s->requests++;
	}
	/* Apply what still waits, so that the resizer's last op ends. */
	while (load_acquire(&sh->go) != 3)
		way->poll(r);
	way->detach(r, i);
	_exit(s->err ? 1 : 0);
}

/* Wait until every server started a request at epoch @e or later. */
static int quiesce(const struct opts *o, struct shared *sh, uint64_t e)
{
	uint64_t deadline = now_ns() + TIMEOUT_NS;
	unsigned int i;
	int err;

	for (i = 1; i < o->k; i++)
		while (load_acquire(&sh->s[i].epoch) < e) {
			err = load_acquire(&sh->s[i].err);
			if (err)
				return err;
			if (now_ns() > deadline)
				return -ETIMEDOUT;
			mkchan_cpu_relax();
		}
	return 0;
}

/*
 * Take the elastic quarter of every shard away (@shrink), or give it
 * back: one range, one operation.
 */
static int resize(const struct opts *o, struct shared *sh,
		  const struct region_ops *way, struct region *r, bool shrink)
{
	unsigned int i, q = o->pages / 4;
	size_t first = (size_t)(o->k - 1) * (o->pages - q);
	size_t n = (size_t)(o->k - 1) * q;
	int ret;

	if (shrink) {
		for (i = 1; i < o->k; i++)
			store_release(&sh->limit[i], o->pages - q);
		ret = quiesce(o, sh, __atomic_add_fetch(&sh->epoch, 1,
							__ATOMIC_ACQ_REL));
		if (ret)
			return ret;
	}
	ret = shrink ? way->shrink(r, first, n) : way->grow(r, first, n);
	if (ret)
		return ret;
	if (!shrink)
		for (i = 1; i < o->k; i++)
			store_release(&sh->limit[i], o->pages);
	return 0;
}

static double percentile(const struct shared *sh, unsigned int k, double p)
{
	unsigned long total = 0, seen = 0, want;
	unsigned int i, b;

	for (i = 1; i < k; i++)
		total += sh->s[i].requests;
	if (!total)
		return NAN;
	/* Nearest rank: the smallest bucket holding p of the requests. */
	want = (unsigned long)(p * total);
	if (want < p * total)
		want++;
	for (b = 0; b < BUCKETS; b++) {
		for (i = 1; i < k; i++)
			seen += sh->s[i].hist[b];
		if (seen >= want)
			return (b + 1.0) * BUCKET_NS;
	}
	return BUCKETS * (double)BUCKET_NS;
}

static uint64_t irq_cal(struct irq_file *f, bool *ok)
{
	uint64_t v[IRQ_ROWS] = { 0 };

	if (*ok && (irq_read(f, v) || !f->has[IRQ_CAL]))
		*ok = false;
	return v[IRQ_CAL];
}

/* One way at one rate: 0 with @res filled, or -1 (said). */
static int run(const struct opts *o, const struct region_ops *way,
	       unsigned long rate, struct result *res)
{
	size_t size = sizeof(struct shared) + o->k * sizeof(struct server);
	uint64_t t0, next, end, interval, c0, c1, deadline;
	unsigned int i, forked = 1;
	struct irq_file f;
	struct region *r;
	struct shared *sh;
	bool irq_ok, shrunk = false;
	char why[160] = "";
	int ret, st;
	pid_t *pid, parent = getpid();

	sh = mmap(NULL, size, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid = calloc(o->k, sizeof(*pid));
	if (sh == MAP_FAILED || !pid) {
		perror("shardcache");
		return -1;
	}
	ret = way->create(&r, (size_t)o->pages * (o->k - 1), o->k, why,
			  sizeof(why));
	if (ret) {
		fprintf(stderr, "shardcache: %s: %s\n", way->name,
			why[0] ? why : strerror(-ret));
		munmap(sh, size);
		free(pid);
		return -1;
	}
	for (i = 1; i < o->k; i++)
		sh->limit[i] = o->pages;
	fflush(stdout);
	for (i = 1; i < o->k; i++, forked++) {
		pid[i] = fork();
		if (pid[i] < 0) {
			perror("shardcache: fork");
			break;
		}
		if (!pid[i])
			serve(o, sh, way, r, i, parent);
	}
	ret = forked < o->k ? -1 : 0;
	if (!ret && (pin(o->cpu[0]) || !way->attach(r, 0, o->cpu[0]))) {
		perror("shardcache: the resizer");
		ret = -1;
	}
	deadline = now_ns() + TIMEOUT_NS;
	for (i = 1; i < forked && !ret; i++) {
		while (!ret && !load_acquire(&sh->s[i].ready)) {
			/* A server that died before it could say so. */
			if (waitpid(pid[i], NULL, WNOHANG) == pid[i]) {
				pid[i] = 0;
				ret = -1;
			} else if (now_ns() > deadline) {
				ret = -1;
			}
			mkchan_cpu_relax();
		}
		if (ret) {
			fprintf(stderr, "shardcache: %s: the server on CPU %d does not start\n",
				way->name, o->cpu[i]);
		} else if (sh->s[i].ready < 0) {
			fprintf(stderr, "shardcache: %s: CPU %d: %s\n",
				way->name, o->cpu[i],
				strerror(-sh->s[i].ready));
			ret = -1;
		}
	}
	/* Every page mapped (mkrep's space starts empty) before the run. */
	if (!ret && way->grow(r, 0, (size_t)o->pages * (o->k - 1))) {
		fprintf(stderr, "shardcache: %s: mapping the region\n",
			way->name);
		ret = -1;
	}
	irq_ok = !irq_open(&f);
	c0 = irq_cal(&f, &irq_ok);
	t0 = now_ns();
	end = t0 + (uint64_t)(o->seconds * 1e9);
	interval = rate ? 1000000000ULL / (2 * rate) : 0;
	next = t0 + interval;
	res->resizes = 0;
	if (!ret)
		store_release(&sh->go, 1);
	while (!ret && now_ns() < end) {
		if (!rate || now_ns() < next) {
			mkchan_cpu_relax();
			continue;
		}
		ret = resize(o, sh, way, r, !shrunk);
		if (ret) {
			fprintf(stderr, "shardcache: %s: %s: %s\n", way->name,
				shrunk ? "growing" : "shrinking",
				strerror(-ret));
			ret = -1;
			break;
		}
		shrunk = !shrunk;
		res->resizes += 0.5;
		next += interval;
	}
	c1 = irq_cal(&f, &irq_ok);
	t0 = now_ns() - t0;
	store_release(&sh->go, 2);
	if (shrunk && !ret && resize(o, sh, way, r, false))
		ret = -1;
	store_release(&sh->go, 3);
	way->detach(r, 0);
	for (i = 1; i < forked; i++) {
		if (!pid[i]) {		/* died, and reaped */
			ret = -1;
			continue;
		}
		if (ret)
			kill(pid[i], SIGKILL);
		if (waitpid(pid[i], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			ret = -1;
	}
	if (irq_ok)
		irq_close(&f);
	res->way = way->name;
	res->rate = rate;
	res->rps = 0;
	for (i = 1; i < o->k; i++)
		res->rps += sh->s[i].requests;
	res->rps /= t0 / 1e9;
	res->resizes /= t0 / 1e9;
	res->p50 = percentile(sh, o->k, 0.5);
	res->p99 = percentile(sh, o->k, 0.99);
	res->p999 = percentile(sh, o->k, 0.999);
	res->ipis = irq_ok ? (c1 - c0) / (t0 / 1e9) : -1;
	way->destroy(r);
	munmap(sh, size);
	free(pid);
	return ret;
}

static int parse_rates(const char *s, struct opts *o)
{
	char *end;

	o->nrates = 0;
	for (;;) {
		if (o->nrates == MAX_RATES || *s < '0' || *s > '9')
			return -1;
		errno = 0;
		o->rate[o->nrates++] = strtoul(s, &end, 10);
		if (errno || o->rate[o->nrates - 1] > 1000000)
			return -1;
		if (!*end)
			return 0;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
}

/* The first @n CPUs this process may run on (0: all of them). */
static int pick_cpus(struct opts *o, unsigned long n)
{
	cpu_set_t set;
	int c;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	o->k = 0;
	for (c = 0; c < CPU_SETSIZE && o->k < MAX_CPUS; c++)
		if (CPU_ISSET(c, &set) && (!n || o->k < n))
			o->cpu[o->k++] = c;
	return o->k < 2 || (n && o->k < n) ? -1 : 0;
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: shardcache [--cpus N] [--seconds S] [--rates R1,R2,...]\n"
		"                  [--pages P] [--way linux|mkrep|all] [--csv FILE]\n"
		"  --cpus N      the first N CPUs we may run on, 2 at least (default\n"
		"                all): the first resizes, the others serve\n"
		"  --seconds S   how long each way runs at each rate (default 1)\n"
		"  --rates R,..  resizes a second: shrinks and as many grows\n"
		"                (default 0,100,1000,10000)\n"
		"  --pages P     pages of a shard, 4 to 65536 (default 64); a resize\n"
		"                takes a quarter of every shard\n"
		"  --way W       linux (a punched memfd), mkrep (a space: needs\n"
		"                /dev/mkrep) or all (default: both, mkrep where\n"
		"                /dev/mkrep is there)\n"
		"  --csv FILE    also write way,rate,metric,value rows\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 's' },
		{ "rates", required_argument, NULL, 'r' },
		{ "pages", required_argument, NULL, 'p' },
		{ "way", required_argument, NULL, 'w' },
		{ "csv", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long n = 0, pages;
	char *end;
	int c;

	o->seconds = 1;
	o->pages = 64;
	parse_rates("0,100,1000,10000", o);
	o->way[0] = true;
	o->way[1] = access(MKREP_DEVICE, R_OK | W_OK) == 0;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		errno = 0;
		switch (c) {
		case 'c':
			n = strtoul(optarg, &end, 10);
			if (errno || *end || n < 2 || n > MAX_CPUS)
				goto bad;
			break;
		case 's':
			o->seconds = strtod(optarg, &end);
			if (errno || *end || !(o->seconds >= 0.01) ||
			    o->seconds > 3600)
				goto bad;
			break;
		case 'r':
			if (parse_rates(optarg, o))
				goto bad;
			break;
		case 'p':
			pages = strtoul(optarg, &end, 10);
			if (errno || *end || pages < 4 || pages > 65536)
				goto bad;
			o->pages = pages;
			break;
		case 'w':
			o->way_named = true;
			if (!strcmp(optarg, "all")) {
				o->way[0] = true;
				o->way[1] = true;
			} else if (!strcmp(optarg, "linux") ||
				   !strcmp(optarg, "mkrep")) {
				o->way[0] = optarg[0] == 'l';
				o->way[1] = !o->way[0];
			} else {
				goto bad;
			}
			break;
		case 'o':
			o->csv = optarg;
			break;
		case 'h':
			print_usage(stdout);
			exit(0);
		default:
			goto bad;
		}
	}
	if (optind != argc)
		goto bad;
	if (pick_cpus(o, n)) {
		fprintf(stderr, "shardcache: not enough CPUs to run on (2 at least)\n");
		return -1;
	}
	return 0;
bad:
	print_usage(stderr);
	return -1;
}

int main(int argc, char **argv)
{
	struct result res[2 * MAX_RATES];
	unsigned int w, i, n = 0;
	struct opts o = { 0 };
	int failed = 0;
	FILE *csv;

	if (parse(argc, argv, &o))
		return 2;
	printf("shardcache: %u CPUs, CPU %d resizes, the others serve; %u pages a\n"
	       "shard, a resize takes %u pages of every shard away and gives them\n"
	       "back; %.2f s a way and rate; latency includes two clock reads\n\n",
	       o.k, o.cpu[0], o.pages, o.pages / 4 ? o.pages / 4 : 1,
	       o.seconds);
	printf("  %-6s %9s %9s %11s %8s %8s %8s %9s\n", "way", "resizes/s",
	       "done/s", "requests/s", "p50 ns", "p99 ns", "p99.9 ns",
	       "IPIs/s");
	for (w = 0; w < 2; w++) {
		if (!o.way[w])
			continue;
		printf("  %s: %s\n", ways[w]->name, ways[w]->what);
		for (i = 0; i < o.nrates; i++) {
			fflush(stdout);
			if (run(&o, ways[w], o.rate[i], &res[n])) {
				failed = 1;
				break;
			}
			printf("  %-6s %9lu %9.0f %11.0f %8.0f %8.0f %8.0f %9.0f\n",
			       res[n].way, res[n].rate, res[n].resizes,
			       res[n].rps, res[n].p50, res[n].p99,
			       res[n].p999, res[n].ipis);
			n++;
		}
	}
	if (!o.way[1] && !o.way_named)
		printf("  mkrep: not run: %s is not there (mkrep.ko not loaded)\n",
		       MKREP_DEVICE);
	if (o.csv) {
		csv = fopen(o.csv, "w");
		if (!csv) {
			perror(o.csv);
			return 1;
		}
		fprintf(csv, "way,rate,metric,value\n");
		for (i = 0; i < n; i++)
			fprintf(csv, "%s,%lu,resizes_per_s,%.1f\n"
				"%s,%lu,requests_per_s,%.0f\n"
				"%s,%lu,latency_ns_p50,%.0f\n"
				"%s,%lu,latency_ns_p99,%.0f\n"
				"%s,%lu,latency_ns_p999,%.0f\n"
				"%s,%lu,ipis_per_s,%.0f\n",
				res[i].way, res[i].rate, res[i].resizes,
				res[i].way, res[i].rate, res[i].rps,
				res[i].way, res[i].rate, res[i].p50,
				res[i].way, res[i].rate, res[i].p99,
				res[i].way, res[i].rate, res[i].p999,
				res[i].way, res[i].rate, res[i].ipis);
		if (fclose(csv)) {
			perror(o.csv);
			return 1;
		}
	}
	return failed;
}
