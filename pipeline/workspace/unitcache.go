package workspace

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"hash/crc32"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"countybrief/pipeline/safefile"
)

// A region's registry lists thousands of units, and parsing its YAML was
// most of what a batch with nothing new cost (50 ms at 7,300 units). So a
// registry that loaded without problems is kept in the work folder in a
// plain binary form, under the SHA-256 of the YAML it came from: any edit
// of units.yaml changes the digest and the YAML is parsed and checked
// again. The cache holds its own checksum too, so a damaged cache is
// ignored, never believed: a CRC-32C, as the other work files (over the
// 4.5 MB of a 73,000-unit cache 0.2 ms against a SHA-256's 2.7 ms, medians
// of 15 in one process); the digest of units.yaml stays the key.
//
// Reading and hashing the 9.6 MB of a 73,000-unit units.yaml was itself
// 53 ms of every batch's start, so the cache also keeps the file's stamp
// (device, inode, size, change and modification time) and when it was
// read: while the stamp stays, the file is as it was, and Load takes the
// digest from the cache without reading the YAML. Any write, rename or
// copy over the file sets its change time, which no user can set. As for
// the inbox's quiet folders (package inbox), the stamp is trusted only
// when the change time lay safefile.StampMargin before the read, and
// only on the file systems whose stamps hold (safefile.StampsHold);
// elsewhere, or when in doubt, the YAML is read and hashed as before.
const unitCacheFile = "units.cache"

// unitCacheMagic starts the file; a new layout gets a new magic.
var unitCacheMagic = []byte("countybrief units 5\n")

// fileStamp is what a file's status says about whether its content
// changed; read is when the content the cache came from was read (ns).
type fileStamp struct {
	dev, ino                 uint64
	size, ctime, mtime, read int64
}

// trusted reports whether the stamp stands for the content read.
func (s fileStamp) trusted() bool {
	return s.ino != 0 && s.ctime <= s.read-int64(safefile.StampMargin)
}

// same reports whether the file's stamp now is the one the cache has.
func (s fileStamp) same(now fileStamp) bool {
	now.read = s.read
	return s == now
}

// unitCache is what the cache holds.
type unitCache struct {
	source [sha256.Size]byte // SHA-256 of the YAML the units came from
	stamp  fileStamp         // of that YAML; zero: none
	kinds  []string          // Workspace.Kinds of that YAML
	units  Units
}

// The file: magic, a CRC-32C of everything after it, the YAML's digest,
// its stamp (six 8-byte numbers), then the kinds and the units
// (encodeUnits).
const unitCacheHead = sha256.Size + 6*8

// readUnitCache reads the cache and its head (the YAML's digest and
// stamp), if the cache is whole, and gives the rest undecoded: by the head
// Load knows whether to read and hash units.yaml beside the decoding
// (decodeUnits; 53 and 53 ms of a 73,000-unit batch's start, which done in
// turn kept it on one core).
func readUnitCache(workDir string) (_ unitCache, payload []byte, ok bool) {
	raw, err := os.ReadFile(filepath.Join(workDir, unitCacheFile))
	if err != nil || len(raw) < len(unitCacheMagic)+4+unitCacheHead || !bytes.HasPrefix(raw, unitCacheMagic) {
		return unitCache{}, nil, false
	}
	raw = raw[len(unitCacheMagic):]
	if binary.LittleEndian.Uint32(raw) != payloadSum(raw[4:]) {
		return unitCache{}, nil, false
	}
	raw = raw[4:]
	var c unitCache
	copy(c.source[:], raw)
	n := raw[sha256.Size:]
	u64 := func(i int) uint64 { return binary.LittleEndian.Uint64(n[8*i:]) }
	c.stamp = fileStamp{dev: u64(0), ino: u64(1), size: int64(u64(2)), ctime: int64(u64(3)), mtime: int64(u64(4)), read: int64(u64(5))}
	return c, raw[unitCacheHead:], true
}

// cacheUnits writes the cache for a registry that loaded without
// problems. It is best effort: without a work folder, or when the write
// fails, the next start reads the YAML again.
func cacheUnits(workDir string, c unitCache) {
	if st, err := os.Stat(workDir); err != nil || !st.IsDir() {
		return
	}
	out := append(bytes.Clone(unitCacheMagic), 0, 0, 0, 0)
	out = append(out, c.source[:]...)
	for _, v := range []uint64{c.stamp.dev, c.stamp.ino, uint64(c.stamp.size), uint64(c.stamp.ctime), uint64(c.stamp.mtime), uint64(c.stamp.read)} {
		out = binary.LittleEndian.AppendUint64(out, v)
	}
	out = encodeUnits(out, c.kinds, c.units)
	binary.LittleEndian.PutUint32(out[len(unitCacheMagic):], payloadSum(out[len(unitCacheMagic)+4:]))
	// Unsynced, as the other work files: a cache cut short by a power
	// cut fails its checksum, and costs one reading of the YAML.
	_ = safefile.WriteUnsynced(filepath.Join(workDir, unitCacheFile), func(w io.Writer) error {
		_, err := w.Write(out)
		return err
	})
}

