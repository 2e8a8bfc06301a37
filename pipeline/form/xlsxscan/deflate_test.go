package xlsxscan

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// flateVerdict is what archive/zip makes of a deflated part of size
// bytes: its text when compress/flate decodes it to exactly that many.
func flateVerdict(in []byte, size int) ([]byte, bool) {
	out, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(in)), int64(size)+1))
	return out, err == nil && len(out) == size
}

// checkInflate holds inflate to compress/flate on one stream, at the size
// compress/flate gives it, one byte either side and far more.
func checkInflate(t *testing.T, in []byte) {
	t.Helper()
	full, _ := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(in)), 1<<20))
	for _, size := range []int{len(full), len(full) + 1, len(full) - 1, len(full) + 300} {
		if size < 0 {
			continue
		}
		want, ok := flateVerdict(in, size)
		out := make([]byte, size)
		err := inflate(out, in)
		if ok != (err == nil) {
			t.Fatalf("stream of %d bytes at size %d: inflate accepts %v, compress/flate %v (%v)", len(in), size, err == nil, ok, err)
		}
		if ok && !bytes.Equal(out, want) {
			t.Fatalf("stream of %d bytes: inflate gives other text", len(in))
		}
	}
}

// streams are deflate streams of every kind compress/flate writes, of
// the texts a form holds and of others: stored, fixed and dynamic codes,
// long matches, more than one block.
func streams(t testing.TB) [][]byte {
	var texts [][]byte
	for _, name := range []string{"excelize.xlsx", "libreoffice.xlsx", "openpyxl.xlsx"} {
		data, err := os.ReadFile(filepath.Join(foreignDir, name))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			text, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, text)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 100<<10)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	texts = append(texts, nil, []byte("a"), []byte(strings.Repeat("ab", 40000)), random,
		[]byte(strings.Repeat("四個一活動統計表", 5000)))
	var out [][]byte
	for _, text := range texts {
		for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, flate.BestSpeed, 5, flate.BestCompression} {
			var buf bytes.Buffer
			w, err := flate.NewWriter(&buf, level)
			if err != nil {
				t.Fatal(err)
			}
			// A flush in the middle makes an empty stored block.
			w.Write(text[:len(text)/2])
			w.Flush()
			w.Write(text[len(text)/2:])
			w.Close()
			out = append(out, buf.Bytes())
		}
	}
	return out
}

func TestInflateMatchesFlate(t *testing.T) {
	for _, s := range streams(t) {
		checkInflate(t, s)
	}
}

// TestInflateDamaged damages streams (cut short, bits flipped, bytes
// added) and asks the same verdict of inflate as of compress/flate.
func TestInflateDamaged(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range streams(t) {
		if len(s) > 4000 {
			s = s[:4000]
		}
		for cut := range min(len(s), 40) {
			checkInflate(t, s[:len(s)-cut])
		}
		for range 60 {
			bad := bytes.Clone(s)
			if len(bad) > 0 {
				bad[rng.IntN(len(bad))] ^= 1 << rng.IntN(8)
			}
			checkInflate(t, bad)
		}
		checkInflate(t, append(bytes.Clone(s), 0xff, 0x00))
	}
	// Hand-made streams: every block type, empty and degenerate codes.
	for _, s := range [][]byte{
		{}, {0x07}, {0x01, 0x00, 0x00, 0xff, 0xff}, {0x01, 0x00, 0x00, 0xff, 0xfe},
		{0x03, 0x00}, {0x02}, {0x05, 0xc0, 0x21, 0x00, 0x00, 0x00, 0x80, 0xa0, 0xfd, 0xff, 0x07},
	} {
		checkInflate(t, s)
	}
}

// bitWriter writes a deflate stream by hand, least significant bit first.
type bitWriter struct {
	out   []byte
	nbits int
}

func (w *bitWriter) bits(v, n int) {
	for i := range n {
		if w.nbits%8 == 0 {
			w.out = append(w.out, 0)
		}
		w.out[len(w.out)-1] |= byte(v>>i&1) << (w.nbits % 8)
		w.nbits++
	}
}

// code writes a Huffman code, its most significant bit first.
func (w *bitWriter) code(c, n int) {
	for i := n - 1; i >= 0; i-- {
		w.bits(c>>i&1, 1)
	}
}

// dynamicBlock writes one final dynamic block whose literal/length
// lengths are lit and distance lengths dist, sent with a code length
// code giving 1, 2, 17 and 18 two bits each; data is codes to write
// after the tables, as (code, length) pairs.
func dynamicBlock(lit, dist []int, data [][2]int) []byte {
	var w bitWriter
	w.bits(1, 1)
	w.bits(2, 2)
	w.bits(len(lit)-257, 5)
	w.bits(len(dist)-1, 5)
	w.bits(18-4, 4)
	for _, sym := range codeOrder[:18] {
		n := 0
		if sym == 1 || sym == 2 || sym == 17 || sym == 18 {
			n = 2
		}
		w.bits(n, 3)
	}
	cl := map[int]int{1: 0, 2: 1, 17: 2, 18: 3}
	all := append(append([]int{}, lit...), dist...)
	for i := 0; i < len(all); {
		if all[i] != 0 {
			w.code(cl[all[i]], 2)
			i++
			continue
		}
		run := 0
		for i+run < len(all) && all[i+run] == 0 && run < 138 {
			run++
		}
		switch {
		case run >= 11:
			w.code(cl[18], 2)
			w.bits(run-11, 7)
		case run >= 3:
			w.code(cl[17], 2)
			w.bits(run-3, 3)
		default:
			panic("a run of zeros too short for this code")
		}
		i += run
	}
	for _, c := range data {
		w.code(c[0], c[1])
	}
	return w.out
}

