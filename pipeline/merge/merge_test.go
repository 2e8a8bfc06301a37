package merge

import (
	"encoding/json"
	"math"
	"testing"

	"countybrief/pipeline/workspace"
)

// The kinds are a registry's own words; none of them is 鄉鎮 or 縣直, to
// show that merge knows no kind.
var units = workspace.Units{
	{Code: "A1", Kind: "企業"},
	{Code: "A2", Kind: "企業"},
	{Code: "B1", Kind: "學校"},
	{Code: "C1", Kind: "醫院"}, // never reports
}

type figures map[string]float64

// absent marks a figure that must not exist.
var absent = math.Inf(-1)

func TestMergeByAggregate(t *testing.T) {
	tests := []struct {
		name   string
		ind    workspace.Indicator
		extra  []workspace.Indicator // inputs a derived indicator needs
		values map[string]map[string]float64
		all    float64
		kinds  map[string]float64 // per kind; absent for no figure
	}{
		{
			name:   "sum",
			ind:    workspace.Indicator{Code: "x", Aggregate: workspace.AggSum},
			values: map[string]map[string]float64{"A1": {"x": 5}, "A2": {"x": 3}, "B1": {"x": 1}},
			all:    9, kinds: map[string]float64{"企業": 8, "學校": 1, "醫院": 0},
		},
		{
			name:   "min over the units that reported",
			ind:    workspace.Indicator{Code: "x", Aggregate: workspace.AggMin},
			values: map[string]map[string]float64{"A1": {"x": 5}, "A2": {}, "B1": {"x": 7}},
			all:    5, kinds: map[string]float64{"企業": 5, "學校": 7, "醫院": absent},
		},
		{
			name:   "max, a zero is a figure",
			ind:    workspace.Indicator{Code: "x", Aggregate: workspace.AggMax},
			values: map[string]map[string]float64{"A1": {"x": 0}, "A2": {"x": 0}, "B1": {"x": 2}},
			all:    2, kinds: map[string]float64{"企業": 0, "學校": 2, "醫院": absent},
		},
		{
			name:   "mean weighs every reporting unit the same",
			ind:    workspace.Indicator{Code: "x", Aggregate: workspace.AggMean},
			values: map[string]map[string]float64{"A1": {"x": 4}, "A2": {"x": 8}, "B1": {"x": 3}, "Z9": {}},
			all:    5, kinds: map[string]float64{"企業": 6, "學校": 3, "醫院": absent},
		},
		{
			name:  "ratio of sums: 人均 weighs a large unit more",
			ind:   workspace.Indicator{Code: "per_head", Aggregate: workspace.AggRatio, Of: "chars", Per: "members", Scale: 1},
			extra: []workspace.Indicator{{Code: "chars", Aggregate: workspace.AggSum}, {Code: "members", Aggregate: workspace.AggSum}},
			values: map[string]map[string]float64{
				"A1": {"chars": 1_800_000, "members": 300}, "A2": {"chars": 500_000, "members": 100}, "B1": {"chars": 100_000, "members": 10},
			},
			// (1.8M + 0.5M + 0.1M) / 410, not the mean of 6000, 5000 and 10000.
			all: 2_400_000.0 / 410, kinds: map[string]float64{"企業": 5750, "學校": 10_000, "醫院": absent},
		},
		{
			name:   "ratio as a rate (scale 100)",
			ind:    workspace.Indicator{Code: "rate", Aggregate: workspace.AggRatio, Of: "fixed", Per: "found", Scale: 100},
			extra:  []workspace.Indicator{{Code: "fixed", Aggregate: workspace.AggSum}, {Code: "found", Aggregate: workspace.AggSum}},
			values: map[string]map[string]float64{"A1": {"fixed": 3, "found": 4}, "A2": {"fixed": 1, "found": 4}},
			all:    50, kinds: map[string]float64{"企業": 50, "學校": absent, "醫院": absent},
		},
		{
			name:   "ratio over a zero denominator is absent, never NaN or Inf",
			ind:    workspace.Indicator{Code: "rate", Aggregate: workspace.AggRatio, Of: "fixed", Per: "found", Scale: 100},
			extra:  []workspace.Indicator{{Code: "fixed", Aggregate: workspace.AggSum}, {Code: "found", Aggregate: workspace.AggSum}},
			values: map[string]map[string]float64{"A1": {"fixed": 3, "found": 0}, "B1": {"fixed": 0, "found": 0}},
			all:    absent, kinds: map[string]float64{"企業": absent, "學校": absent, "醫院": absent},
		},
		{
			name:   "count_nonzero counts units, not the value",
			ind:    workspace.Indicator{Code: "units_visited", Aggregate: workspace.AggCountNonzero, Of: "visits"},
			extra:  []workspace.Indicator{{Code: "visits", Aggregate: workspace.AggSum}},
			values: map[string]map[string]float64{"A1": {"visits": 30}, "A2": {"visits": 0}, "B1": {"visits": 7}},
			all:    2, kinds: map[string]float64{"企業": 1, "學校": 1, "醫院": 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat := &workspace.Catalogue{Indicators: append(append([]workspace.Indicator{}, tt.extra...), tt.ind)}
			got := Merge(cat, units, tt.values)
			if got.Units != len(tt.values) {
				t.Errorf("Units = %d, want %d", got.Units, len(tt.values))
			}
			check := func(where string, m map[string]float64, want float64) {
				t.Helper()
				v, ok := m[tt.ind.Code]
				switch {
				case want == absent && ok:
					t.Errorf("%s = %v, want absent", where, v)
				case want != absent && (!ok || math.Abs(v-want) > 1e-9):
					t.Errorf("%s = %v (present %v), want %v", where, v, ok, want)
				}
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s = %v", where, v)
				}
			}
			check("All", got.All, tt.all)
			if len(got.ByKind) != len(tt.kinds) {
				t.Errorf("ByKind has %d kinds, want %d (every kind of the registry)", len(got.ByKind), len(tt.kinds))
			}
			for k, w := range tt.kinds {
				check("ByKind["+k+"]", got.ByKind[k], w)
			}
			if _, err := json.Marshal(got); err != nil {
				t.Errorf("totals do not go to the ledger as JSON: %v", err)
			}
		})
	}
}

