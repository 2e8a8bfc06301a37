// Package workspace loads and validates the files an office edits:
// config.yaml, units.yaml and indicators.yaml. Every error names the file,
// the line and the field so that a clerk can find the mistake; Load reports
// all problems at once rather than the first.
//
// The defaults are embedded, so Init can lay out a complete workspace on a
// machine with no network and no files beside the binary.
package workspace
