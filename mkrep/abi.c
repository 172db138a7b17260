// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - its user ABI, pinned at build time.
 *
 * The number of every ioctl, and the size and the layout of every struct
 * of <uapi/linux/mkrep.h>, as user space was built against them.  A
 * change that breaks a binary breaks the build here.
 *
 * The rules are those of the top of <uapi/linux/mkchan.h>: a command's
 * number never changes; an argument struct grows at its end only, with a
 * new *_SIZE_VERn, its size and the new fields added below - nothing
 * written here is changed or taken away but by a new MKREP_ABI_VERSION,
 * whose retired numbers stay listed, never to be used again.  Version 2
 * moved a member's commands to the member fd; version 3 took away the
 * counter benchmark.  The layout is the same
 * for 32-bit callers (compat_ptr_ioctl()): every __u64 is 8-aligned.
 */
#include <linux/mkernel_uapi.h>
#include <uapi/linux/mkrep.h>

/* The numbers of version 3 of the ABI: version 2's, less COUNTER_BENCH. */
static_assert(MKREP_IOC_QUERY == 0xC030B840);
static_assert(MKREP_IOC_SPACE_CREATE == 0xC028B841);
static_assert(MKREP_IOC_SPACE_INFO == 0xC078B845);
static_assert(MKREP_IOC_COUNTER_CREATE == 0xC020B846);
static_assert(MKREP_IOC_COUNTER_ADD == 0xC020B847);
static_assert(MKREP_IOC_COUNTER_READ == 0xC028B848);
static_assert(MKREP_IOC_JOIN == 0xC030B84A);
static_assert(MKREP_IOC_OP == 0xC040B84B);
static_assert(MKREP_IOC_APPLY == 0xC028B84C);
static_assert(MKREP_IOC_COUNTER_INFO == 0xC030B84D);

/* The values of version 3 that user space passes or compares. */
static_assert(MKREP_FEAT_QUERY == 1 && MKREP_FEAT_SPACE == 2 &&
	      MKREP_FEAT_COUNTER == 4 && MKREP_FEAT_COUNTER_SLOPPY == 8 &&
	      MKREP_FEAT_COUNTER_MAP == 16);
static_assert(MKREP_COUNTER_WRITE_MOSTLY == 0 &&
	      MKREP_COUNTER_READ_MOSTLY == 1 && MKREP_COUNTER_SLOPPY == 2);
static_assert(MKREP_COUNTER_SPARE_MAX == 32);
static_assert(MKREP_COUNTER_CLOEXEC == 1 && MKREP_COUNTER_EXACT == 1);
static_assert(MKREP_COUNTER_MAP == 2 && MKREP_COUNTER_MAP_OFFSET == 0 &&
	      MKREP_COUNTER_SLOT_SIZE == 128);

/*
 * Retired with version 1 of the ABI (JOIN and OP on a space, SERVE): their
 * numbers are never used again.
 */
static_assert(MK_IOC_KEY(MKREP_IOC_JOIN) != MK_IOC_KEY(0xC030B842));
static_assert(MK_IOC_KEY(MKREP_IOC_OP) != MK_IOC_KEY(0xC040B843));
static_assert(MK_IOC_KEY(MKREP_IOC_APPLY) != MK_IOC_KEY(0xC020B844));

/* Retired by version 3 (version 2's COUNTER_BENCH): never used again. */
#define MKREP_RETIRED_BY_V3	MK_IOC_KEY(0xC038B849)
static_assert(MK_IOC_KEY(MKREP_IOC_QUERY) != MKREP_RETIRED_BY_V3 &&
	      MK_IOC_KEY(MKREP_IOC_SPACE_CREATE) != MKREP_RETIRED_BY_V3 &&
	      MK_IOC_KEY(MKREP_IOC_SPACE_INFO) != MKREP_RETIRED_BY_V3 &&
	      MK_IOC_KEY(MKREP_IOC_COUNTER_CREATE) != MKREP_RETIRED_BY_V3 &&
	      MK_IOC_KEY(MKREP_IOC_COUNTER_ADD) != MKREP_RETIRED_BY_V3 &&
	      MK_IOC_KEY(MKREP_IOC_COUNTER_READ) != MKREP_RETIRED_BY_V3 &&
	      MK_IOC_KEY(MKREP_IOC_JOIN) != MKREP_RETIRED_BY_V3 &&
	      MK_IOC_KEY(MKREP_IOC_OP) != MKREP_RETIRED_BY_V3 &&
	      MK_IOC_KEY(MKREP_IOC_APPLY) != MKREP_RETIRED_BY_V3 &&
	      MK_IOC_KEY(MKREP_IOC_COUNTER_INFO) != MKREP_RETIRED_BY_V3);

