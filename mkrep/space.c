// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - spaces: replicated page tables.
 *
 * A space owns pages; each member process maps a window on it, and the
 * page table of that window is the member's CPU's replica.  This file
 * holds the space object, joining, the window (its faults read only the
 * member's own replica) and CPU hotplug; op.c holds the messages.
 *
 * Lock order: op_lock, cpu hotplug lock, a member's lock, mmap_lock,
 * member_lock.  The hotplug callback takes mkrep_spaces_lock and then a
 * member's mmap_lock; the window's close takes no sleeping lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/mkchan.h>
#include <linux/mkernel_uapi.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

#define MKREP_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL)

/* Every space, for the hotplug callback. */
static LIST_HEAD(mkrep_spaces);
static DEFINE_MUTEX(mkrep_spaces_lock);
static enum cpuhp_state mkrep_hp_state;

static struct mkrep_member *mkrep_slot(struct mkrep_space *s, unsigned int cpu)
{
	return rcu_dereference_protected(s->member[cpu],
					 lockdep_is_held(&s->op_lock) ||
					 lockdep_is_held(&s->member_lock));
}

/* --- members ------------------------------------------------------------ */

static void mkrep_member_release(struct kref *ref)
{
	struct mkrep_member *m = container_of(ref, struct mkrep_member, ref);
	unsigned int cpu;

	/* Endpoints are closed by the reaper; these are the leftovers. */
	for_each_cpu(cpu, m->peers)
		mkchan_endpoint_close(m->ep[cpu]);
	atomic64_add(m->messages, &m->space->messages);
	free_cpumask_var(m->gather.owed);
	free_cpumask_var(m->gather.forwarded);
	free_cpumask_var(m->gather.wait);
	free_cpumask_var(m->peers);
	kfree(m->ep);
	kvfree(m->rep);
	mmdrop(m->mm);
	kfree_rcu(m, rcu);
	mkrep_objects_add(MKREP_OBJ_MEMBERS, -1);
}

void mkrep_member_put(struct mkrep_member *m)
{
	kref_put(&m->ref, mkrep_member_release);
}

static struct mkrep_member *mkrep_member_alloc(struct mkrep_space *s,
					       unsigned int cpu)
{
	int node = cpu_to_node(cpu);
	struct mkrep_member *m;

	m = kzalloc_node(sizeof(*m), MKREP_GFP, node);
	if (!m)
		return NULL;
	m->rep = kvzalloc_node(array_size(s->npages, sizeof(*m->rep)),
			       MKREP_GFP, node);
	m->ep = kcalloc_node(nr_cpu_ids, sizeof(*m->ep), MKREP_GFP, node);
	if (!m->rep || !m->ep ||
	    !zalloc_cpumask_var_node(&m->peers, MKREP_GFP, node) ||
	    !zalloc_cpumask_var_node(&m->gather.wait, MKREP_GFP, node) ||
	    !zalloc_cpumask_var_node(&m->gather.forwarded, MKREP_GFP, node) ||
	    !zalloc_cpumask_var_node(&m->gather.owed, MKREP_GFP, node)) {
		free_cpumask_var(m->gather.forwarded);
		free_cpumask_var(m->gather.wait);
		free_cpumask_var(m->peers);
		kfree(m->ep);
		kvfree(m->rep);
		kfree(m);
		return NULL;
	}
	mkrep_objects_add(MKREP_OBJ_MEMBERS, 1);
	m->space = s;
	m->cpu = cpu;
	m->state = MKREP_MEMBER_ACTIVE;
	m->mm = current->mm;
	mmgrab(m->mm);
	mutex_init(&m->lock);
	init_waitqueue_head(&m->wq);
	kref_init(&m->ref);
	return m;
}

/*
 * Take a member out of the space's work: it gets no more requests, and
 * whoever waits for its ack stops waiting.  Returns whether it was active.
 */
static bool mkrep_member_retire(struct mkrep_member *m, int state)
{
	struct mkrep_space *s = m->space;

	if (cmpxchg(&m->state, MKREP_MEMBER_ACTIVE, state) !=
	    MKREP_MEMBER_ACTIVE) {
		/* An evicted member's window goes at last. */
		if (state == MKREP_MEMBER_GONE)
			WRITE_ONCE(m->state, MKREP_MEMBER_GONE);
		return false;
	}
	atomic64_inc(&s->removed);
	mkrep_wake_all(s);
	return true;
}

/*
 * Close the channels of the members whose window is gone, and drop them.
 * Under op_lock, so no operation is in flight; but a tree leader may still
 * be gathering for an operation whose initiator was killed, and hold its
 * lock until its node answers - maybe the caller, member @me (or NULL),
 * which serves meanwhile.
 *
 * Return: 0, or -EINTR (a fatal signal; what is left is reaped later).
 */
int mkrep_reap(struct mkrep_space *s, struct mkrep_member *me)
{
	struct mkrep_member *d, *m;
	unsigned int cpu, peer;

	lockdep_assert_held(&s->op_lock);
	for_each_possible_cpu(cpu) {
		d = mkrep_slot(s, cpu);
		if (!d || READ_ONCE(d->state) != MKREP_MEMBER_GONE)
			continue;
		for_each_possible_cpu(peer) {
			m = mkrep_slot(s, peer);
			/* ->peers only changes under op_lock */
			if (!m || m == d || !cpumask_test_cpu(cpu, m->peers))
				continue;
			if (mkrep_lock_serving(m, me))
				return -EINTR;
			cpumask_clear_cpu(cpu, m->peers);
			mkchan_endpoint_close(m->ep[cpu]);
			m->ep[cpu] = NULL;
			mutex_unlock(&m->lock);
		}
		if (mkrep_lock_serving(d, me))
			return -EINTR;
		for_each_cpu(peer, d->peers) {
			mkchan_endpoint_close(d->ep[peer]);
			d->ep[peer] = NULL;
		}
		cpumask_clear(d->peers);
		mutex_unlock(&d->lock);
		spin_lock(&s->member_lock);
		RCU_INIT_POINTER(s->member[cpu], NULL);
		spin_unlock(&s->member_lock);
		mkrep_member_put(d);
	}
	return 0;
}

/* --- the window ---------------------------------------------------------- */

static vm_fault_t mkrep_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mkrep_member *m = vma->vm_private_data;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	pgprot_t prot = vma->vm_page_prot;
	u64 entry;

	/* mmap_lock is held: the replica does not change under us. */
	if (READ_ONCE(m->state) != MKREP_MEMBER_ACTIVE)
		return VM_FAULT_SIGBUS;
	entry = m->rep[vmf->pgoff];
	if (!entry || (write && !(entry & MKREP_PROT_WRITE)))
		return VM_FAULT_SIGSEGV;
	/* Writable only when the replica says so and the VMA allows it. */
	if (write && (entry & MKREP_PROT_WRITE))
		prot = vm_get_page_prot(vma->vm_flags);
	return vmf_insert_pfn_prot(vma, vmf->address, entry >> PAGE_SHIFT, prot);
}

