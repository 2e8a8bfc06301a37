package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/sirupsen/logrus"

	"countybrief/pipeline/form"
	"countybrief/pipeline/inbox"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/lock"
	"countybrief/pipeline/render"
	"countybrief/pipeline/workspace"
	"countybrief/rules"
)

// Options tune one batch. The zero value is valid.
type Options struct {
	// Now is the clock; time.Now when nil. Tests pin it.
	Now func() time.Time
	// Log receives structured events; a discarding logger when nil.
	Log logrus.FieldLogger
	// Wait queues behind a running batch instead of failing at once.
	Wait bool
	// Fonts are loaded once per process by a long-running caller; loaded
	// for this batch when nil.
	Fonts *render.Fonts
	// Checker holds compiled rules kept by a long-running caller, which
	// reloads them all or nothing; compiled for this batch when nil.
	Checker *Checker
	// FilesOnly takes and checks files but writes no briefing: a poll
	// between the nightly runs, so that a unit gets its 退回 note the same day.
	FilesOnly bool
	// Progress, when set, is told after each file.
	Progress func(done, total int)
}

// LockFile is the file, under the work folder, that one batch at a time holds.
const LockFile = "batch.lock"

// batch is one run's state; it lives only for the duration of Run.
type batch struct {
	ws       *workspace.Workspace
	opts     Options
	log      logrus.FieldLogger
	ledger   *ledger.Ledger
	checker  *Checker
	renderer *render.Renderer
	inbox    *inbox.Inbox
	sum      *Summary
	total    int // files to process, for progress
}

// Run performs one batch over the workspace's inbox. It returns an error
// only when the batch itself failed; rejected files are results, not
// errors.
func Run(ctx context.Context, ws *workspace.Workspace, opts Options) (*Summary, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		opts.Log = l
	}
	// Everything that can fail at start is checked before a file is touched.
	var err error
	checker := opts.Checker
	if checker == nil {
		if checker, err = NewChecker(ws); err != nil {
			return nil, err
		}
	}
	fonts := opts.Fonts
	if fonts == nil {
		if fonts, err = render.LoadFonts(ws.Config); err != nil {
			return nil, fmt.Errorf("load fonts: %w", err)
		}
	}
	renderer, err := render.New(ws, fonts)
	if err != nil {
		return nil, fmt.Errorf("load templates: %w", err)
	}
	if err := os.MkdirAll(ws.WorkDir(), 0o755); err != nil {
		return nil, fmt.Errorf("create work folder: %w", err)
	}
	lk, err := lock.Acquire(ctx, filepath.Join(ws.WorkDir(), LockFile), opts.Wait)
	if err != nil {
		return nil, err
	}
	defer lk.Release()
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	defer led.Close()

	b := &batch{
		ws: ws, opts: opts, ledger: led, checker: checker, renderer: renderer,
		inbox: inbox.New(ws, opts.Now),
		sum:   &Summary{Period: ws.Config.Period, Started: opts.Now()},
	}
	runID, err := led.StartRun(ctx, b.sum.Started)
	if err != nil {
		return nil, fmt.Errorf("start run: %w", err)
	}
	b.sum.RunID = runID
	b.log = opts.Log.WithField("run", runID)
	status := "failed"
	defer func() {
		b.sum.Finished = opts.Now()
		if err := led.FinishRun(context.WithoutCancel(ctx), runID, status, mustJSON(b.sum)); err != nil {
			b.log.WithError(err).Error("record run end")
		}
	}()
	if err := b.takeFiles(ctx); err != nil {
		return b.sum, err
	}
	if !opts.FilesOnly {
		if err := b.publish(ctx); err != nil {
			return b.sum, err
		}
	}
	status = "completed"
	b.log.WithFields(logrus.Fields{
		"accepted": b.sum.Accepted, "rejected": b.sum.Rejected, "duplicates": b.sum.Duplicates,
		"waiting": b.sum.Waiting, "missing": len(b.sum.Missing), "issue": b.sum.Issue, "rendered": b.sum.Rendered,
	}).Info("batch completed")
	return b.sum, nil
}

