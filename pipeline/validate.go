package pipeline

import (
	"fmt"

	"countybrief/pipeline/render"
	"countybrief/pipeline/workspace"
)

// Validate checks what a batch would meet before it meets it: the rules
// compile against the catalogue and the registry, and the briefing
// templates trial-run on sample figures with the fonts found, so that a
// rule or template naming an indicator the catalogue lacks fails here,
// not at the night's first batch. The workspace itself was validated by
// workspace.Load. Fonts are checked as a batch would load them: a
// configured font file that is missing or unusable, or no Chinese font at
// all, is an ErrConfig naming what to install; a role set in another face
// than its own is added to ws.Warnings.
func Validate(ws *workspace.Workspace) error {
	fonts, err := render.LoadFonts(ws.Config)
	if err != nil {
		return fmt.Errorf("%w：%w", ErrConfig, err)
	}
	_, r, err := loadChecks(ws, fonts)
	if err != nil {
		return err
	}
	for _, fb := range r.Fallbacks() {
		ws.Warnings.Warn(workspace.ConfigFile, 0, "fonts."+fb.Role, fb.Text())
	}
	return nil
}

// loadChecks compiles the workspace's rules and trial-runs its templates;
// an error is the office's files' (ErrConfig).
func loadChecks(ws *workspace.Workspace, fonts *render.Fonts) (*Checker, *render.Renderer, error) {
	checker, err := NewChecker(ws)
	if err != nil {
		return nil, nil, fmt.Errorf("%w：%w", ErrConfig, err)
	}
	renderer, err := render.New(ws, fonts)
	if err != nil {
		return nil, nil, fmt.Errorf("%w：簡報模板：%w", ErrConfig, err)
	}
	return checker, renderer, nil
}
