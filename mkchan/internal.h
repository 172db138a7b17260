/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkchan - definitions shared by the files of the module.
 */
#ifndef _MKCHAN_INTERNAL_H
#define _MKCHAN_INTERNAL_H

#include <linux/types.h>

/* Module parameters, read-only after load (see main.c). */
extern unsigned int mkchan_max_slots;
extern unsigned int mkchan_max_channels_per_user;

/* device.c */
int mkchan_device_init(void);
void mkchan_device_exit(void);

/* query.c */
long mkchan_ioctl_query(void __user *arg);
long mkchan_ioctl_cpu_info(void __user *arg);

#endif /* _MKCHAN_INTERNAL_H */
