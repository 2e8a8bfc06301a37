package rules

import (
	"io/fs"
	"testing"

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
