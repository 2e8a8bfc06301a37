package ledger

import (
	"context"
	"countybrief/pipeline/vocab"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestMigrationsFreshAndReopen(t *testing.T) {
	ctx := context.Background()
	l, path := openTemp(t)
	want := len(migrations())

	var version int
	if err := l.w.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != want {
		t.Fatalf("user_version = %d, want %d", version, want)
	}
	tables := tableNames(t, l.r)
	for _, name := range []string{"runs", "submissions", "submission_values", "findings", "briefings",
		"submissions_period", "submissions_unit", "submissions_origin"} {
		if !slices.Contains(tables, name) {
			t.Errorf("schema lacks %s; has %v", name, tables)
		}
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000",
		"cache_size": "-2048", "wal_autocheckpoint": "16384"} {
		var got string
		if err := l.w.QueryRowContext(ctx, `PRAGMA `+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("writer PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	id := mustRecord(t, l, sub("a", "U01", "2008-12", vocab.FileAccepted, 0, 1))[0]
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopening applies nothing: the schema text and the data are unchanged.
	before := schemaSQL(t, path)
	l2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if after := schemaSQL(t, path); after != before {
		t.Errorf("reopen changed the schema:\n%s\n---\n%s", before, after)
	}
	got, err := l2.ByClaim(ctx, "a")
	if err != nil || got == nil || got.ID != id {
		t.Fatalf("after reopen ByClaim = %+v, %v; want id %d", got, err, id)
	}
}

// A migration that fails leaves the file at the previous version with
// nothing of the failed step in it, and the next Open can try again.
func TestMigrationIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	uri, err := fileURI(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", uri+"?"+writerParams)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	steps := []string{
		`CREATE TABLE one (a INTEGER)`,
		`CREATE TABLE two (a INTEGER); INSERT INTO one VALUES (1); CREATE TABLE broken (`,
	}
	if err := migrate(ctx, db, false, steps, ""); err == nil || !strings.Contains(err.Error(), "migration 2") {
		t.Fatalf("migrate = %v, want an error naming migration 2", err)
	}
	var version, rows int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil || version != 1 {
		t.Errorf("user_version = %d, %v; want 1", version, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM one`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("table one has %d rows, %v; the failed step's insert must be rolled back", rows, err)
	}
	if tables := tableNames(t, db); slices.Contains(tables, "two") {
		t.Errorf("failed step left table two: %v", tables)
	}
	steps[1] = `CREATE TABLE two (a INTEGER)`
	if err := migrate(ctx, db, false, steps, ""); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil || version != 2 {
		t.Errorf("after the fix user_version = %d, %v; want 2", version, err)
	}
}

// Several processes opening a fresh file at once (the batch and status
// commands) must neither fail on the switch to WAL nor both run the first
// migration. The race is narrow, so it is run on many fresh files.
func TestConcurrentOpenOfFreshFile(t *testing.T) {
	dir := t.TempDir()
	for round := range 25 {
		path := filepath.Join(dir, strconv.Itoa(round)+".db")
		errs := make(chan error, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				l, err := Open(context.Background(), path)
				if err == nil {
					err = l.Close()
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("round %d: %v", round, err)
			}
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		l, path := open(t)
		set := `PRAGMA user_version = 99`
		if l.pg != nil {
			set = `UPDATE ledger_schema SET version = 99`
		}
		if _, err := l.w.ExecContext(ctx, set); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l2, err := Open(ctx, path)
		if err == nil {
			l2.Close()
			t.Fatal("Open accepted a schema newer than the program")
		}
		if !strings.Contains(err.Error(), "newer") {
			t.Errorf("error %q does not say the file is newer", err)
		}
	})
}

func TestOpenFailsInMissingFolder(t *testing.T) {
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "no such folder", "ledger.db"))
	if err == nil {
		t.Fatal("Open succeeded in a folder that does not exist")
	}
}

// Names SQLite would misread as URI syntax, and names offices use. '?' is
// left to TestFileURI: Windows forbids it in file names.
func TestOpenPaths(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{
		"ledger.db",
		"縣委 辦公室/台帳 2008.db",
		"a#b/ledger #1.db",
		"percent %20 %zz/ledger%41.db",
		"semi;colon&amp=/l+plus.db",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			l, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			mustRecord(t, l, sub("a", "U01", "2008-12", vocab.FileAccepted, 0, 1))
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			entries, err := os.ReadDir(filepath.Dir(path))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if !slices.Equal(names, []string{filepath.Base(path)}) {
				t.Errorf("folder holds %q, want only %q", names, filepath.Base(path))
			}
		})
	}
}

func TestOpenRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	l, err := Open(context.Background(), "相對.db")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "相對.db")); err != nil {
		t.Fatal(err)
	}
}

func TestFileURI(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, suffix string
	}{
		{"ledger.db", "/ledger.db"},
		{"台帳.db", "/%E5%8F%B0%E5%B8%B3.db"},
		{"a b?c#d%e.db", "/a%20b%3Fc%23d%25e.db"},
		{"x&_pragma=journal_mode(OFF).db", "/x%26_pragma%3Djournal_mode%28OFF%29.db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			uri, err := fileURI(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(uri, "file:///") || !strings.HasSuffix(uri, tc.suffix) {
				t.Errorf("fileURI(%q) = %q, want file:///…%s", path, uri, tc.suffix)
			}
			checkURI(t, path, uri)
		})
	}
	for _, bad := range []string{"", "a\x00b"} {
		if uri, err := fileURI(bad); err == nil {
			t.Errorf("fileURI(%q) = %q, want an error", bad, uri)
		}
	}
}

// Windows paths cannot be made on Linux, so their slash form is tested:
// SQLite's Windows VFS drops the slash before a drive letter and turns a
// leading // into a UNC path.
func TestSlashURI(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/home/縣委/ledger.db", "file:///home/%E7%B8%A3%E5%A7%94/ledger.db"},
		{"C:/Users/辦公室/Documents/ledger.db", "file:///C:/Users/%E8%BE%A6%E5%85%AC%E5%AE%A4/Documents/ledger.db"},
		{"D:/data 2008/ledger.db", "file:///D:/data%202008/ledger.db"},
		{"//server/share/ledger.db", "file:////server/share/ledger.db"},
		{"/a?b#c%d&e=f", "file:///a%3Fb%23c%25d%26e%3Df"},
	} {
		got, err := slashURI(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("slashURI(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func FuzzFileURI(f *testing.F) {
	for _, s := range []string{"ledger.db", "台帳 資料/x.db", "a?b#c%d", `C:\data\ledger.db`, "../x", "//server/share/l.db", "%", "?_pragma=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		uri, err := fileURI(path)
		if err != nil {
			return
		}
		checkURI(t, path, uri)
	})
}

// checkURI asserts that uri names exactly path's absolute form and carries
// no query or fragment of its own, which would let a file name inject
// connection parameters.
func checkURI(t *testing.T, path, uri string) {
	t.Helper()
	if strings.ContainsAny(uri, "?# ") {
		t.Fatalf("fileURI(%q) = %q holds a raw ?, # or space", path, uri)
	}
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatalf("fileURI(%q) = %q does not parse: %v", path, uri, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.ToSlash(abs)
	if !strings.HasPrefix(want, "/") {
		want = "/" + want
	}
	if u.Scheme != "file" || u.Host != "" || u.Path != want {
		t.Fatalf("fileURI(%q) = %q decodes to scheme %q host %q path %q, want file, \"\", %q", path, uri, u.Scheme, u.Host, u.Path, want)
	}
}

func tableNames(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_schema ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

func schemaSQL(t *testing.T, path string) string {
	t.Helper()
	uri, err := fileURI(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", uri+"?"+readerParams)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s string
	if err := db.QueryRow(`SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_schema ORDER BY name)`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return s + ";version=" + strconv.Itoa(v)
}
