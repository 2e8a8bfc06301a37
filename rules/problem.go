package rules

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a rule file, placed so that the office can
// go to the line: "file:line:col: rule <id>: <field>: <msg>".
type Problem struct {
	File  string
	Line  int
	Col   int
	Rule  string
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

// Problems is every problem found while loading a set of rule files; a load
// reports all of them rather than the first.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

func (ps Problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}
