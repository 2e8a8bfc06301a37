package form

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestSheetEdit splices a mark, an opinion column and the notes' drawing
// into worksheets written in the ways programs write them, and checks
// that the result is well-formed, holds the changes where the schema puts
// them and leaves the rest; a sheet it cannot read plainly is refused.
func TestSheetEdit(t *testing.T) {
	const (
		head = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="` + nsSheetMain + `" xmlns:r="` + nsOfficeRels + `">`
		bare = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="` + nsSheetMain + `">`
		cols = `<cols><col min="1" max="2" width="10" customWidth="1"/><col min="9" max="9" width="5"/></cols>`
		rows = `<row r="1" spans="1:3"><c r="A1" s="1" t="s"><v>0</v></c><c r="C1" s="2"><v>4.5</v></c></row>` +
			`<row r="2"><c r="B2" t="inlineStr"><is><t>x</t></is></c><c r="C2" s="2"><f>A1</f></c></row>`
	)
	tests := []struct {
		name  string
		sheet string
		want  []string // in order in the result
		not   []string
		fails bool
	}{
		{"excelize", head + cols + `<sheetData>` + rows + `</sheetData><pageSetup paperSize="9"/></worksheet>`,
			[]string{`<col min="4" max="4" width="36" customWidth="1"/><col min="9"`, `<row r="1"><c r="A1" s="1" t="s"><v>0</v></c><c r="C1" s="7"><v>4.5</v></c><c r="D1" s="8" t="inlineStr"><is><t xml:space="preserve">意見&amp;&lt;</t></is></c></row>`,
				`<row r="3"><c r="D3" t="inlineStr">`, `</sheetData><pageSetup paperSize="9"/><legacyDrawing r:id="rId9"/></worksheet>`}, []string{"spans"}, false},
		{"extLst of a rule and of the sheet", head + `<sheetData>` + rows + `</sheetData><conditionalFormatting sqref="A1"><cfRule type="expression" priority="1"><formula>1</formula><extLst><ext uri="x"/></extLst></cfRule></conditionalFormatting><extLst><ext uri="y"/></extLst></worksheet>`,
			[]string{`<cols><col min="4" max="4" width="36" customWidth="1"/></cols><sheetData>`, `</cfRule></conditionalFormatting><legacyDrawing r:id="rId9"/><extLst><ext uri="y"/>`}, nil, false},
		{"no relationships namespace, a self-closing row", bare + `<sheetData><row r="1"/><row r="3"><c r="A3"><v>1</v></c></row></sheetData></worksheet>`,
			[]string{`xmlns:r="` + nsOfficeRels + `"`, `<col min="2" max="2" width="36" customWidth="1"/>`,
				`<row r="1"><c r="B1" s="8" t="inlineStr"><is><t xml:space="preserve">意見&amp;&lt;</t></is></c><c r="C1" s="7"/></row>`,
				`<row r="3"><c r="A3"><v>1</v></c><c r="B3" t="inlineStr">`}, nil, false},
		{"a quoted '>'", head + `<sheetData><row r="1" x="a>b"><c r="C1" s="2" y='>'><v>1</v></c></row></sheetData></worksheet>`,
			[]string{`<row r="1" x="a>b"><c r="C1" s="7" y=">"><v>1</v></c><c r="D1" s="8"`}, nil, false},
		{"a column definition over the opinion column", head + `<cols><col min="1" max="20" width="9"/></cols><sheetData>` + rows + `</sheetData></worksheet>`, nil, nil, true},
		{"a comment among the rows", head + `<sheetData><!-- --><row r="1"><c r="C1"><v>1</v></c></row></sheetData></worksheet>`, nil, nil, true},
		{"cells out of order", head + `<sheetData><row r="1"><c r="C1"><v>1</v></c><c r="B1"><v>1</v></c></row></sheetData></worksheet>`, nil, nil, true},
		{"rows out of order", head + `<sheetData><row r="2"><c r="C2"><v>1</v></c></row><row r="1"><c r="C1"><v>1</v></c></row></sheetData></worksheet>`, nil, nil, true},
		{"a cell without its reference", head + `<sheetData><row r="1"><c><v>1</v></c></row></sheetData></worksheet>`, nil, nil, true},
		{"a prefixed sheet", `<x:worksheet xmlns:x="` + nsSheetMain + `"><x:sheetData><x:row r="1"><x:c r="C1"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>`, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := editSheet(tt.sheet)
			if tt.fails {
				if !errors.Is(err, errNotPlain) {
					t.Fatalf("edited a sheet it should leave to excelize (%v):\n%s", err, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkWellFormed(t, got)
			at := 0
			for _, w := range tt.want {
				i := strings.Index(got[at:], w)
				if i < 0 {
					t.Fatalf("no %q after offset %d in\n%s", w, at, got)
				}
				at += i + len(w)
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("still holds %q:\n%s", n, got)
				}
			}
		})
	}
}

// editSheet marks C1, writes the opinion column's heading in row 3 and an
// opinion in row 1, sets its width and links the notes, as mark does.
func editSheet(sheet string) (string, error) {
	s, ok := scanSheet(sheet)
	if !ok {
		return "", errNotPlain
	}
	fc := &fastCopy{parts: map[string]string{"xl/sharedStrings.xml": `<sst xmlns="` + nsSheetMain + `"><si><t>a</t></si></sst>`}}
	e := newSheetEdit(s)
	last, err := s.lastValueCol(fc)
	if err != nil {
		return "", err
	}
	col := last + 1
	e.setStyle(3, 1, 7)
	e.setText(col, 3, "意見頭", -1)
	e.setText(col, 1, "意見&<", 8)
	if err := e.setWidth(col, 36); err != nil {
		return "", err
	}
	if err := e.legacyDrawing("rId9"); err != nil {
		return "", err
	}
	return e.text()
}

func checkWellFormed(t *testing.T, s string) {
	t.Helper()
	if !wellFormed(s) {
		t.Fatalf("not well-formed:\n%s", s)
	}
}

// FuzzSheetEdit feeds any text to the scanner and editor of a marked
// sheet: never a panic, and an edit of well-formed XML is well-formed.
func FuzzSheetEdit(f *testing.F) {
	for _, c := range []string{"J03", "J12"} {
		zr, err := zip.OpenReader(filepath.Join(returnsDir, c+".xlsx"))
		if err != nil {
			f.Fatal(err)
		}
		for _, zf := range zr.File {
			if strings.HasPrefix(zf.Name, "xl/worksheets/") {
				text, err := unzipText(zf)
				if err != nil {
					f.Fatal(err)
				}
				f.Add(text)
			}
		}
		zr.Close()
	}
	f.Add(`<worksheet xmlns="` + nsSheetMain + `"><sheetData><row r="1"/></sheetData><extLst/></worksheet>`)
	f.Fuzz(func(t *testing.T, sheet string) {
		got, err := editSheet(sheet)
		if err != nil || !wellFormed(sheet) {
			return
		}
		if !wellFormed(got) {
			t.Fatalf("the edit of a well-formed sheet is not:\n%s", got)
		}
	})
}

func wellFormed(s string) bool {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		if _, err := d.Token(); err == io.EOF {
			return true
		} else if err != nil {
			return false
		}
	}
}

