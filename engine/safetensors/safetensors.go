package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/predparams/predparams/engine/internal/iox"
)

// Limits that guard allocations when decoding, and that Encode enforces.
const (
	MaxHeaderBytes = 100 << 20 // JSON header length (the reference implementation's limit is 100 MB)
	MaxRank        = 8         // dimensions per tensor
	MaxElements    = 1 << 31   // values per tensor
)

// MetadataKey is the header key of the string metadata.
const MetadataKey = "__metadata__"

// Tensor is a named float32 array in row-major order: len(Data) is the product of
// Shape (1 for an empty Shape, a scalar).
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// File is the content of a safetensors file: string metadata and tensors, kept in
// the order of their data in the file.
type File struct {
	Metadata map[string]string
	Tensors  []Tensor
}

// Tensor returns the tensor called name (a pointer into f.Tensors) and whether there
// is one.
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
	Truncated   ErrorKind = iota + 1 // the input ends early (wraps io.ErrUnexpectedEOF)
	Corrupt                          // a malformed header, offsets that disagree with shapes, holes, trailing data
	Unsupported                      // a dtype this package does not convert to float32
	Invalid                          // Encode or Write was given a File that cannot be written
)

var kindNames = [...]string{"", "truncated", "corrupt", "unsupported", "invalid"}

