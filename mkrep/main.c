// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - replicated objects kept consistent through mkchan messages.
 *
 * Module entry points and the character device /dev/mkrep.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mkchan.h>
#include <linux/mkernel_uapi.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <uapi/linux/mkrep.h>

#include "internal.h"

unsigned int mkrep_max_space_pages = 65536;
module_param_named(max_space_pages, mkrep_max_space_pages, uint, 0644);
MODULE_PARM_DESC(max_space_pages, "Largest space, in pages (default 65536)");

unsigned int mkrep_max_spaces_per_user = 256;
module_param_named(max_spaces_per_user, mkrep_max_spaces_per_user, uint, 0644);
MODULE_PARM_DESC(max_spaces_per_user,
		 "Spaces one user may hold; past it SPACE_CREATE fails with EDQUOT (default 256)");

unsigned int mkrep_max_pages_per_user = 262144;
module_param_named(max_pages_per_user, mkrep_max_pages_per_user, uint, 0644);
MODULE_PARM_DESC(max_pages_per_user,
		 "Pages of the spaces one user may hold, by their lengths; past it SPACE_CREATE fails with EDQUOT (default 262144)");

/*
 * mkrep's work items: a work function still running when the module goes
 * would run freed code, so mkrep_exit() destroys the queue, which waits.
 */
struct workqueue_struct *mkrep_wq;

unsigned int mkrep_op_bound_us = 100;
module_param_named(op_bound_us, mkrep_op_bound_us, uint, 0644);
MODULE_PARM_DESC(op_bound_us,
		 "Longest wait of an operation for a running member, in microseconds, of spaces made with bound_ns 0, at most 1000000 (default 100)");

/* For tests: widens the window that preemption must not enter. */
unsigned int mkrep_counter_map_hold_us;

static int mkrep_hold_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 100);
}

static const struct kernel_param_ops mkrep_hold_ops = {
	.set	= mkrep_hold_set,
	.get	= param_get_uint,
};

module_param_cb(counter_map_hold_us, &mkrep_hold_ops,
		&mkrep_counter_map_hold_us, 0600);
MODULE_PARM_DESC(counter_map_hold_us,
		 "For tests: microseconds a mapped counter's ioctl add holds its CPU's slot between its load and its store, preemption off, 0 to 100 (default 0)");

/**
 * mkrep_new_fd() - hand a new object to the caller as a file descriptor
 * @name: the anonymous inode's name
 * @fops: the file's operations; their release frees @priv
 * @priv: the object
 * @cloexec: O_CLOEXEC on the descriptor
 * @arg: the user's argument struct, written back with the descriptor
 * @kstruct: its kernel copy, @ksize bytes, holding @fd
 * @ksize: sizeof(*@kstruct)
 * @usize: the size the user gave
 * @fd: the field of @kstruct that gets the descriptor
 * @filep: if not NULL, gets the file
 * @released: set when the call failed after the file was made: its
 *	release freed @priv already; else @priv is still the caller's
 *
 * The descriptor is installed only once @arg holds it.
 *
 * Return: 0, or -EMFILE, -ENFILE, -ENOMEM, -EFAULT.
 */
int mkrep_new_fd(const char *name, const struct file_operations *fops,
		 void *priv, bool cloexec, void __user *arg, void *kstruct,
		 size_t ksize, u32 usize, s32 *fd, struct file **filep,
		 bool *released)
{
	struct file *file;
	int ret, nfd;

	*released = false;
	nfd = get_unused_fd_flags(O_RDWR | (cloexec ? O_CLOEXEC : 0));
	if (nfd < 0)
		return nfd;
	file = anon_inode_getfile(name, fops, priv, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(nfd);
		return PTR_ERR(file);
	}
	*fd = nfd;
	if (filep)
		*filep = file;
	ret = mk_copy_struct_out(arg, kstruct, ksize, usize);
	if (ret) {
		/* Never installed: the file's release frees the object. */
		put_unused_fd(nfd);
		fput(file);
		*released = true;
		return ret;
	}
	fd_install(nfd, file);
	return 0;
}

/*
 * Member files need an inode each: a window maps its member's file, and
 * an operation reaches exactly that window through the inode's mapping.
 * The inodes come from a small internal filesystem, as dma-buf's do.
 */
#define MKREP_FS_MAGIC	0x6d6b7270	/* "mkrp" */

static struct vfsmount *mkrep_mnt;

static int mkrep_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, MKREP_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type mkrep_fs_type = {
	.name		 = "mkrep",
	.init_fs_context = mkrep_fs_init_fs_context,
	.kill_sb	 = kill_anon_super,
};

int mkrep_fs_init(void)
{
	mkrep_mnt = kern_mount(&mkrep_fs_type);
	return PTR_ERR_OR_ZERO(mkrep_mnt);
}

void mkrep_fs_exit(void)
{
	kern_unmount(mkrep_mnt);
}

