// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - the counter file: a replicated counter handed to user space as
 * an anonymous-inode descriptor, its ioctls, and mmap() of a mapped one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mkernel_uapi.h>
#include <linux/mkrep.h>
#include <linux/slab.h>

#include "internal.h"

static long mkrep_counter_ioctl_add(struct mkrep_counter *c,
				    void __user *arg)
{
	struct mkrep_counter_add a;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&a, sizeof(a), MKREP_COUNTER_ADD_SIZE_VER0,
				arg, &usize);
	if (ret)
		return ret;
	if (a.flags || a.__reserved[0] || a.__reserved[1])
		return -EINVAL;
	/*
	 * An input-only command, frozen so in version 1: nothing is written
	 * back, not even @size, so that a const argument in read-only memory
	 * works and threads sharing one argument do not bounce its line.
	 */
	mkrep_counter_add(c, a.delta);
	return 0;
}

static long mkrep_counter_ioctl_read(struct mkrep_counter *c,
				     void __user *arg)
{
	struct mkrep_counter_read rd;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&rd, sizeof(rd), MKREP_COUNTER_READ_SIZE_VER0,
				arg, &usize);
	if (ret)
		return ret;
	if ((rd.flags & ~MKREP_COUNTER_EXACT) || rd.__pad ||
	    rd.__reserved[0] || rd.__reserved[1])
		return -EINVAL;
	/* The CPU is a hint: the thread may move right after. */
	rd.cpu = raw_smp_processor_id();
	if (rd.flags & MKREP_COUNTER_EXACT)
		rd.value = mkrep_counter_read_exact(c);
	else
		rd.value = mkrep_counter_read(c);
	return mk_copy_struct_out(arg, &rd, sizeof(rd), usize);
}

static long mkrep_counter_ioctl_info(struct mkrep_counter *c,
				     void __user *arg)
{
	struct mkrep_counter_info info;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&info, sizeof(info),
				MKREP_COUNTER_INFO_SIZE_VER0, arg, &usize);
	if (ret)
		return ret;
	if (info.flags || info.__pad || info.__reserved[0] ||
	    info.__reserved[1])
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	mkrep_counter_info(c, &info);
	return mk_copy_struct_out(arg, &info, sizeof(info), usize);
}

static long mkrep_counter_fop_ioctl(struct file *file, unsigned int cmd,
				    unsigned long arg)
{
	struct mkrep_counter *c = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (MK_IOC_KEY(cmd)) {
	case MK_IOC_KEY(MKREP_IOC_COUNTER_ADD):
		return mkrep_counter_ioctl_add(c, uarg);
	case MK_IOC_KEY(MKREP_IOC_COUNTER_READ):
		return mkrep_counter_ioctl_read(c, uarg);
	case MK_IOC_KEY(MKREP_IOC_COUNTER_INFO):
		return mkrep_counter_ioctl_info(c, uarg);
	default:
		return -ENOTTY;
	}
}

static int mkrep_counter_fop_mmap(struct file *file,
				  struct vm_area_struct *vma)
{
	return mkrep_counter_mmap(file->private_data, vma);
}

static int mkrep_counter_release(struct inode *inode, struct file *file)
{
	mkrep_counter_destroy(file->private_data);
	return 0;
}

static const struct file_operations mkrep_counter_fops = {
	.owner		= THIS_MODULE,
	.release	= mkrep_counter_release,
	.unlocked_ioctl	= mkrep_counter_fop_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= mkrep_counter_fop_mmap,
};

long mkrep_counter_create_fd(void __user *arg)
{
	struct mkrep_counter_create cr;
	struct mkrep_counter *c;
	bool released;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&cr, sizeof(cr), MKREP_COUNTER_CREATE_SIZE_VER0,
				arg, &usize);
	if (ret)
		return ret;
	if ((cr.flags & ~(MKREP_COUNTER_CLOEXEC | MKREP_COUNTER_MAP)) ||
	    cr.__reserved[0] || cr.__reserved[1])
		return -EINVAL;

	/* An unknown mode is mkrep_counter_create()'s -EINVAL. */
	if (!(cr.flags & MKREP_COUNTER_MAP))
		c = mkrep_counter_create(cr.mode, GFP_KERNEL_ACCOUNT);
	else if (cr.mode == MKREP_COUNTER_WRITE_MOSTLY)
		c = mkrep_counter_create_mapped(GFP_KERNEL_ACCOUNT);
	else
		return -EINVAL;
	if (IS_ERR(c))
		return PTR_ERR(c);
	ret = mkrep_new_fd("[mkrep-counter]", &mkrep_counter_fops, c,
			   cr.flags & MKREP_COUNTER_CLOEXEC, arg, &cr, sizeof(cr),
			   usize, &cr.fd, NULL, &released);
	if (ret && !released)
		mkrep_counter_destroy(c);
	return ret;
}
