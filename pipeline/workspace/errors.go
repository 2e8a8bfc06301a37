package workspace

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a file the office edits, placed so that
// it can go to the line: "file:line[:col]: [rule <id>: ][field: ]msg".
// The rule files report theirs the same way (rules.Problem).
type Problem struct {
	File  string
	Line  int
	Col   int
	Rule  string // the rule a problem in a rule file belongs to
	Field string
	Msg   string
}

func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	switch {
	case p.Line > 0 && p.Col > 0:
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Col)
	case p.Line > 0:
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Rule != "" {
		fmt.Fprintf(&b, ": rule %s", p.Rule)
	}
	if p.Field != "" {
		fmt.Fprintf(&b, ": %s", p.Field)
	}
	fmt.Fprintf(&b, ": %s", p.Msg)
	return b.String()
}

// Problems collects every validation failure of a load.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

func (ps *Problems) add(file string, line int, field, format string, args ...any) {
	*ps = append(*ps, Problem{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// Err is ps as an error, or nil when there is none.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}
