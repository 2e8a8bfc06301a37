package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"golang.org/x/sync/errgroup"

	"countybrief/pipeline/form"
	"countybrief/pipeline/inbox"
	"countybrief/pipeline/internal/zipfloor"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/render"
	"countybrief/pipeline/safefile"
	"countybrief/pipeline/vocab"
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
	// Renderer is kept by a long-running caller, which loads fonts once and
	// rebuilds it when templates change; made by a batch that has a
	// briefing to write when nil.
	Renderer *render.Renderer
	// Checker holds compiled rules kept by a long-running caller, which
	// reloads them all or nothing; compiled for this batch when nil.
	Checker *Checker
	// FilesOnly takes and checks files but writes no briefing: a poll
	// between the nightly runs, so that a unit gets its 退回 note the same day.
	FilesOnly bool
	// Progress, when set, is told after each file.
	Progress func(done, total int)
	// Waiting, when set, is told when the batch waits for files still
	// being written: how many, and until when it waits before looking again.
	Waiting func(files int, until time.Time)
	// HeapOnHugePages says the caller has asked for the process's heap on
	// transparent huge pages (internal/hugeheap): a batch that raises the
	// memory limit then raises it less (raiseMemoryLimit).
	HeapOnHugePages bool

	// claimRandom, when set, draws claim names' random parts instead of
	// crypto/rand: a test forces a claim name another file holds.
	claimRandom func([]byte) error
	// beforeSync, when set, is told the outputs about to be synced
	// (syncOutputs); an error ends the batch there, as a crash would.
	beforeSync func(files []string) error
}

// LockFile is the file, under the work folder, that one batch at a time holds.
const LockFile = "batch.lock"

// batch is one run's state; it lives only for the duration of Run.
type batch struct {
	ws      *workspace.Workspace
	opts    Options
	log     logrus.FieldLogger
	ledger  *ledger.Ledger
	checker *Checker
	inbox   *inbox.Inbox
	sum     *Summary
	// mu guards what judging goroutines add to sum.
	mu sync.Mutex
	// lines are where every unit stands once the files are taken (tally),
	// as the briefing lists them.
	lines  []render.UnitLine
	total  int // files to process, for progress
	stages stageClock
	// archiving reports the end of the group being moved in the
	// background; nil when none is. recorded is closed once that group is
	// in the ledger.
	archiving chan error
	recorded  chan struct{}
	periods   periodStates
	// lastGroup is the content of the group before, by SHA-256: a file
	// may repeat one of them before the ledger holds it.
	lastGroup map[string]ledger.Origin
	// claimedAll is true once every ready file of the last scan went to
	// ClaimAll, and so their sightings may be forgotten.
	claimedAll bool
	// early gives the renderer made beside the taking of files
	// (startRenderer), nil when it failed; nil when none is being made.
	early chan *render.Renderer
	// first is the inbox's first scan (firstScan) until takeFiles takes it.
	first *scanned
	// returns counts the 退回 copies being written (writeReturnLater);
	// returnSlots bounds those written at once to one a core, and
	// returnQueue those waiting, with what they hold; returnErr is the
	// first that failed, under mu.
	returns                  sync.WaitGroup
	returnSlots, returnQueue chan struct{}
	returnErr                error
	// madeAhead bounds the 退回 copies made from judged bytes and not yet
	// written (makeCopies).
	madeAhead chan struct{}
	// preparers keeps a ledger.Preparer for each goroutine judging.
	preparers sync.Pool
	// outputs are the 退回 copies and the draft, durable only once
	// syncOutputs has run; noteDraft, set by a draft made, writes
	// draft.inputs, which vouches for it, after that.
	outputs   safefile.Pending
	noteDraft func() error
}

// Run performs one batch over the workspace's inbox. It returns an error
// only when the batch itself failed; rejected files are results, not
// errors.
func Run(ctx context.Context, ws *workspace.Workspace, opts Options) (_ *Summary, err error) {
	callerDefaults(&opts.Now, &opts.Log)
	defer paceCollector()()
	b := &batch{
		ws: ws, opts: opts, checker: opts.Checker,
		inbox:       inbox.New(ws, opts.Now),
		returnSlots: make(chan struct{}, runtime.GOMAXPROCS(0)), returnQueue: make(chan struct{}, maxQueuedReturns),
		madeAhead: make(chan struct{}, maxQueuedReturns),
		preparers: sync.Pool{New: func() any { return new(ledger.Preparer) }},
		// Empty lists, not nulls, for the JSON summary's readers.
		sum: &Summary{Period: ws.Config.Period, Files: []FileResult{}, Missing: []string{}, Returned: []string{}, KeptAfterReturn: []string{}},
	}
	// Everything that can fail at start is checked before a file is
	// touched. The rules compile while the workspace is locked and its
	// ledger checked and opened, and the inbox is scanned while the ledger
	// is (firstScan): done in turn, they kept a county's cold batch on one
	// core for its first 20 ms.
	compiled := make(chan error, 1)
	// A renderer made beside the taking of files is waited for, also
	// when the batch fails to start: nothing a batch starts outlives it.
	defer func() {
		if b.early != nil {
			<-b.early
		}
	}()
	if b.checker == nil {
		go func() {
			var err error
			b.checker, err = NewChecker(ws)
			compiled <- err
		}()
	} else {
		compiled <- nil
	}
	led, release, err := holdWorkspaceBeside(ctx, ws, opts.Wait, func() { b.firstScan(ctx) })
	if cerr := <-compiled; cerr != nil {
		if err == nil {
			release()
		}
		return nil, cerr
	}
	if err != nil {
		return nil, err
	}
	defer release()
	defer raiseMemoryLimit(ws, opts.HeapOnHugePages)()
	if err := migrateArchivePathsOnce(ctx, ws, led); err != nil {
		return nil, err
	}
	b.ledger, b.sum.Started = led, opts.Now()
	runID, err := led.StartRun(ctx, b.sum.Started)
	if err != nil {
		return nil, fmt.Errorf("start run: %w", err)
	}
	b.sum.taken.spill = openSpill(ws.WorkDir())
	b.sum.RunID = runID
	b.log = opts.Log.WithField("run", runID)
	if opts.claimRandom != nil {
		b.inbox.UseRandom(opts.claimRandom)
	}
	// No copy is written once the lock is given back.
	defer b.returns.Wait()
	status := vocab.RunFailed
	gcBefore := gcSeconds()
	defer func() {
		b.stages.add(stageGC, time.Duration((gcSeconds()-gcBefore)*float64(time.Second)))
		b.sum.Stages = b.stages.seconds(b.log)
		b.sum.Finished = opts.Now()
		listErr := b.sum.unpack()
		if err := led.FinishRun(context.WithoutCancel(ctx), runID, status, b.sum.runJSON()); err != nil {
			b.log.WithError(err).Error("record run end")
		}
		if listErr != nil {
			b.log.WithError(listErr).Error("the files are done and in the ledger, but the batch's list of them is lost")
			if err == nil {
				// The clerk reads this at the terminal: say first that the
				// files are safe, then where their results are.
				err = fmt.Errorf("本批的文件都已處理並記入台帳，只是本批的文件清單讀不回來（%w）；各單位的結果可用 countybrief status 查看", listErr)
			}
		}
	}()
	// A stop (SIGTERM to serve, Ctrl-C to run) ends the taking of new
	// files; what is claimed is finished, and the briefing made, with a
	// context that the stop does not cancel, so that no file is left half
	// done in work/. That bounds a stop by two groups (the one being read
	// and the one claimed beside it) and the briefing.
	work := context.WithoutCancel(ctx)
	if err := b.takeFiles(ctx, work); err != nil {
		return b.sum, err
	}
	// The last group is moved beside the draft, which needs only its
	// records, and then the rest of the taking is tidied (finishTaking).
	tail := make(chan error, 1)
	go func() { tail <- b.finishTaking(work) }()
	tailed := false
	defer func() {
		if !tailed {
			<-tail
		}
	}()
	if !opts.FilesOnly {
		if err := b.draft(work); err != nil {
			return b.sum, err
		}
	}
	tailed = true
	if err := <-tail; err != nil {
		return b.sum, err
	}
	// A completed run has written every 退回 copy of its files.
	if err := b.awaitReturns(); err != nil {
		return b.sum, err
	}
	if err := b.syncOutputs(); err != nil {
		return b.sum, err
	}
	status = vocab.RunCompleted
	if ctx.Err() != nil {
		status, b.sum.Stopped = vocab.RunStopped, true
	}
	b.log.WithFields(logrus.Fields{
		"accepted": b.sum.Accepted, "rejected": b.sum.Rejected, "duplicates": b.sum.Duplicates,
		"waiting": b.sum.Waiting, "missing": len(b.sum.Missing), "draft": b.sum.Rendered,
		"memory_limit_mib": debug.SetMemoryLimit(-1) >> 20, "huge_pages": opts.HeapOnHugePages,
	}).Info("batch completed")
	return b.sum, nil
}

