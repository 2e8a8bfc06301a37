package xlsxscan

import (
	"errors"
	"fmt"
)

// Limits bound what one file may cost. The caller sets every field; a
// zero bound refuses everything.
type Limits struct {
	MaxUnzipBytes int64 // all parts unzipped, and each part
	MaxDepth      int   // nesting of elements in any XML part
	MaxElements   int   // elements in any one XML part
}

// ErrUnsupported means the file may be read otherwise by excelize: it is
// damaged, or holds what this package does not read exactly. The caller
// reads it with excelize.
var ErrUnsupported = errors.New("xlsxscan: file not read exactly, read it with excelize")

// ErrLimit is what every *LimitError is.
var ErrLimit = errors.New("xlsxscan: limit exceeded")

// Bound names the bound of Limits a file went over.
type Bound uint8

const (
	BoundUnzip    Bound = iota + 1 // MaxUnzipBytes
	BoundDepth                     // MaxDepth
	BoundElements                  // MaxElements
)

// LimitError is a file over a bound: Part is the zip entry's name as
// written, for the XML bounds.
type LimitError struct {
	Bound Bound
	Part  string
}

func (e *LimitError) Error() string {
	switch e.Bound {
	case BoundDepth:
		return fmt.Sprintf("xlsxscan: part %q nests too deep", e.Part)
	case BoundElements:
		return fmt.Sprintf("xlsxscan: part %q has too many elements", e.Part)
	}
	return "xlsxscan: too large unzipped"
}

func (e *LimitError) Is(target error) bool { return target == ErrLimit }
