package ledger

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestPublishIssue: numbers go 1, 2, 3 whatever the inputs (a revert to
// an earlier issue's inputs is a new issue); a number the caller rendered
// that is no longer next records nothing; what an issue counted and was
// rendered from reads back whole.
func TestPublishIssue(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		if b, err := l.LastIssue(ctx); err != nil || b != nil {
			t.Fatalf("LastIssue on an empty ledger = %+v, %v", b, err)
		}
		ids := mustRecord(t, l, sub("a", "U01", "2008-12", acc, 0, 1), sub("b", "U02", "2008-12", acc, 1, 2))
		steps := []struct {
			hash string
			want int
		}{{"h1", 1}, {"h2", 2}, {"h1", 3}}
		for i, s := range steps {
			p := Publication{
				Issue: Issue{Issue: s.want, Period: "2008-12", InputsHash: s.hash, Path: fmt.Sprintf("b-%d.pdf", s.want),
					Totals: []byte(`{"all":{"members":` + s.hash[1:] + `}}`), At: t0.Add(time.Duration(i) * time.Hour), Date: "2008-12-06"},
				Counted: []Counted{{Unit: "U01", Submission: ids[0], SHA256: "a"}, {Unit: "U02", Submission: ids[1], SHA256: "b"}},
				Files:   map[string][]byte{"config.yaml": []byte("period: 2008-12\n"), "templates/briefing.tmpl": []byte(s.hash)},
				Render:  []byte(`{"draft":false}`),
			}
			issue, err := l.PublishIssue(ctx, p)
			if err != nil || issue != s.want {
				t.Fatalf("step %d: PublishIssue(%s) = issue %d, %v; want %d", i, s.hash, issue, err, s.want)
			}
			got, err := l.Publication(ctx, issue)
			if err != nil {
				t.Fatal(err)
			}
			got.At, p.At = time.Time{}, time.Time{}
			if !reflect.DeepEqual(*got, p) {
				t.Errorf("Publication(%d) = %+v, want %+v", issue, *got, p)
			}
		}
		if _, err := l.PublishIssue(ctx, Publication{Issue: Issue{Issue: 3, Period: "2008-12", InputsHash: "h4", Path: "x", At: t0}}); !errors.Is(err, ErrIssueTaken) {
			t.Errorf("publishing a taken number: %v, want ErrIssueTaken", err)
		}
		if last, err := l.LastIssue(ctx); err != nil || last.Issue != 3 || last.InputsHash != "h1" || last.Date != "2008-12-06" {
			t.Errorf("LastIssue = %+v, %v; want 第3期 of h1", last, err)
		}
		if _, err := l.PublishIssue(ctx, Publication{Issue: Issue{Period: "2008-12", Path: "x", At: t0}}); err == nil {
			t.Error("PublishIssue without an inputs hash succeeded")
		}
		if _, err := l.Publication(ctx, 9); !errors.Is(err, ErrNoIssue) {
			t.Errorf("Publication(9) = %v, want ErrNoIssue", err)
		}
	})
}

// TestIssuesMigrateAnOldLedger: issues numbered by batches before the
// office published keep their numbers, and the next is published after them.
func TestIssuesMigrateAnOldLedger(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	db := ledgerBefore(t, path, "CREATE TABLE issue_counted")
	if _, err := db.ExecContext(ctx, `INSERT INTO briefings (issue, period, inputs_hash, path, totals_json, at)
		VALUES (1, '2008-12', 'h1', 'outbox/2008-12/簡報第1期.pdf', X'7B7D', 1), (2, '2008-12', 'h2', 'outbox/2008-12/簡報第2期.pdf', X'7B7D', 2)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if all, err := l.Issues(ctx); err != nil || len(all) != 2 || all[1].InputsHash != "h2" {
		t.Fatalf("issues after migration = %+v, %v", all, err)
	}
	if p, err := l.Publication(ctx, 1); err != nil || len(p.Counted) != 0 || len(p.Render) != 0 {
		t.Errorf("old issue = %+v, %v; want no counted files and nothing to reprint from", p, err)
	}
	if n, err := l.PublishIssue(ctx, Publication{Issue: Issue{Period: "2008-12", InputsHash: "h1", Path: "p", At: t0}}); err != nil || n != 3 {
		t.Errorf("first published issue = %d, %v; want 3", n, err)
	}
}