/* The space info of a binary built against version 0 of its struct. */
static_assert(MK_IOC_KEY(0xC058B845) == MK_IOC_KEY(MKREP_IOC_SPACE_INFO));

/* The query of a binary built against version 0 of struct mkrep_query. */
static_assert(MK_IOC_KEY(0xC028B840) == MK_IOC_KEY(MKREP_IOC_QUERY));

MK_ABI_SIZE(struct mkrep_query, 48);
static_assert(MKREP_QUERY_SIZE_VER0 == 40 && MKREP_QUERY_SIZE_VER1 == 48);
static_assert(sizeof(struct mkrep_query) == MKREP_QUERY_SIZE_VER1);
MK_ABI_OFFSET(struct mkrep_query, size, 0);
MK_ABI_FIELD_SIZE(struct mkrep_query, size, 4);
MK_ABI_OFFSET(struct mkrep_query, flags, 4);
MK_ABI_FIELD_SIZE(struct mkrep_query, flags, 4);
MK_ABI_OFFSET(struct mkrep_query, abi_version, 8);
MK_ABI_FIELD_SIZE(struct mkrep_query, abi_version, 4);
MK_ABI_OFFSET(struct mkrep_query, features, 12);
MK_ABI_FIELD_SIZE(struct mkrep_query, features, 4);
MK_ABI_OFFSET(struct mkrep_query, mkchan_abi_version, 16);
MK_ABI_FIELD_SIZE(struct mkrep_query, mkchan_abi_version, 4);
MK_ABI_OFFSET(struct mkrep_query, nr_online_cpus, 20);
MK_ABI_FIELD_SIZE(struct mkrep_query, nr_online_cpus, 4);
MK_ABI_OFFSET(struct mkrep_query, __reserved, 24);
MK_ABI_FIELD_SIZE(struct mkrep_query, __reserved, 16);
/* Version 1 of struct mkrep_query: grown by 8 bytes. */
MK_ABI_OFFSET(struct mkrep_query, max_space_pages, 40);
MK_ABI_FIELD_SIZE(struct mkrep_query, max_space_pages, 4);
MK_ABI_OFFSET(struct mkrep_query, __pad, 44);
MK_ABI_FIELD_SIZE(struct mkrep_query, __pad, 4);

MK_ABI_SIZE(struct mkrep_space_create, 40);
static_assert(MKREP_SPACE_CREATE_SIZE_VER0 == 40);
MK_ABI_OFFSET(struct mkrep_space_create, size, 0);
MK_ABI_FIELD_SIZE(struct mkrep_space_create, size, 4);
MK_ABI_OFFSET(struct mkrep_space_create, flags, 4);
MK_ABI_FIELD_SIZE(struct mkrep_space_create, flags, 4);
MK_ABI_OFFSET(struct mkrep_space_create, length, 8);
MK_ABI_FIELD_SIZE(struct mkrep_space_create, length, 8);
MK_ABI_OFFSET(struct mkrep_space_create, strategy, 16);
MK_ABI_FIELD_SIZE(struct mkrep_space_create, strategy, 4);
MK_ABI_OFFSET(struct mkrep_space_create, fd, 20);
MK_ABI_FIELD_SIZE(struct mkrep_space_create, fd, 4);
/* Version 2 of the ABI: the first reserved word became @bound_ns. */
MK_ABI_OFFSET(struct mkrep_space_create, bound_ns, 24);
MK_ABI_FIELD_SIZE(struct mkrep_space_create, bound_ns, 8);
MK_ABI_OFFSET(struct mkrep_space_create, __reserved, 32);
MK_ABI_FIELD_SIZE(struct mkrep_space_create, __reserved, 8);

