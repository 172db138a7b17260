// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - spaces: replicated page tables.
 *
 * A space owns pages; each member process joins it and maps a window on
 * it, whose page table is the member's CPU's replica of the space's
 * mappings.  This file holds the space object, its file, and joining;
 * member.c holds a member's file, window and lifetime, msg.c its
 * messaging, op.c an operation.
 *
 * Lock order: op_lock, then the CPU hotplug lock, then member_lock
 * (JOIN's publication); op_lock, then the joiner's mmap_lock (JOIN's
 * vm_mmap()); op_lock, then a member's rep_lock (an operation).  The
 * hotplug callback's order is in member.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/memcontrol.h>
#include <linux/mkernel_uapi.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

#define MKREP_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL)

/**
 * mkrep_slot() - the member of a space on a CPU
 * @s: the space, whose op_lock or member_lock the caller holds
 * @cpu: the CPU
 *
 * Return: the member, or NULL.
 */
struct mkrep_member *mkrep_slot(struct mkrep_space *s, unsigned int cpu)
{
	return rcu_dereference_protected(s->member[cpu],
					 lockdep_is_held(&s->op_lock) ||
					 lockdep_is_held(&s->member_lock));
}

/* --- joining ------------------------------------------------------------- */

static bool mkrep_bound_to(unsigned int cpu)
{
	return current->nr_cpus_allowed == 1 &&
	       cpumask_test_cpu(cpu, current->cpus_ptr);
}

/*
 * Under op_lock: the member, its file and its window.  On success the
 * member is in the table and *@filep holds its file.
 */
static long mkrep_join_locked(struct mkrep_space *s, struct mkrep_join *j,
			      struct file **filep)
{
	struct mkrep_member *m;
	struct file *file;
	unsigned long addr;
	unsigned int cpu;

	mkrep_reap(s);
	for_each_possible_cpu(cpu) {
		m = mkrep_slot(s, cpu);
		if (m && m->mm == current->mm)
			return -EALREADY;
	}
	if (mkrep_slot(s, j->cpu))
		return -EEXIST;

	m = mkrep_member_alloc(s, j->cpu);
	if (!m)
		return -ENOMEM;
	file = mkrep_member_file(m);
	/* The file holds the member now, or nobody but us does. */
	mkrep_member_put(m);
	if (IS_ERR(file))
		return PTR_ERR(file);

	/*
	 * Published while its CPU is online, before its window exists (no
	 * operation runs: we hold op_lock): the hotplug callback sees every
	 * member it must evict, and no window is ever unmapped by address.
	 */
	cpus_read_lock();
	if (!cpu_online(j->cpu)) {
		cpus_read_unlock();
		/* Never a member: not counted as removed. */
		WRITE_ONCE(m->state, MKREP_MEMBER_GONE);
		fput(file);
		return -ENODEV;
	}
	kref_get(&m->ref);
	spin_lock(&s->member_lock);
	rcu_assign_pointer(s->member[j->cpu], m);
	spin_unlock(&s->member_lock);
	cpus_read_unlock();

	s->joining = m;
	WRITE_ONCE(s->joiner, current);
	addr = vm_mmap(file, 0, s->npages << PAGE_SHIFT, PROT_READ | PROT_WRITE,
		       MAP_SHARED, (unsigned long)MKREP_WINDOW_PGOFF << PAGE_SHIFT);
	WRITE_ONCE(s->joiner, NULL);
	s->joining = NULL;
	if (IS_ERR_VALUE(addr)) {
		/* Never a member: not counted; reaped by the next one. */
		WRITE_ONCE(m->state, MKREP_MEMBER_GONE);
		fput(file);
		return (long)addr;
	}
	j->addr = addr;
	j->length = s->npages << PAGE_SHIFT;
	*filep = file;
	return 0;
}

static long mkrep_ioctl_join(struct mkrep_space *s, void __user *arg)
{
	struct file *file = NULL;
	struct mkrep_join j;
	u32 usize;
	long ret;
	int fd;

	ret = mk_copy_struct_in(&j, sizeof(j), MKREP_JOIN_SIZE_VER0, arg,
				&usize);
	if (ret)
		return ret;
	if ((j.flags & ~MKREP_JOIN_CLOEXEC) || j.__reserved[0] ||
	    j.__reserved[1])
		return -EINVAL;
	if (j.cpu >= nr_cpu_ids || !cpu_possible(j.cpu) ||
	    !mkrep_bound_to(j.cpu) || !current->mm)
		return -EINVAL;

	/* The answer can be written back: nothing to undo after the mmap. */
	ret = mk_copy_struct_out(arg, &j, sizeof(j), usize);
	if (ret)
		return ret;
	fd = get_unused_fd_flags(O_RDWR |
				 (j.flags & MKREP_JOIN_CLOEXEC ? O_CLOEXEC : 0));
	if (fd < 0)
		return fd;
	/* Sleeps where the freezer and any signal can reach it. */
	if (mutex_lock_interruptible(&s->op_lock)) {
		put_unused_fd(fd);
		return -ERESTARTSYS;
	}
	ret = mkrep_join_locked(s, &j, &file);
	mutex_unlock(&s->op_lock);
	if (ret) {
		put_unused_fd(fd);
		return ret;
	}

	j.fd = fd;
	ret = mk_copy_struct_out(arg, &j, sizeof(j), usize);
	if (ret) {
		/*
		 * Unmapped meanwhile by another thread of the caller: nobody
		 * knows the window, which the caller leaves at once.
		 */
		vm_munmap(j.addr, j.length);
		put_unused_fd(fd);
		fput(file);
		return ret;
	}
	fd_install(fd, file);
	return 0;
}

/* --- the space file ------------------------------------------------------ */

static long mkrep_ioctl_info(struct mkrep_space *s, void __user *arg)
{
	struct mkrep_space_info info;
	struct mkrep_member *m;
	unsigned int cpu;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&info, sizeof(info),
				MKREP_SPACE_INFO_SIZE_VER0, arg, &usize);
	if (ret)
		return ret;
	if (info.flags || info.__reserved[0] || info.__reserved[1])
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	info.length = s->npages << PAGE_SHIFT;
	info.strategy = s->strategy;
	/* data_race: changed under op_lock; a snapshot is all we give */
	info.mapped_pages = data_race(s->mapped);
	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		m = rcu_dereference(s->member[cpu]);
		if (m && READ_ONCE(m->state) == MKREP_MEMBER_ACTIVE)
			info.nr_members++;
	}
	rcu_read_unlock();
	info.ops = atomic64_read(&s->ops);
	info.messages = atomic64_read(&s->messages);
	info.wakeups = atomic64_read(&s->wakeups);
	info.evicted = atomic64_read(&s->evicted);
	/* Evicted counts after removed does: read first, never above it. */
	smp_rmb();
	info.removed = atomic64_read(&s->removed);
	info.bound_ns = s->bound_ns;
	info.by_message = atomic64_read(&s->by_message);
	info.not_running = atomic64_read(&s->not_running);
	info.fallback = atomic64_read(&s->fallback);
	return mk_copy_struct_out(arg, &info, sizeof(info), usize);
}