/**
 * mkrep_file_alloc() - a file with an inode of its own
 * @name: the file's name, as /proc/PID/maps shows it
 * @fops: its operations
 * @priv: its private_data
 *
 * Return: the file, or an ERR_PTR().
 */
struct file *mkrep_file_alloc(const char *name,
			      const struct file_operations *fops, void *priv)
{
	struct inode *inode;
	struct file *file;

	/* The file's last fput() drops it (fops_put()), as for anon inodes. */
	if (!try_module_get(fops->owner))
		return ERR_PTR(-ENOENT);
	inode = alloc_anon_inode(mkrep_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		module_put(fops->owner);
		return ERR_CAST(inode);
	}
	file = alloc_file_pseudo(inode, mkrep_mnt, name, O_RDWR, fops);
	if (IS_ERR(file)) {
		iput(inode);
		module_put(fops->owner);
		return file;
	}
	file->private_data = priv;
	return file;
}

static long mkrep_ioctl_query(void __user *arg)
{
	struct mkchan_query cq = { };
	struct mkrep_query q;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&q, sizeof(q), MKREP_QUERY_SIZE_VER0, arg,
				&usize);
	if (ret)
		return ret;
	if (q.flags || q.__reserved[0] || q.__reserved[1] || q.__pad)
		return -EINVAL;

	ret = mkchan_describe(&cq);
	if (ret)
		return ret;

	q.abi_version = MKREP_ABI_VERSION;
	q.features = MKREP_FEAT_QUERY | MKREP_FEAT_SPACE | MKREP_FEAT_COUNTER |
		     MKREP_FEAT_COUNTER_SLOPPY | MKREP_FEAT_COUNTER_MAP;
	q.mkchan_abi_version = cq.abi_version;
	q.nr_online_cpus = cq.nr_online_cpus;
	q.max_space_pages = READ_ONCE(mkrep_max_space_pages);
	return mk_copy_struct_out(arg, &q, sizeof(q), usize);
}

static long mkrep_dev_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	switch (MK_IOC_KEY(cmd)) {
	case MK_IOC_KEY(MKREP_IOC_QUERY):
		return mkrep_ioctl_query((void __user *)arg);
	case MK_IOC_KEY(MKREP_IOC_SPACE_CREATE):
		return mkrep_space_create((void __user *)arg);
	case MK_IOC_KEY(MKREP_IOC_COUNTER_CREATE):
		return mkrep_counter_create_fd((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mkrep_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= mkrep_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice mkrep_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "mkrep",
	.fops	= &mkrep_dev_fops,
	.mode	= 0666,
};

static int __init mkrep_init(void)
{
	struct mkchan_query cq = { };
	int ret;

	/* Refuse to bind to a channel layer of another ABI. */
	ret = mkchan_describe(&cq);
	if (ret)
		return ret;
	if (cq.abi_version != MKCHAN_ABI_VERSION) {
		pr_err("mkchan ABI %u, built for %u\n", cq.abi_version,
		       MKCHAN_ABI_VERSION);
		return -EINVAL;
	}

	ret = mkrep_objects_init();
	if (ret)
		return ret;
	mkrep_wq = alloc_workqueue("mkrep", WQ_UNBOUND, 0);
	if (!mkrep_wq) {
		ret = -ENOMEM;
		goto err_objects;
	}
	ret = mkrep_fs_init();
	if (ret) {
		pr_err("cannot mount its inode filesystem: %d\n", ret);
		goto err_wq;
	}
	ret = mkrep_hotplug_init();
	if (ret) {
		pr_err("cannot register for CPU hotplug: %d\n", ret);
		goto err_fs;
	}
	mkrep_debugfs_init();
	ret = misc_register(&mkrep_miscdev);
	if (ret) {
		pr_err("cannot register /dev/mkrep: %d\n", ret);
		goto err_debugfs;
	}
	return 0;

err_debugfs:
	mkrep_debugfs_exit();
	mkrep_hotplug_exit();
err_fs:
	mkrep_fs_exit();
err_wq:
	destroy_workqueue(mkrep_wq);
err_objects:
	mkrep_objects_exit();
	return ret;
}

static void __exit mkrep_exit(void)
{
	misc_deregister(&mkrep_miscdev);
	mkrep_debugfs_exit();
	mkrep_hotplug_exit();
	mkrep_fs_exit();
	/*
	 * The last member file's release dropped the module after queueing
	 * the member's free with call_rcu(), and a reaping work item may
	 * still be returning from its last fput(): both are this module's
	 * code, so wait for them.
	 */
	destroy_workqueue(mkrep_wq);
	rcu_barrier();
	WARN_ON(mkrep_member_frees_pending());
	/* The last of those counted: the counts go last. */
	mkrep_objects_exit();
}

module_init(mkrep_init);
module_exit(mkrep_exit);

MODULE_DESCRIPTION("Replicated objects kept consistent through mkchan messages");
MODULE_AUTHOR("The mkernel developers");
MODULE_LICENSE("GPL");
