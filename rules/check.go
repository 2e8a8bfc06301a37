package rules

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// CheckUnit runs every unit rule that applies to the unit's kind and
// returns the findings in file order. A rule that compares with the
// previous period passes when in.Prev is nil. A rule that cannot be
// evaluated gives an error finding saying so; CheckUnit never panics on
// figures and may be called concurrently.
func (s *Set) CheckUnit(in UnitInput) []Finding {
	c := s.newUnitCheck(in)
	var out []Finding
	for _, r := range s.unit {
		out = append(out, c.run(r)...)
	}
	return out
}

type unitCheck struct {
	t         *envTypes
	in        UnitInput
	cur, prev []float64
	env       reflect.Value
	vm        vm.VM
}

func (s *Set) newUnitCheck(in UnitInput) *unitCheck {
	c := &unitCheck{t: s.types, in: in, cur: s.types.complete(in.Values)}
	if in.Prev != nil {
		c.prev = s.types.complete(in.Prev)
	}
	c.env = s.types.unitEnv(c.cur, c.prev, in.Unit)
	return c
}

func (c *unitCheck) run(r *rule) []Finding {
	if len(r.kinds) > 0 && !slices.Contains(r.kinds, c.in.Unit.Kind) {
		return nil
	}
	if r.usesPrev && c.prev == nil {
		return nil
	}
	if r.each == nil {
		return c.eval(r, -1)
	}
	var out []Finding
	for _, i := range r.each {
		var pv float64
		if c.prev != nil {
			pv = c.prev[i]
		}
		c.t.setEach(c.env, c.cur[i], pv)
		out = append(out, c.eval(r, i)...)
	}
	return out
}

// eval runs r once; each is the each: indicator or -1.
func (c *unitCheck) eval(r *rule, each int) []Finding {
	ok, err := runBool(&c.vm, r.program, c.env.Addr().Interface())
	if err == nil && ok {
		return nil
	}
	cell := r.cell
	if each >= 0 {
		cell = each
	}
	f := Finding{Rule: r.id, Severity: r.severity, Values: map[string]float64{}}
	if cell >= 0 && c.in.Locate != nil {
		f.Sheet, f.Cell = c.in.Locate(c.t.codes[c.t.formCell(cell)])
	}
	for _, i := range r.uses {
		f.Values[c.t.codes[i]] = c.cur[i]
	}
	for _, i := range r.prevUses {
		if c.prev != nil {
			f.Values[namePrev+"."+c.t.codes[i]] = c.prev[i]
		}
	}
	if each >= 0 {
		f.Values[c.t.codes[each]] = c.cur[each]
		if r.usesPrevVal && c.prev != nil {
			f.Values[namePrev+"."+c.t.codes[each]] = c.prev[each]
		}
	}
	if err != nil {
		f.Severity = Error
		f.Message, f.Fix = brokenRule(r.id, err)
		return []Finding{f}
	}
	v := view{cur: c.cur, prev: c.prev, unit: c.in.Unit, each: max(each, 0)}
	f.Message = c.t.render(r.message, v)
	f.Fix = c.t.render(r.fix, v)
	return []Finding{f}
}

// CheckCounty runs the county rules over the accepted units of a period;
// findings carry the county totals of the indicators each rule reads.
func (s *Set) CheckCounty(units []UnitInput) []Finding {
	env, total := s.types.countyEnv(units)
	var m vm.VM
	var out []Finding
	for _, r := range s.county {
		ok, err := runBool(&m, r.program, env.Addr().Interface())
		if err == nil && ok {
			continue
		}
		f := Finding{Rule: r.id, Severity: r.severity, Values: map[string]float64{}}
		for _, i := range r.uses {
			f.Values[s.types.codes[i]] = total[i]
		}
		if err != nil {
			f.Severity = Error
			f.Message, f.Fix = brokenRule(r.id, err)
		} else {
			v := view{cur: total, units: len(units)}
			f.Message = s.types.render(r.message, v)
			f.Fix = s.types.render(r.fix, v)
		}
		out = append(out, f)
	}
	return out
}

func runBool(m *vm.VM, p *vm.Program, env any) (bool, error) {
	out, err := m.Run(p, env)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("result is %T, not true or false", out)
	}
	return b, nil
}

// brokenRule words a rule that could not be evaluated: the unit did
// nothing wrong, so the fix is for the office.
func brokenRule(id string, err error) (msg, fix string) {
	detail := err.Error()
	var fe *file.Error
	if errors.As(err, &fe) {
		detail = fe.Message
	}
	return fmt.Sprintf("審核規則 %s 無法計算（%s），本表暫不能通過。", id, detail),
		"這不是填報錯誤：請聯繫縣活動辦，由活動辦運行 countybrief rules check 修正規則後重新審核。"
}
