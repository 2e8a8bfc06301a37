// Command countybrief checks the county's unit reports and writes the
// briefing. Each subcommand lives in its own cmd_*.go file; this file only
// dispatches and turns errors into exit codes.
//
// Exit codes: 0 success; 1 the command ran and found problems (a file with
// errors for check, a broken rule for rules check, a failed batch for run);
// 2 usage or configuration error; 3 another batch is running on the
// workspace (run without --wait).
//
// Language: every message is written at its call in Traditional Chinese
// and printed through env.tr, printf, println, usageError or errorf
// (lang.go), which look it up in a golang.org/x/text/message catalogue
// keyed by that Traditional text. English is messages_en.go; Simplified
// is made from the keys by OpenCC t2s. The language is --lang, else an
// en locale (LC_ALL, LC_MESSAGES, LANG), else config.yaml's language.
// The library's own texts (workspace problems, findings, rule messages)
// are the office's and stay Chinese, converted to Simplified under zh-Hans
// (env.office); a problem whose package wrote its English
// (vocab.Problem.En, as every rule-file problem has) is printed in
// English under --lang en. Log lines on a terminal: see newLogger.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime/debug"
	"strings"
	"syscall"

	"golang.org/x/text/message"

	"countybrief/pipeline"
	"countybrief/pipeline/vocab"
	"countybrief/pipeline/workspace"
)

// command is one subcommand: its flags are declared on fs inside run.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what every command gets from the process.
type env struct {
	stdout, stderr io.Writer
	// getenv reads the locale; nil is no locale.
	getenv func(string) string
	// lang is English or a workspace script; p prints in it.
	lang string
	p    *message.Printer
	// asked is whether the user chose lang (--lang, a locale), rather
	// than the workspace's config.yaml or the default.
	asked bool
}

func commands() []command {
	return []command{
		{"init", N("建立新的工作區"), runInit},
		{"validate", N("檢查工作區設定"), runValidate},
		{"template", N("生成各單位的空白填報表"), runTemplate},
		{"check", N("單位自查填好的表"), runCheck},
		{"run", N("處理收件箱，生成簡報草稿"), runBatch},
		{"publish", N("把草稿發布為正式的一期"), runPublish},
		{"reprint", N("從台帳和存檔重印一期並比對"), runReprint},
		{"demo", N("生成示例縣並運行"), runDemo},
		{"rules", N("檢查和測試審核規則"), runRules},
		{"history", N("查看單位的報送記錄"), runHistory},
		{"explain", N("全縣數從哪裡來"), runExplain},
		{"status", N("報送情況"), runStatus},
		{"close-period", N("關閉報送期"), runClosePeriod},
		{"reopen-period", N("重新開放報送期（須寫原因）"), runReopenPeriod},
		{"next-period", N("關閉本期，改到下一期"), runNextPeriod},
		{"ledger", N("從存檔重建台帳"), runLedger},
		{"serve", N("按計劃定時運行"), runServe},
		{"users", N("網上報送的賬號：建、重設密碼、停用、列出"), runUsers},
		{"fonts", N("列出找到的字體"), runFonts},
	}
}

// exitError carries an exit code chosen by a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, e *env) int {
	e.chooseLanguage(args)
	switch e.lang {
	case English, workspace.Traditional, workspace.Simplified:
	default:
		// A language the program cannot speak is a mistake to say at
		// once, not a silent fall back to Traditional.
		e.lang, e.p = workspace.Traditional, nil
		e.printf(e.stderr, "countybrief：%s\n", e.tr("--lang 只能是 en、zh-Hant 或 zh-Hans"))
		return 2
	}
	// --lang before the command is the global flag; after it, each
	// command's flag set takes it (newFlags).
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && strings.HasPrefix(strings.TrimLeft(args[0], "-"), "lang") {
		if strings.Contains(args[0], "=") {
			args = args[1:]
		} else {
			args = args[min(2, len(args)):]
		}
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(e, e.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" || args[0] == "version" {
		fmt.Fprintln(e.stdout, versionLine(e))
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		if err == nil {
			return 0
		}
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if fe := (*flagError)(nil); errors.As(err, &fe) {
			err = flagProblem(e, c.name, fe)
		}
		// The office's files stopped the command, whichever: a list of
		// problems and exit 2, as validate gives.
		var coded *exitError
		var ps vocab.Problems
		if !errors.As(err, &coded) && (errors.Is(err, pipeline.ErrConfig) || errors.As(err, &ps)) {
			err = configError(err)
		}
		e.printError(c.name, err)
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	e.printf(e.stderr, "countybrief：沒有「%s」這個命令\n", args[0])
	printUsage(e, e.stderr)
	return 2
}

func printUsage(e *env, w io.Writer) {
	e.println(w, "用法：countybrief [--lang en|zh-Hant|zh-Hans] <命令> [選項]\n\n命令：")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, e.tr(c.summary))
	}
	e.println(w, "\n每個命令都可以用 --workspace 文件夾 指定工作區（默認是當前文件夾）。`countybrief <命令> -h` 列出該命令的選項；`countybrief --version` 顯示版本。\n程序說話用工作區的字（config.yaml 的 language）；--lang en 或以 en 開頭的 LANG、LC_ALL 改用英文。")
}

