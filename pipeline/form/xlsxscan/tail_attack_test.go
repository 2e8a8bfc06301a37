package xlsxscan

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// bookVerdict is all a caller learns of a workbook's first sheet: whether
// it opens, its rows or the refusal, and which cells of the top left a
// merge covers (MergeOver), the tail's part of the verdict.
type bookVerdict struct {
	openErr, rowsErr error
	rows             []string
	merged           []string
}

// verdictOf opens a workbook through s and cache (nil: a fresh reader)
// and reads its first sheet.
func verdictOf(t *testing.T, s *Scratch, data []byte, lim Limits, cache *Cache) bookVerdict {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var v bookVerdict
	b, err := s.Open(zr, data, lim, cache)
	if err != nil {
		v.openErr = err
		return v
	}
	name := b.Sheets()[0]
	v.rowsErr = b.Rows(name, func(n int, cells []string) error {
		v.rows = append(v.rows, fmt.Sprintf("%d:%q", n, cells))
		return nil
	})
	if v.rowsErr != nil {
		return v
	}
	for row := 1; row <= 8; row++ {
		for col := 1; col <= 8; col++ {
			if _, _, _, err := b.MergeOver(name, col, row); err != nil {
				v.merged = append(v.merged, fmt.Sprintf("%d,%d", col, row))
			}
		}
	}
	return v
}

// formBase is a real form's parts and its first sheet cut after its
// sheetData: the head (up to its root's start tag), the sheetData and
// the tail written from the template.
type formBase struct {
	parts                 map[string][]byte
	names                 []string
	root, sheetData, tail string
}

func readFormBase(t *testing.T) formBase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(foreignDir, "excelize.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	f := formBase{parts: map[string][]byte{}}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		text, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		f.parts[zf.Name] = text
		f.names = append(f.names, zf.Name)
	}
	sheet := string(f.parts["xl/worksheets/sheet1.xml"])
	open := strings.Index(sheet, "<sheetData>")
	end := strings.Index(sheet, "</sheetData>") + len("</sheetData>")
	if open < 0 || end < open {
		t.Fatal("the base form's sheet has no sheetData")
	}
	// The root's start tag ends just before the first element after it.
	f.root, f.sheetData, f.tail = sheet[:open], sheet[open:end], sheet[end:]
	return f
}

