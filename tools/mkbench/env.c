// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench - where the numbers come from: the environment (bare metal, a
 * hypervisor's guest, or software emulation whose timings are not
 * hardware timings), the CPU model, and which CPUs are online.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __x86_64__
#include <cpuid.h>
#endif

#include "mkbench.h"

#define CPU_ONLINE	"/sys/devices/system/cpu/online"

/* Hypervisor signatures of CPUID leaf 0x40000000 (EBX, ECX, EDX). */
static const struct {
	const char sig[13];
	const char *name;
} hypervisors[] = {
	{ "KVMKVMKVM\0\0\0", "KVM" },
	{ "TCGTCGTCGTCG", "TCG" },
	{ "Microsoft Hv", "Hyper-V" },
	{ "VMwareVMware", "VMware" },
	{ "XenVMMXenVMM", "Xen" },
	{ "bhyve bhyve ", "bhyve" },
	{ "VBoxVBoxVBox", "VirtualBox" },
	{ " lrpepyh  vr", "Parallels" },
	{ "ACRNACRNACRN", "ACRN" },
};

/*
 * The hypervisor this runs under: its name in @name, 1 when there is one,
 * 0 on bare metal (or where CPUID cannot tell).
 */
static int hypervisor(char *name, size_t len)
{
#ifdef __x86_64__
	unsigned int a, b, c, d, i;
	char sig[13];

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1U << 31)))
		return 0;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
	for (i = 0; i < ARRAY_SIZE(hypervisors); i++) {
		if (!memcmp(sig, hypervisors[i].sig, 12)) {
			snprintf(name, len, "%s", hypervisors[i].name);
			return 1;
		}
	}
	for (i = 0; i < 12; i++)
		if (sig[i] < ' ' || sig[i] > '~')
			sig[i] = ' ';
	snprintf(name, len, "unknown (\"%s\")", sig);
	return 1;
#else
	(void)name;
	(void)len;
	return 0;
#endif
}

static void cpu_model(char *buf, size_t len)
{
	char line[256], *colon, *nl;
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(buf, len, "unknown CPU");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10))
			continue;
		colon = strchr(line, ':');
		if (!colon)
			continue;
		nl = strchr(colon, '\n');
		if (nl)
			*nl = '\0';
		snprintf(buf, len, "%s", colon + 2);
		break;
	}
	fclose(f);
}

void env_detect(const char *given, struct bench_env *env)
{
	char hv[64];
	int virt = hypervisor(hv, sizeof(hv));

	memset(env, 0, sizeof(*env));
	cpu_model(env->cpu_model, sizeof(env->cpu_model));
	env->virtual = virt;
	if (given && *given) {
		snprintf(env->desc, sizeof(env->desc), "%s", given);
		env->emulated = strstr(given, "TCG") || strstr(given, "emulat");
		env->virtual = env->virtual || strstr(given, "guest");
		return;
	}
	if (virt && !strcmp(hv, "TCG")) {
		env->emulated = true;
		snprintf(env->desc, sizeof(env->desc),
			 "TCG guest (QEMU software emulation)");
	} else if (virt) {
		snprintf(env->desc, sizeof(env->desc),
			 "host (user space; running under a%s %s hypervisor)",
			 strchr("AEIOUaeiou", hv[0]) ? "n" : "", hv);
	} else {
		snprintf(env->desc, sizeof(env->desc),
			 "host (user space; bare metal)");
	}
}

void env_load_average(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");
	float a = 0, b = 0, c = 0;

	if (f && fscanf(f, "%f %f %f", &a, &b, &c) == 3)
		snprintf(buf, len, "%.2f %.2f %.2f", a, b, c);
	else
		snprintf(buf, len, "unknown");
	if (f)
		fclose(f);
}

/* Whether @cpu is in the list of @path ("0-3,8"): 1, 0, or -1. */
static int list_has(const char *path, int cpu)
{
	char buf[4096], *p = buf, *end;
	long lo, hi;
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		ret = -1;
	fclose(f);
	while (!ret && *p && *p != '\n') {
		lo = strtol(p, &end, 10);
		if (end == p)
			return -1;
		hi = lo;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		if (cpu >= lo && cpu <= hi)
			return 1;
		p = *end == ',' ? end + 1 : end;
	}
	return ret;
}

int env_cpu_online(int cpu)
{
	return list_has(CPU_ONLINE, cpu);
}

int env_default_cpus(int cpu[2])
{
	cpu_set_t set;
	int c, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (c = 0; c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &set) && env_cpu_online(c) != 0)
			cpu[n++] = c;
	if (n == 1)
		cpu[1] = cpu[0];
	return n ? 0 : -1;
}
