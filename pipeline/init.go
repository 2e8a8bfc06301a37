package pipeline

import (
	"io/fs"

	"countybrief/pipeline/workspace"
	"countybrief/rules"
	"countybrief/templates"
)

// Init lays out a workspace with the default rules and briefing templates
// beside the configuration, so that an office can edit all of them.
func Init(dir string) (*workspace.Workspace, error) {
	return workspace.Init(dir, map[string]fs.FS{
		workspace.RulesDir:     rules.Defaults(),
		workspace.TemplatesDir: templates.Defaults(),
	})
}
