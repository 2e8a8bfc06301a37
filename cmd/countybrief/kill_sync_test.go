package main

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/vocab"
)

// TestKillBeforeTheOutputsSync kills a real `countybrief run` once its
// 退回 copies and draft are all written and before the run is completed,
// where the batch makes them durable with one sync, and then does what a
// power cut there may do to files not yet synced: empties every one of
// them. The next batch must write them all again: every 退回 copy and
// note whole, the draft whole with a clean run's totals, every file in
// one place, the run completed.
func TestKillBeforeTheOutputsSync(t *testing.T) {
	bin, template, inputs := killRegion(t)
	clean, _ := cleanRuns(t, bin, template, 1)
	want := totals(t, clean)
	returns := treeFiles(t, filepath.Join(clean, "outbox", "returns"))
	if returns == 0 {
		t.Fatal("a clean run wrote no 退回 copies")
	}
	draft := filepath.Join("outbox", "2008-12", "草稿")
	drafted := entries(filepath.Join(clean, draft))
	if drafted < 4 {
		t.Fatalf("a clean run wrote %d draft files", drafted)
	}
	landed := 0
	for attempt := 0; attempt < 12 && landed < 3; attempt++ {
		ws := copyTree(t, template)
		fired, killed := killWhen(t, bin, ws, inputs, filepath.Join(draft, "匯總表.xlsx"), func(s batchState) bool {
			return s.archived == inputs && s.returns == returns && entries(filepath.Join(ws, draft)) == drafted
		}, 0)
		if !fired || !killed || lastRunStatus(t, ws) == vocab.RunCompleted {
			continue // the batch got past its end first
		}
		landed++
		emptied := 0
		filepath.WalkDir(filepath.Join(ws, "outbox"), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if err := os.Truncate(path, 0); err != nil {
					t.Fatal(err)
				}
				emptied++
			}
			return nil
		})
		if emptied < returns+5 {
			t.Fatalf("the killed batch had written %d outputs, want %d 退回 files and the draft", emptied, returns)
		}
		runCmd(t, bin, "run", "--workspace", ws, "--settle", "0")
		checkOnePlace(t, ws, inputs)
		checkCompleted(t, ws)
		if got := totals(t, ws); !equalTotals(got, want) {
			t.Errorf("attempt %d: totals differ from a clean run", attempt)
		}
		checkOutputsWhole(t, ws)
	}
	if landed == 0 {
		t.Fatal("no kill landed between the outputs' writing and the run's end")
	}
	t.Logf("%d kills landed between the outputs' writing and the run's end", landed)
}

// lastRunStatus is the last run's status in ws's ledger.
func lastRunStatus(t *testing.T, ws string) vocab.RunStatus {
	t.Helper()
	led, err := ledger.Open(context.Background(), filepath.Join(ws, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	run, err := led.LastRun(context.Background())
	if err != nil || run == nil {
		t.Fatalf("last run %v, %v", run, err)
	}
	return run.Status
}

// checkOutputsWhole asserts that every file in the outbox is whole: a
// workbook a zip whose every part matches its checksum, a text valid
// UTF-8 without NULs, a PDF that pdftotext reads.
func checkOutputsWhole(t *testing.T, ws string) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext not found: install the Debian package poppler-utils")
	}
	filepath.WalkDir(filepath.Join(ws, "outbox"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil || len(data) == 0 {
			t.Errorf("%s: empty or unreadable (%v)", path, err)
			return nil
		}
		switch filepath.Ext(path) {
		case ".xlsx":
			if err := zipWhole(data); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		case ".txt":
			if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
				t.Errorf("%s: not whole text", path)
			}
		case ".pdf":
			if out, err := exec.Command("pdftotext", path, "-").Output(); err != nil || len(strings.TrimSpace(string(out))) == 0 {
				t.Errorf("%s: pdftotext: %v", path, err)
			}
		}
		return nil
	})
}

func zipWhole(data []byte) error {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, r)
		r.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
