package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/time/rate"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/workspace"
)

// Config tunes the web desk. The zero value is usable: times default as
// documented and the log discards.
type Config struct {
	Log logrus.FieldLogger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// TLS marks the session cookie Secure: set it when the desk is served
	// over HTTPS.
	TLS bool
	// SessionTTL is how long a login lasts (8 hours: a working day).
	SessionTTL time.Duration
	// LockAfter failed logins in a row lock an account for LockFor (5 and
	// 15 minutes).
	LockAfter int
	LockFor   time.Duration
	// LoginBurst login attempts from one address, then one per LoginEvery
	// (10, then one per 6 seconds).
	LoginBurst int
	LoginEvery time.Duration
	// UploadBurst uploads from one account, then one per UploadEvery (20,
	// then one per 3 seconds): each is checked with the rules, and one
	// account must not keep the office's machine busy.
	UploadBurst int
	UploadEvery time.Duration
}

func (c *Config) defaults() {
	if c.Log == nil {
		l := logrus.New()
		l.SetOutput(discard{})
		c.Log = l
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 8 * time.Hour
	}
	if c.LockAfter <= 0 {
		c.LockAfter = 5
	}
	if c.LockFor <= 0 {
		c.LockFor = 15 * time.Minute
	}
	if c.LoginBurst <= 0 {
		c.LoginBurst = 10
	}
	if c.LoginEvery <= 0 {
		c.LoginEvery = 6 * time.Second
	}
	if c.UploadBurst <= 0 {
		c.UploadBurst = 20
	}
	if c.UploadEvery <= 0 {
		c.UploadEvery = 3 * time.Second
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Server is the web desk over one workspace. It is an http.Handler; Close
// it when done.
type Server struct {
	cfg     Config
	dir     string
	handler http.Handler

	// ledMu is held for reading by every request and for writing while
	// the ledger is swapped for the file that replaced it (a rebuild).
	ledMu sync.RWMutex
	led   *ledger.Ledger
	// ledFile is the file led was opened on; nil on PostgreSQL.
	ledFile os.FileInfo

	mu    sync.Mutex
	state *loaded // the workspace and its pages, reloaded on change
	// limiters rate-limit logins per remote address and uploads per
	// account.
	limiters map[string]*rate.Limiter
	// pending is each unit's latest checked upload, waiting to be sent.
	pending map[string]pendingFile
}

// loaded is what the server builds from the workspace's files, replaced
// as a whole when they change.
type loaded struct {
	ws    *workspace.Workspace
	stamp string
	pages *pages
}

// New makes the web desk over ws. The workspace is read again whenever
// its config.yaml, units.yaml or indicators.yaml change (a reopen adds to
// open_periods), keeping the last good one when a load fails.
func New(ws *workspace.Workspace, cfg Config) (*Server, error) {
	cfg.defaults()
	led, err := ledger.Open(context.Background(), ws.LedgerPath())
	if err != nil {
		return nil, err
	}
	p, err := loadPages(ws.Config.Language)
	if err != nil {
		led.Close()
		return nil, err
	}
	s := &Server{cfg: cfg, dir: ws.Dir, led: led, state: &loaded{ws: ws, stamp: stampOf(ws.Dir), pages: p},
		limiters: map[string]*rate.Limiter{}, pending: map[string]pendingFile{}}
	if !ledger.IsPostgres(ws.LedgerPath()) {
		if s.ledFile, err = os.Stat(ws.LedgerPath()); err != nil {
			led.Close()
			return nil, fmt.Errorf("web desk: %w", err)
		}
	}
	// Uploads a previous process checked but never sent are of no use:
	// their pending entries died with it.
	os.RemoveAll(s.pendingDir(ws))
	s.handler = s.routes()
	return s, nil
}

// Close closes the server's ledger.
func (s *Server) Close() error {
	s.ledMu.Lock()
	defer s.ledMu.Unlock()
	return s.led.Close()
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.followLedger()
	s.ledMu.RLock()
	defer s.ledMu.RUnlock()
	s.handler.ServeHTTP(w, r)
}

// followLedger opens the ledger file again when another has taken its
// name: `ledger rebuild` renames the old file aside and puts the rebuilt
// one in its place, and a desk that kept the old open would go on logging
// in against it and recording there. While no file has the name (between
// the two renames) the old stays open.
func (s *Server) followLedger() {
	path := s.current().ws.LedgerPath()
	s.ledMu.RLock()
	opened := s.ledFile
	s.ledMu.RUnlock()
	if opened == nil {
		return
	}
	info, err := os.Stat(path)
	if err != nil || os.SameFile(info, opened) {
		return
	}
	s.ledMu.Lock()
	defer s.ledMu.Unlock()
	if os.SameFile(info, s.ledFile) {
		return
	}
	led, err := ledger.Open(context.Background(), path)
	if err != nil {
		s.cfg.Log.WithError(err).WithField("ledger", path).Error("the ledger file was replaced and cannot be opened; the web desk keeps the old one")
		return
	}
	if err := s.led.Close(); err != nil {
		s.cfg.Log.WithError(err).Warn("close the replaced ledger")
	}
	s.led, s.ledFile = led, info
	s.cfg.Log.WithField("ledger", path).Info("the ledger file was replaced; the web desk opened the new one")
}

// current is the workspace and pages to serve this request with.
func (s *Server) current() *loaded {
	s.mu.Lock()
	defer s.mu.Unlock()
	stamp := stampOf(s.dir)
	if stamp == s.state.stamp {
		return s.state
	}
	ws, err := workspace.Load(s.dir)
	if err != nil {
		s.cfg.Log.WithError(err).Warn("the workspace's files have problems; the web desk keeps the last good ones")
		s.state = &loaded{ws: s.state.ws, stamp: stamp, pages: s.state.pages}
		return s.state
	}
	p := s.state.pages
	if ws.Config.Language != s.state.ws.Config.Language {
		if p, err = loadPages(ws.Config.Language); err != nil {
			s.cfg.Log.WithError(err).Warn("cannot load the web pages for the new language")
			p = s.state.pages
		}
	}
	s.state = &loaded{ws: ws, stamp: stamp, pages: p}
	return s.state
}

// stampOf is the sizes and modification times of the files a workspace
// is loaded from.
func stampOf(dir string) string {
	stamp := ""
	for _, name := range []string{workspace.ConfigFile, workspace.UnitsFile, workspace.IndicatorsFile} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
			stamp += fmt.Sprintf("%d:%d;", fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return stamp
}

func (s *Server) pendingDir(ws *workspace.Workspace) string {
	return filepath.Join(ws.WorkDir(), "web", "pending")
}

// remote is the address a request came from. Headers such as
// X-Forwarded-For are not believed: any browser can send them.
func remote(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// record writes a web action to the ledger; a failure is logged, never
// shown: the action itself has happened or been refused.
func (s *Server) record(r *http.Request, account, action, unit, detail string, ok bool) {
	a := ledger.WebAction{At: s.cfg.Now(), Account: account, Remote: remote(r), Action: action, Unit: unit, Detail: detail, OK: ok}
	if err := s.led.RecordWebAction(context.WithoutCancel(r.Context()), a); err != nil {
		s.cfg.Log.WithError(err).WithFields(logrus.Fields{"account": account, "action": action}).Error("cannot record a web action")
	}
	s.cfg.Log.WithFields(logrus.Fields{"account": account, "remote": a.Remote, "action": action, "unit": unit, "detail": detail, "ok": ok}).Info("web action")
}

// TLSFiles are the certificate and key the desk is served with; empty
// for plain HTTP.
type TLSFiles struct{ Cert, Key string }

// ListenAndServe serves h on addr until ctx is done, then gives requests
// under way ten seconds to finish.
func ListenAndServe(ctx context.Context, addr string, files TLSFiles, h http.Handler, log logrus.FieldLogger) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // a large form over a slow county line
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	done := make(chan error, 1)
	go func() {
		if files.Cert != "" {
			done <- srv.ServeTLS(ln, files.Cert, files.Key)
		} else {
			done <- srv.Serve(ln)
		}
	}()
	log.WithFields(logrus.Fields{"addr": ln.Addr().String(), "tls": files.Cert != ""}).Info("web desk listening")
	select {
	case err := <-done:
		return fmt.Errorf("web desk: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return fmt.Errorf("web desk shutdown: %w", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("web desk: %w", err)
	}
	return nil
}
