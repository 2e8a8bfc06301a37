package xlsxscan

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"io"
	"sync"
)

// archive/zip pools its flate readers but hands each one a new 4 KB
// bufio.Reader per part: a batch of thousands of forms spent a good part
// of its reading allocations on these. Pooling them keeps them out of the
// collector's way. The pool is the package's, not a Scratch's, because a
// zip.Reader keeps the decompressor registered on it: a part a caller
// opens later through the same zip.Reader (CheckBounds) must not share an
// inflater with a workbook another goroutine is opening.
var inflaters = sync.Pool{New: func() any { return new(inflater) }}

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
