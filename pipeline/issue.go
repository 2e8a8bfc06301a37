package pipeline

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/sirupsen/logrus"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/merge"
	"countybrief/pipeline/render"
	"countybrief/pipeline/safefile"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// PublishOptions tune Publish. The zero value publishes the configured
// period, dated today in the configured time zone.
type PublishOptions struct {
	Period string
	// Date is printed on the issue; today when zero.
	Date time.Time
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	Log logrus.FieldLogger
	// Wait queues behind a running batch instead of failing at once.
	Wait bool
	// Fonts are a long-running caller's; loaded for this issue when nil.
	Fonts *render.Fonts
}

// Published is what Publish did.
type Published struct {
	Issue  int       `json:"issue"`
	Period string    `json:"period"`
	Date   time.Time `json:"date"`
	// NothingNew: the last issue counted the same submissions and was
	// rendered from the same workspace files, so nothing was published;
	// Issue and the paths are that issue's.
	NothingNew     bool   `json:"nothing_new"`
	Counted        int    `json:"counted"`
	Briefing       string `json:"briefing"`
	BriefingText   string `json:"briefing_text"`
	TotalsWorkbook string `json:"totals_workbook"`
	// Rollup is the 上報 workbook for the office above; "" when config.yaml
	// has no county_code.
	Rollup string `json:"rollup,omitempty"`
}

// ErrNothingToPublish: no unit has an accepted file in the period.
var ErrNothingToPublish = errors.New("本報送期還沒有接收的報表，沒有可發布的簡報")

