// SPDX-License-Identifier: GPL-2.0
/*
 * mkinject - a test-only module for the runner's own tests (make
 * check-runner): on load it makes the kernel do what make check must
 * catch.  Never built by a plain make, never installed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/module.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "WARN once on load");

static bool panic_on_load;
module_param_named(panic, panic_on_load, bool, 0444);
MODULE_PARM_DESC(panic, "panic on load");

static bool hang;
module_param(hang, bool, 0444);
MODULE_PARM_DESC(hang, "never finish loading");

static int __init mkinject_init(void)
{
	WARN(warn, "mkinject: injected warning\n");
	if (panic_on_load)
		panic("mkinject: injected panic\n");
	while (hang)
		msleep(1000);
	return 0;
}

static void __exit mkinject_exit(void)
{
}

module_init(mkinject_init);
module_exit(mkinject_exit);

MODULE_DESCRIPTION("Fault injection for the mkernel test runner's own tests");
MODULE_LICENSE("GPL");
