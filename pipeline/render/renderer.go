package render

import (
	"bytes"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

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
	// origin is the path of each template a workspace file replaced, and
	// sources the text of every template, for placing errors.
	origin  map[string]string
	sources map[string]string
	conv    func(string) (string, error)
	faces   map[string]*typeset.Face // per role, as set in the trial run
}

// New parses the briefing templates — a file in the workspace's templates
// folder replaces the default of the same name — and trial-runs them on
// sample data through every line of a PDF, without drawing it (trial), so
// that a broken template or a character no font can draw fails now, not
// at 02:00. With nil fonts (LoadFonts failed) the templates are trial-run
// without a PDF: the workbooks, the chase list and the text can be made,
// and PDF says the fonts are missing.
func New(ws *workspace.Workspace, fonts *Fonts) (*Renderer, error) {
	if err := checkLayout(ws.Config.Layout); err != nil {
		return nil, err
	}
	// Everything the renderer prints passes conv: into the workspace's
	// script, and into its one quote style.
	cfg := ws.Config
	r := &Renderer{ws: ws, fonts: fonts, conv: func(s string) (string, error) { return cfg.Requote(s), nil }}
	if err := r.parseTemplates(ws.TemplatesDir()); err != nil {
		return nil, err
	}
	if cfg.Language == workspace.Simplified {
		cc, err := workspace.T2S()
		if err != nil {
			return nil, err
		}
		r.conv = func(s string) (string, error) {
			out, err := cc(s)
			return cfg.Requote(out), err
		}
	}
	if fonts == nil {
		sample := sampleBriefing(ws)
		if _, err := r.build(&sample); err != nil {
			return nil, fmt.Errorf("trial run on sample data: %w", err)
		}
		return r, nil
	}
	var err error
	if r.faces, err = r.trial(sampleBriefing(ws)); err != nil {
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
func (r *Renderer) parseTemplates(dir string) error {
	root := template.New(templates.Main).Funcs(templates.Funcs()).Option("missingkey=error")
	sources := map[string]string{}
	defaults := templates.Defaults()
	names, err := fs.Glob(defaults, "*.tmpl")
	if err != nil {
		return fmt.Errorf("list default templates: %w", err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(defaults, name)
		if err != nil {
			return fmt.Errorf("read default template %s: %w", name, err)
		}
		sources[name] = string(data)
	}
	override, err := filepath.Glob(filepath.Join(dir, "*.tmpl"))
	if err != nil {
		return fmt.Errorf("list templates: %w", err)
	}
	origin := map[string]string{}
	for _, path := range override {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read template: %w", err)
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
				return fmt.Errorf("template %s: %w", p, err)
			}
			return fmt.Errorf("default template: %w", err)
		}
	}
	if root.Tree == nil {
		return fmt.Errorf("template %s: missing", templates.Main)
	}
	r.tmpl, r.origin, r.sources, r.source = root, origin, sources, "default "+templates.Main
	if p, ok := origin[templates.Main]; ok {
		r.source = p
	}
	return nil
}

// draftMark is what a draft says in place of its issue number.
const draftMark = "草稿"

// doc is a briefing ready to set: the blocks in the briefing's language,
// with their tables and charts filled in.
type doc struct {
	title  string
	blocks []block
	draft  bool
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
	// line draws the series as lines over the categories (periods);
	// places are then the series' decimals, as the tables print them.
	line   bool
	places []int
	// stacked draws one bar per category whose segments, one per series,
	// add up to the category's whole: the units of a kind by state.
	stacked bool
}

// valueText is a figure as the chart prints it: — for one that does not
// exist.
func (c chart) valueText(series int, v float64) string {
	if c.places != nil {
		return templates.Fixed(v, c.places[series])
	}
	return templates.Count(v)
}

type chartCat struct {
	name   string
	values []float64
}

func (r *Renderer) build(b *Briefing) (*doc, error) {
	var buf bytes.Buffer
	if err := r.tmpl.Execute(&buf, newView(r.ws, b)); err != nil {
		return nil, r.execError(err)
	}
	out, err := r.conv(buf.String())
	if err != nil {
		return nil, fmt.Errorf("convert script: %w", err)
	}
	blocks, err := parseBlocks(out)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", r.source, err)
	}
	d := &doc{blocks: blocks, draft: b.Draft}
	for i := range d.blocks {
		bl := &d.blocks[i]
		switch {
		case bl.kind == kMasthead && b.Draft:
			// The template's issue line says 第0期 for a draft; whatever a
			// template writes there, a draft must not look numbered.
			bl.lines[1] = draftMark
		case bl.kind == kTitle && d.title == "":
			d.title = bl.text()
		case bl.kind == kTable:
			t, err := r.table(b, bl.params)
			if err != nil {
				return nil, r.argError(bl, err)
			}
			bl.tbl = &t
		case bl.kind == kChart:
			c, err := r.chart(b, bl.arg, bl.params)
			if err != nil {
				return nil, r.argError(bl, err)
			}
			bl.cht = &c
		}
	}
	return d, nil
}

