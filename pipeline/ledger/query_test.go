package ledger

import (
	"context"
	"countybrief/pipeline/vocab"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
)

const (
	acc = vocab.FileAccepted
	rej = vocab.FileRejected
	dup = vocab.FileDuplicate
)

func TestCurrent(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		for _, tc := range []struct {
			name string
			subs []Record
			want map[string]float64 // unit → marker of the version counted
		}{
			{"one accepted", []Record{sub("a", "U01", "2008-12", acc, 0, 1)}, map[string]float64{"U01": 1}},
			{"latest accepted wins", []Record{
				sub("a", "U01", "2008-12", acc, 0, 1),
				sub("b", "U01", "2008-12", acc, 5, 2),
			}, map[string]float64{"U01": 2}},
			{"receipt time orders, not recording order", []Record{
				sub("b", "U01", "2008-12", acc, 5, 2),
				sub("a", "U01", "2008-12", acc, 0, 1),
			}, map[string]float64{"U01": 2}},
			{"same instant: later id wins", []Record{
				sub("a", "U01", "2008-12", acc, 0, 1),
				sub("b", "U01", "2008-12", acc, 0, 2),
			}, map[string]float64{"U01": 2}},
			{"later rejected does not displace", []Record{
				sub("a", "U01", "2008-12", acc, 0, 1),
				sub("b", "U01", "2008-12", rej, 5, 2),
			}, map[string]float64{"U01": 1}},
			{"duplicates are not counted", []Record{
				sub("a", "U01", "2008-12", acc, 0, 1),
				sub("b", "U01", "2008-12", dup, 5, 2),
				sub("c", "U02", "2008-12", dup, 5, 3),
			}, map[string]float64{"U01": 1}},
			{"only rejected: absent", []Record{sub("a", "U01", "2008-12", rej, 0, 1)}, map[string]float64{}},
			{"other periods ignored", []Record{
				sub("a", "U01", "2008-11", acc, 0, 1),
				sub("b", "U01", "2009-01", acc, 9, 2),
				sub("c", "U02", "2008-12", acc, 1, 3),
			}, map[string]float64{"U02": 3}},
			{"several units", []Record{
				sub("a", "U02", "2008-12", acc, 0, 1),
				sub("b", "U01", "2008-12", acc, 1, 2),
				sub("c", "U02", "2008-12", acc, 2, 3),
				sub("d", "U03", "2008-12", rej, 3, 4),
			}, map[string]float64{"U01": 2, "U02": 3}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				l, _ := open(t)
				for _, r := range tc.subs {
					mustRecord(t, l, r)
				}
				cur, err := l.Current(context.Background(), "2008-12")
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]float64{}
				var order []string
				for _, r := range cur {
					if _, seen := got[r.UnitCode]; seen {
						t.Errorf("unit %s twice", r.UnitCode)
					}
					got[r.UnitCode] = r.Values["marker"]
					order = append(order, r.UnitCode)
					if r.Values["members"] != 12 || r.Status != acc {
						t.Errorf("unit %s: %+v, want an accepted record with all values", r.UnitCode, r)
					}
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("Current = %v, want %v", got, tc.want)
				}
				for i := 1; i < len(order); i++ {
					if order[i-1] > order[i] {
						t.Errorf("not ordered by unit: %v", order)
					}
				}
				// CurrentRows is the same set, each row by the codes asked
				// for: NaN for a code the file did not report.
				codes := []string{"members", "absent", "marker"}
				recs, rows, err := l.CurrentRows(context.Background(), "2008-12", codes)
				if err != nil {
					t.Fatal(err)
				}
				if len(recs) != len(cur) || len(rows) != len(cur) {
					t.Fatalf("CurrentRows = %d records, %d rows; Current %d", len(recs), len(rows), len(cur))
				}
				for i, r := range recs {
					if r.ID != cur[i].ID || r.Values != nil {
						t.Errorf("CurrentRows record %d = %+v, want %+v without values", i, r, cur[i])
					}
					if rows[i][0] != cur[i].Values["members"] || !math.IsNaN(rows[i][1]) || rows[i][2] != cur[i].Values["marker"] {
						t.Errorf("CurrentRows row %d = %v, Current %v", i, rows[i], cur[i].Values)
					}
				}
				// RowsOf reads the same rows for the heads, and tells when
				// the heads are not the current records: one short, one
				// another file, or a later file come since.
				ctx := context.Background()
				heads, _, err := l.HeadsWithout(ctx, "2008-12", "period.closed")
				if err != nil {
					t.Fatal(err)
				}
				same := func(heads []Record) func(i int, id int64, unit string) bool {
					return func(i int, id int64, unit string) bool { return heads[i].ID == id && heads[i].UnitCode == unit }
				}
				of, ok, err := l.RowsOf(ctx, "2008-12", codes, len(heads), same(heads))
				if err != nil || !ok || !reflect.DeepEqual(fmt.Sprint(of), fmt.Sprint(rows)) {
					t.Errorf("RowsOf = %v, %v, %v; CurrentRows %v", of, ok, err, rows)
				}
				if len(heads) == 0 {
					return
				}
				other := slices.Clone(heads)
				other[0].ID += 100
				later := sub("later", heads[0].UnitCode, "2008-12", acc, 60, 9)
				for _, c := range []struct {
					name  string
					heads []Record
					add   *Record
				}{{"one short", heads[1:], nil}, {"another file", other, nil}, {"a later file", heads, &later}} {
					if c.add != nil {
						mustRecord(t, l, *c.add)
					}
					if of, ok, err := l.RowsOf(ctx, "2008-12", codes, len(c.heads), same(c.heads)); err != nil || ok || of != nil {
						t.Errorf("%s: RowsOf = %v, %v, %v; want not the heads", c.name, of, ok, err)
					}
				}
			})
		}
	})
}

