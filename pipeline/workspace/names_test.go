package workspace

import "testing"

// TestNames: every output name in each script, and a briefing's issue
// told from its name in either script and no other file.
func TestNames(t *testing.T) {
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{Traditional, []string{"草稿", "簡報（草稿）.pdf", "匯總表.xlsx", "審核報告.xlsx", "催報退回名單.txt", "簡報第12期.pdf", "匯總表第12期.xlsx", "上報表第12期.xlsx"}},
		{Simplified, []string{"草稿", "简报（草稿）.pdf", "汇总表.xlsx", "审核报告.xlsx", "催报退回名单.txt", "简报第12期.pdf", "汇总表第12期.xlsx", "上报表第12期.xlsx"}},
	} {
		n := (&Config{Language: tt.lang}).Names()
		got := []string{n.DraftDir(), n.Draft(".pdf"), n.Totals(), n.Audit(), n.ChaseList(), n.Briefing(12, ".pdf"), n.IssueTotals(12), n.Report(12)}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: %q, want %q", tt.lang, got[i], tt.want[i])
			}
		}
	}
	all := (&Config{Language: Simplified}).AllNames()
	if all[0].Briefing(1, "") != "简报第1期" || all[1].Briefing(1, "") != "簡報第1期" {
		t.Errorf("AllNames of a Simplified office: %s, %s", all[0].Briefing(1, ""), all[1].Briefing(1, ""))
	}
	for _, tt := range []struct {
		file string
		want int // 0: not a briefing
	}{
		{"簡報第1期.pdf", 1}, {"简报第1期.pdf", 1}, {"簡報第123456789期.pdf", 123456789},
		{"簡報第0期.pdf", 0}, {"簡報第01期.pdf", 0}, {"簡報第 1期.pdf", 0}, {"簡報第+1期.pdf", 0},
		{"簡報第1234567890期.pdf", 0}, {"簡報第期.pdf", 0}, {"簡報第1期.txt", 0}, {"簡報第1期.pdf.tmp", 0},
		{"简報第1期.pdf", 0}, {"匯總表第1期.xlsx", 0}, {"簡報（草稿）.pdf", 0},
	} {
		got := 0
		for _, n := range all {
			if issue, ok := n.BriefingIssue(tt.file); ok {
				got = issue
			}
		}
		if got != tt.want {
			t.Errorf("BriefingIssue(%q) = %d, want %d", tt.file, got, tt.want)
		}
	}
}
