package main

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"countybrief/internal/plainjson"
)

// jsonLine writes the log file's lines exactly as logrus' JSONFormatter
// does, but without encoding/json's reflection over a fresh map when
// every field is a string, an integer, a boolean or an error, its text
// plain (plainjson.Plain), and named apart from the keys logrus adds;
// every other entry goes to the JSONFormatter itself. A batch logs a line
// for every file from the one goroutine that records and archives them:
// at 73,000 files the JSONFormatter was 0.47 s of that goroutine's CPU.
//
// The one difference it cannot see: an entry given a func as a field
// value gets a "logrus_error" key from the JSONFormatter, recorded where
// a hook cannot read it. No stage logs a func.
type jsonLine struct{ fallback logrus.JSONFormatter }

func (f *jsonLine) Format(e *logrus.Entry) ([]byte, error) {
	if line, ok := plainLine(e); ok {
		return line, nil
	}
	return f.fallback.Format(e)
}

// lineField is a field of a plain line: its value is written between
// quotes when it is a text, as it is when a number or a boolean.
type lineField struct {
	key, value string
	text       bool
}

// plainLine is e's line, when every key and value can be written as it is.
func plainLine(e *logrus.Entry) ([]byte, bool) {
	if !plainjson.Plain(e.Message) {
		return nil, false
	}
	var room [16]lineField
	fields := room[:0]
	size := 64 + len(e.Message)
	for k, v := range e.Data {
		switch k {
		case logrus.FieldKeyTime, logrus.FieldKeyMsg, logrus.FieldKeyLevel, logrus.FieldKeyLogrusError:
			return nil, false // the JSONFormatter renames these "fields.…"
		}
		value, text, ok := plainValue(v)
		if !ok || !plainjson.Plain(k) {
			return nil, false
		}
		fields = append(fields, lineField{k, value, text})
		size += len(k) + len(value) + 6
	}
	fields = append(fields,
		lineField{logrus.FieldKeyLevel, e.Level.String(), true},
		lineField{logrus.FieldKeyMsg, e.Message, true},
		lineField{logrus.FieldKeyTime, e.Time.Format(time.RFC3339), true})
	// encoding/json writes a map's keys in order.
	slices.SortFunc(fields, func(a, b lineField) int { return strings.Compare(a.key, b.key) })
	line := make([]byte, 0, size)
	line = append(line, '{')
	for i, f := range fields {
		if i > 0 {
			line = append(line, ',')
		}
		line = append(line, '"')
		line = append(line, f.key...)
		line = append(line, `":`...)
		if f.text {
			line = append(line, '"')
			line = append(line, f.value...)
			line = append(line, '"')
		} else {
			line = append(line, f.value...)
		}
	}
	return append(line, "}\n"...), true
}

// plainValue is v as encoding/json writes it, and whether that is a text,
// when v is a plain text, an integer or a boolean, or an error (logrus
// logs its message); ok is false for any other value.
func plainValue(v any) (value string, text, ok bool) {
	switch v := v.(type) {
	case string:
		return v, true, plainjson.Plain(v)
	case error:
		s := v.Error()
		return s, true, plainjson.Plain(s)
	case int:
		return strconv.Itoa(v), false, true
	case int64:
		return strconv.FormatInt(v, 10), false, true
	case bool:
		return strconv.FormatBool(v), false, true
	case json.Marshaler, encoding.TextMarshaler:
		return "", false, false // encoding/json asks the value itself
	}
	// A named type (vocab.FileStatus) is written as its kind.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		s := rv.String()
		return s, true, plainjson.Plain(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), false, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(rv.Uint(), 10), false, true
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool()), false, true
	}
	return "", false, false
}
