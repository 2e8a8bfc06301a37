package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/vocab/englishtest"
)

// TestEveryProblemHasEnglish: every format given to add or say is
// Chinese, quotes with 「」, and has its English in english, which holds
// nothing else.
func TestEveryProblemHasEnglish(t *testing.T) {
	englishtest.Check(t, ".", map[string]int{"add": 2, "say": 0}, english)
}

// Every problem of a broken rule file has its English, nested sentences
// and the library's detail included, and no English problem leaves any
// Chinese of the program's behind (the office's own words, such as a kind
// of unit, may stay).
func TestProblemsInEnglish(t *testing.T) {
	ws := testWorkspace(t)
	for _, tt := range []struct{ file, want string }{
		{"misc.bad.yaml", "misc.bad.yaml:3:11: expr: not a valid expression (expr says: expected bool, but got float64)"},
		{"problems.bad.yaml", `problems.bad.yaml:11:15: rule b.dup: severity: "fatal" must be error (returned), warning (flagged) or explain (explained)`},
		{"message.bad.yaml", "message.bad.yaml:15:10: rule m.syntax: fix: {{round}} is neither a helper nor a figure (.<code>, .prev.<code>, .has_prev or .unit.<field>)"},
		{"examples.bad.yaml", "examples.bad.yaml:9:59: rule e.county: examples[1].units[1].values: the catalogue (indicators.yaml) has no member; did you mean members?"},
	} {
		dir := t.TempDir()
		data, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, tt.file), data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = LoadDir(dir, ws.Catalogue, ws.Kinds)
		var ps vocab.Problems
		if !errors.As(err, &ps) {
			t.Fatalf("%s: %v", tt.file, err)
		}
		found := false
		for _, p := range ps {
			en := p.English()
			found = found || strings.HasSuffix(en, tt.want)
			if p.En == "" || strings.ContainsAny(p.En, "請應該沒有不是缺少，：（") {
				t.Errorf("%s: no English: %s", tt.file, en)
			}
		}
		if !found {
			t.Errorf("%s: no problem reads %q:\n%s", tt.file, tt.want, englishOf(ps))
		}
	}
}

func englishOf(ps vocab.Problems) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.English() + "\n")
	}
	return b.String()
}
