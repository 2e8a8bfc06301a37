package rules

import (
	"cmp"
	"fmt"
	"slices"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// Probe runs every rule over figures nobody wrote an example for and
// reports each way a rule fails at run time, with the figures that broke
// it. Examples show that a rule judges the figures its author thought of;
// a rule that cannot be evaluated on others would otherwise be found by
// the batch, on every unit of the county at once.
//
// Unit rules see every figure typical, blank, zero, large, negative or
// fractional, with no previous period and with each of those as the
// previous one, for the first unit of each kind in units (both kinds
// when units is empty). County rules see no unit, one unit and several,
// with the same figures, and units whose figures differ.
func (s *Set) Probe(units []workspace.Unit) []vocab.Problem {
	figures := s.types.probeFigures()
	reps := representatives(units)
	var out []vocab.Problem
	seen := map[RuleFailure]bool{}
	note := func(rep Report, on string) {
		for _, f := range rep.Broken {
			if !seen[f] {
				seen[f] = true
				out = append(out, f.problem(on))
			}
		}
	}
	for _, u := range reps {
		for _, cur := range figures {
			unit := fmt.Sprintf("a %s unit with %s", u.Kind, cur.name)
			note(s.CheckUnitReport(UnitInput{Unit: u, Values: cur.values}), unit+", no previous period")
			for _, prev := range figures {
				note(s.CheckUnitReport(UnitInput{Unit: u, Values: cur.values, Prev: prev.values}),
					fmt.Sprintf("%s, previous period %s", unit, prev.name))
			}
		}
	}
	note(s.CheckCountyReport(nil), "no unit")
	var mixed []UnitInput
	for i, f := range figures {
		note(s.CheckCountyReport([]UnitInput{{Unit: reps[0], Values: f.values}}), "1 unit with "+f.name)
		var several []UnitInput
		for _, u := range reps {
			several = append(several, UnitInput{Unit: u, Values: f.values}, UnitInput{Unit: u, Values: f.values})
		}
		note(s.CheckCountyReport(several), fmt.Sprintf("%d units with %s", len(several), f.name))
		mixed = append(mixed, UnitInput{Unit: reps[i%len(reps)], Values: f.values})
	}
	note(s.CheckCountyReport(mixed), fmt.Sprintf("%d units with different figures", len(mixed)))
	// Several failures of one rule read best together, rules in file order.
	slices.SortStableFunc(out, func(a, b vocab.Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return out
}

type probeFigure struct {
	name   string
	values map[string]float64
}

// probeFigures gives every form figure the same value, so that a failure
// names one value. Blank is an empty map, not nil: as a previous period
// nil would mean there is none.
func (t *envTypes) probeFigures() []probeFigure {
	fill := func(x float64) map[string]float64 {
		m := map[string]float64{}
		for i, code := range t.codes {
			if _, derived := t.derived[i]; !derived {
				m[code] = x
			}
		}
		return m
	}
	return []probeFigure{
		{"every figure 10", fill(10)},
		{"every figure blank", map[string]float64{}},
		{"every figure 0", fill(0)},
		{"every figure 1e12", fill(1e12)},
		{"every figure -1", fill(-1)},
		{"every figure 0.5", fill(0.5)},
	}
}

// representatives is the first unit of each kind: rules differ by kind
// (kinds:, unit.kind), not by unit.
func representatives(units []workspace.Unit) []workspace.Unit {
	var out []workspace.Unit
	seen := map[string]bool{}
	for _, u := range units {
		if !seen[u.Kind] {
			seen[u.Kind] = true
			out = append(out, u)
		}
	}
	if len(out) == 0 {
		for _, k := range []string{"鄉鎮", "縣直"} {
			out = append(out, workspace.Unit{Code: exampleUnitCode, Name: "示例單位", Kind: k})
		}
	}
	return out
}
