package schedule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/sirupsen/logrus"
)

// maxWait caps one sleep so that the loop re-reads the wall clock at least
// once a minute (see the package comment).
const maxWait = time.Minute

// Options tune Run. The zero value runs the job on the schedule only.
type Options struct {
	// LastRun returns when the job last completed (from the ledger). When
	// the last scheduled time before start is after it, the job runs once
	// at start. Nil disables the catch-up; a zero time means never.
	LastRun func() time.Time
	// Poll, when positive and PollJob is set, runs PollJob this long after
	// the last run of either job, between scheduled runs.
	Poll    time.Duration
	PollJob func(ctx context.Context) error
	// Clock is the real clock when nil; tests pass a fake.
	Clock clockwork.Clock
	// Log receives one entry per run; discarded when nil.
	Log logrus.FieldLogger
}

// Run runs job at every time of spec in loc until ctx is cancelled, then
// waits for a running job to return and returns nil. It returns an error
// only for a spec it cannot use. A job's error, or its panic, is logged and
// the schedule goes on: the next run is the next chance to succeed.
func Run(ctx context.Context, spec string, loc *time.Location, job func(ctx context.Context) error, opt Options) error {
	s, err := Parse(spec, loc)
	if err != nil {
		return err
	}
	if job == nil {
		return errors.New("schedule: no job")
	}
	if opt.Clock == nil {
		opt.Clock = clockwork.NewRealClock()
	}
	if opt.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		opt.Log = l
	}
	clock, log := opt.Clock, opt.Log.WithField("schedule", spec)
	polling := opt.Poll > 0 && opt.PollJob != nil

	var last, nextPoll time.Time
	if opt.LastRun != nil {
		if prev := s.Prev(clock.Now()); !prev.IsZero() && prev.After(opt.LastRun()) {
			run(ctx, log, clock, "catch-up", prev, job)
			last = prev
		}
	}
	next := s.Next(later(clock.Now(), last))
	if polling {
		nextPoll = clock.Now().Add(opt.Poll)
	}
	log.WithField("next", next).Info("schedule started")
	for {
		if ctx.Err() != nil {
			log.Info("schedule stopped")
			return nil
		}
		now := clock.Now()
		if !next.IsZero() && !now.Before(next) {
			run(ctx, log, clock, "scheduled", next, job)
			// A clock set back while the job ran must not bring the same
			// scheduled time round again.
			last = next
			next = s.Next(later(clock.Now(), last))
			nextPoll = clock.Now().Add(opt.Poll)
			continue
		}
		if polling && !now.Before(nextPoll) {
			run(ctx, log, clock, "poll", nextPoll, opt.PollJob)
			nextPoll = clock.Now().Add(opt.Poll)
			continue
		}
		wait := maxWait
		if !next.IsZero() {
			wait = min(wait, next.Sub(now))
		}
		if polling {
			wait = min(wait, nextPoll.Sub(now))
		}
		timer := clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
		case <-timer.Chan():
		}
	}
}

// run calls one job and logs how it went.
func run(ctx context.Context, log logrus.FieldLogger, clock clockwork.Clock, kind string, at time.Time, job func(context.Context) error) {
	start := clock.Now()
	err := call(ctx, job)
	entry := log.WithFields(logrus.Fields{"kind": kind, "scheduled": at, "took": clock.Since(start).String()})
	switch {
	case err == nil:
		entry.Info("job done")
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		entry.Info("job stopped")
	default:
		entry.WithError(err).Error("job failed")
	}
}

// call turns a job's panic into its error: a long-running server must not
// die at 02:00 for one bad batch, and the stack goes into the log.
func call(ctx context.Context, job func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return job(ctx)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