// A batch holds every unit's figures while it drafts, which is the most
// it holds. Under a limit below what it holds, the collector runs without
// pause: 38% of the CPU at 73,000 units under the 48 MB default. The
// limit is raised to the lesser of memoryBase plus memoryPerUnit a unit
// of the registry and memoryLargeBase plus memoryLargePerUnit a unit;
// above what the batch holds, it bounds how far the heap grows past it,
// and so the resident size. The first is what a region's and a
// province's batch need; beyond a province the collector already has the
// room it needs (the second's base: the files in flight, fonts and
// templates, and some 35 MB to collect in), and each further unit needs
// only what the draft holds of it (620 bytes), so the second is less.
//
// Figures, cold batch of 73,000 units: earlier (figures as rows, 2.5 to
// 3.5 KB a unit held while drafting), 4 KB a unit peaked at 488 and 501
// MB resident against 588 and 603 MB at 6 KB, collection 2.1 and 2.5 s
// against 2.9 and 3.0 s of some 40 s of CPU (paired, load 3.2 to 5.6).
// 2026-12-05, the files taken holding 70 to 100 MB live and the draft
// some 150 MB at its peak (gctrace), four runs each alternating at load 5
// to 9: 2.5 KiB a unit (210 MiB) peaked at 360 to 366 MB resident against
// 446 to 476 MB at 4 KiB, collection 1.7 to 2.7 s against 1.3 to 4.4 s
// of some 29 s of CPU. Later that day, with a leaner draft, three pairs
// at load 7 to 9: 284 to 294 MB against 328 to 379 MB, collection 2.2 to
// 3.1 s against 1.8 to 3.0 s of 29 to 32 s: under a tenth of the CPU,
// while a county's batch keeps the configured limit.
//
// Later still (session 8), with the file results spilled to work/, groups
// of 8 MiB and a leaner draft, a cold 73,000 held 54 to 60 MB live while
// it took its files and 83 to 116 MB at the draft's peak (gctrace). At
// 2.5 KiB a unit (210 MiB) the limit no longer bound: the heap grew to
// twice what it held, and the batch peaked at 216 to 217 MB resident,
// some 30 MB of it beside the heap (the program's text, SQLite's cache).
// At 1 KiB a unit, 103 MiB, the same build peaked at 139 to 142 MB,
// collection 1.2 to 1.6 s of 25 to 27 s of CPU against 1.1 s, wall 17.6
// to 23.7 s against 20.3 and 20.4 (three and two runs, alternating, load
// 3 to 5); at 110 MiB, 150 and 166 MB, at 100 MiB 139 MB. A cold 204,000
// held 102 to 120 MB while taking and 212 to 236 MB at the draft's peak:
// at 1 KiB a unit, 231 MiB, it peaked at 288 MB resident, collection 3.4
// s of 80 s of CPU, against 463 MB at 2.5 KiB (530 MiB). The draft's
// peak, not the limit, keeps it above 256 MB: a limit under what the
// draft holds would make the collector run without pause.
//
// Session 9, the draft leaner still (its counted files 48 bytes each, no
// copy of the figures for the county rules, the registry's text alone,
// no empty sources): a cold 204,000 held 152 to 161 MB at the draft's
// peak and peaked at 233 and 239 MB resident at 180 MiB against 265 and
// 269 MB at 231 MiB (1 KiB a unit), collection 6.9 s against 6.4 s of
// some 63 s of CPU in one pair at load 6, which swells the collector's
// share either way (the other pair, at load 8: 13.5 s against 8.6 s; at
// load 4 an earlier build collected 3.1 to 4.1 s at 231 MiB). Some 24
// MB of the resident size is the program's text.
const (
	memoryBase         = 32 << 20
	memoryPerUnit      = 1024
	memoryLargeBase    = 60 << 20
	memoryLargePerUnit = 620
)

// hugePageLimitShare is the share, in percent, of the raised memory limit
// that a batch whose heap is on huge pages gets. The runtime counts
// against its limit the memory its heap uses; the kernel keeps a huge
// page resident whole once any of it is touched, so the same limit holds
// more resident memory.
//
// Measured 2026-12-06 (session 17) at 07:29-07:55 UTC, load 0.9-1.4, one
// build with and without huge pages (at this share / at the whole
// limit), alternating pairs, 73,000 units: a cold batch 1.03, 1.05 and
// 1.05 times the time (the collector 1.28-1.57 s against 1.00-1.22 s)
// at a peak of 135-142 MB resident against 139-143 MB; one changed file
// 0.71-0.85 s against 0.89-1.00 s (six pairs, paired median 0.84);
// nothing new 0.27-0.30 s against 0.37-0.40 s (five pairs, 0.73); every
// unit resending 10.1, 13.1 and 10.7 s against 12.1, 13.1 and 12.9 s.
// 204,000 units, cold: 61.4 and 61.5 s against 61.0 and 57.1 s at 240
// MB resident against 235 and 246 MB (the bound is 256 MB), the
// collector 4.8-5.4 s of some 100 s of CPU against 3.5-3.7 s. At the
// whole limit, a cold batch of 73,000 on huge pages peaked at 139-155
// MiB (six pairs, an earlier build), past the 150 MB bound. Later that
// morning (09:05-09:20, load 1.1-1.4), cold batches of 73,000 against
// this share: at 95%, 142-149 MB at the peak against 134-148 MB (three
// pairs), the same time; at 85%, 130-135 MB against 136-146 MB but 1.04,
// 1.07, 1.13 and 1.34 times the time (four pairs; the collector 1.55-2.0
// s against 1.2-1.3 s). In thirteen cold batches of 73,000 at this share
// the peak ranged from 133 to 148 MB; without huge pages, the runs
// recorded since session 15 peaked at 139 to 149 MB.
const hugePageLimitShare = 90

// raiseMemoryLimit raises the process's soft memory limit to what a batch
// over ws needs, unless GOMEMLIMIT chose one, and returns how to restore
// it: a long-running caller's other work keeps the configured limit. On
// huge pages the limit is hugePageLimitShare of that.
func raiseMemoryLimit(ws *workspace.Workspace, hugePages bool) (restore func()) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return func() {}
	}
	was := debug.SetMemoryLimit(-1)
	n := int64(len(ws.Units))
	want := min(memoryBase+n*memoryPerUnit, memoryLargeBase+n*memoryLargePerUnit)
	if hugePages {
		want = want * hugePageLimitShare / 100
	}
	if want <= was {
		return func() {}
	}
	debug.SetMemoryLimit(want)
	return func() { debug.SetMemoryLimit(was) }
}

