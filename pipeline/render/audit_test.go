package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/vocab"
)

// TestAuditReportSeparatesExplainedWarnings reads the 審核報告 back: a
// warning the unit explained is on 已說明的提示 with its 說明, one it did
// not on 未說明的提示, and the outliers, against the unit's last period
// and against its kind, on 離群數值 with both figures.
func TestAuditReportSeparatesExplainedWarnings(t *testing.T) {
	ws := testWorkspace(t, "")
	r := newRenderer(t, ws)
	b := domainBriefing(t, ws)
	z01 := &b.Counted[0]
	z01.Findings = append(z01.Findings,
		vocab.Finding{Rule: "trend.members_steady", Severity: vocab.Warning, Sheet: "填報表", Cell: "C30",
			Message: "黨員人數從上期的 333 人變為 120 人，變化超過一半。", Fix: "核對黨員人數是否填錯。", Explanation: "本期 213 名黨員轉入新設的社區黨委"},
		vocab.Finding{Rule: vocab.RuleOutlierJump, Severity: vocab.Warning, Sheet: "填報表", Cell: "C12",
			Values:  map[string]float64{"help_funds": 300000, "prev.help_funds": 30000},
			Message: "「投入幫扶資金」從上期的 30000 元增加到本期的 300000 元，相差 10 倍，超過設定的 5 倍。", Fix: "請核對", Explanation: "含上級撥付的專項資金"},
	)
	peer := *b.Counted[1].Unit
	b.Outliers = []Outlier{{Unit: peer, Finding: vocab.Finding{Rule: vocab.RuleOutlierPeer, Severity: vocab.Warning,
		Values:  map[string]float64{"reflections": 4000, "median.reflections": 300},
		Message: peer.Name + "的「撰寫學習心得」填 4000 篇，同類（鄉鎮）25 個單位的中位數是 300 篇，穩健 z 值 37.4，超過設定的 3.5。", Fix: "請向" + peer.Name + "核實這個數；確實如此的，無需處理。"}}}

	var buf bytes.Buffer
	if err := r.AuditReport(&buf, b); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	label := func(code string) string {
		in, ok := ws.Catalogue.ByCode(code)
		if !ok {
			t.Fatalf("no indicator %s", code)
		}
		return in.Label
	}
	head := []string{"Z01", "洋川鎮", "已接收", "洋川鎮-2008-12.xlsx", "2008-12-05 09:30"}
	row := func(cells ...string) []string { return append(append([]string{}, head...), cells...) }
	tests := []struct {
		sheet string
		rows  [][]string
	}{
		{SheetAuditWarnings, [][]string{
			row("unit.solved_share", "警告", "活動數據", "C8", "已解決的問題不到查找問題的一成", "請核對已解決數"),
		}},
		{SheetAuditExplained, [][]string{
			row("trend.members_steady", "警告", "填報表", "C30", "黨員人數從上期的 333 人變為 120 人，變化超過一半。", "核對黨員人數是否填錯。", "本期 213 名黨員轉入新設的社區黨委"),
			row(vocab.RuleOutlierJump, "警告", "填報表", "C12", z01.Findings[2].Message, "請核對", "含上級撥付的專項資金"),
		}},
		{SheetAuditOutliers, [][]string{
			{"Z01", "洋川鎮", "鄉鎮", vocab.RuleOutlierJump, "本單位上期", label("help_funds"), "300000", "30000", "填報表", "C12", z01.Findings[2].Message, "含上級撥付的專項資金"},
			{peer.Code, peer.Name, peer.Kind, vocab.RuleOutlierPeer, "同類單位中位數", label("reflections"), "4000", "300", "", "", b.Outliers[0].Finding.Message},
		}},
	}
	for _, tt := range tests {
		rows, err := f.GetRows(tt.sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(tt.rows)+1 {
			t.Errorf("%s has %d rows, want %d:\n%v", tt.sheet, len(rows), len(tt.rows)+1, rows)
			continue
		}
		if got := rows[0][len(rows[0])-1]; got != "單位說明" {
			t.Errorf("%s: last column %q, want 單位說明", tt.sheet, got)
		}
		for i, want := range tt.rows {
			if got := strings.Join(rows[i+1], "|"); got != strings.Join(want, "|") {
				t.Errorf("%s row %d:\n got %s\nwant %s", tt.sheet, i+2, got, strings.Join(want, "|"))
			}
		}
	}
}
