package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"countybrief/pipeline"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// checkResult is one file's outcome in `check --json`.
type checkResult struct {
	File     string          `json:"file"`
	Unit     string          `json:"unit,omitempty"`
	OK       bool            `json:"ok"`
	Findings []vocab.Finding `json:"findings"`
	// JudgedBy is the workspace, the rules the form carries or the
	// binary's defaults, with the versions of each.
	JudgedBy         pipeline.Basis `json:"judged_by"`
	CatalogueVersion string         `json:"catalogue_version"`
	RulesVersion     string         `json:"rules_version"`
	Notes            []string       `json:"notes,omitempty"`
}

// runCheck lets a unit check its own files before sending them, with or
// without the office's workspace. Exit 1 when any file has an error.
func runCheck(ctx context.Context, e *env, args []string) error {
	var dir, unit string
	var asJSON bool
	fs := newFlags("check", e, &dir)
	fs.BoolVar(&asJSON, "json", false, e.tr("以 JSON 輸出審核結果"))
	fs.StringVar(&unit, "unit", "", e.tr("本單位的`代碼`：表內代碼不同的文件（別的單位的表格）算作錯誤"))
	fs.Usage = func() {
		e.println(e.stderr, "用法：countybrief check [--unit 本單位代碼] [--json] [--workspace 工作區] 文件.xlsx…")
		e.println(e.stderr, "沒有工作區時，按表格裡帶的審核規則審核（舊表格按程序自帶的默認規則）。")
		printFlags(e, fs)
	}
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return e.usageError("請寫出要自查的文件，例如 countybrief check 文件.xlsx")
	}
	ws, err := checkWorkspace(fs, dir)
	if err != nil {
		return err
	}
	var results []checkResult
	bad := 0
	for i, path := range fs.Args() {
		sc, err := pipeline.CheckOwnFile(path, unit, ws)
		if errors.Is(err, os.ErrNotExist) {
			return e.usageError("找不到文件「%s」，請檢查文件名和所在的文件夾", path)
		}
		if err != nil {
			if info, statErr := os.Stat(path); statErr == nil && info.IsDir() {
				return e.usageError("「%s」是文件夾，不是表格文件；請給出 .xlsx 文件", path)
			}
			// The clerk's own words for it: not the office's
			// problem list, which says nothing of whom to tell. The
			// system's words stay only as the detail in brackets.
			return &exitError{code: 1, err: e.errorf("讀不了文件「%s」（%v）", path, err)}
		}
		if ws == nil && i == 0 {
			// Without a workspace, speak the script of the office
			// whose rules the form carries: a Simplified office's
			// clerk reads Simplified.
			e.speak(sc.Language)
		}
		r := checkResult{File: path, OK: !vocab.HasError(sc.Findings), Findings: sc.Findings,
			JudgedBy: sc.Basis, CatalogueVersion: sc.CatalogueVersion, RulesVersion: sc.RulesVersion, Notes: sc.Notes}
		if sc.Sub != nil {
			r.Unit = sc.Sub.UnitCode
		}
		if !r.OK {
			bad++
		}
		results = append(results, r)
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			printFindings(e, e.stdout, r, dir)
		}
		e.println(e.stdout, "（自查不比較上一期的數字；活動辦處理時會比較，變化很大的數字可能另有提醒。）")
	}
	if bad > 0 {
		return &exitError{code: 1, err: e.errorf("共 %d 份文件，其中 %d 份有錯誤，請修改後再報送", len(results), bad)}
	}
	return nil
}

// checkWorkspace is the office's workspace when one is named, or when the
// current folder is one; nil otherwise, and the forms are judged by the
// rules they carry.
func checkWorkspace(fs *flag.FlagSet, dir string) (*workspace.Workspace, error) {
	named := false
	fs.Visit(func(f *flag.Flag) { named = named || f.Name == "workspace" })
	if !named {
		if _, err := os.Stat(filepath.Join(dir, workspace.ConfigFile)); err != nil {
			return nil, nil
		}
	}
	return loadWorkspace(dir)
}

func printFindings(e *env, w io.Writer, r checkResult, dir string) {
	verdict := e.tr("可以報送")
	if !r.OK {
		verdict = e.tr("有錯誤，請修改後再報送")
	}
	e.printf(w, "%s：%s\n", filepath.Base(r.File), verdict)
	by := map[pipeline.Basis]string{
		pipeline.BasisWorkspace: e.tr("活動辦的工作區 %s", dir),
		pipeline.BasisForm:      e.tr("表格所帶的審核規則"),
		pipeline.BasisBuiltIn:   e.tr("本程序自帶的默認規則"),
	}[r.JudgedBy]
	catalogue := r.CatalogueVersion
	if catalogue == "" {
		catalogue = e.tr("未標版本")
	}
	e.printf(w, "  審核依據：%s（指標目錄 %s，審核規則 %s 版）\n", by, catalogue, r.RulesVersion)
	for _, n := range r.Notes {
		e.printf(w, "  注意：%s\n", e.office(n))
	}
	for _, line := range findingLines(e, r.Findings) {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// findingLines are the lines a person reads for findings. A cell the
// form reader could not read holds up every rule that reads it, and each
// says so: the clerk, who must correct the cell anyway, reads one line
// for it and how many rules wait (--json and the 退回 copy keep them all).
func findingLines(e *env, findings []vocab.Finding) []string {
	unread := map[string]bool{}
	for _, f := range findings {
		if f.Severity == vocab.Error && f.Cell != "" && strings.HasPrefix(f.Rule, "form.") {
			unread[f.Sheet+"!"+f.Cell] = true
		}
	}
	waiting := map[string]int{}
	var shown []vocab.Finding
	for _, f := range findings {
		if at := f.Sheet + "!" + f.Cell; f.Severity == vocab.Warning && unread[at] && !strings.HasPrefix(f.Rule, "form.") {
			waiting[at]++
			continue
		}
		shown = append(shown, f)
	}
	lines := make([]string, 0, len(shown))
	for _, f := range shown {
		line := describeFinding(e, f)
		if n := waiting[f.Sheet+"!"+f.Cell]; n > 0 && f.Severity == vocab.Error {
			line += e.tr("（改好後還要按 %d 條審核規則檢查這一格）", n)
			delete(waiting, f.Sheet+"!"+f.Cell)
		}
		lines = append(lines, line)
	}
	return lines
}

// describeFinding is one line a clerk can act on: severity, place, rule,
// message and what to do.
func describeFinding(e *env, f vocab.Finding) string {
	// The words and brackets of the 退回 note and copy; rule ids are the
	// office's and stay in the 審核報告 and --json.
	level := e.tr("【提示】")
	if f.Severity == vocab.Error {
		level = e.tr("【錯誤】")
	}
	place := ""
	if f.Cell != "" {
		place = fmt.Sprintf("%s!%s ", f.Sheet, f.Cell)
	}
	s := level + place + e.office(f.Message)
	if f.Explanation != "" {
		s += e.tr("（單位說明：%s）", f.Explanation)
	}
	if f.Fix != "" {
		s += e.tr(" 怎樣改：%s", e.office(f.Fix))
	}
	return s
}
