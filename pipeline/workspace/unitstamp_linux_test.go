package workspace

import (
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"countybrief/pipeline/internal/testuser"
	"countybrief/pipeline/safefile"
)

// TestUnitCacheStamp: the cache is believed without reading units.yaml
// only while the file's stamp is the one the cache took, long enough
// after the file last changed; an edit that keeps the size and the
// modification time, or a copy put in its place, is read.
func TestUnitCacheStamp(t *testing.T) {
	later := func() time.Time { return time.Now().Add(time.Minute) }
	// plant writes a cache of one made-up unit under a made-up digest,
	// stamped with the file as it is now, read at read: believed, it
	// gives that unit and that digest, which no reading of the YAML can.
	bogus := sha256.Sum256([]byte("not units.yaml"))
	plant := func(t *testing.T, dir string, read func(fileStamp) int64) {
		f, err := os.Open(filepath.Join(dir, UnitsFile))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		stamp, ok := stampOf(f, 0)
		if !ok {
			t.Fatal("no stamp on the test's file system: it must be one whose stamps hold (ext4, tmpfs, ...)")
		}
		stamp.read = read(stamp)
		cacheUnits(filepath.Join(dir, "work"), unitCache{source: bogus, stamp: stamp, kinds: []string{"縣直"},
			units: Units{{Code: "X1", Name: "緩存", Kind: "縣直"}}})
	}
	long := func(s fileStamp) int64 { return s.ctime + int64(time.Hour) }
	tests := []struct {
		name     string
		change   func(t *testing.T, dir string)
		believed bool
	}{
		{"unchanged", func(t *testing.T, dir string) { plant(t, dir, long) }, true},
		{"read within the margin of its last change", func(t *testing.T, dir string) {
			plant(t, dir, func(s fileStamp) int64 { return s.ctime + int64(safefile.StampMargin) - 1 })
		}, false},
		{"edited in place, size and modification time kept", func(t *testing.T, dir string) {
			plant(t, dir, long)
			path := filepath.Join(dir, UnitsFile)
			data := mustRead(t, path)
			edited := strings.Replace(string(data), "name: 洋川鎮", "name: 洋山鎮", 1)
			if len(edited) != len(data) || edited == string(data) {
				t.Fatal("the edit must keep the size")
			}
			writeAsOf(t, path, path, []byte(edited))
		}, false},
		{"stamp holds, registry does not decode", func(t *testing.T, dir string) {
			plant(t, dir, long)
			// A payload cut after its kinds, sealed again: whole to the
			// checksum, not to decodeUnits.
			path := filepath.Join(dir, "work", unitCacheFile)
			raw := mustRead(t, path)
			head := len(unitCacheMagic) + 4 + unitCacheHead
			raw = append(raw[:head:head], encodeUnits(nil, []string{"縣直"}, nil)[:len("縣直")+2]...)
			binary.LittleEndian.PutUint32(raw[len(unitCacheMagic):], payloadSum(raw[len(unitCacheMagic)+4:]))
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"a link, pointed at another file", func(t *testing.T, dir string) {
			path := filepath.Join(dir, UnitsFile)
			data := mustRead(t, path)
			for _, name := range []string{"a.yaml", "b.yaml"} {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			pointAt := func(target string) {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, path); err != nil {
					t.Fatal(err)
				}
			}
			pointAt("a.yaml")
			plant(t, dir, long)
			pointAt("b.yaml")
		}, false},
		{"replaced by a copy", func(t *testing.T, dir string) {
			plant(t, dir, long)
			path := filepath.Join(dir, UnitsFile)
			writeAsOf(t, path, path+".new", mustRead(t, path))
			if err := os.Rename(path+".new", path); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, _ := withWork(t)
			tt.change(t, dir)
			ws, err := load(dir, later)
			if err != nil {
				t.Fatal(err)
			}
			sum, _ := ws.UnitsSum()
			if got := sum == bogus && len(ws.Units) == 1 && ws.Units[0].Name == "緩存"; got != tt.believed {
				t.Errorf("cache believed: %v, want %v (%d units)", got, tt.believed, len(ws.Units))
			}
			if !tt.believed && (sum != sha256.Sum256(mustRead(t, filepath.Join(dir, UnitsFile))) || len(ws.Units) < 2) {
				t.Errorf("not believed, yet the YAML's registry and digest were not what Load gave")
			}
		})
	}
}

// withWork is a new workspace with its work folder, where the cache goes.
func withWork(t *testing.T) (dir, work string) {
	t.Helper()
	dir = t.TempDir()
	if _, err := Init(dir, nil); err != nil {
		t.Fatal(err)
	}
	work = filepath.Join(dir, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, work
}

// writeAsOf writes data to path, with the modification time that of has.
func writeAsOf(t *testing.T, of, path string, data []byte) {
	t.Helper()
	info, err := os.Stat(of)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
}

// TestUnitCacheStampedAnew: a cache that holds the registry of the YAML
// under no stamp (written when the file had just changed) is stamped
// once the file's change lies far enough back, so that the start after
// need not read the YAML; the registry is the cache's throughout.
func TestUnitCacheStampedAnew(t *testing.T) {
	dir, work := withWork(t)
	path := filepath.Join(dir, UnitsFile)
	cacheUnits(work, unitCache{source: sha256.Sum256(mustRead(t, path)), kinds: []string{"縣直"},
		units: Units{{Code: "X1", Name: "緩存", Kind: "縣直"}}})
	for _, when := range []struct {
		name    string
		now     func() time.Time
		stamped bool
	}{
		{"just after the change", time.Now, false},
		{"a minute on", func() time.Time { return time.Now().Add(time.Minute) }, true},
	} {
		ws, err := load(dir, when.now)
		if err != nil || len(ws.Units) != 1 || ws.Units[0].Name != "緩存" {
			t.Fatalf("%s: load = %v, %d units; want the cache's one", when.name, err, len(ws.Units))
		}
		c, payload, ok := readUnitCache(work)
		if ok {
			c.kinds, c.units, ok = decodeUnits(payload)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		now, _ := stampOf(f, 0)
		f.Close()
		if got := ok && c.stamp.trusted() && c.stamp.same(now); got != when.stamped {
			t.Errorf("%s: cache stamped %v, want %v", when.name, got, when.stamped)
		}
		if ok && (len(c.units) != 1 || c.units[0].Name != "緩存") {
			t.Errorf("%s: stamping changed the cached registry: %+v", when.name, c.units)
		}
	}
}

// TestUnitCacheWorkNotWritable: a batch run by a user who may not write
// the work folder loads the YAML's registry every time, whether there is
// no cache or one it may read but not stamp anew, and leaves nothing
// behind.
func TestUnitCacheWorkNotWritable(t *testing.T) {
	if !testuser.Nobody(t) {
		return
	}
	later := func() time.Time { return time.Now().Add(time.Minute) }
	for _, tt := range []struct {
		name  string
		cache bool
	}{{"no cache", false}, {"a cache to stamp anew", true}} {
		t.Run(tt.name, func(t *testing.T) {
			dir, work := withWork(t)
			parsed, err := Load(dir) // writes a cache under no trusted stamp
			if err != nil {
				t.Fatal(err)
			}
			if !tt.cache {
				if err := os.Remove(filepath.Join(work, unitCacheFile)); err != nil {
					t.Fatal(err)
				}
			}
			testuser.Chmod(t, work, 0o555)
			for range 2 {
				ws, err := load(dir, later)
				if err != nil || !reflect.DeepEqual(ws.Units, parsed.Units) || !reflect.DeepEqual(ws.Kinds, parsed.Kinds) {
					t.Fatalf("load with work/ read-only = %v; want the YAML's registry", err)
				}
			}
			entries, err := os.ReadDir(work)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{false: 0, true: 1}[tt.cache]; len(entries) != want {
				t.Errorf("work/ holds %d entries, want %d", len(entries), want)
			}
		})
	}
}
