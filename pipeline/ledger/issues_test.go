package ledger

import (
	"context"
	"testing"
)

// TestIssues: every issue, oldest first, with its period and totals; an
// issue restored without its totals comes back with none.
func TestIssues(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		l, _ := open(t)
		ctx := context.Background()
		if got, err := l.Issues(ctx); err != nil || len(got) != 0 {
			t.Fatalf("Issues before the first = %v, %v; want none", got, err)
		}
		if err := l.RestoreIssue(ctx, 1, "2008-10", "outbox/2008-10/簡報第1期.pdf", t0); err != nil {
			t.Fatal(err)
		}
		for _, p := range []Issue{
			{Period: "2008-11", InputsHash: "h2", Path: "p2", Totals: []byte(`{"all":{"a":1}}`), At: t0},
			{Period: "2008-12", InputsHash: "h3", Path: "p3", Totals: []byte(`{"all":{"a":2}}`), At: t0},
		} {
			if _, err := l.PublishIssue(ctx, Publication{Issue: p}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := l.Issues(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct{ period, totals string }{{"2008-10", ""}, {"2008-11", `{"all":{"a":1}}`}, {"2008-12", `{"all":{"a":2}}`}}
		if len(got) != len(want) {
			t.Fatalf("Issues = %+v, want %d issues", got, len(want))
		}
		for i, w := range want {
			if got[i].Issue != i+1 || got[i].Period != w.period || string(got[i].Totals) != w.totals {
				t.Errorf("issue %d = %d %s %q, want %d %s %q", i, got[i].Issue, got[i].Period, got[i].Totals, i+1, w.period, w.totals)
			}
		}
	})
}
