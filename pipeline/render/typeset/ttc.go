package typeset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// ErrNotTrueType is returned for fonts fpdf cannot embed: CFF outlines
// (.otf with a CFF table) and anything that is not an sfnt at all.
var ErrNotTrueType = errors.New("not a TrueType font")

// IsCollection reports whether data is a TrueType collection (.ttc).
func IsCollection(data []byte) bool {
	return len(data) >= 12 && string(data[:4]) == "ttcf"
}

// ExtractFace copies face index of a TrueType collection into a standalone
// TrueType file: the face's tables, each 4-byte aligned, behind a rewritten
// table directory. Tables shared with other faces are copied. A plain
// TrueType file is returned unchanged for index 0.
func ExtractFace(data []byte, index int) ([]byte, error) {
	if !IsCollection(data) {
		if index != 0 {
			return nil, fmt.Errorf("face %d: not a collection", index)
		}
		return data, checkTrueType(data, 0)
	}
	count := int(binary.BigEndian.Uint32(data[8:12]))
	if index < 0 || index >= count {
		return nil, fmt.Errorf("face %d: collection has %d faces", index, count)
	}
	if 12+4*count > len(data) {
		return nil, fmt.Errorf("collection header: truncated")
	}
	off := int(binary.BigEndian.Uint32(data[12+4*index:]))
	if err := checkTrueType(data, off); err != nil {
		return nil, err
	}
	numTables := int(binary.BigEndian.Uint16(data[off+4:]))
	type record struct {
		tag             string
		sum, off, size  uint32
		newOff, padSize int
	}
	recs := make([]record, numTables)
	for i := range recs {
		p := off + 12 + 16*i
		recs[i] = record{
			tag:  string(data[p : p+4]),
			sum:  binary.BigEndian.Uint32(data[p+4:]),
			off:  binary.BigEndian.Uint32(data[p+8:]),
			size: binary.BigEndian.Uint32(data[p+12:]),
		}
		if uint64(recs[i].off)+uint64(recs[i].size) > uint64(len(data)) {
			return nil, fmt.Errorf("face %d table %q: beyond the end of the file", index, recs[i].tag)
		}
	}
	// The directory must be sorted by tag; keep the collection's order but
	// make sure.
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].tag < recs[j].tag })
	pos := 12 + 16*numTables
	for i := range recs {
		recs[i].newOff = pos
		recs[i].padSize = (int(recs[i].size) + 3) &^ 3
		pos += recs[i].padSize
	}
	out := make([]byte, pos)
	copy(out[:12], data[off:off+12])
	for i, r := range recs {
		p := 12 + 16*i
		copy(out[p:p+4], r.tag)
		binary.BigEndian.PutUint32(out[p+4:], r.sum)
		binary.BigEndian.PutUint32(out[p+8:], uint32(r.newOff))
		binary.BigEndian.PutUint32(out[p+12:], r.size)
		copy(out[r.newOff:], data[r.off:r.off+r.size])
	}
	return out, nil
}

// checkTrueType checks the table directory at off: an sfnt with glyf
// outlines, which is all fpdf can embed.
func checkTrueType(data []byte, off int) error {
	if off < 0 || off+12 > len(data) {
		return fmt.Errorf("table directory: truncated")
	}
	switch v := binary.BigEndian.Uint32(data[off:]); v {
	case 0x00010000, 0x74727565: // 1.0 or 'true'
	case 0x4F54544F: // 'OTTO'
		return fmt.Errorf("%w: CFF outlines (OpenType .otf)", ErrNotTrueType)
	default:
		return fmt.Errorf("%w: version %#x", ErrNotTrueType, v)
	}
	numTables := int(binary.BigEndian.Uint16(data[off+4:]))
	if off+12+16*numTables > len(data) {
		return fmt.Errorf("table directory: truncated")
	}
	for i := 0; i < numTables; i++ {
		if string(data[off+12+16*i:off+16+16*i]) == "glyf" {
			return nil
		}
	}
	return fmt.Errorf("%w: no glyf table", ErrNotTrueType)
}
