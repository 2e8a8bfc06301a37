package pipeline

// WithBeforeSync has a batch tell before its outputs' one sync which
// files it is about to sync; an error ends the batch there, as a crash
// would.
func WithBeforeSync(o *Options, before func(files []string) error) { o.beforeSync = before }
