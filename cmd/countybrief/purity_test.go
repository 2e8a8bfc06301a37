package main

import (
	"strings"
	"testing"

	"github.com/longbridgeapp/opencc"
)

// catalogueExceptions are characters of the Traditional catalogue that
// OpenCC's s2t would change though they are right as written, each
// reviewed (the same as pipeline's TestScriptPurity).
var catalogueExceptions = map[rune]string{
	'群': "s2t writes the variant 羣; 群 is the standard form in Taiwan's and Hong Kong's lists",
	'灶': "s2t writes the variant 竈; 灶 is the standard form in Taiwan's and Hong Kong's lists",
	'台': "台帳 as offices write it: 台 is a Traditional character too (天台), where s2t prefers the formal 臺",
}

// TestCatalogueIsTraditional (issue 15.5): every key of the message
// catalogue, the Traditional text the office reads and the Simplified is
// converted from, holds no character s2t would change, and quotes in 「」
// only: a Simplified character there would show in every Traditional
// office's terminal.
func TestCatalogueIsTraditional(t *testing.T) {
	cc, err := opencc.New("s2t")
	if err != nil {
		t.Fatal(err)
	}
	msgs := allEnglish()
	if len(msgs) < 100 {
		t.Fatalf("only %d messages in the catalogue", len(msgs))
	}
	for _, m := range msgs {
		conv, err := cc.Convert(m.zh)
		if err != nil {
			t.Fatal(err)
		}
		in, out := []rune(m.zh), []rune(conv)
		if len(in) != len(out) {
			out = out[:0]
			for _, r := range in {
				c, _ := cc.Convert(string(r))
				out = append(out, []rune(c)[0])
			}
		}
		for i, r := range in {
			if _, ok := catalogueExceptions[r]; ok {
				continue
			}
			if r != out[i] || strings.ContainsRune("“”‘’", r) {
				t.Errorf("%q: %c (s2t: %c) is not Traditional or not in 「」", m.zh, r, out[i])
			}
		}
	}
}
