package main

import (
	"context"
	"countybrief/pipeline/vocab"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"countybrief/pipeline"
	"countybrief/pipeline/ledger"
)

func runStatus(ctx context.Context, e *env, args []string) error {
	var dir, period string
	var asJSON bool
	fs := newFlags("status", e, &dir)
	fs.StringVar(&period, "period", "", e.tr("`報送期`（默認是 config.yaml 裡的本期）"))
	fs.BoolVar(&asJSON, "json", false, e.tr("以 JSON 輸出"))
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	if period == "" {
		period = ws.Config.Period
	}
	rep, err := pipeline.Status(ctx, ws, period, time.Now())
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	if rep.Unknown {
		open := append([]string{ws.Config.Period}, ws.Config.OpenPeriods...)
		e.printf(e.stdout, "注意：報送期「%s」不在 config.yaml 裡，台帳裡也沒有它的任何記錄，是不是寫錯了？設定中的報送期是 %s。\n",
			period, strings.Join(open, e.tr("、")))
		return nil
	}
	rows := [][]string{{e.tr("代碼"), e.tr("單位"), e.tr("狀態"), e.tr("逾期"), e.tr("文件"), e.tr("收到時間")}}
	for _, u := range rep.Units {
		late, at := "", ""
		if u.Late {
			late = e.tr("逾期")
		}
		if !u.ReceivedAt.IsZero() {
			at = atMinute(u.ReceivedAt, ws.Config.Location())
		}
		rows = append(rows, []string{u.Code, u.Name, e.label(string(u.State), u.Label), late, u.File, at})
	}
	if err := writeTable(e.stdout, rows); err != nil {
		return err
	}
	for _, p := range rep.Unreadable {
		e.printf(e.stdout, "上次處理時無法讀取：%s（請檢查文件夾權限或磁盤；該處的文件尚未處理）\n", p)
	}
	for _, lf := range rep.LateFiles {
		e.printf(e.stdout, "逾期補報（不計入）：%s %s　%s　%s 收到　存檔 %s\n", lf.Code, lf.Name, lf.File,
			atMinute(lf.ReceivedAt, ws.Config.Location()), lf.Archive)
	}
	printPeriodState(e, ws.Config.Location(), period, rep.PeriodState)
	counts := make([]string, 0, len(vocab.States()))
	for _, st := range vocab.States() {
		counts = append(counts, fmt.Sprintf("%s %d", e.label(string(st), st.Label()), rep.Counts[st]))
	}
	e.printf(e.stdout, "報送期 %s（共 %d 個單位）：%s；其中逾期 %d。\n", period, len(rep.Units), strings.Join(counts, e.tr("，")), rep.Late)
	return nil
}

// printPeriodState says whether the period takes files, since when, and
// every reopening with its reason.
func printPeriodState(e *env, loc *time.Location, period string, st pipeline.PeriodInfo) {
	at := func(t time.Time) string { return atMinute(t, loc) }
	if st.Since.IsZero() {
		e.printf(e.stdout, "報送期 %s：%s。\n", period, e.label(string(st.State), st.Label))
	} else {
		e.printf(e.stdout, "報送期 %s：%s（%s 起）。\n", period, e.label(string(st.State), st.Label), at(st.Since))
	}
	for _, c := range st.History {
		if c.State == ledger.PeriodOpen {
			e.printf(e.stdout, "  %s 重新開放，原因：%s\n", at(c.At), c.Reason)
		}
	}
}
