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
	// IndentChars is the first-line indent of a paragraph, in characters.
	IndentChars int `yaml:"indent_chars"`
	// TitleSize is the title's size (2號, 22 pt).
	TitleSize float64 `yaml:"title_size_pt"`
	// MastheadSize is the briefing name's size in the red masthead.
	MastheadSize float64 `yaml:"masthead_size_pt"`
	// TableSize is the size of table and chart text (五號, 10.5 pt).
	TableSize float64 `yaml:"table_size_pt"`
	// PageNumberSize is the size of "— N —" (4號, 14 pt).
	PageNumberSize float64 `yaml:"page_number_size_pt"`
	// PageNumberGap is the distance from the text block's bottom edge to
	// the page number's top.
	PageNumberGap float64 `yaml:"page_number_gap_mm"`
	// DistributionSize is the size of the 版記 lines (4號, 14 pt).
	DistributionSize float64 `yaml:"distribution_size_pt"`
}

// CharPitch is the advance of one character on the body grid: the text
// block's width over the characters per line (156/28 = 5.571 mm, a little
// under 16 pt, as word processors set it).
func (l Layout) CharPitch() float64 { return l.TextWidth / float64(l.CharsPerLine) }

// LinePitch is the distance between body lines (225/22 = 10.227 mm).
func (l Layout) LinePitch() float64 { return l.TextHeight / float64(l.LinesPerPage) }

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
	def(&l.TitleSize, 22)
	def(&l.MastheadSize, 40)
	def(&l.TableSize, 10.5)
	def(&l.PageNumberSize, 14)
	def(&l.PageNumberGap, 7)
	def(&l.DistributionSize, 14)
	if l.LinesPerPage == 0 {
		l.LinesPerPage = 22
	}
	if l.CharsPerLine == 0 {
		l.CharsPerLine = 28
	}
	if l.IndentChars == 0 {
		l.IndentChars = 2
	}
}
