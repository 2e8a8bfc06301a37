package rules

import (
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"countybrief/pipeline/vocab"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestMessagesGolden pins the words and figures of every finding the
// shipped rules and testdata/features.good.yaml give on the examples, on
// the probe's figures and on demo-like counties, so that a change to how
// messages are written shows as a diff of what clerks read.
func TestMessagesGolden(t *testing.T) {
	s, ws := defaultSet(t)
	var b strings.Builder
	// A line is written where it first appears: the probe's figures give
	// the same words on many units.
	seen := map[string]bool{}
	section := func(name string, fs []vocab.Finding) {
		var lines []string
		for _, f := range fs {
			line := fmt.Sprintf("%s\t%s\t%s\n", f.Rule, f.Message, f.Fix)
			if !seen[line] {
				seen[line] = true
				lines = append(lines, line)
			}
		}
		if len(lines) > 0 {
			fmt.Fprintf(&b, "# %s\n%s", name, strings.Join(lines, ""))
		}
	}
	examples := func(s *Set) {
		for _, res := range s.RunExamples() {
			section(fmt.Sprintf("%s example %d", res.Rule, res.Index), res.Findings)
		}
	}
	examples(s)
	reps := representatives(ws.Units)
	figures := s.types.probeFigures()
	for _, u := range reps {
		for _, cur := range figures {
			section(fmt.Sprintf("%s, %s", u.Kind, cur.name), s.CheckUnit(UnitInput{Unit: u, Values: cur.values}))
			for _, prev := range figures {
				section(fmt.Sprintf("%s, %s, previous %s", u.Kind, cur.name, prev.name),
					s.CheckUnit(UnitInput{Unit: u, Values: cur.values, Prev: prev.values}))
			}
		}
	}
	for _, f := range figures {
		section("county, "+f.name, s.CheckCounty([]UnitInput{{Unit: reps[0], Values: f.values}, {Unit: reps[1], Values: f.values}}))
	}
	// Demo-like counties: plausible figures with the slips clerks make.
	r := rand.New(rand.NewPCG(12, 4))
	for round := range 2 {
		var county []UnitInput
		for i, u := range ws.Units {
			vals := plausibleUnit(r)
			switch (i + round) % 7 {
			case 1:
				vals["problems_solved"] = vals["problems_found"] + 1
			case 2:
				vals["help_funds"] = 0.3
			case 3:
				vals["reading_note_chars"] = vals["members"] * 4321.5
			case 4:
				vals["typical_sites"] = 0
			}
			prev := map[string]float64{}
			for _, k := range slices.Sorted(maps.Keys(vals)) {
				prev[k] = float64(int(vals[k] * (0.5 + r.Float64())))
			}
			in := UnitInput{Unit: u, Values: vals, Prev: prev}
			if i%3 == 0 {
				in.Prev = nil
			}
			section(fmt.Sprintf("round %d, %s", round, u.Code), s.CheckUnit(in))
			county = append(county, in)
		}
		section(fmt.Sprintf("round %d, county", round), s.CheckCounty(county))
	}
	features, err := LoadDir(testdataDir(t, "features.good.yaml"), ws.Catalogue)
	if err != nil {
		t.Fatal(err)
	}
	examples(features)
	golden(t, filepath.Join("testdata", "messages.golden"), b.String())
}

// testdataDir is a folder holding only the named testdata file.
func testdataDir(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from line %d:\n got %s\nwant %s\n(run go test -update if the change is meant)", path, i+1, g, w)
			}
		}
	}
}
