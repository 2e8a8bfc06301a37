//go:build linux

package pipeline_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"countybrief/pipeline"
	"countybrief/pipeline/internal/testuser"
	"countybrief/pipeline/vocab"
)

// One file nobody may open and one unit folder nobody may list must not
// stop the county: the file is rejected saying why, the folder is named,
// and every other unit is processed and the briefing made. (Run as an
// ordinary user: root reads everything.)
func TestUnreadableFileAndFolderDoNotStopTheCounty(t *testing.T) {
	if !testuser.Nobody(t) {
		return
	}
	ws := county(t, t.TempDir())
	files, _ := filepath.Glob(filepath.Join(ws.InboxDir(), "J05", "*.xlsx"))
	if len(files) != 1 {
		t.Fatalf("J05 has %d files", len(files))
	}
	locked := files[0]
	testuser.Chmod(t, locked, 0)
	testuser.Chmod(t, filepath.Join(ws.InboxDir(), "J06"), 0)
	sum := run(t, ws)
	res := result(t, sum, filepath.Base(locked))
	if res.Status != vocab.FileRejected || !hasRule(res.Findings, "inbox.unreadable") || res.Unit != "J05" {
		t.Errorf("unreadable file: %s under %s with %v; want rejected under J05 by inbox.unreadable", res.Status, res.Unit, res.Findings)
	}
	if !fileExists(res.ArchivePath) || res.ReturnPath == "" {
		t.Errorf("unreadable file: archived at %q, 退回 at %q; want both", res.ArchivePath, res.ReturnPath)
	}
	if !slices.Contains(sum.Unreadable, "inbox/J06") {
		t.Errorf("summary names unreadable %v; want inbox/J06", sum.Unreadable)
	}
	if !sum.Rendered || !fileExists(sum.Draft) {
		t.Error("no briefing made")
	}
	// 73 units, one folder unread and one file unreadable; the sample's
	// faults leave every other unit with an accepted file.
	if sum.Reported != len(ws.Units)-2 {
		t.Errorf("%d units reported; want %d", sum.Reported, len(ws.Units)-2)
	}
	rep, err := pipeline.Status(t.Context(), ws, ws.Config.Period, ws.Config.DeadlineTime())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rep.Unreadable, "inbox/J06") {
		t.Errorf("status names unreadable %v; want inbox/J06", rep.Unreadable)
	}
}

// An empty file is rejected as empty at once (settle time 0 here; twice
// the settle time otherwise), not waited for night after night.
func TestEmptyFileIsRejected(t *testing.T) {
	ws := county(t, t.TempDir())
	empty := filepath.Join(ws.InboxDir(), "J07", "空白.xlsx")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := run(t, ws)
	res := result(t, sum, "空白.xlsx")
	if res.Status != vocab.FileRejected || !hasRule(res.Findings, "inbox.empty") {
		t.Errorf("empty file: %s with %v; want rejected by inbox.empty", res.Status, res.Findings)
	}
	if sum.Waiting != 0 {
		t.Errorf("%d files waiting; want none", sum.Waiting)
	}
}
