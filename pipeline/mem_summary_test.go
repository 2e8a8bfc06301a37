package pipeline

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"countybrief/pipeline/vocab"
)

// TestPackedFilesGiveBackEveryResult: the summary's files, packed while
// the batch runs, come back whole and in order, and the JSON that `run
// --json` prints and the ledger keeps is the same as that of the results
// as added: archive paths sharing nothing, some or all of the path before,
// empty strings, findings on some files only, and results already in Files
// (unpacked twice).
func TestPackedFilesGiveBackEveryResult(t *testing.T) {
	warn := []vocab.Finding{{Rule: "r1", Severity: vocab.Warning, Message: "偏高", Values: map[string]float64{"a": 1}}}
	reject := []vocab.Finding{{Rule: "r2", Severity: vocab.Error, Message: "不符", Cell: "B7"}}
	result := func(i int, archive string) FileResult {
		return FileResult{Name: fmt.Sprintf("報表%d.xlsx", i), Unit: fmt.Sprintf("U%03d", i), Period: "2026-11",
			SHA256: fmt.Sprintf("%064x", i), Status: vocab.FileAccepted, ArchivePath: archive}
	}
	tests := []struct {
		name  string
		first []FileResult // unpacked before the rest is added
		rest  []FileResult
	}{
		{name: "none"},
		{name: "one", rest: []FileResult{result(1, "/ws/archive/accepted/2026-11/U001@a.xlsx")}},
		{name: "prefixes", rest: []FileResult{
			result(1, "/ws/archive/accepted/2026-11/U001@a.xlsx"),
			result(2, "/ws/archive/accepted/2026-11/U001@a.xlsx"), // all of it
			result(3, "/ws/archive/accepted/2026-11/U00"),         // a prefix of the one before
			result(4, "/other/place.xlsx"),                        // nothing
			result(5, ""),
			result(6, "/other/place.xlsx.more"),
		}},
		{name: "findings and returns", rest: []FileResult{
			func() FileResult {
				r := result(1, "/ws/archive/rejected/2026-11/U001@b.xlsx")
				r.Status, r.Findings, r.ReturnPath = vocab.FileRejected, reject, "/ws/outbox/returns/U001/b-審核意見.xlsx"
				return r
			}(),
			result(2, "/ws/archive/accepted/2026-11/U002@c.xlsx"),
			func() FileResult {
				r := result(3, "/ws/archive/accepted/2026-11/U003@d.xlsx")
				r.Findings, r.Recovered = warn, true
				return r
			}(),
			{Status: vocab.FileDuplicate},
		}},
		{name: "unpacked before",
			first: []FileResult{result(1, "/ws/archive/accepted/2026-11/U001@a.xlsx")},
			rest:  []FileResult{result(2, "/ws/archive/accepted/2026-11/U002@a.xlsx")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Summary{Files: []FileResult{}}
			for _, r := range tt.first {
				s.add(r)
			}
			s.unpack()
			for _, r := range tt.rest {
				s.add(r)
			}
			if got, want := s.done(), len(tt.first)+len(tt.rest); got != want {
				t.Errorf("done %d, want %d", got, want)
			}
			s.unpack()
			want := append(append([]FileResult{}, tt.first...), tt.rest...)
			if !reflect.DeepEqual(s.Files, want) {
				t.Errorf("files\n got %+v\nwant %+v", s.Files, want)
			}
			got, _ := json.Marshal(s.Files)
			wantJSON, _ := json.Marshal(want)
			if string(got) != string(wantJSON) {
				t.Errorf("JSON\n got %s\nwant %s", got, wantJSON)
			}
			if s.Accepted+s.Rejected+s.Duplicates != len(want) {
				t.Errorf("counted %d+%d+%d, want %d files", s.Accepted, s.Rejected, s.Duplicates, len(want))
			}
		})
	}
}