// batchGCPercent is the collector's pace while a batch runs: it collects
// once the heap has grown by four times what it held, not by as much
// again. The memory limit (raiseMemoryLimit) still bounds the heap, and is
// what paces a region's and a province's batch for most of its run,
// their heap reaching it at either pace; a county's batch holds 10 to 20
// MB and was collected 17 times at the default pace, 9 at this one.
//
// Figures, 2026-12-05, cold batches: 730 units, ten pairs alternating at
// load 4 to 6, 203 ms wall at least and 215 the median against 225 and
// 227, 341 ms of CPU (median) against 360; 7,300 units, one
// pair, collection 0.09 s against 0.16 s, 79 MB resident against 77; one
// run each at load 7 to 9, 73,000 units peaked at 141 MB resident at
// either pace, collection 2.7 s against 3.6 s, 21 s of CPU against 24 s,
// and 204,000 units at 238 MB against 232 MB, collection 7.3 s against
// 7.5 s, 63 s of CPU against 73 s.
const batchGCPercent = 400

// paceCollector sets the collector's pace for a batch (batchGCPercent),
// unless GOGC chose one or the caller's is slower, and returns how to
// restore it: a long-running caller's other work keeps its own.
func paceCollector() (restore func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	was := debug.SetGCPercent(batchGCPercent)
	if was < 0 || was > batchGCPercent {
		debug.SetGCPercent(was)
		return func() {}
	}
	return func() { debug.SetGCPercent(was) }
}

// takeFiles finishes what a killed batch left behind, then claims and
// processes every settled file of the inbox, oldest first, in groups.
// Files seen for the first time must stay unchanged for the settle time,
// so when some are still waiting the batch waits that long and looks
// again: a nightly batch started cold takes tonight's files tonight.
//
// stop only decides whether to claim more; every claimed file is finished
// with work.
//
// It returns once the last group is recorded; finishTaking waits for its
// moves.
func (b *batch) takeFiles(stop, ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			// The first failure is the batch's; the group being moved
			// is waited for, whatever its own end.
			_ = b.awaitArchive()
			return
		}
		err = b.awaitRecorded()
	}()
	start := time.Now()
	leftover, err := b.inbox.Recover(ctx)
	if err != nil {
		return fmt.Errorf("recover claims: %w", err)
	}
	b.total = len(leftover)
	b.stages.add(stagePickup, time.Since(start))
	for chunk := range slices.Chunk(leftover, groupSize) {
		if err := b.processGroup(ctx, chunk, true, nil); err != nil {
			return err
		}
	}
	if err := b.awaitArchive(); err != nil {
		return err
	}
	if err := b.finishUnarchived(ctx); err != nil {
		return err
	}
	if err := b.finishReturns(ctx); err != nil {
		return err
	}
	settle := time.Duration(b.ws.Config.SettleSeconds) * time.Second
	for round := 0; ; round++ {
		if err := b.awaitArchive(); err != nil {
			return err
		}
		ready, waiting, err := b.scan(ctx)
		if err != nil {
			return fmt.Errorf("scan inbox: %w", err)
		}
		b.noteUnreadable(b.inbox.Unreadable())
		b.sum.Waiting = waiting
		b.total += len(ready)
		b.claimedAll = false
		all, err := b.takeGroups(stop, ctx, slices.Collect(groups(ready)))
		if err != nil || !all {
			return err
		}
		b.claimedAll = true
		if waiting == 0 || settle == 0 || round >= settleRounds {
			return nil
		}
		b.log.WithField("waiting", waiting).Info("files still arriving; looking again after the settle time")
		if b.opts.Waiting != nil {
			b.opts.Waiting(waiting, time.Now().Add(settle+time.Second))
		}
		select {
		case <-stop.Done():
			return nil // what waits stays in the inbox for the next batch
		case <-time.After(settle + time.Second):
		}
	}
}

// scanned is a scan of the inbox and what it took.
type scanned struct {
	ready   []inbox.Candidate
	waiting int
	err     error
	took    time.Duration
}

// firstScan scans the inbox once the workspace is locked, beside the
// checking and opening of the ledger, and starts the renderer when files
// are ready. takeFiles takes what it found once it has finished what a
// killed batch left: a file arriving meanwhile waits for the next scan,
// as one arriving after any scan does. A stop (ctx's end) does not cut
// it short, as it cuts short no scan of takeFiles: it only keeps the
// files found from being claimed.
func (b *batch) firstScan(ctx context.Context) {
	start := time.Now()
	f := &scanned{}
	f.ready, f.waiting, f.err = b.inbox.Scan(context.WithoutCancel(ctx))
	f.took = time.Since(start)
	b.first = f
	if len(f.ready) > 0 {
		b.startRenderer()
	}
}

// scan is the inbox's next scan, the first being firstScan's.
func (b *batch) scan(ctx context.Context) ([]inbox.Candidate, int, error) {
	if f := b.first; f != nil {
		b.first = nil
		b.stages.add(stagePickup, f.took)
		return f.ready, f.waiting, f.err
	}
	start := time.Now()
	defer func() { b.stages.add(stagePickup, time.Since(start)) }()
	return b.inbox.Scan(ctx)
}

// takeGroups claims and processes the groups of a scan in turn. Each
// group but the first is claimed while the one before it is read: a
// claim is renames and a flush of the file system, which wait on the disk
// rather than use a core, and claimed on their own they kept both cores
// idle before each group (a fifth of a 7,300-form batch's time). A group
// claimed ahead is processed even when stop comes meanwhile: every
// claimed file is finished. all is false when stop left groups unclaimed.
func (b *batch) takeGroups(stop, ctx context.Context, chunks [][]inbox.Candidate) (all bool, err error) {
	type claimed struct {
		taken   []inbox.Claim
		flushed <-chan error
		err     error
	}
	var ahead chan claimed
	defer func() {
		if ahead != nil {
			// Failing, the batch leaves the files claimed ahead in work/
			// for the next batch, as a kill would.
			if c := <-ahead; c.flushed != nil {
				<-c.flushed
			}
		}
	}()
	for i, chunk := range chunks {
		var c claimed
		if ahead != nil {
			c = <-ahead
			ahead = nil
		} else {
			if stop.Err() != nil {
				b.log.Info("stopping: files not yet claimed stay in the inbox for the next batch")
				return false, nil
			}
			c.taken, c.flushed, c.err = b.claimGroup(chunk)
		}
		if c.err != nil {
			return false, c.err
		}
		if i+1 < len(chunks) && stop.Err() == nil {
			ahead = make(chan claimed, 1)
			go func(next []inbox.Candidate) {
				var c claimed
				c.taken, c.flushed, c.err = b.claimGroup(next)
				ahead <- c
			}(chunks[i+1])
		}
		if err := b.processGroup(ctx, c.taken, false, c.flushed); err != nil {
			return false, err
		}
	}
	return true, nil
}

// claimGroup claims a group's candidates and returns the claims made; a
// file gone since the scan is left out. The flush that makes the claims
// durable runs on beside the hashing and reading of the group, which need
// only the renames, and flushed gives its end: processGroup waits for it
// before the group is recorded (see inbox.ClaimUnflushed).
func (b *batch) claimGroup(chunk []inbox.Candidate) (_ []inbox.Claim, flushed <-chan error, _ error) {
	start := time.Now()
	defer func() { b.stages.add(stagePickup, time.Since(start)) }()
	claims, errs, flush, err := b.inbox.ClaimUnflushed(chunk)
	if err != nil {
		return nil, nil, err
	}
	done := make(chan error, 1)
	go func() {
		start := time.Now()
		done <- flush()
		b.stages.add(stagePickup, time.Since(start))
	}()
	var taken []inbox.Claim
	for i, err := range errs {
		switch {
		case errors.Is(err, inbox.ErrGone):
			// taken by someone else, withdrawn or changed by the unit
		case err != nil:
			<-done
			return nil, nil, fmt.Errorf("claim %s: %w", chunk[i].Path, err)
		default:
			taken = append(taken, claims[i])
		}
	}
	// What the claims hold is all a group needs of its candidates.
	clear(chunk)
	return taken, done, nil
}

