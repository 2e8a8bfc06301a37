package pipeline

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"countybrief/pipeline/vocab"
)

// encoded is r as WriteJSON's encoder writes a file result.
func encoded(t testing.TB, r *FileResult) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("    ", "  ")
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// TestPlainResultMatchesEncoder: the summary's fast path writes a file
// result byte for byte as encoding/json would, and leaves to the encoder
// every result whose texts it cannot write as they are.
func TestPlainResultMatchesEncoder(t *testing.T) {
	plain := FileResult{Name: "示例2縣縣委辦公室四個一活動統計表.xlsx", Unit: "C002J01", Period: "2008-12",
		SHA256: "cf9d9069", Status: vocab.FileDuplicate, ArchivePath: "archive/accepted/2008-12/C002J01@表__20261205T074855Z__cf9d9069.xlsx"}
	with := func(change func(*FileResult)) FileResult {
		r := plain
		change(&r)
		return r
	}
	for _, tt := range []struct {
		name  string
		r     FileResult
		plain bool
	}{
		{"duplicate", plain, true},
		{"recovered, with a return copy", with(func(r *FileResult) {
			r.Recovered, r.ReturnPath, r.Status = true, "outbox/2008-12/退回/C002J01/表.xlsx", vocab.FileRejected
		}), true},
		{"empty texts", FileResult{}, true},
		{"findings", with(func(r *FileResult) { r.Findings = []vocab.Finding{{Rule: "form.required", Message: "缺"}} }), false},
		{"quote", with(func(r *FileResult) { r.Name = `a"b.xlsx` }), false},
		{"backslash", with(func(r *FileResult) { r.ArchivePath = `archive\x` }), false},
		{"html", with(func(r *FileResult) { r.Name = "a<b>&c.xlsx" }), false},
		{"control", with(func(r *FileResult) { r.Name = "a\tb\x7f.xlsx" }), false},
		{"line separator", with(func(r *FileResult) { r.Unit = "J\u2028" }), false},
		{"invalid UTF-8", with(func(r *FileResult) { r.Name = "\xe8\xa1.xlsx" }), false},
		{"DEL is plain", with(func(r *FileResult) { r.Name = "a\x7f.xlsx" }), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			ok := appendPlainResult(&b, &tt.r)
			if ok != tt.plain {
				t.Fatalf("fast path taken = %v, want %v", ok, tt.plain)
			}
			if !ok {
				if b.Len() != 0 {
					t.Errorf("wrote %q while leaving the result to the encoder", b.Bytes())
				}
				return
			}
			if want := encoded(t, &tt.r); !bytes.Equal(b.Bytes(), want) {
				t.Errorf("fast path wrote\n%s\nencoder\n%s", b.Bytes(), want)
			}
		})
	}
}

// TestPlainResultKnowsEveryField: the fast path writes FileResult's
// fields by name; a field added to FileResult must be taught to it, or
// the summary would silently lose the field for every plain result.
func TestPlainResultKnowsEveryField(t *testing.T) {
	var tags []string
	rt := reflect.TypeFor[FileResult]()
	for i := range rt.NumField() {
		tags = append(tags, rt.Field(i).Tag.Get("json"))
	}
	want := []string{"name", "unit", "period", "sha256", "status", "archive_path", "return_path,omitempty", "findings,omitempty", "recovered,omitempty"}
	if !slices.Equal(tags, want) {
		t.Errorf("FileResult's fields are %q; appendPlainResult writes %q: teach it the change", tags, want)
	}
}

func FuzzPlainResult(f *testing.F) {
	f.Add("示例縣蒲場鎮統計表.xlsx", "Z04", "archive/accepted/2008-12/Z04@表.xlsx", "", false)
	f.Add("a\"<b>&\u2028.xlsx", "J\\01", "x\x00", "outbox/退回", true)
	f.Fuzz(func(t *testing.T, name, unit, archive, ret string, recovered bool) {
		r := FileResult{Name: name, Unit: unit, Period: "2008-12", SHA256: "ab", Status: vocab.FileAccepted,
			ArchivePath: archive, ReturnPath: ret, Recovered: recovered}
		var b bytes.Buffer
		if !appendPlainResult(&b, &r) {
			return
		}
		if want := encoded(t, &r); !bytes.Equal(b.Bytes(), want) {
			t.Errorf("fast path wrote\n%q\nencoder\n%q", b.Bytes(), want)
		}
	})
}
