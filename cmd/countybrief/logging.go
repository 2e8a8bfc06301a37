package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sirupsen/logrus"
)

// writerHook sends entries of some levels to a writer in one format. Two of
// them split one logger: text on the terminal, JSON lines in the log file.
type writerHook struct {
	w      io.Writer
	format logrus.Formatter
	levels []logrus.Level
}

func (h *writerHook) Levels() []logrus.Level { return h.levels }

func (h *writerHook) Fire(e *logrus.Entry) error {
	line, err := h.format.Format(e)
	if err != nil {
		return err
	}
	_, err = h.w.Write(line)
	return err
}

// zoned shows entries in the office's zone: the terminal is read by a
// person, while the log file keeps the machine's time with its offset.
type zoned struct {
	logrus.Formatter
	loc *time.Location
}

func (z zoned) Format(e *logrus.Entry) ([]byte, error) {
	shown := *e
	shown.Time = e.Time.In(z.loc)
	return z.Formatter.Format(&shown)
}

// newLogger logs JSON lines of every info-or-worse entry to
// logs/countybrief.log, and text to the terminal: warnings and errors, or
// everything with verbose. The returned function closes the file.
func newLogger(stderr io.Writer, logsDir string, loc *time.Location, verbose bool) (*logrus.Logger, func(), error) {
	if err := os.MkdirAll(logsDir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("create logs folder: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(logsDir, "countybrief.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("open log: %w", err)
	}
	l := logrus.New()
	l.SetOutput(io.Discard)
	l.SetLevel(logrus.InfoLevel)
	terminal := logrus.AllLevels[:logrus.WarnLevel+1]
	if verbose {
		terminal = logrus.AllLevels
	}
	l.AddHook(&writerHook{w: stderr, format: zoned{&logrus.TextFormatter{FullTimestamp: true, TimestampFormat: secondLayout}, loc}, levels: terminal})
	l.AddHook(&writerHook{w: f, format: &logrus.JSONFormatter{}, levels: logrus.AllLevels})
	return l, func() { f.Close() }, nil
}
