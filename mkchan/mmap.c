// SPDX-License-Identifier: GPL-2.0
/*
 * mkchan - mapping an endpoint into user space.
 *
 * An endpoint has two views, each one mmap(2) at a fixed offset:
 *
 *   writable (MKCHAN_MMAP_RW): the slots it sends into, its control line
 *	as sender, its control line as receiver;
 *   read-only (MKCHAN_MMAP_RO): the slots it receives from, the peer's
 *	control line as sender, the peer's control line as receiver, and the
 *	channel's status page.
 *
 * Every page is written by one side only, and the other side maps it
 * read-only without VM_MAYWRITE, so that mprotect() cannot upgrade it.
 * Mappings are shared, never executable, not inherited by fork()
 * (VM_DONTCOPY) and cannot grow (VM_DONTEXPAND).  Each holds a reference
 * on the channel.  A page madvise(MADV_DONTNEED) took out of a mapping is
 * put back by the next touch.
 */
#include <linux/mm.h>

#include "internal.h"

/* Pages of slots in a ring of @chan. */
static unsigned long mkchan_slot_pages(struct mkchan_channel *chan)
{
	return chan->nslots * MKCHAN_SLOT_SIZE / PAGE_SIZE;
}

/**
 * mkchan_ep_layout() - fill the mapping layout of an endpoint
 * @ep: the endpoint
 * @info: its offsets and sizes are set
 */
void mkchan_ep_layout(struct mkchan_endpoint *ep, struct mkchan_ep_info *info)
{
	u64 slots = mkchan_slot_pages(ep->chan) * PAGE_SIZE;

	info->rw_offset = MKCHAN_MMAP_RW;
	info->rw_size = slots + 2 * PAGE_SIZE;
	info->ro_offset = MKCHAN_MMAP_RO;
	info->ro_size = slots + 3 * PAGE_SIZE;
	info->tx_slots = 0;
	info->tx_ctl = slots;
	info->rx_ctl = slots + PAGE_SIZE;
	info->rx_slots = 0;
	info->rx_peer_ctl = slots;
	info->tx_peer_ctl = slots + PAGE_SIZE;
	info->status = slots + 2 * PAGE_SIZE;
}

/*
 * Page @i of a view.  A ring's pages are its slots, the sender's control
 * page, the receiver's control page.
 */
static struct page *mkchan_view_page(struct mkchan_endpoint *ep, bool rw,
				     unsigned long i)
{
	struct mkchan_channel *chan = ep->chan;
	struct mkchan_ring *tx = &chan->ring[ep->index];
	struct mkchan_ring *rx = &chan->ring[1 - ep->index];
	unsigned long n = mkchan_slot_pages(chan);

	if (i < n)				/* slots */
		return (rw ? tx : rx)->pages[i];
	if (i == n)				/* a sender's control page */
		return (rw ? tx : rx)->pages[n];
	if (i == n + 1)				/* a receiver's control page */
		return (rw ? rx : tx)->pages[n + 1];
	return chan->status_page;		/* read-only view only */
}

static void mkchan_vm_open(struct vm_area_struct *vma)
{
	struct mkchan_channel *chan = vma->vm_private_data;

	kref_get(&chan->ref);
}

static void mkchan_vm_close(struct vm_area_struct *vma)
{
	mkchan_channel_put(vma->vm_private_data);
}

/*
 * A page the mapping lost: madvise(MADV_DONTNEED) zaps what
 * vm_insert_page() put there, and the next touch faults.  The same page
 * again, found from the file offset, which a split of the mapping keeps,
 * inserted as mmap() did: handing it back in @vmf->page would send a
 * write fault through the page cache's path, which marks the page dirty
 * and updates the times of the file, here the inode every anonymous
 * file shares.  vmf_insert_page() expects VM_MIXEDMAP, which mmap()'s
 * first vm_insert_page() set, and which splits and moves keep.  The
 * mapping holds the endpoint's file, so the endpoint is there.
 */
static vm_fault_t mkchan_vm_fault(struct vm_fault *vmf)
{
	struct mkchan_endpoint *ep = vmf->vma->vm_file->private_data;
	unsigned long ro = MKCHAN_MMAP_RO >> PAGE_SHIFT;
	struct mkchan_ep_info info;
	unsigned long i = vmf->pgoff;
	bool rw = i < ro;

	mkchan_ep_layout(ep, &info);
	if (!rw)
		i -= ro;
	if (i >= (rw ? info.rw_size : info.ro_size) >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	return vmf_insert_page(vmf->vma, vmf->address,
			       mkchan_view_page(ep, rw, i));
}

static const struct vm_operations_struct mkchan_vm_ops = {
	.open	= mkchan_vm_open,
	.close	= mkchan_vm_close,
	.fault	= mkchan_vm_fault,
};

/**
 * mkchan_ep_mmap() - mmap(2) of an endpoint
 * @file: the endpoint's file
 * @vma: the new mapping
 *
 * Checks everything before it maps anything.  Mapping the writable view
 * hands the endpoint over to user space (mkchan_ep_set_mapped()).
 *
 * Return: 0; -EINVAL for an offset that is no view's, a length that is not
 * exactly the view's, or a private mapping; -EACCES for PROT_EXEC, or
 * PROT_WRITE on the read-only view; -EBUSY when a read(2) or write(2) is
 * in progress on the endpoint; -ENOMEM.
 */
int mkchan_ep_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mkchan_endpoint *ep = file->private_data;
	unsigned long size = vma->vm_end - vma->vm_start;
	struct mkchan_ep_info info;
	unsigned long i;
	bool rw;
	int ret;

	mkchan_ep_layout(ep, &info);
	if (vma->vm_pgoff == info.rw_offset >> PAGE_SHIFT)
		rw = true;
	else if (vma->vm_pgoff == info.ro_offset >> PAGE_SHIFT)
		rw = false;
	else
		return -EINVAL;
	if (size != (rw ? info.rw_size : info.ro_size))
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EACCES;
	if (!rw && (vma->vm_flags & VM_WRITE))
		return -EACCES;

	vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP);
	vm_flags_clear(vma, VM_MAYEXEC | (rw ? 0 : VM_MAYWRITE));

	for (i = 0; i < size >> PAGE_SHIFT; i++) {
		ret = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
				     mkchan_view_page(ep, rw, i));
		if (ret)
			return ret;	/* the caller unmaps what was inserted */
	}
	if (rw) {
		ret = mkchan_ep_set_mapped(ep);
		if (ret)
			return ret;
	}

	vma->vm_private_data = ep->chan;
	vma->vm_ops = &mkchan_vm_ops;
	kref_get(&ep->chan->ref);
	return 0;
}
