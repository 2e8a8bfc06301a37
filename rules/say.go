package rules

import "countybrief/pipeline/vocab"

// text is a problem in the office's Chinese and in English
// (vocab.Problem.En). A problem is written once, in Chinese, at the line
// that finds it; its English is data, in english (english.go), keyed by
// the Chinese format, and TestEveryProblemHasEnglish keeps the two
// complete. The mechanism is vocab's, shared with the workspace's
// problems.
type text = vocab.Text

// say formats a problem in both languages; an argument that is itself a
// text is taken in the same language, so that sentences nest.
func say(format string, args ...any) text { return english.Say(format, args...) }

// detail is a library's own words (expr, text/template, YAML), kept as the
// detail of a problem.
func detail(s string) text { return vocab.Detail(s) }