// settleRounds bounds how often one batch waits for files still arriving,
// so that a file that never stops changing cannot hold the briefing back.
const settleRounds = 2

// groupSize is how many files share one ledger transaction and one flush
// of the archive. Every file of a group is recorded before any moves, so
// a crash anywhere leaves each file either unrecorded in work/ (processed
// again) or recorded (finished from its row).
const groupSize = 256

// A large batch makes its groups larger, up to maxGroupSize files, while
// keeping at least minGroups of them: each group costs two ledger commits
// and a flush of the archive's file system, which flushes whatever else
// is waiting to be written there too (200 ms on the shared test machine),
// and at 73,000 files those flushes, 285 groups of 256, kept the
// recording and moving goroutine, not the reading, on the critical path.
// minGroups keeps the reading of one group beside the moving of another
// for all but the first and last group; groupBytes still bounds the
// bytes held.
const (
	maxGroupSize = 2048
	minGroups    = 16
)

// groupFiles is the group size for a batch of n files.
func groupFiles(n int) int {
	return min(max(n/minGroups, groupSize), maxGroupSize)
}

// groupBytes bounds the bytes of a group's files, which are held from
// hashing until they are archived, so that the batch holds about twice
// this: the group being read and the one being recorded and moved. At 64
// MiB, 2,048 forms of 12 KB a group, they were 50 of the 140 MB live
// while a 73,000-form batch read. At 16 MiB it is cut into 54 groups
// instead of 36, at 8 MiB into 107, whose flushes made the archive stage
// 8.6 to 18.9 s against 7.9 to 11.2 s at 64 MiB and 8.7 to 11.1 s at 16
// MiB (2026-12-05, three runs each, alternating, load 6 to 9). Later that
// day, once the file results, candidates and registry had shrunk, the two
// groups were most of what the batch held while it took its files: at 8
// MiB the live heap of the take phase peaked at 60 to 65 MB against 85 to
// 92 at 16 MiB (gctrace), peak resident 218 to 227 MB against 225 to 237,
// with the archive stage 5.1 to 8.4 s against 3.3 to 12.4 s and 26.4 to
// 29.6 s of CPU against 26.5 to 30.0 (three runs each, alternating with
// the build before, load 4 to 8).
const groupBytes = 8 << 20

// groups cuts the ready files into groups of at most groupFiles files
// and, unless one file alone is larger, groupBytes bytes.
func groups(ready []inbox.Candidate) iter.Seq[[]inbox.Candidate] {
	files := groupFiles(len(ready))
	return func(yield func([]inbox.Candidate) bool) {
		start, bytes := 0, int64(0)
		for i, c := range ready {
			size := c.Size
			if c.TooLarge {
				size = 0 // hashed as it streams by, never held
			}
			if i > start && (i-start == files || bytes+size > groupBytes) {
				if !yield(ready[start:i]) {
					return
				}
				start, bytes = i, 0
			}
			bytes += size
		}
		if start < len(ready) {
			yield(ready[start:])
		}
	}
}

// notArchived is the archive path noted for a file that changed after it
// was judged when its judged bytes could not be kept: the changed file
// went back to the inbox to be judged anew.
const notArchived = "-"

// noteUnreadable names, in the summary and the log, the inbox folders and
// files the scan could not read; every other unit is processed.
func (b *batch) noteUnreadable(problems []inbox.Problem) {
	for _, p := range problems {
		where := p.Path
		if rel, err := filepath.Rel(b.ws.Dir, p.Path); err == nil {
			where = filepath.ToSlash(rel)
		}
		if slices.Contains(b.sum.Unreadable, where) {
			continue
		}
		b.sum.Unreadable = append(b.sum.Unreadable, where)
		b.log.WithFields(logrus.Fields{"unit": p.Folder, "file": where}).WithError(p.Err).Error("cannot read this part of the inbox; the other units are processed")
	}
}

// job is one claimed file on its way through a group.
type job struct {
	claim inbox.Claim
	rec   *ledger.Record
	// recorded is true when the ledger already had the claim (a batch was
	// killed after recording it).
	recorded bool
	// data is the file's content from hashing until it is read; nil for
	// a file too large to read. judged keeps the same bytes until the file
	// is archived, so that the archive holds exactly what was judged even
	// if a writer changes the file meanwhile; stamp is the file as read.
	data, judged []byte
	stamp        fs.FileInfo
	// sub and findings are what reading found; sub is kept after the
	// file is judged only when it has findings, for the 退回 copy.
	sub      *form.Submission
	findings []vocab.Finding
	// row is rec made ready to record on the judging goroutine; nil for
	// a record decided without judging, prepared when it is recorded.
	row *ledger.Prepared
	// copy is the 退回 copy made from judged, when makeCopies made one.
	copy *madeCopy
	err  error
}

// processGroup judges a group of claims in parallel (hash, read, check),
// records them in one transaction, archives them with one flush, and
// writes the 退回 copies. The ledger is asked once per group, not per
// file, for what it knows of the files' content and the units' previous
// figures. The previous group is recorded and moved in the background
// while this one is hashed and read; this one is checked only once that
// group is recorded, and told its repeats of it, so that it sees that
// group as a later batch would. flushed, nil for claims recovered from
// work/, ends the flush of the group's claims (claimGroup), which must
// succeed before the group is recorded; it is waited for on every way
// out, so that no flush outlives the batch.
func (b *batch) processGroup(ctx context.Context, claims []inbox.Claim, recovered bool, flushed <-chan error) error {
	defer func() {
		if flushed != nil {
			<-flushed
		}
	}()
	if len(claims) == 0 {
		return nil
	}
	jobs := make([]job, len(claims))
	for i := range jobs {
		jobs[i].claim = claims[i]
	}
	if err := b.each(jobs, b.hash); err != nil {
		return err
	}
	// Content the ledger had before this batch is a duplicate, not read
	// again.
	start := time.Now()
	if err := b.known(ctx, jobs, recovered); err != nil {
		return err
	}
	b.stages.add(stageLedger, time.Since(start))
	if slices.ContainsFunc(jobs, func(j job) bool { return j.rec.Status == "" }) {
		b.startRenderer()
	}
	if err := b.each(jobs, b.read); err != nil {
		return err
	}
	// Judging needs the group before in the ledger, not in the archive:
	// its moves go on beside the judging, and the next group is recorded
	// once they are done, so that no more than two groups are held.
	if err := b.awaitRecorded(); err != nil {
		return err
	}
	start = time.Now()
	prev, err := b.previous(ctx, jobs)
	if err != nil {
		return err
	}
	b.stages.add(stageLedger, time.Since(start))
	if err := b.each(jobs, func(j *job) { b.judge(ctx, j, prev) }); err != nil {
		return err
	}
	b.markRepeats(jobs)
	b.makeCopies(jobs)
	if flushed != nil {
		err := <-flushed
		flushed = nil
		if err != nil {
			return err
		}
	}
	if err := b.awaitArchive(); err != nil {
		return err
	}
	done, recorded := make(chan error, 1), make(chan struct{})
	go func() { done <- b.recordAndArchive(ctx, jobs, recovered, recorded) }()
	b.archiving, b.recorded = done, recorded
	return nil
}

// startRenderer loads the fonts and templates and trial-runs them (a
// county's draft waited for them) beside the taking of files, as soon as
// the inbox has files ready (firstScan) or a group has a file to read
// (one a killed batch left), which makes a new draft: the start of a
// batch and its claims, records and moves leave a core idle. A failure
// is left for the draft to meet again and report.
func (b *batch) startRenderer() {
	if b.early != nil || b.opts.Renderer != nil || b.opts.FilesOnly {
		return
	}
	early := make(chan *render.Renderer, 1)
	b.early = early
	go func() {
		r, err := b.renderer()
		if err != nil {
			r = nil
		}
		early <- r
	}()
}

