package workspace

import (
	"testing"

	"countybrief/pipeline/vocab/englishtest"
)

// TestEveryProblemHasEnglish: every problem a workspace file can have is
// written in Chinese, quotes with 「」, and has its English in english,
// which holds nothing else.
func TestEveryProblemHasEnglish(t *testing.T) {
	englishtest.Check(t, ".", map[string]int{"say": 0}, english)
}
