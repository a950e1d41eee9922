package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/predparams/predparams/models"
)

// progress shows training progress: a redrawn bar on a terminal, or a log
// line every few seconds when output goes to a file or a pipe.
type progress struct {
	w          io.Writer
	bar, plain bool
	every      time.Duration
	last       time.Time
	// rate is measured over the last few seconds: examples seen at
	// markTime.
	markTime time.Time
	markDone int64
	rate     float64
	drawn    bool
}

func newProgress(w io.Writer, mode string, quiet bool) *progress {
	p := &progress{w: w}
	if quiet || mode == "none" {
		return p
	}
	if mode == "auto" {
		mode = "plain"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = "bar"
		}
	}
	p.bar, p.plain = mode == "bar", mode == "plain"
	p.every = 10 * time.Second
	if p.bar {
		p.every = 200 * time.Millisecond
	}
	return p
}

// update is called after every step; it redraws at most every p.every.
func (p *progress) update(r *models.Run, done, total int64) {
	if !p.bar && !p.plain {
		return
	}
	now := time.Now()
	if p.markTime.IsZero() {
		p.markTime, p.markDone, p.last = now, done, now
		return
	}
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	if dt := now.Sub(p.markTime).Seconds(); dt >= 1 && done > p.markDone {
		p.rate = float64(done-p.markDone) / dt
		if dt > 5 { // slide the window
			p.markTime, p.markDone = now, done
		}
	}
	eta := "?"
	if p.rate > 0 {
		eta = (time.Duration(float64(total-done)/p.rate) * time.Second).Round(time.Second).String()
	}
	epochs := r.Model.Config.Train.Epochs
	line := fmt.Sprintf("epoch %d/%d %5.1f%%  %8.0f examples/s  ETA %s  loss %.4f",
		r.Trainer.Epoch+1, epochs, 100*float64(done)/float64(total), p.rate, eta, r.LastLoss())
	if p.bar {
		const width = 30
		fill := int(width * done / max(total, 1))
		fmt.Fprintf(p.w, "\r[%s%s] %s\x1b[K", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), line)
		p.drawn = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// epoch prints the line of a finished epoch.
func (p *progress) epoch(r *models.Run, m models.EpochMetrics) {
	if !p.bar && !p.plain {
		return
	}
	p.clear()
	fmt.Fprintf(p.w, "epoch %d/%d  train_loss %.4f  test_error %.2f%%  %.1f s  %.0f examples/s\n",
		m.Epoch, r.Model.Config.Train.Epochs, m.TrainLoss, 100*m.TestError, m.Seconds, m.ExamplesPerS)
}

// clear erases the bar, if one is drawn.
func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}
