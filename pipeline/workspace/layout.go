package workspace

// Layout is the page geometry of the briefing, in millimetres and points.
// The defaults follow GB/T 9704-2012; an office may match its own house
// rules by overriding fields under layout: in config.yaml.
type Layout struct {
	PageWidth    float64 `yaml:"page_width_mm"`
	PageHeight   float64 `yaml:"page_height_mm"`
	MarginTop    float64 `yaml:"margin_top_mm"`
	MarginLeft   float64 `yaml:"margin_left_mm"`
	TextWidth    float64 `yaml:"text_width_mm"`
	TextHeight   float64 `yaml:"text_height_mm"`
	BodySize     float64 `yaml:"body_size_pt"`
	LinesPerPage int     `yaml:"lines_per_page"`
	CharsPerLine int     `yaml:"chars_per_line"`
}

func (l *Layout) setDefaults() {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.PageWidth, 210)
	def(&l.PageHeight, 297)
	def(&l.MarginTop, 37)
	def(&l.MarginLeft, 28)
	def(&l.TextWidth, 156)
	def(&l.TextHeight, 225)
	def(&l.BodySize, 16)
	if l.LinesPerPage == 0 {
		l.LinesPerPage = 22
	}
	if l.CharsPerLine == 0 {
		l.CharsPerLine = 28
	}
}
