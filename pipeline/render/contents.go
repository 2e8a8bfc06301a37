package render

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// deflateContents compresses the page contents of a file fpdf wrote
// uncompressed as fpdf compresses them, zlib at its best speed, so that
// the file is byte for byte the one fpdf writes compressing them itself;
// but with one compressor for every page, where fpdf makes a new one, of
// about a megabyte, for each page. The objects after each page's content
// move, and the cross-reference table is written again.
func deflateContents(file []byte) ([]byte, error) {
	x, err := readXref(file)
	if err != nil {
		return nil, err
	}
	var pages []int // offsets of the content objects
	for _, n := range contentObjects(file, x) {
		if n <= 0 || n >= len(x.offsets) {
			return nil, fmt.Errorf("page contents: object %d not in the cross-reference table", n)
		}
		pages = append(pages, x.offsets[n])
	}
	slices.Sort(pages)
	out := make([]byte, 0, len(file))
	var z bytes.Buffer
	zw, err := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	if err != nil {
		return nil, fmt.Errorf("page contents: %w", err)
	}
	// moved[i] is how far the objects after page i's content moved.
	moved := make([]int, len(pages))
	done, shift := 0, 0
	for i, at := range pages {
		if at < done {
			return nil, errors.New("page contents: objects overlap")
		}
		num, data, end, err := plainStream(file, at)
		if err != nil {
			return nil, err
		}
		z.Reset()
		zw.Reset(&z)
		if _, err := zw.Write(data); err != nil {
			return nil, fmt.Errorf("page contents: %w", err)
		}
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("page contents: %w", err)
		}
		out = append(out, file[done:at]...)
		out = append(out, num...)
		out = append(out, " 0 obj\n<</Filter /FlateDecode /Length "...)
		out = strconv.AppendInt(out, int64(z.Len()), 10)
		out = append(out, ">>\nstream\n"...)
		out = append(out, z.Bytes()...)
		shift = len(out) - end
		moved[i] = shift
		done = end
	}
	out = append(out, file[done:x.at]...)
	out = append(out, x.head...)
	for _, off := range x.offsets[1:] {
		k, _ := slices.BinarySearch(pages, off)
		if k > 0 {
			off += moved[k-1]
		}
		out = fmt.Appendf(out, "%010d 00000 n \n", off)
	}
	out = append(out, file[x.entriesEnd:x.startxref]...)
	out = fmt.Appendf(out, "startxref\n%d", x.at+shift)
	return append(out, file[x.tail:]...), nil
}

// xref is fpdf's cross-reference table: every object in use, at offsets[n].
type xref struct {
	at         int    // where the table starts
	head       []byte // "xref\n0 N\n" and the free entry 0
	offsets    []int
	entriesEnd int // where the trailer starts
	startxref  int // where "startxref" is
	tail       int // where what follows its number starts
}

const xrefEntry = 20 // "0000000123 00000 n \n"

func readXref(file []byte) (xref, error) {
	bad := func(what string) (xref, error) { return xref{}, fmt.Errorf("page contents: %s", what) }
	x := xref{startxref: bytes.LastIndex(file, []byte("startxref\n"))}
	if x.startxref < 0 {
		return bad("no startxref")
	}
	num, _, _ := bytes.Cut(file[x.startxref+len("startxref\n"):], []byte("\n"))
	x.tail = x.startxref + len("startxref\n") + len(num)
	at, err := strconv.Atoi(string(num))
	if err != nil || at < 0 || at >= x.startxref {
		return bad("startxref out of the file")
	}
	x.at = at
	rest, ok := bytes.CutPrefix(file[at:x.startxref], []byte("xref\n0 "))
	if !ok {
		return bad("no cross-reference table at startxref")
	}
	count, rest, ok := bytes.Cut(rest, []byte("\n"))
	n, err := strconv.Atoi(string(count))
	if !ok || err != nil || n < 1 || n > len(rest)/xrefEntry {
		return bad("cross-reference table cut short")
	}
	first := x.startxref - len(rest)
	x.head = file[at : first+xrefEntry]
	x.entriesEnd = first + n*xrefEntry
	x.offsets = make([]int, n)
	for i := 1; i < n; i++ {
		e := rest[i*xrefEntry : (i+1)*xrefEntry]
		off, err := strconv.Atoi(string(e[:10]))
		if err != nil || string(e[10:]) != " 00000 n \n" || off < 0 || off >= at {
			return bad(fmt.Sprintf("cross-reference entry %d unreadable", i))
		}
		x.offsets[i] = off
	}
	return x, nil
}

// contentObjects are the numbers of the objects the pages name as their
// /Contents, read in the page objects only: a page's content may hold any
// bytes.
func contentObjects(file []byte, x xref) []int {
	var out []int
	for _, off := range x.offsets[1:] {
		_, obj, ok := object(file[:x.at], off)
		if !ok || !bytes.HasPrefix(obj, []byte("<</Type /Page\n")) {
			continue
		}
		obj, _, _ = bytes.Cut(obj, []byte("endobj"))
		_, ref, ok := bytes.Cut(obj, []byte("/Contents "))
		ref, _, _ = bytes.Cut(ref, []byte(" 0 R"))
		n, err := strconv.Atoi(string(ref))
		if !ok || err != nil {
			n = -1 // refused by the caller
		}
		out = append(out, n)
	}
	return out
}

// plainStream reads the uncompressed stream object at off, as fpdf
// writes it: its number, its data, and where its data ends.
func plainStream(file []byte, off int) (num, data []byte, end int, err error) {
	bad := fmt.Errorf("page contents: object at %d is not a plain stream", off)
	num, rest, ok := object(file, off)
	if rest, ok = bytes.CutPrefix(rest, []byte("<</Length ")); !ok {
		return nil, nil, 0, bad
	}
	length, rest, ok := bytes.Cut(rest, []byte(">>\nstream\n"))
	n, err := strconv.Atoi(string(length))
	if !ok || err != nil || n < 0 || n > len(rest) || !bytes.HasPrefix(rest[n:], []byte("\nendstream\n")) {
		return nil, nil, 0, bad
	}
	start := len(file) - len(rest)
	return num, rest[:n], start + n, nil
}

// object splits the object at off into its number and what follows
// "N 0 obj\n".
func object(file []byte, off int) (num, rest []byte, ok bool) {
	num, rest, ok = bytes.Cut(file[off:], []byte(" 0 obj\n"))
	if !ok || len(num) == 0 || len(num) > 10 || bytes.ContainsFunc(num, func(r rune) bool { return r < '0' || r > '9' }) {
		return nil, nil, false
	}
	return num, rest, true
}
