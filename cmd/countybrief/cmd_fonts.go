package main

import (
	"context"
	"fmt"
	"strings"

	"countybrief/pipeline/render"
	"countybrief/pipeline/render/typeset"
)

// runFonts lists the fonts found for each role, then trial-renders the
// briefing so that a character no font can draw is reported now.
func runFonts(ctx context.Context, e *env, args []string) error {
	var dir string
	fs := newFlags("fonts", e, &dir)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usageError("fonts 不用寫參數")
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	fonts, err := render.LoadFonts(ws.Config)
	if err != nil {
		return err
	}
	set := fonts.Set()
	r, err := render.New(ws, fonts)
	if err != nil {
		return e.errorf("簡報試排失敗：%v", err)
	}
	e.printf(e.stdout, "簡報語言 %s；* 為簡報實際使用的字體\n", ws.Config.Language)
	for _, role := range typeset.Roles() {
		fmt.Fprintf(e.stdout, "%s %s\n", role, e.text(render.RoleNames[role]))
		own := set.Own(role)
		if len(own) == 0 {
			e.println(e.stdout, "  未找到，將使用後備字體")
		}
		for _, f := range own {
			mark := " "
			if f == r.Face(role) {
				mark = "*"
			}
			e.printf(e.stdout, "  %s %s  %s（%s，%d 個字形）\n", mark, f.Family, f.Key(), f.Source, f.NumGlyphs())
		}
		var chain []string
		for _, f := range set.Chain(role) {
			chain = append(chain, f.Family)
		}
		if used := r.Face(role); used != nil && !contains(own, used) {
			e.printf(e.stdout, "  * %s  %s（後備）\n", used.Family, used.Key())
		}
		e.printf(e.stdout, "  後備順序：%s\n", strings.Join(chain, " → "))
	}
	for _, fb := range r.Fallbacks() {
		e.printf(e.stdout, "提醒：%s\n", e.office(fb.String()))
	}
	e.println(e.stdout, "簡報試排通過：每個字都有字體可以顯示。")
	return nil
}

func contains(fs []*typeset.Face, f *typeset.Face) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}
