// Package session is what the browser worker runs, kept free of syscall/js
// so that it builds and is tested natively: the page's settings (Params)
// mapped onto a models.Config, a models.Run advanced in time slices with
// the page's monitoring (training window, scheduled test evaluations),
// and the views the page draws (parameter table, unit images, dictionary
// atoms, predictions for a drawn digit).
//
// It imports engine, engine/data, engine/data/idx, kernels and models; it
// must not import syscall/js or a native face, and holds no training logic
// of its own.
package session
