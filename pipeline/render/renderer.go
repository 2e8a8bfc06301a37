package render

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/longbridgeapp/opencc"

	"countybrief/pipeline/render/typeset"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
	"countybrief/templates"
)

// Renderer renders briefings of one workspace. It is safe for concurrent
// use: templates are parsed once, fonts are shared read-only, and each
// render builds its own PDF.
type Renderer struct {
	ws     *workspace.Workspace
	fonts  *Fonts
	tmpl   *template.Template
	source string // where the main template came from, for errors
	conv   func(string) (string, error)
	faces  map[string]*typeset.Face // per role, as set in the trial run
}

// New parses the briefing templates — a file in the workspace's templates
// folder replaces the default of the same name — and trial-runs them on
// sample data through to a PDF, so that a broken template or a character
// no font can draw fails now, not at 02:00.
func New(ws *workspace.Workspace, fonts *Fonts) (*Renderer, error) {
	if err := checkLayout(ws.Config.Layout); err != nil {
		return nil, err
	}
	tmpl, source, err := parseTemplates(ws.TemplatesDir())
	if err != nil {
		return nil, err
	}
	r := &Renderer{ws: ws, fonts: fonts, tmpl: tmpl, source: source, conv: func(s string) (string, error) { return s, nil }}
	if ws.Config.Language == workspace.Simplified {
		cc, err := opencc.New("t2s")
		if err != nil {
			return nil, fmt.Errorf("load t2s conversion: %w", err)
		}
		r.conv = cc.Convert
	}
	if r.faces, err = r.pdf(io.Discard, sampleBriefing(ws), false); err != nil {
		return nil, fmt.Errorf("trial run on sample data: %w", err)
	}
	// Any unit may end up on the 催報 or 退回 list, so every name must be
	// drawable, not just the sample's.
	var names strings.Builder
	for _, u := range ws.Units {
		names.WriteString(u.Name)
	}
	all, err := r.conv(names.String())
	if err != nil {
		return nil, fmt.Errorf("convert script: %w", err)
	}
	if err := fonts.set.Check(typeset.Fangsong, []rune(all)); err != nil {
		return nil, fmt.Errorf("unit names: %w", err)
	}
	return r, nil
}

// Face is the face a role is set in, in the briefing's language (as the
// trial run on sample data chose it).
func (r *Renderer) Face(role string) *typeset.Face { return r.faces[role] }

func checkLayout(l workspace.Layout) error {
	var bad []string
	for name, v := range map[string]float64{
		"page_width_mm": l.PageWidth, "page_height_mm": l.PageHeight, "text_width_mm": l.TextWidth,
		"text_height_mm": l.TextHeight, "body_size_pt": l.BodySize, "title_size_pt": l.TitleSize,
		"masthead_size_pt": l.MastheadSize, "table_size_pt": l.TableSize, "page_number_size_pt": l.PageNumberSize,
		"distribution_size_pt": l.DistributionSize, "lines_per_page": float64(l.LinesPerPage),
		"chars_per_line": float64(l.CharsPerLine),
	} {
		if v <= 0 {
			bad = append(bad, name)
		}
	}
	if l.MarginLeft < 0 || l.MarginTop < 0 || l.IndentChars < 0 || l.PageNumberGap < 0 {
		bad = append(bad, "margins, indent and gaps must not be negative")
	}
	if l.MarginLeft+l.TextWidth > l.PageWidth || l.MarginTop+l.TextHeight > l.PageHeight {
		bad = append(bad, "text block larger than the page")
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("layout: %v must be positive and fit the page", bad)
	}
	return nil
}

// parseTemplates parses the embedded defaults, then the workspace's files
// over them, and says where the main template came from. Parse errors carry
// file:line.
func parseTemplates(dir string) (*template.Template, string, error) {
	root := template.New(templates.Main).Funcs(templates.Funcs()).Option("missingkey=error")
	sources := map[string]string{}
	defaults := templates.Defaults()
	names, err := fs.Glob(defaults, "*.tmpl")
	if err != nil {
		return nil, "", fmt.Errorf("list default templates: %w", err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(defaults, name)
		if err != nil {
			return nil, "", fmt.Errorf("read default template %s: %w", name, err)
		}
		sources[name] = string(data)
	}
	override, err := filepath.Glob(filepath.Join(dir, "*.tmpl"))
	if err != nil {
		return nil, "", fmt.Errorf("list templates: %w", err)
	}
	origin := map[string]string{}
	for _, path := range override {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, "", fmt.Errorf("read template: %w", err)
		}
		sources[filepath.Base(path)] = string(data)
		origin[filepath.Base(path)] = path
	}
	keys := make([]string, 0, len(sources))
	for k := range sources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, name := range keys {
		t := root
		if name != templates.Main {
			t = root.New(name)
		}
		if _, err := t.Parse(sources[name]); err != nil {
			if p, ok := origin[name]; ok {
				return nil, "", fmt.Errorf("template %s: %w", p, err)
			}
			return nil, "", fmt.Errorf("default template: %w", err)
		}
	}
	if root.Tree == nil {
		return nil, "", fmt.Errorf("template %s: missing", templates.Main)
	}
	source := "default " + templates.Main
	if p, ok := origin[templates.Main]; ok {
		source = p
	}
	return root, source, nil
}

