package typeset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"sync"
)

// outlines is what a face needs to be embedded: the tables fpdf reads,
// read once, and the outlines of the glyphs drawn so far, each read once.
type outlines struct {
	once   sync.Once
	err    error
	tables map[string][]byte // as in the face, but post cut to its header
	loca   []uint32          // glyph offsets in glyf, one past the last too
	glyf   int64             // where glyf starts in the font file
	// longMetrics is how many glyphs have an advance of their own in hmtx.
	longMetrics int
	mu          sync.Mutex
	glyphs      map[uint16][]byte
}

// embedTables are the tables fpdf reads to measure and subset a TrueType
// face, as the face has them; cmap, glyf, hmtx, loca, and post are written
// anew, head, hhea and maxp patched.
var embedTables = []string{"OS/2", "cvt ", "fpgm", "gasp", "head", "hhea", "hmtx", "maxp", "name", "post", "prep"}

// Subset is the face as a TrueType file that holds runes and nothing
// else: their glyphs, the glyphs those are built from and .notdef,
// renumbered in the face's order, with the face's outlines and metrics.
// fpdf parses a whole font for every document it is added to, so what it
// gets is a few kilobytes, not the face's megabytes.
func (f *Face) Subset(runes []rune) ([]byte, error) {
	o := &f.out
	o.once.Do(func() { o.err = f.readTables() })
	if o.err != nil {
		return nil, o.err
	}
	want := map[uint16]bool{0: true}
	var mapped []rune
	for _, r := range runes {
		if f.Has(r) {
			want[f.gids[r]] = true
			mapped = append(mapped, r)
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := f.readGlyphs(want); err != nil {
		return nil, err
	}
	gids := make([]uint16, 0, len(want))
	for g := range want {
		gids = append(gids, g)
	}
	slices.Sort(gids)
	renum := make(map[uint16]uint16, len(gids))
	for i, g := range gids {
		renum[g] = uint16(i)
	}
	cmap, err := charMap(mapped, func(r rune) uint16 { return renum[f.gids[r]] })
	if err != nil {
		return nil, fmt.Errorf("font %s: %w", f.Path, err)
	}
	be := binary.BigEndian
	n := len(gids)
	loca := make([]byte, 4*(n+1))
	hmtx := make([]byte, 4*n)
	size := 0
	for _, g := range gids {
		size += (len(o.glyphs[g]) + 3) &^ 3
	}
	glyf := make([]byte, 0, size)
	for i, g := range gids {
		be.PutUint32(loca[4*i:], uint32(len(glyf)))
		adv, lsb := o.metrics(g)
		be.PutUint16(hmtx[4*i:], adv)
		be.PutUint16(hmtx[4*i+2:], lsb)
		start := len(glyf)
		glyf = append(glyf, o.glyphs[g]...)
		for _, p := range components(o.glyphs[g]) {
			be.PutUint16(glyf[start+p:], renum[be.Uint16(glyf[start+p:])])
		}
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
	}
	be.PutUint32(loca[4*n:], uint32(len(glyf)))
	tables := map[string][]byte{"cmap": cmap, "glyf": glyf, "hmtx": hmtx, "loca": loca}
	for tag, data := range o.tables {
		switch tag {
		case "hmtx":
		case "hhea":
			data = slices.Clone(data)
			be.PutUint16(data[34:], uint16(n))
			tables[tag] = data
		case "maxp":
			data = slices.Clone(data)
			be.PutUint16(data[4:], uint16(n))
			tables[tag] = data
		default:
			tables[tag] = data
		}
	}
	return assemble(tables), nil
}

// metrics are the advance width and left side bearing of glyph g, in font
// units: glyphs past the long metrics share the last advance.
func (o *outlines) metrics(g uint16) (adv, lsb uint16) {
	be := binary.BigEndian
	if int(g) < o.longMetrics {
		return be.Uint16(o.tables["hmtx"][4*int(g):]), be.Uint16(o.tables["hmtx"][4*int(g)+2:])
	}
	last := 4 * (o.longMetrics - 1)
	return be.Uint16(o.tables["hmtx"][last:]), be.Uint16(o.tables["hmtx"][4*o.longMetrics+2*(int(g)-o.longMetrics):])
}

// charMap is a cmap table mapping runes to the glyphs gid gives: one
// format 4 subtable for Windows Unicode, the one fpdf reads.
func charMap(runes []rune, gid func(rune) uint16) ([]byte, error) {
	slices.Sort(runes)
	runes = slices.Compact(runes)
	type segment struct{ start, end, delta uint16 }
	var segs []segment
	for _, r := range runes {
		c, g := uint16(r), gid(r)
		if n := len(segs); n > 0 && segs[n-1].end+1 == c && segs[n-1].delta == g-c {
			segs[n-1].end = c
			continue
		}
		segs = append(segs, segment{c, c, g - c})
	}
	// The table ends with the segment for U+FFFF, mapped to .notdef.
	if len(runes) == 0 || runes[len(runes)-1] != 0xFFFF {
		segs = append(segs, segment{0xFFFF, 0xFFFF, 1})
	}
	n := len(segs)
	length := 16 + 8*n
	if length > 0xFFFF {
		return nil, fmt.Errorf("%d characters too scattered for one character map", len(runes))
	}
	out := make([]byte, 12+length)
	be := binary.BigEndian
	be.PutUint16(out[2:], 1)  // one subtable
	be.PutUint16(out[4:], 3)  // Windows
	be.PutUint16(out[6:], 1)  // Unicode BMP
	be.PutUint32(out[8:], 12) // at 12
	sub := out[12:]
	be.PutUint16(sub, 4)
	be.PutUint16(sub[2:], uint16(length))
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	be.PutUint16(sub[6:], uint16(2*n))
	be.PutUint16(sub[8:], uint16(2<<es))
	be.PutUint16(sub[10:], uint16(es))
	be.PutUint16(sub[12:], uint16(2*n-2<<es))
	for i, sg := range segs {
		be.PutUint16(sub[14+2*i:], sg.end)
		be.PutUint16(sub[16+2*n+2*i:], sg.start)
		be.PutUint16(sub[16+4*n+2*i:], sg.delta)
		// idRangeOffset stays 0: every glyph is rune plus delta.
	}
	return out, nil
}

// readTables reads the tables fpdf needs and the glyph offsets.
func (f *Face) readTables() error {
	file, l, err := f.open()
	if err != nil {
		return err
	}
	defer file.Close()
	o := &f.out
	o.tables = map[string][]byte{}
	o.glyphs = map[uint16][]byte{}
	var loca, glyf table
	for _, t := range l.tables {
		switch {
		case t.tag == "loca":
			loca = t
			continue
		case t.tag == "glyf":
			glyf = t
			continue
		case !slices.Contains(embedTables, t.tag):
			continue
		}
		data := make([]byte, t.size)
		if err := readFull(file, data, t.src); err != nil {
			return fmt.Errorf("font %s: read table %q: %w", f.Path, t.tag, err)
		}
		o.tables[t.tag] = data
	}
	head := o.tables["head"]
	if len(head) < 54 {
		return fmt.Errorf("font %s: head table: truncated", f.Path)
	}
	if post := o.tables["post"]; len(post) >= 32 {
		// fpdf reads only the header; version 3 says there are no glyph
		// names, which for a CJK face are most of the table.
		post = slices.Clone(post[:32])
		binary.BigEndian.PutUint32(post, 0x00030000)
		o.tables["post"] = post
	}
	o.tables["name"] = coreNames(o.tables["name"])
	hhea, maxp := o.tables["hhea"], o.tables["maxp"]
	if len(hhea) < 36 || len(maxp) < 6 {
		return fmt.Errorf("font %s: hhea or maxp table: truncated", f.Path)
	}
	o.longMetrics = int(binary.BigEndian.Uint16(hhea[34:]))
	if o.longMetrics == 0 || o.longMetrics > f.glyphs || len(o.tables["hmtx"]) < 4*o.longMetrics+2*(f.glyphs-o.longMetrics) {
		return fmt.Errorf("font %s: hmtx table: too short for %d glyphs", f.Path, f.glyphs)
	}
	long := binary.BigEndian.Uint16(head[50:]) != 0
	n := f.glyphs + 1
	size := int64(2 * n)
	if long {
		size = int64(4 * n)
	}
	if loca.size < size {
		return fmt.Errorf("font %s: loca table: %d glyphs need %d bytes, have %d", f.Path, f.glyphs, size, loca.size)
	}
	raw := make([]byte, size)
	if err := readFull(file, raw, loca.src); err != nil {
		return fmt.Errorf("font %s: read table \"loca\": %w", f.Path, err)
	}
	o.loca = make([]uint32, n)
	for i := range o.loca {
		if long {
			o.loca[i] = binary.BigEndian.Uint32(raw[4*i:])
		} else {
			o.loca[i] = 2 * uint32(binary.BigEndian.Uint16(raw[2*i:]))
		}
		if o.loca[i] > uint32(glyf.size) || i > 0 && o.loca[i] < o.loca[i-1] {
			return fmt.Errorf("font %s: loca table: glyph %d out of order or beyond glyf", f.Path, i)
		}
	}
	o.glyf = glyf.src
	// The subset's loca has 4-byte offsets, so the header says so.
	head = slices.Clone(head)
	binary.BigEndian.PutUint16(head[50:], 1)
	o.tables["head"] = head
	return nil
}

// coreNamesMax is the last name ID a subset keeps: copyright, family,
// style, unique and full names, version, PostScript name and trademark.
// What follows (maker, designer, addresses, the licence's text, often in
// several languages) was up to 43 KB of a subset that every PDF
// compresses, and no reader of a PDF looks at an embedded face's names.
const coreNamesMax = 7

// coreNames is a name table of format 0 with the records of data up to
// coreNamesMax that it can read, in their order; with none when data is
// no name table. It is written afresh, so that fpdf, which reads every
// record, never meets a damaged one.
func coreNames(data []byte) []byte {
	be := binary.BigEndian
	type record struct {
		head []byte // platform, encoding, language, name ID
		text []byte
	}
	var recs []record
	size := 6
	if len(data) >= 6 {
		format, count, start := be.Uint16(data), int(be.Uint16(data[2:])), int(be.Uint16(data[4:]))
		for i := 0; i < count && 6+12*(i+1) <= len(data); i++ {
			r := data[6+12*i:]
			lang, id := be.Uint16(r[4:]), be.Uint16(r[6:])
			n, off := int(be.Uint16(r[8:])), start+int(be.Uint16(r[10:]))
			// Format 1's language tags are not kept, so neither are the
			// records that name one.
			if id > coreNamesMax || format == 1 && lang >= 0x8000 || off+n > len(data) {
				continue
			}
			recs = append(recs, record{r[:8], data[off : off+n]})
			size += 12 + n
		}
	}
	out := make([]byte, 6+12*len(recs), size)
	be.PutUint16(out[2:], uint16(len(recs)))
	be.PutUint16(out[4:], uint16(len(out)))
	at := 0
	for i, r := range recs {
		e := out[6+12*i:]
		copy(e, r.head)
		be.PutUint16(e[8:], uint16(len(r.text)))
		be.PutUint16(e[10:], uint16(at))
		at += len(r.text)
	}
	for _, r := range recs {
		out = append(out, r.text...)
	}
	return out
}

// readGlyphs reads the outlines of the wanted glyphs not read before, and
// adds to want the glyphs a composite glyph is built from.
func (f *Face) readGlyphs(want map[uint16]bool) error {
	o := &f.out
	queue := make([]uint16, 0, len(want))
	for g := range want {
		queue = append(queue, g)
	}
	sort.Slice(queue, func(i, j int) bool { return queue[i] < queue[j] })
	var file *os.File
	defer func() {
		if file != nil {
			file.Close()
		}
	}()
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		data, ok := o.glyphs[g]
		if !ok {
			if int(g)+1 >= len(o.loca) {
				return fmt.Errorf("font %s: glyph %d beyond the font", f.Path, g)
			}
			if file == nil {
				var err error
				if file, _, err = f.open(); err != nil {
					return err
				}
			}
			data = make([]byte, o.loca[g+1]-o.loca[g])
			if err := readFull(file, data, o.glyf+int64(o.loca[g])); err != nil {
				return fmt.Errorf("font %s: glyph %d: %w", f.Path, g, err)
			}
			o.glyphs[g] = data
		}
		for _, p := range components(data) {
			if c := binary.BigEndian.Uint16(data[p:]); !want[c] {
				want[c] = true
				queue = append(queue, c)
			}
		}
	}
	return nil
}

// errFontChanged says a font file was replaced while the process ran: its
// glyph offsets no longer hold.
var errFontChanged = errors.New("font file changed since it was loaded; restart countybrief")

// open opens the face's file, checking it is the one the face was found in.
func (f *Face) open() (*os.File, *layout, error) {
	file, err := os.Open(f.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("read font: %w", err)
	}
	st, err := file.Stat()
	if err == nil && (st.Size() != f.file.size || !st.ModTime().Equal(f.file.modTime)) {
		err = errFontChanged
	}
	var l *layout
	if err == nil {
		l, err = readLayout(file, st.Size(), f.Index)
	}
	if err != nil {
		file.Close()
		return nil, nil, fmt.Errorf("font %s: %w", f.Path, err)
	}
	return file, l, nil
}

// Composite glyph flags (TrueType glyf table).
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
)

