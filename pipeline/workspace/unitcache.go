package workspace

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"

	"countybrief/pipeline/safefile"
)

// A region's registry lists thousands of units, and parsing its YAML was
// most of what a batch with nothing new cost (50 ms at 7,300 units). So a
// registry that loaded without problems is kept in the work folder in a
// plain binary form, under the SHA-256 of the YAML it came from: any edit
// of units.yaml changes the digest and the YAML is parsed and checked
// again. The cache holds its own checksum too, so a damaged cache is
// ignored, never believed.
const unitCacheFile = "units.cache"

// unitCacheMagic starts the file; a new layout gets a new magic.
var unitCacheMagic = []byte("countybrief units 3\n")

// cachedUnits returns the registry cached for the YAML data, if any.
func cachedUnits(workDir string, data []byte) (Units, bool) {
	raw, err := os.ReadFile(filepath.Join(workDir, unitCacheFile))
	if err != nil {
		return nil, false
	}
	source := sha256.Sum256(data)
	head := len(unitCacheMagic) + 2*sha256.Size
	if len(raw) < head || !bytes.HasPrefix(raw, unitCacheMagic) {
		return nil, false
	}
	sums, payload := raw[len(unitCacheMagic):head], raw[head:]
	if payloadSum := sha256.Sum256(payload); !bytes.Equal(sums[:sha256.Size], source[:]) || !bytes.Equal(sums[sha256.Size:], payloadSum[:]) {
		return nil, false
	}
	return decodeUnits(payload)
}

// cacheUnits writes the cache for a registry that loaded without
// problems. It is best effort: without a work folder, or when the write
// fails, the next start parses the YAML again.
func cacheUnits(workDir string, data []byte, us Units) {
	if st, err := os.Stat(workDir); err != nil || !st.IsDir() {
		return
	}
	payload := encodeUnits(us)
	source, payloadSum := sha256.Sum256(data), sha256.Sum256(payload)
	out := append(append(append(bytes.Clone(unitCacheMagic), source[:]...), payloadSum[:]...), payload...)
	_ = safefile.WriteFile(filepath.Join(workDir, unitCacheFile), func(w io.Writer) error {
		_, err := w.Write(out)
		return err
	})
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

func decodeUnits(b []byte) (Units, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, false
	}
	b = b[k:]
	us := make(Units, n)
	for i := range us {
		for _, s := range []*string{&us[i].Code, &us[i].Name, &us[i].Kind, &us[i].Contact, &us[i].Phone} {
			l, k := binary.Uvarint(b)
			if k <= 0 || l > uint64(len(b)-k) {
				return nil, false
			}
			*s = string(b[k : k+int(l)])
			b = b[k+int(l):]
		}
		m, k := binary.Varint(b)
		if k <= 0 {
			return nil, false
		}
		us[i].Members = int(m)
		b = b[k:]
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)) {
			return nil, false
		}
		b = b[k:]
		if n > 0 {
			us[i].Prefill = make(map[string]float64, n)
		}
		for range n {
			l, k := binary.Uvarint(b)
			if k <= 0 || l > uint64(len(b)-k) || len(b)-k-int(l) < 8 {
				return nil, false
			}
			code := string(b[k : k+int(l)])
			b = b[k+int(l):]
			us[i].Prefill[code] = math.Float64frombits(binary.LittleEndian.Uint64(b))
			b = b[8:]
		}
	}
	return us, len(b) == 0
}
