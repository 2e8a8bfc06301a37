package main

import (
	"context"
	"countybrief/pipeline/vocab"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
)

// checkResult is one file's outcome in `check --json`.
type checkResult struct {
	File     string          `json:"file"`
	Unit     string          `json:"unit,omitempty"`
	OK       bool            `json:"ok"`
	Findings []vocab.Finding `json:"findings"`
}

// runCheck lets a unit check its own files before sending them. Exit 1
// when any file has an error.
func runCheck(ctx context.Context, e *env, args []string) error {
	var dir string
	var asJSON bool
	fs := newFlags("check", e, &dir)
	fs.BoolVar(&asJSON, "json", false, "print the findings as JSON")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: countybrief check [--workspace DIR] [--json] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError("name at least one file")
	}
	_, checker, err := loadChecker(dir)
	if err != nil {
		return err
	}
	var results []checkResult
	bad := 0
	for _, path := range fs.Args() {
		sub, findings, err := checker.Check(path, "", nil)
		if err != nil {
			return err
		}
		r := checkResult{File: path, OK: !vocab.HasError(findings), Findings: findings}
		if sub != nil {
			r.Unit = sub.UnitCode
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
			printFindings(e.stdout, r)
		}
	}
	if bad > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d files have errors", bad, len(results))}
	}
	return nil
}

func printFindings(w io.Writer, r checkResult) {
	verdict := "可以報送"
	if !r.OK {
		verdict = "有錯誤，請修改後再報送"
	}
	fmt.Fprintf(w, "%s：%s\n", filepath.Base(r.File), verdict)
	for _, f := range r.Findings {
		fmt.Fprintf(w, "  %s\n", describeFinding(f))
	}
}

// describeFinding is one line a clerk can act on: severity, place, rule,
// message and what to do.
func describeFinding(f vocab.Finding) string {
	level := "提示"
	if f.Severity == vocab.Error {
		level = "錯誤"
	}
	place := ""
	if f.Cell != "" {
		place = fmt.Sprintf("%s!%s ", f.Sheet, f.Cell)
	}
	s := fmt.Sprintf("[%s] %s%s（規則 %s）", level, place, f.Message, f.Rule)
	if f.Fix != "" {
		s += " 怎樣改：" + f.Fix
	}
	return s
}
