package rules

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"countybrief/pipeline/workspace"
)

// TestCheckCountyFiguresMatchesMaps: the county rules judge figures by
// position as they judge the same figures keyed by code, whatever the
// order of the codes, with a figure not reported counted as 0 either way
// and a code the rules do not know ignored.
func TestCheckCountyFiguresMatchesMaps(t *testing.T) {
	s, ws := defaultSet(t)
	var codes []string
	for _, in := range ws.Catalogue.Inputs() {
		codes = append(codes, in.Code)
	}
	slices.Reverse(codes)
	codes = append(codes, "not_in_the_catalogue")
	tests := []struct {
		name         string
		values       []map[string]float64
		wantFindings bool
	}{
		{"no units", nil, false},
		{"every unit sane", []map[string]float64{saneUnit(), saneUnit(), saneUnit()}, false},
		{"a unit without a typical site", []map[string]float64{saneUnit(), with(saneUnit(), "typical_sites", 0)}, true},
		{"a figure not reported", []map[string]float64{saneUnit(), without(saneUnit(), "typical_sites")}, true},
		{"few topics revised twice", []map[string]float64{with(saneUnit(), "topics_revised_twice", 0), saneUnit()}, true},
	}
	// A rule that a figure not reported passes only as 0, not as NaN.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "county.yaml"), []byte(`rules:
  - id: county.at_most_five_sites
    scope: county
    description: 每個單位的典型培育點不多於 5 個
    expr: all(units, {.typical_sites <= 5})
    severity: warning
    message: 有單位的典型培育點多於 5 個。
    fix: 核對各單位的典型培育點數。
`), 0o644); err != nil {
		t.Fatal(err)
	}
	atMostFive, err := LoadDir(dir, ws.Catalogue, ws.Kinds)
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []struct {
		name string
		s    *Set
	}{{"shipped rules", s}, {"at most five sites", atMostFive}} {
		for _, tt := range tests {
			t.Run(set.name+"/"+tt.name, func(t *testing.T) {
				var inputs []UnitInput
				var units []*workspace.Unit
				var rows [][]float64
				for k, vs := range tt.values {
					u := ws.Units[k%len(ws.Units)]
					inputs = append(inputs, UnitInput{Unit: u, Values: vs})
					row := make([]float64, len(codes))
					for i, c := range codes {
						v, ok := vs[c]
						if !ok {
							v = math.NaN()
						}
						row[i] = v
					}
					row[len(codes)-1] = 1e9 // the unknown code's figure
					units = append(units, &ws.Units[k%len(ws.Units)])
					rows = append(rows, row)
				}
				totals := mergedTotals(ws, inputs)
				want := set.s.CheckCountyReport(inputs, totals)
				got := set.s.CheckCountyFigures(countyFigures(codes, units, rows), totals)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("by position:\n%+v\nby code:\n%+v", got, want)
				}
				if wantSome := tt.wantFindings && set.s == s; (len(want.Findings) > 0) != wantSome {
					t.Errorf("findings %+v, want some: %v", want.Findings, wantSome)
				}
			})
		}
	}
}

func without(base map[string]float64, code string) map[string]float64 {
	out := with(base)
	delete(out, code)
	return out
}

// countyFigures are units with their figures rows by position of codes.
func countyFigures(codes []string, units []*workspace.Unit, rows [][]float64) CountyFigures {
	return CountyFigures{Codes: codes, N: len(units), At: func(k int) (*workspace.Unit, []float64) { return units[k], rows[k] }}
}
