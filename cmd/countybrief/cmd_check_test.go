package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"countybrief/pipeline/workspace"
)

// checkIn runs check in folder dir, as a clerk with no workspace there
// would, and returns the parsed --json output and the exit code.
func checkIn(t *testing.T, bin, dir string, args ...string) ([]checkResult, int) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"check"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var rs []checkResult
	if err := json.Unmarshal(out, &rs); err != nil {
		t.Fatalf("check %v: %v\n%s", args, err, out)
	}
	return rs, code
}

// A clerk with the binary and a form, and no workspace: the form's own
// rules judge it exactly as the office's workspace does, even for a
// report the binary's defaults know nothing of; a form without them is
// judged by the defaults and says so; --unit catches another unit's
// form; a rules edit after the form was issued is named.
func TestCheckWithoutWorkspace(t *testing.T) {
	bin := buildBinary(t)
	tmp := t.TempDir()
	alone := t.TempDir()
	safety := filepath.Join(tmp, "safety")
	runCmd(t, bin, "init", "--example", "safety", safety)
	forms := filepath.Join(tmp, "forms")
	runCmd(t, bin, "template", "--workspace", safety, "--out", forms, "--unit", "A01")
	blank, _ := filepath.Glob(filepath.Join(forms, "*.xlsx"))
	if len(blank) != 1 {
		t.Fatalf("forms: %v", blank)
	}

	offline, code := checkIn(t, bin, alone, blank[0], "--json")
	office, officeCode := checkIn(t, bin, alone, "--workspace", safety, blank[0], "--json")
	if code != 1 || officeCode != 1 {
		t.Errorf("a blank form exits %d offline and %d with the workspace, want 1 and 1", code, officeCode)
	}
	if offline[0].JudgedBy != "form" || office[0].JudgedBy != "workspace" {
		t.Errorf("judged by %q and %q, want form and workspace", offline[0].JudgedBy, office[0].JudgedBy)
	}
	if !reflect.DeepEqual(offline[0].Findings, office[0].Findings) || len(offline[0].Findings) == 0 {
		t.Errorf("offline findings differ from the workspace's:\n%v\n%v", offline[0].Findings, office[0].Findings)
	}
	if offline[0].RulesVersion != office[0].RulesVersion || len(office[0].Notes) != 0 {
		t.Errorf("versions %q and %q, notes %v", offline[0].RulesVersion, office[0].RulesVersion, office[0].Notes)
	}

	// The office edits a rule after issuing the form.
	rule := filepath.Join(safety, "rules", "unit.yaml")
	data, err := os.ReadFile(rule)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rule, append(data, "# 改過\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	edited, _ := checkIn(t, bin, alone, "--workspace", safety, blank[0], "--json")
	if len(edited[0].Notes) != 1 || !strings.Contains(edited[0].Notes[0], offline[0].RulesVersion) {
		t.Errorf("after a rules edit the notes are %v, want the form's version %s named", edited[0].Notes, offline[0].RulesVersion)
	}

	// A filled form without packed rules, flags after the file.
	demo := filepath.Join(tmp, "demo")
	runCmd(t, bin, "demo", "--no-run", demo)
	good, _ := filepath.Glob(filepath.Join(demo, "inbox", "J01", "*.xlsx"))
	rs, code := checkIn(t, bin, alone, good[0], "--json")
	if code != 0 || rs[0].JudgedBy != "built-in" || len(rs[0].Notes) == 0 {
		t.Errorf("a form without rules: exit %d, judged by %q, notes %v", code, rs[0].JudgedBy, rs[0].Notes)
	}
	rs, code = checkIn(t, bin, alone, good[0], "--json", "--unit", "Z01")
	if code != 1 || len(rs[0].Findings) == 0 || !strings.Contains(rs[0].Findings[len(rs[0].Findings)-1].Message, "不是本單位") {
		t.Errorf("another unit's form: exit %d, findings %v", code, rs[0].Findings)
	}
	cmd := exec.Command(bin, "check", good[0])
	cmd.Dir = alone
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "可以報送") || !strings.Contains(string(out), "審核依據：本程序自帶的默認規則") {
		t.Errorf("check in words: %v\n%s", err, out)
	}
}

// A clerk of a Simplified office checks a form with no workspace at hand:
// the program speaks Simplified, the script of the office whose rules the
// form carries, unless the clerk asks for another language.
func TestCheckSpeaksTheFormsScript(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if code, out := inProcess("init", "--lang", "zh-Hans", "ws"); code != 0 {
		t.Fatal(out)
	}
	if code, out := inProcess("template", "--workspace", "ws", "--unit", "Z01", "--out", "forms"); code != 0 {
		t.Fatal(out)
	}
	forms, _ := filepath.Glob(filepath.Join(dir, "forms", "*.xlsx"))
	if len(forms) != 1 {
		t.Fatalf("forms: %v", forms)
	}
	conv, err := workspace.Converter(workspace.Simplified)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "有错误，请修改后再报送"},
		{[]string{"--lang", "zh-Hant"}, "有錯誤，請修改後再報送"},
		{[]string{"--lang", "en"}, "has errors: correct them before sending"},
	} {
		code, out := inProcess(append(append([]string{"check"}, tt.args...), forms[0])...)
		if code != 1 || !strings.Contains(out, tt.want) {
			t.Errorf("check %v: exit %d, want 1 and %q:\n%s", tt.args, code, tt.want, out)
		}
		if tt.args == nil && conv(out) != out {
			t.Errorf("check of a Simplified form speaks Traditional:\n%s", out)
		}
	}
}

// A blank form checked as it is: one line per empty cell, saying how many
// rules wait for it, rather than a line for each waiting rule; --json
// keeps every finding.
func TestCheckFoldsRulesWaitingOnACell(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if code, out := inProcess("init", "ws"); code != 0 {
		t.Fatal(out)
	}
	if code, out := inProcess("template", "--workspace", "ws", "--unit", "Z01", "--out", "forms"); code != 0 {
		t.Fatal(out)
	}
	forms, _ := filepath.Glob(filepath.Join(dir, "forms", "*.xlsx"))
	if len(forms) != 1 {
		t.Fatalf("forms: %v", forms)
	}
	code, out := inProcess("check", forms[0])
	if code != 1 || strings.Contains(out, "未檢查") || !strings.Contains(out, "是必填項，但沒有填寫。") || !strings.Contains(out, "條審核規則檢查這一格") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "條審核規則檢查這一格") && !strings.Contains(l, "【錯誤】") {
			t.Errorf("the rules waiting are told on a line other than the cell's error: %s", l)
		}
	}
	if _, js := inProcess("check", "--json", forms[0]); !strings.Contains(js, "未檢查") {
		t.Errorf("--json lost the waiting rules:\n%.500s", js)
	}
}

// A folder named like a form is said to be a folder, in the clerk's
// language, not with the system's English.
func TestCheckAFolder(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "表.xlsx"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "check", "表.xlsx")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("check of a folder: %v, want exit 2\n%s", err, out)
	}
	if !strings.Contains(string(out), "是文件夾，不是表格文件") || strings.Contains(string(out), "is a directory") {
		t.Errorf("check of a folder says:\n%s", out)
	}
}
