package ledger

import (
	"countybrief/pipeline/vocab"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"testing"
)

func TestAppendValuesMatchesEncodingJSON(t *testing.T) {
	for _, vs := range []map[string]float64{
		{},
		{"zero": 0, "negzero": math.Copysign(0, -1), "big": 1e21, "tenth": 0.1, "cents": 12345.678},
		{"over2p53": 1 << 60, "odd": 9007199254740993, "tiny": 1e-7, "small": 0.000001, "neg": -3.5e-10},
		{"max": math.MaxFloat64, "min": math.SmallestNonzeroFloat64, "almost": 999999999999999999999},
		{"a<b": 1, "é": 2, "tab\t": 3},
		{"nan": math.NaN()},
		{"inf": math.Inf(-1), "ok": 1},
	} {
		want, wantErr := json.Marshal(vs)
		got, err := appendValues(nil, vs, sortedKeys(vs))
		if (err != nil) != (wantErr != nil) || wantErr == nil && string(got) != string(want) {
			t.Errorf("appendValues(%v) = %s, %v; want %s, %v", vs, got, err, want, wantErr)
		}
	}
}

func TestDecodeValues(t *testing.T) {
	var keys []string
	for _, tc := range []struct {
		in   string
		want map[string]float64
		fast bool // read without encoding/json
		bad  bool
	}{
		{in: `{}`, want: map[string]float64{}, fast: true},
		{in: `{"a":0,"b":-0}`, want: map[string]float64{"a": 0, "b": math.Copysign(0, -1)}, fast: true},
		{in: `{"x":1e21,"y":0.1,"z":12345.678}`, want: map[string]float64{"x": 1e21, "y": 0.1, "z": 12345.678}, fast: true},
		{in: `{"p":9007199254740993,"q":1152921504606846976}`, want: map[string]float64{"p": 9007199254740992, "q": 1 << 60}, fast: true},
		{in: `{"e":1E-7,"f":2e+3,"g":12.0}`, want: map[string]float64{"e": 1e-7, "f": 2000, "g": 12}, fast: true},
		{in: `{"d":1,"d":2}`, want: map[string]float64{"d": 2}, fast: true},
		{in: `{"":5}`, want: map[string]float64{"": 5}, fast: true},
		{in: `{ "a" : 1 }`, want: map[string]float64{"a": 1}},
		{in: `{"\u00e9":1}`, want: map[string]float64{"é": 1}},
		{in: `{"é":1}`, want: map[string]float64{"é": 1}},
		{in: `{"a":01}`, bad: true},
		{in: `{"a":+1}`, bad: true},
		{in: `{"a":.5}`, bad: true},
		{in: `{"a":1.}`, bad: true},
		{in: `{"a":0x10}`, bad: true},
		{in: `{"a":Infinity}`, bad: true},
		{in: `{"a":1e400}`, bad: true},
		{in: `{"a":1,}`, bad: true},
		{in: `{"a":"1"}`, bad: true},
		{in: `[1]`, bad: true},
	} {
		// keys carries over from case to case, as from record to record.
		got := map[string]float64{}
		err := decodeValues(tc.in, got, &keys)
		if tc.bad {
			if err == nil {
				t.Errorf("decodeValues(%s) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !sameValues(got, tc.want) {
			t.Errorf("decodeValues(%s) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if fast := decodeFlat(tc.in, map[string]float64{}, nil); fast != tc.fast {
			t.Errorf("decodeFlat(%s) = %v, want %v", tc.in, fast, tc.fast)
		}
	}
}

// sameValues compares bit for bit, so that -0 and 0 differ.
func sameValues(a, b map[string]float64) bool {
	return maps.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

func FuzzDecodeValues(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":0,"b":-0}`, `{"x":1e21,"y":0.1,"z":12345.678}`,
		`{"p":9007199254740993}`, `{"a":01}`, `{"a":1,}`, `{ "a" : 1 }`, `{"a":1e400}`, `{"\u00e9":-1.5E-7}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want := map[string]float64{"pre": 1}
		wantErr := json.Unmarshal(data, &want)
		// Twice with the same keys: the second reuses the first's strings.
		var keys []string
		for range 2 {
			got := map[string]float64{"pre": 1}
			gotErr := decodeValues(string(data), got, &keys)
			if (gotErr != nil) != (wantErr != nil) {
				t.Fatalf("decodeValues(%q) error %v, encoding/json %v", data, gotErr, wantErr)
			}
			if wantErr == nil && !sameValues(got, want) {
				t.Fatalf("decodeValues(%q) = %v, encoding/json %v", data, got, want)
			}
		}
		if wantErr == nil {
			// What the ledger writes reads back bit for bit.
			enc, err := appendValues(nil, want, sortedKeys(want))
			if err != nil {
				t.Fatal(err)
			}
			back := map[string]float64{}
			if err := decodeValues(string(enc), back, nil); err != nil || !sameValues(back, want) {
				t.Fatalf("round trip of %v via %s = %v, %v", want, enc, back, err)
			}
		}
	})
}

// FuzzDecodeRow holds decodeRow to decodeValues: the same figures by
// position, NaN where the object has no such code, the same errors.
func FuzzDecodeRow(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":0,"b":-0}`, `{"b":1e21,"c":0.1,"z":12345.678}`,
		`{"a":01}`, `{"a":1,}`, `{ "a" : 1 }`, `{"a":1,"a":2}`, `{"\u0061":-1.5E-7}`} {
		f.Add([]byte(s))
	}
	codes := []string{"a", "b", "c"}
	pos := map[string]int{"a": 0, "b": 1, "c": 2}
	f.Fuzz(func(t *testing.T, data []byte) {
		want := map[string]float64{}
		wantErr := decodeValues(string(data), want, nil)
		row := []float64{math.NaN(), math.NaN(), math.NaN()}
		gotErr := decodeRow(string(data), pos, row)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("decodeRow(%q) error %v, decodeValues %v", data, gotErr, wantErr)
		}
		if wantErr != nil {
			return
		}
		for i, c := range codes {
			v, ok := want[c]
			if ok != !math.IsNaN(row[i]) || ok && math.Float64bits(v) != math.Float64bits(row[i]) {
				t.Fatalf("decodeRow(%q) = %v, decodeValues %v", data, row, want)
			}
		}
	})
}

// Records of a batch share the sorted codes of the one before when their
// codes are the same; a record with other codes must not be written in the
// previous order.
func TestRecordBatchStoresValuesAsEncodingJSON(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		l, _ := open(t)
		sets := []map[string]float64{
			{"b": 2, "a": 1},
			{"a": 3, "b": 4},
			{"a": 5, "c": 6},
			{"c": 7, "b": 8, "a": 9},
			{"z": 0.1, "y": 1e21, "x": -0.000001},
			nil,
		}
		var rs []Record
		for i, vs := range sets {
			r := sub(fmt.Sprintf("c%d", i), fmt.Sprintf("U%d", i), "2008-12", vocab.FileAccepted, i, 0)
			r.Values = vs
			rs = append(rs, r)
		}
		ids := mustRecord(t, l, rs...)
		for i, id := range ids {
			var got sql.NullString
			if err := l.r.QueryRow(`SELECT values_json FROM submissions WHERE id = ?`, id).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if sets[i] == nil {
				if got.Valid {
					t.Errorf("record %d without values stored %q", i, got.String)
				}
				continue
			}
			want, err := json.Marshal(sets[i])
			if err != nil {
				t.Fatal(err)
			}
			if got.String != string(want) {
				t.Errorf("record %d stored %s, want %s", i, got.String, want)
			}
		}
	})
}
