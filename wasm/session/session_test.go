package session

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/predparams/predparams/engine/data"
	"github.com/predparams/predparams/engine/data/idx"
	"github.com/predparams/predparams/models"
)

func TestParseParams(t *testing.T) {
	for _, tc := range []struct {
		json string
		err  string // "" for valid
	}{
		{`{"model":"mlp","hidden":512,"depth":1,"dicts":["se"],"fraction":0.195,"columns":1,"length":2,"ridge":0.1,"optim":"adam","lr":0.002,"batch":64,"seed":1}`, ""},
		{`{"model":"conv","hidden":64,"depth":0,"dicts":["se","se","dense"],"fraction":0.25,"columns":2,"length":3,"ridge":0.1,"optim":"sgd","lr":0.01,"batch":100,"seed":7}`, ""},
		{`{"model":"resnet","hidden":64,"depth":1,"fraction":0.2,"columns":1,"length":2,"optim":"adam","lr":0.01,"batch":10}`, `model "resnet"`},
		{`{"model":"mlp","hidden":0,"depth":1,"fraction":0.2,"columns":1,"length":2,"optim":"adam","lr":0.01,"batch":10}`, "hidden width 0"},
		{`{"model":"mlp","hidden":64,"depth":3,"fraction":0.2,"columns":1,"length":2,"optim":"adam","lr":0.01,"batch":10}`, "hidden layers 3"},
		{`{"model":"mlp","hidden":64,"depth":1,"dicts":["se","se"],"fraction":0.2,"columns":1,"length":2,"optim":"adam","lr":0.01,"batch":10}`, "2 dictionaries for 1 hidden layers"},
		{`{"model":"mlp","hidden":64,"depth":1,"dicts":["wavelet"],"fraction":0.2,"columns":1,"length":2,"optim":"adam","lr":0.01,"batch":10}`, `dictionary "wavelet"`},
		{`{"model":"mlp","hidden":64,"depth":1,"fraction":0,"columns":1,"length":2,"optim":"adam","lr":0.01,"batch":10}`, "fraction learned 0"},
		{`{"model":"mlp","hidden":64,"depth":1,"fraction":0.2,"columns":1,"length":-1,"optim":"adam","lr":0.01,"batch":10}`, "length scale -1"},
		{`{"model":"mlp","hidden":64,"depth":1,"fraction":0.2,"columns":1,"length":2,"optim":"rmsprop","lr":0.01,"batch":10}`, `optimizer "rmsprop"`},
		{`{"model":"mlp","hidden":64,"depth":1,"fraction":0.2,"columns":1,"length":2,"optim":"adam","lr":0,"batch":10}`, "learning rate 0"},
		{`{"model":"mlp","hidden":64,"depth":1,"fraction":0.2,"columns":1,"length":2,"optim":"adam","lr":0.1,"batch":5000}`, "batch size 5000"},
		{`{"model":"mlp","extra":1}`, "unknown field"},
		{`{"model":`, "settings:"},
	} {
		_, err := ParseParams([]byte(tc.json))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.json, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one containing %q", tc.json, err, tc.err)
		}
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name   string
		p      func(*Params)
		layers []string // type and predict.dict of each layer
		err    string
	}{
		{"default", func(*Params) {}, []string{"dense/se", "dense/"}, ""},
		{"dense", func(p *Params) { *p = p.Dense() }, []string{"dense/", "dense/"}, ""},
		{"two layers", func(p *Params) { p.Depth, p.Dicts = 2, []string{"se", "emp"} }, []string{"dense/se", "dense/emp", "dense/"}, ""},
		{"conv", func(p *Params) { p.Model, p.Hidden, p.Dicts = "conv", 64, []string{"se", "dense", "randfixu"} },
			[]string{"conv/se", "maxpool/", "conv/", "maxpool/", "dense/randfixu", "dense/"}, ""},
		{"columns", func(p *Params) { p.Columns = 3 }, nil, "does not divide"},
	} {
		p := DefaultParams()
		tc.p(&p)
		c, err := p.Config()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var got []string
		for _, l := range c.Layers {
			d := ""
			if l.Predict != nil {
				d = l.Predict.Dict
			}
			got = append(got, l.Type+"/"+d)
		}
		if strings.Join(got, " ") != strings.Join(tc.layers, " ") {
			t.Errorf("%s: layers %v, want %v", tc.name, got, tc.layers)
		}
		if c.Train.Optimizer.LRDecay <= 1 || c.Train.Optimizer.MinLR <= 0 {
			t.Errorf("%s: optimizer %+v has no decay", tc.name, c.Train.Optimizer)
		}
	}
}