// takeEarly hands the renderer startRenderer makes over to the caller: the
// function returned waits for it, and gives nil when none was started or
// its making failed. The draft reads the ledger's heads and figures while
// the renderer is made: one changed file at 73,000 units waited 80 ms for
// it before reading anything.
func (b *batch) takeEarly() func() *render.Renderer {
	early := b.early
	b.early = nil
	return sync.OnceValue(func() *render.Renderer {
		if early == nil {
			return nil
		}
		return <-early
	})
}

// recordAndArchive records a judged group in one transaction, closes
// recorded, then moves its files; every file of the group is recorded
// before any moves.
func (b *batch) recordAndArchive(ctx context.Context, jobs []job, recovered bool, recorded chan<- struct{}) error {
	start := time.Now()
	var fresh []ledger.Prepared
	var prep ledger.Preparer
	for i := range jobs {
		j := &jobs[i]
		if j.recorded {
			continue
		}
		if j.row == nil {
			row, err := prep.Prepare(j.rec)
			if err != nil {
				return fmt.Errorf("record files: %w", err)
			}
			j.row = &row
		}
		fresh = append(fresh, *j.row)
	}
	// A renamed claim is read from the record when it is written again.
	ids, err := b.ledger.RecordPrepared(ctx, fresh)
	for range maxReclaims {
		if !errors.Is(err, ledger.ErrClaimTaken) {
			break
		}
		if err = b.reclaimTaken(ctx, jobs); err != nil {
			break
		}
		ids, err = b.ledger.RecordPrepared(ctx, fresh)
	}
	if err != nil {
		return fmt.Errorf("record files: %w", err)
	}
	n := 0
	for i := range jobs {
		if !jobs[i].recorded {
			jobs[i].rec.ID = ids[n]
			n++
		}
		// Recorded: the encoded values need not wait for the moves.
		jobs[i].row = nil
	}
	b.stages.add(stageLedger, time.Since(start))
	close(recorded)
	return b.archiveGroup(ctx, jobs, recovered)
}

// maxReclaims bounds how often a group is recorded again after the
// ledger refused a claim name: each new name is refused only if another
// machine drew it too, in the same second.
const maxReclaims = 8

// reclaimTaken gives every file of the group whose claim name the ledger
// holds for another file a new claim name. The ledger wrote nothing of
// the group, and the rename is durable before the group is recorded again
// under the new name: a kill in between leaves the file claimed, under
// one name or the other, and unrecorded.
func (b *batch) reclaimTaken(ctx context.Context, jobs []job) error {
	for i := range jobs {
		j := &jobs[i]
		if j.recorded {
			continue
		}
		rec, err := b.ledger.ByClaim(ctx, j.rec.ClaimName)
		if err != nil {
			return fmt.Errorf("look up claim %s: %w", j.rec.ClaimName, err)
		}
		if rec == nil || (rec.SHA256 == j.rec.SHA256 && rec.UnitCode == j.rec.UnitCode) {
			continue
		}
		c, stamp, err := b.inbox.Reclaim(j.claim, j.stamp)
		if err != nil {
			return err
		}
		b.log.WithFields(logrus.Fields{"unit": j.rec.UnitCode, "file": j.rec.OrigName,
			"old_claim": j.claim.Name, "new_claim": c.Name}).Warn("claim name taken in the ledger by another file; renamed")
		j.claim, j.rec.ClaimName, j.stamp = c, c.Name, stamp
	}
	return nil
}

// awaitArchive waits for the group being recorded and moved, if any.
func (b *batch) awaitArchive() error {
	if b.archiving == nil {
		return nil
	}
	err := <-b.archiving
	b.archiving, b.recorded = nil, nil
	return err
}

// awaitRecorded waits until the group being recorded and moved, if any,
// is in the ledger, or has failed.
func (b *batch) awaitRecorded() error {
	if b.archiving == nil {
		return nil
	}
	select {
	case <-b.recorded:
		return nil
	case err := <-b.archiving:
		b.archiving, b.recorded = nil, nil
		return err
	}
}

// finishTaking waits for the last group's moves, which run beside the
// draft: the briefing is made of the ledger's records, which are in, not
// of where the files went. Then a large ledger log is copied into the
// ledger file (Checkpoint), also beside the draft, which only reads the
// ledger, rather than when the ledger closes, and the inbox's notes are
// written.
func (b *batch) finishTaking(ctx context.Context) error {
	if err := b.awaitArchive(); err != nil {
		return err
	}
	if b.total > 0 {
		start := time.Now()
		if err := b.ledger.Checkpoint(ctx); err != nil {
			b.log.WithError(err).Warn("checkpoint the ledger")
		}
		b.stages.add(stageLedger, time.Since(start))
	}
	// The unit folders the claims emptied are read again, so that the
	// next batch with nothing new need not read them.
	if b.claimedAll {
		if err := b.inbox.ForgetClaimed(); err != nil {
			b.log.WithError(err).Warn("forget the sightings of claimed files")
		}
	}
	if err := b.inbox.NoteEmptied(ctx); err != nil {
		b.log.WithError(err).Warn("note emptied inbox folders")
	}
	return nil
}

// each runs do for every job on as many goroutines as there are cores and
// returns the first job error.
func (b *batch) each(jobs []job, do func(*job)) error {
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range jobs {
		if jobs[i].rec != nil && jobs[i].rec.Status != "" {
			continue // decided already: recorded before, or a duplicate
		}
		g.Go(func() error {
			do(&jobs[i])
			return nil
		})
	}
	g.Wait()
	for i := range jobs {
		if jobs[i].err != nil {
			return jobs[i].err
		}
	}
	return nil
}

// hash reads a claimed file once. A file that cannot be read (no
// permission, a disk error) or that is empty is rejected with the reason,
// and the batch goes on: one bad file must not hold up the county.
func (b *batch) hash(j *job) {
	c := j.claim
	j.rec = &ledger.Record{
		RunID: b.sum.RunID, ClaimName: c.Name, OrigName: c.OrigName,
		ReceivedAt: c.ReceivedAt, UnitCode: b.unitOf(c.Folder), Period: b.ws.Config.Period,
	}
	data, sha, info, err := inbox.ReadClaim(c.Path, b.checker.reader.MaxBytes())
	switch {
	case err != nil:
		b.log.WithFields(logrus.Fields{"file": c.OrigName, "unit": c.Folder}).WithError(err).Warn("cannot read a claimed file; rejecting it")
		// The content could not be read: its hash is that of no bytes,
		// and the archive checks the file by its size and time instead.
		j.rec.SHA256 = emptySHA
		if info, err := os.Lstat(c.Path); err == nil {
			j.stamp = info
		}
		j.rec.Status, j.rec.Findings = vocab.FileRejected, []vocab.Finding{unreadableFinding(err)}
	case info.Size() == 0:
		j.rec.SHA256, j.stamp = sha, info
		j.rec.Status, j.rec.Findings = vocab.FileRejected, []vocab.Finding{emptyFinding()}
	default:
		j.data, j.judged, j.rec.SHA256, j.stamp = data, data, sha, info
	}
}