MK_ABI_SIZE(struct mkrep_join, 48);
static_assert(MKREP_JOIN_SIZE_VER0 == 48);
MK_ABI_OFFSET(struct mkrep_join, size, 0);
MK_ABI_FIELD_SIZE(struct mkrep_join, size, 4);
MK_ABI_OFFSET(struct mkrep_join, flags, 4);
MK_ABI_FIELD_SIZE(struct mkrep_join, flags, 4);
MK_ABI_OFFSET(struct mkrep_join, cpu, 8);
MK_ABI_FIELD_SIZE(struct mkrep_join, cpu, 4);
MK_ABI_OFFSET(struct mkrep_join, fd, 12);
MK_ABI_FIELD_SIZE(struct mkrep_join, fd, 4);
MK_ABI_OFFSET(struct mkrep_join, addr, 16);
MK_ABI_FIELD_SIZE(struct mkrep_join, addr, 8);
MK_ABI_OFFSET(struct mkrep_join, length, 24);
MK_ABI_FIELD_SIZE(struct mkrep_join, length, 8);
MK_ABI_OFFSET(struct mkrep_join, __reserved, 32);
MK_ABI_FIELD_SIZE(struct mkrep_join, __reserved, 16);

/* The status page: the member's word first, the answer on the next line. */
MK_ABI_SIZE(struct mkrep_member_status, 72);
MK_ABI_OFFSET(struct mkrep_member_status, waiting, 0);
MK_ABI_FIELD_SIZE(struct mkrep_member_status, waiting, 4);
MK_ABI_OFFSET(struct mkrep_member_status, __pad0, 4);
MK_ABI_FIELD_SIZE(struct mkrep_member_status, __pad0, 4);
MK_ABI_OFFSET(struct mkrep_member_status, posted, 8);
MK_ABI_FIELD_SIZE(struct mkrep_member_status, posted, 8);
MK_ABI_OFFSET(struct mkrep_member_status, __line0, 16);
MK_ABI_FIELD_SIZE(struct mkrep_member_status, __line0, 48);
MK_ABI_OFFSET(struct mkrep_member_status, applied, 64);
MK_ABI_FIELD_SIZE(struct mkrep_member_status, applied, 8);
static_assert(MKREP_STATUS_OFFSET == 0);

MK_ABI_SIZE(struct mkrep_op, 64);
static_assert(MKREP_OP_SIZE_VER0 == 64);
MK_ABI_OFFSET(struct mkrep_op, size, 0);
MK_ABI_FIELD_SIZE(struct mkrep_op, size, 4);
MK_ABI_OFFSET(struct mkrep_op, flags, 4);
MK_ABI_FIELD_SIZE(struct mkrep_op, flags, 4);
MK_ABI_OFFSET(struct mkrep_op, op, 8);
MK_ABI_FIELD_SIZE(struct mkrep_op, op, 4);
MK_ABI_OFFSET(struct mkrep_op, prot, 12);
MK_ABI_FIELD_SIZE(struct mkrep_op, prot, 4);
MK_ABI_OFFSET(struct mkrep_op, offset, 16);
MK_ABI_FIELD_SIZE(struct mkrep_op, offset, 8);
MK_ABI_OFFSET(struct mkrep_op, length, 24);
MK_ABI_FIELD_SIZE(struct mkrep_op, length, 8);
MK_ABI_OFFSET(struct mkrep_op, members, 32);
MK_ABI_FIELD_SIZE(struct mkrep_op, members, 4);
MK_ABI_OFFSET(struct mkrep_op, by_message, 36);
MK_ABI_FIELD_SIZE(struct mkrep_op, by_message, 4);
MK_ABI_OFFSET(struct mkrep_op, not_running, 40);
MK_ABI_FIELD_SIZE(struct mkrep_op, not_running, 4);
MK_ABI_OFFSET(struct mkrep_op, fallback, 44);
MK_ABI_FIELD_SIZE(struct mkrep_op, fallback, 4);
MK_ABI_OFFSET(struct mkrep_op, removed, 48);
MK_ABI_FIELD_SIZE(struct mkrep_op, removed, 4);
MK_ABI_OFFSET(struct mkrep_op, posted, 52);
MK_ABI_FIELD_SIZE(struct mkrep_op, posted, 4);
MK_ABI_OFFSET(struct mkrep_op, __reserved, 56);
MK_ABI_FIELD_SIZE(struct mkrep_op, __reserved, 8);

