package workspace

import (
	"countybrief/pipeline/vocab"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/robfig/cron/v3"
)

// Config is config.yaml.
type Config struct {
	County     string `yaml:"county"`
	CountyCode string `yaml:"county_code,omitempty"` // in the units.yaml of the office above; publish then writes the 上報 workbook
	// Area is the word for the office's whole area where a figure of all
	// its units is labelled (全市 at a city); AreaWord gives 全縣 when unset.
	Area         string   `yaml:"area,omitempty"`
	Office       string   `yaml:"office"`
	BriefingName string   `yaml:"briefing_name"`
	Period       string   `yaml:"period"`
	OpenPeriods  []string `yaml:"open_periods"`
	Deadline     string   `yaml:"deadline"`
	// ReportDate is read only to warn that it no longer does anything:
	// the date of an issue is the day it is published (publish --date).
	ReportDate string `yaml:"report_date,omitempty"`
	Language   string `yaml:"language"`
	// Quotes is the one quote style of what the office prints: CornerQuotes
	// or CurlyQuotes; empty for the convention of Language (QuoteStyle).
	Quotes              string            `yaml:"quotes"`
	Schedule            string            `yaml:"schedule"`
	Timezone            string            `yaml:"timezone"`
	SettleSeconds       int               `yaml:"settle_seconds"`
	MaxFileBytes        int64             `yaml:"max_file_bytes"`
	MemoryLimitMB       int               `yaml:"memory_limit_mb"`
	MatchTopLevelByCode bool              `yaml:"match_top_level_by_code"`
	BriefingNamesMax    int               `yaml:"briefing_names_max"`
	Paths               Paths             `yaml:"paths"`
	Fonts               map[string]string `yaml:"fonts"`
	Distribution        Distribution      `yaml:"distribution"`
	CountyFacts         map[string]any    `yaml:"county_facts"`
	Layout              Layout            `yaml:"layout"`
	Outliers            Outliers          `yaml:"outliers"`
	deadline            time.Time
	location            *time.Location
}

// DefaultMemoryLimitMB is the memory a batch aims to stay within: the
// county's batch needs about half of it, and a region of 7,300 units keeps
// within it by collecting garbage more often, not by holding less. It is
// a soft limit (Go's runtime memory limit): a batch that needs more gets
// it, at the cost of time.
const DefaultMemoryLimitMB = 48

// DefaultBriefingNamesMax is how many units still owing a file the
// briefing names at most: a short list shows the leadership who to
// press, while a long one (69 names on the first morning ran 1.3 pages)
// says nothing the counts by kind do not, and the office has the chase
// list for its phone calls.
const DefaultBriefingNamesMax = 10

// Paths are relative to the workspace unless absolute.
type Paths struct {
	Inbox   string `yaml:"inbox"`
	Outbox  string `yaml:"outbox"`
	Archive string `yaml:"archive"`
	Work    string `yaml:"work"`
	Ledger  string `yaml:"ledger"`
	Logs    string `yaml:"logs"`
}

// Distribution is the briefing's 版記: 報 superiors, 送 leaders, 發 units.
type Distribution struct {
	Report []string `yaml:"report"`
	Send   []string `yaml:"send"`
	Issue  []string `yaml:"issue"`
	Copies int      `yaml:"copies"`
}

// Languages of the briefing.
const (
	Traditional = "zh-Hant"
	Simplified  = "zh-Hans"
)

// Quote styles, as config.yaml names them (words, not the marks, so that
// converting the file into Simplified leaves them alone): corner, 「」 with
// 『』 inside, the convention of Traditional text (Taiwan, Hong Kong), and
// curly, “” with ‘’ inside, that of Simplified text (GB/T 15834).
const (
	CornerQuotes = "corner"
	CurlyQuotes  = "curly"
)