// TestInflateRefusesAsFlate: streams built to pass every other check but
// one that compress/flate makes.
func TestInflateRefusesAsFlate(t *testing.T) {
	lengths := func(n int, set map[int]int) []int {
		l := make([]int, n)
		for sym, n := range set {
			l[sym] = n
		}
		return l
	}
	// "a" (code 0) and the end of the block: code 11 after 255's 10, or
	// 10 before 286's 11.
	data, before := [][2]int{{0, 1}, {3, 2}}, [][2]int{{0, 1}, {2, 2}}
	// A distance before the start of the text, in a fixed-code block.
	var far bitWriter
	far.bits(1, 1)
	far.bits(1, 2)
	far.code(1, 7) // length 3
	far.code(0, 5) // distance 1
	far.code(0, 7) // end of block
	for _, tc := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"well-formed", dynamicBlock(lengths(257, map[int]int{97: 1, 255: 2, 256: 2}), []int{1}, data), true},
		{"286 literal/length codes", dynamicBlock(lengths(286, map[int]int{97: 1, 256: 2, 285: 2}), []int{1}, before), true},
		{"287 literal/length codes", dynamicBlock(lengths(287, map[int]int{97: 1, 256: 2, 286: 2}), []int{1}, before), false},
		{"one distance code, of two bits", dynamicBlock(lengths(257, map[int]int{97: 1, 255: 2, 256: 2}), []int{2}, data), false},
		{"a distance before the text", far.out, false},
	} {
		if _, ok := flateVerdict(tc.in, 1); ok != tc.ok {
			t.Fatalf("%s: compress/flate accepts %v, the test wants %v", tc.name, ok, tc.ok)
		}
		checkInflate(t, tc.in)
	}
}

// TestUnzipToMatchesArchiveZip asks unzipTo the verdict archive/zip gives
// on parts with and without data descriptors, stored and deflated, their
// checksum, sizes or descriptor forged.
func TestUnzipToMatchesArchiveZip(t *testing.T) {
	text := []byte(strings.Repeat("<row r=\"1\"><c r=\"A1\"><v>3</v></c></row>", 200))
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		for _, descriptor := range []bool{true, false} {
			for _, forge := range []string{"", "crc", "size", "descriptor", "cut"} {
				var buf bytes.Buffer
				zw := zip.NewWriter(&buf)
				h := &zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: method}
				var w io.Writer
				var err error
				if descriptor {
					w, err = zw.CreateHeader(h)
				} else {
					var raw bytes.Buffer
					if method == zip.Deflate {
						fw, _ := flate.NewWriter(&raw, 5)
						fw.Write(text)
						fw.Close()
					} else {
						raw.Write(text)
					}
					h.CRC32, h.UncompressedSize64, h.CompressedSize64 = crc32.ChecksumIEEE(text), uint64(len(text)), uint64(raw.Len())
					w, err = zw.CreateRaw(h)
					text := text
					if method == zip.Deflate {
						text = raw.Bytes()
					}
					_, _ = w.Write(text)
					w = io.Discard
				}
				if err != nil {
					t.Fatal(err)
				}
				w.Write(text)
				zw.Close()
				data := buf.Bytes()
				zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
				if err != nil {
					t.Fatal(err)
				}
				zf := zr.File[0]
				off, _ := zf.DataOffset()
				end := off + int64(zf.CompressedSize64)
				switch forge {
				case "crc":
					zf.CRC32++
				case "size":
					zf.UncompressedSize64--
				case "descriptor":
					if descriptor {
						binary.LittleEndian.PutUint32(data[end+4:], zf.CRC32+1)
					}
				case "cut":
					data = data[:end+5]
					zr, _ = zip.NewReader(bytes.NewReader(data), int64(len(data)))
					if zr == nil {
						continue
					}
				}
				want, werr := func() ([]byte, error) {
					rc, err := zf.Open()
					if err != nil {
						return nil, err
					}
					return io.ReadAll(rc)
				}()
				out := make([]byte, zf.UncompressedSize64)
				ok, err := unzipTo(out, zf, data)
				if !ok {
					if method == zip.Deflate {
						t.Fatalf("method %d descriptor %v forged %q: a deflated part left to archive/zip", method, descriptor, forge)
					}
					continue
				}
				if (err == nil) != (werr == nil) || (err == nil && !bytes.Equal(out, want)) {
					t.Fatalf("method %d descriptor %v forged %q: unzipTo %v, archive/zip %v", method, descriptor, forge, err, werr)
				}
			}
		}
	}
}

// FuzzInflate holds inflate to compress/flate on any stream: the same
// text, or refused by both.
func FuzzInflate(f *testing.F) {
	for _, s := range streams(f) {
		if len(s) < 2000 {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkInflate(t, in)
	})
}

// BenchmarkInflate inflates a form's worksheet, as every file of a batch
// needs, with inflate and with compress/flate through archive/zip.
func BenchmarkInflate(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(foreignDir, "excelize.xlsx"))
	if err != nil {
		b.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	var zf *zip.File
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			zf = f
		}
	}
	out := make([]byte, zf.UncompressedSize64)
	b.Run("inflate", func(b *testing.B) {
		b.SetBytes(int64(len(out)))
		for b.Loop() {
			if ok, err := unzipTo(out, zf, data); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("archive/zip", func(b *testing.B) {
		b.SetBytes(int64(len(out)))
		for b.Loop() {
			rc, err := zf.Open()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(rc, out); err != nil {
				b.Fatal(err)
			}
			rc.Close()
		}
	})
}
