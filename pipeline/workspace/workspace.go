package workspace

import (
	"countybrief/pipeline/vocab"
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/longbridgeapp/opencc"
)

// File names inside a workspace.
const (
	ConfigFile     = "config.yaml"
	UnitsFile      = "units.yaml"
	IndicatorsFile = "indicators.yaml"
	RulesDir       = "rules"
	TemplatesDir   = "templates"
)

//go:embed defaults/*.yaml
var defaults embed.FS

// Workspace is a loaded, validated workspace folder.
type Workspace struct {
	Dir    string
	Config *Config
	Units  Units
	// Kinds is every kind of unit, in the order breakdowns by kind go:
	// the kinds list of units.yaml, then any other kind as the registry
	// first has it.
	Kinds     []string
	Catalogue *Catalogue
	// Warnings are settings that work but carry a risk the office should
	// hear of (validate prints them); they never stop a batch.
	Warnings  vocab.Problems
	unitIndex unitIndex
	unitsSum  [sha256.Size]byte // UnitsSum's
}

// UnitsSum is the SHA-256 of units.yaml as Load read it, from which Units
// came; false for a workspace that Load did not read. A region's registry
// is megabytes (9.6 MB at 73,000 units), and the draft fingerprints it.
func (ws *Workspace) UnitsSum() ([sha256.Size]byte, bool) {
	return ws.unitsSum, ws.unitsSum != [sha256.Size]byte{}
}

// Unit returns the registry's unit with the code. It is a hash look-up: a
// region's registry holds thousands of units and every file asks.
func (ws *Workspace) Unit(code string) (Unit, bool) {
	i, ok := ws.unitIndex.find(ws.Units, code)
	if !ok {
		return Unit{}, false
	}
	return ws.Units[i], true
}

// UnitAt is the position in Units of the unit with the code, by the same
// look-up as Unit.
func (ws *Workspace) UnitAt(code string) (int, bool) {
	return ws.unitIndex.find(ws.Units, code)
}

// Load reads and validates the workspace in dir, reporting every problem of
// every file (as vocab.Problems) rather than stopping at the first. Warnings
// alone do not fail a load: they are in ws.Warnings, and among the
// vocab.Problems when an error fails it.
func Load(dir string) (*Workspace, error) { return load(dir, time.Now) }

// load is Load on the clock now, against which units.yaml's stamp is
// judged.
func load(dir string, now func() time.Time) (*Workspace, error) {
	ws := &Workspace{Dir: dir}
	var all vocab.Problems
	collect := func(err error) {
		var ps vocab.Problems
		if errors.As(err, &ps) {
			all = append(all, ps...)
		} else if err != nil {
			all = append(all, vocab.Problem{Msg: err.Error()})
		}
	}
	unreadable := func(name string, err error) {
		all.Add("", 0, "", say("讀不到 %s：%s", name, vocab.Detail(err.Error())))
	}
	read := func(name string) ([]byte, string) {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			unreadable(name, err)
			return nil, path
		}
		return data, path
	}
	// The catalogue's YAML is parsed twice (for its lines, then strictly)
	// and takes the longest, about 1 ms of every batch's start: it is
	// parsed beside the rest.
	type parsed struct {
		cat             *Catalogue
		readErr, badErr error
	}
	catalogue := make(chan parsed, 1)
	go func() {
		path := filepath.Join(dir, IndicatorsFile)
		data, err := os.ReadFile(path)
		if err != nil {
			catalogue <- parsed{readErr: err}
			return
		}
		c, err := parseCatalogue(path, data)
		catalogue <- parsed{cat: c, badErr: err}
	}()
	if data, path := read(ConfigFile); data != nil {
		c, err := parseConfig(path, data)
		ws.Config = c
		collect(err)
	}
	// The registry's cache is read beside units.yaml's stamp, and the
	// YAML is read and hashed, beside the cache's decoding, only when the
	// stamp does not stand for it.
	type cacheRead struct {
		c  unitCache
		ok bool
	}
	heads, fromCache := make(chan cacheRead, 1), make(chan cacheRead, 1)
	go func() {
		var r cacheRead
		var payload []byte
		if ws.Config != nil {
			r.c, payload, r.ok = readUnitCache(ws.WorkDir())
		}
		heads <- r
		if r.ok {
			r.c.kinds, r.c.units, r.ok = decodeUnits(payload)
		}
		fromCache <- r
	}()
	unitsPath := filepath.Join(dir, UnitsFile)
	stamp, stamped, err := stampUnits(unitsPath, now())
	byStamp := false
	if stamped {
		h := <-heads
		byStamp = h.ok && h.c.stamp.trusted() && h.c.stamp.same(stamp)
	}
	var unitsData []byte
	readYAML := func() {
		if unitsData, err = os.ReadFile(unitsPath); err == nil {
			ws.unitsSum = sha256.Sum256(unitsData)
		}
	}
	if err == nil && !byStamp {
		readYAML()
	}
	r := <-fromCache
	if byStamp && !r.ok {
		byStamp = false
		readYAML()
	}
	switch {
	case err != nil:
		unreadable(UnitsFile, err)
	case byStamp:
		ws.unitsSum, ws.Units, ws.Kinds = r.c.source, r.c.units, r.c.kinds
	default:
		fresh := unitCache{source: ws.unitsSum, stamp: stamp}
		if r.ok && r.c.source == ws.unitsSum {
			ws.Units, ws.Kinds = r.c.units, r.c.kinds
			// Stamped anew once the stamp can be trusted, so that the
			// next start need not read the YAML.
			if fresh.stamp.trusted() && !r.c.stamp.same(stamp) {
				fresh.kinds, fresh.units = ws.Kinds, ws.Units
				cacheUnits(ws.WorkDir(), fresh)
			}
			break
		}
		us, kinds, err := parseUnits(unitsPath, unitsData)
		ws.Units, ws.Kinds = us, kinds
		collect(err)
		if err == nil && ws.Config != nil {
			fresh.kinds, fresh.units = kinds, us
			cacheUnits(ws.WorkDir(), fresh)
		}
	}
	if p := <-catalogue; p.readErr != nil {
		unreadable(IndicatorsFile, p.readErr)
	} else {
		ws.Catalogue = p.cat
		collect(p.badErr)
	}
	if ws.Units != nil && ws.Catalogue != nil {
		collect(resolvePrefill(unitsPath, unitsData, ws.Units, ws.Catalogue))
	}
	if err := all.Err(); err != nil {
		return nil, err
	}
	ws.Warnings = all
	ws.unitIndex = indexUnits(ws.Units)
	return ws, nil
}

