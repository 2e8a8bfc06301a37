package form

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// fastCase is a file and its findings whose 退回 copy the fast path and
// excelize both write; fast says whether the fast path must take it.
type fastCase struct {
	name     string
	path     string
	sub      *Submission
	findings []vocab.Finding
	fast     bool
}

// fastCases are the cases of the return tests: the files a demo batch
// rejects, many-faults.xlsx with the rules' findings, a marked 4.5 under
// an integer format with a text and a blank, forms carrying macros,
// links, an object or unsafe names, and a copy sent back again, which
// the fast path leaves to excelize.
func fastCases(t *testing.T) []fastCase {
	ws := loadWorkspace(t)
	var out []fastCase
	for _, c := range returnCases(t) {
		out = append(out, fastCase{"demo " + c.unit, c.path, c.sub, c.findings, c.sub != nil})
	}
	read := func(path string) (*Submission, []vocab.Finding) {
		sub, fs, err := Read(path, ws.Catalogue, DefaultLimits())
		if err != nil || sub == nil {
			t.Fatalf("%s: %v %v", path, err, fs)
		}
		return sub, fs
	}
	src := filepath.Join(badDir, "many-faults.xlsx")
	sub, fs := read(src)
	fs = append(fs,
		vocab.Finding{Rule: "unit.solved_le_found", Severity: vocab.Warning, Sheet: SheetName, Cell: "C11",
			Values: map[string]float64{"problems_solved": 2}, Message: "已解決問題數偏少。", Fix: "請核對。"},
		vocab.Finding{Rule: "unit.period_closed", Severity: vocab.Error, Message: "報送期已截止。", Fix: "請聯繫活動辦。"},
		vocab.Finding{Rule: "unit.x", Severity: vocab.Warning, Sheet: SheetName, Cell: "b3", Explanation: "說明<&>", Message: "單位代碼 \"有誤\"\t<b>&amp;", Fix: "請核對。"},
		vocab.Finding{Rule: "unit.y", Severity: vocab.Warning, Sheet: "無此表", Cell: "C8", Message: "他表。"},
	)
	out = append(out, fastCase{"many-faults", src, sub, fs, true})

	dir := t.TempDir()
	shown := filepath.Join(dir, "shown.xlsx")
	writeFilledFile(t, shown, ws, sampleIdentity(), sampleValues())
	f, err := excelize.OpenFile(shown)
	if err != nil {
		t.Fatal(err)
	}
	for cell, v := range map[string]any{"C10": 4.5, "C32": "十二", "C13": nil, "C34": 5200.555} {
		if err := f.SetCellValue(SheetName, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	sub, fs = read(shown)
	fs = append(fs,
		vocab.Finding{Rule: "unit.integer", Severity: vocab.Error, Sheet: SheetName, Cell: "C10", Message: "「查找突出問題」要填整數。", Fix: "請填整數。"},
		vocab.Finding{Rule: "unit.money", Severity: vocab.Warning, Sheet: SheetName, Cell: "C34", Message: "資金偏多。"},
		vocab.Finding{Rule: "unit.meta", Severity: vocab.Warning, Sheet: MetaSheet, Cell: "A1", Message: "隱藏表。"},
	)
	out = append(out, fastCase{"shown", shown, sub, fs, true})

	// Cells of every type a figure is shown from, and shared strings
	// with the phonetic settings Chinese Excel writes.
	g := &gen{t: t, ws: ws, dir: dir}
	kinds := filepath.Join(dir, "kinds.xlsx")
	cellOf := func(ref string) *regexp.Regexp {
		return regexp.MustCompile(`<c r="` + ref + `" s="(\d+)"><v>[^<]*</v></c>`)
	}
	data := g.rezip(g.good(), func(name string, body []byte) []byte {
		switch name {
		case "xl/worksheets/sheet1.xml":
			body = cellOf("C12").ReplaceAll(body, []byte(`<c r="C12" s="$1" t="inlineStr"><is><t>十 &amp; 二</t></is></c>`))
			body = cellOf("C14").ReplaceAll(body, []byte(`<c r="C14" s="$1" t="e"><v>#DIV/0!</v></c>`))
			body = cellOf("C15").ReplaceAll(body, []byte(`<c r="C15" s="$1" t="str"><f>"x"&amp;"y"</f><v>xy</v></c>`))
		case "xl/sharedStrings.xml":
			body = bytes.ReplaceAll(body, []byte("</si>"), []byte(`<phoneticPr fontId="1" type="noConversion"/></si>`))
		}
		return body
	})
	if err := os.WriteFile(kinds, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sub, fs = read(kinds)
	for _, cell := range []string{"C12", "C14", "C15", "B4"} {
		fs = append(fs, vocab.Finding{Rule: "unit.k", Severity: vocab.Warning, Sheet: SheetName, Cell: cell, Message: "請核對 " + cell + "。"})
	}
	out = append(out, fastCase{"cell kinds", kinds, sub, fs, true})
	// A cell inside a merged range (a section's heading row), which
	// excelize marks at the range's first cell.
	merged := append(slices.Clone(fs), vocab.Finding{Rule: "unit.k", Severity: vocab.Warning, Sheet: SheetName, Cell: "C16", Message: "請核對。"})
	out = append(out, fastCase{"merged cell", kinds, sub, merged, false})

	var back bytes.Buffer
	if err := WriteReturn(&back, shown, sub, fs, nil); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(dir, "again.xlsx")
	if err := os.WriteFile(again, back.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sub, fs = read(again)
	out = append(out, fastCase{"sent back again", again, sub, append(fs, vocab.Finding{Rule: "unit.x", Severity: vocab.Error, Sheet: SheetName, Cell: "C9", Message: "再錯。"}), false})

	for name, data := range workbookPayloads(t, ws) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sub, fs := read(path)
		fs = append(fs, vocab.Finding{Rule: "unit.x", Severity: vocab.Error, Sheet: SheetName, Cell: "C10", Message: "請核對。", Fix: "請核對。"})
		out = append(out, fastCase{name, path, sub, fs, true})
	}
	return out
}

// TestFastReturnIsExcelizes writes each case's 退回 copy both ways, in
// the office's two scripts, and compares what a clerk sees of them as
// excelize reads them back: sheets and their order and names, every
// cell's value, the fill, font colour and number format of every cell,
// the comments, column widths and hidden columns, merges, row heights,
// the print layout and titles of 審核意見, and the active sheet. The
// fast copy, sent back as it is, reads with the fast reader.
func TestFastReturnIsExcelizes(t *testing.T) {
	simp, err := workspace.Converter(workspace.Simplified)
	if err != nil {
		t.Fatal(err)
	}
	ws := loadWorkspace(t)
	copies := map[string][2][]byte{}
	for _, c := range fastCases(t) {
		for script, conv := range map[string]func(string) string{"traditional": nil, "simplified": simp} {
			t.Run(c.name+"/"+script, func(t *testing.T) {
				cl := cleanedForReturn(c.path)
				if cl == nil {
					if c.fast {
						t.Fatal("the source does not clean")
					}
					return
				}
				cv := conv
				if cv == nil {
					cv = func(s string) string { return s }
				}
				fast, ok := fastReturn(cl, c.sub, ordered(c.findings), cv)
				if ok != c.fast {
					t.Fatalf("fast path taken: %v, want %v", ok, c.fast)
				}
				if !ok {
					return
				}
				var slow bytes.Buffer
				if err := writeReturn(&slow, c.path, c.sub, c.findings, conv, false); err != nil {
					t.Fatal(err)
				}
				want, got := seen(t, slow.Bytes()), seen(t, fast)
				if len(want) != len(got) {
					t.Errorf("%d things seen, want %d", len(got), len(want))
				}
				for i := range min(len(want), len(got)) {
					if want[i] != got[i] {
						t.Errorf("fast copy shows\n  %s\nexcelize's\n  %s", got[i], want[i])
						break
					}
				}
				// Sent back as it is, the copy is read by the fast reader.
				if _, zr := sniff("copy.xlsx", fast); zr == nil {
					t.Error("the copy does not sniff as a workbook")
				} else if _, _, ok := NewReader(ws.Catalogue, DefaultLimits()).readFast(zr, fast); !ok {
					t.Error("the fast reader leaves the copy to excelize")
				}
				copies[c.name+"/"+script] = [2][]byte{fast, slow.Bytes()}
			})
		}
	}
	// The copies that hold 審核意見 alone: a file that is not a
	// workbook, and one that went over a limit.
	limit := vocab.Finding{Rule: RuleLimit, Severity: vocab.Error, Message: "超過上限。", Fix: "請重新填寫。"}
	for _, name := range []string{"pdf.xlsx", "password.xlsx", "truncated.xlsx", "zip-bomb.xlsx"} {
		path := filepath.Join(badDir, name)
		sub, fs, err := Read(path, ws.Catalogue, DefaultLimits())
		if err != nil || sub != nil {
			t.Fatalf("%s read: %v", name, err)
		}
		fs = append(fs, limit, vocab.Finding{Rule: "unit.w", Severity: vocab.Warning, Sheet: SheetName, Cell: "C9", Message: "請核對。"})
		for script, conv := range map[string]func(string) string{"traditional": nil, "simplified": simp} {
			t.Run("review only/"+name+"/"+script, func(t *testing.T) {
				cv := conv
				if cv == nil {
					cv = func(s string) string { return s }
				}
				fast, err := reviewOnly(sub, ordered(fs), cv)
				if err != nil {
					t.Fatal(err)
				}
				var slow bytes.Buffer
				if err := writeReturn(&slow, path, sub, fs, conv, false); err != nil {
					t.Fatal(err)
				}
				if want, got := seen(t, slow.Bytes()), seen(t, fast); !slices.Equal(got, want) {
					t.Errorf("fast copy shows\n%s\nexcelize's\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				copies["review only/"+name+"/"+script] = [2][]byte{fast, slow.Bytes()}
			})
		}
	}
	libreofficeReads(t, copies)
}

// seen lists what a clerk sees of a workbook, one line a thing.
func seen(t *testing.T, data []byte) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	sheets := f.GetSheetList()
	add("sheets %q active %d", sheets, f.GetActiveSheetIndex())
	for _, dn := range f.GetDefinedName() {
		add("defined name %s %s %s", dn.Name, dn.Scope, dn.RefersTo)
	}
	for _, sheet := range sheets {
		vis, _ := f.GetSheetVisible(sheet)
		add("%s visible %v", sheet, vis)
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		cols := 0
		for r, row := range rows {
			cols = max(cols, len(row))
			for c, v := range row {
				cell := cellName(c+1, r+1)
				st := styleSeen(t, f, sheet, cell)
				if v != "" || st != styleSeen(t, f, sheet, "XFD1") {
					add("%s!%s %q %s", sheet, cell, v, st)
				}
			}
		}
		for c := 1; c <= cols+1; c++ {
			name, _ := excelize.ColumnNumberToName(c)
			w, _ := f.GetColWidth(sheet, name)
			v, _ := f.GetColVisible(sheet, name)
			add("%s col %s width %v visible %v", sheet, name, w, v)
		}
		for r := 1; r <= len(rows); r++ {
			h, _ := f.GetRowHeight(sheet, r)
			add("%s row %d height %v", sheet, r, h)
		}
		comments, err := f.GetComments(sheet)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(comments, func(a, b excelize.Comment) int { return strings.Compare(a.Cell, b.Cell) })
		for _, cm := range comments {
			text := cm.Text
			for _, p := range cm.Paragraph {
				text += p.Text
			}
			add("%s comment %s by %s: %q %s", sheet, cm.Cell, cm.Author, text, styleSeen(t, f, sheet, cm.Cell))
		}
		merges, _ := f.GetMergeCells(sheet)
		for _, m := range merges {
			add("%s merge %s:%s %q", sheet, m.GetStartAxis(), m.GetEndAxis(), m.GetCellValue())
		}
		pl, err := f.GetPageLayout(sheet)
		if err != nil {
			t.Fatal(err)
		}
		add("%s page %v %v %v %v", sheet, deref(pl.Size), deref(pl.Orientation), deref(pl.FitToWidth), deref(pl.FitToHeight))
		props, _ := f.GetSheetProps(sheet)
		add("%s fit to page %v", sheet, deref(props.FitToPage))
	}
	return out
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// styleSeen is what shows of a cell's style: fill, font weight, size
// and colour, wrapping, borders and number format.
func styleSeen(t *testing.T, f *excelize.File, sheet, cell string) string {
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	s := fmt.Sprintf("fill %v %d numfmt %d", st.Fill.Color, st.Fill.Pattern, st.NumFmt)
	if st.Font != nil {
		s += fmt.Sprintf(" font bold %v color %q", st.Font.Bold, st.Font.Color)
		if st.Font.Size != 0 && st.Font.Size != 11 {
			s += fmt.Sprintf(" size %v", st.Font.Size)
		}
	}
	if st.Alignment != nil {
		s += fmt.Sprintf(" wrap %v", st.Alignment.WrapText)
	}
	s += fmt.Sprintf(" borders %d", len(st.Border))
	return s
}

// libreofficeReads converts each pair of copies, fast and excelize's, to
// XLSX with LibreOffice, in one run, and checks that LibreOffice reads
// the same of both: the sheets in order, the comments and the fills of
// the commented cells.
func libreofficeReads(t *testing.T, copies map[string][2][]byte) {
	t.Helper()
	needTool(t, "libreoffice", "libreoffice-calc-nogui")
	in, out := t.TempDir(), t.TempDir()
	var files []string
	names := slices.Sorted(maps.Keys(copies))
	for i, name := range names {
		for k, data := range copies[name] {
			path := filepath.Join(in, fmt.Sprintf("copy%02d-%d.xlsx", i, k))
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, path)
		}
	}
	args := append([]string{"-env:UserInstallation=file://" + filepath.ToSlash(filepath.Join(t.TempDir(), "lo")),
		"--headless", "--convert-to", "xlsx", "--outdir", out}, files...)
	if msg, err := exec.Command("libreoffice", args...).CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, msg)
	}
	for i, name := range names {
		var seenBy [2][]string
		for k := range seenBy {
			data, err := os.ReadFile(filepath.Join(out, fmt.Sprintf("copy%02d-%d.xlsx", i, k)))
			if err != nil {
				t.Fatalf("%s: LibreOffice wrote nothing: %v", name, err)
			}
			seenBy[k] = marksSeen(t, data)
		}
		if !slices.Equal(seenBy[0], seenBy[1]) || len(seenBy[0]) < 1 {
			t.Errorf("%s: LibreOffice reads the fast copy as\n%q\nexcelize's as\n%q", name, seenBy[0], seenBy[1])
		}
	}
}

// marksSeen is the sheets of a workbook, in order, and each comment with
// its cell's fill.
func marksSeen(t *testing.T, data []byte) []string {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := []string{fmt.Sprint(f.GetSheetList())}
	for _, sheet := range f.GetSheetList() {
		comments, err := f.GetComments(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, cm := range comments {
			text := cm.Text
			for _, p := range cm.Paragraph {
				text += p.Text
			}
			id, _ := f.GetCellStyle(sheet, cm.Cell)
			st, _ := f.GetStyle(id)
			fill := ""
			if st != nil && len(st.Fill.Color) > 0 {
				fill = strings.ToUpper(st.Fill.Color[0])
			}
			out = append(out, fmt.Sprintf("%s!%s %s %q", sheet, cm.Cell, fill, strings.TrimPrefix(text, cm.Author+":")))
		}
	}
	slices.Sort(out[1:])
	return out
}

// TestReturnOfEveryCorpusFile writes the 退回 copy of every bad, foreign
// and hostile file with its reader findings and two more on form cells:
// never a crash, always a workbook with 審核意見 first, and where the
// fast path takes the file, what a clerk sees is excelize's copy.
func TestReturnOfEveryCorpusFile(t *testing.T) {
	ws := loadWorkspace(t)
	fast := 0
	for _, dir := range []string{badDir, foreignDir, hostileDir} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			path := filepath.Join(dir, e.Name())
			t.Run(filepath.Base(dir)+"/"+e.Name(), func(t *testing.T) {
				sub, fs, err := Read(path, ws.Catalogue, DefaultLimits())
				if err != nil {
					t.Fatal(err)
				}
				fs = append(fs,
					vocab.Finding{Rule: "unit.x", Severity: vocab.Error, Sheet: SheetName, Cell: "C10", Message: "請核對。", Fix: "請核對。"},
					vocab.Finding{Rule: "unit.y", Severity: vocab.Warning, Sheet: SheetName, Cell: "B3", Message: "請核對代碼。"})
				var buf bytes.Buffer
				if err := WriteReturn(&buf, path, sub, fs, nil); err != nil {
					t.Fatal(err)
				}
				got := seen(t, buf.Bytes())
				if !strings.HasPrefix(got[0], `sheets ["審核意見"`) {
					t.Fatalf("the copy does not open on 審核意見: %s", got[0])
				}
				if sub == nil {
					return
				}
				c := cleanedForReturn(path)
				if c == nil {
					return
				}
				if _, ok := fastReturn(c, sub, ordered(fs), func(s string) string { return s }); !ok {
					return
				}
				fast++
				var slow bytes.Buffer
				if err := writeReturn(&slow, path, sub, fs, nil, false); err != nil {
					t.Fatal(err)
				}
				if want := seen(t, slow.Bytes()); !slices.Equal(got, want) {
					t.Errorf("fast copy shows\n%s\nexcelize's\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			})
		}
	}
	t.Logf("%d files took the fast path", fast)
}

// FuzzFastReturn feeds mutations of the rejected demo forms and the bad
// files, stored so that mutations reach the XML, to the fast 退回 copy
// with findings on form cells, a hidden sheet and no cell, when they read
// (a batch copies the form of a file that read, and the archived file is
// the file read): it may leave a file to excelize but never panic, and a
// copy it writes opens in excelize on 審核意見, with every sheet's rows
// and comments readable.
func FuzzFastReturn(f *testing.F) {
	for _, dir := range []string{returnsDir, badDir} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			if stored := storedCopy(data); stored != nil && len(stored) <= 128<<10 {
				f.Add(stored)
			}
		}
	}
	ws := loadWorkspace(f)
	rd := NewReader(ws.Catalogue, DefaultLimits())
	findings := ordered([]vocab.Finding{
		{Rule: "unit.x", Severity: vocab.Error, Sheet: SheetName, Cell: "C10", Message: "請核對。", Fix: "請核對。"},
		{Rule: "unit.y", Severity: vocab.Warning, Sheet: SheetName, Cell: "B3", Message: "代碼。"},
		{Rule: "unit.z", Severity: vocab.Warning, Sheet: SheetName, Cell: "C32", Message: "文字。"},
		{Rule: "unit.m", Severity: vocab.Warning, Sheet: MetaSheet, Cell: "A1", Message: "隱藏。"},
		{Rule: "unit.w", Severity: vocab.Error, Message: "整個文件。"},
	})
	same := func(s string) string { return s }
	f.Fuzz(func(t *testing.T, data []byte) {
		// As in a batch, only a file that read has its form copied.
		sub, _ := rd.ReadBytes("form.xlsx", data)
		c := cleanParts(data, DefaultLimits())
		if sub == nil || c == nil {
			return
		}
		out, ok := fastReturn(c, sub, findings, same)
		if !ok {
			return
		}
		r, err := excelize.OpenReader(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("the fast copy does not open: %v", err)
		}
		defer r.Close()
		sheets := r.GetSheetList()
		if len(sheets) < 2 || sheets[0] != ReviewSheet {
			t.Fatalf("sheets %q, want 審核意見 first and the form's", sheets)
		}
		for _, sheet := range sheets {
			if _, err := r.GetRows(sheet); err != nil {
				t.Fatalf("%s: %v", sheet, err)
			}
			if _, err := r.GetComments(sheet); err != nil {
				t.Fatalf("%s comments: %v", sheet, err)
			}
		}
	})
}

// TestReturnOfReadBytes checks that a copy made from the bytes a batch
// judged (WriteReturnOf) is byte for byte the copy made from the file
// archived with those bytes (WriteReturn), for the files a demo batch
// rejects, a file that is not a workbook and one read without values.
func TestReturnOfReadBytes(t *testing.T) {
	cases := returnCases(t)
	notBook := filepath.Join(t.TempDir(), "掃描件.xlsx")
	if err := os.WriteFile(notBook, []byte("%PDF-1.4 not a workbook"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases = append(cases,
		returnCase{"not a workbook", notBook, cases[0].sub, cases[0].findings},
		returnCase{"no values", cases[0].path, nil, cases[0].findings})
	conv := func(s string) string { return strings.ReplaceAll(s, "審核", "审核") }
	for _, c := range cases {
		t.Run(c.unit, func(t *testing.T) {
			data, err := os.ReadFile(c.path)
			if err != nil {
				t.Fatal(err)
			}
			var fromFile, fromBytes bytes.Buffer
			if err := WriteReturn(&fromFile, c.path, c.sub, c.findings, conv); err != nil {
				t.Fatal(err)
			}
			if err := WriteReturnOf(&fromBytes, filepath.Base(c.path), data, c.sub, c.findings, conv); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(fromFile.Bytes(), fromBytes.Bytes()) {
				t.Errorf("the copy of the read bytes (%d bytes) differs from the copy of the file (%d bytes)", fromBytes.Len(), fromFile.Len())
			}
		})
	}
}
