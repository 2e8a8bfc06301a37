package pipeline

import (
	"fmt"
	"runtime/debug"
	"testing"

	"countybrief/pipeline/inbox"
	"countybrief/pipeline/workspace"
)

// TestMemoryLimitFollowsTheRegistry: a large registry's batch raises the
// soft memory limit for its duration, less on huge pages, and puts the
// caller's back; a small one, or a limit chosen with GOMEMLIMIT, is left
// alone.
func TestMemoryLimitFollowsTheRegistry(t *testing.T) {
	const configured = 48 << 20
	tests := []struct {
		units     int
		hugePages bool
		gomemlim  string
		want      int64
	}{
		{units: 73, want: configured},
		{units: 73, hugePages: true, want: configured},
		{units: 7300, want: max(configured, memoryBase+7300*memoryPerUnit)},
		{units: 73000, want: memoryLargeBase + 73000*memoryLargePerUnit},
		{units: 73000, hugePages: true, want: (memoryLargeBase + 73000*memoryLargePerUnit) * hugePageLimitShare / 100},
		{units: 60000, want: memoryBase + 60000*memoryPerUnit},
		{units: 204000, want: memoryLargeBase + 204000*memoryLargePerUnit},
		{units: 204000, hugePages: true, want: (memoryLargeBase + 204000*memoryLargePerUnit) * hugePageLimitShare / 100},
		{units: 73000, gomemlim: "48MiB", want: configured},
		{units: 73000, hugePages: true, gomemlim: "48MiB", want: configured},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d units huge pages %v GOMEMLIMIT=%q", tt.units, tt.hugePages, tt.gomemlim), func(t *testing.T) {
			if tt.gomemlim != "" {
				t.Setenv("GOMEMLIMIT", tt.gomemlim)
			}
			was := debug.SetMemoryLimit(configured)
			defer debug.SetMemoryLimit(was)
			ws := &workspace.Workspace{Units: make([]workspace.Unit, tt.units)}
			restore := raiseMemoryLimit(ws, tt.hugePages)
			if got := debug.SetMemoryLimit(-1); got != tt.want {
				t.Errorf("limit during the batch %d MiB, want %d MiB", got>>20, tt.want>>20)
			}
			restore()
			if got := debug.SetMemoryLimit(-1); got != configured {
				t.Errorf("limit after the batch %d, want the caller's %d", got, int64(configured))
			}
		})
	}
}

// TestCollectorPaceDuringTheBatch: a batch collects at batchGCPercent and
// puts the caller's pace back, unless GOGC chose one or the caller's is
// slower (or the collector off).
func TestCollectorPaceDuringTheBatch(t *testing.T) {
	tests := []struct {
		caller int
		gogc   string
		want   int
	}{
		{caller: 100, want: batchGCPercent},
		{caller: 50, want: batchGCPercent},
		{caller: 800, want: 800},
		{caller: -1, want: -1},
		{caller: 100, gogc: "100", want: 100},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("caller %d GOGC=%q", tt.caller, tt.gogc), func(t *testing.T) {
			if tt.gogc != "" {
				t.Setenv("GOGC", tt.gogc)
			}
			was := debug.SetGCPercent(tt.caller)
			defer debug.SetGCPercent(was)
			restore := paceCollector()
			if got := debug.SetGCPercent(-1); got != tt.want {
				t.Errorf("pace during the batch %d, want %d", got, tt.want)
			}
			debug.SetGCPercent(tt.want)
			restore()
			if got := debug.SetGCPercent(tt.caller); got != tt.caller {
				t.Errorf("pace after the batch %d, want the caller's %d", got, tt.caller)
			}
		})
	}
}

// TestGroupsFollowTheBatch: a large batch is cut into fewer, larger groups
// (each costs two commits and a flush), never fewer than minGroups while
// they would be larger than groupSize, never larger than maxGroupSize
// files or groupBytes bytes, and every file is in exactly one group, in
// order.
func TestGroupsFollowTheBatch(t *testing.T) {
	tests := []struct {
		files     int
		size      int64 // bytes a file
		wantFirst int   // files in the first group
	}{
		{files: 79, size: 12 << 10, wantFirst: 79},
		{files: 736, size: 12 << 10, wantFirst: groupSize},
		{files: 7306, size: 12 << 10, wantFirst: 7306 / minGroups},
		{files: 73006, size: 2 << 10, wantFirst: maxGroupSize},
		{files: 73006, size: 12 << 10, wantFirst: groupBytes / (12 << 10)},
		{files: 73006, size: 1 << 20, wantFirst: groupBytes / (1 << 20)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d files of %d KiB", tt.files, tt.size>>10), func(t *testing.T) {
			ready := make([]inbox.Candidate, tt.files)
			for i := range ready {
				ready[i] = inbox.Candidate{Path: fmt.Sprint(i), Size: tt.size}
			}
			next, n := 0, 0
			for g := range groups(ready) {
				if n == 0 && len(g) != tt.wantFirst {
					t.Errorf("first group has %d files, want %d", len(g), tt.wantFirst)
				}
				if len(g) > maxGroupSize || int64(len(g)-1)*tt.size > groupBytes {
					t.Errorf("group %d: %d files", n, len(g))
				}
				for _, c := range g {
					if c.Path != fmt.Sprint(next) {
						t.Fatalf("group %d holds file %s, want %d", n, c.Path, next)
					}
					next++
				}
				n++
			}
			if next != tt.files {
				t.Errorf("the groups hold %d files, want %d", next, tt.files)
			}
		})
	}
}
