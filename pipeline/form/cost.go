package form

import (
	"archive/zip"
	"countybrief/pipeline/vocab"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A few kilobytes of XML can ask a parser for millions of elements or a
// nesting millions deep: excelize took 114 s and 816 MB over one such file
// of 65 KB. The fast reader's scanner stops at the bounds of Limits on its
// own; before a file reaches excelize, costOf counts every part the way
// encoding/xml would see it, and a part over a bound rejects the file.

// costProblem is the first bound a part goes over.
type costProblem struct {
	part  string
	depth bool // nesting, else the number of elements
}

func (p *costProblem) finding(lim Limits) vocab.Finding {
	part := clipN(p.part, 40)
	if p.depth {
		return vocab.Finding{
			Rule: RuleLimit, Severity: vocab.Error,
			Message: fmt.Sprintf("文件內部的部件「%s」嵌套超過 %d 層，正常的填報表不會這樣，系統不予讀取。", part, lim.MaxDepth),
			Fix:     "請用本系統下發的空白表格重新填寫；" + fixSendXLSX,
		}
	}
	return vocab.Finding{
		Rule: RuleLimit, Severity: vocab.Error,
		Message: fmt.Sprintf("文件內部的部件「%s」含有超過 %d 個元素，遠多於正常的填報表，系統不予讀取。", part, lim.MaxElements),
		Fix:     "請刪除表格以外多餘的內容；" + fixSendXLSX,
	}
}

// costOf checks every part of the zip, one at a time, against the XML
// bounds of lim. A part that fails to unzip is counted as far as it
// unzipped: excelize overlooks a checksum error and parses the text.
func costOf(zr *zip.Reader, lim Limits) *costProblem {
	scratch := make([]byte, 32<<10)
	for _, zf := range zr.File {
		if zf.UncompressedSize64 > uint64(lim.MaxUnzipBytes) {
			continue // refused for its size before it is parsed
		}
		text, _ := unzipPart(zf, int64(zf.UncompressedSize64), true, scratch)
		if p := xmlCost(text, lim); p != nil {
			p.part = zf.Name
			return p
		}
	}
	return nil
}

// xmlCost counts the elements of an XML text and how deep they nest, and
// errs on the side of counting more: whatever starts like a tag counts,
// a declaration or comment is passed over to where encoding/xml resumes,
// and an end tag closes one level whether it matches or not. encoding/xml
// stops at the first byte that is not UTF-8, so the count stops there
// too, and an image or other binary part, which breaks UTF-8 within its
// first bytes, costs nothing.
func xmlCost(s string, lim Limits) *costProblem {
	s = s[:validPrefix(s)]
	depth, elems := 0, 0
	for i := 0; ; {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 || i+j+1 >= len(s) {
			return nil
		}
		i += j + 1
		switch c := s[i]; {
		case c == '/':
			depth = max(depth-1, 0)
		case c == '?':
			i = skipPast(s, i, "?>")
		case strings.HasPrefix(s[i:], "!--"):
			i = skipPast(s, i, "-->")
		case strings.HasPrefix(s[i:], "![CDATA["):
			i = skipPast(s, i, "]]>")
		case c == '!':
			// A DOCTYPE: what follows its first '>' is counted, which can
			// only count more.
		case c == ':' || c == '_' || 'A' <= c|0x20 && c|0x20 <= 'z' || c >= 0x80:
			elems++
			end, ok := tagEnd(s, i)
			if !ok {
				return nil // encoding/xml stops at the unclosed tag
			}
			if s[end-1] != '/' {
				depth++
			}
			i = end
			if depth > lim.MaxDepth {
				return &costProblem{depth: true}
			}
			if elems > lim.MaxElements {
				return &costProblem{}
			}
		}
	}
}

// skipPast returns where the text after the next sep begins, or the end.
func skipPast(s string, i int, sep string) int {
	if k := strings.Index(s[i:], sep); k >= 0 {
		return i + k + len(sep)
	}
	return len(s)
}

// tagEnd finds the '>' closing a start tag begun at i, passing over quoted
// attribute values, which may hold a '>'.
func tagEnd(s string, i int) (int, bool) {
	for i < len(s) {
		switch s[i] {
		case '>':
			return i, true
		case '"', '\'':
			k := strings.IndexByte(s[i+1:], s[i])
			if k < 0 {
				return 0, false
			}
			i += k + 2
		default:
			i++
		}
	}
	return 0, false
}

// validPrefix is the length of the longest valid UTF-8 prefix of s.
func validPrefix(s string) int {
	if utf8.ValidString(s) {
		return len(s)
	}
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(s)
}
