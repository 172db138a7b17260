// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench - interrupts between CPUs, counted from /proc/interrupts: the
 * rows CAL (function-call IPIs), TLB (TLB shootdowns) and RES
 * (rescheduling IPIs) of x86, each summed over every CPU's column.
 *
 * On x86 a TLB shootdown is a function-call IPI: each one counts once in
 * CAL, and the flush it runs counts once more in TLB (Linux 4.8 stopped
 * subtracting one from the other), so the IPIs are the CAL row and TLB
 * says how many of them were shootdowns.
 */
#define _GNU_SOURCE	/* strchrnul() */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mkbench.h"

#define INTERRUPTS	"/proc/interrupts"

const char *const irq_row_name[IRQ_ROWS] = {
	[IRQ_CAL] = "CAL",
	[IRQ_TLB] = "TLB",
	[IRQ_RES] = "RES",
};

/* The whole file into f->buf, NUL-terminated: 0 or -errno. */
static int slurp(struct irq_file *f)
{
	size_t len = 0;
	ssize_t n;
	char *b;

	if (lseek(f->fd, 0, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		if (len + 1 >= f->size) {
			b = realloc(f->buf, f->size ? 2 * f->size : 16384);
			if (!b)
				return -ENOMEM;
			f->buf = b;
			f->size = f->size ? 2 * f->size : 16384;
		}
		n = read(f->fd, f->buf + len, f->size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		len += n;
	}
	f->buf[len] = '\0';
	return 0;
}

/* Sum the counts of a row, @p just past its "NAME:". */
static uint64_t row_sum(const char *p)
{
	uint64_t sum = 0;
	char *end;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			return sum;	/* the description */
		sum += strtoull(p, &end, 10);
		p = end;
	}
}

static int parse(struct irq_file *f, uint64_t v[IRQ_ROWS])
{
	const char *line = f->buf, *p;
	size_t len;
	int r;

	memset(f->has, 0, sizeof(f->has));
	for (; *line; line = p + (*p == '\n')) {
		p = strchrnul(line, '\n');
		while (*line == ' ')
			line++;
		for (r = 0; r < IRQ_ROWS; r++) {
			len = strlen(irq_row_name[r]);
			if (!strncmp(line, irq_row_name[r], len) &&
			    line[len] == ':') {
				v[r] = row_sum(line + len + 1);
				f->has[r] = true;
			}
		}
	}
	return 0;
}

int irq_open(struct irq_file *f)
{
	uint64_t v[IRQ_ROWS];
	int ret;

	memset(f, 0, sizeof(*f));
	f->fd = open(INTERRUPTS, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	ret = irq_read(f, v);
	if (ret)
		irq_close(f);
	return ret;
}

int irq_read(struct irq_file *f, uint64_t v[IRQ_ROWS])
{
	int ret;

	memset(v, 0, IRQ_ROWS * sizeof(*v));
	ret = slurp(f);
	return ret ? ret : parse(f, v);
}

void irq_close(struct irq_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->buf);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}
