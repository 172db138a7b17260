// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench - where the numbers come from: the environment (bare metal, a
 * hypervisor's guest, or software emulation whose timings are not
 * hardware timings), the CPU model, which CPUs are online, which are SMT
 * siblings, and the time the hypervisor stole from them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/*
 * The names a hypervisor gives its vCPUs when it does not pass the host's
 * on: they say nothing of the CPU underneath.  QEMU's default models, and
 * Firecracker's normalised brand string (vendor and nothing else).
 */
static const char *const generic_models[] = {
	"QEMU Virtual CPU", "QEMU TCG CPU", "Common KVM processor",
	"Common 32-bit KVM processor", "Intel(R) Xeon(R) Processor",
};

/*
 * Whether @name is empty or one of generic_models[], alone or followed by
 * a version ("QEMU Virtual CPU version 2.5+") or a clock ("@ 2.60GHz").
 */
static bool generic_model(const char *name)
{
	const char *rest;
	unsigned int i;
	size_t n;

	name += strspn(name, " ");
	if (!*name)
		return true;
	for (i = 0; i < ARRAY_SIZE(generic_models); i++) {
		n = strlen(generic_models[i]);
		if (strncmp(name, generic_models[i], n))
			continue;
		rest = name + n + strspn(name + n, " ");
		if (!*rest || *rest == '@' || !strncmp(rest, "version", 7))
			return true;
	}
	return false;
}

/* CPUID's brand string (leaves 0x80000002-4), or "" where there is none. */
static void cpuid_brand(char *buf, size_t len)
{
	char brand[49] = "";
#ifdef __x86_64__
	unsigned int r[4], i;

	if (__get_cpuid_max(0x80000000, NULL) >= 0x80000004) {
		for (i = 0; i < 3; i++) {
			__cpuid(0x80000002 + i, r[0], r[1], r[2], r[3]);
			memcpy(brand + 16 * i, r, 16);
		}
		brand[48] = '\0';
	}
#endif
	snprintf(buf, len, "%s", brand + strspn(brand, " "));
}

/* /proc/cpuinfo's first "model name", or "" where there is none. */
static void cpuinfo_model(char *buf, size_t len)
{
	char line[256], *colon, *nl;
	FILE *f = fopen("/proc/cpuinfo", "r");

	buf[0] = '\0';
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
		snprintf(buf, len, "%s", colon + 1 + strspn(colon + 1, " \t"));
		break;
	}
	fclose(f);
}

/*
 * CPUID's brand string; where it is only a hypervisor's generic model (or
 * empty), /proc/cpuinfo's model name; where that is generic too, the name
 * said to be generic, with CPUID's family and model, which hypervisors
 * usually pass on.
 */
static void cpu_model(char *buf, size_t len)
{
	char brand[64], info[128];
#ifdef __x86_64__
	unsigned int a, b, c, d, family, model;
#endif

	cpuid_brand(brand, sizeof(brand));
	if (!generic_model(brand)) {
		snprintf(buf, len, "%s", brand);
		return;
	}
	cpuinfo_model(info, sizeof(info));
	if (!generic_model(info)) {
		snprintf(buf, len, "%s", info);
		return;
	}
	snprintf(buf, len, "%s (a generic name", info[0] ? info :
		 brand[0] ? brand : "unknown CPU");
#ifdef __x86_64__
	if (__get_cpuid(1, &a, &b, &c, &d)) {
		family = (a >> 8) & 0xf;
		model = (a >> 4) & 0xf;
		if (family == 0xf)
			family += (a >> 20) & 0xff;
		if (family == 6 || family >= 0xf)
			model |= ((a >> 16) & 0xf) << 4;
		snprintf(buf + strlen(buf), len - strlen(buf),
			 "; family %u, model %u", family, model);
	}
#endif
	snprintf(buf + strlen(buf), len - strlen(buf), ")");
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

int env_smt_siblings(int a, int b)
{
	char path[96];

	if (a == b)
		return 0;
	snprintf(path, sizeof(path),
		 "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
		 a);
	return list_has(path, b);
}

int env_steal(const int cpu[2], long long steal[3], unsigned int *ncpus)
{
	unsigned long long v[8];
	long hz = sysconf(_SC_CLK_TCK);
	char line[512], name[16];
	FILE *f = fopen("/proc/stat", "r");
	int n, i, k;

	steal[0] = -1;
	steal[1] = -1;
	steal[2] = -1;
	*ncpus = 0;
	if (!f)
		return -errno;
	if (hz <= 0)
		hz = 100;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "cpu", 3))
			continue;
		/* user nice system idle iowait irq softirq steal */
		n = sscanf(line, "%15s %llu %llu %llu %llu %llu %llu %llu %llu",
			   name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6], &v[7]);
		if (n < 9)
			continue;
		if (!strcmp(name, "cpu")) {
			steal[0] = v[7] * 1000000000LL / hz;
			continue;
		}
		++*ncpus;
		k = atoi(name + 3);
		for (i = 0; i < 2; i++)
			if (k == cpu[i])
				steal[1 + i] = v[7] * 1000000000LL / hz;
	}
	fclose(f);
	return steal[0] < 0 ? -ENODATA : 0;
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
