#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# The test of the test: build counter_rseq_test against wrong versions of
# libmkchan_counter.h's restartable sequences, one at a time, and require
# each to fail on this machine (a TCG guest cannot show most of them:
# see Documentation/design.rst, "Mapped counters").  The unchanged header
# must pass first.  A mutation whose text is no longer in the header
# fails the run: it is to be brought up to date with the header.
#
#   rseq-mutants.pl BUILD	(make check-rseq-mutants)
use strict;
use warnings;
use Cwd qw(abs_path);
use FindBin;
use File::Path qw(make_path);
use File::Copy qw(copy);

my $build = shift // die "usage: rseq-mutants.pl BUILD\n";
$| = 1;

# Migration is what several mutants get wrong: with one CPU they are right.
my $cpus = `nproc` // 0;
die "rseq-mutants: needs 2 CPUs or more to run on, has $cpus" if $cpus < 2;
my $top = abs_path("$FindBin::Bin/../..");
my $lib = "$top/tools/lib/mkchan";
my $test = "$top/tools/testing/selftests/mkrep/counter_rseq_test.c";
my $cc = $ENV{CC} // 'gcc';
my @flags = ('-O2', '-Wall', "-I$top/include/uapi", "-I$top/include",
	     "-I$build/ksrc", '-pthread', '-static');
my $header = do { local (@ARGV, $/) = "$lib/libmkchan_counter.h"; <> };

# Each mutant: its name, what it gets wrong, and [search, replacement]
# pairs of literal text, each found exactly once.
my $begin_cs = <<'EOF';
	"leaq 3b(%%rip), %%rax\n\t"					\
	"movq %%rax, %[cs]\n\t"						\
	"1:\n\t"							\
	"movl %[cpu], %%eax\n\t"					\
	MKREP_RSEQ_INJECT(1)						\
	"cmpl %[nr], %%eax\n\t"						\
	"jae %l[slow]\n\t"						\
	"shlq $7, %%rax\n\t"						\
	"addq %[slots], %%rax\n\t"					\
	MKREP_RSEQ_INJECT(2)
EOF
my $cpu_first = <<'EOF';
	"movl %[cpu], %%eax\n\t"					\
	MKREP_RSEQ_INJECT(1)						\
	"cmpl %[nr], %%eax\n\t"						\
	"jae %l[slow]\n\t"						\
	"shlq $7, %%rax\n\t"						\
	"addq %[slots], %%rax\n\t"					\
	MKREP_RSEQ_INJECT(2)						\
	"leaq 3b(%%rip), %%rcx\n\t"					\
	"movq %%rcx, %[cs]\n\t"						\
	"1:\n\t"
EOF
my $add_body = <<'EOF';
		"movq (%%rax), %%rcx\n\t"
		"addq %[delta], %%rcx\n\t"
		MKREP_RSEQ_INJECT(3)
		MKREP_RSEQ_COMMIT("movq %%rcx, (%%rax)\n\t")	/* the commit */
		MKREP_RSEQ_END
EOF
my $end_label = <<'EOF';
#define MKREP_RSEQ_END							\
	"2:\n\t"							\
EOF
my $exact_commit = <<'EOF';
		"subq (%%rax), %%rcx\n\t"
		MKREP_RSEQ_INJECT(3)
		MKREP_RSEQ_COMMIT("movq %%rcx, 8(%%rax)\n\t") /* @base */
		MKREP_RSEQ_END
EOF
my $abort = <<'EOF';
aborted:
	return 1;
slow:
	return -1;
}

