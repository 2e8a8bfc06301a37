package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"countybrief/examples"
	"countybrief/pipeline"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
	"countybrief/web"
)

func runInit(ctx context.Context, e *env, args []string) error {
	var dir, example string
	fs := newFlags("init", e, &dir)
	fs.StringVar(&example, "example", examples.Campaign, e.tr("從哪一種現成的報表開始（`示例名`，見下面的列表）"))
	fs.Usage = func() {
		e.println(e.stderr, "用法：countybrief init [--example 示例名] [--lang zh-Hans] 文件夾")
		printFlags(e, fs)
		e.println(e.stderr, "示例報表：")
		for _, ex := range examples.All() {
			e.printf(e.stderr, "  %-10s %s\n", ex.Name, e.office(ex.Title))
		}
	}
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	} else if fs.NArg() > 1 {
		return e.usageError("請只寫一個文件夾")
	}
	if _, err := examples.Lookup(example); err != nil {
		return e.usageError("%v", err)
	}
	before := officeFiles(dir)
	// --lang is also the workspace's script: an English-speaking office
	// still gets the Traditional files the source paper has.
	// (run has refused a language it cannot speak.)
	lang := e.lang
	if lang == English {
		lang = workspace.Traditional
	}
	ws, err := pipeline.InitExampleIn(dir, example, lang)
	if err != nil {
		return configError(err)
	}
	if len(before) == 0 {
		e.printf(e.stdout, "工作區已建立：%s（%d 個單位，%d 項指標）\n", ws.Dir, len(ws.Units), len(ws.Catalogue.Indicators))
		return nil
	}
	var added []string
	for _, f := range officeFiles(dir) {
		if !slices.Contains(before, f) {
			added = append(added, f)
		}
	}
	e.printf(e.stdout, "工作區 %s 已經存在：原有的 %d 個文件都保留了，沒有改動（%s）。\n", ws.Dir, len(before), strings.Join(before, e.tr("、")))
	if len(added) > 0 {
		e.printf(e.stdout, "補上了缺少的 %d 個文件：%s。\n", len(added), strings.Join(added, e.tr("、")))
	}
	e.printf(e.stdout, "現在是 %d 個單位，%d 項指標。要換成別的示例報表，請另建一個工作區。\n", len(ws.Units), len(ws.Catalogue.Indicators))
	return nil
}

// officeFiles are the files init lays out that an office edits, as
// they are in dir now, slash-separated and sorted.
func officeFiles(dir string) []string {
	var out []string
	for _, name := range []string{workspace.ConfigFile, workspace.UnitsFile, workspace.IndicatorsFile} {
		if st, err := os.Stat(filepath.Join(dir, name)); err == nil && st.Mode().IsRegular() {
			out = append(out, name)
		}
	}
	for _, sub := range []string{workspace.RulesDir, workspace.TemplatesDir} {
		entries, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, en := range entries {
			if en.Type().IsRegular() {
				out = append(out, sub+"/"+en.Name())
			}
		}
	}
	return out
}

func runValidate(ctx context.Context, e *env, args []string) error {
	var dir string
	fs := newFlags("validate", e, &dir)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	err = pipeline.Validate(ws)
	for _, w := range ws.Warnings {
		fmt.Fprintln(e.stdout, e.problem(w))
	}
	deskWarnings, werr := web.Warnings(ctx, ws)
	for _, w := range deskWarnings {
		fmt.Fprintln(e.stdout, e.office(w))
	}
	if err == nil {
		err = werr
	}
	if err != nil {
		if errors.Is(err, pipeline.ErrConfig) {
			return configError(err)
		}
		return err
	}
	e.printf(e.stdout, "工作區沒有問題：%d 個單位，%d 項指標\n", len(ws.Units), len(ws.Catalogue.Indicators))
	return nil
}

// loadWorkspace loads and validates a workspace; problems are a
// configuration error (exit 2), one per line.
func loadWorkspace(dir string) (*workspace.Workspace, error) {
	if _, err := os.Stat(filepath.Join(dir, workspace.ConfigFile)); errors.Is(err, os.ErrNotExist) {
		return nil, &exitError{code: 2, err: &notWorkspaceError{dir}}
	}
	ws, err := workspace.Load(dir)
	if err != nil {
		return nil, configError(err)
	}
	limitMemory(ws.Config)
	return ws, nil
}

// limitMemory sets the process's soft memory limit from the workspace,
// unless GOMEMLIMIT in the environment already set one: the runtime then
// collects garbage harder as the batch nears the limit, so that a region's
// batch takes little more memory than a county's.
func limitMemory(cfg *workspace.Config) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(int64(cfg.MemoryLimitMB) << 20)
	}
}

// loadChecker loads the workspace and compiles its rules; a broken rule
// file is a configuration error.
func loadChecker(dir string) (*workspace.Workspace, *pipeline.Checker, error) {
	ws, err := loadWorkspace(dir)
	if err != nil {
		return nil, nil, err
	}
	checker, err := pipeline.NewChecker(ws)
	if err != nil {
		return nil, nil, configError(err)
	}
	return ws, checker, nil
}

func configError(err error) error {
	var ps vocab.Problems
	if errors.As(err, &ps) {
		return &exitError{code: 2, err: &problemsError{err}}
	}
	return &exitError{code: 2, err: err}
}

// notWorkspaceError is a folder with no config.yaml: most often a command
// run outside the workspace, which one sentence of advice fixes, where
// three missing files would alarm.
type notWorkspaceError struct{ dir string }

func (n *notWorkspaceError) Error() string { return "not a workspace: " + n.dir }
