package session

import (
	"slices"
	"strings"
	"testing"

	"github.com/predparams/predparams/models"
)

// TestMenus checks that every kind a menu offers builds in its layer, and
// that the menus follow the table: conv layers offer no data-driven kind,
// a flat input no spatial one.
func TestMenus(t *testing.T) {
	m, err := NewMenus()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Kinds) != len(models.DictKinds()) {
		t.Errorf("%d kinds, the table has %d", len(m.Kinds), len(models.DictKinds()))
	}
	for _, tc := range []struct {
		model      string
		slots      int
		has, hasnt map[int][]string
	}{
		{"mlp1", 1, map[int][]string{0: {"se", "emp", "dct", "lowrank"}}, nil},
		{"mlp2", 2, map[int][]string{1: {"emp", "randfixu"}}, map[int][]string{1: {"se", "dct"}}},
		{"conv", 3, map[int][]string{0: {"se", "dct", "randcon"}, 1: {"se"}, 2: {"se", "emp"}}, map[int][]string{0: {"emp", "pca", "ae"}, 1: {"emp"}}},
	} {
		slots := m.Models[tc.model]
		if len(slots) != tc.slots {
			t.Fatalf("%s: %d slots, want %d", tc.model, len(slots), tc.slots)
		}
		for i, names := range tc.has {
			for _, n := range names {
				if !slices.Contains(slots[i].Kinds, n) {
					t.Errorf("%s layer %d does not offer %s: %v", tc.model, i+1, n, slots[i].Kinds)
				}
			}
		}
		for i, names := range tc.hasnt {
			for _, n := range names {
				if slices.Contains(slots[i].Kinds, n) {
					t.Errorf("%s layer %d offers %s, which it rejects", tc.model, i+1, n)
				}
			}
		}
	}
	// Every offered kind builds (Describe), so Train never meets a
	// "not available" error for a menu choice.
	train := synthetic(60, 1)
	for _, mm := range MenuModels {
		for i, s := range m.Models[mm.Name] {
			for _, k := range s.Kinds {
				p := DefaultParams()
				p.Model, p.Depth, p.Hidden = mm.Model, mm.Depth, 16
				p.Dicts = make([]string, mm.HiddenLayers)
				for j := range p.Dicts {
					p.Dicts[j] = "dense"
				}
				p.Dicts[i] = k
				if _, err := Describe(p, train); err != nil {
					t.Errorf("%s layer %d with %s: %v", mm.Name, i+1, k, err)
				}
			}
		}
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		dict    string
		learned float64 // fraction learned, as the model counts it
		err     string
	}{
		{"se", 0.195, ""},
		{"lowrank", 0.195 + 0.195*784/512, ""},
		{"randfixu", 0.195, ""},
		{"dense", 1, ""},
	} {
		p := DefaultParams()
		p.Dicts = []string{tc.dict}
		d, err := Describe(p, synthetic(60, 1))
		if err != nil {
			t.Fatalf("%s: %v", tc.dict, err)
		}
		if got := d.Accounting.FractionLearned; got < tc.learned-0.002 || got > tc.learned+0.002 {
			t.Errorf("%s: fraction learned %.4f, want %.4f", tc.dict, got, tc.learned)
		}
	}
	p := DefaultParams()
	p.Model, p.Dicts = "conv", []string{"se", "emp"}
	if _, err := Describe(p, synthetic(60, 1)); err == nil || !strings.Contains(err.Error(), "not available in conv") {
		t.Errorf("emp in a conv layer: error %v", err)
	}
}
