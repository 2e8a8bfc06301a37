package main

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"countybrief/pipeline/vocab"
)

// sameAsLogrus fails t unless jsonLine writes e as logrus' own
// JSONFormatter does.
func sameAsLogrus(t *testing.T, e *logrus.Entry) {
	t.Helper()
	got, err := (&jsonLine{}).Format(e)
	if err != nil {
		t.Fatal(err)
	}
	want, err := (&logrus.JSONFormatter{}).Format(e)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("jsonLine wrote\n%q\nlogrus\n%q", got, want)
	}
}

// textStatus is a text that encoding/json asks to write itself.
type textStatus string

func (textStatus) MarshalText() ([]byte, error) { return []byte("marshalled"), nil }

// TestLogLineMatchesLogrus: the log file's lines are logrus' JSON lines
// byte for byte, whether jsonLine writes them itself or leaves them to
// the JSONFormatter.
func TestLogLineMatchesLogrus(t *testing.T) {
	at := time.Date(2026, 12, 6, 4, 37, 8, 123456789, time.FixedZone("CST", 8*3600))
	done := logrus.Fields{"file": "示例2縣縣委辦公室四個一活動統計表.xlsx", "unit": "C002J01", "sha256": "cf9d9069",
		"status": vocab.FileDuplicate, "findings": 0, "archive": "archive/accepted/2008-12/C002J01@表.xlsx", "run": int64(7)}
	with := func(k string, v any) logrus.Fields {
		f := logrus.Fields{"unit": "Z01"}
		f[k] = v
		return f
	}
	for _, tt := range []struct {
		name  string
		msg   string
		data  logrus.Fields
		plain bool
	}{
		{"file done", "file done", done, true},
		{"no fields", "batch completed", nil, true},
		{"an error", "cannot read a claimed file; rejecting it", with("error", errors.New("open 表.xlsx: permission denied")), true},
		{"booleans and unsigned", "stage done", logrus.Fields{"ok": true, "no": false, "bytes": uint32(1 << 31), "n": int8(-3)}, true},
		{"html in a value", "file done", with("file", "a<b>&c.xlsx"), false},
		{"quote in an error", "x", with("error", errors.New(`open "a": gone`)), false},
		{"control character", "x", with("file", "a\tb"), false},
		{"invalid UTF-8", "x", with("file", "\xe8\xa1.xlsx"), false},
		{"line separator in the message", "a\u2028b", nil, false},
		{"key logrus adds", "x", with("time", "now"), false},
		{"key logrus adds for errors", "x", with("logrus_error", "e"), false},
		{"key to escape", "x", with("a&b", 1), false},
		{"float", "x", with("seconds", 1.5), false},
		{"time value", "x", with("at", at), false},
		{"text marshaller", "x", with("status", textStatus("accepted")), false},
		{"nil", "x", with("none", nil), false},
		{"slice", "x", with("units", []string{"Z01"}), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := &logrus.Entry{Time: at, Level: logrus.InfoLevel, Message: tt.msg, Data: tt.data}
			if _, ok := plainLine(e); ok != tt.plain {
				t.Errorf("written without the JSONFormatter = %v, want %v", ok, tt.plain)
			}
			sameAsLogrus(t, e)
		})
	}
}

func FuzzLogLine(f *testing.F) {
	f.Add("file done", "file", "示例縣表.xlsx", "C002J01", int64(3), true)
	f.Add("a\"<b>&\u2028", "fields.msg", "\x00\xff", "level", int64(-1), false)
	f.Fuzz(func(t *testing.T, msg, key, text, text2 string, n int64, b bool) {
		e := &logrus.Entry{Time: time.Unix(n, 0).UTC(), Level: logrus.Level(uint64(n) % 7), Message: msg,
			Data: logrus.Fields{key: text, "unit": text2, "n": n, "b": b, "error": errors.New(text2)}}
		sameAsLogrus(t, e)
	})
}

// BenchmarkLogLine: a "file done" line of the log file, by logrus'
// JSONFormatter and by jsonLine, in one run.
func BenchmarkLogLine(b *testing.B) {
	e := &logrus.Entry{Time: time.Now(), Level: logrus.InfoLevel, Message: "file done",
		Data: logrus.Fields{"file": "示例2縣縣委辦公室四個一活動統計表.xlsx", "unit": "C002J01",
			"sha256": "cf9d90690b1c4a5a4b3e0ac1f1e3b3a9d4e1c0a7f6b2d8e9c3a1b5d7e9f0a2c4", "status": vocab.FileDuplicate,
			"findings": 0, "archive": "archive/accepted/2008-12/C002J01@示例2縣縣委辦公室四個一活動統計表__20261205T074855Z__cf9d9069.xlsx", "run": int64(7)}}
	for _, f := range []struct {
		name   string
		format logrus.Formatter
	}{{"JSONFormatter", &logrus.JSONFormatter{}}, {"jsonLine", &jsonLine{}}} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				line, err := f.format.Format(e)
				if err != nil {
					b.Fatal(err)
				}
				io.Discard.Write(line)
			}
		})
	}
}
