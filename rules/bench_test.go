package rules

import (
	"testing"

	"countybrief/pipeline/merge"
	"countybrief/pipeline/workspace"
)

func BenchmarkLoadDefaults(b *testing.B) {
	ws := testWorkspace(b)
	for b.Loop() {
		if _, err := LoadDir(ws.RulesDir(), ws.Catalogue, ws.Kinds); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckUnit(b *testing.B) {
	s, ws := defaultSet(b)
	in := UnitInput{Unit: ws.Units[0], Values: saneUnit(), Prev: saneUnit(), Locate: locate(ws.Catalogue)}
	for b.Loop() {
		s.CheckUnit(in)
	}
}

func BenchmarkCheckCounty(b *testing.B) {
	s, ws := defaultSet(b)
	units := make([]UnitInput, len(ws.Units))
	for i, u := range ws.Units {
		units[i] = UnitInput{Unit: u, Values: saneUnit()}
	}
	totals := mergedTotals(ws, units)
	for b.Loop() {
		s.CheckCounty(units, totals)
	}
}

func BenchmarkProbeDefaults(b *testing.B) {
	s, ws := defaultSet(b)
	for b.Loop() {
		s.Probe(ws.Units)
	}
}

// BenchmarkCheckCountyFigures73000 is the county rules over a province's
// 73,000 counted units as a draft holds them (figures by position): the
// rows of the rules' environment are most of it.
func BenchmarkCheckCountyFigures73000(b *testing.B) {
	s, ws := defaultSet(b)
	codes := merge.Codes(ws.Catalogue)
	sane := saneUnit()
	row := merge.FiguresOf(codes, sane)
	var counted []*workspace.Unit
	var rows [][]float64
	var units []UnitInput
	for i := range 73000 {
		u := &ws.Units[i%len(ws.Units)]
		counted = append(counted, u)
		rows = append(rows, row)
		if i < len(ws.Units) {
			units = append(units, UnitInput{Unit: *u, Values: sane})
		}
	}
	totals := mergedTotals(ws, units)
	b.ReportAllocs()
	for b.Loop() {
		s.CheckCountyFigures(countyFigures(codes, counted, rows), totals)
	}
}
