// Package models describes networks as plain config structs (JSON), builds
// them on the engine, including the paper's predicted-parameter layers, and
// drives a training Run that every face (headless CLI, browser worker,
// desktop app) shares.
//
// models imports engine, kernels and the engine's subpackages; it must not
// import a face (wasm, native) or a GUI library.
//
// # Predicted layers
//
// A layer with a PredictConfig computes W = [U_1V_1 | … | U_JV_J]
// (shared/docs/method.md): PredictedDense and PredictedConv, each with
// llm.c-style functions (PredictedDenseForward, PredictedDenseBackward
// over flat buffers; PredictedConvForward, PredictedConvBackward, which
// run an engine.Conv2D over the materialised W a few images at a time).
// All V_j form one Param "v" (n_α × n_h, column block j is V_j) so that
// the optimizer's per-unit max-norm and weight decay apply to V; the
// fixed U belongs to the layer and is not in the Net's buffer, except for
// "lowrank", where U is the learned Param "u".
//
// A dense layer evaluates (x·U_j)·V_j (with T = x·[U_1 … U_J] as one
// product, and no ∂L/∂T when a first layer with a fixed U needs none) or
// x·W with W materialised once per step, whichever ChooseForm predicts is
// faster from the shapes alone (so runs stay bit-reproducible); a conv
// layer always materialises W. Bias and activation are the engine's fused
// passes (engine.BiasActForward, engine.ActBiasBackward).
//
// The kinds of dictionary are one table (DictKinds, models/dictkinds.go):
// each entry says where the kind is valid, which settings it takes, its
// defaults and the paper's settings, how it is built and described.
// Adding a dictionary is one entry there, plus its constructor in
// kernels. Dictionaries are built bottom-up by Build, every random draw from the
// run seed through a per-layer seed and fixed streams: α with
// kernels.SampleColumns. Data-driven dictionaries of layer i > 0 are
// computed from the output of layers 0…i−1 at their initial values or
// after autoencoder pretraining (PredictConfig.Source). The KRR forms
// keep U as computed, so V holds weights; every other dictionary is
// scaled to unit mean squared row norm, so that V starts from the dense
// init and steps on V move W as a dense layer's would (see
// PredictConfig.Normalize, method.md §13).
//
// Checkpoints store V, biases and optimizer state; U is rebuilt from the
// config and seed on load and checked against StaticSums. The
// dictionaries computed from data (emp, emp2, pca, ae) are stored too:
// their rebuild goes through the gemm kernels, whose rounding differs
// between targets, so without them a checkpoint written under js/wasm
// would not load natively (TestPortability checks every kind both ways).
// The pretrained values of the layers below, the other dynamic state a
// dictionary needs, are stored as well, and a checksum of the training
// set refuses a resume on other data.
//
// # Exchange
//
// Model.Export writes a model as safetensors tensors, the format PyTorch
// users exchange weights in: the compact form (V per column, biases, the
// learned and the data-driven U, and the config that rebuilds the rest)
// or the materialised one (every layer's W = U·V in PyTorch's Linear and
// Conv2d layouts, runnable with no knowledge of the method). Import loads
// either, and a dense model written by another framework given its
// config. The data sets a config names are loaded by models/datasets,
// apart from this package so that the page's wasm links no file reader.
package models
