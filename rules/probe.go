package rules

import (
	"cmp"
	"math"
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
// previous one, for a unit of every kind of the registry (the first in
// units, or a made-up one). County rules see no unit, one unit and
// several, with the same figures and the same county figures (none at all
// when blank), and units whose figures differ.
func (s *Set) Probe(units []workspace.Unit) []vocab.Problem {
	figures := s.types.probeFigures()
	reps := representatives(units, s.kinds)
	var out []vocab.Problem
	seen := map[RuleFailure]bool{}
	note := func(rep Report, on text) {
		for _, f := range rep.Broken {
			if !seen[f] {
				seen[f] = true
				out = append(out, f.problem(on))
			}
		}
	}
	for _, u := range reps {
		for _, cur := range figures {
			unit := say("「%s」類單位，%s", u.Kind, cur.name)
			note(s.CheckUnitReport(UnitInput{Unit: u, Values: cur.values}), say("%s，沒有上一期", unit))
			for _, prev := range figures {
				note(s.CheckUnitReport(UnitInput{Unit: u, Values: cur.values, Prev: prev.values}),
					say("%s，上一期%s", unit, prev.name))
			}
		}
	}
	zero := figures[2]
	note(s.CheckCountyReport(nil, zero.totals), say("沒有單位"))
	var mixed []UnitInput
	for i, f := range figures {
		note(s.CheckCountyReport([]UnitInput{{Unit: reps[0], Values: f.values}}, f.totals), say("1 個單位，%s", f.name))
		var several []UnitInput
		for _, u := range reps {
			several = append(several, UnitInput{Unit: u, Values: f.values}, UnitInput{Unit: u, Values: f.values})
		}
		note(s.CheckCountyReport(several, f.totals), say("%d 個單位，%s", len(several), f.name))
		mixed = append(mixed, UnitInput{Unit: reps[i%len(reps)], Values: f.values})
	}
	note(s.CheckCountyReport(mixed, figures[0].totals), say("%d 個單位，數字各不相同", len(mixed)))
	// Several failures of one rule read best together, rules in file order.
	slices.SortStableFunc(out, func(a, b vocab.Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return out
}

type probeFigure struct {
	name   text
	values map[string]float64
	totals map[string]float64 // county figures, derived ones included
}

// probeFigures gives every figure the same value, so that a failure
// names one value. Blank is an empty map, not nil: as a previous period
// nil would mean there is none. The county figures of blank are none at
// all, as when no unit reported an indicator taken by min, max or mean.
func (t *envTypes) probeFigures() []probeFigure {
	fill := func(x float64, derived bool) map[string]float64 {
		m := map[string]float64{}
		for i, code := range t.codes {
			if _, d := t.derived[i]; derived || !d {
				m[code] = x
			}
		}
		return m
	}
	var out []probeFigure
	for _, f := range []struct {
		name text
		x    float64
	}{{detail("10"), 10}, {say("空白"), math.NaN()}, {detail("0"), 0}, {detail("1e12"), 1e12}, {detail("-1"), -1}, {detail("0.5"), 0.5}} {
		p := probeFigure{name: say("每個數字都是%s", f.name), values: map[string]float64{}, totals: map[string]float64{}}
		if !math.IsNaN(f.x) {
			p.values, p.totals = fill(f.x, false), fill(f.x, true)
		}
		out = append(out, p)
	}
	return out
}

// representatives is a unit of each kind, in the registry's order: rules
// differ by kind (kinds:, unit.kind), not by unit. A kind with no unit in
// units gets a made-up one, so that its rules are probed all the same.
func representatives(units []workspace.Unit, kinds []string) []workspace.Unit {
	first := map[string]workspace.Unit{}
	order := slices.Clone(kinds)
	for _, u := range units {
		if _, seen := first[u.Kind]; seen {
			continue
		}
		first[u.Kind] = u
		if !slices.Contains(order, u.Kind) {
			order = append(order, u.Kind)
		}
	}
	if len(order) == 0 {
		order = append(order, "")
	}
	out := make([]workspace.Unit, 0, len(order))
	for _, k := range order {
		u, ok := first[k]
		if !ok {
			u = workspace.Unit{Code: exampleUnitCode, Name: "示例單位", Kind: k}
		}
		out = append(out, u)
	}
	return out
}
