package main

import (
	"bytes"
	"context"
	"testing"

	"countybrief/pipeline"
	"countybrief/pipeline/demo"
	"countybrief/pipeline/workspace"
)

// sampleCounty is the sample county after one batch, for the commands run
// in-process that work on what a batch left.
func sampleCounty(t *testing.T) *workspace.Workspace {
	t.Helper()
	ws, _, err := demo.Build(t.TempDir(), demo.Options{Seed: 1, Init: pipeline.Init})
	if err != nil {
		t.Fatal(err)
	}
	ws.Config.SettleSeconds = 0
	if _, err := pipeline.Run(context.Background(), ws, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	return ws
}

// inProcess runs a command as main would and returns its exit code and
// what it printed, stdout and stderr together.
func inProcess(args ...string) (int, string) {
	var out bytes.Buffer
	code := run(context.Background(), args, &env{stdout: &out, stderr: &out})
	return code, out.String()
}
