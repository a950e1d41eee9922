package session

import (
	"testing"
	"time"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/safetensors"
	"github.com/predparams/predparams/models"
)

// TestExportSafetensors trains page models with each of the page's
// dictionaries briefly, exports them as the "Download model" button
// would, imports the file as headless -import does and checks that the
// imported model gives the session's test error and loss exactly.
func TestExportSafetensors(t *testing.T) {
	for _, dicts := range [][]string{{"se"}, {"emp"}, {"randfixu", "lowrank"}, {"dense"}} {
		p := DefaultParams()
		p.Hidden, p.Dicts, p.Depth = 32, dicts, len(dicts)
		s := newTestSession(t, p)
		s.Advance(100 * time.Millisecond)
		b, err := s.ExportSafetensors()
		if err != nil {
			t.Fatal(err)
		}
		f, err := safetensors.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		m, err := models.Import(f, nil, s.Run.Train, models.Env{Threads: 1})
		if err != nil {
			t.Fatalf("%v: %v", dicts, err)
		}
		wantErr, wantLoss := engine.Evaluate(s.Run.Model.Net, s.Run.Test, nil)
		gotErr, gotLoss := engine.Evaluate(m.Net, s.Run.Test, nil)
		if gotErr != wantErr || gotLoss != wantLoss {
			t.Fatalf("%v: imported model: error %v, loss %v; the session's %v, %v", dicts, gotErr, gotLoss, wantErr, wantLoss)
		}
	}
}
