package ledger

import (
	"context"
	"countybrief/pipeline/vocab"
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"
)

func TestUnarchivedUntilThePathIsSet(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		l, _ := open(t)
		ctx := context.Background()
		moved := sub("c1", "Z01", "2008-12", vocab.FileAccepted, 0, 1)
		pending := sub("c2", "Z02", "2008-12", vocab.FileRejected, 1, 2)
		pending.ArchivePath = ""
		ids := mustRecord(t, l, moved, pending)

		got, err := l.Unarchived(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != ids[1] || len(got[0].Findings) != 1 {
			t.Fatalf("Unarchived = %+v, want only c2 with its finding", got)
		}
		if err := l.SetArchivePaths(ctx, map[int64]string{ids[1]: "archive/rejected/c2.xlsx"}); err != nil {
			t.Fatal(err)
		}
		if got, err = l.Unarchived(ctx); err != nil || len(got) != 0 {
			t.Fatalf("after SetArchivePath: %v, %v; want none", got, err)
		}
	})
}

func TestHeadsMatchCurrentAndReturned(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		l, _ := open(t)
		ctx := context.Background()
		mustRecord(t, l,
			sub("a1", "Z01", "2008-12", vocab.FileAccepted, 0, 1),
			sub("a2", "Z01", "2008-12", vocab.FileAccepted, 5, 2),
			sub("r1", "Z02", "2008-12", vocab.FileAccepted, 0, 3),
			sub("r2", "Z02", "2008-12", vocab.FileRejected, 6, 4),
			sub("o1", "Z03", "2008-11", vocab.FileAccepted, 0, 5),
		)
		cur, ret, err := l.Heads(ctx, "2008-12")
		if err != nil {
			t.Fatal(err)
		}
		wantCur, _ := l.Current(ctx, "2008-12")
		wantRet, _ := l.Returned(ctx, "2008-12")
		same := func(a, b []Record) bool {
			if len(a) != len(b) {
				return false
			}
			for i := range a {
				if a[i].ID != b[i].ID || a[i].SHA256 != b[i].SHA256 || a[i].Values != nil {
					return false
				}
			}
			return true
		}
		if !same(cur, wantCur) || !same(ret, wantRet) || len(cur) != 2 || len(ret) != 1 {
			t.Errorf("Heads = %v / %v; want the ids of Current %v / Returned %v without values", cur, ret, wantCur, wantRet)
		}
	})
}

// Current and Heads read their rows their own way; every field must come
// back as History (the plain path) reads it.
func TestCurrentRecordsWhole(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		l, _ := open(t)
		ctx := context.Background()
		run, err := l.StartRun(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		withRun := sub("w1", "Z01", "2008-12", vocab.FileAccepted, 3, 1)
		withRun.RunID = run
		bare := sub("w2", "Z02", "2008-12", vocab.FileAccepted, 4, 2)
		bare.Values = nil
		mustRecord(t, l, withRun, bare)
		cur, err := l.Current(ctx, "2008-12")
		if err != nil {
			t.Fatal(err)
		}
		heads, _, err := l.Heads(ctx, "2008-12")
		if err != nil {
			t.Fatal(err)
		}
		if len(cur) != 2 || len(heads) != 2 {
			t.Fatalf("Current = %+v, Heads = %+v; want two records each", cur, heads)
		}
		for i, r := range cur {
			h, err := l.History(ctx, r.UnitCode)
			if err != nil || len(h) != 1 {
				t.Fatalf("History(%s) = %+v, %v", r.UnitCode, h, err)
			}
			want := h[0]
			if !reflect.DeepEqual(r, want) {
				t.Errorf("Current record\n%+v\nwant\n%+v", r, want)
			}
			want.Values = nil
			if !reflect.DeepEqual(heads[i], want) {
				t.Errorf("Heads record\n%+v\nwant\n%+v", heads[i], want)
			}
		}
		if cur[0].RunID != run || cur[1].Values == nil || len(cur[1].Values) != 0 {
			t.Errorf("Current = %+v; want the run on the first and an empty map of values on the second", cur)
		}
	})
}

// The batched look-ups answer as the one-by-one ones do.
func TestBatchedLookUpsMatchSingleOnes(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		l, _ := open(t)
		ctx := context.Background()
		dup := sub("d1", "Z01", "2008-12", vocab.FileDuplicate, 9, 0)
		dup.SHA256 = "sha-a2"
		mustRecord(t, l,
			sub("a1", "Z01", "2008-10", vocab.FileAccepted, 0, 1),
			sub("a2", "Z01", "2008-11", vocab.FileAccepted, 1, 2),
			sub("a3", "Z01", "2008-11", vocab.FileRejected, 2, 3),
			sub("b1", "Z02", "2008-12", vocab.FileAccepted, 3, 4),
			dup,
		)
		units := []string{"Z01", "Z02", "Z09"}
		prev, err := l.PreviousFor(ctx, "2008-12", units)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range units {
			want, err := l.Previous(ctx, u, "2008-12")
			if err != nil {
				t.Fatal(err)
			}
			if (want == nil) != (prev[u] == nil) || (want != nil && want["marker"] != prev[u]["marker"]) {
				t.Errorf("PreviousFor[%s] = %v, Previous = %v", u, prev[u], want)
			}
		}
	})
}

// A ledger written before values moved onto the submission row keeps its
// figures through the migration, and the view answers like the old table.
func TestMigrationMovesValuesOntoTheRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		migrations()[0],
		`INSERT INTO submissions (id, claim_name, unit_code, period, orig_name, archive_path, sha256, status, received_at)
			VALUES (1, 'c1', 'Z01', '2008-12', 'a.xlsx', 'archive/a.xlsx', 'sha-1', 'accepted', 1)`,
		`INSERT INTO submission_values VALUES (1, 'problems_found', 12), (1, 'help_funds', 1234.5)`,
		`PRAGMA user_version = 1`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	l, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cur, err := l.Current(context.Background(), "2008-12")
	if err != nil || len(cur) != 1 {
		t.Fatalf("Current = %v, %v", cur, err)
	}
	if v := cur[0].Values; v["problems_found"] != 12 || v["help_funds"] != 1234.5 || len(v) != 2 {
		t.Errorf("values after migration = %v", v)
	}
	var n int
	if err := l.r.QueryRow(`SELECT count(*) FROM submission_values WHERE submission_id = 1`).Scan(&n); err != nil || n != 2 {
		t.Errorf("submission_values view gives %d rows, %v; want 2", n, err)
	}
}
