package main

import (
	"context"
	"time"

	"github.com/sirupsen/logrus"

	"countybrief/pipeline"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/render"
	"countybrief/pipeline/schedule"
	"countybrief/pipeline/workspace"
)

// runServe runs batches on the schedule of config.yaml until SIGINT or
// SIGTERM. Before each batch it reloads the workspace, the rules and the
// templates, all or nothing: a file broken by an edit is logged and the
// last good set is kept, so a typo made at 17:00 does not stop the 02:00
// run.
func runServe(ctx context.Context, e *env, args []string) error {
	var dir string
	var poll time.Duration
	var verbose bool
	fs := newFlags("serve", e, &dir)
	fs.DurationVar(&poll, "poll", 0, "also check new files this often between scheduled runs (e.g. 5m); 0: off")
	fs.BoolVar(&verbose, "v", true, "log every file on the terminal")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ws, checker, err := loadChecker(dir)
	if err != nil {
		return err
	}
	log, closeLog, err := newLogger(e.stderr, ws.LogsDir(), verbose)
	if err != nil {
		return err
	}
	defer closeLog()
	// Fonts are read once; templates are parsed and trial-run now, so a
	// broken template stops serve at start rather than at 02:00.
	fonts, err := render.LoadFonts(ws.Config)
	if err != nil {
		return err
	}
	renderer, err := render.New(ws, fonts)
	if err != nil {
		return configError(err)
	}
	s := &server{dir: dir, ws: ws, checker: checker, fonts: fonts, renderer: renderer, log: log}
	opt := schedule.Options{LastRun: s.lastRun, Log: log}
	if poll > 0 {
		opt.Poll = poll
		opt.PollJob = func(ctx context.Context) error { return s.batch(ctx, true) }
	}
	log.WithFields(logrus.Fields{"schedule": ws.Config.Schedule, "timezone": ws.Config.Location().String(), "poll": poll}).Info("serving")
	return schedule.Run(ctx, ws.Config.Schedule, ws.Config.Location(), func(ctx context.Context) error {
		return s.batch(ctx, false)
	}, opt)
}

// server keeps what a long-running process loads once: the fonts, and
// the last good workspace, rules and templates.
type server struct {
	dir      string
	ws       *workspace.Workspace
	checker  *pipeline.Checker
	fonts    *render.Fonts
	renderer *render.Renderer
	log      logrus.FieldLogger
}

func (s *server) reload() {
	ws, err := workspace.Load(s.dir)
	if err != nil {
		s.log.WithError(err).Warn("workspace files have problems; keeping the last good ones")
		return
	}
	checker, err := pipeline.NewChecker(ws)
	if err != nil {
		s.log.WithError(err).Warn("rule files have problems; keeping the last good ones")
		return
	}
	renderer, err := render.New(ws, s.fonts)
	if err != nil {
		s.log.WithError(err).Warn("templates have problems; keeping the last good ones")
		return
	}
	s.ws, s.checker, s.renderer = ws, checker, renderer
	limitMemory(ws.Config)
}

func (s *server) batch(ctx context.Context, filesOnly bool) error {
	s.reload()
	_, err := pipeline.Run(ctx, s.ws, pipeline.Options{
		Log: s.log, Wait: true, Renderer: s.renderer, Checker: s.checker, FilesOnly: filesOnly,
	})
	return err
}

// lastRun is when a batch last completed, from the ledger; zero if never.
func (s *server) lastRun() time.Time {
	led, err := ledger.Open(context.Background(), s.ws.LedgerPath())
	if err != nil {
		s.log.WithError(err).Warn("cannot read the last run; not catching up")
		return time.Now()
	}
	defer led.Close()
	run, err := led.LastRun(context.Background())
	if err != nil {
		s.log.WithError(err).Warn("cannot read the last run; not catching up")
		return time.Now()
	}
	if run == nil {
		return time.Time{}
	}
	if run.FinishedAt.IsZero() {
		return run.StartedAt
	}
	return run.FinishedAt
}
