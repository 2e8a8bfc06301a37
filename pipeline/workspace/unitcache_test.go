package workspace

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestUnitCache: the registry read back from the cache is the one the
// YAML gives; an edited units.yaml, a damaged cache or a registry with
// problems is never answered from the cache.
func TestUnitCache(t *testing.T) {
	tests := []struct {
		name string
		// before the second Load: change the workspace
		change func(t *testing.T, dir, work string)
		// what the second Load must give
		check func(t *testing.T, ws *Workspace, err error, fresh Units)
	}{
		{"unchanged: read from the cache", func(t *testing.T, dir, work string) {
			// A cache made for this very YAML but holding another registry
			// shows the cache is what is read.
			data := mustRead(t, filepath.Join(dir, UnitsFile))
			cacheUnits(work, unitCache{source: sha256.Sum256(data), kinds: []string{"縣直"},
				units: Units{{Code: "X1", Name: "緩存", Kind: "縣直", Contact: "王小紅", Phone: "0852-6223001"}}})
		}, func(t *testing.T, ws *Workspace, err error, _ Units) {
			if err != nil || len(ws.Units) != 1 || ws.Units[0].Name != "緩存" {
				t.Fatalf("Load = %v, %v; want the cached registry", err, ws)
			}
			if u := ws.Units[0]; u.Contact != "王小紅" || u.Phone != "0852-6223001" {
				t.Errorf("the cache lost the contact: %+v", u)
			}
			if u, ok := ws.Unit("X1"); !ok || u.Name != "緩存" {
				t.Errorf("Unit(X1) = %v %v after a load from the cache", u, ok)
			}
		}},
		{"units.yaml edited", func(t *testing.T, dir, _ string) {
			edit(t, filepath.Join(dir, UnitsFile), "name: 洋川鎮", "name: 洋川鎮人民政府")
		}, func(t *testing.T, ws *Workspace, err error, fresh Units) {
			if err != nil {
				t.Fatal(err)
			}
			if u, _ := ws.Unit("Z01"); u.Name != "洋川鎮人民政府" || len(ws.Units) != len(fresh) {
				t.Errorf("Z01 is %q after the edit, %d units", u.Name, len(ws.Units))
			}
		}},
		{"cache damaged", func(t *testing.T, _, work string) {
			path := filepath.Join(work, unitCacheFile)
			raw := mustRead(t, path)
			// A unit's name changed in place still decodes: only the
			// checksum tells.
			at := bytes.Index(raw, []byte("洋川鎮"))
			if at < 0 {
				t.Fatal("no 洋川鎮 in the cache")
			}
			raw[at+2] ^= 0x01
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, ws *Workspace, err error, fresh Units) {
			if err != nil || !reflect.DeepEqual(ws.Units, fresh) {
				t.Fatalf("Load after damage = %v; want the YAML's registry", err)
			}
		}},
		{"cache cut short", func(t *testing.T, _, work string) {
			path := filepath.Join(work, unitCacheFile)
			if err := os.WriteFile(path, mustRead(t, path)[:40], 0o644); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, ws *Workspace, err error, fresh Units) {
			if err != nil || !reflect.DeepEqual(ws.Units, fresh) {
				t.Fatalf("Load after a short cache = %v; want the YAML's registry", err)
			}
		}},
		{"registry with a problem", func(t *testing.T, dir, _ string) {
			edit(t, filepath.Join(dir, UnitsFile), "code: Z02", "code: Z01")
		}, func(t *testing.T, _ *Workspace, err error, _ Units) {
			if err == nil || !strings.Contains(err.Error(), `「Z01」已在第 11 行用過`) {
				t.Fatalf("Load = %v, want the duplicate code reported", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Init(dir, nil); err != nil {
				t.Fatal(err)
			}
			first, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			work := first.WorkDir()
			if err := os.MkdirAll(work, 0o755); err != nil {
				t.Fatal(err)
			}
			// Loaded again now that work/ exists: the cache is written.
			if _, err := Load(dir); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(work, unitCacheFile)); err != nil {
				t.Fatalf("no cache after a clean load: %v", err)
			}
			if tmp, _ := filepath.Glob(filepath.Join(work, ".*.tmp")); len(tmp) != 0 {
				t.Fatalf("temporary files left beside the cache: %v", tmp)
			}
			tt.change(t, dir, work)
			ws, err := Load(dir)
			tt.check(t, ws, err, first.Units)
		})
	}
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	s := string(mustRead(t, path))
	if !strings.Contains(s, old) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(s, old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkLoadRegion loads a workspace of 7,300 units, as every batch of
// a region starts: with the registry cached, and parsed from its YAML.
func BenchmarkLoadRegion(b *testing.B) {
	dir := b.TempDir()
	if _, err := Init(dir, nil); err != nil {
		b.Fatal(err)
	}
	var yml strings.Builder
	yml.WriteString("units:\n")
	for i := range 7300 {
		fmt.Fprintf(&yml, "    - code: U%04d\n      name: 示例單位%d\n      kind: 縣直\n      members: %d\n", i, i, 10+i%300)
	}
	if err := os.WriteFile(filepath.Join(dir, UnitsFile), []byte(yml.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	for _, cached := range []bool{true, false} {
		b.Run(fmt.Sprintf("cached=%v", cached), func(b *testing.B) {
			if cached {
				if err := os.MkdirAll(work, 0o755); err != nil {
					b.Fatal(err)
				}
			} else if err := os.RemoveAll(work); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				ws, err := Load(dir)
				if err != nil || len(ws.Units) != 7300 {
					b.Fatalf("%v", err)
				}
			}
		})
	}
}

// TestUnitCacheKeepsKinds: a registry from the cache has the kinds, in
// their order, that parsing its YAML gives.
func TestUnitCacheKeepsKinds(t *testing.T) {
	dir := t.TempDir()
	if _, err := Init(dir, nil); err != nil {
		t.Fatal(err)
	}
	// A listed kind no unit has, and the order changed: both kept.
	edit(t, filepath.Join(dir, UnitsFile), "kinds: [鄉鎮, 縣直]", "kinds: [街道, 縣直, 鄉鎮]")
	parsed, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(parsed.WorkDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the first writes the cache, the second reads it
		ws, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ws.Kinds, parsed.Kinds) || !reflect.DeepEqual(ws.Units, parsed.Units) {
			t.Fatalf("kinds %v from the cache, %v from the YAML", ws.Kinds, parsed.Kinds)
		}
	}
	if _, err := os.Stat(filepath.Join(parsed.WorkDir(), unitCacheFile)); err != nil {
		t.Fatal(err)
	}
}
