// Package engine trains feed-forward networks on the CPU in float32.
//
// Every layer is an explicit forward and backward over flat buffers (see
// DenseForward, ConvForward, MaxPoolForward and their backwards); a Net
// chains layers over one contiguous parameter buffer and its twin gradient
// buffer, and a Trainer runs seeded minibatch SGD or Adam over a data.Dataset.
// Besides the matrix products (engine/gemm), a layer's loops and the
// optimizer's update run on Context.Threads goroutines, with results that
// do not depend on the thread count.
//
// engine imports only engine/gemm, engine/data, engine/checkpoint and
// engine/internal/spin: never kernels, models, a reader of engine/data's
// sub-packages or a face (wasm, native). It does not link os/exec.
package engine