/* A write to a page mapped read-only: allowed if the replica allows it. */
static vm_fault_t mkrep_vm_pfn_mkwrite(struct vm_fault *vmf)
{
	struct mkrep_member *m = vmf->vma->vm_private_data;

	if (READ_ONCE(m->state) != MKREP_MEMBER_ACTIVE)
		return VM_FAULT_SIGBUS;
	if (!(m->rep[vmf->pgoff] & MKREP_PROT_WRITE))
		return VM_FAULT_SIGSEGV;
	return 0;
}

static void mkrep_vm_open(struct vm_area_struct *vma)
{
	struct mkrep_member *m = vma->vm_private_data;

	atomic_inc(&m->nr_vmas);
	kref_get(&m->ref);
}

static void mkrep_vm_close(struct vm_area_struct *vma)
{
	struct mkrep_member *m = vma->vm_private_data;

	/* The page table entries are gone already: the member leaves. */
	if (atomic_dec_and_test(&m->nr_vmas))
		mkrep_member_retire(m, MKREP_MEMBER_GONE);
	mkrep_member_put(m);
}

/* The window is one piece at one place: no split, no move. */
static int mkrep_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static int mkrep_vm_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

static const struct vm_operations_struct mkrep_vm_ops = {
	.open		= mkrep_vm_open,
	.close		= mkrep_vm_close,
	.may_split	= mkrep_vm_may_split,
	.mremap		= mkrep_vm_mremap,
	.fault		= mkrep_vm_fault,
	.pfn_mkwrite	= mkrep_vm_pfn_mkwrite,
};

