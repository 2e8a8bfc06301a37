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
const unitCacheFile = "units.cache"

// unitCacheMagic starts the file; a new layout gets a new magic.
var unitCacheMagic = []byte("countybrief units 4\n")

// cachedUnits returns the registry cached and the SHA-256 of the YAML
// it came from, if the cache is whole. Load reads the cache while it
// reads and hashes units.yaml, and believes it if the two digests match:
// done in turn, they were 53 and 53 ms of a 73,000-unit batch's start,
// on one core.
func cachedUnits(workDir string) (Units, [sha256.Size]byte, bool) {
	var source [sha256.Size]byte
	raw, err := os.ReadFile(filepath.Join(workDir, unitCacheFile))
	if err != nil {
		return nil, source, false
	}
	head := len(unitCacheMagic) + sha256.Size + 4
	if len(raw) < head || !bytes.HasPrefix(raw, unitCacheMagic) {
		return nil, source, false
	}
	sums, payload := raw[len(unitCacheMagic):head], raw[head:]
	if binary.LittleEndian.Uint32(sums[sha256.Size:]) != payloadSum(payload) {
		return nil, source, false
	}
	copy(source[:], sums)
	us, ok := decodeUnits(payload)
	return us, source, ok
}

// cacheUnits writes the cache for a registry that loaded without
// problems. It is best effort: without a work folder, or when the write
// fails, the next start parses the YAML again.
func cacheUnits(workDir string, source [sha256.Size]byte, us Units) {
	if st, err := os.Stat(workDir); err != nil || !st.IsDir() {
		return
	}
	payload := encodeUnits(us)
	out := binary.LittleEndian.AppendUint32(append(bytes.Clone(unitCacheMagic), source[:]...), payloadSum(payload))
	out = append(out, payload...)
	_ = safefile.WriteFile(filepath.Join(workDir, unitCacheFile), func(w io.Writer) error {
		_, err := w.Write(out)
		return err
	})
}

// payloadSum is the cache's checksum of its payload; hash/crc32 makes its
// Castagnoli table once, however often it is asked for.
func payloadSum(payload []byte) uint32 {
	return crc32.Checksum(payload, crc32.MakeTable(crc32.Castagnoli))
}

func encodeUnits(us Units) []byte {
	out := binary.AppendUvarint(nil, uint64(len(us)))
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
func decodeUnits(payload []byte) (Units, bool) {
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
	n, ok := uvarint()
	if !ok || n > uint64(len(b)) {
		return nil, false
	}
	us := make(Units, n)
	// A map of one figure is some 250 bytes: one made for each of a
	// region's 73,000 units was 18 MB to collect at every start, before
	// resolvePrefill shared them. They are shared as they are read.
	shared := map[onePrefill]map[string]float64{}
	for i := range us {
		for _, s := range []*string{&us[i].Code, &us[i].Name, &us[i].Kind, &us[i].Contact, &us[i].Phone} {
			if *s, ok = str(); !ok {
				return nil, false
			}
		}
		m, k := binary.Varint([]byte(b[:min(len(b), binary.MaxVarintLen64)]))
		if k <= 0 {
			return nil, false
		}
		us[i].Members = int(m)
		b = b[k:]
		n, ok := uvarint()
		if !ok || n > uint64(len(b)) {
			return nil, false
		}
		if n > 1 {
			us[i].Prefill = make(map[string]float64, n)
		}
		for range n {
			code, ok := str()
			if !ok || len(b) < 8 {
				return nil, false
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
		return nil, false
	}
	compactText(us)
	return us, true
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
