package demo

import (
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"countybrief/pipeline/workspace"
)

// growRegion rewrites units.yaml with n units: the county's own, then
// copies of them named for other counties, and makes their inbox folders.
func growRegion(ws *workspace.Workspace, n int, initWS func(string) (*workspace.Workspace, error)) (*workspace.Workspace, error) {
	conv, err := workspace.Converter(ws.Config.Language)
	if err != nil {
		return nil, err
	}
	county := ws.Units
	units := make(workspace.Units, 0, n)
	for k := 0; len(units) < n; k++ {
		for _, u := range county {
			if len(units) == n {
				break
			}
			if k > 0 {
				u.Code = fmt.Sprintf("C%03d%s", k+1, u.Code)
				u.Name = conv(fmt.Sprintf("示例%d縣", k+1)) + u.Name
			}
			units = append(units, u)
		}
	}
	data, err := yaml.Marshal(struct {
		Units workspace.Units `yaml:"units"`
	}{units})
	if err != nil {
		return nil, fmt.Errorf("region units: %w", err)
	}
	path := filepath.Join(ws.Dir, workspace.UnitsFile)
	if err := os.WriteFile(path, append([]byte(conv("# 基準測試用的示例地區：本縣單位加上若干個複製的縣。\n")), data...), 0o644); err != nil {
		return nil, fmt.Errorf("write region units: %w", err)
	}
	// Init again: it keeps the files and makes the new units' folders.
	return initWS(ws.Dir)
}
