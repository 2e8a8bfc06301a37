package render

import (
	"fmt"
	"strings"
)

// Block kinds of the template markup (see templates/briefing.tmpl).
const (
	kMasthead     = "masthead"
	kTitle        = "title"
	kNote         = "note"
	kLead         = "lead"
	kPara         = "p"
	kH1           = "h1"
	kH2           = "h2"
	kTable        = "table"
	kChart        = "chart"
	kDistribution = "distribution"
	kPage         = "page"
)

// Chart kinds: bars of indicators per unit kind, bars of units per
// reporting state per unit kind, and lines of county figures over periods.
const (
	chartBar       = "bar"
	chartReporting = "reporting"
	chartLine      = "line"
)

// Arguments of .table and .chart (templates/doc.go).
const (
	argIndicators = "indicators"
	argBy         = "by"
	argGroup      = "group"
	argTotal      = "total"
	byKind        = "kind"
	byNone        = "none"
)

// block is one unit of the briefing: a paragraph, a heading, a table...
type block struct {
	kind   string
	arg    string            // label of note/lead, caption of table, kind of chart
	arg2   string            // caption of a chart
	params map[string]string // key=value arguments of a table or chart
	lines  []string          // masthead and distribution lines; one joined line otherwise
	line   int               // line in the template's output, for errors
	// tbl and cht are what build made of a table or chart block.
	tbl *table
	cht *chart
}

// blockArgs are the arguments each block with arguments takes.
var blockArgs = map[string][]string{
	kTable: {argIndicators, argBy, argGroup, argTotal},
	kChart: {argIndicators, argBy},
}

// cutParams takes the key=value words at the start of s, leaving the
// caption: a caption has no ASCII '=' in its first word.
func cutParams(kind, s string, n int) (map[string]string, string, error) {
	params := map[string]string{}
	for {
		word, rest, _ := strings.Cut(s, " ")
		key, val, ok := strings.Cut(word, "=")
		if !ok {
			return params, s, nil
		}
		known := false
		for _, k := range blockArgs[kind] {
			known = known || k == key
		}
		if !known {
			return nil, "", fmt.Errorf("output line %d: .%s 沒有參數 %s；可寫的參數有 %s", n, kind, key, strings.Join(blockArgs[kind], "、"))
		}
		params[key] = val
		s = strings.TrimSpace(rest)
	}
}

// text is the block's paragraph text.
func (b block) text() string { return strings.Join(b.lines, "") }

// parseBlocks reads the template output. Errors name the output line, since
// the template's own line is lost once it has run.
func parseBlocks(out string) ([]block, error) {
	var blocks []block
	var cur *block
	flush := func() {
		if cur != nil {
			blocks = append(blocks, *cur)
			cur = nil
		}
	}
	for i, raw := range strings.Split(out, "\n") {
		line := strings.TrimSpace(raw)
		n := i + 1
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, ".") && len(line) > 1 && line[1] >= 'a' && line[1] <= 'z':
			flush()
			kind, arg, _ := strings.Cut(line[1:], " ")
			b := block{kind: kind, arg: strings.TrimSpace(arg), line: n}
			switch kind {
			case kMasthead, kTitle, kPara, kH1, kH2, kDistribution, kPage:
				if b.arg != "" {
					return nil, fmt.Errorf("output line %d: .%s takes no argument", n, kind)
				}
			case kNote, kLead:
				if b.arg == "" {
					return nil, fmt.Errorf("output line %d: .%s needs a label", n, kind)
				}
			case kTable:
				var err error
				if b.params, b.arg, err = cutParams(kind, b.arg, n); err != nil {
					return nil, err
				}
				if b.arg == "" {
					return nil, fmt.Errorf("output line %d: .%s needs a label", n, kind)
				}
			case kChart:
				b.arg, b.arg2, _ = strings.Cut(b.arg, " ")
				var err error
				if b.params, b.arg2, err = cutParams(kind, strings.TrimSpace(b.arg2), n); err != nil {
					return nil, err
				}
				switch b.arg {
				case chartBar, chartReporting, chartLine:
				case "problems":
					return nil, fmt.Errorf("output line %d: .chart problems 已取消：請改寫為 .chart bar indicators=problems_found,problems_solved 標題（柱狀圖按單位類別列出所寫的指標）", n)
				default:
					return nil, fmt.Errorf("output line %d: .chart「%s」：只能是 %s（指標按單位類別的柱狀圖）、%s（各類單位報送情況）或 %s（全縣指標歷期折線圖）", n, b.arg, chartBar, chartReporting, chartLine)
				}
			default:
				return nil, fmt.Errorf("output line %d: unknown block .%s", n, kind)
			}
			cur = &b
		case cur == nil:
			return nil, fmt.Errorf("output line %d: text outside a block: %q", n, line)
		default:
			cur.lines = append(cur.lines, line)
		}
	}
	flush()
	for _, b := range blocks {
		switch {
		case b.kind == kMasthead && len(b.lines) != 4:
			return nil, fmt.Errorf("output line %d: .masthead has %d lines, want 4 (name, issue, office, date)", b.line, len(b.lines))
		case (b.kind == kTable || b.kind == kChart || b.kind == kPage) && len(b.lines) > 0:
			return nil, fmt.Errorf("output line %d: .%s takes no text", b.line, b.kind)
		case b.kind != kTable && b.kind != kChart && b.kind != kPage && len(b.lines) == 0:
			return nil, fmt.Errorf("output line %d: .%s is empty", b.line, b.kind)
		}
	}
	return blocks, nil
}

// span is a stretch of paragraph text in one style.
type span struct {
	text string
	bold bool
}

// spans splits **bold** run-in heads from the rest.
func spans(s string) []span {
	var out []span
	bold := false
	for _, part := range strings.Split(s, "**") {
		if part != "" {
			out = append(out, span{text: part, bold: bold})
		}
		bold = !bold
	}
	return out
}

// plain is the text with the bold marks removed.
func plain(s string) string { return strings.ReplaceAll(s, "**", "") }
