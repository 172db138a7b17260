/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libmkchan - user-space library of mkchan.
 *
 * Every function returns 0 (or a file descriptor) on success and a
 * negative errno on failure, and leaves errno alone otherwise.
 */
#ifndef _LIBMKCHAN_H
#define _LIBMKCHAN_H

#include <linux/mkchan.h>

#define MKCHAN_DEVICE	"/dev/mkchan"

/**
 * mkchan_open() - open the channel device
 *
 * Return: a file descriptor of /dev/mkchan (close-on-exec), or -errno.
 */
int mkchan_open(void);

/**
 * mkchan_query() - ask the module what it supports and what it sees
 * @fd: from mkchan_open()
 * @q: filled in by the kernel
 *
 * Return: 0 or -errno.
 */
int mkchan_query(int fd, struct mkchan_query *q);

/**
 * mkchan_cpu_info() - describe one CPU as the module sees it
 * @fd: from mkchan_open()
 * @cpu: a possible CPU
 * @ci: filled in by the kernel
 *
 * Return: 0 or -errno (-EINVAL for a CPU that is not possible).
 */
int mkchan_cpu_info(int fd, unsigned int cpu, struct mkchan_cpu_info *ci);

#endif /* _LIBMKCHAN_H */
