package site

import (
	"path/filepath"
	"testing"
)

// TestFig4 reads the summaries of a small dictionaries experiment: the
// mean and standard deviation of the test error per arm and fraction.
func TestFig4(t *testing.T) {
	dir := t.TempDir()
	for i, s := range []string{
		`{"name":"dictionaries.se-emp.f0.1.s1","test_error":0.02,"fraction_learned":0.1}`,
		`{"name":"dictionaries.se-emp.f0.1.s2","test_error":0.04,"fraction_learned":0.1}`,
		`{"name":"dictionaries.dense.f1.s1","test_error":0.015,"fraction_learned":1}`,
		`{"name":"other","test_error":1}`,
	} {
		write(t, filepath.Join(dir, string(rune('a'+i)), "summary.json"), s)
	}
	pts, err := Fig4(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 2 || pts[1].Arm != "se-emp" || pts[1].Seeds != 2 || pts[1].Error != 0.03 || pts[1].Fraction != 0.1 ||
		pts[1].Std < 0.0141 || pts[1].Std > 0.0142 || pts[0].Arm != "dense" || pts[0].Learned != 1 {
		t.Errorf("points %+v", pts)
	}
	if _, err := Fig4(filepath.Join(dir, "missing")); err == nil {
		t.Error("no error for a missing folder")
	}
}
