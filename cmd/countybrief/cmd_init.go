package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"countybrief/examples"
	"countybrief/pipeline"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

func runInit(ctx context.Context, e *env, args []string) error {
	var dir, example string
	fs := newFlags("init", e, &dir)
	fs.StringVar(&example, "example", examples.Campaign, "the shipped report to start from (see the list below)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: countybrief init [--example NAME] DIR")
		fs.PrintDefaults()
		fmt.Fprintln(e.stderr, "示例報表：")
		for _, ex := range examples.All() {
			fmt.Fprintf(e.stderr, "  %-10s %s\n", ex.Name, ex.Title)
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	} else if fs.NArg() > 1 {
		return usageError("init takes one folder")
	}
	if _, err := examples.Lookup(example); err != nil {
		return usageError("%v", err)
	}
	ws, err := pipeline.InitExample(dir, example)
	if err != nil {
		return configError(err)
	}
	fmt.Fprintf(e.stdout, "工作區已建立：%s（%d 個單位，%d 項指標）\n", ws.Dir, len(ws.Units), len(ws.Catalogue.Indicators))
	return nil
}

func runValidate(ctx context.Context, e *env, args []string) error {
	var dir string
	fs := newFlags("validate", e, &dir)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	for _, w := range ws.Warnings {
		fmt.Fprintln(e.stdout, w)
	}
	if err := pipeline.Validate(ws); err != nil {
		if errors.Is(err, pipeline.ErrConfig) {
			return configError(err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "OK: %d units, %d indicators\n", len(ws.Units), len(ws.Catalogue.Indicators))
	return nil
}

// loadWorkspace loads and validates a workspace; problems are a
// configuration error (exit 2), one per line.
func loadWorkspace(dir string) (*workspace.Workspace, error) {
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
		return &exitError{code: 2, err: fmt.Errorf("workspace has problems:\n%w", err)}
	}
	return &exitError{code: 2, err: err}
}