/* A local read
EOF

chomp $abort;	# it ends in the middle of a line

my @mutants = (
	['cpu-before', 'the CPU number read before the sequence begins',
	 [$begin_cs, $cpu_first]],
	['load-before', 'the load of the add before the sequence begins',
	 ["\t__asm__ __volatile__ goto(MKREP_RSEQ_BEGIN\n\t\t\"movq (%%rax), %%rcx\\n\\t\"\n\t\t\"addq %[delta]",
	  "\t__asm__ __volatile__ goto(\"movl %[cpu], %%r8d\\n\\t\"\n\t\t\"shlq \$7, %%r8\\n\\t\"\n\t\t\"addq %[slots], %%r8\\n\\t\"\n\t\t\"movq (%%r8), %%r8\\n\\t\"\n\t\tMKREP_RSEQ_INJECT(4)\n\t\tMKREP_RSEQ_BEGIN\n\t\t\"movq %%r8, %%rcx\\n\\t\"\n\t\t\"addq %[delta]"],
	 ['"rax", "rcx", MKREP_RSEQ_INJECT_CLOBBER "memory", "cc"' . "\n\t\t: aborted, slow);\n\treturn 0;\naborted:\n\treturn 1;\nslow:\n\treturn -1;\n}\n\n/* A local read",
	  '"rax", "rcx", "r8", MKREP_RSEQ_INJECT_CLOBBER "memory", "cc"' . "\n\t\t: aborted, slow);\n\treturn 0;\naborted:\n\treturn 1;\nslow:\n\treturn -1;\n}\n\n/* A local read"]],
	['store-after', 'the commit of the add one instruction past the end',
	 [$add_body, $add_body =~ s/(\t\tMKREP_RSEQ_COMMIT.*\n)(\t\tMKREP_RSEQ_END\n)/$2$1/r]],
	['store-after-delay', 'the commit of the add past the end, after a delay',
	 [$add_body, $add_body =~ s/(\t\tMKREP_RSEQ_INJECT\(3\)\n)(\t\tMKREP_RSEQ_COMMIT.*\n)(\t\tMKREP_RSEQ_END\n)/$3$1$2/r]],
	['abort-done', 'an add cut short by a restart reported done',
	 [$abort, $abort =~ s/return 1;/return 0;/r]],
	['base-is-sum', 'an exact read that stores the sum as base',
	 [$exact_commit, $exact_commit =~ s/\t\t"subq \(%%rax\), %%rcx\\n\\t"\n//r]],
	['base-outside', "an exact read whose base store is outside its sequence",
	 [$exact_commit, $exact_commit =~ s/(\t\tMKREP_RSEQ_INJECT\(3\)\n)/\t\t"2:\\n\\t"\n$1/r =~ s/MKREP_RSEQ_END\n/MKREP_RSEQ_END_NOLABEL\n/r],
	 [$end_label, "#define MKREP_RSEQ_END_NOLABEL\t\t\t\t\t\t\\\n" .
	  "\t\".pushsection __rseq_failure, \\\"ax\\\"\\n\\t\"\t\t\t\\\n" .
	  "\t\".byte 0x0f, 0xb9, 0x3d\\n\\t\"\t\t\t\t\t\\\n" .
	  "\t\".long 0x53053053\\n\\t\"\t\t\t\t\t\t\\\n" .
	  "\t\"4:\\n\\t\"\t\t\t\t\t\t\t\\\n" .
	  "\t\"jmp %l[aborted]\\n\\t\"\t\t\t\t\t\t\\\n" .
	  "\t\".popsection\\n\\t\"\n\n" . $end_label]],
	['no-sequence', 'a plain load and store on the slot of sched_getcpu()',
	 ["\tif (!mkrep_rseq_run(mkrep_rseq_add, c, delta, NULL))\n\t\treturn 0;",
	  "\tif (mkrep_rseq_area()) {\n\t\textern int sched_getcpu(void);\n\t\tvolatile long long *p = &c->slots[sched_getcpu()].count;\n\n\t\t*p = *p + delta;\n\t\treturn 0;\n\t}"]],
);

# Build the test against @hdr in directory @dir; run it; its exit status.
sub run_with {
	my ($dir, $hdr) = @_;

	make_path($dir);
	open(my $f, '>', "$dir/libmkchan_counter.h") or die "$dir: $!\n";
	print $f $hdr;
	close($f);
	copy("$lib/libmkchan.h", "$dir/libmkchan.h") or die "copy: $!\n";
	system($cc, @flags, "-I$dir", '-o', "$dir/test", $test,
	       "$build/user/libmkchan.a") == 0 or die "$dir: does not build\n";
	my $out = `"$dir/test" 2>&1`;
	my $rc = $?;
	open($f, '>', "$dir/test.log") or die "$dir: $!\n";
	print $f $out;
	close($f);
	my @failed = $out =~ /^not ok \d+ (\S+)/mg;
	return ($rc, join(' ', @failed));
}

my $dir = "$build/rseq-mutants";
my ($rc, $failed) = run_with("$dir/unchanged", $header);
die "rseq-mutants: the unchanged header fails: $failed (see $dir/unchanged/test.log)\n"
	if $rc;
print "rseq-mutants: unchanged: passes\n";
my $bad = 0;
for my $m (@mutants) {
	my ($name, $what, @edits) = @$m;
	my $h = $header;
	for my $e (@edits) {
		my ($from, $to) = @$e;
		my $n = () = $h =~ /\Q$from\E/g;
		die "rseq-mutants: $name: its text is found $n times in the header, not once: update it\n"
			if $n != 1;
		$h =~ s/\Q$from\E/$to/;
	}
	($rc, $failed) = run_with("$dir/$name", $h);
	if ($rc) {
		printf "rseq-mutants: %-18s fails, as it must: %s (%s)\n",
		       $name, $failed, $what;
	} else {
		printf "rseq-mutants: %-18s PASSES: the test misses %s\n",
		       $name, $what;
		$bad++;
	}
}
die "rseq-mutants: $bad wrong sequence(s) went unnoticed\n" if $bad;
print "rseq-mutants: every wrong sequence fails the test\n";