func TestReturnedAndStatus(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		type st struct {
			status vocab.FileStatus
			minute int
		}
		for _, tc := range []struct {
			name     string
			subs     []Record
			returned []string // units, in order
			status   map[string]st
		}{
			{"rejected then accepted: not returned", []Record{
				sub("a", "U01", "2008-12", rej, 0, 1),
				sub("b", "U01", "2008-12", acc, 5, 2),
			}, nil, map[string]st{"U01": {acc, 5}}},
			{"accepted then rejected: returned", []Record{
				sub("a", "U01", "2008-12", acc, 0, 1),
				sub("b", "U01", "2008-12", rej, 5, 2),
			}, []string{"U01"}, map[string]st{"U01": {rej, 5}}},
			{"a duplicate re-drop changes nothing", []Record{
				sub("a", "U01", "2008-12", rej, 0, 1),
				sub("b", "U01", "2008-12", dup, 5, 2),
				sub("c", "U02", "2008-12", acc, 0, 1),
				sub("d", "U02", "2008-12", dup, 5, 2),
			}, []string{"U01"}, map[string]st{"U01": {rej, 0}, "U02": {acc, 0}}},
			{"other period", []Record{
				sub("a", "U01", "2008-11", rej, 0, 1),
			}, nil, map[string]st{}},
			{"ordered by unit", []Record{
				sub("a", "U03", "2008-12", rej, 0, 1),
				sub("b", "U01", "2008-12", rej, 1, 1),
				sub("c", "U02", "2008-12", acc, 2, 1),
			}, []string{"U01", "U03"}, map[string]st{"U01": {rej, 1}, "U02": {acc, 2}, "U03": {rej, 0}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				l, _ := open(t)
				for _, r := range tc.subs {
					mustRecord(t, l, r)
				}
				ret, err := l.Returned(ctx, "2008-12")
				if err != nil {
					t.Fatal(err)
				}
				var units []string
				for _, r := range ret {
					units = append(units, r.UnitCode)
					if len(r.Findings) != 1 || r.Findings[0].Cell != "C7" || r.Findings[0].Message != "黨員人數不可為負數" {
						t.Errorf("unit %s findings = %+v, want the stored one", r.UnitCode, r.Findings)
					}
				}
				if !reflect.DeepEqual(units, tc.returned) {
					t.Errorf("Returned units = %v, want %v", units, tc.returned)
				}

				sts, err := l.Status(ctx, "2008-12")
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]st{}
				for _, s := range sts {
					got[s.UnitCode] = st{s.Status, int(s.ReceivedAt.Sub(t0) / time.Minute)}
				}
				if !reflect.DeepEqual(got, tc.status) {
					t.Errorf("Status = %v, want %v", got, tc.status)
				}
			})
		}
	})
}