/* Only MKREP_IOC_JOIN maps a window, through vm_mmap(). */
static int mkrep_space_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mkrep_space *s = file->private_data;
	struct mkrep_member *m;

	/* s->joiner is current only inside its own JOIN, under op_lock. */
	if (READ_ONCE(s->joiner) != current)
		return -EPERM;
	m = s->joining;
	if (vma->vm_pgoff || vma_pages(vma) != s->npages ||
	    !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/* Data only, never executed: no PROT_EXEC by mprotect() either. */
	vm_flags_clear(vma, VM_MAYEXEC);
	vm_flags_set(vma, VM_PFNMAP | VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &mkrep_vm_ops;
	vma->vm_private_data = m;
	m->win_start = vma->vm_start;
	atomic_set(&m->nr_vmas, 1);
	kref_get(&m->ref);
	return 0;
}

/* --- joining ------------------------------------------------------------- */

/* Whether the calling process is a member already (a hint, unlocked). */
static bool mkrep_is_member(struct mkrep_space *s)
{
	struct mkrep_member *m;
	unsigned int cpu;
	bool found = false;

	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		m = rcu_dereference(s->member[cpu]);
		if (m && m->mm == current->mm &&
		    READ_ONCE(m->state) != MKREP_MEMBER_GONE) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

static bool mkrep_bound_to(unsigned int cpu)
{
	return current->nr_cpus_allowed == 1 &&
	       cpumask_test_cpu(cpu, current->cpus_ptr);
}

/* Channels between @m and every active member.  Under op_lock. */
static int mkrep_connect(struct mkrep_space *s, struct mkrep_member *m)
{
	struct mkchan_endpoint *mine, *theirs;
	struct mkrep_member *p;
	unsigned int cpu;
	int ret;

	for_each_possible_cpu(cpu) {
		p = mkrep_slot(s, cpu);
		if (!p || READ_ONCE(p->state) != MKREP_MEMBER_ACTIVE)
			continue;
		ret = mkchan_channel_create(m->cpu, cpu, MKREP_CHAN_SLOTS,
					    &mine, &theirs);
		if (ret)
			return ret;
		m->ep[cpu] = mine;
		cpumask_set_cpu(cpu, m->peers);
		mutex_lock(&p->lock);
		p->ep[m->cpu] = theirs;
		cpumask_set_cpu(m->cpu, p->peers);
		mutex_unlock(&p->lock);
	}
	return 0;
}

static void mkrep_disconnect(struct mkrep_space *s, struct mkrep_member *m)
{
	struct mkrep_member *p;
	unsigned int cpu;

	for_each_cpu(cpu, m->peers) {
		p = mkrep_slot(s, cpu);
		mutex_lock(&p->lock);
		cpumask_clear_cpu(m->cpu, p->peers);
		mkchan_endpoint_close(p->ep[m->cpu]);
		p->ep[m->cpu] = NULL;
		mutex_unlock(&p->lock);
		mkchan_endpoint_close(m->ep[cpu]);
		m->ep[cpu] = NULL;
	}
	cpumask_clear(m->peers);
}

static long mkrep_join_locked(struct file *file, struct mkrep_space *s,
			      struct mkrep_join *j)
{
	struct mkrep_member *m;
	unsigned long addr, i;
	unsigned int cpu;
	int ret;

	ret = mkrep_reap(s, NULL);
	if (ret)
		return ret;
	if (!cpu_online(j->cpu))
		return -ENODEV;
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
	/* The replica starts as the space is now. */
	for (i = 0; i < s->npages; i++)
		if (s->pages[i])
			m->rep[i] = ((u64)page_to_pfn(s->pages[i]) << PAGE_SHIFT) |
				    s->prot[i];
	m->applied = s->op_id;

	ret = mkrep_connect(s, m);
	if (ret)
		goto err;
	s->joining = m;
	WRITE_ONCE(s->joiner, current);
	addr = vm_mmap(file, 0, s->npages << PAGE_SHIFT,
		       PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	WRITE_ONCE(s->joiner, NULL);
	s->joining = NULL;
	if (IS_ERR_VALUE(addr)) {
		ret = (long)addr;
		goto err;
	}
	spin_lock(&s->member_lock);
	rcu_assign_pointer(s->member[j->cpu], m);
	spin_unlock(&s->member_lock);
	j->addr = addr;
	j->length = s->npages << PAGE_SHIFT;
	return 0;

err:
	mkrep_disconnect(s, m);
	mkrep_member_put(m);
	return ret;
}

static long mkrep_ioctl_join(struct file *file, struct mkrep_space *s,
			     void __user *arg)
{
	struct mkrep_join j;
	u32 usize;
	long ret;

	ret = mk_copy_struct_in(&j, sizeof(j), MKREP_JOIN_SIZE_VER0, arg,
				&usize);
	if (ret)
		return ret;
	if (j.flags || j.__pad || j.__reserved[0] || j.__reserved[1])
		return -EINVAL;
	if (j.cpu >= nr_cpu_ids || !cpu_possible(j.cpu) ||
	    !mkrep_bound_to(j.cpu))
		return -EINVAL;
	if (!current->mm)
		return -EINVAL;
	/*
	 * A member waits for op_lock without serving here: an operation in
	 * flight might wait for it.  Members are told off before (and again
	 * under the lock).
	 */
	if (mkrep_is_member(s))
		return -EALREADY;

	if (mutex_lock_killable(&s->op_lock))
		return -EINTR;
	/* The CPU stays online until the member is published. */
	cpus_read_lock();
	ret = mkrep_join_locked(file, s, &j);
	cpus_read_unlock();
	mkrep_op_unlock(s);
	if (ret)
		return ret;

	ret = mk_copy_struct_out(arg, &j, sizeof(j), usize);
	/* Nobody knows the window: the caller leaves at once. */
	if (ret)
		vm_munmap(j.addr, j.length);
	return ret;
}

/* --- CPU hotplug --------------------------------------------------------- */

/*
 * Runs on @cpu itself, in its hotplug thread, while it goes offline: the
 * member bound to @cpu is evicted, and its window revoked here, on the
 * replica's own CPU.  Its process keeps running elsewhere, with a window
 * that raises SIGBUS, until it unmaps it.
 */
static void mkrep_evict(struct mkrep_member *m)
{
	struct vm_area_struct *vma;
	struct mm_struct *mm = m->mm;

	if (!mmget_not_zero(mm)) {
		/* The process is exiting: its window is going anyway. */
		return;
	}
	mmap_write_lock(mm);
	if (READ_ONCE(m->state) == MKREP_MEMBER_ACTIVE) {
		vma = find_vma(mm, m->win_start);
		if (vma && vma->vm_private_data == m)
			zap_vma_ptes(vma, vma->vm_start,
				     vma->vm_end - vma->vm_start);
		if (mkrep_member_retire(m, MKREP_MEMBER_EVICTED))
			atomic64_inc(&m->space->evicted);
	}
	mmap_write_unlock(mm);
	mmput(mm);
}

static int mkrep_cpu_offline(unsigned int cpu)
{
	struct mkrep_member *m;
	struct mkrep_space *s;

	mutex_lock(&mkrep_spaces_lock);
	list_for_each_entry(s, &mkrep_spaces, node) {
		spin_lock(&s->member_lock);
		m = mkrep_slot(s, cpu);
		if (m)
			kref_get(&m->ref);
		spin_unlock(&s->member_lock);
		if (!m)
			continue;
		mkrep_evict(m);
		mkrep_member_put(m);
	}
	mutex_unlock(&mkrep_spaces_lock);
	return 0;
}

int mkrep_hotplug_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "mkrep:online",
					NULL, mkrep_cpu_offline);
	if (ret < 0)
		return ret;
	mkrep_hp_state = ret;
	return 0;
}

void mkrep_hotplug_exit(void)
{
	cpuhp_remove_state_nocalls(mkrep_hp_state);
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
	info.messages = atomic64_read(&s->messages);
	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		m = rcu_dereference(s->member[cpu]);
		if (!m)
			continue;
		if (READ_ONCE(m->state) == MKREP_MEMBER_ACTIVE)
			info.nr_members++;
		info.messages += READ_ONCE(m->messages);
	}
	rcu_read_unlock();
	info.ops = atomic64_read(&s->ops);
	info.wakeups = atomic64_read(&s->wakeups);
	info.removed = atomic64_read(&s->removed);
	info.evicted = atomic64_read(&s->evicted);
	return mk_copy_struct_out(arg, &info, sizeof(info), usize);
}

