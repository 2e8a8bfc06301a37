package pipeline

import (
	"testing"

	"countybrief/pipeline/vocab/englishtest"
)

// TestEveryNoteHasEnglish: every note of the run summary written with say
// is Chinese, quotes with 「」, and has its English.
func TestEveryNoteHasEnglish(t *testing.T) {
	englishtest.Check(t, ".", map[string]int{"say": 0}, english)
}
