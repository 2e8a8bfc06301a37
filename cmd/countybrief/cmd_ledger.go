package main

import (
	"context"
	"errors"
	"flag"
	"maps"
	"slices"

	"countybrief/pipeline"
	"countybrief/pipeline/lock"
	"countybrief/pipeline/vocab"
)

// runLedger looks after the ledger itself:
//
//	countybrief ledger rebuild [--workspace DIR]  make a new ledger from the
//	                                              archive and the published
//	                                              briefings
//	countybrief ledger copy --to postgres://…     move it to PostgreSQL
//	                                              (runLedgerCopy)
//
// The old ledger, if any, is renamed to ledger.db.broken-<time> and kept.
// Exit status: 0 every archived file and briefing number was restored; 1
// some could not be (they are listed and left where they are); 2 usage
// error or a workspace that cannot be read; 3 a batch is running.
func runLedger(ctx context.Context, e *env, args []string) error {
	rebuildUsage := func() { e.println(e.stderr, "用法：countybrief ledger rebuild [--workspace 工作區]") }
	usage := func() {
		rebuildUsage()
		e.println(e.stderr, "用法：countybrief ledger copy --to postgres://… [--workspace 工作區]")
	}
	if len(args) == 0 {
		usage()
		return e.usageError("請寫出子命令：rebuild（從存檔重建台帳）或 copy（把台帳複製到 PostgreSQL）")
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage()
		return flag.ErrHelp
	case "rebuild":
	case "copy":
		return runLedgerCopy(ctx, e, args[1:])
	default:
		usage()
		return e.usageError("沒有「%s」這個子命令：只能是 rebuild 或 copy", args[0])
	}
	var dir string
	fs := newFlags("ledger rebuild", e, &dir)
	fs.Usage = func() {
		rebuildUsage()
		printFlags(e, fs)
	}
	if err := parseArgs(fs, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2, err: err}
	}
	if fs.NArg() > 0 {
		return e.usageError("ledger rebuild 不用寫參數")
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	rep, err := pipeline.RebuildLedger(ctx, ws, pipeline.RebuildOptions{})
	var held *lock.HeldError
	if errors.As(err, &held) {
		return &exitError{code: 3, err: e.errorf("批處理正在運行（%s），等它結束再重建台帳",
			lockHolder(e, held, ws.Config.Location()))}
	}
	if err != nil {
		return err
	}
	printRebuild(e, rep)
	if len(rep.Problems) > 0 {
		return &exitError{code: 1, err: e.errorf("有 %d 個問題未能恢復，見上面的清單", len(rep.Problems))}
	}
	return nil
}

func printRebuild(e *env, rep *pipeline.RebuildReport) {
	w := e.stdout
	for _, p := range rep.KeptAside {
		e.printf(w, "原台帳已改名保留：%s\n", p)
	}
	total := 0
	for _, n := range rep.Files {
		total += n
	}
	e.printf(w, "已從存檔重建台帳 %s：共 %d 個文件，接收 %d、退回 %d、重複 %d。\n", rep.Ledger, total,
		rep.Files[vocab.FileAccepted], rep.Files[vocab.FileRejected], rep.Files[vocab.FileDuplicate])
	for _, p := range slices.Sorted(maps.Keys(rep.Periods)) {
		e.printf(w, "  報送期 %s：%d 個文件\n", p, rep.Periods[p])
	}
	if len(rep.Briefings) == 0 {
		e.println(w, "沒有找到已發布的簡報，下一期從第1期編號。")
	} else {
		last := rep.Briefings[len(rep.Briefings)-1]
		e.printf(w, "恢復了 %d 期簡報的期號，最後一期是第%d期（%s），下一期是第%d期。\n",
			len(rep.Briefings), last.Issue, last.Path, last.Issue+1)
	}
	if rep.AccountsLost != "" {
		e.printf(w, "網頁服務臺的賬號沒有帶過來（%s）：請用 countybrief users add 重新建立各單位和活動辦的賬號，把新的密碼單發下去。\n", rep.AccountsLost)
	} else {
		e.printf(w, "網頁服務臺的 %d 個賬號和 %d 條操作記錄已從原台帳帶過來，密碼不變；已登錄的瀏覽器要重新登錄。\n", rep.Accounts, rep.WebActions)
	}
	if rep.ActionsLost != "" {
		e.printf(w, "網頁操作記錄沒有帶過來（%s）。\n", rep.ActionsLost)
	}
	if len(rep.Unchecked) > 0 {
		e.printf(w, "%d 個退回的文件按現在的規則重新審核沒有錯誤（規則可能改過），仍記為退回：\n", len(rep.Unchecked))
		for _, p := range rep.Unchecked {
			e.printf(w, "  %s\n", p)
		}
	}
	if len(rep.Problems) > 0 {
		e.printf(w, "%d 個問題，相關文件留在原處，沒有移動或刪除：\n", len(rep.Problems))
		for _, p := range rep.Problems {
			e.printf(w, "  %s：%s\n", p.Path, p.Problem)
		}
	}
}
