package rules

import "fmt"

// text is a problem in the office's Chinese, Traditional as the shipped
// rule files are (the command converts it for a Simplified office), and in
// English for a person who asks for English (vocab.Problem.En). A problem
// is written once, in Chinese, at the line that finds it; its English is
// data, in english (english.go), keyed by the Chinese format, and
// TestEveryProblemHasEnglish keeps the two complete.
type text struct{ zh, en string }

// say formats a problem in both languages; an argument that is itself a
// text is taken in the same language, so that sentences nest.
func say(format string, args ...any) text {
	zh := make([]any, len(args))
	en := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(text); ok {
			zh[i], en[i] = t.zh, t.en
		} else {
			zh[i], en[i] = a, a
		}
	}
	enFormat, ok := english[format]
	if !ok {
		enFormat = format
	}
	return text{fmt.Sprintf(format, zh...), fmt.Sprintf(enFormat, en...)}
}

// detail is a library's own words (expr, text/template, YAML), kept as the
// detail of a problem: they are English and name things the office never
// wrote, so they never stand alone.
func detail(s string) text { return text{s, s} }
