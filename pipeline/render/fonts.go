package render

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"countybrief/pipeline/render/typeset"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// ErrNoFonts is returned by LoadFonts when the configured or installed
// fonts cannot set a briefing. Everything but the PDF and its text twin
// can still be made; the error's text says what to install and where to
// point config.yaml.
var ErrNoFonts = errors.New("沒有可用的中文字體，簡報 PDF 要等字體裝好")

// Fonts are the faces found for each role, loaded once per process and
// shared, read-only, by every render.
type Fonts struct {
	set *typeset.Set
}

// LoadFonts finds the fonts for each role: config.yaml's fonts: paths
// first, then the operating system's usual files. It reads what choosing
// among them needs (which characters each face has, and their widths);
// outlines are read as renders draw them, once per process. A configured
// file that is missing or unusable is an ErrNoFonts, as no font at all is:
// the office asked for that face, and a briefing in another would pass
// unnoticed.
func LoadFonts(cfg *workspace.Config) (*Fonts, error) {
	var overrides map[string]string
	if cfg != nil {
		overrides = cfg.Fonts
	}
	s, err := typeset.Discover(overrides, runtime.GOOS)
	if err != nil {
		return nil, fmt.Errorf("%w：%w\n%s", ErrNoFonts, err, installAdvice.Zh)
	}
	return &Fonts{set: s}, nil
}

// Set is the typeset font set behind Fonts, for listing them.
func (f *Fonts) Set() *typeset.Set { return f.set }

// RoleNames are the roles as the office knows them.
var RoleNames = map[string]vocab.Text{
	typeset.Fangsong: say("仿宋（正文）"),
	typeset.Hei:      say("黑體（一級標題）"),
	typeset.Kai:      say("楷體（二級標題、編者按）"),
	typeset.Song:     say("宋體（頁碼）"),
	typeset.Title:    say("小標宋（報頭、標題）"),
	typeset.Latin:    say("Times 類（正文數字和西文）"),
}

// install says, per role, which face to install on Windows and on
// Debian. No free Simplified 仿宋 nor any 小標宋 ships with Debian: the
// office copies the licensed file it bought.
var install = map[string]vocab.Text{
	typeset.Fangsong: say(`仿宋_GB2312 或 方正仿宋：Windows 雙擊字體文件安裝（在 C:\Windows\Fonts\ 裡是 simfang.ttf 或 FZFSK.TTF）；Debian 的繁體簡報可裝 fonts-cwtex-fs，簡體仿宋 Debian 沒有，把買來的 .ttf 複製到 /usr/local/share/fonts/`),
	typeset.Title:    say(`方正小標宋：Windows 雙擊 FZXBSJW.TTF 安裝（在 C:\Windows\Fonts\）；Debian 沒有，把買來的 .ttf 複製到 /usr/local/share/fonts/`),
	typeset.Hei:      say(`黑體：Windows 自帶 C:\Windows\Fonts\simhei.ttf；Debian 運行 sudo apt install fonts-wqy-zenhei`),
	typeset.Kai:      say(`楷體：Windows 自帶 C:\Windows\Fonts\simkai.ttf；Debian 運行 sudo apt install fonts-arphic-gkai00mp 或 fonts-lxgw-wenkai`),
	typeset.Song:     say(`宋體：Windows 自帶 C:\Windows\Fonts\simsun.ttc；Debian 運行 sudo apt install fonts-arphic-gbsn00lp`),
	typeset.Latin:    say(`Times New Roman：Windows 自帶 C:\Windows\Fonts\times.ttf；Debian 運行 sudo apt install fonts-liberation2`),
}

// installAdvice tells an office without fonts what to install and where
// to point config.yaml.
var installAdvice = say("請安裝：%s；%s；%s；%s；%s。%s", install[typeset.Fangsong], install[typeset.Title],
	install[typeset.Hei], install[typeset.Kai], install[typeset.Song], pointConfig(typeset.Fangsong))

// windowsFile is each role's usual file on Windows, for the example path.
var windowsFile = map[string]string{
	typeset.Fangsong: "simfang.ttf", typeset.Title: "FZXBSJW.TTF", typeset.Hei: "simhei.ttf",
	typeset.Kai: "simkai.ttf", typeset.Song: "simsun.ttc#0", typeset.Latin: "times.ttf",
}

func pointConfig(role string) vocab.Text {
	return say(`裝好後在 config.yaml 的 fonts: 下寫出字體文件的路徑，例如 %s: C:\Windows\Fonts\%s 或 %s: /usr/local/share/fonts/%s（.ttc 文件在路徑後加 #0 選第一個字體）`,
		role, windowsFile[role], role, strings.TrimSuffix(windowsFile[role], "#0"))
}

// FontFallback is a role whose own face is missing, set in another face.
type FontFallback struct {
	Role string `json:"role"`
	Face string `json:"face"` // the family it fell back to
}

func (f FontFallback) String() string { return f.Text().Zh }