// synthetic returns n 28×28 examples of 10 classes that a small net
// separates quickly: class k lights row block k.
func synthetic(n int, seed uint64) *data.Dataset {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &data.Dataset{Name: "synthetic", N: n, H: 28, W: 28, C: 1, Classes: 10,
		X: make([]float32, n*784), Y: make([]int32, n)}
	for i := 0; i < n; i++ {
		k := i % 10
		d.Y[i] = int32(k)
		for p := 0; p < 784; p++ {
			v := 0.1 * r.Float32()
			if (p/28)/3 == k {
				v += 0.8
			}
			d.X[i*784+p] = v
		}
	}
	return d
}

func newTestSession(t *testing.T, p Params) *Session {
	t.Helper()
	s, err := New(p, synthetic(600, 1), synthetic(300, 2), models.Env{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWindowLabels checks that the batch labels the session reads are
// the trainer's: the window's mean loss equals the loss the run
// accumulates over the same steps of an epoch.
func TestWindowLabels(t *testing.T) {
	p := DefaultParams()
	p.Hidden, p.Batch = 16, 32
	s := newTestSession(t, p)
	for i := 1; i <= 5; i++ {
		s.step()
		loss, _ := s.win.mean()
		if run := s.Run.LastLoss(); math.Abs(loss-run) > 1e-5*math.Max(1, run) {
			t.Fatalf("after %d steps: window loss %v, the run's %v", i, loss, run)
		}
	}
}

func TestViews(t *testing.T) {
	p := DefaultParams()
	p.Hidden, p.Batch = 20, 10
	s := newTestSession(t, p)
	rows, acc := s.Table()
	if len(rows) != 2 || !(acc.FractionLearned > 0.19 && acc.FractionLearned < 0.2) {
		t.Errorf("table %+v, fraction learned %v", rows, acc.FractionLearned)
	}
	u, err := s.Units(0, 8)
	if err != nil {
		t.Fatal(err)
	}
	if u.Shown != 8 || len(u.Weights) != 8*784 || u.H != 28 || u.W != 28 || !u.Predicted || len(u.Alpha) != 1 || len(u.Alpha[0]) != 153 {
		t.Errorf("units: shown %d, %d weights, %d×%d, predicted %v, alpha %d", u.Shown, len(u.Weights), u.H, u.W, u.Predicted, len(u.Alpha))
	}
	if h, w := s.Layout(1); h != 4 || w != 5 {
		t.Errorf("layout of a 20-input layer %d×%d, want 4×5", h, w)
	}
	d, err := s.Unit(0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != "se" || d.NAlpha != 153 || d.NAtoms != MaxAtoms || len(d.Atoms) != MaxAtoms*784 {
		t.Errorf("unit detail: kind %s, n_α %d, %d atoms", d.Kind, d.NAlpha, d.NAtoms)
	}
	for _, bad := range [][2]int{{0, 20}, {0, -1}, {5, 0}, {-1, 0}} {
		if _, err := s.Unit(bad[0], bad[1]); err == nil {
			t.Errorf("Unit(%d, %d) gave no error", bad[0], bad[1])
		}
	}
	img, _ := Preprocess(bar(100, 100, 45, 10, 55, 90), 100, 100)
	probs, err := s.Predict(img)
	if err != nil {
		t.Fatal(err)
	}
	sum := float32(0)
	for _, v := range probs {
		sum += v
	}
	if len(probs) != 10 || math.Abs(float64(sum-1)) > 1e-4 {
		t.Errorf("probabilities %v", probs)
	}
	if _, err := s.Predict(make([]float32, 10)); err == nil {
		t.Error("Predict took 10 pixels")
	}
}

// bar returns a w×h drawing with ink in the rectangle [x0,x1)×[y0,y1).
func bar(w, h, x0, y0, x1, y1 int) []float32 {
	pix := make([]float32, w*h)
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			pix[y*w+x] = 1
		}
	}
	return pix
}

func TestPreprocess(t *testing.T) {
	for _, tc := range []struct {
		name         string
		pix          []float32
		w, h         int
		ink          bool
		boxW, boxH   int // expected ink bounding box
		centreTol    float64
		wantCentreOK bool
	}{
		{"blank", make([]float32, 64), 8, 8, false, 0, 0, 0, false},
		{"too short", make([]float32, 3), 8, 8, false, 0, 0, 0, false},
		{"vertical bar", bar(200, 200, 90, 20, 110, 180), 200, 200, true, 3, 20, 1, true},
		{"off-centre square", bar(100, 100, 0, 0, 30, 30), 100, 100, true, 20, 20, 1, true},
		{"one pixel", bar(10, 10, 9, 9, 10, 10), 10, 10, true, 20, 20, 1, true},
	} {
		img, ink := Preprocess(tc.pix, tc.w, tc.h)
		if len(img) != 784 || ink != tc.ink {
			t.Errorf("%s: %d pixels, ink %v", tc.name, len(img), ink)
			continue
		}
		if !ink {
			continue
		}
		x0, y0, x1, y1 := 28, 28, -1, -1
		var mass, cx, cy float64
		for y := 0; y < 28; y++ {
			for x := 0; x < 28; x++ {
				if v := float64(img[y*28+x]); v > 0.05 {
					x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
					mass += v
					cx += v * (float64(x) + 0.5)
					cy += v * (float64(y) + 0.5)
				}
			}
		}
		if bw, bh := x1-x0+1, y1-y0+1; bw != tc.boxW || bh != tc.boxH {
			t.Errorf("%s: ink box %d×%d, want %d×%d", tc.name, bw, bh, tc.boxW, tc.boxH)
		}
		if cx, cy = cx/mass, cy/mass; math.Abs(cx-14) > tc.centreTol || math.Abs(cy-14) > tc.centreTol {
			t.Errorf("%s: centre of mass (%.2f, %.2f), want (14, 14)", tc.name, cx, cy)
		}
	}
}

func TestDecodeMNIST(t *testing.T) {
	img := make([]byte, 16+2*784)
	binary.BigEndian.PutUint32(img, idx.ImagesMagic)
	binary.BigEndian.PutUint32(img[4:], 2)
	binary.BigEndian.PutUint32(img[8:], 28)
	binary.BigEndian.PutUint32(img[12:], 28)
	img[16+5] = 255
	lab := []byte{0, 0, 8, 1, 0, 0, 0, 2, 7, 3}
	for _, tc := range []struct {
		name     string
		img, lab []byte
		err      string
	}{
		{"good", img, lab, ""},
		{"truncated images", img[:100], lab, "train images"},
		{"label count", img, append(lab[:7:7], 1, 7), "2 images but 1 labels"},
		{"label range", img, []byte{0, 0, 8, 1, 0, 0, 0, 2, 7, 12}, "label 12"},
	} {
		d, err := DecodeMNIST("train", tc.img, tc.lab)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if d.N != 2 || d.X[5] != 1 || d.X[6] != 0 || d.Y[0] != 7 || d.Y[1] != 3 {
			t.Errorf("%s: decoded %d examples, x[5]=%v, labels %v", tc.name, d.N, d.X[5], d.Y)
		}
	}
}

// TestAdvanceDiverges checks that a session whose training loss stops
// being finite (here from a poisoned weight: the page's learning rates
// are bounded) stops training and reports the run's error.
func TestAdvanceDiverges(t *testing.T) {
	p := DefaultParams()
	p.Hidden, p.Batch, p.Dicts = 32, 50, []string{"dense"}
	s := newTestSession(t, p)
	u := s.Advance(20 * time.Millisecond)
	s.Run.Model.Net.Data[0] = float32(math.Inf(1))
	for i := 0; i < 100 && u.Err == nil; i++ {
		u = s.Advance(20 * time.Millisecond)
	}
	var d *models.DivergedError
	if !errors.As(u.Err, &d) {
		t.Fatalf("Err = %v, want a *models.DivergedError", u.Err)
	}
	steps := u.Steps
	if u = s.Advance(20 * time.Millisecond); u.Steps != steps || u.Err == nil {
		t.Errorf("after diverging: %d steps (was %d), Err %v", u.Steps, steps, u.Err)
	}
	if math.IsNaN(u.TrainLoss) {
		t.Error("the window holds the non-finite loss")
	}
}
