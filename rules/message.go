package rules

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"

	"countybrief/pipeline/workspace"
	"countybrief/templates"
)

// Names a message sees besides the codes and those expressions share.
const (
	nameLabel = "label"
	// namePrinter is appended to every printing action; the underscore
	// keeps it out of the way of the helpers an office calls.
	namePrinter = "_print"
)

var unitFields = []string{"code", "name", "kind", "members"}

// messageFuncs are the briefing's helpers and the printer.
func messageFuncs() template.FuncMap {
	fm := templates.Funcs()
	fm[namePrinter] = printed
	return fm
}

// printed is how an action writes its value: a figure as the clerk wrote
// it, a county figure that does not exist (NaN) as the briefing writes
// it, whatever a helper returned as it is, and a previous figure of a unit
// with no earlier period as nothing.
func printed(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		if math.IsNaN(x) {
			return templates.Absent
		}
		return templates.Figure(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// shown are the indicators a message shows, so that a finding carries
// their values.
type shown struct{ cur, prev []int }

var (
	notDefined = regexp.MustCompile(`function "([^"]+)" not defined`)
	bareFigure = regexp.MustCompile(`\{\{-?\s*([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)\s*-?\}\}`)
	tmplError  = regexp.MustCompile(`^template: [^:]*:\d+(?::\d+)?: (?:executing "[^"]*" at (<.*?>): )?`)
)

// message parses a message or fix of r, checks every figure it names and
// makes every action print through printed. Problems go to p at the
// field; nil means the text is broken.
func (l *loader) message(p *reader, src, field string, at pos, r *rule) (*template.Template, shown) {
	t, err := template.New(field).Funcs(l.funcs).Parse(src)
	if err != nil {
		msg := say("不是有效的模板，請檢查 {{ 和 }} 是否成對（text/template 的說明：%s）", detail(templateProblem(err)))
		if m := notDefined.FindStringSubmatch(err.Error()); m != nil {
			msg = l.undefined(src, m[1], r)
		}
		p.add(at, field, "%s", msg)
		return nil, shown{}
	}
	if len(t.Templates()) > 1 {
		p.add(at, field, "{{define}} 和 {{block}} 只用在簡報模板裡；提示是一段話")
		return nil, shown{}
	}
	w := &messageWalk{l: l, r: r}
	w.walk(t.Tree.Root, true)
	for _, bad := range w.bad {
		p.add(at, field, "%s", bad)
	}
	if len(w.bad) > 0 {
		return nil, shown{}
	}
	return t, w.shown
}

// undefined explains a name the template parser took for a helper. Most
// often it is a figure written without its dot, as messages were written
// before they were templates: then every such figure of the text is
// named, so that an old rule file is mended in one round.
func (l *loader) undefined(src, name string, r *rule) text {
	w := &messageWalk{l: l, r: r}
	if !w.known(name) {
		if _, isCode := l.types.index[name]; !isCode && nearest(name, l.types.codes) != "" {
			return say("{{%s}}：%s（數字前面要寫點：{{.代碼}}）", name, l.types.unknownCode(name))
		}
		return say("{{%s}} 既不是函數，也不是%s", name, l.shown(r))
	}
	var fixes []string
	for _, m := range bareFigure.FindAllStringSubmatch(src, -1) {
		if first, _, _ := strings.Cut(m[1], "."); w.known(first) {
			fixes = append(fixes, fmt.Sprintf("{{%s}} → {{.%s}}", m[1], m[1]))
		}
	}
	return say("數字前面要寫點：請把 %s", strings.Join(fixes, "、"))
}

func (l *loader) shown(r *rule) text {
	switch {
	case r.county:
		return say("全縣規則可用的數（.total.代碼 或 .units）")
	case r.each != nil:
		return say("可用的數（.代碼、.prev.代碼、.has_prev、.unit.項目、.value、.prev_value 或 .label）")
	}
	return say("可用的數（.代碼、.prev.代碼、.has_prev 或 .unit.項目）")
}

// messageWalk checks the names a message reads off its data and notes
// the indicators among them.
type messageWalk struct {
	l     *loader
	r     *rule
	bad   []text
	shown shown
}

// known reports whether name is a top-level name of r's message data.
func (w *messageWalk) known(name string) bool {
	if w.r.county {
		return name == nameTotal || name == nameUnits
	}
	if _, ok := w.l.types.index[name]; ok {
		return true
	}
	switch name {
	case namePrev, nameHasPrev, nameUnit:
		return true
	case nameValue, namePrevValue, nameLabel:
		return w.r.each != nil
	}
	return false
}

// walk visits n; root tells whether dot is still the message data, which
// it stops being inside {{with}}.
func (w *messageWalk) walk(n parse.Node, root bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			w.walk(c, root)
		}
	case *parse.ActionNode:
		w.walk(n.Pipe, root)
		if len(n.Pipe.Decl) == 0 {
			n.Pipe.Cmds = append(n.Pipe.Cmds, &parse.CommandNode{NodeType: parse.NodeCommand, Pos: n.Pos,
				Args: []parse.Node{parse.NewIdentifier(namePrinter).SetPos(n.Pos)}})
		}
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			w.walk(c, root)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			w.walk(a, root)
		}
	case *parse.ChainNode:
		w.walk(n.Node, root)
	case *parse.IfNode:
		w.walk(n.Pipe, root)
		w.walk(n.List, root)
		w.walk(n.ElseList, root)
	case *parse.WithNode:
		if !w.group(n.Pipe, root) {
			w.walk(n.Pipe, root)
		}
		w.walk(n.List, false)
		w.walk(n.ElseList, root)
	case *parse.RangeNode:
		w.bad = append(w.bad, say("{{range}}：提示裡沒有可以逐個重複的列表"))
	case *parse.TemplateNode:
		w.bad = append(w.bad, say("{{template}} 只用在簡報模板裡；提示是一段話"))
	case *parse.DotNode:
		if root {
			w.bad = append(w.bad, say("{{.}} 是所有的數；請寫出一個%s", w.l.shown(w.r)))
		}
	case *parse.FieldNode:
		if root {
			w.field(n.Ident)
		}
	case *parse.VariableNode:
		if n.Ident[0] == "$" {
			w.field(n.Ident[1:])
		}
	}
}

