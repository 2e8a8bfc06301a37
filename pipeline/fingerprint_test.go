package pipeline

import (
	"os"
	"path/filepath"
	"testing"

	"countybrief/pipeline/workspace"
)

// workspaceHash follows every file a briefing is made of, the registry by
// the digest its load took: an edit of any of them, loaded again, is a new
// fingerprint, and the same files give the same one.
func TestWorkspaceHashFollowsTheFiles(t *testing.T) {
	ws := campaign(t)
	hash := func() string {
		t.Helper()
		loaded, err := workspace.Load(ws.Dir)
		if err != nil {
			t.Fatal(err)
		}
		h, err := workspaceHash(loaded)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	seen := map[string]string{hash(): "the workspace as made"}
	if again := hash(); seen[again] == "" {
		t.Fatal("the same files give another fingerprint")
	}
	firstIn := func(dir string) string {
		t.Helper()
		es, err := os.ReadDir(dir)
		if err != nil || len(es) == 0 {
			t.Fatalf("no file in %s: %v", dir, err)
		}
		return filepath.Join(dir, es[0].Name())
	}
	for _, path := range []string{
		filepath.Join(ws.Dir, workspace.ConfigFile),
		filepath.Join(ws.Dir, workspace.UnitsFile),
		filepath.Join(ws.Dir, workspace.IndicatorsFile),
		firstIn(ws.TemplatesDir()),
		firstIn(ws.RulesDir()),
	} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(data, "\n# 辦公室的備註\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
		h := hash()
		if was, ok := seen[h]; ok {
			t.Errorf("%s edited: the fingerprint of %s", filepath.Base(path), was)
		}
		seen[h] = filepath.Base(path) + " edited"
	}
}
