// SPDX-License-Identifier: GPL-2.0
/*
 * mkchan - the feature query and the CPU description.
 */
#include <linux/cache.h>
#include <linux/cpumask.h>
#include <linux/export.h>
#include <linux/mkchan.h>
#include <linux/mkernel_uapi.h>
#include <linux/nodemask.h>
#include <linux/nospec.h>
#include <linux/string.h>
#include <linux/topology.h>

#include "internal.h"

/**
 * mkchan_describe() - describe the module and the machine it runs on
 * @q: filled in, except for @q->size and @q->flags, which are left alone
 *
 * The in-kernel form of %MKCHAN_IOC_QUERY.  The CPU and node counts are a
 * snapshot: CPUs may go on- or offline right after the call.
 *
 * Context: any context.
 * Return: 0.
 */
int mkchan_describe(struct mkchan_query *q)
{
	q->abi_version = MKCHAN_ABI_VERSION;
	q->features = MKCHAN_FEAT_QUERY | MKCHAN_FEAT_CPU_INFO |
		      MKCHAN_FEAT_CHANNELS | MKCHAN_FEAT_LIGHT_SENDERS;
	q->nr_cpu_ids = nr_cpu_ids;
	q->nr_possible_cpus = num_possible_cpus();
	q->nr_online_cpus = num_online_cpus();
	q->nr_possible_nodes = num_node_state(N_POSSIBLE);
	q->nr_online_nodes = num_online_nodes();
	q->cache_line_size = cache_line_size();
	q->page_size = PAGE_SIZE;
	q->max_slots = mkchan_max_slots;
	q->max_channels_per_user = mkchan_max_channels_per_user;
	q->__reserved0 = 0;
	memset(q->__reserved, 0, sizeof(q->__reserved));
	return 0;
}
EXPORT_SYMBOL_GPL(mkchan_describe);

long mkchan_ioctl_query(void __user *arg)
{
	struct mkchan_query q;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&q, sizeof(q), MKCHAN_QUERY_SIZE_VER0, arg,
				&usize);
	if (ret)
		return ret;
	if (q.flags || q.__reserved0 || q.__reserved[0] || q.__reserved[1])
		return -EINVAL;

	mkchan_describe(&q);
	return mk_copy_struct_out(arg, &q, sizeof(q), usize);
}

long mkchan_ioctl_cpu_info(void __user *arg)
{
	struct mkchan_cpu_info ci;
	unsigned int cpu;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&ci, sizeof(ci), MKCHAN_CPU_INFO_SIZE_VER0,
				arg, &usize);
	if (ret)
		return ret;
	if (ci.flags || ci.__reserved[0] || ci.__reserved[1])
		return -EINVAL;
	if (ci.cpu >= nr_cpu_ids || !cpu_possible(ci.cpu))
		return -EINVAL;

	cpu = array_index_nospec(ci.cpu, nr_cpu_ids);
	ci.state = MKCHAN_CPU_POSSIBLE;
	if (cpu_present(cpu))
		ci.state |= MKCHAN_CPU_PRESENT;
	if (cpu_online(cpu))
		ci.state |= MKCHAN_CPU_ONLINE;
	ci.node = cpu_to_node(cpu);
	mkchan_cpu_topology(cpu, &ci);
	return mk_copy_struct_out(arg, &ci, sizeof(ci), usize);
}
