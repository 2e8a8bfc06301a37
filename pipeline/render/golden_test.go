package render

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"countybrief/pipeline/workspace"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestTextGolden keeps the text twin of the sample briefing in testdata, so
// that a change of wording or figures shows up in review.
func TestTextGolden(t *testing.T) {
	for _, lang := range []string{workspace.Traditional, workspace.Simplified} {
		t.Run(lang, func(t *testing.T) {
			ws := testWorkspace(t, lang)
			r := newRenderer(t, ws)
			_, text := render(t, r, domainBriefing(t, ws))
			golden := filepath.Join("testdata", "briefing."+lang+".txt")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if text != string(want) {
				i := firstDiff(text, string(want))
				t.Errorf("text twin differs from %s at rune %d:\n got: %s\nwant: %s", golden, i, around(text, i), around(string(want), i))
			}
		})
	}
}
