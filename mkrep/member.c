// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - a member of a space: its lifetime, its file, its window and its
 * status page, its reaping, and its eviction when its CPU goes offline.
 *
 * A member is one process's replica of a space on one CPU.  Its file has
 * an inode of its own, so that the window, which maps that file, is the
 * only mapping of its address_space: an operation reaches the window with
 * unmap_mapping_range(), as truncation reaches a file's mappings, without
 * the member's mmap_lock.
 *
 * Lock order: a space's op_lock, then a member's rep_lock, then the
 * i_mmap_rwsem of its mapping (in unmap_mapping_range()), then the
 * post_lock of that member or, for a tree leader passing a request on, of
 * the other members of its node.  A fault holds mmap_lock (or the VMA's
 * lock) and takes rep_lock.  The hotplug callback holds the CPU hotplug
 * lock and mkrep_spaces_lock, takes and drops a space's member_lock, then
 * takes the member's rep_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/file.h>
#include <linux/mkernel_uapi.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "internal.h"

#define MKREP_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL)

/* Every space, for the hotplug callback; space.c adds and removes them. */
LIST_HEAD(mkrep_spaces);
DEFINE_MUTEX(mkrep_spaces_lock);	/* mkrep_spaces */
static enum cpuhp_state mkrep_hp_state;

/* --- lifetime ------------------------------------------------------------ */

/* Members whose free waits for a grace period: zero once mkrep can go. */
static atomic_t mkrep_frees_pending = ATOMIC_INIT(0);

/* After a grace period: posters and tree leaders peek at the status page. */
static void mkrep_member_free_rcu(struct rcu_head *rcu)
{
	struct mkrep_member *m = container_of(rcu, struct mkrep_member, rcu);

	__free_page(m->status_page);
	kvfree(m->rep);
	kfree(m);
	atomic_dec(&mkrep_frees_pending);
}

/**
 * mkrep_member_frees_pending() - members not freed yet
 *
 * mkrep_exit() checks that none is left once it waited for them: their
 * free is this module's code.
 *
 * Return: how many members wait for their grace period.
 */
int mkrep_member_frees_pending(void)
{
	return atomic_read(&mkrep_frees_pending);
}

static void mkrep_member_release(struct kref *ref)
{
	struct mkrep_member *m = container_of(ref, struct mkrep_member, ref);

	if (m->inode)
		iput(m->inode);
	put_task_struct(m->task);
	mmdrop(m->mm);
	/* Counted as gone now: the grace period frees them for certain. */
	mkrep_objects_add(MKREP_OBJ_BYTES, -(long)m->bytes);
	atomic_inc(&mkrep_frees_pending);
	call_rcu(&m->rcu, mkrep_member_free_rcu);
	mkrep_objects_add(MKREP_OBJ_MEMBERS, -1);
}

void mkrep_member_put(struct mkrep_member *m)
{
	kref_put(&m->ref, mkrep_member_release);
}

/**
 * mkrep_member_alloc() - a member of @s on @cpu for the calling process
 * @s: the space, under its op_lock: the replica starts as the space is
 * @cpu: the member's CPU
 *
 * Return: the member, with one reference, or NULL.
 */
struct mkrep_member *mkrep_member_alloc(struct mkrep_space *s,
					unsigned int cpu)
{
	int node = cpu_to_node(cpu);
	struct mkrep_member *m;
	unsigned long i;

	lockdep_assert_held(&s->op_lock);
	m = kzalloc_node(sizeof(*m), MKREP_GFP, node);
	if (!m)
		return NULL;
	m->rep = kvzalloc_node(array_size(s->npages, sizeof(*m->rep)),
			       MKREP_GFP, node);
	m->status_page = alloc_pages_node(node, MKREP_GFP | __GFP_ZERO, 0);
	if (!m->rep || !m->status_page) {
		if (m->status_page)
			__free_page(m->status_page);
		kvfree(m->rep);
		kfree(m);
		return NULL;
	}
	mkrep_objects_add(MKREP_OBJ_MEMBERS, 1);
	m->bytes = sizeof(*m) + array_size(s->npages, sizeof(*m->rep)) +
		   PAGE_SIZE;
	mkrep_objects_add(MKREP_OBJ_BYTES, m->bytes);
	m->status = page_address(m->status_page);
	m->space = s;
	m->cpu = cpu;
	m->state = MKREP_MEMBER_ACTIVE;
	m->mm = current->mm;
	mmgrab(m->mm);
	m->task = get_task_struct(current->group_leader);
	mutex_init(&m->rep_lock);
	spin_lock_init(&m->post_lock);
	init_waitqueue_head(&m->wq);
	kref_init(&m->ref);
	for (i = 0; i < s->npages; i++)
		if (s->pages[i])
			m->rep[i] = ((u64)page_to_pfn(s->pages[i]) << PAGE_SHIFT) |
				    s->prot[i];
	m->applied = s->op_id;
	m->status->posted = s->op_id;
	m->status->applied = s->op_id;
	return m;
}

