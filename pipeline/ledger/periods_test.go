package ledger

import (
	"context"
	"errors"
	"testing"
	"time"

	"countybrief/pipeline/vocab"
)

func TestPeriodHistoryKeepsEveryChange(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		if st, since, err := l.PeriodStateOf(ctx, "2008-12"); err != nil || st != PeriodOpen || !since.IsZero() {
			t.Fatalf("a period never seen: %s %v %v, want open", st, since, err)
		}
		steps := []struct {
			state  PeriodState
			reason string
		}{{PeriodClosed, ""}, {PeriodOpen, "城關鎮補報，縣委同意計入"}, {PeriodClosed, ""}}
		for i, s := range steps {
			if err := l.SetPeriodState(ctx, "2008-12", s.state, t0.Add(time.Duration(i)*time.Hour), s.reason); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.SetPeriodState(ctx, "2008-12", PeriodClosed, t0.Add(5*time.Hour), ""); !errors.Is(err, ErrPeriodUnchanged) {
			t.Errorf("closing a closed period: %v, want ErrPeriodUnchanged", err)
		}
		hist, err := l.PeriodHistory(ctx, "2008-12")
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 3 || hist[1].State != PeriodOpen || hist[1].Reason != steps[1].reason || !hist[1].At.Equal(t0.Add(time.Hour)) {
			t.Fatalf("history %+v", hist)
		}
		if st, since, _ := l.PeriodStateOf(ctx, "2008-12"); st != PeriodClosed || !since.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("state %s since %v, want closed since the last change", st, since)
		}
		if st, _, _ := l.PeriodStateOf(ctx, "2009-01"); st != PeriodOpen {
			t.Errorf("another period: %s, want open", st)
		}
	})
}

func TestHeadsWithoutLateFiles(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		late := func(r Record) Record {
			r.Findings = []vocab.Finding{{Rule: "inbox.late", Severity: vocab.Error, Message: "逾期補報"}}
			return r
		}
		mustRecord(t, l,
			sub("a1", "A", "2008-12", vocab.FileAccepted, 0, 1),
			sub("b1", "B", "2008-12", vocab.FileRejected, 1, 0),
			late(sub("a2", "A", "2008-12", vocab.FileRejected, 10, 0)),
			late(sub("b2", "B", "2008-12", vocab.FileRejected, 11, 0)),
			late(sub("c1", "C", "2008-12", vocab.FileRejected, 12, 0)),
		)
		current, returned, err := l.HeadsWithout(ctx, "2008-12", "inbox.late")
		if err != nil {
			t.Fatal(err)
		}
		// The counted heads come without their paths, which no draft
		// prints (the returned ones keep theirs).
		if len(current) != 1 || current[0].OrigName != "a1.xlsx" || current[0].SHA256 != "sha-a1" ||
			current[0].ClaimName != "" || current[0].ArchivePath != "" {
			t.Errorf("current %+v, want a1 without its paths", current)
		}
		if len(returned) != 1 || returned[0].ClaimName != "b1" {
			t.Errorf("returned %+v, want b1 alone (late files neither return nor displace)", returned)
		}
		kept, err := l.WithFinding(ctx, "2008-12", "inbox.late")
		if err != nil {
			t.Fatal(err)
		}
		if len(kept) != 3 || kept[0].ClaimName != "a2" || len(kept[0].Findings) != 1 {
			t.Errorf("late files %+v", kept)
		}
	})
}

// TestByID reads a submission by its id, with values and findings, and
// nothing for an id no submission has: the draft reads a counted head's
// figures so, now that the heads come without claim names.
func TestByID(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		ids := mustRecord(t, l,
			sub("a1", "A", "2008-12", vocab.FileAccepted, 0, 7),
			sub("b1", "B", "2008-12", vocab.FileRejected, 1, 0),
		)
		tests := []struct {
			name          string
			id            int64
			want          string // claim name, "" for none
			values, finds int
		}{
			{"accepted", ids[0], "a1", 2, 0},
			{"rejected", ids[1], "b1", 2, 1},
			{"no such id", ids[1] + 100, "", 0, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r, err := l.ByID(ctx, tt.id)
				if err != nil {
					t.Fatal(err)
				}
				if tt.want == "" {
					if r != nil {
						t.Errorf("got %+v, want none", r)
					}
					return
				}
				if r == nil || r.ID != tt.id || r.ClaimName != tt.want || len(r.Values) != tt.values || len(r.Findings) != tt.finds {
					t.Errorf("got %+v, want %s with %d values and %d findings", r, tt.want, tt.values, tt.finds)
				}
			})
		}
	})
}
