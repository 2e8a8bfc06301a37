package rules

import (
	"cmp"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/template"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

//go:embed defaults/*.yaml
var defaults embed.FS

// Defaults returns the shipped rule files; init copies them into the
// workspace's rules folder, where the office may edit them.
func Defaults() fs.FS {
	sub, err := fs.Sub(defaults, "defaults")
	if err != nil {
		// fs.Sub fails only for an invalid path, and "defaults" is valid.
		panic(err)
	}
	return sub
}

// Scopes and the words each: accepts.
const (
	scopeUnit   = "unit"
	scopeCounty = "county"

	eachInputs  = "inputs"
	eachInteger = "integer"
)

// UnitInput is what a unit check needs: the unit, its figures, its previous
// accepted figures (nil when it has no earlier period) and a way to find
// the cell of an indicator (nil when there is no workbook, as in examples).
//
// Unreadable maps the code of each form cell that could not be read to
// why, in the clerk's words. A rule that reads such a cell, by its code or
// through a derived figure, is not evaluated: its verdict on a value
// the reader could not see would be wrong. It gives a warning on that cell
// instead, so that the clerk learns in one round which checks are still to
// come. Only unit checks heed it; county checks run on accepted files.
type UnitInput struct {
	Unit       workspace.Unit
	Values     map[string]float64
	Prev       map[string]float64
	Locate     func(code string) (sheet, cell string)
	Unreadable map[string]string
}

// Set is a compiled, immutable set of rules.
type Set struct {
	types *envTypes
	// kinds are the registry's kinds of unit, in its order: the kinds a
	// rule may name, and those examples and Probe make units of.
	kinds  []string
	unit   []*rule
	county []*rule
	// rows lay out the county rules' rows: types.rows, or only the
	// figures the rules read (narrowCounty).
	rows *countyRows
}

// rule is a compiled rule; programs are shared by concurrent checks.
type rule struct {
	file        string
	pos         pos
	exprAt      pos // where run-time failures are placed
	id          string
	description string
	county      bool
	kinds       []string
	each        []int // indicator indexes; nil for a rule run once
	severity    vocab.Severity
	program     *vm.Program
	source      string // the expression, as written
	reads       []int  // indicators the expression reads, in source order
	uses        []int  // reads, then those its message shows
	prevUses    []int  // indicators read as prev.x
	totalReads  []int  // county figures the expression reads as total.x
	usesPrev    bool   // the rule compares with the previous period
	usesValue   bool   // the each: indicator is read through value
	usesPrevVal bool
	cell        int // indicator whose cell findings point at; -1: none
	message     *template.Template
	fix         *template.Template
	examples    []exampleSpec
}

// Len is the number of rules in the set.
func (s *Set) Len() int { return len(s.unit) + len(s.county) }

// LoadDir loads every *.yaml and *.yml file directly in dir, in name order,
// against the catalogue and the registry's kinds of unit (workspace.Kinds):
// a rule may name no other indicator and no other kind. A broken file
// makes the whole load fail with vocab.Problems naming every problem as
// path:line:col.
func LoadDir(dir string, cat *workspace.Catalogue, kinds []string) (*Set, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	types, ps := newEnvTypes(cat)
	l := &loader{types: types, kinds: kinds, funcs: messageFuncs(), ps: ps, ids: map[string]string{}, unitOpts: types.options(types.unit), countyOpts: types.options(types.rows.county)}
	s := &Set{types: types, kinds: kinds}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || (filepath.Ext(name) != ".yaml" && filepath.Ext(name) != ".yml") {
			continue
		}
		file := filepath.Join(dir, name)
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read rules: %w", err)
		}
		first := len(l.ps)
		specs := parseFile(file, data, &l.ps)
		p := &reader{file: file, lines: strings.Split(string(data), "\n"), ps: &l.ps}
		for _, spec := range specs {
			r := l.compile(p, spec)
			if r == nil {
				continue
			}
			if r.county {
				s.county = append(s.county, r)
			} else {
				s.unit = append(s.unit, r)
			}
		}
		// vocab.Problems of a file read best in the order of its lines.
		slices.SortStableFunc(l.ps[first:], func(a, b vocab.Problem) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
		})
	}
	if err := l.ps.Err(); err != nil {
		return nil, err
	}
	s.rows = l.narrowCounty(s.county)
	return s, nil
}