// emptySHA is the SHA-256 of no bytes.
const emptySHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// known settles what the ledger already knows of the files not yet
// decided: a claim an interrupted batch recorded (only recovered claims
// can be; a new claim's name is new), and content that its own unit sent
// before and that was accepted, which makes a duplicate. The same bytes
// in another unit's folder are judged as that unit's file (and fail its
// identity check); the same bytes as a rejected file are judged again,
// under today's rules, so that a unit whose file was rejected by a rule
// the office has since fixed can simply send it again.
func (b *batch) known(ctx context.Context, jobs []job, recovered bool) error {
	if recovered {
		for i := range jobs {
			j := &jobs[i]
			rec, err := b.ledger.ByClaim(ctx, j.claim.Name)
			if err != nil {
				return fmt.Errorf("look up claim %s: %w", j.claim.Name, err)
			}
			if rec != nil && !sameFile(*rec, j) {
				// Another machine sharing the ledger drew the same claim
				// name: recording this file finds the clash and renames it.
				continue
			}
			if rec != nil {
				b.log.WithFields(logrus.Fields{"file": rec.OrigName, "sha256": rec.SHA256}).Info("finishing a file recorded by an interrupted batch")
				j.rec, j.recorded = rec, true
			}
		}
	}
	var shas []string
	for _, j := range jobs {
		if j.rec.Status == "" {
			shas = append(shas, j.rec.SHA256)
		}
	}
	origins, err := b.ledger.Origins(ctx, shas)
	if err != nil {
		return err
	}
	for i := range jobs {
		j := &jobs[i]
		orig, ok := origins[j.rec.SHA256]
		if j.rec.Status != "" || !ok || !repeats(orig, j) {
			continue
		}
		j.rec.Status, j.rec.UnitCode, j.rec.Period = vocab.FileDuplicate, orig.UnitCode, orig.Period
		j.data, j.sub, j.findings = nil, nil, nil
	}
	return nil
}

// sameFile reports whether rec, recorded under j's claim name, is j's
// file: the name the unit gave it and, when both could be read, its
// content. A file now unreadable (or recorded unreadable) is taken to be
// the recorded one, as before claim names could clash.
func sameFile(rec ledger.Record, j *job) bool {
	if rec.OrigName != j.claim.OrigName {
		return false
	}
	return rec.SHA256 == j.rec.SHA256 || rec.SHA256 == emptySHA || j.rec.SHA256 == emptySHA
}

// repeats reports whether a file is a duplicate of orig, an earlier file
// with the same content: orig was accepted, for the unit whose folder the
// file is in.
func repeats(orig ledger.Origin, j *job) bool {
	return orig.Status == vocab.FileAccepted && j.claim.Folder != "" && orig.UnitCode == j.claim.Folder
}

// previous fetches the previous figures of the units whose folders the
// group's files came from, for the period-over-period rules; a form from
// elsewhere (the top of the inbox, another period) is looked up alone.
func (b *batch) previous(ctx context.Context, jobs []job) (PrevFunc, error) {
	period := b.ws.Config.Period
	var units []string
	for _, j := range jobs {
		if j.rec.Status == "" && j.claim.Folder != "" {
			units = append(units, j.claim.Folder)
		}
	}
	fetched, err := b.ledger.PreviousFor(ctx, period, units)
	if err != nil {
		return nil, err
	}
	asked := map[string]bool{}
	for _, u := range units {
		asked[u] = true
	}
	return func(unit, p string) (map[string]float64, error) {
		if p == period && asked[unit] {
			return fetched[unit], nil
		}
		return b.ledger.Previous(ctx, unit, p)
	}, nil
}

// markRepeats makes a file that repeats an accepted file of its own unit
// earlier in its group, or in the group before (which the ledger may not
// have had when this group was looked up), a duplicate, as it would be had
// they come in different batches.
func (b *batch) markRepeats(jobs []job) {
	first := make(map[string]ledger.Origin, len(jobs))
	for i := range jobs {
		j := &jobs[i]
		if j.recorded || j.rec.Status == vocab.FileDuplicate || j.rec.SHA256 == "" {
			continue
		}
		orig, ok := first[j.rec.SHA256]
		if !ok {
			orig, ok = b.lastGroup[j.rec.SHA256]
		}
		if !ok || !repeats(orig, j) {
			if j.rec.Status == vocab.FileAccepted {
				first[j.rec.SHA256] = ledger.Origin{UnitCode: j.rec.UnitCode, Period: j.rec.Period, Status: j.rec.Status}
			}
			continue
		}
		*j.rec = ledger.Record{RunID: j.rec.RunID, ClaimName: j.rec.ClaimName, OrigName: j.rec.OrigName,
			SHA256: j.rec.SHA256, ReceivedAt: j.rec.ReceivedAt, Status: vocab.FileDuplicate,
			UnitCode: orig.UnitCode, Period: orig.Period}
		j.sub, j.row = nil, nil
	}
	b.lastGroup = first
}