// stampUnits is the stamp of units.yaml, as read at now. The file is
// read by its name after, and may have been replaced between: its
// content is then newer than the stamp, which the next start finds no
// longer the file's.
func stampUnits(path string, now time.Time) (_ fileStamp, stamped bool, _ error) {
	f, err := os.Open(path)
	if err != nil {
		return fileStamp{}, false, err
	}
	defer f.Close()
	stamp, stamped := stampOf(f, now.UnixNano())
	return stamp, stamped, nil
}

// Path resolves a configured path against the workspace folder.
func (ws *Workspace) Path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(ws.Dir, p)
}

// InboxDir is the folder units drop their files into.
func (ws *Workspace) InboxDir() string { return ws.Path(ws.Config.Paths.Inbox) }

// OutboxDir is where a batch writes what it produces.
func (ws *Workspace) OutboxDir() string { return ws.Path(ws.Config.Paths.Outbox) }

// ArchiveDir holds every file a batch has taken, accepted or rejected.
func (ws *Workspace) ArchiveDir() string { return ws.Path(ws.Config.Paths.Archive) }

// WorkDir holds files claimed by a running batch.
func (ws *Workspace) WorkDir() string { return ws.Path(ws.Config.Paths.Work) }

// LedgerPath is the SQLite ledger file, or, when paths.ledger is a
// postgres:// URL (the test of ledger.IsPostgres, which this package
// cannot import), the shared ledger's URL as written.
func (ws *Workspace) LedgerPath() string {
	if l := ws.Config.Paths.Ledger; strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://") {
		return l
	}
	return ws.Path(ws.Config.Paths.Ledger)
}

// LogsDir holds the JSON log.
func (ws *Workspace) LogsDir() string { return ws.Path(ws.Config.Paths.Logs) }

// RulesDir holds the workspace's rule files.
func (ws *Workspace) RulesDir() string { return filepath.Join(ws.Dir, RulesDir) }

// TemplatesDir holds the workspace's overrides of the briefing templates.
func (ws *Workspace) TemplatesDir() string { return filepath.Join(ws.Dir, TemplatesDir) }

// Init lays out a new workspace in dir from the embedded defaults: the three
// YAML files, each folder of extra (e.g. "rules" → the default rule files),
// the inbox with one folder per unit, and the empty output folders. It never
// overwrites a file that exists, so running it twice is harmless.
func Init(dir string, extra map[string]fs.FS) (*Workspace, error) {
	return InitIn(dir, extra, Traditional)
}

