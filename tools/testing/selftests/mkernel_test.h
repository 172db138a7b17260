/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mkernel selftests: reading the kernel's own view
 * of the machine from sysfs, to check the modules against it.
 */
#ifndef _MKERNEL_TEST_H
#define _MKERNEL_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The ioctl number @cmd with @size encoded in it instead of its own: what
 * a binary built against a header with another size of the struct passes.
 */
static inline unsigned int mk_ioc_resize(unsigned int cmd, unsigned int size)
{
	return (cmd & ~IOCSIZE_MASK) |
	       (size & _IOC_SIZEMASK) << _IOC_SIZESHIFT;
}

/*
 * Whether the ioctl number @cmd reaches the command @known: mkchan and
 * mkrep match a command on its type, number and direction and ignore the
 * size it encodes, except a command without an argument (_IO()), which
 * matches only exactly.
 */
static inline int mk_ioc_same(unsigned int cmd, unsigned int known)
{
	if (_IOC_DIR(known) == _IOC_NONE)
		return cmd == known;
	return (cmd & ~IOCSIZE_MASK) == (known & ~IOCSIZE_MASK);
}

/* Read a whole small sysfs file into @buf; return its length or -errno. */
static inline int mk_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n;
}

/* Read a sysfs file holding one decimal number; -1 if it cannot. */
static inline long mk_read_long(const char *path)
{
	char buf[64], *end;
	long v;

	if (mk_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	v = strtol(buf, &end, 10);
	return *end ? -1 : v;
}

/*
 * Walk a sysfs list such as "0-3,8,10-11": return the number of entries and
 * store the highest one in *@last (-1 for an empty list).  -1 on a parse
 * error.
 */
static inline int mk_list_count(const char *list, long *last)
{
	const char *p = list;
	int count = 0;

	*last = -1;
	while (*p) {
		char *end;
		long lo, hi;

		lo = strtol(p, &end, 10);
		if (end == p)
			return -1;
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			hi = strtol(p, &end, 10);
			if (end == p || hi < lo)
				return -1;
		}
		count += hi - lo + 1;
		*last = hi;
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	return count;
}

/* Count the entries of a sysfs list file; -1 if it cannot. */
static inline int mk_sysfs_list_count(const char *path, long *last)
{
	char buf[4096];

	if (mk_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return mk_list_count(buf, last);
}

/* Whether @n is in the sysfs list file at @path. */
static inline int mk_sysfs_list_has(const char *path, long n)
{
	char buf[4096], *p = buf;

	if (mk_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	while (*p) {
		long lo, hi;
		char *end;

		lo = strtol(p, &end, 10);
		hi = lo;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		if (n >= lo && n <= hi)
			return 1;
		p = *end == ',' ? end + 1 : end;
		if (p == end && *p)
			return -1;
	}
	return 0;
}

/*
 * A count of a module's debugfs object file: "channels" or "pages" of
 * mkchan, "spaces", "members", "pages" or "counters" of mkrep; -1 when it
 * cannot be read.
 */
static inline long mk_objects_count(const char *module, const char *what)
{
	char path[64], buf[256], *p;
	size_t n = strlen(what);

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/objects", module);
	if (mk_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, what, n) && p[n] == ' ')
			return strtol(p + n + 1, NULL, 10);
	return -1;
}

/*
 * The count of @what once it is @want, or as it is after @ms: objects may
 * outlive the last close for a moment (a release deferred to a work item,
 * an RCU callback), but never for long.
 */
static inline long mk_objects_settle(const char *module, const char *what,
				     long want, int ms)
{
	long n = mk_objects_count(module, what);

	while (n != want && ms-- > 0) {
		usleep(1000);
		n = mk_objects_count(module, what);
	}
	return n;
}

static inline long mk_mkchan_count(const char *what)
{
	return mk_objects_count("mkchan", what);
}

static inline long mk_mkrep_count(const char *what)
{
	return mk_objects_count("mkrep", what);
}

/* Load module @name from $MKERNEL_MODDIR, set by the runner: 0 or -errno. */
static inline int mk_module_load(const char *name)
{
	const char *dir = getenv("MKERNEL_MODDIR");
	char path[PATH_MAX];
	int fd, ret = 0;

	if (!dir)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s.ko", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(__NR_finit_module, fd, "", 0))
		ret = -errno;
	close(fd);
	return ret;
}

/* Unload module @name without waiting for its users: 0 or -errno. */
static inline int mk_module_unload(const char *name)
{
	return syscall(__NR_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

static inline int mk_module_loaded(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return !access(path, F_OK);
}

#ifdef CPU_SETSIZE	/* <sched.h> with _GNU_SOURCE */
/* Bind the calling thread to @cpu alone: 0, or -1 with errno set. */
static inline int mk_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* The CPUs the calling thread may run on, @max at most, into @cpus. */
static inline int mk_allowed_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int i, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (i = 0; i < CPU_SETSIZE && n < max; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	return n;
}
#endif

/* Write @s to the file @path: 0 or -errno. */
static inline int mk_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -errno;
}

/*
 * Take @cpu offline (@on 0) or bring it online: 0 or -errno.  Retries for
 * a second while another hotplug operation makes the kernel say EBUSY.
 */
static inline int mk_set_cpu_online(int cpu, int on)
{
	char path[64];
	int ret, i;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	for (i = 0; i < 20; i++) {
		ret = mk_write_str(path, on ? "1" : "0");
		if (ret != -EBUSY && ret != -EAGAIN)
			break;
		usleep(50000);
	}
	return ret;
}

/*
 * All of @path into @buf of @len bytes, NUL-terminated, in as many read()s
 * as it takes (a seq_file gives about a page a call): the length, or
 * -errno.
 */
static inline long mk_read_all(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	if (n < 0)
		n = -errno;
	close(fd);
	buf[got] = '\0';
	return n < 0 ? n : (long)got;
}

#define MK_TRACING	"/sys/kernel/tracing"

/*
 * Turn on the trace events of @system ("mkchan", "mkrep") into an emptied
 * buffer (opening "trace" with O_TRUNC empties it), without comm
 * recording: with it, enabling the first event hooks sched_switch, which
 * patches the scheduler's text while the other CPUs run it with
 * interrupts off.  Under QEMU's TCG that wedges the guest now and then
 * (the other CPUs loop on the int3 of the site being patched and never
 * answer the patcher's sync IPI).  Only the module's own sites are
 * patched then, and no other CPU runs them.
 *
 * Returns the previous record-cmd setting, for mk_trace_stop(), or -errno.
 */
static inline long mk_trace_start(const char *system)
{
	char path[256];
	long record_cmd;
	int fd, ret;

	if (access(MK_TRACING "/events", F_OK) &&
	    mount("tracefs", MK_TRACING, "tracefs", 0, NULL))
		return -errno;
	snprintf(path, sizeof(path), MK_TRACING "/events/%s/enable", system);
	if (access(path, F_OK))
		return -errno;
	record_cmd = mk_read_long(MK_TRACING "/options/record-cmd");
	if (record_cmd < 0)
		return -ENOENT;
	ret = mk_write_str(MK_TRACING "/options/record-cmd", "0");
	if (ret)
		return ret;
	fd = open(MK_TRACING "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	ret = mk_write_str(path, "1");
	return ret ? ret : record_cmd;
}

/* Turn the events of @system off and record-cmd back: 0 or -errno. */
static inline int mk_trace_stop(const char *system, long record_cmd)
{
	char path[256];
	int ret, ret2;

	snprintf(path, sizeof(path), MK_TRACING "/events/%s/enable", system);
	ret = mk_write_str(path, "0");
	ret2 = mk_write_str(MK_TRACING "/options/record-cmd",
			    record_cmd ? "1" : "0");
	return ret ? ret : ret2;
}

/*
 * Allocation-failure injection (CONFIG_FAULT_INJECTION, KFLAVOUR=debug):
 * the @n-th fault-injectable allocation of this thread from now on fails.
 */
#define MK_FAIL_NTH	"/proc/thread-self/fail-nth"

static inline int mk_fail_nth_available(void)
{
	return !access(MK_FAIL_NTH, F_OK);
}

/* Fail sleeping, highmem and order-0 allocations too, and say nothing. */
static inline int mk_fail_nth_setup(void)
{
	static const char * const settings[][2] = {
		{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/failslab/verbose", "0" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/min-order", "0" },
		{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
		{ NULL, NULL },
	};
	unsigned int i;
	int ret;

	for (i = 0; settings[i][0]; i++) {
		ret = mk_write_str(settings[i][0], settings[i][1]);
		if (ret)
			return ret;
	}
	return 0;
}

/* Fail the @n-th injectable allocation from now on (0: none). */
static inline int mk_fail_nth(unsigned int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", n);
	return mk_write_str(MK_FAIL_NTH, buf);
}

/* Whether the failure set with mk_fail_nth() happened. */
static inline int mk_fail_nth_hit(void)
{
	return mk_read_long(MK_FAIL_NTH) == 0;
}

/* The value of @key in a "key value" file such as memory.events. */
static inline long mk_key_value(const char *buf, const char *key)
{
	const char *p = buf;
	size_t n = strlen(key);

	while (p && *p) {
		if (!strncmp(p, key, n) && p[n] == ' ')
			return strtol(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return -1;
}

/* Send @fd over the socket @sock (SCM_RIGHTS, one byte): 0, or -errno. */
static inline int mk_send_fd(int sock, int fd, int flags)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 0;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, flags) == 1 ? 0 : -errno;
}

/*
 * Receive a descriptor from @sock (recvmsg() @flags): it, -ENOMSG for a
 * message that carried none, or -errno.
 */
static inline int mk_recv_fd(int sock, int flags)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 0;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, flags) != 1)
		return -errno;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -ENOMSG;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * Split the CSV line @line in place at its commas, without its newline,
 * into at most @max fields in @field: how many.
 */
static inline int mk_csv_split(char *line, char **field, int max)
{
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	while (line && n < max)
		field[n++] = strsep(&line, ",");
	return n;
}

/*
 * Run a tool of the project (mkbench, shardcache): the program that the
 * environment variable @env names, or @name from $PATH (the test guest's
 * /bin), with @argv (NULL-terminated, @argv[0] its name).  Its exit
 * status, 128 + the signal that killed it (as a shell says), or -1 with
 * errno set.
 */
static inline int mk_run_tool(const char *env, const char *name,
			      char *const argv[])
{
	const char *prog = getenv(env);
	int status;
	pid_t pid;

	if (!prog)
		prog = name;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		execvp(prog, argv);
		fprintf(stderr, "%s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) :
	       128 + WTERMSIG(status);
}

#endif /* _MKERNEL_TEST_H */
