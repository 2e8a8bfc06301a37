package render

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestFitLines(t *testing.T) {
	tests := []struct {
		name         string
		left, rest   int
		first, fresh bool
		want         int
	}{
		{"fits", 5, 3, true, false, 3},
		{"fits exactly", 3, 3, true, false, 3},
		{"split leaves two behind", 4, 6, true, false, 4},
		{"no widow: one line would be left alone", 5, 6, true, false, 4},
		{"no orphan: one line alone at the foot", 1, 5, true, false, 0},
		{"three lines on two free lines move whole", 2, 3, true, false, 0},
		{"continuation may leave one line here", 1, 5, false, false, 1},
		{"continuation keeps two for the next page", 3, 4, false, false, 2},
		{"nothing free", 0, 4, true, false, 0},
		{"a fresh page always takes something", 1, 3, true, true, 1},
		{"long paragraph cut at the page end", 22, 40, true, true, 22},
	}
	for _, tt := range tests {
		if got := fitLines(tt.left, tt.rest, tt.first, tt.fresh); got != tt.want {
			t.Errorf("%s: fitLines(%d, %d, %v, %v) = %d, want %d", tt.name, tt.left, tt.rest, tt.first, tt.fresh, got, tt.want)
		}
	}
}

// TestHeadingKeptWithNext sets headings at every position on the page and
// checks in the PDF that none ends a page.
func TestHeadingKeptWithNext(t *testing.T) {
	var b strings.Builder
	b.WriteString(".title\n分頁測試\n")
	for k := 0; k < 40; k++ {
		long := strings.Repeat("各單位堅持邊學邊改，累計查找突出問題。", 2+k%5)
		fmt.Fprintf(&b, "\n.h2\n（%d）第%d個小標題\n\n.p\n%s\n", k+1, k+1, long)
		for j := 0; j < k%3; j++ {
			b.WriteString("\n.p\n短段落。\n")
		}
	}
	ws := testWorkspace(t, "")
	if err := os.MkdirAll(ws.TemplatesDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws.TemplatesDir(), "briefing.tmpl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newRenderer(t, ws)
	pdf, _ := render(t, r, domainBriefing(t, ws))
	layout := run(t, "pdftotext", "-layout", "-enc", "UTF-8", writeTemp(t, "pages.pdf", pdf), "-")
	heading := regexp.MustCompile(`^（\d+）第\d+個小標題$`)
	pages := strings.Split(layout, "\f")
	if len(pages) < 4 {
		t.Fatalf("only %d pages", len(pages))
	}
	for i, page := range pages {
		var last string
		for _, l := range strings.Split(page, "\n") {
			l = strings.TrimSpace(l)
			if l != "" && !pageNumber.MatchString(l) {
				last = l
			}
		}
		if heading.MatchString(squash(last)) {
			t.Errorf("page %d ends with the heading %q", i+1, last)
		}
	}
}

// TestLayoutFromConfig sets the briefing on an office's own grid and checks
// a line of plain Chinese fills it exactly.
func TestLayoutFromConfig(t *testing.T) {
	for _, grid := range []struct{ chars, lines int }{{28, 22}, {25, 20}, {30, 24}} {
		t.Run(fmt.Sprintf("%dx%d", grid.chars, grid.lines), func(t *testing.T) {
			ws := testWorkspace(t, "")
			ws.Config.Layout.CharsPerLine = grid.chars
			ws.Config.Layout.LinesPerPage = grid.lines
			r := newRenderer(t, ws)
			pdf, _ := render(t, r, domainBriefing(t, ws))
			layout := run(t, "pdftotext", "-layout", "-enc", "UTF-8", writeTemp(t, "grid.pdf", pdf), "-")
			checkLineEdges(t, layout)
			found := false
			for _, l := range strings.Split(layout, "\n") {
				l = squash(l)
				if strings.HasPrefix(l, "綏陽縣是全省第二批") {
					found = true
					if n := len([]rune(l)); n != grid.chars-2 {
						t.Errorf("first line of the opening has %d characters, want %d: %s", n, grid.chars-2, l)
					}
				}
			}
			if !found {
				t.Fatal("opening paragraph not found")
			}
		})
	}
}