static long mkrep_space_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct mkrep_space *s = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (MK_IOC_KEY(cmd)) {
	case MK_IOC_KEY(MKREP_IOC_JOIN):
		return mkrep_ioctl_join(s, uarg);
	case MK_IOC_KEY(MKREP_IOC_SPACE_INFO):
		return mkrep_ioctl_info(s, uarg);
	default:
		return -ENOTTY;
	}
}

static void mkrep_space_free(struct mkrep_space *s)
{
	unsigned long i;

	for (i = 0; s->pages && i < s->npages; i++)
		if (s->pages[i])
			mkrep_page_free(s->pages[i]);
	if (s->memcg)
		mem_cgroup_put(s->memcg);
	if (s->charged)
		mkrep_user_uncharge(s->owner, s->npages);
	free_cpumask_var(s->unposted);
	free_cpumask_var(s->wait);
	kvfree(s->victims);
	kvfree(s->prot);
	kvfree(s->pages);
	kfree(s->member);
	mkrep_objects_add(MKREP_OBJ_BYTES, -(long)s->bytes);
	kfree(s);
	mkrep_objects_add(MKREP_OBJ_SPACES, -1);
}

/* The last descriptor is closed and every member file is gone. */
static int mkrep_space_release(struct inode *inode, struct file *file)
{
	struct mkrep_space *s = file->private_data;
	struct mkrep_member *m;
	unsigned int cpu;

	mutex_lock(&mkrep_spaces_lock);
	list_del(&s->node);
	mutex_unlock(&mkrep_spaces_lock);

	/* Every member file held the space: each member is gone. */
	mutex_lock(&s->op_lock);
	mkrep_reap(s);
	mutex_unlock(&s->op_lock);
	for_each_possible_cpu(cpu) {
		m = rcu_dereference_protected(s->member[cpu], true);
		if (WARN_ON_ONCE(m))
			mkrep_member_put(m);
	}
	mkrep_space_free(s);
	return 0;
}

