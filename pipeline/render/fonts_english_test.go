package render

import (
	"strings"
	"testing"

	"countybrief/pipeline/render/typeset"
	"countybrief/pipeline/vocab/englishtest"
)

// TestFontAdviceHasEnglish: every sentence of font advice is Chinese,
// quotes with 「」, and has its English, which holds no Chinese of the
// program's (the faces' own names aside).
func TestFontAdviceHasEnglish(t *testing.T) {
	englishtest.Check(t, ".", map[string]int{"say": 0}, fontsEnglish)
	for _, role := range typeset.Roles() {
		en := FontFallback{Role: role, Face: "AR PL UMing"}.Text().En
		if strings.ContainsAny(en, "請安裝沒有找到改用，。；：（") || !strings.Contains(en, "Install") {
			t.Errorf("%s: %s", role, en)
		}
	}
}
