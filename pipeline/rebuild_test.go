package pipeline_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"countybrief/pipeline"
	"countybrief/pipeline/demo"
	"countybrief/pipeline/form"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// head is what a rebuilt ledger must give back of a record: everything but
// the ids, run and claim, which only the batch that took the file knew.
type head struct {
	Unit, Period, SHA, Orig, Archive string
	Status                           vocab.FileStatus
	Received                         time.Time
	Values                           map[string]float64
	Rules                            []string
}

func heads(t *testing.T, ws *workspace.Workspace) (current, returned []head, last *ledger.Issue) {
	t.Helper()
	ctx := context.Background()
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	conv := func(rs []ledger.Record) []head {
		var out []head
		for _, r := range rs {
			h := head{Unit: r.UnitCode, Period: r.Period, Status: r.Status, SHA: r.SHA256, Orig: r.OrigName,
				Archive: ws.Path(r.ArchivePath), Received: r.ReceivedAt.UTC(), Values: r.Values}
			for _, f := range r.Findings {
				h.Rules = append(h.Rules, f.Rule)
			}
			if abs, err := filepath.Abs(h.Archive); err == nil {
				h.Archive = abs
			}
			out = append(out, h)
		}
		return out
	}
	cur, err := led.Current(ctx, ws.Config.Period)
	if err != nil {
		t.Fatal(err)
	}
	ret, err := led.Returned(ctx, ws.Config.Period)
	if err != nil {
		t.Fatal(err)
	}
	if last, err = led.LastIssue(ctx); err != nil {
		t.Fatal(err)
	}
	return conv(cur), conv(ret), last
}

// resend drops a new version of a unit's form (same figures, another
// clerk: new content) and a byte copy of an archived file (a duplicate),
// then runs a batch, publishing an issue before and after, so that the
// ledger holds a second issue, a superseded file and a duplicate.
func resend(t *testing.T, ws *workspace.Workspace) {
	t.Helper()
	ctx := context.Background()
	if _, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		t.Fatal(err)
	}
	cur, err := led.Current(ctx, ws.Config.Period)
	led.Close()
	if err != nil || len(cur) < 2 {
		t.Fatalf("current: %d records, %v", len(cur), err)
	}
	u, _ := ws.Unit(cur[0].UnitCode)
	var buf bytes.Buffer
	id := form.Identity{UnitCode: u.Code, UnitName: u.Name, Period: ws.Config.Period, FilledBy: "林秀英", Phone: "0851-26419999", Date: "2008-12-06"}
	if err := form.WriteFilled(&buf, ws.Catalogue, u, ws.Config.Period, id, cur[0].Values); err != nil {
		t.Fatal(err)
	}
	writeInbox(t, ws, u.Code, "更正版.xlsx", buf.Bytes())
	copied, err := os.ReadFile(ws.Path(cur[1].ArchivePath))
	if err != nil {
		t.Fatal(err)
	}
	writeInbox(t, ws, cur[1].UnitCode, "再傳一次.xlsx", copied)
	// The receive times in archive names are seconds: the resends must not
	// share a second with the first batch's files.
	time.Sleep(1100 * time.Millisecond)
	sum, err := pipeline.Run(ctx, ws, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Accepted != 1 || sum.Duplicates != 1 {
		t.Fatalf("resend batch: accepted %d, duplicates %d; want 1, 1", sum.Accepted, sum.Duplicates)
	}
	if p, err := pipeline.Publish(ctx, ws, pipeline.PublishOptions{}); err != nil || p.Issue != 2 {
		t.Fatalf("publish after the resend: %+v, %v; want 第2期", p, err)
	}
}