// with is the form with its first sheet's text replaced.
func (f formBase) with(t *testing.T, sheet string) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, name := range f.names {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		text := f.parts[name]
		if name == "xl/worksheets/sheet1.xml" {
			text = []byte(sheet)
		}
		if _, err := w.Write(text); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// readThroughCache reads the sheets in order, each three times, through
// one cache and one Scratch as a batch's worker does, and each fresh: the
// verdicts must agree. Reading each three times makes a tail met before
// come from the cache.
func readThroughCache(t *testing.T, f formBase, sheets []string, lim Limits) {
	t.Helper()
	cache, s := NewCache(), new(Scratch)
	for i, sheet := range sheets {
		data := f.with(t, sheet)
		want := verdictOf(t, new(Scratch), data, lim, nil)
		for round := range 3 {
			if got := verdictOf(t, s, data, lim, cache); !reflect.DeepEqual(got, want) {
				t.Fatalf("sheet %d, reading %d: through the cache\n%+v\nfresh\n%+v", i, round+1, got, want)
			}
		}
	}
}

const nsOther = "urn:example:not-spreadsheetml"

// TestTailCacheAttacks: tails written to fool a cache keyed by a tail's
// text are read through the cache as a fresh reader reads them.
func TestTailCacheAttacks(t *testing.T) {
	f := readFormBase(t)
	plain := f.root + f.sheetData
	// The same sheet under a prefixed root, or a root in another
	// namespace, or declaring prefixes the tail uses.
	prefixedRoot := strings.Replace(strings.Replace(f.root, "<worksheet xmlns=", "<x:worksheet xmlns:x=", 1), "<worksheet", "<x:worksheet", 1)
	prefixed := prefixedRoot + strings.NewReplacer("<sheetData>", "<x:sheetData>", "</sheetData>", "</x:sheetData>", "<row", "<x:row", "</row>", "</x:row>", "<c ", "<x:c ", "</c>", "</x:c>", "<v>", "<x:v>", "</v>", "</x:v>").Replace(f.sheetData)
	otherNS := strings.Replace(f.root, nsMain, nsOther, 1) + f.sheetData
	otherPrefixedNS := strings.Replace(prefixedRoot, nsMain, nsOther, 1) + strings.TrimPrefix(prefixed, prefixedRoot)
	declaresY := strings.Replace(f.root, "<worksheet ", `<worksheet xmlns:y="`+nsMain+`" `, 1) + f.sheetData
	small := `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="` + nsMain + `"><sheetData><row r="1"><c r="A1"><v>7</v></c></row></sheetData>`
	selfClosed := `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="` + nsMain + `"><sheetData/>`
	mergeFirst := `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="` + nsMain + `"><mergeCells><mergeCell ref="E5:F6"/></mergeCells><sheetData><row r="1"><c r="A1"><v>7</v></c></row></sheetData>`
	heads := []string{plain, small, selfClosed, mergeFirst}
	// The base form must read, with merges in its tail, or the cases
	// below show nothing.
	if v := verdictOf(t, new(Scratch), f.with(t, plain+f.tail), testLimits, nil); v.openErr != nil || v.rowsErr != nil || len(v.rows) == 0 || len(v.merged) == 0 {
		t.Fatalf("the base form reads as %+v", v)
	}

	merges := `<mergeCells count="2"><mergeCell ref="A1:B2"/><mergeCell ref="C3:D3"/></mergeCells>`
	for _, tc := range []struct {
		name   string
		sheets []string
	}{
		{"the template's own tail after other heads", []string{plain + f.tail, small + f.tail, selfClosed + f.tail, mergeFirst + f.tail, plain + f.tail}},
		{"the template's tail under a prefixed root", []string{plain + f.tail, prefixed + f.tail, plain + f.tail}},
		{"a prefixed tail under an unprefixed root", []string{
			prefixed + strings.Replace(f.tail, "</worksheet>", "</x:worksheet>", 1),
			plain + strings.Replace(f.tail, "</worksheet>", "</x:worksheet>", 1)}},
		{"the same tail, the root in another namespace", []string{plain + f.tail, otherNS + f.tail, plain + f.tail}},
		{"the same prefixed tail, the prefix in another namespace", []string{
			prefixed + `<x:mergeCells><x:mergeCell ref="A1:B2"/></x:mergeCells></x:worksheet>`,
			otherPrefixedNS + `<x:mergeCells><x:mergeCell ref="A1:B2"/></x:mergeCells></x:worksheet>`}},
		{"a tail's prefix declared by one root, not another", []string{
			declaresY + `<y:mergeCells><y:mergeCell ref="A1:B2"/></y:mergeCells></worksheet>`,
			plain + `<y:mergeCells><y:mergeCell ref="A1:B2"/></y:mergeCells></worksheet>`}},
		{"a tail that declares its own namespace", []string{
			plain + `<mergeCells xmlns="` + nsOther + `"><mergeCell ref="A1:B2"/></mergeCells></worksheet>`,
			small + `<mergeCells xmlns="` + nsOther + `"><mergeCell ref="A1:B2"/></mergeCells></worksheet>`}},
		{"a comment hiding the root's end", sheetsOf(heads, `<!-- </worksheet> --><!--<mergeCells><mergeCell ref="A1:H8"/></mergeCells>-->`+merges+`</worksheet>`)},
		{"a comment after the root", sheetsOf(heads, merges+`</worksheet><!-- <worksheet> -->`+"\n")},
		{"an unclosed comment", sheetsOf(heads, merges+`<!-- </worksheet>`)},
		{"a comment ending in ---", sheetsOf(heads, merges+`<!-- a ---></worksheet>`)},
		{"CDATA holding the root's end", sheetsOf(heads, `<extLst><![CDATA[</worksheet>]]></extLst>`+merges+`</worksheet>`)},
		{"a DOCTYPE's entity", sheetsOf(heads, `<!ENTITY m "A1:B2">`+merges+`</worksheet>`)},
		{"an undeclared entity in a ref", sheetsOf(heads, `<mergeCells><mergeCell ref="&m;"/></mergeCells></worksheet>`)},
		{"character references in refs", sheetsOf(heads, `<mergeCells><mergeCell ref="A1&#x3A;B2"/><mergeCell ref="&#67;3:D&#51;"/><mergeCell ref="E1&#58;E&amp;"/></mergeCells></worksheet>`)},
		{"a reference to a character XML forbids", sheetsOf(heads, `<mergeCells><mergeCell ref="A1:B2&#0;"/></mergeCells></worksheet>`)},
		{"]]> in text", sheetsOf(heads, `<headerFooter><oddHeader>a]]>b</oddHeader></headerFooter>`+merges+`</worksheet>`)},
		{"CR LF in values and text", sheetsOf(heads, "<headerFooter><oddHeader>a\r\nb</oddHeader></headerFooter><mergeCells><mergeCell ref=\"A1:B2\"\r\n/></mergeCells></worksheet>\r\n")},
		{"a second sheetData", sheetsOf(heads, `<sheetData><row r="9"><c r="A9"><v>1</v></c></row></sheetData></worksheet>`)},
		{"rows after the sheetData", sheetsOf(heads, `<row r="9"><c r="A9"><v>1</v></c></row>`+merges+`</worksheet>`)},
		{"a second root", sheetsOf(heads, merges+`</worksheet><worksheet/>`)},
		{"text after the root", sheetsOf(heads, merges+`</worksheet>x`)},
		{"no root end", sheetsOf(heads, merges)},
		{"a merge without a ref", sheetsOf(heads, `<mergeCells><mergeCell/><mergeCell ref="A1:B2"/></mergeCells></worksheet>`)},
		{"a merge with two refs", sheetsOf(heads, `<mergeCells><mergeCell ref="A1:B2" ref="C3"/></mergeCells></worksheet>`)},
		{"an empty tail", sheetsOf(heads, `</worksheet>`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			readThroughCache(t, f, tc.sheets, testLimits)
		})
	}
}

// sheetsOf is each head with tail, then the first head again.
func sheetsOf(heads []string, tail string) []string {
	var out []string
	for _, h := range append(heads, heads[0]) {
		out = append(out, h+tail)
	}
	return out
}

// minimalForm is a workbook of one sheet and no more parts than it
// needs, each of a few elements, so that the element limit falls in the
// sheet.
func minimalForm() formBase {
	const rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	f := formBase{parts: map[string][]byte{
		"[Content_Types].xml":        []byte(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`),
		"_rels/.rels":                []byte(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + rels + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`),
		"xl/workbook.xml":            []byte(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="` + nsMain + `" xmlns:r="` + rels + `"><sheets><sheet name="表" sheetId="1" r:id="rId1"/></sheets></workbook>`),
		"xl/_rels/workbook.xml.rels": []byte(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + rels + `/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`),
	}}
	f.names = []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"}
	return f
}

// TestTailCacheElementLimit: a tail read cleanly, and cached, after a
// short head is then met after heads of ever more elements, and after
// ever fewer: each sheet is refused exactly when a fresh reader runs out
// of elements, in the head or in the tail.
func TestTailCacheElementLimit(t *testing.T) {
	f := minimalForm()
	tail := `<mergeCells count="3"><mergeCell ref="A1:B2"/><mergeCell ref="C3:D3"/><mergeCell ref="E4:E5"/></mergeCells><pageMargins left="0.7"/></worksheet>`
	head := func(rows int) string {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="` + nsMain + `"><sheetData>`)
		for r := 1; r <= rows; r++ {
			if r%2 == 1 {
				fmt.Fprintf(&b, `<row r="%d"/>`, r) // one element: the limit met at every count
				continue
			}
			fmt.Fprintf(&b, `<row r="%d"><c r="A%d"><v>%d</v></c></row>`, r, r, r)
		}
		b.WriteString(`</sheetData>`)
		return b.String()
	}
	// The root, sheetData, 1 element an odd row and 3 an even one, then
	// the tail's 5: at 2+2*rows+5 elements (rows even) the sheet just
	// fits.
	const maxRows = 12
	lim := testLimits
	lim.MaxElements = 2 + 2*maxRows + 5
	var up, down []string
	for rows := 0; rows <= maxRows+3; rows++ {
		up = append(up, head(rows)+tail)
		down = append([]string{head(rows) + tail}, down...)
	}
	for _, tc := range []struct {
		name   string
		sheets []string
	}{
		{"heads growing", up},
		{"heads shrinking", down},
		{"cached at the limit, then over it", []string{head(maxRows) + tail, head(maxRows+1) + tail, head(maxRows) + tail}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			readThroughCache(t, f, tc.sheets, lim)
		})
	}
	// The limit must be met somewhere along the way, or the test shows
	// nothing.
	over := verdictOf(t, new(Scratch), f.with(t, head(maxRows+1)+tail), lim, nil)
	fits := verdictOf(t, new(Scratch), f.with(t, head(maxRows)+tail), lim, nil)
	if over.openErr == nil && over.rowsErr == nil || fits.openErr != nil || fits.rowsErr != nil {
		t.Fatalf("the limit is not where the test puts it: at it %+v, over it %+v", fits, over)
	}
}

// TestTailCacheConcurrent: workers, each with its own Scratch, read
// forms that share tails, and forms that share a tail's text under other
// roots, through one cache at once (run it with -race): every verdict is
// a fresh reader's.
func TestTailCacheConcurrent(t *testing.T) {
	f := readFormBase(t)
	otherRoot := strings.Replace(f.root, "<worksheet", "<sheet", 1)
	sheets := []string{
		f.root + f.sheetData + f.tail,
		otherRoot + f.sheetData + f.tail,
		f.root + `<sheetData/>` + f.tail,
		f.root + f.sheetData + `<mergeCells><mergeCell ref="A1&#58;B2"/></mergeCells></worksheet>`,
		f.root + `<sheetData/>` + `<mergeCells><mergeCell ref="A1&#58;B2"/></mergeCells></worksheet>`,
	}
	var forms [][]byte
	var want []bookVerdict
	for _, s := range sheets {
		data := f.with(t, s)
		forms = append(forms, data)
		want = append(want, verdictOf(t, new(Scratch), data, testLimits, nil))
	}
	cache := NewCache()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := new(Scratch)
			for i := range 60 {
				k := (i*7 + w) % len(forms)
				if got := verdictOf(t, s, forms[k], testLimits, cache); !reflect.DeepEqual(got, want[k]) {
					t.Errorf("worker %d, form %d: through the cache\n%+v\nfresh\n%+v", w, k, got, want[k])
					return
				}
			}
		}()
	}
	wg.Wait()
}

