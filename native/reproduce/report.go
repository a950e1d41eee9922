package main

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/predparams/predparams/engine/data/photo"
	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/native/reproduce/runstore"
	"github.com/predparams/predparams/native/reproduce/stats"
	"github.com/predparams/predparams/native/reproduce/verdict"
)

// loaded is a run's stored results.
type loaded struct {
	dir string
	// sum is summary.json of a training run (nil for other kinds);
	// summary is what the run's kind made of summary.json (every kind).
	sum     *models.Summary
	summary any
	rec     runstore.Record
}

// resultSet finds runs' results in one or more results folders.
type resultSet struct {
	roots []string
	cache map[string]*loaded
	// failed maps a run's Exp/hash to the first line of its error.txt
	// when it has no summary; unreadable to why its summary.json is not
	// its results; refused to the code states of a done run that the
	// tuned grid does not count (see counts).
	failed, unreadable, refused map[string]string
	// anyCode counts runs of any code state (the quick variant).
	anyCode bool
}

func newResultSet(roots []string) *resultSet {
	return &resultSet{roots: roots, cache: map[string]*loaded{}, failed: map[string]string{}, unreadable: map[string]string{}, refused: map[string]string{}}
}

// get returns the run's results, or nil when no folder has them done.
func (rs *resultSet) get(r *Run) *loaded {
	key := r.key()
	if l, ok := rs.cache[key]; ok {
		return l
	}
	var l *loaded
	res, err := r.find(rs.roots)
	if err == nil {
		l = &loaded{dir: res.Dir, summary: res.Summary, rec: res.Record}
		l.sum, _ = res.Summary.(*models.Summary)
	} else if !errors.Is(err, runstore.ErrNotDone) {
		rs.unreadable[key] = err.Error()
	}
	if l == nil {
		for _, root := range rs.roots {
			if b, err := os.ReadFile(filepath.Join(r.Dir(root), runstore.ErrorFile)); err == nil {
				lines := strings.SplitN(string(b), "\n", 3)
				msg := strings.TrimPrefix(lines[min(1, len(lines)-1)], "error: ")
				if len(lines) > 2 {
					// The trainer's own message is the last non-empty line.
					tail := strings.Split(strings.TrimSpace(lines[2]), "\n")
					if t := strings.TrimSpace(tail[len(tail)-1]); t != "" {
						msg = t
					}
				}
				rs.failed[key] = msg
				break
			}
		}
	}
	rs.cache[key] = l
	return l
}

// claimRow is one row of the verdicts table.
type claimRow struct {
	claim, measured, section string
	verdict                  verdict.Verdict
	// effect is the tuned grid's effect sizes with their intervals.
	effect string
}

// section is one experiment's part of the report.
type section struct {
	exp    *experiment
	v      variant
	rs     *resultSet
	runs   []*Run
	buf    bytes.Buffer
	figDir string // where figures are written
	figRel string // figures' folder as RESULTS.md links it
	// verdicts collects the earlier grid's rows and tunedRows the tuned
	// grid's; figures the files written.
	verdicts  []claimRow
	tunedRows []claimRow
	// t resolves the tuned grid's families from the results.
	t       *tuner
	figures []string
	err     error
}

func (s *section) printf(format string, args ...any) { fmt.Fprintf(&s.buf, format, args...) }

// verdict adds a summary row.
func (s *section) verdict(claim, measured string, v verdict.Verdict) {
	s.verdicts = append(s.verdicts, claimRow{claim: claim, measured: measured, verdict: v, section: s.exp.name})
}

// select returns the runs of arm (all points), or of arm at point when
// point ≥ 0.
func (s *section) sel(arm string, point float64) []*Run {
	var out []*Run
	for _, r := range s.runs {
		if r.Arm == arm && (point < 0 || r.Point == point) {
			out = append(out, r)
		}
	}
	return out
}

// metric returns a statistic over runs: f of each found summary.
func (s *section) metric(runs []*Run, f func(*models.Summary) float64) stats.Sample {
	st := stats.Sample{Want: len(runs)}
	for _, r := range runs {
		if l := s.rs.get(r); l != nil && l.sum != nil {
			st.Vals = append(st.Vals, f(l.sum))
		}
	}
	return st
}

