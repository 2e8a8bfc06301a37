package form

import (
	"archive/zip"
	"bytes"
	"countybrief/pipeline/vocab"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzRead feeds arbitrary bytes, seeded with every good, odd, bad and
// hostile file,
// to Read and to WriteReturn: neither may panic, and Read must either
// return a full Submission or say with an error finding why not. Where the
// fast reader does not give up, it must read what excelize reads. The
// seeds include stored (uncompressed) copies without checksums, so that
// mutations reach the XML itself.
func FuzzRead(f *testing.F) {
	for _, dir := range []string{badDir, foreignDir, hostileDir} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			// The zip bomb would make every mutation unzip 65 MB.
			if len(data) <= 64<<10 {
				f.Add(data)
			}
			if stored := storedCopy(data); stored != nil && len(stored) <= 128<<10 {
				f.Add(stored)
			}
		}
	}
	ws := loadWorkspace(f)
	inputs := len(ws.Catalogue.Inputs())
	// One Reader for every input, as in a batch, so that mutations of the
	// corpus meet parts already in its shared-part cache.
	rd := NewReader(ws.Catalogue, DefaultLimits())
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "form.xlsx")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sub, fs, err := Read(path, ws.Catalogue, DefaultLimits())
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if nf, zr := sniff(path, data); nf == nil {
			if fastSub, fastFs, ok := rd.readFast(zr, data); ok {
				fullSub, fullFs := rd.readFull(data)
				if !reflect.DeepEqual(fastSub, fullSub) || !reflect.DeepEqual(fastFs, fullFs) {
					t.Fatalf("fast reader read %+v %+v, excelize %+v %+v", fastSub, fastFs, fullSub, fullFs)
				}
			}
		}
		if sub == nil && !vocab.HasError(fs) {
			t.Fatalf("no submission and no error finding: %+v", fs)
		}
		if sub != nil {
			for code := range sub.Unreadable {
				if _, ok := sub.Values[code]; ok {
					t.Fatalf("%s both read and unreadable", code)
				}
			}
			if len(sub.Values)+len(sub.Unreadable) != inputs {
				t.Fatalf("%d values and %d unreadable, want %d together", len(sub.Values), len(sub.Unreadable), inputs)
			}
			if len(sub.Unreadable) > 0 && !vocab.HasError(fs) {
				t.Fatalf("unreadable %v without an error finding", sub.Unreadable)
			}
		}
		for _, fd := range fs {
			if !strings.HasPrefix(fd.Rule, "form.") || fd.Message == "" || fd.Fix == "" {
				t.Fatalf("malformed finding %+v", fd)
			}
		}
		var buf bytes.Buffer
		if err := WriteReturn(&buf, path, sub, fs, nil); err != nil {
			t.Fatalf("WriteReturn: %v", err)
		}
	})
}

// storedCopy rewrites a zip with every part stored and no checksum (which
// archive/zip then does not check), or returns nil for a file that is not
// a zip.
func storedCopy(data []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return nil
		}
		var body bytes.Buffer
		_, err = body.ReadFrom(rc)
		rc.Close()
		if err != nil {
			return nil
		}
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: zf.Name, Method: zip.Store,
			CompressedSize64: uint64(body.Len()), UncompressedSize64: uint64(body.Len()),
		})
		if err != nil {
			return nil
		}
		if _, err := w.Write(body.Bytes()); err != nil {
			return nil
		}
	}
	if err := zw.Close(); err != nil {
		return nil
	}
	return out.Bytes()
}
