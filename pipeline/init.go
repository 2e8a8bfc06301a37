package pipeline

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"countybrief/examples"
	"countybrief/pipeline/safefile"
	"countybrief/pipeline/workspace"
	"countybrief/rules"
	"countybrief/templates"
)

// Init lays out a workspace with the default rules and briefing templates
// beside the configuration, so that an office can edit all of them.
func Init(dir string) (*workspace.Workspace, error) {
	return workspace.Init(dir, defaultFolders())
}

// InitExample is InitExampleIn for a Traditional office.
func InitExample(dir, name string) (*workspace.Workspace, error) {
	return InitExampleIn(dir, name, workspace.Traditional)
}

func defaultFolders() map[string]fs.FS {
	return map[string]fs.FS{
		workspace.RulesDir:     rules.Defaults(),
		workspace.TemplatesDir: templates.Defaults(),
	}
}

// InitExampleIn lays out a workspace for the shipped example report name:
// its own files first, then the defaults for every file it leaves out. A
// folder the example brings (rules, templates) stands for the whole
// folder, because the default rules name the campaign's indicators and
// would fail against another catalogue. Like Init it never overwrites a
// file, so an office's edits survive running it again. lang is the
// office's script: a Simplified office gets every file in Simplified
// (workspace.InitIn).
func InitExampleIn(dir, name, lang string) (*workspace.Workspace, error) {
	ex, err := examples.Lookup(name)
	if err != nil {
		return nil, err
	}
	folders := defaultFolders()
	if ex.Files == nil {
		return workspace.InitIn(dir, folders, lang)
	}
	conv, err := workspace.Converter(lang)
	if err != nil {
		return nil, err
	}
	err = fs.WalkDir(ex.Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			delete(folders, path)
			return os.MkdirAll(filepath.Join(dir, filepath.FromSlash(path)), 0o755)
		}
		data, err := fs.ReadFile(ex.Files, path)
		if err != nil {
			return err
		}
		err = safefile.WriteNew(filepath.Join(dir, filepath.FromSlash(path)), func(w io.Writer) error {
			_, err := w.Write(workspace.InScript(conv, lang, path, data))
			return err
		})
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("lay out example %s: %w", name, err)
	}
	return workspace.InitIn(dir, folders, lang)
}
