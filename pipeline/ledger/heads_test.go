package ledger

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
)

// HeadsSince from the heads and mark of an earlier call gives, after
// every kind of file a batch records, what reading every head gives.
func TestHeadsSinceEqualsAWholeRead(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		const period, late = "2008-12", "inbox.late"
		lateFile := func(claim, unit string, minute int) Record {
			r := sub(claim, unit, period, rej, minute, 0)
			r.Findings[0].Rule = late
			return r
		}
		var prev []Record
		var at Mark
		for _, step := range []struct {
			name string
			add  []Record
		}{
			{"nothing yet", nil},
			{"the first files", []Record{sub("a1", "U02", period, acc, 10, 1), sub("b1", "U04", period, acc, 10, 2)}},
			{"nothing new", nil},
			{"a newer file of a unit", []Record{sub("a2", "U02", period, acc, 20, 3)}},
			{"a file received before the head, recorded after it", []Record{sub("a3", "U02", period, acc, 15, 4)}},
			{"the same receipt time: the later id wins", []Record{sub("b2", "U04", period, acc, 10, 5)}},
			{"units new to the heads, before, between and after them, one twice", []Record{
				sub("c1", "U01", period, acc, 30, 6), sub("d1", "U03", period, acc, 30, 7),
				sub("e1", "U05", period, acc, 30, 8), sub("e2", "U05", period, acc, 31, 9)}},
			{"a duplicate, a returned file and a late one", []Record{
				sub("a4", "U02", period, dup, 40, 3), sub("b3", "U04", period, rej, 40, 0), lateFile("c2", "U01", 41)}},
			{"another period's files only", []Record{sub("f1", "U02", "2009-01", acc, 50, 1)}},
			{"a unit accepted again after its return", []Record{sub("b4", "U04", period, acc, 60, 10)}},
		} {
			mustRecord(t, l, step.add...)
			now, err := l.PeriodMark(ctx, period)
			if err != nil {
				t.Fatal(err)
			}
			current, returned, err := l.HeadsSince(ctx, period, late, prev, at, now)
			if err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			wantCurrent, wantReturned, err := l.HeadsWithout(ctx, period, late)
			if err != nil {
				t.Fatal(err)
			}
			if !sameHeads(current, wantCurrent) || !reflect.DeepEqual(returned, wantReturned) {
				t.Errorf("%s: heads since the last\n%v\n%v\nwant\n%v\n%v", step.name, heads(current), heads(returned), heads(wantCurrent), heads(wantReturned))
			}
			prev, at = current, now
		}
	})
}

// HeadsSince serves from the kept heads when the files since account for
// the change of mark: a kept head that a whole read would not give (a
// marker in its file name) comes back for the unit that sent nothing
// since, and the unit that did has its new file.
func TestHeadsSinceServesFromTheKeptHeads(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		kept, at, now := keptThenGrown(t, l)
		kept[0].OrigName = "kept.xlsx"
		current, _, err := l.HeadsSince(ctx, "2008-12", "inbox.late", kept, at, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := heads(current); len(current) != 2 || current[0].OrigName != "kept.xlsx" || got[1] != "U02=sha-b2" {
			t.Errorf("heads %v (U01's file %q), want U01's kept head and U02's b2", got, current[0].OrigName)
		}
	})
}

// keptThenGrown records a file each for U01 and U02 in 2008-12, keeps
// the heads and the mark at, then records a later file of U02: now is the
// mark after it.
func keptThenGrown(t *testing.T, l *Ledger) (kept []Record, at, now Mark) {
	t.Helper()
	ctx := context.Background()
	const period = "2008-12"
	mustRecord(t, l, sub("a1", "U01", period, acc, 10, 1), sub("b1", "U02", period, acc, 10, 2))
	at, err := l.PeriodMark(ctx, period)
	if err != nil {
		t.Fatal(err)
	}
	if kept, _, err = l.HeadsWithout(ctx, period, "inbox.late"); err != nil {
		t.Fatal(err)
	}
	mustRecord(t, l, sub("b2", "U02", period, acc, 20, 3))
	if now, err = l.PeriodMark(ctx, period); err != nil {
		t.Fatal(err)
	}
	return kept, at, now
}

// sameHeads compares heads as HeadsWithout reads them: the fields it
// fills, the time as an instant.
func sameHeads(a, b []Record) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if !x.ReceivedAt.Equal(y.ReceivedAt) {
			return false
		}
		x.ReceivedAt = y.ReceivedAt
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func heads(rs []Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.UnitCode + "=" + r.SHA256
	}
	return out
}

// Heads kept from another history of the ledger are never taken for its
// own: a ledger restored from a backup and grown back to the same count,
// a mark that the files since do not account for (on PostgreSQL a file
// whose id was drawn before the mark's newest can commit after it), a
// mark of another period. Each reads every head again.
func TestHeadsSinceReadsWholeWhenTheMarkDoesNotHold(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		const period = "2008-12"
		l, _ := open(t)
		kept, at, now := keptThenGrown(t, l)
		for _, c := range []struct {
			name string
			at   Mark
		}{
			{"another history's newest file", Mark{Count: at.Count, Newest: at.Newest, Sum: at.Sum, Claim: "restored"}},
			{"a file since that the mark missed", Mark{Count: at.Count - 1, Newest: at.Newest, Sum: at.Sum - 1, Claim: at.Claim}},
			{"a mark past the ledger's newest", Mark{Count: at.Count + 5, Newest: at.Newest + 5, Sum: at.Sum + 20, Claim: "gone"}},
		} {
			// The kept heads claim that U01 sent a file it never sent:
			// any of it in the result would show.
			stale := append([]Record(nil), kept...)
			stale[0].SHA256 = "sha-never-sent"
			current, _, err := l.HeadsSince(ctx, period, "inbox.late", stale, c.at, now)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			want, _, err := l.HeadsWithout(ctx, period, "inbox.late")
			if err != nil {
				t.Fatal(err)
			}
			if !sameHeads(current, want) {
				t.Errorf("%s: heads %v, want %v", c.name, heads(current), heads(want))
			}
		}
	})
}

// A ledger restored from a backup and grown back to its old count has
// another mark: the same ids, other files.
func TestPeriodMarkOfARestoredLedger(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	marks := map[Mark]string{}
	for _, history := range [][]string{{"a", "b", "c"}, {"a", "b", "x"}} {
		l, err := Open(ctx, filepath.Join(dir, history[2]+".db"))
		if err != nil {
			t.Fatal(err)
		}
		for i, claim := range history {
			mustRecord(t, l, sub(claim, "U01", "2008-12", acc, i, 1))
		}
		m, err := l.PeriodMark(ctx, "2008-12")
		if err != nil {
			t.Fatal(err)
		}
		if other, ok := marks[m]; ok {
			t.Errorf("ledgers of %v and %s share the mark %v", history, other, m)
		}
		marks[m] = history[2]
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
