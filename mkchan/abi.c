// SPDX-License-Identifier: GPL-2.0
/*
 * mkchan - its user ABI, pinned at build time.
 *
 * The number of every ioctl, and the size and the layout of every struct
 * of <uapi/linux/mkchan.h>, as user space was built against them: the
 * argument structs, and the slot, the control line and the status of the
 * shared rings.  A change that breaks a binary breaks the build here.
 *
 * The rules are those of the top of <uapi/linux/mkchan.h>: a command's
 * number never changes; an argument struct grows at its end only, with a
 * new *_SIZE_VERn, its size and the new fields added below - nothing
 * written here is ever changed or taken away.  The layout is the same
 * for 32-bit callers (compat_ptr_ioctl()): every __u64 is 8-aligned.
 */
#include <linux/mkernel_uapi.h>
#include <uapi/linux/mkchan.h>

/* The numbers of version 1 of the ABI; _IO() commands take no struct. */
static_assert(MKCHAN_IOC_MAGIC == 0xB8);
static_assert(MKCHAN_IOC_QUERY == 0xC048B800);
static_assert(MKCHAN_IOC_CPU_INFO == 0xC030B801);
static_assert(MKCHAN_IOC_CREATE == 0xC030B802);
static_assert(MKCHAN_IOC_NOTIFY == 0x0000B810);
static_assert(MKCHAN_IOC_EP_INFO == 0xC090B811);

/*
 * A grown struct's older sizes reach its command, another direction does
 * not; _IO() commands are compared whole (mkchan_ep_ioctl()).
 */
static_assert(MK_IOC_KEY(MKCHAN_IOC_QUERY) ==
	      MK_IOC_KEY(_IOC(_IOC_READ | _IOC_WRITE, 0xB8, 0x00, 8)));
static_assert(MK_IOC_KEY(MKCHAN_IOC_QUERY) !=
	      MK_IOC_KEY(_IOC(_IOC_READ, 0xB8, 0x00, 72)));

MK_ABI_SIZE(struct mkchan_query, 72);
static_assert(MKCHAN_QUERY_SIZE_VER0 == 72);
MK_ABI_OFFSET(struct mkchan_query, size, 0);
MK_ABI_FIELD_SIZE(struct mkchan_query, size, 4);
MK_ABI_OFFSET(struct mkchan_query, flags, 4);
MK_ABI_FIELD_SIZE(struct mkchan_query, flags, 4);
MK_ABI_OFFSET(struct mkchan_query, abi_version, 8);
MK_ABI_FIELD_SIZE(struct mkchan_query, abi_version, 4);
MK_ABI_OFFSET(struct mkchan_query, features, 12);
MK_ABI_FIELD_SIZE(struct mkchan_query, features, 4);
MK_ABI_OFFSET(struct mkchan_query, nr_cpu_ids, 16);
MK_ABI_FIELD_SIZE(struct mkchan_query, nr_cpu_ids, 4);
MK_ABI_OFFSET(struct mkchan_query, nr_possible_cpus, 20);
MK_ABI_FIELD_SIZE(struct mkchan_query, nr_possible_cpus, 4);
MK_ABI_OFFSET(struct mkchan_query, nr_online_cpus, 24);
MK_ABI_FIELD_SIZE(struct mkchan_query, nr_online_cpus, 4);
MK_ABI_OFFSET(struct mkchan_query, nr_possible_nodes, 28);
MK_ABI_FIELD_SIZE(struct mkchan_query, nr_possible_nodes, 4);
MK_ABI_OFFSET(struct mkchan_query, nr_online_nodes, 32);
MK_ABI_FIELD_SIZE(struct mkchan_query, nr_online_nodes, 4);
MK_ABI_OFFSET(struct mkchan_query, cache_line_size, 36);
MK_ABI_FIELD_SIZE(struct mkchan_query, cache_line_size, 4);
MK_ABI_OFFSET(struct mkchan_query, page_size, 40);
MK_ABI_FIELD_SIZE(struct mkchan_query, page_size, 4);
MK_ABI_OFFSET(struct mkchan_query, max_slots, 44);
MK_ABI_FIELD_SIZE(struct mkchan_query, max_slots, 4);
MK_ABI_OFFSET(struct mkchan_query, max_channels_per_user, 48);
MK_ABI_FIELD_SIZE(struct mkchan_query, max_channels_per_user, 4);
MK_ABI_OFFSET(struct mkchan_query, __reserved0, 52);
MK_ABI_FIELD_SIZE(struct mkchan_query, __reserved0, 4);
MK_ABI_OFFSET(struct mkchan_query, __reserved, 56);
MK_ABI_FIELD_SIZE(struct mkchan_query, __reserved, 16);

