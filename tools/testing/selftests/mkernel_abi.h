/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ABI tests of mkchan and mkrep: one ioctl called with every ioctl
 * number and every argument size a binary may pass it, as the rules at
 * the top of <linux/mkchan.h> allow or refuse them.  The tests include
 * "kselftest_harness.h" and "mkernel_test.h" first.
 */
#ifndef _MKERNEL_ABI_H
#define _MKERNEL_ABI_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/types.h>

/* Bytes after the caller's struct that the kernel must leave alone. */
#define MK_ABI_GUARD		64
#define MK_ABI_GUARD_BYTE	0xa5
/* A non-zero byte where the kernel knows no field. */
#define MK_ABI_TAIL_BYTE	0x5a
#define MK_ABI_NO_TAIL		(~0U)

/**
 * struct mk_abi_ioctl - an ioctl with an argument struct, for mk_abi_check()
 * @name: its name, for the log
 * @cmd: its number in today's header
 * @ksize: sizeof its struct in today's header: the kernel's size, since
 *	the tests are built with the modules
 * @sizes: every size the struct has had, oldest (*_SIZE_VER0) first,
 *	@ksize last, then zeros
 * @open: the descriptor to call it on, for one call: a fixture's, or a
 *	new object's that @close() releases; a negative value fails the call
 * @fill: write the fields of a good argument into @arg, a zeroed struct
 *	of @ksize bytes; mk_abi_check() sets @size and hands the kernel as
 *	many of these bytes as the size it tries
 * @close: after the call, which returned @ret (0 or an errno): when 0,
 *	check the output fields the caller's @usize bytes hold and release
 *	what the call made; in any case close what @open() made
 * @in_only: the command only reads its argument (MKREP_IOC_COUNTER_ADD):
 *	whatever it returns, it writes nothing back, @size included
 */
struct mk_abi_ioctl {
	const char *name;
	unsigned int cmd;
	__u32 ksize;
	__u32 sizes[4];
	int (*open)(void *ctx);
	void (*fill)(void *ctx, void *arg);
	void (*close)(struct __test_metadata *_metadata, void *ctx, int fd,
		      const void *arg, __u32 usize, int ret);
	int in_only;
};

/* The size field of an argument struct, which every one starts with. */
static inline __u32 mk_abi_size_of(const void *arg)
{
	__u32 size;

	memcpy(&size, arg, sizeof(size));
	return size;
}

/*
 * Call @io once with the number @cmd and an argument of @usize bytes: the
 * good argument of @io->fill(), cut or zero-extended to @usize, a
 * non-zero byte at @tail unless that is %MK_ABI_NO_TAIL, and guard bytes
 * after it.  Checks what the kernel wrote: on success @size set to the
 * kernel's size and nothing written past min(@usize, @ksize), on failure
 * nothing written at all; for an input-only command (@in_only), nothing
 * at all whatever it returns: every byte, @size and the guard included,
 * as the caller left it.  Returns 0 or the errno.
 */
static inline int mk_abi_call(struct __test_metadata *_metadata,
			      const struct mk_abi_ioctl *io, void *ctx,
			      unsigned int cmd, __u32 usize, __u32 tail)
{
	long page = sysconf(_SC_PAGESIZE);
	/*
	 * The caller's bytes: @usize, but @size itself at least, and above
	 * a page the kernel reads nothing but @size.
	 */
	size_t span = usize < sizeof(__u32) ? sizeof(__u32) :
		      usize <= page ? usize : io->ksize;
	size_t len = span + MK_ABI_GUARD, kept, i;
	unsigned char *buf, *before;
	void *good;
	int fd, ret;

	buf = calloc(1, len);
	before = malloc(len);
	good = calloc(1, io->ksize);
	if (!buf || !before || !good) {
		free(buf);
		free(before);
		free(good);
		ksft_exit_fail_msg("out of memory\n");
	}
	io->fill(ctx, good);
	memcpy(buf, good, span < io->ksize ? span : io->ksize);
	memcpy(buf, &usize, sizeof(usize));
	if (tail != MK_ABI_NO_TAIL)
		buf[tail] = MK_ABI_TAIL_BYTE;
	memset(buf + span, MK_ABI_GUARD_BYTE, MK_ABI_GUARD);
	memcpy(before, buf, len);

	fd = io->open(ctx);
	if (fd < 0)
		ret = -fd;
	else
		ret = ioctl(fd, cmd, buf) ? errno : 0;

	/*
	 * @size tells the kernel's size on success only, and never for an
	 * input-only command.
	 */
	EXPECT_EQ(ret || io->in_only ? usize : io->ksize, mk_abi_size_of(buf))
		TH_LOG("%s: cmd %#x, size %u, returning %d: size %u",
		       io->name, cmd, usize, ret, mk_abi_size_of(buf));
	/*
	 * The bytes the kernel may write: @size and its own fields, none
	 * for an input-only command.
	 */
	kept = ret || io->in_only ? 0 : (usize < io->ksize ? usize : io->ksize);
	for (i = kept; i < len; i++)
		if (buf[i] != before[i])
			break;
	EXPECT_EQ(len, i)
		TH_LOG("%s: cmd %#x, size %u, returning %d: byte %zu of %zu written",
		       io->name, cmd, usize, ret, i, span);
	io->close(_metadata, ctx, fd, buf, usize, ret);
	free(buf);
	free(before);
	free(good);
	return ret;
}

/* mk_abi_call(), expecting @err; logs which call it was. */
#define MK_ABI_EXPECT(err, io, ctx, cmd, usize, tail) do {		\
	const struct mk_abi_ioctl *__io = (io);				\
	unsigned int __cmd = (cmd);					\
	__u32 __usize = (usize);					\
									\
	EXPECT_EQ(err, mk_abi_call(_metadata, __io, ctx, __cmd,	\
				   __usize, tail))			\
		TH_LOG("%s: cmd %#x, size %u", __io->name, __cmd,	\
		       __usize);					\
} while (0)

