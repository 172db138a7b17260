/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkbench shootdown - what its files share: the page that is unmapped,
 * the timed window around each operation (and the interrupts counted in
 * it), the member modes, the modes and the record of the results.
 */
#ifndef _MKBENCH_SHOOTDOWN_H
#define _MKBENCH_SHOOTDOWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mkbench.h"

/* A member that does not answer within this long has failed. */
#define SD_TIMEOUT_NS		(10ULL * 1000 * 1000 * 1000)
/*
 * A measurement of N operations stops early after N times this long, with
 * SD_MIN_SAMPLES at least: an emulated guest whose vCPUs outnumber the
 * host's cores takes milliseconds for what takes microseconds on hardware.
 */
#define SD_OP_MAX_NS		(5ULL * 1000 * 1000)
#define SD_MIN_SAMPLES		10

/* The operations timed. */
enum sd_op {
	SD_MADVISE,	/* madvise(MADV_DONTNEED) / MKREP_OP_UNMAP */
	SD_MUNMAP,	/* munmap(), mapped again before the next */
	SD_MPROTECT,	/* mprotect(PROT_READ) / MKREP_OP_PROTECT */
	SD_NOPS
};

/*
 * shootdown_measure.c: one page, in the middle of a reservation of three
 * that keeps its neighbours PROT_NONE, so that its mapping is never
 * merged with another: anonymous and private (@fd -1), or a shared
 * mapping of a memfd.
 */
struct sd_page {
	char *base;
	char *page;
	size_t size;
	int fd;
	bool mapped, ro;
};

int sd_page_init(struct sd_page *p, int fd);
/* Mapped, writable, and written by @index: 0 or -errno. */
int sd_page_ready(struct sd_page *p, unsigned int index, uint64_t v);
/* Unmap or protect it: 0 or -errno. */
int sd_page_op(struct sd_page *p, enum sd_op op);
void sd_page_fini(struct sd_page *p);

/* Write @v on @index's own cache line of a mapped page. */
static inline void sd_touch(void *page, unsigned int index, uint64_t v)
{
	uint64_t *w = (uint64_t *)page + (index % 64) * 8;

	__atomic_store_n(w, v, __ATOMIC_RELAXED);
}

/*
 * The paths by which an operation of an mkrep space changed the other
 * members' replicas (&struct mkrep_op), summed by the module backend.
 */
enum sd_path {
	SD_BY_MESSAGE,	/* the member applied it, asked by message */
	SD_NOT_RUNNING,	/* its address space ran nowhere: the initiator */
	SD_FALLBACK,	/* past the bound: the initiator, with an IPI */
	SD_POSTED,	/* requests posted (CSV only) */
	SD_WAKEUPS,	/* members woken (space info; CSV only) */
	SD_NPATHS
};

/*
 * The samples of one measurement: the latency of every timed operation
 * and the interrupts counted during them.  Lives in memory shared with
 * the process that measures when that is a child.
 */
struct sd_meas {
	unsigned long n;		/* operations timed */
	unsigned long max;		/* room in @ns: the operations asked for */
	uint64_t irq[IRQ_ROWS];		/* counted during the operations */
	bool irq_ok;			/* every read of the counters worked */
	bool cut;			/* stopped early: SD_OP_MAX_NS */
	bool has_path;			/* @path counted (module backend) */
	uint64_t path[SD_NPATHS];	/* summed over the timed operations */
	uint64_t bound_ns;		/* the space's bound, as it says */
	uint64_t ns[];
};

static inline size_t sd_meas_size(unsigned long iters)
{
	return sizeof(struct sd_meas) + iters * sizeof(uint64_t);
}

void sd_meas_init(struct sd_meas *m, unsigned long iters);

/* shootdown_measure.c: the window around each timed operation. */
struct sd_window {
	struct irq_file irq;
	bool irq_on;			/* the counters can be read */
	uint64_t before[IRQ_ROWS];
	uint64_t t0, start;
};

void sd_window_init(struct sd_window *w, struct sd_meas *m);
void sd_window_fini(struct sd_window *w);

static inline void sd_begin(struct sd_window *w)
{
	if (w->irq_on && irq_read(&w->irq, w->before))
		w->irq_on = false;
	w->t0 = now_ns();
}

/*
 * End the window; keep the sample if @keep (past the warm-up).  Returns
 * true when the measurement has taken its time and should stop.
 */
bool sd_end(struct sd_window *w, struct sd_meas *m, bool keep);

/*
 * How the members of the module backend wait between operations
 * (--member-mode): bits of &bench_opts.member_modes.
 */
enum sd_member_mode {
	SD_MEMBER_POLL,		/* check mkrep_waiting(), mkrep_apply() */
	SD_MEMBER_EPOLL,	/* asleep in epoll_wait() on the member fd */
	SD_MEMBER_BLOCKED,	/* blocked in read() of a pipe */
	SD_MEMBER_BUSY,		/* spinning, never checking */
	SD_NR_MEMBER_MODES
};

extern const char *const sd_member_mode_name[SD_NR_MEMBER_MODES];

/* A run of the suite, as the modes see it. */
struct sd_ctx {
	const struct bench_opts *o;
	unsigned long iters, warm;
	long page_size;
};

/*
 * The modes (shootdown_native.c, shootdown_shm.c, shootdown_module.c):
 * each measures on the first 1, 2, ... o->ncpus CPUs and records its
 * results; 0, -1 after a failure it reported, 1 when it cannot run here
 * (it said why).
 */
int sd_native(const struct sd_ctx *c);
/*
 * Processes, one a core, each its own mapping of a memfd page; the first
 * punches the page out of the file (shootdown_procs.c).
 */
int sd_native_procs(const struct sd_ctx *c);
/* The same with threads of one member of an mkrep space (needs it). */
int sd_native_space(const struct sd_ctx *c);
int sd_shm(const struct sd_ctx *c);
int sd_module(const struct sd_ctx *c, bool asked);
/*
 * Whether /dev/mkrep offers spaces: 0, or 1 with the reason said: on
 * stderr when @asked (--backend module), else as a line of the table.
 */
int sd_module_available(bool asked);

/*
 * shootdown_measure.c: run @group(c, k, m, arg) for k = 1 .. o->ncpus
 * from the first CPU, with one measurement buffer, until one fails: 0 or
 * -1 (said, as @mode).
 */
int sd_each_k(const struct sd_ctx *c, const char *mode,
	      int (*group)(const struct sd_ctx *c, unsigned int k,
			   struct sd_meas *m, void *arg), void *arg);
/* Pin the caller to @cpu, saying so when it cannot: 0 or -errno. */
int sd_pin(int cpu);

/* shootdown.c: record a measurement on the first @cores CPUs. */
void sd_record(const struct sd_ctx *c, const char *variant,
	       const char *label, unsigned int cores,
	       const struct sd_meas *m);
/* Say what failed, with @err (-errno) when non-zero. */
void sd_fail(const char *mode, const char *what, int err);

#endif /* _MKBENCH_SHOOTDOWN_H */
