package xlsxscan

import (
	"encoding/xml"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// scanTokens lists the tokens the scanner yields, text runs joined, or
// ok false when it refuses the document.
func scanTokens(s string) (toks []string, ok bool) {
	x := newScanner(s, testLimits)
	text := ""
	flush := func() {
		if text != "" {
			toks = append(toks, "T"+text)
			text = ""
		}
	}
	for {
		switch x.next() {
		case tokStart:
			flush()
			tok := "S" + x.localName()
			if x.localName() != local(x.name()) {
				tok += " (local name wrong)"
			}
			for i := range x.attrs {
				tok += " " + x.attrLocal(i) + "=" + x.attrValue(i)
			}
			toks = append(toks, tok)
		case tokEnd:
			flush()
			toks = append(toks, "E"+x.localName())
		case tokText:
			text += x.text()
		case tokEOF:
			flush()
			return toks, !x.failed
		}
	}
}

// stdTokens lists the tokens encoding/xml yields, in the same form.
func stdTokens(s string) ([]string, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	var toks []string
	depth := 0
	text := ""
	flush := func() {
		if text != "" {
			toks = append(toks, "T"+text)
			text = ""
		}
	}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			flush()
			return toks, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			flush()
			depth++
			s := "S" + t.Name.Local
			for _, a := range t.Attr {
				s += " " + a.Name.Local + "=" + a.Value
			}
			toks = append(toks, s)
		case xml.EndElement:
			flush()
			depth--
			toks = append(toks, "E"+t.Name.Local)
		case xml.CharData:
			if depth > 0 {
				text += string(t)
			}
		}
	}
}

func checkScanner(t *testing.T, doc string) {
	t.Helper()
	got, ok := scanTokens(doc)
	if !ok {
		return // left to excelize: nothing to compare
	}
	want, err := stdTokens(doc)
	if err != nil {
		t.Fatalf("scanner accepts what encoding/xml refuses (%v): %q", err, doc)
	}
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Fatalf("%q:\nscanner  %q\nencoding/xml %q", doc, got, want)
	}
}

var scannerCases = []struct {
	doc    string
	accept bool
}{
	{`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<a x="1"><b>t</b></a>`, true},
	{`<a><b y='&lt;&amp;&#x41;&#66;&quot;&apos;&gt;'/></a>`, true},
	{"<a>one\r\ntwo\rthree&#13;</a>", true},
	{`<a>x<!-- note -->y</a>`, true},
	{`<x:a xmlns:x="urn:x"><x:b x:r="1"/></x:a>`, true},
	{`<a>中文　全角</a>`, true},
	{"<a b=\"\u1000\ucfff\">\ud7ff\ue000\ufffd</a>", true},
	{"<a>\ufffe</a>", false},
	{"<a>中\xe4\xb8</a>", false},
	{"<a>\xed\xa0\x80</a>", false},
	{`<a>]]></a>`, false},
	{`<a>&nbsp;</a>`, false},
	{`<a>&#0;</a>`, false},
	{`<a>&#xD800;</a>`, false},
	{"<a>\x01</a>", false},
	{"<a>\xff</a>", false},
	{`<a b="<"/>`, false},
	{`<a b=1/>`, false},
	{`<a><b></a></b>`, false},
	{`<a/><b/>`, false},
	{`<!DOCTYPE a><a/>`, false},
	{`<a><![CDATA[x]]></a>`, false},
	{`<?xml version="1.0" encoding="GBK"?><a/>`, false},
	{`<?xml version="1.1"?><a/>`, false},
	{`<a><?pi x?></a>`, false},
	{`<a>`, false},
	{`<a b="1" b="2"/>`, false},
	{`<a><!-- x -- y --></a>`, false},
	{`<é/>`, false},
	{`text<a/>`, false},
}

// TestScannerAgreesWithEncodingXML checks that the scanner refuses what it
// should and, where it accepts, yields what encoding/xml yields.
func TestScannerAgreesWithEncodingXML(t *testing.T) {
	for _, c := range scannerCases {
		if _, ok := scanTokens(c.doc); ok != c.accept {
			t.Errorf("scanner accepts %q: %v, want %v", c.doc, ok, c.accept)
		}
		checkScanner(t, c.doc)
	}
}

// FuzzScanner: whatever the scanner accepts, encoding/xml accepts and reads
// alike. Seeded with the cases above and real parts.
func FuzzScanner(f *testing.F) {
	for _, c := range scannerCases {
		f.Add(c.doc)
	}
	for _, name := range []string{"excelize.xlsx", "libreoffice.xlsx", "openpyxl.xlsx"} {
		for _, p := range openFile(f, filepath.Join(foreignDir, name), nil).parts {
			if len(p.text) < 40<<10 {
				f.Add(p.text)
			}
		}
	}
	f.Fuzz(func(t *testing.T, doc string) {
		checkScanner(t, doc)
	})
}