// archiveGroup moves recorded files to their archive folders, notes the
// paths in the ledger, and writes 退回 copies.
func (b *batch) archiveGroup(ctx context.Context, jobs []job, recovered bool) error {
	start := time.Now()
	reqs := make([]inbox.ArchiveRequest, len(jobs))
	for i := range jobs {
		j := &jobs[i]
		// A duplicate repeats an accepted file and is archived beside it.
		accepted := j.rec.Status == vocab.FileAccepted || j.rec.Status == vocab.FileDuplicate
		reqs[i] = inbox.ArchiveRequest{Claim: j.claim, Accepted: accepted, Period: j.rec.Period, Unit: b.unitOf(j.rec.UnitCode),
			SHA256: j.rec.SHA256, Judged: j.judged}
		// A claim recorded by an interrupted batch was not read by this
		// one: the archive checks it against the recorded hash.
		if j.stamp != nil {
			reqs[i].Size, reqs[i].ModTime, reqs[i].ChangeTime = j.stamp.Size(), j.stamp.ModTime(), inbox.ChangeTime(j.stamp)
		}
	}
	results, err := b.inbox.ArchiveGroup(reqs)
	if err != nil {
		return err
	}
	b.stages.add(stageArchive, time.Since(start))
	start = time.Now()
	noted, stored := make(map[int64]string, len(jobs)), storedPaths(b.ws)
	paths := make([]string, len(jobs))
	for i, r := range results {
		j := &jobs[i]
		j.judged = nil
		// Made only for a file that has something to report: every file
		// is logged once it is done, below.
		log := func() logrus.FieldLogger {
			return b.log.WithFields(logrus.Fields{"file": j.rec.OrigName, "unit": j.rec.UnitCode, "sha256": j.rec.SHA256})
		}
		if r.Arrival != "" {
			log().WithField("arrival", r.Arrival).Warn("the file changed after it was judged; the judged bytes are archived and the changed file is back in the inbox")
			b.sum.ChangedAfterJudging = append(b.sum.ChangedAfterJudging, r.Arrival)
		}
		switch {
		case errors.Is(r.Err, inbox.ErrChanged):
			// The judged bytes were not kept (a file too large to read):
			// the row stays, marked, and the changed file is judged anew.
			noted[j.rec.ID] = notArchived
		case r.Err != nil:
			// The file stays claimed in work/ and is finished by a later
			// batch; the others go on.
			log().WithError(r.Err).Error("cannot archive a file; it stays in work/ for the next batch")
			b.sum.ArchiveErrors = append(b.sum.ArchiveErrors, fmt.Sprintf("%s: %v", j.rec.OrigName, r.Err))
		default:
			paths[i] = r.Path
			noted[j.rec.ID] = stored(r.Path)
		}
	}
	if err := b.ledger.SetArchivePaths(ctx, noted); err != nil {
		return fmt.Errorf("note archive paths: %w", err)
	}
	b.stages.add(stageLedger, time.Since(start))
	start = time.Now()
	returns := make([]string, len(jobs))
	for i := range jobs {
		j, rec := &jobs[i], jobs[i].rec
		if paths[i] == "" || len(rec.Findings) == 0 || rec.Status == vocab.FileDuplicate {
			continue
		}
		book, _, _, err := b.returnPaths(paths[i], rec.UnitCode)
		if err != nil {
			return err
		}
		returns[i] = book
		b.writeReturnLater(paths[i], rec, j.claim.Folder, j.sub, j.copy)
		j.copy = nil
	}
	for i := range jobs {
		if c := jobs[i].copy; c != nil {
			jobs[i].copy = nil
			b.returns.Add(1)
			go func() {
				defer b.returns.Done()
				c.drop(b.madeAhead)
			}()
		}
	}
	for i := range jobs {
		j, rec := &jobs[i], jobs[i].rec
		if paths[i] == "" {
			continue // not archived: reported above
		}
		res := FileResult{Name: rec.OrigName, Unit: rec.UnitCode, Period: rec.Period, SHA256: rec.SHA256,
			Status: rec.Status, ArchivePath: paths[i], ReturnPath: returns[i], Findings: rec.Findings, Recovered: recovered || j.recorded}
		b.log.WithFields(logrus.Fields{"file": rec.OrigName, "unit": rec.UnitCode, "sha256": rec.SHA256,
			"status": rec.Status, "findings": len(rec.Findings), "archive": paths[i]}).Info("file done")
		b.sum.add(res)
	}
	b.stages.add(stageReturns, time.Since(start))
	if b.opts.Progress != nil {
		b.opts.Progress(b.sum.done(), max(b.total, b.sum.done()))
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
	jobs := make([]job, len(recs))
	for i := range recs {
		jobs[i] = job{rec: &recs[i], recorded: true, claim: inbox.Claim{
			Name: recs[i].ClaimName, OrigName: recs[i].OrigName, ReceivedAt: recs[i].ReceivedAt}}
	}
	for chunk := range slices.Chunk(jobs, groupSize) {
		if err := b.archiveGroup(ctx, chunk, true); err != nil {
			return err
		}
	}
	return nil
}

// read reads one claimed file. It runs on many goroutines: it only reads
// shared state.
func (b *batch) read(j *job) {
	start := time.Now()
	if j.data != nil {
		j.sub, j.findings = b.checker.reader.ReadBytes(j.claim.Path, j.data)
		j.data = nil
	} else {
		var err error
		if j.sub, j.findings, err = b.checker.read(j.claim.Path); err != nil {
			j.err = fmt.Errorf("read %s: %w", j.claim.Name, err)
		}
	}
	b.stages.add(stageRead, time.Since(start))
}

// judge checks one file read and decides its status. It runs on many
// goroutines: it only reads shared state.
func (b *batch) judge(ctx context.Context, j *job, prev PrevFunc) {
	c, rec, cfg, sub, findings := j.claim, j.rec, b.ws.Config, j.sub, j.findings
	if sub != nil {
		start := time.Now()
		var err error
		var broken []rules.RuleFailure
		findings, broken, err = b.checker.verify(sub, c.Folder, prev, findings)
		b.stages.add(stageCheck, time.Since(start))
		if err != nil {
			j.err = fmt.Errorf("check %s: %w", c.Name, err)
			return
		}
		b.noteBroken(broken)
		// A form for a period the configuration does not name is filed
		// under the current one, where the unit still owes its report; one
		// for a period the office closed, under that period as late.
		if cfg.PeriodOpen(sub.Period) {
			rec.Period = sub.Period
		}
		if findings, err = b.lateFiling(rec, sub, findings); err != nil {
			j.err = fmt.Errorf("period of %s: %w", c.Name, err)
			return
		}
		if findings, err = issueOrder(ctx, b.ws, b.ledger, sub, rec.SHA256, findings); err != nil {
			j.err = fmt.Errorf("issue of %s: %w", c.Name, err)
			return
		}
		// A file at the top of the inbox speaks for the unit its code
		// cell names only when the office chose to trust that.
		if c.Folder == "" && cfg.MatchTopLevelByCode {
			rec.UnitCode = b.unitOf(sub.UnitCode)
		}
		rec.Values, rec.Cells = sub.Values, cellsOf(sub)
	}
	rec.Findings = findings
	rec.Status = vocab.FileAccepted
	if vocab.HasError(findings) {
		rec.Status = vocab.FileRejected
	}
	j.findings = nil
	if len(findings) == 0 {
		j.sub = nil
	}
	prep := b.preparers.Get().(*ledger.Preparer)
	row, err := prep.Prepare(rec)
	b.preparers.Put(prep)
	if err != nil {
		j.err = fmt.Errorf("record %s: %w", c.Name, err)
		return
	}
	j.row = &row
	// The row holds them encoded; as maps they were some 5 MB a group
	// held until it was archived, beside the next group being read. A
	// 退回 copy reads sub, which a file with findings keeps.
	rec.Values, rec.Cells = nil, nil
}

// noteBroken tells the office, once per rule, of a rule that failed when
// it ran. It runs on many goroutines.
func (b *batch) noteBroken(broken []rules.RuleFailure) {
	if len(broken) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, rf := range broken {
		if slices.ContainsFunc(b.sum.BrokenRules, func(s BrokenRule) bool { return s.Rule == rf.Rule }) {
			continue
		}
		b.sum.BrokenRules = append(b.sum.BrokenRules, BrokenRule{Rule: rf.Rule, Where: fmt.Sprintf("%s:%d:%d", rf.File, rf.Line, rf.Col), Err: rf.Err})
		b.log.WithFields(logrus.Fields{"rule": rf.Rule, "where": rf.Error()}).Error("a rule failed when it ran; it judged no file")
	}
}

// writeReturnLater writes a 退回 copy (writeReturn) in the background, on
// every core: each opens the archived workbook and writes it again, a
// county's six were a quarter of its cold batch, and the last group's
// held the draft back. awaitReturns waits for them.
func (b *batch) writeReturnLater(archived string, rec *ledger.Record, folder string, sub *form.Submission, made *madeCopy) {
	b.returnQueue <- struct{}{}
	b.returns.Add(1)
	go func() {
		defer b.returns.Done()
		defer func() { <-b.returnQueue }()
		// Waited for before a slot is taken: its making holds one.
		copied := made.take(b.madeAhead, archived, rec.OrigName)
		b.returnSlots <- struct{}{}
		defer func() { <-b.returnSlots }()
		start := time.Now()
		_, err := b.writeReturn(archived, rec, folder, sub, copied)
		b.stages.add(stageReturns, time.Since(start))
		if err != nil {
			b.mu.Lock()
			defer b.mu.Unlock()
			if b.returnErr == nil {
				b.returnErr = err
			}
		}
	}()
}

// madeCopy is a 退回 copy made by makeCopies, whole once done is closed.
type madeCopy struct {
	done chan struct{}
	data []byte
	err  error
}

// makeCopies makes the 退回 copies of a judged group's files from the
// bytes judged, beside the group's recording and moving, and the reading
// of the next group. Made from the archived file once the group was moved,
// the last group's copies were the end of a county's batch, beside its
// draft, while a core waited for the group's records. A copy is written
// (writeReturnLater) once its file is archived, and named after its
// archived name. At most maxQueuedReturns are held made and not written;
// the others are made when written, from the archived file.
func (b *batch) makeCopies(jobs []job) {
	conv, err := b.ws.Config.Converter()
	if err != nil {
		return // writeReturn meets it again, and fails the batch
	}
	for i := range jobs {
		j := &jobs[i]
		if j.judged == nil || j.rec == nil || len(j.rec.Findings) == 0 || j.rec.Status == vocab.FileDuplicate {
			continue
		}
		select {
		case b.madeAhead <- struct{}{}:
		default:
			continue
		}
		c := &madeCopy{done: make(chan struct{})}
		j.copy = c
		data, name, sub, findings := j.judged, j.rec.OrigName, j.sub, j.rec.Findings
		b.returns.Add(1)
		go func() {
			defer b.returns.Done()
			defer close(c.done)
			b.returnSlots <- struct{}{}
			defer func() { <-b.returnSlots }()
			var buf bytes.Buffer
			c.err = form.WriteReturnOf(&buf, name, data, sub, findings, conv)
			c.data = buf.Bytes()
		}()
	}
}

// take waits for the copy and gives back its place among those held: its
// bytes, or nil when there is none, it failed, or the archived file's
// extension, which tells what the file is, is not the one it was made
// with (an original name the archive cleans); writeReturn then makes it
// from the archived file.
func (c *madeCopy) take(held <-chan struct{}, archived, orig string) []byte {
	if c == nil {
		return nil
	}
	c.drop(held)
	if c.err != nil || !strings.EqualFold(filepath.Ext(archived), filepath.Ext(orig)) {
		return nil
	}
	return c.data
}

// drop waits for the copy and gives back its place: its file was not
// archived, and a later batch writes its copy.
func (c *madeCopy) drop(held <-chan struct{}) {
	<-c.done
	<-held
}

// maxQueuedReturns bounds the 退回 copies started and not yet written: a
// group of rejected files waits for them rather than holding every one's
// figures.
const maxQueuedReturns = 64

// awaitReturns waits for the 退回 copies being written and returns the
// first failure.
func (b *batch) awaitReturns() error {
	b.returns.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.returnErr
}

// syncOutputs makes the batch's outputs durable, then notes the draft.
//
// The 退回 copies and the draft (its PDF, text, totals workbook and
// 審核報告, and the chase list) are written without waiting for the disk
// (b.outputs), and made durable here by one flush, on Linux one syncfs
// of the workspace's file system. An fsync of each file and folder made
// a cold batch of 730 forms 66 fsyncs (now 12: the ledger's, the lock's),
// most in its last 50 ms with the cores idle; one flush took 1 to 5% off
// its wall time (2026-12-05, five runs of 24 to 32 pairs against the
// build before at load 1 to 1.6: medians 0.952 to 0.989 of it). One
// flush is enough because nothing vouches for an output before it:
//   - a 退回 copy is vouched for by the run completed (ledger.FinishRun,
//     after this): the next batch checks every 退回 copy of a run that did
//     not complete (finishReturns, returnWhole) and writes again one that
//     is missing, empty or cut short;
//   - the draft is vouched for by draft.inputs, written after this
//     (noteDraft) with the stamps of the files it vouches for: a batch
//     keeps the draft only when the note reads and every file is the one
//     stamped, so that neither a note lost nor an older note beside a
//     draft file a power cut cut short keeps a damaged draft.
//
// The caches beside them (draft.rows, draft.chunks, draft.heads,
// inbox-seen.bin, inbox-quiet.bin) wait for no flush of their own: each
// reads as no cache when damaged.
//
// A failed or killed batch never gets here: its outputs are checked and
// made again as above.
func (b *batch) syncOutputs() error {
	if b.opts.beforeSync != nil {
		if err := b.opts.beforeSync(b.outputs.Files()); err != nil {
			return err
		}
	}
	if err := b.outputs.Sync(); err != nil {
		return fmt.Errorf("sync outputs: %w", err)
	}
	if b.noteDraft != nil {
		return b.noteDraft()
	}
	return nil
}

// returnPaths are where the 退回 copy of the archived file of unit and
// the note beside it go, and the converter that names them.
func (b *batch) returnPaths(archived, unit string) (book, note string, conv func(string) string, err error) {
	// Made per copy: the script conversion's dictionaries are parsed once
	// a process (workspace.T2S) and only read, also by copies written at once.
	if conv, err = b.ws.Config.Converter(); err != nil {
		return "", "", nil, err
	}
	dir := filepath.Join(b.ws.OutboxDir(), "returns", b.unitOf(unit))
	base := trimExt(inbox.ArchivedName(archived, b.unitOf(unit))) + conv("-審核意見")
	return filepath.Join(dir, base+".xlsx"), filepath.Join(dir, base+".txt"), conv, nil
}

// writeReturn writes the 退回 copy and the note beside it, unless they are
// there already, and returns the copy's path. sub is what was read from
// the file; when nil (a recovered record), the archived file is read
// again only if its values were read once, so that a file the reader gave
// up on is never parsed a second time. folder is the inbox folder the
// file came from, "" when unknown.
func (b *batch) writeReturn(archived string, rec *ledger.Record, folder string, sub *form.Submission, made []byte) (string, error) {
	book, note, conv, err := b.returnPaths(archived, rec.UnitCode)
	if err != nil {
		return "", err
	}
	text := form.ReturnNote(b.addressee(rec.UnitCode, folder), rec.OrigName, rec.Findings, conv)
	if returnWhole(book, note, text) {
		return book, nil
	}
	if sub == nil && len(rec.Values) > 0 {
		sub, _, _ = b.checker.read(archived)
	}
	if err := b.outputs.WriteFile(book, func(w io.Writer) error {
		if made != nil {
			_, err := w.Write(made)
			return err
		}
		return form.WriteReturn(w, archived, sub, rec.Findings, conv)
	}); err != nil {
		return "", fmt.Errorf("write return workbook: %w", err)
	}
	if err := b.outputs.WriteFile(note, func(w io.Writer) error {
		_, err := io.WriteString(w, text)
		return err
	}); err != nil {
		return "", fmt.Errorf("write return note: %w", err)
	}
	return book, nil
}

// returnWhole reports whether the 退回 copy book and its note are both
// there and whole: a run that did not complete may have left either
// missing, empty or cut short (syncOutputs). The workbook must read as a
// zip whose every part matches its checksum; the note must say, after
// its first line (the addressee, which a recovered record may no longer
// know), what text says.
func returnWhole(book, note, text string) bool {
	got, err := os.ReadFile(note)
	if err != nil {
		return false
	}
	head, rest, ok := strings.Cut(string(got), "\n")
	_, want, _ := strings.Cut(text, "\n")
	if !ok || head == "" || rest != want {
		return false
	}
	data, err := os.ReadFile(book)
	if err != nil {
		return false
	}
	parts, err := zipfloor.InflateAll(data) // zip.ErrChecksum among others
	return err == nil && parts > 0
}

// addressee is whom a 退回 note is for: the unit, or where its file lay
// when the file names no unit of the registry.
func (b *batch) addressee(unit, folder string) string {
	if u, ok := b.ws.Unit(unit); ok {
		return u.Name
	}
	if folder == "" {
		return "收件箱頂層文件的報送單位"
	}
	return fmt.Sprintf("收件箱「%s」文件夾中文件的報送單位", folder)
}

// finishReturns writes the 退回 copies that runs which did not complete
// (killed, out of disk, an outbox that could not be written) recorded
// but never wrote, and removes the temporary files such a run left in
// the outbox. The batch lock is held, so no temporary file there is in use.
func (b *batch) finishReturns(ctx context.Context) error {
	// The copies of the groups finished above are written first: their
	// temporary files are in use.
	if err := b.awaitReturns(); err != nil {
		return err
	}
	err := filepath.WalkDir(b.ws.OutboxDir(), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() && safefile.IsTemp(d.Name()) {
			b.log.WithField("file", path).Info("removing a temporary file an interrupted run left")
			return os.Remove(path)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("clean outbox: %w", err)
	}
	recs, err := b.ledger.ToReturn(ctx, b.sum.RunID)
	if err != nil {
		return err
	}
	for i := range recs {
		rec := &recs[i]
		if rec.ArchivePath == "" || rec.ArchivePath == notArchived {
			continue // not archived yet (archiveGroup writes it), or never
		}
		book, err := b.writeReturn(b.ws.Path(rec.ArchivePath), rec, "", nil, nil)
		if err != nil {
			return err
		}
		b.log.WithFields(logrus.Fields{"file": rec.OrigName, "unit": rec.UnitCode, "sha256": rec.SHA256, "return": book}).Debug("退回 copy present")
	}
	return nil
}

func trimExt(name string) string { return name[:len(name)-len(filepath.Ext(name))] }