// takeFiles finishes what a killed batch left behind, then claims and
// processes every settled file of the inbox, oldest first. Files seen for
// the first time must stay unchanged for the settle time, so when some are
// still waiting the batch waits that long and looks again: a nightly batch
// started cold takes tonight's files tonight, not tomorrow.
func (b *batch) takeFiles(ctx context.Context) error {
	leftover, err := b.inbox.Recover(ctx)
	if err != nil {
		return fmt.Errorf("recover claims: %w", err)
	}
	b.total = len(leftover)
	for _, c := range leftover {
		if err := b.step(ctx, c, true); err != nil {
			return err
		}
	}
	if err := b.finishUnarchived(ctx); err != nil {
		return err
	}
	settle := time.Duration(b.ws.Config.SettleSeconds) * time.Second
	for round := 0; ; round++ {
		ready, waiting, err := b.inbox.Scan(ctx)
		if err != nil {
			return fmt.Errorf("scan inbox: %w", err)
		}
		b.sum.Waiting = waiting
		b.total += len(ready)
		sort.SliceStable(ready, func(i, j int) bool {
			if !ready[i].ModTime.Equal(ready[j].ModTime) {
				return ready[i].ModTime.Before(ready[j].ModTime)
			}
			return ready[i].Path < ready[j].Path
		})
		for _, cand := range ready {
			if err := ctx.Err(); err != nil {
				// Files not yet claimed stay in the inbox for the next batch.
				return fmt.Errorf("batch stopped: %w", err)
			}
			c, err := b.inbox.Claim(cand)
			if errors.Is(err, inbox.ErrGone) {
				continue // taken by someone else, withdrawn or changed by the unit
			}
			if err != nil {
				return fmt.Errorf("claim %s: %w", cand.Path, err)
			}
			if err := b.step(ctx, c, false); err != nil {
				return err
			}
		}
		if waiting == 0 || settle == 0 || round >= settleRounds {
			return nil
		}
		b.log.WithField("waiting", waiting).Info("files still arriving; looking again after the settle time")
		select {
		case <-ctx.Done():
			return nil // what waits stays in the inbox for the next batch
		case <-time.After(settle + time.Second):
		}
	}
}

// settleRounds bounds how often one batch waits for files still arriving,
// so that a file that never stops changing cannot hold the briefing back.
const settleRounds = 2

func (b *batch) step(ctx context.Context, c inbox.Claim, recovered bool) error {
	r, err := b.process(ctx, c)
	if err != nil {
		return err
	}
	r.Recovered = recovered
	b.sum.add(r)
	if b.opts.Progress != nil {
		b.opts.Progress(len(b.sum.Files), b.total)
	}
	return nil
}

// finishUnarchived completes records whose file a killed batch moved to
// the archive without noting where: Archive finds the finished copy again
// from the claim alone.
func (b *batch) finishUnarchived(ctx context.Context) error {
	recs, err := b.ledger.Unarchived(ctx)
	if err != nil {
		return err
	}
	for i := range recs {
		rec := &recs[i]
		c := inbox.Claim{Name: rec.ClaimName, OrigName: rec.OrigName, ReceivedAt: rec.ReceivedAt,
			Path: filepath.Join(b.ws.WorkDir(), "claimed", rec.ClaimName, rec.OrigName)}
		r, err := b.file(ctx, c, rec)
		if err != nil {
			return err
		}
		r.Recovered = true
		b.sum.add(r)
	}
	return nil
}

// process takes one claimed file to its single destination. The ledger row
// is written before the file moves, so a crash in between is finished by
// the next batch from the row; a crash before the row means the file is
// simply processed again.
func (b *batch) process(ctx context.Context, c inbox.Claim) (FileResult, error) {
	sha, err := hashFile(c.Path)
	if err != nil {
		return FileResult{}, fmt.Errorf("hash %s: %w", c.Name, err)
	}
	log := b.log.WithFields(logrus.Fields{"file": c.OrigName, "unit": c.Folder, "sha256": sha})
	rec, err := b.ledger.ByClaim(ctx, c.Name)
	if err != nil {
		return FileResult{}, fmt.Errorf("look up claim %s: %w", c.Name, err)
	}
	if rec == nil {
		r, err := b.judge(ctx, c, sha)
		if err != nil {
			return FileResult{}, err
		}
		if r.ID, err = b.ledger.Record(ctx, r); err != nil {
			return FileResult{}, fmt.Errorf("record %s: %w", c.Name, err)
		}
		rec = &r
	} else {
		log.Info("finishing a file claimed by an interrupted batch")
	}
	return b.file(ctx, c, rec)
}

