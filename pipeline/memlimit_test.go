package pipeline

import (
	"fmt"
	"runtime/debug"
	"testing"

	"countybrief/pipeline/workspace"
)

// TestMemoryLimitFollowsTheRegistry: a large registry's batch raises the
// soft memory limit for its duration and puts the caller's back; a small
// one, or a limit chosen with GOMEMLIMIT, is left alone.
func TestMemoryLimitFollowsTheRegistry(t *testing.T) {
	const configured = 48 << 20
	tests := []struct {
		units    int
		gomemlim string
		want     int64
	}{
		{units: 73, want: configured},
		{units: 7300, want: memoryBase + 7300*memoryPerUnit},
		{units: 73000, want: memoryBase + 73000*memoryPerUnit},
		{units: 73000, gomemlim: "48MiB", want: configured},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d units GOMEMLIMIT=%q", tt.units, tt.gomemlim), func(t *testing.T) {
			if tt.gomemlim != "" {
				t.Setenv("GOMEMLIMIT", tt.gomemlim)
			}
			was := debug.SetMemoryLimit(configured)
			defer debug.SetMemoryLimit(was)
			ws := &workspace.Workspace{Units: make([]workspace.Unit, tt.units)}
			restore := raiseMemoryLimit(ws)
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
