package main

import (
	"context"
	"errors"
	"flag"

	"countybrief/pipeline"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/lock"
)

// runLedgerCopy moves a workspace's SQLite ledger to PostgreSQL:
//
//	countybrief ledger copy --to postgres://… [--workspace DIR]
//
// The target must be an empty database; every table is copied in one
// transaction and then compared, row count and SHA-256, with the file.
// The file is left as it was, and the workspace uses it until
// config.yaml's paths.ledger names the URL. Exit status: 0 copied and
// verified; 1 the copy failed or the target is not empty (nothing
// written); 2 usage error or a workspace that cannot be read; 3 a batch
// is running.
func runLedgerCopy(ctx context.Context, e *env, args []string) error {
	var dir, to string
	fs := newFlags("ledger copy", e, &dir)
	fs.StringVar(&to, "to", "", e.tr("目標台帳：一個空的 PostgreSQL 數據庫的 `postgres://…` 網址（密碼可放在 PGPASSWORD 或 ~/.pgpass，不必寫在命令行上）"))
	fs.Usage = func() {
		e.println(e.stderr, "用法：countybrief ledger copy --to postgres://… [--workspace 工作區]")
		printFlags(e, fs)
	}
	if err := parseArgs(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2, err: err}
	}
	if fs.NArg() > 0 {
		return e.usageError("ledger copy 不用寫參數")
	}
	if !ledger.IsPostgres(to) {
		return e.usageError("請用 --to 寫出目標 PostgreSQL 數據庫的網址，例如 --to postgres://用戶@主機/數據庫")
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	if ledger.IsPostgres(ws.LedgerPath()) {
		return e.usageError("這個工作區的台帳已經在 PostgreSQL 上（%s）：只能從 SQLite 台帳文件複製", ledger.Redacted(ws.LedgerPath()))
	}
	tables, err := pipeline.CopyLedger(ctx, ws, to)
	var held *lock.HeldError
	switch {
	case errors.As(err, &held):
		return &exitError{code: 3, err: e.errorf("批處理正在運行（%s），等它結束再複製台帳",
			lockHolder(e, held, ws.Config.Location()))}
	case errors.Is(err, ledger.ErrTargetNotEmpty):
		return &exitError{code: 1, err: e.errorf("目標台帳 %s 不是空的，沒有寫入任何東西：只能複製到新建的空數據庫（%v）", ledger.Redacted(to), err)}
	case err != nil:
		return &exitError{code: 1, err: e.errorf("複製台帳失敗，目標數據庫沒有寫入任何東西：%v", err)}
	}
	e.printf(e.stdout, "已把台帳 %s 複製到 %s，逐表核對了行數和 SHA-256，兩邊相同：\n", ws.LedgerPath(), ledger.Redacted(to))
	for _, t := range tables {
		e.printf(e.stdout, "  %-15s %7d 行  %s\n", t.Table, t.Rows, t.SHA256)
	}
	e.println(e.stdout, "請把 config.yaml 的 paths.ledger 改成這個網址；之後各台電腦的 run、serve 和網上報送共用這個台帳。原台帳文件沒有改動。")
	return nil
}
