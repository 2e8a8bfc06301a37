package ledger

import (
	"context"
	"testing"

	"countybrief/internal/pgtest"
)

// pgServer is the one PostgreSQL server of this test process, started by
// the first test that needs it and stopped by TestMain.
var pgServer pgtest.Lazy

// opener opens a fresh, empty ledger for a test, closed when the test
// ends, and returns it with the setting that opens it again (a file
// path, or a postgres:// URL).
type opener func(testing.TB) (*Ledger, string)

// eachBackend runs f once on SQLite and once on PostgreSQL, as subtests
// named after the backend: the ledger's behaviour must not depend on
// where it lives. The PostgreSQL half skips only when the server's
// binaries are absent.
func eachBackend(t *testing.T, f func(t *testing.T, open opener)) {
	t.Run("sqlite", func(t *testing.T) { f(t, openTemp) })
	t.Run("postgres", func(t *testing.T) { f(t, openPostgresTemp) })
}

func openPostgresTemp(t testing.TB) (*Ledger, string) {
	t.Helper()
	url := pgServer.Server(t).Database(t)
	l, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	})
	return l, url
}

// openTwo opens a fresh ledger and a second handle on it, standing for two
// processes on one ledger; both close when the test ends.
func openTwo(t *testing.T, open opener) (*Ledger, *Ledger) {
	t.Helper()
	a, path := open(t)
	b, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}
