package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"countybrief/examples"
)

// TestExamples: every shipped report lays out with init --example, passes
// validate and rules check as shipped, and its demo runs a batch to a
// briefing.
func TestExamples(t *testing.T) {
	bin := buildBinary(t)
	for _, ex := range examples.All() {
		t.Run(ex.Name, func(t *testing.T) {
			ws := filepath.Join(t.TempDir(), "ws")
			runCmd(t, bin, "init", "--example", ex.Name, ws)
			runCmd(t, bin, "validate", "--workspace", ws)
			runCmd(t, bin, "rules", "check", "--workspace", ws)

			sample := filepath.Join(t.TempDir(), "demo")
			out, err := exec.Command(bin, "demo", "--example", ex.Name, sample).CombinedOutput()
			if err != nil {
				t.Fatalf("demo --example %s: %v\n%s", ex.Name, err, out)
			}
			pdfs, _ := filepath.Glob(filepath.Join(sample, "outbox", "*", "草稿", "簡報（草稿）.pdf"))
			if len(pdfs) != 1 || !strings.Contains(string(out), pdfs[0]) {
				t.Errorf("demo --example %s made briefings %v and said:\n%s", ex.Name, pdfs, out)
			}
		})
	}
}

// TestInitExampleChoice: no --example is the campaign, and a name that is
// no example is a usage error listing the names there are.
func TestInitExampleChoice(t *testing.T) {
	bin := buildBinary(t)
	plain := filepath.Join(t.TempDir(), "ws")
	runCmd(t, bin, "init", plain)
	campaign := filepath.Join(t.TempDir(), "ws")
	runCmd(t, bin, "init", "--example", examples.Campaign, campaign)
	for _, name := range []string{"config.yaml", "units.yaml", "indicators.yaml", "rules/unit.yaml", "templates/briefing.tmpl"} {
		a, errA := os.ReadFile(filepath.Join(plain, name))
		b, errB := os.ReadFile(filepath.Join(campaign, name))
		if errA != nil || errB != nil || string(a) != string(b) {
			t.Errorf("%s differs between init and init --example %s (%v, %v)", name, examples.Campaign, errA, errB)
		}
	}

	out, err := exec.Command(bin, "init", "--example", "flood", filepath.Join(t.TempDir(), "ws")).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("init --example flood: %v, want exit 2\n%s", err, out)
	}
	for _, ex := range examples.All() {
		if !strings.Contains(string(out), ex.Name) {
			t.Errorf("the error does not offer %s:\n%s", ex.Name, out)
		}
	}
}
