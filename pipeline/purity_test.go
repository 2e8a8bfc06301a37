package pipeline_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/longbridgeapp/opencc"
	"github.com/xuri/excelize/v2"

	"countybrief/examples"
	"countybrief/pipeline"
	"countybrief/pipeline/demo"
	"countybrief/pipeline/workspace"
)

// pureExceptions are the characters a script-purity check lets pass, each
// reviewed: right as written, though OpenCC would change it.
var pureExceptions = map[string]map[rune]string{
	workspace.Traditional: {
		'群': "s2t writes the variant 羣; 群 is the standard form in Taiwan's and Hong Kong's character lists (群眾)",
		'灶': "s2t writes the variant 竈; 灶 is the standard form in Taiwan's and Hong Kong's character lists (燃氣灶)",
		'杠': "青杠塘鎮, a township's proper name as it writes itself (s2t would make it 槓, a lever)",
		'才': "s2t writes the old variant 纔 in some phrases (才算); 才 is the standard form",
	},
	workspace.Simplified: {},
}

// TestScriptPurity (issue 15.5): a Traditional office's briefing, blank
// forms, 退回 copies and notes, chase list, totals workbook and 審核報告
// hold no character OpenCC's s2t would change, a Simplified office's none
// that t2s would change, and what render prints (briefing, chase list,
// workbooks) holds one quote style: Simplified characters in Traditional
// text (枧, 征地, 余) and 「」 beside “” read as carelessness to a
// leadership that reads every line. File names are the units' own and
// pass as they are.
func TestScriptPurity(t *testing.T) {
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatalf("pdftotext is needed (apt-get install poppler-utils): %v", err)
	}
	for _, lang := range []string{workspace.Traditional, workspace.Simplified} {
		t.Run(lang, func(t *testing.T) {
			dir := t.TempDir()
			ws, _, err := demo.Build(dir, demo.Options{Seed: 1, Generic: lang == workspace.Simplified,
				Init: func(dir string) (*workspace.Workspace, error) {
					return pipeline.InitExampleIn(dir, examples.Campaign, lang)
				}})
			if err != nil {
				t.Fatal(err)
			}
			ws.Config.SettleSeconds = 0
			sum, err := pipeline.Run(context.Background(), ws, pipeline.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Draft == "" {
				t.Fatalf("no draft briefing: %+v", sum.Fonts)
			}
			p := newPurity(t, lang)

			pdfText, err := exec.Command(pdftotext, "-raw", "-enc", "UTF-8", sum.Draft, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			p.check("briefing PDF", string(pdfText), true)
			for what, path := range map[string]string{"text twin": sum.DraftText, "chase list": sum.ChaseList} {
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				p.check(what, string(data), true)
			}
			p.workbook("totals workbook", sum.TotalsWorkbook, true)
			p.workbook("審核報告", sum.AuditReport, true)

			books := 0
			_ = filepath.WalkDir(filepath.Join(ws.OutboxDir(), "returns"), func(path string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(ws.OutboxDir(), path)
				switch filepath.Ext(path) {
				case ".xlsx":
					books++
					p.workbook(rel, path, false)
				case ".txt":
					data, err := os.ReadFile(path)
					if err != nil {
						t.Fatal(err)
					}
					p.check(rel, string(data), false)
				}
				return nil
			})
			if books == 0 {
				t.Error("the sample county returned no file; the 退回 copies went unchecked")
			}
			for _, u := range ws.Units[:3] {
				var buf bytes.Buffer
				if err := pipeline.WriteBlankForm(&buf, ws, u); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(t.TempDir(), u.Code+".xlsx")
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				p.workbook("blank form "+u.Code, path, false)
			}
			if p.checked < 1000 {
				t.Errorf("only %d characters checked", p.checked)
			}
		})
	}
}

// purity checks texts of one script.
type purity struct {
	t       *testing.T
	lang    string
	cc      *opencc.OpenCC
	foreign string // the other script's quote marks
	checked int
}

func newPurity(t *testing.T, lang string) *purity {
	conversion, foreign := "s2t", "“”‘’"
	if lang == workspace.Simplified {
		conversion, foreign = "t2s", "「」『』"
	}
	cc, err := opencc.New(conversion)
	if err != nil {
		t.Fatal(err)
	}
	return &purity{t: t, lang: lang, cc: cc, foreign: foreign}
}

// fileName is a name of a unit's file as it is quoted or listed; the
// unit chose it and the clerk looks it up by it.
var fileName = regexp.MustCompile(`[「“][^」”\n]*\.(xlsx?|pdf)[」”]|[^\s：:，、「」“”（）()]+\.(xlsx?|pdf)`)

// check reports each character of text, line by line, that the
// conversion into lang would change, and, with quotes, any quote mark of
// the other style: what render prints follows config.yaml's quotes:, while
// the forms, notes and messages keep the program's 「」 (workspace.Converter).
func (p *purity) check(what, text string, quotes bool) {
	p.t.Helper()
	bad := map[rune]string{}
	for _, line := range strings.Split(fileName.ReplaceAllString(text, ""), "\n") {
		conv, err := p.cc.Convert(line)
		if err != nil {
			p.t.Fatalf("convert: %v", err)
		}
		in, out := []rune(line), []rune(conv)
		p.checked += len(in)
		if len(in) != len(out) {
			// A phrase changed length: look at the characters one by one.
			out = out[:0]
			for _, r := range in {
				c, _ := p.cc.Convert(string(r))
				out = append(out, []rune(c)[0])
			}
		}
		for i, r := range in {
			if _, ok := pureExceptions[p.lang][r]; ok {
				continue
			}
			if r != out[i] || quotes && strings.ContainsRune(p.foreign, r) {
				if _, seen := bad[r]; !seen {
					lo, hi := max(0, i-6), min(len(in), i+7)
					bad[r] = string(in[lo:hi])
				}
			}
		}
	}
	var keys []rune
	for r := range bad {
		keys = append(keys, r)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, r := range keys {
		p.t.Errorf("%s: %c is not %s (in %q)", what, r, p.lang, bad[r])
	}
}

// workbook checks every cell and the name of every visible sheet.
func (p *purity) workbook(what, path string, quotes bool) {
	p.t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	defer f.Close()
	var all strings.Builder
	for _, sheet := range f.GetSheetList() {
		if v, _ := f.GetSheetVisible(sheet); !v {
			continue
		}
		all.WriteString(sheet + "\n")
		rows, err := f.GetRows(sheet)
		if err != nil {
			p.t.Fatalf("%s sheet %s: %v", what, sheet, err)
		}
		for _, row := range rows {
			for _, cell := range row {
				all.WriteString(cell + "\n")
			}
		}
	}
	p.check(what, all.String(), quotes)
}

// TestExamplesArePure: every example report, laid out in either script,
// has its files (config.yaml, units.yaml, indicators.yaml, rules,
// templates) in that script alone: an office starts from them and prints
// what they say.
func TestExamplesArePure(t *testing.T) {
	for _, ex := range examples.All() {
		for _, lang := range []string{workspace.Traditional, workspace.Simplified} {
			t.Run(ex.Name+"/"+lang, func(t *testing.T) {
				ws, err := pipeline.InitExampleIn(t.TempDir(), ex.Name, lang)
				if err != nil {
					t.Fatal(err)
				}
				p := newPurity(t, lang)
				files := 0
				for _, name := range []string{workspace.ConfigFile, workspace.UnitsFile, workspace.IndicatorsFile, workspace.RulesDir, workspace.TemplatesDir} {
					_ = filepath.WalkDir(filepath.Join(ws.Dir, name), func(path string, d os.DirEntry, err error) error {
						if err != nil || d.IsDir() {
							return err
						}
						data, err := os.ReadFile(path)
						if err != nil {
							t.Fatal(err)
						}
						files++
						rel, _ := filepath.Rel(ws.Dir, path)
						// A template prints in the workspace's quote style.
						p.check(rel, string(data), strings.HasPrefix(rel, workspace.TemplatesDir))
						return nil
					})
				}
				if files < 5 {
					t.Errorf("only %d files laid out", files)
				}
			})
		}
	}
}