// errs returns the test error in percent of arm at point.
func (s *section) errs(arm string, point float64) stats.Sample {
	return s.metric(s.sel(arm, point), func(m *models.Summary) float64 { return 100 * m.TestError })
}

// learned returns the trainable numbers of arm at point.
func (s *section) learned(arm string, point float64) stats.Sample {
	return s.metric(s.sel(arm, point), func(m *models.Summary) float64 { return float64(m.TotalTrainable) })
}

// fraction returns the fraction learned (the paper's count) of arm at
// point.
func (s *section) fraction(arm string, point float64) stats.Sample {
	return s.metric(s.sel(arm, point), func(m *models.Summary) float64 { return m.FractionLearned })
}

// arms returns the arms of the section's runs in order of first
// appearance, and points the distinct points of an arm in increasing
// order.
func (s *section) arms() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range s.runs {
		if !seen[r.Arm] {
			seen[r.Arm] = true
			out = append(out, r.Arm)
		}
	}
	return out
}

func (s *section) points(arm string) []float64 {
	seen := map[float64]bool{}
	var out []float64
	for _, r := range s.sel(arm, -1) {
		if !seen[r.Point] {
			seen[r.Point] = true
			out = append(out, r.Point)
		}
	}
	sort.Float64s(out)
	return out
}

// found counts the runs with results.
func (s *section) found() (n, total int) {
	for _, r := range s.runs {
		if s.rs.get(r) != nil {
			n++
		}
	}
	return n, len(s.runs)
}

