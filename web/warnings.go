package web

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/workspace"
)

// Warnings are what `countybrief validate` should tell an office that
// uses the web desk (one with accounts in the ledger): that the desk must
// be served over HTTPS, and which printed password sheets still lie in
// work/web/. A workspace without accounts gets none. They are in
// Traditional script, as the workspace's own warnings are.
func Warnings(ctx context.Context, ws *workspace.Workspace) ([]string, error) {
	if _, err := os.Stat(ws.LedgerPath()); errors.Is(err, fs.ErrNotExist) && !ledger.IsPostgres(ws.LedgerPath()) {
		return nil, nil
	}
	accs, err := Accounts(ctx, ws)
	if err != nil || len(accs) == 0 {
		return nil, err
	}
	out := []string{fmt.Sprintf("有 %d 個網上報送賬號：serve --http 請同時寫 --tls-cert 和 --tls-key 用 HTTPS，否則密碼和報表在網絡上是明文；只在內部網絡開放這個端口。", len(accs))}
	sheets, err := filepath.Glob(filepath.Join(ws.WorkDir(), "web", "*.html"))
	if err != nil {
		return nil, err
	}
	if len(sheets) > 0 {
		for i, s := range sheets {
			sheets[i] = filepath.Base(s)
		}
		out = append(out, fmt.Sprintf("初始密碼打印單還在 %s：%s；打印發放後請刪除。", filepath.Join(ws.Config.Paths.Work, "web"), strings.Join(sheets, "、")))
	}
	return out, nil
}
