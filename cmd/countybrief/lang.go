package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
	"gopkg.in/yaml.v3"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// English is the --lang value that makes the program speak English; the
// other values are the workspace scripts, workspace.Traditional and
// workspace.Simplified.
const English = "en"

// The message catalogue (golang.org/x/text/message). A message is keyed
// by its Traditional text, as written at the call, so that the code reads
// as the office sees it and a Traditional printer needs no entry: a key
// missing from a language's catalogue prints as itself. English entries
// are in messages_en.go; Simplified ones are made from the keys by the
// OpenCC t2s the briefing goes through, when a Simplified printer is first
// wanted, so that no message is written twice.
var (
	messages     = catalog.NewBuilder()
	loadEnglish  sync.Once
	loadSimple   sync.Once
	simpleFailed error
)

func catalogue(lang string) (*catalog.Builder, error) {
	loadEnglish.Do(func() {
		for _, m := range allEnglish() {
			// SetString fails only on a malformed message, which
			// TestEveryMessageHasEnglish would have caught.
			_ = messages.SetString(language.English, m.zh, m.en)
		}
	})
	if lang == workspace.Simplified {
		loadSimple.Do(func() {
			conv, err := workspace.Converter(workspace.Simplified)
			if err != nil {
				simpleFailed = err
				return
			}
			for _, m := range allEnglish() {
				_ = messages.SetString(language.SimplifiedChinese, m.zh, conv(m.zh))
			}
		})
	}
	return messages, simpleFailed
}

// newPrinter prints messages in lang; a Simplified printer whose
// conversion cannot load speaks Traditional rather than not at all.
func newPrinter(lang string) *message.Printer {
	tag := language.TraditionalChinese
	switch lang {
	case English:
		tag = language.English
	case workspace.Simplified:
		tag = language.SimplifiedChinese
	}
	cat, err := catalogue(lang)
	if err != nil {
		tag = language.TraditionalChinese
	}
	return message.NewPrinter(tag, message.Catalog(cat))
}

// N marks a message used later through tr, where it cannot be printed at
// once (a command's summary), so that the catalogue test finds it.
func N(key string) string { return key }

func (e *env) printer() *message.Printer {
	if e.p == nil {
		e.p = newPrinter(e.lang)
	}
	return e.p
}

// tr is a message in the user's language.
func (e *env) tr(key string, args ...any) string { return e.printer().Sprintf(key, args...) }

func (e *env) printf(w io.Writer, key string, args ...any) { fmt.Fprint(w, e.tr(key, args...)) }

func (e *env) println(w io.Writer, key string, args ...any) { fmt.Fprintln(w, e.tr(key, args...)) }

// usageError is an exit-2 error in the user's language.
func (e *env) usageError(key string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf("%s", e.tr(key, args...))}
}

// errorf is an error in the user's language that wraps its first error
// argument, which the key prints with %v: message.Printer knows no %w.
func (e *env) errorf(key string, args ...any) error {
	msg := e.printer().Sprintf(key, args...)
	for _, a := range args {
		if err, ok := a.(error); ok {
			return &wrapped{msg: msg, err: err}
		}
	}
	return fmt.Errorf("%s", msg)
}

// wrapped keeps errors.Is and errors.As through a translated message,
// which message.Printer formats without %w.
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

// chooseLanguage settles the language before any flag is declared, since
// flag help is in it: --lang anywhere among args, else a locale (LC_ALL,
// LC_MESSAGES, LANG, the first set) starting with en, else the language
// of the workspace's config.yaml (--workspace or the current folder),
// else Traditional.
func (e *env) chooseLanguage(args []string) {
	e.lang = flagValue(args, "lang")
	if e.lang == "" && e.getenv != nil {
		for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
			if l := e.getenv(v); l != "" {
				if strings.HasPrefix(l, "en") {
					e.lang = English
				}
				break
			}
		}
	}
	e.asked = e.lang != ""
	if e.lang == "" {
		e.lang = workspaceLanguage(flagValue(args, "workspace"))
	}
	e.p = newPrinter(e.lang)
}

// speak makes lang the language from now on, unless the user chose one.
func (e *env) speak(lang string) {
	if e.asked || lang == "" || lang == e.lang {
		return
	}
	e.lang, e.p = lang, newPrinter(lang)
}

