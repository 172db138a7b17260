// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - mapped counters: a write-mostly counter whose replicas are slots
 * (struct mkrep_counter_slot) in pages that its file maps into user space,
 * where a thread updates the slot of the CPU it runs on with a
 * restartable sequence instead of a system call.
 *
 * Every writer of CPU c's slot runs on CPU c and cannot be interleaved
 * with another writer of it there: user space writes inside an rseq
 * critical section, which the kernel restarts from the top whenever it
 * preempts or migrates the thread or delivers it a signal before the
 * section's last store, and the kernel writes with preemption off, so
 * that no thread, and so no sequence, runs on c meanwhile (no interrupt
 * handler reaches a mapped counter: only its file's ioctls do).  So a
 * slot needs neither lock nor atomic: an update is a load and a store, as
 * local64_add() is for the other write-mostly counters.
 *
 * The pages belong to the process as much as to the kernel: what the
 * kernel reads there it only adds up, in u64 so that a garbage slot makes
 * a garbage count that wraps, and it never uses it for anything else.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mkrep.h>
#include <linux/slab.h>

#include "internal.h"

#define MKREP_SLOTS_PER_PAGE	(PAGE_SIZE / MKREP_COUNTER_SLOT_SIZE)

static_assert(sizeof(struct mkrep_counter_slot) == MKREP_COUNTER_SLOT_SIZE);
static_assert(PAGE_SIZE % MKREP_COUNTER_SLOT_SIZE == 0);

/**
 * struct mkrep_counter_map - the slot pages of a mapped counter
 * @nr_pages: pages in @pages
 * @pages: the slots of CPUs [i * MKREP_SLOTS_PER_PAGE, +MKREP_SLOTS_PER_PAGE)
 *	in page i, on the node of the first of them
 */
struct mkrep_counter_map {
	unsigned int nr_pages;
	struct page *pages[];
};

static struct mkrep_counter_slot *
mkrep_counter_map_slot(struct mkrep_counter_map *m, unsigned int cpu)
{
	struct mkrep_counter_slot *s;

	s = page_address(m->pages[cpu / MKREP_SLOTS_PER_PAGE]);
	return s + cpu % MKREP_SLOTS_PER_PAGE;
}

/**
 * mkrep_counter_map_free() - free the slot pages of a mapped counter
 * @m: the pages, or NULL
 *
 * Context: process context; no mapping of them is left (each holds a
 * reference on the counter's file).
 */
void mkrep_counter_map_free(struct mkrep_counter_map *m)
{
	unsigned int i;

	if (!m)
		return;
	for (i = 0; i < m->nr_pages; i++)
		if (m->pages[i])
			__free_page(m->pages[i]);
	kfree(m);
}

/**
 * mkrep_counter_map_alloc() - allocate zeroed slot pages for every possible
 *	CPU
 * @gfp: allocation flags; never highmem, the kernel reads the slots
 *	through the direct map
 *
 * Context: process context if @gfp may sleep.
 * Return: the pages, or NULL.
 */
struct mkrep_counter_map *mkrep_counter_map_alloc(gfp_t gfp)
{
	unsigned int i, cpu, n = DIV_ROUND_UP(nr_cpu_ids, MKREP_SLOTS_PER_PAGE);
	struct mkrep_counter_map *m;
	int node;

	m = kzalloc(struct_size(m, pages, n), gfp);
	if (!m)
		return NULL;
	m->nr_pages = n;
	for (i = 0; i < n; i++) {
		/* Possible CPUs may have holes: the page's first one's. */
		cpu = cpumask_next((int)(i * MKREP_SLOTS_PER_PAGE) - 1,
				   cpu_possible_mask);
		node = cpu < nr_cpu_ids ? cpu_to_node(cpu) : NUMA_NO_NODE;
		m->pages[i] = alloc_pages_node(node, (gfp | __GFP_ZERO) &
					       ~__GFP_HIGHMEM, 0);
		if (!m->pages[i]) {
			mkrep_counter_map_free(m);
			return NULL;
		}
	}
	return m;
}

/**
 * mkrep_counter_map_info() - fill what user space needs to map the slots
 * @m: the pages
 * @info: the reply of MKREP_IOC_COUNTER_INFO
 */
void mkrep_counter_map_info(struct mkrep_counter_map *m,
			    struct mkrep_counter_info *info)
{
	info->nr_slots = nr_cpu_ids;
	info->slot_size = MKREP_COUNTER_SLOT_SIZE;
	info->map_size = (u64)m->nr_pages << PAGE_SHIFT;
}

/**
 * mkrep_counter_map_add() - add to the slot of the current CPU
 * @m: the pages
 * @cpu: the current CPU
 * @delta: what to add
 *
 * Context: preemption off, so that no restartable sequence of this CPU's
 * can run before the store and be overwritten by it.
 */
void mkrep_counter_map_add(struct mkrep_counter_map *m, unsigned int cpu,
			   s64 delta)
{
	struct mkrep_counter_slot *s = mkrep_counter_map_slot(m, cpu);
	unsigned int hold = READ_ONCE(mkrep_counter_map_hold_us);
	u64 v = READ_ONCE(s->count);

	/* Tests hold here, to show that no sequence of this CPU runs. */
	if (unlikely(hold))
		udelay(hold);		/* at most 100: mkrep_hold_set() */
	WRITE_ONCE(s->count, (s64)(v + (u64)delta));
}

/**
 * mkrep_counter_map_read() - read the slot of the current CPU
 * @m: the pages
 * @cpu: the current CPU
 *
 * Context: preemption off, so that both fields are of one moment.
 * Return: the total of the latest exact read on @cpu plus @cpu's updates
 * since.
 */
s64 mkrep_counter_map_read(struct mkrep_counter_map *m, unsigned int cpu)
{
	struct mkrep_counter_slot *s = mkrep_counter_map_slot(m, cpu);

	return (s64)((u64)READ_ONCE(s->base) + (u64)READ_ONCE(s->count));
}

/**
 * mkrep_counter_map_read_exact() - add up every CPU's slot
 * @m: the pages
 * @cpu: the current CPU, whose slot keeps the total for local reads
 *
 * Context: preemption off, so that no sequence of this CPU's (an exact
 * read from user space storing its own total) runs in the middle.
 * Return: the sum of every slot's @count (a CPU that is not possible
 * has one too if the pages have room, zero unless the process wrote it).
 */
s64 mkrep_counter_map_read_exact(struct mkrep_counter_map *m,
				 unsigned int cpu)
{
	u64 sum = 0, mine = 0, v;
	unsigned int i;

	/* Every slot, as user space's exact reads add them up. */
	for (i = 0; i < nr_cpu_ids; i++) {
		v = READ_ONCE(mkrep_counter_map_slot(m, i)->count);
		if (i == cpu)
			mine = v;
		sum += v;
	}
	WRITE_ONCE(mkrep_counter_map_slot(m, cpu)->base, (s64)(sum - mine));
	return (s64)sum;
}

/*
 * A page the mapping lost (madvise(MADV_DONTNEED) zaps what
 * vm_insert_page() put there): the same page again, its count kept,
 * inserted as mmap() did.  Handing it back in @vmf->page would send a
 * write fault through the page cache's path, which marks the page dirty
 * and updates the times of the file, here the inode every anonymous
 * file shares.  vmf_insert_page() expects VM_MIXEDMAP, which mmap()'s
 * first vm_insert_page() set, and which splits and moves keep.
 */
static vm_fault_t mkrep_counter_map_fault(struct vm_fault *vmf)
{
	struct mkrep_counter_map *m = vmf->vma->vm_private_data;

	if (vmf->pgoff >= m->nr_pages)
		return VM_FAULT_SIGBUS;
	return vmf_insert_page(vmf->vma, vmf->address, m->pages[vmf->pgoff]);
}

static const struct vm_operations_struct mkrep_counter_map_vm_ops = {
	.fault	= mkrep_counter_map_fault,
};

/**
 * mkrep_counter_map_mmap() - mmap(2) of a mapped counter's file
 * @m: the pages
 * @vma: the new mapping
 *
 * Checks everything before it maps anything.  The mapping holds a
 * reference on the file (vma->vm_file), so the pages outlive it.  Unlike
 * an endpoint's, it is inherited by fork(): a slot belongs to a CPU, not
 * to a process, and a child's sequences are as safe on it as its
 * parent's.
 *
 * Return: 0; -EINVAL for an offset other than %MKREP_COUNTER_MAP_OFFSET,
 * a length other than the slots', or a private mapping; -EACCES for
 * PROT_EXEC; -ENOMEM.
 */
int mkrep_counter_map_mmap(struct mkrep_counter_map *m,
			   struct vm_area_struct *vma)
{
	unsigned long size = vma->vm_end - vma->vm_start;
	unsigned int i;
	int ret;

	if (vma->vm_pgoff != MKREP_COUNTER_MAP_OFFSET >> PAGE_SHIFT)
		return -EINVAL;
	if (size != (unsigned long)m->nr_pages << PAGE_SHIFT)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EACCES;

	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vm_flags_clear(vma, VM_MAYEXEC);
	for (i = 0; i < m->nr_pages; i++) {
		ret = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
				     m->pages[i]);
		if (ret)
			return ret;	/* the caller unmaps what was inserted */
	}
	/* The pages live as long as the file, which the mapping holds. */
	vma->vm_private_data = m;
	vma->vm_ops = &mkrep_counter_map_vm_ops;
	return 0;
}