// Publish numbers and writes the next issue (第N期) of the period's
// briefing from the figures the ledger holds now, the same briefing a
// batch drafts. The number is the last plus one, taken in the ledger
// transaction that records the issue with, per unit, the submission it
// counted and the workspace files it was rendered from; the files are
// written afterwards and never overwrite anything. Publishing again with
// the same counted submissions and the same files publishes nothing. A
// crash between the record and the files leaves an issue whose files the
// next Publish writes from its record.
func Publish(ctx context.Context, ws *workspace.Workspace, opts PublishOptions) (*Published, error) {
	callerDefaults(&opts.Now, &opts.Log)
	period := cmp.Or(opts.Period, ws.Config.Period)
	if !workspace.ValidPeriod(period) {
		return nil, fmt.Errorf("報送期「%s」不是有效的名稱", period)
	}
	ws = withPeriod(ws, period)
	checker, err := NewChecker(ws)
	if err != nil {
		return nil, err
	}
	// A batch drafting while the issue is taken could change what it counts.
	led, release, err := holdWorkspace(ctx, ws, opts.Wait)
	if err != nil {
		return nil, err
	}
	defer release()

	b := &batch{ws: ws, opts: Options{Now: opts.Now, Log: opts.Log}, log: opts.Log, ledger: led, checker: checker,
		sum: &Summary{Period: period}}
	heads, returned, err := led.HeadsWithout(ctx, period, ruleLate)
	if err != nil {
		return nil, err
	}
	b.tally(heads, returned)
	files, err := snapshotFiles(ws)
	if err != nil {
		return nil, err
	}
	hash := publishHash(period, heads, files)
	last, err := led.LastIssue(ctx)
	if err != nil {
		return nil, err
	}
	if last != nil && last.InputsHash == hash {
		return finishIssue(ctx, ws, led, last.Issue, opts.Fonts)
	}
	if len(heads) == 0 {
		return nil, ErrNothingToPublish
	}
	brief, briefed, err := b.currentBriefing(ctx, period, last)
	if err != nil {
		return nil, err
	}
	// The issue is rendered from the values as stored, by the catalogue
	// it records (renderIssue, as a reprint is), and its 上報 workbook
	// lists them as stored: the maps the briefing does without. The batch
	// lock keeps the ledger as it was read.
	current, err := led.Current(ctx, period)
	if err != nil {
		return nil, err
	}
	if !slices.EqualFunc(current, briefed, func(a, b ledger.Record) bool { return a.ID == b.ID }) {
		return nil, fmt.Errorf("counted files changed while publishing")
	}
	n := issueNumber(last) + 1
	date := opts.Date
	if date.IsZero() {
		date = opts.Now()
	}
	date = dateIn(date, ws.Config.Location())
	pdfPath := filepath.Join(ws.OutboxDir(), period, ws.Config.Names().Briefing(n, ".pdf"))
	rel, err := filepath.Rel(ws.Dir, pdfPath)
	if err != nil {
		rel = pdfPath
	}
	pub := ledger.Publication{
		Issue: ledger.Issue{Issue: n, Period: period, InputsHash: hash, Path: filepath.ToSlash(rel),
			Totals: mustJSON(brief.Totals), At: opts.Now(), Date: date.Format(time.DateOnly)},
		Files:  files,
		Render: mustJSON(renderNote(brief)),
	}
	for _, rec := range current {
		pub.Counted = append(pub.Counted, ledger.Counted{Unit: rec.UnitCode, Submission: rec.ID, SHA256: rec.SHA256})
	}
	// The issue is rendered from its record, as a reprint will be, and
	// before it is numbered, so that a template that fails costs no number.
	out, err := renderIssue(ws, led, &pub, current, opts.Fonts)
	if err != nil {
		return nil, err
	}
	liveRenderer, err := b.renderer()
	if err != nil {
		return nil, err
	}
	brief.Issue, brief.Date = n, out.brief.Date
	if err := addSources(ctx, led, &brief, current); err != nil {
		return nil, err
	}
	var totals bytes.Buffer
	if err := liveRenderer.TotalsWorkbook(&totals, brief); err != nil {
		return nil, fmt.Errorf("totals workbook: %w", err)
	}
	var report []byte
	if ws.Config.CountyCode != "" {
		if report, err = rollupWorkbook(ws, brief.Totals, current, n, pub.Date, totals.Bytes()); err != nil {
			return nil, err
		}
	}
	res := published(ws, pub)
	// A file of this number already there, in either script (an outbox
	// restored from a backup, a ledger swapped), was published by someone:
	// refuse before the number is taken, and leave the file alone.
	taken := []string{res.Briefing, res.BriefingText, res.TotalsWorkbook, res.Rollup}
	for _, nm := range ws.Config.AllNames()[1:] {
		dir := filepath.Dir(res.Briefing)
		taken = append(taken, filepath.Join(dir, nm.Briefing(n, ".pdf")), filepath.Join(dir, nm.Briefing(n, ".txt")),
			filepath.Join(dir, nm.IssueTotals(n)))
	}
	for _, path := range taken {
		if path != "" && fileExists(path) {
			return nil, fmt.Errorf("%s 已存在，已發布的簡報不會被覆蓋；請檢查台帳是否被替換（countybrief ledger rebuild）: %w", path, fs.ErrExist)
		}
	}
	if _, err := led.PublishIssue(ctx, pub); err != nil {
		return nil, fmt.Errorf("number the issue: %w", err)
	}
	if err := writeIssue(res, out.pdf, out.text, totals.Bytes(), report, false); err != nil {
		return nil, err
	}
	opts.Log.WithFields(logrus.Fields{"issue": n, "file": res.Briefing, "counted": len(current)}).Info("issue published")
	return res, nil
}

// withPeriod is ws speaking of another period than the configured one.
func withPeriod(ws *workspace.Workspace, period string) *workspace.Workspace {
	if period == ws.Config.Period {
		return ws
	}
	cfg := *ws.Config
	cfg.Period = period
	w := *ws
	w.Config = &cfg
	return &w
}

// published is where an issue's files go: named in the script of the
// briefing the ledger recorded, so that an issue published before the
// office changed script is finished and found under its own names.
func published(ws *workspace.Workspace, pub ledger.Publication) *Published {
	dir := filepath.Join(ws.OutboxDir(), pub.Period)
	date, _ := time.ParseInLocation(time.DateOnly, pub.Date, ws.Config.Location())
	n := pub.Issue.Issue
	all := ws.Config.AllNames()
	names := all[0]
	for _, nm := range all {
		if path.Base(pub.Path) == nm.Briefing(n, ".pdf") {
			names = nm
			break
		}
	}
	up := ""
	if ws.Config.CountyCode != "" {
		up = filepath.Join(dir, names.Report(n))
	}
	return &Published{Rollup: up,
		Issue: n, Period: pub.Period, Date: date, Counted: len(pub.Counted),
		Briefing:       filepath.Join(dir, names.Briefing(n, ".pdf")),
		BriefingText:   filepath.Join(dir, names.Briefing(n, ".txt")),
		TotalsWorkbook: filepath.Join(dir, names.IssueTotals(n)),
	}
}

