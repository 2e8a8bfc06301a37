package schedule

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
)

// harness runs Run on a fake clock and records when the jobs ran.
type harness struct {
	t      *testing.T
	clock  *clockwork.FakeClock
	cancel context.CancelFunc
	done   chan error
	hook   *logtest.Hook

	stopOnce sync.Once
	stopErr  error

	mu    sync.Mutex
	runs  []time.Time
	polls int
}

func start(t *testing.T, spec string, loc *time.Location, at time.Time, opt Options, job func(context.Context) error) *harness {
	t.Helper()
	h := &harness{t: t, clock: clockwork.NewFakeClockAt(at), done: make(chan error, 1)}
	log, hook := logtest.NewNullLogger()
	h.hook = hook
	opt.Clock, opt.Log = h.clock, log
	if opt.Poll > 0 {
		opt.PollJob = func(context.Context) error {
			h.mu.Lock()
			h.polls++
			h.mu.Unlock()
			return nil
		}
	}
	record := func(ctx context.Context) error {
		h.mu.Lock()
		h.runs = append(h.runs, h.clock.Now())
		h.mu.Unlock()
		if job != nil {
			return job(ctx)
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- Run(ctx, spec, loc, record, opt) }()
	t.Cleanup(func() { h.stop() })
	h.idle()
	return h
}

// idle waits until the loop sleeps on its one timer.
func (h *harness) idle() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.clock.BlockUntilContext(ctx, 1); err != nil {
		h.t.Fatalf("scheduler never went back to sleep: %v", err)
	}
}

// advance moves the clock in steps, letting the loop act after each.
func (h *harness) advance(total, step time.Duration) {
	h.t.Helper()
	for d := time.Duration(0); d < total; d += step {
		h.clock.Advance(step)
		h.idle()
	}
}

func (h *harness) stop() error {
	h.stopOnce.Do(func() {
		h.cancel()
		h.stopErr = <-h.done
	})
	return h.stopErr
}

func (h *harness) ran() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.runs {
		out = append(out, r.Format(time.RFC3339))
	}
	return out
}

