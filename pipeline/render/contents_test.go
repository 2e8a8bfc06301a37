package render

import (
	"bytes"
	"regexp"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"countybrief/pipeline/render/typeset"
)

// fpdfFile is a file of three pages of text in a face, with a rule and an
// outline as a briefing has, its page contents compressed by fpdf or not.
func fpdfFile(t testing.TB, compress bool) []byte {
	t.Helper()
	face := testFonts(t).set.Chain(typeset.Fangsong)[0]
	font, err := face.Subset([]rune("綏陽縣簡報第一二三頁"))
	if err != nil {
		t.Fatal(err)
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(compress)
	pdf.SetCatalogSort(true)
	date := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	pdf.SetCreationDate(date)
	pdf.SetModificationDate(date)
	pdf.SetTitle("綏陽縣簡報", true)
	pdf.AddUTF8FontFromBytes("f", "", font)
	for i, page := range []string{"第一頁", "第二頁", "第三頁"} {
		pdf.AddPage()
		pdf.SetFont("f", "", 16)
		pdf.Bookmark(page, 0, 20)
		for k := range 40 * (i + 1) {
			pdf.Text(20+float64(k%10)*15, 20+float64(k/10)*8, "綏陽縣簡報")
		}
		pdf.Line(20, 280, 190, 280)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDeflateContents: the pages compressed with one compressor make the
// file fpdf makes compressing them itself, byte for byte.
func TestDeflateContents(t *testing.T) {
	want := fpdfFile(t, true)
	plain := fpdfFile(t, false)
	if bytes.Equal(plain, want) {
		t.Fatal("fpdf wrote the same file with and without compression")
	}
	got, err := deflateContents(plain)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Errorf("file differs from fpdf's compressed one at byte %d of %d (want %d):\n got %q\nwant %q",
			i, len(got), len(want), got[i:min(i+80, len(got))], want[i:min(i+80, len(want))])
	}
}

// TestDeflateContentsRefuses: a file not laid out as fpdf writes it is an
// error, never a file with its offsets wrong.
func TestDeflateContentsRefuses(t *testing.T) {
	plain := fpdfFile(t, false)
	edit := func(re, repl string) []byte {
		out := regexp.MustCompile(re).ReplaceAll(plain, []byte(repl))
		if bytes.Equal(out, plain) {
			t.Fatalf("%s matches nothing", re)
		}
		return out
	}
	tests := []struct {
		name string
		file []byte
	}{
		{"no startxref", edit(`startxref`, "startxreF")},
		{"startxref past the file", edit(`startxref\n\d+`, "startxref\n99999999")},
		{"table cut short", plain[:bytes.LastIndex(plain, []byte("trailer"))-30]},
		{"an entry unreadable", edit(`\n\d{10} 00000 n`, "\n000000000x 00000 n")},
		{"an entry before the file", edit(`\n\d{10} 00000 n`, "\n-000000001 00000 n")},
		{"more entries than the table holds", edit(`xref\n0 \d+`, "xref\n0 922337203685477580")},
		{"content longer than the file", edit(`<</Length \d+>>\nstream\n0 J`, "<</Length 99999999>>\nstream\n0 J")},
		{"content naming no object", edit(`/Contents \d+ 0 R`, "/Contents 999 0 R")},
		{"content a page itself", edit(`/Contents (\d+) 0 R`, "/Contents 3 0 R")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if out, err := deflateContents(tt.file); err == nil {
				t.Errorf("no error; %d bytes written", len(out))
			}
		})
	}
}

// FuzzDeflateContents: whatever the file, an error or a file, no panic.
func FuzzDeflateContents(f *testing.F) {
	f.Add(fpdfFile(f, false))
	f.Fuzz(func(t *testing.T, file []byte) {
		deflateContents(file)
	})
}
