package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// ChaseList writes the clerk's to-do list as UTF-8 text: the deadline; a
// section per state other than 已接收 (逾期未報 and 未報送 to chase,
// 退回待重報 to correct, and the units whose latest file was sent back
// while an earlier one counts), saying what the units of that state owe;
// each unit in exactly one section, in registry order, with its contact
// and phone from units.yaml when the registry has them; a unit with a
// rejected file comes with the file and what was wrong; and, last, how a
// unit sends or resends its file. The office phones down this list.
func (r *Renderer) ChaseList(w io.Writer, b Briefing) error {
	var s strings.Builder
	var convErr error
	// Convert the words but not file names: the clerk looks files up by name.
	c := func(text string) string {
		out, err := r.conv(text)
		if err != nil && convErr == nil {
			convErr = fmt.Errorf("convert script: %w", err)
		}
		return out
	}
	rejected := make(map[string]FileReport, len(b.Rejected))
	for _, f := range b.Rejected {
		rejected[f.Unit.Code] = f
	}
	date := fmt.Sprintf("%d年%d月%d日", b.Date.Year(), int(b.Date.Month()), b.Date.Day())
	s.WriteString(c(fmt.Sprintf("%s　%s報送期　催報和退回名單（%s）\n", r.ws.Config.BriefingName, b.Period, date)))
	if d := r.ws.Config.DeadlineTime(); !d.IsZero() {
		d = d.In(r.ws.Config.Location())
		s.WriteString(c(fmt.Sprintf("報送截止時間：%d年%d月%d日 %s（%s）\n", d.Year(), int(d.Month()), d.Day(), d.Format("15:04"), d.Format("UTC-07:00"))))
	}
	section := 0
	for _, st := range vocab.States() {
		if st == vocab.Accepted {
			continue
		}
		var units []UnitLine
		for _, u := range b.Units {
			if u.State == st {
				units = append(units, u)
			}
		}
		section++
		s.WriteString(c(fmt.Sprintf("\n%s、%s（共%d個單位）\n", string([]rune(levelNumerals)[section-1]), st.Label(), len(units))))
		if len(units) == 0 {
			s.WriteString(c("　　無。\n"))
			continue
		}
		s.WriteString(c("　　" + owes[st] + "\n"))
		for _, u := range units {
			s.WriteString(c(fmt.Sprintf("　　%s　%s（%s）", u.Unit.Code, u.Unit.Name, u.Unit.Kind)))
			f, ok := rejected[u.Unit.Code]
			if ok {
				s.WriteString(c("　退回的文件：") + f.File)
			}
			s.WriteString(c(contact(*u.Unit)) + "\n")
			if !ok {
				continue
			}
			for _, reason := range reasons(f.Findings) {
				s.WriteString(c("　　　　- " + reason + "\n"))
			}
		}
	}
	s.WriteString(c(howToSend))
	if convErr != nil {
		return convErr
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(s.String())
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write chase list: %w", err)
	}
	return nil
}

// owes is what the units of a state still owe, as the clerk says it on
// the phone.
var owes = map[vocab.State]string{
	vocab.AcceptedLatestReturned: "已按上一份計入匯總；最新報送的一份被退回。如要更正，請按退回表格改正後重新報送，否則不用再報。",
	vocab.Returned:               "報送的表格被退回，沒有計入匯總：請按退回表格改正後重新報送。",
	vocab.Missing:                "還沒有報送本期報表：請在截止時間前報送。",
	vocab.Overdue:                "已過截止時間仍未報送：請盡快報送。",
}

// contact is the unit's 聯繫人 and 電話, as much as the registry has.
func contact(u workspace.Unit) string {
	var out string
	if u.Contact != "" {
		out += "　聯繫人：" + u.Contact
	}
	if u.Phone != "" {
		out += "　電話：" + u.Phone
	}
	return out
}

// howToSend tells the clerk what to say about sending and resending.
const howToSend = `
怎樣報送和重新報送
　　1. 用活動辦下發的本單位表格填寫，保存為 .xlsx（不要轉成 PDF、圖片或 .xls）。
　　2. 放進收件箱裡本單位的文件夾：inbox/單位代碼/。放在別的單位的文件夾或收件箱最外層的文件會被退回。
　　3. 被退回的：退回表格在 outbox/returns/單位代碼/，第一頁「審核意見」列出每一處問題和怎樣改，出錯的格子標紅；在原表上改好（或直接改退回表格），按第 2 步重新報送，文件名可以不改。
　　4. 報送前可以先運行 countybrief check 文件.xlsx 自查。
`

// reasons are the messages of a file's errors: what made it rejected.
func reasons(fs []vocab.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Severity == vocab.Error {
			out = append(out, f.Message)
		}
	}
	return out
}
