package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/expr-lang/expr"
)

// TestNarrowCountyRows: the county rules' rows hold only the figures the
// rules read of a unit when nothing else of a row can be seen, and every
// figure otherwise; either way a rule's verdict, message and figures are
// those of the rule run over rows of every figure, derived figures
// included.
func TestNarrowCountyRows(t *testing.T) {
	ws := testWorkspace(t)
	tests := []struct {
		name  string
		exprs []string
		pick  []string // nil: every figure
	}{
		{"fields in predicates", []string{`all(units, {.typical_sites >= 1})`,
			`all(filter(units, {.unit.kind == "鄉鎮"}), {.county_leader_visits >= 1})`}, []string{"typical_sites", "county_leader_visits"}},
		{"totals only", []string{`total.problems_solved <= total.problems_found`, `len(units) >= 1`}, []string{}},
		{"a derived figure", []string{`sum(units, .notes_per_member) >= 5000`,
			`count(units, #.members > 300) >= 1`}, []string{"members", "notes_per_member"}},
		{"a row made text", []string{`all(units, {.typical_sites >= 1})`, `toJSON(units) != ""`}, nil},
		{"a row on its own", []string{`all(units, {# != nil && .typical_sites >= 1})`}, nil},
		{"a row by index", []string{`all(units, {.typical_sites >= 1})`, `units[0].problems_found >= 1`}, nil},
		{"rows under another name", []string{`let u = units; all(u, {.typical_sites >= 1})`}, nil},
		{"the environment", []string{`all($env.units, {.typical_sites >= 1})`}, nil},
		{"rows reduced", []string{`reduce(units, #acc + #.typical_sites, 0) >= 1`}, nil},
	}
	units := []UnitInput{
		{Unit: ws.Units[0], Values: saneUnit()},
		{Unit: ws.Units[1], Values: with(saneUnit(), "typical_sites", 0, "members", 0)},
		{Unit: ws.Units[2], Values: with(saneUnit(), "county_leader_visits", 0, "reading_note_chars", 1000)},
	}
	totals := mergedTotals(ws, units)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			yaml := "rules:\n"
			for i, e := range tt.exprs {
				yaml += fmt.Sprintf("  - id: county.r%d\n    scope: county\n    description: 規則 %d\n    expr: '%s'\n    severity: warning\n    message: 全縣 {{.units}} 個單位。\n    fix: 核對。\n", i, i, e)
			}
			if err := os.WriteFile(filepath.Join(dir, "county.yaml"), []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := LoadDir(dir, ws.Catalogue, ws.Kinds)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, i := range s.rows.pick {
				got = append(got, s.types.codes[i])
			}
			want := tt.pick
			if want == nil {
				want = s.types.codes
			}
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("rows hold %q, want %q", got, want)
			}
			// The same rules compiled against rows of every figure.
			full := &Set{types: s.types, kinds: s.kinds, rows: s.types.rows}
			for _, r := range s.county {
				c := *r
				if c.program, err = expr.Compile(r.source, s.types.options(s.types.rows.county)...); err != nil {
					t.Fatal(err)
				}
				full.county = append(full.county, &c)
			}
			wantRep := full.CheckCountyReport(units, totals)
			gotRep := s.CheckCountyReport(units, totals)
			if !reflect.DeepEqual(gotRep, wantRep) {
				t.Errorf("narrow rows:\n%+v\nevery figure:\n%+v", gotRep, wantRep)
			}
			if len(wantRep.Broken) > 0 {
				t.Errorf("broken rules: %+v", wantRep.Broken)
			}
		})
	}
}