func writeInbox(t *testing.T, ws *workspace.Workspace, unit, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(ws.InboxDir(), unit, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRebuildLedger(t *testing.T) {
	ctx := context.Background()
	ws, faults, _ := buildDemo(t, 0)
	resend(t, ws)
	if err := pipeline.CheckLedger(ctx, ws); err != nil {
		t.Fatalf("a sound ledger: %v", err)
	}
	wantCur, wantRet, wantLast := heads(t, ws)
	if len(wantRet) == 0 || wantLast == nil {
		t.Fatalf("the demo should leave returned units and a briefing: %d, %v", len(wantRet), wantLast)
	}
	archived := listFiles(t, ws.ArchiveDir())

	damage := map[string]func(t *testing.T, path string){
		"deleted": func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		},
		"emptied": func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		},
		"overwritten": func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(bytes.Repeat([]byte("壞"), 40), 0); err != nil {
				t.Fatal(err)
			}
		},
	}
	for _, name := range []string{"deleted", "emptied", "overwritten"} {
		t.Run(name, func(t *testing.T) {
			// Every case starts from the sound ledger.
			sound, err := os.ReadFile(ws.LedgerPath())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				os.WriteFile(ws.LedgerPath(), sound, 0o644)
			})
			damage[name](t, ws.LedgerPath())
			var before []byte
			if name != "deleted" {
				before, _ = os.ReadFile(ws.LedgerPath())
			}

			err = pipeline.CheckLedger(ctx, ws)
			if !errors.Is(err, pipeline.ErrLedgerLost) {
				t.Fatalf("CheckLedger = %v, want ErrLedgerLost", err)
			}
			for _, want := range []string{"countybrief ledger rebuild --workspace " + ws.Dir, "第2期"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the guidance lacks %q: %v", want, err)
				}
			}
			if name == "overwritten" && !strings.Contains(err.Error(), "不會刪除") {
				t.Errorf("the guidance does not say the corrupt file is kept: %v", err)
			}

			rep, err := pipeline.RebuildLedger(ctx, ws, pipeline.RebuildOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Problems) != 0 {
				t.Errorf("problems: %+v", rep.Problems)
			}
			want := map[vocab.FileStatus]int{vocab.FileAccepted: len(ws.Units) + 1, vocab.FileRejected: len(faults), vocab.FileDuplicate: 1}
			if !maps.Equal(rep.Files, want) || rep.Periods[ws.Config.Period] != len(archived) {
				t.Errorf("restored %v in %v, want %v, %d in %s", rep.Files, rep.Periods, want, len(archived), ws.Config.Period)
			}
			if len(rep.Briefings) != 2 || rep.Briefings[1].Issue != 2 {
				t.Errorf("briefings restored: %+v", rep.Briefings)
			}
			// The old file is kept, byte for byte, never deleted.
			if name == "deleted" {
				if len(rep.KeptAside) != 0 {
					t.Errorf("kept aside %v of a deleted ledger", rep.KeptAside)
				}
			} else {
				if len(rep.KeptAside) == 0 || !strings.Contains(filepath.Base(rep.KeptAside[0]), "ledger.db.broken-") {
					t.Fatalf("kept aside: %v", rep.KeptAside)
				}
				if kept, err := os.ReadFile(rep.KeptAside[0]); err != nil || !bytes.Equal(kept, before) {
					t.Errorf("the old ledger was not kept as it was (%v)", err)
				}
			}
			if err := pipeline.CheckLedger(ctx, ws); err != nil {
				t.Fatalf("after the rebuild: %v", err)
			}

			gotCur, gotRet, gotLast := heads(t, ws)
			sameHeads(t, gotCur, gotRet, wantCur, wantRet)
			if gotLast == nil || gotLast.Issue != wantLast.Issue || gotLast.Period != wantLast.Period {
				t.Errorf("last briefing %+v, want issue %d of %s", gotLast, wantLast.Issue, wantLast.Period)
			}
			if got := listFiles(t, ws.ArchiveDir()); !reflect.DeepEqual(got, archived) {
				t.Errorf("the archive changed: %d files, was %d", len(got), len(archived))
			}
		})
	}
}

// sameHeads compares the heads a rebuilt ledger gives with the old one's.
func sameHeads(t *testing.T, gotCur, gotRet, wantCur, wantRet []head) {
	t.Helper()
	if !reflect.DeepEqual(gotCur, wantCur) {
		g, w := firstDiff(gotCur, wantCur)
		t.Errorf("current after rebuild differs:\n got %+v\nwant %+v", g, w)
	}
	if !reflect.DeepEqual(gotRet, wantRet) {
		g, w := firstDiff(gotRet, wantRet)
		t.Errorf("returned after rebuild differs:\n got %+v\nwant %+v", g, w)
	}
}