type loader struct {
	types      *envTypes
	kinds      []string
	funcs      template.FuncMap
	ps         vocab.Problems
	ids        map[string]string // id → where it was first defined
	unitOpts   []expr.Option
	countyOpts []expr.Option
}

var ruleID = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$`)

// compile checks a rule against the catalogue and compiles its
// expression; it reports problems through p and returns nil if any.
func (l *loader) compile(p *reader, spec *ruleSpec) *rule {
	before := len(l.ps)
	p.rule = spec.id
	at := func(field string) pos {
		if a, ok := spec.at[field]; ok {
			return a
		}
		return spec.pos
	}
	r := &rule{file: p.file, pos: spec.pos, id: spec.id, description: spec.description, cell: -1, examples: spec.examples}
	switch {
	case spec.id == "":
		p.add(spec.pos, "id", "缺少：每條規則要有 id")
	case !ruleID.MatchString(spec.id):
		p.add(at("id"), "id", "「%s」不能用：id 由小寫字母 a-z、數字和底線組成，用點分段，如 unit.sum_check", spec.id)
	case strings.HasPrefix(spec.id, "form."):
		p.add(at("id"), "id", "以 form. 開頭的 id 留給表格讀取程序，請換一個")
	case strings.HasPrefix(spec.id, "outlier."):
		p.add(at("id"), "id", "以 outlier. 開頭的 id 留給異常值檢查，請換一個")
	default:
		where := fmt.Sprintf("%s:%d:%d", p.file, at("id").line, at("id").col)
		if first, dup := l.ids[spec.id]; dup {
			p.add(at("id"), "id", "已在 %s 用過；每條規則的 id 不能重複", first)
		} else {
			l.ids[spec.id] = where
		}
	}
	if spec.description == "" {
		p.add(spec.pos, "description", "缺少：請用一句話寫明這條規則查什麼")
	}
	switch spec.scope {
	case "", scopeUnit:
	case scopeCounty:
		r.county = true
	default:
		p.add(at("scope"), "scope", "「%s」只能是 %s（單位）或 %s（全縣）", spec.scope, scopeUnit, scopeCounty)
	}
	switch vocab.Severity(spec.severity) {
	case vocab.Error, vocab.Warning:
		r.severity = vocab.Severity(spec.severity)
	case vocab.Explain:
		r.severity = vocab.Explain
		if r.county {
			// A county figure has no row of a unit's form to explain it in.
			p.add(at("severity"), "severity", "%s 只用於單位規則：全縣的數沒有單位表格的一行可以說明", vocab.Explain)
		}
	case "":
		p.add(spec.pos, "severity", "缺少：請寫 error、warning 或 explain")
	default:
		p.add(at("severity"), "severity", "「%s」只能是 %s（退回）、%s（提醒）或 %s（須說明）", spec.severity, vocab.Error, vocab.Warning, vocab.Explain)
	}
	for _, k := range spec.kinds {
		l.checkKind(p, "kinds", at("kinds"), k)
	}
	r.kinds = spec.kinds
	if r.county && len(spec.kinds) > 0 {
		p.add(at("kinds"), "kinds", "只用於單位規則；全縣規則可以用 .unit.kind 篩選單位")
	}
	l.compileEach(p, spec, r, at)
	if spec.cell != "" {
		switch i, ok := l.types.index[spec.cell]; {
		case r.county:
			p.add(at("cell"), "cell", "全縣規則的提示不指向表格的格子，請刪掉 cell:")
		case !ok:
			p.add(at("cell"), "cell", "%s", l.types.unknownCode(spec.cell))
		default:
			r.cell = l.types.formCell(i)
		}
	}
	if spec.message == "" {
		p.add(spec.pos, "message", "缺少：請寫出不符合時給單位看的話")
	}
	if spec.fix == "" && !r.county {
		p.add(spec.pos, "fix", "缺少：請告訴單位怎樣改")
	}
	var message, fix shown
	r.message, message = l.message(p, spec.message, "message", at("message"), r)
	r.fix, fix = l.message(p, spec.fix, "fix", at("fix"), r)
	l.compileExpr(p, spec, r)
	if r.severity == vocab.Explain && !r.county && r.cell < 0 && r.each == nil {
		p.add(at("severity"), "severity", "%s 要指向一個格子：單位在數字那一行的「說明」裡說明，而這條規則沒有讀任何數字（請加 cell:）", vocab.Explain)
	}
	l.checkExamples(p, spec, r)
	if len(l.ps) > before {
		return nil
	}
	// A finding carries the figures its message shows as well.
	for _, s := range []shown{message, fix} {
		for _, i := range s.cur {
			r.uses = appendNew(r.uses, i)
		}
		for _, i := range s.prev {
			r.prevUses = appendNew(r.prevUses, i)
		}
	}
	l.trial(p, spec, r)
	if len(l.ps) > before {
		return nil
	}
	return r
}

func (l *loader) compileEach(p *reader, spec *ruleSpec, r *rule, at func(string) pos) {
	if _, given := spec.at["each"]; !given {
		return
	}
	if r.county {
		p.add(at("each"), "each", "只用於單位規則")
		return
	}
	switch spec.eachWord {
	case "":
	case eachInputs, eachInteger:
		r.each = []int{}
		for _, in := range l.types.cat.Inputs() {
			if i, ok := l.types.index[in.Code]; ok && (spec.eachWord == eachInputs || in.Type == workspace.TypeInteger) {
				r.each = append(r.each, i)
			}
		}
		return
	default:
		p.add(at("each"), "each", "「%s」只能是 %s（每個填報的指標）、%s（每個整數指標）或指標代碼的列表", spec.eachWord, eachInputs, eachInteger)
		return
	}
	r.each = []int{}
	for _, c := range spec.each {
		i, ok := l.types.index[c]
		if !ok {
			p.add(at("each"), "each", "%s", l.types.unknownCode(c))
			continue
		}
		r.each = append(r.each, i)
	}
	if len(r.each) == 0 {
		p.add(at("each"), "each", "沒有列出任何指標")
	}
}

// formCell is the indicator whose form row shows i: a derived figure has
// no row, so point at the figure it is computed from.
func (t *envTypes) formCell(i int) int {
	if d, ok := t.derived[i]; ok {
		return d.of
	}
	return i
}

var noField = regexp.MustCompile(`^type (.+) has no field (\S+)$`)

func (l *loader) compileExpr(p *reader, spec *ruleSpec, r *rule) {
	if spec.exprNode == nil || strings.TrimSpace(spec.expr) == "" {
		p.add(spec.pos, "expr", "缺少：請寫出數字合理時為真的表達式")
		return
	}
	opts := l.unitOpts
	if r.county {
		opts = l.countyOpts
	}
	prog, err := expr.Compile(spec.expr, opts...)
	if err != nil {
		var fe *file.Error
		if !errors.As(err, &fe) {
			p.add(nodePos(spec.exprNode), "expr", "表達式寫得不對（expr 的說明：%s）", detail(err.Error()))
			return
		}
		at := nodePos(spec.exprNode)
		if fe.Snippet != "" {
			// expr bound the error to its source: it has a line and column.
			at = p.exprPos(spec.exprNode, fe.Line, fe.Column)
		}
		p.add(at, "expr", "%s", l.explain(fe.Message, r.county))
		return
	}
	r.program, r.source = prog, spec.expr
	r.exprAt = nodePos(spec.exprNode)
	// Parse again for the names used: the compiled tree has been patched
	// and folded, the parsed one is as written.
	tree, err := parser.Parse(spec.expr)
	if err != nil {
		p.add(nodePos(spec.exprNode), "expr", "表達式寫得不對（expr 的說明：%s）", detail(err.Error()))
		return
	}
	u := l.uses(tree.Node, r.county)
	r.reads, r.prevUses, r.usesPrev, r.usesValue, r.usesPrevVal = u.cur, u.prev, u.prevAny, u.value, u.prevValue
	r.totalReads = u.total
	r.uses = slices.Clone(r.reads)
	if r.each == nil && (u.value || u.prevValue) {
		p.add(nodePos(spec.exprNode), "expr", "value 和 prev_value 只在寫了 each: 的規則裡有")
	}
	if r.cell < 0 && !r.county {
		switch {
		case len(u.cur) > 0:
			r.cell = l.types.formCell(u.cur[0])
		case len(u.prev) > 0:
			r.cell = l.types.formCell(u.prev[0])
		}
	}
}

// explain rewrites expr's messages that name the generated struct types,
// which mean nothing to the office, and says which code a name not in
// the catalogue probably meant; any other message of expr's is kept as
// the detail of a sentence.
func (l *loader) explain(msg string, county bool) text {
	m := noField.FindStringSubmatch(msg)
	switch {
	case m == nil:
	case m[1] == unitInfoType.String():
		return say("unit 沒有 %s 這一項（只有 %s）", m[2], strings.Join(unitFields, "、"))
	case strings.HasPrefix(m[1], "struct {"):
		return l.types.unknownCode(m[2])
	}
	if name, ok := strings.CutPrefix(msg, "unknown name "); ok {
		return l.types.unknownName(name, county)
	}
	return say("表達式寫得不對（expr 的說明：%s）", detail(msg))
}

type usage struct {
	cur, prev, total []int
	prevAny          bool
	value, prevValue bool
}

type usedAt struct{ idx, from int }

type usesVisitor struct {
	t                *envTypes
	county           bool
	cur, prev, total []usedAt
	prevAny          bool
	value, prevValue bool
}

func (v *usesVisitor) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		switch n.Value {
		case namePrev:
			v.prevAny = true
		case nameValue:
			v.value = true
		case namePrevValue:
			v.prevValue, v.prevAny = true, true
		default:
			if i, ok := v.t.index[n.Value]; ok && !v.county {
				v.cur = append(v.cur, usedAt{i, n.Location().From})
			}
		}
	case *ast.MemberNode:
		prop, ok := n.Property.(*ast.StringNode)
		if !ok {
			return
		}
		i, ok := v.t.index[prop.Value]
		if !ok {
			return
		}
		switch base := n.Node.(type) {
		case *ast.IdentifierNode:
			switch {
			case base.Value == namePrev && !v.county:
				v.prev = append(v.prev, usedAt{i, n.Location().From})
			case base.Value == nameTotal && v.county:
				v.cur = append(v.cur, usedAt{i, n.Location().From})
				v.total = append(v.total, usedAt{i, n.Location().From})
			}
		case *ast.PointerNode:
			if v.county {
				v.cur = append(v.cur, usedAt{i, n.Location().From})
			}
		}
	}
}

func (l *loader) uses(root ast.Node, county bool) usage {
	v := &usesVisitor{t: l.types, county: county}
	ast.Walk(&root, v)
	order := func(us []usedAt) []int {
		sort.SliceStable(us, func(a, b int) bool { return us[a].from < us[b].from })
		var out []int
		seen := map[int]bool{}
		for _, u := range us {
			if !seen[u.idx] {
				seen[u.idx] = true
				out = append(out, u.idx)
			}
		}
		return out
	}
	return usage{cur: order(v.cur), prev: order(v.prev), total: order(v.total), prevAny: v.prevAny, value: v.value, prevValue: v.prevValue}
}

// narrowCounty are the county rules' rows with only the figures the rules
// read of a unit (as .code over units), when every county rule compiles
// against them, their programs then compiled so: a region's draft held
// a row of every indicator for each of 73,000 units, 20 MB at its peak,
// where the rules read two. A rule that may see a row whole (units
// passed to anything but the builtins that only read rows' fields, # on
// its own, $env) keeps every figure, since it could tell the rows apart;
// one that reaches a figure another way (units[0].x) does not compile
// against the narrow rows, and keeps every figure too.
func (l *loader) narrowCounty(county []*rule) *countyRows {
	full := l.types.rows
	var pick []int
	for _, r := range county {
		tree, err := parser.Parse(r.source)
		if err != nil || !rowsReadOnly(tree.Node) {
			return full
		}
		v := &rowReads{index: l.types.index}
		ast.Walk(&tree.Node, v)
		pick = append(pick, v.read...)
	}
	slices.Sort(pick)
	pick = slices.Compact(pick)
	if len(pick) == len(full.pick) {
		return full
	}
	rows := l.types.countyRowsOf(pick)
	opts := l.types.options(rows.county)
	progs := make([]*vm.Program, len(county))
	for i, r := range county {
		p, err := expr.Compile(r.source, opts...)
		if err != nil {
			return full
		}
		progs[i] = p
	}
	for i, r := range county {
		r.program = progs[i]
	}
	return rows
}

// rowReads are the codes read as .code of a row (#.code).
type rowReads struct {
	index map[string]int
	read  []int
}

func (v *rowReads) Visit(node *ast.Node) {
	n, ok := (*node).(*ast.MemberNode)
	if !ok {
		return
	}
	if p, ok := n.Node.(*ast.PointerNode); !ok || p.Name != "" {
		return
	}
	if prop, ok := n.Property.(*ast.StringNode); ok {
		if i, ok := v.index[prop.Value]; ok {
			v.read = append(v.read, i)
		}
	}
}

// rowReaders are the builtins whose first argument, a list of rows, they
// only read fields of through their predicate; filter gives rows on.
var rowReaders = map[string]bool{"all": true, "any": true, "none": true, "one": true, "count": true, "sum": true,
	"map": true, "filter": true, "findIndex": true, "findLastIndex": true, "len": true}

// rowsReadOnly tells that root sees the rows only through their fields:
// units (or filter of it) only as the first argument of a rowReaders
// builtin, # only before a field, and no $env.
func rowsReadOnly(root ast.Node) bool {
	read := map[ast.Node]bool{}   // rows a rowReaders builtin reads
	member := map[ast.Node]bool{} // the base of a field access
	var isRows func(ast.Node) bool
	isRows = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IdentifierNode:
			return n.Value == nameUnits
		case *ast.BuiltinNode:
			return n.Name == "filter" && len(n.Arguments) > 0 && isRows(n.Arguments[0])
		}
		return false
	}
	var nodes []ast.Node
	ast.Walk(&root, visitFunc(func(n ast.Node) {
		nodes = append(nodes, n)
		switch n := n.(type) {
		case *ast.BuiltinNode:
			if rowReaders[n.Name] && len(n.Arguments) > 0 {
				read[n.Arguments[0]] = true
			}
		case *ast.MemberNode:
			if _, ok := n.Property.(*ast.StringNode); ok {
				member[n.Node] = true
			}
		}
	}))
	for _, n := range nodes {
		switch m := n.(type) {
		case *ast.IdentifierNode:
			if m.Value == "$env" {
				return false
			}
		case *ast.PointerNode:
			if m.Name != "index" && !member[n] {
				return false
			}
		}
		if isRows(n) && !read[n] {
			return false
		}
	}
	return true
}

type visitFunc func(ast.Node)

func (f visitFunc) Visit(n *ast.Node) { f(*n) }