MK_ABI_SIZE(struct mkchan_cpu_info, 48);
static_assert(MKCHAN_CPU_INFO_SIZE_VER0 == 48);
MK_ABI_OFFSET(struct mkchan_cpu_info, size, 0);
MK_ABI_FIELD_SIZE(struct mkchan_cpu_info, size, 4);
MK_ABI_OFFSET(struct mkchan_cpu_info, flags, 4);
MK_ABI_FIELD_SIZE(struct mkchan_cpu_info, flags, 4);
MK_ABI_OFFSET(struct mkchan_cpu_info, cpu, 8);
MK_ABI_FIELD_SIZE(struct mkchan_cpu_info, cpu, 4);
MK_ABI_OFFSET(struct mkchan_cpu_info, state, 12);
MK_ABI_FIELD_SIZE(struct mkchan_cpu_info, state, 4);
MK_ABI_OFFSET(struct mkchan_cpu_info, node, 16);
MK_ABI_FIELD_SIZE(struct mkchan_cpu_info, node, 4);
MK_ABI_OFFSET(struct mkchan_cpu_info, package_id, 20);
MK_ABI_FIELD_SIZE(struct mkchan_cpu_info, package_id, 4);
MK_ABI_OFFSET(struct mkchan_cpu_info, die_id, 24);
MK_ABI_FIELD_SIZE(struct mkchan_cpu_info, die_id, 4);
MK_ABI_OFFSET(struct mkchan_cpu_info, core_id, 28);
MK_ABI_FIELD_SIZE(struct mkchan_cpu_info, core_id, 4);
MK_ABI_OFFSET(struct mkchan_cpu_info, __reserved, 32);
MK_ABI_FIELD_SIZE(struct mkchan_cpu_info, __reserved, 16);

MK_ABI_SIZE(struct mkchan_create, 48);
static_assert(MKCHAN_CREATE_SIZE_VER0 == 48);
MK_ABI_OFFSET(struct mkchan_create, size, 0);
MK_ABI_FIELD_SIZE(struct mkchan_create, size, 4);
MK_ABI_OFFSET(struct mkchan_create, flags, 4);
MK_ABI_FIELD_SIZE(struct mkchan_create, flags, 4);
MK_ABI_OFFSET(struct mkchan_create, cpu, 8);
MK_ABI_FIELD_SIZE(struct mkchan_create, cpu, 8);
MK_ABI_OFFSET(struct mkchan_create, nslots, 16);
MK_ABI_FIELD_SIZE(struct mkchan_create, nslots, 4);
MK_ABI_OFFSET(struct mkchan_create, fd, 20);
MK_ABI_FIELD_SIZE(struct mkchan_create, fd, 8);
MK_ABI_OFFSET(struct mkchan_create, __reserved0, 28);
MK_ABI_FIELD_SIZE(struct mkchan_create, __reserved0, 4);
MK_ABI_OFFSET(struct mkchan_create, __reserved, 32);
MK_ABI_FIELD_SIZE(struct mkchan_create, __reserved, 16);

