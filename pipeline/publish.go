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

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/merge"
	"countybrief/pipeline/render"
	"countybrief/pipeline/workspace"
	"countybrief/rules"
)

// Output file names under outbox/<period>/.
const (
	totalsName = "匯總表.xlsx"
	chaseName  = "催報退回名單.txt"
)

func briefingName(issue int) string { return fmt.Sprintf("簡報第%d期", issue) }

// publish merges the current accepted set, runs the county rules and
// writes the outputs. The issue number comes from the ledger and goes up
// only when what the briefing is made of changed; a batch that finds the
// same inputs and the files in place renders nothing.
func (b *batch) publish(ctx context.Context) error {
	ws, period := b.ws, b.ws.Config.Period
	start := time.Now()
	current, err := b.ledger.Current(ctx, period)
	if err != nil {
		return fmt.Errorf("current submissions: %w", err)
	}
	returnedRecs, err := b.ledger.Returned(ctx, period)
	if err != nil {
		return fmt.Errorf("returned submissions: %w", err)
	}
	values := make(map[string]map[string]float64, len(current))
	var inputs []rules.UnitInput
	reported := map[string]bool{}
	var unitValues []render.UnitValues
	for _, rec := range current {
		values[rec.UnitCode] = rec.Values
		reported[rec.UnitCode] = true
	}
	for _, u := range ws.Units {
		if v, ok := values[u.Code]; ok {
			inputs = append(inputs, rules.UnitInput{Unit: u, Values: v})
			unitValues = append(unitValues, render.UnitValues{Unit: u, Values: v})
		}
	}
	totals := merge.Merge(ws.Catalogue, ws.Units, values)
	b.sum.CountyFindings = b.checker.County(inputs)
	b.sum.Reported = len(current)

	var returned []render.Returned
	isReturned := map[string]bool{}
	for _, rec := range returnedRecs {
		u, ok := ws.Units.ByCode(rec.UnitCode)
		if !ok {
			continue // a file from no known unit is on no unit's list
		}
		isReturned[u.Code] = true
		returned = append(returned, render.Returned{Unit: u, File: rec.OrigName, Reasons: reasons(rec.Findings)})
		b.sum.Returned = append(b.sum.Returned, u.Code)
	}
	var missing []workspace.Unit
	for _, u := range ws.Units {
		if !reported[u.Code] && !isReturned[u.Code] {
			missing = append(missing, u)
			b.sum.Missing = append(b.sum.Missing, u.Code)
		}
	}

	b.stages.add(stageMerge, time.Since(start))
	hash, err := inputsHash(ws, current, returnedRecs)
	if err != nil {
		return err
	}
	last, err := b.ledger.LastBriefing(ctx)
	if err != nil {
		return fmt.Errorf("last briefing: %w", err)
	}
	dir := filepath.Join(ws.OutboxDir(), period)
	if last != nil && last.InputsHash == hash && fileExists(last.Path) {
		b.sum.Issue, b.sum.Briefing = last.Issue, last.Path
		b.log.WithField("issue", last.Issue).Info("nothing changed since the last briefing")
		return nil
	}
	var previous *merge.Totals
	if last != nil && last.InputsHash != hash && last.Period == period {
		var t merge.Totals
		if json.Unmarshal(last.Totals, &t) == nil {
			previous = &t
		}
	}
	at := b.opts.Now()
	issue, err := b.ledger.Publish(ctx, ledger.Briefing{Period: period, InputsHash: hash, Totals: mustJSON(totals), At: at})
	if err != nil {
		return fmt.Errorf("number the briefing: %w", err)
	}
	date := ws.Config.ReportDateTime()
	if date.IsZero() {
		date = time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, ws.Config.Location())
	}
	brief := render.Briefing{
		Issue: issue, Date: date, Period: period, Totals: totals, Previous: previous,
		Reported: unitValues, Missing: missing, Returned: returned, CountyFindings: b.sum.CountyFindings,
	}
	start = time.Now()
	defer func() { b.stages.add(stageRender, time.Since(start)) }()
	pdfPath := filepath.Join(dir, briefingName(issue)+".pdf")
	outputs := []struct {
		path  string
		write func(io.Writer, render.Briefing) error
		into  *string
	}{
		{pdfPath, b.renderer.PDF, &b.sum.Briefing},
		{filepath.Join(dir, briefingName(issue)+".txt"), b.renderer.Text, &b.sum.BriefingText},
		{filepath.Join(dir, totalsName), b.renderer.TotalsWorkbook, &b.sum.TotalsWorkbook},
		{filepath.Join(dir, chaseName), b.renderer.ChaseList, &b.sum.ChaseList},
	}
	for _, o := range outputs {
		if err := WriteFile(o.path, func(w io.Writer) error { return o.write(w, brief) }); err != nil {
			return fmt.Errorf("write %s: %w", filepath.Base(o.path), err)
		}
		*o.into = o.path
	}
	if _, err := b.ledger.Publish(ctx, ledger.Briefing{Issue: issue, Period: period, InputsHash: hash, Path: pdfPath, Totals: mustJSON(totals), At: at}); err != nil {
		return fmt.Errorf("record the briefing: %w", err)
	}
	b.sum.Issue, b.sum.Rendered = issue, true
	b.log.WithFields(map[string]any{"issue": issue, "file": pdfPath}).Info("briefing written")
	return nil
}

// reasons shortens a rejected file's error findings for the 退回 list.
func reasons(fs []rules.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Severity == rules.Error {
			out = append(out, f.Message)
		}
	}
	return out
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
