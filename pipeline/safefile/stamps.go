package safefile

import "time"

// StampMargin is how much older than the reading of a file or folder its
// change time must be for its stamp to stand for what was read: a file
// system stamps times from a clock that ticks coarsely (a few
// milliseconds on Linux), so a change made in the tick of the reading
// could leave the stamp as it was. The inbox's quiet folders and the
// registry's cache both judge their stamps by it.
const StampMargin = 2 * time.Second