// FuzzXMLText holds escape and unescape, and the shared strings parser,
// to each other: any text written, in a value or in an attribute, reads
// back as it was, characters XML cannot hold as U+FFFD.
func FuzzXMLText(f *testing.F) {
	for _, s := range []string{"", "a&b<c>d\"e'f", "line\r\nbreak\ttab", "\x00\x01\ufffe", "_x000D_&#13;", "審核意見\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.Map(func(r rune) rune {
			if r == utf8.RuneError || !xmlChar(r) {
				return '\uFFFD'
			}
			return r
		}, s)
		for _, inAttr := range []bool{false, true} {
			if got, ok := unescape(escaped(s, inAttr), inAttr); !ok || got != want {
				t.Fatalf("%q escaped (attribute %v) reads back as %q, %v", s, inAttr, got, ok)
			}
		}
		sst := `<sst xmlns="` + nsSheetMain + `"><si><t xml:space="preserve">` + escaped(s, false) + `</t></si><si/></sst>`
		got, ok := parseSharedStrings(sst)
		if strings.Contains(want, "_x") {
			return // an escape of the shared strings' own, left to excelize
		}
		if !ok || len(got) != 2 || got[0] != want || got[1] != "" {
			t.Fatalf("shared strings of %q read as %q, %v", s, got, ok)
		}
		if !wellFormed(sst) {
			t.Fatalf("shared strings of %q are not well-formed", s)
		}
	})
}
