/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkchan - definitions shared by the files of the module.
 */
#ifndef _MKCHAN_INTERNAL_H
#define _MKCHAN_INTERNAL_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <mkchan/urpc.h>

struct dentry;
struct file;
struct page;

/* Module parameters, read-only after load (see main.c). */
extern unsigned int mkchan_max_slots;
extern unsigned int mkchan_max_channels_per_user;

/**
 * struct mkchan_ring - one direction of a channel
 * @pages: the slot pages, then the sender's and the receiver's control page
 * @nr_pages: number of @pages
 * @slots: the slots: @pages up to the control pages, contiguous
 * @sctl: the sender's control line (tail, waiting)
 * @rctl: the receiver's control line (head, waiting)
 * @node: NUMA node of @pages: the node of the receiving CPU
 * @sent: messages sent by the kernel on this ring
 * @received: messages received by the kernel from this ring
 * @full: sends by the kernel that found the ring full
 * @sleeps: times a side of this ring slept in the kernel
 * @notifies: wake-ups of the ring's receiver or sender
 *
 * The counters count what passes through the kernel (system calls and the
 * in-kernel API); traffic of mapped endpoints shows in the published
 * positions instead.
 */
struct mkchan_ring {
	struct page **pages;
	unsigned int nr_pages;
	struct mkchan_slot *slots;
	struct mkchan_ctl *sctl;
	struct mkchan_ctl *rctl;
	int node;
	atomic64_t sent;
	atomic64_t received;
	atomic64_t full;
	atomic64_t sleeps;
	atomic64_t notifies;
};

/**
 * struct mkchan_endpoint - one end of a channel
 * @chan: the channel
 * @index: 0 or 1: sends on ring[@index], receives from ring[1 - @index]
 * @cpu: the CPU the endpoint is bound to
 * @wq: who sleeps on this endpoint (poll, read, write, mkchan_wait())
 * @tx_lock: serialises senders through system calls
 * @rx_lock: serialises receivers through system calls
 * @tx: the sending state while the kernel drives the endpoint
 * @rx: the receiving state while the kernel drives the endpoint
 * @mapped: user space drives the endpoint through its mapping (set once,
 *	under both locks)
 * @closed: the endpoint's file or kernel handle is gone
 */
struct mkchan_endpoint {
	struct mkchan_channel *chan;
	unsigned int index;
	unsigned int cpu;
	wait_queue_head_t wq;
	struct mutex tx_lock;		/* senders through system calls */
	struct mutex rx_lock;		/* receivers through system calls */
	struct mkc_tx tx;
	struct mkc_rx rx;
	bool mapped;
	bool closed;
};

/**
 * struct mkchan_channel - two endpoints and their two rings
 * @ref: held by each open endpoint and each mapping
 * @id: number of the channel, its name in debugfs
 * @nslots: slots of each ring
 * @owner: the user charged for the channel
 * @charged: whether @owner was charged (not for kernel channels)
 * @lock: protects the status bits
 * @status_page: the page of @status
 * @status: closed and broken bits, read only for user space
 * @ring: ring[i] carries messages from ep[i] to ep[1 - i]
 * @ep: the endpoints
 * @debugfs: the channel's debugfs directory
 */
struct mkchan_channel {
	struct kref ref;
	unsigned int id;
	unsigned int nslots;
	kuid_t owner;
	bool charged;
	spinlock_t lock;		/* the bits of @status */
	struct page *status_page;
	struct mkchan_status *status;
	struct mkchan_ring ring[2];
	struct mkchan_endpoint ep[2];
	struct dentry *debugfs;
};

static inline struct mkchan_endpoint *mkchan_peer(struct mkchan_endpoint *ep)
{
	return &ep->chan->ep[1 - ep->index];
}

/* device.c */
int mkchan_device_init(void);
void mkchan_device_exit(void);

/* query.c */
long mkchan_ioctl_query(void __user *arg);
long mkchan_ioctl_cpu_info(void __user *arg);

/* topology.c */
struct mkchan_cpu_info;
void mkchan_cpu_topology(unsigned int cpu, struct mkchan_cpu_info *ci);
int mkchan_topology_init(void);
void mkchan_topology_exit(void);

/* channel.c */
int mkchan_channel_new(unsigned int cpu0, unsigned int cpu1,
		       unsigned int nslots, bool charge,
		       struct mkchan_channel **chanp);
void mkchan_channel_put(struct mkchan_channel *chan);
void mkchan_endpoint_release(struct mkchan_endpoint *ep);
bool mkchan_peer_closed(struct mkchan_endpoint *ep);
bool mkchan_broken(struct mkchan_channel *chan);
void mkchan_mark_broken(struct mkchan_channel *chan, unsigned int ring);
long mkchan_nr_channels(void);
long mkchan_nr_pages(void);
int mkchan_channel_init(void);
void mkchan_channel_exit(void);

/* ring.c: the kernel's side of the protocol */
int mkchan_ep_send(struct mkchan_endpoint *ep, unsigned int type,
		   const void *data, unsigned int len);
int mkchan_ep_recv(struct mkchan_endpoint *ep, struct mkchan_slot *msg);
void mkchan_ep_consume(struct mkchan_endpoint *ep, u64 hdr);
void mkchan_ep_publish(struct mkchan_endpoint *ep);
int mkchan_ep_announce(struct mkchan_endpoint *ep, bool out);
int mkchan_ep_wait(struct mkchan_endpoint *ep, bool out, long *timeout);
__poll_t mkchan_ep_ready(struct mkchan_endpoint *ep, __poll_t events,
			 bool announce);
void mkchan_ep_wake_peer(struct mkchan_endpoint *ep, __poll_t events);
int mkchan_ep_set_mapped(struct mkchan_endpoint *ep);

/* endpoint.c */
long mkchan_ioctl_create(void __user *arg);
struct file *mkchan_endpoint_file(struct mkchan_endpoint *ep,
				  unsigned int flags);

/* mmap.c */
int mkchan_ep_mmap(struct file *file, struct vm_area_struct *vma);
void mkchan_ep_layout(struct mkchan_endpoint *ep, struct mkchan_ep_info *info);

/* debugfs.c */
void mkchan_debugfs_init(void);
void mkchan_debugfs_exit(void);
void mkchan_debugfs_add(struct mkchan_channel *chan);
void mkchan_debugfs_remove(struct mkchan_channel *chan);

#endif /* _MKCHAN_INTERNAL_H */