func TestPrevious(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		history := []Record{
			sub("a", "U01", "2008-09", acc, 0, 9),
			sub("b", "U01", "2008-10", acc, 10, 10),
			sub("c", "U01", "2008-10", acc, 20, 11), // correction wins
			sub("d", "U01", "2008-11", rej, 30, 12), // rejected: not a previous
			sub("e", "U01", "2008-12", acc, 40, 13),
			sub("f", "U02", "2008-11", acc, 50, 20),
			sub("g", "U03", "2008-12", acc, 60, 30),
		}
		for _, tc := range []struct {
			unit, period string
			want         float64 // marker; 0: nil
		}{
			{"U01", "2008-12", 11}, // skips the rejected November
			{"U01", "2009-01", 13},
			{"U01", "2008-10", 9},
			{"U01", "2008-09", 0},
			{"U02", "2008-12", 20},
			{"U02", "2008-11", 0}, // the same period is not previous
			{"U03", "2008-12", 0},
			{"U99", "2008-12", 0},
		} {
			t.Run(tc.unit+"/"+tc.period, func(t *testing.T) {
				l, _ := open(t)
				mustRecord(t, l, history...)
				got, err := l.Previous(context.Background(), tc.unit, tc.period)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case tc.want == 0 && got != nil:
					t.Errorf("Previous = %v, want nil", got)
				case tc.want != 0 && (got["marker"] != tc.want || got["members"] != 12):
					t.Errorf("Previous = %v, want marker %v", got, tc.want)
				}
			})
		}
	})
}

func TestBySHA(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		withSHA := func(r Record, sha string) Record { r.SHA256 = sha; return r }
		mustRecord(t, l,
			withSHA(sub("dup-early", "U01", "2008-12", dup, 0, 1), "x"), // e.g. recorded against an older ledger
			withSHA(sub("second", "U01", "2008-12", rej, 9, 3), "x"),
			withSHA(sub("first", "U01", "2008-12", rej, 5, 2), "x"),
			withSHA(sub("other", "U02", "2008-12", acc, 1, 4), "y"),
		)
		for _, tc := range []struct{ sha, wantClaim string }{{"x", "first"}, {"y", "other"}, {"z", ""}} {
			got, err := l.BySHA(ctx, tc.sha)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.wantClaim == "" && got != nil:
				t.Errorf("BySHA(%s) = %+v, want nil", tc.sha, got)
			case tc.wantClaim != "" && (got == nil || got.ClaimName != tc.wantClaim || len(got.Values) != 2):
				t.Errorf("BySHA(%s) = %+v, want %s with values", tc.sha, got, tc.wantClaim)
			}
		}
	})
}

