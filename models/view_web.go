package models

import "time"

// EndEpoch closes the current epoch like FinishEpoch, without evaluating
// on the test set and without appending to History: for a face that
// evaluates on its own schedule (the browser page evaluates every few
// seconds, and a full test pass per 30,000-example epoch would cost it a
// quarter of its time). Call it when Step reports the end of an epoch.
func (r *Run) EndEpoch() {
	r.Seconds += r.epochSecs + time.Since(r.epochStart).Seconds()
	r.lossSum, r.lossSteps = 0, 0
	r.epochStart, r.epochSecs = time.Time{}, 0
}
