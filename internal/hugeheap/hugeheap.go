// Package hugeheap asks Linux to back a one-shot batch's Go heap with
// transparent huge pages.
//
// Where the kernel hands out huge pages only to memory that asks for them
// (transparent_hugepage "madvise", as on this project's machine), a Go
// heap gets 4 KiB pages, one page fault each: the runtime advises only
// its own metadata. On that machine, a virtual one, a fault costs 7 to
// 15 µs, and a batch touches every page of its heap at least once: a
// cold batch of 730 forms made some 15,000 faults, up to a third of its
// CPU.
//
// Measured in alternating pairs on the project's 2-core machine,
// 2026-12-06, load 0.4-1.4, `countybrief run` before and after it asked
// (wall time, after / before: min and median of the pairs): a cold batch
// of 730 forms 0.73 and 0.81 (six pairs; 0.48-0.60 s before; faults
// 14,200-14,900 → 4,900-5,400); 7,300 forms 0.94 and 0.96 (four pairs);
// one changed file at 73,000 units 0.60 and 0.86 (six pairs; 1.01-1.36 s
// before); a cold batch of 73,000 forms 0.95 and 0.96 (three pairs;
// faults 60,000-68,000 → 27,500), its peak resident size 142-143 MiB
// against 134-142 MiB: a huge page is resident whole once any of it is
// touched.
//
// Only a process that ends with its batch should ask: in a long-running
// one (serve), huge pages and the runtime's returning of free memory to
// the system work against each other and its resident size creeps up,
// which is why the Go runtime stopped advising its heap itself (1.21.1).
package hugeheap

import (
	"strconv"
	"strings"
)

// wanted reports whether to advise, given the system's transparent huge
// page setting, its overcommit policy (/proc/sys/vm/overcommit_memory) and
// GODEBUG. Not where huge pages are given to all memory already
// ("always") or to none ("never"); not where the system counts every
// writable mapping against a fixed commit limit ("2"), since the
// untouched ballast would count as used; not on 32-bit systems, whose
// address space a 256 MiB ballast could exhaust (the runtime then ends
// the process); not when GODEBUG keeps the heap off huge pages.
func wanted(mode, overcommit, godebug string) bool {
	return mode == "madvise" && overcommit != "2" && strconv.IntSize == 64 && !disabledByGODEBUG(godebug)
}

// disabledByGODEBUG reports whether GODEBUG asks the runtime to keep its
// heap off huge pages (disablethp=1): the advice is then not given either.
func disabledByGODEBUG(godebug string) bool {
	disabled := false
	for _, setting := range strings.Split(godebug, ",") {
		// As the runtime reads GODEBUG, the last setting of a name wins.
		if name, value, ok := strings.Cut(strings.TrimSpace(setting), "="); ok && name == "disablethp" {
			disabled = value == "1"
		}
	}
	return disabled
}
