// SPDX-License-Identifier: GPL-2.0
/*
 * mkdemo - show what mkchan sees (its ABI and limits, the CPU and NUMA
 * topology it places channels on), then use it: a channel between every
 * pair of online CPUs with messages both ways, and a token passed around
 * the ring of all online CPUs.  Every message goes through mapped rings
 * (libmkchan), threads pinned to the channels' CPUs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmkchan.h"

#define PAIR_MSGS	1000	/* messages each way on each pair */
#define TOKEN_ROUNDS	100	/* times the token goes around */
#define SPIN		1000	/* polls before sleeping */

static int pin(unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* One side of a pair: send PAIR_MSGS numbered messages, receive as many. */
struct side {
	struct mkchan_ep ep;
	unsigned int cpu;
	unsigned long sent, received;
	int err;
};

static void *pair_side(void *arg)
{
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	struct side *s = arg;
	unsigned long expect = 0, v;
	unsigned int type;
	size_t len;
	int ret;

	s->err = pin(s->cpu);
	while (!s->err && (s->sent < PAIR_MSGS || s->received < PAIR_MSGS)) {
		if (s->sent < PAIR_MSGS) {
			ret = mkchan_send(&s->ep, 1, &s->sent, sizeof(s->sent));
			if (!ret)
				s->sent++;
			else if (ret != -EAGAIN)
				s->err = ret;
		}
		if (s->received < PAIR_MSGS) {
			/* The payload may be up to 56 bytes, whatever we sent. */
			ret = mkchan_try_recv(&s->ep, &type, buf, &len);
			if (!ret && len == sizeof(v))
				memcpy(&v, buf, sizeof(v));
			if (!ret && (len != sizeof(v) || v != expect++))
				s->err = -EPROTO;	/* lost or reordered */
			else if (!ret)
				s->received++;
			else if (ret != -EAGAIN)
				s->err = ret;
		}
	}
	return NULL;
}

static int open_pair(int dev, unsigned int a, unsigned int b,
		     struct side s[2], struct mkchan_ep_info info[2])
{
	int fds[2], ret, i;

	ret = mkchan_create(dev, a, b, MKCHAN_MIN_SLOTS, 0, fds);
	for (i = 0; !ret && i < 2; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].cpu = i ? b : a;
		ret = mkchan_ep_info(fds[i], &info[i]);
		if (!ret)
			ret = mkchan_map(&s[i].ep, fds[i]);
	}
	return ret;
}

static void close_pair(struct side s[2])
{
	int i;

	for (i = 0; i < 2; i++) {
		mkchan_unmap(&s[i].ep);
		close(s[i].ep.fd);
	}
}

/* A channel between every pair of online CPUs, messages both ways. */
static int pairs(int dev, const unsigned int *cpus, unsigned int n)
{
	struct mkchan_ep_info info[2];
	unsigned int i, j, k;
	pthread_t t[2];
	struct side s[2];
	int ret;

	printf("\nA channel between every pair of CPUs, %d messages each way\n",
	       PAIR_MSGS);
	printf("  %5s  %8s  %8s  %12s  %12s\n", "pair", "a->b", "b->a",
	       "a->b ring on", "b->a ring on");
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			ret = open_pair(dev, cpus[i], cpus[j], s, info);
			if (ret) {
				fprintf(stderr, "mkdemo: channel %u-%u: %s\n",
					cpus[i], cpus[j], strerror(-ret));
				return 1;
			}
			for (k = 0; k < 2; k++)
				pthread_create(&t[k], NULL, pair_side, &s[k]);
			for (k = 0; k < 2; k++)
				pthread_join(t[k], NULL);
			close_pair(s);
			for (k = 0; k < 2; k++) {
				if (s[k].err) {
					fprintf(stderr, "mkdemo: cpu %u: %s\n",
						s[k].cpu, strerror(-s[k].err));
					return 1;
				}
			}
			printf("  %2u-%-2u  %8lu  %8lu  %7s %-4u  %7s %-4u\n",
			       cpus[i], cpus[j], s[1].received, s[0].received,
			       "node", info[0].tx_node, "node",
			       info[1].tx_node);
		}
	}
	return 0;
}

/* The ring of CPUs: hop k receives from hop k - 1 and sends to hop k + 1. */
struct hop {
	struct mkchan_ep in, out;
	unsigned int cpu, first;
	unsigned long passed;
	int err;
};

static void *hop_run(void *arg)
{
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	struct hop *h = arg;
	unsigned long token = 0, round;
	unsigned int type;
	size_t len;

	h->err = pin(h->cpu);
	for (round = 0; !h->err && round < TOKEN_ROUNDS; round++) {
		if (h->first)
			h->err = mkchan_send_wait(&h->out, 2, &token,
						  sizeof(token), SPIN);
		if (!h->err)
			h->err = mkchan_recv(&h->in, &type, buf, &len, SPIN);
		if (!h->err && len != sizeof(token))
			h->err = -EPROTO;
		if (h->err)
			break;
		memcpy(&token, buf, sizeof(token));
		token++;
		h->passed++;
		if (!h->first)
			h->err = mkchan_send_wait(&h->out, 2, &token,
						  sizeof(token), SPIN);
	}
	if (h->first && !h->err && token != (unsigned long)TOKEN_ROUNDS *
	    h->first)
		h->err = -EPROTO;
	return NULL;
}

