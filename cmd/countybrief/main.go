// Command countybrief checks the county's unit reports and writes the
// briefing. Each subcommand lives in its own cmd_*.go file; this file only
// dispatches and turns errors into exit codes.
//
// Exit codes: 0 success; 1 the command ran and found problems (a file with
// errors for check, a broken rule for rules check, a failed batch for run);
// 2 usage or configuration error; 3 another batch is running on the
// workspace (run without --wait).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
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
}

func commands() []command {
	return []command{
		{"init", "建立新的工作區 / create a workspace", runInit},
		{"validate", "檢查工作區設定 / validate the workspace files", runValidate},
		{"template", "生成各單位的空白填報表 / write blank forms", runTemplate},
		{"check", "單位自查填好的表 / check filled forms", runCheck},
		{"run", "處理收件箱，生成簡報草稿 / run one batch", runBatch},
		{"publish", "把草稿發布為正式的一期 / publish the next issue", runPublish},
		{"reprint", "從台帳和存檔重印一期並比對 / reprint an issue and compare", runReprint},
		{"demo", "生成示例縣並運行 / build the sample county and run", runDemo},
		{"rules", "檢查和測試審核規則 / check and test rule files", runRules},
		{"history", "查看單位的報送記錄 / a unit's submissions", runHistory},
		{"explain", "全縣數從哪裡來 / where a county figure came from", runExplain},
		{"status", "報送情況 / reporting status per unit", runStatus},
		{"close-period", "關閉報送期 / close a period", runClosePeriod},
		{"reopen-period", "重新開放報送期（須寫原因） / reopen a period, with a reason", runReopenPeriod},
		{"next-period", "關閉本期，改到下一期 / close the period and move config.yaml to the next", runNextPeriod},
		{"ledger", "從存檔重建台帳 / rebuild the ledger from the archive", runLedger},
		{"serve", "按計劃定時運行 / run batches on the schedule", runServe},
		{"fonts", "列出找到的字體 / list the fonts found", runFonts},
	}
}

// exitError carries an exit code chosen by a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(e.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" || args[0] == "version" {
		fmt.Fprintln(e.stdout, versionLine())
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
		fmt.Fprintf(e.stderr, "countybrief %s: %v\n", c.name, err)
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	fmt.Fprintf(e.stderr, "countybrief：沒有「%s」這個命令\n", args[0])
	printUsage(e.stderr)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "用法：countybrief <命令> [選項]\n\n命令：")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\n每個命令都可以用 --workspace 文件夾 指定工作區（默認是當前文件夾）。`countybrief <命令> -h` 列出該命令的選項；`countybrief --version` 顯示版本。")
}

// newFlags makes a command's flag set with the common --workspace flag.
func newFlags(name string, e *env, workspace *string) *flag.FlagSet {
	fs := flag.NewFlagSet("countybrief "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(workspace, "workspace", ".", "工作區文件夾（默認是當前文件夾）")
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
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return fs.Parse(append(append(flags, "--"), rest...))
}

// versionLine is the module version and the commit the binary was built
// from, so that an office can tell which build judged its files.
func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "countybrief（沒有構建信息）"
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	line := "countybrief 版本 " + bi.Main.Version
	if rev := settings["vcs.revision"]; rev != "" {
		line += "，提交 " + rev[:min(12, len(rev))]
		if t := settings["vcs.time"]; t != "" {
			line += "（" + t + "）"
		}
		if settings["vcs.modified"] == "true" {
			line += "，含未提交的改動"
		}
	}
	return line + "，" + bi.GoVersion + " " + settings["GOOS"] + "/" + settings["GOARCH"] + " 構建"
}
