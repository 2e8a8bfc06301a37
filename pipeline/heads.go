package pipeline

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"
	"time"

	"countybrief/pipeline/ledger"
	"countybrief/pipeline/safefile"
	"countybrief/pipeline/vocab"
)

// draftHeadsFile, under work/, keeps the heads the last draft read (the
// ledger's current record of each unit, as ledger.HeadsSince gives them)
// and the mark they stand at, so that the next draft reads from the ledger
// only the submissions recorded since. At 73,000 units reading every head
// was a quarter of the time of a batch that one changed file makes.
// Submissions are only ever added, and HeadsSince reads every head again
// when the ledger's mark is not the kept one's plus the submissions since,
// so a stale file costs one whole read and a wrong one cannot be taken for
// the ledger's. It is written unsynced: a file a power cut damaged fails
// its checksum and is no file at all.
const draftHeadsFile = "draft.heads"

// headsMagic begins the file; a new layout of it takes a new version.
// After it: the period and the mark's claim name (each a uint16 length
// and its bytes), the mark's count, newest id and sum, the number of
// records and the length of their text (uint32s); per record its id, run
// id and receipt time (Unix nanoseconds) and the lengths of its unit code,
// file name and SHA-256 (uint16s); then the records' text, those three
// strings one after another; then the CRC-32C of everything before. All
// numbers are little endian.
const headsMagic = "countybrief draft heads 1\n"

// headFixed is the length of a record's numbers.
const headFixed = 3*8 + 3*2

// readHeads reads the heads kept at path for period; nil and the zero mark
// when the file is missing, damaged, another period's or not one of ours.
func readHeads(path, period string) ([]ledger.Record, ledger.Mark) {
	f, err := os.Open(path)
	if err != nil {
		return nil, ledger.Mark{}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, ledger.Mark{}
	}
	recs, at, err := decodeHeads(bufio.NewReaderSize(f, 64<<10), info.Size(), period)
	if err != nil {
		return nil, ledger.Mark{}
	}
	return recs, at
}

var errBadHeads = errors.New("not a heads file")

// decodeHeads reads a heads file of size bytes from r. The records' strings
// share one allocation, read straight into it.
func decodeHeads(r io.Reader, size int64, period string) ([]ledger.Record, ledger.Mark, error) {
	sum := crc32.New(castagnoli)
	tr := io.TeeReader(r, sum)
	var at ledger.Mark
	buf := make([]byte, len(headsMagic))
	if _, err := io.ReadFull(tr, buf); err != nil || string(buf) != headsMagic {
		return nil, at, errBadHeads
	}
	text := func() (string, error) {
		var n [2]byte
		if _, err := io.ReadFull(tr, n[:]); err != nil {
			return "", errBadHeads
		}
		b := make([]byte, binary.LittleEndian.Uint16(n[:]))
		if _, err := io.ReadFull(tr, b); err != nil {
			return "", errBadHeads
		}
		return string(b), nil
	}
	if p, err := text(); err != nil || p != period {
		return nil, at, errBadHeads
	}
	claim, err := text()
	if err != nil {
		return nil, at, err
	}
	head := make([]byte, 3*8+2*4)
	if _, err := io.ReadFull(tr, head); err != nil {
		return nil, at, errBadHeads
	}
	at = ledger.Mark{Count: int64(binary.LittleEndian.Uint64(head)), Newest: int64(binary.LittleEndian.Uint64(head[8:])),
		Sum: int64(binary.LittleEndian.Uint64(head[16:])), Claim: claim}
	n, textLen := int64(binary.LittleEndian.Uint32(head[24:])), int64(binary.LittleEndian.Uint32(head[28:]))
	// The sizes must fit the file before anything is allocated by them.
	if n*headFixed+textLen+4 > size {
		return nil, ledger.Mark{}, errBadHeads
	}
	fixed := make([]byte, n*headFixed)
	if _, err := io.ReadFull(tr, fixed); err != nil {
		return nil, ledger.Mark{}, errBadHeads
	}
	var all strings.Builder
	all.Grow(int(textLen))
	if _, err := io.CopyN(&all, tr, textLen); err != nil {
		return nil, ledger.Mark{}, errBadHeads
	}
	want := sum.Sum32()
	var tail [4]byte
	if _, err := io.ReadFull(r, tail[:]); err != nil || binary.LittleEndian.Uint32(tail[:]) != want {
		return nil, ledger.Mark{}, errBadHeads
	}
	if _, err := r.Read(tail[:1]); !errors.Is(err, io.EOF) {
		return nil, ledger.Mark{}, errBadHeads
	}
	s := all.String()
	recs := make([]ledger.Record, n)
	pos := 0
	for i := range recs {
		e := fixed[i*headFixed:]
		lens := [3]int{}
		for k := range lens {
			lens[k] = int(binary.LittleEndian.Uint16(e[24+2*k:]))
		}
		if pos+lens[0]+lens[1]+lens[2] > len(s) {
			return nil, ledger.Mark{}, errBadHeads
		}
		rec := &recs[i]
		rec.ID, rec.RunID = int64(binary.LittleEndian.Uint64(e)), int64(binary.LittleEndian.Uint64(e[8:]))
		rec.ReceivedAt = time.Unix(0, int64(binary.LittleEndian.Uint64(e[16:])))
		rec.Period, rec.Status = period, vocab.FileAccepted
		rec.UnitCode, pos = s[pos:pos+lens[0]], pos+lens[0]
		rec.OrigName, pos = s[pos:pos+lens[1]], pos+lens[1]
		rec.SHA256, pos = s[pos:pos+lens[2]], pos+lens[2]
		// HeadsSince merges by unit code: one record a unit, in order.
		if i > 0 && recs[i-1].UnitCode >= rec.UnitCode {
			return nil, ledger.Mark{}, errBadHeads
		}
	}
	if pos != len(s) {
		return nil, ledger.Mark{}, errBadHeads
	}
	return recs, at, nil
}