// doc is a briefing ready to set: the blocks in the briefing's language,
// with the table and charts filled in.
type doc struct {
	title  string
	blocks []block
	table  table
	charts map[string]chart
}

type table struct {
	header []string
	rows   []tableRow
	widths []float64 // share of the text block per column
	right  []bool    // right-aligned columns
}

type tableRow struct {
	level bool // a level row spanning the table
	cells []string
}

type chart struct {
	series []string
	cats   []chartCat
}

type chartCat struct {
	name   string
	values []float64
}

func (r *Renderer) build(b *Briefing) (*doc, error) {
	var buf bytes.Buffer
	if err := r.tmpl.Execute(&buf, newView(r.ws, b)); err != nil {
		return nil, fmt.Errorf("template %s: %w", r.source, err)
	}
	out, err := r.conv(buf.String())
	if err != nil {
		return nil, fmt.Errorf("convert script: %w", err)
	}
	blocks, err := parseBlocks(out)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", r.source, err)
	}
	d := &doc{blocks: blocks, charts: map[string]chart{}}
	for _, bl := range blocks {
		if bl.kind == kTitle {
			d.title = bl.text()
			break
		}
	}
	if d.table, err = r.totalsTable(b); err != nil {
		return nil, err
	}
	if d.charts[chartProblems], err = r.problemsChart(b); err != nil {
		return nil, err
	}
	if d.charts[chartReporting], err = r.reportingChart(b); err != nil {
		return nil, err
	}
	return d, nil
}

// convAll converts every string in place.
func (r *Renderer) convAll(ss ...*string) error {
	for _, s := range ss {
		c, err := r.conv(*s)
		if err != nil {
			return fmt.Errorf("convert script: %w", err)
		}
		*s = c
	}
	return nil
}

// levelNumerals number the levels in the table: 一、二、…
const levelNumerals = "一二三四五六七八九十"

func (r *Renderer) totalsTable(b *Briefing) (table, error) {
	t := table{
		header: []string{"活動", "指標", "單位", "全縣", "鄉鎮", "縣直"},
		widths: []float64{0.16, 0.36, 0.06, 0.14, 0.14, 0.14},
		right:  []bool{false, false, false, true, true, true},
	}
	cat := r.ws.Catalogue
	for li, lv := range cat.Levels {
		name := lv.Name
		if nums := []rune(levelNumerals); li < len(nums) {
			name = string(nums[li]) + "、" + name
		}
		t.rows = append(t.rows, tableRow{level: true, cells: []string{name}})
		prevActivity := ""
		for _, in := range cat.Indicators {
			if in.Level != lv.Level {
				continue
			}
			act := in.Activity
			if act == prevActivity {
				act = ""
			}
			prevActivity = in.Activity
			t.rows = append(t.rows, tableRow{cells: []string{
				act, in.Label, in.Measure,
				templates.Fixed(b.Totals.All[in.Code], in.Places()),
				templates.Fixed(b.Totals.Township[in.Code], in.Places()),
				templates.Fixed(b.Totals.Organ[in.Code], in.Places()),
			}})
		}
	}
	for i := range t.header {
		if err := r.convAll(&t.header[i]); err != nil {
			return t, err
		}
	}
	for _, row := range t.rows {
		for i := range row.cells {
			if err := r.convAll(&row.cells[i]); err != nil {
				return t, err
			}
		}
	}
	return t, nil
}

func (r *Renderer) problemsChart(b *Briefing) (chart, error) {
	found, _ := r.ws.Catalogue.ByCode("problems_found")
	solved, _ := r.ws.Catalogue.ByCode("problems_solved")
	c := chart{series: []string{labelOr(found.Label, "查找突出問題"), labelOr(solved.Label, "其中已解決")}}
	c.cats = []chartCat{
		{workspace.KindTownship, []float64{b.Totals.Township["problems_found"], b.Totals.Township["problems_solved"]}},
		{workspace.KindOrgan, []float64{b.Totals.Organ["problems_found"], b.Totals.Organ["problems_solved"]}},
	}
	return c, r.convChart(&c)
}

// reportingChart has a group of bars per unit kind and a bar per state
// that occurs, so that each group adds up to the units of its kind.
func (r *Renderer) reportingChart(b *Briefing) (chart, error) {
	var c chart
	all := countStates(b.Units, "")
	for _, sc := range all {
		c.series = append(c.series, sc.Label)
	}
	for _, kind := range kinds(b.Units) {
		n := map[vocab.State]int{}
		for _, sc := range countStates(b.Units, kind) {
			n[sc.State] = sc.Count
		}
		vals := make([]float64, len(all))
		for i, sc := range all {
			vals[i] = float64(n[sc.State])
		}
		c.cats = append(c.cats, chartCat{kind, vals})
	}
	return c, r.convChart(&c)
}

func (r *Renderer) convChart(c *chart) error {
	for i := range c.series {
		if err := r.convAll(&c.series[i]); err != nil {
			return err
		}
	}
	for i := range c.cats {
		if err := r.convAll(&c.cats[i].name); err != nil {
			return err
		}
	}
	return nil
}

func labelOr(label, def string) string {
	if label == "" {
		return def
	}
	return label
}
