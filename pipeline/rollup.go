package pipeline

import (
	"bytes"
	"fmt"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/merge"
	"countybrief/pipeline/rollup"
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
	conv, err := workspace.Converter(ws.Config.Language)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := rollup.Write(&out, book, rep, conv); err != nil {
		return nil, fmt.Errorf("上報 workbook: %w", err)
	}
	return out.Bytes(), nil
}
