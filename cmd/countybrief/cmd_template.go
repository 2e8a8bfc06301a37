package main

import (
	"context"
	"io"
	"path/filepath"

	"countybrief/pipeline"
	"countybrief/pipeline/safefile"
	"countybrief/pipeline/workspace"
)

func runTemplate(ctx context.Context, e *env, args []string) error {
	var dir, out, unit string
	fs := newFlags("template", e, &dir)
	fs.StringVar(&out, "out", "forms", e.tr("把表格寫到這個`文件夾`"))
	fs.StringVar(&unit, "unit", "", e.tr("只生成這個單位的表格（`單位代碼`）"))
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	units := ws.Units
	if unit != "" {
		u, ok := ws.Unit(unit)
		if !ok {
			return e.usageError("單位名冊（%s）裡沒有代碼是「%s」的單位", workspace.UnitsFile, unit)
		}
		units = workspace.Units{u}
	}
	for _, u := range units {
		path := filepath.Join(out, u.Code+"-"+u.Name+"-"+ws.Config.Period+".xlsx")
		err := safefile.WriteFile(path, func(w io.Writer) error {
			return pipeline.WriteBlankForm(w, ws, u)
		})
		if err != nil {
			return e.errorf("%s 的表格沒能生成：%v", u.Code, err)
		}
	}
	e.printf(e.stdout, "已生成 %d 份填報表：%s\n", len(units), out)
	return nil
}
