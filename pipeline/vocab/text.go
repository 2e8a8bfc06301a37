package vocab

import "fmt"

// Text is a sentence a person reads: Zh in the office's Chinese,
// Traditional as the program writes it (the command converts it for a
// Simplified office), and En in English, for a person who asked for
// English. A package writes each sentence once, in Chinese, where it
// finds what to say; its English is data, in the package's English table.
type Text struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// English is a package's English, keyed by the Chinese format each
// sentence is written with; the verbs keep their order (a Chinese 「%s」
// is an English %q). The package's test keeps it complete with
// englishtest.Check.
type English map[string]string

// Say formats a sentence in both languages. An argument that is itself a
// Text is taken in the same language, so that sentences nest; a format
// without an entry (which the package's test forbids) is its own English.
func (e English) Say(format string, args ...any) Text {
	zh := make([]any, len(args))
	en := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(Text); ok {
			zh[i], en[i] = t.Zh, t.En
		} else {
			zh[i], en[i] = a, a
		}
	}
	enFormat, ok := e[format]
	if !ok {
		enFormat = format
	}
	return Text{fmt.Sprintf(format, zh...), fmt.Sprintf(enFormat, en...)}
}

// Detail is a library's own words (expr, text/template, YAML, the file
// system), kept as the detail of a sentence: they are English and name
// things the office never wrote, so they never stand alone.
func Detail(s string) Text { return Text{s, s} }
