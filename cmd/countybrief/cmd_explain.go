package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"countybrief/pipeline"
	"countybrief/templates"
)

// runExplain answers "where does this county figure come from": the
// figure, how it is made, and every unit value behind it with its file
// and cell.
func runExplain(ctx context.Context, e *env, args []string) error {
	var dir, unit, period string
	var issue int
	var asJSON bool
	fs := newFlags("explain", e, &dir)
	fs.StringVar(&unit, "unit", "", e.tr("只看這個單位（`單位代碼`）"))
	fs.StringVar(&period, "period", "", e.tr("`報送期`（默認為 config.yaml 的報送期）"))
	fs.IntVar(&issue, "issue", 0, e.tr("按第幾期簡報計入的文件解釋（`期號`；默認為當前的數）"))
	fs.BoolVar(&asJSON, "json", false, e.tr("以 JSON 輸出"))
	fs.Usage = func() {
		e.println(e.stderr, "用法：countybrief explain [--workspace 工作區] [--unit 單位代碼] [--period 報送期 | --issue 期號] [--json] 指標代碼或名稱")
		printFlags(e, fs)
	}
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) != 1 {
		fs.Usage()
		return e.usageError("請寫一個指標代碼或名稱")
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	ex, err := pipeline.Explain(ctx, ws, rest[0], pipeline.ExplainOptions{Period: period, Unit: unit, Issue: issue})
	if errors.Is(err, pipeline.ErrUnknownName) {
		return e.usageError("%v", err)
	}
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ex)
	}
	e.printf(e.stdout, "%s %s（%s），報送期 %s\n", ex.Code, ex.Label, ex.Measure, ex.Period)
	e.printf(e.stdout, "%s：%s %s ＝ %s（本期計入 %d 個單位的文件）\n", e.office(ex.Area), ex.Text, ex.Measure, ex.How, ex.Reported)
	if len(ex.Lines) == 0 {
		if ex.Unit != "" {
			e.printf(e.stdout, "單位 %s 本期沒有計入匯總的這項數值。\n", ex.Unit)
		} else {
			e.println(e.stdout, "本期沒有單位的數值計入這個數。")
		}
	} else {
		// Columns by display width: unit names are Chinese.
		rows := [][]string{strings.Split(e.tr("代碼\t單位\t類別\t指標\t數值\t文件\t收到時間\tsha256\t格子"), "\t")}
		short := func(sha string) string { return sha[:min(12, len(sha))] }
		for _, l := range ex.Lines {
			rows = append(rows, []string{l.Unit, l.Name, l.Kind, l.Code, templates.Figure(l.Value), l.File,
				atSecond(l.ReceivedAt, ws.Config.Location()), short(l.SHA256), l.Cell})
			// A county's value at the city, with the units it carries.
			for _, b := range l.Below {
				rows = append(rows, []string{e.tr("  └ 縣內 %s", b.Unit), b.Name, b.Kind, "", templates.Figure(b.Value), b.File, "", short(b.SHA256), ""})
			}
		}
		if err := writeTable(e.stdout, rows); err != nil {
			return err
		}
	}
	var notes int
	for _, l := range ex.Lines {
		for _, f := range l.Findings {
			if notes == 0 {
				e.println(e.stdout, "審核提示：")
			}
			notes++
			e.printf(e.stdout, "  %s %s %s!%s：%s\n", l.Unit, l.Name, f.Sheet, f.Cell, f.Message)
		}
	}
	if len(ex.CountyFindings) > 0 {
		e.printf(e.stdout, "%s審核提示：\n", e.office(ex.Area))
		for _, f := range ex.CountyFindings {
			e.printf(e.stdout, "  %s\n", f.Message)
		}
	}
	return nil
}
