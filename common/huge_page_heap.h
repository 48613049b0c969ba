// Huge pages for a service's heap. A scheduler with a million tasks holds over a GiB of small
// allocations; on 4 KiB pages the first touch of each costs a page fault, which on a virtual
// machine was a third of a restart's time and half of making a 100,000-task batch
// (orion-dag-phases: apply_batches 580 -> 240-310 ms of CPU, a follower's snapshot restore
// 1.5-2.0 -> 1.1 s). glibc backs its heap with transparent huge pages when the tunable
// glibc.malloc.hugetlb=1 is set, and it is read only when a process starts; so the service
// starts itself again, once, with it set (same PID, same arguments, same environment plus the
// tunable). Where the kernel's transparent huge pages are off it changes nothing.
//
// Skipped when GLIBC_TUNABLES already names glibc.malloc.hugetlb (an operator's choice, or the
// second start) and when ORION_HUGE_PAGE_HEAP=0.
#pragma once

namespace orion {

// Call first thing in main(), before any thread or socket exists. Returns only when the
// process goes on as it is (skipped, or the new start failed: it then runs without).
void restart_with_huge_page_heap(char** argv);

// Logs `event=heap glibc_tunables="..."` (as this process's glibc read them; "" when none), so
// an operator sees whether the heap is on huge pages. Once logging is set up.
void log_heap_tunables();

}  // namespace orion