// writeHeads keeps recs, the heads of period at mark at, at path. Heads
// that do not fit the layout (a string over 64 KiB, more text than 4 GiB)
// are not kept, and the next draft reads them whole.
func writeHeads(path, period string, at ledger.Mark, recs []ledger.Record) error {
	textLen := 0
	for i := range recs {
		r := &recs[i]
		for _, s := range []string{r.UnitCode, r.OrigName, r.SHA256} {
			if len(s) > math.MaxUint16 {
				return forgetHeads(path)
			}
			textLen += len(s)
		}
	}
	if len(period) > math.MaxUint16 || len(at.Claim) > math.MaxUint16 || textLen > math.MaxUint32 || len(recs) > math.MaxUint32 {
		return forgetHeads(path)
	}
	return safefile.WriteUnsynced(path, func(w io.Writer) error {
		sum := crc32.New(castagnoli)
		mw := io.MultiWriter(w, sum)
		buf := append([]byte(nil), headsMagic...)
		for _, s := range []string{period, at.Claim} {
			buf = binary.LittleEndian.AppendUint16(buf, uint16(len(s)))
			buf = append(buf, s...)
		}
		for _, v := range []int64{at.Count, at.Newest, at.Sum} {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v))
		}
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(recs)))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(textLen))
		for i := range recs {
			r := &recs[i]
			for _, v := range []int64{r.ID, r.RunID, r.ReceivedAt.UnixNano()} {
				buf = binary.LittleEndian.AppendUint64(buf, uint64(v))
			}
			for _, s := range []string{r.UnitCode, r.OrigName, r.SHA256} {
				buf = binary.LittleEndian.AppendUint16(buf, uint16(len(s)))
			}
			if len(buf) >= 32<<10 {
				if _, err := mw.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		for i := range recs {
			r := &recs[i]
			buf = append(append(append(buf, r.UnitCode...), r.OrigName...), r.SHA256...)
			if len(buf) >= 32<<10 {
				if _, err := mw.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		buf = binary.LittleEndian.AppendUint32(buf, 0)
		binary.LittleEndian.PutUint32(buf[len(buf)-4:], crc32.Update(sum.Sum32(), castagnoli, buf[:len(buf)-4]))
		_, err := w.Write(buf)
		return err
	})
}

// forgetHeads removes the kept heads, which no longer stand for the
// ledger's.
func forgetHeads(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