// writeIssue writes an issue's files; a published file is never
// replaced. finishing skips the files a crash did not stop from being
// written, and nil data; report is nil without a county_code.
func writeIssue(p *Published, pdf, text, totals, report []byte, finishing bool) error {
	dir := filepath.Dir(p.Briefing)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{p.TotalsWorkbook, totals}, {p.Rollup, report}, {p.Briefing, pdf}, {p.BriefingText, text}} {
		if f.path == "" || finishing && (f.data == nil || fileExists(f.path)) {
			continue
		}
		err := safefile.WriteNew(f.path, func(w io.Writer) error {
			_, err := w.Write(f.data)
			return err
		})
		if err != nil {
			return fmt.Errorf("write %s: %w", filepath.Base(f.path), err)
		}
	}
	return safefile.SyncDir(dir)
}

// finishIssue answers a publish with nothing new: the last issue stands,
// and its PDF and text twin are written from its record if a crash came
// between the record and the files. Its totals workbook, made from the
// live workspace, is not remade.
func finishIssue(ctx context.Context, ws *workspace.Workspace, led *ledger.Ledger, n int, fonts *render.Fonts) (*Published, error) {
	pub, err := led.Publication(ctx, n)
	if err != nil {
		return nil, err
	}
	res := published(ws, *pub)
	res.NothingNew = true
	if res.Rollup != "" && !fileExists(res.Rollup) {
		res.Rollup = "" // like the totals workbook, not remade from the live workspace
	}
	if fileExists(res.Briefing) && fileExists(res.BriefingText) {
		return res, nil
	}
	recs, err := countedRecords(ctx, ws, led, pub)
	if err != nil {
		return nil, err
	}
	out, err := renderIssue(ws, led, pub, recs, fonts)
	if err != nil {
		return nil, err
	}
	return res, writeIssue(res, out.pdf, out.text, nil, nil, true)
}

// issueRender is what an issue says that neither its counted files nor
// its workspace files tell later: each unit's state on the day, and the
// totals of the issue it compared with.
type issueRender struct {
	Units    []unitNote    `json:"units"`
	Previous *merge.Totals `json:"previous,omitempty"`
}

type unitNote struct {
	Code       string      `json:"code"`
	State      vocab.State `json:"state"`
	Late       bool        `json:"late,omitempty"`
	File       string      `json:"file,omitempty"`
	ReceivedAt time.Time   `json:"received_at"`
	Counted    string      `json:"counted,omitempty"`
}

func renderNote(b render.Briefing) issueRender {
	n := issueRender{Previous: b.Previous}
	for _, u := range b.Units {
		n.Units = append(n.Units, unitNote{Code: u.Unit.Code, State: u.State, Late: u.Late, File: u.File, ReceivedAt: u.ReceivedAt, Counted: u.Counted})
	}
	return n
}

// snapshotFiles are the workspace files a briefing is rendered from, by
// workspace-relative slash name.
func snapshotFiles(ws *workspace.Workspace) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, name := range []string{workspace.ConfigFile, workspace.UnitsFile, workspace.IndicatorsFile} {
		data, err := os.ReadFile(filepath.Join(ws.Dir, name))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		files[name] = data
	}
	err := filepath.WalkDir(ws.TemplatesDir(), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(ws.Dir, path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read templates: %w", err)
	}
	return files, nil
}

