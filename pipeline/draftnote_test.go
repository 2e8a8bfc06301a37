package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// TestDraftNote walks a period through what a batch can find and checks,
// after each step, that the batch drafted exactly when the files a
// briefing is made of changed, and that the counts it reports are those
// of the ledger's heads at that moment (Status), whether it told
// "nothing new" from the ledger's mark, from the heads, or drafted. A
// note that does not read, or one an older version wrote, is a draft to
// make again, never counts taken on trust.
func TestDraftNote(t *testing.T) {
	ws := campaign(t)
	ws.Config.SettleSeconds = 0
	loc := ws.Config.Location()
	morning := time.Date(2008, 12, 5, 9, 0, 0, 0, loc)
	evening := time.Date(2008, 12, 5, 20, 0, 0, 0, loc) // after the 18:00 deadline
	units := ws.Units[:4]
	send := func(u workspace.Unit, vals map[string]float64, name string) {
		t.Helper()
		sendForm(t, ws, u, vals, name)
	}
	note := filepath.Join(ws.WorkDir(), draftInputs)
	steps := []struct {
		name   string
		now    time.Time
		do     func()
		redraw bool
	}{
		{"first files", morning, func() {
			for _, u := range units[:3] {
				send(u, cleanFigures(ws, u), "a.xlsx")
			}
		}, true},
		{"nothing new", morning, func() {}, false},
		{"the same file again (a duplicate)", morning, func() { send(units[0], cleanFigures(ws, units[0]), "again.xlsx") }, false},
		{"nothing new after the duplicate", morning, func() {}, false},
		{"a corrected form", morning, func() {
			vals := cleanFigures(ws, units[1])
			vals["suggestions"]++
			send(units[1], vals, "b.xlsx")
		}, true},
		{"a rejected form after an accepted one", morning, func() {
			vals := cleanFigures(ws, units[2])
			vals["members"] = -1
			send(units[2], vals, "c.xlsx")
		}, true},
		{"the deadline passes the same day", evening, func() {}, false},
		{"nothing new after the deadline", evening, func() {}, false},
		{"a damaged note", evening, func() {
			if err := os.WriteFile(note, []byte(`{"quick":`), 0o644); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"an older version's note, a bare hash", evening, func() {
			if err := os.WriteFile(note, []byte("0123abcd 2008-12-05 0"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a late file for the last unit", evening, func() { send(units[3], cleanFigures(ws, units[3]), "d.xlsx") }, true},
		{"a new day", evening.Add(24 * time.Hour), func() {}, true},
		{"nothing new the next day", evening.Add(24 * time.Hour), func() {}, false},
	}
	for _, st := range steps {
		st.do()
		now := func() time.Time { return st.now }
		sum, err := Run(context.Background(), ws, Options{Now: now})
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if sum.Rendered != st.redraw {
			t.Errorf("%s: drafted %v, want %v", st.name, sum.Rendered, st.redraw)
		}
		if !fileExists(sum.Draft) {
			t.Errorf("%s: no draft at %q", st.name, sum.Draft)
		}
		want, err := Status(context.Background(), ws, ws.Config.Period, st.now)
		if err != nil {
			t.Fatal(err)
		}
		var missing, returned, kept []string
		reported := 0
		for _, u := range want.Units {
			switch u.State {
			case vocab.Accepted:
			case vocab.AcceptedLatestReturned:
				kept = append(kept, u.Code)
			case vocab.Returned:
				returned = append(returned, u.Code)
			default:
				missing = append(missing, u.Code)
			}
			if u.State.Counted() {
				reported++
			}
		}
		if sum.Reported != reported || !equalCounts(sum.Counts, want.Counts) || !slices.Equal(sum.Missing, missing) ||
			!slices.Equal(sum.Returned, returned) || !slices.Equal(sum.KeptAfterReturn, kept) {
			t.Errorf("%s: reported %d, counts %v, missing %v, returned %v, kept %v; the ledger says %d, %v, %v, %v, %v",
				st.name, sum.Reported, sum.Counts, sum.Missing, sum.Returned, sum.KeptAfterReturn, reported, want.Counts, missing, returned, kept)
		}
	}
}

func equalCounts(a, b map[vocab.State]int) bool {
	for _, st := range vocab.States() {
		if a[st] != b[st] {
			return false
		}
	}
	return true
}

// sendForm drops a form of u with vals into u's inbox folder as name.
func sendForm(t *testing.T, ws *workspace.Workspace, u workspace.Unit, vals map[string]float64, name string) {
	t.Helper()
	data, err := os.ReadFile(writeForm(t, ws, u, vals, nil))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(ws.InboxDir(), u.Code)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
