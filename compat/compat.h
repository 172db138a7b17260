/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels mkernel builds against, in one
 * place.  Kbuild force-includes this header into every object of the
 * modules (compat/Kbuild.include), so the modules' own files are written
 * against the newest supported kernel and carry no version test.
 *
 * Where a kernel version would lie -- Debian's and the stable trees'
 * backports bring an interface to an older release -- the decision is
 * taken from a probe of the kernel's headers in compat/Kbuild.include,
 * which defines MKC_HAVE_<FEATURE>; a version number is used only for the
 * supported range, which compat/Kbuild.include checks before anything is
 * compiled.
 */
#ifndef _MKERNEL_COMPAT_H
#define _MKERNEL_COMPAT_H

/*
 * This header comes before anything of the file it is forced into, so it
 * includes no kernel header itself (a file's pr_fmt must come first):
 * what it provides are macros, expanded where the file's own includes
 * have declared what they use.
 */

/*
 * vm_flags_set() and vm_flags_clear() (6.3): from then on vma->vm_flags is
 * const and only these may change it, with the mmap lock held for write,
 * as it is in an ->mmap() handler.  Before, the field is written directly.
 */
#ifndef MKC_HAVE_VM_FLAGS_SET
#define vm_flags_set(vma, flags)	((void)((vma)->vm_flags |= (flags)))
#define vm_flags_clear(vma, flags)	((void)((vma)->vm_flags &= ~(flags)))
#endif

#endif /* _MKERNEL_COMPAT_H */
