package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// Verdicts an example wants.
const (
	WantPass = "pass"
	WantFail = "fail"
)

// ExampleResult is the outcome of one example of one rule.
type ExampleResult struct {
	File  string
	Line  int
	Col   int
	Rule  string
	Index int    // from 1, in the rule's examples
	Want  string // pass or fail
	Got   string // pass, fail, or error when the rule could not be evaluated
	// Findings are what the rule found on the example's figures.
	Findings []vocab.Finding
	Err      string // why the rule could not be evaluated, when Got is error
}

// gotError is the verdict of an example its rule could not evaluate: no
// example wants it, since such a rule would fail at the batch too.
const gotError = "error"

// OK reports whether the rule gave the verdict the example wants.
func (e ExampleResult) OK() bool { return e.Want == e.Got }

func (e ExampleResult) String() string { return e.Problem().Error() }

// Problem is the result placed at its example, in both languages; a
// passing example's Msg is 通過.
func (e ExampleResult) Problem() vocab.Problem {
	verdict := say("通過")
	if !e.OK() {
		verdict = say("不符：應該 %s，實際 %s", e.Want, e.Got)
		if e.Err != "" {
			verdict = say("%s（運行時出錯：%s）", verdict, detail(e.Err))
		}
		for _, f := range e.Findings {
			verdict = say("%s；%s", verdict, f.Message)
		}
	}
	return vocab.Problem{File: e.File, Line: e.Line, Col: e.Col, Rule: e.Rule, Field: exampleField(e.Index-1, ""), Msg: verdict.Zh, En: verdict.En}
}

// exampleUnitCode names the unit the examples pretend to be.
const exampleUnitCode = "EXAMPLE"

// RunExamples runs every example of every rule, in file order.
func (s *Set) RunExamples() []ExampleResult {
	var out []ExampleResult
	for _, r := range s.all() {
		for i, e := range r.examples {
			res := ExampleResult{File: r.file, Line: e.pos.line, Col: e.pos.col, Rule: r.id, Index: i + 1, Want: e.want}
			var rep Report
			if r.county {
				rep = s.countyExample(r, e)
			} else {
				rep = s.unitExample(r, e)
			}
			res.Findings = rep.Findings
			switch {
			case len(rep.Broken) > 0:
				res.Got, res.Err = gotError, rep.Broken[0].Err
			case len(rep.Findings) > 0:
				res.Got = WantFail
			default:
				res.Got = WantPass
			}
			out = append(out, res)
		}
	}
	return out
}

// Test runs the examples and returns one error per example whose verdict
// is wrong, placed at the example.
func (s *Set) Test() []error {
	var errs []error
	for _, res := range s.RunExamples() {
		if res.OK() {
			continue
		}
		msg := say("應該 %s，實際 %s", res.Want, res.Got)
		switch {
		case res.Err != "":
			msg = say("%s（運行時出錯：%s）", msg, detail(res.Err))
		case len(res.Findings) > 0:
			msg = say("%s：%s", msg, res.Findings[0].Message)
		}
		errs = append(errs, vocab.Problem{File: res.File, Line: res.Line, Col: res.Col, Rule: res.Rule,
			Field: exampleField(res.Index-1, ""), Msg: msg.Zh, En: msg.En})
	}
	return errs
}

func (s *Set) all() []*rule {
	// Rules run unit first, then county, but examples read better in the
	// order of the files.
	out := append(append([]*rule{}, s.unit...), s.county...)
	sortRules(out)
	return out
}

func sortRules(rs []*rule) {
	slices.SortStableFunc(rs, func(a, b *rule) int {
		return cmp.Or(cmp.Compare(a.file, b.file), cmp.Compare(a.pos.line, b.pos.line), cmp.Compare(a.pos.col, b.pos.col))
	})
}

// exampleKind is the kind of an example's unit: as written, else the
// rule's first kind, else the registry's first.
func exampleKind(r *rule, kinds []string, kind string) string {
	switch {
	case kind != "":
		return kind
	case len(r.kinds) > 0:
		return r.kinds[0]
	case len(kinds) > 0:
		return kinds[0]
	}
	return ""
}

func (s *Set) unitExample(r *rule, e exampleSpec) Report {
	in := UnitInput{
		Unit:   workspace.Unit{Code: exampleUnitCode, Name: "示例單位", Kind: exampleKind(r, s.kinds, e.kind)},
		Values: e.values.vals,
	}
	if e.registered != nil {
		in.Unit.Members = int(*e.registered)
	}
	if e.prev != nil {
		in.Prev = e.prev.vals
	}
	c := s.newUnitCheck(in)
	c.run(r)
	return c.rep
}