// payloadSum is the cache's checksum of its payload; hash/crc32 makes its
// Castagnoli table once, however often it is asked for.
func payloadSum(payload []byte) uint32 {
	return crc32.Checksum(payload, crc32.MakeTable(crc32.Castagnoli))
}

// encodeUnits appends the kinds and the units to out.
func encodeUnits(out []byte, kinds []string, us Units) []byte {
	out = binary.AppendUvarint(out, uint64(len(kinds)))
	for _, k := range kinds {
		out = binary.AppendUvarint(out, uint64(len(k)))
		out = append(out, k...)
	}
	out = binary.AppendUvarint(out, uint64(len(us)))
	for _, u := range us {
		for _, s := range []string{u.Code, u.Name, u.Kind, u.Contact, u.Phone} {
			out = binary.AppendUvarint(out, uint64(len(s)))
			out = append(out, s...)
		}
		out = binary.AppendVarint(out, int64(u.Members))
		out = binary.AppendUvarint(out, uint64(len(u.Prefill)))
		for _, code := range slices.Sorted(maps.Keys(u.Prefill)) {
			out = binary.AppendUvarint(out, uint64(len(code)))
			out = append(out, code...)
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(u.Prefill[code]))
		}
	}
	return out
}

// decodeUnits reads the cache's payload. Its strings are cut from one
// copy of the payload rather than copied one by one: five strings and a
// code for each of 73,000 units were most of what loading them cost.
// They are then moved to one string of the text alone (compactText).
func decodeUnits(payload []byte) ([]string, Units, bool) {
	b := string(payload)
	uvarint := func() (uint64, bool) {
		v, k := binary.Uvarint([]byte(b[:min(len(b), binary.MaxVarintLen64)]))
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return v, true
	}
	str := func() (string, bool) {
		l, ok := uvarint()
		if !ok || l > uint64(len(b)) {
			return "", false
		}
		s := b[:l]
		b = b[l:]
		return s, true
	}
	nk, ok := uvarint()
	if !ok || nk > uint64(len(b)) {
		return nil, nil, false
	}
	kinds := make([]string, nk)
	for i := range kinds {
		k, ok := str()
		if !ok {
			return nil, nil, false
		}
		kinds[i] = strings.Clone(k)
	}
	n, ok := uvarint()
	if !ok || n > uint64(len(b)) {
		return nil, nil, false
	}
	us := make(Units, n)
	// A map of one figure is some 250 bytes: one made for each of a
	// region's 73,000 units was 18 MB to collect at every start, before
	// resolvePrefill shared them. They are shared as they are read.
	shared := map[onePrefill]map[string]float64{}
	for i := range us {
		for _, s := range []*string{&us[i].Code, &us[i].Name, &us[i].Kind, &us[i].Contact, &us[i].Phone} {
			if *s, ok = str(); !ok {
				return nil, nil, false
			}
		}
		m, k := binary.Varint([]byte(b[:min(len(b), binary.MaxVarintLen64)]))
		if k <= 0 {
			return nil, nil, false
		}
		us[i].Members = int(m)
		b = b[k:]
		n, ok := uvarint()
		if !ok || n > uint64(len(b)) {
			return nil, nil, false
		}
		if n > 1 {
			us[i].Prefill = make(map[string]float64, n)
		}
		for range n {
			code, ok := str()
			if !ok || len(b) < 8 {
				return nil, nil, false
			}
			v := math.Float64frombits(binary.LittleEndian.Uint64([]byte(b[:8])))
			b = b[8:]
			if n > 1 {
				us[i].Prefill[strings.Clone(code)] = v
				continue
			}
			k := onePrefill{code, v}
			m, ok := shared[k]
			if !ok {
				m = map[string]float64{strings.Clone(code): v}
				shared[k] = m
			}
			us[i].Prefill = m
		}
	}
	if len(b) != 0 {
		return nil, nil, false
	}
	compactText(us)
	return kinds, us, true
}

// compactText moves the units' text out of the payload into one string
// of that text alone, each kind once: the payload's lengths, prefill and
// every unit's kind again were kept as long as the registry, 45 bytes a
// unit, 9 MB of a 204,000-unit batch.
func compactText(us Units) {
	n := 0
	for i := range us {
		n += len(us[i].Code) + len(us[i].Name) + len(us[i].Contact) + len(us[i].Phone)
	}
	// The builder grows in place: each string cut from it stays as it
	// was written, since a builder only ever appends.
	var text strings.Builder
	text.Grow(n)
	keep := func(s string) string {
		at := text.Len()
		text.WriteString(s)
		return text.String()[at:]
	}
	kinds := map[string]string{}
	for i := range us {
		u := &us[i]
		u.Code, u.Name, u.Contact, u.Phone = keep(u.Code), keep(u.Name), keep(u.Contact), keep(u.Phone)
		kind, ok := kinds[u.Kind]
		if !ok {
			kind = strings.Clone(u.Kind)
			kinds[kind] = kind
		}
		u.Kind = kind
	}
}
