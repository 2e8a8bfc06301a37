package render

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"codeberg.org/go-pdf/fpdf"

	"countybrief/pipeline/render/typeset"
)

// pdfObjects splits an fpdf-written PDF into its objects: number → the
// dictionary text and the (inflated) stream.
type pdfObject struct {
	dict   string
	stream []byte
}

var (
	objStart     = regexp.MustCompile(`(?m)^(\d+) 0 obj\s*`)
	streamLength = regexp.MustCompile(`/Length (\d+)`)
)

func pdfObjects(t *testing.T, pdf []byte) map[int]pdfObject {
	t.Helper()
	objs := map[int]pdfObject{}
	locs := objStart.FindAllSubmatchIndex(pdf, -1)
	for i, loc := range locs {
		n, _ := strconv.Atoi(string(pdf[loc[2]:loc[3]]))
		end := len(pdf)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		body := pdf[loc[1]:end]
		o := pdfObject{dict: string(body)}
		if k := bytes.Index(body, []byte("stream\n")); k >= 0 {
			o.dict = string(body[:k])
			data := body[k+len("stream\n"):]
			m := streamLength.FindStringSubmatch(o.dict)
			if m == nil {
				t.Fatalf("object %d: stream without /Length", n)
			}
			if size, _ := strconv.Atoi(m[1]); size <= len(data) {
				data = data[:size]
			}
			if bytes.Contains(body[:k], []byte("/FlateDecode")) {
				zr, err := zlib.NewReader(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("object %d: %v", n, err)
				}
				if data, err = io.ReadAll(zr); err != nil {
					t.Fatalf("object %d: %v", n, err)
				}
			}
			o.stream = data
		}
		objs[n] = o
	}
	return objs
}

var (
	fontRes   = regexp.MustCompile(`/(F[0-9a-f]+) (\d+) 0 R`)
	descend   = regexp.MustCompile(`/DescendantFonts \[(\d+) 0 R\]`)
	cidToGID  = regexp.MustCompile(`/CIDToGIDMap (\d+) 0 R`)
	baseFont  = regexp.MustCompile(`/BaseFont /(\S+)`)
	contents  = regexp.MustCompile(`/Contents (\d+) 0 R`)
	setFontOp = regexp.MustCompile(`^/(F[0-9a-f]+) [0-9.]+ Tf`)
	moveOp    = regexp.MustCompile(`^BT ([0-9.]+) [0-9.]+ Td`)
)

// uncoveredGlyphs reads every string drawn in the PDF and returns the
// characters drawn with a font whose embedded subset maps them to glyph 0
// (.notdef, a box), and how many characters it checked.
func uncoveredGlyphs(t *testing.T, pdf []byte) (missing []string, checked int) {
	t.Helper()
	walkGlyphs(t, pdf, func(font string, r rune, covered bool, _ float64) {
		checked++
		if !covered {
			missing = append(missing, fmt.Sprintf("U+%04X %c in %s", r, r, font))
		}
	})
	return missing, checked
}

// glyphFonts counts, per character drawn, the embedded fonts (base font
// names without the subset tag) that drew it.
func glyphFonts(t *testing.T, pdf []byte) map[rune]map[string]int {
	t.Helper()
	out := map[rune]map[string]int{}
	walkGlyphs(t, pdf, func(font string, r rune, _ bool, _ float64) {
		if i := strings.IndexByte(font, '+'); i >= 0 {
			font = font[i+1:]
		}
		if out[r] == nil {
			out[r] = map[string]int{}
		}
		out[r][font]++
	})
	return out
}

// walkGlyphs calls fn for every character of every string drawn in an
// fpdf-written PDF, with the base font it was drawn in, whether the
// embedded subset has a glyph for it, and the x (pt) it is drawn at: the
// string's, for its first character, -1 for the others.
func walkGlyphs(t *testing.T, pdf []byte, fn func(font string, r rune, covered bool, x float64)) {
	t.Helper()
	objs := pdfObjects(t, pdf)
	maps := map[string][]byte{} // resource name → CIDToGIDMap
	names := map[string]string{}
	for _, o := range objs {
		if !bytes.Contains([]byte(o.dict), []byte("/ProcSet")) {
			continue
		}
		for _, m := range fontRes.FindAllStringSubmatch(o.dict, -1) {
			type0, _ := strconv.Atoi(m[2])
			d := descend.FindStringSubmatch(objs[type0].dict)
			if d == nil {
				t.Fatalf("font %s: no descendant", m[1])
			}
			cid, _ := strconv.Atoi(d[1])
			g := cidToGID.FindStringSubmatch(objs[cid].dict)
			if g == nil {
				t.Fatalf("font %s: no CIDToGIDMap", m[1])
			}
			gid, _ := strconv.Atoi(g[1])
			maps[m[1]] = objs[gid].stream
			if b := baseFont.FindStringSubmatch(objs[type0].dict); b != nil {
				names[m[1]] = b[1]
			}
		}
	}
	if len(maps) == 0 {
		t.Fatal("no fonts found in the PDF")
	}
	for _, o := range objs {
		c := contents.FindStringSubmatch(o.dict)
		if c == nil || !bytes.Contains([]byte(o.dict), []byte("/Type /Page\n")) {
			continue
		}
		n, _ := strconv.Atoi(c[1])
		content := objs[n].stream
		font, x := "", 0.0
		for i := 0; i < len(content); i++ {
			switch content[i] {
			case 'B':
				if m := moveOp.FindSubmatch(content[i:]); m != nil {
					x, _ = strconv.ParseFloat(string(m[1]), 64)
				}
			case '/':
				if m := setFontOp.FindSubmatch(content[i:]); m != nil {
					font = string(m[1])
				}
			case '(':
				var s []byte
				for i++; i < len(content) && content[i] != ')'; i++ {
					if content[i] == '\\' && i+1 < len(content) {
						i++
						if content[i] == 'r' {
							s = append(s, '\r')
							continue
						}
					}
					s = append(s, content[i])
				}
				cmap := maps[font]
				for k := 0; k+1 < len(s); k += 2 {
					cid := int(s[k])<<8 | int(s[k+1])
					covered := 2*cid+1 < len(cmap) && (cmap[2*cid] != 0 || cmap[2*cid+1] != 0)
					at := -1.0
					if k == 0 {
						at = x
					}
					fn(names[font], rune(cid), covered, at)
				}
			}
		}
	}
}

// TestUncoveredGlyphsSeesBoxes proves the check can fail: cwTeX 仿宋 has
// no Simplified 实, so fpdf draws a box for it.
func TestUncoveredGlyphsSeesBoxes(t *testing.T) {
	var fs *typeset.Face
	for _, f := range testFonts(t).Set().Own(typeset.Fangsong) {
		if filepath.Base(f.Path) == "cwfs.ttf" {
			fs = f
		}
	}
	if fs == nil {
		t.Fatal("cwfs.ttf not loaded: apt-get install fonts-cwtex-fs")
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	data, err := fs.Subset([]rune("實踐实践"))
	if err != nil {
		t.Fatal(err)
	}
	pdf.AddUTF8FontFromBytes("cwfs", "", data)
	pdf.AddPage()
	pdf.SetFont("cwfs", "", 16)
	pdf.Text(20, 20, "實踐实践")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	missing, n := uncoveredGlyphs(t, buf.Bytes())
	if n != 4 || len(missing) != 2 || !strings.Contains(missing[0], "U+5B9E") {
		t.Fatalf("checked %d, missing %v; want 实 and 践 missing", n, missing)
	}
}