// countyExample runs r on the example's units and on the county figures
// it writes: merging is merge's, and an example states what the briefing
// would print rather than a second reckoning of it. A figure the example
// leaves out is one the county does not have.
func (s *Set) countyExample(r *rule, e exampleSpec) Report {
	units := make([]UnitInput, len(e.units))
	for i, u := range e.units {
		units[i] = UnitInput{
			Unit:   workspace.Unit{Code: fmt.Sprintf("%s%d", exampleUnitCode, i+1), Name: fmt.Sprintf("示例單位%d", i+1), Kind: exampleKind(r, s.kinds, u.kind)},
			Values: u.values.vals,
		}
	}
	one := &Set{types: s.types, kinds: s.kinds, county: []*rule{r}, rows: s.rows}
	return one.CheckCountyReport(units, e.totals.vals)
}

// checkExamples validates the examples against the catalogue at load.
func (l *loader) checkExamples(p *reader, spec *ruleSpec, r *rule) {
	for i, e := range spec.examples {
		field := func(f string) string { return exampleField(i, f) }
		at := func(f string) pos {
			if a, ok := e.at[f]; ok {
				return a
			}
			return e.pos
		}
		switch e.want {
		case WantPass, WantFail:
		case "":
			p.add(e.pos, field("want"), "缺少：請寫 pass 或 fail")
		default:
			p.add(at("want"), field("want"), "「%s」只能是 %s（應該通過）或 %s（應該不通過）", e.want, WantPass, WantFail)
		}
		l.checkKind(p, field("kind"), at("kind"), e.kind)
		if r.county {
			l.checkTotals(p, field("totals"), e.totals)
			for _, f := range []string{"values", "prev", "kind", "registered_members"} {
				if _, ok := e.at[f]; ok {
					p.add(at(f), field(f), "全縣示例改用 units: 列出單位")
				}
			}
			for j, u := range e.units {
				uf := fmt.Sprintf("%s[%d]", field("units"), j+1)
				l.checkKind(p, uf+".kind", u.kindAt, u.kind)
				l.checkCodes(p, uf+".values", u.values)
			}
			continue
		}
		for _, f := range []string{"units", "totals"} {
			if _, ok := e.at[f]; ok {
				p.add(at(f), field(f), "只有全縣示例才列 %s", f)
			}
		}
		l.checkCodes(p, field("values"), e.values)
		if e.prev != nil {
			l.checkCodes(p, field("prev"), *e.prev)
		}
	}
}

func (l *loader) checkKind(p *reader, field string, at pos, kind string) {
	switch {
	case kind == "" || slices.Contains(l.kinds, kind):
	case len(l.kinds) == 0:
		p.add(at, field, "單位名冊（%s）沒有「%s」這類單位，名冊裡也沒有列任何類別", workspace.UnitsFile, kind)
	default:
		p.add(at, field, "單位名冊（%s）沒有「%s」這類單位；只能寫 %s", workspace.UnitsFile, kind, strings.Join(l.kinds, "、"))
	}
}

func (l *loader) checkCodes(p *reader, field string, nums numbers) {
	codes := make([]string, 0, len(nums.at))
	for c := range nums.at {
		codes = append(codes, c)
	}
	// Report in the order written.
	sortByPos(codes, nums.at)
	for _, c := range codes {
		i, ok := l.types.index[c]
		if !ok {
			p.add(nums.at[c], field, "%s", l.types.unknownCode(c))
			continue
		}
		if _, derived := l.types.derived[i]; derived {
			p.add(nums.at[c], field, "%s 由其他數字算出；請改寫那些數字", c)
		}
	}
}

// checkTotals checks the county figures of an example: any indicator
// of the catalogue, derived ones included, since a county rule reads the
// figures as the briefing prints them.
func (l *loader) checkTotals(p *reader, field string, nums numbers) {
	codes := make([]string, 0, len(nums.at))
	for c := range nums.at {
		codes = append(codes, c)
	}
	sortByPos(codes, nums.at)
	for _, c := range codes {
		if _, ok := l.types.index[c]; !ok {
			p.add(nums.at[c], field, "%s", l.types.unknownCode(c))
		}
	}
}

func sortByPos(codes []string, at map[string]pos) {
	slices.SortFunc(codes, func(a, b string) int {
		return cmp.Or(cmp.Compare(at[a].line, at[b].line), cmp.Compare(at[a].col, at[b].col), cmp.Compare(a, b))
	})
}
