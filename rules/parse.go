package rules

import (
	"bytes"
	"countybrief/pipeline/vocab"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxFileBytes bounds one rule file: rules are a few kilobytes, and a
// larger file is a mistake (a workbook saved as .yaml) rather than rules.
const maxFileBytes = 1 << 20

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// pos is a place in a rule file; col counts characters from 1.
type pos struct{ line, col int }

func nodePos(n *yaml.Node) pos { return pos{n.Line, n.Column} }

// ruleSpec is one rule as written, before compiling, with the position of
// each field so that every later problem can point at it.
type ruleSpec struct {
	pos         pos
	id          string
	description string
	scope       string
	kinds       []string
	each        []string
	eachWord    string // inputs or integer: each: given as a word
	expr        string
	exprNode    *yaml.Node
	severity    string
	message     string
	fix         string
	cell        string
	examples    []exampleSpec
	at          map[string]pos // field → position of its value
}

type exampleSpec struct {
	pos        pos
	values     numbers
	prev       *numbers
	kind       string
	registered *float64
	want       string
	units      []unitExample
	totals     numbers // county figures of a county example
	at         map[string]pos
}

type unitExample struct {
	pos    pos
	kindAt pos
	kind   string
	values numbers
}

// numbers are example figures with where each code was written.
type numbers struct {
	vals map[string]float64
	at   map[string]pos
}

// reader reads the rule files of one load, collecting every problem.
type reader struct {
	file  string
	lines []string
	ps    *vocab.Problems
	rule  string // id of the rule being read, for problems
}

func (p *reader) add(at pos, field, format string, args ...any) {
	t := say(format, args...)
	*p.ps = append(*p.ps, vocab.Problem{File: p.file, Line: at.line, Col: at.col, Rule: p.rule, Field: field, Msg: t.Zh, En: t.En})
}

// parseFile decodes one rule file; it returns what it could read even when
// some rules are broken, so that the caller reports the rest too.
func parseFile(file string, data []byte, ps *vocab.Problems) []*ruleSpec {
	p := &reader{file: file, ps: ps, lines: strings.Split(string(data), "\n")}
	if len(data) > maxFileBytes {
		p.add(pos{}, "", "文件大於 %d 字節；一個規則文件只放幾條規則", maxFileBytes)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file holds no rules
		}
		at, msg := pos{}, err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			at.line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		p.add(at, "", "不是有效的 YAML，請檢查這一行的縮進、冒號和引號（YAML 的說明：%s）", detail(msg))
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		p.add(nodePos(&extra), "", "一個文件只能有一個 YAML 文檔")
	}
	if len(doc.Content) == 0 {
		return nil
	}
	top := deref(doc.Content[0])
	if top.Kind != yaml.MappingNode {
		p.add(nodePos(top), "", "應該是以 rules: 為鍵的映射")
		return nil
	}
	var out []*ruleSpec
	p.mapping(top, func(key string, k, v *yaml.Node) {
		if key != "rules" {
			p.add(nodePos(k), key, "未知字段（規則文件只有 rules:）")
			return
		}
		if v.Kind != yaml.SequenceNode {
			if !isNull(v) {
				p.add(nodePos(v), "rules", "應該是規則列表")
			}
			return
		}
		for _, item := range v.Content {
			if r := p.ruleSpec(deref(item)); r != nil {
				out = append(out, r)
			}
		}
	})
	return out
}

// mapping calls fn for each key of m in order, reporting duplicate and
// non-scalar keys.
func (p *reader) mapping(m *yaml.Node, fn func(key string, k, v *yaml.Node)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := deref(m.Content[i]), deref(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.add(nodePos(k), "", "鍵必須是普通名稱")
			continue
		}
		if seen[k.Value] {
			p.add(nodePos(k), k.Value, "寫了兩次")
			continue
		}
		seen[k.Value] = true
		fn(k.Value, k, v)
	}
}

func deref(n *yaml.Node) *yaml.Node {
	// Aliases may chain; a cycle is impossible in a parsed document, but
	// bound the walk all the same.
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func (p *reader) str(field string, v *yaml.Node) string {
	if v.Kind != yaml.ScalarNode {
		p.add(nodePos(v), field, "應該是文字")
		return ""
	}
	if isNull(v) {
		return ""
	}
	return v.Value
}

func (p *reader) strList(field string, v *yaml.Node) []string {
	if v.Kind != yaml.SequenceNode {
		p.add(nodePos(v), field, "應該是列表")
		return nil
	}
	var out []string
	for _, item := range v.Content {
		item = deref(item)
		if s := p.str(field, item); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (p *reader) number(field string, v *yaml.Node) (float64, bool) {
	var f float64
	if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float") || v.Decode(&f) != nil {
		p.add(nodePos(v), field, "「%s」不是數字", v.Value)
		return 0, false
	}
	return f, true
}

func (p *reader) ruleSpec(n *yaml.Node) *ruleSpec {
	p.rule = ""
	if n.Kind != yaml.MappingNode {
		p.add(nodePos(n), "", "一條規則必須是字段的映射")
		return nil
	}
	r := &ruleSpec{pos: nodePos(n), at: map[string]pos{}}
	// The id comes first in problems, wherever it is written.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := deref(n.Content[i]), deref(n.Content[i+1]); k.Value == "id" && v.Kind == yaml.ScalarNode {
			p.rule = v.Value
		}
	}
	p.mapping(n, func(key string, k, v *yaml.Node) {
		r.at[key] = nodePos(v)
		switch key {
		case "id":
			r.id = p.str(key, v)
		case "description":
			r.description = p.str(key, v)
		case "scope":
			r.scope = p.str(key, v)
		case "kinds":
			r.kinds = p.strList(key, v)
		case "each":
			if v.Kind == yaml.ScalarNode {
				r.eachWord = p.str(key, v)
			} else {
				r.each = p.strList(key, v)
			}
		case "expr":
			r.expr = p.str(key, v)
			r.exprNode = v
		case "severity":
			r.severity = p.str(key, v)
		case "message":
			r.message = p.str(key, v)
		case "fix":
			r.fix = p.str(key, v)
		case "cell":
			r.cell = p.str(key, v)
		case "examples":
			if v.Kind != yaml.SequenceNode {
				p.add(nodePos(v), key, "應該是示例列表")
				return
			}
			for i, item := range v.Content {
				r.examples = append(r.examples, p.example(i, deref(item)))
			}
		default:
			p.add(nodePos(k), key, "未知字段")
		}
	})
	return r
}

