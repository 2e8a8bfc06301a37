// Package merge turns the accepted submissions of a period into county
// totals: the whole county, the township subtotal and the county-organ
// subtotal, with per-member figures as weighted averages.
package merge

import "countybrief/pipeline/workspace"

// Totals are the merged figures, keyed by indicator code, derived
// indicators included.
type Totals struct {
	Units    int                `json:"units"`
	All      map[string]float64 `json:"all"`
	Township map[string]float64 `json:"township"`
	Organ    map[string]float64 `json:"organ"`
	// Reached counts, per input indicator and by the same groups, the
	// units that reported it non-zero: the 15 townships county leaders
	// reached beside their 37 visits. It is a number of units, kept apart
	// so that no figure of an indicator is ever a count in another unit.
	Reached Reached `json:"reached"`
}

// Reached is a number of units per indicator code, by group.
type Reached struct {
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
		Reached:  Reached{All: map[string]float64{}, Township: map[string]float64{}, Organ: map[string]float64{}},
	}
	byCode := make(map[string]workspace.Unit, len(units))
	for _, u := range units {
		byCode[u.Code] = u
	}
	for code, vs := range values {
		u, known := byCode[code]
		sums, reached := []map[string]float64{t.All}, []map[string]float64{t.Reached.All}
		switch {
		case known && u.Kind == workspace.KindTownship:
			sums, reached = append(sums, t.Township), append(reached, t.Reached.Township)
		case known && u.Kind == workspace.KindOrgan:
			sums, reached = append(sums, t.Organ), append(reached, t.Reached.Organ)
		}
		for _, in := range cat.Indicators {
			if in.Derived() {
				continue
			}
			v := vs[in.Code]
			for i := range sums {
				sums[i][in.Code] += v
				if v != 0 {
					reached[i][in.Code]++
				}
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