/**
 * mkrep_member_retire() - take a member out of the space's work
 * @m: the member
 * @state: %MKREP_MEMBER_EVICTED or %MKREP_MEMBER_GONE
 *
 * It gets no more requests; an operation waiting for it stops waiting;
 * poll() reports EPOLLHUP.
 *
 * Return: whether it was active.
 */
bool mkrep_member_retire(struct mkrep_member *m, int state)
{
	if (cmpxchg(&m->state, MKREP_MEMBER_ACTIVE, state) !=
	    MKREP_MEMBER_ACTIVE) {
		/* An evicted member's window goes at last. */
		if (state == MKREP_MEMBER_GONE)
			WRITE_ONCE(m->state, MKREP_MEMBER_GONE);
		return false;
	}
	atomic64_inc(&m->space->removed);
	wake_up_poll(&m->wq, EPOLLHUP);
	return true;
}

/*
 * Drop the members whose window is gone from the table.  Under op_lock: no
 * operation is in flight, and none can be until the caller is done.
 */
void mkrep_reap(struct mkrep_space *s)
{
	struct mkrep_member *m;
	unsigned int cpu;

	lockdep_assert_held(&s->op_lock);
	for_each_possible_cpu(cpu) {
		m = mkrep_slot(s, cpu);
		if (!m || READ_ONCE(m->state) != MKREP_MEMBER_GONE)
			continue;
		spin_lock(&s->member_lock);
		RCU_INIT_POINTER(s->member[cpu], NULL);
		spin_unlock(&s->member_lock);
		mkrep_member_put(m);
	}
}

/* Threads mkrep_mm_running() looks at, at most. */
#define MKREP_RUNNING_MAX_THREADS	64

/**
 * mkrep_mm_running() - whether a member's address space runs on a CPU
 * @m: the member
 *
 * It runs where one of its process's threads is on a CPU (->on_cpu is set
 * from before the switch to the thread until after the switch away).  A
 * CPU that switched to a kernel thread or to idle keeps the mm loaded
 * lazily: the kernel's own flush skips it, and it checks the mm's TLB
 * generation before it returns to user space (Documentation/design.rst,
 * "The not-running path").  The answer is only a hint for choosing the
 * path: whoever applies calls the kernel's flush, which interrupts every
 * CPU that runs the mm by then.
 *
 * An operation asks this at each look of its gathering, so the walk is
 * bounded: a process of more than MKREP_RUNNING_MAX_THREADS threads counts
 * as running (it is applied for by message or by the fallback, never
 * wrongly).
 *
 * Return: true if a thread of the member's process may be running.
 */
bool mkrep_mm_running(struct mkrep_member *m)
{
	struct task_struct *t;
	bool running = false;

	if (get_nr_threads(m->task) > MKREP_RUNNING_MAX_THREADS)
		return true;
	rcu_read_lock();
	for_each_thread(m->task, t) {
		if (READ_ONCE(t->on_cpu)) {
			running = true;
			break;
		}
	}
	rcu_read_unlock();
	return running;
}

/* --- the window ---------------------------------------------------------- */

