// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-probe - whether KVM runs a guest on this machine, not only whether
 * /dev/kvm exists: some machines have the device and fail at the first
 * KVM_RUN, or run a guest that never makes progress.  The probe creates a
 * VM with one vCPU in real mode whose code is "out 0x10, al; hlt", runs
 * it, and expects the port write and then the halt.  Necessary, not
 * sufficient: QEMU's full machine may still fail where this one runs
 * (device-bench.sh tries it next).
 *
 * Prints one line, "kvm: runs a guest" or "kvm: no: <why>", and exits 0
 * when a guest ran, 1 when not.  Built static, so that it can be carried
 * to a machine without a compiler.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#define GUEST_ADDR	0x1000
#define PROBE_PORT	0x10

static int kvm_no(const char *what, int err)
{
	if (err)
		printf("kvm: no: %s: %s\n", what, strerror(err));
	else
		printf("kvm: no: %s\n", what);
	return 1;
}

/* The vCPU did not come back: a guest that never runs. */
static void on_alarm(int sig)
{
	static const char msg[] = "kvm: no: KVM_RUN did not return in 5 s\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

int main(void)
{
	/* mov al, 0x2a; out 0x10, al; hlt */
	static const unsigned char code[] = {
		0xb0, 0x2a, 0xe6, PROBE_PORT, 0xf4
	};
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	int kvm, vm, vcpu, size, i;
	bool out_seen = false;
	void *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return kvm_no("/dev/kvm", errno);
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return kvm_no("KVM_GET_API_VERSION: not the stable API", 0);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return kvm_no("KVM_CREATE_VM", errno);
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return kvm_no("mmap", errno);
	memcpy(mem, code, sizeof(code));
	memset(&region, 0, sizeof(region));
	region.guest_phys_addr = GUEST_ADDR;
	region.memory_size = 0x1000;
	region.userspace_addr = (unsigned long)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		return kvm_no("KVM_SET_USER_MEMORY_REGION", errno);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return kvm_no("KVM_CREATE_VCPU", errno);
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(*run))
		return kvm_no("KVM_GET_VCPU_MMAP_SIZE", size < 0 ? errno : 0);
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return kvm_no("mmap of the vCPU", errno);
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		return kvm_no("KVM_GET_SREGS", errno);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
		return kvm_no("KVM_SET_SREGS", errno);
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_ADDR;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs))
		return kvm_no("KVM_SET_REGS", errno);

	signal(SIGALRM, on_alarm);
	alarm(5);
	for (i = 0; i < 4; i++) {
		if (ioctl(vcpu, KVM_RUN, 0))
			return kvm_no("KVM_RUN", errno);
		if (run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == PROBE_PORT &&
		    ((unsigned char *)run)[run->io.data_offset] == 0x2a) {
			out_seen = true;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_HLT && out_seen) {
			printf("kvm: runs a guest\n");
			return 0;
		}
		printf("kvm: no: the guest exited with reason %u\n",
		       run->exit_reason);
		return 1;
	}
	return kvm_no("the guest did not halt", 0);
}
