// Package pgtest starts a private PostgreSQL server for a test process:
// initdb in a temporary folder, listening only on a Unix socket there, no
// network and nothing left behind. initdb and postgres refuse to run as
// root, so under root (as CI runs) the server runs as the postgres system
// user that Debian's package creates. Only tests import this package.
//
// A test binary starts one server in TestMain and each test takes a fresh
// database of it (Database), so tests stay independent without paying for
// a server each.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoServer says the PostgreSQL binaries are not installed; its message
// names them, for the skip.
var ErrNoServer = errors.New("PostgreSQL server binaries (initdb, pg_ctl from Debian's postgresql package, under /usr/lib/postgresql/<version>/bin) not found")

// Server is a running private server.
type Server struct {
	bin, dir string
	asUser   []string // runuser prefix under root
	port     int
	next     atomic.Int64
}

// port names the socket file (.s.PGSQL.port) in the server's own folder;
// nothing listens on TCP, so any number does.
const port = 5432

// Start initialises and starts a server. It returns an error wrapping
// ErrNoServer when the binaries are absent.
func Start() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "countybrief-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: dir, port: port}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("%w: running as root and there is no postgres user to run the server as", ErrNoServer)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		s.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	data := filepath.Join(dir, "data")
	// C collation and UTF-8, whatever the machine's locale; fsync off,
	// since a test server's data need not outlive a crash.
	if err := s.run("initdb", "-D", data, "-A", "trust", "-U", "test", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -p %d -c fsync=off -c max_connections=200", dir, port)
	if err := s.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "start"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// binDir finds the newest installed version's bin folder.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	for _, name := range []string{"initdb", "pg_ctl"} {
		if _, err := exec.LookPath(name); err != nil {
			return "", ErrNoServer
		}
	}
	p, _ := exec.LookPath("initdb")
	return filepath.Dir(p), nil
}

func (s *Server) run(name string, args ...string) error {
	argv := append(append(append([]string{}, s.asUser...), filepath.Join(s.bin, name)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = s.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", name, err, out)
	}
	return nil
}

// Stop stops the server at once and removes its folder.
func (s *Server) Stop() {
	s.run("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop")
	os.RemoveAll(s.dir)
}

// URL is the postgres:// URL of a database of the server.
func (s *Server) URL(db string) string {
	q := url.Values{"host": {s.dir}, "port": {strconv.Itoa(s.port)}}
	return (&url.URL{Scheme: "postgres", User: url.User("test"), Path: "/" + db, RawQuery: q.Encode()}).String()
}

// Database creates an empty database for the calling test, dropped when
// the test ends, and returns its URL.
func (s *Server) Database(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%d", os.Getpid(), s.next.Add(1))
	if err := s.exec(fmt.Sprintf(`CREATE DATABASE %s`, name)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		// WITH (FORCE) ends sessions a failed test left open.
		if err := s.exec(fmt.Sprintf(`DROP DATABASE %s WITH (FORCE)`, name)); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return s.URL(name)
}

func (s *Server) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// Lazy starts the server on first use, so that a test binary whose
// chosen tests need none pays nothing. TestMain calls Stop after m.Run.
type Lazy struct {
	once sync.Once
	s    *Server
	err  error
}

// Server starts the server the first time and skips t (the server's
// binaries are absent) or fails it (it would not start) when there is
// none.
func (l *Lazy) Server(t testing.TB) *Server {
	t.Helper()
	l.once.Do(func() { l.s, l.err = Start() })
	if l.err != nil {
		skip(t, l.err)
	}
	return l.s
}

// Stop stops the server if it was started.
func (l *Lazy) Stop() {
	if l.s != nil {
		l.s.Stop()
	}
}

// New starts a server for the calling test alone, stopped when it ends:
// for a package with a test or two that need one, where a TestMain would
// be more than the tests.
func New(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		skip(t, err)
	}
	t.Cleanup(s.Stop)
	return s
}

// skip skips t when the server could not start because PostgreSQL is
// not installed, and fails it for any other reason.
func skip(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNoServer) {
		t.Skipf("skipping the PostgreSQL half: %v", err)
	}
	t.Fatalf("PostgreSQL test server: %v", strings.TrimSpace(err.Error()))
}
