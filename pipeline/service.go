package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/render"
	"countybrief/pipeline/schedule"
	"countybrief/pipeline/workspace"
)

// ErrConfig marks a start that failed on the files the office edits
// (workspace, rules, templates), not on the machine.
var ErrConfig = errors.New("工作區的文件有問題")

// ServeOptions tune the nightly service.
type ServeOptions struct {
	// Poll, when positive, also takes new files this often between the
	// scheduled runs, so that a unit gets its 退回 copy the same day.
	Poll time.Duration
	Log  logrus.FieldLogger
	// Reloaded, when set, is told of each workspace the service loads
	// cleanly (the command sets the process's memory limit from it).
	Reloaded func(*workspace.Workspace)
}

// Serve runs batches over the workspace in dir on the schedule of its
// config.yaml until ctx is done, then returns nil once the running batch
// has finished its claimed files. Fonts are read once; the workspace,
// rules and templates are loaded now (an error stops Serve at start,
// rather than at 02:00) and again before each batch, all or nothing: a
// file broken by an edit is logged and the last good set is kept, so that
// a typo made at 17:00 does not stop the night's run.
func Serve(ctx context.Context, dir string, opts ServeOptions) error {
	ws, err := workspace.Load(dir)
	if err != nil {
		return fmt.Errorf("%w：%w", ErrConfig, err)
	}
	fonts, err := render.LoadFonts(ws.Config)
	if err != nil {
		return fmt.Errorf("load fonts: %w", err)
	}
	checker, renderer, err := loadChecks(ws, fonts)
	if err != nil {
		return err
	}
	s := &service{dir: dir, ws: ws, checker: checker, fonts: fonts, renderer: renderer, opts: opts}
	if opts.Reloaded != nil {
		opts.Reloaded(ws)
	}
	sopt := schedule.Options{LastRun: s.lastRun, Log: opts.Log}
	if opts.Poll > 0 {
		sopt.Poll = opts.Poll
		sopt.PollJob = func(ctx context.Context) error { return s.batch(ctx, true) }
	}
	opts.Log.WithFields(logrus.Fields{"schedule": ws.Config.Schedule, "timezone": ws.Config.Location().String(), "poll": opts.Poll}).Info("serving")
	return schedule.Run(ctx, ws.Config.Schedule, ws.Config.Location(), func(ctx context.Context) error {
		return s.batch(ctx, false)
	}, sopt)
}

// service keeps what a long-running process loads once, the fonts, and
// the last good workspace, rules and templates.
type service struct {
	dir      string
	ws       *workspace.Workspace
	checker  *Checker
	fonts    *render.Fonts
	renderer *render.Renderer
	opts     ServeOptions
}

func (s *service) reload() {
	if err := s.load(); err != nil {
		s.opts.Log.WithError(err).Warn("the workspace's files have problems; keeping the last good ones")
	}
}

// load replaces the workspace, rules and templates only when all of them
// load, so that a half-edited workspace never serves.
func (s *service) load() error {
	ws, err := workspace.Load(s.dir)
	if err != nil {
		return err
	}
	checker, renderer, err := loadChecks(ws, s.fonts)
	if err != nil {
		return err
	}
	s.ws, s.checker, s.renderer = ws, checker, renderer
	if s.opts.Reloaded != nil {
		s.opts.Reloaded(ws)
	}
	return nil
}

func (s *service) batch(ctx context.Context, filesOnly bool) error {
	s.reload()
	_, err := Run(ctx, s.ws, Options{
		Log: s.opts.Log, Wait: true, Renderer: s.renderer, Checker: s.checker, FilesOnly: filesOnly,
	})
	return err
}

// lastRun is when a batch last completed, from the ledger; zero if never.
func (s *service) lastRun() time.Time {
	log := s.opts.Log
	led, err := ledger.Open(context.Background(), s.ws.LedgerPath())
	if err != nil {
		log.WithError(err).Warn("cannot read the last run; not catching up")
		return time.Now()
	}
	defer led.Close()
	run, err := led.LastRun(context.Background())
	if err != nil {
		log.WithError(err).Warn("cannot read the last run; not catching up")
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

// DraftFiles are the paths of a period's current draft, which every batch
// replaces; a file is absent until a batch has drafted the period.
type DraftFiles struct {
	PDF, Text, Totals, Audit string
}

// Draft names the draft files of period, for a reader of the outbox such
// as the web desk.
func Draft(ws *workspace.Workspace, period string) DraftFiles {
	p := draftPathsOf(ws, period, ws.Config.Names())
	return DraftFiles{PDF: p.pdf, Text: p.text, Totals: p.totals, Audit: p.audit}
}
