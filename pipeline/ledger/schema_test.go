package ledger

import (
	"context"
	"database/sql"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite schema.sql from the migrations")

// TestFreshSchemaIsMigrated checks that a new ledger (one step, from
// schema.sql) and a file brought up by every migration have the same
// schema, statement for statement, and the same version. With -update it
// first writes schema.sql from the migrated file.
func TestFreshSchemaIsMigrated(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	migrated := openRaw(t, filepath.Join(dir, "migrated.db"))
	if err := migrate(ctx, migrated, false, migrations(), ""); err != nil {
		t.Fatal(err)
	}
	if *update {
		var b strings.Builder
		for _, st := range schemaOf(t, migrated, "rowid") {
			if st[3] != "" {
				b.WriteString(st[3] + ";\n")
			}
		}
		if err := os.WriteFile("schema.sql", []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("schema.sql rewritten; run again without -update to compare it")
		return
	}
	l, err := Open(ctx, filepath.Join(dir, "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if want, got := schemaOf(t, migrated, "type, name"), schemaOf(t, l.w, "type, name"); !slices.Equal(want, got) {
		t.Errorf("a fresh ledger's schema differs from the migrated one (go test ./pipeline/ledger -run TestFreshSchemaIsMigrated -update rewrites it):\nfresh:    %q\nmigrated: %q", got, want)
	}
	for _, db := range []*sql.DB{migrated, l.w} {
		if v, err := schemaVersion(ctx, db, false); err != nil || v != len(migrations()) {
			t.Errorf("user_version = %d, %v; want %d", v, err, len(migrations()))
		}
	}
}

// TestFreshSchemaOnlyForNewFiles checks that a file part way through the
// migrations is brought up step by step, keeping its rows, not given the
// fresh schema (which would fail on its existing tables).
func TestFreshSchemaOnlyForNewFiles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	db := openRaw(t, path)
	if err := migrate(ctx, db, false, migrations()[:1], ""); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO runs (id, started_at, status) VALUES (7, 1, 'completed')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	l, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var n int
	if err := l.w.QueryRow(`SELECT count(*) FROM runs WHERE id = 7`).Scan(&n); err != nil || n != 1 {
		t.Errorf("run 7 after migrating: %d rows, %v; want 1", n, err)
	}
	if v, err := schemaVersion(ctx, l.w, false); err != nil || v != len(migrations()) {
		t.Errorf("user_version = %d, %v; want %d", v, err, len(migrations()))
	}
}

// openRaw opens an SQLite file with the writer's settings, without
// migrating it.
func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	uri, err := fileURI(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", uri+"?"+writerParams)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// schemaOf lists sqlite_schema's rows (type, name, table, statement) in
// the given order.
func schemaOf(t *testing.T, db *sql.DB, order string) [][4]string {
	t.Helper()
	rows, err := db.Query(`SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY ` + order)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var all [][4]string
	for rows.Next() {
		var r [4]string
		if err := rows.Scan(&r[0], &r[1], &r[2], &r[3]); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return all
}
