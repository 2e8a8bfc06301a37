package xlsxscan

import (
	"archive/zip"
	"encoding/binary"
	"hash/maphash"
	"strings"
	"sync"
)

// Forms filled in from one template share most of their workbook parts
// byte for byte: styles, theme, relationships, content types. A batch of
// thousands of forms would unzip and check the same 30 KB in each. The
// shared-part cache unzips such a part once: archive/zip's verdict on a
// part (its text, or a checksum or size error) depends only on the part's
// name, method, directory checksum and sizes, compressed bytes and the data
// descriptor after them, so a part equal in all of these to one already
// unzipped has the same text and passes the same checks. Everything that
// decides is in the key; nothing is trusted from a file name or a date.
//
// The parts that usually differ from form to form (the sheets, the
// unit's strings, the save time) can be shared too: forms written from one
// catalogue carry the same hidden 表格資訊 sheet. Such a part is taken only
// when its key is met a second time, so that the cache is not filled with
// every unit's figures; seen holds the digests of those met once.
//
// A Cache is safe for concurrent use, and serves Opens with one Limits.
type Cache struct {
	mu    sync.RWMutex
	parts map[string]*sharedPart
	tails map[string]*tailVerdict // by the text of a sheet after its sheetData
	bytes int                     // keys and texts held, bounded by maxSharedBytes
	seed  maphash.Seed
	seen  map[uint64]struct{} // bounded by maxSeen
}

// Bounds of the cache: a few templates' worth. Once full it takes nothing
// more, which only costs speed.
const (
	maxSharedParts = 64
	maxSharedBytes = 4 << 20
	maxSeen        = 4096
	// maxVolatileKey bounds the compressed size of a part that usually
	// differs and is keyed all the same: copying and hashing a large
	// sheet that is never shared would only cost.
	maxVolatileKey = 64 << 10
)

// sharedPart is a part that unzipped cleanly. What the structure of a
// workbook reads from it (whether it is well-formed, its relationships,
// its sheet list) is worked out once, by the first workbook that asks,
// and read, never changed, by the others: a part's name, which is in its
// key, fixes what is asked of it, and the cache serves one Limits.
type sharedPart struct {
	text      string
	checkOnce sync.Once
	wellOK    bool

	strictOnce sync.Once
	isStrict   bool // the text holds strictMark

	parseOnce sync.Once
	rels      []rel   // of a relationships part
	sheets    []sheet // of the workbook part, names and relationship ids
	date1904  bool    // of the workbook part
	parseErr  error
}

// NewCache returns an empty Cache.
func NewCache() *Cache {
	return &Cache{parts: map[string]*sharedPart{}, tails: map[string]*tailVerdict{}, seed: maphash.MakeSeed(), seen: map[uint64]struct{}{}}
}

// A sheet's tail, what follows its sheetData (protection, merged ranges,
// data validations with their messages, page setup), is written from the
// template and is the same in every unit's form: often half the sheet's
// text. What Rows finds in it depends only on that text, the Limits and
// how many elements the sheet has left, so a tail read once is not read
// again: tailVerdict is what Rows found in one that read cleanly. Like a
// volatile part, a tail is kept only when met a second time. The tail
// closes the root, so the verdict holds for a sheet whose root has the
// same name.
type tailVerdict struct {
	root     string   // the qualified name of the sheet's root
	elements int      // elements it holds, counted against MaxElements
	merges   []string // the ref of each mergeCell in it, as Rows keeps them
}

// tail is the verdict on a sheet's tail read before, or nil.
func (c *Cache) tail(text string) *tailVerdict {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tails[text]
}

// putTail remembers the verdict on a tail that read cleanly, from its
// second sighting on; text must be memory the cache may keep (a Scratch's
// is copied).
func (c *Cache) putTail(text string, v tailVerdict) {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteByte(1) // apart from the parts' keys
	h.WriteString(text)
	digest := h.Sum64()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.tails[text]; ok {
		return
	}
	if _, ok := c.seen[digest]; !ok {
		if len(c.seen) < maxSeen {
			c.seen[digest] = struct{}{}
		}
		return
	}
	delete(c.seen, digest)
	size := len(text) + len(v.root)
	for _, m := range v.merges {
		size += len(m)
	}
	if len(c.parts)+len(c.tails) < maxSharedParts && c.bytes+size <= maxSharedBytes {
		v.root = strings.Clone(v.root)
		for i, m := range v.merges {
			v.merges[i] = strings.Clone(m)
		}
		c.tails[strings.Clone(text)] = &v
		c.bytes += size
	}
}