MK_ABI_SIZE(struct mkrep_apply, 40);
static_assert(MKREP_APPLY_SIZE_VER0 == 40);
MK_ABI_OFFSET(struct mkrep_apply, size, 0);
MK_ABI_FIELD_SIZE(struct mkrep_apply, size, 4);
MK_ABI_OFFSET(struct mkrep_apply, flags, 4);
MK_ABI_FIELD_SIZE(struct mkrep_apply, flags, 4);
MK_ABI_OFFSET(struct mkrep_apply, applied, 8);
MK_ABI_FIELD_SIZE(struct mkrep_apply, applied, 4);
MK_ABI_OFFSET(struct mkrep_apply, __pad, 12);
MK_ABI_FIELD_SIZE(struct mkrep_apply, __pad, 4);
MK_ABI_OFFSET(struct mkrep_apply, op_id, 16);
MK_ABI_FIELD_SIZE(struct mkrep_apply, op_id, 8);
MK_ABI_OFFSET(struct mkrep_apply, __reserved, 24);
MK_ABI_FIELD_SIZE(struct mkrep_apply, __reserved, 16);

MK_ABI_SIZE(struct mkrep_space_info, 120);
static_assert(MKREP_SPACE_INFO_SIZE_VER0 == 88 &&
	      MKREP_SPACE_INFO_SIZE_VER1 == 120);
static_assert(sizeof(struct mkrep_space_info) == MKREP_SPACE_INFO_SIZE_VER1);
MK_ABI_OFFSET(struct mkrep_space_info, size, 0);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, size, 4);
MK_ABI_OFFSET(struct mkrep_space_info, flags, 4);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, flags, 4);
MK_ABI_OFFSET(struct mkrep_space_info, length, 8);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, length, 8);
MK_ABI_OFFSET(struct mkrep_space_info, strategy, 16);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, strategy, 4);
MK_ABI_OFFSET(struct mkrep_space_info, nr_members, 20);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, nr_members, 4);
MK_ABI_OFFSET(struct mkrep_space_info, mapped_pages, 24);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, mapped_pages, 4);
MK_ABI_OFFSET(struct mkrep_space_info, __pad, 28);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, __pad, 4);
MK_ABI_OFFSET(struct mkrep_space_info, ops, 32);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, ops, 8);
MK_ABI_OFFSET(struct mkrep_space_info, messages, 40);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, messages, 8);
MK_ABI_OFFSET(struct mkrep_space_info, wakeups, 48);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, wakeups, 8);
MK_ABI_OFFSET(struct mkrep_space_info, removed, 56);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, removed, 8);
MK_ABI_OFFSET(struct mkrep_space_info, evicted, 64);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, evicted, 8);
MK_ABI_OFFSET(struct mkrep_space_info, __reserved, 72);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, __reserved, 16);
/* Version 1 of struct mkrep_space_info: grown by 32 bytes. */
MK_ABI_OFFSET(struct mkrep_space_info, bound_ns, 88);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, bound_ns, 8);
MK_ABI_OFFSET(struct mkrep_space_info, by_message, 96);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, by_message, 8);
MK_ABI_OFFSET(struct mkrep_space_info, not_running, 104);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, not_running, 8);
MK_ABI_OFFSET(struct mkrep_space_info, fallback, 112);
MK_ABI_FIELD_SIZE(struct mkrep_space_info, fallback, 8);

MK_ABI_SIZE(struct mkrep_counter_create, 32);
static_assert(MKREP_COUNTER_CREATE_SIZE_VER0 == 32);
MK_ABI_OFFSET(struct mkrep_counter_create, size, 0);
MK_ABI_FIELD_SIZE(struct mkrep_counter_create, size, 4);
MK_ABI_OFFSET(struct mkrep_counter_create, flags, 4);
MK_ABI_FIELD_SIZE(struct mkrep_counter_create, flags, 4);
MK_ABI_OFFSET(struct mkrep_counter_create, mode, 8);
MK_ABI_FIELD_SIZE(struct mkrep_counter_create, mode, 4);
MK_ABI_OFFSET(struct mkrep_counter_create, fd, 12);
MK_ABI_FIELD_SIZE(struct mkrep_counter_create, fd, 4);
MK_ABI_OFFSET(struct mkrep_counter_create, __reserved, 16);
MK_ABI_FIELD_SIZE(struct mkrep_counter_create, __reserved, 16);

