package rules

import (
	"testing"
)

func TestDefaultsLoadAndPassExamples(t *testing.T) {
	ws := testWorkspace(t)
	s, err := LoadDir(ws.RulesDir(), ws.Catalogue)
	if err != nil {
		t.Fatalf("load shipped rules:\n%v", err)
	}
	for _, res := range s.RunExamples() {
		t.Log(res)
	}
	for _, err := range s.Test() {
		t.Error(err)
	}
}
