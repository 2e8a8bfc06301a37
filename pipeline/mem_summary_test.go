package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
		{name: "several spilled blocks", rest: manyResults(3*spillBlock/150, reject)},
	}
	for _, tt := range tests {
		for _, spilled := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/spilled=%v", tt.name, spilled), func(t *testing.T) {
				s := &Summary{Files: []FileResult{}}
				if spilled {
					s.taken.spill = openSpill(t.TempDir())
				}
				for _, r := range tt.first {
					s.add(r)
				}
				if err := s.unpack(); err != nil {
					t.Fatal(err)
				}
				if spilled {
					s.taken.spill = openSpill(t.TempDir())
				}
				for _, r := range tt.rest {
					s.add(r)
				}
				if got, want := s.done(), len(tt.first)+len(tt.rest); got != want {
					t.Errorf("done %d, want %d", got, want)
				}
				if spilled && len(tt.rest) > spillBlock/100 && s.taken.spill.size <= int64(len(spillMagic)) {
					t.Errorf("%d results, none spilled", len(tt.rest))
				}
				if err := s.unpack(); err != nil {
					t.Fatal(err)
				}
				checkFiles(t, s, append(append([]FileResult{}, tt.first...), tt.rest...))
			})
		}
	}
}

// manyResults is n results of units in turn, every tenth rejected with
// findings.
func manyResults(n int, findings []vocab.Finding) []FileResult {
	out := make([]FileResult, n)
	for i := range out {
		unit := fmt.Sprintf("C%03dJ%02d", i/60, i%60)
		out[i] = FileResult{Name: unit + "四個一活動統計表.xlsx", Unit: unit, Period: "2008-12", SHA256: fmt.Sprintf("%064x", i),
			Status: vocab.FileAccepted, ArchivePath: "/ws/archive/accepted/2008-12/" + unit + "/" + unit + "四個一活動統計表__20261205T022313Z.xlsx"}
		if i%10 == 9 {
			out[i].Status, out[i].Findings = vocab.FileRejected, findings
			out[i].ReturnPath = "/ws/outbox/returns/" + unit + "/x-審核意見.xlsx"
		}
	}
	return out
}

// checkFiles checks that s lists want, as the same JSON, and counts them.
func checkFiles(t *testing.T, s *Summary, want []FileResult) {
	t.Helper()
	if len(s.Files) != len(want) {
		t.Fatalf("%d files, want %d", len(s.Files), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(s.Files[i], want[i]) {
			t.Fatalf("file %d\n got %+v\nwant %+v", i, s.Files[i], want[i])
		}
	}
	got, _ := json.Marshal(s.Files)
	wantJSON, _ := json.Marshal(want)
	if string(got) != string(wantJSON) {
		t.Errorf("JSON\n got %.300s\nwant %.300s", got, wantJSON)
	}
	if s.Accepted+s.Rejected+s.Duplicates != len(want) {
		t.Errorf("counted %d+%d+%d, want %d files", s.Accepted, s.Rejected, s.Duplicates, len(want))
	}
}

// TestSpillFileFailures: a spill file that cannot be written keeps the
// results in memory, whole and in order; one damaged after it was written
// (a block's bytes, its length, the file cut short) is an error, never a
// wrong list; and the file is gone once the batch has read it back.
func TestSpillFileFailures(t *testing.T) {
	reject := []vocab.Finding{{Rule: "r2", Severity: vocab.Error, Message: "不符", Cell: "B7"}}
	want := manyResults(3*spillBlock/150, reject)
	half := len(want) / 2
	tests := []struct {
		name string
		// spoil acts on the spill file's path once half the results are
		// added; the file is kept under that name for it.
		spoil   func(t *testing.T, s *spillFile, path string)
		wantErr bool
	}{
		{name: "untouched"},
		{name: "writes fail", spoil: func(t *testing.T, s *spillFile, path string) {
			ro, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			s.f.Close()
			s.f = ro
		}},
		{name: "a byte of a block changed", wantErr: true, spoil: func(t *testing.T, s *spillFile, path string) {
			spoilAt(t, path, int64(len(spillMagic))+100)
		}},
		{name: "a block's length changed", wantErr: true, spoil: func(t *testing.T, s *spillFile, path string) {
			spoilAt(t, path, int64(len(spillMagic)))
		}},
		{name: "the magic changed", wantErr: true, spoil: func(t *testing.T, s *spillFile, path string) {
			spoilAt(t, path, 0)
		}},
		{name: "cut short", wantErr: true, spoil: func(t *testing.T, s *spillFile, path string) {
			if err := os.Truncate(path, s.size-10); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), spillName)
			f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(spillMagic); err != nil {
				t.Fatal(err)
			}
			s := &Summary{Files: []FileResult{}}
			s.taken.spill = &spillFile{f: f, path: path, size: int64(len(spillMagic))}
			for i, r := range want {
				if i == half && tt.spoil != nil {
					tt.spoil(t, s.taken.spill, path)
				}
				s.add(r)
			}
			err = s.unpack()
			if tt.wantErr {
				if !errors.Is(err, errDamagedList) {
					t.Fatalf("unpack: %v; want a damaged list", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				checkFiles(t, s, want)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("spill file left behind: %v", err)
			}
		})
	}
}

// spoilAt flips the bits of the byte at off in the file at path.
func spoilAt(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// FuzzDecodeResults: any bytes decode to results or an error, never a
// panic, and results decoded encode again to the same results.
func FuzzDecodeResults(f *testing.F) {
	findings := [][]vocab.Finding{{{Rule: "r", Severity: vocab.Error}}}
	var seed []byte
	prev := "/a/b"
	for _, r := range manyResults(12, findings[0]) {
		k := 0
		if len(r.Findings) > 0 {
			r.Findings, k = findings[0], 1
		}
		seed = appendResult(seed, r, prev, k)
		prev = r.ArchivePath
	}
	f.Add(seed)
	f.Add([]byte{0x02, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, last, err := decodeResults(data, "/a/b", findings, nil)
		if err != nil {
			return
		}
		var again []byte
		prev := "/a/b"
		for _, r := range got {
			k := 0
			if len(r.Findings) > 0 {
				k = 1
			}
			again = appendResult(again, r, prev, k)
			prev = r.ArchivePath
		}
		if len(got) > 0 && last != prev {
			t.Errorf("last archive %q, want %q", last, prev)
		}
		back, _, err := decodeResults(again, "/a/b", findings, nil)
		if err != nil || !reflect.DeepEqual(back, got) {
			t.Errorf("decoded again: %v\n got %+v\nwant %+v", err, back, got)
		}
	})
}

// FuzzSpillReadBack: whatever a spill file holds, reading it back gives
// results or an error, never a panic or an allocation past its blocks'
// bound.
func FuzzSpillReadBack(f *testing.F) {
	s := &Summary{Files: []FileResult{}}
	s.taken.spill = openSpill(f.TempDir())
	for _, r := range manyResults(2*spillBlock/150, nil) {
		s.add(r)
	}
	whole := make([]byte, s.taken.spill.size)
	if _, err := s.taken.spill.f.ReadAt(whole, 0); err != nil {
		f.Fatal(err)
	}
	s.taken.close()
	f.Add(whole[:min(len(whole), 600)])
	f.Add(spillMagic)
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), spillName)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		fl, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer fl.Close()
		sp := &spillFile{f: fl, size: int64(len(data))}
		sp.readBack(nil, nil)
	})
}
