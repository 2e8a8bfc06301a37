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

// Chart kinds.
const (
	chartProblems  = "problems"
	chartReporting = "reporting"
)

// block is one unit of the briefing: a paragraph, a heading, the table...
type block struct {
	kind  string
	arg   string   // label of note/lead, caption of table, kind of chart
	arg2  string   // caption of a chart
	lines []string // masthead and distribution lines; one joined line otherwise
	line  int      // line in the template's output, for errors
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
			case kNote, kLead, kTable:
				if b.arg == "" {
					return nil, fmt.Errorf("output line %d: .%s needs a label", n, kind)
				}
			case kChart:
				b.arg, b.arg2, _ = strings.Cut(b.arg, " ")
				b.arg2 = strings.TrimSpace(b.arg2)
				if b.arg != chartProblems && b.arg != chartReporting {
					return nil, fmt.Errorf("output line %d: .chart %q: want %s or %s", n, b.arg, chartProblems, chartReporting)
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
