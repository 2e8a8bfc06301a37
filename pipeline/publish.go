package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/merge"
	"countybrief/pipeline/render"
	"countybrief/pipeline/safefile"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// draftInputs, under work/, is the note of the draft on disk (draftNote).
const draftInputs = "draft.inputs"

// draftNote is what the draft on disk was made of, in two fingerprints,
// and the counts a batch reports of it. Inputs fingerprints the files a
// briefing is made of (headsHash of the ledger's heads, workspaceHash). Quick
// tells the same without reading a head: the ledger's mark of the period
// (ledger.PeriodMark), the workspace files, the day, the last issue and
// whether the deadline has passed, which is all tally reads besides the
// heads; with it go the counts tally made. At 73,000 units the heads were
// most of a batch that finds nothing new. A note that does not read, or
// whose Quick differs, costs only the heads: the draft is remade only
// when Inputs differs too, and the counts are always tally's of the heads
// the quick mark stood for.
//
// The note vouches for the draft files it was written after, by their
// stamps (size and modification time): it is written only once they are
// on the disk (Run syncs the batch's outputs first), and a draft file
// that is not the one stamped (a later batch's, cut short by a power cut
// before its sync, or replaced by hand) is a draft to make again.
type draftNote struct {
	Quick  string      `json:"quick"`
	Inputs string      `json:"inputs"`
	Tally  draftTally  `json:"tally"`
	Files  []fileStamp `json:"files"` // draftPaths.list's
}

// stampsOf stamps the files at paths (as the ledger's mark does its
// files); false when one is missing.
func stampsOf(paths []string) ([]fileStamp, bool) {
	out := make([]fileStamp, len(paths))
	for i, p := range paths {
		var ok bool
		if out[i], ok = stampOf(p); !ok {
			return nil, false
		}
	}
	return out, true
}

// vouches reports whether the draft files at paths are the ones the note
// was written after.
func (n draftNote) vouches(paths draftPaths) bool {
	now, ok := stampsOf(paths.list())
	return ok && slices.Equal(now, n.Files)
}

// draftTally is what tally puts in the summary.
type draftTally struct {
	Reported        int                 `json:"reported"`
	Counts          map[vocab.State]int `json:"counts"`
	Missing         []string            `json:"missing"`
	Returned        []string            `json:"returned"`
	KeptAfterReturn []string            `json:"kept_after_return"`
}

func tallyOf(s *Summary) draftTally {
	return draftTally{Reported: s.Reported, Counts: s.Counts, Missing: s.Missing, Returned: s.Returned, KeptAfterReturn: s.KeptAfterReturn}
}

func (t draftTally) into(s *Summary) {
	s.Reported, s.Counts, s.Missing, s.Returned, s.KeptAfterReturn = t.Reported, t.Counts, t.Missing, t.Returned, t.KeptAfterReturn
}

// readDraftNote is the note at path, or the zero note when there is none
// or it does not read (one written by an older version was a bare hash).
func readDraftNote(path string) draftNote {
	var note draftNote
	data, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(data, &note) != nil || note.Tally.Counts == nil {
		return draftNote{}
	}
	return note
}