// String names the kind, e.g. "corrupt".
func (k ErrorKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// Error is the error returned for a malformed file or a File that cannot be written.
// Its message is one line saying what is wrong.
type Error struct {
	Kind ErrorKind
	Msg  string
	Err  error // underlying cause (io.ErrUnexpectedEOF for Truncated), or nil
}

// Error returns "safetensors: " and the message.
func (e *Error) Error() string { return "safetensors: " + e.Msg }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

func newErr(kind ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// elements returns the product of shape, checked against the limits.
func elements(shape []int, what string, kind ErrorKind) (int, error) {
	n, problem := iox.Elements(shape, MaxRank, MaxElements)
	if problem != "" {
		return 0, newErr(kind, "%s %s", what, problem)
	}
	return n, nil
}

// entry is one tensor's description in the header.
type entry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// header returns f's JSON header, padded with spaces to a multiple of 8 bytes.
func (f *File) header() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	put := func(key string, v any) error {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		val, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
		return nil
	}
	if len(f.Metadata) > 0 {
		if err := put(MetadataKey, f.Metadata); err != nil {
			return nil, newErr(Invalid, "metadata: %v", err)
		}
	}
	seen := make(map[string]bool, len(f.Tensors))
	var off int64
	for i := range f.Tensors {
		t := &f.Tensors[i]
		if t.Name == "" || t.Name == MetadataKey || seen[t.Name] {
			return nil, newErr(Invalid, "tensor %d: name %q is empty, reserved or a duplicate", i, t.Name)
		}
		seen[t.Name] = true
		n, err := elements(t.Shape, fmt.Sprintf("tensor %q", t.Name), Invalid)
		if err != nil {
			return nil, err
		}
		if n != len(t.Data) {
			return nil, newErr(Invalid, "tensor %q has shape %v (%d elements) but %d values", t.Name, t.Shape, n, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		end := off + 4*int64(n)
		if err := put(t.Name, entry{DType: "F32", Shape: shape, Offsets: [2]int64{off, end}}); err != nil {
			return nil, newErr(Invalid, "tensor %q: %v", t.Name, err)
		}
		off = end
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	if b.Len() > MaxHeaderBytes {
		return nil, newErr(Invalid, "header of %d bytes, over the limit %d", b.Len(), MaxHeaderBytes)
	}
	return b.Bytes(), nil
}

// chunkFloats is how many values are converted per write or read.
const chunkFloats = 16 << 10

// Encode writes f to w as F32 tensors in the order of f.Tensors. It checks f first
// (non-empty unique names, len(Data) matching Shape, the limits) and writes nothing
// if f is invalid (an *Error of kind Invalid). Errors from w are returned as they are.
func Encode(w io.Writer, f *File) error {
	if f == nil {
		return newErr(Invalid, "nil File")
	}
	h, err := f.header()
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	le := binary.LittleEndian
	bw.Write(le.AppendUint64(nil, uint64(len(h))))
	bw.Write(h)
	b := make([]byte, 0, 4*chunkFloats)
	for i := range f.Tensors {
		for data := f.Tensors[i].Data; len(data) > 0; {
			k := min(len(data), chunkFloats)
			b = b[:0]
			for _, v := range data[:k] {
				b = le.AppendUint32(b, math.Float32bits(v))
			}
			if _, err := bw.Write(b); err != nil {
				return err
			}
			data = data[k:]
		}
	}
	return bw.Flush()
}

// Marshal returns f encoded (see Encode).
func Marshal(f *File) ([]byte, error) {
	var b bytes.Buffer
	if err := Encode(&b, f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// dtypes maps the dtypes Decode reads to their size in bytes.
var dtypes = map[string]int{"F32": 4, "F64": 8, "F16": 2, "BF16": 2}

// Decode reads one file from r and leaves r just after the last tensor's data. When
// r can tell its length (a bytes.Reader, a regular file), bytes after the data are an
// error; otherwise they are left unread. Problems with the input are *Error values;
// I/O errors of r are wrapped. Allocation is bounded by the bytes actually present,
// whatever the header claims.
func Decode(r io.Reader) (*File, error) {
	avail := iox.Remaining(r)
	d := &decoder{r: r, avail: avail}
	var n [8]byte
	if err := d.read(n[:], "header length"); err != nil {
		return nil, err
	}
	hl := binary.LittleEndian.Uint64(n[:])
	if hl > MaxHeaderBytes {
		return nil, newErr(Corrupt, "header length %d, over the limit %d", hl, MaxHeaderBytes)
	}
	if err := d.need(int64(hl), "header"); err != nil {
		return nil, err
	}
	h := make([]byte, hl)
	if err := d.read(h, "header"); err != nil {
		return nil, err
	}
	f, ents, err := parseHeader(h)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, e := range ents {
		total = e.Offsets[1]
	}
	if err := d.need(total, "tensor data"); err != nil {
		return nil, err
	}
	for i := range f.Tensors {
		if err := d.tensor(&f.Tensors[i], ents[i]); err != nil {
			return nil, err
		}
	}
	if d.avail > 0 {
		return nil, newErr(Corrupt, "%d bytes of trailing data after the tensors", d.avail)
	}
	return f, nil
}

// Unmarshal decodes b (see Decode).
func Unmarshal(b []byte) (*File, error) { return Decode(bytes.NewReader(b)) }

// parseHeader decodes the JSON header and checks every entry: known dtype, shape
// within the limits and matching its offsets, offsets covering the data without
// holes. It returns the tensors (without data) and their entries in data order.
func parseHeader(h []byte) (*File, []entry, error) {
	dec := json.NewDecoder(bytes.NewReader(h))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, nil, newErr(Corrupt, "the header is not a JSON object")
	}
	f := &File{}
	type named struct {
		name string
		e    entry
	}
	var list []named
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, newErr(Corrupt, "header: %v", err)
		}
		key := tok.(string) // object keys are strings
		if seen[key] {
			return nil, nil, newErr(Corrupt, "header: duplicate key %q", key)
		}
		seen[key] = true
		if key == MetadataKey {
			if err := dec.Decode(&f.Metadata); err != nil {
				return nil, nil, newErr(Corrupt, "header: %s is not an object of strings: %v", MetadataKey, err)
			}
			continue
		}
		var e entry
		sub := json.RawMessage{}
		if err := dec.Decode(&sub); err != nil {
			return nil, nil, newErr(Corrupt, "header: tensor %q: %v", key, err)
		}
		ed := json.NewDecoder(bytes.NewReader(sub))
		ed.DisallowUnknownFields()
		if err := ed.Decode(&e); err != nil || e.Shape == nil || e.DType == "" {
			return nil, nil, newErr(Corrupt, "header: tensor %q: want {dtype, shape, data_offsets}", key)
		}
		list = append(list, named{key, e})
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, newErr(Corrupt, "header: %v", err)
	}
	if len(bytes.TrimSpace(h[dec.InputOffset():])) > 0 {
		return nil, nil, newErr(Corrupt, "header: data after the JSON object")
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i].e.Offsets, list[j].e.Offsets
		return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
	})
	ents := make([]entry, len(list))
	var off int64
	for i, t := range list {
		e := t.e
		what := fmt.Sprintf("tensor %q", t.name)
		size, ok := dtypes[e.DType]
		if !ok {
			return nil, nil, newErr(Unsupported, "%s has dtype %s; this reader converts F32, F64, F16 and BF16", what, e.DType)
		}
		n, err := elements(e.Shape, what, Corrupt)
		if err != nil {
			return nil, nil, err
		}
		if e.Offsets[0] != off {
			return nil, nil, newErr(Corrupt, "%s starts at data byte %d, want %d (holes and overlaps are not allowed)", what, e.Offsets[0], off)
		}
		if e.Offsets[1]-e.Offsets[0] != int64(n)*int64(size) {
			return nil, nil, newErr(Corrupt, "%s has shape %v of %s (%d bytes) but data_offsets %v", what, e.Shape, e.DType, int64(n)*int64(size), e.Offsets)
		}
		off = e.Offsets[1]
		ents[i] = e
		f.Tensors = append(f.Tensors, Tensor{Name: t.name, Shape: slices.Clip(e.Shape)})
	}
	return f, ents, nil
}

// decoder reads a file, keeping track of the bytes known to remain.
type decoder struct {
	r     io.Reader
	off   int64
	avail int64 // bytes known to remain in r, or -1
	buf   []byte
}

func (d *decoder) read(p []byte, what string) error {
	n, err := io.ReadFull(d.r, p)
	d.off += int64(n)
	if d.avail >= 0 {
		d.avail = max(d.avail-int64(n), 0)
	}
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return &Error{Kind: Truncated, Err: io.ErrUnexpectedEOF,
			Msg: fmt.Sprintf("truncated at byte %d: want %d bytes of %s, got %d", d.off, len(p), what, n)}
	case err != nil:
		return fmt.Errorf("safetensors: reading %s at byte %d: %w", what, d.off, err)
	}
	return nil
}

