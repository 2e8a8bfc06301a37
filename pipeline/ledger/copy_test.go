package ledger

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"countybrief/pipeline/vocab"
)

// fillEveryTable writes a row, or several, into every table of the
// ledger, with the awkward values a copy could lose: NULLs, empty and
// binary blobs, figures that decimal text would round, Chinese text.
func fillEveryTable(t *testing.T, l *Ledger) {
	t.Helper()
	ctx := context.Background()
	run, err := l.StartRun(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	a := sub("a", "U01", "2008-12", vocab.FileAccepted, 0, math.Nextafter(0.3, 1)) // 0.30000000000000004
	a.RunID = run
	a.Cells = map[string]string{"marker": "表一!C5", "members": "表一!C6"}
	rej := sub("r", "U02", "2008-12", vocab.FileRejected, 1, 1e-300)
	rej.Findings = append(rej.Findings, vocab.Finding{Rule: "trend", Severity: vocab.Warning, Sheet: "表一",
		Cell: "C9", Message: "比上月多出三倍", Fix: "請核對", Explanation: "本月新增了兩個支部"})
	dup := sub("d", "U01", "2008-12", vocab.FileDuplicate, 2, 3)
	dup.SHA256 = a.SHA256
	none := sub("n", "U03", "2008-11", vocab.FileAccepted, 3, 4)
	none.Values = nil
	mustRecord(t, l, a, rej, dup, none)
	if err := l.FinishRun(ctx, run, vocab.RunCompleted, []byte{0, 1, 2, 0xff}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.StartRun(ctx, t0.Add(time.Hour)); err != nil { // left running: finished_at NULL
		t.Fatal(err)
	}
	cur, err := l.ByClaim(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.RestoreIssue(ctx, 1, "2008-11", "outbox/2008-11/第1期.pdf", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := l.PublishIssue(ctx, Publication{
		Issue:   Issue{Period: "2008-12", InputsHash: "h1", Path: "outbox/2008-12/第2期.pdf", Totals: []byte(`{"x":1}`), At: t0, Date: "2008-12-05"},
		Counted: []Counted{{Unit: "U01", Submission: cur.ID, SHA256: cur.SHA256}},
		Files:   map[string][]byte{"config.yaml": []byte("county: 某縣\n"), "empty": {}},
		Render:  []byte{0x1f, 0x8b, 0},
	}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetPeriodState(ctx, "2008-11", PeriodClosed, t0, ""); err != nil {
		t.Fatal(err)
	}
	if err := l.SetPeriodState(ctx, "2008-11", PeriodOpen, t0.Add(time.Minute), "補報一個單位"); err != nil {
		t.Fatal(err)
	}
	if err := l.AddAccount(ctx, Account{Name: "office", Hash: "argon2id$x", Created: t0}); err != nil {
		t.Fatal(err)
	}
	if err := l.AddAccount(ctx, Account{Name: "u01", Unit: "U01", Hash: "argon2id$y", Created: t0}); err != nil {
		t.Fatal(err)
	}
	if err := l.SetLoginFailures(ctx, "u01", 2, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := l.AddSession(ctx, Session{TokenHash: "tok", Account: "u01", CSRF: "c", Remote: "10.0.0.2", Created: t0, Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, ok := range []bool{true, false} {
		if err := l.RecordWebAction(ctx, WebAction{At: t0, Account: "u01", Remote: "10.0.0.2", Action: "upload", Unit: "U01", Detail: "表.xlsx", OK: ok}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCopyToPostgres(t *testing.T) {
	ctx := context.Background()
	from, _ := openTemp(t)
	fillEveryTable(t, from)
	to, _ := openPostgresTemp(t)

	tables, err := Copy(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tables {
		if tc.Rows == 0 {
			t.Errorf("table %s copied no rows: the test does not fill it", tc.Table)
		}
	}
	// The copy answers as the original does.
	for _, q := range []func(*Ledger) (any, error){
		func(l *Ledger) (any, error) { return l.Current(ctx, "2008-12") },
		func(l *Ledger) (any, error) { return l.Returned(ctx, "2008-12") },
		func(l *Ledger) (any, error) { return l.History(ctx, "U01") },
		func(l *Ledger) (any, error) { return l.Publication(ctx, 2) },
		func(l *Ledger) (any, error) { return l.Accounts(ctx) },
		func(l *Ledger) (any, error) { return l.PeriodHistory(ctx, "2008-11") },
		func(l *Ledger) (any, error) { return l.WebActions(ctx, "", 10) },
		func(l *Ledger) (any, error) { return l.LastRun(ctx) },
	} {
		want, err := q(from)
		if err != nil {
			t.Fatal(err)
		}
		got, err := q(to)
		if err != nil {
			t.Fatal(err)
		}
		if w, g := fmt.Sprintf("%+v", deref(want)), fmt.Sprintf("%+v", deref(got)); w != g {
			t.Errorf("the copy answers\n%s\nthe original\n%s", g, w)
		}
	}
	// The copy goes on where the original stopped: new ids and the next
	// issue number follow the copied ones.
	run, err := to.StartRun(ctx, t0.Add(2*time.Hour))
	if err != nil || run != 3 {
		t.Errorf("first run after the copy = %d, %v; want 3", run, err)
	}
	ids := mustRecord(t, to, sub("later", "U04", "2008-12", vocab.FileAccepted, 9, 1))
	if ids[0] != 5 {
		t.Errorf("first submission after the copy has id %d, want 5", ids[0])
	}
	if n, err := to.PublishIssue(ctx, Publication{Issue: Issue{Period: "2008-12", InputsHash: "h2", Path: "p", At: t0}}); err != nil || n != 3 {
		t.Errorf("first issue after the copy = %d, %v; want 3", n, err)
	}

	// A second copy into the same database is refused and writes nothing.
	before, err := to.TableHashes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Copy(ctx, from, to); !errors.Is(err, ErrTargetNotEmpty) {
		t.Errorf("copy into a non-empty ledger = %v, want ErrTargetNotEmpty", err)
	}
	if after, err := to.TableHashes(ctx); err != nil || !slices.Equal(before, after) {
		t.Errorf("a refused copy changed the target: %v", err)
	}
}

// A table larger than one statement of the copy arrives whole: rows
// across the statements' seams, the last short statement included.
func TestCopyManyRowsToPostgres(t *testing.T) {
	ctx := context.Background()
	from, _ := openTemp(t)
	n := 3*copyParams/11 + 7
	rs := make([]Record, n)
	for i := range rs {
		rs[i] = sub(fmt.Sprintf("c%05d", i), fmt.Sprintf("U%04d", i%300), "2008-12", vocab.FileRejected, i, float64(i))
	}
	mustRecord(t, from, rs...)
	to, _ := openPostgresTemp(t)
	tables, err := Copy(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tables {
		if (tc.Table == "submissions" || tc.Table == "findings") && tc.Rows != int64(n) {
			t.Errorf("%s: copied %d rows, want %d", tc.Table, tc.Rows, n)
		}
	}
}

func deref(v any) any {
	switch v := v.(type) {
	case *Publication:
		return *v
	case *Run:
		return *v
	}
	return v
}

// The hashes see a change in any value, down to the last bit of a figure.
func TestTableHashesSeeEveryChange(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, _ := open(t)
		fillEveryTable(t, l)
		before, err := l.TableHashes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, change := range []string{
			`UPDATE submissions SET values_json = replace(values_json, '0.30000000000000004', '0.3') WHERE claim_name = 'a'`,
			`UPDATE runs SET summary_json = NULL WHERE summary_json IS NOT NULL`,
			`UPDATE findings SET explanation = '' WHERE explanation <> ''`,
			`DELETE FROM web_actions WHERE ok = 0`,
		} {
			if _, err := l.w.ExecContext(ctx, change); err != nil {
				t.Fatalf("%s: %v", change, err)
			}
			after, err := l.TableHashes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Equal(before, after) {
				t.Errorf("after %s the hashes are unchanged", change)
			}
			before = after
		}
	})
}

// copyTables names every table of the schema, so a migration that adds
// one cannot leave it out of the copy.
func TestCopyTablesAreEveryTable(t *testing.T) {
	l, _ := openTemp(t)
	rows, err := l.r.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		have = append(have, name)
	}
	if err := closeRows(rows); err != nil {
		t.Fatal(err)
	}
	var copied []string
	for _, tc := range copyTables {
		copied = append(copied, tc.name)
	}
	slices.Sort(copied)
	if !slices.Equal(have, copied) {
		t.Errorf("tables %v, copied %v", have, copied)
	}
}

func TestRedacted(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://office:s3cret@db/ledger": "postgres://office:xxxxx@db/ledger",
		"postgres://office@db/ledger":        "postgres://office@db/ledger",
		"ledger.db":                          "ledger.db",
	} {
		if got := Redacted(in); got != want {
			t.Errorf("Redacted(%q) = %q, want %q", in, got, want)
		}
	}
}