// InitIn is Init for an office writing in lang. A Simplified office gets
// every file it lays out (the YAML files, rules, templates: labels,
// kinds, messages, comments) converted as the briefing is, and language:
// zh-Hans in config.yaml, so that kinds, rules and templates name the
// same 乡镇 and 县直. Files that exist are kept as they are.
func InitIn(dir string, extra map[string]fs.FS, lang string) (*Workspace, error) {
	conv, err := Converter(lang)
	if err != nil {
		return nil, err
	}
	script := func(name string, data []byte) []byte { return InScript(conv, lang, name, data) }
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create workspace: %w", err)
	}
	for _, name := range []string{ConfigFile, UnitsFile, IndicatorsFile} {
		data, err := defaults.ReadFile("defaults/" + name)
		if err != nil {
			return nil, fmt.Errorf("read default %s: %w", name, err)
		}
		if err := writeNew(filepath.Join(dir, name), script(name, data)); err != nil {
			return nil, err
		}
	}
	for sub, fsys := range extra {
		err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(fsys, path)
			if err != nil {
				return err
			}
			target := filepath.Join(dir, sub, filepath.FromSlash(path))
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			return writeNew(target, script(sub+"/"+path, data))
		})
		if err != nil {
			return nil, fmt.Errorf("copy default %s: %w", sub, err)
		}
	}
	ws, err := Load(dir)
	if err != nil {
		return nil, err
	}
	dirs := []string{ws.OutboxDir(), ws.ArchiveDir(), ws.WorkDir(), ws.LogsDir()}
	for _, u := range ws.Units {
		dirs = append(dirs, filepath.Join(ws.InboxDir(), u.Code))
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", d, err)
		}
	}
	return ws, nil
}

// InScript is the text of a workspace file named name (relative to the
// workspace) as an office writing in lang has it: converted by conv; for
// config.yaml, saying lang; for a template, in the quotes of the script
// (the briefing is requoted to config.yaml's quotes: in any case, but the
// office reads its template in the style it prints).
func InScript(conv func(string) string, lang, name string, data []byte) []byte {
	if lang == Traditional {
		return data
	}
	s := conv(string(data))
	switch {
	case name == ConfigFile:
		s = languageLine.ReplaceAllString(s, "${1}"+lang)
	case strings.HasPrefix(name, TemplatesDir+"/"):
		s = (&Config{Language: lang}).Requote(s)
	}
	return []byte(s)
}

// languageLine is the language setting of config.yaml, up to its value.
var languageLine = regexp.MustCompile(`(?m)^(language:[ \t]*)\S+`)

// Converter is what writes text in the script of lang: for Simplified,
// OpenCC's t2s, the conversion the briefing goes through; for
// Traditional, the text as it is. Quote marks pass as written (the
// program writes 「」); what a person reads in print is requoted to the
// workspace's quotes: setting (Config.Requote, Config.Converter). OpenCC fails only on a dictionary
// lookup, and its dictionaries are in memory; on that failure the text
// stays as written rather than losing a message.
func Converter(lang string) (func(string) string, error) {
	if lang != Simplified {
		return func(s string) string { return s }, nil
	}
	cc, err := T2S()
	if err != nil {
		return nil, err
	}
	return func(s string) string {
		out, err := cc(s)
		if err != nil {
			return s
		}
		return out
	}, nil
}

// T2S is OpenCC's Traditional-to-Simplified conversion. Building it
// parses its dictionaries (about 2 ms) and Convert only reads them, so
// every converter of the process shares one.
func T2S() (func(string) (string, error), error) {
	cc, err := t2s()
	if err != nil {
		return nil, err
	}
	return cc.Convert, nil
}

var t2s = sync.OnceValues(func() (*opencc.OpenCC, error) {
	cc, err := opencc.New("t2s")
	if err != nil {
		return nil, fmt.Errorf("load t2s conversion: %w", err)
	}
	return cc, nil
})

// Converter is what writes the program's words (Traditional, quoting
// with 「」) as this office prints them outside the briefing, in forms,
// 退回 copies and notes: in the script of its language (Converter) and
// in its quote style (Requote), so that a form reads as the briefing
// does.
func (c *Config) Converter() (func(string) string, error) {
	script, err := Converter(c.Language)
	if err != nil {
		return nil, err
	}
	return func(s string) string { return c.Requote(script(s)) }, nil
}

func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
