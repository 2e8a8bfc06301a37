package lock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ErrLocked means another process holds the lock. Acquire returns it
// wrapped in a *HeldError.
var ErrLocked = errors.New("locked by another process")

// retryEvery is how often a waiting Acquire tries again. Polling rather
// than a blocking lock call, so that waiting can be cancelled.
const retryEvery = 250 * time.Millisecond

// Holder is what the holding process writes into the lock file.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
}

// HeldError says who holds the lock. Holder is zero when the holder had
// not yet written its details when they were read.
type HeldError struct {
	Path   string
	Holder Holder
}

func (e *HeldError) Error() string {
	if e.Holder.PID == 0 {
		return fmt.Sprintf("%s is held by another process", e.Path)
	}
	return fmt.Sprintf("%s is held by pid %d on %s since %s", e.Path, e.Holder.PID, e.Holder.Host, e.Holder.Started.Format(time.RFC3339))
}

func (e *HeldError) Unwrap() error { return ErrLocked }

// Lock is a held lock; Release it when the batch is done.
type Lock struct {
	f *os.File
}

// Acquire takes the lock at path, creating the file and its folder. When
// the lock is held it fails at once with a *HeldError, or with wait keeps
// trying until it gets the lock or ctx is done (then the error wraps both
// the *HeldError and ctx's error).
func Acquire(ctx context.Context, path string, wait bool) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create lock folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	for {
		err := tryLock(f)
		if err == nil {
			break
		}
		if !errors.Is(err, errWouldBlock) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		held := &HeldError{Path: path, Holder: holderOf(f)}
		if !wait {
			f.Close()
			return nil, held
		}
		timer := time.NewTimer(retryEvery)
		select {
		case <-ctx.Done():
			timer.Stop()
			f.Close()
			return nil, fmt.Errorf("%w (stopped waiting: %w)", held, ctx.Err())
		case <-timer.C:
		}
	}
	l := &Lock{f: f}
	if err := l.writeHolder(); err != nil {
		return nil, errors.Join(fmt.Errorf("write lock holder: %w", err), l.Release())
	}
	return l, nil
}

func (l *Lock) writeHolder() error {
	host, err := os.Hostname()
	if err != nil {
		host = "?"
	}
	data, err := json.Marshal(Holder{PID: os.Getpid(), Host: host, Started: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	if _, err := l.f.WriteAt(data, 0); err != nil {
		return err
	}
	return l.f.Sync()
}

// readHolder reads the holder's details through the loser's own handle;
// unreadable details (not written yet, or garbage) give a zero Holder.
// holderOf reads who holds the lock. A holder writes its details just
// after it takes the lock, so a process that meets the lock in that
// instant waits a little for them rather than naming nobody.
func holderOf(f *os.File) Holder {
	h := readHolder(f)
	for i := 0; h.PID == 0 && i < holderWaits; i++ {
		time.Sleep(holderPause)
		h = readHolder(f)
	}
	return h
}

// holderWaits × holderPause bounds the wait for a new holder's details:
// writing them takes microseconds; a holder that never writes (killed in
// that instant) costs a locked-out command a tenth of a second.
const (
	holderWaits = 20
	holderPause = 5 * time.Millisecond
)

func readHolder(f *os.File) Holder {
	var h Holder
	data, err := io.ReadAll(io.NewSectionReader(f, 0, 4096))
	if err != nil {
		return Holder{}
	}
	if json.Unmarshal(data, &h) != nil {
		return Holder{}
	}
	return h
}

// Release empties the file, so that stale details are never shown, and
// gives the lock up. Releasing twice is harmless.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	err := errors.Join(f.Truncate(0), unlock(f), f.Close())
	if err != nil {
		return fmt.Errorf("release lock: %w", err)
	}
	return nil
}
