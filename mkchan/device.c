// SPDX-License-Identifier: GPL-2.0
/*
 * mkchan - the character device /dev/mkchan.
 *
 * The device is the factory of channels; any user may open it (the
 * endpoints it hands out are the capabilities, not the device).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mkchan.h>
#include <linux/mkernel_uapi.h>

#include "internal.h"

static long mkchan_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (MK_IOC_KEY(cmd)) {
	case MK_IOC_KEY(MKCHAN_IOC_QUERY):
		return mkchan_ioctl_query(uarg);
	case MK_IOC_KEY(MKCHAN_IOC_CPU_INFO):
		return mkchan_ioctl_cpu_info(uarg);
	case MK_IOC_KEY(MKCHAN_IOC_CREATE):
		return mkchan_ioctl_create(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mkchan_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= mkchan_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice mkchan_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "mkchan",
	.fops	= &mkchan_dev_fops,
	.mode	= 0666,
};

int mkchan_device_init(void)
{
	int ret;

	ret = misc_register(&mkchan_miscdev);
	if (ret)
		pr_err("cannot register /dev/mkchan: %d\n", ret);
	return ret;
}

void mkchan_device_exit(void)
{
	misc_deregister(&mkchan_miscdev);
}