// firstDiff returns the first pair of differing elements, or the lengths.
func firstDiff(got, want []head) (any, any) {
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			return got[i], want[i]
		}
	}
	return len(got), len(want)
}

func TestRebuildLedgerLeavesBadFilesAlone(t *testing.T) {
	ctx := context.Background()
	ws, _, _ := buildDemo(t, 0)
	tampered := listFiles(t, filepath.Join(ws.ArchiveDir(), "accepted"))[0]
	data, err := os.ReadFile(tampered)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tampered, append(data, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(filepath.Dir(tampered), "未命名.xlsx")
	if err := os.WriteFile(stray, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(ws.LedgerPath()); err != nil {
		t.Fatal(err)
	}
	rep, err := pipeline.RebuildLedger(ctx, ws, pipeline.RebuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range rep.Problems {
		got[p.Path] = true
	}
	if len(rep.Problems) != 2 || !got[tampered] || !got[stray] {
		t.Errorf("problems %+v, want the tampered and the stray file", rep.Problems)
	}
	for _, p := range []string{tampered, stray} {
		if !fileExists(p) {
			t.Errorf("%s was moved or deleted", p)
		}
	}
	if rep.Files[vocab.FileAccepted] != len(ws.Units)-1 {
		t.Errorf("accepted %d, want every unit but the tampered one", rep.Files[vocab.FileAccepted])
	}
}

func TestCheckLedgerPassesAFreshWorkspace(t *testing.T) {
	ws, _, err := demo.Build(t.TempDir(), demo.Options{Seed: 1, Init: pipeline.Init})
	if err != nil {
		t.Fatal(err)
	}
	if err := pipeline.CheckLedger(context.Background(), ws); err != nil {
		t.Fatal(err)
	}
	if fileExists(ws.LedgerPath()) {
		t.Error("CheckLedger created the ledger")
	}
}

// TestRebuiltPathsAreWorkspaceRelative: the ledger must not depend on the
// folder the program was started from, so archive paths are stored
// relative to the workspace.
func TestRebuiltPathsAreWorkspaceRelative(t *testing.T) {
	ctx := context.Background()
	ws, _, _ := buildDemo(t, 0)
	if err := os.Remove(ws.LedgerPath()); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.RebuildLedger(ctx, ws, pipeline.RebuildOptions{}); err != nil {
		t.Fatal(err)
	}
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	cur, err := led.Current(ctx, ws.Config.Period)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range cur {
		if filepath.IsAbs(r.ArchivePath) || !strings.HasPrefix(r.ArchivePath, "archive"+string(filepath.Separator)) || !fileExists(ws.Path(r.ArchivePath)) {
			t.Fatalf("archive path %q is not relative to the workspace", r.ArchivePath)
		}
	}
}

// Rows older batches stored relative to the start folder, or absolute,
// become relative to the workspace; rows already so, and archives outside
// the workspace, stay.
func TestMigrateArchivePaths(t *testing.T) {
	ctx := context.Background()
	ws, _, err := demo.Build(t.TempDir(), demo.Options{Seed: 1, Init: pipeline.Init})
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Dir(ws.Dir))
	ws.Dir = filepath.Base(ws.Dir)
	abs, err := filepath.Abs(ws.Dir)
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "archive", "a.xlsx")
	stored := map[string]string{
		"J01": filepath.Join(abs, "archive", "accepted", "2008-12", "J01", "a.xlsx"),
		"J02": filepath.Join(ws.Dir, "archive", "accepted", "2008-12", "J02", "b.xlsx"),
		"J03": "archive/accepted/2008-12/J03/c.xlsx",
		"J04": outside,
	}
	want := map[string]string{
		"J01": filepath.Join("archive", "accepted", "2008-12", "J01", "a.xlsx"),
		"J02": filepath.Join("archive", "accepted", "2008-12", "J02", "b.xlsx"),
		"J03": stored["J03"],
		"J04": outside,
	}
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	for unit, p := range stored {
		if _, err := led.RecordBatch(ctx, []ledger.Record{{ClaimName: unit, UnitCode: unit, Period: "2008-12", OrigName: "x.xlsx",
			ArchivePath: p, SHA256: unit, Status: vocab.FileAccepted, ReceivedAt: time.Now()}}); err != nil {
			t.Fatal(err)
		}
	}
	for round, wantN := range []int64{2, 0} {
		if n, err := pipeline.MigrateArchivePaths(ctx, ws, led); err != nil || n != wantN {
			t.Fatalf("round %d: %d rows changed (%v), want %d", round, n, err, wantN)
		}
	}
	for unit, p := range want {
		h, err := led.History(ctx, unit)
		if err != nil {
			t.Fatal(err)
		}
		if h[0].ArchivePath != p {
			t.Errorf("%s: %q, want %q", unit, h[0].ArchivePath, p)
		}
	}
}

// TestRebuildCarriesAccounts: the web desk's accounts and action log are
// in the ledger only, so a rebuild carries them from the old ledger as
// they were (the same hash logs in with the same password); from a
// ledger that does not read, it says they must be made again.
func TestRebuildCarriesAccounts(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	accounts := []ledger.Account{
		{Name: "office", Hash: "$argon2id$v=19$office", Created: at, Changed: at.Add(time.Hour)},
		{Name: "u1", Unit: "u1", Hash: "$argon2id$v=19$u1", Created: at, Changed: at.Add(2 * time.Hour), Failures: 3, LockedUntil: at.Add(3 * time.Hour)},
		{Name: "u2", Unit: "u2", Hash: "$argon2id$v=19$u2", Created: at, Changed: at.Add(4 * time.Hour), Disabled: true},
	}
	actions := []ledger.WebAction{
		{At: at, Account: "u1", Remote: "10.0.0.7", Action: "login", Unit: "u1", OK: true},
		{At: at.Add(time.Minute), Account: "nobody", Remote: "10.0.0.8", Action: "login", Detail: "未知賬號"},
		{At: at.Add(2 * time.Minute), Account: "office", Remote: "10.0.0.9", Action: "publish", Detail: "第2期", OK: true},
	}
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, path string)
		lost   string // in AccountsLost; "" when the accounts must be carried
		// noLog: the action log does not read, the accounts do.
		noLog bool
	}{
		{"sound", func(*testing.T, string) {}, "", false},
		// The submissions' pages destroyed: the accounts still read.
		{"submissions destroyed", destroyTable("submissions"), "", false},
		{"web actions destroyed", destroyTable("web_actions"), "", true},
		{"accounts destroyed", destroyTable("accounts"), "讀不出舊台帳的賬號", false},
		{"deleted", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}, "不存在", false},
		{"overwritten", func(t *testing.T, path string) {
			if err := os.WriteFile(path, bytes.Repeat([]byte("壞"), 4096), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "讀不出舊台帳", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, _, _ := buildDemo(t, 0)
			led, err := ledger.Open(ctx, ws.LedgerPath())
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range accounts {
				err := led.AddAccount(ctx, a)
				if err == nil && a.Disabled {
					err = led.DisableAccount(ctx, a.Name, a.Changed)
				} else if err == nil {
					err = led.SetPassword(ctx, a.Name, a.Hash, a.Changed)
				}
				if err == nil {
					err = led.SetLoginFailures(ctx, a.Name, a.Failures, a.LockedUntil)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			for _, a := range actions {
				if err := led.RecordWebAction(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			if err := led.Close(); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, ws.LedgerPath())

			rep, err := pipeline.RebuildLedger(ctx, ws, pipeline.RebuildOptions{})
			if err != nil {
				t.Fatal(err)
			}
			rebuilt, err := ledger.Open(ctx, ws.LedgerPath())
			if err != nil {
				t.Fatal(err)
			}
			defer rebuilt.Close()
			gotAcc, err := rebuilt.Accounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			gotAct, err := rebuilt.WebActions(ctx, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			if tc.lost != "" {
				if !strings.Contains(rep.AccountsLost, tc.lost) || len(gotAcc) != 0 || rep.Accounts != 0 {
					t.Errorf("lost %q, %d accounts (%d reported), want none and %q", rep.AccountsLost, len(gotAcc), rep.Accounts, tc.lost)
				}
				return
			}
			if tc.noLog {
				if !strings.Contains(rep.ActionsLost, "讀不出舊台帳的網頁操作記錄") || rep.WebActions != 0 || len(gotAct) != 0 {
					t.Errorf("a log that does not read: lost %q, %d actions (%d reported)", rep.ActionsLost, len(gotAct), rep.WebActions)
				}
			} else if rep.ActionsLost != "" || rep.WebActions != 3 {
				t.Errorf("report: %d actions, lost %q", rep.WebActions, rep.ActionsLost)
			}
			if rep.AccountsLost != "" || rep.Accounts != 3 {
				t.Errorf("report: %d accounts, lost %q", rep.Accounts, rep.AccountsLost)
			}
			want := map[string]ledger.Account{}
			for _, a := range accounts {
				want[a.Name] = a
			}
			if len(gotAcc) != len(accounts) {
				t.Fatalf("%d accounts, want %d", len(gotAcc), len(accounts))
			}
			for _, a := range gotAcc {
				w := want[a.Name]
				if a.Hash != w.Hash || a.Unit != w.Unit || a.Disabled != w.Disabled || a.Failures != w.Failures ||
					!a.LockedUntil.Equal(w.LockedUntil) || !a.Created.Equal(w.Created) || !a.Changed.Equal(w.Changed) {
					t.Errorf("account %s carried as %+v, want %+v", a.Name, a, w)
				}
			}
			if tc.noLog {
				return
			}
			if len(gotAct) != len(actions) {
				t.Fatalf("%d actions, want %d", len(gotAct), len(actions))
			}
			for i, a := range gotAct {
				w := actions[len(actions)-1-i]
				if !a.At.Equal(w.At) || a.Account != w.Account || a.Remote != w.Remote || a.Action != w.Action ||
					a.Unit != w.Unit || a.Detail != w.Detail || a.OK != w.OK {
					t.Errorf("action %d carried as %+v, want %+v", i, a, w)
				}
			}
		})
	}
}

// destroyTable overwrites the root page of a table of the SQLite ledger at
// path with garbage, leaving every other page as it was.
func destroyTable(table string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		t.Helper()
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		var root, size int64
		err = db.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = ?`, table).Scan(&root)
		if err == nil {
			err = db.QueryRow(`PRAGMA page_size`).Scan(&size)
		}
		if err == nil {
			_, err = db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		}
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, int(size)), (root-1)*size); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		led, err := ledger.Open(ctx, path)
		if err == nil {
			err = led.QuickCheck(ctx)
			led.Close()
		}
		if !ledger.IsCorrupt(err) {
			t.Fatalf("the ledger with %s destroyed: %v, want it corrupt", table, err)
		}
	}
}

// TestRebuildReadsBothLayouts: an archive whose older files lie in one
// folder per unit (archive/<status>/<period>/<unit>/<name>, as batches
// archived before the flat layout) and newer ones flat
// (<period>/<unit>@<name>) is rebuilt whole, each file at its place.
func TestRebuildReadsBothLayouts(t *testing.T) {
	ctx := context.Background()
	ws, _, _ := buildDemo(t, 0)
	wantCur, wantRet, _ := heads(t, ws)
	moved := map[string]string{}
	for i, path := range listFiles(t, ws.ArchiveDir()) {
		dir, name := filepath.Split(path)
		unit, rest, ok := strings.Cut(name, "@")
		if !ok {
			t.Fatalf("%s is not archived flat as <unit>@<name>", path)
		}
		if i%2 == 1 {
			continue
		}
		old := filepath.Join(dir, unit, rest)
		if err := os.MkdirAll(filepath.Dir(old), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path, old); err != nil {
			t.Fatal(err)
		}
		abs, _ := filepath.Abs(path)
		moved[abs], _ = filepath.Abs(old)
	}
	if len(moved) < 2 {
		t.Fatalf("moved %d files to the old layout", len(moved))
	}
	if err := os.Remove(ws.LedgerPath()); err != nil {
		t.Fatal(err)
	}
	rep, err := pipeline.RebuildLedger(ctx, ws, pipeline.RebuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 {
		t.Errorf("problems: %+v", rep.Problems)
	}
	gotCur, gotRet, _ := heads(t, ws)
	for _, hs := range [][]head{wantCur, wantRet} {
		for i := range hs {
			if old, ok := moved[hs[i].Archive]; ok {
				hs[i].Archive = old
			}
		}
	}
	sameHeads(t, gotCur, gotRet, wantCur, wantRet)
}