func TestRunAcrossDaylightSaving(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	berlin := mustLoc(t, "Europe/Berlin")
	tests := []struct {
		name string
		loc  *time.Location
		spec string
		from time.Time
		days int
		want []string
	}{
		{"New York spring forward", ny, "30 2 * * *", time.Date(2026, 3, 7, 0, 0, 0, 0, ny), 3,
			[]string{"2026-03-07T02:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"}},
		{"New York fall back", ny, "30 1 * * *", time.Date(2026, 10, 31, 0, 0, 0, 0, ny), 3,
			[]string{"2026-10-31T01:30:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}},
		{"Berlin spring forward", berlin, "0 2 * * *", time.Date(2026, 3, 28, 0, 0, 0, 0, berlin), 3,
			[]string{"2026-03-28T02:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00"}},
		{"Berlin fall back", berlin, "30 2 * * *", time.Date(2026, 10, 24, 0, 0, 0, 0, berlin), 3,
			[]string{"2026-10-24T02:30:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, tt.spec, tt.loc, tt.from, Options{}, nil)
			// Ten-minute steps: every scheduled time above is on one.
			h.advance(time.Duration(tt.days)*24*time.Hour, 10*time.Minute)
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			got := h.ran()
			for i := range got {
				got[i] = mustParse(t, got[i]).In(tt.loc).Format(time.RFC3339)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("ran at %v\nwant   %v", got, tt.want)
			}
		})
	}
}

func mustParse(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func TestCatchUpOnce(t *testing.T) {
	sh := mustLoc(t, "Asia/Shanghai")
	now := time.Date(2026, 1, 10, 8, 0, 0, 0, sh)
	tests := []struct {
		name    string
		lastRun func() time.Time
		want    []string // runs from start until 02:00 the next night inclusive
	}{
		{"off for five nights", func() time.Time { return time.Date(2026, 1, 5, 2, 0, 3, 0, sh) },
			[]string{"2026-01-10T08:00:00+08:00", "2026-01-11T02:00:00+08:00"}},
		{"never ran", func() time.Time { return time.Time{} },
			[]string{"2026-01-10T08:00:00+08:00", "2026-01-11T02:00:00+08:00"}},
		{"ran last night", func() time.Time { return time.Date(2026, 1, 10, 2, 0, 40, 0, sh) },
			[]string{"2026-01-11T02:00:00+08:00"}},
		{"no ledger given", nil,
			[]string{"2026-01-11T02:00:00+08:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, "0 2 * * *", sh, now, Options{LastRun: tt.lastRun}, nil)
			h.advance(18*time.Hour, time.Minute)
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			got := h.ran()
			for i := range got {
				got[i] = mustParse(t, got[i]).In(sh).Format(time.RFC3339)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("ran at %v\nwant   %v", got, tt.want)
			}
		})
	}
}

func TestJobNeverOverlaps(t *testing.T) {
	started, release := make(chan struct{}, 10), make(chan struct{})
	var mu sync.Mutex
	active, most := 0, 0
	job := func(ctx context.Context) error {
		mu.Lock()
		active++
		most = max(most, active)
		mu.Unlock()
		started <- struct{}{}
		<-release
		mu.Lock()
		active--
		mu.Unlock()
		return nil
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := start(t, "* * * * * *", time.UTC, at, Options{}, job)
	h.clock.Advance(time.Second)
	<-started
	// Ten scheduled seconds pass while the job runs; none may start a run.
	h.clock.Advance(10 * time.Second)
	close(release)
	h.idle()
	h.advance(time.Second, time.Second)
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-01-01T00:00:01Z", "2026-01-01T00:00:12Z"}
	if got := h.ran(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ran at %v, want %v", got, want)
	}
	if most != 1 {
		t.Errorf("%d runs at once", most)
	}
}

func TestStopsCleanlyOnCancel(t *testing.T) {
	started := make(chan struct{})
	var sawCancel, returned bool
	job := func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		sawCancel = true
		returned = true
		return ctx.Err()
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := start(t, "* * * * * *", time.UTC, at, Options{}, job)
	h.clock.Advance(time.Second)
	<-started
	if err := h.stop(); err != nil {
		t.Fatalf("Run returned %v after a cancel, want nil", err)
	}
	// Run has returned, so the job must have seen the cancel and returned.
	if !sawCancel || !returned {
		t.Errorf("job saw cancel %v, returned %v", sawCancel, returned)
	}
	if len(h.ran()) != 1 {
		t.Errorf("%d runs, want 1", len(h.ran()))
	}
	for _, e := range h.hook.AllEntries() {
		if e.Level <= logrus.ErrorLevel {
			t.Errorf("a stop was logged as %s: %s %v", e.Level, e.Message, e.Data)
		}
	}
}

func TestPollBetweenRuns(t *testing.T) {
	at := time.Date(2026, 1, 1, 1, 55, 0, 0, time.UTC)
	h := start(t, "0 2 * * *", time.UTC, at, Options{Poll: time.Minute}, nil)
	h.advance(10*time.Minute, time.Minute)
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	// 01:56..02:05 is ten minutes; at 02:00 the nightly run stands in for
	// the poll, so nine polls and one run.
	if h.polls != 9 || len(h.ran()) != 1 {
		t.Errorf("%d polls and %d runs, want 9 and 1", h.polls, len(h.ran()))
	}
}

func TestFailedAndPanickingJobsAreLoggedAndTheScheduleGoesOn(t *testing.T) {
	n := 0
	job := func(context.Context) error {
		n++
		switch n {
		case 1:
			return errors.New("ledger is locked")
		case 2:
			panic("index out of range")
		}
		return nil
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := start(t, "* * * * * *", time.UTC, at, Options{}, job)
	h.advance(3*time.Second, time.Second)
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, e := range h.hook.AllEntries() {
		if e.Level == logrus.ErrorLevel {
			failed = append(failed, e.Data[logrus.ErrorKey].(error).Error())
		}
	}
	if n != 3 || len(failed) != 2 || failed[0] != "ledger is locked" || !strings.Contains(failed[1], "index out of range") || !strings.Contains(failed[1], "run_test.go") {
		t.Errorf("%d runs; logged failures %q", n, failed)
	}
}

func TestRealClockSecondsScheduleFires(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	fired := make(chan struct{}, 2)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, "* * * * * *", time.UTC, func(context.Context) error {
			fired <- struct{}{}
			return nil
		}, Options{})
	}()
	for i := 0; i < 2; i++ {
		select {
		case <-fired:
		case <-time.After(30 * time.Second):
			t.Fatal("a schedule firing every second did not fire twice in 30s")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestRunRefusesBadSpec(t *testing.T) {
	err := Run(context.Background(), "0 2 * *", time.UTC, func(context.Context) error { return nil }, Options{})
	if err == nil || !strings.Contains(err.Error(), `"0 2 * *"`) {
		t.Fatalf("error = %v, want it to name the spec", err)
	}
}