// wellFormed reports wellFormed(text, ns, root, lim) for the part,
// computed once: a part's name fixes ns and root, and the cache serves one
// Limits.
func (p *sharedPart) wellFormed(ns, root string, lim Limits) bool {
	p.checkOnce.Do(func() { p.wellOK = wellFormed(p.text, ns, root, lim) })
	return p.wellOK
}

// strict reports whether the text holds strictMark, looked for once: a
// part every form shares is not searched again for each.
func (p *sharedPart) strict() bool {
	p.strictOnce.Do(func() { p.isStrict = strings.Contains(p.text, strictMark) })
	return p.isStrict
}

// relationships is parseRels(p.text, lim), worked out once.
func (p *sharedPart) relationships(lim Limits) ([]rel, error) {
	p.parseOnce.Do(func() { p.rels, p.parseErr = parseRels(p.text, lim) })
	return p.rels, p.parseErr
}

// workbook is parseWorkbook of the part, worked out once.
func (p *sharedPart) workbook(lim Limits) ([]sheet, bool, error) {
	p.parseOnce.Do(func() { p.sheets, p.date1904, p.parseErr = parseWorkbook(p.text, lim) })
	return p.sheets, p.date1904, p.parseErr
}

// volatile names the parts that usually differ from form to form (the
// figures, the unit's strings, the save time), taken on a second sighting.
func volatile(name string) bool {
	return strings.HasPrefix(name, "xl/worksheets/") || name == "xl/sharedStrings.xml" || name == "docProps/core.xml"
}

// partKey appends to buf everything that decides how zf unzips, or
// returns nil when the part cannot be keyed (its data is not where the
// directory says).
func partKey(buf []byte, zf *zip.File, data []byte) []byte {
	off, err := zf.DataOffset()
	if err != nil {
		return nil
	}
	end := off + int64(zf.CompressedSize64)
	if off < 0 || end < off || end > int64(len(data)) {
		return nil
	}
	descEnd := end
	if zf.Flags&0x8 != 0 {
		// archive/zip reads up to 16 bytes of data descriptor.
		descEnd = min(end+16, int64(len(data)))
	}
	buf = append(buf[:0], zf.Name...)
	buf = append(buf, 0)
	buf = binary.LittleEndian.AppendUint16(buf, zf.Method)
	buf = binary.LittleEndian.AppendUint16(buf, zf.Flags&0x8)
	buf = binary.LittleEndian.AppendUint32(buf, zf.CRC32)
	buf = binary.LittleEndian.AppendUint64(buf, zf.UncompressedSize64)
	buf = binary.LittleEndian.AppendUint64(buf, zf.CompressedSize64)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(descEnd-end))
	return append(buf, data[off:descEnd]...)
}

func (c *Cache) get(key []byte) *sharedPart {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.parts[string(key)]
}

// put remembers a part that unzipped cleanly and returns the entry to use,
// which is the one already there when another workbook got in first. A
// volatile part is remembered only when its key was met before. own says
// that text is memory of its own, else an entry remembered holds a copy;
// the entry of a part not remembered holds text itself.
func (c *Cache) put(key []byte, text string, volatile, own bool) *sharedPart {
	var digest uint64
	if volatile {
		digest = maphash.Bytes(c.seed, key)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.parts[string(key)]; ok {
		return p
	}
	p := &sharedPart{text: text}
	if volatile {
		if _, ok := c.seen[digest]; !ok {
			if len(c.seen) < maxSeen {
				c.seen[digest] = struct{}{}
			}
			return p
		}
		delete(c.seen, digest)
	}
	if len(c.parts)+len(c.tails) < maxSharedParts && c.bytes+len(key)+len(text) <= maxSharedBytes {
		if !own {
			// text is a Scratch's, which the next workbook overwrites.
			p.text = strings.Clone(text)
		}
		c.parts[string(key)] = p
		c.bytes += len(key) + len(text)
	}
	return p
}
