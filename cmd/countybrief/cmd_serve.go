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
	fs.DurationVar(&poll, "poll", 0, "also check new files this often between scheduled runs (e.g. 5m); 0: off")
	fs.BoolVar(&verbose, "v", true, "log every file on the terminal")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	log, closeLog, err := newLogger(e.stderr, ws.LogsDir(), verbose)
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
