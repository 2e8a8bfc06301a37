package typeset

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// nameTable is a name table of the format with records of (language,
// name ID, text); a record whose text is nil points past the table.
func nameTable(format uint16, recs ...nameRec) []byte {
	be := binary.BigEndian
	head := make([]byte, 6+12*len(recs))
	be.PutUint16(head, format)
	be.PutUint16(head[2:], uint16(len(recs)))
	be.PutUint16(head[4:], uint16(len(head)))
	var texts []byte
	for i, r := range recs {
		e := head[6+12*i:]
		be.PutUint16(e, 3)
		be.PutUint16(e[2:], 1)
		be.PutUint16(e[4:], r.lang)
		be.PutUint16(e[6:], r.id)
		be.PutUint16(e[8:], uint16(len(r.text)))
		be.PutUint16(e[10:], uint16(len(texts)))
		if r.text == nil {
			be.PutUint16(e[8:], 40)
			be.PutUint16(e[10:], 0xFF00)
		}
		texts = append(texts, r.text...)
	}
	return append(head, texts...)
}

type nameRec struct {
	lang, id uint16
	text     []byte
}

func TestCoreNames(t *testing.T) {
	family := nameRec{0x409, 1, []byte("\x00F\x00a\x00m")}
	ps := nameRec{0x409, 6, []byte("\x00P\x00S")}
	licence := nameRec{0x409, 13, bytes.Repeat([]byte("\x00L"), 500)}
	tagged := nameRec{0x8000, 1, []byte("\x00T")}
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"the core names kept, the licence dropped", nameTable(0, family, ps, licence), nameTable(0, family, ps)},
		{"no name table", nil, nameTable(0)},
		{"cut short in its records, before their texts", nameTable(0, family, ps)[:20], nameTable(0)},
		{"a record pointing past the table", nameTable(0, family, nameRec{0x409, 4, nil}, ps), nameTable(0, family, ps)},
		{"format 1's language tags dropped", nameTable(1, family, tagged), nameTable(0, family)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := coreNames(tt.in); !bytes.Equal(got, tt.want) {
				t.Errorf("coreNames = %x\nwant        %x", got, tt.want)
			}
		})
	}
}

// FuzzCoreNames: whatever a face's name table holds, the table written
// is one coreNames reads back whole.
func FuzzCoreNames(f *testing.F) {
	f.Add(nameTable(0, nameRec{0x409, 1, []byte("\x00F")}, nameRec{0x409, 13, []byte("\x00L")}))
	f.Add(nameTable(1, nameRec{0x8001, 2, []byte("x")}))
	f.Fuzz(func(t *testing.T, data []byte) {
		out := coreNames(data)
		if again := coreNames(out); !bytes.Equal(again, out) {
			t.Errorf("coreNames(%x) = %x, which reads back as %x", data, out, again)
		}
	})
}

// TestSubsetWithoutName: a face without a name table, which fpdf reads in
// every face it embeds, is cut into a subset that has one, empty.
func TestSubsetWithoutName(t *testing.T) {
	const path = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (apt-get install fonts-liberation2)", err)
	}
	l, err := readLayout(bytes.NewReader(data), int64(len(data)), 0)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string][]byte{}
	for _, tb := range l.tables {
		if tb.tag != "name" {
			tables[tb.tag] = data[tb.src : tb.src+tb.size]
		}
	}
	bare := filepath.Join(t.TempDir(), "bare.ttf")
	if err := os.WriteFile(bare, assemble(tables), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFace(bare, 0)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := f.Subset([]rune("2008"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := readLayout(bytes.NewReader(sub), int64(len(sub)), 0)
	if err != nil {
		t.Fatal(err)
	}
	size := map[string]int64{}
	for _, tb := range got.tables {
		size[tb.tag] = tb.size
	}
	if size["name"] != 6 {
		t.Errorf("subset's name table has %d bytes, want an empty one (6)", size["name"])
	}
}
