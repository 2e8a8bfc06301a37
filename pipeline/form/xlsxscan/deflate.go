package xlsxscan

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/bits"
	"strings"
	"sync"
)

// A form's worksheet and shared strings are unzipped for every file, and
// compress/flate, which reads its input a byte at a time through an
// interface and copies its output through a window, was half the CPU of
// reading a form. The part's bytes are already in memory, and so is room
// for all of its text: inflate decodes the one into the other, its bits
// taken 64 at a time.
//
// It must give archive/zip's verdict on every part, since a part excelize
// cannot unzip makes excelize refuse the file: it accepts exactly the
// streams compress/flate accepts (the same checks of block types, code
// tables, repeats and distances, and never a bit past the part's bytes),
// and the sizes, checksum and data descriptor are checked as
// archive/zip's checksumReader checks them. FuzzInflate holds it to
// compress/flate on any input.

var errInflate = errors.New("xlsxscan: damaged deflate stream")

// The decoding tables are compress/flate's: a 9-bit first level whose
// entries are value<<4 | code length, a length of 10 pointing into a
// second level for the longer codes.
const (
	chunkBits  = 9
	numChunks  = 1 << chunkBits
	countMask  = 15
	valueShift = 4
	maxCodeLen = 16
	maxNumLit  = 286
	maxNumDist = 30
	numCodes   = 19
	endOfBlock = 256
)

type huffTable struct {
	chunks   [numChunks]uint32
	links    []uint32 // numLinks entries per link, flat
	numLinks uint32
	linkMask uint32
}

// init builds the table from code lengths, accepting what
// compress/flate's huffmanDecoder.init accepts: a complete code, a single
// code of length 1, or no code at all (which fails when used).
func (h *huffTable) init(lengths []int) bool {
	h.chunks = [numChunks]uint32{}
	h.links, h.numLinks, h.linkMask = h.links[:0], 0, 0
	var count [maxCodeLen]int
	var min, max int
	for _, n := range lengths {
		if n == 0 {
			continue
		}
		if min == 0 || n < min {
			min = n
		}
		if n > max {
			max = n
		}
		count[n]++
	}
	if max == 0 {
		return true
	}
	code := 0
	var nextcode [maxCodeLen]int
	for i := min; i <= max; i++ {
		code <<= 1
		nextcode[i] = code
		code += count[i]
	}
	if code != 1<<uint(max) && !(code == 1 && max == 1) {
		return false
	}
	if max > chunkBits {
		numLinks := 1 << (uint(max) - chunkBits)
		h.numLinks, h.linkMask = uint32(numLinks), uint32(numLinks-1)
		link := nextcode[chunkBits+1] >> 1
		need := (numChunks - link) * numLinks
		if cap(h.links) < need {
			h.links = make([]uint32, need)
		}
		h.links = h.links[:need]
		clear(h.links)
		for j := uint(link); j < numChunks; j++ {
			reverse := int(bits.Reverse16(uint16(j))) >> (16 - chunkBits)
			h.chunks[reverse] = uint32((j-uint(link))<<valueShift | (chunkBits + 1))
		}
	}
	for i, n := range lengths {
		if n == 0 {
			continue
		}
		code := nextcode[n]
		nextcode[n]++
		chunk := uint32(i<<valueShift | n)
		reverse := int(bits.Reverse16(uint16(code))) >> (16 - n)
		if n <= chunkBits {
			for off := reverse; off < numChunks; off += 1 << uint(n) {
				h.chunks[off] = chunk
			}
			continue
		}
		j := reverse & (numChunks - 1)
		base := int(h.chunks[j]>>valueShift) * int(h.numLinks)
		for off := reverse >> chunkBits; off < int(h.numLinks); off += 1 << uint(n-chunkBits) {
			h.links[base+off] = chunk
		}
	}
	return true
}

// decoder holds the tables of one stream at a time.
type decoder struct {
	lit, dist, codes huffTable
	lengths          [maxNumLit + maxNumDist]int
}

var decoders = sync.Pool{New: func() any { return new(decoder) }}

// fixedLit is the literal/length table of fixed-code blocks.
var fixedLit = sync.OnceValue(func() *huffTable {
	var lengths [288]int
	for i := range lengths {
		switch {
		case i < 144:
			lengths[i] = 8
		case i < 256:
			lengths[i] = 9
		case i < 280:
			lengths[i] = 7
		default:
			lengths[i] = 8
		}
	}
	h := new(huffTable)
	h.init(lengths[:])
	return h
})

// bitReader takes the stream's bits, least significant first. Past the
// end of in it reads zeros and counts them in pad: a stream that uses
// them is damaged, as compress/flate finds when it runs out of bytes.
type bitReader struct {
	in       []byte
	pos, pad int
	b        uint64
	nb       uint
}

