package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"countybrief/pipeline/vocab"
	"countybrief/rules"
)

// runRules checks the workspace's rule files offline, before a batch meets
// them:
//
//	countybrief rules check [--workspace DIR]  compile every rule against the
//	                                           catalogue, run its examples, and
//	                                           run it over made-up figures (every
//	                                           value blank, zero, large; with and
//	                                           without a previous period) to find
//	                                           rules that fail when they run
//	countybrief rules test [--workspace DIR]   run the examples, one line each
//
// Every problem is printed as file:line:col: rule <id>: <field>: <problem>.
// Exit status: 0 every rule compiles, every example gets the verdict it
// wants and no rule fails on made-up figures; 1 otherwise; 2 usage error, or
// the workspace or its rules folder cannot be read.
func runRules(ctx context.Context, e *env, args []string) error {
	usage := func() {
		e.println(e.stderr, "用法：countybrief rules check|test [--workspace 工作區]")
	}
	if len(args) == 0 {
		usage()
		return e.usageError("請寫出子命令：check（檢查規則）或 test（運行示例）")
	}
	sub := args[0]
	switch sub {
	case "-h", "--help", "help":
		usage()
		return flag.ErrHelp
	case "check", "test":
	default:
		usage()
		return e.usageError("沒有「%s」這個子命令：只能是 check 或 test", sub)
	}
	var dir string
	fs := newFlags("rules "+sub, e, &dir)
	fs.Usage = func() {
		e.printf(e.stderr, "用法：countybrief rules %s [--workspace 工作區]\n", sub)
		printFlags(e, fs)
	}
	if err := parseArgs(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usageError("rules %s 不用寫參數", sub)
	}
	ws, err := loadWorkspace(dir)
	if err != nil {
		return err
	}
	set, err := rules.LoadDir(ws.RulesDir(), ws.Catalogue, ws.Kinds)
	var ps vocab.Problems
	switch {
	case errors.As(err, &ps):
		for _, p := range ps {
			fmt.Fprintln(e.stdout, e.problem(p))
		}
		return &exitError{code: 1, err: e.errorf("規則文件有 %d 個問題，見上面的清單", len(ps))}
	case err != nil:
		return &exitError{code: 2, err: e.errorf("讀不了規則文件夾：%v", err)}
	}
	if sub == "test" {
		return testRules(e, set)
	}
	errs := set.Test()
	for _, p := range set.Probe(ws.Units) {
		errs = append(errs, p)
	}
	for _, err := range errs {
		fmt.Fprintln(e.stdout, e.problems(err))
	}
	if len(errs) > 0 {
		return &exitError{code: 1, err: e.errorf("有 %d 個問題：示例的結果不符，或規則運行時出錯，見上面的清單", len(errs))}
	}
	e.printf(e.stdout, "規則沒有問題：共 %d 條\n", set.Len())
	return nil
}

func testRules(e *env, set *rules.Set) error {
	results := set.RunExamples()
	failed := 0
	for _, r := range results {
		fmt.Fprintln(e.stdout, e.problem(r.Problem()))
		if !r.OK() {
			failed++
		}
	}
	if failed > 0 {
		return &exitError{code: 1, err: e.errorf("%d 個示例（共 %d 個）結果不符", failed, len(results))}
	}
	e.printf(e.stdout, "示例全部符合：%d 條規則的 %d 個示例\n", set.Len(), len(results))
	return nil
}
