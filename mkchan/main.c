// SPDX-License-Identifier: GPL-2.0
/*
 * mkchan - multikernel-style URPC message channels between CPUs.
 *
 * Module entry points and parameters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>

#include "internal.h"

/* Hard ceiling of max_slots: one ring never exceeds 1 MiB of slots. */
#define MKCHAN_SLOTS_CEILING	16384

unsigned int mkchan_max_slots = 4096;
module_param_named(max_slots, mkchan_max_slots, uint, 0444);
MODULE_PARM_DESC(max_slots,
		 "Largest number of slots in one ring, a power of two (default 4096, at most 16384)");

unsigned int mkchan_max_channels_per_user = 256;
module_param_named(max_channels_per_user, mkchan_max_channels_per_user,
		   uint, 0444);
MODULE_PARM_DESC(max_channels_per_user,
		 "Largest number of channels one user may hold (default 256)");

static int __init mkchan_init(void)
{
	int ret;

	if (!is_power_of_2(mkchan_max_slots) ||
	    mkchan_max_slots > MKCHAN_SLOTS_CEILING) {
		pr_err("max_slots=%u: must be a power of two of at most %u\n",
		       mkchan_max_slots, MKCHAN_SLOTS_CEILING);
		return -EINVAL;
	}
	if (!mkchan_max_channels_per_user) {
		pr_err("max_channels_per_user must be at least 1\n");
		return -EINVAL;
	}
	ret = mkchan_topology_init();
	if (ret)
		return ret;
	ret = mkchan_channel_init();
	if (ret)
		goto topology;
	ret = mkchan_device_init();
	if (ret)
		goto channel;
	return 0;

channel:
	mkchan_channel_exit();
topology:
	mkchan_topology_exit();
	return ret;
}

static void __exit mkchan_exit(void)
{
	mkchan_device_exit();
	mkchan_channel_exit();
	mkchan_topology_exit();
}

module_init(mkchan_init);
module_exit(mkchan_exit);

MODULE_DESCRIPTION("Multikernel-style URPC message channels between CPUs");
MODULE_AUTHOR("The mkernel developers");
MODULE_LICENSE("GPL");