static const struct file_operations mkrep_space_fops = {
	.owner		= THIS_MODULE,
	.release	= mkrep_space_release,
	.unlocked_ioctl	= mkrep_space_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

long mkrep_space_create(void __user *arg)
{
	struct mkrep_space_create c;
	struct mkrep_space *s;
	bool released;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&c, sizeof(c), MKREP_SPACE_CREATE_SIZE_VER0,
				arg, &usize);
	if (ret)
		return ret;
	if ((c.flags & ~MKREP_SPACE_CLOEXEC) || c.__reserved)
		return -EINVAL;
	if (!c.length || !PAGE_ALIGNED(c.length) ||
	    c.length >> PAGE_SHIFT > mkrep_max_space_pages ||
	    c.strategy >= MKREP_NR_STRATEGIES || c.bound_ns > MKREP_BOUND_MAX_NS)
		return -EINVAL;

	s = kzalloc(sizeof(*s), MKREP_GFP);
	if (!s)
		return -ENOMEM;
	mkrep_objects_add(MKREP_OBJ_SPACES, 1);
	s->npages = c.length >> PAGE_SHIFT;
	s->owner = current_uid();
	ret = mkrep_user_charge(s->owner, s->npages);
	if (ret) {
		mkrep_space_free(s);
		return ret;
	}
	s->charged = true;
	s->strategy = c.strategy;
	s->bound_ns = c.bound_ns ?: min_t(u64, MKREP_BOUND_MAX_NS,
					  (u64)READ_ONCE(mkrep_op_bound_us) *
					  NSEC_PER_USEC);
	mutex_init(&s->op_lock);
	INIT_WORK(&s->reap_work, mkrep_reap_work);
	spin_lock_init(&s->req_lock);
	spin_lock_init(&s->member_lock);
	s->pages = kvcalloc(s->npages, sizeof(*s->pages), MKREP_GFP);
	s->prot = kvcalloc(s->npages, sizeof(*s->prot), MKREP_GFP);
	s->victims = kvcalloc(s->npages, sizeof(*s->victims), MKREP_GFP);
	s->member = kcalloc(nr_cpu_ids, sizeof(*s->member), MKREP_GFP);
	if (!s->pages || !s->prot || !s->victims || !s->member ||
	    !zalloc_cpumask_var(&s->wait, MKREP_GFP) ||
	    !zalloc_cpumask_var(&s->unposted, MKREP_GFP)) {
		mkrep_space_free(s);
		return -ENOMEM;
	}
	s->bytes = sizeof(*s) + s->npages * (sizeof(*s->pages) +
		   sizeof(*s->prot) + sizeof(*s->victims)) +
		   nr_cpu_ids * sizeof(*s->member) +
		   (IS_ENABLED(CONFIG_CPUMASK_OFFSTACK) ? 2 * cpumask_size() : 0);
	mkrep_objects_add(MKREP_OBJ_BYTES, s->bytes);
	/* Pages are charged to the creator, whoever maps them. */
	s->memcg = get_mem_cgroup_from_mm(current->mm);
	mutex_lock(&mkrep_spaces_lock);
	list_add(&s->node, &mkrep_spaces);
	mutex_unlock(&mkrep_spaces_lock);

	ret = mkrep_new_fd("[mkrep-space]", &mkrep_space_fops, s,
			   c.flags & MKREP_SPACE_CLOEXEC, arg, &c, sizeof(c),
			   usize, &c.fd, &s->file, &released);
	if (ret && !released) {
		mutex_lock(&mkrep_spaces_lock);
		list_del(&s->node);
		mutex_unlock(&mkrep_spaces_lock);
		mkrep_space_free(s);
	}
	return ret;
}
