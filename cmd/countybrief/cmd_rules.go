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
		e.println(e.stderr, "usage: countybrief rules check|test [--workspace DIR]")
	}
	if len(args) == 0 {
		usage()
		return e.usageError("name a subcommand: check or test")
	}
	sub := args[0]
	switch sub {
	case "-h", "--help", "help":
		usage()
		return flag.ErrHelp
	case "check", "test":
	default:
		usage()
		return e.usageError("unknown subcommand %q: want check or test", sub)
	}
	var dir string
	fs := newFlags("rules "+sub, e, &dir)
	fs.Usage = func() {
		e.printf(e.stderr, "usage: countybrief rules %s [--workspace DIR]\n", sub)
		fs.PrintDefaults()
	}
	if err := parseArgs(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usageError("rules %s takes no arguments", sub)
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
			fmt.Fprintln(e.stdout, p)
		}
		return &exitError{code: 1, err: e.errorf("problems in the rule files: %d", len(ps))}
	case err != nil:
		return &exitError{code: 2, err: err}
	}
	if sub == "test" {
		return testRules(e, set)
	}
	errs := set.Test()
	for _, p := range set.Probe(ws.Units) {
		errs = append(errs, p)
	}
	for _, err := range errs {
		fmt.Fprintln(e.stdout, err)
	}
	if len(errs) > 0 {
		return &exitError{code: 1, err: e.errorf("examples with the wrong verdict, or rules that fail when they run: %d", len(errs))}
	}
	e.printf(e.stdout, "OK: %d rules\n", set.Len())
	return nil
}

func testRules(e *env, set *rules.Set) error {
	results := set.RunExamples()
	failed := 0
	for _, r := range results {
		fmt.Fprintln(e.stdout, r)
		if !r.OK() {
			failed++
		}
	}
	if failed > 0 {
		return &exitError{code: 1, err: e.errorf("examples failed: %d of %d", failed, len(results))}
	}
	e.printf(e.stdout, "OK: %d examples of %d rules\n", len(results), set.Len())
	return nil
}
