package rules

import "countybrief/pipeline/workspace"

// Problem is one thing wrong with a rule file, placed so that the office can
// go to the line: "file:line:col: rule <id>: <field>: <msg>". It is the
// workspace's Problem, so that one check of the workspace lists both.
type Problem = workspace.Problem

// Problems is every problem found while loading a set of rule files; a load
// reports all of them rather than the first.
type Problems = workspace.Problems
