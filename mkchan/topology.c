// SPDX-License-Identifier: GPL-2.0
/*
 * mkchan - each CPU's topology as it was when the CPU was last online.
 *
 * MKCHAN_IOC_CPU_INFO describes an offline CPU by the topology it had
 * when last online, but x86 forgets part of it: taking a CPU offline
 * zeroes its core id (remove_siblinginfo(), 6.1 and 6.12), and keeps its
 * package and die.  A CPU hotplug state keeps a copy, taken when a CPU
 * comes online (and for every online CPU when the module loads) and again
 * just before it goes offline, while the kernel still has it whole.
 */
#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/topology.h>

#include "internal.h"

/* What mkchan_topology_snap() saw of one CPU; @seen once it ran for it. */
struct mkchan_topology {
	u32 package_id;
	u32 die_id;
	u32 core_id;
	bool seen;
};

static DEFINE_PER_CPU(struct mkchan_topology, mkchan_topology);
/* Hotplug callbacks write a CPU's copy while an ioctl may read it. */
static DEFINE_SPINLOCK(mkchan_topology_lock);
static enum cpuhp_state mkchan_topology_state;

/* Online, or about to go offline: @cpu's topology is whole. */
static int mkchan_topology_snap(unsigned int cpu)
{
	struct mkchan_topology *t = per_cpu_ptr(&mkchan_topology, cpu);

	spin_lock(&mkchan_topology_lock);
	t->package_id = topology_physical_package_id(cpu);
	t->die_id = topology_die_id(cpu);
	t->core_id = topology_core_id(cpu);
	t->seen = true;
	spin_unlock(&mkchan_topology_lock);
	return 0;
}

/**
 * mkchan_cpu_topology() - the package, die and core of a CPU
 * @cpu: a possible CPU
 * @ci: its @package_id, @die_id and @core_id are filled in
 *
 * For an online CPU, and for one that went offline since the module was
 * loaded, the topology it had when last online; for a CPU not online
 * since then, what the kernel says of it now.
 */
void mkchan_cpu_topology(unsigned int cpu, struct mkchan_cpu_info *ci)
{
	struct mkchan_topology *t = per_cpu_ptr(&mkchan_topology, cpu);

	spin_lock(&mkchan_topology_lock);
	if (t->seen) {
		ci->package_id = t->package_id;
		ci->die_id = t->die_id;
		ci->core_id = t->core_id;
	} else {
		ci->package_id = topology_physical_package_id(cpu);
		ci->die_id = topology_die_id(cpu);
		ci->core_id = topology_core_id(cpu);
	}
	spin_unlock(&mkchan_topology_lock);
}

/* Take a copy of every online CPU's topology, and from now on keep it. */
int mkchan_topology_init(void)
{
	int ret;

	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "mkchan/topology:online",
				mkchan_topology_snap, mkchan_topology_snap);
	if (ret < 0)
		return ret;
	mkchan_topology_state = ret;
	return 0;
}

void mkchan_topology_exit(void)
{
	cpuhp_remove_state_nocalls(mkchan_topology_state);
}