// refill makes at least 56 bits ready.
func (r *bitReader) refill() {
	if r.nb >= 56 {
		return
	}
	if r.pos+8 <= len(r.in) {
		r.b |= binary.LittleEndian.Uint64(r.in[r.pos:]) << r.nb
		r.pos += int(63-r.nb) >> 3
		r.nb |= 56
		return
	}
	for r.nb <= 56 {
		if r.pos < len(r.in) {
			r.b |= uint64(r.in[r.pos]) << r.nb
			r.pos++
		} else {
			r.pad++
		}
		r.nb += 8
	}
}

// overrun reports whether bits past the end were used.
func (r *bitReader) overrun() bool {
	return (r.pos+r.pad)*8-int(r.nb) > len(r.in)*8
}

func (r *bitReader) take(n uint) uint32 {
	v := uint32(r.b & (1<<n - 1))
	r.b >>= n
	r.nb -= n
	return v
}

// entry is the table's entry for the code at the bottom of b: value<<4
// | code length, the length 0 for a code the table does not have. Small
// enough to be inlined into the decoding loop.
func (h *huffTable) entry(b uint64) uint32 {
	c := h.chunks[b&(numChunks-1)]
	if c&countMask > chunkBits {
		c = h.links[(c>>valueShift)*h.numLinks+uint32(b>>chunkBits)&h.linkMask]
	}
	return c
}

// sym decodes one symbol; at least 15 bits must be ready. It returns -1
// for a code the table does not have.
func (r *bitReader) sym(h *huffTable) int {
	c := h.entry(r.b)
	n := uint(c & countMask)
	if n == 0 {
		return -1
	}
	r.b >>= n
	r.nb -= n
	return int(c >> valueShift)
}

// inflate decodes the raw DEFLATE stream in into out, which must come
// out exactly full: compress/flate's output as archive/zip checks its
// size.
func inflate(out, in []byte) error {
	f := decoders.Get().(*decoder)
	defer decoders.Put(f)
	r := bitReader{in: in}
	o := 0
	for {
		r.refill()
		if r.pad > 8 {
			return errInflate
		}
		final := r.take(1) == 1
		var lit, dist *huffTable
		switch r.take(2) {
		case 0:
			// Stored: the rest of the byte is dropped, then LEN, NLEN.
			r.take(r.nb & 7)
			p := r.pos + r.pad - int(r.nb>>3)
			if p > len(in) || len(in)-p < 4 {
				return errInflate
			}
			n := int(binary.LittleEndian.Uint16(in[p:]))
			if uint16(n) != ^binary.LittleEndian.Uint16(in[p+2:]) {
				return errInflate
			}
			p += 4
			if len(in)-p < n || len(out)-o < n {
				return errInflate
			}
			o += copy(out[o:], in[p:p+n])
			r = bitReader{in: in, pos: p + n}
			if final {
				return finished(&r, o, len(out))
			}
			continue
		case 1:
			lit = fixedLit()
		case 2:
			if !f.tables(&r) {
				return errInflate
			}
			lit, dist = &f.lit, &f.dist
		default:
			return errInflate
		}
		var err error
		if o, err = codes(out, o, &r, lit, dist); err != nil {
			return err
		}
		if final {
			return finished(&r, o, len(out))
		}
	}
}

// codes decodes a block's codes into out from o, up to its end, and
// returns where the text reached. The bits are kept in locals, refilled
// 56 at a time from in while 8 bytes are left (a literal or a length and
// distance with their extra bits take at most 48), then through r.
func codes(out []byte, o int, r *bitReader, lit, dist *huffTable) (int, error) {
	in, pos, b, nb := r.in, r.pos, r.b, r.nb
	defer func() { r.pos, r.b, r.nb = pos, b, nb }()
	for {
		if nb < 48 {
			if pos+8 <= len(in) {
				b |= binary.LittleEndian.Uint64(in[pos:]) << nb
				pos += int(63-nb) >> 3
				nb |= 56
			} else {
				r.pos, r.b, r.nb = pos, b, nb
				r.refill()
				pos, b, nb = r.pos, r.b, r.nb
				if r.pad > 8 {
					return o, errInflate
				}
			}
		}
		c := lit.entry(b)
		n := uint(c & countMask)
		if n == 0 {
			return o, errInflate
		}
		b >>= n
		nb -= n
		v := int(c >> valueShift)
		if v < 256 {
			if o == len(out) {
				return o, errInflate
			}
			out[o] = byte(v)
			o++
			continue
		}
		if v == endOfBlock {
			return o, nil
		}
		var length int
		var x uint
		switch {
		case v < 265:
			length = v - (257 - 3)
		case v < 269:
			length, x = v*2-(265*2-11), 1
		case v < 273:
			length, x = v*4-(269*4-19), 2
		case v < 277:
			length, x = v*8-(273*8-35), 3
		case v < 281:
			length, x = v*16-(277*16-67), 4
		case v < 285:
			length, x = v*32-(281*32-131), 5
		case v < maxNumLit:
			length = 258
		default:
			return o, errInflate
		}
		length += int(b & (1<<x - 1))
		b >>= x
		nb -= x
		var d int
		if dist == nil {
			d = int(bits.Reverse8(uint8(b&0x1F) << 3))
			b >>= 5
			nb -= 5
		} else {
			c := dist.entry(b)
			n := uint(c & countMask)
			if n == 0 {
				return o, errInflate
			}
			b >>= n
			nb -= n
			d = int(c >> valueShift)
		}
		switch {
		case d < 4:
			d++
		case d < maxNumDist:
			x = uint(d-2) >> 1
			extra := (d&1)<<x | int(b&(1<<x-1))
			b >>= x
			nb -= x
			d = 1<<(x+1) + 1 + extra
		default:
			return o, errInflate
		}
		if d > o || len(out)-o < length {
			return o, errInflate
		}
		if d >= length {
			copy(out[o:o+length], out[o-d:])
			o += length
			continue
		}
		for end := o + length; o < end; o++ {
			out[o] = out[o-d]
		}
	}
}

