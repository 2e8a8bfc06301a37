// Package zipfloor is the floor the readers' benchmarks are measured
// against: a workbook's zip directory read and every part inflated,
// nothing else, which no reader that checks the whole file beats. The
// batch uses the same to tell a 退回 copy whole from one a power cut left
// cut short: every part's checksum is checked as it is inflated.
package zipfloor

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
)

// InflateAll reads data's zip directory and inflates every part, each
// checked against its checksum, and returns how many there are.
func InflateAll(data []byte) (parts int, err error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return 0, err
	}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return 0, fmt.Errorf("inflate %s: %w", zf.Name, err)
		}
	}
	return len(zr.File), nil
}
