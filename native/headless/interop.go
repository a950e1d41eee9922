package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/predparams/predparams/engine"
	"github.com/predparams/predparams/engine/gemm"
	"github.com/predparams/predparams/engine/safetensors"
	"github.com/predparams/predparams/models"
	"github.com/predparams/predparams/models/datasets"
)

// This file holds the exchange with other frameworks: -export writes the
// trained model in safetensors format, -import evaluates one (written
// here, by the browser page or by another framework) and may write it
// again with -export, in the other form for instance.

// checkInterop checks the -export, -materialise and -import flags.
func (o *options) checkInterop() error {
	switch {
	case o.materialise && o.export == "":
		return errors.New("-materialise needs -export FILE")
	case o.importPath == "":
		return nil
	case o.resume:
		return errors.New("-import evaluates a model; it cannot -resume a run")
	case o.epochs > 0:
		return fmt.Errorf("-import evaluates a model without training it: leave out -epochs %d", o.epochs)
	}
	return nil
}

// exportModel writes m to o.export.
func (j *job) exportModel(m *models.Model) int {
	o := j.opts
	f, err := m.Export(o.materialise)
	if err != nil {
		return j.fail(exitFailure, err)
	}
	if err := safetensors.Write(o.export, f); err != nil {
		return j.fail(exitFailure, err)
	}
	st, err := os.Stat(o.export)
	if err != nil {
		return j.fail(exitFailure, err)
	}
	fmt.Fprintf(j.stdout, "exported %s (%s, %d tensors, %d bytes)\n", o.export, f.Metadata["format"], len(f.Tensors), st.Size())
	return exitOK
}

// importModel evaluates the model in o.importPath on the test set of its
// config's data (or -data), and exports it again with -export.
func (j *job) importModel() int {
	o := j.opts
	j.setLog()
	f, err := safetensors.Read(o.importPath)
	if err != nil {
		return j.fail(exitBadInput, err)
	}
	info, err := models.ReadExportInfo(f)
	if err != nil {
		return j.fail(exitBadInput, fmt.Errorf("%s: %w", o.importPath, err))
	}
	var cfg *models.Config
	if o.config != "" {
		if cfg, err = models.LoadConfig(o.config); err != nil {
			return j.fail(exitBadInput, err)
		}
	}
	dataName := ""
	switch {
	case info.Config != nil:
		dataName = info.Config.Data
	case cfg != nil:
		dataName = cfg.Data
	}
	j.log("loading data %s", orDefault(dataName, "mnist"))
	train, test, err := datasets.LoadData(dataName, o.data)
	if err != nil {
		return j.fail(exitBadInput, err)
	}
	stop, interrupted := j.watchSetUp()
	defer interrupted()
	env := models.Env{Gemm: gemm.Best(o.threads), Threads: o.threads, Log: j.log, Stop: stop}
	m, err := models.Import(f, cfg, train, env)
	if interrupted() || errors.Is(err, models.ErrStopped) {
		return j.setUpInterrupted()
	}
	if err != nil {
		return j.fail(exitBadInput, fmt.Errorf("%s: %w", o.importPath, err))
	}
	if err := engine.CheckData(m.Net, test); err != nil {
		return j.fail(exitBadInput, err)
	}
	if !o.quiet {
		m.WriteTable(j.stderr)
	}
	testErr, testLoss := engine.Evaluate(m.Net, test, nil)
	form := "materialised"
	if info.Format == models.ExportCompact {
		form = "compact"
	}
	fmt.Fprintf(j.stdout, "%s: test error %.2f%% (loss %.4f) on %d test examples; imported from %s (%s form)\n",
		m.Config.Name, 100*testErr, testLoss, test.N, o.importPath, form)
	if o.export != "" {
		return j.exportModel(m)
	}
	return exitOK
}
