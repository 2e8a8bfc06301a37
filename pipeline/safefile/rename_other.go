//go:build !linux

package safefile

// RenameNoReplace renames old to new unless a file is at new, failing then
// with an error satisfying errors.Is(err, fs.ErrExist). Here the check and
// the rename are two steps: a file another process puts at new between
// them is replaced, so callers rename only to names no other process
// makes (a random part, or a content hash).
func RenameNoReplace(old, new string) error { return renameChecked(old, new) }
