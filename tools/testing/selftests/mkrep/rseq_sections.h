/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sections that the restartable sequences of libmkchan_counter.h
 * fill in a binary built with MKREP_RSEQ_INJECT: the linker's bounds of
 * each, for counter_rseq_test to check every sequence against.
 */
#ifndef _MKREP_RSEQ_SECTIONS_H
#define _MKREP_RSEQ_SECTIONS_H

#include <assert.h>
#include <stdint.h>

/* A descriptor in __rseq_cs: struct rseq_cs of <linux/rseq.h>. */
struct cs_desc {
	uint32_t version, flags;
	uint64_t start_ip, post_commit_offset, abort_ip;
};

static_assert(sizeof(struct cs_desc) == 32, "descriptors 32 bytes apart");

/* Where MKREP_RSEQ_COMMIT() recorded a commit store (__mkrep_rseq_commit). */
struct commit_mark {
	uint64_t begin, end;
};

extern const struct cs_desc __start___rseq_cs[], __stop___rseq_cs[];
extern const struct commit_mark __start___mkrep_rseq_commit[];
extern const struct commit_mark __stop___mkrep_rseq_commit[];

#endif /* _MKREP_RSEQ_SECTIONS_H */
