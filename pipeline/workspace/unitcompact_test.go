package workspace

import (
	"fmt"
	"reflect"
	"testing"
	"unsafe"
)

// TestDecodedUnitsKeepOnlyTheirText: the registry read from the cache is
// the one written, and its text is held in one string of that text alone
// (no payload, each kind once), whatever the units hold.
func TestDecodedUnitsKeepOnlyTheirText(t *testing.T) {
	tests := []struct {
		name  string
		units Units
	}{
		{"plain", Units{{Code: "Z01", Name: "洋川鎮", Kind: "鄉鎮", Members: 333}, {Code: "J01", Name: "縣委辦", Kind: "縣直"}}},
		{"contacts, prefill and a kind again", Units{
			{Code: "Z01", Name: "洋川鎮", Kind: "鄉鎮", Members: 3, Contact: "王小紅", Phone: "0852-6223001", Prefill: map[string]float64{"members": 3}},
			{Code: "Z02", Name: "鄭場鎮", Kind: "鄉鎮", Prefill: map[string]float64{"members": 3}},
			{Code: "Z03", Name: "旺草鎮", Kind: "鄉鎮", Prefill: map[string]float64{"members": 4, "branches": 2}},
		}},
		{"empty text", Units{{Code: "A", Kind: ""}, {Code: "B"}}},
		{"many", func() Units {
			var us Units
			for i := range 1000 {
				us = append(us, Unit{Code: fmt.Sprintf("U%04d", i), Name: fmt.Sprintf("單位%d", i), Kind: []string{"企業", "學校", "醫院"}[i%3], Members: i})
			}
			return us
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kinds := []string{"學校", "企業"}
			gotKinds, got, ok := decodeUnits(encodeUnits(nil, kinds, tt.units))
			if !ok || !reflect.DeepEqual(got, tt.units) || !reflect.DeepEqual(gotKinds, kinds) {
				t.Fatalf("decodeUnits = %v, %+v, %v; want %v, %+v", gotKinds, got, ok, kinds, tt.units)
			}
			var text int
			lo, hi := ^uintptr(0), uintptr(0)
			kindText := map[string]*byte{}
			for _, u := range got {
				for _, s := range []string{u.Code, u.Name, u.Contact, u.Phone} {
					if s == "" {
						continue
					}
					text += len(s)
					p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
					lo, hi = min(lo, p), max(hi, p+uintptr(len(s)))
				}
				if p, seen := kindText[u.Kind]; seen && u.Kind != "" && p != unsafe.StringData(u.Kind) {
					t.Errorf("kind %q held twice", u.Kind)
				}
				kindText[u.Kind] = unsafe.StringData(u.Kind)
			}
			if text > 0 && hi-lo != uintptr(text) {
				t.Errorf("the units' text spans %d bytes, want its own %d", hi-lo, text)
			}
		})
	}
}
