// Package merge turns the accepted submissions of a period into county
// totals: the whole county and one subtotal per unit kind of the
// registry, each indicator by its catalogue aggregate. The package knows
// no indicator and no kind by name.
package merge

import (
	"maps"
	"math"
	"slices"

	"countybrief/pipeline/workspace"
)

// Totals are the merged figures, keyed by indicator code, derived
// indicators included. A figure that does not exist — a ratio over a zero
// denominator, the min, max or mean of an indicator no unit reported — is
// absent from its map, never NaN or infinite: the briefing prints — for
// it. A sum or a count of units is always there, 0 when nothing came in.
type Totals struct {
	Units  int                           `json:"units"`
	All    map[string]float64            `json:"all"`
	ByKind map[string]map[string]float64 `json:"by_kind"`
	// Reached counts, per input indicator, the units that reported it
	// non-zero (the 15 townships county leaders reached beside their 37
	// visits). It is a number of units, kept apart so that no figure of an
	// indicator is ever a count in another measure.
	Reached Reached `json:"reached"`
}

// Reached is a number of units per indicator code, for the county and
// per kind.
type Reached struct {
	All    map[string]float64            `json:"all"`
	ByKind map[string]map[string]float64 `json:"by_kind"`
}

// group gathers what one figure set (the county, or one kind) needs
// before the aggregates are taken, by the input's position in the
// catalogue: slices, not maps, since a province merges two million
// figures.
type group struct {
	pos           map[string]int // input code → position, shared
	sum, min, max []float64
	n, reached    []float64 // units that reported the code; reported it non-zero
}

func newGroup(pos map[string]int) *group {
	n := len(pos)
	return &group{pos: pos, sum: make([]float64, n), min: make([]float64, n), max: make([]float64, n),
		n: make([]float64, n), reached: make([]float64, n)}
}

func (g *group) add(i int, v float64) {
	if g.n[i] == 0 || v < g.min[i] {
		g.min[i] = v
	}
	if g.n[i] == 0 || v > g.max[i] {
		g.max[i] = v
	}
	g.n[i]++
	g.sum[i] += v
	if v != 0 {
		g.reached[i]++
	}
}

// at is code's entry of xs, 0 for a code that is no input.
func (g *group) at(xs []float64, code string) float64 {
	if i, ok := g.pos[code]; ok {
		return xs[i]
	}
	return 0
}

// figures takes every indicator's aggregate over the group.
func (g *group) figures(cat *workspace.Catalogue) map[string]float64 {
	out := map[string]float64{}
	for _, in := range cat.Indicators {
		c := in.Code
		switch in.Aggregate {
		case workspace.AggSum:
			out[c] = g.at(g.sum, c)
		case workspace.AggMin:
			if g.at(g.n, c) > 0 {
				out[c] = g.at(g.min, c)
			}
		case workspace.AggMax:
			if g.at(g.n, c) > 0 {
				out[c] = g.at(g.max, c)
			}
		case workspace.AggMean:
			if n := g.at(g.n, c); n > 0 {
				out[c] = g.at(g.sum, c) / n
			}
		case workspace.AggRatio:
			if per := g.at(g.sum, in.Per); per != 0 {
				out[c] = g.at(g.sum, in.Of) / per * in.Scale
			}
		case workspace.AggCountNonzero:
			out[c] = g.at(g.reached, in.Of)
		}
	}
	return out
}

func (g *group) reachedInputs(cat *workspace.Catalogue) map[string]float64 {
	out := map[string]float64{}
	for _, in := range cat.Inputs() {
		out[in.Code] = g.at(g.reached, in.Code)
	}
	return out
}

// Figures are one unit's input figures by their position in the
// catalogue's Inputs (codes are unique there), NaN for an input the unit
// did not report: a ledger never stores NaN, so it cannot be a figure.
// A region's draft holds every counted unit's figures at once, and a map
// of 28 codes is some 1 KB where its figures are 224 bytes; the codes are
// the catalogue's, shared by every unit.
type Figures []float64

