package main

import (
	"context"
	"errors"
	"strconv"
	"time"

	"countybrief/pipeline"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/lock"
)

// runPublish numbers and writes the next issue of the briefing. Exit 0
// when an issue was published, or when there was nothing new (it says
// so and publishes nothing); 1 when it could not be written; 2 a bad
// period or date, the workspace's files, a lost ledger, or no accepted
// file to publish; 3 a batch is running (without --wait).
func runPublish(ctx context.Context, e *env, args []string) error {
	var dir, period, date string
	var wait bool
	fs := newFlags("publish", e, &dir)
	fs.StringVar(&period, "period", "", e.tr("要發布的`報送期`（默認：config.yaml 的當前報送期）"))
	fs.StringVar(&date, "date", "", e.tr("印在簡報上的`日期` YYYY-MM-DD（默認：今天，按 config.yaml 的時區）"))
	fs.BoolVar(&wait, "wait", false, e.tr("有批處理在運行時排隊等它結束，而不是退出"))
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return e.usageError("多餘的參數：%v", fs.Args())
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	opts := pipeline.PublishOptions{Period: period, Wait: wait}
	if date != "" {
		if opts.Date, err = time.ParseInLocation(time.DateOnly, date, ws.Config.Location()); err != nil {
			return e.usageError("--date 寫的「%s」不是 YYYY-MM-DD 格式的日期", date)
		}
	}
	log, closeLog, err := newLogger(e, ws.LogsDir(), ws.Config.Location(), false, false)
	if err != nil {
		return err
	}
	defer closeLog()
	opts.Log = log
	p, err := pipeline.Publish(ctx, ws, opts)
	var held *lock.HeldError
	switch {
	case errors.As(err, &held):
		return &exitError{code: 3, err: e.errorf("批處理正在運行（%s）；等它結束再發布，或用 --wait 排隊", lockHolder(e, held, ws.Config.Location()))}
	case errors.Is(err, pipeline.ErrLedgerLost), errors.Is(err, pipeline.ErrNothingToPublish):
		return &exitError{code: 2, err: err}
	case err != nil:
		return err
	}
	if p.NothingNew {
		e.printf(e.stdout, "沒有新的內容：計入的報表和工作區文件都與第%d期相同，這次沒有發布新的一期。\n第%d期：%s\n", p.Issue, p.Issue, p.Briefing)
		return nil
	}
	e.printf(e.stdout, "已發布簡報第%d期（報送期 %s，%s，計入 %d 個單位）：\n%s\n%s\n%s\n",
		p.Issue, p.Period, p.Date.Format(time.DateOnly), p.Counted, p.Briefing, p.BriefingText, p.TotalsWorkbook)
	if p.Rollup != "" {
		e.printf(e.stdout, "上報表（原樣報送上級）：%s\n", p.Rollup)
	}
	return nil
}

// runReprint renders a published issue again from the ledger and the
// archive and compares it with the published PDF. Exit 0 identical; 1
// different, the published file missing, or a counted file changed in
// the archive; 2 usage, or an issue that was never published or cannot
// be reprinted.
func runReprint(ctx context.Context, e *env, args []string) error {
	var dir, out string
	fs := newFlags("reprint", e, &dir)
	fs.StringVar(&out, "out", "", e.tr("把重印的 PDF 寫到這個新`文件`（已有的文件不會被覆蓋）"))
	fs.Usage = func() {
		e.println(e.stderr, "用法：countybrief reprint 期號 [--out 文件]")
		printFlags(e, fs)
	}
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) != 1 {
		return e.usageError("用法：countybrief reprint 期號 [--out 文件]")
	}
	n, err := strconv.Atoi(rest[0])
	if err != nil || n < 1 {
		return e.usageError("期號「%s」不是正整數", rest[0])
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	r, err := pipeline.Reprint(ctx, ws, n, pipeline.ReprintOptions{Out: out})
	switch {
	case errors.Is(err, ledger.ErrNoIssue), errors.Is(err, pipeline.ErrNotReprintable):
		return &exitError{code: 2, err: err}
	case err != nil:
		return err
	}
	if r.Out != "" {
		e.printf(e.stdout, "重印的第%d期：%s\n", n, r.Out)
	}
	switch {
	case r.PublishedMissing:
		return &exitError{code: 1, err: e.errorf("找不到已發布的第%d期 %s，無法比對", n, r.Published)}
	case !r.Identical:
		return &exitError{code: 1, err: e.errorf("重印的第%d期與已發布的 %s 不同", n, r.Published)}
	}
	e.printf(e.stdout, "重印的第%d期與已發布的 %s 逐字節相同。\n", n, r.Published)
	return nil
}
