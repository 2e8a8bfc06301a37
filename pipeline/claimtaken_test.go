package pipeline_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"countybrief/pipeline"
	"countybrief/pipeline/workspace"
)

// Two machines sharing one ledger can draw the same claim name for files
// received in the same second. The ledger refuses the second file under
// that name; the batch renames it and records it, whether it was claimed
// now or left claimed by an interrupted run, and both files end with one
// row and one archive copy each.

// clashSetup runs a batch over file A alone and returns the workspace,
// A's claim name, the time A was received, and the other forms, set
// aside outside the inbox by unit folder, the first of another unit.
func clashSetup(t *testing.T) (ws *workspace.Workspace, claimA string, received time.Time, aside []asideForm) {
	t.Helper()
	ws = county(t, t.TempDir())
	forms, err := filepath.Glob(filepath.Join(ws.InboxDir(), "*", "*.xlsx"))
	if err != nil || len(forms) < 3 {
		t.Fatalf("inbox forms = %v, %v", forms, err)
	}
	sort.Strings(forms)
	dir := t.TempDir()
	for i, f := range forms[1:] {
		folder := filepath.Base(filepath.Dir(f))
		if i == 0 && folder == filepath.Base(filepath.Dir(forms[0])) {
			t.Fatalf("forms %s and %s are of one unit", forms[0], f)
		}
		if err := os.MkdirAll(filepath.Join(dir, folder), 0o755); err != nil {
			t.Fatal(err)
		}
		a := asideForm{Path: filepath.Join(dir, folder, filepath.Base(f)), Folder: folder, Name: filepath.Base(f)}
		if err := os.Rename(f, a.Path); err != nil {
			t.Fatal(err)
		}
		aside = append(aside, a)
	}
	received = time.Now().UTC().Truncate(time.Second)
	at := func() time.Time { return received }
	sum, err := pipeline.Run(context.Background(), ws, pipeline.Options{Now: at})
	if err != nil || len(sum.Files) != 1 {
		t.Fatalf("first batch = %+v, %v; want file A alone", sum, err)
	}
	rows := submissions(t, ws)
	if len(rows) != 1 {
		t.Fatalf("ledger after the first batch = %v, want one row", rows)
	}
	for name := range rows {
		claimA = name
	}
	return ws, claimA, received, aside
}

type asideForm struct{ Path, Folder, Name string }

// submissions is the ledger's sha256 by claim name.
func submissions(t *testing.T, ws *workspace.Workspace) map[string]string {
	t.Helper()
	db, err := sql.Open("sqlite", ws.LedgerPath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT claim_name, sha256 FROM submissions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, sha string
		if err := rows.Scan(&name, &sha); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[name]; dup {
			t.Fatalf("claim name %s has two rows", name)
		}
		out[name] = sha
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkAllKept checks that A's row is untouched, the file named clash
// (B) has one row under a new claim name of the same second, every other file of the batch one
// row, the archive holds every file once and nothing is left claimed.
func checkAllKept(t *testing.T, ws *workspace.Workspace, claimA, shaA string, sum *pipeline.Summary, forms []asideForm, clash string) (claimB string) {
	t.Helper()
	if len(sum.Files) != len(forms) {
		t.Fatalf("second batch has %d files, want %d", len(sum.Files), len(forms))
	}
	b := result(t, sum, clash)
	rows := submissions(t, ws)
	if len(rows) != 1+len(forms) || rows[claimA] != shaA {
		t.Fatalf("ledger = %v, want %s kept for A (%s) and one row for each of %d files", rows, claimA, shaA, len(forms))
	}
	for name, sha := range rows {
		if sha == b.SHA256 {
			claimB = name
		}
	}
	if claimB == "" || claimB == claimA || !strings.HasPrefix(claimB, claimA[:len(claimA)-8]) {
		t.Errorf("B is recorded as %q, want a new name of A's second (%s)", claimB, claimA)
	}
	if n := len(listFiles(t, ws.ArchiveDir())); n != 1+len(forms) {
		t.Errorf("archive holds %d files, want %d", n, 1+len(forms))
	}
	if left := listFiles(t, filepath.Join(ws.WorkDir(), "claimed")); len(left) != 0 {
		t.Errorf("left claimed: %v", left)
	}
	return claimB
}

func TestClaimNameTakenOnTheLedgerIsRenamed(t *testing.T) {
	ws, claimA, received, aside := clashSetup(t)
	shaA := submissions(t, ws)[claimA]
	for _, a := range aside {
		if err := os.MkdirAll(filepath.Join(ws.InboxDir(), a.Folder), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(a.Path, filepath.Join(ws.InboxDir(), a.Folder, a.Name)); err != nil {
			t.Fatal(err)
		}
	}
	forced, err := hex.DecodeString(claimA[len(claimA)-8:])
	if err != nil {
		t.Fatal(err)
	}
	logger, hook := logtest.NewNullLogger()
	opts := pipeline.Options{Now: func() time.Time { return received }, Log: logger}
	// The first draw is A's name, as another machine drew it; the other
	// files and the rename draw at random.
	var mu sync.Mutex
	draws := 0
	pipeline.WithClaimRandom(&opts, func(b []byte) error {
		mu.Lock()
		defer mu.Unlock()
		draws++
		if draws == 1 {
			copy(b, forced)
			return nil
		}
		_, err := rand.Read(b)
		return err
	})
	sum, err := pipeline.Run(context.Background(), ws, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Which file drew the forced name depends on the claiming order.
	var renamed []logrus.Fields
	for _, e := range hook.AllEntries() {
		if e.Message == "claim name taken in the ledger by another file; renamed" {
			renamed = append(renamed, e.Data)
		}
	}
	if len(renamed) != 1 {
		t.Fatalf("renames logged: %v, want one", renamed)
	}
	ev := renamed[0]
	clash, _ := ev["file"].(string)
	claimB := checkAllKept(t, ws, claimA, shaA, sum, aside, clash)
	var unit string
	for _, a := range aside {
		if a.Name == clash {
			unit = a.Folder
		}
	}
	if ev["old_claim"] != claimA || ev["new_claim"] != claimB || unit == "" || ev["unit"] != unit || ev["run"] != sum.RunID {
		t.Errorf("rename logged as %v, want from %s to %s for %s of %q in run %d", ev, claimA, claimB, clash, unit, sum.RunID)
	}
}

// An interrupted run left B claimed under a name the ledger holds for A:
// recovery must not take B for A's recorded file, and renames it.
func TestClaimNameTakenFoundInRecovery(t *testing.T) {
	for _, layout := range []string{"flat", "folder"} {
		t.Run(layout, func(t *testing.T) {
			ws, claimA, received, aside := clashSetup(t)
			shaA := submissions(t, ws)[claimA]
			b := aside[0]
			claimed := filepath.Join(ws.WorkDir(), "claimed")
			dst := filepath.Join(claimed, claimA+"_"+strconv.Itoa(len(b.Folder))+"_"+b.Folder+b.Name)
			if layout == "folder" {
				dst = filepath.Join(claimed, claimA, b.Folder, b.Name)
			}
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(b.Path, dst); err != nil {
				t.Fatal(err)
			}
			sum, err := pipeline.Run(context.Background(), ws, pipeline.Options{Now: func() time.Time { return received }})
			if err != nil {
				t.Fatal(err)
			}
			checkAllKept(t, ws, claimA, shaA, sum, aside[:1], b.Name)
		})
	}
}
