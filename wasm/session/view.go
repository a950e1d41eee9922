package session

import (
	"bytes"
	"fmt"
	"math"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/idx"
	"github.com/predparams/predparams/models"
)

// DecodeMNIST reads one MNIST set from the page's data files: IDX images
// of 28×28 pixels and IDX labels, each plain or gzip'd. Pixels are scaled
// to [0, 1] as x/255, as mnist.Load does.
func DecodeMNIST(name string, images, labels []byte) (*data.Dataset, error) {
	return DecodeMNISTFirst(name, images, labels, -1)
}

// DecodeMNISTFirst is DecodeMNIST keeping only the first limit examples
// (all of them if limit < 0).
func DecodeMNISTFirst(name string, images, labels []byte, limit int) (*data.Dataset, error) {
	const side, classes = 28, 10
	n, pix, err := idx.ReadImagesSize(bytes.NewReader(images), side, side)
	if err != nil {
		return nil, fmt.Errorf("%s images: %w", name, err)
	}
	lab, err := idx.ReadLabels(bytes.NewReader(labels))
	if err != nil {
		return nil, fmt.Errorf("%s labels: %w", name, err)
	}
	if len(lab) != n {
		return nil, fmt.Errorf("%s: %d images but %d labels", name, n, len(lab))
	}
	if limit >= 0 && limit < n {
		n, pix, lab = limit, pix[:limit*side*side], lab[:limit]
	}
	d := &data.Dataset{Name: name, N: n, H: side, W: side, C: 1, Classes: classes,
		X: make([]float32, len(pix)), Y: make([]int32, n)}
	for i, p := range pix {
		d.X[i] = float32(p) / 255
	}
	for i, l := range lab {
		d.Y[i] = int32(l)
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// Row is one line of the parameter table.
type Row struct {
	Layer int    `json:"layer"`
	Kind  string `json:"kind"`
	Desc  string `json:"desc"`
	// Static counts U's entries, Learned the trained weights (V, or W),
	// Biases the biases; Total is Learned+Biases, DenseEquivalent what an
	// ordinary layer would train, biases included.
	Static          int `json:"static"`
	Learned         int `json:"learned"`
	Biases          int `json:"biases"`
	Total           int `json:"total"`
	DenseEquivalent int `json:"denseEquivalent"`
	// Fraction is Learned over the dense layer's weights (1 for dense).
	Fraction float64 `json:"fraction"`
}

// Table returns the per-layer parameter table of layers with parameters
// and the model's totals.
func (s *Session) Table() ([]Row, models.Accounting) { return table(s.Run.Model) }

func table(m *models.Model) ([]Row, models.Accounting) {
	var rows []Row
	for i, l := range m.Layers {
		if l.DenseWeights == 0 {
			continue
		}
		rows = append(rows, Row{Layer: i, Kind: l.Kind, Desc: l.Desc, Static: l.Static, Learned: l.Learned,
			Biases: l.Biases, Total: l.Learned + l.Biases, DenseEquivalent: l.DenseWeights + l.Biases,
			Fraction: float64(l.Learned) / float64(l.DenseWeights)})
	}
	return rows, m.Accounting()
}

// Layout returns the image size (h rows of w pixels) that shows the
// incoming weights of one unit of layer i: row r of W is pixel r. An
// H×W×C input is drawn H × W·C (channels side by side within a pixel, as
// NHWC stores them); a conv filter K × K·C; a flat input of n values as a
// near-square block.
func (s *Session) Layout(i int) (h, w int) {
	net := s.Run.Model.Net
	in := net.In
	if i > 0 {
		in = net.Shapes[i-1]
	}
	switch l := net.Layers[i].(type) {
	case *engine.Conv2D:
		return l.K, l.K * in.C
	}
	if in.H > 1 || in.W > 1 {
		return in.H, in.W * in.C
	}
	n := in.Size()
	w = int(math.Ceil(math.Sqrt(float64(n))))
	return (n + w - 1) / w, w
}

// Units is the incoming weights of the first units of a layer, for the
// grid of unit images.
type Units struct {
	Layer, Rows, Units int
	// H, W is the image layout of Rows (see Session.Layout).
	H, W int
	// Shown units are included, the first ones; Weights holds Shown×Rows
	// values, one unit after another.
	Shown   int
	Weights []float32
	// Predicted reports a predicted layer; Columns is its J, Alpha[j]
	// column j's positions (nil when the atoms are not positions). Unit u
	// belongs to column u/(Units/Columns).
	Predicted bool
	Columns   int
	Alpha     [][]int
}

// WeightLayers returns the indices of the layers that have weights.
func (s *Session) WeightLayers() []int {
	var out []int
	for i, l := range s.Run.Model.Layers {
		if l.DenseWeights > 0 {
			out = append(out, i)
		}
	}
	return out
}

// Units returns the incoming weights of at most max units of layer i.
func (s *Session) Units(i, max int) (*Units, error) {
	m := s.Run.Model
	if i < 0 || i >= len(m.Layers) || m.Layers[i].DenseWeights == 0 {
		return nil, fmt.Errorf("layer %d has no weights", i)
	}
	w, rows, units := m.Weights(i, nil)
	if w == nil {
		w, rows, units = m.Weights(i, make([]float32, s.weightSize(i)))
	}
	if w == nil {
		return nil, fmt.Errorf("layer %d has no weights", i)
	}
	h, wd := s.Layout(i)
	shown := min(units, max)
	u := &Units{Layer: i, Rows: rows, Units: units, H: h, W: wd, Shown: shown,
		Weights: make([]float32, shown*rows), Columns: 1}
	for r := 0; r < rows; r++ {
		row := w[r*units : r*units+shown]
		for j, v := range row {
			u.Weights[j*rows+r] = v
		}
	}
	if d := m.Dictionary(i); d != nil {
		u.Predicted, u.Columns, u.Alpha = true, d.Columns, d.Alpha
	}
	return u, nil
}

// weightSize returns rows×units of layer i's W from its accounting.
func (s *Session) weightSize(i int) int { return s.Run.Model.Layers[i].DenseWeights }

// MaxAtoms bounds the dictionary atoms a UnitDetail carries.
const MaxAtoms = 24

// UnitDetail is everything the page shows about one unit.
type UnitDetail struct {
	Layer, Unit int
	H, W, Rows  int
	// Weights is the unit's incoming weights (U·V for a predicted layer).
	Weights []float32
	// Kind is the dictionary ("se", …, or "dense"); Column is the unit's
	// column j, NAlpha its n_α, Alpha its positions (nil when atoms are
	// not positions).
	Kind   string
	Column int
	NAlpha int
	Alpha  []int
	// Atoms holds the first NAtoms columns of U_j, each Rows values.
	NAtoms int
	Atoms  []float32
}

// Unit returns the detail of unit u of layer i.
func (s *Session) Unit(i, u int) (*UnitDetail, error) {
	us, err := s.Units(i, math.MaxInt)
	if err != nil {
		return nil, err
	}
	if u < 0 || u >= us.Units {
		return nil, fmt.Errorf("layer %d has no unit %d", i, u)
	}
	d := &UnitDetail{Layer: i, Unit: u, H: us.H, W: us.W, Rows: us.Rows, Kind: "dense",
		Weights: us.Weights[u*us.Rows : (u+1)*us.Rows]}
	dict := s.Run.Model.Dictionary(i)
	if dict == nil {
		return d, nil
	}
	j := u / (dict.Units / dict.Columns)
	d.Kind, d.Column, d.NAlpha = dict.Kind, j, dict.NAlpha
	if j < len(dict.Alpha) {
		d.Alpha = dict.Alpha[j]
	}
	if j < len(dict.U) {
		uj := dict.U[j]
		d.NAtoms = min(dict.NAlpha, MaxAtoms)
		d.Atoms = make([]float32, d.NAtoms*dict.Rows)
		for r := 0; r < dict.Rows; r++ {
			for a := 0; a < d.NAtoms; a++ {
				d.Atoms[a*dict.Rows+r] = uj[r*dict.NAlpha+a]
			}
		}
	}
	return d, nil
}

// Predict returns the model's class probabilities for one 28×28 image.
func (s *Session) Predict(img []float32) ([]float32, error) {
	net := s.Run.Model.Net
	if len(img) != net.In.Size() {
		return nil, fmt.Errorf("image of %d pixels, want %d", len(img), net.In.Size())
	}
	logits := net.Forward(img, 1)
	p := make([]float32, len(logits))
	engine.Softmax(p, logits)
	return p, nil
}

// Preprocess turns a drawing of w×h pixels (0 blank to 1 ink) into an
// MNIST-like 28×28 image, as MNIST's digits were made: the ink's bounding
// box is scaled to fit a 20×20 box, keeping its aspect ratio, and placed
// so that its centre of mass is at the centre of the 28×28 field. It
// reports false, and a blank image, when there is no ink.
func Preprocess(pix []float32, w, h int) ([]float32, bool) {
	const side, box, ink = 28, 20, 0.05
	out := make([]float32, side*side)
	if w <= 0 || h <= 0 || len(pix) < w*h {
		return out, false
	}
	x0, y0, x1, y1 := w, h, -1, -1
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if pix[y*w+x] > ink {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return out, false
	}
	bw, bh := x1-x0+1, y1-y0+1
	scale := float64(box) / float64(max(bw, bh))
	tw, th := max(1, int(math.Round(float64(bw)*scale))), max(1, int(math.Round(float64(bh)*scale)))
	// Downscale by averaging the source pixels whose centres fall in each
	// target pixel; a target pixel that gets none (upscaling) takes the
	// source pixel under its centre.
	small := make([]float32, tw*th)
	count := make([]int, tw*th)
	for y := y0; y <= y1; y++ {
		ty := min(th-1, int(float64(y-y0)*scale))
		for x := x0; x <= x1; x++ {
			tx := min(tw-1, int(float64(x-x0)*scale))
			small[ty*tw+tx] += pix[y*w+x]
			count[ty*tw+tx]++
		}
	}
	var mass, cx, cy float64
	for ty := 0; ty < th; ty++ {
		for tx := 0; tx < tw; tx++ {
			i := ty*tw + tx
			if count[i] > 0 {
				small[i] /= float32(count[i])
			} else {
				sx := min(x1, x0+int((float64(tx)+0.5)/scale))
				sy := min(y1, y0+int((float64(ty)+0.5)/scale))
				small[i] = pix[sy*w+sx]
			}
			v := float64(small[i])
			mass += v
			cx += v * (float64(tx) + 0.5)
			cy += v * (float64(ty) + 0.5)
		}
	}
	cx, cy = cx/mass, cy/mass
	ox, oy := int(math.Round(side/2-cx)), int(math.Round(side/2-cy))
	for ty := 0; ty < th; ty++ {
		for tx := 0; tx < tw; tx++ {
			x, y := tx+ox, ty+oy
			if x >= 0 && x < side && y >= 0 && y < side {
				out[y*side+x] = min(1, small[ty*tw+tx])
			}
		}
	}
	return out, true
}