static long mkrep_space_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct mkrep_space *s = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (MK_IOC_KEY(cmd)) {
	case MK_IOC_KEY(MKREP_IOC_JOIN):
		return mkrep_ioctl_join(file, s, uarg);
	case MK_IOC_KEY(MKREP_IOC_OP):
		return mkrep_ioctl_op(s, uarg);
	case MK_IOC_KEY(MKREP_IOC_SERVE):
		return mkrep_ioctl_serve(s, uarg);
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
	for (i = 0; i < s->npending; i++)
		mkrep_page_free(s->victims[i]);
	kvfree(s->victims);
	kvfree(s->prot);
	kvfree(s->pages);
	kfree(s->member);
	kfree(s);
	mkrep_objects_add(MKREP_OBJ_SPACES, -1);
}

/* The last descriptor is closed and every window is gone. */
static int mkrep_space_release(struct inode *inode, struct file *file)
{
	struct mkrep_space *s = file->private_data;
	struct mkrep_member *m;
	unsigned int cpu;

	mutex_lock(&mkrep_spaces_lock);
	list_del(&s->node);
	mutex_unlock(&mkrep_spaces_lock);

	/* Nobody else holds the space: the locks are all free. */
	mutex_lock(&s->op_lock);
	WARN_ON_ONCE(mkrep_reap(s, NULL));
	mutex_unlock(&s->op_lock);
	for_each_possible_cpu(cpu) {
		m = rcu_dereference_protected(s->member[cpu], true);
		/* A window holds the file: none can be left. */
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
	.mmap		= mkrep_space_mmap,
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
	if ((c.flags & ~MKREP_SPACE_CLOEXEC) ||
	    c.__reserved[0] || c.__reserved[1])
		return -EINVAL;
	if (!c.length || !PAGE_ALIGNED(c.length) ||
	    c.length >> PAGE_SHIFT > mkrep_max_space_pages ||
	    c.strategy >= MKREP_NR_STRATEGIES)
		return -EINVAL;

	s = kzalloc(sizeof(*s), MKREP_GFP);
	if (!s)
		return -ENOMEM;
	mkrep_objects_add(MKREP_OBJ_SPACES, 1);
	s->npages = c.length >> PAGE_SHIFT;
	s->strategy = c.strategy;
	mutex_init(&s->op_lock);
	spin_lock_init(&s->member_lock);
	s->pages = kvcalloc(s->npages, sizeof(*s->pages), MKREP_GFP);
	s->prot = kvcalloc(s->npages, sizeof(*s->prot), MKREP_GFP);
	s->victims = kvcalloc(s->npages, sizeof(*s->victims), MKREP_GFP);
	s->member = kcalloc(nr_cpu_ids, sizeof(*s->member), MKREP_GFP);
	if (!s->pages || !s->prot || !s->victims || !s->member) {
		mkrep_space_free(s);
		return -ENOMEM;
	}
	mutex_lock(&mkrep_spaces_lock);
	list_add(&s->node, &mkrep_spaces);
	mutex_unlock(&mkrep_spaces_lock);

	ret = mkrep_new_fd("[mkrep-space]", &mkrep_space_fops, s,
			   c.flags & MKREP_SPACE_CLOEXEC, arg, &c, sizeof(c),
			   usize, &c.fd, &released);
	if (ret && !released) {
		mutex_lock(&mkrep_spaces_lock);
		list_del(&s->node);
		mutex_unlock(&mkrep_spaces_lock);
		mkrep_space_free(s);
	}
	return ret;
}
