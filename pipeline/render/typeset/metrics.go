package typeset

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/image/math/fixed"
)

// The character map and the advances are read here straight from the
// tables, where asking sfnt for each of the 65,536 characters and each of
// tens of thousands of glyphs cost some 20 ms a process over the faces
// found. Both give what sfnt's GlyphIndex and GlyphAdvance give (a test
// compares them on every face found); a character map laid out in a way
// this reading does not cover is left to sfnt.

func u16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func u32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// advances are the advance widths of the face's glyphs at 1000 ppem, as
// sfnt scales them. sfnt has checked the tables' sizes while parsing.
func advances(fr *faceReader, numGlyphs int) ([]fixed.Int26_6, error) {
	var head, hhea [2]byte
	if err := fr.readTable("head", head[:], 18); err != nil {
		return nil, err
	}
	if err := fr.readTable("hhea", hhea[:], 34); err != nil {
		return nil, err
	}
	upem, nhm := fixed.Int26_6(u16(head[:])), int(u16(hhea[:]))
	hmtx := fr.held["hmtx"]
	if upem == 0 || nhm == 0 || len(hmtx) < 4*nhm {
		return nil, fmt.Errorf("hmtx: %d metrics in %d bytes", nhm, len(hmtx))
	}
	adv := make([]fixed.Int26_6, numGlyphs)
	for g := range adv {
		a := fixed.Int26_6(u16(hmtx[4*min(g, nhm-1):]))
		// sfnt's scale: rounded half away from zero; advances are unsigned.
		adv[g] = (a*fixed.I(1000) + upem/2) / upem
	}
	return adv, nil
}

// readTable reads len(p) bytes at off in the face's table tag.
func (fr *faceReader) readTable(tag string, p []byte, off int64) error {
	for _, t := range fr.l.tables {
		if t.tag == tag {
			if off+int64(len(p)) > t.size {
				return fmt.Errorf("table %q: truncated", tag)
			}
			return readFull(fr.file, p, t.src+off)
		}
	}
	return fmt.Errorf("no %q table", tag)
}

// bmpGlyphs fills gids with the glyph of each character of the BMP from
// the subtable sfnt chooses, when that is a format 4 or 12 subtable with
// its segments in order; it reports false, touching nothing, otherwise.
func bmpGlyphs(cmap []byte, numGlyphs int, gids *[0x10000]uint16) bool {
	if len(cmap) < 4 {
		return false
	}
	n := int(u16(cmap[2:]))
	if len(cmap) < 4+8*n {
		return false
	}
	// sfnt takes the widest supported encoding, the first of equals.
	bestWidth, best := 0, -1
	for i := range n {
		rec := cmap[4+8*i:]
		w := encodingWidth(u16(rec), u16(rec[2:]))
		if w <= bestWidth {
			continue
		}
		off := int(u32(rec[4:]))
		if off < 0 || off+4 > len(cmap) {
			return false
		}
		switch f := u16(cmap[off:]); {
		case f == 0 && u16(rec) == 1 && u16(rec[2:]) == 0, f == 4, f == 6, f == 12:
			bestWidth, best = w, off
		}
	}
	if best < 0 {
		return false
	}
	switch u16(cmap[best:]) {
	case 4:
		return format4(cmap, best, numGlyphs, gids)
	case 12:
		return format12(cmap, best, numGlyphs, gids)
	}
	return false
}

// encodingWidth is sfnt's platformEncodingWidth.
func encodingWidth(pid, psid uint16) int {
	switch {
	case pid == 0 && psid == 3, pid == 3 && (psid == 0 || psid == 1):
		return 2
	case pid == 0 && psid == 4, pid == 3 && psid == 10:
		return 4
	case pid == 1 && psid == 0:
		return 1
	}
	return 0
}

// format4 walks the segments in order; sfnt's binary search finds the
// same segment for each character when they are sorted and apart. Like
// sfnt, a glyph from the index array takes no delta.
func format4(cmap []byte, off, numGlyphs int, gids *[0x10000]uint16) bool {
	if off+14 > len(cmap) {
		return false
	}
	seg := int(u16(cmap[off+6:]))
	if seg&1 != 0 {
		return false
	}
	seg /= 2
	base := off + 14 // endCode[seg], pad, startCode[seg], idDelta[seg], idRangeOffset[seg]
	indexes := base + 8*seg + 2
	if indexes > len(cmap) {
		return false
	}
	at := func(array, i int) uint16 { return u16(cmap[base+2*(array*seg+i)+2*min(array, 1):]) }
	prevEnd := -1
	for h := range seg {
		end, start := int(at(0, h)), int(at(1, h))
		if start > end || start <= prevEnd {
			return false
		}
		prevEnd = end
	}
	var out [0x10000]uint16
	for h := range seg {
		end, start, delta, ro := at(0, h), at(1, h), at(2, h), int(at(3, h))
		for c := int(start); c <= int(end); c++ {
			var g uint16
			if ro == 0 {
				g = uint16(c) + delta
			} else {
				o := ro + 2*(h-seg+c-int(start))
				if o < 0 || o+2 > len(cmap)-indexes {
					continue
				}
				g = u16(cmap[indexes+o:])
			}
			if int(g) < numGlyphs {
				out[c] = g
			}
		}
	}
	*gids = out
	return true
}

func format12(cmap []byte, off, numGlyphs int, gids *[0x10000]uint16) bool {
	if off+16 > len(cmap) {
		return false
	}
	groups := int(u32(cmap[off+12:]))
	if groups < 0 || off+16+12*groups > len(cmap) {
		return false
	}
	var out [0x10000]uint16
	prevEnd := int64(-1)
	for i := range groups {
		p := cmap[off+16+12*i:]
		start, end, first := int64(u32(p)), int64(u32(p[4:])), u32(p[8:])
		if start > end || start <= prevEnd {
			return false
		}
		prevEnd = end
		for c := start; c <= min(end, 0xFFFF); c++ {
			if g := uint16(uint32(c-start) + first); int(g) < numGlyphs {
				out[c] = g
			}
		}
	}
	*gids = out
	return true
}
