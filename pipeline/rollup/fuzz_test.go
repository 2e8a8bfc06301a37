package rollup

import (
	"testing"

	"countybrief/pipeline/form"
	"countybrief/pipeline/vocab"
)

// FuzzReadReport: no file makes the reader panic or read past its limits,
// and what it returns keeps the Submission's contract: Values and
// Unreadable never share a code, an unreadable value comes with an
// error, and every finding placed on a cell is placed on the data sheet.
func FuzzReadReport(f *testing.F) {
	f.Add(write(f, sample()))
	f.Add(setCells(f, write(f, sample()), map[string]any{"G11": "一百", "B8": "x"}))
	f.Add([]byte("PK\x03\x04"))
	r := NewReader(catalogue(), form.Limits{MaxRows: 200, MaxCells: 2000, MaxUnzipBytes: 1 << 20, MaxElements: 20000})
	f.Fuzz(func(t *testing.T, data []byte) {
		if !IsReport(data) {
			return
		}
		sub, fs := r.ReadBytes("上報.xlsx", data)
		if sub == nil {
			if len(fs) == 0 {
				t.Fatal("nothing read and nothing said")
			}
			return
		}
		for code := range sub.Unreadable {
			if _, ok := sub.Values[code]; ok {
				t.Fatalf("%s both read and unreadable", code)
			}
			if !vocab.HasError(fs) {
				t.Fatalf("%s unreadable without an error", code)
			}
		}
		for _, fd := range fs {
			if fd.Cell != "" && fd.Sheet != Sheet {
				t.Fatalf("finding on %s!%s", fd.Sheet, fd.Cell)
			}
		}
	})
}
