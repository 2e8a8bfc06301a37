package xlsxscan

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"io"
	"sync"
)

// archive/zip pools its flate readers but hands each one a new 4 KB
// bufio.Reader per part, and Open needs a scratch buffer and a part key
// per workbook: a batch of thousands of forms spent a quarter of its
// reading allocations on these. Pooling them per worker keeps them out of
// the collector's way.
var (
	inflaters = sync.Pool{New: func() any { return new(inflater) }}
	scratches = sync.Pool{New: func() any { return &openScratch{buf: make([]byte, 8<<10)} }}
)

// openScratch is what one Open uses and leaves: nothing of it outlives
// the Open (the cache copies a key it keeps).
type openScratch struct {
	buf, key []byte
}

// maxPooledKey keeps the key of a large part, a hostile file's, out of
// the pool.
const maxPooledKey = 256 << 10

func putScratch(s *openScratch) {
	if cap(s.key) > maxPooledKey {
		s.key = nil
	}
	scratches.Put(s)
}

type inflater struct {
	br *bufio.Reader
	fr io.ReadCloser
}

// inflateHandle is one part's use of a pooled inflater; after Close it
// holds none, so a late Read cannot reach a reader another part took.
type inflateHandle struct{ in *inflater }

// useInflater makes zr inflate its deflated parts with pooled readers.
// The checksum and size checks stay archive/zip's.
func useInflater(zr *zip.Reader) {
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser {
		in := inflaters.Get().(*inflater)
		if in.br == nil {
			in.br = bufio.NewReader(r)
			in.fr = flate.NewReader(in.br)
		} else {
			in.br.Reset(r)
			in.fr.(flate.Resetter).Reset(in.br, nil)
		}
		return &inflateHandle{in}
	})
}

func (h *inflateHandle) Read(p []byte) (int, error) {
	if h.in == nil {
		return 0, io.ErrClosedPipe
	}
	return h.in.fr.Read(p)
}

func (h *inflateHandle) Close() error {
	if h.in == nil {
		return io.ErrClosedPipe
	}
	err := h.in.fr.Close()
	h.in.br.Reset(nil)
	inflaters.Put(h.in)
	h.in = nil
	return err
}