static vm_fault_t mkrep_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mkrep_member *m = vma->vm_private_data;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	pgprot_t prot = vma->vm_page_prot;
	unsigned long idx = vmf->pgoff - MKREP_WINDOW_PGOFF;
	vm_fault_t ret;
	u64 entry;

	/* The entry cannot change between reading and inserting it. */
	mutex_lock(&m->rep_lock);
	if (READ_ONCE(m->state) != MKREP_MEMBER_ACTIVE) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	entry = m->rep[idx];
	if (!entry || (write && !(entry & MKREP_PROT_WRITE))) {
		ret = VM_FAULT_SIGSEGV;
		goto out;
	}
	/* Writable only when the replica says so and the VMA allows it. */
	if (write)
		prot = vm_get_page_prot(vma->vm_flags);
	ret = vmf_insert_pfn_prot(vma, vmf->address, entry >> PAGE_SHIFT, prot);
out:
	mutex_unlock(&m->rep_lock);
	return ret;
}

/* A write to a page mapped read-only: allowed if the replica allows it. */
static vm_fault_t mkrep_vm_pfn_mkwrite(struct vm_fault *vmf)
{
	struct mkrep_member *m = vmf->vma->vm_private_data;
	vm_fault_t ret = 0;

	mutex_lock(&m->rep_lock);
	if (READ_ONCE(m->state) != MKREP_MEMBER_ACTIVE)
		ret = VM_FAULT_SIGBUS;
	else if (!(m->rep[vmf->pgoff - MKREP_WINDOW_PGOFF] & MKREP_PROT_WRITE))
		ret = VM_FAULT_SIGSEGV;
	mutex_unlock(&m->rep_lock);
	return ret;
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

/* Only MKREP_IOC_JOIN maps the window, through vm_mmap(). */
static int mkrep_window_mmap(struct mkrep_member *m, struct vm_area_struct *vma)
{
	struct mkrep_space *s = m->space;

	/* s->joiner is current only inside its own JOIN, under op_lock. */
	if (READ_ONCE(s->joiner) != current || s->joining != m ||
	    vma_pages(vma) != s->npages || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/* Data only, never executed: no PROT_EXEC by mprotect() either. */
	vm_flags_clear(vma, VM_MAYEXEC);
	/* VM_IO too: MADV_DOFORK refuses it, so no child inherits a window. */
	vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTCOPY | VM_DONTEXPAND |
		     VM_DONTDUMP);
	vma->vm_ops = &mkrep_vm_ops;
	vma->vm_private_data = m;
	atomic_set(&m->nr_vmas, 1);
	kref_get(&m->ref);
	return 0;
}

/* The status page, read-only, into the member's own process. */
static int mkrep_status_mmap(struct mkrep_member *m, struct vm_area_struct *vma)
{
	if (vma_pages(vma) != 1)
		return -EINVAL;
	if (vma->vm_mm != m->mm || (vma->vm_flags & (VM_WRITE | VM_EXEC)))
		return -EPERM;
	vm_flags_clear(vma, VM_MAYWRITE | VM_MAYEXEC);
	vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP);
	return remap_pfn_range(vma, vma->vm_start, page_to_pfn(m->status_page),
			       PAGE_SIZE, vma->vm_page_prot);
}

static int mkrep_member_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mkrep_member *m = file->private_data;

	switch (vma->vm_pgoff) {
	case MKREP_STATUS_OFFSET >> PAGE_SHIFT:
		return mkrep_status_mmap(m, vma);
	case MKREP_WINDOW_PGOFF:
		return mkrep_window_mmap(m, vma);
	default:
		return -EINVAL;
	}
}

/* --- the member file ----------------------------------------------------- */

static __poll_t mkrep_member_poll(struct file *file, poll_table *pt)
{
	struct mkrep_member *m = file->private_data;

	poll_wait(file, &m->wq, pt);
	/* The post's wq_has_sleeper() pairs with poll_wait()'s barrier. */
	if (READ_ONCE(m->state) != MKREP_MEMBER_ACTIVE)
		return EPOLLHUP;
	/* Pairs with the post's release: the request is there to apply. */
	return smp_load_acquire(&m->status->waiting) ? EPOLLIN | EPOLLRDNORM : 0;
}