// execPlace finds template:line:col in text/template's execution errors.
var execPlace = regexp.MustCompile(`template: ([^:]+):(\d+):\d+: executing "[^"]*" at <[^>]*>: (?:error calling \w+: )?`)

// execError says where in which template file a run failed: a template
// naming an indicator the catalogue lacks fails the trial run at load,
// and the office must be able to go to the line.
func (r *Renderer) execError(err error) error {
	m := execPlace.FindStringSubmatchIndex(err.Error())
	if m == nil {
		return fmt.Errorf("template %s: %w", r.source, err)
	}
	msg := err.Error()
	name, line := msg[m[2]:m[3]], msg[m[4]:m[5]]
	where, ok := r.origin[name]
	if !ok {
		where = "內置模板 " + name
	}
	return fmt.Errorf("模板 %s:%s：%s", where, line, msg[m[1]:])
}

// argError places a bad table or chart argument: at the template line
// that holds the argument when it is found there, else at the output line.
func (r *Renderer) argError(bl *block, err error) error {
	names := make([]string, 0, len(r.sources))
	for name := range r.sources {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, key := range blockArgs[bl.kind] {
		val, ok := bl.params[key]
		if !ok {
			continue
		}
		word := key + "=" + val
		for _, name := range names {
			for n, line := range strings.Split(r.sources[name], "\n") {
				if strings.Contains(line, word) {
					where, ok := r.origin[name]
					if !ok {
						where = "內置模板 " + name
					}
					return fmt.Errorf("模板 %s:%d：%w", where, n+1, err)
				}
			}
		}
	}
	return fmt.Errorf("template %s: output line %d: %w", r.source, bl.line, err)
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

// levelNumerals number the sections in a table: 一、二、…
const levelNumerals = "一二三四五六七八九十"

// indicators is the indicators a table or chart argument names, in the
// order written, or every indicator when it names none.
func (r *Renderer) indicators(params map[string]string, need bool) ([]workspace.Indicator, error) {
	cat := r.ws.Catalogue
	list, ok := params[argIndicators]
	if !ok || list == "" {
		if need {
			return nil, fmt.Errorf("要寫 indicators=代碼,代碼…（指標目錄裡的代碼，用英文逗號隔開）")
		}
		return cat.Indicators, nil
	}
	var out []workspace.Indicator
	for _, code := range strings.Split(list, ",") {
		in, ok := cat.ByCode(code)
		if !ok {
			return nil, fmt.Errorf("indicators= 裡的「%s」不在指標目錄（indicators.yaml）裡；請改用目錄裡的代碼", code)
		}
		out = append(out, in)
	}
	return out, nil
}

// breakdown is the kinds a table or chart breaks figures down by.
func (r *Renderer) breakdown(params map[string]string) ([]string, error) {
	switch params[argBy] {
	case "", byKind:
		return r.ws.Kinds, nil
	case byNone:
		return nil, nil
	}
	return nil, fmt.Errorf("by=%s 不對：只能是 by=%s（按單位類別分列）或 by=%s（只列合計）", params[argBy], byKind, byNone)
}

// table is a table of indicators: a heading row per section of the
// catalogue, the group in the group= column when the template names that
// column, and the county figure then one column per unit kind.
func (r *Renderer) table(b *Briefing, params map[string]string) (table, error) {
	ins, err := r.indicators(params, false)
	if err != nil {
		return table{}, err
	}
	kinds, err := r.breakdown(params)
	if err != nil {
		return table{}, err
	}
	groupHead, withGroup := params[argGroup]
	total := params[argTotal]
	if total == "" {
		total = "合計"
	}
	var t table
	if withGroup {
		t.header, t.widths, t.right = append(t.header, groupHead), append(t.widths, 0.16), append(t.right, false)
	}
	figures := append([]string{total}, kinds...)
	// Figure columns keep 0.14 of the width, as the campaign's five
	// columns always had, and share half the width when there are many.
	figW := math.Min(0.14, 0.5/float64(len(figures)))
	labelW := 1 - 0.06 - figW*float64(len(figures))
	if withGroup {
		labelW -= 0.16
	}
	t.header = append(t.header, "指標", "單位")
	t.widths = append(t.widths, labelW, 0.06)
	t.right = append(t.right, false, false)
	for _, f := range figures {
		t.header, t.widths, t.right = append(t.header, f), append(t.widths, figW), append(t.right, true)
	}
	row := func(in workspace.Indicator, group string) {
		cells := []string{in.Label, in.Measure, figureText(b.Totals.All, in)}
		for _, k := range kinds {
			cells = append(cells, figureText(b.Totals.ByKind[k], in))
		}
		if withGroup {
			cells = append([]string{group}, cells...)
		}
		t.rows = append(t.rows, tableRow{cells: cells})
	}
	placed := map[string]bool{}
	for si, sec := range r.ws.Catalogue.Sections {
		prevGroup, heading := "", false
		for _, in := range ins {
			if in.Section != sec.Name {
				continue
			}
			if !heading {
				name := sec.Name
				if nums := []rune(levelNumerals); si < len(nums) {
					name = string(nums[si]) + "、" + name
				}
				t.rows = append(t.rows, tableRow{level: true, cells: []string{name}})
				heading = true
			}
			group := in.Group
			if group == prevGroup {
				group = ""
			}
			prevGroup = in.Group
			row(in, group)
			placed[in.Code] = true
		}
	}
	for _, in := range ins {
		if !placed[in.Code] {
			row(in, in.Group)
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

// figureText is an indicator's figure in m with its places, or — when the
// figure does not exist (a ratio over nothing).
func figureText(m map[string]float64, in workspace.Indicator) string {
	v, ok := m[in.Code]
	if !ok && (in.Aggregate == workspace.AggSum || in.Aggregate == workspace.AggCountNonzero) {
		v, ok = 0, true
	}
	if !ok {
		return templates.Absent
	}
	return templates.Fixed(v, in.Places())
}

func (r *Renderer) chart(b *Briefing, kind string, params map[string]string) (chart, error) {
	if kind == chartReporting {
		if len(params) > 0 {
			return chart{}, fmt.Errorf(".chart %s 不帶參數", chartReporting)
		}
		return r.reportingChart(b)
	}
	if kind == chartLine {
		return r.lineChart(b, params)
	}
	return r.barChart(b, params)
}

// linePeriods bounds the periods of a line chart: more would crowd the
// labels of a page's width.
const linePeriods = 12

// lineChart has a point per period and a line per indicator, of the
// county figure. A figure an issue does not have (an indicator added
// since, a ratio over nothing, an issue restored without its totals) is
// a gap: drawing it as 0 would show a fall that never happened.
func (r *Renderer) lineChart(b *Briefing, params map[string]string) (chart, error) {
	ins, err := r.indicators(params, true)
	if err != nil {
		return chart{}, err
	}
	if by, ok := params[argBy]; ok {
		return chart{}, fmt.Errorf("折線圖畫的是各期的全縣數字，不按單位類別分列，請刪去 by=%s", by)
	}
	c := chart{line: true}
	for _, in := range ins {
		c.series = append(c.series, in.Label)
		c.places = append(c.places, in.Places())
	}
	for _, is := range periods(b) {
		vals := make([]float64, len(ins))
		for i, in := range ins {
			v, ok := is.Totals.All[in.Code]
			if !ok {
				v = math.NaN()
			}
			vals[i] = v
		}
		c.cats = append(c.cats, chartCat{is.Period, vals})
	}
	return c, r.convChart(&c)
}

// periods is the latest issue of each earlier period, in issue order,
// then the briefing itself (which replaces the earlier issues of its own
// period): a period's last word is what it said. Only the last
// linePeriods are kept.
func periods(b *Briefing) []PastIssue {
	latest := map[string]int{}
	for i, is := range b.History {
		latest[is.Period] = i
	}
	var out []PastIssue
	for i, is := range b.History {
		if latest[is.Period] == i && is.Period != b.Period {
			out = append(out, is)
		}
	}
	out = append(out, PastIssue{Issue: b.Issue, Period: b.Period, Totals: b.Totals})
	return out[max(0, len(out)-linePeriods):]
}

// barChart has a group of bars per unit kind and a bar per indicator. A
// figure that does not exist draws no bar.
func (r *Renderer) barChart(b *Briefing, params map[string]string) (chart, error) {
	ins, err := r.indicators(params, true)
	if err != nil {
		return chart{}, err
	}
	kinds, err := r.breakdown(params)
	if err != nil {
		return chart{}, err
	}
	if params[argBy] == byNone {
		return chart{}, fmt.Errorf("柱狀圖按單位類別分組，不能寫 by=%s", byNone)
	}
	var c chart
	for _, in := range ins {
		c.series = append(c.series, in.Label)
	}
	for _, k := range kinds {
		vals := make([]float64, len(ins))
		for i, in := range ins {
			vals[i] = b.Totals.ByKind[k][in.Code]
		}
		c.cats = append(c.cats, chartCat{k, vals})
	}
	return c, r.convChart(&c)
}

// reportingChart has a stacked bar per unit kind and a segment per state
// that occurs, so that each bar adds up to the units of its kind.
func (r *Renderer) reportingChart(b *Briefing) (chart, error) {
	c := chart{stacked: true}
	all := countStates(b.Units, "")
	for _, sc := range all {
		c.series = append(c.series, sc.Label)
	}
	for _, kind := range r.ws.Kinds {
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
