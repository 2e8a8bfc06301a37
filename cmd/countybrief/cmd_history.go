package main

import (
	"context"
	"fmt"
	"strings"

	"countybrief/pipeline"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// runHistory lists a unit's submissions, newest first, and marks the one
// each period's totals use, so the office can answer "which file of this
// unit went into the briefing?". Exit 2 when no unit, or more than one,
// answers to what was typed.
func runHistory(ctx context.Context, e *env, args []string) error {
	var dir string
	fs := newFlags("history", e, &dir)
	fs.Usage = func() {
		e.println(e.stderr, "用法：countybrief history [--workspace 工作區] 單位代碼或名稱（寫名稱的一部分也可以）")
		printFlags(e, fs)
	}
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return e.usageError("請寫一個單位代碼或名稱，例如 countybrief history 洋川")
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	u, err := findUnit(e, ws, fs.Arg(0))
	if err != nil {
		return err
	}
	recs, err := pipeline.History(ctx, ws, u.Code)
	if err != nil {
		return err
	}
	words := map[vocab.FileStatus]string{vocab.FileAccepted: e.tr("接收"), vocab.FileRejected: e.tr("退回"), vocab.FileDuplicate: e.tr("重複")}
	e.printf(e.stdout, "%s（%s）共報送 %d 份：\n", u.Name, u.Code, len(recs))
	rows := [][]string{{e.tr("收到時間"), e.tr("報送期"), e.tr("結果"), e.tr("計入匯總"), e.tr("原文件名"), "sha256", e.tr("存檔")}}
	for _, r := range recs {
		mark := ""
		if r.Counted {
			mark = e.tr("是")
		}
		rows = append(rows, []string{atSecond(r.ReceivedAt, ws.Config.Location()),
			r.Period, words[r.Status], mark, r.OrigName, fmt.Sprintf("%.12s", r.SHA256), r.ArchivePath})
	}
	return writeTable(e.stdout, rows)
}

// findUnit takes a code, a name, or part of a name or code, as a clerk
// remembers it; when several units answer it lists them rather than pick.
func findUnit(e *env, ws *workspace.Workspace, typed string) (workspace.Unit, error) {
	if u, ok := ws.Unit(typed); ok {
		return u, nil
	}
	var found workspace.Units
	for _, u := range ws.Units {
		if u.Name == typed {
			return u, nil
		}
		if strings.Contains(u.Name, typed) || strings.EqualFold(u.Code, typed) {
			found = append(found, u)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return workspace.Unit{}, e.usageError("單位名冊（%s）裡沒有代碼或名稱是「%s」的單位", workspace.UnitsFile, typed)
	}
	names := make([]string, len(found))
	for i, u := range found {
		names[i] = u.Code + " " + u.Name
	}
	return workspace.Unit{}, e.usageError("有 %d 個單位符合「%s」，請寫完整的名稱或代碼：\n  %s", len(found), typed, strings.Join(names, "\n  "))
}
