package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"countybrief/pipeline/workspace"
)

// Every event a stage or the web desk logs (Debug is never logged) has the Chinese a person at
// the terminal reads.
func TestEveryLogEventHasChinese(t *testing.T) {
	event := regexp.MustCompile(`\.(?:Info|Warn|Error)\("([^"]+)"\)`)
	found := 0
	for _, root := range []string{"../../pipeline", "../../web"} {
		_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range event.FindAllStringSubmatch(string(src), -1) {
				found++
				if _, ok := logEvents[m[1]]; !ok {
					t.Errorf("%s: the event %q has no Chinese in logEvents", path, m[1])
				}
			}
			return nil
		})
	}
	if found < 20 {
		t.Errorf("found only %d log events: is the pattern still right?", found)
	}
}

// On a terminal a person reads the event in the workspace's script, the
// fields as logged and the time in the office's zone with its offset; the
// log file and any other stderr keep logrus' English structured lines.
func TestLogLinesForAPerson(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	entry := &logrus.Entry{Time: time.Date(2026, 12, 4, 20, 12, 59, 0, time.UTC), Level: logrus.WarnLevel,
		Message: "cannot read a claimed file; rejecting it", Data: logrus.Fields{"unit": "Z01", "file": "表.xlsx"}}
	for _, tt := range []struct{ lang, want string }{
		{workspace.Traditional, "2026-12-05 04:12:59 +08:00 注意 已取走的文件讀不了，作退回處理 file=表.xlsx unit=Z01\n"},
		{workspace.Simplified, "2026-12-05 04:12:59 +08:00 注意 已取走的文件读不了，作退回处理 file=表.xlsx unit=Z01\n"},
	} {
		e := &env{lang: tt.lang}
		got, err := personLine{e: e, loc: loc}.Format(entry)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.lang, got, err, tt.want)
		}
	}

	var stderr bytes.Buffer
	dir := t.TempDir()
	e := &env{stderr: &stderr, stdout: &stderr, lang: workspace.Traditional}
	log, closeLog, err := newLogger(e, dir, loc, false, false)
	if err != nil {
		t.Fatal(err)
	}
	log.WithField("unit", "Z01").Warn("cannot read a claimed file; rejecting it")
	closeLog()
	file, err := os.ReadFile(filepath.Join(dir, "countybrief.log"))
	if err != nil {
		t.Fatal(err)
	}
	for what, out := range map[string]string{"a stderr that is no terminal": stderr.String(), "the log file": string(file)} {
		if !strings.Contains(out, "cannot read a claimed file; rejecting it") || !strings.Contains(out, "Z01") || strings.Contains(out, "作退回處理") {
			t.Errorf("%s: %q, want the English structured line", what, out)
		}
	}
}

// The logger's own output is discarded, so it formats nothing: the hooks
// format what they write.
func TestLoggerFormatsOnlyForItsHooks(t *testing.T) {
	e := &env{stderr: io.Discard, stdout: io.Discard, lang: workspace.Traditional}
	log, closeLog, err := newLogger(e, t.TempDir(), time.UTC, false, true)
	if err != nil {
		t.Fatal(err)
	}
	defer closeLog()
	entry := log.WithFields(logrus.Fields{"unit": "Z01", "file": "表.xlsx"})
	entry.Message, entry.Level = "file done", logrus.InfoLevel
	if line, err := log.Formatter.Format(entry); len(line) != 0 || err != nil {
		t.Errorf("the discarded output is formatted: %q, %v", line, err)
	}
}
