package main

import (
	"context"
	"errors"
	"time"

	"countybrief/pipeline"
	"countybrief/pipeline/lock"
	"countybrief/pipeline/vocab"
)

// Exit status of close-period, reopen-period and next-period: 0 done (or
// nothing to do), 1 the ledger or config.yaml could not be written, 2
// usage (a bad period name or deadline, no reason, no next period to
// derive), 3 a batch is running.

func runClosePeriod(ctx context.Context, e *env, args []string) error {
	var dir, period string
	fs := newFlags("close-period", e, &dir)
	fs.StringVar(&period, "period", "", e.tr("要關閉的`報送期`（默認為 config.yaml 的當前報送期）"))
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usageError("close-period 不接受其他參數：%v", fs.Args())
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	if period == "" {
		period = ws.Config.Period
	}
	switch err := periodError(e, ws.Config.Location(), pipeline.ClosePeriod(ctx, ws, period, time.Now())); {
	case errors.Is(err, pipeline.ErrPeriodUnchanged):
		e.printf(e.stdout, "報送期 %s 已經關閉，未做改動。\n", period)
	case err != nil:
		return err
	default:
		e.printf(e.stdout, "報送期 %s 已關閉。之後收到的該期表格會存檔登記為逾期補報，不計入匯總；如要計入，運行 countybrief reopen-period --period %s --reason \"原因\"。\n", period, period)
	}
	return nil
}

func runReopenPeriod(ctx context.Context, e *env, args []string) error {
	var dir, period, reason string
	fs := newFlags("reopen-period", e, &dir)
	fs.StringVar(&period, "period", "", e.tr("要重新開放的`報送期`（必填）"))
	fs.StringVar(&reason, "reason", "", e.tr("重新開放的`原因`（必填，記入台帳）"))
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usageError("reopen-period 不接受其他參數：%v", fs.Args())
	}
	if period == "" {
		return e.usageError("請用 --period 指定要重新開放的報送期")
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	done, err := pipeline.ReopenPeriod(ctx, ws, period, reason, time.Now())
	switch err = periodError(e, ws.Config.Location(), err); {
	case errors.Is(err, pipeline.ErrNoReason):
		return &exitError{code: 2, err: err}
	case errors.Is(err, pipeline.ErrPeriodUnchanged):
		e.printf(e.stdout, "報送期 %s 本來就是開放的，未做改動，原因沒有記錄。\n", period)
		return nil
	case err != nil:
		return err
	}
	e.printf(e.stdout, "報送期 %s 已重新開放，原因已記入台帳。\n", period)
	if done.OpenPeriods {
		e.printf(e.stdout, "已把 %s 加入 config.yaml 的 open_periods（原文件備份為 %s）。\n", period, done.Backup)
	}
	for _, p := range done.Requeued {
		e.printf(e.stdout, "逾期補報的表格已放回收件箱，下次處理時重新審核計入：%s\n", p)
	}
	return nil
}

func runNextPeriod(ctx context.Context, e *env, args []string) error {
	var dir, to, deadline string
	fs := newFlags("next-period", e, &dir)
	fs.StringVar(&to, "to", "", e.tr("下一個`報送期`（默認按當前報送期推算：2026-11 之後是 2026-12，2026Q4 之後是 2027Q1）"))
	fs.StringVar(&deadline, "deadline", "", e.tr("新報送期的截止`時間`，如 2027-01-05T18:00:00+08:00（默認不改）"))
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usageError("next-period 不接受其他參數：%v", fs.Args())
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	rolled, err := pipeline.NextPeriod(ctx, ws, to, deadline, time.Now())
	if err != nil {
		return periodError(e, ws.Config.Location(), err)
	}
	if rolled.Closed {
		e.printf(e.stdout, "報送期 %s 已關閉。\n", rolled.From)
	}
	e.printf(e.stdout, "當前報送期改為 %s（config.yaml 原文件備份為 %s）。\n", rolled.To, rolled.Backup)
	if deadline == "" {
		e.printf(e.stdout, "截止時間沒有改動，仍是 %s；請用 --deadline 或在 config.yaml 修改。\n", ws.Config.Deadline)
	}
	return nil
}

// periodError gives the exit status of what a period command can meet:
// a running batch is 3, a bad name or a config.yaml that would not load
// is 2; the sentinels the commands handle themselves pass through.
func periodError(e *env, loc *time.Location, err error) error {
	var held *lock.HeldError
	var ps vocab.Problems
	var bad pipeline.InputError
	switch {
	case err == nil, errors.Is(err, pipeline.ErrPeriodUnchanged), errors.Is(err, pipeline.ErrNoReason):
		return err
	case errors.As(err, &held):
		return &exitError{code: 3, err: e.errorf("批處理正在運行（%s），等它結束再改報送期", lockHolder(e, held, loc))}
	case errors.As(err, &ps), errors.As(err, &bad):
		return &exitError{code: 2, err: err}
	}
	return err
}
