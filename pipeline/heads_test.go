package pipeline

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/workspace"
)

// TestDraftHeadsMakeTheFullDraft walks a period through what the draft's
// kept heads (draftHeadsFile) can meet and checks, after each batch, that
// every output is byte for byte the one a draft made without them writes
// (the kept files and the note removed, a batch over the same ledger at the
// same moment drafts again), and that the heads kept for the next batch
// are the ledger's, at its mark.
func TestDraftHeadsMakeTheFullDraft(t *testing.T) {
	ws := campaign(t)
	ws.Config.SettleSeconds = 0
	ctx := context.Background()
	now := func() time.Time { return time.Date(2008, 12, 5, 9, 0, 0, 0, ws.Config.Location()) }
	units := ws.Units[:6]
	headsPath := filepath.Join(ws.WorkDir(), draftHeadsFile)
	corrected := func(u workspace.Unit, by float64) map[string]float64 {
		vals := cleanFigures(ws, u)
		vals["suggestions"] += by
		return vals
	}
	ledgerHeads := func() ([]ledger.Record, ledger.Mark) {
		t.Helper()
		led, err := ledger.Open(ctx, ws.LedgerPath())
		if err != nil {
			t.Fatal(err)
		}
		defer led.Close()
		current, _, err := led.HeadsWithout(ctx, ws.Config.Period, ruleLate)
		if err != nil {
			t.Fatal(err)
		}
		mark, err := led.PeriodMark(ctx, ws.Config.Period)
		if err != nil {
			t.Fatal(err)
		}
		return current, mark
	}
	rewrite := func(edit func([]byte) []byte) {
		t.Helper()
		data, err := os.ReadFile(headsPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(headsPath, edit(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// keepFalse keeps heads in which a unit other than sender has a file
	// it never sent, under the ledger's heads' mark as alter leaves it.
	keepFalse := func(period string, sender workspace.Unit, alter func(*ledger.Mark)) {
		t.Helper()
		recs, mark := ledgerHeads()
		i := 0
		if recs[i].UnitCode == sender.Code {
			i++
		}
		recs[i].SHA256 = "00" + recs[i].SHA256[2:]
		alter(&mark)
		if err := writeHeads(headsPath, period, mark, recs); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name  string
		do    func()
		draft bool // the batch makes a new draft
	}{
		{"first files: nothing kept yet", func() {
			for _, u := range units[:5] {
				sendForm(t, ws, u, cleanFigures(ws, u), "a.xlsx")
			}
		}, true},
		{"one corrected form", func() { sendForm(t, ws, units[1], corrected(units[1], 1), "b.xlsx") }, true},
		{"a unit's first file", func() { sendForm(t, ws, units[5], cleanFigures(ws, units[5]), "a.xlsx") }, true},
		{"a rejected form after an accepted one", func() {
			vals := cleanFigures(ws, units[2])
			vals["members"] = -1
			sendForm(t, ws, units[2], vals, "c.xlsx")
		}, true},
		{"the same bytes again: the draft stands, the heads move to the new mark", func() {
			sendForm(t, ws, units[1], corrected(units[1], 1), "b-again.xlsx")
		}, false},
		{"a damaged heads file", func() {
			rewrite(func(d []byte) []byte { d[len(d)/2] ^= 1; return d })
			sendForm(t, ws, units[3], corrected(units[3], 2), "d.xlsx")
		}, true},
		{"a cut heads file", func() {
			rewrite(func(d []byte) []byte { return d[:len(d)-9] })
			sendForm(t, ws, units[3], corrected(units[3], 3), "e.xlsx")
		}, true},
		{"heads kept for another period", func() {
			keepFalse("2008-11", units[4], func(*ledger.Mark) {})
			sendForm(t, ws, units[4], corrected(units[4], 1), "f.xlsx")
		}, true},
		{"heads kept from another history of the ledger", func() {
			keepFalse(ws.Config.Period, units[0], func(m *ledger.Mark) { m.Claim = "restored-from-a-backup" })
			sendForm(t, ws, units[0], corrected(units[0], 1), "g.xlsx")
		}, true},
		{"heads that the files since do not account for", func() {
			keepFalse(ws.Config.Period, units[0], func(m *ledger.Mark) { m.Count--; m.Sum -= m.Newest })
			sendForm(t, ws, units[0], corrected(units[0], 2), "h.xlsx")
		}, true},
	}
	for _, st := range steps {
		st.do()
		sum, err := Run(ctx, ws, Options{Now: now})
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if sum.Rendered != st.draft {
			t.Fatalf("%s: drafted %v, want %v", st.name, sum.Rendered, st.draft)
		}
		want, wantMark := ledgerHeads()
		kept, mark := readHeads(headsPath, ws.Config.Period)
		if mark != wantMark || !slices.EqualFunc(kept, want, sameHead) {
			t.Errorf("%s: heads kept at %v, the ledger's at %v:\n%v\nwant\n%v", st.name, mark, wantMark, kept, want)
		}
		if !st.draft {
			continue
		}
		sameAsFullDraft(t, ws, now, sum, st.name, draftHeadsFile, draftRowsFile)
	}
}

// sameHead compares a kept head with the ledger's: the fields HeadsWithout
// fills, the time as an instant.
func sameHead(a, b ledger.Record) bool {
	if !a.ReceivedAt.Equal(b.ReceivedAt) {
		return false
	}
	a.ReceivedAt = b.ReceivedAt
	return a.ID == b.ID && a.RunID == b.RunID && a.UnitCode == b.UnitCode && a.Period == b.Period &&
		a.OrigName == b.OrigName && a.SHA256 == b.SHA256 && a.Status == b.Status &&
		a.ClaimName == b.ClaimName && a.ArchivePath == b.ArchivePath
}

// FuzzReadHeads: no input makes decodeHeads panic, and whatever it
// reads, writeHeads writes back byte for byte.
func FuzzReadHeads(f *testing.F) {
	dir := f.TempDir()
	at := time.Date(2008, 12, 5, 9, 0, 0, 123, time.UTC)
	for i, recs := range [][]ledger.Record{
		nil,
		{{ID: 1, RunID: 1, UnitCode: "J01", OrigName: "縣委辦公室.xlsx", SHA256: "ab", ReceivedAt: at}},
		{{ID: 7, UnitCode: "J01", ReceivedAt: at}, {ID: 3, RunID: 2, UnitCode: "Z11", OrigName: "x", SHA256: "cd", ReceivedAt: at.Add(time.Hour)}},
	} {
		path := filepath.Join(dir, string(rune('a'+i)))
		if err := writeHeads(path, "2008-12", ledger.Mark{Count: 3, Newest: 7, Sum: 11, Claim: "c7"}, recs); err != nil {
			f.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, at, err := decodeHeads(bytes.NewReader(data), int64(len(data)), "2008-12")
		if err != nil {
			return
		}
		path := filepath.Join(t.TempDir(), draftHeadsFile)
		if err := writeHeads(path, "2008-12", at, recs); err != nil {
			t.Fatal(err)
		}
		again, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, data) {
			t.Errorf("read and written again:\n%q\nwas\n%q", again, data)
		}
	})
}