/*
 * Call @io with every number and size the ABI rules speak of.  @unknown
 * are numbers under %MKCHAN_IOC_MAGIC that the descriptor of @io does
 * not serve, 0-terminated (0x00 is mkchan's query, never unknown).
 */
static inline void mk_abi_check(struct __test_metadata *_metadata,
				const struct mk_abi_ioctl *io, void *ctx,
				const unsigned int *unknown)
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE,
	};
	static const __u32 other_ioc_sizes[] = {
		0, 1, 4, 8, 4096, _IOC_SIZEMASK,
	};
	static const __u32 grown[] = { 1, 4, 8, 64 };
	__u32 ver0 = io->sizes[0], ks = io->ksize, page, i, j;
	unsigned int cmd = io->cmd;

	page = sysconf(_SC_PAGESIZE);
	ASSERT_NE(0, ver0);
	ASSERT_EQ(MKCHAN_IOC_MAGIC, _IOC_TYPE(cmd));
	ASSERT_EQ(_IOC_READ | _IOC_WRITE, _IOC_DIR(cmd));

	/* (a) Today's number and size. */
	MK_ABI_EXPECT(0, io, ctx, cmd, ks, MK_ABI_NO_TAIL);

	/*
	 * (b, c) Every size the struct has had, with every number a header
	 * of it gave: the size field counts, not _IOC_SIZE().  A binary of
	 * an older header passes its size in both; nothing is written past
	 * it.
	 */
	for (i = 0; i < ARRAY_SIZE(io->sizes) && io->sizes[i]; i++)
		for (j = 0; j < ARRAY_SIZE(io->sizes) && io->sizes[j]; j++)
			MK_ABI_EXPECT(0, io, ctx,
				      mk_ioc_resize(cmd, io->sizes[j]),
				      io->sizes[i], MK_ABI_NO_TAIL);
	/* Any other size in the number: still the size field counts. */
	for (i = 0; i < ARRAY_SIZE(other_ioc_sizes); i++)
		MK_ABI_EXPECT(0, io, ctx, mk_ioc_resize(cmd, other_ioc_sizes[i]),
			      ks, MK_ABI_NO_TAIL);

	/*
	 * (d, e) A newer binary's larger struct: accepted when the bytes the
	 * kernel does not know are zero, E2BIG when one is not - the first
	 * of them or the last.
	 */
	for (i = 0; i <= ARRAY_SIZE(grown); i++) {
		__u32 big = i < ARRAY_SIZE(grown) ? ks + grown[i] : page;

		MK_ABI_EXPECT(0, io, ctx, cmd, big, MK_ABI_NO_TAIL);
		MK_ABI_EXPECT(0, io, ctx, mk_ioc_resize(cmd, big), big,
			      MK_ABI_NO_TAIL);
		MK_ABI_EXPECT(E2BIG, io, ctx, cmd, big, ks);
		MK_ABI_EXPECT(E2BIG, io, ctx, mk_ioc_resize(cmd, big), big,
			      big - 1);
		MK_ABI_EXPECT(E2BIG, io, ctx, cmd, big, big - 1);
	}

	/* (f) Below the first version, or above a page: EINVAL. */
	for (i = 0; i < ver0; i = i ? 2 * i : 1)
		MK_ABI_EXPECT(EINVAL, io, ctx, cmd, i, MK_ABI_NO_TAIL);
	MK_ABI_EXPECT(EINVAL, io, ctx, cmd, ver0 - 1, MK_ABI_NO_TAIL);
	MK_ABI_EXPECT(EINVAL, io, ctx, mk_ioc_resize(cmd, ver0 - 1), ver0 - 1,
		      MK_ABI_NO_TAIL);
	MK_ABI_EXPECT(EINVAL, io, ctx, cmd, page + 1, MK_ABI_NO_TAIL);
	MK_ABI_EXPECT(EINVAL, io, ctx, cmd, page + 8, MK_ABI_NO_TAIL);
	MK_ABI_EXPECT(EINVAL, io, ctx, cmd, ~0U, MK_ABI_NO_TAIL);

	/* (g) Another direction, type or number: ENOTTY, whatever the size. */
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		MK_ABI_EXPECT(ENOTTY, io, ctx,
			      _IOC(dirs[i], MKCHAN_IOC_MAGIC, _IOC_NR(cmd), ks),
			      ks, MK_ABI_NO_TAIL);
		MK_ABI_EXPECT(ENOTTY, io, ctx,
			      _IOC(dirs[i], MKCHAN_IOC_MAGIC, _IOC_NR(cmd), 0),
			      ks, MK_ABI_NO_TAIL);
	}
	MK_ABI_EXPECT(ENOTTY, io, ctx,
		      _IOC(_IOC_READ | _IOC_WRITE, MKCHAN_IOC_MAGIC + 1,
			   _IOC_NR(cmd), ks), ks, MK_ABI_NO_TAIL);
	for (i = 0; unknown[i]; i++) {
		MK_ABI_EXPECT(ENOTTY, io, ctx,
			      _IOC(_IOC_READ | _IOC_WRITE, MKCHAN_IOC_MAGIC,
				   unknown[i], 0), ks, MK_ABI_NO_TAIL);
		MK_ABI_EXPECT(ENOTTY, io, ctx,
			      _IOC(_IOC_READ | _IOC_WRITE, MKCHAN_IOC_MAGIC,
				   unknown[i], ks), ks, MK_ABI_NO_TAIL);
	}
}

#endif /* _MKERNEL_ABI_H */
