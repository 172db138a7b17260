// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - what each user holds: the per-user limits on spaces.
 *
 * A space costs kernel memory before any page is mapped: its page
 * records (17 bytes a page of its length) and, for each member, a
 * replica (8 bytes a page) and a status page.  The memory cgroup of the
 * creator bounds the bytes; these limits bound what one user can make
 * whatever its cgroup: at most max_spaces_per_user spaces, whose lengths
 * add up to at most max_pages_per_user pages.  Past either, creating a
 * space fails with -EDQUOT.  A space is charged to the user who made it
 * until it is freed, whoever holds it then.
 */
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "internal.h"

struct mkrep_user {
	unsigned long spaces;
	unsigned long pages;
};

/* struct mkrep_user of each user holding a space, indexed by uid. */
static DEFINE_XARRAY(mkrep_users);
static DEFINE_MUTEX(mkrep_users_lock);

/**
 * mkrep_user_charge() - count a new space against its creator's limits
 * @uid: the creator
 * @npages: the space's length in pages
 *
 * Return: 0, -EDQUOT past max_spaces_per_user or max_pages_per_user, or
 * -ENOMEM.
 */
int mkrep_user_charge(kuid_t uid, unsigned long npages)
{
	unsigned long index = __kuid_val(uid);
	unsigned long max_spaces, max_pages;
	struct mkrep_user *u;
	int ret = 0;

	mutex_lock(&mkrep_users_lock);
	u = xa_load(&mkrep_users, index);
	if (!u) {
		u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
		if (!u) {
			ret = -ENOMEM;
			goto out;
		}
		ret = xa_err(xa_store(&mkrep_users, index, u,
				      GFP_KERNEL_ACCOUNT));
		if (ret) {
			kfree(u);
			goto out;
		}
	}
	max_spaces = READ_ONCE(mkrep_max_spaces_per_user);
	max_pages = READ_ONCE(mkrep_max_pages_per_user);
	if (u->spaces >= max_spaces || u->pages > max_pages ||
	    npages > max_pages - u->pages) {
		ret = -EDQUOT;
	} else {
		u->spaces++;
		u->pages += npages;
	}
	if (!u->spaces) {
		xa_erase(&mkrep_users, index);
		kfree(u);
	}
out:
	mutex_unlock(&mkrep_users_lock);
	return ret;
}

/**
 * mkrep_user_uncharge() - a space charged by mkrep_user_charge() is freed
 * @uid: its creator
 * @npages: its length in pages
 */
void mkrep_user_uncharge(kuid_t uid, unsigned long npages)
{
	unsigned long index = __kuid_val(uid);
	struct mkrep_user *u;

	mutex_lock(&mkrep_users_lock);
	u = xa_load(&mkrep_users, index);
	if (!WARN_ON_ONCE(!u || !u->spaces || u->pages < npages)) {
		u->spaces--;
		u->pages -= npages;
		if (!u->spaces) {
			xa_erase(&mkrep_users, index);
			kfree(u);
		}
	}
	mutex_unlock(&mkrep_users_lock);
}

/**
 * mkrep_users_show() - what each user holds, for debugfs
 * @m: the seq_file: one line "uid spaces pages" a user
 * @unused: the seq_file's private data
 *
 * Return: 0.
 */
int mkrep_users_show(struct seq_file *m, void *unused)
{
	struct mkrep_user *u;
	unsigned long index;

	mutex_lock(&mkrep_users_lock);
	xa_for_each(&mkrep_users, index, u)
		seq_printf(m, "%lu %lu %lu\n", index, u->spaces, u->pages);
	mutex_unlock(&mkrep_users_lock);
	return 0;
}