// FuzzTailCacheRoot reads one tail after sheets of two roots, one of
// them arbitrary (its prefix, namespaces, attributes), alternating
// through one cache: every verdict is a fresh reader's, whichever root
// the cached tail was first read under.
func FuzzTailCacheRoot(f *testing.F) {
	f.Add(`<x:worksheet xmlns:x="`+nsMain+`">`, `<mergeCells><mergeCell ref="A1:B2"/></mergeCells></worksheet>`)
	f.Add(`<worksheet xmlns="`+nsOther+`" xmlns:y="`+nsMain+`">`, `<y:mergeCells><y:mergeCell ref="A1:B2"/></y:mergeCells></worksheet>`)
	f.Add(`<x:worksheet xmlns:x="`+nsMain+`">`, `<x:mergeCells><x:mergeCell ref="C1&#58;D2"/></x:mergeCells></x:worksheet><!-- -->`)
	form := minimalForm()
	f.Fuzz(func(t *testing.T, root, tail string) {
		// The sheetData takes the root's prefix, as a writer would.
		prefix := ""
		if i := strings.IndexByte(root, ':'); i > 1 && i < 20 && !strings.ContainsAny(root[1:i], " <>/=\"'") {
			prefix = root[1 : i+1]
		}
		data := `<` + prefix + `sheetData><` + prefix + `row r="1"><` + prefix + `c r="A1"><` + prefix + `v>1</` + prefix + `v></` + prefix + `c></` + prefix + `row></` + prefix + `sheetData>`
		const decl = `<?xml version="1.0" encoding="UTF-8"?>`
		sheets := []string{
			decl + root + data + tail,
			decl + `<worksheet xmlns="` + nsMain + `">` + `<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>` + tail,
		}
		lim := Limits{MaxUnzipBytes: 1 << 20, MaxDepth: 16, MaxElements: 64}
		var want []bookVerdict
		for _, s := range sheets {
			want = append(want, verdictOf(t, new(Scratch), form.with(t, s), lim, nil))
		}
		cache, s := NewCache(), new(Scratch)
		for _, k := range []int{0, 0, 1, 1, 0, 1, 0} {
			if got := verdictOf(t, s, form.with(t, sheets[k]), lim, cache); !reflect.DeepEqual(got, want[k]) {
				t.Fatalf("sheet %q: through the cache\n%+v\nfresh\n%+v", sheets[k], got, want[k])
			}
		}
	})
}
