package ledger

import (
	"context"
	"countybrief/pipeline/vocab"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Origins names, for each hash, the first file with it that was not a
// duplicate, as BySHA does one hash at a time, across the seams of its
// queries.
func TestOrigins(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		l, _ := open(t)
		ctx := context.Background()
		rec := func(claim, unit, period string, status vocab.FileStatus, minute int, sha string) Record {
			r := sub(claim, unit, period, status, minute, 0)
			r.SHA256 = sha
			return r
		}
		mustRecord(t, l,
			// A duplicate recorded before its origin does not count.
			rec("dup-first", "Z01", "2008-12", vocab.FileDuplicate, 0, "sha-a"),
			rec("acc-a", "Z01", "2008-11", vocab.FileAccepted, 1, "sha-a"),
			rec("acc-a-later", "Z02", "2008-12", vocab.FileAccepted, 2, "sha-a"),
			// The earliest is the origin, rejected or not.
			rec("rej-b", "Z03", "2008-12", vocab.FileRejected, 3, "sha-b"),
			rec("acc-b", "Z03", "2008-12", vocab.FileAccepted, 4, "sha-b"),
			// Received earlier, recorded later.
			rec("acc-c-late", "Z05", "2008-12", vocab.FileAccepted, 9, "sha-c"),
			rec("acc-c", "Z04", "2008-10", vocab.FileAccepted, 5, "sha-c"),
			rec("only-dup", "Z06", "2008-12", vocab.FileDuplicate, 6, "sha-d"),
			rec("past-seam", "Z07", "2008-12", vocab.FileAccepted, 7, "sha-past-seam"),
		)
		var shas []string
		for i := range originsPerQuery - 3 {
			shas = append(shas, fmt.Sprintf("sha-none-%d", i))
		}
		shas = append(shas, "sha-a", "sha-b", "sha-c", "sha-d", "sha-past-seam", "sha-none")
		got, err := l.Origins(ctx, shas)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]Origin{
			"sha-a":         {UnitCode: "Z01", Period: "2008-11", Status: vocab.FileAccepted},
			"sha-b":         {UnitCode: "Z03", Period: "2008-12", Status: vocab.FileRejected},
			"sha-c":         {UnitCode: "Z04", Period: "2008-10", Status: vocab.FileAccepted},
			"sha-past-seam": {UnitCode: "Z07", Period: "2008-12", Status: vocab.FileAccepted},
		}
		if len(got) != len(want) {
			t.Errorf("Origins found %d hashes, want %d: %v", len(got), len(want), got)
		}
		for sha, w := range want {
			if got[sha] != w {
				t.Errorf("Origins[%s] = %+v, want %+v", sha, got[sha], w)
			}
			one, err := l.BySHA(ctx, sha)
			if err != nil || one == nil || one.UnitCode != w.UnitCode || one.Status != w.Status {
				t.Errorf("BySHA(%s) = %+v, %v; Origins says %+v", sha, one, err, w)
			}
		}
	})
}

// A ledger written before the origin index gets it when opened, keeps
// answering Origins and BySHA as before, and Origins reads the index
// alone, not the table.
func TestOriginIndexMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	db := ledgerBefore(t, path, "submissions_origin")
	for _, row := range []string{
		`('dup', 'U01', '2008-12', 'a.xlsx', '', 'sha-a', 'duplicate', 1)`,
		`('acc', 'U01', '2008-11', 'a.xlsx', '', 'sha-a', 'accepted', 2)`,
		`('rej', 'U02', '2008-12', 'b.xlsx', '', 'sha-b', 'rejected', 3)`,
		`('only-dup', 'U03', '2008-12', 'c.xlsx', '', 'sha-c', 'duplicate', 4)`,
	} {
		if _, err := db.ExecContext(ctx, `INSERT INTO submissions
			(claim_name, unit_code, period, orig_name, archive_path, sha256, status, received_at) VALUES `+row); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	l, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tables := tableNames(t, l.r)
	if !slices.Contains(tables, "submissions_origin") || slices.Contains(tables, "submissions_sha") {
		t.Errorf("after migration the schema has %v; want submissions_origin instead of submissions_sha", tables)
	}
	got, err := l.Origins(ctx, []string{"sha-a", "sha-b", "sha-c"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Origin{
		"sha-a": {UnitCode: "U01", Period: "2008-11", Status: vocab.FileAccepted},
		"sha-b": {UnitCode: "U02", Period: "2008-12", Status: vocab.FileRejected},
	}
	if !maps.Equal(got, want) {
		t.Errorf("Origins after migration = %v, want %v", got, want)
	}
	if r, err := l.BySHA(ctx, "sha-a"); err != nil || r == nil || r.ClaimName != "acc" {
		t.Errorf("BySHA after migration = %+v, %v; want the claim acc", r, err)
	}

	plan := queryPlan(t, l, originsSQL(2), "sha-a", "sha-b")
	if !slices.ContainsFunc(plan, func(d string) bool { return strings.Contains(d, "USING COVERING INDEX submissions_origin") }) {
		t.Errorf("Origins' plan does not read the origin index alone: %q", plan)
	}
}

// queryPlan is SQLite's plan of query, one detail a step.
func queryPlan(t *testing.T, l *Ledger, query string, args ...any) []string {
	t.Helper()
	rows, err := l.r.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := closeRows(rows); err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestToReturnSearchesByRun: the start of every batch asks for the files
// of unfinished runs; the ledger must find them by run, not read every
// file it holds.
func TestToReturnSearchesByRun(t *testing.T) {
	l, err := Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	plan := queryPlan(t, l, toReturnSQL, 1)
	if !slices.ContainsFunc(plan, func(d string) bool { return strings.Contains(d, "USING INDEX submissions_run") }) ||
		slices.ContainsFunc(plan, func(d string) bool { return strings.HasPrefix(d, "SCAN s") }) {
		t.Errorf("ToReturn's plan does not search the files by run: %q", plan)
	}
}

// TestUnarchivedSearchesItsIndex: every batch asks at its start for the
// records still without an archive path, which are none but after a kill;
// the ledger must find them in their own index, not read every record.
func TestUnarchivedSearchesItsIndex(t *testing.T) {
	l, err := Open(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, query := range []string{unarchivedSQL, `SELECT id FROM submissions WHERE id IN (` + unarchivedSQL + `) ORDER BY id`} {
		plan := queryPlan(t, l, query)
		if !slices.ContainsFunc(plan, func(d string) bool { return strings.Contains(d, "INDEX submissions_unarchived") }) ||
			slices.ContainsFunc(plan, func(d string) bool { return d == "SCAN submissions" }) {
			t.Errorf("Unarchived's plan does not search the unarchived index alone: %q", plan)
		}
	}
}
