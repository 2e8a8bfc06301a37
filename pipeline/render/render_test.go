package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"countybrief/pipeline/render/typeset"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// maxPDFBytes is the budget for the county briefing.
const maxPDFBytes = 600 << 10

func newRenderer(t testing.TB, ws *workspace.Workspace) *Renderer {
	t.Helper()
	r, err := New(ws, testFonts(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

func render(t testing.TB, r *Renderer, b Briefing) (pdf []byte, text string) {
	t.Helper()
	var pb, tb bytes.Buffer
	if err := r.PDF(&pb, b); err != nil {
		t.Fatalf("PDF: %v", err)
	}
	if err := r.Text(&tb, b); err != nil {
		t.Fatalf("Text: %v", err)
	}
	return pb.Bytes(), tb.String()
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(tool(t, name), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

var (
	pageNumber = regexp.MustCompile(`—\s*\d+\s*—`)
	space      = regexp.MustCompile(`[\s\x{3000}]+`)
)

// squash drops page numbers and whitespace, which pdftotext places by
// position rather than by the text.
func squash(s string) string {
	return space.ReplaceAllString(pageNumber.ReplaceAllString(s, ""), "")
}

func TestBriefing(t *testing.T) {
	words := []string{"學習實踐活動簡報", "第3期", "2008年12月6日", "編者按：", "報：", "（共印120份）",
		"催報", "縣供銷合作社", "比上期增加12個", "一期118戶拆遷提前6天完成", "2008年12月10日"}
	tests := []struct{ lang string }{{workspace.Traditional}, {workspace.Simplified}}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			ws := testWorkspace(t, tt.lang)
			r := newRenderer(t, ws)
			b := domainBriefing(t, ws)
			pdf, text := render(t, r, b)
			path := writeTemp(t, "briefing.pdf", pdf)

			// (a) the PDF reads back as its text twin, in the same order.
			raw := run(t, "pdftotext", "-raw", "-enc", "UTF-8", path, "-")
			if got, want := squash(raw), squash(text); got != want {
				i := firstDiff(got, want)
				t.Errorf("pdftotext differs from the text twin at rune %d:\n pdf: %s\ntext: %s", i, around(got, i), around(want, i))
			}
			if strings.ContainsRune(raw, '\uFFFD') {
				t.Error("pdftotext found a character without a Unicode mapping")
			}
			// (b) no line starts with a closing mark or ends with an opening one.
			layout := run(t, "pdftotext", "-layout", "-enc", "UTF-8", path, "-")
			checkLineEdges(t, layout)
			// (c) A4, every font embedded and subset, every character covered.
			info := run(t, "pdfinfo", path)
			if !strings.Contains(info, "595.28 x 841.89 pts (A4)") {
				t.Errorf("page size: %s", grepLine(info, "Page size"))
			}
			for _, field := range []string{"Title:", "Author:", "Subject:", "CreationDate:"} {
				want := map[string]string{
					"Title:": "“四個一”主題實踐活動", "Author:": "中共綏陽縣委學習實踐活動領導小組辦公室",
					"Subject:": "學習實踐活動簡報 第3期", "CreationDate:": "Dec  6",
				}[field]
				if w, _ := r.conv(want); !strings.Contains(grepLine(info, field), w) {
					t.Errorf("pdfinfo %s, want it to contain %q", grepLine(info, field), w)
				}
			}
			checkFonts(t, run(t, "pdffonts", path))
			checkCoverage(t, r, text)
			if missing, n := uncoveredGlyphs(t, pdf); len(missing) > 0 || n < 2000 {
				t.Errorf("checked %d drawn characters; drawn as .notdef: %v", n, missing)
			}
			if len(pdf) > maxPDFBytes {
				t.Errorf("PDF is %d bytes, budget %d", len(pdf), maxPDFBytes)
			}
			// (d) every figure of the DOMAIN table, as the prose writes it,
			// in the briefing's script.
			flat := squash(raw)
			for _, f := range append(append([]string(nil), figureStrings...), words...) {
				want, err := r.conv(f)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(flat, want) {
					t.Errorf("PDF text lacks %q", want)
				}
			}
			// (f) deterministic: a second render is byte-identical.
			again, _ := render(t, r, b)
			if !bytes.Equal(pdf, again) {
				t.Errorf("second render differs (%d vs %d bytes)", len(pdf), len(again))
			}
			t.Logf("%s: %d pages, %d bytes", tt.lang, strings.Count(raw, "\f"), len(pdf))
		})
	}
}

func checkLineEdges(t *testing.T, layout string) {
	t.Helper()
	for i, line := range strings.Split(layout, "\n") {
		rs := []rune(strings.TrimSpace(line))
		if len(rs) == 0 {
			continue
		}
		if typeset.IsNoStart(rs[0]) {
			t.Errorf("layout line %d starts with %q: %s", i+1, rs[0], string(rs))
		}
		if typeset.IsNoEnd(rs[len(rs)-1]) {
			t.Errorf("layout line %d ends with %q: %s", i+1, rs[len(rs)-1], string(rs))
		}
	}
}

func checkFonts(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 3 {
		t.Fatalf("pdffonts lists no fonts:\n%s", out)
	}
	for _, l := range lines[2:] {
		f := strings.Fields(l)
		// name type... encoding emb sub uni object ID
		n := len(f)
		if n < 6 || f[n-5] != "yes" || f[n-4] != "yes" || f[n-3] != "yes" {
			t.Errorf("font not embedded, subset and mapped: %s", l)
		}
	}
}

// checkCoverage asserts that the face chosen for every character has it,
// so no glyph in the PDF is .notdef.
func checkCoverage(t *testing.T, r *Renderer, text string) {
	t.Helper()
	set := r.fonts.Set()
	for _, role := range typeset.Roles() {
		if err := set.Check(role, []rune(text)); err != nil {
			t.Errorf("coverage: %v", err)
		}
	}
}

func grepLine(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func firstDiff(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	for i := range ra {
		if i >= len(rb) || ra[i] != rb[i] {
			return i
		}
	}
	return len(ra)
}

func around(s string, i int) string {
	rs := []rune(s)
	lo, hi := max(0, i-20), min(len(rs), i+30)
	return string(rs[lo:hi])
}

// stressTemplate sets the typeset stress text shifted by every offset on
// the line, so each rule meets a line end somewhere.
func stressTemplate() string {
	const stress = "全縣73個參學單位選定典型培育點73個，查找突出問題149個，已解決79個（其中「邊學邊改」解決的佔87.6%），" +
		"為群眾辦實事32件——受益群眾1500餘戶7000餘人……領導幹部共作專題輔導227場次；投入幫扶資金11.3萬元。" +
		"《走出機關深入基層為一線分憂工作機制》、「流動黨員教育管理工作機制」等11項新機制：“兩手抓、兩不誤”！" +
		"黨員人均讀書筆記5000字以上，撰寫學習心得1篇以上？GB/T 9704-2012（黨政機關公文格式）。"
	var b strings.Builder
	b.WriteString(".title\n斷行壓力測試\n")
	filler := []rune("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥天地玄黃宇宙洪荒")
	for k := 0; k < 28; k++ {
		b.WriteString("\n.p\n" + string(filler[:k]) + stress + "\n")
	}
	return b.String()
}

func TestStressLineEdges(t *testing.T) {
	for _, lang := range []string{workspace.Traditional, workspace.Simplified} {
		t.Run(lang, func(t *testing.T) {
			ws := testWorkspace(t, lang)
			if err := os.MkdirAll(ws.TemplatesDir(), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(ws.TemplatesDir(), "briefing.tmpl"), []byte(stressTemplate()), 0o644); err != nil {
				t.Fatal(err)
			}
			r := newRenderer(t, ws)
			pdf, text := render(t, r, domainBriefing(t, ws))
			path := writeTemp(t, "stress.pdf", pdf)
			checkLineEdges(t, run(t, "pdftotext", "-layout", "-enc", "UTF-8", path, "-"))
			raw := run(t, "pdftotext", "-raw", "-enc", "UTF-8", path, "-")
			if got, want := squash(raw), squash(text); got != want {
				i := firstDiff(got, want)
				t.Errorf("pdftotext differs from the text twin at rune %d:\n pdf: %s\ntext: %s", i, around(got, i), around(want, i))
			}
			checkFonts(t, run(t, "pdffonts", path))
			if missing, _ := uncoveredGlyphs(t, pdf); len(missing) > 0 {
				t.Errorf("drawn as .notdef: %v", missing)
			}
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	tests := []struct {
		name, tmpl, want string
	}{
		{"parse error names file and line", ".p\n{{.All \"x\"\n", "briefing.tmpl:2"},
		{"unknown indicator fails the trial run", ".p\n{{count (.All \"no_such_code\")}}\n", filepath.Join("templates", "briefing.tmpl") + `:2：指標目錄（indicators.yaml）裡沒有代碼「no_such_code」`},
		{"unknown indicator of a kind", ".p\n\n.p\n{{count (.Kind \"鄉鎮\" \"no_such_code\")}}\n", filepath.Join("templates", "briefing.tmpl") + `:4：指標目錄（indicators.yaml）裡沒有代碼「no_such_code」`},
		{"unknown kind", ".p\n{{count (.Kind \"企業\" \"problems_found\")}}\n", `:2：名冊（units.yaml）裡沒有「企業」這類單位；只能是 鄉鎮、縣直 之一`},
		{"unknown indicator in a walk", ".p\n{{range .Sections}}{{.Name}}{{end}}\n\n.table indicators=problems_found,no_such_code 表\n", filepath.Join("templates", "briefing.tmpl") + `:4：indicators= 裡的「no_such_code」不在指標目錄`},
		{"unknown indicator in a line chart", ".p\n各期數字\n\n.chart line indicators=problems_found,no_such_code 圖\n", filepath.Join("templates", "briefing.tmpl") + `:4：indicators= 裡的「no_such_code」不在指標目錄（indicators.yaml）裡`},
		{"a line chart is of county figures", ".chart line indicators=problems_found by=kind 圖\n", "折線圖畫的是各期的全縣數字"},
		{"a line chart names its indicators", ".chart line 圖\n", "要寫 indicators="},
		{"unknown chart argument", ".chart bar colour=red 圖\n", ".chart 沒有參數 colour"},
		{"a bar chart names its indicators", ".chart bar 圖\n", "要寫 indicators="},
		{"the old problems chart says how to rewrite it", ".chart problems 圖\n", ".chart bar indicators=problems_found,problems_solved"},
		{"bad breakdown", ".table by=unit 表\n", "by=unit 不對"},
		{"unknown block", ".chapter\ntext\n", "unknown block .chapter"},
		{"character no font has", ".p\n笑\U0001F600\n", "U+1F600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := testWorkspace(t, "")
			if err := os.MkdirAll(ws.TemplatesDir(), 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(ws.TemplatesDir(), "briefing.tmpl")
			if err := os.WriteFile(path, []byte(tt.tmpl), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := New(ws, testFonts(t))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want an error containing %q", err, tt.want)
			}
			if tt.want == "U+1F600" {
				var me *typeset.MissingError
				if !errors.As(err, &me) {
					t.Errorf("error %v is not a MissingError", err)
				}
			}
		})
	}
}

// benchUnits are the county's own 73 units and a region of a hundred
// counties, where nothing may grow with the units that the PDF does not list.
var benchUnits = []int{73, 7300}

func BenchmarkPDF(b *testing.B) {
	benchOutput(b, (*Renderer).PDF, "pdf-bytes")
}

func BenchmarkTotalsWorkbook(b *testing.B) {
	benchOutput(b, (*Renderer).TotalsWorkbook, "xlsx-bytes")
}

// benchOutput writes one output for each size of benchUnits and reports
// its size in unit.
func benchOutput(b *testing.B, write func(*Renderer, io.Writer, Briefing) error, unit string) {
	ws := testWorkspace(b, "")
	r := newRenderer(b, ws)
	for _, n := range benchUnits {
		br := manyUnits(b, ws, n)
		benchWrite(b, r, br, write, unit)
	}
}

// benchWrite writes br with write, in a sub-benchmark named by its
// number of reported units, and reports the output's size in unit.
func benchWrite(b *testing.B, r *Renderer, br Briefing, write func(*Renderer, io.Writer, Briefing) error, unit string) {
	b.Run(fmt.Sprintf("units=%d", len(br.Reported)), func(b *testing.B) {
		b.ReportAllocs()
		var size int
		for b.Loop() {
			var buf bytes.Buffer
			if err := write(r, &buf, br); err != nil {
				b.Fatal(err)
			}
			size = buf.Len()
		}
		b.ReportMetric(float64(size), unit)
	})
}

// manyUnits is the domain briefing with its reported units repeated under
// new codes until n have reported.
func manyUnits(t testing.TB, ws *workspace.Workspace, n int) Briefing {
	t.Helper()
	br := domainBriefing(t, ws)
	base := br.Reported
	br.Reported = make([]UnitValues, 0, n)
	for i := 0; len(br.Reported) < n; i++ {
		u := base[i%len(base)]
		if i >= len(base) {
			u.Unit.Code = fmt.Sprintf("%s-%d", u.Unit.Code, i/len(base))
		}
		br.Reported = append(br.Reported, u)
	}
	return br
}

// TestSampleBriefing: the trial run's sample has the briefing's shape at
// any registry size: every state occurs once at the end of the registry,
// both kinds report, and a region is sampled down.
func TestSampleBriefing(t *testing.T) {
	for _, n := range benchUnits {
		t.Run(fmt.Sprintf("units=%d", n), func(t *testing.T) {
			ws := regionWorkspace(t, "", n)
			b := sampleBriefing(ws)
			if got, want := len(b.Units), min(n, sampleUnits); got != want {
				t.Errorf("sample has %d units, want %d", got, want)
			}
			if last := b.Units[len(b.Units)-1]; last.Unit.Code != ws.Units[n-1].Code || last.State != vocab.Overdue {
				t.Errorf("last sample unit %v, want the registry's last, overdue", last)
			}
			states := map[vocab.State]int{}
			kinds := map[string]bool{}
			for _, u := range b.Units {
				states[u.State]++
			}
			for _, u := range b.Reported {
				kinds[u.Unit.Kind] = true
			}
			for _, st := range vocab.States() {
				if st != vocab.Accepted && states[st] != 1 {
					t.Errorf("%d units %s, want 1", states[st], st)
				}
			}
			if !kinds["鄉鎮"] || !kinds["縣直"] {
				t.Errorf("reported kinds %v, want both", kinds)
			}
			if got := b.Totals.All["typical_sites"]; got != float64(len(b.Reported)) {
				t.Errorf("typical_sites total %v, want one per reported unit (%d)", got, len(b.Reported))
			}
		})
	}
}
