package rules

import (
	"io/fs"
	"testing"

	"countybrief/pipeline/merge"
	"countybrief/pipeline/workspace"
)

// testWorkspace lays out a workspace from the shipped defaults, so the
// tests run against the real catalogue and unit registry.
func testWorkspace(t testing.TB) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Init(t.TempDir(), map[string]fs.FS{workspace.RulesDir: Defaults()})
	if err != nil {
		t.Fatalf("init workspace: %v", err)
	}
	return ws
}

// mergedTotals are the county figures the briefing prints for units, as
// the batch hands them to the county rules.
func mergedTotals(ws *workspace.Workspace, units []UnitInput) map[string]float64 {
	values := make(map[string]map[string]float64, len(units))
	for _, u := range units {
		values[u.Unit.Code] = u.Values
	}
	return merge.Merge(ws.Catalogue, ws.Units, values).All
}
