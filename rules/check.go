package rules

import (
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// Report is what one check found. A rule that fails at run time is the
// office's mistake, never the unit's: it is listed in Broken, for the
// office to mend, and gives no finding against the unit.
type Report struct {
	Findings []vocab.Finding
	Broken   []RuleFailure
}

// RuleFailure is a rule that could not be evaluated, placed at its
// expression. A rule is listed once per check however often it failed.
type RuleFailure struct {
	File string
	Line int
	Col  int
	Rule string
	Err  string // expr's message, e.g. "runtime error: integer divide by zero"
}

// vocab.Error formats the failure as a rule-file problem, for the office's log.
func (f RuleFailure) Error() string { return f.problem(text{}).Error() }

// problem places the failure like a load problem; on names the figures
// that broke the rule, when known.
func (f RuleFailure) problem(on text) vocab.Problem {
	msg := say("執行時出錯：%s", detail(f.Err))
	if on.Zh != "" {
		msg = say("執行時出錯（%s）：%s", on, detail(f.Err))
	}
	return vocab.Problem{File: f.File, Line: f.Line, Col: f.Col, Rule: f.Rule, Field: "expr", Msg: msg.Zh, En: msg.En}
}

func (r *rule) failure(err error) RuleFailure {
	detail := err.Error()
	var fe *file.Error
	if errors.As(err, &fe) {
		// Message without the source snippet: the position says where.
		detail = fe.Message
	}
	return RuleFailure{File: r.file, Line: r.exprAt.line, Col: r.exprAt.col, Rule: r.id, Err: detail}
}

// CheckUnit is CheckUnitReport without the broken rules.
func (s *Set) CheckUnit(in UnitInput) []vocab.Finding { return s.CheckUnitReport(in).Findings }

// CheckUnitReport runs every unit rule that applies to the unit's kind;
// findings come in file order. A rule that compares with the previous
// period passes when in.Prev is nil. It never panics on figures and may be
// called concurrently.
func (s *Set) CheckUnitReport(in UnitInput) Report {
	c := s.newUnitCheck(in)
	for _, r := range s.unit {
		c.run(r)
	}
	return c.rep
}

type unitCheck struct {
	t         *envTypes
	in        UnitInput
	cur, prev []float64
	env       reflect.Value
	vm        vm.VM
	rep       Report
	data      map[string]any // what messages see, made at the first finding
}

func (s *Set) newUnitCheck(in UnitInput) *unitCheck {
	c := &unitCheck{t: s.types, in: in, cur: s.types.complete(in.Values)}
	if in.Prev != nil {
		c.prev = s.types.complete(in.Prev)
	}
	c.env = s.types.unitEnv(c.cur, c.prev, in.Unit)
	return c
}

func (c *unitCheck) run(r *rule) {
	if len(r.kinds) > 0 && !slices.Contains(r.kinds, c.in.Unit.Kind) {
		return
	}
	if r.usesPrev && c.prev == nil {
		return
	}
	if c.unread(r, r.reads...) {
		return
	}
	if r.each == nil {
		c.eval(r, -1)
		return
	}
	for _, i := range r.each {
		if r.usesValue && c.unread(r, i) {
			continue
		}
		var pv float64
		if c.prev != nil {
			pv = c.prev[i]
		}
		c.t.setEach(c.env, c.cur[i], pv)
		if !c.eval(r, i) {
			return
		}
	}
}

// unread reports whether any of the indicators r reads (derived
// figures through the cells they are computed from) could not be read off the form;
// if so it adds the warning that r was not evaluated, on the first such
// cell. The previous period's figures come from the ledger, never from
// this form, so prev.<code> does not count.
func (c *unitCheck) unread(r *rule, reads ...int) bool {
	if len(c.in.Unreadable) == 0 {
		return false
	}
	var first string
	var cells []string
	seen := map[int]bool{}
	for _, i := range reads {
		cellsOf := []int{i}
		if d, ok := c.t.derived[i]; ok {
			cellsOf = []int{d.of}
			if d.per >= 0 {
				cellsOf = append(cellsOf, d.per)
			}
		}
		for _, j := range cellsOf {
			reason, bad := c.in.Unreadable[c.t.codes[j]]
			if !bad || seen[j] {
				continue
			}
			seen[j] = true
			if first == "" {
				first = c.t.codes[j]
			}
			cells = append(cells, fmt.Sprintf("「%s」無法讀取（%s）", c.t.label(j), reason))
		}
	}
	if first == "" {
		return false
	}
	which := "該格"
	if len(cells) > 1 {
		which = "這些格"
	}
	f := vocab.Finding{Rule: r.id, Severity: vocab.Warning,
		Message: fmt.Sprintf("規則「%s」未檢查：它要用到的%s。改正%s後會再檢查。", r.description, strings.Join(cells, "、"), which),
		Fix:     fmt.Sprintf("按%s的讀取問題改正後重新報送。", which)}
	if c.in.Locate != nil {
		f.Sheet, f.Cell = c.in.Locate(first)
	}
	c.rep.Findings = append(c.rep.Findings, f)
	return true
}

// eval runs r once, each being the each: indicator or -1; it reports
// false when r could not be evaluated, so that a rule run for every
// indicator is listed as broken once.
func (c *unitCheck) eval(r *rule, each int) bool {
	ok, err := runBool(&c.vm, r.program, c.env.Addr().Interface())
	if err != nil {
		c.rep.Broken = append(c.rep.Broken, r.failure(err))
		return false
	}
	if ok {
		return true
	}
	cell := r.cell
	if each >= 0 {
		cell = each
	}
	f := vocab.Finding{Rule: r.id, Severity: r.severity, Values: map[string]float64{}}
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
	if c.data == nil {
		c.data = c.t.unitData(c.cur, c.prev, c.in.Unit)
	}
	if each >= 0 {
		c.t.setEachData(c.data, c.cur, c.prev, each)
	}
	f.Message = r.render(r.message, c.data)
	f.Fix = r.render(r.fix, c.data)
	c.rep.Findings = append(c.rep.Findings, f)
	return true
}

// CheckCounty is CheckCountyReport without the broken rules.
func (s *Set) CheckCounty(units []UnitInput, totals map[string]float64) []vocab.Finding {
	return s.CheckCountyReport(units, totals).Findings
}

// CheckCountyReport runs the county rules over the accepted units of a
// period and the county figures the briefing prints (merge.Totals.All:
// code → figure, a code absent when the briefing prints — for it).
// A rule that reads a figure the county does not have passes, as a unit
// rule that reads prev passes for a unit with no earlier period: there is
// nothing to judge. Findings carry the county figures of the indicators
// each rule reads.
func (s *Set) CheckCountyReport(units []UnitInput, totals map[string]float64) Report {
	codes := s.types.codes
	return s.checkCounty(len(units), func(k int) workspace.Unit { return units[k].Unit }, func(k int, out []float64) {
		for i, c := range codes {
			out[i] = units[k].Values[c]
		}
	}, totals)
}

// CountyFigures are the counted units with their figures by position of
// Codes (NaN: not reported), as a region's draft holds them: a map a unit
// was the largest thing a 73,000-unit draft held. At gives the k-th of
// the N units, the registry's by pointer (a copy of each was 8 MB of a
// 73,000-unit draft), and its figures: the draft's own list of them
// serves, where a list made for the rules was 6.5 MB of a 204,000-unit
// draft's peak.
type CountyFigures struct {
	Codes []string
	N     int
	At    func(k int) (*workspace.Unit, []float64)
}

// CheckCountyFigures is CheckCountyReport over figures by position; a
// figure not reported counts as 0, as a code absent from
// UnitInput.Values does.
func (s *Set) CheckCountyFigures(c CountyFigures, totals map[string]float64) Report {
	at := make(map[string]int, len(c.Codes))
	for i, code := range c.Codes {
		at[code] = i
	}
	pos := make([]int, len(s.types.codes))
	for i, code := range s.types.codes {
		if j, ok := at[code]; ok {
			pos[i] = j
		} else {
			pos[i] = -1
		}
	}
	return s.checkCounty(c.N, func(k int) workspace.Unit {
		u, _ := c.At(k)
		return *u
	}, func(k int, out []float64) {
		_, figures := c.At(k)
		for i, j := range pos {
			if j >= 0 && !math.IsNaN(figures[j]) {
				out[i] = figures[j]
			}
		}
	}, totals)
}

func (s *Set) checkCounty(n int, unit func(k int) workspace.Unit, fill func(k int, out []float64), totals map[string]float64) Report {
	env, total := s.types.countyEnv(s.rows, n, unit, fill, totals)
	var m vm.VM
	var rep Report
	data := s.types.countyData(total, n)
	for _, r := range s.county {
		if slices.ContainsFunc(r.totalReads, func(i int) bool { return math.IsNaN(total[i]) }) {
			continue
		}
		ok, err := runBool(&m, r.program, env.Addr().Interface())
		if err != nil {
			rep.Broken = append(rep.Broken, r.failure(err))
			continue
		}
		if ok {
			continue
		}
		f := vocab.Finding{Rule: r.id, Severity: r.severity, Values: map[string]float64{}}
		for _, i := range r.uses {
			// A figure the county does not have is left out, as the
			// ledger keeps numbers only.
			if !math.IsNaN(total[i]) {
				f.Values[s.types.codes[i]] = total[i]
			}
		}
		f.Message = r.render(r.message, data)
		f.Fix = r.render(r.fix, data)
		rep.Findings = append(rep.Findings, f)
	}
	return rep
}

func runBool(m *vm.VM, p *vm.Program, env any) (bool, error) {
	out, err := m.Run(p, env)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("結果是 %T，不是 true 或 false", out)
	}
	return b, nil
}
