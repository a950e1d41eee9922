package checkpoint

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/predparams/predparams/engine/internal/iox"
)

// Magic is the first 8 bytes of every checkpoint file.
const Magic = "\x89PPCKPT\n"

// Version is the format version this package writes; it reads only this version.
const Version = 1

// Limits that guard allocations when decoding, and that Encode enforces.
const (
	MaxMetaBytes = 64 << 20 // metadata length
	MaxTensors   = 1 << 20  // tensors per file
	MaxNameBytes = 4096     // tensor name length
	MaxRank      = 8        // dimensions per tensor
	MaxElements  = 1 << 31  // float32 values per tensor (8 GiB)
)

// Tensor is a named float32 array in row-major order: len(Data) is the product of
// Shape (1 for an empty Shape, a scalar).
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// File is the content of a checkpoint: opaque metadata (JSON chosen by the caller)
// and tensors, kept in order.
type File struct {
	Meta    []byte
	Tensors []Tensor
}

// Tensor returns the tensor called name (a pointer into f.Tensors) and whether there is
// one.
func (f *File) Tensor(name string) (*Tensor, bool) {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i], true
		}
	}
	return nil, false
}

// ErrorKind classifies an *Error.
type ErrorKind int

// The kinds of *Error.
const (
	NotCheckpoint      ErrorKind = iota + 1 // the input does not start with Magic
	UnsupportedVersion                      // a format version this build does not read
	Truncated                               // the input ends early (wraps io.ErrUnexpectedEOF)
	ChecksumMismatch                        // the stored CRC-32C differs from the computed one
	Corrupt                                 // impossible sizes, shape/data mismatch, duplicate names, trailing data
	Invalid                                 // Encode or Write was given a File that cannot be written
)

var kindNames = [...]string{"", "not a checkpoint", "unsupported version", "truncated", "checksum mismatch", "corrupt", "invalid"}

