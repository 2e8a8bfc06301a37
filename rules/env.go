package rules

import (
	"fmt"
	"math"
	"reflect"
	"unsafe"

	"github.com/expr-lang/expr"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// Names the rules see besides the indicator codes. A catalogue code may not
// take one of them, or a rule could not tell the two apart.
const (
	nameHasPrev   = "has_prev"
	namePrev      = "prev"
	nameUnit      = "unit"
	nameValue     = "value"
	namePrevValue = "prev_value"
	nameUnits     = "units"
	nameTotal     = "total"
	nameRatio     = "ratio"
	nameBetween   = "between"
	nameIsInt     = "is_int"
)

var reservedNames = []string{nameHasPrev, namePrev, nameUnit, nameValue, namePrevValue, nameUnits, nameTotal, nameRatio, nameBetween, nameIsInt}

// maxNodes bounds the size of one expression: rules are short comparisons,
// and a runaway one would slow every check of every unit.
const maxNodes = 400

// unitInfo is the registry entry of the unit, as rules see it (unit.kind).
type unitInfo struct {
	Code    string  `expr:"code"`
	Name    string  `expr:"name"`
	Kind    string  `expr:"kind"`
	Members float64 `expr:"members"`
}

var unitInfoType = reflect.TypeOf(unitInfo{})

// envTypes are the expression environments built for one catalogue. They
// are struct types made at load with one float64 field per indicator code,
// so that expr type-checks every name at compile time and a run reads
// fields by index instead of hashing map keys.
type envTypes struct {
	cat   *workspace.Catalogue
	codes []string // field i of vals, row and unit is codes[i]
	index map[string]int
	// derived[i] is set for the catalogue's derived indicators: a unit's
	// value is computed from its own filled-in figures.
	derived map[int]derivation
	// derivations are derived's, in catalogue order, for derive: ranging
	// over the map was most of the county rules' time at 73,000 units.
	derivations []derivation
	vals        reflect.Type // codes
	unit        reflect.Type // codes, prev, has_prev, unit, value, prev_value
	// rows are the county rules' rows with every code, which the rules
	// are checked and compiled against first.
	rows *countyRows
}

// countyRows is a layout of the county rules' rows: the figures of
// codes[pick[j]] in field j, then the unit.
type countyRows struct {
	pick   []int
	row    reflect.Type // the picked codes, unit
	county reflect.Type // units, total
	unitAt uintptr      // offset of row's unit
}

// countyRowsOf is the rows laid out with the figures of codes[pick],
// pick in ascending order.
func (t *envTypes) countyRowsOf(pick []int) *countyRows {
	fields := make([]reflect.StructField, 0, len(pick)+1)
	for _, i := range pick {
		fields = append(fields, t.vals.Field(i))
	}
	c := &countyRows{pick: pick}
	c.row = reflect.StructOf(append(fields, reflect.StructField{Name: "Unit", Type: unitInfoType, Tag: reflect.StructTag(fmt.Sprintf(`expr:"%s"`, nameUnit))}))
	c.unitAt = rowLayout(c.row, len(pick))
	c.county = reflect.StructOf([]reflect.StructField{
		// By pointer: a rule over the units boxes each row it visits,
		// and a row of 30 figures boxed by value was an allocation of
		// 300 bytes a unit a rule (73 MB a region's draft).
		{Name: "Units", Type: reflect.SliceOf(reflect.PointerTo(c.row)), Tag: reflect.StructTag(fmt.Sprintf(`expr:"%s"`, nameUnits))},
		{Name: "Total", Type: t.vals, Tag: reflect.StructTag(fmt.Sprintf(`expr:"%s"`, nameTotal))}})
	return c
}

// rowLayout is the offset of a row type's unit after its n figures,
// which countyEnv writes in place: the figures an array of float64 from
// the start, as reflect.StructOf lays out fields of one size in order.
// Any other layout is a bug here, not a rule's fault.
func rowLayout(row reflect.Type, n int) uintptr {
	for i := range n {
		if f := row.Field(i); f.Type.Kind() != reflect.Float64 || f.Offset != uintptr(i)*8 {
			panic(fmt.Sprintf("rules: row field %d at %d, want a float64 at %d", i, f.Offset, i*8))
		}
	}
	f := row.Field(n)
	if f.Type != unitInfoType {
		panic(fmt.Sprintf("rules: row field %d is %s, want the unit", n, f.Type))
	}
	return f.Offset
}

// derivation is a derived indicator over one unit: a ratio of its own
// figures (per -1 for count_nonzero, which over one unit is 1 when the
// unit reported of non-zero).
type derivation struct {
	of, per int
	scale   float64
	at      int // the derived figure's own index, in derivations
}

// Field positions after the codes in the unit and row structs.
const (
	offPrev = iota
	offHasPrev
	offUnit
	offValue
	offPrevValue
)

func newEnvTypes(cat *workspace.Catalogue) (*envTypes, vocab.Problems) {
	t := &envTypes{cat: cat, index: map[string]int{}, derived: map[int]derivation{}}
	var ps vocab.Problems
	reserved := map[string]bool{}
	for _, n := range reservedNames {
		reserved[n] = true
	}
	var fields []reflect.StructField
	for _, in := range cat.Indicators {
		if reserved[in.Code] {
			t := say("「%s」是規則表達式使用的名稱，請換一個代碼", in.Code)
			ps = append(ps, vocab.Problem{File: workspace.IndicatorsFile, Field: "code", Msg: t.Zh, En: t.En})
			continue
		}
		if _, dup := t.index[in.Code]; dup || !validCode(in.Code) {
			continue // the workspace loader reports these
		}
		t.index[in.Code] = len(t.codes)
		fields = append(fields, reflect.StructField{
			Name: fmt.Sprintf("F%d", len(t.codes)),
			Type: reflect.TypeOf(float64(0)),
			Tag:  reflect.StructTag(fmt.Sprintf(`expr:"%s"`, in.Code)),
		})
		t.codes = append(t.codes, in.Code)
	}
	for _, in := range cat.Indicators {
		i, ok := t.index[in.Code]
		if !ok || !in.Derived() {
			continue
		}
		of, ok := t.index[in.Of]
		per, hasPer := t.index[in.Per]
		switch {
		case !ok:
		case in.Aggregate == workspace.AggRatio && hasPer:
			t.derived[i] = derivation{of: of, per: per, scale: in.Scale}
		case in.Aggregate == workspace.AggCountNonzero:
			t.derived[i] = derivation{of: of, per: -1}
		}
		if d, ok := t.derived[i]; ok {
			d.at = i
			t.derivations = append(t.derivations, d)
		}
	}
	t.vals = reflect.StructOf(fields)
	field := func(name, tag string, typ reflect.Type) reflect.StructField {
		return reflect.StructField{Name: name, Type: typ, Tag: reflect.StructTag(fmt.Sprintf(`expr:"%s"`, tag))}
	}
	t.unit = reflect.StructOf(append(append([]reflect.StructField{}, fields...),
		field("Prev", namePrev, t.vals),
		field("HasPrev", nameHasPrev, reflect.TypeOf(false)),
		field("Unit", nameUnit, unitInfoType),
		field("Value", nameValue, reflect.TypeOf(float64(0))),
		field("PrevValue", namePrevValue, reflect.TypeOf(float64(0)))))
	all := make([]int, len(t.codes))
	for i := range all {
		all[i] = i
	}
	t.rows = t.countyRowsOf(all)
	return t, ps
}

func validCode(code string) bool {
	if code == "" {
		return false
	}
	for i, r := range code {
		switch {
		case r >= 'a' && r <= 'z', r == '_' && i > 0, r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// complete returns the value of every code, indexed like codes: absent
// inputs are 0 and derived figures are computed from their inputs.
func (t *envTypes) complete(values map[string]float64) []float64 {
	out := make([]float64, len(t.codes))
	for i, c := range t.codes {
		out[i] = values[c]
	}
	t.derive(out)
	return out
}

// label is the indicator's name on the form, as the clerk knows it.
func (t *envTypes) label(i int) string {
	if in, ok := t.cat.ByCode(t.codes[i]); ok {
		return in.Label
	}
	return t.codes[i]
}

func (t *envTypes) derive(out []float64) {
	for _, d := range t.derivations {
		i := d.at
		switch {
		case d.per >= 0:
			out[i] = ratio(out[d.of], out[d.per]) * d.scale
		case out[d.of] != 0:
			out[i] = 1
		default:
			out[i] = 0
		}
	}
}

func setFloats(v reflect.Value, vals []float64) {
	for i, x := range vals {
		v.Field(i).SetFloat(x)
	}
}

func info(u workspace.Unit) unitInfo {
	return unitInfo{Code: u.Code, Name: u.Name, Kind: u.Kind, Members: float64(u.Members)}
}

// unitEnv is a fresh environment for one unit: each call gets its own, so
// that checks may run concurrently over the shared programs.
func (t *envTypes) unitEnv(cur, prev []float64, u workspace.Unit) reflect.Value {
	env := reflect.New(t.unit).Elem()
	setFloats(env, cur)
	n := len(t.codes)
	if prev != nil {
		setFloats(env.Field(n+offPrev), prev)
		env.Field(n + offHasPrev).SetBool(true)
	}
	env.Field(n + offUnit).Set(reflect.ValueOf(info(u)))
	return env
}

func (t *envTypes) setEach(env reflect.Value, value, prevValue float64) {
	n := len(t.codes)
	env.Field(n + offValue).SetFloat(value)
	env.Field(n + offPrevValue).SetFloat(prevValue)
}

// countyEnv holds one row per unit and the county figures as the
// briefing has them (merge.Totals.All): a code absent from totals has no
// figure and is NaN, as the briefing's helpers take it.
// countyEnv is the county rules' environment: a row for each of n
// counted units, filled by fill in the rules' code order and completed
// with the derived figures, and the totals.
//
// The rows are filled in place through their layout (rowLayout), not
// field by field through reflect: at 73,000 units that was 0.12 s of
// a draft's CPU, a reflect call a figure.
//
// The rows are laid out as c, which may hold only the figures the rules
// read (Set.narrowCounty): each unit's are then filled and derived in
// full beside, and the picked ones copied.
func (t *envTypes) countyEnv(c *countyRows, n int, unit func(k int) workspace.Unit, fill func(k int, out []float64), totals map[string]float64) (reflect.Value, []float64) {
	env := reflect.New(c.county).Elem()
	rows := reflect.MakeSlice(reflect.SliceOf(reflect.PointerTo(c.row)), n, n)
	backing := reflect.MakeSlice(reflect.SliceOf(c.row), n, n)
	base, size := backing.UnsafePointer(), c.row.Size()
	ptrs := unsafe.Slice((*unsafe.Pointer)(rows.UnsafePointer()), n)
	var scratch []float64
	if len(c.pick) < len(t.codes) {
		scratch = make([]float64, len(t.codes))
	}
	for k := range n {
		row := unsafe.Add(base, uintptr(k)*size)
		if scratch == nil {
			out := unsafe.Slice((*float64)(row), len(t.codes))
			fill(k, out)
			t.derive(out)
		} else {
			clear(scratch)
			fill(k, scratch)
			t.derive(scratch)
			out := unsafe.Slice((*float64)(row), len(c.pick))
			for j, i := range c.pick {
				out[j] = scratch[i]
			}
		}
		*(*unitInfo)(unsafe.Add(row, c.unitAt)) = info(unit(k))
		ptrs[k] = row
	}
	total := make([]float64, len(t.codes))
	for i, c := range t.codes {
		v, ok := totals[c]
		if !ok {
			v = math.NaN()
		}
		total[i] = v
	}
	env.Field(0).Set(rows)
	setFloats(env.Field(1), total)
	return env, total
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// options compile a rule against env, a unit's (t.unit) or the
// county's (countyRows.county).
func (t *envTypes) options(env reflect.Type) []expr.Option {
	return []expr.Option{
		expr.Env(reflect.Zero(env).Interface()),
		expr.AsBool(),
		expr.MaxNodes(maxNodes),
		// A rule must be a function of the figures alone, so that the same
		// file always gets the same verdict.
		expr.DisableBuiltin("now"),
		expr.Function(nameRatio, func(p ...any) (any, error) {
			xs, err := floats(nameRatio, p)
			if err != nil {
				return nil, err
			}
			return ratio(xs[0], xs[1]), nil
		}, new(func(float64, float64) float64)),
		expr.Function(nameBetween, func(p ...any) (any, error) {
			xs, err := floats(nameBetween, p)
			if err != nil {
				return nil, err
			}
			return xs[1] <= xs[0] && xs[0] <= xs[2], nil
		}, new(func(float64, float64, float64) bool)),
		expr.Function(nameIsInt, func(p ...any) (any, error) {
			xs, err := floats(nameIsInt, p)
			if err != nil {
				return nil, err
			}
			return xs[0] == math.Trunc(xs[0]) && !math.IsInf(xs[0], 0), nil
		}, new(func(float64) bool)),
	}
}

// floats converts helper arguments; the checker has already made them
// numbers, so an error here means a value of another type slipped through.
func floats(fn string, p []any) ([]float64, error) {
	out := make([]float64, len(p))
	for i, x := range p {
		switch v := x.(type) {
		case float64:
			out[i] = v
		case int:
			out[i] = float64(v)
		case int64:
			out[i] = float64(v)
		default:
			return nil, fmt.Errorf("%s：第 %d 個參數是 %T，不是數字", fn, i+1, x)
		}
	}
	return out, nil
}
