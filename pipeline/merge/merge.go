// Package merge turns the accepted submissions of a period into county
// totals: the whole county, the township subtotal and the county-organ
// subtotal, with per-member figures as weighted averages.
package merge

import (
	"slices"

	"countybrief/pipeline/workspace"
)

// Totals are the merged figures, keyed by indicator code, derived
// indicators included.
type Totals struct {
	Units    int                `json:"units"`
	All      map[string]float64 `json:"all"`
	Township map[string]float64 `json:"township"`
	Organ    map[string]float64 `json:"organ"`
}

// Merge sums values (unit code → indicator code → value) by the catalogue's
// aggregate of each indicator. Units missing from the registry are counted
// in All only. A per-member figure is the sum of its numerator over the sum
// of members, so a large township weighs more than a small office.
func Merge(cat *workspace.Catalogue, units workspace.Units, values map[string]map[string]float64) Totals {
	t := Totals{
		Units:    len(values),
		All:      map[string]float64{},
		Township: map[string]float64{},
		Organ:    map[string]float64{},
	}
	byCode := make(map[string]workspace.Unit, len(units))
	for _, u := range units {
		byCode[u.Code] = u
	}
	for code, vs := range values {
		u, known := byCode[code]
		targets := []map[string]float64{t.All}
		switch {
		case known && u.Kind == workspace.KindTownship:
			targets = append(targets, t.Township)
		case known && u.Kind == workspace.KindOrgan:
			targets = append(targets, t.Organ)
		}
		for _, in := range cat.Indicators {
			if in.Derived() {
				continue
			}
			v := vs[in.Code]
			if in.Aggregate == workspace.AggCountNonzero {
				if v == 0 || (len(in.Kinds) > 0 && !(known && slices.Contains(in.Kinds, u.Kind))) {
					continue
				}
				v = 1
			}
			for _, m := range targets {
				m[in.Code] += v
			}
		}
	}
	for _, in := range cat.Indicators {
		if !in.Derived() {
			continue
		}
		for _, m := range []map[string]float64{t.All, t.Township, t.Organ} {
			if members := m[workspace.MembersCode]; members > 0 {
				m[in.Code] = m[in.Of] / members
			} else {
				m[in.Code] = 0
			}
		}
	}
	return t
}