// String names the kind, e.g. "checksum mismatch".
func (k ErrorKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// Error is the error returned for a malformed checkpoint or a File that cannot be
// written. Its message is one line saying what is wrong and, when decoding, where.
type Error struct {
	Kind ErrorKind
	Msg  string // e.g. "checksum mismatch: stored 0x1234abcd, computed 0x89ab0123"
	Err  error  // underlying cause (io.ErrUnexpectedEOF for Truncated), or nil
}

// Error returns "checkpoint: " and the message.
func (e *Error) Error() string { return "checkpoint: " + e.Msg }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

func newErr(kind ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// elements returns the product of shape, checking each dimension and the product
// against the limits; what names the tensor in messages.
func elements(shape []int, what string, kind ErrorKind) (int, error) {
	n, problem := iox.Elements(shape, MaxRank, MaxElements)
	if problem != "" {
		return 0, newErr(kind, "%s %s", what, problem)
	}
	return n, nil
}

// check reports whether f can be encoded.
func (f *File) check() error {
	if len(f.Meta) > MaxMetaBytes {
		return newErr(Invalid, "metadata of %d bytes, over the limit %d", len(f.Meta), MaxMetaBytes)
	}
	if len(f.Tensors) > MaxTensors {
		return newErr(Invalid, "%d tensors, over the limit %d", len(f.Tensors), MaxTensors)
	}
	seen := make(map[string]bool, len(f.Tensors))
	for i := range f.Tensors {
		t := &f.Tensors[i]
		if t.Name == "" || len(t.Name) > MaxNameBytes {
			return newErr(Invalid, "tensor %d: name of %d bytes, want 1 to %d", i, len(t.Name), MaxNameBytes)
		}
		if seen[t.Name] {
			return newErr(Invalid, "duplicate tensor name %q", t.Name)
		}
		seen[t.Name] = true
		n, err := elements(t.Shape, fmt.Sprintf("tensor %q", t.Name), Invalid)
		if err != nil {
			return err
		}
		if n != len(t.Data) {
			return newErr(Invalid, "tensor %q has shape %v (%d elements) but %d values", t.Name, t.Shape, n, len(t.Data))
		}
	}
	return nil
}

// chunkFloats is how many float32 values are converted per write or read.
const chunkFloats = 16 << 10

// Encode writes f to w in the format of the package documentation. It checks f first
// (limits, unique non-empty names, len(Data) matching Shape) and writes nothing if f is
// invalid (an *Error of kind Invalid). Errors from w are returned as they are.
func Encode(w io.Writer, f *File) error {
	if f == nil {
		return newErr(Invalid, "nil File")
	}
	if err := f.check(); err != nil {
		return err
	}
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 64<<10)
	le := binary.LittleEndian
	b := make([]byte, 0, 4*chunkFloats)
	b = append(b, Magic...)
	b = le.AppendUint32(b, Version)
	b = le.AppendUint32(b, uint32(len(f.Meta)))
	bw.Write(b)
	bw.Write(f.Meta)
	bw.Write(le.AppendUint32(b[:0], uint32(len(f.Tensors))))
	for i := range f.Tensors {
		t := &f.Tensors[i]
		b = le.AppendUint32(b[:0], uint32(len(t.Name)))
		b = append(b, t.Name...)
		b = le.AppendUint32(b, uint32(len(t.Shape)))
		for _, d := range t.Shape {
			b = le.AppendUint64(b, uint64(d))
		}
		bw.Write(b)
		for data := t.Data; len(data) > 0; {
			k := min(len(data), chunkFloats)
			b = b[:0]
			for _, v := range data[:k] {
				b = le.AppendUint32(b, math.Float32bits(v))
			}
			if _, err := bw.Write(b); err != nil {
				return err // the error from w, sticky in bw: stop early
			}
			data = data[k:]
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(le.AppendUint32(b[:0], crc.Sum32()))
	return err
}

// decoder reads a checkpoint, keeping a running CRC-32C and its position.
type decoder struct {
	r     io.Reader
	crc   hash.Hash32
	off   int64 // bytes consumed
	avail int64 // bytes known to remain in r, or -1
	buf   []byte
}

// read fills p, describing a short input as a Truncated error about what.
func (d *decoder) read(p []byte, what string) error {
	n, err := io.ReadFull(d.r, p)
	d.crc.Write(p[:n])
	d.off += int64(n)
	if d.avail >= 0 {
		d.avail = max(d.avail-int64(n), 0)
	}
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return &Error{Kind: Truncated, Err: io.ErrUnexpectedEOF,
			Msg: fmt.Sprintf("truncated at byte %d: want %d bytes of %s, got %d", d.off, len(p), what, n)}
	case err != nil:
		return fmt.Errorf("checkpoint: reading %s at byte %d: %w", what, d.off, err)
	}
	return nil
}

func (d *decoder) uint32(what string) (uint32, error) {
	if err := d.read(d.buf[:4], what); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(d.buf), nil
}

// need fails early, without allocating, when the input is known to hold fewer than n
// more bytes (plus the 4-byte checksum).
func (d *decoder) need(n int64, what string) error {
	if d.avail >= 0 && n > d.avail-4 {
		return &Error{Kind: Truncated, Err: io.ErrUnexpectedEOF,
			Msg: fmt.Sprintf("truncated: %s at byte %d needs %d bytes, %d remain before the checksum", what, d.off, n, max(d.avail-4, 0))}
	}
	return nil
}

// Decode reads one checkpoint from r, checking magic, version, sizes and the trailing
// checksum, and leaves r just after the checksum. Problems with the input are *Error
// values; I/O errors of r are wrapped. Allocation is bounded by the bytes actually
// present, whatever the sizes in the input claim.
func Decode(r io.Reader) (*File, error) {
	f, _, err := decode(r, iox.Remaining(r))
	return f, err
}

// checkHeader checks the magic and version in h, the first up to 12 bytes of an input.
// A shorter h is only an error if it cannot start a checkpoint; the caller reports the
// truncation.
func checkHeader(h []byte) error {
	if len(h) < len(Magic) {
		if string(h) != Magic[:len(h)] {
			return newErr(NotCheckpoint, "not a checkpoint: starts with %q, want %q", h, Magic)
		}
		return nil // a truncated checkpoint, perhaps
	}
	if string(h[:8]) != Magic {
		return newErr(NotCheckpoint, "not a checkpoint: starts with %q, want %q", h[:8], Magic)
	}
	if len(h) >= 12 {
		if v := binary.LittleEndian.Uint32(h[8:]); v != Version {
			return newErr(UnsupportedVersion, "unsupported format version %d (this build reads version %d)", v, Version)
		}
	}
	return nil
}

// decode reads a checkpoint from r, of which avail bytes are known to remain (or -1),
// and returns it with the number of bytes consumed.
func decode(r io.Reader, avail int64) (*File, int64, error) {
	d := &decoder{r: r, crc: crc32.New(crc32.MakeTable(crc32.Castagnoli)), avail: avail, buf: make([]byte, 4*chunkFloats)}
	f, err := d.file()
	return f, d.off, err
}

func (d *decoder) file() (*File, error) {
	h := d.buf[:12]
	err := d.read(h, "header")
	var e *Error
	if err != nil && !(errors.As(err, &e) && e.Kind == Truncated) {
		return nil, err // an I/O error
	}
	if herr := checkHeader(h[:d.off]); herr != nil {
		return nil, herr
	}
	if err != nil {
		return nil, err
	}
	metaLen, err := d.uint32("metadata length")
	if err != nil {
		return nil, err
	}
	if metaLen > MaxMetaBytes {
		return nil, newErr(Corrupt, "metadata length %d at byte %d, over the limit %d", metaLen, d.off-4, MaxMetaBytes)
	}
	f := &File{}
	if f.Meta, err = d.bytes(int64(metaLen), "metadata"); err != nil {
		return nil, err
	}
	count, err := d.uint32("tensor count")
	if err != nil {
		return nil, err
	}
	if count > MaxTensors {
		return nil, newErr(Corrupt, "tensor count %d at byte %d, over the limit %d", count, d.off-4, MaxTensors)
	}
	// Each tensor takes at least 9 bytes (name length, a 1-byte name, rank).
	if err := d.need(9*int64(count), fmt.Sprintf("%d tensors", count)); err != nil {
		return nil, err
	}
	f.Tensors = make([]Tensor, 0, min(count, 1024))
	seen := make(map[string]bool)
	for i := range int(count) {
		t, err := d.tensor(i)
		if err != nil {
			return nil, err
		}
		if seen[t.Name] {
			return nil, newErr(Corrupt, "duplicate tensor name %q", t.Name)
		}
		seen[t.Name] = true
		f.Tensors = append(f.Tensors, t)
	}
	computed := d.crc.Sum32()
	stored, err := d.uint32("checksum")
	if err != nil {
		return nil, err
	}
	if stored != computed {
		return nil, newErr(ChecksumMismatch, "checksum mismatch: stored 0x%08x, computed 0x%08x", stored, computed)
	}
	return f, nil
}

// bytes reads n bytes (n ≤ MaxMetaBytes or MaxNameBytes), allocating as they arrive.
func (d *decoder) bytes(n int64, what string) ([]byte, error) {
	if err := d.need(n, what); err != nil {
		return nil, err
	}
	out := make([]byte, 0, min(n, int64(len(d.buf))))
	for int64(len(out)) < n {
		k := min(n-int64(len(out)), int64(len(d.buf)))
		if err := d.read(d.buf[:k], what); err != nil {
			return nil, err
		}
		out = append(out, d.buf[:k]...)
	}
	return out, nil
}

// tensor reads the i-th tensor.
func (d *decoder) tensor(i int) (Tensor, error) {
	var t Tensor
	what := fmt.Sprintf("tensor %d", i)
	nameLen, err := d.uint32(what + " name length")
	if err != nil {
		return t, err
	}
	if nameLen == 0 || nameLen > MaxNameBytes {
		return t, newErr(Corrupt, "%s: name length %d at byte %d, want 1 to %d", what, nameLen, d.off-4, MaxNameBytes)
	}
	name, err := d.bytes(int64(nameLen), what+" name")
	if err != nil {
		return t, err
	}
	t.Name = string(name)
	what = fmt.Sprintf("tensor %q", t.Name)
	rank, err := d.uint32(what + " rank")
	if err != nil {
		return t, err
	}
	if rank > MaxRank {
		return t, newErr(Corrupt, "%s has rank %d, over the limit %d", what, rank, MaxRank)
	}
	t.Shape = make([]int, rank)
	dims := d.buf[:8*rank]
	if err := d.read(dims, what+" shape"); err != nil {
		return t, err
	}
	for k := range t.Shape {
		v := binary.LittleEndian.Uint64(dims[8*k:])
		if v > MaxElements {
			return t, newErr(Corrupt, "%s: dimension %d is %d, over the limit %d", what, k, v, uint64(MaxElements))
		}
		t.Shape[k] = int(v)
	}
	n, err := elements(t.Shape, what, Corrupt)
	if err != nil {
		return t, err
	}
	if err := d.need(4*int64(n), what+" data"); err != nil {
		return t, err
	}
	if d.avail >= 0 { // the bytes are known to be there: allocate once
		t.Data = make([]float32, 0, n)
	} else { // grow as they arrive
		t.Data = make([]float32, 0, min(n, chunkFloats))
	}
	for len(t.Data) < n {
		k := min(n-len(t.Data), chunkFloats)
		b := d.buf[:4*k]
		if err := d.read(b, what+" data"); err != nil {
			return t, err
		}
		for j := range k {
			t.Data = append(t.Data, math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:])))
		}
	}
	return t, nil
}