// Requote writes the quote marks of s in the configured style, so that
// text from anywhere (templates, units.yaml, rule messages) prints in one
// style. A ’ between two Latin letters is an apostrophe and stays.
func (c *Config) Requote(s string) string {
	// The marks replaced share their first two bytes in UTF-8: “”‘’ are
	// E2 80 xx and 「」『』 E3 80 xx. A text without them has none of the
	// marks, which a byte search tells 18 times as fast as ContainsAny
	// does by rune (BenchmarkRequoteName, 155 → 8.5 ns a name): the
	// units' names go through here several times each in every draft
	// (37 ms of one at 73,000 units).
	from, to, lead := "“”‘’", "「」『』", "\xe2\x80"
	if c.QuoteStyle() == CurlyQuotes {
		from, to, lead = to, from, "\xe3\x80"
	}
	if !strings.Contains(s, lead) || !strings.ContainsAny(s, from) {
		return s
	}
	rs := []rune(s)
	f, t := []rune(from), []rune(to)
	for i, r := range rs {
		k := slices.Index(f, r)
		if k < 0 || r == '’' && i > 0 && i+1 < len(rs) && isLatinLetter(rs[i-1]) && isLatinLetter(rs[i+1]) {
			continue
		}
		rs[i] = t[k]
	}
	return string(rs)
}

// QuoteStyle is the configured quote style, or the convention of the
// language when none is: 「」 for Traditional, “” for Simplified.
func (c *Config) QuoteStyle() string {
	switch {
	case c.Quotes != "":
		return c.Quotes
	case c.Language == Simplified:
		return CurlyQuotes
	}
	return CornerQuotes
}

func isLatinLetter(r rune) bool { return r < 0x80 && unicode.IsLetter(r) }

// DeadlineTime is the reporting deadline.
func (c *Config) DeadlineTime() time.Time { return c.deadline }

// Location is the office's time zone, used by the scheduler and for dates.
func (c *Config) Location() *time.Location { return c.location }

// maxArea is the longest Area in characters.
const maxArea = 8

// AreaWord is the label of a figure of the whole area: Area, or 全縣.
func (c *Config) AreaWord() string {
	if c.Area == "" {
		return "全縣"
	}
	return c.Area
}