// finished is the verdict at the end of the last block: no bit read past
// the stream's bytes, and exactly the size the directory gives.
func finished(r *bitReader, n, size int) error {
	if r.overrun() || n != size {
		return errInflate
	}
	return nil
}

var codeOrder = [...]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// tables reads a dynamic block's code tables, refused where
// compress/flate's readHuffman refuses them.
func (f *decoder) tables(r *bitReader) bool {
	// r holds 53 bits after the block header: HLIT, HDIST, HCLEN and up
	// to 13 of the code length code lengths need 14+39.
	nlit := int(r.take(5)) + 257
	ndist := int(r.take(5)) + 1
	nclen := int(r.take(4)) + 4
	if nlit > maxNumLit || ndist > maxNumDist {
		return false
	}
	var cl [numCodes]int
	for i := range nclen {
		if r.nb < 3 {
			r.refill()
		}
		cl[codeOrder[i]] = int(r.take(3))
	}
	if !f.codes.init(cl[:]) {
		return false
	}
	lengths := f.lengths[:nlit+ndist]
	for i := 0; i < len(lengths); {
		r.refill()
		if r.pad > 8 {
			return false
		}
		x := r.sym(&f.codes)
		switch {
		case x < 0:
			return false
		case x < 16:
			lengths[i] = x
			i++
			continue
		}
		var rep, b int
		switch x {
		case 16:
			if i == 0 {
				return false
			}
			rep, b = 3+int(r.take(2)), lengths[i-1]
		case 17:
			rep = 3 + int(r.take(3))
		default:
			rep = 11 + int(r.take(7))
		}
		if i+rep > len(lengths) {
			return false
		}
		for range rep {
			lengths[i] = b
			i++
		}
	}
	return f.lit.init(lengths[:nlit]) && f.dist.init(lengths[nlit:])
}

// unzipTo unzips a deflated part of the file data into out, sized as the
// directory says, with the checks of archive/zip's reader. ok is false
// when the part is not one it decodes (another method, a directory
// entry, a body that is not where the directory says): the caller unzips
// it through archive/zip, which gives the verdict on those.
func unzipTo(out []byte, zf *zip.File, data []byte) (ok bool, err error) {
	if zf.Method != zip.Deflate || strings.HasSuffix(zf.Name, "/") || uint64(len(out)) != zf.UncompressedSize64 {
		return false, nil
	}
	off, err := zf.DataOffset()
	if err != nil || off < 0 || off > int64(len(data)) || uint64(int64(len(data))-off) < zf.CompressedSize64 {
		return false, nil
	}
	end := off + int64(zf.CompressedSize64)
	if err := inflate(out, data[off:end]); err != nil {
		return true, err
	}
	sum := crc32.ChecksumIEEE(out)
	if zf.Flags&0x8 != 0 {
		// The data descriptor after the body, its signature optional.
		desc := data[end:min(end+16, int64(len(data)))]
		if len(desc) >= 4 && binary.LittleEndian.Uint32(desc) == 0x08074b50 {
			desc = desc[4:]
		}
		if len(desc) < 12 || binary.LittleEndian.Uint32(desc) != zf.CRC32 || sum != zf.CRC32 {
			return true, zip.ErrChecksum
		}
		return true, nil
	}
	if zf.CRC32 != 0 && sum != zf.CRC32 {
		return true, zip.ErrChecksum
	}
	return true, nil
}
