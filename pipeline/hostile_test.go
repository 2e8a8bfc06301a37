package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline"
	"countybrief/pipeline/demo"
	"countybrief/pipeline/form"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// Attacks by a hostile unit, a careless operator and a failing disk. Each
// test builds the sample county, attacks it, and checks that no file was
// lost, no path escaped the workspace and no unit's figures were touched
// by another.

// county builds the sample county in dir without running a batch.
func county(t *testing.T, dir string) *workspace.Workspace {
	t.Helper()
	ws, _, err := demo.Build(dir, demo.Options{Seed: 1, Init: pipeline.Init})
	if err != nil {
		t.Fatal(err)
	}
	ws.Config.SettleSeconds = 0
	return ws
}

func run(t *testing.T, ws *workspace.Workspace) *pipeline.Summary {
	t.Helper()
	sum, err := pipeline.Run(context.Background(), ws, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// forge writes a form for unit u that claims the identity id, with u's
// own good figures, at path.
func forge(t *testing.T, ws *workspace.Workspace, u workspace.Unit, id form.Identity, path string) {
	t.Helper()
	good, _ := filepath.Glob(filepath.Join(ws.InboxDir(), u.Code, u.Name+"*.xlsx"))
	if len(good) == 0 {
		good, _ = filepath.Glob(filepath.Join(ws.ArchiveDir(), "accepted", "*", u.Code+"@*.xlsx"))
	}
	if len(good) == 0 {
		t.Fatalf("no form of %s to copy figures from", u.Code)
	}
	sub, _, err := form.NewReader(ws.Catalogue, form.DefaultLimits()).Read(good[0])
	if err != nil || sub == nil {
		t.Fatalf("read %s: %v", good[0], err)
	}
	var buf bytes.Buffer
	if err := form.WriteFilled(&buf, ws.Catalogue, u, ws.Config.Period, id, sub.Values); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func result(t *testing.T, sum *pipeline.Summary, name string) pipeline.FileResult {
	t.Helper()
	for _, f := range sum.Files {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no result for %s among %d files", name, len(sum.Files))
	return pipeline.FileResult{}
}

// A unit code written into a form never becomes a path: the 退回 copy of a
// top-level file whose code cell climbs out of the workspace stays inside
// it, and the ledger records the file under no unit.
func TestCodeCellNeverBecomesAPath(t *testing.T) {
	for _, code := range []string{"../../../../escaped", "..", "/tmp/escaped-abs", "J03/../../../escaped", "J03\x00x"} {
		for _, trust := range []bool{false, true} {
			t.Run(code, func(t *testing.T) {
				root := t.TempDir()
				ws := county(t, filepath.Join(root, "a", "b", "ws"))
				ws.Config.MatchTopLevelByCode = trust
				u, _ := ws.Unit("J03")
				forge(t, ws, u, form.Identity{UnitCode: code, UnitName: u.Name, Period: ws.Config.Period}, filepath.Join(ws.InboxDir(), "偽造.xlsx"))
				sum := run(t, ws)
				res := result(t, sum, "偽造.xlsx")
				if res.Status != vocab.FileRejected || res.Unit != "_unknown" {
					t.Errorf("forged file: status %s unit %q; want rejected under _unknown", res.Status, res.Unit)
				}
				for _, p := range []string{res.ArchivePath, res.ReturnPath} {
					if !inside(t, ws.Dir, p) {
						t.Errorf("%s is outside the workspace", p)
					}
				}
				err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
					if err != nil {
						return err
					}
					if p == ws.Dir {
						return filepath.SkipDir
					}
					if !d.IsDir() || strings.Contains(d.Name(), "escaped") {
						t.Errorf("written outside the workspace: %s", p)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat("/tmp/escaped-abs"); err == nil {
					t.Error("written to /tmp/escaped-abs")
				}
			})
		}
	}
}

func inside(t *testing.T, dir, p string) bool {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs(dir)
	return strings.HasPrefix(abs, root+string(filepath.Separator))
}

// By default a form at the top of the inbox speaks for nobody: a forged
// form naming another unit is rejected and that unit's figures stand.
func TestTopLevelFormCannotReplaceAUnit(t *testing.T) {
	ws := county(t, t.TempDir())
	first := run(t, ws)
	u, _ := ws.Unit("J05")
	forged := filepath.Join(ws.InboxDir(), "縣財政局報表.xlsx")
	forge(t, ws, u, form.Identity{UnitCode: u.Code, UnitName: u.Name, Period: ws.Config.Period}, forged)
	sum := run(t, ws)
	res := result(t, sum, "縣財政局報表.xlsx")
	if res.Status != vocab.FileRejected || res.Unit != "_unknown" || !hasRule(res.Findings, "inbox.identity") {
		t.Errorf("top-level form: %s under %q with %v; want rejected under _unknown by inbox.identity", res.Status, res.Unit, res.Findings)
	}
	if sum.Reported != first.Reported {
		t.Errorf("reported %d units after the forged form, %d before", sum.Reported, first.Reported)
	}
	note, err := os.ReadFile(strings.TrimSuffix(res.ReturnPath, ".xlsx") + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(note), "收件箱頂層") {
		t.Errorf("note for a top-level file begins %q; want it addressed to 收件箱頂層", strings.SplitN(string(note), "\n", 2)[0])
	}
}

// A copy of unit A's accepted file dropped into unit B's folder is B's
// submission: judged (and rejected) as B's, not filed as A's duplicate.
func TestCopyInAnotherUnitsFolderIsThatUnitsFile(t *testing.T) {
	ws := county(t, t.TempDir())
	run(t, ws)
	accepted, _ := filepath.Glob(filepath.Join(ws.ArchiveDir(), "accepted", ws.Config.Period, "J01@*.xlsx"))
	if len(accepted) != 1 {
		t.Fatalf("J01 has %d accepted files; want 1", len(accepted))
	}
	data, err := os.ReadFile(accepted[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws.InboxDir(), "J02", "抄來的.xlsx"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := run(t, ws)
	res := result(t, sum, "抄來的.xlsx")
	if res.Status != vocab.FileRejected || res.Unit != "J02" || !hasRule(res.Findings, "inbox.identity") {
		t.Fatalf("copy in J02's folder: %s under %q; want rejected under J02 by inbox.identity", res.Status, res.Unit)
	}
	if !strings.Contains(res.ReturnPath, filepath.Join("returns", "J02")) {
		t.Errorf("退回 copy at %s; want it in J02's returns", res.ReturnPath)
	}
	rep, err := pipeline.Status(context.Background(), ws, ws.Config.Period, ws.Config.DeadlineTime())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]vocab.State{"J01": vocab.Accepted, "J02": vocab.AcceptedLatestReturned}
	total := 0
	for _, u := range rep.Units {
		if w, ok := want[u.Code]; ok && u.State != w {
			t.Errorf("%s is %s; want %s", u.Code, u.State, w)
		}
	}
	for _, n := range rep.Counts {
		total += n
	}
	if total != len(ws.Units) {
		t.Errorf("states count %d units; the registry has %d", total, len(ws.Units))
	}
}

// A resend of a rejected file is judged again (the rule may have been
// fixed since); a resend of an accepted file is a duplicate.
func TestResendsOfRejectedAndAcceptedFiles(t *testing.T) {
	ws := county(t, t.TempDir())
	run(t, ws)
	for _, tt := range []struct{ folder, glob string }{
		{"rejected", "初稿-*.xlsx"},
		{"accepted", "縣*.xlsx"},
	} {
		files, _ := filepath.Glob(filepath.Join(ws.ArchiveDir(), tt.folder, ws.Config.Period, "J03@"+tt.glob))
		if len(files) != 1 {
			t.Fatalf("%s J03 files %s: %d; want 1", tt.folder, tt.glob, len(files))
		}
		data, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ws.InboxDir(), "J03", tt.folder+"-再報.xlsx"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum := run(t, ws)
	for _, tt := range []struct {
		name string
		want vocab.FileStatus
	}{{"rejected-再報.xlsx", vocab.FileRejected}, {"accepted-再報.xlsx", vocab.FileDuplicate}} {
		res := result(t, sum, tt.name)
		if res.Status != tt.want {
			t.Errorf("%s: %s; want %s", tt.name, res.Status, tt.want)
		}
		if tt.want == vocab.FileRejected && (res.ReturnPath == "" || !fileExists(res.ReturnPath)) {
			t.Errorf("%s: judged again but no 退回 copy", tt.name)
		}
	}
}

// A batch that dies after archiving a group but before writing its 退回
// copies (here: the outbox cannot take them) leaves them to the next
// batch, which writes every missing copy and removes temporary files.
func TestNextBatchWritesLostReturns(t *testing.T) {
	ws := county(t, t.TempDir())
	returns := filepath.Join(ws.OutboxDir(), "returns")
	if err := os.MkdirAll(ws.OutboxDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(returns, []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Run(context.Background(), ws, pipeline.Options{}); err == nil {
		t.Fatal("a batch whose 退回 copies cannot be written succeeded")
	}
	rejected, _ := filepath.Glob(filepath.Join(ws.ArchiveDir(), "rejected", ws.Config.Period, "*@*.xlsx"))
	if len(rejected) == 0 {
		t.Fatal("the failed batch archived no rejected file; the test proves nothing")
	}
	leftover := filepath.Join(ws.OutboxDir(), ".簡報第1期.pdf.123.tmp")
	if err := os.Remove(returns); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(leftover, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, ws)
	for _, f := range rejected {
		unit, name, _ := strings.Cut(filepath.Base(f), "@")
		stem := strings.TrimSuffix(name, ".xlsx")
		for _, ext := range []string{".xlsx", ".txt"} {
			if p := filepath.Join(returns, unit, stem+"-審核意見"+ext); !fileExists(p) {
				t.Errorf("退回 %s missing after the next batch", p)
			}
		}
	}
	if fileExists(leftover) {
		t.Error("temporary file left in the outbox")
	}
}

// A stop request while files are being taken ends the batch cleanly:
// every claimed file is finished (recorded, archived), the rest waits in
// the inbox, nothing stays in work/claimed. The stop comes once the first
// group is done, when the second is being read and the third claimed, so
// the inbox holds four groups.
func TestStopFinishesClaimedFiles(t *testing.T) {
	ws, _, err := demo.Build(t.TempDir(), demo.Options{Seed: 1, Units: 1000, Init: pipeline.Init})
	if err != nil {
		t.Fatal(err)
	}
	ws.Config.SettleSeconds = 0
	before := len(listFiles(t, ws.InboxDir()))
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	sum, err := pipeline.Run(ctx, ws, pipeline.Options{Progress: func(done, total int) { stop() }})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Stopped {
		t.Error("summary does not say the batch was stopped")
	}
	left := len(listFiles(t, ws.InboxDir()))
	if left == 0 || left+len(sum.Files) != before {
		t.Errorf("%d files before, %d taken, %d left in the inbox; want some left and none lost", before, len(sum.Files), left)
	}
	if claimed := listFiles(t, filepath.Join(ws.WorkDir(), "claimed")); len(claimed) != 0 {
		t.Errorf("left in work/claimed: %v", claimed)
	}
	for _, f := range sum.Files {
		if !fileExists(f.ArchivePath) {
			t.Errorf("%s: not archived", f.Name)
		}
	}
}

// The ledger stores archive paths relative to the workspace, so that it
// holds the same paths whichever folder the program started from.
func TestLedgerPathsAreWorkspaceRelative(t *testing.T) {
	// dir gives the workspace folder, as the program is started in it.
	for _, tt := range []struct {
		name string
		dir  func(t *testing.T) string
	}{
		{"absolute", func(t *testing.T) string { return t.TempDir() }},
		{"relative to the working folder", func(t *testing.T) string {
			t.Chdir(t.TempDir())
			return filepath.Join("office", "county")
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ws := county(t, tt.dir(t))
			run(t, ws)
			ledgerPaths := func(when string) {
				t.Helper()
				led, err := ledger.Open(context.Background(), ws.LedgerPath())
				if err != nil {
					t.Fatal(err)
				}
				defer led.Close()
				hist, err := led.History(context.Background(), "J03")
				if err != nil {
					t.Fatal(err)
				}
				if len(hist) == 0 {
					t.Fatalf("%s: no history for J03", when)
				}
				for _, r := range hist {
					if filepath.IsAbs(r.ArchivePath) || !strings.HasPrefix(r.ArchivePath, "archive/") || !fileExists(ws.Path(r.ArchivePath)) {
						t.Errorf("%s: archive path %q: want a path under archive/ relative to the workspace", when, r.ArchivePath)
					}
				}
			}
			ledgerPaths("after the batch")
			if err := os.Remove(ws.LedgerPath()); err != nil {
				t.Fatal(err)
			}
			if _, err := pipeline.RebuildLedger(context.Background(), ws, pipeline.RebuildOptions{}); err != nil {
				t.Fatal(err)
			}
			ledgerPaths("rebuilt")
		})
	}
}

// A numbered briefing already on disk is never replaced by a new issue of
// the same number (an outbox restored from a backup, a ledger swapped):
// publish fails and says so before taking the number, and the file is
// untouched.
func TestPublishedBriefingIsNeverOverwritten(t *testing.T) {
	ws := county(t, t.TempDir())
	run(t, ws)
	first, err := pipeline.Publish(context.Background(), ws, pipeline.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	next := filepath.Join(filepath.Dir(first.Briefing), fmt.Sprintf("簡報第%d期.pdf", first.Issue+1))
	if err := os.WriteFile(next, []byte("published elsewhere"), 0o644); err != nil {
		t.Fatal(err)
	}
	u, _ := ws.Unit("J03")
	forge(t, ws, u, form.Identity{UnitCode: u.Code, UnitName: u.Name, Period: ws.Config.Period, FilledBy: "再報"}, filepath.Join(ws.InboxDir(), "J03", "更正.xlsx"))
	run(t, ws)
	_, err = pipeline.Publish(context.Background(), ws, pipeline.PublishOptions{})
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("publish over a taken issue number: %v; want an error that the file exists", err)
	}
	if data, _ := os.ReadFile(next); string(data) != "published elsewhere" {
		t.Error("the published briefing was overwritten")
	}
}

// A form with an unreadable value and a figure that breaks a rule comes
// back once, naming both: rules run over what could be read, and a rule
// that needs the unreadable value says it was skipped.
func TestOneReturnNamesEveryProblem(t *testing.T) {
	ws := county(t, t.TempDir())
	u, _ := ws.Unit("J08")
	path := filepath.Join(ws.InboxDir(), "J08", "兩處錯.xlsx")
	forge(t, ws, u, form.Identity{UnitCode: u.Code, UnitName: u.Name, Period: ws.Config.Period}, path)
	sub, _, err := form.NewReader(ws.Catalogue, form.DefaultLimits()).Read(path)
	if err != nil || sub == nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for code, v := range map[string]any{"suggestions": "十二", "problems_solved": sub.Values["problems_found"] + 3} {
		loc := sub.Cells[code]
		if err := f.UnprotectSheet(loc.Sheet); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellValue(loc.Sheet, loc.Cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	sum := run(t, ws)
	res := result(t, sum, "兩處錯.xlsx")
	for _, rule := range []string{"form.number", "unit.solved_le_found"} {
		if !hasRule(res.Findings, rule) {
			t.Errorf("the 退回 lacks %s: %v", rule, res.Findings)
		}
	}
	if res.Status != vocab.FileRejected {
		t.Errorf("status %s; want rejected", res.Status)
	}
}

// A batch that cannot start (rules that do not compile, a ledger lost
// beside the archive) touches no file of the inbox, though it scans the
// inbox while it opens the ledger and compiles the rules meanwhile.
func TestFailedStartTouchesNoFile(t *testing.T) {
	for _, tt := range []struct {
		name   string
		breaks func(t *testing.T, ws *workspace.Workspace)
		// says is in the error's text.
		says string
	}{
		{"rules", func(t *testing.T, ws *workspace.Workspace) {
			bad := "rules:\n  - id: broken\n    expr: \"((\"\n    severity: error\n    message: x\n"
			if err := os.WriteFile(filepath.Join(ws.RulesDir(), "broken.yaml"), []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "審核規則"},
		{"ledger lost", func(t *testing.T, ws *workspace.Workspace) {
			old := filepath.Join(ws.ArchiveDir(), "accepted", ws.Config.Period, "C001@舊表__20260101T000000Z__00000000.xlsx")
			if err := os.MkdirAll(filepath.Dir(old), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(old, []byte("PK"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "countybrief ledger rebuild"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ws := county(t, t.TempDir())
			tt.breaks(t, ws)
			inboxBefore := listFiles(t, ws.InboxDir())
			_, err := pipeline.Run(context.Background(), ws, pipeline.Options{})
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("Run = %v, want the start to fail saying %q", err, tt.says)
			}
			if after := listFiles(t, ws.InboxDir()); !slices.Equal(after, inboxBefore) {
				t.Errorf("the inbox changed: %d files before, %d after", len(inboxBefore), len(after))
			}
			if claimed, _ := os.ReadDir(filepath.Join(ws.WorkDir(), "claimed")); len(claimed) > 0 {
				t.Errorf("%d files claimed by a batch that did not start", len(claimed))
			}
		})
	}
}