// draft merges the current accepted set, runs the county rules and
// writes the draft briefing, its totals workbook and 審核報告, and the chase
// list. A batch never numbers an issue: the office publishes one when it
// has read the draft. Whether anything changed is told from the ledger's
// mark of the period, then from its heads (which files count) before any
// figure is loaded, so a batch that finds nothing new costs almost nothing.
func (b *batch) draft(ctx context.Context) error {
	ws, period := b.ws, b.ws.Config.Period
	early := b.takeEarly()
	// Nothing a batch starts outlives it.
	defer early()
	start := time.Now()
	last, err := b.ledger.LastIssue(ctx)
	if err != nil {
		return err
	}
	now := b.opts.Now()
	today := dateIn(now, ws.Config.Location())
	files, err := workspaceHash(ws)
	if err != nil {
		return err
	}
	mark, err := b.ledger.PeriodMark(ctx, period)
	if err != nil {
		return err
	}
	deadline := ws.Config.DeadlineTime()
	past := !deadline.IsZero() && now.After(deadline)
	// The draft is dated today and compared with the last issue: a new
	// day or a new issue makes a new draft even with the same files.
	day := fmt.Sprintf("%s %s %d", files, today.Format(time.DateOnly), issueNumber(last))
	quick := fmt.Sprintf("%s %s %t", mark, day, past)
	names := ws.Config.AllNames()
	paths := draftPathsOf(ws, period, names[0])
	hashFile := filepath.Join(ws.WorkDir(), draftInputs)
	note := readDraftNote(hashFile)
	if note.Quick == quick && note.vouches(paths) {
		note.Tally.into(b.sum)
		paths.into(b.sum)
		b.stages.add(stageMerge, time.Since(start))
		b.log.Info("nothing changed since the last draft")
		return nil
	}
	kept := b.readDraftRows(period, files)
	headsPath := filepath.Join(ws.WorkDir(), draftHeadsFile)
	prev, prevMark := readHeads(headsPath, period)
	current, returned, err := b.ledger.HeadsSince(ctx, period, ruleLate, prev, prevMark, mark)
	if err != nil {
		return err
	}
	// The heads are kept for the next draft while they are tallied and
	// the figures read, and let go before the briefing is made.
	var keepHeads errgroup.Group
	if mark != prevMark {
		keepHeads.Go(func() error {
			if err := writeHeads(headsPath, period, mark, current); err != nil {
				return fmt.Errorf("keep the draft's heads: %w", err)
			}
			return nil
		})
	}
	b.tally(current, returned)
	hash := headsHash(current, returned) + " " + day
	if note.Inputs == hash && note.vouches(paths) {
		// The same files under another mark (a duplicate came, or a
		// file of another unit state): the draft stands, and the note
		// takes the mark, so that the next batch need not read the heads.
		// The files it vouches for are on the disk already.
		if err := keepHeads.Wait(); err != nil {
			return err
		}
		if err := writeDraftNote(hashFile, draftNote{Quick: quick, Inputs: hash, Tally: tallyOf(b.sum), Files: note.Files}); err != nil {
			return err
		}
		paths.into(b.sum)
		b.stages.add(stageMerge, time.Since(start))
		b.log.Info("nothing changed since the last draft")
		return nil
	}
	// Fonts and templates load, and the templates' trial run on sample
	// data runs, on the other core while the figures are read and judged
	// (begun beside the taking of files, startRenderer, or now).
	type made struct {
		r   *render.Renderer
		err error
	}
	renderer := make(chan made, 1)
	go func() {
		if r := early(); r != nil {
			renderer <- made{r, nil}
			return
		}
		r, err := b.renderer()
		renderer <- made{r, err}
	}()
	counted, rows, saveRows, err := b.draftRows(ctx, period, files, countedOf(ws, current), kept)
	if kerr := keepHeads.Wait(); err == nil {
		err = kerr
	}
	if err != nil {
		<-renderer
		return err
	}
	// The rows are kept for the next draft beside the briefing's making,
	// so that the counted files, which only the keeping and the briefing
	// read, are let go before the rendering (10 MB at 204,000 units).
	var g errgroup.Group
	g.Go(saveRows)
	brief, err := b.briefingOf(ctx, period, last, counted, rows)
	if err != nil {
		<-renderer
		_ = g.Wait()
		return err
	}
	brief.Draft, brief.Date = true, today
	b.stages.add(stageMerge, time.Since(start))

	start = time.Now()
	defer func() { b.stages.add(stageRender, time.Since(start)) }()
	m := <-renderer
	if errors.Is(m.err, render.ErrNoFonts) {
		if err := g.Wait(); err != nil {
			return err
		}
		return b.draftWithoutFonts(brief, paths, m.err)
	}
	if m.err != nil {
		_ = g.Wait()
		return m.err
	}
	for _, fb := range m.r.Fallbacks() {
		b.sum.Fonts = append(b.sum.Fonts, fb.Text())
	}
	// The outputs are written two at a time: the totals workbook, which
	// lists every unit's figures, beside the PDF, which allocates the most.
	type output struct {
		path  string
		write func(io.Writer, render.Briefing) error
	}
	for _, outs := range [][]output{
		{{paths.totals, keptTotals(ws, m.r)}, {paths.chase, m.r.ChaseList}, {paths.audit, m.r.AuditReport}},
		{{paths.pdf, m.r.PDF}, {paths.text, m.r.Text}},
	} {
		g.Go(func() error {
			for _, o := range outs {
				if err := b.outputs.WriteFile(o.path, func(w io.Writer) error { return o.write(w, brief) }); err != nil {
					return fmt.Errorf("write %s: %w", filepath.Base(o.path), err)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	// The note is written once the draft is on the disk (Run, after its
	// sync), so that a crash before leaves the draft to be made again.
	b.noteDraft = func() error {
		stamps, ok := stampsOf(paths.list())
		if !ok {
			return fmt.Errorf("note the draft: %s: %w", paths.pdf, fs.ErrNotExist)
		}
		return writeDraftNote(hashFile, draftNote{Quick: quick, Inputs: hash, Tally: tallyOf(b.sum), Files: stamps})
	}
	paths.into(b.sum)
	b.sum.Rendered = true
	if err := removeDraft(draftPathsOf(ws, period, names[1]), paths); err != nil {
		return err
	}
	b.log.WithField("file", paths.pdf).Info("draft written")
	return nil
}

// draftPaths are where a batch's outputs go.
// draftWithoutFonts writes what needs no font (the totals workbook, the
// 審核報告 and the chase list) when no font can set the briefing, and
// says the PDF waits. The last draft's PDF and text are removed, since
// their figures are no longer the ledger's, and the fingerprint is left
// unwritten, so that the first batch with fonts makes the draft.
func (b *batch) draftWithoutFonts(brief render.Briefing, paths draftPaths, fontErr error) error {
	renderer, err := render.New(b.ws, nil)
	if err != nil {
		return fmt.Errorf("load templates: %w", err)
	}
	for _, o := range []struct {
		path  string
		write func(io.Writer, render.Briefing) error
	}{
		{paths.totals, renderer.TotalsWorkbook},
		{paths.chase, renderer.ChaseList},
		{paths.audit, renderer.AuditReport},
	} {
		if err := b.outputs.WriteFile(o.path, func(w io.Writer) error { return o.write(w, brief) }); err != nil {
			return fmt.Errorf("write %s: %w", filepath.Base(o.path), err)
		}
	}
	for _, p := range []string{paths.pdf, paths.text} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove the stale draft: %w", err)
		}
	}
	b.sum.TotalsWorkbook, b.sum.AuditReport, b.sum.ChaseList = paths.totals, paths.audit, paths.chase
	b.sum.Fonts = append(b.sum.Fonts, say("簡報 PDF 和文字版暫未生成，等字體裝好後下一次運行會生成；匯總表 %s、審核報告 %s、催報退回名單 %s 和退回文件已照常寫好。%s",
		paths.totals, paths.audit, paths.chase, vocab.Detail(fontErr.Error())))
	b.log.WithError(fontErr).Warn("no fonts: the draft PDF waits")
	return nil
}

type draftPaths struct{ pdf, text, totals, audit, chase string }

// draftPathsOf are period's draft files under names.
func draftPathsOf(ws *workspace.Workspace, period string, names workspace.Names) draftPaths {
	dir := filepath.Join(ws.OutboxDir(), period)
	return draftPaths{
		pdf:    filepath.Join(dir, names.DraftDir(), names.Draft(".pdf")),
		text:   filepath.Join(dir, names.DraftDir(), names.Draft(".txt")),
		totals: filepath.Join(dir, names.DraftDir(), names.Totals()),
		audit:  filepath.Join(dir, names.DraftDir(), names.Audit()),
		chase:  filepath.Join(dir, names.ChaseList()),
	}
}

// removeDraft removes the draft named in the other script, written before
// the office changed script (or before names followed it): it is a past
// draft, and left beside the new one it would be read for it. A name both
// scripts spell alike is the new draft's, and stays.
func removeDraft(old, kept draftPaths) error {
	keep := kept.list()
	for _, p := range old.list() {
		if slices.Contains(keep, p) {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove the draft of the other script: %w", err)
		}
	}
	return nil
}

func (p draftPaths) list() []string { return []string{p.pdf, p.text, p.totals, p.audit, p.chase} }

func (p draftPaths) into(s *Summary) {
	s.Draft, s.DraftText, s.TotalsWorkbook, s.AuditReport, s.ChaseList = p.pdf, p.text, p.totals, p.audit, p.chase
}

// currentBriefing is the period's briefing as the ledger has it now: the
// one definition that the draft and a published issue share. Previous is
// the last issue's totals when it is of the same period; History the
// issues numbered so far. Issue and Date are the caller's; tally must
// have run over the period's heads. The counted records come without
// their values, which the briefing holds as rows (render.UnitValues).
func (b *batch) currentBriefing(ctx context.Context, period string, last *ledger.Issue) (render.Briefing, []ledger.Record, error) {
	current, rows, err := b.ledger.CurrentRows(ctx, period, merge.Codes(b.ws.Catalogue))
	if err != nil {
		return render.Briefing{}, nil, fmt.Errorf("current submissions: %w", err)
	}
	brief, err := b.briefingOf(ctx, period, last, countedOf(b.ws, current), rows)
	return brief, current, err
}

// briefingOf is currentBriefing of the counted files counted and their
// figures rows (as CurrentRows reads them).
func (b *batch) briefingOf(ctx context.Context, period string, last *ledger.Issue, counted countedFiles, rows [][]float64) (render.Briefing, error) {
	returned, err := b.ledger.Returned(ctx, period)
	if err != nil {
		return render.Briefing{}, fmt.Errorf("returned submissions: %w", err)
	}
	// A file kept for a closed period changes nothing of that period.
	returned = slices.DeleteFunc(returned, func(r ledger.Record) bool {
		return slices.ContainsFunc(r.Findings, func(f vocab.Finding) bool { return f.Rule == ruleLate })
	})
	brief, err := b.assemble(ctx, counted, rows, returned)
	if err != nil {
		return render.Briefing{}, err
	}
	if last != nil && last.Period == period {
		var t merge.Totals
		if json.Unmarshal(last.Totals, &t) == nil {
			brief.Previous = &t
		}
	}
	if brief.History, err = b.pastIssues(ctx, issueNumber(last)+1); err != nil {
		return render.Briefing{}, err
	}
	return brief, nil
}

func issueNumber(last *ledger.Issue) int {
	if last == nil {
		return 0
	}
	return last.Issue
}

// dateIn is the calendar day of t in loc, at midnight.
func dateIn(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// renderer is the caller's, or made now: fonts and templates are loaded
// only by a batch that has a briefing to write.
func (b *batch) renderer() (*render.Renderer, error) {
	if b.opts.Renderer != nil {
		return b.opts.Renderer, nil
	}
	fonts, err := render.LoadFonts(b.ws.Config)
	if err != nil {
		return nil, fmt.Errorf("load fonts: %w", err)
	}
	r, err := render.New(b.ws, fonts)
	if err != nil {
		return nil, fmt.Errorf("load templates: %w", err)
	}
	return r, nil
}

// writeDraftNote writes the note without waiting for the disk: it is
// written after the files it vouches for are there, and its loss, or a
// stale one, costs a draft made again (the stamps).
func writeDraftNote(path string, note draftNote) error {
	if err := safefile.WriteUnsynced(path, func(w io.Writer) error {
		_, err := w.Write(mustJSON(note))
		return err
	}); err != nil {
		return fmt.Errorf("note the draft: %w", err)
	}
	return nil
}

// headsHash fingerprints the accepted and returned files; with
// workspaceHash, it is everything a briefing is made of. The same
// fingerprints mean the same briefing. The ledger gives each set in unit
// code order, one file a unit, so the same files hash in the same order
// without a sort: sorting a key made a file cost 6.5 MB and 30 ms at
// 73,000 units.
func headsHash(current, returned []ledger.Record) string {
	h := sha256.New()
	var line []byte
	for _, set := range [][]ledger.Record{current, returned} {
		for i := range set {
			line = append(append(append(line[:0], set[i].UnitCode...), '='), set[i].SHA256...)
			line = append(line, '\n')
			h.Write(line)
		}
		h.Write([]byte("--\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// workspaceHash fingerprints the workspace files a briefing is made of:
// the configuration, the registry, the catalogue, the rules and the
// templates.
func workspaceHash(ws *workspace.Workspace) (string, error) {
	h := sha256.New()
	for _, name := range []string{workspace.ConfigFile, workspace.UnitsFile, workspace.IndicatorsFile} {
		// The registry as loaded is what the briefing is made of, and its
		// digest is taken already: reading and hashing units.yaml again
		// kept a quiet batch at 73,000 units at 0.51 s against 0.42 s
		// (medians of ten pairs).
		if sum, ok := ws.UnitsSum(); ok && name == workspace.UnitsFile {
			fmt.Fprintf(h, "%s sha256 %x\n", name, sum)
			continue
		}
		data, err := os.ReadFile(filepath.Join(ws.Dir, name))
		if err != nil {
			return "", fmt.Errorf("fingerprint %s: %w", name, err)
		}
		h.Write(data)
	}
	for _, dir := range []string{ws.TemplatesDir(), ws.RulesDir()} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(ws.Dir, path)
			fmt.Fprintln(h, filepath.ToSlash(rel))
			h.Write(data)
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			return "", fmt.Errorf("fingerprint %s: %w", filepath.Base(dir), err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		// Only plain data is marshalled here; failure is a programming error.
		panic(fmt.Sprintf("marshal %T: %v", v, err))
	}
	return data
}