// Text is the fallback and what to install, in the office's Chinese and
// in English.
func (f FontFallback) Text() vocab.Text {
	return say("%s沒有找到合用的字體，改用 %s。請安裝%s。%s。", RoleNames[f.Role], f.Face, install[f.Role], pointConfig(f.Role))
}

// Fallbacks lists the roles the trial run set in a face that is not their
// own (a face of another role, or a 宋 standing in for 小標宋), in the
// order of typeset.Roles. The Latin role is optional and never listed:
// without it digits take the role's Chinese face.
func (r *Renderer) Fallbacks() []FontFallback {
	var out []FontFallback
	if r.fonts == nil {
		return nil
	}
	for _, role := range typeset.Roles() {
		f := r.faces[role]
		if role == typeset.Latin || f == nil || r.fonts.set.Serves(role, f) {
			continue
		}
		out = append(out, FontFallback{Role: role, Face: f.Family})
	}
	return out
}

// say writes font advice in the office's Chinese and in English
// (vocab.English.Say); TestFontAdviceHasEnglish keeps fontsEnglish
// complete.
func say(format string, args ...any) vocab.Text { return fontsEnglish.Say(format, args...) }

// fontsEnglish is the English of the font advice, keyed by its Chinese
// format.
var fontsEnglish = vocab.English{
	"仿宋（正文）":           "仿宋 (body text)",
	"黑體（一級標題）":         "黑體 (first-level headings)",
	"楷體（二級標題、編者按）":     "楷體 (second-level headings, editor's note)",
	"宋體（頁碼）":           "宋體 (page numbers)",
	"小標宋（報頭、標題）":       "小標宋 (masthead, title)",
	"Times 類（正文數字和西文）": "Times-like (figures and Latin letters in the body)",
	`仿宋_GB2312 或 方正仿宋：Windows 雙擊字體文件安裝（在 C:\Windows\Fonts\ 裡是 simfang.ttf 或 FZFSK.TTF）；Debian 的繁體簡報可裝 fonts-cwtex-fs，簡體仿宋 Debian 沒有，把買來的 .ttf 複製到 /usr/local/share/fonts/`: `仿宋_GB2312 or 方正仿宋: on Windows double-click the font file to install it (in C:\Windows\Fonts\ it is simfang.ttf or FZFSK.TTF); on Debian a Traditional briefing can use fonts-cwtex-fs, and as Debian has no Simplified 仿宋, copy the .ttf you bought to /usr/local/share/fonts/`,
	`方正小標宋：Windows 雙擊 FZXBSJW.TTF 安裝（在 C:\Windows\Fonts\）；Debian 沒有，把買來的 .ttf 複製到 /usr/local/share/fonts/`:                                                                 `方正小標宋: on Windows double-click FZXBSJW.TTF to install it (into C:\Windows\Fonts\); Debian has none: copy the .ttf you bought to /usr/local/share/fonts/`,
	`黑體：Windows 自帶 C:\Windows\Fonts\simhei.ttf；Debian 運行 sudo apt install fonts-wqy-zenhei`:                                                                                `黑體: Windows has C:\Windows\Fonts\simhei.ttf; on Debian run sudo apt install fonts-wqy-zenhei`,
	`楷體：Windows 自帶 C:\Windows\Fonts\simkai.ttf；Debian 運行 sudo apt install fonts-arphic-gkai00mp 或 fonts-lxgw-wenkai`:                                                       `楷體: Windows has C:\Windows\Fonts\simkai.ttf; on Debian run sudo apt install fonts-arphic-gkai00mp or fonts-lxgw-wenkai`,
	`宋體：Windows 自帶 C:\Windows\Fonts\simsun.ttc；Debian 運行 sudo apt install fonts-arphic-gbsn00lp`:                                                                           `宋體: Windows has C:\Windows\Fonts\simsun.ttc; on Debian run sudo apt install fonts-arphic-gbsn00lp`,
	`Times New Roman：Windows 自帶 C:\Windows\Fonts\times.ttf；Debian 運行 sudo apt install fonts-liberation2`:                                                                   `Times New Roman: Windows has C:\Windows\Fonts\times.ttf; on Debian run sudo apt install fonts-liberation2`,
	"請安裝：%s；%s；%s；%s；%s。%s": "Install: %s; %s; %s; %s; %s. %s",
	`裝好後在 config.yaml 的 fonts: 下寫出字體文件的路徑，例如 %s: C:\Windows\Fonts\%s 或 %s: /usr/local/share/fonts/%s（.ttc 文件在路徑後加 #0 選第一個字體）`: `Then write the font file's path under fonts: in config.yaml, such as %s: C:\Windows\Fonts\%s or %s: /usr/local/share/fonts/%s (after a .ttc file's path, #0 chooses its first font)`,
	"%s沒有找到合用的字體，改用 %s。請安裝%s。%s。": "%s: no suitable font was found, %s stands in. Install %s. %s.",
}
