package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"

	"countybrief/internal/hugeheap"
	"countybrief/pipeline"
	"countybrief/pipeline/lock"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// runBatch runs one batch over the inbox. Exit 0 when the batch completed,
// even if files were rejected; 1 when the batch itself failed; 2 when the
// workspace's files have problems, or its ledger is lost beside an archive
// (the message says how to rebuild it); 3 when another batch holds the
// workspace (without --wait).
func runBatch(ctx context.Context, e *env, args []string) (err error) {
	var dir string
	var o runOptions
	var prof profiling
	fs := newFlags("run", e, &dir)
	o.register(e, fs)
	prof.register(e, fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := prof.start(e); err != nil {
		return err
	}
	defer prof.finish(e, &err)
	o.hugePages = adviseHeap()
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	return o.run(ctx, e, ws)
}

// adviseHeap asks for the batch's heap on huge pages (hugeheap), and
// reports whether it was given: run's and demo's process ends with its
// batch (serve's batches do not ask). It asks before the workspace is loaded, so that
// the advice's collection has next to nothing to mark (asked after, it
// made a quiet batch of 7,300 units some 20 ms slower). A refusal leaves
// the heap as it is, only slower to grow.
//
// hugeHeapAdvised covers the heap of a batch of up to some 130,000 units
// (its memory limit on huge pages, the pipeline's raiseMemoryLimit, is 93
// MiB at 73,000 units and 123 MiB at 130,000); a larger batch's heap
// grows on to 4 KiB pages. What the heap never reaches costs nothing.
func adviseHeap() bool {
	advised, _ := hugeheap.Advise(hugeHeapAdvised)
	return advised
}

const hugeHeapAdvised = 128 << 20

// runOptions are the flags shared by run and demo.
type runOptions struct {
	asJSON  bool
	wait    bool
	verbose bool
	settle  int
	// hugePages is set, not a flag: the heap was advised (adviseHeap).
	hugePages bool
}

func (o *runOptions) register(e *env, fs *flag.FlagSet) {
	fs.BoolVar(&o.asJSON, "json", false, e.tr("以 JSON 輸出運行結果"))
	fs.BoolVar(&o.wait, "wait", false, e.tr("另一個批處理正在運行時排隊等它結束，而不是退出"))
	fs.BoolVar(&o.verbose, "v", false, e.tr("在終端上列出每個文件的處理情況"))
	fs.IntVar(&o.settle, "settle", -1, e.tr("文件保持不變多少`秒`後才讀取（默認是 config.yaml 的 settle_seconds）"))
}

func (o *runOptions) run(ctx context.Context, e *env, ws *workspace.Workspace) error {
	if o.settle >= 0 {
		ws.Config.SettleSeconds = o.settle
	}
	log, closeLog, err := newLogger(e, ws.LogsDir(), ws.Config.Location(), o.verbose, o.asJSON)
	if err != nil {
		return err
	}
	defer closeLog()
	opts := pipeline.Options{Log: log, Wait: o.wait, HeapOnHugePages: o.hugePages}
	var shown *termProgress
	if isTerminal(e.stderr) && !o.verbose && !o.asJSON {
		shown = &termProgress{w: e.stderr, e: e}
		opts.Progress, opts.Waiting = shown.progress, shown.waiting
	}
	sum, err := pipeline.Run(ctx, ws, opts)
	if shown != nil {
		shown.finish()
	}
	var held *lock.HeldError
	if errors.As(err, &held) {
		return &exitError{code: 3, err: e.errorf("另一個批處理正在運行（%s）；用 --wait 可排隊等它結束",
			lockHolder(e, held, ws.Config.Location()))}
	}
	if errors.Is(err, pipeline.ErrLedgerLost) {
		return &exitError{code: 2, err: err}
	}
	if err != nil {
		return err
	}
	if o.asJSON {
		return sum.WriteJSON(e.stdout)
	}
	printSummary(e, e.stdout, sum, ws.Config.AreaWord())
	return nil
}

func printSummary(e *env, w io.Writer, s *pipeline.Summary, area string) {
	e.printf(w, "報送期 %s：這次收到 %d 份，接收 %d 份，退回 %d 份，重複 %d 份；另有 %d 份尚未傳完，下次處理。\n",
		s.Period, len(s.Files), s.Accepted, s.Rejected, s.Duplicates, s.Waiting)
	for _, f := range s.Files {
		if f.Status != vocab.FileRejected {
			continue
		}
		e.printf(w, "退回 %s（%s）：\n", f.Name, f.Unit)
		for _, line := range findingLines(e, f.Findings) {
			e.printf(w, "  %s\n", line)
		}
	}
	e.printf(w, "計入匯總 %d 個單位（其中 %d 個最新一份被退回，仍按上一份計入），退回待重報 %d 個，未報送 %d 個。\n",
		s.Reported, len(s.KeptAfterReturn), len(s.Returned), len(s.Missing))
	for _, cf := range s.CountyFindings {
		e.printf(w, "%s審核：%s\n", e.office(area), describeFinding(e, cf))
	}
	for _, br := range s.BrokenRules {
		e.printf(w, "審核規則出錯（活動辦請修改，未據此退回任何文件）：%s 規則 %s：%s\n", br.Where, br.Rule, br.Err)
	}
	for _, p := range s.Unreadable {
		e.printf(w, "無法讀取：%s（請檢查文件夾權限或磁盤；其他單位已照常處理）\n", p)
	}
	for _, p := range s.ChangedAfterJudging {
		e.printf(w, "文件在審核後仍被改動，已按審核時的內容存檔，改動後的文件放回收件箱下次處理：%s\n", p)
	}
	for _, p := range s.ArchiveErrors {
		e.printf(w, "無法存檔，文件留在 work/ 下次處理：%s\n", p)
	}
	e.printf(w, "這次處理在台帳和日誌裡記為第 %d 次運行（每次運行都記一次，包括沒有收到文件的定時處理，所以次數會比收到文件的批次多）。\n", s.RunID)
	if s.Stopped {
		e.println(w, "收到停止指令：已取走的文件都已處理完，其餘文件留在收件箱，下次處理。")
	}
	for _, f := range s.Fonts {
		e.printf(w, "字體：%s\n", e.text(f))
	}
	if s.Draft == "" {
		return
	}
	if !s.Rendered {
		e.println(w, "數據沒有變化，草稿沿用上一份。")
	}
	e.printf(w, "簡報草稿：%s\n文字版：%s\n匯總表（草稿）：%s\n審核報告（內部）：%s\n催報退回名單：%s\n", s.Draft, s.DraftText, s.TotalsWorkbook, s.AuditReport, s.ChaseList)
	e.println(w, "草稿沒有期號；審核後用 countybrief publish 發布為正式一期。")
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
