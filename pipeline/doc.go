// Package pipeline runs one batch: it is the only place that knows the
// order of the stages (pickup, read, check, ledger, archive, merge,
// render). Each stage lives in its own package under pipeline/ and passes
// values, not files, to the next; only the inbox folders and the ledger
// hold state that must survive a crash, so recovery is short: claims left
// in work/ are finished from their ledger row or processed again.
package pipeline
