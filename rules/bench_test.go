package rules

import (
	"testing"
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
