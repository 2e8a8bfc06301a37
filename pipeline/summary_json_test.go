package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"countybrief/pipeline"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/vocab"
)

// TestWriteJSONMatchesEncoder: run --json streams the summary one file at
// a time; a reader must get the very bytes json.Encoder with two-space
// indentation wrote when the summary was encoded whole.
func TestWriteJSONMatchesEncoder(t *testing.T) {
	file := func(i int) pipeline.FileResult {
		return pipeline.FileResult{
			Name: strings.Repeat("表", i) + "<&>\"quoted\".xlsx", Unit: "J01", Period: "2008-12",
			SHA256: strings.Repeat("ab", 32), Status: vocab.FileAccepted, ArchivePath: "archive/accepted/x",
		}
	}
	rejected := file(3)
	rejected.Status, rejected.ReturnPath, rejected.Recovered = vocab.FileRejected, "outbox/returns/J01/x.xlsx", true
	rejected.Findings = []vocab.Finding{{Rule: "unit.nonnegative", Severity: vocab.Error, Sheet: "表", Cell: "C5",
		Values: map[string]float64{"b": -1, "a": 2}, Message: "不能為負數", Fix: "改正"}}
	base := pipeline.Summary{RunID: 7, Period: "2008-12", Started: time.Date(2026, 12, 5, 1, 2, 3, 4, time.UTC),
		Counts: map[vocab.State]int{"reported": 3}, Missing: []string{"Z01"}, Returned: []string{}, KeptAfterReturn: []string{},
		Unreadable: []string{"inbox/Z02"}, Stages: map[string]float64{"read": 1.5}, Rendered: true, Draft: "outbox/草稿/簡報.pdf"}
	for _, tt := range []struct {
		name  string
		files []pipeline.FileResult
	}{
		{"no files", []pipeline.FileResult{}},
		{"no files, nil list", nil},
		{"one file", []pipeline.FileResult{file(1)}},
		{"files with findings", []pipeline.FileResult{file(1), rejected, file(2)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sum := base
			sum.Files = tt.files
			var streamed bytes.Buffer
			if err := sum.WriteJSON(&streamed); err != nil {
				t.Fatal(err)
			}
			if sum.Files == nil {
				sum.Files = []pipeline.FileResult{} // what a batch's summary holds
			}
			var whole bytes.Buffer
			enc := json.NewEncoder(&whole)
			enc.SetIndent("", "  ")
			if err := enc.Encode(&sum); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(streamed.Bytes(), whole.Bytes()) {
				t.Errorf("WriteJSON wrote\n%s\nwant\n%s", streamed.Bytes(), whole.Bytes())
			}
		})
	}
}

// TestRunRowKeepsNoFileList: the ledger's run row keeps the summary
// without the per-file list (the run's own submission rows are that
// list), so that a region's busy night does not add its whole list to the
// ledger again; the counts and what status reads stay.
func TestRunRowKeepsNoFileList(t *testing.T) {
	ws := county(t, t.TempDir())
	sum := run(t, ws)
	if len(sum.Files) == 0 || sum.Accepted == 0 {
		t.Fatalf("the batch took %d files, accepted %d; want the sample county's", len(sum.Files), sum.Accepted)
	}
	led, err := ledger.Open(context.Background(), ws.LedgerPath())
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	last, err := led.LastRun(context.Background())
	if err != nil || last == nil {
		t.Fatalf("LastRun = %v, %v", last, err)
	}
	var row map[string]json.RawMessage
	if err := json.Unmarshal(last.Summary, &row); err != nil {
		t.Fatal(err)
	}
	if files := string(row["files"]); files != "null" {
		t.Errorf("run row files = %.80s; want null", files)
	}
	var counts struct {
		RunID    int64 `json:"run_id"`
		Accepted int   `json:"accepted"`
		Rejected int   `json:"rejected"`
	}
	if err := json.Unmarshal(last.Summary, &counts); err != nil {
		t.Fatal(err)
	}
	if counts.RunID != sum.RunID || counts.Accepted != sum.Accepted || counts.Rejected != sum.Rejected {
		t.Errorf("run row counts %+v; the batch's run %d accepted %d rejected %d", counts, sum.RunID, sum.Accepted, sum.Rejected)
	}
}

// TestStaleSpillFileIgnored: a batch killed while it took its files can
// leave its spill file of results in work/ (where the system does not let
// an open file be removed); the next batch starts its own, lists exactly
// its own files, and leaves none behind.
func TestStaleSpillFileIgnored(t *testing.T) {
	ws := county(t, t.TempDir())
	if err := os.MkdirAll(ws.WorkDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(ws.WorkDir(), "run-files.tmp")
	if err := os.WriteFile(stale, bytes.Repeat([]byte("countybrief run files 1\n\x05\x00\x00\x00\x00junk"), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := run(t, ws)
	if len(sum.Files) == 0 || len(sum.Files) != sum.Accepted+sum.Rejected+sum.Duplicates {
		t.Fatalf("listed %d files, counted %d+%d+%d", len(sum.Files), sum.Accepted, sum.Rejected, sum.Duplicates)
	}
	for _, f := range sum.Files {
		if f.SHA256 == "" || f.ArchivePath == "" {
			t.Fatalf("file listed without its hash or archive path: %+v", f)
		}
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("spill file left in work/: %v", err)
	}
}

// TestBusyBatchForgetsClaimedSightings: a batch that claimed every ready
// file keeps no sightings of them, so that the next batch does not decode
// a busy night's worth of them again (73,000 made 25 MB).
func TestBusyBatchForgetsClaimedSightings(t *testing.T) {
	ws := county(t, t.TempDir())
	sum := run(t, ws)
	if len(sum.Files) < 10 {
		t.Fatalf("the batch took %d files; want the sample county's", len(sum.Files))
	}
	info, err := os.Stat(filepath.Join(ws.WorkDir(), "inbox-seen.bin"))
	if err != nil {
		t.Fatal(err)
	}
	// A sighting is a path and three numbers: ten would be hundreds of
	// bytes; none is the file's head and checksum.
	if info.Size() > 64 {
		t.Errorf("sightings file of %d bytes after claiming all %d files; want none kept", info.Size(), len(sum.Files))
	}
}

// BenchmarkWriteJSON73000 writes the summary of a 73,000-file batch: the
// garbage it makes is what the collector chases once the batch has given
// back its memory limit.
func BenchmarkWriteJSON73000(b *testing.B) {
	files := make([]pipeline.FileResult, 73000)
	for i := range files {
		files[i] = pipeline.FileResult{Name: "示例2縣縣委辦公室四個一活動統計表.xlsx", Unit: "C002J01", Period: "2008-12",
			SHA256: strings.Repeat("cf", 32), Status: vocab.FileAccepted,
			ArchivePath: "archive/accepted/2008-12/C002J01@示例2縣縣委辦公室四個一活動統計表__20261205T074855Z__cf9d9069.xlsx"}
	}
	sum := pipeline.Summary{Files: files, Missing: []string{}, Returned: []string{}, KeptAfterReturn: []string{}}
	b.ReportAllocs()
	for b.Loop() {
		if err := sum.WriteJSON(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
