package session

import "testing"

func TestCell(t *testing.T) {
	p := DefaultParams()
	p.Hidden = 16
	s := newTestSession(t, p)
	sum := 0
	for c := 0; c < 10; c++ {
		idx, pix, total, err := s.Cell(3, c, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(idx) != min(5, total) || len(pix) != len(idx)*784 {
			t.Errorf("cell (3, %d): %d indices, %d pixels, total %d", c, len(idx), len(pix), total)
		}
		for _, i := range idx {
			if s.Run.Test.Y[i] != 3 {
				t.Errorf("cell (3, %d) holds test digit %d of class %d", c, i, s.Run.Test.Y[i])
			}
		}
		sum += total
	}
	if sum != 30 {
		t.Errorf("row 3 of the confusion counts %d digits, the test set has 30 threes", sum)
	}
	if _, _, _, err := s.Cell(10, 0, 1); err == nil {
		t.Error("cell (10, 0) gave no error")
	}
}
