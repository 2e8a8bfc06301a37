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
	reps := representatives(ws.Units, ws.Kinds)
	figures := s.types.probeFigures()
	for _, u := range reps {
		for _, cur := range figures {
			section(fmt.Sprintf("%s, %s", u.Kind, cur.name.Zh), s.CheckUnit(UnitInput{Unit: u, Values: cur.values}))
			for _, prev := range figures {
				section(fmt.Sprintf("%s, %s, previous %s", u.Kind, cur.name.Zh, prev.name.Zh),
					s.CheckUnit(UnitInput{Unit: u, Values: cur.values, Prev: prev.values}))
			}
		}
	}
	for _, f := range figures {
		two := []UnitInput{{Unit: reps[0], Values: f.values}, {Unit: reps[1], Values: f.values}}
		section("county, "+f.name.Zh, s.CheckCounty(two, mergedTotals(ws, two)))
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
		section(fmt.Sprintf("round %d, county", round), s.CheckCounty(county, mergedTotals(ws, county)))
	}
	features, err := LoadDir(testdataDir(t, "features.good.yaml"), ws.Catalogue, ws.Kinds)
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

func TestMessageHelpers(t *testing.T) {
	ws := testWorkspace(t)
	s, err := LoadDir(testdataDir(t, "helpers.good.yaml"), ws.Catalogue, ws.Kinds)
	if err != nil {
		t.Fatal(err)
	}
	township, _ := ws.Unit("Z01")
	type said struct{ rule, message, fix string }
	tests := []struct {
		name         string
		values, prev map[string]float64
		want         []said
	}{
		{name: "helpers and a group",
			values: map[string]float64{"households_benefited": 2000, "people_benefited": 1536, "help_funds": 113000,
				"problems_found": 149, "problems_solved": 79, "members": 40, "reading_note_chars": 205000},
			want: []said{{"h.helpers", "受益約 1500餘 人，資金 11.3萬元，解決率 53.0%，人均筆記 5000 字以上。", "洋川鎮（鄉鎮，名冊 333 人）請核對 2000 戶。"}}},
		{name: "previous period shown", values: map[string]float64{"members": 0}, prev: map[string]float64{"members": 2},
			want: []said{{"h.prev", "黨員 0 人，上期 2 人。", "上期 2 人（記錄 2 人，本期 0 人）。"}}},
		{name: "no previous period: its figures print as nothing", values: map[string]float64{"members": 0},
			want: []said{{"h.prev", "黨員 0 人。", "上期  人。"}}},
		{name: "each", values: map[string]float64{"members": 1, "help_funds": 10000}, prev: map[string]float64{"members": 1, "help_funds": 20000},
			want: []said{{"h.each", "「投入幫扶資金」由 2.0萬 減為 1.0萬（10000.0 元）。", "填累計數。"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []said
			for _, f := range s.CheckUnit(UnitInput{Unit: township, Values: tt.values, Prev: tt.prev}) {
				got = append(got, said{f.Rule, f.Message, f.Fix})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
	one := []UnitInput{{Unit: township, Values: map[string]float64{"members": 3, "reading_note_chars": 14000, "people_benefited": 1536}}}
	county := s.CheckCounty(one, mergedTotals(ws, one))
	if len(county) != 1 || county[0].Message != "1 個單位合計 1500餘 人，人均筆記 4666.67 字。" {
		t.Errorf("county findings %+v", county)
	}
}

// A finding carries every figure its message and fix show, not only
// those its expression reads.
func TestFindingValuesFollowTheMessage(t *testing.T) {
	ws := testWorkspace(t)
	s, err := LoadDir(testdataDir(t, "helpers.good.yaml"), ws.Catalogue, ws.Kinds)
	if err != nil {
		t.Fatal(err)
	}
	fs := s.CheckUnit(UnitInput{Unit: ws.Units[0], Values: map[string]float64{"households_benefited": 2, "people_benefited": 1, "members": 1}})
	if len(fs) != 1 {
		t.Fatalf("findings %+v", fs)
	}
	got := slices.Sorted(maps.Keys(fs[0].Values))
	want := []string{"help_funds", "households_benefited", "notes_per_member", "people_benefited", "problems_found", "problems_solved"}
	if !slices.Equal(got, want) {
		t.Errorf("values of %v, want %v", got, want)
	}
}

// A message that fails on figures its trial run at load did not have
// gives the rule's description, so that the finding still says what is
// wrong.
func TestMessageFallsBackToDescription(t *testing.T) {
	ws := testWorkspace(t)
	dir := t.TempDir()
	rule := `rules:
  - id: f.slice
    description: 典型培育點至少一個
    expr: typical_sites >= 1
    severity: warning
    message: 單位 {{slice .unit.code 0 7}} 沒有典型培育點。
    fix: 請補報 {{slice .unit.code 0 7}}。
`
	if err := os.WriteFile(filepath.Join(dir, "slice.yaml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadDir(dir, ws.Catalogue, ws.Kinds)
	if err != nil {
		t.Fatal(err)
	}
	township, _ := ws.Unit("Z01") // a code shorter than the example unit's
	fs := s.CheckUnit(UnitInput{Unit: township})
	if len(fs) != 1 || fs[0].Message != "典型培育點至少一個" || fs[0].Fix != "典型培育點至少一個" {
		t.Errorf("findings %+v", fs)
	}
}
