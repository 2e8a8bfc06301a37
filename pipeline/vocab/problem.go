package vocab

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a file the office edits (config, units,
// catalogue, rules, templates), placed so that it can go to the line:
// "file:line[:col]: [rule <id>: ][field: ]msg".
type Problem struct {
	File  string
	Line  int
	Col   int
	Rule  string // the rule a problem in a rule file belongs to
	Field string
	Msg   string
	// En is Msg in English, for a person who asked for English (--lang
	// en); empty where the package that found the problem wrote none.
	En string
	// Severity is Error when empty: a setting that works but carries a
	// risk is a Warning.
	Severity Severity
}

func (p Problem) Error() string { return p.format("規則", "警告", p.Msg) }

// English is the problem for a person who asked for English: En, or Msg
// where no English was written.
func (p Problem) English() string {
	msg := p.En
	if msg == "" {
		msg = p.Msg
	}
	return p.format("rule", "warning", msg)
}

func (p Problem) format(rule, warning, msg string) string {
	place := p.File
	switch {
	case p.Line > 0 && p.Col > 0:
		place += fmt.Sprintf(":%d:%d", p.Line, p.Col)
	case p.Line > 0:
		place += fmt.Sprintf(":%d", p.Line)
	}
	// A problem of no file (a workspace folder without its files) starts
	// with what is wrong, not with an empty place.
	var parts []string
	if place != "" {
		parts = append(parts, place)
	}
	if p.Rule != "" {
		parts = append(parts, rule+" "+p.Rule)
	}
	if p.Field != "" {
		parts = append(parts, p.Field)
	}
	if p.Severity == Warning {
		parts = append(parts, warning)
	}
	return strings.Join(append(parts, msg), ": ")
}

// Problems collects every problem of a load: a load reports all of them
// rather than the first.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Add records an error at file:line in field.
func (ps *Problems) Add(file string, line int, field string, msg Text) {
	*ps = append(*ps, Problem{File: file, Line: line, Field: field, Msg: msg.Zh, En: msg.En})
}

// Warn records a warning at file:line in field.
func (ps *Problems) Warn(file string, line int, field string, msg Text) {
	*ps = append(*ps, Problem{File: file, Line: line, Field: field, Msg: msg.Zh, En: msg.En, Severity: Warning})
}

// All is ps, warnings included, as an error, or nil when empty: a parser
// hands everything it found to its caller, which sorts warnings out.
func (ps Problems) All() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// Err is ps as an error, or nil when ps holds no error: warnings alone
// never stop a load.
func (ps Problems) Err() error {
	for _, p := range ps {
		if p.Severity != Warning {
			return ps
		}
	}
	return nil
}
