WARNING:
BUG:
Oops
Kernel panic
general protection fault
Call Trace:
scheduling while atomic
possible circular locking dependency
possible recursive locking
inconsistent lock state
suspicious RCU usage
DEBUG_LOCKS_WARN_ON
lock held when returning to user space
UBSAN:
KASAN:
KCSAN:
kmemleak:.*new suspected memory leak
soft lockup
hard LOCKUP
detected stall
blocked for more than