// newFlags makes a command's flag set with the common --workspace flag.
func newFlags(name string, e *env, workspace *string) *flag.FlagSet {
	fs := flag.NewFlagSet("countybrief "+name, flag.ContinueOnError)
	// The flag package's own words are English: its errors come back
	// through parseArgs as a flagError, and help is printFlags'.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		e.printf(e.stderr, "用法：countybrief %s [選項]\n", name)
		printFlags(e, fs)
	}
	fs.StringVar(workspace, "workspace", ".", e.tr("工作區`文件夾`（默認是當前文件夾）"))
	fs.StringVar(&e.lang, "lang", e.lang, e.tr("程序說話用的`語言`：en（英文）、zh-Hant（繁體）或 zh-Hans（簡體）；默認按工作區和 LANG"))
	return fs
}

// parseArgs parses flags wherever they stand among the arguments
// (`check FILE --json`), as a clerk types them; everything after "--" is
// an argument.
func parseArgs(fs *flag.FlagSet, args []string) error {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue // Parse names it
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 == len(args) {
			// A value flag last of all has no value: let Parse say so,
			// before a "--" of ours could pass for its value.
			return parseFlags(fs, flags)
		}
		i++
		flags = append(flags, args[i])
	}
	return parseFlags(fs, append(append(flags, "--"), rest...))
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		// fs.Parse has printed the usage (fs.Usage) already.
		return &flagError{err}
	}
	return err
}

// flagError is a mistake in a command's flags, in the flag package's
// English; run says it in the user's language (flagProblem).
type flagError struct{ err error }

func (f *flagError) Error() string { return f.err.Error() }
func (f *flagError) Unwrap() error { return f.err }

// The flag package's errors, by the words it writes them in.
var (
	flagUndefined = regexp.MustCompile(`^flag provided but not defined: -(.+)$`)
	flagNoValue   = regexp.MustCompile(`^flag needs an argument: -(.+)$`)
	flagBadValue  = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for flag -([^:]+): (.*)$`)
)

// flagProblem is a flag mistake as a usage error in the user's language;
// what the flag package said of a bad value stays as the detail.
func flagProblem(e *env, command string, fe *flagError) error {
	msg := fe.err.Error()
	if m := flagUndefined.FindStringSubmatch(msg); m != nil {
		return e.usageError("沒有 -%s 這個選項；countybrief %s -h 列出可用的選項", m[1], command)
	}
	if m := flagNoValue.FindStringSubmatch(msg); m != nil {
		return e.usageError("選項 -%s 後面要寫一個值", m[1])
	}
	if m := flagBadValue.FindStringSubmatch(msg); m != nil {
		return e.usageError("選項 -%s 的值「%s」不對（%s）", m[2], m[1], m[3])
	}
	return e.usageError("選項寫得不對：%s", msg)
}

// printFlags lists a command's flags as flag.PrintDefaults does, in the
// user's language: a flag's value is named by the `word` its help
// quotes, else by its kind.
func printFlags(e *env, fs *flag.FlagSet) {
	kinds := map[string]string{"string": e.tr("文字"), "int": e.tr("整數"), "duration": e.tr("時長"), "value": e.tr("值")}
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if k, ok := kinds[name]; ok {
			name = k
		}
		line := "  -" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(e.stderr, "%s\n    \t%s", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
		// A help that says its default (a default worked out, as
		// --lang's, or -1 for "from config.yaml") says it better.
		switch {
		case strings.Contains(usage, e.tr("默認")):
		case f.DefValue == "" || f.DefValue == "0" || f.DefValue == "false" || f.DefValue == "0s":
		default:
			e.printf(e.stderr, "（默認 %s）", f.DefValue)
		}
		fmt.Fprintln(e.stderr)
	})
}

// versionLine is the module version and the commit the binary was built
// from, so that an office can tell which build judged its files.
func versionLine(e *env) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return e.tr("countybrief（沒有構建信息）")
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	line := e.tr("countybrief 版本 %s", bi.Main.Version)
	if rev := settings["vcs.revision"]; rev != "" {
		line += e.tr("，提交 %s", rev[:min(12, len(rev))])
		if t := settings["vcs.time"]; t != "" {
			line += e.tr("（%s）", t)
		}
		if settings["vcs.modified"] == "true" {
			line += e.tr("，含未提交的改動")
		}
	}
	return line + e.tr("，%s %s/%s 構建", bi.GoVersion, settings["GOOS"], settings["GOARCH"])
}