// need fails early, without allocating, when the input is known to hold fewer than
// n more bytes.
func (d *decoder) need(n int64, what string) error {
	if d.avail >= 0 && n > d.avail {
		return &Error{Kind: Truncated, Err: io.ErrUnexpectedEOF,
			Msg: fmt.Sprintf("truncated: %s at byte %d needs %d bytes, %d remain", what, d.off, n, d.avail)}
	}
	return nil
}

// tensor reads t's data as e describes it, converting to float32.
func (d *decoder) tensor(t *Tensor, e entry) error {
	size := dtypes[e.DType]
	n := int((e.Offsets[1] - e.Offsets[0]) / int64(size))
	if d.buf == nil {
		d.buf = make([]byte, 8*chunkFloats)
	}
	if d.avail >= 0 {
		t.Data = make([]float32, 0, n) // the bytes are known to be there
	} else {
		t.Data = make([]float32, 0, min(n, chunkFloats)) // grow as they arrive
	}
	le := binary.LittleEndian
	for len(t.Data) < n {
		k := min(n-len(t.Data), chunkFloats)
		b := d.buf[:size*k]
		if err := d.read(b, fmt.Sprintf("tensor %q", t.Name)); err != nil {
			return err
		}
		for j := range k {
			var v float32
			switch e.DType {
			case "F32":
				v = math.Float32frombits(le.Uint32(b[4*j:]))
			case "F64":
				v = float32(math.Float64frombits(le.Uint64(b[8*j:])))
			case "F16":
				v = half(le.Uint16(b[2*j:]))
			case "BF16":
				v = math.Float32frombits(uint32(le.Uint16(b[2*j:])) << 16)
			}
			t.Data = append(t.Data, v)
		}
	}
	return nil
}

// half converts IEEE 754 binary16 bits to float32 (exactly: every half is a float32).
func half(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinities and NaNs, payload kept
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac·2⁻²⁴
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// Read reads the safetensors file at path.
func Read(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := Decode(&sizedReader{bufio.NewReaderSize(fh, 256<<10), st.Size()})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// sizedReader is a buffered file that still tells iox.Remaining its length.
type sizedReader struct {
	r    io.Reader
	left int64
}

func (s *sizedReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.left -= int64(n)
	return n, err
}

// Len returns the bytes left.
func (s *sizedReader) Len() int { return int(s.left) }

// Write writes f to the file at path atomically: it encodes f into a temporary file
// in the same folder and renames it over path, so path is either untouched or holds
// the complete new file. The file gets mode 0644.
func Write(path string, f *File) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("safetensors: writing %s: %w", path, err)
	}
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
		return fmt.Errorf("safetensors: writing %s: %w", path, err)
	}
	if err := Encode(tmp, f); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fail(err)
	}
	return nil
}