MK_ABI_SIZE(struct mkrep_counter_add, 32);
static_assert(MKREP_COUNTER_ADD_SIZE_VER0 == 32);
MK_ABI_OFFSET(struct mkrep_counter_add, size, 0);
MK_ABI_FIELD_SIZE(struct mkrep_counter_add, size, 4);
MK_ABI_OFFSET(struct mkrep_counter_add, flags, 4);
MK_ABI_FIELD_SIZE(struct mkrep_counter_add, flags, 4);
MK_ABI_OFFSET(struct mkrep_counter_add, delta, 8);
MK_ABI_FIELD_SIZE(struct mkrep_counter_add, delta, 8);
MK_ABI_OFFSET(struct mkrep_counter_add, __reserved, 16);
MK_ABI_FIELD_SIZE(struct mkrep_counter_add, __reserved, 16);

MK_ABI_SIZE(struct mkrep_counter_read, 40);
static_assert(MKREP_COUNTER_READ_SIZE_VER0 == 40);
MK_ABI_OFFSET(struct mkrep_counter_read, size, 0);
MK_ABI_FIELD_SIZE(struct mkrep_counter_read, size, 4);
MK_ABI_OFFSET(struct mkrep_counter_read, flags, 4);
MK_ABI_FIELD_SIZE(struct mkrep_counter_read, flags, 4);
MK_ABI_OFFSET(struct mkrep_counter_read, value, 8);
MK_ABI_FIELD_SIZE(struct mkrep_counter_read, value, 8);
MK_ABI_OFFSET(struct mkrep_counter_read, cpu, 16);
MK_ABI_FIELD_SIZE(struct mkrep_counter_read, cpu, 4);
MK_ABI_OFFSET(struct mkrep_counter_read, __pad, 20);
MK_ABI_FIELD_SIZE(struct mkrep_counter_read, __pad, 4);
MK_ABI_OFFSET(struct mkrep_counter_read, __reserved, 24);
MK_ABI_FIELD_SIZE(struct mkrep_counter_read, __reserved, 16);

MK_ABI_SIZE(struct mkrep_counter_info, 48);
static_assert(MKREP_COUNTER_INFO_SIZE_VER0 == 48);
MK_ABI_OFFSET(struct mkrep_counter_info, size, 0);
MK_ABI_FIELD_SIZE(struct mkrep_counter_info, size, 4);
MK_ABI_OFFSET(struct mkrep_counter_info, flags, 4);
MK_ABI_FIELD_SIZE(struct mkrep_counter_info, flags, 4);
MK_ABI_OFFSET(struct mkrep_counter_info, mode, 8);
MK_ABI_FIELD_SIZE(struct mkrep_counter_info, mode, 4);
MK_ABI_OFFSET(struct mkrep_counter_info, nr_slots, 12);
MK_ABI_FIELD_SIZE(struct mkrep_counter_info, nr_slots, 4);
MK_ABI_OFFSET(struct mkrep_counter_info, slot_size, 16);
MK_ABI_FIELD_SIZE(struct mkrep_counter_info, slot_size, 4);
MK_ABI_OFFSET(struct mkrep_counter_info, __pad, 20);
MK_ABI_FIELD_SIZE(struct mkrep_counter_info, __pad, 4);
MK_ABI_OFFSET(struct mkrep_counter_info, map_size, 24);
MK_ABI_FIELD_SIZE(struct mkrep_counter_info, map_size, 8);
MK_ABI_OFFSET(struct mkrep_counter_info, __reserved, 32);
MK_ABI_FIELD_SIZE(struct mkrep_counter_info, __reserved, 16);

/* A mapped counter's slot: its two fields at fixed places, 128 bytes. */
MK_ABI_SIZE(struct mkrep_counter_slot, 128);
MK_ABI_OFFSET(struct mkrep_counter_slot, count, 0);
MK_ABI_FIELD_SIZE(struct mkrep_counter_slot, count, 8);
MK_ABI_OFFSET(struct mkrep_counter_slot, base, 8);
MK_ABI_FIELD_SIZE(struct mkrep_counter_slot, base, 8);