// group reports whether pipe is one of the groups of figures alone, as in
// {{with .prev}}: printed, a group would show as a jumble, but dot may
// stand for one.
func (w *messageWalk) group(pipe *parse.PipeNode, root bool) bool {
	if !root || len(pipe.Cmds) != 1 || len(pipe.Cmds[0].Args) != 1 {
		return false
	}
	f, ok := pipe.Cmds[0].Args[0].(*parse.FieldNode)
	if !ok || len(f.Ident) != 1 || !w.known(f.Ident[0]) {
		return false
	}
	switch f.Ident[0] {
	case namePrev, nameUnit, nameTotal:
		return true
	}
	return false
}

// field checks a name read off the message data, such as prev.members.
func (w *messageWalk) field(ident []string) {
	if len(ident) == 0 {
		w.bad = append(w.bad, say("{{$}} 是所有的數；請寫出一個%s", w.l.shown(w.r)))
		return
	}
	t := w.l.types
	code := func() (int, bool) {
		if len(ident) != 2 {
			return 0, false
		}
		i, ok := t.index[ident[1]]
		return i, ok
	}
	ok := w.known(ident[0])
	switch ident[0] {
	case nameTotal, namePrev:
		i, isCode := code()
		ok = ok && isCode
		switch {
		case !ok:
		case ident[0] == nameTotal:
			w.shown.cur = appendNew(w.shown.cur, i)
		default:
			w.shown.prev = appendNew(w.shown.prev, i)
		}
	case nameUnit:
		ok = ok && len(ident) == 2 && slices.Contains(unitFields, ident[1])
	default:
		ok = ok && len(ident) == 1
		if i, isCode := t.index[ident[0]]; ok && isCode {
			w.shown.cur = appendNew(w.shown.cur, i)
		}
	}
	if !ok {
		w.bad = append(w.bad, w.unknown(ident))
	}
}

// unknown explains a name the message data lacks; a code not in the
// catalogue, wherever it stands, gets the code it probably meant.
func (w *messageWalk) unknown(ident []string) text {
	t := w.l.types
	var code string
	switch {
	case len(ident) == 1 && ident[0] != namePrev && ident[0] != nameUnit && ident[0] != nameTotal:
		code = ident[0]
	case len(ident) == 2 && (ident[0] == namePrev || ident[0] == nameTotal):
		code = ident[1]
	}
	if _, isCode := t.index[code]; code != "" && !isCode && !slices.Contains(reservedNames, code) && code != nameLabel {
		return say("{{.%s}}：%s", strings.Join(ident, "."), t.unknownCode(code))
	}
	return say("{{.%s}} 不是%s", strings.Join(ident, "."), w.l.shown(w.r))
}

