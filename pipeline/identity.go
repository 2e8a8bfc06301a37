package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"countybrief/pipeline/form"
	"countybrief/pipeline/ledger"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// unknownUnit files a submission whose unit cannot be told.
const unknownUnit = "_unknown"

// unitOf is the one place where a unit code that came with a file (its
// inbox folder's name, or the code cell of the form) becomes the code
// under which the file is recorded and by which every path for it is
// made: a code of the registry, or unknownUnit. An unknown code never
// becomes a path.
func (b *batch) unitOf(code string) string {
	if u, ok := b.ws.Unit(code); ok {
		return u.Code
	}
	return unknownUnit
}

// Rule ids of the inbox's own checks: who may send what.
const (
	ruleUnknownUnit = "inbox.unit"
	ruleIdentity    = "inbox.identity"
	rulePeriod      = "inbox.period"
	ruleUnreadable  = "inbox.unreadable"
	ruleEmpty       = "inbox.empty"
	// ruleLate marks a form for a period the office closed: kept and
	// recorded under that period as 逾期補報, and rejected, so that no
	// total, draft or issue of the period can count it (ReopenPeriod
	// lets it in).
	ruleLate = "inbox.late"
)

// emptyFinding rejects a file of no bytes.
func emptyFinding() vocab.Finding {
	return vocab.Finding{Rule: ruleEmpty, Severity: vocab.Error,
		Message: "文件是空的（0 字節），裡面沒有任何內容。",
		Fix:     "常見原因是複製或保存沒有完成。請在本單位電腦上打開填好的表格確認內容，保存後重新報送。"}
}

// unreadableFinding rejects a file that the batch could not read at all.
// The system's own words (and the claim's path in work/) go to the log,
// not to the clerk.
func unreadableFinding(err error) vocab.Finding {
	why := "讀取時磁盤或網絡出錯"
	if errors.Is(err, fs.ErrPermission) {
		why = "沒有讀取這個文件的權限"
	}
	return vocab.Finding{Rule: ruleUnreadable, Severity: vocab.Error,
		Message: fmt.Sprintf("活動辦無法讀取這個文件（%s）。", why),
		Fix:     "請在本單位電腦上打開文件確認能正常打開，另存為 Excel 工作簿（.xlsx）後重新報送；如仍被退回，請告知活動辦檢查收件箱的文件權限。"}
}

// checkIdentity enforces that a unit reports only for itself and only for
// an open period. folder is the inbox subfolder the file came from ("" for
// the top of the inbox).
func checkIdentity(ws *workspace.Workspace, folder string, sub *form.Submission) []vocab.Finding {
	codeCell := sub.Cells["unit_code"]
	periodCell := sub.Cells["period"]
	finding := func(rule string, at form.Location, msg, fix string) vocab.Finding {
		return vocab.Finding{Rule: rule, Severity: vocab.Error, Sheet: at.Sheet, Cell: at.Cell, Message: msg, Fix: fix}
	}
	var out []vocab.Finding
	u, known := ws.Unit(sub.UnitCode)
	switch {
	case folder != "" && sub.UnitCode != folder:
		owner := folder
		if f, ok := ws.Unit(folder); ok {
			owner = f.Name
		}
		out = append(out, finding(ruleIdentity, codeCell,
			fmt.Sprintf("文件放在「%s」的文件夾裡，但表內單位代碼是「%s」。各單位只能報送本單位的數據。", owner, sub.UnitCode),
			"請用本單位的表格填報，或把文件放到表內所寫單位的文件夾。"))
	case !known:
		out = append(out, finding(ruleUnknownUnit, codeCell,
			fmt.Sprintf("表內單位代碼「%s」不在參學單位名冊中。", sub.UnitCode),
			"請使用活動辦下發給本單位的表格，不要改動單位代碼。"))
	case folder == "" && !ws.Config.MatchTopLevelByCode:
		out = append(out, finding(ruleIdentity, codeCell,
			"文件放在收件箱的最外層，沒有放進本單位的文件夾。",
			fmt.Sprintf("請把文件放到收件箱中「%s」文件夾後重新報送。", u.Code)))
	}
	if !ws.Config.PeriodOpen(sub.Period) {
		out = append(out, finding(rulePeriod, periodCell,
			fmt.Sprintf("表內報送期是「%s」，當前報送期是「%s」，該報送期不接收報表。", sub.Period, ws.Config.Period),
			"請使用當前報送期的表格填報。"))
	}
	return out
}

// lateFiling files a unit's own form for a period the office closed under
// that period, rejected as 逾期補報 with the rules' findings kept: the
// office sees what came late and the unit learns it was not counted. A
// form that is not its folder's unit's is judged on that alone, as before.
func (b *batch) lateFiling(rec *ledger.Record, sub *form.Submission, findings []vocab.Finding) ([]vocab.Finding, error) {
	for _, f := range findings {
		if f.Rule == ruleIdentity || f.Rule == ruleUnknownUnit {
			return findings, nil
		}
	}
	state, since, err := b.periodState(sub.Period)
	if err != nil || state != ledger.PeriodClosed {
		return findings, err
	}
	kept := make([]vocab.Finding, 0, len(findings)+1)
	for _, f := range findings {
		if f.Rule != rulePeriod { // the period is known, only closed
			kept = append(kept, f)
		}
	}
	rec.Period = sub.Period
	return append(kept, lateFinding(b.ws, sub, since)), nil
}

// periodStates remembers, for one batch, the state of each period its
// files name: a period changes state only under the batch lock
// (periodChange), so never while a batch runs, and a region's 73,000
// forms ask the ledger once per period instead of once each.
type periodStates struct {
	mu   sync.Mutex
	seen map[string]periodStateSince
}

type periodStateSince struct {
	state ledger.PeriodState
	since time.Time
}

// periodState is period's state in the ledger, asked once per batch. The
// batch's own work context is not at hand on the judging goroutines; the
// read is one indexed row.
func (b *batch) periodState(period string) (ledger.PeriodState, time.Time, error) {
	b.periods.mu.Lock()
	defer b.periods.mu.Unlock()
	if s, ok := b.periods.seen[period]; ok {
		return s.state, s.since, nil
	}
	state, since, err := b.ledger.PeriodStateOf(context.Background(), period)
	if err != nil {
		return state, since, err
	}
	if b.periods.seen == nil {
		b.periods.seen = map[string]periodStateSince{}
	}
	b.periods.seen[period] = periodStateSince{state, since}
	return state, since, nil
}

// minuteLayout is how a time a clerk reads is written: in the office's
// zone and with its offset, so that a clerk in another zone, or reading the
// 退回 copy a year on, knows which 18:00 was meant.
const minuteLayout = "2006-01-02 15:04 -07:00"

func lateFinding(ws *workspace.Workspace, sub *form.Submission, closed time.Time) vocab.Finding {
	at := sub.Cells["period"]
	return vocab.Finding{Rule: ruleLate, Severity: vocab.Error, Sheet: at.Sheet, Cell: at.Cell,
		Message: fmt.Sprintf("逾期補報：報送期「%s」已於 %s 關閉。這份表格已存檔登記，但不計入該期匯總，也不改變已發布的簡報。",
			sub.Period, closed.In(ws.Config.Location()).Format(minuteLayout)),
		Fix: fmt.Sprintf("不需要重報：活動辦如重新開放該報送期，會把這份表格重新審核計入。當前報送期是「%s」，本期數據請用當前的表格報送。", ws.Config.Period)}
}