func TestHistory(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		mustRecord(t, l,
			sub("a", "U01", "2008-11", acc, 0, 1),
			sub("b", "U01", "2008-12", rej, 20, 2),
			sub("c", "U02", "2008-12", acc, 30, 3),
			sub("d", "U01", "2008-12", dup, 10, 4),
		)
		h, err := l.History(ctx, "U01")
		if err != nil {
			t.Fatal(err)
		}
		var claims []string
		for _, r := range h {
			claims = append(claims, r.ClaimName)
		}
		if want := []string{"b", "d", "a"}; !reflect.DeepEqual(claims, want) {
			t.Errorf("History claims = %v, want %v (newest first)", claims, want)
		}
		if len(h) == 3 && (len(h[0].Findings) != 1 || h[2].Values["marker"] != 1) {
			t.Errorf("History did not load findings and values: %+v", h)
		}
		if none, err := l.History(ctx, "U99"); err != nil || len(none) != 0 {
			t.Errorf("History(U99) = %v, %v", none, err)
		}
	})
}

func TestRuns(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		if r, err := l.LastRun(ctx); err != nil || r != nil {
			t.Fatalf("LastRun on an empty ledger = %+v, %v", r, err)
		}
		first, err := l.StartRun(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		if r, err := l.LastRun(ctx); err != nil || r.ID != first || r.Status != vocab.RunRunning || !r.StartedAt.Equal(t0) || !r.FinishedAt.IsZero() {
			t.Errorf("LastRun = %+v, %v; want run %d running since %v", r, err, first, t0)
		}
		// The first run dies without finishing; the next run marks it.
		second, err := l.StartRun(ctx, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var status vocab.RunStatus
		if err := l.r.QueryRowContext(ctx, `SELECT status FROM runs WHERE id = ?`, first).Scan(&status); err != nil || status != vocab.RunInterrupted {
			t.Errorf("dead run status = %q, %v; want %q", status, err, vocab.RunInterrupted)
		}
		summary := []byte(`{"accepted":3}`)
		if err := l.FinishRun(ctx, second, "completed", summary); err != nil {
			t.Fatal(err)
		}
		r, err := l.LastRun(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r.ID != second || r.Status != "completed" || string(r.Summary) != string(summary) || r.FinishedAt.IsZero() {
			t.Errorf("LastRun = %+v, want run %d completed with summary", r, second)
		}
		if err := l.FinishRun(ctx, second+10, "completed", nil); err == nil {
			t.Error("FinishRun of an unknown run succeeded")
		}
	})
}

// PeriodMark changes with every file of the period recorded, duplicates
// and returned files too, and with nothing else: another period's file
// or a file's archive path leaves it as it was.
func TestPeriodMark(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		mark := func() string {
			t.Helper()
			m, err := l.PeriodMark(ctx, "2008-12")
			if err != nil {
				t.Fatal(err)
			}
			return m.String()
		}
		seen := map[string]string{mark(): "an empty ledger"}
		var ids []int64
		for _, step := range []struct {
			name    string
			do      func()
			changes bool
		}{
			{"an accepted file", func() { ids = mustRecord(t, l, sub("a", "U01", "2008-12", acc, 0, 1)) }, true},
			{"another unit's", func() { mustRecord(t, l, sub("b", "U02", "2008-12", acc, 1, 2)) }, true},
			{"a duplicate", func() { mustRecord(t, l, sub("c", "U01", "2008-12", dup, 2, 1)) }, true},
			{"a returned file", func() { mustRecord(t, l, sub("d", "U02", "2008-12", rej, 3, 3)) }, true},
			{"another period's file", func() { mustRecord(t, l, sub("e", "U01", "2009-01", acc, 4, 4)) }, false},
			{"a file archived", func() {
				if err := l.SetArchivePaths(ctx, map[int64]string{ids[0]: "archive/elsewhere.xlsx"}); err != nil {
					t.Fatal(err)
				}
			}, false},
		} {
			before := mark()
			step.do()
			after := mark()
			if (after != before) != step.changes {
				t.Errorf("%s: mark %q → %q, want a change: %v", step.name, before, after, step.changes)
			}
			if was, ok := seen[after]; ok && step.changes {
				t.Errorf("%s: mark %q is that of %s", step.name, after, was)
			}
			seen[after] = step.name
		}
	})
}
