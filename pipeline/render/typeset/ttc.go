package typeset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
)

// ErrNotTrueType is returned for fonts fpdf cannot embed: CFF outlines
// (.otf with a CFF table) and anything that is not an sfnt at all.
var ErrNotTrueType = errors.New("not a TrueType font")

// A layout describes one face of a font file as a standalone TrueType
// file, without copying its tables, so that a face of a large collection
// can be looked at through a few small reads. sfnt refuses the Debian
// collections as they are (their tables are not 4-byte aligned), so a
// collection's face is laid out afresh.
type layout struct {
	collection bool
	dir        []byte // offset table and table directory, as rewritten
	tables     []table
	size       int64 // of the standalone file
}

// A table of the face: where it is in the font file and where it goes in
// the standalone one.
type table struct {
	tag      string
	src, dst int64
	size     int64
}

// readLayout reads the table directory of face index of the font in r
// (size bytes). A plain TrueType file keeps its own offsets; the tables of
// a collection's face are laid out afresh, 4-byte aligned, sorted by tag.
func readLayout(r io.ReaderAt, size int64, index int) (*layout, error) {
	var head [12]byte
	if size < 12 || readFull(r, head[:4], 0) != nil || string(head[:4]) != "ttcf" {
		if index != 0 {
			return nil, fmt.Errorf("face %d: not a collection", index)
		}
		return readDirectory(r, size, 0, false)
	}
	if err := readFull(r, head[:], 0); err != nil {
		return nil, fmt.Errorf("read font header: %w", err)
	}
	count := int64(binary.BigEndian.Uint32(head[8:12]))
	if index < 0 || int64(index) >= count {
		return nil, fmt.Errorf("face %d: collection has %d faces", index, count)
	}
	if 12+4*count > size {
		return nil, fmt.Errorf("collection header: truncated")
	}
	var o [4]byte
	if err := readFull(r, o[:], 12+4*int64(index)); err != nil {
		return nil, fmt.Errorf("read collection header: %w", err)
	}
	return readDirectory(r, size, int64(binary.BigEndian.Uint32(o[:])), true)
}

// readDirectory reads the table directory at off: an sfnt with glyf
// outlines, which is all fpdf can embed.
func readDirectory(r io.ReaderAt, size, off int64, collection bool) (*layout, error) {
	if off+12 > size {
		return nil, fmt.Errorf("table directory: truncated")
	}
	var head [12]byte
	if err := readFull(r, head[:], off); err != nil {
		return nil, fmt.Errorf("read table directory: %w", err)
	}
	if err := checkVersion(head[:]); err != nil {
		return nil, err
	}
	numTables := int64(binary.BigEndian.Uint16(head[4:]))
	if off+12+16*numTables > size {
		return nil, fmt.Errorf("table directory: truncated")
	}
	recs := make([]byte, 16*numTables)
	if err := readFull(r, recs, off+12); err != nil {
		return nil, fmt.Errorf("read table directory: %w", err)
	}
	l := &layout{collection: collection, tables: make([]table, numTables)}
	glyf := false
	for i := range l.tables {
		p := recs[16*i:]
		t := table{
			tag:  string(p[:4]),
			src:  int64(binary.BigEndian.Uint32(p[8:])),
			size: int64(binary.BigEndian.Uint32(p[12:])),
		}
		if t.src+t.size > size {
			return nil, fmt.Errorf("table %q: beyond the end of the file", t.tag)
		}
		glyf = glyf || t.tag == "glyf"
		t.dst = t.src
		l.tables[i] = t
	}
	if !glyf {
		return nil, fmt.Errorf("%w: no glyf table", ErrNotTrueType)
	}
	if !collection {
		l.dir = append(head[:], recs...)
		l.size = size
		return l, nil
	}
	// The directory must be sorted by tag; keep the collection's order but
	// make sure.
	sum := make(map[string][]byte, numTables)
	for i, t := range l.tables {
		sum[t.tag] = recs[16*i+4 : 16*i+8]
	}
	sort.SliceStable(l.tables, func(i, j int) bool { return l.tables[i].tag < l.tables[j].tag })
	pos := 12 + 16*numTables
	l.dir = make([]byte, pos)
	copy(l.dir, head[:])
	for i := range l.tables {
		t := &l.tables[i]
		t.dst = pos
		pos += (t.size + 3) &^ 3
		p := l.dir[12+16*i:]
		copy(p[:4], t.tag)
		copy(p[4:8], sum[t.tag])
		binary.BigEndian.PutUint32(p[8:], uint32(t.dst))
		binary.BigEndian.PutUint32(p[12:], uint32(t.size))
	}
	l.size = pos
	return l, nil
}

// checkVersion checks the sfnt version of an offset table.
func checkVersion(head []byte) error {
	switch v := binary.BigEndian.Uint32(head); v {
	case 0x00010000, 0x74727565: // 1.0 or 'true'
		return nil
	case 0x4F54544F: // 'OTTO'
		return fmt.Errorf("%w: CFF outlines (OpenType .otf)", ErrNotTrueType)
	default:
		return fmt.Errorf("%w: version %#x", ErrNotTrueType, v)
	}
}

// find is the table whose bytes in the standalone file, padding included,
// hold off.
func (l *layout) find(off int64) (table, bool) {
	for _, t := range l.tables {
		if off >= t.dst && off < t.dst+((t.size+3)&^3) {
			return t, true
		}
	}
	return table{}, false
}

func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}
