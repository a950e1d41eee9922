package main

import (
	"fmt"

	"github.com/predparams/predparams/native/reproduce/stats"
	"github.com/predparams/predparams/native/reproduce/verdict"
)

func reportFSDD(s *section) {
	s.printf("**Setup.** Free Spoken Digit Dataset (3,000 clips, 6 speakers, 8 kHz), official split: takes 0–4 of every speaker and digit are the 300 test clips, takes 5–49 the 2,700 training clips (speakers are shared). Features computed in Go (`engine/data/mfcc.go`, `models/data_fsdd.go`): log-mel spectrogram (25 ms Hamming frames every 10 ms, 256-point FFT, 32 mel bands up to 4 kHz, pre-emphasis 0.97), stretched in time to 32 frames by linear interpolation, each band standardised with training statistics: 1,024 inputs. MLP 1024-500-500-10, ReLU, both hidden layers predicted with Emp–Emp, Emp2–Emp2 or SE–Emp (SE over the (time, band) map); `dense, narrower` is a dense 1024-h-h-10 net with the trained-parameter count of the Emp–Emp net at that fraction. ")
	runs := s.sel(armDense, -1)
	if len(runs) == 0 {
		s.printf("\n\nThe FSDD folder was not given when this report was generated, so the experiment is skipped: set `FSDD_DIR` or pass `-fsdd DIR`.\n\n")
		s.verdict("Data-driven dictionaries predict the weights of a net on non-image data (R6, R7)", "FSDD absent", verdict.NotMeasured)
		return
	}
	s.printf("%s. %s. The test set has 300 clips, so one clip is 0.33 points of error.\n\n", s.trainSetup(runs[0]), s.seedsNote())
	claim := "Data-driven dictionaries (Emp) predict most weights of a net on non-image data without loss (R6, R7)"
	if s.noData() {
		s.verdict(claim, "FSDD results absent (no folder, or not run yet)", verdict.NotMeasured)
		s.verdict("At equal learned parameters the predicted Emp–Emp net beats a down-sized dense net on FSDD", "—", verdict.NotMeasured)
		return
	}
	arms := []string{"Emp–Emp", "Emp2–Emp2", "SE–Emp", armNarrow, armDense}
	s.errorTable("fraction f", arms)
	s.curves("error", "FSDD spoken digits: test error against the fraction learned", arms[:3], armDense)
	dense := s.errs(armDense, 1)
	points := below(s.points("Emp–Emp"))
	lowest, found := 0.0, false
	for _, p := range points {
		if c := stats.Compare(s.errs("Emp–Emp", p), dense); c.OK && !c.Worse() {
			lowest, found = p, true
			break
		}
	}
	v := verdict.SmallestWithinNoise(stats.Compare(s.errs("Emp–Emp", points[0]), dense).OK, points[0], lowest, found)
	at := "none"
	if found {
		at = fmt.Sprintf("%g", lowest)
	}
	s.verdict(claim, fmt.Sprintf("smallest fraction where Emp–Emp is within noise of dense (%s): %s", dense.Pct(), at), v)
	t := s.compareArms("Emp–Emp", armNarrow, points)
	s.verdict("At equal learned parameters the predicted Emp–Emp net beats a down-sized dense net on FSDD", "Emp–Emp against dense, narrower: "+t.String(), t.Beats())
	e2 := s.compareArms("Emp2–Emp2", "Emp–Emp", points)
	se := s.compareArms("SE–Emp", "Emp–Emp", points)
	s.printf("Emp–Emp against the down-sized dense net: %s. Emp2–Emp2 against Emp–Emp: %s. SE–Emp against Emp–Emp: %s.\n\n", t, e2, se)
}
