package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"countybrief/pipeline/lock"
	"countybrief/pipeline/vocab"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`a = ? AND b = ?`, `a = $1 AND b = $2`},
		{`substr(x, length(?1) + 1) WHERE y = ?1`, `substr(x, length($1) + 1) WHERE y = $1`},
		{`?2, ?1, ?`, `$2, $1, $3`},
		{`'what?' = ? -- really?` + "\n" + `AND "col?" = ?`, `'what?' = $1 -- really?` + "\n" + `AND "col?" = $2`},
		{`'it''s?' = ?`, `'it''s?' = $1`},
		{`IN (?, ?, ?)`, `IN ($1, $2, $3)`},
		{`'unterminated ?`, `'unterminated ?`},
	} {
		if got := rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsPostgres(t *testing.T) {
	for in, want := range map[string]bool{
		"postgres://office@db.example/ledger":   true,
		"postgresql://office@db.example/ledger": true,
		"ledger.db":                             false,
		"work/postgres/ledger.db":               false,
		"/srv/postgres:/ledger.db":              false,
		"":                                      false,
	} {
		if got := IsPostgres(in); got != want {
			t.Errorf("IsPostgres(%q) = %v, want %v", in, got, want)
		}
	}
}

// The migrations translated for PostgreSQL build the same tables, and
// several processes opening a fresh database at once apply each
// migration once.
func TestPostgresSchema(t *testing.T) {
	ctx := context.Background()
	url := pgServer.Server(t).Database(t)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			l, err := Open(ctx, url)
			if err == nil {
				err = l.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent opens of a fresh database: %v", err)
	}
	l, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if v, err := schemaVersion(ctx, l.r, true); err != nil || v != len(migrations()) {
		t.Fatalf("schema version = %d, %v; want %d", v, err, len(migrations()))
	}
	var tables []string
	rows, err := l.r.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := closeRows(rows); err != nil {
		t.Fatal(err)
	}
	want := []string{"accounts", "briefings", "findings", "issue_counted", "issue_files", "ledger_schema",
		"period_changes", "runs", "submission_values", "submissions", "web_actions", "web_sessions"}
	if !slices.Equal(tables, want) {
		t.Errorf("tables = %v, want %v", tables, want)
	}
	// The view of values keeps the old table's shape on PostgreSQL too.
	mustRecord(t, l, sub("a", "U01", "2008-12", vocab.FileAccepted, 0, 7.25))
	var v float64
	if err := l.r.QueryRowContext(ctx, `SELECT value FROM submission_values WHERE code = 'marker'`).Scan(&v); err != nil || v != 7.25 {
		t.Errorf("submission_values marker = %v, %v; want 7.25", v, err)
	}
	if err := l.QuickCheck(ctx); err != nil {
		t.Errorf("QuickCheck of a sound ledger: %v", err)
	}
}

// The second migration moves values out of their table with PostgreSQL's
// JSON functions; a database left at version 1 with values in the old
// table reads them back after the upgrade.
func TestPostgresValuesMigration(t *testing.T) {
	ctx := context.Background()
	url := pgServer.Server(t).Database(t)
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(pgConnector{base: stdlib.GetConnector(*cfg), writer: true})
	defer db.Close()
	if err := migrate(ctx, db, true, pgMigrations()[:1], ""); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO runs (id, started_at, status) VALUES (1, 1, 'completed')`,
		`INSERT INTO submissions (id, run_id, claim_name, unit_code, period, orig_name, archive_path, sha256, status, received_at)
			VALUES (1, 1, 'c1', 'U01', '2008-12', 'a.xlsx', 'archive/a.xlsx', 'sha-a', 'accepted', 1228469400000000000)`,
		`INSERT INTO submission_values VALUES (1, 'problems_found', 12), (1, 'help_funds', 1234.5)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	up, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	r, err := up.ByClaim(ctx, "c1")
	if err != nil || r == nil {
		t.Fatalf("ByClaim after the upgrade = %v, %v", r, err)
	}
	if r.Values["problems_found"] != 12 || r.Values["help_funds"] != 1234.5 || len(r.Values) != 2 {
		t.Errorf("values after the upgrade = %v", r.Values)
	}
}

func TestBatchLock(t *testing.T) {
	ctx := context.Background()
	first, url := openPostgresTemp(t)
	second, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()

	release, err := first.LockBatch(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = second.LockBatch(ctx, false)
	var held *lock.HeldError
	if !errors.As(err, &held) || !errors.Is(err, lock.ErrLocked) {
		t.Fatalf("second LockBatch = %v, want a *lock.HeldError", err)
	}
	if host, _ := os.Hostname(); held.Holder.PID != os.Getpid() || !strings.HasPrefix(host, held.Holder.Host) || held.Holder.Started.IsZero() {
		t.Errorf("holder = %+v, want pid %d on %s", held.Holder, os.Getpid(), host)
	}
	if strings.Contains(held.Error(), "test@") || strings.Contains(held.Error(), "password") {
		t.Errorf("the error shows the URL: %v", held)
	}

	// A waiting batch gives up when its context ends.
	wctx, cancel := context.WithTimeout(ctx, 600*time.Millisecond)
	_, err = second.LockBatch(wctx, true)
	cancel()
	if !errors.Is(err, lock.ErrLocked) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting LockBatch after its deadline = %v, want ErrLocked and the deadline", err)
	}

	// A waiting batch gets the lock once it is released.
	got := make(chan error, 1)
	go func() {
		rel, err := second.LockBatch(ctx, true)
		if err == nil {
			rel()
		}
		got <- err
	}()
	release()
	if err := <-got; err != nil {
		t.Errorf("waiting LockBatch after the release = %v", err)
	}

	var sq *Ledger
	sq, _ = openTemp(t)
	if _, err := sq.LockBatch(ctx, false); err == nil {
		t.Error("an SQLite ledger gave a PostgreSQL batch lock")
	}
}

// A batch killed while holding the lock does not keep it: PostgreSQL ends
// the session and its advisory locks with the process.
func TestBatchLockDiesWithItsProcess(t *testing.T) {
	ctx := context.Background()
	l, url := openPostgresTemp(t)
	cmd, line := startHelper(t, "hold-batch-lock", url)
	if line != "locked\n" {
		t.Fatalf("helper said %q", line)
	}
	var held *lock.HeldError
	if _, err := l.LockBatch(ctx, false); !errors.As(err, &held) || held.Holder.PID != cmd.Process.Pid {
		t.Errorf("LockBatch while the helper holds it = %v, want held by pid %d", err, cmd.Process.Pid)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	release, err := l.LockBatch(wctx, true)
	if err != nil {
		t.Fatalf("LockBatch after the holder was killed = %v", err)
	}
	release()
}

// holdBatchLock is the helper process of TestBatchLockDiesWithItsProcess.
func holdBatchLock(url string) error {
	ctx := context.Background()
	l, err := Open(ctx, url)
	if err != nil {
		return err
	}
	if _, err := l.LockBatch(ctx, false); err != nil {
		return err
	}
	fmt.Println("locked")
	select {}
}

// A URL with a password never appears in Open's error.
func TestPostgresOpenErrorHidesTheURL(t *testing.T) {
	url := "postgres://office:s3cret@127.0.0.1:1/ledger?connect_timeout=1"
	_, err := Open(context.Background(), url)
	if err == nil {
		t.Fatal("Open of a server that is not there succeeded")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the password: %v", err)
	}
	_, err = Open(context.Background(), "postgres://office:s3cret@[bad/x")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error for a malformed URL = %v", err)
	}
}

// FuzzRebind: outside quotes and comments every placeholder becomes $N
// and nothing else changes; inside them nothing changes at all.
func FuzzRebind(f *testing.F) {
	for _, s := range []string{`a = ? AND b = ?`, `?2, ?1, ?`, `'x?' = ? -- y?` + "\n" + `?`, `"c?" ?10`, `??`, `?99999999999999999999`} {
		f.Add(s)
	}
	placeholder := regexp.MustCompile(`\?[0-9]*`)
	dollar := regexp.MustCompile(`\$[0-9]+`)
	f.Fuzz(func(t *testing.T, q string) {
		out := rebind(q)
		if strings.ContainsAny(q, `'"-$`) {
			return // quoting and comments are the table test's
		}
		if strings.Contains(out, "?") {
			t.Fatalf("rebind(%q) = %q keeps a ?", q, out)
		}
		if a, b := placeholder.ReplaceAllString(q, "P"), dollar.ReplaceAllString(out, "P"); a != b {
			t.Fatalf("rebind(%q) = %q changed more than placeholders", q, out)
		}
	})
}