func appendNew(s []int, i int) []int {
	if slices.Contains(s, i) {
		return s
	}
	return append(s, i)
}

// unitData is what a unit rule's message sees: the figures by code,
// prev (nil with no earlier period, so that its figures print as
// nothing), has_prev and unit.
func (t *envTypes) unitData(cur, prev []float64, u workspace.Unit) map[string]any {
	data := make(map[string]any, len(t.codes)+6)
	for i, c := range t.codes {
		data[c] = cur[i]
	}
	data[namePrev] = t.figures(prev)
	data[nameHasPrev] = prev != nil
	data[nameUnit] = map[string]any{"code": u.Code, "name": u.Name, "kind": u.Kind, "members": float64(u.Members)}
	return data
}

// setEachData points the data of a rule with each: at indicator i.
func (t *envTypes) setEachData(data map[string]any, cur, prev []float64, i int) {
	data[nameValue] = cur[i]
	data[nameLabel] = t.label(i)
	delete(data, namePrevValue)
	if prev != nil {
		data[namePrevValue] = prev[i]
	}
}

// countyData is what a county rule's message sees: the county figures
// (NaN for one the county does not have, printed —) and the number of
// units.
func (t *envTypes) countyData(total []float64, units int) map[string]any {
	return map[string]any{nameTotal: t.figures(total), nameUnits: units}
}

func (t *envTypes) figures(vals []float64) map[string]float64 {
	if vals == nil {
		return nil
	}
	m := make(map[string]float64, len(vals))
	for i, c := range t.codes {
		m[c] = vals[i]
	}
	return m
}

// trial runs r's message and fix on example figures, as every check will
// see them: with a previous period, and without one when r does not need
// it, so that a helper given the wrong kind of figure is a load problem,
// not a finding without words at the nightly batch.
func (l *loader) trial(p *reader, spec *ruleSpec, r *rule) {
	t := l.types
	zero := t.complete(nil)
	type view struct {
		data map[string]any
		note text
	}
	var views []view
	if r.county {
		none := make([]float64, len(zero))
		for i := range none {
			none[i] = math.NaN()
		}
		views = append(views, view{data: t.countyData(zero, 0)}, view{data: t.countyData(none, 0), note: say("（全縣沒有這個數時，簡報印 —）")})
	} else {
		u := workspace.Unit{Code: exampleUnitCode, Name: "示例單位", Kind: exampleKind(r, l.kinds, "")}
		prevs := []view{{}}
		if !r.usesPrev {
			prevs = append(prevs, view{note: say("（單位沒有上一期時；上一期的數請寫在 {{if .has_prev}}…{{end}} 裡）")})
		}
		for i, v := range prevs {
			var prev []float64
			if i == 0 {
				prev = zero
			}
			v.data = t.unitData(zero, prev, u)
			if len(r.each) > 0 {
				t.setEachData(v.data, zero, prev, r.each[0])
			}
			views = append(views, v)
		}
	}
	for _, f := range []struct {
		field string
		tmpl  *template.Template
	}{{"message", r.message}, {"fix", r.fix}} {
		for _, v := range views {
			if err := f.tmpl.Execute(new(strings.Builder), v.data); err != nil {
				p.add(spec.at[f.field], f.field, "試運行出錯%s（text/template 的說明：%s）", v.note, detail(templateProblem(err)))
				break
			}
		}
	}
}

// templateProblem is a text/template error without the template's name
// and line, which the problem's position gives, and with the failing
// action written as in the message.
func templateProblem(err error) string {
	msg := err.Error()
	m := tmplError.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	rest := msg[len(m[0]):]
	if m[1] == "" {
		return rest
	}
	return "{{" + strings.TrimSuffix(strings.TrimPrefix(m[1], "<"), ">") + "}}: " + rest
}

// render writes a message; should it fail on figures the trial run did
// not have (slice past the end of a unit's code), the rule's description
// stands in, so that the finding still says what is wrong.
func (r *rule) render(t *template.Template, data map[string]any) string {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return r.description
	}
	return b.String()
}
