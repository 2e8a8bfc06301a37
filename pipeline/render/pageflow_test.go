package render

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"countybrief/pipeline/workspace"
)

// TestDistributionOnEvenPage: whatever the length of the text, the 版記
// is on the last page, and that page is even (GB/T 9704, printed duplex);
// a blank page put in before it is unnumbered, and so is the 版記 page
// after it; a briefing of one page keeps it at its foot. Texts of 1 to 40 paragraphs end on every kind of page: with
// room for the 版記, without, odd and even.
func TestDistributionOnEvenPage(t *testing.T) {
	ws := testWorkspace(t, workspace.Traditional)
	if err := os.MkdirAll(ws.TemplatesDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	const para = "全縣73個參學單位選定典型培育點73個，查找突出問題149個，已解決79個，為群眾辦實事32件，領導幹部共作專題輔導227場次。"
	blanks := 0
	for n := 0; n <= 40; n += 3 {
		tmpl := ".title\n版記測試\n" + strings.Repeat("\n.p\n"+para+"\n", n) +
			"\n.distribution\n報：市委活動辦。\n送：縣委領導。\n發：各鄉鎮黨委。\n（共印40份）\n"
		if err := os.WriteFile(filepath.Join(ws.TemplatesDir(), "briefing.tmpl"), []byte(tmpl), 0o644); err != nil {
			t.Fatal(err)
		}
		pdf, _ := render(t, newRenderer(t, ws), domainBriefing(t, ws))
		// pdftotext spaces out runs of digits and marks as it pleases.
		text := strings.ReplaceAll(run(t, "pdftotext", "-layout", "-enc", "UTF-8", writeTemp(t, "b.pdf", pdf), "-"), " ", "")
		pages := strings.Split(strings.TrimSuffix(text, "\f"), "\f")
		last := len(pages)
		if last%2 != 0 && last > 1 {
			t.Errorf("%d paragraphs: %d pages, want an even count", n, last)
		}
		for i, pg := range pages {
			has := strings.Contains(pg, "共印40份")
			if has != (i == last-1) {
				t.Errorf("%d paragraphs: page %d of %d holds the 版記: %v", n, i+1, last, has)
			}
		}
		switch {
		case last > 1 && strings.TrimSpace(pages[last-2]) == "":
			blanks++
			if strings.Contains(pages[last-1], "—") {
				t.Errorf("%d paragraphs: the 版記 page after a blank page is numbered", n)
			}
		case !strings.Contains(pages[last-1], "—"+strconv.Itoa(last)+"—"):
			t.Errorf("%d paragraphs: the 版記 page %d lacks its number", n, last)
		}
	}
	if blanks == 0 {
		t.Errorf("no length put a blank page before the 版記: the test misses a case")
	}
}
