//go:build !linux

package inbox

// renameNoReplace renames old to new unless a file is at new. Claim names
// carry a random part, so the window between the check and the rename
// only matters for two claims in one second drawing the same 32 bits.
func renameNoReplace(old, new string) error { return renameChecked(old, new) }
