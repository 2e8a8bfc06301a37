package main

import (
	"context"

	"countybrief/examples"
	"countybrief/pipeline"
	"countybrief/pipeline/demo"
	"countybrief/pipeline/workspace"
)

// runDemo builds the sample county in a new folder and runs one batch over
// it, printing the path of the briefing. The campaign's sample has the
// source paper's figures; another example's has figures drawn by the
// generic generator, which reads the example only through its files.
func runDemo(ctx context.Context, e *env, args []string) error {
	var dir, example string
	var o runOptions
	var noRun bool
	var units int
	fs := newFlags("demo", e, &dir)
	fs.StringVar(&example, "example", examples.Campaign, e.tr("做哪一種現成報表的示例（同 init 的 `示例名`）"))
	fs.IntVar(&units, "units", 0, e.tr("模擬地區的`單位數`（73 個單位加複製），用於測速"))
	o.register(e, fs)
	fs.BoolVar(&noRun, "no-run", false, e.tr("只建工作區，表格留在收件箱，不運行"))
	fs.Usage = func() {
		e.println(e.stderr, "用法：countybrief demo [選項] 文件夾")
		printFlags(e, fs)
	}
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	switch fs.NArg() {
	case 0:
		dir = "demo"
	case 1:
		dir = fs.Arg(0)
	default:
		return e.usageError("請只寫一個文件夾")
	}
	if _, err := examples.Lookup(example); err != nil {
		return e.usageError("%v", err)
	}
	if !noRun {
		o.hugePages = adviseHeap() // a batch that ends the process, as run's
	}
	ws, faults, err := demo.Build(dir, demo.Options{Seed: 1, Units: units, Generic: example != examples.Campaign,
		Init: func(dir string) (*workspace.Workspace, error) { return pipeline.InitExample(dir, example) }})
	if err != nil {
		return err
	}
	e.printf(e.stderr, "示例工作區已建立：%s（%d 個單位的報表，另有 %d 份有錯誤的報表）\n", ws.Dir, len(ws.Units), len(faults))
	if noRun {
		return nil
	}
	limitMemory(ws.Config)
	// The demo wrote every file itself, so none can still be arriving.
	if o.settle < 0 {
		o.settle = 0
	}
	return o.run(ctx, e, ws)
}
