package rollup_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"countybrief/pipeline"
	"countybrief/pipeline/rollup"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// TestOlderIssueIsReturned: a county publishes 第1期, 第2期 and 第3期 of
// one period (each after an edit of its config.yaml, which a new issue
// needs); the city accepts 第2期, then returns 第1期 arriving late
// (it must not replace the correction that followed it) and a 第2期 of
// other content, and accepts 第3期.
func TestOlderIssueIsReturned(t *testing.T) {
	c := buildCounty(t, 11, "甲縣", "C01")
	issues := map[int][]byte{1: readFile(t, c.report)}
	for n := 2; n <= 3; n++ {
		cfg := filepath.Join(c.ws.Dir, workspace.ConfigFile)
		edit(t, cfg, "county_code:", fmt.Sprintf("# 第%d期更正\ncounty_code:", n))
		pub := publish(t, c.ws)
		if !strings.Contains(filepath.Base(pub.Rollup), fmt.Sprintf("第%d期", n)) {
			t.Fatalf("publish wrote %s, want 第%d期", pub.Rollup, n)
		}
		issues[n] = readFile(t, pub.Rollup)
	}
	second := c
	second.report = filepath.Join(filepath.Dir(c.report), strings.Replace(filepath.Base(c.report), "第1期", "第2期", 1))
	second.totals = filepath.Join(filepath.Dir(c.totals), strings.Replace(filepath.Base(c.totals), "第1期", "第2期", 1))
	otherSecond := rewrite(t, second, func(r *rollup.Report) { r.Date = "2008-12-07" })

	cws := city(t, []countyOf{c}, []string{"縣"})
	for i, step := range []struct {
		name     string
		data     []byte
		accepted bool
		note     []string
	}{
		{"第2期", issues[2], true, nil},
		{"第1期", issues[1], false, []string{"這是第1期", "已計入的是你單位第2期", "「上報表0.xlsx」", rollup.Sheet + "!B5", "第3期或以後"}},
		{"另一份第2期", otherSecond, false, []string{"同為第2期", "內容卻不同"}},
		{"第3期", issues[3], true, nil},
	} {
		name := fmt.Sprintf("上報表%d.xlsx", i)
		drop(t, cws, c.code, name, step.data)
		sum := batch(t, cws)
		if len(sum.Files) != 1 {
			t.Fatalf("%s: %+v", step.name, sum.Files)
		}
		res := sum.Files[0]
		if step.accepted {
			if res.Status != vocab.FileAccepted {
				t.Errorf("%s: %s %+v, want accepted", step.name, res.Status, res.Findings)
			}
			continue
		}
		if res.Status != vocab.FileRejected || !hasRule(res.Findings, pipeline.RuleIssueOrder) {
			t.Errorf("%s: %s %+v, want returned by %s", step.name, res.Status, res.Findings, pipeline.RuleIssueOrder)
			continue
		}
		note := string(readFile(t, strings.TrimSuffix(res.ReturnPath, ".xlsx")+".txt"))
		for _, want := range step.note {
			if !strings.Contains(note, want) {
				t.Errorf("%s: the 退回 note lacks %q:\n%s", step.name, want, note)
			}
		}
	}
}
