// Transparent huge pages for a process's heap. A scheduler holding millions of small records
// takes its heap from the kernel 4 KiB page at a time, and each page costs a fault on its first
// touch: in a virtual machine (this project's hosts) about 20 µs, so the 2.6 GB a restart with
// 2,000,000 queued tasks builds cost 14 s of CPU in faults alone, more than the load's own work.
// glibc's malloc can ask for huge pages on the memory it takes (the tunable
// glibc.malloc.hugetlb=1: MADV_HUGEPAGE, one fault per 2 MiB), but reads its tunables only when
// a process starts, so the process starts once more with it set:
//
//   int main(int argc, char** argv) {
//     auto args = orion::parse_or_exit(opts, argc, argv);
//     if (huge_pages_wanted) orion::reexec_with_huge_pages(argv);  // returns only if it did not
//
// Re-executes /proc/self/exe with the same arguments (same PID; nothing is open yet) and
// GLIBC_TUNABLES=glibc.malloc.hugetlb=1, unless GLIBC_TUNABLES is set already: the operator's
// own tunables win, and the re-executed process finds it set and goes on. Where the kernel has
// transparent huge pages off, the tunable changes nothing. Returns when the exec fails.
#pragma once

namespace orion {

void reexec_with_huge_pages(char** argv);

}  // namespace orion
