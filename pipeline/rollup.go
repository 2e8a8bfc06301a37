package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"countybrief/pipeline/form"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/merge"
	"countybrief/pipeline/rollup"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// rollupWorkbook makes the 上報 workbook of issue n from its totals
// workbook: the figures it printed (totals), and each counted
// submission with its unit, values and sha256, in registry order, a
// unit the registry lacks last.
func rollupWorkbook(ws *workspace.Workspace, totals merge.Totals, counted []ledger.Record, n int, date string, book []byte) ([]byte, error) {
	cat := ws.Catalogue
	rep := &rollup.Report{County: ws.Config.CountyCode, CountyName: ws.Config.County, Period: ws.Config.Period,
		Issue: n, Catalogue: cat.Version, Date: date, Totals: totals.All}
	for _, in := range cat.Indicators {
		rep.Columns = append(rep.Columns, in.Code)
	}
	for _, k := range ws.Kinds {
		rep.Kinds = append(rep.Kinds, rollup.Group{Kind: k, Values: totals.ByKind[k]})
	}
	byUnit := make(map[string]ledger.Record, len(counted))
	for _, rec := range counted {
		byUnit[rec.UnitCode] = rec
	}
	add := func(u workspace.Unit, rec ledger.Record) {
		rep.Units = append(rep.Units, rollup.Unit{Code: rec.UnitCode, Name: u.Name, Kind: u.Kind, File: rec.OrigName, SHA256: rec.SHA256, Values: rec.Values})
	}
	for _, u := range ws.Units {
		if rec, ok := byUnit[u.Code]; ok {
			add(u, rec)
		}
	}
	for _, rec := range counted {
		if _, known := ws.Unit(rec.UnitCode); !known {
			add(workspace.Unit{}, rec)
		}
	}
	conv, err := ws.Config.Converter()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := rollup.Write(&out, book, rep, conv); err != nil {
		return nil, fmt.Errorf("上報 workbook: %w", err)
	}
	return out.Bytes(), nil
}

// CountyUnitLine is a unit's value behind a county's figure at the city,
// as the county's 上報 workbook lists it.
type CountyUnitLine struct {
	Unit   string  `json:"unit"`
	Name   string  `json:"name"`
	Kind   string  `json:"kind"`
	Value  float64 `json:"value"`
	File   string  `json:"file"`
	SHA256 string  `json:"sha256"`
}

// countyUnits reads the units a counted file carries when it is a
// county's 上報 workbook, which its cells (code → "sheet!A1") tell
// without opening a unit's form: the archived bytes, checked against
// the sha256 the ledger recorded, so that explain never walks down
// through a file other than the one judged. nil for a unit's form, or a
// file the archive no longer holds as judged.
func countyUnits(ws *workspace.Workspace, rec ledger.Record, cells map[string]string) *rollup.Report {
	onSheet := false
	for _, cell := range cells {
		onSheet = strings.HasPrefix(cell, rollup.Sheet+"!")
		break
	}
	if !onSheet {
		return nil
	}
	return archivedReport(ws, rec)
}

// archivedReport reads the 上報 workbook rec archived, when the archive
// still holds it as judged; nil otherwise.
func archivedReport(ws *workspace.Workspace, rec ledger.Record) *rollup.Report {
	if rec.ArchivePath == "" {
		return nil
	}
	path := filepath.FromSlash(rec.ArchivePath)
	if !filepath.IsAbs(path) {
		path = filepath.Join(ws.Dir, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	lim := form.DefaultLimits()
	lim.MaxBytes = ws.Config.MaxFileBytes
	data, err := form.ReadUpTo(f, lim.MaxBytes)
	if err != nil || !rollup.IsReport(data) {
		return nil
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != rec.SHA256 {
		return nil
	}
	rep, _ := rollup.Parse(data, lim)
	return rep
}

// countyLines are the values of code of the units of rep.
func countyLines(rep *rollup.Report, code string) []CountyUnitLine {
	if rep == nil {
		return nil
	}
	var out []CountyUnitLine
	for _, u := range rep.Units {
		if v, ok := u.Values[code]; ok {
			out = append(out, CountyUnitLine{Unit: u.Code, Name: u.Name, Kind: u.Kind, Value: v, File: u.File, SHA256: u.SHA256})
		}
	}
	return out
}

// RuleIssueOrder refuses a county's 上報 workbook that is not newer than
// the one the city counts for its period.
const RuleIssueOrder = "rollup.issue"

// issueOrder refuses a county's 上報 workbook whose issue is older than
// the one the city already counts for the county's period, or the same
// issue with other content: a late copy of an older issue must not
// replace the correction that followed it. The issue counted is read
// from the accepted file's archived workbook (sha256 checked); one the
// archive no longer holds as judged cannot be compared, and the new file
// counts as a unit's newest does.
func issueOrder(ctx context.Context, ws *workspace.Workspace, led *ledger.Ledger, sub *form.Submission, sha string, findings []vocab.Finding) ([]vocab.Finding, error) {
	if sub.Issue == 0 || vocab.HasError(findings) {
		return findings, nil
	}
	hist, err := led.History(ctx, sub.UnitCode)
	if err != nil {
		return findings, err
	}
	for _, rec := range hist { // newest first
		if rec.Status != vocab.FileAccepted || rec.Period != sub.Period {
			continue
		}
		counted := archivedReport(ws, rec)
		if counted == nil || sub.Issue > counted.Issue || (sub.Issue == counted.Issue && sha == rec.SHA256) {
			return findings, nil
		}
		at := sub.Cells["issue"]
		msg := fmt.Sprintf("這是第%d期的上報表，%s 已計入的是你單位第%d期的上報表（「%s」，%s收到）；較早的一期不能替換它。",
			sub.Issue, sub.Period, counted.Issue, rec.OrigName, rec.ReceivedAt.In(ws.Config.Location()).Format("2006-01-02 15:04"))
		if sub.Issue == counted.Issue {
			msg = fmt.Sprintf("已收到並計入你單位第%d期的上報表（「%s」，%s收到），這份同為第%d期、內容卻不同；同一期只算一份。",
				counted.Issue, rec.OrigName, rec.ReceivedAt.In(ws.Config.Location()).Format("2006-01-02 15:04"), sub.Issue)
		}
		return append(findings, vocab.Finding{Rule: RuleIssueOrder, Severity: vocab.Error, Sheet: at.Sheet, Cell: at.Cell, Message: msg,
			Fix: fmt.Sprintf("如要更正，請發布新的一期（第%d期或以後），報送那一期的上報表。", counted.Issue+1)}), nil
	}
	return findings, nil
}