static long mkrep_member_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	struct mkrep_member *m = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (MK_IOC_KEY(cmd)) {
	case MK_IOC_KEY(MKREP_IOC_OP):
		return mkrep_ioctl_op(m, uarg);
	case MK_IOC_KEY(MKREP_IOC_APPLY):
		return mkrep_ioctl_apply(m, uarg);
	default:
		return -ENOTTY;
	}
}

/* Reap what an operation in flight kept a member file's release from. */
void mkrep_reap_work(struct work_struct *work)
{
	struct mkrep_space *s = container_of(work, struct mkrep_space,
					     reap_work);

	mutex_lock(&s->op_lock);
	mkrep_reap(s);
	mutex_unlock(&s->op_lock);
	fput(s->file);
}

/*
 * The window is gone (it holds the file), and so is the member: out of the
 * table now, so that a member that left is freed when it has left - or,
 * if an operation holds op_lock, by a work item, so that close() and
 * exit() never wait for one.
 */
static int mkrep_member_release_file(struct inode *inode, struct file *file)
{
	struct mkrep_member *m = file->private_data;
	struct mkrep_space *s = m->space;
	struct file *space_file = s->file;

	mkrep_member_retire(m, MKREP_MEMBER_GONE);
	mkrep_member_put(m);
	if (mutex_trylock(&s->op_lock)) {
		mkrep_reap(s);
		mutex_unlock(&s->op_lock);
	} else {
		/* The work holds the space; one queued is enough. */
		get_file(space_file);
		if (!queue_work(mkrep_wq, &s->reap_work))
			fput(space_file);
	}
	fput(space_file);
	return 0;
}

static const struct file_operations mkrep_member_fops = {
	.owner		= THIS_MODULE,
	.release	= mkrep_member_release_file,
	.unlocked_ioctl	= mkrep_member_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= mkrep_member_mmap,
	.poll		= mkrep_member_poll,
};

/**
 * mkrep_member_file() - the file of a new member, with an inode of its own
 * @m: the member; the file takes a reference to it and to its space's file
 *
 * Return: the file, or an ERR_PTR().
 */
struct file *mkrep_member_file(struct mkrep_member *m)
{
	struct file *file;

	file = mkrep_file_alloc("[mkrep-member]", &mkrep_member_fops, m);
	if (IS_ERR(file))
		return file;
	kref_get(&m->ref);
	get_file(m->space->file);
	/* The mapping outlives the file as long as the member: eviction. */
	m->inode = file_inode(file);
	ihold(m->inode);
	m->mapping = file->f_mapping;
	return file;
}

/* --- CPU hotplug --------------------------------------------------------- */

/*
 * Runs on @cpu itself, in its hotplug thread, while it goes offline: the
 * member bound to @cpu is evicted and its window revoked.  Its process
 * keeps running elsewhere, with a window that raises SIGBUS, until it
 * unmaps it.  No mmap_lock is taken: the window is reached through the
 * member's own mapping.
 */
static void mkrep_evict(struct mkrep_member *m)
{
	/*
	 * The entries go first, then the member is seen evicted: an
	 * operation that stops waiting for it, or that leaves it out, finds
	 * its window empty.  rep_lock keeps faults out meanwhile.
	 */
	mutex_lock(&m->rep_lock);
	if (READ_ONCE(m->state) == MKREP_MEMBER_ACTIVE) {
		unmap_mapping_range(m->mapping,
				    (loff_t)MKREP_WINDOW_PGOFF << PAGE_SHIFT,
				    (loff_t)m->space->npages << PAGE_SHIFT, 1);
		if (mkrep_member_retire(m, MKREP_MEMBER_EVICTED))
			atomic64_inc(&m->space->evicted);
	}
	mutex_unlock(&m->rep_lock);
}

static int mkrep_cpu_offline(unsigned int cpu)
{
	struct mkrep_member *m;
	struct mkrep_space *s;

	mutex_lock(&mkrep_spaces_lock);
	list_for_each_entry(s, &mkrep_spaces, node) {
		spin_lock(&s->member_lock);
		m = rcu_dereference_protected(s->member[cpu],
					      lockdep_is_held(&s->member_lock));
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
