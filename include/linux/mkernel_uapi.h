/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dispatch and copying of the size-versioned ioctl arguments shared by
 * mkchan and mkrep.  The rules are written at the top of
 * <uapi/linux/mkchan.h>.
 */
#ifndef _LINUX_MKERNEL_UAPI_H
#define _LINUX_MKERNEL_UAPI_H

#include <linux/build_bug.h>
#include <linux/ioctl.h>
#include <linux/minmax.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/uaccess.h>

/**
 * MK_IOC_KEY() - what of an ioctl number names the command
 * @cmd: an ioctl number
 *
 * @cmd without its _IOC_SIZE() bits.  A handler dispatches the commands
 * that take a struct on ``switch (MK_IOC_KEY(cmd))`` with ``case
 * MK_IOC_KEY(MKCHAN_IOC_...)``: so a command is matched on its type,
 * number and direction, and any size encoded in it reaches the same
 * command - that of a binary built against an older header, whose struct
 * was smaller, included.  The size that counts is the struct's own @size
 * field, which mk_copy_struct_in() reads and checks; where it and
 * _IOC_SIZE(@cmd) disagree, the @size field wins.  An unknown type,
 * number or direction matches no case and stays -ENOTTY.  A command that
 * takes no struct (_IO()) is compared whole, before the switch, so that
 * no size bits reach it.  compat_ptr_ioctl() passes @cmd through
 * unchanged, so 32-bit callers dispatch alike.
 *
 * A constant expression for a constant @cmd: usable as a case label.
 */
#define MK_IOC_KEY(cmd)	((cmd) & ~IOCSIZE_MASK)

/**
 * MK_ABI_SIZE() - pin the size of a uapi struct at build time
 * @type: the struct
 * @size: the size it must have, a constant
 */
#define MK_ABI_SIZE(type, size)						\
	static_assert(sizeof(type) == (size))

/**
 * MK_ABI_OFFSET() - pin the offset of a field of a uapi struct
 * @type: the struct
 * @field: the field
 * @offset: the offset it must have, a constant
 */
#define MK_ABI_OFFSET(type, field, offset)				\
	static_assert(offsetof(type, field) == (offset))

/**
 * MK_ABI_FIELD_SIZE() - pin the size of a field of a uapi struct
 * @type: the struct
 * @field: the field
 * @size: the size it must have, a constant
 *
 * With MK_ABI_OFFSET() (each macro names the field once, as a macro
 * argument used twice could have side effects).
 */
#define MK_ABI_FIELD_SIZE(type, field, size)				\
	static_assert(sizeof_field(type, field) == (size))

/**
 * mk_copy_struct_in() - copy a size-versioned ioctl argument from user space
 * @dst: the kernel's copy of the struct
 * @ksize: sizeof(*@dst)
 * @ver0: size of the first published version of the struct
 * @src: the user pointer; the struct starts with a __u32 size
 * @usize: out: the size the caller passed, for mk_copy_struct_out()
 *
 * Return: 0, -EFAULT, -EINVAL for a size below @ver0 or above PAGE_SIZE,
 * or -E2BIG when the caller's struct is larger and its tail is not zero.
 */
static inline int mk_copy_struct_in(void *dst, size_t ksize, size_t ver0,
				    const void __user *src, u32 *usize)
{
	if (get_user(*usize, (const u32 __user *)src))
		return -EFAULT;
	if (*usize < ver0 || *usize > PAGE_SIZE)
		return -EINVAL;
	return copy_struct_from_user(dst, ksize, src, *usize);
}

/**
 * mk_copy_struct_out() - copy a size-versioned ioctl argument back
 * @dst: the user pointer the struct came from
 * @src: the kernel's copy; its first __u32 is overwritten with @ksize
 * @ksize: sizeof(*@src)
 * @usize: the size the caller passed
 *
 * Writes min(@usize, @ksize) bytes, so a caller with an older, smaller
 * struct gets what it knows and learns the kernel's size from the first
 * field.
 *
 * Return: 0 or -EFAULT.
 */
static inline int mk_copy_struct_out(void __user *dst, void *src,
				     size_t ksize, u32 usize)
{
	*(u32 *)src = ksize;
	if (copy_to_user(dst, src, min_t(size_t, usize, ksize)))
		return -EFAULT;
	return 0;
}

#endif /* _LINUX_MKERNEL_UAPI_H */