// components lists where in a composite glyph the numbers of the glyphs
// it is built from are; none for a simple or empty glyph, and as many as
// can be read of a damaged one.
func components(data []byte) []int {
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return nil
	}
	var out []int
	for p := 10; p+4 <= len(data); {
		flags := binary.BigEndian.Uint16(data[p:])
		out = append(out, p+2)
		p += 4
		if flags&argsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&haveTwoByTwo != 0:
			p += 8
		}
		if flags&moreComponents == 0 {
			break
		}
	}
	return out
}

// assemble writes tables as a TrueType file, sorted by tag, each 4-byte
// aligned, with their checksums.
func assemble(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	size := 12 + 16*len(tables)
	for tag, data := range tables {
		tags = append(tags, tag)
		size += (len(data) + 3) &^ 3
	}
	sort.Strings(tags)
	out := make([]byte, 12, size)
	n := len(tags)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	binary.BigEndian.PutUint16(out[6:], uint16(16<<es))
	binary.BigEndian.PutUint16(out[8:], uint16(es))
	binary.BigEndian.PutUint16(out[10:], uint16(16*n-16<<es))
	out = out[:12+16*n]
	pos := len(out)
	for i, tag := range tags {
		data := tables[tag]
		rec := out[12+16*i:]
		copy(rec, tag)
		binary.BigEndian.PutUint32(rec[4:], checksum(data))
		binary.BigEndian.PutUint32(rec[8:], uint32(pos))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(data)))
		pos += (len(data) + 3) &^ 3
	}
	for _, tag := range tags {
		out = append(out, tables[tag]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

func checksum(data []byte) uint32 {
	var sum uint32
	for i := 0; i < len(data); i += 4 {
		var w [4]byte
		copy(w[:], data[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}

// inkX is the left and right edge of r's ink in ems, from its glyph's
// bounding box; ok is false when the face lacks r or its outline cannot
// be read.
func (f *Face) inkX(r rune) (left, right float64, ok bool) {
	if !f.Has(r) {
		return 0, 0, false
	}
	o := &f.out
	o.once.Do(func() { o.err = f.readTables() })
	if o.err != nil {
		return 0, 0, false
	}
	g := f.gids[r]
	o.mu.Lock()
	err := f.readGlyphs(map[uint16]bool{g: true})
	data := o.glyphs[g]
	o.mu.Unlock()
	upem := float64(binary.BigEndian.Uint16(o.tables["head"][18:]))
	if err != nil || len(data) < 10 || upem == 0 {
		return 0, 0, false
	}
	xMin, xMax := int16(binary.BigEndian.Uint16(data[2:])), int16(binary.BigEndian.Uint16(data[6:]))
	return float64(xMin) / upem, float64(xMax) / upem, true
}