// Read reads the checkpoint file at path. Besides Decode's checks, the file must end
// right after the checksum. The checksum is verified before the content is parsed, so
// any damage after the version field is reported as a ChecksumMismatch.
func Read(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	defer fh.Close()
	f, err := readFile(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

func readFile(fh *os.File) (*File, error) {
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	size := st.Size()
	// Magic and version first, for the clearest message about a wrong file.
	var h [12]byte
	n, err := io.ReadFull(fh, h[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if err := checkHeader(h[:n]); err != nil {
		return nil, err
	}
	// Then the whole file's checksum, before parsing: damage anywhere after the header
	// is reported as such rather than as whatever a flipped size field looks like.
	if size >= 16 {
		crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
		crc.Write(h[:n])
		if _, err := io.CopyN(crc, fh, size-4-int64(n)); err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		var tail [4]byte
		if _, err := io.ReadFull(fh, tail[:]); err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		if stored, computed := binary.LittleEndian.Uint32(tail[:]), crc.Sum32(); stored != computed {
			return nil, newErr(ChecksumMismatch, "checksum mismatch: stored 0x%08x, computed 0x%08x (damaged, truncated or extended file)", stored, computed)
		}
	}
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	f, off, err := decode(bufio.NewReaderSize(fh, 256<<10), size)
	if err != nil {
		return nil, err
	}
	if off != size {
		return nil, newErr(Corrupt, "%d bytes of trailing data after the checksum", size-off)
	}
	return f, nil
}

// Write writes f to the file at path atomically: it encodes f into a temporary file in
// the same folder, syncs it to disk, and renames it over path. Whatever fails, path is
// either untouched or holds the complete new checkpoint, and the temporary file is
// removed. The file gets mode 0644.
//
// A writer killed before the rename (kill -9, a crash) leaves its temporary file
// (".NAME.tmp-*"). Write removes those of path first: each writer holds an advisory
// lock on its temporary file while writing (on Linux and the BSDs), so a temporary
// file that can be locked belongs to a writer that is gone. Where there are no such
// locks, temporaries are left alone.
func Write(path string, f *File) error {
	return writeAtomic(path, func(w io.Writer) error { return Encode(w, f) })
}

// writeAtomic runs write into a temporary file next to path, then renames it to path.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	prefix := "." + base + ".tmp-"
	removeStale(dir, prefix)
	tmp, err := os.CreateTemp(dir, prefix+"*")
	if err != nil {
		return fmt.Errorf("checkpoint: writing %s: %w", path, err)
	}
	tryLock(tmp) // released when tmp is closed, or when the process ends
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	fail := func(err error) error {
		var e *Error
		if errors.As(err, &e) {
			return fmt.Errorf("%s: %w", path, err)
		}
		return fmt.Errorf("checkpoint: writing %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := write(bw); err != nil {
		return fail(err)
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fail(err)
	}
	// Make the rename itself durable. Not every platform can sync a folder (js/wasm,
	// Windows); the file is complete either way, so a failure here is not reported.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// removeStale removes the files of dir whose name starts with prefix and
// that no live writer holds locked: temporary files left by writers that
// died.
func removeStale(dir, prefix string) {
	if !canLock {
		return
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) || !e.Type().IsRegular() {
			continue
		}
		name := filepath.Join(dir, e.Name())
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		if tryLock(f) {
			os.Remove(name)
		}
		f.Close()
	}
}