MK_ABI_SIZE(struct mkchan_ep_info, 144);
static_assert(MKCHAN_EP_INFO_SIZE_VER0 == 144);
MK_ABI_OFFSET(struct mkchan_ep_info, size, 0);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, size, 4);
MK_ABI_OFFSET(struct mkchan_ep_info, flags, 4);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, flags, 4);
MK_ABI_OFFSET(struct mkchan_ep_info, index, 8);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, index, 4);
MK_ABI_OFFSET(struct mkchan_ep_info, cpu, 12);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, cpu, 4);
MK_ABI_OFFSET(struct mkchan_ep_info, peer_cpu, 16);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, peer_cpu, 4);
MK_ABI_OFFSET(struct mkchan_ep_info, nslots, 20);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, nslots, 4);
MK_ABI_OFFSET(struct mkchan_ep_info, tx_node, 24);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, tx_node, 4);
MK_ABI_OFFSET(struct mkchan_ep_info, rx_node, 28);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, rx_node, 4);
MK_ABI_OFFSET(struct mkchan_ep_info, state, 32);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, state, 4);
MK_ABI_OFFSET(struct mkchan_ep_info, __reserved0, 36);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, __reserved0, 4);
MK_ABI_OFFSET(struct mkchan_ep_info, rw_offset, 40);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, rw_offset, 8);
MK_ABI_OFFSET(struct mkchan_ep_info, rw_size, 48);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, rw_size, 8);
MK_ABI_OFFSET(struct mkchan_ep_info, ro_offset, 56);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, ro_offset, 8);
MK_ABI_OFFSET(struct mkchan_ep_info, ro_size, 64);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, ro_size, 8);
MK_ABI_OFFSET(struct mkchan_ep_info, tx_slots, 72);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, tx_slots, 8);
MK_ABI_OFFSET(struct mkchan_ep_info, tx_ctl, 80);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, tx_ctl, 8);
MK_ABI_OFFSET(struct mkchan_ep_info, rx_ctl, 88);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, rx_ctl, 8);
MK_ABI_OFFSET(struct mkchan_ep_info, rx_slots, 96);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, rx_slots, 8);
MK_ABI_OFFSET(struct mkchan_ep_info, rx_peer_ctl, 104);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, rx_peer_ctl, 8);
MK_ABI_OFFSET(struct mkchan_ep_info, tx_peer_ctl, 112);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, tx_peer_ctl, 8);
MK_ABI_OFFSET(struct mkchan_ep_info, status, 120);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, status, 8);
MK_ABI_OFFSET(struct mkchan_ep_info, __reserved, 128);
MK_ABI_FIELD_SIZE(struct mkchan_ep_info, __reserved, 16);

/* The shared memory: one slot is one cache line, its header last. */
MK_ABI_SIZE(struct mkchan_slot, 64);
static_assert(MKCHAN_SLOT_SIZE == 64 && MKCHAN_PAYLOAD_MAX == 56);
static_assert(MKCHAN_MIN_SLOTS == 64);
MK_ABI_OFFSET(struct mkchan_slot, data, 0);
MK_ABI_FIELD_SIZE(struct mkchan_slot, data, 56);
MK_ABI_OFFSET(struct mkchan_slot, header, 56);
MK_ABI_FIELD_SIZE(struct mkchan_slot, header, 8);
static_assert(MKCHAN_HDR_SEQ_MASK == 0xffffffffULL);
static_assert(MKCHAN_HDR_LEN_SHIFT == 32 && MKCHAN_HDR_TYPE_SHIFT == 40);
static_assert(MKCHAN_HDR_RSVD_MASK == 0xffff000000000000ULL);

MK_ABI_SIZE(struct mkchan_ctl, 64);
MK_ABI_OFFSET(struct mkchan_ctl, pos, 0);
MK_ABI_FIELD_SIZE(struct mkchan_ctl, pos, 8);
MK_ABI_OFFSET(struct mkchan_ctl, waiting, 8);
MK_ABI_FIELD_SIZE(struct mkchan_ctl, waiting, 4);
MK_ABI_OFFSET(struct mkchan_ctl, flags, 12);
MK_ABI_FIELD_SIZE(struct mkchan_ctl, flags, 4);
MK_ABI_OFFSET(struct mkchan_ctl, __unused, 16);
MK_ABI_FIELD_SIZE(struct mkchan_ctl, __unused, 48);

MK_ABI_SIZE(struct mkchan_status, 8);
MK_ABI_OFFSET(struct mkchan_status, closed, 0);
MK_ABI_FIELD_SIZE(struct mkchan_status, closed, 4);
MK_ABI_OFFSET(struct mkchan_status, broken, 4);
MK_ABI_FIELD_SIZE(struct mkchan_status, broken, 4);

static_assert(MKCHAN_MMAP_RW == 0x0ULL && MKCHAN_MMAP_RO == 0x10000000ULL);