func TestReachedCountsUnitsPerKind(t *testing.T) {
	cat := &workspace.Catalogue{Indicators: []workspace.Indicator{
		{Code: "visits", Aggregate: workspace.AggSum},
		{Code: "rate", Aggregate: workspace.AggRatio, Of: "visits", Per: "visits", Scale: 1},
	}}
	got := Merge(cat, units, map[string]map[string]float64{
		"A1": {"visits": 2}, "A2": {"visits": 0}, "B1": {"visits": 4}, "Z9": {"visits": 1},
	})
	want := map[string]figures{"": {"visits": 3}, "企業": {"visits": 1}, "學校": {"visits": 1}, "醫院": {"visits": 0}}
	for k, w := range want {
		m := got.Reached.ByKind[k]
		if k == "" {
			m = got.Reached.All
		}
		for code, n := range w {
			if m[code] != n {
				t.Errorf("Reached[%q][%s] = %v, want %v", k, code, m[code], n)
			}
		}
		if _, ok := m["rate"]; ok {
			t.Errorf("Reached[%q] has the derived rate", k)
		}
	}
	if got.All["visits"] != 7 {
		t.Errorf("a unit not in the registry is not counted in All: %v", got.All["visits"])
	}
}

// MergeUnits, given each row's place in the registry, makes the totals
// MergeFigures makes from the codes, to the last bit: a code not in the
// registry counts in All only, and the rows are added in the order given.
func TestMergeUnitsIsMergeFigures(t *testing.T) {
	cat := &workspace.Catalogue{Indicators: []workspace.Indicator{
		{Code: "visits", Aggregate: workspace.AggSum},
		{Code: "low", Aggregate: workspace.AggMin},
		{Code: "avg", Aggregate: workspace.AggMean},
		{Code: "rate", Aggregate: workspace.AggRatio, Of: "visits", Per: "low", Scale: 100},
	}}
	codes := Codes(cat)
	for _, tt := range []struct {
		name  string
		codes []string
		place []int32
	}{
		{"every unit", []string{"A1", "A2", "B1", "C1"}, []int32{0, 1, 2, 3}},
		{"a code not in the registry among them", []string{"A1", "Z9", "B1"}, []int32{0, -1, 2}},
		{"out of registry order", []string{"B1", "A2", "A1"}, []int32{2, 1, 0}},
		{"none", nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rows := make([]Figures, len(tt.codes))
			for i := range rows {
				rows[i] = FiguresOf(codes, map[string]float64{"visits": 0.1 * float64(i+1), "low": 1.0 / float64(i+3), "avg": 0.7 + float64(i)})
			}
			want, err := json.Marshal(MergeFigures(cat, units, tt.codes, rows))
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(MergeUnits(cat, units, tt.place, rows))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("MergeUnits = %s\nMergeFigures = %s", got, want)
			}
		})
	}
}
