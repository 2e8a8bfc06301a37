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

// TestTableFlow: a table starts on the page the text reaches when its
// caption, header and first rows fit there, and runs on with its header
// repeated, so no page but the last is less than 60% full; a heading is
// never a page's last line, even two headings in a row before a table.
// Texts of 0 to 14 paragraphs put the headings and the table at every
// height of a page.
func TestTableFlow(t *testing.T) {
	ws := testWorkspace(t, workspace.Traditional)
	if err := os.MkdirAll(ws.TemplatesDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	lay := ws.Config.Layout
	const para = "全縣73個參學單位選定典型培育點73個，查找突出問題149個，已解決79個，為群眾辦實事32件，領導幹部共作專題輔導227場次。"
	headings := []string{"一、數據匯總", "（一）分項數據"}
	for n := 0; n <= 14; n++ {
		tmpl := ".title\n表格分頁測試\n" + strings.Repeat("\n.p\n"+para+"\n", n) +
			"\n.h1\n" + headings[0] + "\n\n.h2\n" + headings[1] +
			"\n\n.table group=活動 total=全縣 表1　各項活動累計數據\n\n.p\n" + para + "\n"
		if err := os.WriteFile(filepath.Join(ws.TemplatesDir(), "briefing.tmpl"), []byte(tmpl), 0o644); err != nil {
			t.Fatal(err)
		}
		pdf, _ := render(t, newRenderer(t, ws), domainBriefing(t, ws))
		path := writeTemp(t, "b.pdf", pdf)
		fills := pageFills(t, path, lay.MarginTop, lay.TextHeight)
		for i, f := range fills[:len(fills)-1] {
			if f < 0.6 {
				t.Errorf("%d paragraphs: page %d of %d is %.0f%% full", n, i+1, len(fills), 100*f)
			}
		}
		checkHeadingsNotLast(t, path, headings, strconv.Itoa(n)+" paragraphs")
	}
}

// TestSampleHeadingsKept: no heading of the sample briefing is the last
// line of a page. (Its 附表 starts a page by the template's .page, as
// GB/T 9704 sets an attachment apart, so the page before may be short.)
func TestSampleHeadingsKept(t *testing.T) {
	for _, lang := range []string{workspace.Traditional, workspace.Simplified} {
		t.Run(lang, func(t *testing.T) {
			ws := testWorkspace(t, lang)
			r := newRenderer(t, ws)
			b := domainBriefing(t, ws)
			d, err := r.build(&b)
			if err != nil {
				t.Fatal(err)
			}
			var headings []string
			for _, bl := range d.blocks {
				if bl.kind == kH1 || bl.kind == kH2 {
					headings = append(headings, bl.text())
				}
			}
			pdf, _ := render(t, r, b)
			checkHeadingsNotLast(t, writeTemp(t, "b.pdf", pdf), headings, lang)
		})
	}
}

// checkHeadingsNotLast fails when a page's last line of text, above its
// number, is one of the headings.
func checkHeadingsNotLast(t *testing.T, path string, headings []string, what string) {
	t.Helper()
	text := run(t, "pdftotext", "-layout", "-enc", "UTF-8", path, "-")
	for i, pg := range strings.Split(strings.TrimSuffix(text, "\f"), "\f") {
		var last string
		for _, l := range strings.Split(pg, "\n") {
			l = strings.Join(strings.Fields(l), "")
			if l != "" && !pageNumber.MatchString(l) {
				last = l
			}
		}
		for _, h := range headings {
			if last == strings.Join(strings.Fields(h), "") {
				t.Errorf("%s: page %d ends with the heading %s", what, i+1, h)
			}
		}
	}
}

// pageFills is, per page, how far down the text block its text reaches,
// from 0 to 1, read from pdftotext's word boxes; the page number, under
// the block, does not count.
func pageFills(t *testing.T, path string, topMM, heightMM float64) []float64 {
	t.Helper()
	const ptPerMM = 72 / 25.4
	top, bottom := topMM*ptPerMM, (topMM+heightMM)*ptPerMM
	var fills []float64
	for _, l := range strings.Split(run(t, "pdftotext", "-bbox", path, "-"), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "<page ") {
			fills = append(fills, 0)
			continue
		}
		if !strings.HasPrefix(l, "<word ") || len(fills) == 0 {
			continue
		}
		i := strings.Index(l, `yMax="`)
		y, err := strconv.ParseFloat(strings.SplitN(l[i+6:], `"`, 2)[0], 64)
		if err != nil {
			t.Fatalf("pdftotext -bbox: %s", l)
		}
		if y <= bottom+1 {
			fills[len(fills)-1] = max(fills[len(fills)-1], (y-top)/(bottom-top))
		}
	}
	return fills
}
