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
// 2026-12-06, load 0.5-1.7, `countybrief run` with and without the advice
// (wall time with / without, min and median of the pairs), asked as run
// asks, before the workspace is loaded: a cold batch of 73 units 0.67
// and 0.73 (four pairs; peak resident 62-63 → 72-74 MiB), of 730 units
// 0.64 and 0.83 (seven pairs; faults 13,700-15,300 → 4,500-5,400); a
// quiet batch of 7,300 units unchanged (four pairs). Asked after loading,
// an earlier version: a cold batch of 7,300 units 0.94 and 0.96 (four
// pairs). Huge pages cost memory: a huge page is resident whole once any
// of it is touched, and the runtime's memory limit does not count the
// part untouched. At 73,000 units, a cold batch advised peaked up to 16
// MiB higher under the same limit; a batch that raises its limit for a
// large registry raises it less on huge pages (the pipeline's
// raiseMemoryLimit, with the figures at 73,000 and 204,000 units).
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
// the process); not when GODEBUG keeps the heap off huge pages; not under
// the race detector (raceDetector).
func wanted(mode, overcommit, godebug string) bool {
	return mode == "madvise" && overcommit != "2" && strconv.IntSize == 64 && !raceDetector && !disabledByGODEBUG(godebug)
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