// publishHash fingerprints what an issue is made of: the period, the
// submission each unit counts, and the workspace files it is rendered
// from. Rules and returned files do not change a briefing's figures.
func publishHash(period string, current []ledger.Record, files map[string][]byte) string {
	h := sha256.New()
	fmt.Fprintln(h, period)
	keys := make([]string, 0, len(current))
	for _, r := range current {
		keys = append(keys, r.UnitCode+"="+r.SHA256)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintln(h, k)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(h, "%s %d\n", name, len(files[name]))
		h.Write(files[name])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// rendered is an issue rendered from its record.
type rendered struct {
	brief     render.Briefing
	pdf, text []byte
}

// renderIssue renders issue pub from nothing but its record and the
// values of the submissions it counted: the workspace files as they were
// (loaded from a scratch folder under work/), each unit's state on the
// day, the issues before it. Publish and Reprint both render through it,
// which is what makes a reprint byte-identical.
func renderIssue(ws *workspace.Workspace, led *ledger.Ledger, pub *ledger.Publication, counted []ledger.Record, fonts *render.Fonts) (*rendered, error) {
	var note issueRender
	if err := json.Unmarshal(pub.Render, &note); err != nil {
		return nil, fmt.Errorf("第%d期的記錄不完整，無法重印: %w", pub.Issue.Issue, err)
	}
	scratch, err := os.MkdirTemp(ws.WorkDir(), "issue-")
	if err != nil {
		return nil, fmt.Errorf("scratch folder: %w", err)
	}
	defer os.RemoveAll(scratch)
	for name, data := range pub.Files {
		if !filepath.IsLocal(filepath.FromSlash(name)) {
			return nil, fmt.Errorf("第%d期記錄的文件名「%s」不在工作區內", pub.Issue.Issue, name)
		}
		path := filepath.Join(scratch, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return nil, err
		}
	}
	sws, err := workspace.Load(scratch)
	if err != nil {
		return nil, fmt.Errorf("第%d期記錄的工作區文件: %w", pub.Issue.Issue, err)
	}
	if fonts == nil {
		if fonts, err = render.LoadFonts(sws.Config); err != nil {
			return nil, err
		}
	}
	r, err := render.New(sws, fonts)
	if err != nil {
		return nil, fmt.Errorf("第%d期記錄的模板: %w", pub.Issue.Issue, err)
	}
	date, err := time.ParseInLocation(time.DateOnly, pub.Date, sws.Config.Location())
	if err != nil {
		return nil, fmt.Errorf("第%d期的日期「%s」: %w", pub.Issue.Issue, pub.Date, err)
	}
	values := make(map[string]map[string]float64, len(counted))
	for _, rec := range counted {
		values[rec.UnitCode] = rec.Values
	}
	b := render.Briefing{Issue: pub.Issue.Issue, Date: date, Period: pub.Period,
		Totals: merge.Merge(sws.Catalogue, sws.Units, values), Previous: note.Previous}
	codes := merge.Codes(sws.Catalogue)
	for i := range sws.Units {
		if v, ok := values[sws.Units[i].Code]; ok {
			b.Reported = append(b.Reported, render.UnitValues{Unit: &sws.Units[i], Figures: merge.FiguresOf(codes, v)})
		}
	}
	for _, n := range note.Units {
		u, ok := sws.Unit(n.Code)
		if !ok {
			u = workspace.Unit{Code: n.Code}
		}
		b.Units = append(b.Units, render.UnitLine{Unit: &u, State: n.State, Late: n.Late, File: n.File, ReceivedAt: n.ReceivedAt, Counted: n.Counted})
	}
	all, err := led.Issues(context.Background())
	if err != nil {
		return nil, fmt.Errorf("earlier issues: %w", err)
	}
	for _, is := range all {
		if is.Issue >= pub.Issue.Issue {
			break
		}
		p := render.PastIssue{Issue: is.Issue, Period: is.Period}
		if json.Unmarshal(is.Totals, &p.Totals) != nil {
			p.Totals = merge.Totals{}
		}
		b.History = append(b.History, p)
	}
	var pdf, text bytes.Buffer
	if err := r.PDF(&pdf, b); err != nil {
		return nil, fmt.Errorf("第%d期 PDF: %w", pub.Issue.Issue, err)
	}
	if err := r.Text(&text, b); err != nil {
		return nil, fmt.Errorf("第%d期文字版: %w", pub.Issue.Issue, err)
	}
	return &rendered{brief: b, pdf: pdf.Bytes(), text: text.Bytes()}, nil
}

// ErrArchiveChanged: a file an issue counted is missing from the archive
// or no longer has the bytes the issue counted.
var ErrArchiveChanged = errors.New("存檔中的文件與發布時計入的不同")

// countedRecords are the submissions issue pub counted, each checked
// against its archived file's SHA-256.
func countedRecords(ctx context.Context, ws *workspace.Workspace, led *ledger.Ledger, pub *ledger.Publication) ([]ledger.Record, error) {
	recs, err := led.CountedRecords(ctx, pub.Issue.Issue)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]ledger.Record, len(recs))
	for _, r := range recs {
		byID[r.ID] = r
	}
	var bad []string
	for _, c := range pub.Counted {
		rec, ok := byID[c.Submission]
		if !ok || rec.SHA256 != c.SHA256 {
			bad = append(bad, fmt.Sprintf("%s：台帳中沒有第%d期計入的報表 %d", c.Unit, pub.Issue.Issue, c.Submission))
			continue
		}
		sum, err := hashFile(ws.Path(filepath.FromSlash(rec.ArchivePath)))
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("%s：%v", c.Unit, err))
		case sum != c.SHA256:
			bad = append(bad, fmt.Sprintf("%s：%s 的 SHA-256 是 %s，發布時是 %s", c.Unit, rec.ArchivePath, sum[:12], c.SHA256[:min(12, len(c.SHA256))]))
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return nil, fmt.Errorf("%w:\n  %s", ErrArchiveChanged, joinLines(bad))
	}
	return recs, nil
}

