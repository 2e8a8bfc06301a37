package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"countybrief/pipeline"
	"countybrief/pipeline/vocab"
)

// runHistory lists a unit's submissions, newest first, and marks the one
// each period's totals use, so the office can answer "which file of this
// unit went into the briefing?".
func runHistory(ctx context.Context, e *env, args []string) error {
	var dir string
	fs := newFlags("history", e, &dir)
	fs.Usage = func() { fmt.Fprintln(e.stderr, "usage: countybrief history [--workspace DIR] UNIT") }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("name one unit code")
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	code := fs.Arg(0)
	u, ok := ws.Unit(code)
	if !ok {
		return usageError("unit %q is not in units.yaml", code)
	}
	recs, err := pipeline.History(ctx, ws, code)
	if err != nil {
		return err
	}
	words := map[vocab.FileStatus]string{vocab.FileAccepted: "接收", vocab.FileRejected: "退回", vocab.FileDuplicate: "重複"}
	fmt.Fprintf(e.stdout, "%s（%s）共報送 %d 份：\n", u.Name, u.Code, len(recs))
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "收到時間\t報送期\t結果\t計入匯總\t原文件名\tsha256\t存檔")
	for _, r := range recs {
		mark := ""
		if r.Counted {
			mark = "是"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.12s\t%s\n", r.ReceivedAt.In(ws.Config.Location()).Format("2006-01-02 15:04:05"),
			r.Period, words[r.Status], mark, r.OrigName, r.SHA256, r.ArchivePath)
	}
	return tw.Flush()
}
