package merge

import (
	"fmt"
	"testing"

	"countybrief/pipeline/workspace"
)

// BenchmarkMerge73000 merges a province: 73,000 units of three kinds,
// 28 inputs each, every aggregate among the indicators.
func BenchmarkMerge73000(b *testing.B) {
	cat := &workspace.Catalogue{}
	aggs := map[int]string{1: workspace.AggMin, 2: workspace.AggMax, 3: workspace.AggMean}
	for i := range 28 {
		agg, ok := aggs[i]
		if !ok {
			agg = workspace.AggSum
		}
		cat.Indicators = append(cat.Indicators, workspace.Indicator{Code: fmt.Sprintf("in%02d", i), Aggregate: agg})
	}
	cat.Indicators = append(cat.Indicators,
		workspace.Indicator{Code: "per", Aggregate: workspace.AggRatio, Of: "in04", Per: "in05", Scale: 100},
		workspace.Indicator{Code: "reached", Aggregate: workspace.AggCountNonzero, Of: "in06"},
	)
	units := make(workspace.Units, 73000)
	values := make(map[string]map[string]float64, len(units))
	for u := range units {
		units[u] = workspace.Unit{Code: fmt.Sprintf("U%05d", u), Kind: []string{"甲", "乙", "丙"}[u%3]}
		vs := make(map[string]float64, 28)
		for i := range 28 {
			vs[fmt.Sprintf("in%02d", i)] = float64((u*7+i*13)%500 + i)
		}
		values[units[u].Code] = vs
	}
	b.Run("maps", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if t := Merge(cat, units, values); t.Units != len(units) {
				b.Fatal(t.Units)
			}
		}
	})
	// The draft's way: rows by catalogue position, as the ledger reads
	// them (ledger.CurrentRows).
	codes := Codes(cat)
	order := make([]string, len(units))
	rows := make([]Figures, len(units))
	for i, u := range units {
		order[i], rows[i] = u.Code, FiguresOf(codes, values[u.Code])
	}
	b.Run("figures", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if t := MergeFigures(cat, units, order, rows); t.Units != len(units) {
				b.Fatal(t.Units)
			}
		}
	})
}