func joinLines(lines []string) string {
	var b bytes.Buffer
	for i, l := range lines {
		if i > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString(l)
	}
	return b.String()
}

// ReprintOptions tune Reprint.
type ReprintOptions struct {
	// Out, when set, is a new file to write the reprint to; an existing
	// file is never replaced.
	Out   string
	Fonts *render.Fonts
}

// Reprinted is what Reprint found.
type Reprinted struct {
	Issue     int    `json:"issue"`
	Published string `json:"published"`
	Out       string `json:"out,omitempty"`
	// Identical: the reprint is byte for byte the published PDF.
	// PublishedMissing: there is no published file to compare with.
	Identical        bool `json:"identical"`
	PublishedMissing bool `json:"published_missing,omitempty"`
}

// ErrNotReprintable: the issue was numbered by a batch before issues
// were published, or restored from a file, and its record holds nothing
// to render it from.
var ErrNotReprintable = errors.New("這一期不是用 countybrief publish 發布的，台帳裡沒有重印所需的記錄")

// Reprint renders issue n again from the ledger and the archive — its
// counted files checked against their SHA-256, the workspace files as they
// were — and compares the PDF with the published one.
func Reprint(ctx context.Context, ws *workspace.Workspace, n int, opts ReprintOptions) (*Reprinted, error) {
	if !ledger.IsPostgres(ws.LedgerPath()) && !fileExists(ws.LedgerPath()) {
		return nil, fmt.Errorf("%s: %w", ws.LedgerPath(), fs.ErrNotExist)
	}
	led, err := ledger.Open(ctx, ws.LedgerPath())
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	defer led.Close()
	pub, err := led.Publication(ctx, n)
	if err != nil {
		return nil, err
	}
	if len(pub.Render) == 0 {
		return nil, fmt.Errorf("第%d期: %w", n, ErrNotReprintable)
	}
	recs, err := countedRecords(ctx, ws, led, pub)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(ws.WorkDir(), 0o755); err != nil {
		return nil, err
	}
	out, err := renderIssue(ws, led, pub, recs, opts.Fonts)
	if err != nil {
		return nil, err
	}
	res := &Reprinted{Issue: n, Published: ws.Path(filepath.FromSlash(pub.Path))}
	if opts.Out != "" {
		if err := safefile.WriteNew(opts.Out, func(w io.Writer) error { _, err := w.Write(out.pdf); return err }); err != nil {
			return nil, fmt.Errorf("write %s: %w", opts.Out, err)
		}
		res.Out = opts.Out
	}
	was, err := os.ReadFile(res.Published)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		res.PublishedMissing = true
	case err != nil:
		return nil, err
	default:
		res.Identical = bytes.Equal(was, out.pdf)
	}
	return res, nil
}
