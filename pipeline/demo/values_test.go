package demo

import (
	"testing"

	"countybrief/pipeline/workspace"
)

func TestApportion(t *testing.T) {
	tests := []struct {
		name   string
		total  float64
		weight []float64
		limit  []float64
		want   []float64
	}{
		{"proportional", 10, []float64{1, 1, 3}, nil, []float64{2, 2, 6}},
		{"largest remainder", 10, []float64{1, 1, 1}, nil, []float64{4, 3, 3}},
		{"limits respected", 5, []float64{10, 1, 1}, []float64{1, 5, 5}, []float64{1, 2, 2}},
		{"zero weight gets nothing", 3, []float64{0, 1}, nil, []float64{0, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := apportion(tt.total, tt.weight, tt.limit)
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Fatalf("apportion = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// The sample must sum to the paper's figures and every unit must look sane;
// the rules that would reject an insane unit are tested in the end-to-end
// test over the real files.
func TestCountyValuesSumToThePaper(t *testing.T) {
	dir := t.TempDir()
	ws, err := workspace.Init(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	vals := countyValues(ws.Units, 1)
	sum := map[string]float64{}
	for i, v := range vals {
		for code, x := range v {
			sum[code] += x
			if x < 0 {
				t.Errorf("%s %s = %v", ws.Units[i].Code, code, x)
			}
		}
		if v["problems_solved"] > v["problems_found"] || v["people_benefited"] < v["households_benefited"] ||
			v["topics_revised_thrice"] > v["topics_revised_twice"] {
			t.Errorf("unit %s breaks a consistency rule: %v", ws.Units[i].Code, v)
		}
	}
	for code, want := range paperTotals() {
		if sum[code] != want {
			t.Errorf("sum of %s = %v, want %v", code, sum[code], want)
		}
	}
	for _, code := range []string{"typical_sites", "case_reports", "topics_revised_twice"} {
		if sum[code] != 73 {
			t.Errorf("sum of %s = %v, want 73", code, sum[code])
		}
	}
	if notes := sum["reading_note_chars"] / sum["members"]; notes < 5000 || notes >= 6000 {
		t.Errorf("notes per member = %v, want 5000..6000 (\"5000字以上\")", notes)
	}
	if refl := sum["reflections"] / sum["members"]; refl < 1 || refl >= 2 {
		t.Errorf("reflections per member = %v, want 1..2 (\"1篇以上\")", refl)
	}
	again := countyValues(ws.Units, 1)
	for i := range vals {
		for code, x := range vals[i] {
			if again[i][code] != x {
				t.Fatalf("not deterministic: unit %d %s", i, code)
			}
		}
	}
}
