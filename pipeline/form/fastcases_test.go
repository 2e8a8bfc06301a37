package form

import (
	"archive/zip"
	"bytes"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestFastReaderOnOddXML patches the written form's XML into what other
// writers make, or what the fast reader must leave to excelize, and reads
// each with both readers: the fast one must give up exactly where the
// table says and otherwise read what excelize reads.
func TestFastReaderOnOddXML(t *testing.T) {
	ws := loadWorkspace(t)
	g := &gen{t: t, ws: ws, dir: t.TempDir()}
	good := g.good()
	sheet := func(fn func(string) string) []byte { return g.patchSheet(good, fn) }
	part := func(name string, fn func(string) string) []byte {
		return g.rezip(good, func(n string, body []byte) []byte {
			if n == name {
				return []byte(fn(string(body)))
			}
			return body
		})
	}
	cell := func(ref, with string) []byte {
		return sheet(func(x string) string { return replaceCell(x, ref, with) })
	}
	cellRef := regexp.MustCompile(`<c r="[A-Z]+[0-9]+"`)
	rowRef := regexp.MustCompile(`<row r="[0-9]+"`)
	tests := []struct {
		name string
		data []byte
		bail bool
	}{
		{"cells without r", sheet(func(x string) string { return cellRef.ReplaceAllString(x, "<c") }), false},
		{"rows and cells without r", sheet(func(x string) string {
			return rowRef.ReplaceAllString(cellRef.ReplaceAllString(x, "<c"), "<row")
		}), false},
		{"rows without r, cells with", sheet(func(x string) string { return rowRef.ReplaceAllString(x, "<row") }), true},
		{"boolean", cell("C8", `<c r="C8" t="b"><v>1</v></c>`), false},
		{"formula string", cell("C10", `<c r="C10" t="str"><f>"4"</f><v>4</v></c>`), false},
		{"error", cell("C13", `<c r="C13" t="e"><f>1/0</f><v>#DIV/0!</v></c>`), false},
		{"exponent", cell("C29", `<c r="C29"><v>1.7E6</v></c>`), false},
		{"shared formula cached", cell("C9", `<c r="C9"><f t="shared" si="0" ref="C9:C9">C8</f><v>1</v></c>`), false},
		{"shared formula index bad", cell("C9", `<c r="C9"><f t="shared" si="x">C8</f><v>1</v></c>`), true},
		{"formula without value", cell("C9", `<c r="C9"><f>C8</f></c>`), true},
		{"inline string", cell("C8", `<c r="C8" t="inlineStr"><is><t xml:space="preserve"> 1 </t></is></c>`), false},
		{"inline rich text", cell("C8", `<c r="C8" t="inlineStr"><is><r><t>1</t></r></is></c>`), true},
		{"string index out of range", cell("C8", `<c r="C8" t="s"><v>9999</v></c>`), false},
		{"string index not a number", cell("C8", `<c r="C8" t="s"><v>x</v></c>`), false},
		{"entities and char refs", cell("C8", `<c r="C8" t="inlineStr"><is><t>&#49;&#x30;&amp;</t></is></c>`), false},
		{"escaped control character", cell("C8", `<c r="C8" t="inlineStr"><is><t>1_x000D_</t></is></c>`), false},
		{"style not a number", cell("C8", `<c r="C8" s="x"><v>1</v></c>`), true},
		{"cell out of order", sheet(func(x string) string {
			return strings.Replace(x, `<c r="A8"`, `<c r="G8"><v>1</v></c><c r="A8"`, 1)
		}), true},
		{"merge over an empty value", sheet(func(x string) string {
			x = replaceCell(x, "C21", `<c r="C21"></c>`)
			return strings.Replace(x, `<mergeCells count="17">`, `<mergeCells count="18"><mergeCell ref="C20:C21"/>`, 1)
		}), true},
		{"merge away from values", sheet(func(x string) string {
			x = replaceCell(x, "C21", `<c r="C21"></c>`)
			return strings.Replace(x, `<mergeCells count="17">`, `<mergeCells count="18"><mergeCell ref="H20:H21"/>`, 1)
		}), false},
		{"1904 dates", part("xl/workbook.xml", func(x string) string {
			return strings.Replace(x, `<workbookPr `, `<workbookPr date1904="1" `, 1)
		}), false},
		{"1904 date serial", g.rezip(cell("F4", `<c r="F4"><v>38324</v></c>`), func(n string, body []byte) []byte {
			if n == "xl/workbook.xml" {
				return []byte(strings.Replace(string(body), `<workbookPr `, `<workbookPr date1904="true" `, 1))
			}
			return body
		}), false},
		{"workbook number malformed", part("xl/workbook.xml", func(x string) string {
			return strings.Replace(x, `<workbookPr `, `<workbookPr date1904="maybe" `, 1)
		}), true},
		{"shared strings with runs and phonetics", part("xl/sharedStrings.xml", func(x string) string {
			return strings.Replace(x, `<si><t>Z01</t></si>`,
				`<si><r><rPr><b val="1"/><sz val="11"/></rPr><t>Z0</t></r><r><t>1</t></r><rPh sb="0" eb="1"><t>x</t></rPh><phoneticPr fontId="1"/></si>`, 1)
		}), false},
		{"shared string run size malformed", part("xl/sharedStrings.xml", func(x string) string {
			return strings.Replace(x, `<si><t>Z01</t></si>`, `<si><r><rPr><sz val="big"/></rPr><t>Z01</t></r></si>`, 1)
		}), true},
		{"styles cut short", part("xl/styles.xml", func(x string) string { return x[:len(x)/2] }), true},
		{"strict namespace", part("xl/workbook.xml", func(x string) string {
			return strings.Replace(x, "http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main", 1)
		}), true},
		{"prefixed elements", sheet(func(x string) string {
			x = strings.Replace(x, `<worksheet xmlns=`, `<x:worksheet xmlns:x=`, 1)
			x = strings.ReplaceAll(x, "<", "<x:")
			x = strings.ReplaceAll(x, "<x:/", "</x:")
			x = strings.ReplaceAll(x, "<x:?", "<?")
			return strings.ReplaceAll(x, "<x:x:", "<x:")
		}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zr, err := zip.NewReader(bytes.NewReader(tt.data), int64(len(tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			rd := NewReader(ws.Catalogue, DefaultLimits())
			sub, fs, ok := rd.readFast(zr, tt.data)
			if ok == tt.bail {
				t.Fatalf("fast reader gave up: %v, want %v", !ok, tt.bail)
			}
			if !ok {
				return
			}
			fullSub, fullFs := rd.readFull(tt.data)
			if !reflect.DeepEqual(sub, fullSub) || !reflect.DeepEqual(fs, fullFs) {
				t.Errorf("fast reader read\n%+v\n%+v\nexcelize\n%+v\n%+v", sub, fs, fullSub, fullFs)
			}
		})
	}
}