// flagValue is the value of --name (or -name, or name=value) in args
// before any "--".
func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		n, v, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || n != name {
			continue
		}
		if hasValue {
			return v
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// workspaceLanguage reads only the language of config.yaml: the full
// load, and its problems, come later and are printed in this language.
func workspaceLanguage(dir string) string {
	if dir == "" {
		dir = "."
	}
	data, err := os.ReadFile(filepath.Join(dir, workspace.ConfigFile))
	if err != nil {
		return workspace.Traditional
	}
	var c struct {
		Language string `yaml:"language"`
	}
	if yaml.Unmarshal(data, &c) != nil || c.Language != workspace.Simplified {
		return workspace.Traditional
	}
	return workspace.Simplified
}

// problemsError is a workspace whose files have problems. The problems are
// the library's, written for the office in Traditional; the heading is
// printed in the user's language when the error reaches printError.
type problemsError struct{ err error }

func (p *problemsError) Error() string { return "workspace has problems:\n" + p.err.Error() }
func (p *problemsError) Unwrap() error { return p.err }

// printError is the one line (or list) a failed command leaves on stderr.
// Under zh-Hans the library's Traditional problems are converted too.
func (e *env) printError(command string, err error) {
	var nw *notWorkspaceError
	if errors.As(err, &nw) {
		abs, aerr := filepath.Abs(nw.dir)
		if aerr != nil {
			abs = nw.dir
		}
		e.printf(e.stderr, "countybrief %s：文件夾 %s 不是工作區（裡面沒有 %s）。請到工作區文件夾裡運行，或用 --workspace 寫出它的位置；還沒有工作區的，先用 countybrief init 文件夾 建一個。\n",
			command, abs, workspace.ConfigFile)
		return
	}
	if ledger.IsDiskFull(err) {
		// What the clerk can do comes first; the cause, which names the
		// file being written, after it.
		e.printf(e.stderr, "countybrief %s：磁盤滿了，寫不下去。收件箱、工作區和存檔裡的文件都還在，沒有丟失；請騰出磁盤空間（或請管理員擴容）後再運行一次，沒做完的會接著做完。\n（%s）\n",
			command, e.office(err.Error()))
		return
	}
	var pe *problemsError
	if !errors.As(err, &pe) {
		e.printf(e.stderr, "countybrief %s：%s\n", command, e.office(err.Error()))
		return
	}
	e.printf(e.stderr, "countybrief %s：工作區的文件有問題：\n%s\n", command, e.problems(pe.err))
}

// office is a text of the library's, written for the office in
// Traditional, in the workspace's script: converted under zh-Hans, as
// is under zh-Hant and en (the office's own words have no English).
func (e *env) office(s string) string {
	if e.lang != workspace.Simplified {
		return s
	}
	conv, err := workspace.Converter(workspace.Simplified)
	if err != nil {
		return s
	}
	return conv(s)
}

// text is a sentence a package wrote in both languages, in the user's.
func (e *env) text(t vocab.Text) string {
	if e.lang == English {
		return t.En
	}
	return e.office(t.Zh)
}

// problems is a list of problems in the user's language, one a line:
// the office's Chinese in its script, or English where the package that
// found a problem wrote it (vocab.Problem.En).
func (e *env) problems(err error) string {
	var ps vocab.Problems
	var one vocab.Problem
	if errors.As(err, &one) {
		ps = vocab.Problems{one}
	}
	if ps == nil && !errors.As(err, &ps) {
		if e.lang == English {
			return err.Error()
		}
		return e.office(err.Error())
	}
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = e.problem(p)
	}
	return strings.Join(lines, "\n")
}

func (e *env) problem(p vocab.Problem) string {
	if e.lang == English {
		return p.English()
	}
	return e.office(p.Error())
}

// label is a state as a person reads it: the office's word for it (label,
// in the workspace's script), or in English its code (overdue,
// accepted_latest_returned as accepted latest returned), which the JSON
// output carries too.
func (e *env) label(code, label string) string {
	if e.lang == English {
		return strings.ReplaceAll(code, "_", " ")
	}
	return e.office(label)
}
