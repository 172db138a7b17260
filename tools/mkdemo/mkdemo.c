// SPDX-License-Identifier: GPL-2.0
/*
 * mkdemo - show what mkchan sees: its ABI and limits, and the CPU and NUMA
 * topology it will place channels on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmkchan.h"

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
	struct mkchan_cpu_info ci;
	struct mkchan_query q;
	unsigned int cpu, node, max_node = 0;
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

	printf("\nNUMA nodes\n");
	for (node = 0; node <= max_node; node++) {
		printf("  node %u: cpus", node);
		for (cpu = 0; cpu < q.nr_cpu_ids; cpu++)
			if (!mkchan_cpu_info(fd, cpu, &ci) && ci.node == node)
				printf(" %u", cpu);
		printf("\n");
	}
	close(fd);
	return 0;
}
