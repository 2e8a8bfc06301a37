// Package workspace loads and validates the files an office edits:
// config.yaml, units.yaml and indicators.yaml. Every error names the file,
// the line and the field so that a clerk can find the mistake; Load reports
// all problems at once rather than the first.
//
// A workspace is one report: its own period, units, catalogue, rules,
// templates, inbox, ledger and issue numbering. An office that runs
// several reports (a campaign, a monthly 安全生產 check, a 防汛 roll
// call) keeps several workspaces side by side: each report has its own
// people, deadlines and numbering, and a mistake in one report's files
// can then never stop another's batch.
//
// Nothing in a workspace's shape is known to the program: the catalogue
// (indicators.yaml) has any sections, groups and indicator codes, and the
// registry (units.yaml) any kinds of unit, ordered by its kinds: list or
// else as they first appear. How each indicator merges is its aggregate
// (see AggSum and the others).
//
// The defaults are embedded, so Init can lay out a complete workspace on a
// machine with no network and no files beside the binary.
package workspace
