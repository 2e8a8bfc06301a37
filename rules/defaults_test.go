package rules

import (
	"testing"
)

func TestDefaultsLoadAndPassExamples(t *testing.T) {
	s, ws := defaultSet(t)
	if len(s.unit) < 12 || len(s.county) < 3 {
		t.Errorf("%d unit rules and %d county rules shipped, want at least 12 and 3", len(s.unit), len(s.county))
	}
	for _, err := range s.Test() {
		t.Error(err)
	}
	for _, p := range s.Probe(ws.Units) {
		t.Error(p)
	}
	// Every shipped rule shows both verdicts, so that its examples pin
	// down what it accepts as well as what it rejects.
	verdicts := map[string]map[string]bool{}
	for _, res := range s.RunExamples() {
		if verdicts[res.Rule] == nil {
			verdicts[res.Rule] = map[string]bool{}
		}
		verdicts[res.Rule][res.Want] = true
	}
	for _, r := range s.all() {
		if !verdicts[r.id][WantPass] || !verdicts[r.id][WantFail] {
			t.Errorf("%s:%d: rule %s lacks a pass or a fail example", r.file, r.pos.line, r.id)
		}
		if r.description == "" {
			t.Errorf("rule %s has no description", r.id)
		}
	}
}