// table writes a markdown table.
func (s *section) table(header []string, rows [][]string) {
	s.printf("| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("---|", len(header)))
	for _, r := range rows {
		s.printf("| %s |\n", strings.Join(r, " | "))
	}
	s.printf("\n")
}

// errorTable writes the table of test errors of arms (columns) against
// points (rows).
func (s *section) errorTable(pointLabel string, arms []string) {
	var points []float64
	seen := map[float64]bool{}
	for _, a := range arms {
		for _, p := range s.points(a) {
			if !seen[p] {
				seen[p] = true
				points = append(points, p)
			}
		}
	}
	sort.Float64s(points)
	header := append([]string{pointLabel}, arms...)
	var rows [][]string
	for _, p := range points {
		row := []string{fmt.Sprintf("%g", p)}
		for _, a := range arms {
			if len(s.sel(a, p)) == 0 {
				row = append(row, "")
				continue
			}
			row = append(row, s.errs(a, p).Format(2))
		}
		rows = append(rows, row)
	}
	s.table(header, rows)
}

// trainSetup describes the training of a section's runs from the first
// found summary: data, epochs, examples, optimizer.
func (s *section) trainSetup(r *Run) string {
	c := r.Config
	t := c.Train
	n := "all"
	if t.TrainExamples > 0 {
		n = fmt.Sprintf("the first %d", t.TrainExamples)
	}
	o := t.Optimizer
	opt := fmt.Sprintf("%s lr %g", o.Kind, o.LR)
	if o.LRDecay > 1 {
		opt += fmt.Sprintf(" ÷%g per update", o.LRDecay)
	}
	if o.Momentum > 0 {
		opt += fmt.Sprintf(", momentum %g", o.Momentum)
	}
	if o.WeightDecay > 0 {
		opt += fmt.Sprintf(", weight decay %g", o.WeightDecay)
	}
	if o.MaxNorm > 0 {
		opt += fmt.Sprintf(", max-norm %g", o.MaxNorm)
	}
	s2 := fmt.Sprintf("%d epochs on %s training examples of %s, batch %d, %s", t.Epochs, n, dataName(c.Data), t.Batch, opt)
	if p := t.Pretrain; p != nil {
		s2 += fmt.Sprintf("; after %d epochs of autoencoder pretraining per hidden layer (%s lr %g, momentum %g)",
			p.Epochs, p.Optimizer.Kind, p.Optimizer.LR, p.Optimizer.Momentum)
	}
	return s2
}

func dataName(d string) string {
	if d == "" {
		return "mnist"
	}
	return d
}

// seedsNote says how many seeds a section's grid has per point.
func (s *section) seedsNote() string {
	seeds := map[int]bool{}
	for _, r := range s.runs {
		seeds[r.Seed] = true
	}
	return fmt.Sprintf("%d seed(s) per point (seed fixes α, initialisation and shuffling)", len(seeds))
}

// wallSeconds sums the recorded wall time of the section's own runs
// (those whose folder belongs to this experiment).
func (s *section) wallSeconds() (secs float64, n int) {
	for _, r := range dedupe(s.runs) {
		if r.Exp != s.exp.name {
			continue
		}
		if l := s.rs.get(r); l != nil {
			secs += l.rec.WallSeconds
			n++
		}
	}
	return secs, n
}

// tuningWallSeconds sums the wall time of the tuning runs that the
// sections list, each counted once: they are stored under nameTune and
// shared between sections, so no section's wallSeconds counts them.
func tuningWallSeconds(sections []*section) (secs float64, n int) {
	seen := map[string]bool{}
	for _, s := range sections {
		for _, r := range s.runs {
			if r.Exp != nameTune || seen[r.key()] {
				continue
			}
			seen[r.key()] = true
			if l := s.rs.get(r); l != nil {
				secs += l.rec.WallSeconds
				n++
			}
		}
	}
	return secs, n
}

// reportOptions configure a report.
type reportOptions struct {
	v       variant
	results []string
	out     string
}

// writeReport writes RESULTS.md and its figures into out, and returns
// the result set it read.
func writeReport(o reportOptions) (*resultSet, error) {
	rs := newResultSet(o.results)
	rs.anyCode = o.v.quick
	figDir := filepath.Join(o.out, "figures")
	if err := os.MkdirAll(figDir, 0o755); err != nil {
		return nil, err
	}
	var sections []*section
	t := newTuner(o.v, o.results)
	t.clean = rs.counts
	for _, e := range experiments() {
		s := &section{exp: e, v: o.v, rs: rs, t: t, runs: e.runsWith(o.v, t), figDir: figDir, figRel: "figures"}
		e.report(s)
		if s.err != nil {
			return nil, fmt.Errorf("%s: %w", e.name, s.err)
		}
		sections = append(sections, s)
	}
	var b bytes.Buffer
	writeHeader(&b, o, sections, rs)
	for i, s := range sections {
		fmt.Fprintf(&b, "## %d. %s\n\n", i+1, s.exp.title)
		b.Write(s.buf.Bytes())
	}
	writeFooter(&b, sections, rs)
	return rs, runstore.WriteIfChanged(filepath.Join(o.out, "RESULTS.md"), b.Bytes())
}

// countFound returns the runs with results and the runs listed, counting
// a run shared by two experiments once per experiment (the count of
// RESULTS.md's header).
func countFound(v variant, rs *resultSet) (found, total int) {
	t := newTuner(v, rs.roots)
	for _, e := range experiments() {
		for _, r := range dedupe(e.runsWith(v, t)) {
			total++
			if rs.get(r) != nil {
				found++
			}
		}
	}
	return found, total
}

// foundLine matches the count in RESULTS.md's header.
var foundLine = regexp.MustCompile(`Runs with results: (\d+) of (\d+) listed`)

// reportedFound returns the count of runs with results that the report
// at path states, and false when there is no such report.
func reportedFound(path string) (int, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	m := foundLine.FindSubmatch(b)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(string(m[1]))
	return n, err == nil
}

func writeHeader(b *bytes.Buffer, o reportOptions, sections []*section, rs *resultSet) {
	found, total := 0, 0
	for _, s := range sections {
		for _, r := range dedupe(s.runs) {
			total++
			if rs.get(r) != nil {
				found++
			}
		}
	}
	variantName := "full"
	if o.v.quick {
		variantName = "quick (smoke-test sizes: few points, one seed, small subsets; not evidence)"
	}
	fmt.Fprintf(b, "# Results: reproducing \"Predicting Parameters in Deep Learning\" and answering its reviewers\n\n")
	fmt.Fprintf(b, "This file is generated: `go run ./native/reproduce report%s` rewrites it and `%s/` from the stored runs in `%s`; do not edit it by hand. ",
		map[bool]string{true: " -quick", false: ""}[o.v.quick], "figures", strings.Join(relAll(o.out, o.results), "`, `"))
	fmt.Fprintf(b, "Variant: %s. Runs with results: %d of %d listed (shared runs counted once per section).\n\n", variantName, found, total)
	fmt.Fprintf(b, "The paper: Denil, Shakibi, Dinh, Ranzato, de Freitas, NIPS 2013 (arXiv 1306.0543). Each hidden weight matrix is factored W = U·V; U is a fixed dictionary built by kernel ridge regression from a random subset α of weight positions and only V is trained. The reviewers wrote that the empirical results did not support the central claims; every section below answers one of their requests with our own measurements. Test errors are in percent, mean ± sample standard deviation over seeds; the count in parentheses appears when some seeds are still missing. Sections 1–8 are the earlier grid, where \"beyond noise\" means a difference of means larger than twice its standard error; the tuned-grid sections that follow use the rules stated below. \"method.md\" is the team's description of the method and of the paper code's settings (shared/docs/method.md, outside this repository); the code follows it, and docs/DESIGN.md and the package docs restate what a reader needs.\n\n")
	var sb strings.Builder
	writeClaimsSummary(&sb, sections)
	writeRules(&sb, o.v)
	b.WriteString(sb.String())
	fmt.Fprintf(b, "Hardware: %s.\n\n", hardware(sections, rs))
	fmt.Fprintf(b, "Provenance. %s Earlier grid's runs, by code state: %s; \"-dirty\" marks uncommitted changes, so those runs cannot be tied to one commit.\n\n", provenance(sections, rs), earlierCommits(sections, rs))
	fmt.Fprintf(b, "## Earlier grid: verdicts under the old rules (superseded)\n\nThese rows come from the earlier grid: fixed settings for every arm (the dense net's learning rate, ℓ = 2, one column), 3 seeds, \"beyond noise\" as a difference of means beyond twice its standard error with no correction, and some arms picked by test error. The rules above replace them; the rows stay until the tuned grid has measured every claim.\n\n| claim | our measurement | verdict | section |\n|---|---|---|---|\n")
	for i, s := range sections {
		for _, v := range s.verdicts {
			fmt.Fprintf(b, "| %s | %s | **%s** | [%d](#%s) |\n", v.claim, v.measured, v.verdict, i+1, anchor(i+1, s.exp.title))
		}
	}
	for _, v := range untested {
		fmt.Fprintf(b, "| %s | %s | **%s** | [below](#what-could-not-be-reproduced-here-and-why) |\n", v.claim, v.measured, v.verdict)
	}
	fmt.Fprintf(b, "\n")
	writeChanges(b, sections)
}

// verdictPairs pairs each claim of the earlier grid (a prefix of its
// text) with the tuned grid's claim that re-tests it (a prefix too).
var verdictPairs = []struct{ earlier, tuned string }{
	{"SE–Emp and SE–Emp2 beat RandFixU and RandCon", "SE–Emp and SE–Emp2 beat RandFixU and RandCon"},
	{"…and beat LowRank", "SE–Emp and SE–Emp2 beat LowRank"},
	{"Over 95% of the weights can be predicted without accuracy loss (abstract)", "Over 95% of the weights can be predicted without accuracy loss (abstract)"},
	{"SE–Emp beats SE–rand", "SE–Emp beats SE–rand"},
	{"Emp alone (Emp–Emp) does as well as SE–Emp", "Emp–Emp does as well as SE–Emp"},
	{"More columns (J = 5) beat one column", "Five columns beat one"},
	{"At equal learned parameters the big predicted net beats a naively down-sized dense net", "At equal learned parameters the predicted net beats a naively down-sized dense net"},
	{"…and beats PCA-preprocessed inputs", "…and beats PCA-50 inputs"},
	{"…and beats inputs downsampled to 14×14", "…and beats 14×14 inputs"},
	{"The SE kernel dictionary beats the PCA and DCT bases", "The SE dictionary beats the DCT and PCA bases"},
	{"Learning about 25% of a convnet's parameters (75% predicted) costs negligible accuracy (Fig. 5), on MNIST", "Learning about 25% of a convnet's parameters costs negligible accuracy (Fig. 5), on MNIST"},
	{"Data-driven dictionaries (Emp) predict most weights of a net on non-image data without loss", "Data-driven dictionaries (Emp–Emp) predict"},
	{"At equal learned parameters the predicted Emp–Emp net beats a down-sized dense net on FSDD", "At equal learned parameters the Emp–Emp net beats a down-sized dense net on FSDD"},
}

// writeChanges writes, for every claim that both grids test, the
// earlier verdict beside the tuned one.
func writeChanges(b *bytes.Buffer, sections []*section) {
	find := func(prefix string, tuned bool) (claimRow, bool) {
		for _, s := range sections {
			rows := s.verdicts
			if tuned {
				rows = s.tunedRows
			}
			for _, r := range rows {
				if strings.HasPrefix(r.claim, prefix) {
					return r, true
				}
			}
		}
		return claimRow{}, false
	}
	fmt.Fprintf(b, "## How the verdicts changed\n\nEach claim that both grids test: its verdict under the earlier grid's settings and rules, and under the tuned grid's. The earlier grid ran one setting for every arm (the dense net's learning rate, ℓ = 2, one column, 10 epochs; the convnet 3 and 12 epochs; FSDD 40 epochs) with 3 seeds (FSDD 5) and the 2·SE rule; the tuned grid selects the learning rate, ℓ, J and the epochs per arm on validation, runs 6 seeds and judges with Welch, Holm and the 0.2-point margin (FSDD: one test clip, 0.33 points).\n\n")
	fmt.Fprintf(b, "| claim | earlier grid | tuned grid | changed |\n|---|---|---|---|\n")
	for _, p := range verdictPairs {
		old, ok1 := find(p.earlier, false)
		now, ok2 := find(p.tuned, true)
		if !ok1 || !ok2 {
			continue
		}
		changed := "no"
		switch {
		case now.verdict == verdict.NotMeasured:
			changed = "not measured yet"
		case now.verdict != old.verdict:
			changed = "**yes**"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", now.claim, old.verdict, now.verdict, changed)
	}
	fmt.Fprintf(b, "\n")
}

// untested are the claims and requests the earlier grid does not test;
// the open questions' sections (13–20) define most of them now.
var untested = []claimRow{
	{claim: "Over half of a RICA layer's parameters are predictable on CIFAR-10 and STL-10; twice as many half-predicted features match or beat it (Fig. 6)", measured: "no CIFAR-10 or STL-10 here; RICA on Fashion-MNIST patches, and on photographs' patches classifying Fashion-MNIST, is the open questions' section 19", verdict: verdict.NotAvailable},
	{claim: "Predicted dictionaries work on TIMIT speech (Fig. 4 right, if the paper shows it)", measured: "TIMIT is licensed and absent; FSDD stands in (sections 5 and 21)", verdict: verdict.NotAvailable},
	{claim: "The method scales to ImageNet (R6)", measured: "no data, and far beyond two CPU cores", verdict: verdict.NotAvailable},
	{claim: "Conv filters learned at low resolution and upsampled; Fourier and wavelet bases (R2, R7)", measured: "not in this grid; defined under the new rules in sections 15 and 16", verdict: verdict.NotRun},
	{claim: "The best SE length scale tracks α's spacing (R7)", measured: "not in this grid (every SE run uses the paper code's ℓ); defined under the new rules in section 13", verdict: verdict.NotRun},
	{claim: "Growing α during training; alternating U and V updates (R7)", measured: "not in this grid; defined under the new rules in sections 17 (growing α) and 18 (alternating U/V)", verdict: verdict.NotRun},
}

// anchor returns the GitHub anchor of a numbered section heading.
func anchor(i int, title string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(fmt.Sprintf("%d. %s", i, title)) {
		switch {
		case r == ' ':
			sb.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

func relAll(base string, paths []string) []string {
	var out []string
	for _, p := range paths {
		rel, err := filepath.Rel(filepath.Dir(filepath.Join(base, "RESULTS.md")), p)
		if err != nil {
			rel = p
		}
		out = append(out, filepath.ToSlash(rel))
	}
	return out
}

// hardware describes the machines of the found training runs.
func hardware(sections []*section, rs *resultSet) string {
	seen := map[string]int{}
	for _, s := range sections {
		for _, r := range dedupe(s.runs) {
			if l := rs.get(r); l != nil && l.sum != nil {
				m := l.sum.Machine
				seen[fmt.Sprintf("%s/%s, %d CPUs, %d thread per run, %s, gemm %s", m.GOOS, m.GOARCH, m.CPUs, m.Threads, m.Go, strings.TrimPrefix(m.Gemm, "*gemm."))]++
			}
		}
	}
	if len(seen) == 0 {
		return "no training run finished yet"
	}
	var keys []string
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s (%d runs)", k, seen[k]))
	}
	return strings.Join(parts, "; ") + ". The machine is shared with other work, so wall times are upper bounds"
}

func writeFooter(b *bytes.Buffer, sections []*section, rs *resultSet) {
	fmt.Fprintf(b, "## What could not be reproduced here, and why\n\n")
	fmt.Fprintf(b, "- **CIFAR-10 convnet (Fig. 5)**: CIFAR-10 could not be obtained on these machines (see `/work/shared/data/README.md`: the 170 MB archive is not in any snapshot or package available here). Section 4 runs the same predicted-convolution question on MNIST instead; no CIFAR-10 number appears in this report.\n")
	fmt.Fprintf(b, "- **TIMIT (Fig. 4 right, if the paper shows it)**: TIMIT is licensed by the LDC and not available; the Free Spoken Digit Dataset stands in (section 5, and section 21 under the tuned grid's rules). Its error rates are not comparable with TIMIT phone error rates.\n")
	fmt.Fprintf(b, "- **STL-10 and CIFAR-10 with RICA (Fig. 6)**: neither data set is available; section 19 runs reconstruction ICA (kernels/rica) on Fashion-MNIST patches, a stand-in that lacks natural images' statistics, and on patches of photographs.\n")
	fmt.Fprintf(b, "- **Natural-image patches**: the only photo collection at hand is Debian's plasma-workspace-wallpapers: %d photographs (its other 19 wallpapers are renders and drawings), far fewer and larger images than CIFAR-10's 50,000 or STL-10's 100,000 unlabelled ones. Section 19 learns RICA's filters on their patches and classifies Fashion-MNIST with them (self-taught learning); natural images are not classified anywhere in this report, so the paper's Fig. 6 numbers are not reproduced.\n", len(photo.Wallpapers()))
	fmt.Fprintf(b, "- **ImageNet (reviewer 6)**: no data and far beyond two CPU cores.\n")
	fmt.Fprintf(b, "- **The open questions on the convnet at full length**: the upsampled conv filters (section 15) train up to %d epochs, not the tuned convnet's 15, and only at f = %g; a full conv grid would need about an hour of one core per arm and fraction.\n\n", qConvEpochs, qUpConvFrc)

	fmt.Fprintf(b, "## Compute spent\n\n")
	fmt.Fprintf(b, "Wall time of each experiment's own runs (child processes on one thread each, summed over runs and sessions; the grid ran them two at a time on two cores shared with other work):\n\n| experiment | runs with results | wall time, summed over runs |\n|---|---|---|\n")
	var total float64
	var runs int
	for i, s := range sections {
		secs, n := s.wallSeconds()
		fmt.Fprintf(b, "| %d. %s | %d | %s |\n", i+1, s.exp.name, n, duration(secs))
		total, runs = total+secs, runs+n
	}
	secs, n := tuningWallSeconds(sections)
	fmt.Fprintf(b, "| tuning runs on the validation split (shared by the tuned sections) | %d | %s |\n", n, duration(secs))
	total, runs = total+secs, runs+n
	fmt.Fprintf(b, "| all | %d | %s |\n\n", runs, duration(total))
	for _, root := range rs.roots {
		sessions := runstore.ReadSessions(root)
		if len(sessions) == 0 {
			continue
		}
		wall, finished := 0.0, 0
		for _, s := range sessions {
			wall += s.WallSeconds
			finished += s.Finished
		}
		fmt.Fprintf(b, "Sessions of `run` recorded in `%s`: %d, %s of wall time in all, %d runs finished.\n\n",
			filepath.Base(root)+"/"+runstore.SessionsFile, len(sessions), duration(wall), finished)
	}

	fmt.Fprintf(b, "## Failed and missing runs\n\n")
	var failed, unreadable, missing, refused []string
	seen := map[string]bool{}
	for _, s := range sections {
		for _, r := range dedupe(s.runs) {
			key := r.key()
			if seen[key] {
				continue
			}
			seen[key] = true
			if rs.get(r) != nil && rs.refused[key] == "" {
				continue
			}
			if commits, ok := rs.refused[key]; ok && rs.get(r) != nil {
				refused = append(refused, fmt.Sprintf("- `%s` (%s): code state %s", key, r.describe(), commits))
				continue
			}
			if msg, ok := rs.unreadable[key]; ok {
				unreadable = append(unreadable, fmt.Sprintf("- `%s` (%s): %s", key, r.describe(), msg))
			} else if msg, ok := rs.failed[key]; ok {
				failed = append(failed, fmt.Sprintf("- `%s` (%s): %s", key, r.describe(), msg))
			} else {
				missing = append(missing, r.Exp)
			}
		}
	}
	if len(failed) == 0 {
		fmt.Fprintf(b, "No run failed.\n")
	} else {
		fmt.Fprintf(b, "%d runs failed (their folders hold `error.txt`):\n\n%s\n", len(failed), strings.Join(failed, "\n"))
	}
	if len(refused) > 0 {
		fmt.Fprintf(b, "\n%d runs of the tuned grid are done but not counted: they ran from uncommitted code (or under several commits). Run them again from a clean commit (delete their folders first):\n\n%s\n", len(refused), strings.Join(refused, "\n"))
	}
	if len(unreadable) > 0 {
		fmt.Fprintf(b, "\n%d runs could not be read (their summary.json is not complete results; `run` runs them again):\n\n%s\n", len(unreadable), strings.Join(unreadable, "\n"))
	}
	if len(missing) > 0 {
		count := map[string]int{}
		var names []string
		for _, m := range missing {
			if count[m] == 0 {
				names = append(names, m)
			}
			count[m]++
		}
		var parts []string
		for _, n := range names {
			parts = append(parts, fmt.Sprintf("%s %d", n, count[n]))
		}
		fmt.Fprintf(b, "\nNot run yet: %s. `go run ./native/reproduce run all` runs them (finished runs are kept).\n", strings.Join(parts, ", "))
	}
	if n := len(sections[0].t.blocked); n > 0 {
		fmt.Fprintf(b, "\n%d tuned families wait for their tuning runs; their final runs are not listed above until then.\n", n)
	}
}

// duration formats seconds as "1 h 02 min" or "45 s".
func duration(secs float64) string {
	switch {
	case secs < 120:
		return fmt.Sprintf("%.0f s", secs)
	case secs < 7200:
		return fmt.Sprintf("%.0f min", secs/60)
	}
	return fmt.Sprintf("%d h %02d min", int(secs/3600), int(secs/60)%60)
}

func (e *environment) report(o *options) (int, error) {
	_, results, out, err := e.paths(o)
	if err != nil {
		return exitFailure, err
	}
	if err := checkFolders(results, true); err != nil {
		return exitBadInput, err
	}
	for _, dir := range results {
		if m, _ := filepath.Glob(filepath.Join(dir, "*", "*", runstore.SummaryFile)); len(m) == 0 {
			return exitBadInput, fmt.Errorf("results folder %s holds no run's %s", dir, runstore.SummaryFile)
		}
	}
	// The report lists the FSDD runs and the RICA runs on photographs
	// whether or not their data is here: their results may come from
	// another machine.
	v := variant{quick: o.quick, fsdd: "any", wallpapers: "any"}
	path := filepath.Join(out, "RESULTS.md")
	if old, ok := reportedFound(path); ok && !o.force {
		if found, _ := countFound(v, newResultSet(results)); found < old {
			return exitBadInput, fmt.Errorf("%s has results of %d runs, these folders of %d: not replaced (-force replaces it)", path, old, found)
		}
	}
	rs, err := writeReport(reportOptions{v: v, results: results, out: out})
	if err != nil {
		return exitFailure, err
	}
	for _, key := range slices.Sorted(maps.Keys(rs.unreadable)) {
		fmt.Fprintf(e.stderr, "report: could not read %s: %s\n", key, rs.unreadable[key])
	}
	fmt.Fprintf(e.stderr, "report: wrote %s\n", path)
	return exitOK, nil
}
