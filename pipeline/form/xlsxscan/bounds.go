package xlsxscan

import (
	"archive/zip"
	"strings"
	"unicode/utf8"
)

// A few kilobytes of XML can ask a parser for millions of elements or a
// nesting millions deep: excelize took 114 s and 816 MB over one such file
// of 65 KB. The scanner of this package stops at the bounds on its own;
// CheckBounds counts every part the way encoding/xml would see it, so that
// a caller can refuse a file before it reaches excelize.

// CheckBounds checks every part of the zip, one at a time, against the XML
// bounds of lim, and returns a *LimitError for the first part over one. A
// part that fails to unzip is counted as far as it unzipped: excelize
// overlooks a checksum error and parses the text. A part over
// MaxUnzipBytes is not counted, since excelize refuses it for its size
// before parsing it.
func CheckBounds(zr *zip.Reader, lim Limits) error {
	scratch := make([]byte, 32<<10)
	for _, zf := range zr.File {
		if zf.UncompressedSize64 > uint64(lim.MaxUnzipBytes) {
			continue
		}
		text, _ := unzipPart(zf, int64(zf.UncompressedSize64), true, scratch)
		if err := CheckPart(zf.Name, text, lim); err != nil {
			return err
		}
	}
	return nil
}

// CheckPart is CheckBounds for one part already unzipped, name its name.
// It counts the elements of the XML text and how deep they nest, and
// errs on the side of counting more: whatever starts like a tag counts,
// a declaration or comment is passed over to where encoding/xml resumes,
// and an end tag closes one level whether it matches or not. encoding/xml
// stops at the first byte that is not UTF-8, so the count stops there
// too, and an image or other binary part, which breaks UTF-8 within its
// first bytes, costs nothing.
func CheckPart(name, s string, lim Limits) error {
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
				return &LimitError{Bound: BoundDepth, Part: name}
			}
			if elems > lim.MaxElements {
				return &LimitError{Bound: BoundElements, Part: name}
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
