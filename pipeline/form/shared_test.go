package form

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"countybrief/pipeline/vocab"
)

// TestSharedParts reads a form, then variants of another form of the same
// template through the same Reader: each must read exactly as it does
// through a Reader of its own, whether its parts came from the cache or
// differ from the cached ones in a way that makes them fail to unzip.
// The damage lies in parts that precede the sheet, so that a lent part
// would hide it.
func TestSharedParts(t *testing.T) {
	ws := loadWorkspace(t)
	filled := func(members float64) []byte {
		values := sampleValues()
		values["members"] = members
		var buf bytes.Buffer
		if err := WriteFilled(&buf, ws.Catalogue, unit(t, ws, "Z01"), "2008-12", sampleIdentity(), values); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	first, second := filled(333), filled(444)
	tests := []struct {
		name    string
		data    []byte
		members float64 // 0: not read
	}{
		// A checksum error excelize overlooks: the fast reader leaves
		// the file to it.
		{"another form of the template", second, 444},
		{"styles damaged", alterPart(t, second, "xl/styles.xml", breakDeflate), 0},
		{"theme's data descriptor has another checksum", alterPart(t, second, "xl/theme/theme1.xml", func(_, desc []byte) { desc[5] ^= 1 }), 444},
		{"workbook damaged", alterPart(t, second, "xl/workbook.xml", breakDeflate), 0},
	}
	rd := NewReader(ws.Catalogue, DefaultLimits())
	if sub, fs := rd.ReadBytes("first.xlsx", first); sub == nil || len(fs) > 0 || sub.Values["members"] != 333 {
		t.Fatalf("first form read as %+v %+v", sub, fs)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, fs := rd.ReadBytes("form.xlsx", tt.data)
			aloneSub, aloneFs := NewReader(ws.Catalogue, DefaultLimits()).ReadBytes("form.xlsx", tt.data)
			if !reflect.DeepEqual(sub, aloneSub) || !reflect.DeepEqual(fs, aloneFs) {
				t.Fatalf("with shared parts: %+v %+v\nalone: %+v %+v", sub, fs, aloneSub, aloneFs)
			}
			switch {
			case tt.members == 0 && sub != nil:
				t.Fatalf("a damaged file read as %+v", sub.Values)
			case tt.members != 0 && (sub == nil || sub.Values["members"] != tt.members):
				t.Fatalf("read %+v %+v, want members %v", sub, fs, tt.members)
			}
		})
	}
}

// breakDeflate makes a part's first deflate block one of the reserved
// type, which no inflater accepts.
func breakDeflate(raw, _ []byte) { raw[0] = 0xFF }

// alterPart returns a copy of an XLSX file with the compressed bytes of one
// part, and the data descriptor after them, changed by alter.
func alterPart(t *testing.T, data []byte, name string, alter func(raw, desc []byte)) []byte {
	t.Helper()
	out := bytes.Clone(data)
	zr, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if zf.Name != name {
			continue
		}
		if zf.Flags&0x8 == 0 {
			t.Fatalf("%s has no data descriptor", name)
		}
		off, err := zf.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		end := off + int64(zf.CompressedSize64)
		desc := out[end : end+16]
		if binary.LittleEndian.Uint32(desc) != 0x08074b50 {
			t.Fatalf("%s: no data descriptor signature after the data", name)
		}
		alter(out[off:end], desc)
		return out
	}
	t.Fatalf("no part %s", name)
	return nil
}

// TestScratchReused reads forms of distinct units and figures one after
// another through one Reader, whose workbook memory each form takes over
// from the last: what a read returned must not change with the reads
// after it, and must be what a Reader of its own reads.
func TestScratchReused(t *testing.T) {
	ws := loadWorkspace(t)
	rd := NewReader(ws.Catalogue, DefaultLimits())
	type read struct {
		sub *Submission
		fs  []vocab.Finding
	}
	var forms [][]byte
	var got []read
	for i, u := range ws.Units[:min(len(ws.Units), 12)] {
		values := sampleValues()
		values["members"] = float64(1000 + i)
		id := sampleIdentity()
		id.UnitCode, id.UnitName = u.Code, u.Name
		if i%3 == 0 {
			id.FilledBy = strings.Repeat("填", i+1) // findings and identity of other lengths
		}
		var buf bytes.Buffer
		if err := WriteFilled(&buf, ws.Catalogue, u, "2008-12", id, values); err != nil {
			t.Fatal(err)
		}
		forms = append(forms, buf.Bytes())
		sub, fs := rd.ReadBytes("form.xlsx", buf.Bytes())
		if sub == nil {
			t.Fatalf("%s: %+v", u.Code, fs)
		}
		got = append(got, read{sub, fs})
	}
	for i, data := range forms {
		sub, fs := NewReader(ws.Catalogue, DefaultLimits()).ReadBytes("form.xlsx", data)
		if !reflect.DeepEqual(got[i].sub, sub) || !reflect.DeepEqual(got[i].fs, fs) {
			t.Errorf("form %d changed after later reads:\n%+v %+v\nread alone:\n%+v %+v", i, got[i].sub, got[i].fs, sub, fs)
		}
		if got[i].sub.Values["members"] != float64(1000+i) {
			t.Errorf("form %d: members %v", i, got[i].sub.Values["members"])
		}
	}
}

// TestReaderShared reads forms of distinct figures on four goroutines
// through one Reader, as a batch's workers do: the Scratches, the shared
// parts and what is parsed of them once serve them all, and each form
// reads as through a Reader of its own. Run with -race it also checks
// that nothing is shared unguarded.
func TestReaderShared(t *testing.T) {
	ws := loadWorkspace(t)
	var forms [][]byte
	var want []*Submission
	for i, u := range ws.Units[:min(len(ws.Units), 8)] {
		values := sampleValues()
		values["members"] = float64(2000 + i)
		var buf bytes.Buffer
		if err := WriteFilled(&buf, ws.Catalogue, u, "2008-12", sampleIdentity(), values); err != nil {
			t.Fatal(err)
		}
		forms = append(forms, buf.Bytes())
		sub, _ := NewReader(ws.Catalogue, DefaultLimits()).ReadBytes("form.xlsx", buf.Bytes())
		want = append(want, sub)
	}
	rd := NewReader(ws.Catalogue, DefaultLimits())
	errs := make(chan string, 4*len(forms)*5)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 5 * len(forms) {
				i := (k + w) % len(forms)
				if sub, fs := rd.ReadBytes("form.xlsx", forms[i]); !reflect.DeepEqual(sub, want[i]) {
					errs <- fmt.Sprintf("worker %d, form %d: %+v %+v", w, i, sub, fs)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
