package main

import (
	"context"
	"errors"
	"time"

	"countybrief/pipeline"
	"countybrief/pipeline/workspace"
)

// runServe runs batches on the schedule of config.yaml until SIGINT or
// SIGTERM (pipeline.Serve). Exit status: 0 after a stop; 2 when the
// workspace, rules or templates cannot be loaded at start; 1 otherwise.
func runServe(ctx context.Context, e *env, args []string) error {
	var dir string
	var poll time.Duration
	var verbose bool
	fs := newFlags("serve", e, &dir)
	fs.DurationVar(&poll, "poll", 0, e.tr("在定時運行之間每隔多久收一次新文件（例如 5m）；0 為不收"))
	fs.BoolVar(&verbose, "v", true, e.tr("在終端上列出每個文件的處理情況"))
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	log, closeLog, err := newLogger(e.stderr, ws.LogsDir(), ws.Config.Location(), verbose)
	if err != nil {
		return err
	}
	defer closeLog()
	err = pipeline.Serve(ctx, dir, pipeline.ServeOptions{Poll: poll, Log: log, Reloaded: func(ws *workspace.Workspace) { limitMemory(ws.Config) }})
	if errors.Is(err, pipeline.ErrConfig) {
		return configError(err)
	}
	return err
}
