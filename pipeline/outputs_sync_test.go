package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"countybrief/pipeline"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// syncNow is the clock of these tests: the draft is dated by it, and a
// batch drafts again on a new day.
func syncNow() time.Time { return time.Date(2008, 12, 20, 9, 0, 0, 0, time.UTC) }

// outputs lists the files under the outbox (the 退回 copies and the
// draft), relative to it.
func outboxFiles(t *testing.T, ws *workspace.Workspace) []string {
	t.Helper()
	var out []string
	for _, p := range listFiles(t, ws.OutboxDir()) {
		rel, _ := filepath.Rel(ws.OutboxDir(), p)
		out = append(out, rel)
	}
	slices.Sort(out)
	return out
}

func readOrNil(path string) []byte {
	data, _ := os.ReadFile(path)
	return data
}

// resendRejected puts a copy of a rejected file of the county back in its
// unit's folder under a new name: judged again, rejected again, it gets
// new 退回 copies.
func resendRejected(t *testing.T, ws *workspace.Workspace) {
	t.Helper()
	rejected, _ := filepath.Glob(filepath.Join(ws.ArchiveDir(), "rejected", ws.Config.Period, "*@*.xlsx"))
	if len(rejected) == 0 {
		t.Fatal("no rejected file in the archive")
	}
	unit, _, _ := strings.Cut(filepath.Base(rejected[0]), "@")
	data, err := os.ReadFile(rejected[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws.InboxDir(), unit, "再報.xlsx"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The 退回 copies and the draft a batch writes are synced once, after
// they are all written and before anything vouches for them: the run is
// still running in the ledger and draft.inputs is the one the batch
// found. A batch that writes nothing syncs nothing.
func TestOutputsAreSyncedBeforeTheyAreVouchedFor(t *testing.T) {
	ws := county(t, t.TempDir())
	note := filepath.Join(ws.WorkDir(), "draft.inputs")
	ctx := context.Background()
	var pdf string
	for _, step := range []struct {
		name   string
		do     func()
		redraw bool
	}{
		{"cold batch", func() {}, true},
		{"nothing new", func() {}, false},
		{"a rejected file sent again", func() { resendRejected(t, ws) }, true},
		{"the clerk deleted the draft's PDF", func() {
			if err := os.Remove(pdf); err != nil {
				t.Fatal(err)
			}
		}, true},
	} {
		step.do()
		before := outboxFiles(t, ws)
		noteBefore := readOrNil(note)
		var synced [][]string
		opts := pipeline.Options{Now: syncNow}
		pipeline.WithBeforeSync(&opts, func(files []string) error {
			synced = append(synced, files)
			led, err := ledger.Open(ctx, ws.LedgerPath())
			if err != nil {
				return err
			}
			defer led.Close()
			run, err := led.LastRun(ctx)
			if err != nil {
				return err
			}
			if run.Status != vocab.RunRunning {
				t.Errorf("%s: the run is %s before its outputs are synced", step.name, run.Status)
			}
			if got := readOrNil(note); !bytes.Equal(got, noteBefore) {
				t.Errorf("%s: draft.inputs written before the draft is synced", step.name)
			}
			for _, f := range files {
				if info, err := os.Stat(f); err != nil || info.Size() == 0 {
					t.Errorf("%s: %s listed for the sync but not written (%v)", step.name, f, err)
				}
			}
			return nil
		})
		sum, err := pipeline.Run(ctx, ws, opts)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		pdf = sum.Draft
		if len(synced) != 1 {
			t.Fatalf("%s: %d syncs, want 1", step.name, len(synced))
		}
		if sum.Rendered != step.redraw {
			t.Errorf("%s: drafted %v, want %v", step.name, sum.Rendered, step.redraw)
		}
		// Every output the batch wrote, and only those, was synced:
		// the outputs new or changed since the batch began.
		var want []string
		for _, rel := range outboxFiles(t, ws) {
			p := filepath.Join(ws.OutboxDir(), rel)
			if !slices.Contains(before, rel) || step.redraw && isDraft(sum, p) {
				want = append(want, p)
			}
		}
		got := slices.Clone(synced[0])
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: synced %q, want %q", step.name, got, want)
		}
		if step.redraw && bytes.Equal(readOrNil(note), noteBefore) {
			t.Errorf("%s: the draft was made but draft.inputs not written after the sync", step.name)
		}
		led, err := ledger.Open(ctx, ws.LedgerPath())
		if err != nil {
			t.Fatal(err)
		}
		run, err := led.LastRun(ctx)
		led.Close()
		if err != nil || run.Status != vocab.RunCompleted {
			t.Errorf("%s: run %v, %v; want completed", step.name, run, err)
		}
	}
}

func isDraft(sum *pipeline.Summary, path string) bool {
	return slices.Contains([]string{sum.Draft, sum.DraftText, sum.TotalsWorkbook, sum.AuditReport, sum.ChaseList}, path)
}

// errPowerCut is what the sync hook returns to end a batch where a power
// cut would.
var errPowerCut = errors.New("power cut before the sync")

// A batch that dies after writing its outputs and before their one sync
// (a power cut) may leave each of them missing, empty, cut short, or its
// full size in zeros. The next batch writes every 退回 copy and the draft
// again, as a clean batch writes them, also when the draft.inputs of the
// batch before would otherwise vouch for the draft (the clerk had
// deleted the PDF, and nothing else changed).
func TestACrashBeforeTheSyncIsRepaired(t *testing.T) {
	ref := county(t, t.TempDir())
	if _, err := pipeline.Run(context.Background(), ref, pipeline.Options{Now: syncNow}); err != nil {
		t.Fatal(err)
	}
	want := outboxFiles(t, ref)
	damages := []struct {
		name string
		do   func(path string) error
	}{
		{"missing", os.Remove},
		{"empty", func(p string) error { return os.Truncate(p, 0) }},
		{"cut short", func(p string) error {
			info, err := os.Stat(p)
			if err != nil {
				return err
			}
			return os.Truncate(p, info.Size()/2)
		}},
		{"zeros", func(p string) error {
			info, err := os.Stat(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, make([]byte, info.Size()), 0o644)
		}},
	}
	scenarios := []struct {
		name string
		// before prepares the county for the batch that crashes.
		before func(t *testing.T, ws *workspace.Workspace)
	}{
		{"cold batch", func(*testing.T, *workspace.Workspace) {}},
		{"the draft made again with nothing new", func(t *testing.T, ws *workspace.Workspace) {
			sum, err := pipeline.Run(context.Background(), ws, pipeline.Options{Now: syncNow})
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(sum.Draft); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, sc := range scenarios {
		for _, dm := range damages {
			t.Run(sc.name+"/"+dm.name, func(t *testing.T) {
				ws := county(t, t.TempDir())
				sc.before(t, ws)
				opts := pipeline.Options{Now: syncNow}
				damaged := 0
				pipeline.WithBeforeSync(&opts, func(files []string) error {
					for _, f := range files {
						if err := dm.do(f); err != nil {
							return err
						}
						damaged++
					}
					return errPowerCut
				})
				if _, err := pipeline.Run(context.Background(), ws, opts); !errors.Is(err, errPowerCut) {
					t.Fatalf("the batch cut before its sync returned %v", err)
				}
				if damaged == 0 {
					t.Fatal("the batch cut before its sync had written nothing: the test proves nothing")
				}
				if _, err := pipeline.Run(context.Background(), ws, pipeline.Options{Now: syncNow}); err != nil {
					t.Fatal(err)
				}
				if got := outboxFiles(t, ws); !slices.Equal(got, want) {
					t.Fatalf("outbox after the repair:\n%q\nwant\n%q", got, want)
				}
				for _, rel := range want {
					if got, ref := readOrNil(filepath.Join(ws.OutboxDir(), rel)), readOrNil(filepath.Join(ref.OutboxDir(), rel)); !bytes.Equal(got, ref) {
						t.Errorf("%s differs from a clean batch's (%d bytes, want %d)", rel, len(got), len(ref))
					}
				}
			})
		}
	}
}
