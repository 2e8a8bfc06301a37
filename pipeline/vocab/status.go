package vocab

// FileStatus is what a batch decided about one received file.
type FileStatus string

const (
	// FileAccepted: the file passed the checks; its values count.
	FileAccepted FileStatus = "accepted"
	// FileRejected: the file had an error finding and goes back to the unit.
	FileRejected FileStatus = "rejected"
	// FileDuplicate: a byte-identical copy of an accepted file of the same
	// unit; recorded so that every received file has a row, never counted.
	FileDuplicate FileStatus = "duplicate"
)

// RunStatus is how a batch run ended, or that it has not.
type RunStatus string

const (
	// RunRunning: started and not yet finished.
	RunRunning RunStatus = "running"
	// RunInterrupted: still running when the next run started, so the
	// process died; the next run finished its files.
	RunInterrupted RunStatus = "interrupted"
	// RunCompleted: every file taken and the outputs written.
	RunCompleted RunStatus = "completed"
	// RunFailed: the batch stopped on an error; the next run finishes it.
	RunFailed RunStatus = "failed"
	// RunStopped: a stop request ended the taking of files; every claimed
	// file was finished.
	RunStopped RunStatus = "stopped"
)
