// Package plainjson tells which strings encoding/json writes as they are,
// so that the few hot writers of JSON (the run summary's file results,
// the log file's lines) can write plain texts without reflection and
// leave every other text to encoding/json.
package plainjson

import "unicode/utf8"

// Plain reports whether encoding/json writes s as it is between quotes,
// HTML escaping on (its default): valid UTF-8 without control
// characters, quotes, backslashes, the characters it escapes for HTML
// (<, >, &) or U+2028 and U+2029.
func Plain(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += n
	}
	return true
}
