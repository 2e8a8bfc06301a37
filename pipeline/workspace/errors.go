package workspace

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a file the office edits, placed so that
// it can go to the line: "file:line[:col]: [rule <id>: ][field: ]msg".
// The rule files report theirs the same way (rules.Problem).
type Problem struct {
	File     string
	Line     int
	Col      int
	Rule     string // the rule a problem in a rule file belongs to
	Field    string
	Msg      string
	Severity Severity
}

// Severity tells a problem that stops the workspace from loading from a
// warning about a setting that works but carries a risk.
type Severity int

const (
	// SeverityError: the file cannot be used as it is.
	SeverityError Severity = iota
	// SeverityWarning: the workspace loads and batches run, but the
	// office should know what the setting risks.
	SeverityWarning
)

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
	if p.Severity == SeverityWarning {
		b.WriteString(": 警告")
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

func (ps *Problems) warn(file string, line int, field, format string, args ...any) {
	*ps = append(*ps, Problem{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...), Severity: SeverityWarning})
}

// orNil is ps, warnings included, as an error, or nil when empty: a
// parser hands everything it found to Load, which sorts warnings out.
func (ps Problems) orNil() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// Err is ps as an error, or nil when ps holds no error: warnings alone
// never stop a load.
func (ps Problems) Err() error {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return ps
		}
	}
	return nil
}
