package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/sirupsen/logrus"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/merge"
	"countybrief/pipeline/render"
	"countybrief/pipeline/safefile"
	"countybrief/pipeline/workspace"
)

// Output file names under outbox/<period>/.
const (
	totalsName = "匯總表.xlsx"
	chaseName  = "催報退回名單.txt"
	// auditName is the office's own report: every returned file with its
	// reasons, warnings, county-rule findings. It is not sent upward.
	auditName = "審核報告.xlsx"
)

func briefingName(issue int) string { return fmt.Sprintf("簡報第%d期", issue) }

// publish merges the current accepted set, runs the county rules and
// writes the outputs. The issue number comes from the ledger and goes up
// only when what the briefing is made of changed. Whether it changed is
// told from the ledger's heads (which files count) before any figure is
// loaded, so a batch that finds nothing new costs almost nothing.
func (b *batch) publish(ctx context.Context) error {
	ws, period := b.ws, b.ws.Config.Period
	start := time.Now()
	current, returned, err := b.ledger.Heads(ctx, period)
	if err != nil {
		return err
	}
	b.tally(current, returned)
	hash, err := inputsHash(ws, current, returned)
	if err != nil {
		return err
	}
	last, err := b.ledger.LastIssue(ctx)
	if err != nil {
		return err
	}
	if last != nil && last.InputsHash == hash && fileExists(last.Path) {
		b.sum.Issue, b.sum.Briefing = last.Issue, last.Path
		b.stages.add(stageMerge, time.Since(start))
		b.log.WithField("issue", last.Issue).Info("nothing changed since the last briefing")
		return nil
	}
	if current, err = b.ledger.Current(ctx, period); err != nil {
		return fmt.Errorf("current submissions: %w", err)
	}
	if returned, err = b.ledger.Returned(ctx, period); err != nil {
		return fmt.Errorf("returned submissions: %w", err)
	}
	brief := b.assemble(current, returned)
	if err := b.auditFindings(ctx, &brief, current); err != nil {
		return err
	}
	b.stages.add(stageMerge, time.Since(start))

	start = time.Now()
	defer func() { b.stages.add(stageRender, time.Since(start)) }()
	renderer, err := b.renderer()
	if err != nil {
		return err
	}
	if last != nil && last.InputsHash != hash && last.Period == period {
		var t merge.Totals
		if json.Unmarshal(last.Totals, &t) == nil {
			brief.Previous = &t
		}
	}
	at := b.opts.Now()
	record := ledger.Issue{Period: period, InputsHash: hash, Totals: mustJSON(brief.Totals), At: at}
	if brief.Issue, err = b.ledger.NumberIssue(ctx, record); err != nil {
		return fmt.Errorf("number the briefing: %w", err)
	}
	if brief.History, err = b.pastIssues(ctx, brief.Issue); err != nil {
		return err
	}
	brief.Date = ws.Config.ReportDateTime()
	if brief.Date.IsZero() {
		brief.Date = time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, ws.Config.Location())
	}
	dir := filepath.Join(ws.OutboxDir(), period)
	pdfPath := filepath.Join(dir, briefingName(brief.Issue)+".pdf")
	outputs := []struct {
		path  string
		write func(io.Writer, render.Briefing) error
		into  *string
	}{
		{filepath.Join(dir, totalsName), renderer.TotalsWorkbook, &b.sum.TotalsWorkbook},
		{pdfPath, renderer.PDF, &b.sum.Briefing},
		{filepath.Join(dir, briefingName(brief.Issue)+".txt"), renderer.Text, &b.sum.BriefingText},
		{filepath.Join(dir, chaseName), renderer.ChaseList, &b.sum.ChaseList},
		{filepath.Join(dir, auditName), renderer.AuditReport, &b.sum.AuditReport},
	}
	// A numbered briefing once written is never replaced: only the issue
	// a crash left without its noted path may be written again.
	unfinished := last != nil && last.Issue == brief.Issue && last.Path == ""
	for i, o := range outputs {
		if numbered := i == 1 || i == 2; numbered && !unfinished && fileExists(o.path) {
			if last != nil && brief.Issue <= last.Issue {
				*o.into = o.path // the same inputs as an issue published before
				continue
			}
			return fmt.Errorf("%s 已存在，已發布的簡報不會被覆蓋；請檢查台帳是否被替換（countybrief ledger rebuild）: %w", o.path, fs.ErrExist)
		}
		if err := safefile.WriteFile(o.path, func(w io.Writer) error { return o.write(w, brief) }); err != nil {
			return fmt.Errorf("write %s: %w", filepath.Base(o.path), err)
		}
		*o.into = o.path
		if i == 0 {
			// Every unit's figures are the most a region's batch holds,
			// and only the workbook lists them: they go before the PDF,
			// which allocates the most, is made.
			for i := range brief.Reported {
				brief.Reported[i].Values = nil
			}
		}
	}
	// Noting the path last means a crash before it leaves the same issue to
	// be rendered again, under the same number.
	record.Path = pdfPath
	if _, err := b.ledger.NumberIssue(ctx, record); err != nil {
		return fmt.Errorf("record the briefing: %w", err)
	}
	b.sum.Issue, b.sum.Rendered = brief.Issue, true
	b.log.WithFields(logrus.Fields{"issue": brief.Issue, "file": pdfPath}).Info("briefing written")
	return nil
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

// inputsHash fingerprints everything a briefing is made of: the accepted
// and returned files, the configuration, the registry, the catalogue, the
// rules and the templates. The same fingerprint means the same briefing.
func inputsHash(ws *workspace.Workspace, current, returned []ledger.Record) (string, error) {
	h := sha256.New()
	for _, set := range [][]ledger.Record{current, returned} {
		keys := make([]string, 0, len(set))
		for _, r := range set {
			keys = append(keys, r.UnitCode+"="+r.SHA256)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintln(h, k)
		}
		fmt.Fprintln(h, "--")
	}
	for _, name := range []string{workspace.ConfigFile, workspace.UnitsFile, workspace.IndicatorsFile} {
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
