package ledger

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// A form's values are stored as a flat JSON object of numbers. Reading
// 7,300 of them through encoding/json's reflection was most of what
// Current cost, so the shape the ledger itself writes is read and written
// by hand here; anything else goes through encoding/json, which stays the
// definition of what the column means. BenchmarkDecodeValues7300 weighs
// the decoder against encoding/json, and FuzzDecodeValues holds it to
// encoding/json's answers.

// appendValues appends vs as the JSON encoding/json.Marshal would produce:
// keys sorted, numbers in its format. keys are vs's keys, sorted. Keys that
// JSON would escape, and NaN and infinities (which it refuses), are left to
// encoding/json.
func appendValues(b []byte, vs map[string]float64, keys []string) ([]byte, error) {
	return appendObject(b, vs, keys, func(k string, v float64) bool {
		return plainKey(k) && !math.IsNaN(v) && !math.IsInf(v, 0)
	}, appendNumber)
}

// appendObject appends m, a flat object, as encoding/json.Marshal writes
// it, in the order of keys (m's keys, sorted). When plain says a key or
// value is one encoding/json would escape or refuse, encoding/json writes
// the whole object.
func appendObject[V any](b []byte, m map[string]V, keys []string, plain func(k string, v V) bool, value func([]byte, V) []byte) ([]byte, error) {
	for _, k := range keys {
		if !plain(k, m[k]) {
			j, err := json.Marshal(m)
			return append(b, j...), err
		}
	}
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':')
		b = value(b, m[k])
	}
	return append(b, '}'), nil
}

// plainKey reports whether k is printable ASCII that encoding/json writes
// as is (it escapes <, > and & for HTML).
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendNumber formats f as encoding/json does: the shortest decimal that
// reads back to the same double, in exponent form only for very small or
// large magnitudes, with a one-digit negative exponent unpadded. f is
// finite.
func appendNumber(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// decodeValues adds the object in data to vs, as json.Unmarshal into vs
// would. keys shares key strings between records: every form has the
// same codes in the same (sorted) order, so the key at each position is
// compared with the last record's and reused when equal. It may be nil.
func decodeValues(data string, vs map[string]float64, keys *[]string) error {
	if decodeFlat(data, vs, keys) {
		return nil
	}
	return json.Unmarshal([]byte(data), &vs)
}

// decodeFlat decodes {"key":number,...} without whitespace, escapes or
// non-ASCII keys, the form appendValues and SQLite's json_group_object
// write. It reports false, having added nothing, for anything else.
func decodeFlat(data string, vs map[string]float64, keys *[]string) bool {
	var buf [40]pair
	pairs, ok := scanFlat(data, buf[:0])
	if !ok {
		return false
	}
	for j, p := range pairs {
		if keys != nil && j < len(*keys) && (*keys)[j] == p.key {
			vs[(*keys)[j]] = p.val
			continue
		}
		// A copy, so that the map does not keep the whole text alive.
		k := strings.Clone(p.key)
		switch {
		case keys == nil:
		case j < len(*keys):
			(*keys)[j] = k
		default:
			*keys = append(*keys, k)
		}
		vs[k] = p.val
	}
	return true
}

// decodeRow sets row[pos[key]] for each key of the object in data, as
// decodeValues would add it to a map; a key not in pos is left out.
// Nothing of the text is kept, so no key is copied.
func decodeRow(data string, pos map[string]int, row []float64) error {
	var buf [40]pair
	pairs, ok := scanFlat(data, buf[:0])
	if !ok {
		vs := map[string]float64{}
		if err := json.Unmarshal([]byte(data), &vs); err != nil {
			return err
		}
		pairs = pairs[:0]
		for k, v := range vs {
			pairs = append(pairs, pair{k, v})
		}
	}
	for _, p := range pairs {
		if i, ok := pos[p.key]; ok {
			row[i] = p.val
		}
	}
	return nil
}

type pair struct {
	key string
	val float64
}

// scanFlat appends the pairs of the flat object in data to pairs, the
// keys slices of data; false for anything decodeFlat does not take.
func scanFlat(data string, pairs []pair) ([]pair, bool) {
	if len(data) < 2 || data[0] != '{' || data[len(data)-1] != '}' {
		return nil, false
	}
	body := data[1 : len(data)-1]
	for i := 0; i < len(body); {
		if len(pairs) > 0 {
			if body[i] != ',' {
				return nil, false
			}
			i++
		}
		if i >= len(body) || body[i] != '"' {
			return nil, false
		}
		i++
		start := i
		for i < len(body) && body[i] != '"' {
			if c := body[i]; c < 0x20 || c > 0x7e || c == '\\' {
				return nil, false
			}
			i++
		}
		if i+1 >= len(body) || body[i+1] != ':' {
			return nil, false
		}
		key := body[start:i]
		i += 2
		n := numberLen(body[i:])
		if n == 0 {
			return nil, false
		}
		f, err := strconv.ParseFloat(body[i:i+n], 64)
		if err != nil {
			return nil, false
		}
		pairs = append(pairs, pair{key, f})
		i += n
	}
	return pairs, true
}

// numberLen returns the length of the JSON number at the start of b, or 0
// if b does not start with one that ends where a value must (at a comma or
// the end). JSON's grammar is stricter than strconv.ParseFloat's (no
// leading +, no leading zeros, no hex, inf or underscores).
func numberLen(b string) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return 0
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return 0
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return 0
		}
		i = j
	}
	if i < len(b) && b[i] != ',' {
		return 0
	}
	return i
}

func digits(b string, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}
