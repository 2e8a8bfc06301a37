package form

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"countybrief/pipeline/workspace"
)

// corpus is every file the tests read: the bad and odd files, the forms
// of foreign writers, and forms written here.
func corpus(t testing.TB, ws *workspace.Workspace) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, dir := range []string{badDir, foreignDir} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files[filepath.Base(dir)+"/"+e.Name()] = data
		}
	}
	for _, code := range []string{"Z01", "J05"} {
		var buf bytes.Buffer
		if err := WriteBlank(&buf, ws.Catalogue, unit(t, ws, code), "2008-12"); err != nil {
			t.Fatal(err)
		}
		files["written/blank-"+code+".xlsx"] = buf.Bytes()
	}
	var buf bytes.Buffer
	if err := WriteFilled(&buf, ws.Catalogue, unit(t, ws, "Z01"), "2008-12", sampleIdentity(), sampleValues()); err != nil {
		t.Fatal(err)
	}
	files["written/filled.xlsx"] = buf.Bytes()
	return files
}

// TestFastReaderMatchesExcelize reads every file of the corpus with both
// readers: where the fast one does not give up, it must give exactly what
// excelize gives, and it may give up only on the files listed.
func TestFastReaderMatchesExcelize(t *testing.T) {
	ws := loadWorkspace(t)
	// Formulas without a cached value (openpyxl never caches one), a
	// merge over an empty value cell, and a workbook part cut short.
	wantBail := []string{
		"bad/broken-xml.xlsx", "bad/formula-no-cache.xlsx", "bad/merged-value.xlsx",
		"bad/self-reference.xlsx", "bad/whole-sheet-formula.xlsx", "foreign/openpyxl.xlsx",
	}
	var bailed []string
	read := 0
	// One Reader for the whole corpus, as in a batch: the damaged files
	// share all but one part with good ones, which the cache must not
	// lend them.
	shared := NewReader(ws.Catalogue, DefaultLimits())
	for name, data := range corpus(t, ws) {
		nf, zr := sniff(name, data)
		if nf != nil {
			continue
		}
		read++
		alone := NewReader(ws.Catalogue, DefaultLimits())
		sub, fs, ok := shared.readFast(zr, data)
		if aloneSub, aloneFs, aloneOK := alone.readFast(zr, data); aloneOK != ok || !reflect.DeepEqual(aloneSub, sub) || !reflect.DeepEqual(aloneFs, fs) {
			t.Errorf("%s: read with the shared parts of other forms: %v %+v %+v; alone: %v %+v %+v", name, ok, sub, fs, aloneOK, aloneSub, aloneFs)
		}
		if !ok {
			bailed = append(bailed, name)
			continue
		}
		fullSub, fullFs := alone.readFull(data)
		if !reflect.DeepEqual(sub, fullSub) {
			t.Errorf("%s: fast reader read\n%+v\nexcelize\n%+v", name, sub, fullSub)
		}
		if !reflect.DeepEqual(fs, fullFs) {
			t.Errorf("%s: fast reader found\n%+v\nexcelize\n%+v", name, fs, fullFs)
		}
	}
	slices.Sort(bailed)
	if !slices.Equal(bailed, wantBail) {
		t.Errorf("fast reader gave up on %v, want %v", bailed, wantBail)
	}
	if read < 40 {
		t.Errorf("only %d XLSX files compared", read)
	}
}

// TestReadZip: a file read through a zip directory the caller opened
// reads exactly as through ReadBytes, whatever the file.
func TestReadZip(t *testing.T) {
	ws := loadWorkspace(t)
	rd := NewReader(ws.Catalogue, DefaultLimits())
	zips := 0
	for name, data := range corpus(t, ws) {
		if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			continue
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			continue
		}
		zips++
		sub, fs := rd.ReadZip(data, zr)
		wantSub, wantFs := NewReader(ws.Catalogue, DefaultLimits()).ReadBytes(name, data)
		if !reflect.DeepEqual(sub, wantSub) || !reflect.DeepEqual(fs, wantFs) {
			t.Errorf("%s: ReadZip read %+v %+v, ReadBytes %+v %+v", name, sub, fs, wantSub, wantFs)
		}
	}
	if zips < 40 {
		t.Errorf("only %d zips compared", zips)
	}
}