// Absent is the figure of an input the unit did not report.
func Absent(v float64) bool { return math.IsNaN(v) }

// Codes are the catalogue's input codes in order: the positions of
// Figures, taken once and given to FiguresOf and Map.
func Codes(cat *workspace.Catalogue) []string {
	inputs := cat.Inputs()
	out := make([]string, len(inputs))
	for i, in := range inputs {
		out[i] = in.Code
	}
	return out
}

// FiguresOf is values by the positions of codes (Codes); codes not among
// them are left out, as Merge leaves them out.
func FiguresOf(codes []string, values map[string]float64) Figures {
	out := make(Figures, len(codes))
	for i, c := range codes {
		v, ok := values[c]
		if !ok {
			v = math.NaN()
		}
		out[i] = v
	}
	return out
}

// Map is f keyed by codes (Codes), the absent inputs left out.
func (f Figures) Map(codes []string) map[string]float64 {
	out := make(map[string]float64, len(f))
	for i, c := range codes {
		if !Absent(f[i]) {
			out[c] = f[i]
		}
	}
	return out
}

// Merge aggregates values (unit code → indicator code → value) by the
// catalogue, as MergeFigures does, the units taken in code order.
func Merge(cat *workspace.Catalogue, units workspace.Units, values map[string]map[string]float64) Totals {
	order := slices.Sorted(maps.Keys(values))
	codes := Codes(cat)
	rows := make([]Figures, len(order))
	for i, u := range order {
		rows[i] = FiguresOf(codes, values[u])
	}
	return MergeFigures(cat, units, order, rows)
}

// MergeFigures aggregates rows (the figures of the unit codes[i]) by the
// catalogue. A unit that left an indicator out did not report it: it adds
// nothing to a sum and is not among the units of a min, max or mean.
// Units missing from the registry count in All only; every kind of the
// registry has its subtotal, empty or not. The units are added in the
// order given, which a float sum depends on in its last bits: the ledger
// gives them in code order, and Merge takes that order too.
func MergeFigures(cat *workspace.Catalogue, units workspace.Units, codes []string, rows []Figures) Totals {
	place := make(map[string]int32, len(units))
	for i, u := range units {
		place[u.Code] = int32(i)
	}
	unit := make([]int32, len(codes))
	for r, code := range codes {
		if i, ok := place[code]; ok {
			unit[r] = i
		} else {
			unit[r] = -1
		}
	}
	return MergeUnits(cat, units, unit, rows)
}

// MergeUnits is MergeFigures with each row's unit given by its place in
// units (unit[r], below 0 for a code not in the registry) rather than by
// its code: a region's draft has the places already, and a map of every
// unit's code to its kind was 10 MB of a 204,000-unit draft's peak.
func MergeUnits(cat *workspace.Catalogue, units workspace.Units, unit []int32, rows []Figures) Totals {
	inputs := cat.Inputs()
	pos := make(map[string]int, len(inputs))
	for i, in := range inputs {
		pos[in.Code] = i
	}
	all := newGroup(pos)
	kinds := map[string]*group{}
	for _, u := range units {
		if kinds[u.Kind] == nil {
			kinds[u.Kind] = newGroup(pos)
		}
	}
	for r, row := range rows {
		var kind *group
		if unit[r] >= 0 {
			kind = kinds[units[unit[r]].Kind]
		}
		for i, v := range row[:len(inputs)] {
			if Absent(v) {
				continue
			}
			all.add(i, v)
			if kind != nil {
				kind.add(i, v)
			}
		}
	}
	t := Totals{
		Units:   len(rows),
		All:     all.figures(cat),
		ByKind:  map[string]map[string]float64{},
		Reached: Reached{All: all.reachedInputs(cat), ByKind: map[string]map[string]float64{}},
	}
	for k, g := range kinds {
		t.ByKind[k] = g.figures(cat)
		t.Reached.ByKind[k] = g.reachedInputs(cat)
	}
	return t
}