// file moves a recorded claim to its archive folder, notes the path in the
// ledger and writes the 退回 copy when the file has findings.
func (b *batch) file(ctx context.Context, c inbox.Claim, rec *ledger.Record) (FileResult, error) {
	sha := rec.SHA256
	log := b.log.WithFields(logrus.Fields{"file": rec.OrigName, "unit": rec.UnitCode, "sha256": sha})
	accepted := rec.Status == ledger.StatusAccepted
	if rec.Status == ledger.StatusDuplicate {
		orig, err := b.ledger.BySHA(ctx, sha)
		if err != nil {
			return FileResult{}, fmt.Errorf("look up original of %s: %w", c.Name, err)
		}
		accepted = orig != nil && orig.Status == ledger.StatusAccepted
	}
	path, err := b.inbox.Archive(c, accepted, rec.Period, rec.UnitCode, sha)
	if err != nil {
		return FileResult{}, fmt.Errorf("archive %s: %w", c.Name, err)
	}
	if err := b.ledger.SetArchivePath(ctx, rec.ID, path); err != nil {
		return FileResult{}, fmt.Errorf("record archive path of %s: %w", c.Name, err)
	}
	res := FileResult{Name: c.OrigName, Unit: rec.UnitCode, Period: rec.Period, SHA256: sha,
		Status: rec.Status, ArchivePath: path, Findings: rec.Findings}
	if len(rec.Findings) > 0 && rec.Status != ledger.StatusDuplicate {
		if res.ReturnPath, err = b.writeReturn(path, rec); err != nil {
			return FileResult{}, err
		}
	}
	log.WithFields(logrus.Fields{"status": rec.Status, "findings": len(rec.Findings), "archive": path}).Info("file done")
	return res, nil
}

// judge reads and checks a file and decides its status.
func (b *batch) judge(ctx context.Context, c inbox.Claim, sha string) (ledger.Record, error) {
	cfg := b.ws.Config
	rec := ledger.Record{
		RunID: b.sum.RunID, ClaimName: c.Name, OrigName: c.OrigName, SHA256: sha,
		ReceivedAt: c.ReceivedAt, UnitCode: c.Folder, Period: cfg.Period,
	}
	orig, err := b.ledger.BySHA(ctx, sha)
	if err != nil {
		return rec, fmt.Errorf("look up content of %s: %w", c.Name, err)
	}
	if orig != nil {
		rec.Status, rec.UnitCode, rec.Period = ledger.StatusDuplicate, orig.UnitCode, orig.Period
		return rec, nil
	}
	sub, findings, err := b.checker.Check(c.Path, c.Folder, func(unit, period string) (map[string]float64, error) {
		return b.ledger.Previous(ctx, unit, period)
	})
	if err != nil {
		return rec, fmt.Errorf("check %s: %w", c.Name, err)
	}
	if sub != nil {
		// A form for a closed period is filed under the current one, where
		// the unit still owes its report.
		if cfg.PeriodOpen(sub.Period) {
			rec.Period = sub.Period
		}
		if c.Folder == "" {
			rec.UnitCode = sub.UnitCode
		}
		rec.Values = sub.Values
	}
	rec.Findings = findings
	rec.Status = ledger.StatusAccepted
	if rules.HasError(findings) {
		rec.Status = ledger.StatusRejected
	}
	if rec.UnitCode == "" {
		rec.UnitCode = unknownUnit
	}
	return rec, nil
}

// writeReturn writes the 退回 copy and the note beside it, from the
// archived file so that a recovered batch can write it again.
func (b *batch) writeReturn(archived string, rec *ledger.Record) (string, error) {
	dir := filepath.Join(b.ws.OutboxDir(), "returns", rec.UnitCode)
	base := trimExt(filepath.Base(archived))
	book := filepath.Join(dir, base+"-審核意見.xlsx")
	var sub *form.Submission
	if s, _, err := form.Read(archived, b.ws.Catalogue, b.checker.limits()); err == nil {
		sub = s
	}
	if err := WriteFile(book, func(w io.Writer) error {
		return form.WriteReturn(w, archived, sub, rec.Findings)
	}); err != nil {
		return "", fmt.Errorf("write return workbook: %w", err)
	}
	name := rec.UnitCode
	if u, ok := b.ws.Units.ByCode(rec.UnitCode); ok {
		name = u.Name
	}
	note := form.ReturnNote(name, rec.OrigName, rec.Findings)
	if err := WriteFile(filepath.Join(dir, base+"-審核意見.txt"), func(w io.Writer) error {
		_, err := io.WriteString(w, note)
		return err
	}); err != nil {
		return "", fmt.Errorf("write return note: %w", err)
	}
	return book, nil
}

func trimExt(name string) string { return name[:len(name)-len(filepath.Ext(name))] }

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