static int token_ring(int dev, const unsigned int *cpus, unsigned int n)
{
	struct hop *hops = calloc(n, sizeof(*hops));
	pthread_t *t = calloc(n, sizeof(*t));
	unsigned long total = 0;
	unsigned int k;
	int fds[2], ret = 0;

	if (!hops || !t)
		return 1;
	for (k = 0; k < n && !ret; k++) {
		/* Hop k's out is hop k + 1's in. */
		ret = mkchan_create(dev, cpus[k], cpus[(k + 1) % n],
				    MKCHAN_MIN_SLOTS, 0, fds);
		if (!ret)
			ret = mkchan_map(&hops[k].out, fds[0]);
		if (!ret)
			ret = mkchan_map(&hops[(k + 1) % n].in, fds[1]);
		hops[k].cpu = cpus[k];
	}
	if (ret) {
		fprintf(stderr, "mkdemo: token ring: %s\n", strerror(-ret));
		return 1;
	}
	/* The first hop starts the token and checks what comes back. */
	hops[0].first = n;
	for (k = 0; k < n; k++)
		pthread_create(&t[k], NULL, hop_run, &hops[k]);
	for (k = 0; k < n; k++)
		pthread_join(t[k], NULL);
	for (k = 0; k < n; k++) {
		if (hops[k].err) {
			fprintf(stderr, "mkdemo: token at cpu %u: %s\n",
				hops[k].cpu, strerror(-hops[k].err));
			ret = 1;
		}
		total += hops[k].passed;
	}
	printf("\nA token around the ring of %u CPUs, %d times\n", n,
	       TOKEN_ROUNDS);
	for (k = 0; k < n; k++)
		printf("  cpu %u -> cpu %u: %lu hops\n", cpus[k],
		       cpus[(k + 1) % n], hops[(k + 1) % n].passed);
	printf("  %lu hops in all, the token came back as %d x %u\n", total,
	       TOKEN_ROUNDS, n);
	for (k = 0; k < n; k++) {
		mkchan_unmap(&hops[k].in);
		mkchan_unmap(&hops[k].out);
		close(hops[k].in.fd);
		close(hops[k].out.fd);
	}
	free(hops);
	free(t);
	return ret;
}

static const char *cpu_state(unsigned int state)
{
	if (state & MKCHAN_CPU_ONLINE)
		return "online";
	if (state & MKCHAN_CPU_PRESENT)
		return "present";
	return "possible";
}

int main(void)
{
	unsigned int cpu, node, max_node = 0, n = 0, *cpus;
	struct mkchan_cpu_info ci;
	struct mkchan_query q;
	int fd, ret;

	fd = mkchan_open();
	if (fd < 0) {
		fprintf(stderr, "mkdemo: %s: %s\n", MKCHAN_DEVICE, strerror(-fd));
		return 1;
	}
	ret = mkchan_query(fd, &q);
	if (ret) {
		fprintf(stderr, "mkdemo: MKCHAN_IOC_QUERY: %s\n", strerror(-ret));
		return 1;
	}

	printf("mkchan feature query\n");
	printf("  ABI version            %u\n", q.abi_version);
	printf("  features               %#x\n", q.features);
	printf("  CPUs possible/online   %u/%u (nr_cpu_ids %u)\n",
	       q.nr_possible_cpus, q.nr_online_cpus, q.nr_cpu_ids);
	printf("  NUMA nodes poss./onl.  %u/%u\n",
	       q.nr_possible_nodes, q.nr_online_nodes);
	printf("  cache line             %u bytes\n", q.cache_line_size);
	printf("  page                   %u bytes\n", q.page_size);
	printf("  max slots per ring     %u\n", q.max_slots);
	printf("  max channels per user  %u\n", q.max_channels_per_user);

	printf("\nCPU topology as mkchan sees it\n");
	printf("  %4s  %-8s  %4s  %7s  %3s  %4s\n",
	       "cpu", "state", "node", "package", "die", "core");
	for (cpu = 0; cpu < q.nr_cpu_ids; cpu++) {
		ret = mkchan_cpu_info(fd, cpu, &ci);
		if (ret == -EINVAL)
			continue;	/* not a possible CPU */
		if (ret) {
			fprintf(stderr, "mkdemo: cpu %u: %s\n", cpu, strerror(-ret));
			return 1;
		}
		printf("  %4u  %-8s  %4u  %7u  %3u  %4u\n", ci.cpu,
		       cpu_state(ci.state), ci.node, ci.package_id, ci.die_id,
		       ci.core_id);
		if (ci.node > max_node)
			max_node = ci.node;
	}

	cpus = calloc(q.nr_cpu_ids, sizeof(*cpus));
	if (!cpus)
		return 1;
	for (cpu = 0; cpu < q.nr_cpu_ids; cpu++)
		if (!mkchan_cpu_info(fd, cpu, &ci) &&
		    (ci.state & MKCHAN_CPU_ONLINE))
			cpus[n++] = cpu;

	printf("\nNUMA nodes\n");
	for (node = 0; node <= max_node; node++) {
		printf("  node %u: cpus", node);
		for (cpu = 0; cpu < q.nr_cpu_ids; cpu++)
			if (!mkchan_cpu_info(fd, cpu, &ci) && ci.node == node)
				printf(" %u", cpu);
		printf("\n");
	}

	if (n < 2) {
		printf("\nOne online CPU: no channel to show.\n");
		return 0;
	}
	ret = pairs(fd, cpus, n) || token_ring(fd, cpus, n);
	free(cpus);
	close(fd);
	return ret;
}
