package vocab

import "testing"

// A problem reads the same in both languages but for its words: place,
// rule and field as written in the file.
func TestProblemLanguages(t *testing.T) {
	for _, tt := range []struct {
		p      Problem
		zh, en string
	}{
		{Problem{File: "r.yaml", Line: 3, Col: 5, Rule: "u.a", Field: "expr", Msg: "缺少", En: "missing"},
			"r.yaml:3:5: 規則 u.a: expr: 缺少", "r.yaml:3:5: rule u.a: expr: missing"},
		{Problem{File: "config.yaml", Line: 2, Field: "report_date", Msg: "已不再使用", Severity: Warning},
			"config.yaml:2: report_date: 警告: 已不再使用", "config.yaml:2: report_date: warning: 已不再使用"},
		{Problem{Msg: "讀不到 config.yaml"}, "讀不到 config.yaml", "讀不到 config.yaml"},
	} {
		if got := tt.p.Error(); got != tt.zh {
			t.Errorf("Error() = %q, want %q", got, tt.zh)
		}
		if got := tt.p.English(); got != tt.en {
			t.Errorf("English() = %q, want %q", got, tt.en)
		}
	}
}
