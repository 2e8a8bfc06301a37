package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"countybrief/pipeline/workspace"
	"countybrief/web"
)

// runUsers manages the web desk's accounts: add (a unit's, every unit's,
// or with --office an office account), reset, disable, list. New
// passwords go to a printable sheet, one page per account, under work/web/;
// they are printed nowhere else. Exit status: 0 done; 2 a usage error, an
// unknown unit or account, or a name taken.
func runUsers(ctx context.Context, e *env, args []string) error {
	var dir, url string
	var officeAcc bool
	fs := newFlags("users", e, &dir)
	fs.BoolVar(&officeAcc, "office", false, e.tr("add：新建活動辦的賬號（可以看全縣、發布、關閉和重新開放報送期）"))
	fs.StringVar(&url, "url", "", e.tr("印在密碼單上的`網址`，例如 https://192.168.1.10:8443/"))
	fs.Usage = func() {
		e.println(e.stderr, "用法：countybrief users add [單位代碼…] | add --office 賬號 | reset 賬號… | disable 賬號… | list")
		e.println(e.stderr, "add 不寫代碼時給每個還沒有賬號的單位建一個（賬號就是單位代碼）。新密碼寫在 work/web/ 下的打印單裡，一個賬號一頁；打印發放後請刪除該文件。")
		printFlags(e, fs)
	}
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return e.usageError("請寫出要做什麼：add、reset、disable 或 list")
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	verb, names := fs.Arg(0), fs.Args()[1:]
	now := time.Now()
	var creds []web.Credential
	switch {
	case verb == "add" && officeAcc:
		if len(names) != 1 {
			return e.usageError("請寫出一個活動辦賬號的名字，例如 countybrief users add --office zhangsan")
		}
		c, err := web.AddOfficeAccount(ctx, ws, names[0], now)
		if err != nil {
			return usersError(e, err)
		}
		creds = append(creds, c)
	case verb == "add":
		if creds, err = web.AddUnitAccounts(ctx, ws, names, now); err != nil {
			return usersError(e, err)
		}
	case verb == "reset":
		if len(names) == 0 {
			return e.usageError("請寫出要重設密碼的賬號")
		}
		for _, n := range names {
			c, err := web.ResetPassword(ctx, ws, n, now)
			if err != nil {
				return usersError(e, err)
			}
			creds = append(creds, c)
		}
	case verb == "disable":
		if len(names) == 0 {
			return e.usageError("請寫出要停用的賬號")
		}
		for _, n := range names {
			if err := web.DisableAccount(ctx, ws, n, now); err != nil {
				return usersError(e, err)
			}
			e.printf(e.stdout, "已停用賬號 %s，它的登錄都已失效。\n", n)
		}
		return nil
	case verb == "list":
		return listUsers(ctx, e, ws)
	default:
		return e.usageError("沒有「%s」這個操作：只有 add、reset、disable 和 list", verb)
	}
	if len(creds) == 0 {
		e.println(e.stdout, "每個單位都已經有賬號，沒有新建。要給某個單位新密碼，用 countybrief users reset 單位代碼。")
		return nil
	}
	path, err := web.WritePasswordSheet(ws, creds, url, now)
	if err != nil {
		return err
	}
	e.printf(e.stdout, "已為 %d 個賬號設了新密碼。打印單（一個賬號一頁）：%s\n", len(creds), path)
	e.println(e.stdout, "打印、發放後請刪除這個文件：密碼只在這裡。")
	return nil
}

func usersError(e *env, err error) error {
	var refused *web.NamesError
	if !errors.As(err, &refused) {
		return err
	}
	names := strings.Join(refused.Names, " ")
	switch refused.Err {
	case web.ErrUnknownUnit:
		return e.usageError("單位名冊裡沒有這些代碼：%s", names)
	case web.ErrAccountExists:
		return e.usageError("賬號已經存在：%s；要給它新密碼，用 countybrief users reset", names)
	default:
		return e.usageError("沒有這個賬號：%s", names)
	}
}

func listUsers(ctx context.Context, e *env, ws *workspace.Workspace) error {
	loc := ws.Config.Location()
	accs, err := web.Accounts(ctx, ws)
	if err != nil {
		return err
	}
	if len(accs) == 0 {
		e.println(e.stdout, "還沒有網上報送賬號。用 countybrief users add 給各單位建賬號。")
		return nil
	}
	now := time.Now()
	for _, a := range accs {
		who := e.tr("活動辦")
		if a.Unit != "" {
			who = a.Unit
			if u, ok := ws.Unit(a.Unit); ok {
				who += " " + u.Name
			}
		}
		state := e.tr("可用")
		switch {
		case a.Disabled:
			state = e.tr("已停用")
		case now.Before(a.LockedUntil):
			state = e.tr("輸錯密碼鎖定到 %s", atMinute(a.LockedUntil, loc))
		}
		e.printf(e.stdout, "%-12s %s（%s；密碼設於 %s）\n", a.Name, who, state, atMinute(a.Changed, loc))
	}
	return nil
}