// exampleField names a field of a rule's examples as the file writes it
// (examples[2].values), the same in every language.
func exampleField(i int, field string) string {
	if field == "" {
		return fmt.Sprintf("examples[%d]", i+1)
	}
	return fmt.Sprintf("examples[%d].%s", i+1, field)
}

func (p *reader) example(i int, n *yaml.Node) exampleSpec {
	e := exampleSpec{pos: nodePos(n), at: map[string]pos{}}
	if n.Kind != yaml.MappingNode {
		p.add(nodePos(n), exampleField(i, ""), "一個示例必須是字段的映射")
		return e
	}
	p.mapping(n, func(key string, k, v *yaml.Node) {
		e.at[key] = nodePos(v)
		field := exampleField(i, key)
		switch key {
		case "values":
			e.values = p.numbers(field, v)
		case "prev":
			nums := p.numbers(field, v)
			e.prev = &nums
		case "kind":
			e.kind = p.str(field, v)
		case "registered_members":
			if f, ok := p.number(field, v); ok {
				e.registered = &f
			}
		case "want":
			e.want = p.str(field, v)
		case "totals":
			e.totals = p.numbers(field, v)
		case "units":
			if v.Kind != yaml.SequenceNode {
				p.add(nodePos(v), field, "應該是單位列表")
				return
			}
			for j, item := range v.Content {
				e.units = append(e.units, p.unitExample(fmt.Sprintf("%s[%d]", field, j+1), deref(item)))
			}
		default:
			p.add(nodePos(k), field, "未知字段")
		}
	})
	return e
}

func (p *reader) unitExample(field string, n *yaml.Node) unitExample {
	u := unitExample{pos: nodePos(n)}
	if n.Kind != yaml.MappingNode {
		p.add(nodePos(n), field, "應該是含 kind: 和 values: 的映射")
		return u
	}
	p.mapping(n, func(key string, k, v *yaml.Node) {
		switch key {
		case "kind":
			u.kind, u.kindAt = p.str(field+".kind", v), nodePos(v)
		case "values":
			u.values = p.numbers(field+".values", v)
		default:
			p.add(nodePos(k), field+"."+key, "未知字段")
		}
	})
	return u
}

func (p *reader) numbers(field string, v *yaml.Node) numbers {
	nums := numbers{vals: map[string]float64{}, at: map[string]pos{}}
	if isNull(v) {
		return nums
	}
	if v.Kind != yaml.MappingNode {
		p.add(nodePos(v), field, "應該是指標代碼到數字的映射")
		return nums
	}
	p.mapping(v, func(key string, k, val *yaml.Node) {
		if f, ok := p.number(field+"."+key, val); ok {
			nums.vals[key] = f
			nums.at[key] = nodePos(k)
		}
	})
	return nums
}

// exprPos maps a position inside an expression (line from 1, column from 0,
// as expr reports them) to the rule file. It is exact for one-line plain
// or quoted expressions and for literal blocks (|); for folded text it
// falls back to where the expression starts.
func (p *reader) exprPos(n *yaml.Node, line, col int) pos {
	start := nodePos(n)
	switch n.Style {
	case yaml.LiteralStyle:
		// The block's indentation is that of its first non-blank line;
		// deeper lines keep their extra spaces in the expression.
		for i := n.Line; i < len(p.lines); i++ {
			src := p.lines[i]
			if strings.TrimSpace(src) == "" {
				continue
			}
			if l := n.Line + line; l-1 < len(p.lines) {
				return pos{l, len(src) - len(strings.TrimLeft(src, " ")) + col + 1}
			}
			break
		}
	case 0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		if line != 1 || n.Line-1 >= len(p.lines) || n.Column < 1 {
			break
		}
		off := 0
		if n.Style != 0 {
			off = 1
		}
		rs := []rune(p.lines[n.Line-1])
		// Only when the text stands on the line as written (no escapes,
		// not folded over several lines) do its columns carry over.
		if s := n.Column - 1 + off; s <= len(rs) && strings.HasPrefix(string(rs[s:]), n.Value) {
			return pos{n.Line, n.Column + off + col}
		}
	}
	return start
}