var periodName = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_-]{0,31}$`)

// ValidPeriod reports whether p can name a period: a form carries it and
// the archive makes a folder of it, so it is a plain name.
func ValidPeriod(p string) bool { return periodName.MatchString(p) }

// PeriodOpen reports whether the configuration names period as one that
// takes forms. The office may still have closed it in the ledger, which
// the batch asks too (pipeline.PeriodInfo).
func (c *Config) PeriodOpen(period string) bool {
	if period == c.Period {
		return true
	}
	for _, p := range c.OpenPeriods {
		if p == period {
			return true
		}
	}
	return false
}

func parseConfig(file string, data []byte) (*Config, error) {
	var c Config
	doc, err := decodeStrict(file, data, &c)
	if err != nil {
		return nil, err
	}
	var ps vocab.Problems
	need := func(field, v string) {
		if v == "" {
			ps.Add(file, keyLine(doc(), field), field, say("沒有填寫"))
		}
	}
	need("county", c.County)
	need("office", c.Office)
	need("briefing_name", c.BriefingName)
	need("period", c.Period)
	if c.CountyCode != "" && !unitCode.MatchString(c.CountyCode) {
		ps.Add(file, keyLine(doc(), "county_code"), "county_code", say("「%s」不能用：本縣在上級名冊中的代碼是 1 到 32 個英文字母、數字、'-' 或 '_'", shown(c.CountyCode)))
	}
	// It heads a column and a line of explain: a word, not a sentence.
	if n := utf8.RuneCountInString(c.Area); n > maxArea || strings.ContainsFunc(c.Area, unicode.IsControl) {
		ps.Add(file, keyLine(doc(), "area"), "area", say("「%s」不能用：area 是全區域的稱呼（如「全縣」「全市」），最多 %d 個字，不含換行等控制字符", shown(c.Area), maxArea))
	}
	for _, p := range append([]string{c.Period}, c.OpenPeriods...) {
		if p != "" && !ValidPeriod(p) {
			ps.Add(file, keyLine(doc(), "period"), "period", say("「%s」不能用作報送期：只能用字母、數字、- 和 _（如 2008-12、2026Q4），因為它也是存檔文件夾的名字", shown(p)))
		}
	}
	c.location = time.Local
	if c.Timezone != "" {
		loc, err := time.LoadLocation(c.Timezone)
		if err != nil {
			ps.Add(file, keyLine(doc(), "timezone"), "timezone", say("「%s」不是已知的時區名稱，請寫如 Asia/Shanghai", shown(c.Timezone)))
		} else {
			c.location = loc
		}
	}
	if c.Deadline != "" {
		t, err := time.Parse(time.RFC3339, c.Deadline)
		if err != nil {
			ps.Add(file, keyLine(doc(), "deadline"), "deadline", say("「%s」不是完整的時間：請寫成 2008-12-05T18:00:00+08:00 的樣子（日期、T、時分秒和時差）", shown(c.Deadline)))
		}
		c.deadline = t
	}
	if c.ReportDate != "" {
		ps.Warn(file, keyLine(doc(), "report_date"), "report_date", say("已不再使用：草稿印處理的當天，發布的一期印 publish 的當天；要印別的日期請用 countybrief publish --date %s。可以刪掉這一行", c.ReportDate))
	}
	switch c.Language {
	case "":
		c.Language = Traditional
	case Traditional, Simplified:
	default:
		ps.Add(file, keyLine(doc(), "language"), "language", say("「%s」只能是 %s（繁體）或 %s（簡體）", shown(c.Language), Traditional, Simplified))
	}
	switch c.Quotes {
	case "", CornerQuotes, CurlyQuotes:
	default:
		ps.Add(file, keyLine(doc(), "quotes"), "quotes", say("「%s」只能是 %s（直角引號，繁體的慣例）或 %s（彎引號，簡體的慣例），留空按 language 取慣例", shown(c.Quotes), CornerQuotes, CurlyQuotes))
	}
	if c.Schedule == "" {
		c.Schedule = "0 2 * * *"
	}
	if _, err := cron.ParseStandard(c.Schedule); err != nil {
		ps.Add(file, keyLine(doc(), "schedule"), "schedule", say("「%s」不是 cron 格式的計劃時間（如每晚 2 點寫 0 2 * * *）：%v", shown(c.Schedule), err))
	}
	if c.SettleSeconds < 0 {
		ps.Add(file, keyLine(doc(), "settle_seconds"), "settle_seconds", say("不能是負數"))
	}
	if c.MaxFileBytes == 0 {
		c.MaxFileBytes = 10 << 20
	}
	switch {
	case c.MemoryLimitMB < 0:
		ps.Add(file, keyLine(doc(), "memory_limit_mb"), "memory_limit_mb", say("不能是負數"))
	case c.MemoryLimitMB == 0:
		c.MemoryLimitMB = DefaultMemoryLimitMB
	}
	if c.MatchTopLevelByCode {
		// A form names its unit in a cell anyone can type into; only the
		// folder a unit's own share opens says who sent the file.
		ps.Warn(file, keyLine(doc(), "match_top_level_by_code"), "match_top_level_by_code", say(
			"設為 true 時，放在收件箱最外層的文件按表內填寫的單位代碼歸屬；任何人都能改這個代碼，一份冒名的表格就會替換另一個單位已接收的數據。建議改為 false（最外層的文件一律退回，請單位放進本單位的文件夾）"))
	}
	switch {
	case c.BriefingNamesMax < 0:
		ps.Add(file, keyLine(doc(), "briefing_names_max"), "briefing_names_max", say("不能是負數"))
	case c.BriefingNamesMax == 0:
		c.BriefingNamesMax = DefaultBriefingNamesMax
	}
	c.Paths.setDefaults()
	c.Layout.setDefaults()
	c.Outliers.check(&ps, file, doc())
	return &c, ps.All()
}

func (p *Paths) setDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&p.Inbox, "inbox")
	def(&p.Outbox, "outbox")
	def(&p.Archive, "archive")
	def(&p.Work, "work")
	def(&p.Ledger, "ledger.db")
	def(&p.Logs, "logs")
}
