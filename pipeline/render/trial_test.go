package render

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"countybrief/pipeline/render/typeset"
	"countybrief/pipeline/workspace"
)

// TestTrialAsPDF: the trial run, which draws nothing, chooses the faces a
// PDF of the same briefing is set in and fails where the PDF fails, in
// the templates, in the fonts' characters, and in cutting a face whose
// file changed since it was loaded.
func TestTrialAsPDF(t *testing.T) {
	tests := []struct {
		name, lang, tmpl string
		briefing         func(*testing.T, *workspace.Workspace) Briefing
		changeFont       bool
		wantErr          bool
	}{
		{name: "sample", briefing: sample},
		{name: "issue", briefing: domain},
		{name: "draft", briefing: draft},
		{name: "simplified issue", lang: workspace.Simplified, briefing: domain},
		{name: "unknown indicator", tmpl: ".p\n{{count (.All \"no_such_code\")}}\n", briefing: domain, wantErr: true},
		{name: "character no font has", tmpl: ".p\n笑\U0001F600\n", briefing: domain, wantErr: true},
		{name: "body face changed on disk", briefing: domain, changeFont: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := testWorkspace(t, tt.lang)
			var r *Renderer
			if tt.changeFont {
				// The trial run must meet the change before anything is
				// drawn, so New fails; the renderer is made without it.
				if _, err := New(ws, changedBodyFace(t, ws)); err == nil {
					t.Fatal("New: no error for a body face changed on disk")
				}
				r = &Renderer{ws: ws, fonts: changedBodyFace(t, ws), conv: func(s string) (string, error) { return s, nil }}
				if err := r.parseTemplates(ws.TemplatesDir()); err != nil {
					t.Fatal(err)
				}
			} else {
				r = newRenderer(t, ws)
			}
			if tt.tmpl != "" {
				dir := filepath.Join(t.TempDir(), "templates")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "briefing.tmpl"), []byte(tt.tmpl), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := r.parseTemplates(dir); err != nil {
					t.Fatal(err)
				}
			}
			b := tt.briefing(t, ws)
			for _, fixed := range []map[string]*typeset.Face{nil, r.faces} {
				r.faces = fixed
				trialFaces, trialErr := r.trial(b)
				pdfFaces, pdfErr := r.pdf(io.Discard, b, true)
				if (trialErr != nil) != tt.wantErr || errText(trialErr) != errText(pdfErr) {
					t.Fatalf("trial: %v\n  pdf: %v\nwant an error: %v", trialErr, pdfErr, tt.wantErr)
				}
				for _, role := range typeset.Roles() {
					if trialFaces[role] != pdfFaces[role] {
						t.Errorf("%s: trial chose %v, the PDF is set in %v", role, trialFaces[role], pdfFaces[role])
					}
				}
			}
		})
	}
}

func sample(_ *testing.T, ws *workspace.Workspace) Briefing { return sampleBriefing(ws) }

func domain(t *testing.T, ws *workspace.Workspace) Briefing { return domainBriefing(t, ws) }

func draft(t *testing.T, ws *workspace.Workspace) Briefing {
	b := domainBriefing(t, ws)
	b.Draft = true
	return b
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// changedBodyFace loads the fonts with the body set in a copy of its face,
// then changes the copy on disk, as a package upgrade would.
func changedBodyFace(t *testing.T, ws *workspace.Workspace) *Fonts {
	t.Helper()
	body := testFonts(t).set.Chain(typeset.Fangsong)[0]
	data, err := os.ReadFile(body.Path)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), filepath.Base(body.Path))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := *ws.Config
	cfg.Fonts = map[string]string{typeset.Fangsong: path}
	fonts, err := LoadFonts(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	return fonts
}
