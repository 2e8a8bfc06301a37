// Package demo builds the sample county: a workspace whose 73 units have
// each dropped a filled form into the inbox, with figures that sum exactly
// to the source paper's, plus a few faulty files that the batch must
// reject. Everything is deterministic: the same seed gives the same bytes.
package demo

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/xuri/excelize/v2"

	"countybrief/pipeline/form"
	"countybrief/pipeline/workspace"
)

// Options shape the sample.
type Options struct {
	Seed uint64
	// Units, when more than the county's registry, turns the sample into a
	// region for benchmarks: copies of the county under other names
	// ("示例2縣洋川鎮"), each copy with figures of its own.
	Units int
	// Init lays out the workspace (the caller passes pipeline's Init so that
	// the default rules and templates are copied too).
	Init func(dir string) (*workspace.Workspace, error)
	// Generic fills the forms with figures drawn for whatever report Init
	// laid out (see Fill) instead of dealing out the source paper's, which
	// only the campaign's catalogue has.
	Generic bool
}

// Fault is one faulty file the sample contains and the rule that must
// reject it.
type Fault struct {
	Unit string
	File string
	Rule string
}

// Build writes the sample workspace into dir and returns it with the list
// of faulty files.
func Build(dir string, opts Options) (*workspace.Workspace, []Fault, error) {
	ws, err := opts.Init(dir)
	if err != nil {
		return nil, nil, err
	}
	county := ws.Units
	if opts.Units > len(county) {
		if ws, err = growRegion(ws, opts.Units, opts.Init); err != nil {
			return nil, nil, err
		}
	}
	if opts.Generic {
		faults, err := Fill(ws, opts.Seed)
		return ws, faults, err
	}
	conv, err := ws.Config.Converter()
	if err != nil {
		return nil, nil, err
	}
	var vals []map[string]float64
	for start := 0; start < len(ws.Units); start += len(county) {
		end := min(start+len(county), len(ws.Units))
		vals = append(vals, countyValues(ws.Units[start:end], opts.Seed+uint64(start))...)
	}
	base := evening(ws.Config)
	err = parallel(len(ws.Units), func(i int) error {
		u := ws.Units[i]
		path := formPath(ws, u, conv(campaignStem), "", "")
		if err := writeForm(path, ws, u, identity(ws, i, base, conv), vals[i], nil, conv); err != nil {
			return err
		}
		if err := os.Chtimes(path, base, base); err != nil {
			return fmt.Errorf("set time: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	faults, err := writeFaults(ws, faultsList(), vals, base, campaignStem, conv)
	if err != nil {
		return nil, nil, err
	}
	return ws, faults, nil
}

// parallel runs do(0..n-1) on as many goroutines as there are cores and
// returns the first error.
func parallel(n int, do func(i int) error) error {
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range n {
		g.Go(func() error { return do(i) })
	}
	return g.Wait()
}

// campaignStem is what the campaign's units call their form in a file
// name.
const campaignStem = "四個一活動統計表"

// evening is when the sample's files arrive: six hours before the
// deadline. Files carry modification times in the order a real evening
// brings them: first attempts that were wrong, then the good files, then
// a few corrections that are wrong again.
func evening(cfg *workspace.Config) time.Time {
	if cfg.DeadlineTime().IsZero() {
		return time.Date(2008, 12, 5, 12, 0, 0, 0, time.UTC)
	}
	return cfg.DeadlineTime().Add(-6 * time.Hour)
}

// formPath names a unit's file the way its clerk would: the unit's name,
// what the form is (stem), and a label such as （初稿）.
func formPath(ws *workspace.Workspace, u workspace.Unit, stem, prefix, suffix string) string {
	return filepath.Join(ws.InboxDir(), u.Code, prefix+u.Name+stem+suffix+".xlsx")
}

// writeForm writes a unit's filled form as the office issued it, in the
// workspace's script (conv), changed by edit as a clerk would.
func writeForm(path string, ws *workspace.Workspace, u workspace.Unit, id form.Identity, values map[string]float64, edit func(*excelize.File, *form.Submission) error, conv func(string) string) error {
	var buf bytes.Buffer
	if err := form.WriteFilledIn(&buf, ws.Catalogue, u, ws.Config.Period, id, values, conv); err != nil {
		return fmt.Errorf("fill form of %s: %w", u.Code, err)
	}
	data := buf.Bytes()
	if edit != nil {
		var err error
		if data, err = editForm(data, ws, edit); err != nil {
			return fmt.Errorf("edit form of %s: %w", u.Code, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// editForm changes a filled form the way a clerk would by hand, finding
// the cells through the reader so that it follows the form's layout.
func editForm(data []byte, ws *workspace.Workspace, edit func(*excelize.File, *form.Submission) error) ([]byte, error) {
	tmp, err := os.CreateTemp("", "countybrief-demo-*.xlsx")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	sub, _, err := form.Read(tmp.Name(), ws.Catalogue, form.DefaultLimits())
	if err != nil || sub == nil {
		return nil, fmt.Errorf("read back: %v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := edit(f, sub); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func clerkName(i int) string {
	family := []rune("王李張劉陳楊趙黃周吳徐孫胡朱高林何郭馬羅")
	given := []rune("明華英芳軍平勇艷傑娟濤敏靜麗強磊洋")
	return string(family[i%len(family)]) + string(given[(i*7)%len(given)])
}
