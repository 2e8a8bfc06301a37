package pipeline

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/merge"
	"countybrief/pipeline/workspace"
)

// TestDraftRowsMakeTheFullDraft walks a period through what the draft's
// kept rows (draftRowsFile) can meet and checks, after each batch, that
// the draft was made from them exactly when they could serve, and that
// every output is byte for byte the one a draft made without them writes:
// the batch's outputs are kept, the rows file and the draft note removed,
// and a batch over the same ledger at the same moment drafts again from
// the ledger alone.
func TestDraftRowsMakeTheFullDraft(t *testing.T) {
	ws := campaign(t)
	ws.Config.SettleSeconds = 0
	ctx := context.Background()
	now := func() time.Time { return time.Date(2008, 12, 5, 9, 0, 0, 0, ws.Config.Location()) }
	units := ws.Units[:6]
	send := func(u workspace.Unit, vals map[string]float64, name string) {
		t.Helper()
		sendForm(t, ws, u, vals, name)
	}
	rowsPath := filepath.Join(ws.WorkDir(), draftRowsFile)
	corrected := func(u workspace.Unit, by float64) map[string]float64 {
		vals := cleanFigures(ws, u)
		vals["suggestions"] += by
		return vals
	}
	// keepRows writes the rows file from the ledger's current rows as
	// alter leaves them, under the key of period.
	keepRows := func(period string, alter func([]ledger.Record, [][]float64)) {
		t.Helper()
		led, err := ledger.Open(ctx, ws.LedgerPath())
		if err != nil {
			t.Fatal(err)
		}
		defer led.Close()
		codes := merge.Codes(ws.Catalogue)
		recs, rows, err := led.CurrentRows(ctx, ws.Config.Period, codes)
		if err != nil {
			t.Fatal(err)
		}
		files, err := workspaceHash(ws)
		if err != nil {
			t.Fatal(err)
		}
		alter(recs, rows)
		if err := writeRowCache(rowsPath, rowsKey(files, period, codes), len(codes), countedOf(ws, recs).files, rows); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name   string
		do     func()
		cached bool // the draft is made from the kept rows
		read   int  // files whose figures the ledger gives besides them
	}{
		{"first files: nothing kept yet", func() {
			for _, u := range units[:5] {
				send(u, cleanFigures(ws, u), "a.xlsx")
			}
		}, false, 0},
		{"one corrected form", func() { send(units[1], corrected(units[1], 1), "b.xlsx") }, true, 1},
		{"a unit's first file", func() { send(units[5], cleanFigures(ws, units[5]), "a.xlsx") }, true, 1},
		{"a rejected form after an accepted one", func() {
			vals := cleanFigures(ws, units[2])
			vals["members"] = -1
			send(units[2], vals, "c.xlsx")
		}, true, 0},
		{"a damaged rows file", func() {
			data, err := os.ReadFile(rowsPath)
			if err != nil {
				t.Fatal(err)
			}
			data[len(data)/2] ^= 1
			if err := os.WriteFile(rowsPath, data, 0o644); err != nil {
				t.Fatal(err)
			}
			send(units[3], corrected(units[3], 2), "d.xlsx")
		}, false, 0},
		{"a cut rows file", func() {
			data, err := os.ReadFile(rowsPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(rowsPath, data[:len(data)-9], 0o644); err != nil {
				t.Fatal(err)
			}
			send(units[3], corrected(units[3], 3), "e.xlsx")
		}, false, 0},
		{"a kept row under a counted file's id but of other content (a ledger numbered anew)", func() {
			// The unit's figures as the rows file would hold them for
			// another file that the ledger numbered alike: the counted
			// file's are read from the ledger, not these.
			keepRows(ws.Config.Period, func(recs []ledger.Record, rows [][]float64) {
				recs[0].SHA256 = "00" + recs[0].SHA256[2:]
				for k := range rows[0] {
					rows[0][k] = 999
				}
			})
			send(units[4], corrected(units[4], 1), "f.xlsx")
		}, true, 2},
		{"rows kept for another period", func() {
			keepRows("2008-11", func([]ledger.Record, [][]float64) {})
			send(units[0], corrected(units[0], 1), "g.xlsx")
		}, false, 0},
		{"a changed catalogue wording (another workspace fingerprint)", func() {
			path := filepath.Join(ws.Dir, workspace.IndicatorsFile)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, append(data, "\n# 說明\n"...), 0o644); err != nil {
				t.Fatal(err)
			}
			send(units[0], corrected(units[0], 2), "h.xlsx")
		}, false, 0},
	}
	for _, st := range steps {
		st.do()
		logger, hook := logtest.NewNullLogger()
		logger.SetLevel(logrus.DebugLevel)
		sum, err := Run(ctx, ws, Options{Now: now, Log: logger})
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if !sum.Rendered {
			t.Fatalf("%s: no draft", st.name)
		}
		var rowsEntries int
		for _, e := range hook.AllEntries() {
			if e.Message != "draft rows" {
				continue
			}
			rowsEntries++
			if e.Data["cached"] != st.cached || (st.cached && e.Data["read"] != st.read) {
				t.Errorf("%s: drafted with cached %v, %v read; want %v, %d", st.name, e.Data["cached"], e.Data["read"], st.cached, st.read)
			}
		}
		if rowsEntries != 1 {
			t.Fatalf("%s: %d drafts, want 1", st.name, rowsEntries)
		}
		sameAsFullDraft(t, ws, now, sum, st.name, draftRowsFile)
		if !fileExists(rowsPath) {
			t.Errorf("%s: the full draft kept no rows", st.name)
		}
	}
}

// sameAsFullDraft checks that each output of sum (a batch's draft) is byte
// for byte the one a draft made without the kept files writes: kept (names
// under work/) and the draft note are removed, and a batch over the same
// ledger at the same moment drafts again from the ledger alone.
func sameAsFullDraft(t *testing.T, ws *workspace.Workspace, now func() time.Time, sum *Summary, step string, kept ...string) {
	t.Helper()
	outputs := []string{sum.Draft, sum.DraftText, sum.TotalsWorkbook, sum.AuditReport, sum.ChaseList}
	made := make([][]byte, len(outputs))
	for i, p := range outputs {
		var err error
		if made[i], err = os.ReadFile(p); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range append(kept, draftInputs) {
		if err := os.Remove(filepath.Join(ws.WorkDir(), name)); err != nil {
			t.Fatal(err)
		}
	}
	full, err := Run(context.Background(), ws, Options{Now: now})
	if err != nil || !full.Rendered {
		t.Fatalf("%s: full draft: rendered %v, %v", step, full != nil && full.Rendered, err)
	}
	for i, p := range []string{full.Draft, full.DraftText, full.TotalsWorkbook, full.AuditReport, full.ChaseList} {
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(made[i], want) {
			t.Errorf("%s: %s differs from the full draft's", step, filepath.Base(p))
		}
	}
}
