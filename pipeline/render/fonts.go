package render

import (
	"fmt"
	"runtime"

	"countybrief/pipeline/render/typeset"
	"countybrief/pipeline/workspace"
)

// Fonts are the faces found for each role, loaded once per process and
// shared, read-only, by every render.
type Fonts struct {
	set *typeset.Set
}

// LoadFonts finds the fonts for each role: config.yaml's fonts: paths
// first, then the operating system's usual files. It reads what choosing
// among them needs (which characters each face has, and their widths);
// outlines are read as renders draw them, once per process.
func LoadFonts(cfg *workspace.Config) (*Fonts, error) {
	var overrides map[string]string
	if cfg != nil {
		overrides = cfg.Fonts
	}
	s, err := typeset.Discover(overrides, runtime.GOOS)
	if err != nil {
		return nil, fmt.Errorf("load fonts: %w", err)
	}
	return &Fonts{set: s}, nil
}

// Set is the typeset font set behind Fonts, for listing them.
func (f *Fonts) Set() *typeset.Set { return f.set }
